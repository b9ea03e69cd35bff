"""Claims' own rows: the reship a claim asked for, and the choices offered for a late parcel.

Imported by `returns.models`, so they belong to the returns app (migrations, admin).
"""

from django.db import models

from orders.models import Order, Shipment, Store
from postpurchase.tenancy import StoreScopedQuerySet
from returns.models import ReturnKind, ReturnRequest, ReturnRequestQuerySet


class Problem(models.TextChoices):
    NOT_RECEIVED = "not_received", "Not received"
    DAMAGED = "damaged", "Arrived damaged"
    WRONG_ITEM = "wrong_item", "Wrong or missing item"


class ClaimManager(models.Manager):
    def get_queryset(self) -> ReturnRequestQuerySet:
        return ReturnRequestQuerySet(self.model, using=self._db).filter(kind=ReturnKind.CLAIM)


class Claim(ReturnRequest):
    """The claims among the returns: what the admin's claims queue lists."""

    objects = ClaimManager()  # type: ignore[assignment,misc]

    class Meta:
        proxy = True
        ordering = ["-created_at", "-id"]


class ClaimReship(models.Model):
    """A reship: the new outbound shipment a claim created for the merchant to fulfil."""

    claim = models.OneToOneField(ReturnRequest, on_delete=models.CASCADE, related_name="reship")
    shipment = models.OneToOneField(
        Shipment, on_delete=models.SET_NULL, null=True, blank=True, related_name="claim_reship"
    )
    late_shipment = models.ForeignKey(
        Shipment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", help_text="The late parcel."
    )
    cancelled_at = models.DateTimeField(null=True, blank=True, help_text="The late parcel arrived before it went out.")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Reship for {self.claim_id}"


class CareSettings(models.Model):
    """A store's settings for late parcels (defaults without a row)."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="care_settings")
    late_after_business_days = models.PositiveSmallIntegerField(
        default=3, help_text="Offer choices this many business days after the promised day (0: at once)."
    )
    late_choices = models.BooleanField(default=True, help_text="Offer choices for late and possibly lost parcels.")

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "care settings"

    def __str__(self) -> str:
        return f"Care settings of {self.store}"


class LateChoice(models.TextChoices):
    WAIT = "wait", "Keep waiting"
    RESHIP = "reship", "Send it again"
    REFUND = "refund", "Refund"
    CONTACT = "contact", "Contact the store"


class LateOffer(models.Model):
    """The choices offered for one late parcel in one delay episode, and what the customer chose."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="+")
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="late_offers")
    episode = models.PositiveSmallIntegerField()
    opens_at = models.DateTimeField(help_text="The delay passed the store's threshold (or the parcel may be lost).")
    choice = models.CharField(max_length=8, choices=LateChoice.choices, blank=True)
    chosen_at = models.DateTimeField(null=True, blank=True)
    claim = models.ForeignKey(ReturnRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True, help_text="The parcel arrived: nothing to do.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["shipment", "episode"], name="late_offer_per_episode")]

    def __str__(self) -> str:
        return f"Late offer for shipment {self.shipment_id} ({self.episode})"
