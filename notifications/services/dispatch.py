"""Delivering due messages: claim a batch, check, hand over, record.

The guarantees, whatever dies when:
- A message is claimed with a lease (`sending` until `lease_expires_at`). A worker that dies
  before the mark below is committed leaves a lease that expires (or, if the claim was not
  committed either, nothing), and a later sweep claims the message again.
- Just before the provider call the row is marked (`provider_called_at`) and committed. A worker
  that dies after that mark is never retried: the customer may already have the message, and a
  duplicate is worse than a gap that `explain_messages` shows and `resend_message` can fill.
- No provider is called inside a database transaction.
- Frequency-cap decisions lock the rows of the customers with optional messages in the batch,
  so two workers cannot both give a customer their last slot.

A batch costs the same dozen queries whatever its size (tests/notifications/test_dispatch_batches.py):
1. Claim: lock the due rows with SELECT … FOR UPDATE SKIP LOCKED (`_lock_due`).
2. Check: read them with `.values()` as `checks.Due` rows (the message's columns, its order's and
   shipment's status, the zones: no model instances), then the facts the checks need, a query per
   kind of fact and only the kinds the batch needs. Every claim, decision and hand-over mark goes
   out in one UPDATE (`_update`: a value all rows share is set as is, one that differs is a CASE
   over the ids), the timeline events of the decisions in one INSERT, and the commit makes the
   marks durable. `messages_dispatch_due` does steps 1 and 2 in one transaction; the Celery path
   commits the claim first (`messages_claim`) and checks in the task (`messages_deliver`).
3. Hand over, outside any transaction: each message goes to its channel's sender
   (`channels.sender_for`, settings.MESSAGE_SENDERS) as an `Outgoing` whose content is rendered
   when the sender first reads it. The first read in a batch loads the model instances, relations
   and merchant templates of every message the batch sends, in a few queries; a sender that never
   reads the content (`channels.null`) costs no rendering and no model instance at all.
4. Record: every outcome in one UPDATE, the suppressions and the timeline events in one INSERT each.

Rendering happens after the mark, in the sender: a template that fails fails its message ("could
not render the template: …"; no provider saw it), not the batch, and a worker that dies while
rendering leaves a message that is not resent, like any death after the mark.
"""

import logging
import random
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from typing import TypeVar

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from notifications.channels import (
    Content,
    Outgoing,
    ProviderPermanentError,
    ProviderTransientError,
    RenderError,
    sender_for,
)
from notifications.context import message_context
from notifications.events import message_event
from notifications.models import Channel, Message, MessageState, MessagingSettings, Suppression
from notifications.rendering import overrides_for, render
from orders.events import event_record_many
from orders.models import Customer, DomainEvent

from .checks import Due, decide, due_rows, facts_for

logger = logging.getLogger(__name__)
T = TypeVar("T")

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 6
BATCH = 100
_STATE_FOR = {"cancel": MessageState.CANCELLED, "suppress": MessageState.SUPPRESSED, "postpone": MessageState.SCHEDULED}
_OUTCOME = {"cancel": "cancelled", "suppress": "suppressed", "postpone": "postponed"}
DIED_DURING_CALL = "the worker stopped during the provider call; not resent to avoid a duplicate"


def _lock_due(now: datetime, limit: int, read: Callable[[QuerySet[Message]], list[T]]) -> list[T]:
    """Lock up to `limit` due messages (Message.objects.due), skipping rows other workers hold:
    expired leases first, then scheduled messages by send_at. Returns what `read` makes of them
    (their ids, or their Due rows: locking and reading in one query).

    Two queries, not due()'s OR: each walks the message_due index (state, send_at) and stops at
    `limit`, where the OR (or a tie-break on id, when many messages share a send_at) makes
    PostgreSQL read and sort every due row for every batch, which grows with a backlog.
    """
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
                state=MessageState.SENDING, lease_expires_at=now + LEASE, attempts=F("attempts") + 1, updated_at=now
            )
    return ids


def _backoff(attempts: int) -> timedelta:
    """Exponential, capped at an hour, with jitter so retries of a burst do not stampede."""
    ceiling = min(3600, 60 * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=ceiling / 2 + random.uniform(0, ceiling / 2))  # noqa: S311 - jitter, not crypto


def _timeline(message: Due, what: str, reason: str = "", **data) -> DomainEvent | None:
    return message_event(message, f"message.{what}", actor="outbox", reason=reason, **data)


def _update(changes: dict[int, dict[str, object]]) -> None:
    """Write `changes` (message id -> field -> value) in one UPDATE.

    A field every row sets to the same value is set as is; one whose value differs per row, or
    that only some rows set, is `CASE id WHEN … THEN … ELSE <column> END`. That is the SQL
    Django's bulk_update writes too, without the expression it builds and resolves per row,
    which costs more than the statement itself.
    """
    if not changes:
        return
    assignments = {}
    for name in dict.fromkeys(name for values in changes.values() for name in values):
        values = {pk: row[name] for pk, row in changes.items() if name in row}
        shared = len(values) == len(changes) and len(set(values.values())) == 1
        assignments[name] = next(iter(values.values())) if shared else _per_row(name, values)
    Message.objects.filter(pk__in=list(changes)).update(**assignments)


def _per_row(name: str, values: dict[int, object]) -> RawSQL:
    field = Message._meta.get_field(name)
    quote = connection.ops.quote_name
    sql = f"CASE {quote(Message._meta.pk.column)} {'WHEN %s THEN %s ' * len(values)}ELSE {quote(field.column)} END"
    params = []
    for pk, value in values.items():
        params += [pk, field.get_db_prep_save(value, connection)]
    return RawSQL(sql, params, output_field=field)  # noqa: S611 - quoted names and placeholders only


def _decided(message: Due, state: str, reason: str, now: datetime, until: datetime | None = None) -> dict:
    values = {"state": state, "reason": reason[:300], "lease_expires_at": None}
    if state == MessageState.SCHEDULED:  # postponed
        values["send_at"] = until
        values["attempts"] = max(message.attempts - 1, 0)  # waiting is not a delivery attempt
    return {**values, "updated_at": now}


def _check(messages: list[Due], now: datetime, *, claim: bool) -> tuple[list[Due], dict[int, MessagingSettings]]:
    """Steps 1 to 3, in the caller's transaction: decide every message and mark the ones to send
    as handed to the provider. Returns them, and their stores' messaging settings.

    With `claim`, the messages are locked but not claimed yet, and the same UPDATE claims them:
    the ones to send leave it `sending` with a lease and the mark, the others decided.
    """
    if claim:
        messages = [replace(m, attempts=m.attempts + 1) for m in messages]
    to_send, changes, events = [], {}, []
    # 1. Serialise frequency-cap decisions per customer across concurrent workers.
    optional_customers = sorted({m.customer_id for m in messages if not m.transactional and m.customer_id})
    if optional_customers:
        list(Customer.objects.select_for_update().filter(pk__in=optional_customers).order_by("pk").values("pk"))
    facts = facts_for(messages, now)
    for message in messages:
        claimed = {"attempts": message.attempts} if claim else {}
        # 2. A worker died after handing this one to the provider: never send it twice.
        if message.provider_called_at:
            changes[message.id] = {**claimed, **_decided(message, MessageState.FAILED, DIED_DURING_CALL, now)}
            events.append(_timeline(message, "failed", DIED_DURING_CALL))
            continue
        decision = decide(message, facts, now)
        if decision.action != "send":
            state = _STATE_FOR[decision.action]
            changes[message.id] = {**claimed, **_decided(message, state, decision.reason, now, decision.until)}
            events.append(_timeline(message, _OUTCOME[decision.action], decision.reason))
            continue
        # 3. Mark the hand-over before any provider call; the caller's commit makes it durable.
        changes[message.id] = {**claimed, "provider_called_at": now}
        if claim:
            changes[message.id].update(state=MessageState.SENDING, lease_expires_at=now + LEASE, updated_at=now)
        to_send.append(message)
    _update(changes)
    event_record_many([e for e in events if e is not None])
    return to_send, facts.settings


class _Contents:
    """What a batch's messages say, rendered on demand. The first render loads every message of
    the batch with what its template may show, and the stores' merchant templates, at once."""

    def __init__(self, ids: list[int]):
        self.ids = ids
        self.messages: dict[int, Message] | None = None
        self.overrides: dict = {}

    def render(self, message_id: int) -> Content:
        if self.messages is None:
            self.messages = (
                Message.objects.select_related("store", "customer", "order__store__tracking", "shipment")
                .prefetch_related("order__line_items__product", "order__shipments", "shipment__items")
                .in_bulk(self.ids)
            )
            self.overrides = overrides_for({m.store_id for m in self.messages.values()})
        message = self.messages[message_id]
        context = message_context(message)
        rendered = render(
            kind=message.kind,
            channel=message.channel,
            locale=message.locale,
            context=context,
            store_id=message.store_id,
            overrides=self.overrides,
        )
        headers = {}
        unsubscribe = context["links"]["unsubscribe"]
        if message.channel == Channel.EMAIL and not message.transactional and unsubscribe:
            # RFC 8058 one-click unsubscribe: mail clients POST to the link without showing a page.
            headers = {"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
        return Content(subject=rendered.subject, text=rendered.text, html=rendered.html, headers=headers)


def _outgoing(message: Due, messaging: MessagingSettings, contents: _Contents) -> Outgoing:
    sender = messaging.sender_name or message.store_name
    return Outgoing(
        message_id=message.id,
        channel=message.channel,
        to=message.recipient,
        from_email=f"{sender} <{_address(settings.DEFAULT_FROM_EMAIL)}>",
        reply_to=messaging.reply_to or message.store_support_email,
        content=partial(contents.render, message.id),
    )


def _address(from_email: str) -> str:
    return from_email.rsplit("<", 1)[-1].rstrip(">").strip()


def _record(results: list[tuple[Due, str, Exception | None]], now: datetime) -> None:
    """Step 5: write every provider outcome, suppress dead addresses, tell the timeline."""
    changes, events, suppressions = {}, [], []
    for message, provider_id, error in results:
        values = {"lease_expires_at": None, "provider_called_at": None}
        if error is None:
            values.update(state=MessageState.SENT, sent_at=now, provider_message_id=provider_id or "", last_error="")
            events.append(_timeline(message, "sent"))
        elif isinstance(error, RenderError):
            reason = f"could not render the template: {error}"[:300]
            values.update(state=MessageState.FAILED, reason=reason)
            events.append(_timeline(message, "failed", reason))
        elif isinstance(error, ProviderTransientError) and message.attempts < MAX_ATTEMPTS:
            values.update(
                state=MessageState.SCHEDULED, send_at=now + _backoff(message.attempts), last_error=str(error)[:2000]
            )
            events.append(_timeline(message, "retrying", str(error)[:200], attempt=message.attempts))
        else:
            reason = f"provider error {error.code}: {error}"[:300] if error.code else str(error)[:300]
            values.update(state=MessageState.FAILED, last_error=str(error)[:2000], reason=reason)
            events.append(_timeline(message, "failed", reason))
            if getattr(error, "suppress", False):
                suppressions.append(Suppression(channel=message.channel, address=message.recipient, reason=reason))
        changes[message.id] = {**values, "updated_at": now}
    with transaction.atomic():
        _update(changes)
        if suppressions:
            Suppression.objects.bulk_create(suppressions, ignore_conflicts=True)
        event_record_many([e for e in events if e is not None])


def messages_deliver(*, ids: list[int], now: datetime | None = None) -> int:
    """Deliver claimed messages (state `sending`). Returns how many reached a provider."""
    now = now or timezone.now()
    with transaction.atomic():
        messages = due_rows(Message.objects.filter(id__in=ids, state=MessageState.SENDING))
        to_send, messaging = _check(messages, now, claim=False)
    return _hand_over(to_send, messaging, now)


def _hand_over(to_send: list[Due], messaging: dict[int, MessagingSettings], now: datetime) -> int:
    """Steps 4 and 5: call each message's sender, outside any transaction, then record."""
    contents = _Contents([m.id for m in to_send])
    senders = {channel: sender_for(channel) for channel in {m.channel for m in to_send}}
    results = []
    # 4. Provider calls, outside any transaction; the content is rendered if the sender reads it.
    for message in to_send:
        outgoing = _outgoing(message, messaging[message.store_id], contents)
        try:
            results.append((message, senders[message.channel](outgoing), None))
        except RenderError as exc:  # a broken template fails this message, not the batch
            logger.exception("rendering message %s failed", message.id)
            results.append((message, "", exc))
        except (ProviderTransientError, ProviderPermanentError) as exc:
            logger.warning("message %s: %s", message.id, exc)
            results.append((message, "", exc))
    if results:
        _record(results, now)
    return sum(1 for _, _, error in results if error is None)


def messages_dispatch_due(*, limit: int = BATCH, max_batches: int = 50) -> int:
    """Claim and deliver due messages batch by batch until none is due. Returns how many were sent.

    Claiming, checking and marking a batch is one transaction here (messages_claim and
    messages_deliver need two, as a task delivers what the sweeper claimed): one UPDATE less per
    batch, and a worker that dies before the commit leaves its messages due at once.
    """
    sent = 0
    for _ in range(max_batches):
        now = timezone.now()
        with transaction.atomic():
            messages = _lock_due(now, limit, due_rows)
            if not messages:
                break
            messages.sort(key=lambda m: (m.send_at, m.id))  # decide in send_at order, as messages_deliver does
            to_send, messaging = _check(messages, now, claim=True)
        sent += _hand_over(to_send, messaging, now)
    return sent
