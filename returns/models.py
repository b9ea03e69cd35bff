"""Return policies, return requests (RMAs) and their items, and the closed return windows."""

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from orders.models import LOCALES, Customer, DiscountCode, LineItem, Order, Product, Shipment, Store
from postpurchase.money import MoneyField, currency_validator
from postpurchase.tenancy import StoreScopedQuerySet

DEFAULT_WINDOW_DAYS = 30  # without a policy; loyalty's pending points rely on the window closing
DEFAULT_LABEL_DAYS = 14  # a return label's link works this long; then it is reissued


class Resolution(models.TextChoices):
    REFUND = "refund", "Refund to the original payment"
    EXCHANGE = "exchange", "Exchange for another variant"
    STORE_CREDIT = "store_credit", "Store credit"
    RESHIP = "reship", "Send the items again"  # claims only: a new outbound shipment


class ReturnKind(models.TextChoices):
    RETURN = "return"  # the customer sends items back (RMA-…)
    CLAIM = "claim"  # a delivery problem: nothing goes back (CLM-…, returns.claims)


class RefundProviderName(models.TextChoices):
    # See returns/refunds.py: how money goes back when a return is resolved with a refund.
    RECORD_ONLY = "record_only", "Record only (refund in your payment provider, note its reference here)"
    SHOPIFY = "shopify", "Shopify (not available yet)"


class RefundMethod(models.TextChoices):
    ORIGINAL_PAYMENT = "original_payment"  # through the store's refund provider, to the original payment
    PLATFORM = "platform"  # made on the store platform (Shopify refunds/create) and reported to us


class CreditBonus(models.TextChoices):
    NONE = "none", "No bonus"
    FLAT = "flat", "Flat amount"
    PERCENT = "percent", "Percent of the credit"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _check_texts_by_language(value: object, field: str) -> None:
    """`value` is {"de": "…", …} with languages we speak and string texts; ValidationError otherwise."""
    languages = {code for code, _name in LOCALES if code}
    if not isinstance(value, dict) or not all(
        lang in languages and isinstance(text, str) for lang, text in value.items()
    ):
        raise ValidationError({field: f"Texts by language, one of {', '.join(sorted(languages))}."})


class ReturnPolicy(models.Model):
    """A store's return rules. A store without one gets the defaults (`returns.policy.Terms()`)."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="return_policy")
    window_days = models.PositiveSmallIntegerField(
        default=DEFAULT_WINDOW_DAYS, validators=[MaxValueValidator(3650)], help_text="Days after delivery."
    )
    grace_days = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(365)],
        help_text="Quietly accepted after the window the customer was told about.",
    )
    unscanned_allowance_days = models.PositiveSmallIntegerField(
        default=7,
        validators=[MaxValueValidator(90)],
        help_text="Without a delivery scan, the window starts this many days after shipping.",
    )
    non_returnable_categories = models.TextField(blank=True, help_text="Product categories, one per line.")
    allow_refund = models.BooleanField(default=True)
    allow_exchange = models.BooleanField(default=True)
    allow_store_credit = models.BooleanField(default=True)
    credit_bonus = models.CharField(max_length=8, choices=CreditBonus.choices, default=CreditBonus.NONE)
    credit_bonus_value = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
        help_text="An amount in the order's currency, or a percent of the credit.",
    )
    restocking_fee_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    return_shipping_fee = MoneyField(
        validators=[MinValueValidator(0)], help_text="Per return, in the order's currency."
    )
    waive_fees_for_credit_and_exchange = models.BooleanField(default=True)
    exchange_price_difference = models.BooleanField(
        default=False,
        help_text="Exchange for a variant at another price: the difference is refunded or paid. "
        "Off: only variants at the same price.",
    )
    keep_it_below = MoneyField(
        null=True, blank=True, default=None, help_text="Refund without a return when the items are worth less."
    )
    auto_approve_below = MoneyField(
        null=True, blank=True, default=None, help_text="Approve at once when the items are worth less; empty: never."
    )
    auto_approve_reasons = models.TextField(
        blank=True, help_text="Reason codes that may be approved at once, one per line; empty: any reason."
    )
    review_after_returns = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Review by hand once a customer made this many returns in 12 months."
    )
    policy_text = models.JSONField(
        default=dict, blank=True, help_text='What customers read, per language: {"en": "…", "de": "…"}.'
    )
    refund_provider = models.CharField(
        max_length=32,
        choices=RefundProviderName.choices,
        default=RefundProviderName.RECORD_ONLY,
        help_text="Who moves the money when a return is refunded.",
    )
    return_address = models.TextField(
        blank=True, help_text="Where returns go, one line per line: printed on every return label."
    )
    label_valid_days = models.PositiveSmallIntegerField(
        default=DEFAULT_LABEL_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="A return label's link works this many days; the merchant can reissue it.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "return policies"

    def __str__(self) -> str:
        return f"Return policy of {self.store}"

    def clean(self) -> None:
        _check_texts_by_language(self.policy_text, "policy_text")
        if self.credit_bonus == CreditBonus.PERCENT and self.credit_bonus_value > 100:
            raise ValidationError({"credit_bonus_value": "A percent bonus is at most 100."})
        if not (self.allow_refund or self.allow_exchange or self.allow_store_credit):
            raise ValidationError("Allow at least one resolution.")

    def text_for(self, language: str) -> str:
        """The policy text in `language`, else in English, else in any language given."""
        texts = self.policy_text if isinstance(self.policy_text, dict) else {}
        return texts.get(language) or texts.get("en") or next(iter(texts.values()), "")

    @property
    def category_list(self) -> list[str]:
        return _lines(self.non_returnable_categories)

    @property
    def auto_approve_reason_list(self) -> list[str]:
        return _lines(self.auto_approve_reasons)


class ReturnReason(models.Model):
    policy = models.ForeignKey(ReturnPolicy, on_delete=models.CASCADE, related_name="reasons")
    code = models.SlugField(max_length=32)
    label = models.CharField(max_length=100, help_text="As customers read it when their language has no label below.")
    labels = models.JSONField(
        default=dict,
        blank=True,
        help_text='The label in other languages: {"de": "Zu klein", "fr": "Trop petit"}.',
    )
    requires_comment = models.BooleanField(default=False)
    requires_photo = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["policy", "code"], name="return_reason_code_per_policy")]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        if self.labels is None:  # the admin's empty box
            self.labels = {}
        _check_texts_by_language(self.labels, "labels")
        if any(len(text) > 100 for text in self.labels.values()):
            raise ValidationError({"labels": "A label is at most 100 characters."})


class ReturnTagRule(models.Model):
    """Customers with this tag get another window (`tier:gold` → 60 days); the longest match wins."""

    policy = models.ForeignKey(ReturnPolicy, on_delete=models.CASCADE, related_name="tag_rules")
    tag = models.CharField(max_length=64)
    window_days = models.PositiveSmallIntegerField(validators=[MaxValueValidator(3650)])

    class Meta:
        ordering = ["tag"]
        constraints = [models.UniqueConstraint(fields=["policy", "tag"], name="return_tag_rule_per_policy")]

    def __str__(self) -> str:
        return f"{self.tag}: {self.window_days} days"


class ReturnStatus(models.TextChoices):
    REQUESTED = "requested"  # the customer asked; the merchant (or an auto-approval rule) decides
    APPROVED = "approved"  # accepted; the customer may send the items
    REJECTED = "rejected"  # refused, with a reason; final
    LABEL_ISSUED = "label_issued"  # a return label was issued (labels: next pass)
    IN_TRANSIT = "in_transit"  # the carrier has the parcel
    RECEIVED = "received"  # the items arrived; condition and restock recorded per item
    REFUNDED = "refunded"  # resolved: money back to the original payment
    EXCHANGED = "exchanged"  # resolved: another variant goes out
    CREDITED = "credited"  # resolved: a store-credit code was issued
    KEPT = "kept"  # resolved: refunded or credited without the items coming back ("keep it")
    RESHIPPED = "reshipped"  # resolved (claims): the items go out again in a new shipment
    CANCELLED = "cancelled"  # called off by the customer or merchant before the items arrived; final


# Forward only: every status names the ones it may move to; a missing key is final.
RETURN_NEXT: dict[str, frozenset[str]] = {
    ReturnStatus.REQUESTED: frozenset({ReturnStatus.APPROVED, ReturnStatus.REJECTED, ReturnStatus.CANCELLED}),
    ReturnStatus.APPROVED: frozenset(
        {
            ReturnStatus.LABEL_ISSUED,
            ReturnStatus.IN_TRANSIT,
            ReturnStatus.RECEIVED,  # handed over in a shop, or sent without our label
            ReturnStatus.KEPT,
            ReturnStatus.CANCELLED,
        }
    ),
    ReturnStatus.LABEL_ISSUED: frozenset({ReturnStatus.IN_TRANSIT, ReturnStatus.RECEIVED, ReturnStatus.CANCELLED}),
    ReturnStatus.IN_TRANSIT: frozenset({ReturnStatus.RECEIVED}),
    ReturnStatus.RECEIVED: frozenset({ReturnStatus.REFUNDED, ReturnStatus.EXCHANGED, ReturnStatus.CREDITED}),
}
# A claim is decided and resolved in one step (nothing comes back); an unfulfilled reship is
# cancelled when the lost parcel turns up after all.
CLAIM_NEXT: dict[str, frozenset[str]] = {
    ReturnStatus.REQUESTED: frozenset({ReturnStatus.APPROVED, ReturnStatus.REJECTED, ReturnStatus.CANCELLED}),
    ReturnStatus.APPROVED: frozenset({ReturnStatus.REFUNDED, ReturnStatus.CREDITED, ReturnStatus.RESHIPPED}),
    ReturnStatus.RESHIPPED: frozenset({ReturnStatus.CANCELLED}),
}
RESOLVED = frozenset(
    {ReturnStatus.REFUNDED, ReturnStatus.EXCHANGED, ReturnStatus.CREDITED, ReturnStatus.KEPT, ReturnStatus.RESHIPPED}
)
# Rejected and cancelled returns give their quantities (and amounts) back to the order.
INACTIVE = frozenset({ReturnStatus.REJECTED, ReturnStatus.CANCELLED})
# Items are back with the merchant, or the merchant let the customer keep them.
ITEMS_BACK = frozenset({ReturnStatus.RECEIVED, *RESOLVED} - {ReturnStatus.RESHIPPED})


class ReturnRequestQuerySet(StoreScopedQuerySet):
    def active(self) -> "ReturnRequestQuerySet":
        return self.exclude(status__in=INACTIVE)


class ReturnRequest(models.Model):
    """One return (an RMA) of some items of one order. Amounts are fixed when it is requested."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="return_requests")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="return_requests")
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="return_requests"
    )
    number = models.CharField(max_length=16, help_text="RMA-… (CLM-… for a claim), unique per store.")
    kind = models.CharField(max_length=8, choices=ReturnKind.choices, default=ReturnKind.RETURN)
    problem = models.CharField(max_length=16, blank=True, help_text="Claims: not_received, damaged or wrong_item.")
    status = models.CharField(max_length=16, choices=ReturnStatus.choices, default=ReturnStatus.REQUESTED)
    resolution = models.CharField(max_length=16, choices=Resolution.choices)
    currency = models.CharField(max_length=3, validators=[currency_validator])
    items_amount = MoneyField(help_text="What the items cost the customer, after the order's discounts.")
    restocking_fee = MoneyField()
    shipping_fee = MoneyField()
    refund_amount = MoneyField(help_text="Money back (or the credit before its bonus): items less fees.")
    bonus_amount = MoneyField(help_text="Store credit only: added by the store.")
    amount_due = MoneyField(help_text="Exchange only: what the customer pays (a dearer variant, fees).")
    keep_items = models.BooleanField(default=False, help_text="Resolved without the items coming back.")
    needs_review = models.BooleanField(default=False, help_text="The customer made many returns lately.")
    customer_note = models.TextField(blank=True)
    merchant_note = models.TextField(blank=True)
    rejection_reason = models.TextField(blank=True)
    refund_reference = models.CharField(max_length=200, blank=True, help_text="The payment provider's refund id.")
    refund_provider = models.CharField(max_length=32, blank=True, help_text="Who refunded (returns/refunds.py).")
    refund_method = models.CharField(max_length=16, choices=RefundMethod.choices, blank=True)
    credit_code = models.ForeignKey(
        DiscountCode, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReturnRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "number"], name="return_number_per_store"),
            models.CheckConstraint(condition=models.Q(refund_amount__gte=0), name="return_refund_gte_0"),
        ]
        indexes = [models.Index(fields=["store", "status"], name="return_store_status")]

    def __str__(self) -> str:
        return self.number

    def can_move_to(self, status: str) -> bool:
        """Forward only, along RETURN_NEXT; keeping the items only when the policy let them keep them."""
        if self.kind == ReturnKind.CLAIM:
            return status in CLAIM_NEXT.get(self.status, frozenset())
        if status == ReturnStatus.KEPT and not self.keep_items:
            return False
        return status in RETURN_NEXT.get(self.status, frozenset())

    @property
    def credit_amount(self) -> Decimal:
        """What a store-credit resolution is worth: the refund plus the store's bonus."""
        return self.refund_amount + self.bonus_amount


class ItemCondition(models.TextChoices):
    UNOPENED = "unopened"
    AS_NEW = "as_new", "As new"
    USED = "used"
    DAMAGED = "damaged"


class ReturnItem(models.Model):
    request = models.ForeignKey(ReturnRequest, on_delete=models.CASCADE, related_name="items")
    line_item = models.ForeignKey(LineItem, on_delete=models.PROTECT, related_name="return_items")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    amount = MoneyField(help_text="What these units cost the customer, after the order's discounts.")
    reason = models.CharField(max_length=32, help_text="The policy's reason code.")
    reason_label = models.CharField(max_length=100, help_text="As the customer read it.")
    comment = models.TextField(blank=True)
    exchange_for = models.ForeignKey(
        Product, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", help_text="Another variant."
    )
    condition = models.CharField(max_length=16, choices=ItemCondition.choices, blank=True)
    restock = models.BooleanField(null=True, blank=True, help_text="Back to stock; empty until received.")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "line_item"], name="return_item_line_per_request"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.line_item.title}"


class ReturnLabel(models.Model):
    """A return label issued for a return: what the provider said, the addresses as printed.

    The built-in provider's PDF is drawn from this row whenever its signed link is opened, so the
    label never changes after it was issued; a carrier's API gives a PDF URL of its own. A
    reissued label supersedes the one before: the old link stops working.
    """

    request = models.ForeignKey(ReturnRequest, on_delete=models.CASCADE, related_name="labels")
    provider = models.CharField(max_length=32)
    carrier = models.CharField(max_length=50, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    pdf_url = models.URLField(max_length=500, blank=True, help_text="A carrier's own PDF; empty: drawn by us.")
    from_address = models.JSONField(default=list, help_text="The customer's address lines, as printed.")
    to_address = models.JSONField(default=list, help_text="The store's return address lines, as printed.")
    shipment = models.ForeignKey(
        Shipment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", help_text="The return parcel."
    )
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return f"Label {self.tracking_number or self.pk} for {self.request_id}"

    def is_usable(self, now: datetime) -> bool:
        return self.superseded_at is None and now < self.expires_at


class ClosedReturnWindow(models.Model):
    """An order whose return window closed: one row per order, so `return_window.closed` is recorded once."""

    order = models.OneToOneField(Order, on_delete=models.CASCADE, primary_key=True, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    ended_at = models.DateTimeField(help_text="When the window (with grace) ended.")
    closed_at = models.DateTimeField(auto_now_add=True)

    objects = StoreScopedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Return window of {self.order_id}"


# Claims' own rows (late-parcel offers, reship links) live in returns.claims; imported here so
# Django registers them with the returns app.
from returns.claims.models import CareSettings, Claim, ClaimReship, LateOffer  # noqa: E402, F401
