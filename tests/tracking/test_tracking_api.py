from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from orders.inputs import ShipmentItemInput
from orders.models import Shipment
from tests.orders.factories import place_order
from tests.tracking.page_helpers import ship
from tracking import links
from tracking.selectors import order_tracking

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


@pytest.fixture
def order(store):
    order = place_order(store)
    first = ship(order, "A1", items=[ShipmentItemInput(sku="TEE-1", quantity=2)], events=2)
    ship(order, "B2", items=[ShipmentItemInput(sku="CAP-1", quantity=1)], estimated_delivery=date(2025, 3, 14))
    Shipment.objects.filter(pk=first.pk).update(delayed=True, delay_reason="Severe weather at the hub")
    return order


def test_the_merchant_api_tells_where_an_order_is(api, order):
    response = api.get(f"/api/v1/orders/{order.pk}/tracking")

    assert response.status_code == 200
    body = response.json()
    assert body["order_id"] == order.pk
    assert body["number"] == "#1001"
    assert body["status"] == "shipped"
    assert body["step"] == "shipped"
    assert body["step_index"] == 1
    assert body["steps"] == ["ordered", "shipped", "out_for_delivery", "delivered"]
    assert body["delayed"] is True
    assert body["delay_reasons"] == ["Severe weather at the hub"]
    assert body["estimated_delivery"]["latest"] == "2025-03-14"
    first, second = body["shipments"]
    assert first["carrier"] == "DHL"
    assert first["tracking_number"] == "A1"
    assert first["tracking_url"] == "https://carrier.example/track/A1"
    assert first["status"] == "in_transit"
    assert first["items"] == [{"title": "Linen tee", "sku": "TEE-1", "quantity": 2}]
    assert [e["message"] for e in first["events"]] == ["Scan 1 of A1", "Scan 0 of A1"]
    assert first["events"][0] == {
        "time": "2025-03-10T10:30:00Z",
        "status": "in_transit",
        "status_label": "In transit",
        "message": "Scan 1 of A1",
        "location": "Leipzig, DE",
    }
    assert second["estimated_delivery"] == {"earliest": "2025-03-14", "latest": "2025-03-14"}


def test_the_merchant_api_answers_with_or_without_the_trailing_slash(api, order):
    assert api.get(f"/api/v1/orders/{order.pk}/tracking/").status_code == 200


def test_the_merchant_api_needs_a_key(order):
    assert APIClient().get(f"/api/v1/orders/{order.pk}/tracking").status_code == 401


def test_another_stores_order_is_a_404(other_api, order):
    assert other_api.get(f"/api/v1/orders/{order.pk}/tracking").status_code == 404


def test_labels_follow_lang(api, order):
    response = api.get(f"/api/v1/orders/{order.pk}/tracking", {"lang": "de"})

    assert response.json()["status_label"] == "Versandt"
    assert response.json()["shipments"][0]["status_label"] == "Unterwegs"


def test_the_public_json_serves_a_signed_links_order_to_any_site(client, order):
    response = client.get(links.json_path(links.order_token(order)))

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    body = response.json()
    assert body["number"] == "#1001"
    assert body["delayed"] is True
    assert [s["tracking_number"] for s in body["shipments"]] == ["A1", "B2"]
    assert "order_id" not in body
    assert "ada" not in response.content.decode().lower()  # neither the customer's name nor email


def test_the_public_json_speaks_the_orders_language(client, store):
    order = place_order(store, locale="fr")

    body = client.get(links.json_path(links.order_token(order))).json()

    assert body["status_label"] == "Commandée"


def test_the_public_json_of_a_tampered_token_is_a_404(client, order):
    token = links.order_token(order)

    assert client.get(links.json_path(token[:-2] + "xx")).status_code == 404


def test_the_selector_reads_an_order_in_three_queries(store):
    order = place_order(store)
    for n in range(3):
        ship(order, f"S{n}", items=[] if n else None, events=5)

    with CaptureQueriesContext(connection) as queries:
        tracking = order_tracking(order.pk)

    assert len(queries) == 3
    assert [len(s.events) for s in tracking.shipments] == [5, 5, 5]
