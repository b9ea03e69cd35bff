"""Thin Celery wrappers that keep the rollup tables current (insights.rollup)."""

from celery import shared_task
from django.conf import settings

from orders.models import Store

from .rollup import cohorts_rebuild, rollup_recent


@shared_task(ignore_result=True, soft_time_limit=600, time_limit=660)
def insights_rollup_recent_task() -> int:
    """Every few minutes: today and yesterday of every store, so the dashboard is minutes old."""
    return sum(rollup_recent(store=store, days=2) for store in Store.objects.order_by("pk"))


@shared_task(ignore_result=True, soft_time_limit=3600, time_limit=3660)
def insights_rollup_nightly_task() -> int:
    """Nightly: the trailing window (late returns, answers, deliveries land in their own day) and the cohorts."""
    days = settings.INSIGHTS_ROLLUP_DAYS
    done = 0
    for store in Store.objects.order_by("pk"):
        done += rollup_recent(store=store, days=days)
        cohorts_rebuild(store=store)
    return done
