"""The dashboard's figures, read from the rollup tables only: a range costs one aggregate over its
days, however many orders those days hold.

Definitions (docs/architecture.md, "Insights"):
- repeat purchase rate: customers with two or more orders / customers with one or more, over
  their whole history up to the range's last day;
- customer lifetime value: revenue up to the range's last day / customers up to then;
- return rate: items returned / items sold, and value returned / revenue, within the range;
- revenue retained: returns resolved as exchange or store credit, share of the range's returns;
- on-time rate: deliveries on or before the promised date / deliveries with a promise; the
  average delay is over the late ones, in days;
- NPS: % promoters (9-10) - % detractors (0-6); CSAT: % of answers 4 or 5;
- liability: unspent points at the programme's redemption value, next to the value of open
  returns; exposure is their sum: what the shop owes customers either way.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum

from loyalty.models import Programme
from notifications.models import ReasonCode
from orders.models import Store
from postpurchase.money import ZERO

from .models import Breakdown, CohortCell, DailyCount, DailyStats

SUMMED = [
    f.name
    for f in DailyStats._meta.concrete_fields
    if f.name not in {"id", "store", "day", "computed_at", "points_outstanding", "open_returns", "open_returns_value"}
]
ONE_DECIMAL = Decimal("0.1")


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        """The period of the same length just before this one."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))


def ratio(part: int | Decimal, whole: int | Decimal, *, percent: bool = True) -> Decimal | None:
    """part / whole, as a percentage (or plain), to one decimal place; None when there is no whole."""
    if not whole:
        return None
    value = Decimal(part) / Decimal(whole) * (100 if percent else 1)
    return value.quantize(ONE_DECIMAL if percent else Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass
class Figures:
    """A period's figures; `sums` holds the summed rollup columns."""

    period: Period
    sums: dict[str, int | Decimal]
    customers: int
    repeat_customers: int
    lifetime_revenue: Decimal
    points_outstanding: int
    open_returns: int
    open_returns_value: Decimal
    liability_value: Decimal
    held_by_reason: list[tuple[str, str, int]] = field(default_factory=list)

    def __getattr__(self, name: str) -> int | Decimal:
        try:
            return self.__dict__["sums"][name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def aov(self) -> Decimal | None:
        return ratio(self.sums["revenue"], self.sums["orders"], percent=False)

    @property
    def repeat_rate(self) -> Decimal | None:
        return ratio(self.repeat_customers, self.customers)

    @property
    def cltv(self) -> Decimal | None:
        return ratio(self.lifetime_revenue, self.customers, percent=False)

    @property
    def return_rate_items(self) -> Decimal | None:
        return ratio(self.sums["items_returned"], self.sums["items_sold"])

    @property
    def return_rate_value(self) -> Decimal | None:
        return ratio(self.sums["value_returned"], self.sums["revenue"])

    @property
    def retained_share(self) -> Decimal | None:
        return ratio(self.sums["returns_retained"], self.sums["returns"])

    @property
    def retained_value_share(self) -> Decimal | None:
        return ratio(self.sums["value_retained"], self.sums["value_returned"])

    @property
    def on_time_rate(self) -> Decimal | None:
        return ratio(self.sums["delivered_on_time"], self.sums["delivered"])

    @property
    def average_delay_days(self) -> Decimal | None:
        late = int(self.sums["delivered"]) - int(self.sums["delivered_on_time"])
        return ratio(self.sums["days_late"], late, percent=False)

    @property
    def nps(self) -> Decimal | None:
        p, d = int(self.sums["nps_promoters"]), int(self.sums["nps_detractors"])
        return ratio(p - d, p + d + int(self.sums["nps_passives"]))

    @property
    def csat(self) -> Decimal | None:
        return ratio(self.sums["csat_satisfied"], self.sums["csat_answers"])

    @property
    def average_rating(self) -> Decimal | None:
        return ratio(self.sums["rating_sum"], self.sums["reviews"], percent=False)

    @property
    def exposure(self) -> Decimal:
        return self.liability_value + self.open_returns_value


def points_value(store: Store, points: int) -> Decimal:
    """Points at the store's redemption value (no programme: worth nothing)."""
    programme = Programme.objects.filter(store=store).first()
    if programme is None or not programme.redeem_points:
        return ZERO
    value = Decimal(points) * programme.redeem_value / programme.redeem_points
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def reason_label(code: str) -> str:
    if code.startswith(ReasonCode.HOLD_PREFIX):
        return f"Held: {code.removeprefix(ReasonCode.HOLD_PREFIX)}"
    return str(dict(ReasonCode.choices).get(code, code.replace("_", " ").capitalize()))


def figures(*, store: Store, period: Period) -> Figures:
    """The period's figures: four small queries over the rollup tables."""
    rows = DailyStats.objects.filter(store=store, day__gte=period.start, day__lte=period.end)
    sums = rows.aggregate(**{name: Sum(name) for name in SUMMED})
    sums = {name: (value if value is not None else 0) for name, value in sums.items()}
    history = DailyStats.objects.filter(store=store, day__lte=period.end).aggregate(
        customers=Sum("first_orders"), repeat=Sum("second_orders"), revenue=Sum("revenue")
    )
    # The owed amounts as of the period's last day that has a row (today's is minutes old).
    last = rows.order_by("-day").values("points_outstanding", "open_returns", "open_returns_value").first() or {
        "points_outstanding": 0,
        "open_returns": 0,
        "open_returns_value": ZERO,
    }
    held = (
        DailyCount.objects.filter(
            store=store, breakdown=Breakdown.SUPPRESSED, day__gte=period.start, day__lte=period.end
        )
        .values("key")
        .annotate(n=Sum("value"))
        .order_by("-n", "key")
    )
    return Figures(
        period=period,
        sums=sums,
        customers=history["customers"] or 0,
        repeat_customers=history["repeat"] or 0,
        lifetime_revenue=history["revenue"] or ZERO,
        points_outstanding=last["points_outstanding"],
        open_returns=last["open_returns"],
        open_returns_value=last["open_returns_value"],
        liability_value=points_value(store, last["points_outstanding"]),
        held_by_reason=[(row["key"], reason_label(row["key"]), row["n"]) for row in held],
    )


def top_counts(*, store: Store, period: Period, breakdown: str, limit: int = 10) -> list[tuple[str, str, int]]:
    """(key, label, total) of the period's largest keys of a breakdown, largest first."""
    rows = (
        DailyCount.objects.filter(store=store, breakdown=breakdown, day__gte=period.start, day__lte=period.end)
        .values("key")
        .annotate(n=Sum("value"))
        .order_by("-n", "key")[:limit]
    )
    keys = [row["key"] for row in rows]
    labels = dict(
        DailyCount.objects.filter(store=store, breakdown=breakdown, key__in=keys, day__lte=period.end)
        .order_by("key", "-day")
        .values_list("key", "label")
    )
    return [(row["key"], labels.get(row["key"]) or row["key"], row["n"]) for row in rows]


def daily_series(*, store: Store, period: Period, columns: list[str]) -> list[dict]:
    """One dict per day of the period (days without a row are zeros), with `day` and `columns`."""
    found = {
        row["day"]: row
        for row in DailyStats.objects.filter(store=store, day__gte=period.start, day__lte=period.end).values(
            "day", *columns
        )
    }
    series = []
    for k in range(period.days):
        day = period.start + timedelta(days=k)
        series.append(found.get(day) or {"day": day, **dict.fromkeys(columns, 0)})
    return series


@dataclass(frozen=True)
class CohortRow:
    cohort: date
    size: int
    repeat: list[int]  # customers ordering again 0, 1, … months after their first month


def cohort_table(*, store: Store, months: int = 12, until: date) -> list[CohortRow]:
    """The last `months` cohorts up to `until`'s month: size (first orders in the month) and
    how many of them ordered again in each later month."""
    first_month = (until.replace(day=1) - timedelta(days=31 * (months - 1))).replace(day=1)
    sizes: dict[date, int] = {}
    for day, n in DailyStats.objects.filter(
        store=store, day__gte=first_month, day__lte=until, first_orders__gt=0
    ).values_list("day", "first_orders"):
        sizes[day.replace(day=1)] = sizes.get(day.replace(day=1), 0) + n
    cells: dict[date, dict[int, int]] = {}
    for cohort, offset, n in CohortCell.objects.filter(
        store=store, cohort__gte=first_month, cohort__lte=until
    ).values_list("cohort", "offset", "customers"):
        cells.setdefault(cohort, {})[offset] = n
    rows = []
    for cohort in sorted(sizes.keys() | cells.keys()):
        width = (until.year - cohort.year) * 12 + until.month - cohort.month + 1
        rows.append(CohortRow(cohort, sizes.get(cohort, 0), [cells.get(cohort, {}).get(k, 0) for k in range(width)]))
    return rows
