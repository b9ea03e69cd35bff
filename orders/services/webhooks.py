"""Inbound webhooks: store first, then process, so none is lost and any can be replayed."""

import logging

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from orders.models import InboundWebhook, Store
from postpurchase.audit import Actor, acting_as
from postpurchase.models import ActorKind
from postpurchase.webhooks import handler_for

logger = logging.getLogger(__name__)


def webhook_receive(
    *, provider: str, store: Store | None, topic: str, event_id: str, headers: dict, body: str
) -> tuple[InboundWebhook, bool]:
    """Store a verified webhook before anything else happens to it.

    Returns (row, needs_processing). A redelivery of an event we already processed is not
    processed again; one whose earlier processing failed is.
    """
    try:
        with transaction.atomic():
            webhook = InboundWebhook.objects.create(
                provider=provider, store=store, topic=topic, event_id=event_id, headers=headers, body=body
            )
            return webhook, True
    except IntegrityError:
        webhook = InboundWebhook.objects.get(provider=provider, store=store, event_id=event_id)
        return webhook, webhook.processed_at is None


def webhook_process(*, webhook_id: int, force: bool = False) -> InboundWebhook:
    """Run the provider's handler on a stored webhook.

    The handler's writes and the `processed_at` mark commit together. A failure rolls the
    handler back, is written on the row and logged; the sweeper or `replay_webhooks` tries
    again later (an update can arrive before the order it updates). `force` re-runs a
    processed webhook: every handler is idempotent.
    """
    try:
        with transaction.atomic():
            # of=self: the store join is an outer one (store is nullable), which Postgres cannot lock.
            webhook = InboundWebhook.objects.select_for_update(of=("self",)).select_related("store").get(pk=webhook_id)
            if webhook.processed_at and not force:
                return webhook
            handler = handler_for(webhook.provider)
            if handler is None:
                raise LookupError(f"no handler for provider {webhook.provider!r}")
            # The provider is the actor of what its webhook changes (the audit log).
            with acting_as(Actor(ActorKind.WEBHOOK, f"{webhook.provider} {webhook.topic}".strip())):
                handler(webhook)
            webhook.processed_at = timezone.now()
            webhook.attempts += 1
            webhook.error = ""
            webhook.save(update_fields=["processed_at", "attempts", "error"])
            return webhook
    except Exception as exc:  # any handler failure is recorded, never lost
        logger.warning("webhook %s failed: %s", webhook_id, exc, exc_info=True)
        InboundWebhook.objects.filter(pk=webhook_id).update(
            attempts=F("attempts") + 1, error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        return InboundWebhook.objects.get(pk=webhook_id)
