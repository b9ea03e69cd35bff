"""Thin Celery wrappers around tracking services."""

from celery import shared_task

from tracking.services import shipments_check_delays


@shared_task(ignore_result=True)
def shipments_check_delays_task() -> int:
    """The beat's delay check, every 15 minutes. Each batch commits on its own, so a run cut short
    by the time limit keeps what it did and the next run carries on."""
    return shipments_check_delays()
