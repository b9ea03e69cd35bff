"""`return_window.closed` is recorded once per order when its window (with grace and tags) ends."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from orders.models import Customer, DomainEvent, Order, OrderSource, OrderStatus
from returns.services import returns_close_windows
from returns.tasks import returns_close_windows_task
from tests.returns.factories import delivered_order, policy

pytestmark = pytest.mark.django_db


def _closed(order=None):
    events = DomainEvent.objects.filter(kind="return_window.closed")
    return events.filter(order=order) if order is not None else events


def test_the_window_closes_once_per_order_also_when_the_beat_task_runs_twice(store):
    old = delivered_order(store, number="#1", delivered_days_ago=31)
    fresh = delivered_order(store, number="#2", delivered_days_ago=29)

    returns_close_windows_task.delay()
    returns_close_windows_task.delay()

    assert _closed(old).count() == 1
    assert _closed(fresh).count() == 0
    assert _closed(old).get().data["order_id"] == old.pk


def test_a_window_closes_only_after_its_grace_days_and_its_customers_tag_rule(store):
    policy(store, window_days=10, grace_days=2, tags={"tier:gold": 20})
    ordinary = delivered_order(store, number="#1", delivered_days_ago=11)
    gold = delivered_order(store, number="#2", delivered_days_ago=13, email="gold@example.com")
    Customer.objects.filter(pk=gold.customer_id).update(tags=["tier:gold"])

    first = returns_close_windows()
    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
        second = returns_close_windows()

    assert (first, second) == ([], [ordinary.pk])
    assert _closed(gold).count() == 0


def test_without_a_delivery_scan_the_window_counts_from_shipping_plus_the_allowance(store):
    policy(store, window_days=10, unscanned_allowance_days=5)
    order = delivered_order(store, delivered_days_ago=None, shipped_days_ago=16)

    assert returns_close_windows() == [order.pk]


def test_a_closed_window_stays_closed_when_a_late_delivery_scan_would_lengthen_it(store):
    from orders.models import Shipment
    from returns.selectors import order_eligibility

    policy(store, window_days=10, unscanned_allowance_days=5)
    order = delivered_order(store, delivered_days_ago=None, shipped_days_ago=16)
    returns_close_windows()

    Shipment.objects.filter(order=order).update(delivered_at=timezone.now() - timedelta(days=1))

    assert [e.why_not for e in order_eligibility(order)] == ["window_closed", "window_closed"]
    assert returns_close_windows() == []


def test_cancelled_and_imported_orders_are_left_alone(store):
    cancelled = delivered_order(store, number="#1", delivered_days_ago=40)
    imported = delivered_order(store, number="#2", delivered_days_ago=40)
    Order.objects.filter(pk=cancelled.pk).update(status=OrderStatus.CANCELLED)
    Order.objects.filter(pk=imported.pk).update(source=OrderSource.IMPORT)

    assert returns_close_windows() == []


def test_the_command_dry_run_counts_without_recording(store, capsys):
    delivered_order(store, delivered_days_ago=40)

    call_command("close_return_windows", "--dry-run")
    dry = capsys.readouterr().out
    call_command("close_return_windows")
    real = capsys.readouterr().out

    assert dry.splitlines() == ["  acme: 1", "1 return windows would close. Dry run: nothing was changed."]
    assert real.splitlines() == ["  acme: 1", "1 return windows closed."]
    assert _closed().count() == 1


def test_the_beat_closes_windows_every_hour(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["returns-close-windows"]

    assert schedule == {"task": returns_close_windows_task.name, "schedule": 3600.0}
