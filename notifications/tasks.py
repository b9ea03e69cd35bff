"""Thin Celery wrappers: the table decides what is due, tasks only make it happen sooner."""

from celery import shared_task

from notifications.services import messages_deliver, messages_dispatch_due


@shared_task(ignore_result=True)
def messages_dispatch_due_task() -> int:
    """The nudge after a commit, and the beat sweep every few seconds."""
    return messages_dispatch_due()


@shared_task(ignore_result=True)
def messages_deliver_task(ids: list[int]) -> int:
    """Deliver one claimed batch (used to spread batches over workers)."""
    return messages_deliver(ids=ids)
