from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from anymail.exceptions import AnymailError, AnymailRecipientsRefused
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import CommandError, call_command
from django.utils import timezone

from notifications.channels import sms
from notifications.models import Flow, Message, MessageState, MessagingSettings, Suppression
from notifications.services import messages_claim, messages_dispatch_due
from orders import services
from orders.models import DomainEvent, OrderSource
from tests.notifications.factories import opt_in_sms
from tests.orders.factories import AGREED_TO_EMAIL, place_order

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


class RefusingBackend(BaseEmailBackend):
    """The provider says the mailbox does not exist: a permanent error that suppresses the address."""

    def send_messages(self, email_messages):
        raise AnymailRecipientsRefused("the mailbox does not exist")


class BrokenBackend(BaseEmailBackend):
    """The provider refuses the message for a reason of ours: permanent, but the address is fine."""

    def send_messages(self, email_messages):
        raise AnymailError("the sender domain is not verified")


def failed_confirmation(store, settings, backend, **order):
    settings.EMAIL_BACKEND = f"{__name__}.{backend.__name__}"
    place_order(store, **order)
    messages_dispatch_due()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    message = Message.objects.get(order__number=order.get("number", "#1001"))
    assert message.state == MessageState.FAILED
    return message


def snapshot():
    return (
        list(Message.objects.order_by("id").values()),
        DomainEvent.objects.count(),
        MessagingSettings.objects.count(),
        Flow.objects.count(),
        len(mail.outbox),
        len(sms.outbox),
    )


# messages_status


def test_messages_status_counts_messages_by_kind_and_state_and_shows_a_stuck_one(store, deliver):
    deliver(place_order, store, number="#1", external_id="1")
    place_order(store, number="#2", external_id="2")
    stuck_id = messages_claim()[0]  # a worker claims #2 ... and dies
    later = timezone.now() + timedelta(minutes=10)
    with time_machine.travel(later - timedelta(minutes=3), tick=False):
        place_order(store, number="#3", external_id="3")

    with time_machine.travel(later, tick=False):
        out = run("messages_status", "--store", "acme")

    header, confirmation = (line.split() for line in out.splitlines()[1:3])
    counts = dict(zip(header, confirmation, strict=True))
    assert counts["kind"] == "order_confirmation"
    assert (counts["scheduled"], counts["sending"], counts["sent"], counts["total"]) == ("1", "1", "1", "3")
    assert "Oldest due: message" in out
    assert "order #3" in out
    assert "3 min late" in out
    assert "Stuck in sending past their lease: 1" in out
    assert f"message {stuck_id} (order_confirmation by email to a***@example.com, order #2)" in out


def test_messages_status_lists_the_last_days_failures_by_reason(store, settings):
    failed_confirmation(store, settings, BrokenBackend, number="#1", external_id="1")
    failed_confirmation(store, settings, BrokenBackend, number="#2", external_id="2")

    out = run("messages_status")

    assert "Failures in the last 24 h: 2" in out
    assert "  2  the sender domain is not verified" in out


def in_doubt_confirmation(store, number: str) -> Message:
    """A confirmation whose worker died during the provider call, found by the next sweep."""
    place_order(store, number=number, external_id=number)
    messages_claim()
    Message.objects.filter(order__number=number).update(provider_called_at=timezone.now())
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        messages_dispatch_due()
    return Message.objects.get(order__number=number)


def test_messages_status_lists_a_message_in_doubt_and_how_to_resolve_it(store):
    message = in_doubt_confirmation(store, "#7")

    out = run("messages_status")

    assert "In doubt (the provider may or may not have them; never resent by itself): 1" in out
    assert f"  message {message.pk} (order_confirmation by email to a***@example.com, order #7): handed over" in out
    assert "retry_failed --in-doubt" in out


def test_retry_failed_leaves_messages_in_doubt_alone_unless_asked(store, settings, deliver):
    doubtful = in_doubt_confirmation(store, "#7")
    broken = failed_confirmation(store, settings, BrokenBackend, number="#8", external_id="8")

    out = deliver(run, "retry_failed")

    assert "Retried 1 failed messages" in out
    doubtful.refresh_from_db()
    broken.refresh_from_db()
    assert (doubtful.state, broken.state) == (MessageState.FAILED, MessageState.SENT)
    assert len(mail.outbox) == 1

    out = deliver(run, "retry_failed", "--in-doubt")

    assert "Retried 1 messages in doubt" in out
    doubtful.refresh_from_db()
    assert (doubtful.state, doubtful.provider_called_at) == (MessageState.SENT, None)
    assert len(mail.outbox) == 2


def test_resending_a_message_in_doubt_resolves_the_doubt(store):
    doubtful = in_doubt_confirmation(store, "#7")

    run("resend_message", str(doubtful.pk))

    assert not Message.objects.in_doubt(timezone.now()).exists()
    assert Message.objects.filter(data__resend_of=doubtful.pk, state=MessageState.SCHEDULED).exists()


def test_messages_status_of_an_unknown_store_is_an_error():
    with pytest.raises(CommandError, match="No store 'nope'"):
        run("messages_status", "--store", "nope")


# explain_messages


def test_explain_messages_lists_every_message_with_its_reason_and_what_would_happen_now(store, deliver):
    order = deliver(place_order, store, number="#1042", phone="+4915112345678")
    services.shipment_upsert(order=order, carrier="dhl", tracking_number="JD1")  # not dispatched yet

    out = run("explain_messages", "1042", "--store", "acme")

    messages = Message.objects.filter(order=order)
    assert messages.count() == 3
    for message in messages:
        assert f"message {message.pk}: {message.kind} by {message.channel}" in out
    assert "order_confirmation by email to a***@example.com: sent" in out
    assert "shipped by email to a***@example.com: scheduled" in out
    assert "shipped by sms to +49********678: scheduled" in out
    assert "now: would send now" in out
    assert "now: would be suppressed: the customer has not opted in to SMS" in out


def test_explain_messages_shows_the_reason_and_the_wait_for_quiet_hours_in_the_stores_zone(store, deliver):
    store.timezone = "Europe/Berlin"
    store.save()
    with time_machine.travel(datetime(2026, 11, 23, 22, 0, tzinfo=UTC), tick=False):  # 23:00 in Berlin
        order = deliver(place_order, store, number="#7", phone="+4915112345678")
        opt_in_sms(order.customer)
        deliver(services.shipment_upsert, order=order, carrier="dhl", tracking_number="JD1")

        out = run("explain_messages", "#7", "--store", "acme")

    assert "Times in Europe/Berlin" in out
    assert "reason: quiet hours 21:00-08:00 in Europe/Berlin" in out
    assert "send_at 2026-11-24 08:00 CET" in out
    assert "now: would wait until 2026-11-24 08:00 CET (quiet hours 21:00-08:00 in Europe/Berlin)" in out


def test_explain_messages_says_a_follow_up_waits_until_it_is_due(store, deliver):
    with time_machine.travel(datetime(2026, 11, 2, 10, 0, tzinfo=UTC), tick=False):
        order = deliver(place_order, store, number="#8", marketing_consent=AGREED_TO_EMAIL)
        shipment, _ = deliver(services.shipment_upsert, order=order, carrier="dhl", tracking_number="JD1")
        deliver(services.tracking_event_add, shipment=shipment, occurred_at=timezone.now(), status="delivered")

        out = run("explain_messages", "#8", "--store", "acme")

    assert "- message" in out
    assert "thank_you by email to a***@example.com: scheduled, send_at 2026-11-04 10:00 UTC" in out
    assert "now: would wait until 2026-11-04 10:00 UTC (not due yet)" in out


def test_explain_messages_writes_nothing_and_sends_nothing(store, django_capture_on_commit_callbacks):
    order = place_order(store, number="#1042", phone="+4915112345678")
    services.shipment_upsert(order=order, carrier="dhl", tracking_number="JD1")
    MessagingSettings.objects.all().delete()  # reading the facts would create them again
    Flow.objects.all().delete()
    before = snapshot()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        out = run("explain_messages", "#1042", "--store", "acme")

    assert "would send now" in out
    assert snapshot() == before
    assert callbacks == []


def test_explain_messages_says_nothing_is_planned_for_an_imported_order(store, deliver):
    deliver(place_order, store, number="#900", source=OrderSource.IMPORT)

    out = run("explain_messages", "#900", "--store", "acme")

    assert "imported as history" in out
    assert "no messages are planned" in out


def test_explain_messages_of_an_unknown_order_is_a_clear_error(store):
    with pytest.raises(CommandError, match="Store acme has no order '#404'"):
        run("explain_messages", "#404", "--store", "acme")


def test_explain_messages_only_looks_in_the_given_store(store, other_store):
    place_order(other_store, number="#1042")

    with pytest.raises(CommandError, match="no order"):
        run("explain_messages", "#1042", "--store", "acme")


# resend_message


def test_resend_message_schedules_a_copy_that_is_then_sent(store, deliver):
    order = deliver(place_order, store)
    original = Message.objects.get(order=order)

    out = deliver(run, "resend_message", str(original.pk))

    copy = Message.objects.get(pk=int(out.strip().splitlines()[-1]))
    assert copy.dedupe_key == f"{original.dedupe_key}:resend:1"
    assert (copy.kind, copy.recipient, copy.state) == (original.kind, original.recipient, MessageState.SENT)
    assert len(mail.outbox) == 2
    assert mail.outbox[1].subject == mail.outbox[0].subject
    event = DomainEvent.objects.get(order=order, kind="message.resend_requested")
    assert event.data["new_message_id"] == copy.pk


def test_a_second_resend_gets_its_own_key(store, deliver):
    original = Message.objects.get(order=deliver(place_order, store))
    deliver(run, "resend_message", str(original.pk))

    deliver(run, "resend_message", str(original.pk))

    assert sorted(Message.objects.values_list("dedupe_key", flat=True)) == [
        original.dedupe_key,
        f"{original.dedupe_key}:resend:1",
        f"{original.dedupe_key}:resend:2",
    ]
    assert len(mail.outbox) == 3


def test_resend_message_refuses_a_recipient_on_the_suppression_list(store, deliver):
    original = Message.objects.get(order=deliver(place_order, store))
    Suppression.objects.create(channel="email", address=original.recipient, reason="hard bounce")

    with pytest.raises(CommandError, match="is on the suppression list \\(hard bounce\\)"):
        run("resend_message", str(original.pk), "--force")

    assert Message.objects.count() == 1


@time_machine.travel(datetime(2026, 11, 24, 11, 0, tzinfo=UTC), tick=False)  # noon in Berlin: no quiet hours
def test_resend_message_refuses_a_suppressed_message_unless_forced(store, deliver):
    order = deliver(place_order, store, phone="+4915112345678")
    deliver(services.shipment_upsert, order=order, carrier="dhl", tracking_number="JD1")
    suppressed = Message.objects.get(channel="sms")
    assert suppressed.state == MessageState.SUPPRESSED
    opt_in_sms(order.customer)  # the customer opted in since

    with pytest.raises(CommandError, match="--force"):
        run("resend_message", str(suppressed.pk))
    deliver(run, "resend_message", str(suppressed.pk), "--force")

    assert [o.to for o in sms.outbox] == ["+4915112345678"]


def test_resend_message_refuses_a_message_not_sent_yet(store):
    waiting = Message.objects.get(order=place_order(store))

    with pytest.raises(CommandError, match="nothing to resend"):
        run("resend_message", str(waiting.pk))


def test_resend_message_of_an_unknown_id_is_an_error(db):
    with pytest.raises(CommandError, match="No message 404"):
        run("resend_message", "404")


# retry_failed


def test_retry_failed_reschedules_a_failed_message_and_it_is_then_sent(store, settings, deliver):
    failed = failed_confirmation(store, settings, BrokenBackend)

    out = deliver(run, "retry_failed", "--hours", "1")

    assert "Retried 1 failed messages" in out
    failed.refresh_from_db()
    assert failed.state == MessageState.SENT
    assert failed.reason.startswith("retry after: the sender domain is not verified")
    assert len(mail.outbox) == 1


def test_retry_failed_puts_the_message_back_due_now_with_fresh_attempts(store, settings):
    failed = failed_confirmation(store, settings, BrokenBackend)

    run("retry_failed", "--since", timezone.now().date().isoformat())

    failed.refresh_from_db()
    assert failed.state == MessageState.SCHEDULED
    assert (failed.attempts, failed.provider_called_at) == (0, None)
    assert failed.send_at <= timezone.now()
    assert failed.last_error == "the sender domain is not verified"
    assert DomainEvent.objects.filter(kind="message.retry_requested", data__message_id=failed.pk).exists()


def test_retry_failed_skips_a_message_whose_recipient_is_now_suppressed(store, settings):
    refused = failed_confirmation(store, settings, RefusingBackend, number="#1", email="gone@example.com")
    broken = failed_confirmation(store, settings, BrokenBackend, number="#2", external_id="2")
    assert Suppression.objects.filter(address="gone@example.com").exists()

    out = run("retry_failed")

    assert "Retried 1 failed messages" in out
    assert "skipped 1 whose recipient is on the suppression list" in out
    refused.refresh_from_db()
    broken.refresh_from_db()
    assert (refused.state, broken.state) == (MessageState.FAILED, MessageState.SCHEDULED)


def test_retry_failed_dry_run_changes_nothing(store, settings):
    failed_confirmation(store, settings, BrokenBackend)
    before = snapshot()

    out = run("retry_failed", "--dry-run")

    assert "Would retry 1 failed messages" in out
    assert snapshot() == before


def test_retry_failed_leaves_older_failures_and_other_stores_alone(store, other_store, settings):
    with time_machine.travel(timezone.now() - timedelta(days=2)):
        old = failed_confirmation(store, settings, BrokenBackend, number="#1", external_id="1")
    other = failed_confirmation(other_store, settings, BrokenBackend, number="#2", external_id="2")

    out = run("retry_failed", "--hours", "24", "--store", "acme")

    assert "Retried 0 failed messages" in out
    assert set(Message.objects.filter(pk__in=[old.pk, other.pk]).values_list("state", flat=True)) == {"failed"}
