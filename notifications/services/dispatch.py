"""Delivering due messages: claim a batch, check, render, call the provider, record.

The guarantees, whatever dies when:
- A message is claimed with a lease (`sending` until `lease_expires_at`). A worker that dies
  before calling the provider leaves a lease that expires, and the next sweep claims it again.
- Just before the provider call the row is marked (`provider_called_at`) and committed. A worker
  that dies after that mark is never retried: the customer may already have the message, and a
  duplicate is worse than a gap that `explain_messages` shows and `resend_message` can fill.
- No provider is called inside a database transaction.
"""

import logging
import random
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from notifications.channels import Outgoing, ProviderPermanentError, ProviderTransientError, email, sms
from notifications.context import message_context
from notifications.models import Channel, Message, MessageState, Suppression
from notifications.rendering import overrides_for, render
from orders.events import event_record_many
from orders.models import Customer, DomainEvent

from .checks import Decision, decide, facts_for

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 6
BATCH = 100
SENDERS = {Channel.EMAIL: email.send, Channel.SMS: sms.send}
_STATE_FOR = {"cancel": MessageState.CANCELLED, "suppress": MessageState.SUPPRESSED, "postpone": MessageState.SCHEDULED}
_RESULT_FIELDS = ["state", "send_at", "last_error", "reason", "lease_expires_at", "provider_called_at", "updated_at"]
_OUTCOME = {"cancel": "cancelled", "suppress": "suppressed", "postpone": "postponed"}
_FIELDS = ["state", "reason", "send_at", "lease_expires_at", "provider_called_at", "attempts", "updated_at"]


def messages_claim(*, now: datetime | None = None, limit: int = BATCH) -> list[int]:
    """Claim up to `limit` due messages for this worker; rows other workers hold are skipped."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            Message.objects.due(now)
            .select_for_update(skip_locked=True)
            .order_by("send_at", "id")
            .values_list("id", flat=True)[:limit]
        )
        if ids:
            Message.objects.filter(id__in=ids).update(
                state=MessageState.SENDING, lease_expires_at=now + LEASE, attempts=F("attempts") + 1, updated_at=now
            )
    return ids


def _backoff(attempts: int) -> timedelta:
    """Exponential, capped at an hour, with jitter so retries of a burst do not stampede."""
    ceiling = min(3600, 60 * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=ceiling / 2 + random.uniform(0, ceiling / 2))  # noqa: S311 - jitter, not crypto


def _timeline(message: Message, what: str, reason: str = "", **data) -> DomainEvent | None:
    if message.order_id is None:
        return None
    return DomainEvent(
        store_id=message.store_id,
        order_id=message.order_id,
        customer_id=message.customer_id,
        kind=f"message.{what}",
        actor="outbox",
        data={"message_id": message.pk, "kind": message.kind, "channel": message.channel, "reason": reason, **data},
    )


def _outgoing(message: Message, messaging, overrides: dict) -> Outgoing:
    context = message_context(message)
    rendered = render(
        kind=message.kind,
        channel=message.channel,
        locale=message.locale,
        context=context,
        store_id=message.store_id,
        overrides=overrides,
    )
    headers = {}
    unsubscribe = context["links"]["unsubscribe"]
    if message.channel == Channel.EMAIL and not message.transactional and unsubscribe:
        # RFC 8058 one-click unsubscribe: mail clients POST to the link without showing a page.
        headers = {"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    sender = messaging.sender_name or message.store.name
    return Outgoing(
        message_id=message.pk,
        channel=message.channel,
        to=message.recipient,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        from_email=f"{sender} <{_address(settings.DEFAULT_FROM_EMAIL)}>",
        reply_to=messaging.reply_to or message.store.support_email,
        headers=headers,
    )


def _address(from_email: str) -> str:
    return from_email.rsplit("<", 1)[-1].rstrip(">").strip()


def _apply(message: Message, decision: Decision, now: datetime) -> None:
    message.state = _STATE_FOR[decision.action]
    message.reason = decision.reason[:300]
    message.lease_expires_at = None
    message.updated_at = now
    if decision.action == "postpone":
        message.send_at = decision.until
        message.attempts = max(message.attempts - 1, 0)  # waiting is not a delivery attempt


def _prepare(ids: list[int], now: datetime) -> list[tuple[Message, Outgoing]]:
    """Steps 1 to 3 in one transaction: decide every claimed message, render the ones to send,
    and mark them as handed to the provider."""
    to_send, decided, events = [], [], []
    with transaction.atomic():
        messages = list(
            Message.objects.filter(id__in=ids, state=MessageState.SENDING)
            .select_related("store", "customer", "order__store", "shipment")
            .prefetch_related("order__line_items__product", "order__shipments", "shipment__items")
        )
        # 1. Serialise frequency-cap decisions per customer across concurrent workers.
        optional_customers = sorted({m.customer_id for m in messages if not m.transactional and m.customer_id})
        if optional_customers:
            list(Customer.objects.select_for_update().filter(pk__in=optional_customers).order_by("pk").values("pk"))
        facts = facts_for(messages, now)
        overrides = overrides_for({m.store_id for m in messages})
        for message in messages:
            # 2. A worker died after handing this one to the provider: never send it twice.
            if message.provider_called_at:
                message.state, message.lease_expires_at = MessageState.FAILED, None
                message.reason = "the worker stopped during the provider call; not resent to avoid a duplicate"
                decided.append(message)
                events.append(_timeline(message, "failed", message.reason))
                continue
            decision = decide(message, facts, now)
            if decision.action != "send":
                _apply(message, decision, now)
                decided.append(message)
                events.append(_timeline(message, _OUTCOME[decision.action], decision.reason))
                continue
            try:
                to_send.append((message, _outgoing(message, facts.settings[message.store_id], overrides)))
            except Exception as exc:  # a broken template fails this message, not the batch
                logger.exception("rendering message %s failed", message.pk)
                message.state, message.lease_expires_at = MessageState.FAILED, None
                message.reason = f"could not render the template: {exc}"[:300]
                decided.append(message)
                events.append(_timeline(message, "failed", message.reason))
        # 3. Mark the hand-over before any provider call; commit makes it durable.
        Message.objects.filter(id__in=[m.pk for m, _ in to_send]).update(provider_called_at=now)
        if decided:
            Message.objects.bulk_update(decided, _FIELDS)
        event_record_many([e for e in events if e is not None])
    return to_send


def _record(results: list[tuple[Message, str, Exception | None]], now: datetime) -> None:
    """Step 5: write every provider outcome, suppress dead addresses, tell the timeline."""
    events, suppressions = [], []
    for message, provider_id, error in results:
        message.updated_at, message.lease_expires_at, message.provider_called_at = now, None, None
        if error is None:
            message.state, message.sent_at, message.provider_message_id = MessageState.SENT, now, provider_id
            message.last_error = ""
            events.append(_timeline(message, "sent"))
        elif isinstance(error, ProviderTransientError) and message.attempts < MAX_ATTEMPTS:
            message.state, message.send_at = MessageState.SCHEDULED, now + _backoff(message.attempts)
            message.last_error = str(error)[:2000]
            events.append(_timeline(message, "retrying", str(error)[:200], attempt=message.attempts))
        else:
            message.state, message.last_error = MessageState.FAILED, str(error)[:2000]
            message.reason = f"provider error {error.code}: {error}"[:300] if error.code else str(error)[:300]
            events.append(_timeline(message, "failed", message.reason))
            if getattr(error, "suppress", False):
                suppressions.append(
                    Suppression(channel=message.channel, address=message.recipient, reason=message.reason)
                )
    sent = [m for m, _, error in results if error is None]
    others = [m for m, _, error in results if error is not None]
    with transaction.atomic():
        # The common case in two cheap statements: shared fields for all, then the provider ids.
        Message.objects.filter(pk__in=[m.pk for m in sent]).update(
            state=MessageState.SENT,
            sent_at=now,
            last_error="",
            lease_expires_at=None,
            provider_called_at=None,
            updated_at=now,
        )
        Message.objects.bulk_update(sent, ["provider_message_id"])
        Message.objects.bulk_update(others, _RESULT_FIELDS)
        Suppression.objects.bulk_create(suppressions, ignore_conflicts=True)
        event_record_many([e for e in events if e is not None])


def messages_deliver(*, ids: list[int], now: datetime | None = None) -> int:
    """Deliver claimed messages (state `sending`). Returns how many reached a provider."""
    now = now or timezone.now()
    to_send = _prepare(ids, now)
    results = []
    # 4. Provider calls, outside any transaction.
    for message, outgoing in to_send:
        try:
            results.append((message, SENDERS[message.channel](outgoing), None))
        except (ProviderTransientError, ProviderPermanentError) as exc:
            logger.warning("message %s: %s", message.pk, exc)
            results.append((message, "", exc))
    if results:
        _record(results, now)
    return sum(1 for _, _, error in results if error is None)


def messages_dispatch_due(*, limit: int = BATCH, max_batches: int = 50) -> int:
    """Claim and deliver due messages batch by batch until none is due. Returns how many were sent."""
    sent = 0
    for _ in range(max_batches):
        ids = messages_claim(limit=limit)
        if not ids:
            break
        sent += messages_deliver(ids=ids)
    return sent
