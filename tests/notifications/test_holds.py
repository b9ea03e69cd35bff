"""Holds at send time: another app (tests/apps/fake_hold) holds back a kind declared by a third
(tests/apps/fake_pillar), knowing only its name; notifications applies the decision like its own."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.holds import Hold, register_hold, unregister_hold
from notifications.models import Message, MessageState
from notifications.services import messages_dispatch_due
from orders.events import event_record
from orders.models import DomainEvent
from tests.apps.fake_hold.apps import CLOSED, OPENED, VOIDED, WAIT
from tests.apps.fake_pillar.apps import NUDGE, NUDGED
from tests.orders.factories import place_order

pytestmark = pytest.mark.django_db


def nudged(store, deliver, number: str):
    order = deliver(place_order, store, number=number, external_id=number)
    deliver(event_record, kind=NUDGED, store=store, order=order, data={"nudge": "Come back"})
    mail.outbox = []  # the order confirmation
    return order


def dispatch_in(delta: timedelta) -> None:
    with time_machine.travel(timezone.now() + delta, tick=False):
        messages_dispatch_due()


def test_a_held_message_waits_and_is_sent_once_the_hold_is_released(store, deliver):
    order = nudged(store, deliver, "#4001")
    event_record(kind=OPENED, store=store, order=order)

    dispatch_in(timedelta(hours=1, minutes=1))

    message = Message.objects.get(order=order, kind=NUDGE)
    assert message.state == MessageState.SCHEDULED
    assert message.reason == "a fake hold is open on the order"
    assert message.send_at > timezone.now() + timedelta(hours=2)
    assert mail.outbox == []
    postponed = DomainEvent.objects.get(order=order, kind="message.postponed")
    assert postponed.data["reason"] == "a fake hold is open on the order"

    event_record(kind=CLOSED, store=store, order=order)
    dispatch_in(timedelta(hours=1, minutes=1) + WAIT)

    message.refresh_from_db()
    assert message.state == MessageState.SENT
    [email] = mail.outbox
    assert email.subject == "A nudge about order #4001"


def test_a_hold_can_cancel_a_message_with_its_reason(store, deliver):
    order = nudged(store, deliver, "#4002")
    event_record(kind=VOIDED, store=store, order=order)

    dispatch_in(timedelta(hours=1, minutes=1))

    message = Message.objects.get(order=order, kind=NUDGE)
    assert (message.state, message.reason) == (MessageState.CANCELLED, "the fake hold voided the order")
    assert DomainEvent.objects.filter(order=order, kind="message.cancelled").exists()
    assert mail.outbox == []


def test_a_hold_is_asked_only_about_the_kinds_it_names(store, deliver):
    order = deliver(place_order, store, number="#4003")
    event_record(kind=OPENED, store=store, order=order)
    Message.objects.filter(order=order).update(state=MessageState.SCHEDULED, send_at=timezone.now())
    mail.outbox = []

    messages_dispatch_due()

    assert Message.objects.get(order=order, kind="order_confirmation").state == MessageState.SENT


def test_a_hold_answers_a_batch_in_the_same_queries_whatever_its_size(store, deliver, settings):
    settings.MESSAGE_SENDERS = {"email": "notifications.channels.null.send", "sms": "notifications.channels.null.send"}

    def queries(count: int, prefix: str) -> int:
        for n in range(count):
            order = nudged(store, deliver, f"#{prefix}{n}")
            event_record(kind=OPENED, store=store, order=order)
        with (
            time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1), tick=False),
            CaptureQueriesContext(connection) as captured,
        ):
            messages_dispatch_due()
        return len(captured)

    queries(1, "W")  # the store's messaging settings on first use
    assert queries(2, "A") == queries(8, "B")


def test_a_failing_hold_check_holds_its_messages_back_and_spares_the_others(store, deliver):
    def broken(messages, now):
        raise RuntimeError("the pillar has a bug")

    register_hold(name="test.broken", kinds=[NUDGE], check=broken)
    try:
        order = nudged(store, deliver, "#4004")
        dispatch_in(timedelta(hours=1, minutes=1))
    finally:
        unregister_hold("test.broken")

    message = Message.objects.get(order=order, kind=NUDGE)
    assert (message.state, message.reason) == (MessageState.SCHEDULED, "hold check test.broken failed")


def test_of_two_holds_on_a_message_a_cancel_wins(store, deliver):
    def postpone(messages, now):
        return {m.id: Hold.postpone("later", now + timedelta(days=1)) for m in messages}

    register_hold(name="test.postpone", kinds=[NUDGE], check=postpone)
    try:
        order = nudged(store, deliver, "#4005")
        event_record(kind=VOIDED, store=store, order=order)
        dispatch_in(timedelta(hours=1, minutes=1))
    finally:
        unregister_hold("test.postpone")

    assert Message.objects.get(order=order, kind=NUDGE).state == MessageState.CANCELLED
