"""Every page we serve sends a Content-Security-Policy; customer pages get the strict one: no
inline script at all, inline styles only with the response's nonce, no framing by other sites."""

import re

import pytest
from django.core.cache import cache

from notifications.context import preferences_token
from tests.orders.factories import UserFactory, place_order
from tracking import links

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def customer_pages(client, order) -> dict[str, object]:
    token = links.order_token(order)
    customer = preferences_token(order.customer_id)
    return {
        "lookup": client.get("/track/"),
        "tracking": client.get(links.page_path(token)),
        "preferences": client.get(f"/messages/preferences/{customer}/"),
        "unsubscribe": client.get(f"/messages/unsubscribe/{customer}/"),
    }


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_customer_pages_run_nothing_inline_and_style_only_with_the_responses_nonce(client, store):
    order = place_order(store)

    for name, response in customer_pages(client, order).items():
        assert response.status_code == 200, name
        directives = policy(response)
        html = response.content.decode()
        nonces = set(re.findall(r'<style nonce="([^"]+)"', html))
        assert directives["script-src"] == ["'self'"], name
        assert directives["default-src"] == ["'none'"], name
        assert directives["frame-ancestors"] == ["'none'"], name
        assert "'unsafe-inline'" not in directives["style-src"], name
        assert [f"'nonce-{nonce}'" for nonce in nonces] == directives["style-src"][1:], name
        assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html), name
        assert not re.search(r"\son[a-z]+\s*=", html), name
        assert not re.search(r"\sstyle\s*=", html), name


def test_a_tracking_page_served_from_the_cache_carries_its_own_requests_nonce(client, store):
    order = place_order(store)
    path = links.page_path(links.order_token(order))
    first = client.get(path)

    again = client.get(path)

    nonce = re.search(r'<style nonce="([^"]+)"', again.content.decode()).group(1)
    assert policy(again)["style-src"] == ["'self'", f"'nonce-{nonce}'"]
    assert policy(first)["style-src"] != policy(again)["style-src"]


def test_every_kind_of_response_sends_a_policy(client, store):
    order = place_order(store)
    client.force_login(UserFactory(username="root", is_superuser=True))

    responses = {
        "admin": client.get("/admin/"),
        "admin template form": client.get("/admin/notifications/messagetemplate/add/"),
        "api": client.get("/api/v1/orders/"),
        "json": client.get(links.json_path(links.order_token(order))),
        "not found": client.get("/no-such-page/"),
        "healthz": client.get("/healthz"),
    }

    assert {name: "Content-Security-Policy" in r for name, r in responses.items()} == dict.fromkeys(responses, True)
    assert policy(responses["admin"])["frame-ancestors"] == ["'self'"]
    assert policy(responses["api"])["script-src"] == ["'self'"]
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", responses["admin template form"].content.decode())
