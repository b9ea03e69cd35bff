from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper

from postpurchase.money import MoneyField, currency_validator
from postpurchase.tenancy import StoreScopedQuerySet

from .customers import Customer
from .orders import Order
from .stores import Store


class DiscountPurpose(models.TextChoices):
    COUPON = "coupon"  # a thank-you or campaign coupon
    STORE_CREDIT = "store_credit"  # money the customer holds with the store (a refund as credit)
    LOYALTY_REWARD = "loyalty_reward"  # points turned into a discount
    REFERRAL = "referral"  # a reward for referring, or being referred by, a friend


class DiscountValue(models.TextChoices):
    AMOUNT = "amount", "Fixed amount"  # `amount` off, in `currency`
    PERCENT = "percent", "Percentage"  # `percent` off the items
    FREE_SHIPPING = "free_shipping", "Free shipping"


class DiscountCodeQuerySet(StoreScopedQuerySet):
    def matching(self, codes) -> "DiscountCodeQuerySet":
        """Codes as customers type them: case does not matter (`thanks-ab12` is `THANKS-AB12`)."""
        return self.annotate(code_upper=Upper("code")).filter(code_upper__in={c.strip().upper() for c in codes})


class DiscountCode(models.Model):
    """A code the store issued: a coupon, store credit, a loyalty reward or a referral reward.

    Issued through `orders.services.discount_code_issue` (and its provider); used on orders,
    which record a `DiscountRedemption` each.
    """

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="discount_codes")
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="discount_codes"
    )
    code = models.CharField(max_length=64, help_text="Unique per store, whatever its case.")
    purpose = models.CharField(max_length=16, choices=DiscountPurpose.choices)
    value_type = models.CharField(max_length=16, choices=DiscountValue.choices)
    amount = MoneyField(help_text="Fixed amount: the discount; store credit: what it was worth when issued.")
    percent = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    currency = models.CharField(max_length=3, blank=True, validators=[currency_validator])
    balance = MoneyField(null=True, blank=True, default=None, help_text="Store credit: what is left to spend.")
    expires_at = models.DateTimeField(null=True, blank=True)
    usage_limit = models.PositiveIntegerField(
        null=True, blank=True, default=1, help_text="How many orders may use it; empty: any number."
    )
    times_used = models.PositiveIntegerField(default=0)
    issued_for_order = models.ForeignKey(
        Order, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", help_text="e.g. a thank-you coupon."
    )
    provider = models.CharField(max_length=32, default="builtin", help_text="Who else knows the code.")
    provider_ref = models.CharField(max_length=200, blank=True, help_text="The provider's id, e.g. a price rule.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DiscountCodeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint("store", Upper("code"), name="discount_code_per_store"),
            models.CheckConstraint(
                condition=~Q(value_type="percent") | Q(percent__gte=1, percent__lte=100),
                name="discount_percent_1_to_100",
            ),
            models.CheckConstraint(
                condition=Q(balance__isnull=True) | Q(balance__gte=0), name="discount_balance_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def value_label(self) -> str:
        if self.value_type == DiscountValue.PERCENT:
            return f"{self.percent}%"
        if self.value_type == DiscountValue.FREE_SHIPPING:
            return "free shipping"
        return f"{self.currency} {self.amount}"

    def problems_at(self, when) -> list[str]:
        """Why this code should not have been accepted at `when` (the platform took it anyway)."""
        problems = []
        if self.expires_at and when > self.expires_at:
            problems.append("expired")
        if self.usage_limit is not None and self.times_used >= self.usage_limit:
            problems.append("used up")
        if self.purpose == DiscountPurpose.STORE_CREDIT and self.balance is not None and self.balance <= 0:
            problems.append("no balance left")
        return problems


class DiscountRedemption(models.Model):
    """A code used on an order: one row per order and code, so a replayed order changes nothing.

    `discount_code` is empty for a code the store did not issue here (external: a platform
    campaign, a code from another tool).
    """

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="discount_redemptions")
    discount_code = models.ForeignKey(
        DiscountCode, on_delete=models.SET_NULL, null=True, blank=True, related_name="redemptions"
    )
    code = models.CharField(max_length=64, help_text="As the order carried it.")
    amount = MoneyField(help_text="What the code took off this order.")
    currency = models.CharField(max_length=3, validators=[currency_validator])
    redeemed_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-redeemed_at", "-id"]
        constraints = [models.UniqueConstraint("order", Upper("code"), name="one_redemption_per_order_code")]

    def __str__(self) -> str:
        return f"{self.code} on {self.order_id}"

    @property
    def external(self) -> bool:
        return self.discount_code_id is None
