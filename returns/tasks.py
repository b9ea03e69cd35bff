"""Thin Celery wrappers around returns services."""

from celery import shared_task

from returns.services import returns_close_windows


@shared_task(ignore_result=True)
def returns_close_windows_task() -> int:
    """The beat's hourly sweep; each batch commits on its own, and a second run closes nothing twice."""
    return len(returns_close_windows(actor="beat"))
