"""Thin Celery wrappers around feedback's services."""

from celery import shared_task

from .reviews import reviews_publish_unreviewed


@shared_task(ignore_result=True)
def reviews_publish_unreviewed_task() -> int:
    """Hourly: publish reviews held 14 days without a decision."""
    return reviews_publish_unreviewed()
