import pytest

from orders import services
from orders.models import ApiKey
from tests.orders.factories import UserFactory, place_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_orders(store, other_store):
    return place_order(store, number="#A-1", external_id="a1"), place_order(
        other_store, number="#B-1", external_id="b1"
    )


def test_a_staff_user_sees_only_their_stores_orders(client, owner, two_orders):
    client.force_login(owner)

    page = client.get("/admin/orders/order/")

    assert page.status_code == 200
    assert "#A-1" in page.text
    assert "#B-1" not in page.text


def test_a_staff_user_cannot_open_another_stores_order(client, owner, two_orders):
    client.force_login(owner)
    _, foreign = two_orders

    page = client.get(f"/admin/orders/order/{foreign.pk}/change/", follow=True)

    assert "#B-1" not in page.text
    assert "doesn\u2019t exist" in page.text


def test_a_staff_user_sees_only_their_store(client, owner, two_orders):
    client.force_login(owner)

    page = client.get("/admin/orders/store/")

    assert "Acme Outfitters" in page.text
    assert "Globex" not in page.text


def test_a_superuser_sees_every_store(client, two_orders):
    client.force_login(UserFactory(username="root", is_superuser=True))

    page = client.get("/admin/orders/order/")

    assert "#A-1" in page.text
    assert "#B-1" in page.text


def test_the_order_page_shows_items_shipments_checkpoints_and_timeline(client, owner, store):
    order = place_order(store)
    shipment, _ = services.shipment_upsert(order=order, carrier="dhl", tracking_number="JD0042")
    services.tracking_event_add(
        shipment=shipment, occurred_at=order.placed_at, status="in_transit", message="Departed Leipzig hub"
    )
    client.force_login(owner)

    page = client.get(f"/admin/orders/order/{order.pk}/change/")

    assert page.status_code == 200
    assert "Linen tee" in page.text
    assert "JD0042" in page.text
    assert "Departed Leipzig hub" in page.text
    assert "Order placed" in page.text
    assert "Shipment created: DHL JD0042" in page.text  # the carrier as people know it
    assert "Status placed → shipped" in page.text


def test_orders_are_found_by_tracking_number_and_by_number_without_hash(client, owner, store):
    order = place_order(store, number="#1042", external_id="x")
    services.shipment_upsert(order=order, carrier="ups", tracking_number="1Z999")
    place_order(store, number="#2000", external_id="y")
    client.force_login(owner)

    by_tracking = client.get("/admin/orders/order/", {"q": "1Z999"})
    by_number = client.get("/admin/orders/order/", {"q": "1042"})

    assert "#1042" in by_tracking.text
    assert "#2000" not in by_tracking.text
    assert "#1042" in by_number.text
    assert "#2000" not in by_number.text


def test_the_admin_has_the_product_header(client, owner):
    client.force_login(owner)

    assert "Post-purchase" in client.get("/admin/").text


def test_a_new_api_key_is_shown_once_and_stored_hashed(client, owner, store):
    client.force_login(owner)

    page = client.post("/admin/orders/apikey/add/", {"store": store.pk, "name": "storefront"}, follow=True)

    key = ApiKey.objects.get(name="storefront")
    shown = page.text.split("it will not be shown again: ")[1].split("<")[0].strip()
    assert ApiKey.objects.for_raw_key(shown) == key
    assert shown not in key.key_hash
    assert shown not in client.get(f"/admin/orders/apikey/{key.pk}/change/").text
