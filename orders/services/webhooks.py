"""Inbound webhooks: store first, then process, so none is lost and any can be replayed."""

import json
import logging

from django.db import IntegrityError, connection, transaction
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


def webhook_ingest(
    *, provider: str, store: Store, topic: str, event_id: str, headers: dict, body: str
) -> tuple[InboundWebhook, bool]:
    """Store a verified webhook, process it and mark it processed, in one transaction.

    Returns (row, duplicate). The row is inserted first (`ON CONFLICT DO NOTHING`), so a
    concurrent delivery of the same event waits on it and then finds it processed. It is
    inserted already marked processed, since that is how it commits when the handler succeeds;
    the handler runs in a savepoint, and a failure rolls back its writes only and is written on
    the stored row, which commits either way for the sweeper or `replay_webhooks` to try again.
    """
    now = timezone.now()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                _INSERT_SQL.format(table=InboundWebhook._meta.db_table),
                [provider, store.pk, topic, event_id, json.dumps(headers), body, now, now],
            )
            row = cursor.fetchone()
        if row is None:
            webhook = _locked(InboundWebhook.objects.filter(provider=provider, store=store, event_id=event_id))
            if webhook.processed_at is not None:
                return webhook, True
            webhook.attempts += 1
            if _handle(webhook):
                webhook.processed_at = timezone.now()
            webhook.save(update_fields=["processed_at", "attempts", "error"])
            return webhook, False
        webhook = InboundWebhook(
            pk=row[0], provider=provider, store=store, topic=topic, event_id=event_id, headers=headers, body=body
        )
        webhook.received_at, webhook.processed_at, webhook.attempts, webhook.error = now, now, 1, ""
        webhook._state.adding = False
        if not _handle(webhook):
            webhook.processed_at = None
            webhook.save(update_fields=["processed_at", "error"])
        return webhook, False


# The partial unique index of InboundWebhook.Meta ("webhook_event_once"): a repeated event id
# of a provider and store inserts nothing and returns no row. Inserted as processed once.
_INSERT_SQL = """INSERT INTO {table}
    (provider, store_id, topic, event_id, headers, body, received_at, processed_at, attempts, error)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 1, '')
ON CONFLICT (provider, store_id, event_id) WHERE NOT (event_id = '') DO NOTHING RETURNING id"""


def _locked(rows) -> InboundWebhook:
    # of=self: the store join is an outer one (store is nullable), which Postgres cannot lock.
    return rows.select_for_update(of=("self",)).select_related("store").get()


def _run_handler(webhook: InboundWebhook) -> None:
    handler = handler_for(webhook.provider)
    if handler is None:
        raise LookupError(f"no handler for provider {webhook.provider!r}")
    # The provider is the actor of what its webhook changes (the audit log).
    with acting_as(Actor(ActorKind.WEBHOOK, f"{webhook.provider} {webhook.topic}".strip())):
        handler(webhook)


def _handle(webhook: InboundWebhook) -> bool:
    """Run the provider's handler in a savepoint. A failure rolls back its writes only, is logged
    and written on `webhook.error` (not saved); returns whether it succeeded."""
    try:
        with transaction.atomic():
            _run_handler(webhook)
    except Exception as exc:  # any handler failure is recorded, never lost
        logger.warning("webhook %s failed: %s", webhook.pk, exc, exc_info=True)
        webhook.error = f"{type(exc).__name__}: {exc}"[:2000]
        return False
    webhook.error = ""
    return True


def webhook_process(*, webhook_id: int, force: bool = False) -> InboundWebhook:
    """Run the provider's handler on a stored webhook.

    The handler's writes and the `processed_at` mark commit together. A failure rolls the
    handler back, is written on the row and logged; the sweeper or `replay_webhooks` tries
    again later (an update can arrive before the order it updates). `force` re-runs a
    processed webhook: every handler is idempotent.
    """
    # No savepoint (a carrier's tracking events are the hot path): a failure rolls the whole
    # transaction back, and the attempt is then recorded on its own.
    try:
        with transaction.atomic():
            webhook = _locked(InboundWebhook.objects.filter(pk=webhook_id))
            if webhook.processed_at and not force:
                return webhook
            _run_handler(webhook)
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
