"""Delivering due messages: claim a batch, check, hand over, record.

The guarantees, whatever dies when:
- A message is claimed with a lease (`sending` until `lease_expires_at`). A worker that dies
  before the message's hand-over mark is committed leaves a lease that expires (or, if the claim
  was not committed either, nothing), and a later sweep claims the message again.
- Just before its own provider call a message is marked (`provider_called_at`) and committed
  (handover.py). A worker that dies after that mark leaves the message *in doubt*: it is never
  retried automatically (the customer may already have it, and a duplicate is worse than a gap),
  `messages_status` lists it and ops resolve it (`resend_message`, `retry_failed --in-doubt`).
  As the marks go one message at a time, a kill leaves at most one message in doubt per thread.
- No provider is called inside a database transaction.
- Frequency-cap decisions lock the rows of the customers with optional messages in the batch,
  so two workers cannot both give a customer their last slot.

Checking a batch costs the same dozen queries whatever its size; handing it over costs one
UPDATE per message sent (tests/notifications/test_dispatch_batches.py):
1. Claim: lock the due rows with SELECT … FOR UPDATE SKIP LOCKED (`_lock_due`).
2. Check: read them with `.values()` as `checks.Due` rows (the message's columns, its order's and
   shipment's status, the zones: no model instances), then the facts the checks need, a query per
   kind of fact and only the kinds the batch needs. Every claim and decision goes out in one
   UPDATE (`writes.rows_update`: a value all rows share is set as is, one that differs is a CASE
   over the ids), the timeline events of the decisions in one INSERT. `messages_dispatch_due`
   does steps 1 and 2 in one transaction; the Celery path commits the claim first
   (`messages_claim`) and checks in the task (`messages_deliver`).
3. Hand over, outside any transaction (handover.py): per message, one UPDATE records the previous
   message's outcome and marks this one, then its channel's sender (`channels.sender_for`,
   settings.MESSAGE_SENDERS) gets an `Outgoing` whose content is rendered when the sender first
   reads it. The first read in a batch loads the model instances, relations and merchant
   templates of every message the batch sends, in a few queries; a sender that never reads the
   content (`channels.null`) costs no rendering and no model instance at all.
4. Record: the last outcome, the released messages and the timeline lines, at the end.

Rendering happens after the mark, in the sender: a template that fails fails its message ("could
not render the template: …"; no provider saw it), not the batch, and a worker that dies while
rendering leaves that message in doubt, like any death after the mark.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TypeVar

from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from notifications.models import Message, MessageState, MessagingSettings, ReasonCode
from orders.events import event_record_many
from orders.models import Customer

from .checks import Due, decide, due_rows, facts_for
from .handover import hand_over
from .writes import lease, rows_update, timeline

logger = logging.getLogger(__name__)
T = TypeVar("T")

BATCH = 100
# No new batch after this long: a sweep stays within the dispatch task's time limits, which the
# thread pool does not enforce (docs/architecture.md, "Time limits").
DISPATCH_BUDGET_SECONDS = 120
_STATE_FOR = {"cancel": MessageState.CANCELLED, "suppress": MessageState.SUPPRESSED, "postpone": MessageState.SCHEDULED}
_OUTCOME = {"cancel": "cancelled", "suppress": "suppressed", "postpone": "postponed"}
DIED_DURING_CALL = "in doubt: the worker stopped during the provider call; not resent to avoid a duplicate"


# The locking read of `_lock_due` on PostgreSQL: expired leases first, then scheduled messages by
# send_at, each walking the message_due index (state, send_at) and stopping at the limit, in one
# statement (the second CTE takes what the first left of the limit).
_LOCK_DUE = """
WITH expired AS (
    SELECT id FROM {table} WHERE state = %s AND lease_expires_at < %s
    ORDER BY lease_expires_at LIMIT %s FOR UPDATE SKIP LOCKED
), scheduled AS (
    SELECT id FROM {table} WHERE state = %s AND send_at <= %s
    ORDER BY send_at LIMIT %s - (SELECT count(*) FROM expired) FOR UPDATE SKIP LOCKED
)
SELECT id FROM expired UNION ALL SELECT id FROM scheduled
"""


def _lock_due(now: datetime, limit: int, read: Callable[[QuerySet[Message]], list[T]]) -> list[T]:
    """Lock up to `limit` due messages (Message.objects.due), skipping rows other workers hold:
    expired leases first, then scheduled messages by send_at. Returns what `read` makes of them
    (their ids, or their Due rows: locking and reading in one query).

    Not due()'s OR: each kind of due row walks the message_due index (state, send_at) and stops
    at `limit`, where the OR (or a tie-break on id, when many messages share a send_at) makes
    PostgreSQL read and sort every due row for every batch, which grows with a backlog. On
    PostgreSQL both walks are CTEs of the one statement that reads the rows.
    """
    if connection.vendor == "postgresql":
        sql = _LOCK_DUE.format(table=connection.ops.quote_name(Message._meta.db_table))
        params = [MessageState.SENDING, now, limit, MessageState.SCHEDULED, now, limit]
        return read(Message.objects.filter(pk__in=RawSQL(sql, params)))  # noqa: S611 - placeholders only
    locked = Message.objects.select_for_update(skip_locked=True, of=("self",))
    found = read(
        locked.filter(state=MessageState.SENDING, lease_expires_at__lt=now).order_by("lease_expires_at")[:limit]
    )
    if len(found) < limit:
        found += read(
            locked.filter(state=MessageState.SCHEDULED, send_at__lte=now).order_by("send_at")[: limit - len(found)]
        )
    return found


def _ids(messages: QuerySet[Message]) -> list[int]:
    return list(messages.values_list("id", flat=True))


def messages_claim(*, now: datetime | None = None, limit: int = BATCH) -> list[int]:
    """Claim up to `limit` due messages for this worker; rows other workers hold are skipped."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = _lock_due(now, limit, _ids)
        if ids:
            Message.objects.filter(id__in=ids).update(
                state=MessageState.SENDING, lease_expires_at=now + lease(), attempts=F("attempts") + 1, updated_at=now
            )
    return ids


def _decided(
    message: Due, state: str, reason: str, now: datetime, until: datetime | None = None, code: str = ""
) -> dict:
    values = {"state": state, "reason": reason[:300], "reason_code": code[:64], "lease_expires_at": None}
    if state == MessageState.SCHEDULED:  # postponed
        values["send_at"] = until
        values["attempts"] = max(message.attempts - 1, 0)  # waiting is not a delivery attempt
    return {**values, "updated_at": now}


def _check(
    messages: list[Due], now: datetime, *, claim: bool, settings_cache: dict[int, MessagingSettings] | None = None
) -> tuple[list[Due], dict[int, MessagingSettings]]:
    """Steps 1 and 2, in the caller's transaction: decide every message; the ones to send stay
    `sending` with a fresh lease (`now + lease()`, the hand-over's fence). Returns them, and their
    stores' messaging settings. The hand-over mark comes later, per message (handover.py).

    With `claim`, the messages are locked but not claimed yet, and the same UPDATE claims them:
    the ones to send leave it `sending` with the lease, the others decided.
    """
    if claim:
        messages = [replace(m, attempts=m.attempts + 1) for m in messages]
    to_send, changes, events = [], {}, []
    # 1. Serialise frequency-cap decisions per customer across concurrent workers.
    optional_customers = sorted({m.customer_id for m in messages if not m.transactional and m.customer_id})
    if optional_customers:
        list(Customer.objects.select_for_update().filter(pk__in=optional_customers).order_by("pk").values("pk"))
    facts = facts_for(messages, now, settings_cache)
    for message in messages:
        claimed = {"attempts": message.attempts} if claim else {}
        # 2. A worker died after handing this one to the provider: never send it twice.
        if message.provider_called_at:
            changes[message.id] = {
                **claimed,
                **_decided(message, MessageState.FAILED, DIED_DURING_CALL, now, code=ReasonCode.IN_DOUBT),
            }
            events.append(timeline(message, "failed", DIED_DURING_CALL))
            continue
        decision = decide(message, facts, now)
        if decision.action != "send":
            state = _STATE_FOR[decision.action]
            changes[message.id] = {
                **claimed,
                **_decided(message, state, decision.reason, now, decision.until, decision.code),
            }
            events.append(timeline(message, _OUTCOME[decision.action], decision.reason))
            continue
        changes[message.id] = {**claimed, "state": MessageState.SENDING, "lease_expires_at": now + lease()}
        to_send.append(message)
    rows_update(changes)
    event_record_many([e for e in events if e is not None])
    return to_send, facts.settings


def messages_deliver(*, ids: list[int], now: datetime | None = None) -> int:
    """Deliver claimed messages (state `sending`). Returns how many reached a provider."""
    now = now or timezone.now()
    with transaction.atomic():
        messages = due_rows(Message.objects.filter(id__in=ids, state=MessageState.SENDING))
        to_send, messaging = _check(messages, now, claim=False)
    return hand_over(to_send, messaging, now + lease()).sent


def messages_dispatch_due(*, limit: int = BATCH, max_batches: int = 50) -> int:
    """Claim and deliver due messages batch by batch until none is due. Returns how many were sent.

    Claiming, checking and marking a batch is one transaction here (messages_claim and
    messages_deliver need two, as a task delivers what the sweeper claimed): one UPDATE less per
    batch, and a worker that dies before the commit leaves its messages due at once.
    """
    sent, started = 0, time.monotonic()
    settings_cache: dict[int, MessagingSettings] = {}  # the stores' messaging settings, read once a sweep
    for _ in range(max_batches):
        if time.monotonic() - started > DISPATCH_BUDGET_SECONDS:
            break  # leave the rest to the next sweep, within any task time limit
        now = timezone.now()
        with transaction.atomic():
            messages = _lock_due(now, limit, due_rows)
            if not messages:
                break
            messages.sort(key=lambda m: (m.send_at, m.id))  # decide in send_at order, as messages_deliver does
            to_send, messaging = _check(messages, now, claim=True, settings_cache=settings_cache)
        progress = hand_over(to_send, messaging, now + lease())
        sent += progress.sent
        if progress.stopped:  # a configuration error would stop the next batch too
            break
    return sent
