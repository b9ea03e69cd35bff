"""Thin Celery wrappers around loyalty's clock-driven moments."""

from celery import shared_task

from .moments import birthday_rewards_give, expiry_warnings_send, points_expire, rewards_refund_expired
from .tiers import tiers_recompute_all


@shared_task(ignore_result=True)
def loyalty_birthdays_task() -> int:
    """Hourly, so each zone's birthdays are given on their own day; a second run gives nothing."""
    return birthday_rewards_give()


@shared_task(ignore_result=True)
def loyalty_expiry_task() -> int:
    """Hourly: warnings 30 and 7 days before, then the expiry entry on the day; and the points of
    reward codes that expired unused, given back."""
    return expiry_warnings_send() + points_expire() + rewards_refund_expired()


@shared_task(ignore_result=True)
def loyalty_tiers_task() -> int:
    """Nightly: tiers follow the trailing 12 months for members who did nothing lately too."""
    return tiers_recompute_all()
