"""What a person does to the outbox by hand: resend a message, cancel one, retry failures.

Called by the ops commands (resend_message, retry_failed) and the Message admin's actions.
Each is an entry point: it owns its transaction, records what it did on the order timeline,
and nudges the dispatcher once the change is committed. Nothing here calls a provider; the
copies and retries go through the same send-time checks as every other message.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from notifications.events import (
    MESSAGE_CANCELLED,
    MESSAGE_RESEND_REQUESTED,
    MESSAGE_RETRY_REQUESTED,
    message_event,
    message_event_record,
)
from notifications.models import FINAL_STATES, Message, MessageState, ReasonCode, Suppression, suppresses
from orders.events import event_record_many
from orders.models import Store
from postpurchase.exceptions import DomainError, InvalidTransition

from .scheduling import nudge

# A message that reached an end can be sent again; one still on its way cannot.
RESENDABLE = FINAL_STATES


def _suppression(message: Message) -> Suppression | None:
    return (
        Suppression.objects.applying_to(store_id=message.store_id, channel=message.channel, address=message.recipient)
        .order_by("store_id")
        .first()
    )


def _resend_key(original: Message) -> str:
    """The next free `<key>:resend:<n>`: n counts the copies already made of this message."""
    prefix = f"{original.dedupe_key}:resend:"
    taken = set(Message.objects.filter(dedupe_key__startswith=prefix).values_list("dedupe_key", flat=True))
    n = 1
    while f"{prefix}{n}" in taken:
        n += 1
    key = f"{prefix}{n}"
    if len(key) > Message._meta.get_field("dedupe_key").max_length:
        raise DomainError(f"Message {original.pk} has been resent too often to make another copy.")
    return key


def message_resend_check(original: Message, *, force: bool = False) -> None:
    """Raise DomainError if `original` may not be resent now (`resend_message --dry-run` asks only this)."""
    if original.state not in RESENDABLE:
        raise DomainError(
            f"Message {original.pk} is {original.state}: it has not reached an end yet, so there is nothing to resend.",
            extra={"state": original.state},
        )
    if original.state == MessageState.SUPPRESSED and not force:
        raise DomainError(
            f"Message {original.pk} was suppressed ({original.reason or 'no reason recorded'}); "
            "force the resend (--force) if that no longer applies.",
            extra={"state": original.state},
        )
    if suppression := _suppression(original):
        raise DomainError(
            f"{original.recipient} is on the suppression list ({suppression.reason}); "
            "remove it from the list first if the customer asked to hear from you again.",
            extra={"suppression": suppression.pk},
        )


@transaction.atomic(durable=True)
def message_resend(*, message_id: int, force: bool = False, actor: str = "") -> Message:
    """Schedule a copy of a message that reached an end (sent, failed, cancelled, ...) for now.

    The copy has its own dedupe key and passes the send-time checks like any message, so a
    resend of news that is no longer true is still cancelled when due. A suppressed message is
    copied only with `force` (the cause may be gone, e.g. a frequency cap); a recipient on the
    suppression list never is.
    """
    original = Message.objects.select_for_update().get(pk=message_id)
    message_resend_check(original, force=force)
    now = timezone.now()
    if original.provider_called_at:
        # A person resolved the doubt by sending a copy: the original is no longer in doubt.
        original.provider_called_at = None
        original.save(update_fields=["provider_called_at", "updated_at"])
    copy = Message.objects.create(
        store_id=original.store_id,
        customer_id=original.customer_id,
        order_id=original.order_id,
        shipment_id=original.shipment_id,
        kind=original.kind,
        channel=original.channel,
        recipient=original.recipient,
        locale=original.locale,
        transactional=original.transactional,
        send_at=now,
        dedupe_key=_resend_key(original),
        data={**original.data, "resend_of": original.pk},
        state=MessageState.SCHEDULED,
        reason=f"resend of message {original.pk}" + (f" requested by {actor}" if actor else ""),
        attempts=0,
    )
    message_event_record(original, MESSAGE_RESEND_REQUESTED, actor=actor, new_message_id=copy.pk, forced=force)
    transaction.on_commit(nudge)
    return copy


@transaction.atomic(durable=True)
def message_cancel(*, message_id: int, reason: str = "", actor: str = "") -> Message:
    """Cancel a message that is still waiting to be sent. One already being sent is left alone:
    a worker may be handing it to the provider right now."""
    message = Message.objects.select_for_update().get(pk=message_id)
    if message.state != MessageState.SCHEDULED:
        raise InvalidTransition(message.state, MessageState.CANCELLED, "only scheduled messages can be cancelled")
    reason = reason or (f"cancelled by {actor}" if actor else "cancelled by hand")
    message.state, message.reason, message.reason_code = MessageState.CANCELLED, reason[:300], ReasonCode.STAFF
    message.save(update_fields=["state", "reason", "reason_code", "updated_at"])
    message_event_record(message, MESSAGE_CANCELLED, actor=actor, reason=reason)
    return message


@dataclass
class RetryOutcome:
    retried: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # the recipient is on the suppression list now


@transaction.atomic(durable=True)
def messages_retry_failed(
    *, since: datetime, store: Store | None = None, dry_run: bool = False, in_doubt: bool = False, actor: str = ""
) -> RetryOutcome:
    """Put messages that failed since `since` back in the queue, due now.

    1. Lock the failed messages (a message's last change is when it failed): those in doubt
       (`provider_called_at` set: the worker stopped during the provider call, the customer may
       have it) with `in_doubt`, the others without. A retry of every failure never resends a
       message in doubt by accident; ops choose it after checking the provider.
    2. Leave alone those whose recipient is on the suppression list: the provider said the
       address is dead, or the customer said stop; retrying would only fail again or offend.
    3. Reschedule the others with fresh attempts; the last error stays, in `last_error` and as
       the reason's "retry after: …". `provider_called_at` is cleared: a person decided that
       a possible duplicate is better than a gap.
    4. Tell each order's timeline and nudge the dispatcher after the commit.
    With `dry_run`, steps 3 and 4 are skipped and nothing is written.
    """
    failed = Message.objects.filter(
        state=MessageState.FAILED, updated_at__gte=since, provider_called_at__isnull=not in_doubt
    ).order_by("id")
    if store is not None:
        failed = failed.for_store(store)
    messages = list(failed.select_for_update())
    suppressed = Suppression.objects.keys_for(m.recipient for m in messages)
    outcome, retried = RetryOutcome(), []
    for message in messages:
        if suppresses(suppressed, store_id=message.store_id, channel=message.channel, address=message.recipient):
            outcome.skipped.append(message.pk)
        else:
            outcome.retried.append(message.pk)
            retried.append(message)
    if dry_run or not retried:
        return outcome
    now = timezone.now()
    events = []
    for message in retried:
        message.state, message.send_at, message.attempts = MessageState.SCHEDULED, now, 0
        message.provider_called_at = message.lease_expires_at = None
        message.reason = f"retry after: {message.last_error or message.reason or 'an unknown error'}"[:300]
        message.updated_at = now
        events.append(message_event(message, MESSAGE_RETRY_REQUESTED, actor=actor, reason=message.reason))
    Message.objects.bulk_update(
        retried, ["state", "send_at", "attempts", "provider_called_at", "lease_expires_at", "reason", "updated_at"]
    )
    event_record_many(events)
    transaction.on_commit(nudge)
    return outcome
