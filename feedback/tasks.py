"""Thin Celery wrappers around feedback's services."""

from celery import shared_task

from .reviews import reviews_publish_unreviewed
from .services import feedback_assume_delivered


@shared_task(ignore_result=True)
def reviews_publish_unreviewed_task() -> int:
    """Hourly: publish reviews held 14 days without a decision."""
    return reviews_publish_unreviewed()


@shared_task(ignore_result=True)
def feedback_assume_delivered_task() -> int:
    """Hourly: orders the store says to treat as delivered some days after their promised date."""
    return feedback_assume_delivered()
