"""Every URL under /webhooks/, found by walking the URL resolver, refuses an unsigned request
and changes nothing: no row in any table is added, changed or removed."""

import json
import re

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from notifications.models import Channel, Consent
from tests.orders.factories import place_order
from tracking.carriers import FORMATS

pytestmark = pytest.mark.django_db

VICTIM = "ada.lovelace@example.com"
PHONE = "+4915112345678"


def _walk(patterns, prefix: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def _concrete(route: str, store_slug: str) -> list[str]:
    """Every concrete path a route stands for: converters filled with real values."""
    route = route.replace("^", "").replace("$", "").replace("(_mime)?", "")
    paths = [route]
    if "<str:provider>" in route:
        paths = [route.replace("<str:provider>", name) for name in FORMATS]
    paths = [re.sub(r"<slug:\w+>", store_slug, p) for p in paths]
    assert all("<" not in p and "(" not in p for p in paths), paths
    return ["/" + p for p in paths]


def webhook_urls(store_slug: str) -> list[str]:
    routes = [route for route in _walk(get_resolver().url_patterns) if route.startswith("webhooks/")]
    return sorted({url for route in routes for url in _concrete(route, store_slug)})


def snapshot() -> dict:
    return {model._meta.label: list(model._default_manager.order_by("pk").values()) for model in apps.get_models()}


FORGED_JSON = {
    # Postmark, SendGrid/Mailgun-ish and Shopify shapes at once: whatever the endpoint reads.
    "RecordType": "SpamComplaint",
    "Type": "HardBounce",
    "TypeCode": 1,
    "Email": VICTIM,
    "Recipient": VICTIM,
    "event": "bounce",
    "email": VICTIM,
    "id": 1,
    "name": "#1001",
    "tracking_number": "1Z999",
    "events": [{"event": "spamreport", "email": VICTIM}],
}


@pytest.fixture
def world(store, other_store, settings):
    settings.ANYMAIL = {}
    order = place_order(store, number="#1001", email=VICTIM)
    customer = order.customer
    customer.phone = PHONE
    customer.save()
    Consent.objects.create(
        customer=customer, channel=Channel.SMS, opted_in=True, source="checkout", recorded_at=order.placed_at
    )
    return order


def test_the_sweep_finds_every_kind_of_webhook(store):
    urls = webhook_urls(store.slug)

    assert "/webhooks/shopify/acme/" in urls
    assert {f"/webhooks/carriers/{name}/acme/" for name in FORMATS} <= set(urls)
    assert {"/webhooks/twilio/status/", "/webhooks/twilio/inbound/"} <= set(urls)
    assert "/webhooks/anymail/postmark/tracking/" in urls
    assert "/webhooks/anymail/postmark/inbound/" in urls


@pytest.mark.parametrize("secret_configured", [False, True], ids=["no-anymail-secret", "anymail-secret-set"])
def test_an_unsigned_request_to_any_webhook_changes_nothing(client, world, settings, secret_configured):
    if secret_configured:
        settings.ANYMAIL = {"WEBHOOK_SECRET": "postmark:s3cret-hook"}
    before = snapshot()

    answers = {}
    for url in webhook_urls(world.store.slug):
        as_json = client.post(
            url,
            json.dumps(FORGED_JSON),
            content_type="application/json",
            HTTP_X_SHOPIFY_TOPIC="orders/create",
            HTTP_X_SHOPIFY_HMAC_SHA256="Zm9yZ2Vk",
            HTTP_AUTHORIZATION="Basic " + "cG9zdG1hcms6Z3Vlc3M=",  # postmark:guess
        )
        as_form = client.post(url, {"From": PHONE, "Body": "STOP", "MessageSid": "SM1", "MessageStatus": "failed"})
        answers[url] = (as_json.status_code, as_form.status_code)

    assert snapshot() == before
    refused = {url: codes for url, codes in answers.items() if not all(code in (401, 403) for code in codes)}
    assert refused == {}
