"""Points staff decide on: surprise bonuses for a segment of members (with a dry run first), and
social-follow claims that a customer makes on the loyalty page and staff approve.

Both give points through `services.bonus_give`, keyed so that each member gets a campaign's
bonus once (`surprise:<campaign>`) and a network's follow bonus once (`social:<network>`),
however often a command runs or a claim is approved.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import DecimalField, Max, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from orders.models import Customer, Order, OrderStatus, Store
from postpurchase.exceptions import DomainError

from .ledger import account_for
from .models import Account, ClaimStatus, EntryKind, EntrySource, SocialClaim
from .programme import programme_for
from .services import bonus_give

TRAILING = timedelta(days=365)


@dataclass(frozen=True)
class Segment:
    """Who gets a surprise: every member of the store, narrowed by each criterion that is set."""

    tier: str = ""
    tag: str = ""
    min_spend: Decimal | None = None  # in the last 12 months, order totals of orders not cancelled
    ordered_since: datetime | None = None  # last order on or after
    not_ordered_since: datetime | None = None  # no order on or after (lapsed customers)


@dataclass(frozen=True)
class SurpriseSummary:
    members: int  # in the segment
    points: int  # what the segment gets in all (members x points), given or, in a dry run, to give
    value: Decimal  # those points at the redemption value, in the store's currency
    given: int  # members who got the bonus in this run (0 in a dry run; those who had it are skipped)


def segment_accounts(store: Store, segment: Segment) -> "QuerySet[Account]":
    accounts = Account.objects.filter(store=store)
    if segment.tier:
        accounts = accounts.filter(tier=segment.tier.lower())
    if segment.tag:
        accounts = accounts.filter(customer__tags__contains=[segment.tag])
    orders = Order.objects.filter(customer_id=OuterRef("customer_id")).exclude(status=OrderStatus.CANCELLED)
    if segment.min_spend is not None:
        spent = (
            orders.filter(placed_at__gte=timezone.now() - TRAILING)
            .values("customer_id")
            .annotate(total=Sum("total"))
            .values("total")
        )
        money = DecimalField(max_digits=14, decimal_places=2)
        accounts = accounts.annotate(spent=Coalesce(Subquery(spent, output_field=money), Decimal(0))).filter(
            spent__gte=segment.min_spend
        )
    if segment.ordered_since is not None or segment.not_ordered_since is not None:
        last = orders.values("customer_id").annotate(last=Max("placed_at")).values("last")
        accounts = accounts.annotate(last_order=Subquery(last))
        if segment.ordered_since is not None:
            accounts = accounts.filter(last_order__gte=segment.ordered_since)
        if segment.not_ordered_since is not None:
            accounts = accounts.exclude(last_order__gte=segment.not_ordered_since)
    return accounts.order_by("pk")


def surprise_bonus(
    *,
    store: Store,
    segment: Segment,
    points: int,
    reason: str,
    campaign: str,
    staff_user_id: int | None = None,
    dry_run: bool = True,
) -> SurpriseSummary:
    """Give `points` to every member of `segment`, once per member and `campaign`; a dry run only
    counts. Each member is given in a transaction of its own, so a long run that stops half-way
    keeps what it gave and a rerun finishes the rest."""
    if points <= 0:
        raise DomainError("A surprise bonus needs a positive number of points.")
    if not reason.strip() or not campaign.strip():
        raise DomainError("A surprise bonus needs a reason and a campaign name.")
    programme = programme_for(store)
    ids = list(segment_accounts(store, segment).values_list("customer_id", flat=True))
    total = points * len(ids)
    value = (Decimal(total) * programme.redeem_value / programme.redeem_points) if programme.redeem_points else 0
    given = 0
    if not dry_run:
        for customer in Customer.objects.filter(pk__in=ids).order_by("pk").iterator(chunk_size=500):
            with transaction.atomic():
                entry = bonus_give(
                    customer=customer,
                    kind=EntryKind.BONUS,
                    points=points,
                    key=f"surprise:{campaign.strip()[:100]}",
                    reason=reason.strip()[:255],
                    source=EntrySource.STAFF if staff_user_id else EntrySource.SYSTEM,
                    staff_user_id=staff_user_id,
                )
                given += entry is not None
    return SurpriseSummary(members=len(ids), points=total, value=Decimal(value).quantize(Decimal("0.01")), given=given)


@transaction.atomic
def social_claim_make(*, customer: Customer, network: str, handle: str) -> SocialClaim:
    """The customer says they follow the store on `network` as `handle`: a claim for staff.
    One open or approved claim per network; asking again returns it."""
    programme = programme_for(customer.store)
    if not programme.enabled or not programme.social_follow_points:
        raise DomainError("This store gives no points for following it.")
    handle = handle.strip()[:100]
    if not handle:
        raise DomainError("Tell us your name on the network.")
    account = account_for(customer)
    known = SocialClaim.objects.filter(account=account, network=network).exclude(status=ClaimStatus.REJECTED).first()
    if known is not None:
        return known
    return SocialClaim.objects.create(
        store_id=account.store_id, account=account, network=network, handle=handle, created_at=timezone.now()
    )


@transaction.atomic
def social_claim_decide(*, claim_id: int, approve: bool, staff_user_id: int) -> SocialClaim:
    """Staff approve (points, once per network) or reject a pending claim; a decided one stays."""
    claim = SocialClaim.objects.select_for_update().select_related("account__customer").get(pk=claim_id)
    if claim.status != ClaimStatus.PENDING:
        return claim
    if approve:
        programme = programme_for(claim.account.customer.store)
        bonus_give(
            customer=claim.account.customer,
            kind=EntryKind.BONUS,
            points=programme.social_follow_points,
            key=f"social:{claim.network}",
            reason=f"Follows us on {claim.get_network_display()}: {claim.handle}",
            source=EntrySource.STAFF,
            staff_user_id=staff_user_id,
        )
    claim.status = ClaimStatus.APPROVED if approve else ClaimStatus.REJECTED
    claim.decided_at, claim.decided_by_id = timezone.now(), staff_user_id
    claim.save(update_fields=["status", "decided_at", "decided_by"])
    return claim
