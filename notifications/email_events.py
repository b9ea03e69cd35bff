"""Email providers' tracking events, through anymail: delivered, bounced, complained, unsubscribed.

anymail checks the webhook's basic auth (ANYMAIL["WEBHOOK_SECRET"]) and turns each ESP's payload
into an AnymailTrackingEvent, sent with its `tracking` signal. The receiver here then treats it
like every other webhook (orders.services.webhook_receive):

1. Store it first, deduplicated on the ESP's event id, or on a hash of the ESP's payload when
   there is none (Postmark gives ids to bounces only), so a redelivered event is applied once.
2. Process it inline through the handler registered for `anymail:<esp>`. A failure is written
   on the stored row and retried by the webhook sweeper; the ESP gets its 200 either way.

Imported by NotificationsConfig.ready(), which connects the receiver and registers the handler.
"""

import hashlib
import json
import logging

from anymail.signals import AnymailTrackingEvent, EventType, tracking
from django.dispatch import receiver

from notifications.consent import unsubscribe_optional_email
from notifications.events import message_event_record
from notifications.models import DELIVERY_RANK, Channel, Message, MessageState, Suppression
from orders.models import InboundWebhook, normalize_email
from orders.services import webhook_process, webhook_receive
from postpurchase.webhooks import handler_for, handles

logger = logging.getLogger(__name__)

# Every ESP anymail takes tracking webhooks from (its views' `esp_name`). Their handlers are
# registered at start-up so that any worker can replay a stored event.
ESPS = (
    "Amazon SES",
    "Brevo",
    "MailerSend",
    "Mailgun",
    "Mailjet",
    "Mailtrap",
    "Mandrill",
    "Postal",
    "Postmark",
    "Resend",
    "SendGrid",
    "SendinBlue",
    "SparkPost",
    "Unisender Go",
)

# What an event does to our message. The other types (queued, sent, deferred, opened, clicked,
# autoresponded, ...) change nothing: their stored webhook row is their record.
STATE_FOR = {
    EventType.DELIVERED: MessageState.DELIVERED,
    EventType.BOUNCED: MessageState.BOUNCED,
    EventType.REJECTED: MessageState.BOUNCED,
    EventType.FAILED: MessageState.FAILED,
}
# Rejections that say the address itself is dead or unwilling. Others ("blocked", "other") are
# often about us, e.g. our domain's DMARC policy, and must not silence a good address.
SUPPRESSING_REJECTIONS = {"invalid", "bounced", "timed_out", "spam", "unsubscribed"}


class SendNotRecordedYet(Exception):
    """The provider reports on a message whose send we have not recorded yet (still `sending`).

    Raised so the stored event stays pending and the sweeper applies it a minute later: applied
    now, the worker's own "sent" record would overwrite it.
    """


def provider_for(esp_name: str) -> str:
    """The stored webhooks' provider for an ESP, e.g. "anymail:amazon_ses" for "Amazon SES"."""
    return "anymail:" + esp_name.lower().replace(" ", "_")


def _digest(esp_event) -> str:
    raw = json.dumps(esp_event, sort_keys=True, default=str)
    return "sha256:" + hashlib.sha256(raw.encode()).hexdigest()


def _plain(event: AnymailTrackingEvent, esp_name: str) -> dict:
    """The normalised event as JSON-ready data, stored with the raw payload for replays."""
    return {
        "esp": esp_name,
        "event_type": event.event_type or EventType.UNKNOWN,
        "event_id": str(event.event_id or ""),
        "message_id": str(event.message_id or ""),
        "recipient": event.recipient or "",
        "metadata": event.metadata or {},
        "reject_reason": event.reject_reason or "",
        "description": event.description or "",
        "mta_response": event.mta_response or "",
        "timestamp": event.timestamp.isoformat() if event.timestamp else "",
    }


def message_for(event: dict) -> Message | None:
    """Our email the event is about: by the outbox id we put in its metadata, else by the id the
    provider gave it. The metadata match must agree with the recipient and provider id, since
    another system sending through the same ESP account may use the same metadata key."""
    recipient = normalize_email(event["recipient"])
    provider_id = event["message_id"]
    outbox_id = str((event["metadata"] or {}).get("outbox_id", ""))
    if outbox_id.isdigit():
        message = Message.objects.filter(pk=int(outbox_id), channel=Channel.EMAIL).first()
        if (
            message is not None
            and (not recipient or message.recipient == recipient)
            and (not provider_id or not message.provider_message_id or message.provider_message_id == provider_id)
        ):
            return message
    if provider_id:
        return Message.objects.filter(channel=Channel.EMAIL, provider_message_id=provider_id).order_by("-pk").first()
    return None


@receiver(tracking, dispatch_uid="notifications.email_events")
def email_event_received(sender, event: AnymailTrackingEvent, esp_name: str, **kwargs) -> None:
    """Store one tracking event, then apply it unless it was applied before."""
    provider = provider_for(esp_name)
    if handler_for(provider) is None:  # an ESP newer than ESPS
        handles(provider)(email_event_handle)
    data = _plain(event, esp_name)
    message = message_for(data)
    store = message.store if message else None
    event_id = (data["event_id"] or _digest(event.esp_event))[:200]
    # Rows without a store escape the unique constraint (NULLs differ), so look for those first.
    existing = None
    if store is None:
        existing = InboundWebhook.objects.filter(provider=provider, store=None, event_id=event_id).first()
    if existing is not None:
        webhook, needs_processing = existing, existing.processed_at is None
    else:
        webhook, needs_processing = webhook_receive(
            provider=provider,
            store=store,
            topic=data["event_type"][:100],
            event_id=event_id,
            headers={},
            body=json.dumps({"event": data, "esp_event": event.esp_event}, default=str),
        )
    if needs_processing:
        webhook_process(webhook_id=webhook.pk)


def _reason(event: dict) -> str:
    detail = event["description"] or event["mta_response"] or event["reject_reason"]
    return f"{event['esp']} reports {event['event_type']}" + (f": {detail}" if detail else "")


def _timeline(message: Message, what: str, event: dict, actor: str) -> None:
    message_event_record(message, f"message.{what}", actor=actor, reason=_reason(event), reported_at=event["timestamp"])


def _advance(message: Message, event: dict, actor: str) -> None:
    """Move the message on, never back: a late `delivered` does not undo a `bounced`."""
    target = STATE_FOR.get(event["event_type"])
    if target is None:
        return
    if message.state == MessageState.SENDING:
        raise SendNotRecordedYet(f"message {message.pk} is still being sent")
    current = DELIVERY_RANK.get(message.state)
    if current is None or DELIVERY_RANK[target] <= current:
        return  # never handed to the provider (cancelled, suppressed, ...), or already as far
    message.state = target
    if target != MessageState.DELIVERED:
        message.reason = _reason(event)[:300]
    message.save(update_fields=["state", "reason", "updated_at"])
    _timeline(message, target, event, actor)


def _suppress(address: str, reason: str) -> None:
    if address:
        Suppression.objects.get_or_create(
            store=None, channel=Channel.EMAIL, address=address, defaults={"reason": reason[:200]}
        )


def email_event_handle(webhook: InboundWebhook) -> None:
    """Apply one stored tracking event (inside webhook_process's transaction). Idempotent."""
    event = json.loads(webhook.body)["event"]
    kind = event["event_type"]
    message = message_for(event)
    if message is not None:
        # of=self: customer is nullable, and Postgres cannot lock the outer side of a join.
        message = Message.objects.select_for_update(of=("self",)).select_related("customer__store").get(pk=message.pk)
        _advance(message, event, webhook.provider)
    address = normalize_email(event["recipient"]) or (message.recipient if message else "")
    if kind == EventType.BOUNCED or (kind == EventType.REJECTED and event["reject_reason"] in SUPPRESSING_REJECTIONS):
        _suppress(address, event["reject_reason"] or "bounced")
    elif kind == EventType.COMPLAINED:
        _suppress(address, event["reject_reason"] or "complained")
        if message is not None:
            _timeline(message, "complained", event, webhook.provider)
    if kind in (EventType.COMPLAINED, EventType.UNSUBSCRIBED):
        if message is None or message.customer is None:
            logger.info("%s %s for %s: no customer of ours to opt out", event["esp"], kind, address)
            return
        unsubscribe_optional_email(customer=message.customer, source=f"{event['esp']}: {kind}")


for _esp in ESPS:
    handles(provider_for(_esp))(email_event_handle)
