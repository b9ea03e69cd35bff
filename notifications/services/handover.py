"""Steps 4 and 5 of the dispatcher: hand each message to its channel's sender, record each outcome.

The promise (docs/architecture.md, "Exactly once, as far as it can be"): a kill at any instant
leaves at most the message(s) in flight "in doubt" (marked as handed over, outcome unknown); every
other message of the batch is either recorded or still claimable. So:

1. The hand-over mark (`provider_called_at`) is committed for one message (or a group of
   `OUTBOX_HANDOVER_GROUP`, default 1) just before its own provider call, not for the batch.
2. The mark only takes while the message is still `sending` under this worker's lease: a worker
   that stalled past its lease finds its messages claimed by another and stops.
3. The outcome of message k, its timeline line and the mark of message k+1 go out in one
   statement (step.py, on PostgreSQL): one round trip per message, and an outcome never
   commits without its line. A line some app subscribes to (or any line, on SQLite) is
   recorded and published at the end of the batch instead: a kill loses those lines, never an
   outcome. Suppressions are written with their outcome.
4. An error the sender did not classify fails its own message ("<Class>: <text>", logged with
   its traceback); a configuration error (the sender or its backend cannot be imported or is
   misconfigured) would fail every message, so it stops the batch: that message is retried later
   like a transient error and the rest go back to `scheduled`.
5. Whatever ends the loop (an exception escaping it, the lease running low), the outcomes
   gathered so far are recorded and the messages never handed over are released at once
   (`finally`); only a message whose call was under way stays in doubt.
"""

import logging
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from functools import lru_cache, partial

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import F, Q
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
from notifications.models import Channel, Message, MessageState, MessagingSettings, Suppression
from notifications.rendering import overrides_for, render
from orders.events import event_record_many, events_unpublished_ok
from orders.models import DomainEvent

from .checks import Due
from .step import Line, step
from .writes import MAX_ATTEMPTS, backoff, lease, rows_update

logger = logging.getLogger(__name__)

# Errors that say the installation is misconfigured, not that one message is bad.
CONFIG_ERRORS = (ImportError, ImproperlyConfigured)


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
    return Outgoing(
        message_id=message.id,
        channel=message.channel,
        to=message.recipient,
        from_email=_from_header(messaging.sender_name or message.store_name, settings.DEFAULT_FROM_EMAIL),
        reply_to="".join((messaging.reply_to or message.store_support_email).split()),
        content=partial(contents.render, message.id),
    )


@lru_cache(maxsize=256)
def _from_header(name: str, default_from: str) -> str:
    """`name <our address>`. Header values never carry a line break, whatever an older row holds
    (the admin refuses them now), and a name with a comma or "<…>" is quoted: it can never add or
    change an address. Cached: a batch has a few stores, and building an Address is not free."""
    address = default_from.rsplit("<", 1)[-1].rstrip(">").strip()
    return str(Address(display_name=" ".join(name.split()), addr_spec=address))


@dataclass
class _Outcome:
    message: Due
    provider_id: str = ""
    error: BaseException | None = None
    at: datetime = field(default_factory=timezone.now)


@dataclass
class _Progress:
    """What the hand-over of a batch knows, for the `finally` that records it."""

    lease: datetime
    waiting: list[Due]  # not marked yet
    marked: list[Due] = field(default_factory=list)  # marked, not called yet
    calling: Due | None = None  # marked, its call under way
    gathered: list[_Outcome] = field(default_factory=list)  # known, not written yet
    events: list[DomainEvent] = field(default_factory=list)  # written outcomes' timeline lines, not written yet
    sent: int = 0
    stopped: bool = False  # a configuration error or the lease stopped the batch early


def hand_over(to_send: list[Due], messaging: dict[int, MessagingSettings], lease_until: datetime) -> _Progress:
    """Steps 4 and 5 (see the module docstring) for messages claimed until `lease_until`, outside any
    transaction. Returns the progress: `sent` is how many a provider accepted, `stopped` says the
    batch ended early (the caller should not start another one now)."""
    group = max(1, int(getattr(settings, "OUTBOX_HANDOVER_GROUP", 1)))
    contents = _Contents([m.id for m in to_send])
    senders: dict[str, Callable[[Outgoing], str]] = {}
    progress = _Progress(lease=lease_until, waiting=list(to_send))
    # Stop handing over when a fifth of the lease is left: another worker may claim the rest.
    stop_at = lease_until - lease() / 5
    try:
        while progress.waiting:
            if timezone.now() > stop_at:
                logger.warning("outbox: the lease runs out; %d messages left for the next sweep", len(progress.waiting))
                progress.stopped = True
                break
            next_group, progress.waiting = progress.waiting[:group], progress.waiting[group:]
            progress.marked = _mark(next_group, progress)
            if len(progress.marked) < len(next_group):
                logger.warning("outbox: another worker holds messages of this batch (the lease ran out); stopping")
                progress.stopped = True
                break
            if _call_group(progress, messaging, contents, senders):
                progress.stopped = True
                break
    finally:
        _finish(progress)
    return progress


def _call_group(
    progress: _Progress, messaging: dict[int, MessagingSettings], contents: "_Contents", senders: dict
) -> bool:
    """Call the sender of each marked message. Returns True when the batch must stop."""
    while progress.marked:
        message, progress.marked = progress.marked[0], progress.marked[1:]
        progress.calling = message
        try:
            send = _sender(message.channel, senders)
            outcome = _Outcome(message, send(_outgoing(message, messaging[message.store_id], contents)) or "")
        except RenderError as exc:  # a broken template fails this message, not the batch
            logger.exception("rendering message %s failed", message.id)
            outcome = _Outcome(message, error=exc)
        except (ProviderTransientError, ProviderPermanentError) as exc:
            logger.warning("message %s: %s", message.id, exc)
            outcome = _Outcome(message, error=exc)
        except SoftTimeLimitExceeded:
            raise  # the call may be under way: the message stays in doubt, the `finally` records the rest
        except CONFIG_ERRORS as exc:
            logger.exception(
                "outbox: configuration error sending %s messages (%s: %s); stopping the batch: message %s "
                "will be retried and %d others stay scheduled until it is fixed",
                message.channel,
                type(exc).__name__,
                exc,
                message.id,
                len(progress.marked) + len(progress.waiting),
            )
            progress.calling = None
            progress.gathered.append(_Outcome(message, error=exc))
            return True
        except Exception as exc:  # a bug or bad data: fail this message alone, keep the traceback
            logger.exception("message %s failed: %s: %s", message.id, type(exc).__name__, exc)
            outcome = _Outcome(message, error=exc)
        progress.calling = None
        progress.gathered.append(outcome)
        progress.sent += outcome.error is None
    return False


def _sender(channel: str, senders: dict) -> Callable[[Outgoing], str]:
    """The channel's sender; one that cannot be found or imported is a configuration error."""
    if channel not in senders:
        try:
            senders[channel] = sender_for(channel)
        except CONFIG_ERRORS:
            raise
        except Exception as exc:
            raise ImproperlyConfigured(f"no usable sender for the {channel} channel: {exc}") from exc
    return senders[channel]


def _mark(group: list[Due], progress: _Progress) -> list[Due]:
    """Record the gathered outcomes and mark `group` as handed over, in one UPDATE. Returns the
    messages of `group` the mark took (all of them unless another worker holds some)."""
    now = timezone.now()
    inline = connection.vendor == "postgresql"
    changes, suppressions, lines = _outcomes(progress, inline=inline)
    ids = [m.id for m in group]
    changes.update({pk: {"provider_called_at": now} for pk in ids})
    with transaction.atomic() if suppressions else nullcontext():
        if inline:
            changed = step(changes, ids, progress.lease, lines)
        else:  # the same with Django's UPDATE (SQLite in development)
            where = Q(pk__in=list(changes)) & (
                Q(pk__in=list(changes.keys() - set(ids)))
                | Q(state=MessageState.SENDING, lease_expires_at=progress.lease, provider_called_at=None)
            )
            changed = rows_update(changes, where)
        _suppress(suppressions)
    if changed == len(changes):
        return group
    taken = set(Message.objects.filter(pk__in=ids, provider_called_at=now).values_list("pk", flat=True))
    return [m for m in group if m.id in taken]


def _finish(progress: _Progress) -> None:
    """Record what is known and release what was never handed over, whatever ended the loop."""
    inline = connection.vendor == "postgresql"
    changes, suppressions, lines = _outcomes(progress, inline=inline)
    unsent = progress.marked + progress.waiting
    now = timezone.now()
    # One statement alone commits on its own: the common end of a batch (the last outcome and
    # its line) needs no transaction around it.
    alone = inline and not suppressions and not unsent and not progress.events
    try:
        with nullcontext() if alone else transaction.atomic():
            if inline and changes:
                step(changes, [], progress.lease, lines)
            else:
                rows_update(changes)
            _suppress(suppressions)
            if unsent:
                # Back to the queue, due as they were; the claim was not a delivery attempt.
                Message.objects.filter(
                    pk__in=[m.id for m in unsent], state=MessageState.SENDING, lease_expires_at=progress.lease
                ).update(
                    state=MessageState.SCHEDULED,
                    lease_expires_at=None,
                    provider_called_at=None,
                    attempts=F("attempts") - 1,
                    updated_at=now,
                )
            if progress.events:
                event_record_many(progress.events)
    except Exception:
        # Unwritten outcomes stay marked (in doubt) and unsent messages are claimed after the lease.
        logger.exception("outbox: could not record the end of a batch")
        raise


def _suppress(suppressions: list[Suppression]) -> None:
    if suppressions:
        Suppression.objects.bulk_create(suppressions, ignore_conflicts=True)


def _outcomes(progress: _Progress, *, inline: bool) -> tuple[dict[int, dict], list[Suppression], dict[int, Line]]:
    """The row changes, suppressions and timeline lines of the gathered outcomes. With `inline`
    (PostgreSQL), the lines nobody subscribes to are returned, for the statement that writes the
    outcomes to write them too; the others wait in `progress.events` for the end of the batch,
    where they are recorded and published."""
    changes, suppressions, lines = {}, [], {}
    for outcome in progress.gathered:
        values, line, suppression = _outcome_values(outcome)
        changes[outcome.message.id] = values
        if inline and _unpublished_ok(line.what):
            lines[outcome.message.id] = line
        else:
            progress.events.append(line.event(outcome.message))
        if suppression is not None:
            suppressions.append(suppression)
    progress.gathered = []
    return changes, suppressions, lines


def _unpublished_ok(what: str) -> bool:
    return events_unpublished_ok([f"message.{what}"])


def _outcome_values(outcome: _Outcome) -> tuple[dict, Line, Suppression | None]:
    message, error, now = outcome.message, outcome.error, outcome.at
    values: dict = {"lease_expires_at": None, "provider_called_at": None, "updated_at": now}
    if error is None:
        values.update(state=MessageState.SENT, sent_at=now, provider_message_id=outcome.provider_id, last_error="")
        return values, Line("sent"), None
    if isinstance(error, RenderError):
        reason = f"could not render the template: {error}"[:300]
        values.update(state=MessageState.FAILED, reason=reason)
        return values, Line("failed", reason), None
    retry = isinstance(error, (ProviderTransientError, *CONFIG_ERRORS)) and message.attempts < MAX_ATTEMPTS
    if retry:
        text = f"{type(error).__name__}: {error}" if isinstance(error, CONFIG_ERRORS) else str(error)
        values.update(state=MessageState.SCHEDULED, send_at=now + backoff(message.attempts), last_error=text[:2000])
        if isinstance(error, CONFIG_ERRORS):
            values["reason"] = f"configuration error: {text}"[:300]
        return values, Line("retrying", text[:200], {"attempt": message.attempts}), None
    if isinstance(error, ProviderPermanentError | ProviderTransientError):
        reason = f"provider error {error.code}: {error}"[:300] if error.code else str(error)[:300]
    else:
        reason = f"{type(error).__name__}: {error}"[:300]
    values.update(state=MessageState.FAILED, last_error=str(error)[:2000], reason=reason)
    suppression = None
    if getattr(error, "suppress", False):
        suppression = Suppression(channel=message.channel, address=message.recipient, reason=reason)
    return values, Line("failed", reason), suppression
