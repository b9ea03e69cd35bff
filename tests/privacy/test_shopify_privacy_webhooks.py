"""Shopify's mandatory privacy webhooks act through the same services as the ops commands."""

import json

import pytest

from orders.models import Customer, InboundWebhook, Order
from postpurchase.models import AuditEntry
from tests.orders.shopify_payloads import CUSTOMER_ID, ORDER_ID, post_webhook
from tests.privacy.person import EMAIL, PHONE, seed_person, traces

pytestmark = pytest.mark.django_db


def redact_payload() -> dict:
    return {
        "shop_id": 68123456789,
        "shop_domain": "acme-outfitters.myshopify.com",
        "customer": {"id": CUSTOMER_ID, "email": EMAIL, "phone": PHONE},
        "orders_to_redact": [ORDER_ID],
    }


def test_customers_redact_erases_the_customer_everywhere(client, store):
    seeded = seed_person(client, store)

    response = post_webhook(client, store, "customers/redact", redact_payload())

    assert response.status_code == 200
    assert traces() == []
    assert Order.objects.get(pk=seeded.order.pk).total == seeded.order.total
    entry = AuditEntry.objects.get(action="customer.erased")
    assert (entry.actor_kind, entry.actor) == ("webhook", "shopify customers/redact")


def test_customers_redact_keeps_the_request_without_the_address(client, store):
    seed_person(client, store)

    post_webhook(client, store, "customers/redact", redact_payload())

    webhook = InboundWebhook.objects.get(topic="customers/redact")
    assert webhook.processed_at is not None
    assert json.loads(webhook.body)["orders_to_redact"] == [ORDER_ID]
    assert EMAIL not in webhook.body


def test_an_unsigned_redact_request_erases_nothing(client, store):
    seed_person(client, store)

    response = post_webhook(client, store, "customers/redact", redact_payload(), secret="wrong")

    assert response.status_code == 401
    assert Customer.objects.filter(email=EMAIL).exists()


def test_customers_data_request_writes_the_export_for_the_merchant(client, store, settings, tmp_path):
    settings.PRIVACY_EXPORT_DIR = tmp_path
    seed_person(client, store)
    payload = {**redact_payload(), "orders_requested": [ORDER_ID], "data_request": {"id": 9999}}
    del payload["orders_to_redact"]

    response = post_webhook(client, store, "customers/data_request", payload)

    assert response.status_code == 200
    [path] = (tmp_path / store.slug).glob("*-shopify-9999.json")
    document = json.loads(path.read_text())
    assert document["orders"]["orders"][0]["number"] == "#1001"
    assert document["loyalty"]["entries"]
    assert Customer.objects.filter(email=EMAIL).exists()


def test_shop_redact_erases_every_customer_of_the_store(client, store, other_store):
    seed_person(client, store)
    Customer.objects.create(store=other_store, email="grace@example.com", first_name="Grace")

    response = post_webhook(client, store, "shop/redact", {"shop_id": 68123456789, "shop_domain": "acme.myshopify.com"})

    assert response.status_code == 200
    assert traces() == []
    assert not Order.objects.filter(store=store).exclude(email__endswith="@erased.invalid").exists()
    assert Customer.objects.get(store=other_store).email == "grace@example.com"
