"""The rollup tables the dashboard reads: one row per store and day, so a 90-day range reads 90
rows whether the store has 10,000 orders or 1,000,000. `insights.rollup` writes them from every
app's tables (nightly for a trailing window, every few minutes for today and yesterday)."""

from django.db import models

from orders.models import Store
from postpurchase.money import MoneyField
from postpurchase.tenancy import StoreScopedQuerySet


class DailyStats(models.Model):
    """What happened in one store on one day of its own time zone.

    Orders, revenue and items count by the order's placing day (cancelled orders left out);
    returns by the day they were asked for (rejected and cancelled left out); deliveries by the
    day they arrived; messages by the day they were due; answers, reviews and points by the day
    they were given. `first_orders` and `second_orders` count customers whose first (second) order
    was that day: their running sums are the customers, and the repeat customers, at any date.
    """

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    orders = models.PositiveIntegerField(default=0)
    revenue = MoneyField()
    items_sold = models.PositiveIntegerField(default=0)
    first_orders = models.PositiveIntegerField(default=0)
    second_orders = models.PositiveIntegerField(default=0)
    returns = models.PositiveIntegerField(default=0)
    items_returned = models.PositiveIntegerField(default=0)
    value_returned = MoneyField()
    returns_retained = models.PositiveIntegerField(default=0, help_text="Resolved as exchange or store credit.")
    value_retained = MoneyField()
    delivered = models.PositiveIntegerField(default=0, help_text="Outbound shipments with a promise, delivered.")
    delivered_on_time = models.PositiveIntegerField(default=0)
    days_late = models.PositiveIntegerField(default=0, help_text="Sum over the late ones of days after the promise.")
    messages_sent = models.PositiveIntegerField(default=0)
    messages_delivered = models.PositiveIntegerField(default=0)
    messages_bounced = models.PositiveIntegerField(default=0)
    messages_suppressed = models.PositiveIntegerField(default=0)
    nps_promoters = models.PositiveIntegerField(default=0)
    nps_passives = models.PositiveIntegerField(default=0)
    nps_detractors = models.PositiveIntegerField(default=0)
    csat_answers = models.PositiveIntegerField(default=0)
    csat_satisfied = models.PositiveIntegerField(default=0, help_text="CSAT answers of 4 or 5.")
    reviews = models.PositiveIntegerField(default=0, help_text="Published reviews written that day.")
    rating_sum = models.PositiveIntegerField(default=0)
    members_joined = models.PositiveIntegerField(default=0)
    points_issued = models.BigIntegerField(default=0)
    points_redeemed = models.BigIntegerField(default=0)
    # Snapshots, taken while the day is today (a later recompute of the day keeps them).
    points_outstanding = models.BigIntegerField(default=0, help_text="Available and pending points.")
    open_returns = models.PositiveIntegerField(default=0)
    open_returns_value = MoneyField(help_text="Refunds and credit (with bonus) of returns not yet settled.")
    computed_at = models.DateTimeField()

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "daily stats"
        constraints = [models.UniqueConstraint(fields=["store", "day"], name="insights_daily_per_store")]

    def __str__(self) -> str:
        return f"{self.store_id} {self.day}"


class Breakdown(models.TextChoices):
    RETURN_REASON = "return_reason"  # key: the policy's reason code; value: items
    RETURNED_PRODUCT = "returned_product"  # key: the SKU (or title); value: items
    SUPPRESSED = "suppressed"  # key: Message.reason_code; value: messages suppressed or cancelled


class DailyCount(models.Model):
    """A count by key for one store and day: top return reasons, most-returned products,
    messages held back by reason. A range sums at most (days x keys) rows."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    breakdown = models.CharField(max_length=20, choices=Breakdown.choices)
    key = models.CharField(max_length=100)
    label = models.CharField(max_length=255, blank=True)
    value = models.PositiveIntegerField(default=0)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "breakdown", "day", "key"], name="insights_count_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.breakdown} {self.key}: {self.value}"


class CohortCell(models.Model):
    """Customers whose first order fell in `cohort` (a month's first day) and who ordered again
    `offset` months later (0: again in their first month). Rebuilt nightly per store."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    cohort = models.DateField()
    offset = models.PositiveSmallIntegerField()
    customers = models.PositiveIntegerField()

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "cohort", "offset"], name="insights_cohort_cell")]

    def __str__(self) -> str:
        return f"{self.cohort:%Y-%m} +{self.offset}: {self.customers}"
