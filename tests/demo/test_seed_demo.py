from io import StringIO

import pytest
from django.core.management import call_command

from orders.models import ApiKey, Store

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def _counts():
    from orders.models import Customer, DomainEvent, Order, Shipment, TrackingEvent

    return [m.objects.count() for m in (Store, Order, Customer, Shipment, TrackingEvent, DomainEvent, ApiKey)]


def test_seed_demo_builds_a_store_with_orders_in_every_status_and_can_run_twice():
    from orders.models import Order, OrderStatus

    first = run("seed_demo", "--orders", "80")
    counts = _counts()

    second = run("seed_demo", "--orders", "80")

    store = Store.objects.get(slug="demo")
    assert store.name == "Acme Outfitters"
    assert set(Order.objects.filter(store=store).values_list("status", flat=True)) == set(OrderStatus.values)
    assert _counts() == counts
    assert "admin / admin" in first
    assert "pp_" in first
    assert "pp_" not in second


def test_seed_demo_logins_work(client):
    run("seed_demo", "--orders", "10")

    assert client.login(username="admin", password="admin")
    assert client.get("/admin/orders/order/").status_code == 200
    assert client.login(username="merchant", password="merchant")
    assert "#1001" in client.get("/admin/orders/order/").text


def test_nothing_seeded_happens_after_now_on_any_run():
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from orders.models import DomainEvent, Order, Shipment, TrackingEvent

    run("seed_demo", "--orders", "60")
    with time_machine.travel(timezone.now() + timedelta(days=3, hours=7), tick=False):
        run("seed_demo", "--orders", "90")  # days later, with more orders: the new ones are dated from now
        now = timezone.now()

        assert not Order.objects.filter(placed_at__gt=now).exists()
        assert not TrackingEvent.objects.filter(occurred_at__gt=now).exists()
        assert not Shipment.objects.filter(delivered_at__gt=now).exists()
        assert not Shipment.objects.filter(shipped_at__gt=now).exists()
        assert not DomainEvent.objects.filter(created_at__gt=now).exists()


def test_the_demo_shows_every_state_a_merchant_meets():
    from orders.models import Shipment, ShipmentStatus

    run("seed_demo", "--orders", "40")

    shipments = Shipment.objects.filter(order__store__slug="demo")
    assert shipments.filter(status=ShipmentStatus.IN_TRANSIT, delayed=False).exists()
    assert shipments.filter(status=ShipmentStatus.OUT_FOR_DELIVERY).exists()
    assert shipments.filter(status=ShipmentStatus.DELIVERED).exists()
    assert shipments.filter(status=ShipmentStatus.EXCEPTION).exists()
    assert shipments.filter(delayed=True).exclude(status=ShipmentStatus.EXCEPTION).exists()


def test_the_demo_store_is_branded_and_its_exception_order_shows_the_problem(client):
    from orders.models import Shipment, ShipmentStatus
    from tracking import links

    output = run("seed_demo", "--orders", "40")
    store = Store.objects.get(slug="demo")
    held = Shipment.objects.filter(order__store=store, status=ShipmentStatus.EXCEPTION).first()

    html = client.get(links.page_path(links.order_token(held.order))).content.decode()

    assert "/static/demo/acme-logo.svg" in html
    assert "--brand: #0f766e;" in html
    assert "Members get free returns" in html
    assert "When will my order arrive?" in html
    assert "There is a problem with your delivery" in html
    assert "carrier problem" in output


def test_the_demo_live_order_has_a_confirmation_waiting_for_the_worker():
    from notifications.models import Message

    output = run("seed_demo", "--orders", "10")

    live = Message.objects.filter(order__number="#9001")
    assert list(live.values_list("kind", "channel", "state")) == [("order_confirmation", "email", "scheduled")]
    assert Message.objects.filter(kind="delayed", state="scheduled").count() == 1  # the late order's apology
    assert "#9001" in output
