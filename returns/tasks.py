"""Thin Celery wrappers around returns services."""

from celery import shared_task

from notifications.channels import ProviderTransientError
from returns.services import return_label_issue, returns_close_windows


@shared_task(ignore_result=True)
def returns_close_windows_task() -> int:
    """The beat's hourly sweep; each batch commits on its own, and a second run closes nothing twice."""
    return len(returns_close_windows(actor="beat"))


@shared_task(ignore_result=True, autoretry_for=(ProviderTransientError,), retry_backoff=True, max_retries=8)
def return_label_issue_task(return_id: int) -> None:
    """A remote label provider's call, after the approval committed (returns.services.labels)."""
    return_label_issue(return_id=return_id, actor="label provider")
