from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from django.apps import AppConfig

OPENED = "fake_hold.opened"  # something about the order is open: its nudges must wait
CLOSED = "fake_hold.closed"
VOIDED = "fake_hold.voided"  # the order is beyond nudging: cancel them
HELD_KIND = "fake_pillar_nudge"  # named by its string only: this app never imports fake_pillar
WAIT = timedelta(hours=2)


def open_orders(messages: Sequence, now: datetime) -> Mapping[int, object]:
    """One query for the whole batch: the latest of each order's open/close events."""
    from notifications.holds import Hold
    from orders.models import DomainEvent

    latest: dict[int, str] = {}
    events = DomainEvent.objects.filter(order_id__in={m.order_id for m in messages}, kind__in=[OPENED, CLOSED, VOIDED])
    for order_id, kind in events.order_by("created_at", "id").values_list("order_id", "kind"):
        latest[order_id] = kind
    answers = {}
    for message in messages:
        if latest.get(message.order_id) == OPENED:
            answers[message.id] = Hold.postpone("a fake hold is open on the order", now + WAIT)
        elif latest.get(message.order_id) == VOIDED:
            answers[message.id] = Hold.cancel("the fake hold voided the order")
    return answers


class FakeHoldConfig(AppConfig):
    name = "tests.apps.fake_hold"
    label = "fake_hold"
    verbose_name = "Fake hold"

    def ready(self) -> None:
        from notifications.holds import register_hold

        register_hold(name="fake_hold.open_orders", kinds=[HELD_KIND], check=open_orders)
