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
