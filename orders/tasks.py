"""Celery tasks for orders. Thin: they load ids and call services."""

from celery import shared_task

from orders.selectors import webhooks_pending_for_retry
from orders.services import webhook_process


@shared_task(name="orders.tasks.webhooks_process_pending_task")
def webhooks_process_pending_task() -> int:
    """Retry stored webhooks whose processing failed or never ran (beat, every minute).

    Returns how many were tried; each failure is recorded on its row by webhook_process.
    """
    ids = webhooks_pending_for_retry()
    for webhook_id in ids:
        webhook_process(webhook_id=webhook_id)
    return len(ids)


@shared_task(name="orders.tasks.data_prune_task")
def data_prune_task() -> dict[str, int]:
    """Empty raw payloads past each store's retention (beat, daily; `prune` by hand)."""
    from orders.privacy import data_prune

    return data_prune()
