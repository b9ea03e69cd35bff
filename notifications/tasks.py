"""Thin Celery wrappers: the table decides what is due, tasks only make it happen sooner."""

from celery import shared_task

from notifications.services import messages_deliver, messages_dispatch_due

# Below the 5-minute lease: a task stopped by its limit leaves leases that expire after it. Only
# the prefork pool enforces both limits (gevent/eventlet the hard one, threads and solo neither);
# the dispatcher's own bounds hold in every pool (docs/architecture.md, "Time limits").
SOFT_LIMIT, HARD_LIMIT = 200, 240


@shared_task(ignore_result=True, soft_time_limit=SOFT_LIMIT, time_limit=HARD_LIMIT)
def messages_dispatch_due_task() -> int:
    """The nudge after a commit, and the beat sweep every few seconds."""
    return messages_dispatch_due()


@shared_task(ignore_result=True, soft_time_limit=SOFT_LIMIT, time_limit=HARD_LIMIT)
def messages_deliver_task(ids: list[int]) -> int:
    """Deliver one claimed batch (used to spread batches over workers)."""
    return messages_deliver(ids=ids)
