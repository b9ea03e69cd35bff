"""The dispatcher's cost per batch, lazy rendering and the senders setting."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications import kinds
from notifications.channels import sms
from notifications.models import Channel, Message, MessageState, Suppression
from notifications.services import messages_claim, messages_deliver, messages_dispatch_due
from orders.models import DomainEvent
from tests.notifications.factories import opt_in_sms
from tests.orders.factories import AGREED_TO_EMAIL, place_order

pytestmark = pytest.mark.django_db

NULL_SENDERS = {"email": "notifications.channels.null.send", "sms": "notifications.channels.null.send"}
PHONE = "+4915112345678"
BOUNCED = "bounced@example.com"
# (kind, channel, recipient, transactional) -> what the checks make of it for an order's customer
VARIANTS = [
    (kinds.ORDER_CONFIRMATION, Channel.EMAIL, "ada.lovelace@example.com", True),  # sent
    (kinds.THANK_YOU, Channel.EMAIL, "ada.lovelace@example.com", False),  # one sent, then capped
    (kinds.ORDER_CONFIRMATION, Channel.SMS, PHONE, True),  # no SMS opt-in: suppressed
    (kinds.ORDER_CONFIRMATION, Channel.EMAIL, BOUNCED, True),  # on the suppression list
]


def due_messages(order, count: int) -> list[Message]:
    """`count` due messages about `order`, cycling through VARIANTS."""
    Message.objects.filter(order=order).delete()
    now = timezone.now()
    return Message.objects.bulk_create(
        Message(
            store=order.store,
            customer=order.customer,
            order=order,
            kind=kind,
            channel=channel,
            recipient=recipient,
            transactional=transactional,
            send_at=now,
            dedupe_key=f"test:{order.pk}:{n}",
        )
        for n, (kind, channel, recipient, transactional) in ((n, VARIANTS[n % len(VARIANTS)]) for n in range(count))
    )


def queries_to_dispatch(order, count: int) -> int:
    """The queries to dispatch `count` due messages, less the one UPDATE per message sent (the
    outcome of the previous message and the hand-over mark of this one, in one round trip)."""
    due_messages(order, count)
    with CaptureQueriesContext(connection) as queries:
        sent = messages_dispatch_due(limit=count)
    assert not Message.objects.due(timezone.now()).exists()
    return len(queries) - sent


@pytest.fixture
def order(store):
    Suppression.objects.create(channel=Channel.EMAIL, address=BOUNCED, reason="hard bounce")
    return place_order(store, marketing_consent=AGREED_TO_EMAIL)


def test_a_batch_of_100_costs_the_queries_of_a_batch_of_10_plus_one_per_message_sent(order, settings):
    settings.MESSAGE_SENDERS = NULL_SENDERS
    queries_to_dispatch(order, 4)  # the store's messaging settings are created on first use

    assert queries_to_dispatch(order, 100) == queries_to_dispatch(order, 10)


def test_a_batch_of_100_rendered_emails_costs_the_queries_of_a_batch_of_10_plus_one_per_message_sent(order):
    queries_to_dispatch(order, 4)

    assert queries_to_dispatch(order, 100) == queries_to_dispatch(order, 10)
    assert len(mail.outbox) > 25


def test_delivering_a_claimed_batch_costs_the_same_queries_plus_one_per_message_sent(order, settings):
    settings.MESSAGE_SENDERS = NULL_SENDERS
    counts = []
    for count in (4, 10, 100):
        due_messages(order, count)
        with CaptureQueriesContext(connection) as queries:
            sent = messages_deliver(ids=messages_claim(limit=count))
        counts.append(len(queries) - sent)

    assert counts[1] == counts[2]


def test_every_decision_of_a_mixed_batch_is_written_with_its_reason(order, settings):
    settings.MESSAGE_SENDERS = NULL_SENDERS
    due_messages(order, 8)

    messages_dispatch_due()

    outcomes = sorted(Message.objects.values_list("kind", "channel", "recipient", "state", "reason"))
    assert outcomes == sorted(
        [("order_confirmation", "email", "ada.lovelace@example.com", "sent", "")] * 2
        + [("order_confirmation", "sms", PHONE, "suppressed", "the customer has not opted in to SMS")] * 2
        + [("order_confirmation", "email", BOUNCED, "suppressed", f"{BOUNCED} is on the suppression list")] * 2
        + [("thank_you", "email", "ada.lovelace@example.com", "sent", "")]
        + [
            (
                "thank_you",
                "email",
                "ada.lovelace@example.com",
                "scheduled",
                "frequency cap: 1 optional message(s) per 24 hours",
            )
        ]
    )
    timeline = sorted(DomainEvent.objects.filter(kind__startswith="message.").values_list("kind", flat=True))
    assert timeline == ["message.postponed"] + ["message.sent"] * 3 + ["message.suppressed"] * 4


def test_a_postponed_message_keeps_its_attempts_and_the_others_count_one(order, settings):
    settings.MESSAGE_SENDERS = NULL_SENDERS
    due_messages(order, 8)

    messages_dispatch_due()

    attempts = dict(Message.objects.values_list("state", "attempts").distinct())
    assert attempts == {MessageState.SENT: 1, MessageState.SUPPRESSED: 1, MessageState.SCHEDULED: 0}


def test_a_capped_message_waits_until_the_cap_frees_a_slot(order, settings):
    settings.MESSAGE_SENDERS = NULL_SENDERS
    due_messages(order, 8)

    messages_dispatch_due()

    sent = Message.objects.get(kind=kinds.THANK_YOU, state=MessageState.SENT)
    waiting = Message.objects.get(kind=kinds.THANK_YOU, state=MessageState.SCHEDULED)
    # The slot frees a day after the send was decided; the provider accepted it moments later.
    assert abs(waiting.send_at - (sent.sent_at + timedelta(days=1))) < timedelta(seconds=1)
    assert waiting.lease_expires_at is None


def test_the_null_sender_hands_over_without_rendering(order, settings):
    settings.MESSAGE_SENDERS = NULL_SENDERS
    (message,) = due_messages(order, 1)
    Message.objects.filter(pk=message.pk).update(kind="no_such_kind")  # no template could render it

    messages_dispatch_due()

    message.refresh_from_db()
    assert (message.state, message.provider_message_id) == (MessageState.SENT, f"null-{message.pk}")
    assert mail.outbox == []


def test_a_message_that_cannot_be_rendered_fails_alone(order):
    broken, fine = due_messages(order, 2)  # an order confirmation and a thank-you
    Message.objects.filter(pk=broken.pk).update(kind="no_such_kind")

    assert messages_dispatch_due() == 1

    broken.refresh_from_db()
    assert broken.state == MessageState.FAILED
    assert broken.reason == "could not render the template: no_such_kind.email"
    assert broken.provider_called_at is None
    assert DomainEvent.objects.filter(kind="message.failed", data__message_id=broken.pk).exists()
    assert Message.objects.get(pk=fine.pk).state == MessageState.SENT
    assert len(mail.outbox) == 1


def test_the_null_sms_backend_drops_messages_unread(order, settings):
    settings.SMS_BACKEND = "notifications.channels.sms.NullBackend"
    opt_in_sms(order.customer)
    with time_machine.travel(datetime(2026, 3, 10, 12, 0, tzinfo=UTC), tick=False):  # not in quiet hours
        text = due_messages(order, 3)[2]

        messages_dispatch_due()

    text.refresh_from_db()
    assert (text.channel, text.state, text.provider_message_id) == (Channel.SMS, MessageState.SENT, f"null-{text.pk}")
    assert sms.outbox == []


def test_a_batch_of_sent_messages_costs_five_statements_or_fewer_beyond_one_per_message(store, settings):
    """The locking read (expired leases, due messages and their suppressions in one statement), the
    claim, the last outcome: the rest is one statement per message, its outcome and timeline line
    with the next message's mark. Savepoints (the test's transaction) are not statements of ours."""
    settings.MESSAGE_SENDERS = NULL_SENDERS
    order = place_order(store)
    for count in (4, 100):  # the first creates the store's messaging settings
        Message.objects.filter(order=order).delete()
        Message.objects.bulk_create(
            Message(
                store=store,
                customer=order.customer,
                order=order,
                kind=kinds.ORDER_CONFIRMATION,
                channel=Channel.EMAIL,
                recipient=f"customer{n}@example.com",
                transactional=True,
                send_at=timezone.now(),
                dedupe_key=f"test:five:{count}:{n}",
            )
            for n in range(count)
        )
        with CaptureQueriesContext(connection) as queries:
            sent = messages_dispatch_due(limit=count)
    statements = [q for q in queries if "SAVEPOINT" not in q["sql"]]

    assert sent == 100
    assert len(statements) - sent <= 5
    assert DomainEvent.objects.filter(kind="message.sent", order=order).count() == 100 + 4


def test_a_timeline_line_someone_subscribes_to_is_still_published(order, settings):
    """Lines nobody listens to are written by the outcome's own statement; a line an app subscribes
    to goes through event_record_many, so its subscriber runs."""
    from postpurchase import events as bus

    settings.MESSAGE_SENDERS = NULL_SENDERS
    heard = []

    def listener(event):
        heard.append((event.kind, event.data["message_id"]))

    bus.subscribe("message.sent")(listener)
    try:
        due = due_messages(order, 4)
        messages_dispatch_due()
    finally:
        bus._subscribers["message.sent"].remove(listener)

    sent = set(Message.objects.filter(order=order, state=MessageState.SENT).values_list("pk", flat=True))
    assert sent
    assert sent <= {m.pk for m in due}
    assert sorted(heard) == sorted(("message.sent", pk) for pk in sent)
    assert DomainEvent.objects.filter(kind="message.sent", order=order).count() == len(sent)
