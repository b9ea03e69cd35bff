"""The programme a store runs, each customer's account, and the append-only points ledger."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models

from orders.models import Customer, Order, Store
from postpurchase.tenancy import StoreScopedQuerySet


class TierBasis(models.TextChoices):
    SPEND = "spend", "Spend in the last 12 months"
    POINTS = "points", "Points earned in the last 12 months"


class Programme(models.Model):
    """A store's loyalty programme: how points are earned, what they are worth, when they expire."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="loyalty_programme")
    enabled = models.BooleanField(default=True)
    points_per_unit = models.PositiveIntegerField(
        default=5, validators=[MaxValueValidator(1000)], help_text="Points per unit of currency spent."
    )
    earn_on_shipping = models.BooleanField(default=False, help_text="Count shipping in the amount that earns.")
    earn_on_tax = models.BooleanField(default=False, help_text="Count tax in the amount that earns.")
    redeem_points = models.PositiveIntegerField(default=500, help_text="This many points …")
    redeem_value = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal("5.00"), help_text="… are worth this much."
    )
    min_redeem_points = models.PositiveIntegerField(default=500, help_text="The smallest redemption.")
    tier_basis = models.CharField(max_length=8, choices=TierBasis.choices, default=TierBasis.POINTS)
    birthday_points = models.PositiveIntegerField(default=200)
    review_points = models.PositiveIntegerField(default=50)
    apology_points = models.PositiveIntegerField(default=100, help_text="Given once per delayed shipment and episode.")
    referral_points = models.PositiveIntegerField(
        default=500, help_text="For the referrer, once the friend's order is final."
    )
    first_order_points = models.PositiveIntegerField(default=0)
    referral_friend_amount = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=Decimal("10.00"),
        help_text="The referred friend's code, off their first order.",
    )
    referral_monthly_limit = models.PositiveIntegerField(
        default=10, help_text="Referrals one member may make per month."
    )
    expiry_months = models.PositiveIntegerField(
        default=12, help_text="Points expire after this many months without activity (0: never)."
    )
    expiry_warning_days = models.JSONField(
        default=list, blank=True, help_text="Days before expiry to warn, e.g. [30, 7]."
    )
    refund_expired_rewards = models.BooleanField(
        default=True, help_text="A reward's code that expires unused gives its points back."
    )
    social_follow_points = models.PositiveIntegerField(
        default=0, help_text="For following the store on social media, once staff approve the claim (0: off)."
    )
    social_follow_url = models.URLField(blank=True, help_text="The profile customers are asked to follow.")

    objects = StoreScopedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Loyalty programme of {self.store}"


class Tier(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="tiers")
    name = models.CharField(max_length=32, help_text="Lower case; becomes the customer tag tier:<name>.")
    threshold = models.PositiveIntegerField(help_text="Spend (currency units) or points in the last 12 months.")
    multiplier = models.DecimalField(
        max_digits=4, decimal_places=2, default=Decimal("1.00"), validators=[MaxValueValidator(Decimal(10))]
    )
    perks = models.TextField(blank=True)

    class Meta:
        ordering = ["threshold"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "name"], name="loyalty_tier_name"),
            models.UniqueConstraint(fields=["programme", "threshold"], name="loyalty_tier_threshold"),
        ]

    def __str__(self) -> str:
        return self.name


class RewardValue(models.TextChoices):
    AMOUNT = "amount", "Fixed amount off"
    PERCENT = "percent", "Percentage off"
    FREE_SHIPPING = "free_shipping", "Free shipping"


class Reward(models.Model):
    """What points can buy: each redemption issues one discount code."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="rewards")
    name = models.CharField(max_length=100)
    points = models.PositiveIntegerField()
    value_type = models.CharField(max_length=16, choices=RewardValue.choices, default=RewardValue.AMOUNT)
    amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    percent = models.PositiveSmallIntegerField(null=True, blank=True)
    valid_days = models.PositiveIntegerField(default=90, help_text="The code expires after this many days.")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["points", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.points} points)"


class Account(models.Model):
    """A customer's standing, mirrored from the ledger under a row lock.

    `available`, `pending` and `debt` are always the sums of the ledger's deltas; writes go through
    `loyalty.ledger.entry_post`, which locks this row first, so two redemptions never overspend.
    """

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="loyalty_account")
    available = models.BigIntegerField(default=0)
    pending = models.BigIntegerField(default=0)
    debt = models.BigIntegerField(
        default=0, help_text="Points reversed beyond the balance, netted against future earnings."
    )
    tier = models.CharField(max_length=32, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(available__gte=0), name="loyalty_available_not_negative"),
            models.CheckConstraint(condition=models.Q(pending__gte=0), name="loyalty_pending_not_negative"),
            models.CheckConstraint(condition=models.Q(debt__gte=0), name="loyalty_debt_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.customer}: {self.available} points"


class EntryKind(models.TextChoices):
    EARN = "earn", "Earned"
    RELEASE = "release", "Became available"
    REDEEM = "redeem", "Redeemed"
    EXPIRE = "expire", "Expired"
    ADJUST = "adjust", "Adjusted"
    REVERSE = "reverse", "Reversed"
    BONUS = "bonus", "Bonus"
    REFERRAL = "referral", "Referral"
    APOLOGY = "apology", "Apology"


class EntrySource(models.TextChoices):
    ORDER = "order", "Order"
    RETURN = "return", "Return"
    REVIEW = "review", "Review"
    SHIPMENT = "shipment", "Shipment"
    STAFF = "staff", "Staff user"
    REWARD = "reward", "Reward"
    SYSTEM = "system", "Programme"


class PointsEntry(models.Model):
    """One line of the ledger, never changed or deleted.

    `points` is what the line says to people (+250 earned, -500 redeemed); the three deltas are what
    it does to the account's buckets. Earning adds to pending; the return window closing moves it
    to available (a `release` line); a reversal beyond the available balance becomes debt, which
    later gains pay off before they become available.
    """

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(max_length=12, choices=EntryKind.choices)
    points = models.BigIntegerField()
    pending_delta = models.BigIntegerField(default=0)
    available_delta = models.BigIntegerField(default=0)
    debt_delta = models.BigIntegerField(default=0)
    source = models.CharField(max_length=12, choices=EntrySource.choices, default=EntrySource.SYSTEM)
    order = models.ForeignKey(Order, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    source_ref = models.CharField(max_length=64, blank=True, help_text="The return, review or shipment it came from.")
    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=255, blank=True)
    key = models.CharField(max_length=128, help_text="Idempotency key: the same fact is written once.")
    created_at = models.DateTimeField(db_index=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "points entries"
        constraints = [models.UniqueConstraint(fields=["account", "key"], name="loyalty_entry_key")]
        indexes = [models.Index(fields=["account", "order"], name="loyalty_entry_order")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.points:+d}"


class ReferralStatus(models.TextChoices):
    ISSUED = "issued", "Friend's code issued"
    ORDERED = "ordered", "Friend ordered"
    REWARDED = "rewarded", "Referrer rewarded"
    REFUSED = "refused", "Refused"


class ReferralCode(models.Model):
    """A member's own referral code (and link): one per account."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="referral_code")
    code = models.CharField(max_length=32)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "code"], name="loyalty_referral_code")]

    def __str__(self) -> str:
        return self.code


class Referral(models.Model):
    """A friend referred by a member, from the claim to the referrer's points, or its refusal and why."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    referrer = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="referrals")
    friend_email = models.CharField(max_length=254, help_text="Normalised: lower case, no +tag, no Gmail dots.")
    friend = models.ForeignKey(Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    discount_code = models.ForeignKey(
        "orders.DiscountCode", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    order = models.ForeignKey(Order, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.ISSUED)
    reason = models.CharField(max_length=64, blank=True, help_text="Why it was refused.")
    created_at = models.DateTimeField()

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.friend_email} ({self.get_status_display()})"


class ClaimStatus(models.TextChoices):
    PENDING = "pending", "Waiting for staff"  # the customer claimed; nobody looked yet
    APPROVED = "approved", "Approved"  # points given (once per account and network)
    REJECTED = "rejected", "Rejected"  # no points; the customer may claim again


class SocialNetwork(models.TextChoices):
    INSTAGRAM = "instagram", "Instagram"
    FACEBOOK = "facebook", "Facebook"
    TIKTOK = "tiktok", "TikTok"
    OTHER = "other", "Other"


class SocialClaim(models.Model):
    """A member says they follow the store; staff check the handle and approve or reject."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="social_claims")
    network = models.CharField(max_length=16, choices=SocialNetwork.choices)
    handle = models.CharField(max_length=100)
    status = models.CharField(max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.PENDING)
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open or approved claim per network: a rejected one may be made again.
            models.UniqueConstraint(
                fields=["account", "network"],
                condition=~models.Q(status="rejected"),
                name="loyalty_social_claim_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_network_display()} {self.handle} ({self.get_status_display()})"
