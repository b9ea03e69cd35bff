"""The outbox under faults: a worker killed mid-batch, a sender with a bug, a broken configuration.

A kill at any instant leaves at most the message in flight in doubt; every other message is
recorded or claimable again, and nothing is ever handed to the provider twice.
"""

import os
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from notifications import kinds
from notifications.models import Channel, Message, MessageState
from notifications.services import messages_dispatch_due
from tests.notifications import fault_senders
from tests.orders.factories import place_order

ROOT = Path(__file__).resolve().parents[2]


def senders(name: str) -> dict[str, str]:
    path = f"tests.notifications.fault_senders.{name}"
    return {"email": path, "sms": path}


@pytest.fixture(autouse=True)
def _fresh_fakes():
    fault_senders.calls.clear()
    fault_senders.explode_for.clear()
    yield
    fault_senders.calls.clear()
    fault_senders.explode_for.clear()


def due_emails(store, count: int) -> list[Message]:
    """`count` order confirmations due now, each to its own customer address."""
    order = place_order(store)
    Message.objects.all().delete()
    now = timezone.now()
    return Message.objects.bulk_create(
        Message(
            store=store,
            customer=order.customer,
            order=order,
            kind=kinds.ORDER_CONFIRMATION,
            channel=Channel.EMAIL,
            recipient=f"customer{n}@example.com",
            send_at=now,
            dedupe_key=f"fault:{n}",
        )
        for n in range(count)
    )


def states() -> Counter:
    return Counter(Message.objects.values_list("state", flat=True))


def after_the_lease():
    return time_machine.travel(timezone.now() + timedelta(minutes=6))


@pytest.mark.django_db
def test_an_exception_escaping_the_worker_after_the_first_of_100_sends_leaves_one_message_in_doubt(store, settings):
    due_emails(store, 100)
    settings.MESSAGE_SENDERS = senders("dies_at_the_second_call")

    with pytest.raises(fault_senders.WorkerKilled):
        messages_dispatch_due()

    first, second = fault_senders.calls
    assert Message.objects.get(pk=first).state == MessageState.SENT
    in_flight = Message.objects.get(pk=second)
    assert (in_flight.state, in_flight.provider_called_at is not None) == (MessageState.SENDING, True)
    assert states() == {MessageState.SENT: 1, MessageState.SENDING: 1, MessageState.SCHEDULED: 98}
    assert Message.objects.due(timezone.now()).count() == 98  # claimable now, not after the lease

    settings.MESSAGE_SENDERS = senders("accepts")
    with after_the_lease():
        messages_dispatch_due()

    assert states() == {MessageState.SENT: 99, MessageState.FAILED: 1}
    assert list(Message.objects.in_doubt(timezone.now()).values_list("pk", flat=True)) == [second]
    assert Counter(fault_senders.calls).most_common(1)[0][1] == 1  # no message reached the provider twice


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_by_sigkill_after_the_first_of_100_sends_leaves_one_in_doubt_after_its_lease(
    store, tmp_path, settings
):
    due_emails(store, 100)
    calls_file = tmp_path / "calls.txt"
    database = connection.settings_dict["NAME"]
    script = (
        "import django, time_machine, datetime; django.setup(); "
        "from django.conf import settings; "
        f"settings.MESSAGE_SENDERS = {senders('killed_at_the_second_call')!r}; "
        f"time_machine.travel(datetime.datetime.fromisoformat({timezone.now().isoformat()!r}), tick=True).start(); "
        "from notifications.services import messages_dispatch_due; messages_dispatch_due()"
    )
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + f"/{database}"
    worker = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, "OUTBOX_CALLS_FILE": str(calls_file)},
        capture_output=True,
        timeout=60,
    )
    assert worker.returncode == -9, worker.stderr.decode()[-2000:]
    first, second = (int(line) for line in calls_file.read_text().split())
    assert states() == {MessageState.SENT: 1, MessageState.SENDING: 99}

    settings.MESSAGE_SENDERS = senders("accepts")
    with after_the_lease():
        assert Message.objects.in_doubt(timezone.now()).get().pk == second
        messages_dispatch_due()

    assert states() == {MessageState.SENT: 99, MessageState.FAILED: 1}
    assert Message.objects.get(pk=second).reason.startswith("in doubt:")
    assert first not in fault_senders.calls
    assert second not in fault_senders.calls
    assert len(set(fault_senders.calls)) == len(fault_senders.calls) == 98


@pytest.mark.django_db
def test_a_sender_raising_runtime_error_for_one_message_fails_only_that_message(store, settings, caplog):
    messages = due_emails(store, 5)
    broken = messages[2]
    fault_senders.explode_for.add(broken.pk)
    settings.MESSAGE_SENDERS = senders("explodes_for_some")

    assert messages_dispatch_due() == 4

    broken.refresh_from_db()
    assert broken.state == MessageState.FAILED
    assert broken.reason == f"RuntimeError: unexpected reply for message {broken.pk}"
    assert broken.provider_called_at is None  # failed, not in doubt: retry_failed picks it up
    assert states() == {MessageState.SENT: 4, MessageState.FAILED: 1}
    logged = [r for r in caplog.records if r.levelname == "ERROR" and str(broken.pk) in r.getMessage()]
    assert logged
    assert logged[0].exc_info is not None


@pytest.mark.django_db
def test_a_sender_that_cannot_be_imported_stops_the_batch_and_leaves_the_rest_scheduled(store, settings, caplog):
    due_emails(store, 10)
    settings.MESSAGE_SENDERS = {"email": "notifications.channels.no_such_module.send"}

    assert messages_dispatch_due() == 0

    assert states() == {MessageState.SCHEDULED: 10}
    tried = Message.objects.get(attempts=1)
    assert tried.send_at > timezone.now()  # retried later, like a provider outage
    assert tried.reason.startswith("configuration error: ImproperlyConfigured") or tried.reason.startswith(
        "configuration error: ModuleNotFoundError"
    )
    assert Message.objects.due(timezone.now()).count() == 9
    assert any("stopping the batch" in r.getMessage() for r in caplog.records)

    settings.MESSAGE_SENDERS = senders("accepts")
    assert messages_dispatch_due() == 9  # fixed: the rest go out at once


@pytest.mark.django_db
def test_a_worker_that_stalls_past_its_lease_never_sends_what_another_worker_took_over(store, settings):
    """The first worker hangs in a provider call beyond its lease; a second sweeps meanwhile."""
    due_emails(store, 10)
    stalled = []

    def hangs_on_the_first_call(outgoing):
        fault_senders.calls.append(outgoing.message_id)
        if not stalled:
            stalled.append(outgoing.message_id)
            with after_the_lease():  # meanwhile, another worker sweeps
                django_settings.MESSAGE_SENDERS = senders("accepts")
                messages_dispatch_due()
        return f"fake-{outgoing.message_id}"

    fault_senders.hangs_on_the_first_call = hangs_on_the_first_call
    settings.MESSAGE_SENDERS = senders("hangs_on_the_first_call")
    try:
        messages_dispatch_due()
    finally:
        del fault_senders.hangs_on_the_first_call

    assert Counter(fault_senders.calls).most_common(1)[0][1] == 1
    assert len(fault_senders.calls) == 10
    assert states() == {MessageState.SENT: 10}  # the stalled call's outcome is recorded after all
