from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import DomainEvent, Order, OrderStatus
from tests.orders.factories import place_order

pytestmark = pytest.mark.django_db

ORDER = {
    "number": "#1042",
    "external_id": "gid-1042",
    "email": " Grace@Example.COM ",
    "currency": "EUR",
    "phone": "+49 30 1234567",
    "customer": {"first_name": "Grace", "last_name": "Hopper"},
    "locale": "de",
    "shipping_address": {"name": "Grace Hopper", "line1": "Hauptstr. 1", "city": "Berlin", "country": "DE"},
    "shipping_total": "4.90",
    "line_items": [
        {"sku": "TEE-1", "title": "Linen tee", "quantity": 2, "unit_price": "25.00"},
        {"sku": "CAP-1", "title": "Wool cap", "quantity": 1, "unit_price": "19.90"},
    ],
}


def test_it_creates_an_order_with_items_customer_and_totals(api):
    response = api.post("/api/v1/orders/", ORDER, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    order = Order.objects.get(pk=body["id"])
    assert order.number == "#1042"
    assert order.email == "grace@example.com"
    assert order.phone == "+49301234567"
    assert order.subtotal == Decimal("69.90")
    assert order.total == Decimal("74.80")
    assert order.customer.first_name == "Grace"
    assert [(li.sku, li.quantity) for li in order.line_items.all()] == [("TEE-1", 2), ("CAP-1", 1)]
    assert body["status"] == "placed"
    assert body["total"] == "74.80"


def test_it_records_order_placed_on_the_timeline(api):
    response = api.post("/api/v1/orders/", ORDER, format="json")

    events = DomainEvent.objects.filter(order_id=response.json()["id"])
    assert [e.kind for e in events if e.kind.startswith("order.")] == ["order.placed"]


def test_sending_the_same_external_id_again_makes_no_duplicate(api):
    first = api.post("/api/v1/orders/", ORDER, format="json")

    second = api.post("/api/v1/orders/", {**ORDER, "email": "grace.h@example.com"}, format="json")

    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert Order.objects.count() == 1
    assert Order.objects.get().email == "grace.h@example.com"


def test_an_order_without_external_id_is_matched_by_number(api):
    body = {k: v for k, v in ORDER.items() if k != "external_id"}
    api.post("/api/v1/orders/", body, format="json")

    again = api.post("/api/v1/orders/", body, format="json")

    assert again.status_code == 200
    assert Order.objects.count() == 1


def test_a_bad_body_gets_400_with_field_errors(api):
    body = {**ORDER, "email": "not-an-email", "currency": "euro", "line_items": [{"title": "", "quantity": 0}]}

    response = api.post("/api/v1/orders/", body, format="json")

    assert response.status_code == 400
    fields = response.json()["extra"]["fields"]
    assert set(fields) >= {"email", "currency", "line_items"}
    assert "quantity" in fields["line_items"]["0"]
    assert "unit_price" in fields["line_items"]["0"]
    assert Order.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"line_items": []}, "line_items"),
        ({"phone": "call me maybe"}, "phone"),
        ({"placed_at": "yesterday"}, "placed_at"),
        ({"line_items": "TEE-1"}, "line_items"),
        ({"shipping_total": "-1"}, "shipping_total"),
    ],
)
def test_malformed_values_are_400_never_500(api, body, field):
    response = api.post("/api/v1/orders/", {**ORDER, **body}, format="json")

    assert response.status_code == 400
    assert field in response.json()["extra"]["fields"]


def test_a_body_that_is_not_json_is_400(api):
    response = api.post("/api/v1/orders/", "{nope", content_type="application/json")

    assert response.status_code == 400


def test_a_request_without_a_key_is_401(client):
    response = client.get("/api/v1/orders/")

    assert response.status_code == 401


def test_a_revoked_key_is_refused(store, api):
    store.api_keys.get().revoke()

    response = api.get("/api/v1/orders/")

    assert response.status_code == 401


def test_a_key_of_another_store_sees_404(store, other_api):
    order = place_order(store)

    assert other_api.get(f"/api/v1/orders/{order.pk}/").status_code == 404
    assert other_api.post(f"/api/v1/orders/{order.pk}/cancel/").status_code == 404
    assert other_api.post(f"/api/v1/orders/{order.pk}/shipments/", {}, format="json").status_code == 404
    assert other_api.get("/api/v1/orders/").json()["results"] == []


def test_it_retrieves_an_order_by_id(store, api):
    order = place_order(store)

    response = api.get(f"/api/v1/orders/{order.pk}/")

    assert response.status_code == 200
    assert response.json()["number"] == order.number
    assert len(response.json()["line_items"]) == 2


def test_the_list_uses_a_constant_number_of_queries_per_page(store, api):
    def queries_for_list():
        with CaptureQueriesContext(connection) as ctx:
            response = api.get("/api/v1/orders/?page_size=50")
        assert response.status_code == 200
        return len(ctx.captured_queries), len(response.json()["results"])

    for n in range(3):
        order = place_order(store, number=f"#A{n}", external_id=f"a{n}")
        api.post(f"/api/v1/orders/{order.pk}/shipments/", {"carrier": "dhl", "tracking_number": f"A{n}"}, format="json")
    few, shown_few = queries_for_list()
    for n in range(30):
        order = place_order(store, number=f"#B{n}", external_id=f"b{n}")
        api.post(f"/api/v1/orders/{order.pk}/shipments/", {"carrier": "dhl", "tracking_number": f"B{n}"}, format="json")
    many, shown_many = queries_for_list()

    assert (shown_few, shown_many) == (3, 33)
    assert many == few


def test_the_list_pages_with_a_cursor(store, api):
    for n in range(5):
        place_order(store, number=f"#{n}", external_id=str(n))

    first = api.get("/api/v1/orders/?page_size=2").json()
    second = api.get(first["next"]).json()

    assert [o["number"] for o in first["results"]] == ["#4", "#3"]
    assert [o["number"] for o in second["results"]] == ["#2", "#1"]


def test_the_list_filters_by_status_and_email(store, api):
    place_order(store, number="#1", external_id="1", email="a@example.com")
    cancelled = place_order(store, number="#2", external_id="2", email="b@example.com")
    api.post(f"/api/v1/orders/{cancelled.pk}/cancel/")

    by_status = api.get("/api/v1/orders/?status=cancelled").json()["results"]
    by_email = api.get("/api/v1/orders/?email=A@example.com").json()["results"]

    assert [o["number"] for o in by_status] == ["#2"]
    assert [o["number"] for o in by_email] == ["#1"]


def test_cancel_before_shipping_cancels(store, api):
    order = place_order(store)

    response = api.post(f"/api/v1/orders/{order.pk}/cancel/", {"reason": "customer asked"}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert DomainEvent.objects.filter(order=order, kind="order.cancelled", data__reason="customer asked").exists()


def test_cancel_after_a_shipment_is_refused(store, api):
    order = place_order(store)
    api.post(f"/api/v1/orders/{order.pk}/shipments/", {"carrier": "ups", "tracking_number": "1Z"}, format="json")

    response = api.post(f"/api/v1/orders/{order.pk}/cancel/")

    assert response.status_code == 409
    assert "shipped" in response.json()["message"]
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED


def test_a_shipment_of_some_items_makes_the_order_partially_shipped(store, api):
    order = place_order(store)

    response = api.post(
        f"/api/v1/orders/{order.pk}/shipments/",
        {"carrier": "dhl", "tracking_number": "JD01", "items": [{"sku": "TEE-1", "quantity": 2}]},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["items"][0]["quantity"] == 2
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_SHIPPED


def test_shipping_more_than_was_ordered_is_refused(store, api):
    order = place_order(store)

    response = api.post(
        f"/api/v1/orders/{order.pk}/shipments/",
        {"carrier": "dhl", "tracking_number": "JD01", "items": [{"sku": "CAP-1", "quantity": 5}]},
        format="json",
    )

    assert response.status_code == 400
    assert "left to ship" in response.json()["message"]


def test_the_same_tracking_number_again_updates_the_shipment(store, api):
    order = place_order(store)
    url = f"/api/v1/orders/{order.pk}/shipments/"
    first = api.post(url, {"carrier": "dhl", "tracking_number": "JD01"}, format="json")

    again = api.post(
        url, {"carrier": "dhl", "tracking_number": "JD01", "tracking_url": "https://t.example/JD01"}, format="json"
    )

    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["tracking_url"] == "https://t.example/JD01"
    assert order.shipments.count() == 1


def _ship(api, order):
    return api.post(
        f"/api/v1/orders/{order.pk}/shipments/", {"carrier": "dhl", "tracking_number": "JD01"}, format="json"
    ).json()


def test_tracking_events_move_shipment_and_order_forward(store, api):
    order = place_order(store)
    shipment = _ship(api, order)
    url = f"/api/v1/shipments/{shipment['id']}/events/"

    api.post(
        url, {"occurred_at": "2026-11-20T08:00:00Z", "status": "in_transit", "message": "Departed hub"}, format="json"
    )
    api.post(url, {"occurred_at": "2026-11-21T07:00:00Z", "status": "out_for_delivery"}, format="json")
    response = api.post(url, {"occurred_at": "2026-11-21T12:00:00Z", "status": "delivered"}, format="json")

    assert response.status_code == 201
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    detail = api.get(f"/api/v1/shipments/{shipment['id']}/").json()
    assert detail["status"] == "delivered"
    assert detail["delivered_at"].startswith("2026-11-21T12:00")
    assert len(detail["events"]) == 3


def test_a_replayed_or_late_checkpoint_never_moves_the_status_back(store, api):
    order = place_order(store)
    shipment = _ship(api, order)
    url = f"/api/v1/shipments/{shipment['id']}/events/"
    api.post(url, {"occurred_at": "2026-11-21T12:00:00Z", "status": "delivered"}, format="json")

    replay = api.post(url, {"occurred_at": "2026-11-21T12:00:00Z", "status": "delivered"}, format="json")
    late = api.post(url, {"occurred_at": "2026-11-20T08:00:00Z", "status": "in_transit"}, format="json")

    assert replay.status_code == 200
    assert late.status_code == 201
    detail = api.get(f"/api/v1/shipments/{shipment['id']}/").json()
    assert detail["status"] == "delivered"
    assert len(detail["events"]) == 2
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED


def test_an_exception_after_delivery_is_recorded_but_the_order_stays_delivered(store, api):
    order = place_order(store)
    shipment = _ship(api, order)
    url = f"/api/v1/shipments/{shipment['id']}/events/"
    api.post(url, {"occurred_at": "2026-11-21T12:00:00Z", "status": "delivered"}, format="json")

    api.post(url, {"occurred_at": "2026-11-22T09:00:00Z", "status": "exception", "message": "Returned"}, format="json")

    assert api.get(f"/api/v1/shipments/{shipment['id']}/").json()["status"] == "exception"
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED


def test_the_openapi_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/")
    docs = client.get("/api/docs/")

    assert schema.status_code == 200
    assert b"/api/v1/orders/" in schema.content
    assert docs.status_code == 200


def test_updating_a_shipment_without_a_status_keeps_its_status(store, api):
    order = place_order(store)
    shipment = _ship(api, order)
    url = f"/api/v1/shipments/{shipment['id']}/events/"
    api.post(url, {"occurred_at": "2026-11-21T12:00:00Z", "status": "exception", "message": "Held"}, format="json")

    api.post(
        f"/api/v1/orders/{order.pk}/shipments/",
        {"carrier": "dhl", "tracking_number": "JD01", "tracking_url": "https://t.example/JD01"},
        format="json",
    )

    assert api.get(f"/api/v1/shipments/{shipment['id']}/").json()["status"] == "exception"
