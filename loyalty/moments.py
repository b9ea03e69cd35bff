"""Moments run by the clock: birthday points on the day in the customer's zone, expiry warnings,
and the expiry entry itself. Each is idempotent by key, so a task that runs twice writes once.

Expiry counts from `Account.last_activity_at`: every entry but an expiry moves it (any earning,
redeeming, bonus or adjustment resets the clock); only available points expire, never pending ones.
"""

import calendar
from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import Concat
from django.utils import timezone

from notifications.services import message_schedule_for_customer
from orders.models import Customer, DiscountCode, DiscountPurpose, DiscountRedemption

from .kinds import BIRTHDAY_MESSAGE, EXPIRING_MESSAGE
from .ledger import account_lock, entry_post, gain, loss
from .models import Account, EntryKind, EntrySource, PointsEntry, Programme
from .services import bonus_give

__all__ = [
    "BIRTHDAY_MESSAGE",
    "EXPIRING_MESSAGE",
    "birthday_rewards_give",
    "expiry_warnings_send",
    "points_expire",
    "rewards_refund_expired",
]


Progress = Callable[[int, int], None]


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` later, or the month's last day (31 January + 1 month = 28 February)."""
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def expires_at(programme: Programme, account: Account) -> datetime | None:
    if not programme.expiry_months or account.last_activity_at is None or account.available <= 0:
        return None
    return add_months(account.last_activity_at, programme.expiry_months)


def _programmes() -> list[Programme]:
    return list(Programme.objects.filter(enabled=True, expiry_months__gt=0).select_related("store"))


def points_expire(*, now: datetime | None = None, dry_run: bool = False, progress: Progress | None = None) -> int:
    """Write the expiry entry for every account whose clock ran out; returns how many expired.
    A dry run writes each one and rolls it back (the count is exact); `progress(done, total)`."""
    now = now or timezone.now()
    expired = 0
    candidates: list[tuple[Programme, int]] = []
    for programme in _programmes():
        cutoff = add_months(now, -programme.expiry_months)
        ids = Account.objects.filter(store=programme.store, available__gt=0, last_activity_at__lte=cutoff)
        candidates += [(programme, pk) for pk in ids.values_list("pk", flat=True)]
    for done, (programme, account_id) in enumerate(candidates, start=1):
        if progress:
            progress(done, len(candidates))
        with transaction.atomic():
            account = Account.objects.select_for_update(skip_locked=True).filter(pk=account_id).first()
            if account is None:  # being written right now: its activity may reset the clock
                continue
            ends = expires_at(programme, account)
            if ends is None or ends > now:
                continue
            assert account.last_activity_at is not None
            entry = entry_post(
                account=account,
                kind=EntryKind.EXPIRE,
                points=-account.available,
                deltas=loss(account, account.available),
                key=f"expire:{account.last_activity_at.isoformat()}",
                reason=f"No activity for {programme.expiry_months} months",
                activity=False,
                at=now,
            )
            expired += entry is not None
            if dry_run:
                transaction.set_rollback(True)
    return expired


def expiry_warnings_send(*, now: datetime | None = None, dry_run: bool = False) -> int:
    """Warn members whose points expire within a warning's days (30, then 7): one message per
    warning and activity clock; a run that comes late sends only the nearest warning."""
    now = now or timezone.now()
    sent = 0
    for programme in _programmes():
        days = sorted({int(d) for d in programme.expiry_warning_days or [] if int(d) > 0})
        if not days:
            continue
        horizon = add_months(now + timedelta(days=days[-1]), -programme.expiry_months)
        accounts = Account.objects.filter(
            store=programme.store, available__gt=0, last_activity_at__lte=horizon
        ).select_related("customer")
        for account in accounts:
            ends = expires_at(programme, account)
            if ends is None or ends <= now:
                continue
            due = next((d for d in days if ends - timedelta(days=d) <= now), None)
            if due is None:
                continue
            assert account.last_activity_at is not None
            with transaction.atomic():
                sent += message_schedule_for_customer(
                    store=programme.store,
                    kind=EXPIRING_MESSAGE,
                    customer=account.customer,
                    key=f"loyalty:expiry:{account.pk}:{int(account.last_activity_at.timestamp())}:{due}",
                    data={
                        "points": account.available,
                        "expires_on": ends.date().isoformat(),
                        "days": due,
                        "member": account.customer_id,
                    },
                )
                if dry_run:
                    transaction.set_rollback(True)
    return sent


def _local_today(customer: Customer, fallback: ZoneInfo, now: datetime) -> date:
    try:
        zone = ZoneInfo(customer.timezone) if customer.timezone else fallback
    except (ZoneInfoNotFoundError, ValueError):
        zone = fallback
    return now.astimezone(zone).date()


def _is_birthday(born: date, today: date) -> bool:
    if (born.month, born.day) == (today.month, today.day):
        return True
    # Born on 29 February: the 28th in other years.
    return (born.month, born.day) == (2, 29) and not calendar.isleap(today.year) and (today.month, today.day) == (2, 28)


def birthday_rewards_give(
    *, now: datetime | None = None, dry_run: bool = False, progress: Progress | None = None
) -> int:
    """Birthday points for members whose birthday it is in their zone (else the store's), once a
    year however often this runs; returns how many were given. A dry run gives each and rolls it
    back (the count is exact); `progress(done, total)` follows the members looked at."""
    now = now or timezone.now()
    near = {(now + timedelta(days=d)).date() for d in (-1, 0, 1)}  # every zone's today is among these
    dates = Q()
    for day in near | {date(2024, 2, 29)}:
        dates |= Q(birthday__month=day.month, birthday__day=day.day)
    given = 0
    candidates = [
        (programme, customer)
        for programme in Programme.objects.filter(enabled=True, birthday_points__gt=0).select_related("store")
        for customer in Customer.objects.filter(dates, store=programme.store, loyalty_account__isnull=False)
    ]
    for done, (programme, customer) in enumerate(candidates, start=1):
        store = programme.store
        if progress:
            progress(done, len(candidates))
        assert customer.birthday is not None
        today = _local_today(customer, store.zone, now)
        if not _is_birthday(customer.birthday, today):
            continue
        with transaction.atomic():
            entry = bonus_give(
                customer=customer,
                kind=EntryKind.BONUS,
                points=programme.birthday_points,
                key=f"birthday:{today.year}",
                reason="Happy birthday",
                source=EntrySource.SYSTEM,
            )
            if entry is None:
                continue
            given += 1
            message_schedule_for_customer(
                store=store,
                kind=BIRTHDAY_MESSAGE,
                customer=customer,
                key=f"loyalty:birthday:{today.year}:{customer.pk}",
                data={"points": programme.birthday_points, "member": customer.pk},
            )
            if dry_run:
                transaction.set_rollback(True)
    return given


def rewards_refund_expired(*, now: datetime | None = None, dry_run: bool = False) -> int:
    """Give back the points of reward codes that expired unused (where the programme says so):
    an `adjust` entry keyed by the code, so once per code however often this runs. Returns how
    many codes were refunded."""
    now = now or timezone.now()
    refunded = 0
    for programme in Programme.objects.filter(enabled=True, refund_expired_rewards=True).select_related("store"):
        already = PointsEntry.objects.filter(
            store=programme.store, key=Concat(Value("reward-expired:"), OuterRef("pk"), output_field=models.CharField())
        )
        used = DiscountRedemption.objects.filter(discount_code=OuterRef("pk"))
        codes = (
            DiscountCode.objects.filter(
                store=programme.store,
                purpose=DiscountPurpose.LOYALTY_REWARD,
                customer__isnull=False,
                times_used=0,
                expires_at__lte=now,
            )
            .exclude(Exists(already))
            .exclude(Exists(used))
            .select_related("customer")
        )
        for code in codes:
            assert code.customer is not None
            redeemed = PointsEntry.objects.filter(
                store=programme.store, kind=EntryKind.REDEEM, key=f"redeem:{code.pk}"
            ).first()
            if redeemed is None:  # issued by hand in the admin, not bought with points
                continue
            with transaction.atomic():
                account = account_lock(code.customer)
                points = -redeemed.points
                entry = entry_post(
                    account=account,
                    kind=EntryKind.ADJUST,
                    points=points,
                    deltas=gain(account, points),
                    key=f"reward-expired:{code.pk}",
                    source=EntrySource.REWARD,
                    source_ref=code.code,
                    reason=f"Reward {code.code} expired unused: points given back",
                    activity=False,
                    at=now,
                )
                refunded += entry is not None
                if dry_run:
                    transaction.set_rollback(True)
    return refunded
