"""The event kinds notifications records, the one builder of each payload, and their wording.

Every `message.*` event is about one message and carries the same payload (`message_id`, the
message's `kind` and `channel`, the `reason`, plus what the kind adds), built only by
`message_event`: the dispatcher, the provider callbacks and the ops actions all record through it.
A message to a customer about no order gets its events too, with the customer and no order.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from notifications import registry
from orders.events import describes, event_record_many
from orders.models import DomainEvent

MESSAGE_SENT = "message.sent"
MESSAGE_DELIVERED = "message.delivered"  # the provider reports it arrived
MESSAGE_BOUNCED = "message.bounced"
MESSAGE_COMPLAINED = "message.complained"  # the recipient marked it as spam
MESSAGE_FAILED = "message.failed"
MESSAGE_RETRYING = "message.retrying"  # a transient provider error: tried again later
MESSAGE_POSTPONED = "message.postponed"  # quiet hours, the frequency cap, another app's hold
MESSAGE_CANCELLED = "message.cancelled"
MESSAGE_SUPPRESSED = "message.suppressed"
MESSAGE_RESEND_REQUESTED = "message.resend_requested"  # a person asked for a copy
MESSAGE_RETRY_REQUESTED = "message.retry_requested"  # a person put a failed message back in the queue
CONSENT_CHANGED = "consent.changed"

# The event of a message's state, where the state is the news (provider callbacks).
MESSAGE_FOR_STATE = {
    "sent": MESSAGE_SENT,
    "delivered": MESSAGE_DELIVERED,
    "bounced": MESSAGE_BOUNCED,
    "failed": MESSAGE_FAILED,
    "cancelled": MESSAGE_CANCELLED,
    "suppressed": MESSAGE_SUPPRESSED,
}

_OUTCOMES = {
    MESSAGE_SENT: "sent",
    MESSAGE_DELIVERED: "delivered",
    MESSAGE_BOUNCED: "bounced",
    MESSAGE_COMPLAINED: "marked as spam",
    MESSAGE_FAILED: "failed",
    MESSAGE_RETRYING: "will be retried",
    MESSAGE_POSTPONED: "postponed",
    MESSAGE_CANCELLED: "cancelled",
    MESSAGE_SUPPRESSED: "not sent",
    MESSAGE_RESEND_REQUESTED: "to be sent again",
    MESSAGE_RETRY_REQUESTED: "to be retried",
}


class AboutMessage(Protocol):
    """What an event needs of a message: a Message row or the dispatcher's Due."""

    @property
    def id(self) -> int: ...
    @property
    def store_id(self) -> int: ...
    @property
    def order_id(self) -> int | None: ...
    @property
    def customer_id(self) -> int | None: ...
    @property
    def kind(self) -> str: ...
    @property
    def channel(self) -> str: ...


def message_event(message: AboutMessage, kind: str, *, actor: str, reason: str = "", **extra: Any) -> DomainEvent:
    """The unsaved event `kind` about `message`; record many at once with `event_record_many`."""
    if kind not in _OUTCOMES:
        raise ValueError(f"{kind!r} is not a message event")
    return DomainEvent(
        store_id=message.store_id,
        order_id=message.order_id,
        customer_id=message.customer_id,
        kind=kind,
        actor=actor,
        data={"message_id": message.id, "kind": message.kind, "channel": message.channel, "reason": reason, **extra},
    )


def message_event_record(
    message: AboutMessage, kind: str, *, actor: str, reason: str = "", **extra: Any
) -> DomainEvent:
    """Record one message event now, in the caller's transaction, and run its subscribers."""
    return event_record_many([message_event(message, kind, actor=actor, reason=reason, **extra)])[0]


def consent_changed_data(
    *,
    channel: str,
    opted_in: bool,
    optional_messages: bool,
    source: str,
    before: tuple[bool, bool] | None,
    at: datetime,
) -> dict[str, Any]:
    """The payload of `consent.changed` for a channel's consent (the evidence of what was said)."""
    return {
        "channel": channel,
        "opted_in": opted_in,
        "optional_messages": optional_messages,
        "source": source,
        "before": {"opted_in": before[0], "optional_messages": before[1]} if before else None,
        "recorded_at": at.isoformat(),
    }


def _message_text(outcome: str) -> Any:
    def text(data: Mapping[str, Any]) -> str:
        kind = registry.label(str(data.get("kind", "")))
        channel = "SMS" if data.get("channel") == "sms" else "Email"
        return f"{channel} “{kind}” {outcome}" + (f": {data['reason']}" if data.get("reason") else "")

    return text


def _consent_text(data: Mapping[str, Any]) -> str:
    if "frequency" in data:
        return f"Message frequency set to {data['frequency']} ({data.get('source', '')})"
    channel = "SMS" if data.get("channel") == "sms" else "Email"
    if not data.get("opted_in"):
        said = "opted out"
    elif data.get("optional_messages"):
        said = "opted in"
    else:
        said = "opted in to order updates only"
    return f"{channel} consent: {said} ({data.get('source', '')})"


for _kind, _outcome in _OUTCOMES.items():
    describes(_kind)(_message_text(_outcome))
describes(CONSENT_CHANGED)(_consent_text)
