"""Shopify compliance topics and topics we do not handle are stored and answered."""

import json

import pytest

from orders.models import InboundWebhook
from tests.orders.shopify_payloads import CUSTOMER_ID, ORDER_ID, post_webhook

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("topic", ["customers/redact", "customers/data_request", "shop/redact"])
def test_it_accepts_and_stores_compliance_topics(client, store, topic, settings, tmp_path):
    settings.PRIVACY_EXPORT_DIR = tmp_path
    payload = {
        "shop_id": 68123456789,
        "shop_domain": "acme-outfitters.myshopify.com",
        "customer": {"id": CUSTOMER_ID, "email": "ada.lovelace@example.com", "phone": None},
        "orders_to_redact": [ORDER_ID],
    }

    response = post_webhook(client, store, topic, payload)

    assert response.status_code == 200
    webhook = InboundWebhook.objects.get()
    if topic == "customers/redact":  # the request is kept; the address it names is erased with the rest
        payload["customer"]["email"] = "[erased]"
    assert (webhook.topic, json.loads(webhook.body)) == (topic, payload)
    assert webhook.processed_at is not None


def test_it_answers_200_to_a_topic_it_does_not_handle(client, store):
    response = post_webhook(client, store, "products/update", {"id": 8012345678901, "title": "Linen tee"})

    assert response.status_code == 200
    webhook = InboundWebhook.objects.get()
    assert (webhook.topic, webhook.error) == ("products/update", "")
    assert webhook.processed_at is not None
