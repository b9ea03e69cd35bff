from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail

from notifications.services import messages_dispatch_due
from orders import services
from orders.inputs import LineItemInput
from tests.orders.factories import AGREED_TO_EMAIL, place_order

DELIVERED_AT = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
LINES = [
    LineItemInput(sku="TEE-1", title="Linen tee", quantity=2, unit_price=Decimal("25.00")),
    LineItemInput(sku="CAP-1", title="Wool cap", quantity=1, unit_price=Decimal("19.90")),
]


def day(n: float) -> datetime:
    return DELIVERED_AT + timedelta(days=n)


_last_run = {"day": -1.0}


@pytest.fixture(autouse=True)
def _empty_outbox():
    mail.outbox = []


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    """Run a write as a request would: its on-commit nudge delivers what is due (eager Celery)."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


@pytest.fixture(autouse=True)
def _outbox_clock():
    _last_run["day"] = -1.0


def dispatch_on(n: float) -> list[str]:
    """Run the outbox every half day since its last run, up to day `n` after delivery, as the beat
    sweep would; the subjects sent so far."""
    runs = []
    step = _last_run["day"] + 0.5
    while step < n:
        runs.append(step)
        step += 0.5
    for when in [*runs, n]:
        with time_machine.travel(day(when), tick=False):
            messages_dispatch_due()
    _last_run["day"] = n
    return [m.subject for m in mail.outbox]


def at(n: float, fn, *args, **kwargs):
    with time_machine.travel(day(n), tick=False):
        return fn(*args, **kwargs)


@pytest.fixture
def shipped_order(store, deliver):
    """An order (2 linen tees, 1 wool cap) whose customer agreed to email, shipped before DELIVERED_AT."""
    with time_machine.travel(day(-3), tick=False):
        order = deliver(place_order, store, number="#1001", marketing_consent=AGREED_TO_EMAIL, line_items=LINES)
        shipment, _ = deliver(services.shipment_upsert, order=order, carrier="dhl", tracking_number="JD1")
        deliver(services.tracking_event_add, shipment=shipment, occurred_at=day(-3), status="in_transit")
    mail.outbox = []
    return order


@pytest.fixture
def delivered_order(shipped_order, deliver):
    shipment = shipped_order.shipments.get()
    with time_machine.travel(DELIVERED_AT, tick=False):
        deliver(services.tracking_event_add, shipment=shipment, occurred_at=DELIVERED_AT, status="delivered")
    mail.outbox = []
    shipped_order.refresh_from_db()
    return shipped_order
