"""Messages to a customer, not only about an order: the caller's idempotency key says what "the
same message" is, and consent, quiet hours, the cap and explain_messages work as for orders."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from notifications.channels import sms
from notifications.models import Channel, Consent, Message, MessageState
from notifications.services import message_schedule_for_customer, messages_dispatch_due
from orders.events import event_record
from orders.models import Customer, DomainEvent
from postpurchase.exceptions import DomainError
from tests.apps.fake_pillar.apps import BIRTHDAY, NUDGE
from tests.notifications.factories import opt_in_sms
from tests.orders.factories import place_order

pytestmark = pytest.mark.django_db
PHONE = "+4915112345678"
# 23:00 in Berlin: inside the default SMS quiet hours (21:00-08:00).
LATE_EVENING = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)


@pytest.fixture
def ada(store):
    return Customer.objects.create(
        store=store, email="ada@example.com", phone=PHONE, first_name="Ada", timezone="Europe/Berlin"
    )


def agree_to_email(customer) -> None:
    Consent.objects.create(
        customer=customer, channel=Channel.EMAIL, opted_in=True, source="preference page", recorded_at=timezone.now()
    )


def birthday(store, customer, key="fake_pillar:birthday:2027:1", **extra) -> int:
    return message_schedule_for_customer(store=store, kind=BIRTHDAY, customer=customer, key=key, **extra)


def test_a_customer_message_without_an_order_is_sent_to_the_customer(store, ada, deliver):
    agree_to_email(ada)

    assert deliver(birthday, store, ada) == 2  # email and SMS, the kind's flows

    email = Message.objects.get(customer=ada, channel=Channel.EMAIL)
    assert (email.order_id, email.state, email.transactional) == (None, MessageState.SENT, False)
    [sent] = mail.outbox
    assert sent.to == ["ada@example.com"]
    assert sent.subject == "Happy birthday, Ada"
    assert "/messages/unsubscribe/" in sent.body  # optional: the customer can say no


def test_scheduling_the_same_key_again_is_a_no_op(store, ada, deliver):
    agree_to_email(ada)
    deliver(birthday, store, ada)

    again = deliver(birthday, store, ada)

    assert again == 0
    assert Message.objects.filter(customer=ada).count() == 2
    assert len(mail.outbox) == 1


def test_two_keys_on_the_same_order_are_two_messages_and_both_send(store, deliver):
    order = deliver(place_order, store, number="#5001")
    mail.outbox = []

    for rma in ("RMA-1", "RMA-2"):
        message_schedule_for_customer(store=store, kind=NUDGE, order=order, key=f"fake_pillar:nudge:{rma}")
    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1), tick=False):
        messages_dispatch_due()

    nudges = Message.objects.filter(order=order, kind=NUDGE)
    assert sorted(m.data["key"] for m in nudges) == ["fake_pillar:nudge:RMA-1", "fake_pillar:nudge:RMA-2"]
    assert {m.state for m in nudges} == {MessageState.SENT}
    assert [m.subject for m in mail.outbox] == ["A nudge about order #5001"] * 2


def test_optional_email_to_a_customer_who_never_agreed_is_not_sent(store, ada, deliver):
    deliver(birthday, store, ada)

    email = Message.objects.get(customer=ada, channel=Channel.EMAIL)
    assert email.state == MessageState.SUPPRESSED
    assert "has not agreed to optional email" in email.reason
    assert mail.outbox == []


def test_an_sms_to_a_customer_waits_for_the_end_of_quiet_hours_in_their_zone(store, ada, deliver):
    opt_in_sms(ada)
    Consent.objects.filter(customer=ada, channel=Channel.SMS).update(optional_messages=True)

    with time_machine.travel(LATE_EVENING, tick=False):
        deliver(birthday, store, ada)

    text = Message.objects.get(customer=ada, channel=Channel.SMS)
    assert text.state == MessageState.SCHEDULED
    assert text.reason == "quiet hours 21:00-08:00 in Europe/Berlin"
    assert text.send_at == datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    assert sms.outbox == []
    with time_machine.travel(datetime(2026, 11, 24, 7, 1, tzinfo=UTC), tick=False):
        messages_dispatch_due()
    text.refresh_from_db()
    assert text.state == MessageState.SENT
    assert len(sms.outbox) == 1


def test_a_customer_message_counts_against_the_frequency_cap(store, ada, deliver):
    agree_to_email(ada)
    deliver(birthday, store, ada, key="fake_pillar:birthday:2027:first")

    deliver(birthday, store, ada, key="fake_pillar:birthday:2027:second")

    second = Message.objects.get(customer=ada, channel=Channel.EMAIL, data__key="fake_pillar:birthday:2027:second")
    assert second.state == MessageState.SCHEDULED
    assert second.reason == "frequency cap: 1 optional message(s) per 24 hours"
    assert len(mail.outbox) == 1


def test_a_customer_messages_decisions_are_on_the_customers_timeline(store, ada, deliver):
    deliver(birthday, store, ada)

    events = DomainEvent.objects.filter(customer=ada, order=None, kind="message.suppressed")
    assert {e.data["channel"] for e in events} == {"email", "sms"}


def test_an_event_about_a_customer_schedules_the_kind_it_triggers_once(store, ada, deliver):
    agree_to_email(ada)

    event = deliver(event_record, kind="fake_pillar.birthday", store=store, customer=ada, data={"year": 2027})
    from postpurchase.events import publish

    publish(event)  # a replay

    [email] = Message.objects.filter(customer=ada, channel=Channel.EMAIL)
    assert email.data == {"year": 2027, "key": f"fake_pillar_birthday:event:{event.pk}"}
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("key", ["", "x" * 181, "spaces are not keys", "new\nline"])
def test_a_bad_idempotency_key_is_refused(store, ada, key):
    with pytest.raises(DomainError, match="idempotency key"):
        birthday(store, ada, key=key)

    assert not Message.objects.exists()


def test_an_unknown_kind_or_another_stores_customer_is_refused(store, other_store, ada):
    with pytest.raises(DomainError, match="No message kind 'birthdya'"):
        message_schedule_for_customer(store=store, kind="birthdya", customer=ada, key="k")
    with pytest.raises(DomainError, match="customer of this store"):
        message_schedule_for_customer(store=other_store, kind=BIRTHDAY, customer=ada, key="k")


def test_explain_messages_explains_a_customers_messages(store, ada, deliver):
    opt_in_sms(ada)
    with time_machine.travel(LATE_EVENING, tick=False):
        deliver(birthday, store, ada)
        out = StringIO()
        call_command("explain_messages", "--customer", " ADA@example.com ", "--store", "acme", stdout=out)

    text = out.getvalue()
    assert "Customer a***@example.com of acme" in text
    assert "fake_pillar_birthday by email to a***@example.com, key fake_pillar:birthday:2027:1: suppressed" in text
    assert "reason: the customer has not agreed to optional email" in text
    assert "now: would wait until 2026-11-24 07:00 UTC (quiet hours 21:00-08:00 in Europe/Berlin)" in text
