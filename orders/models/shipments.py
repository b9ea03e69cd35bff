import hashlib

from django.db import models
from django.db.models import Q

from orders.carriers import carrier_name
from postpurchase.tenancy import StoreScopedQuerySet

from .orders import LineItem, Order
from .stores import Store


class ShipmentStatus(models.TextChoices):
    PENDING = "pending"  # created, the carrier knows nothing yet
    INFO_RECEIVED = "info_received"  # label created, waiting for the carrier to collect
    IN_TRANSIT = "in_transit"  # on its way
    OUT_FOR_DELIVERY = "out_for_delivery"  # on the van today
    ATTEMPT_FAIL = "attempt_fail"  # delivery tried, nobody there; usually retried
    AVAILABLE_FOR_PICKUP = "available_for_pickup"  # waiting at a pickup point
    DELIVERED = "delivered"  # handed over
    EXCEPTION = "exception"  # held, damaged, returned to sender, customs, ...
    EXPIRED = "expired"  # no news for too long; the carrier stopped tracking it


# Forward-only ladder. Same-rank moves are allowed (out for delivery -> attempt failed -> out
# for delivery again). EXCEPTION and EXPIRED are not on it: they can happen at any stage.
SHIPMENT_RANK = {
    ShipmentStatus.PENDING: 0,
    ShipmentStatus.INFO_RECEIVED: 1,
    ShipmentStatus.IN_TRANSIT: 2,
    ShipmentStatus.OUT_FOR_DELIVERY: 3,
    ShipmentStatus.ATTEMPT_FAIL: 3,
    ShipmentStatus.AVAILABLE_FOR_PICKUP: 3,
    ShipmentStatus.DELIVERED: 4,
}
_OFF_LADDER = (ShipmentStatus.EXCEPTION, ShipmentStatus.EXPIRED)


class ShipmentDirection(models.TextChoices):
    OUTBOUND = "outbound"  # from the store to the customer: the order's delivery
    RETURN = "return"  # from the customer back to the store: never messaged about, never moves the order


class ShipmentQuerySet(StoreScopedQuerySet):
    def outbound(self) -> "ShipmentQuerySet":
        return self.filter(direction=ShipmentDirection.OUTBOUND)


class Shipment(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="shipments")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments")
    carrier = models.CharField(max_length=64, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    tracking_url = models.URLField(max_length=500, blank=True)
    status = models.CharField(max_length=24, choices=ShipmentStatus.choices, default=ShipmentStatus.PENDING)
    direction = models.CharField(
        max_length=8,
        choices=ShipmentDirection.choices,
        default=ShipmentDirection.OUTBOUND,
        help_text="A return parcel's delivered means received by the merchant.",
    )
    delayed = models.BooleanField(default=False)
    delay_reason = models.CharField(max_length=200, blank=True, help_text="Why it is late, as customers read it.")
    delay_episode = models.PositiveSmallIntegerField(
        default=0, help_text="How many times it has become delayed; one notice per episode."
    )
    possibly_lost = models.BooleanField(default=False, help_text="No news for 7 days while in transit.")
    estimated_delivery = models.DateField(null=True, blank=True)
    # The delivery promise: the first estimate the customer was shown, kept as it was, so the
    # on-time rate and apologies are measured against what was promised, not the latest news.
    promised_delivery_from = models.DateField(null=True, blank=True, editable=False)
    promised_delivery_to = models.DateField(null=True, blank=True, editable=False)
    promised_at = models.DateTimeField(null=True, blank=True, editable=False, help_text="When it was promised.")
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_event_at = models.DateTimeField(null=True, blank=True)
    external_id = models.CharField(max_length=64, blank=True, help_text="e.g. Shopify fulfillment id.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ShipmentQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "external_id"],
                condition=~Q(external_id=""),
                name="shipment_external_id_per_store",
            ),
        ]
        indexes = [
            models.Index(fields=["store", "tracking_number"], name="shipment_tracking_number"),
            # The dashboard's nightly rollup reads a day's deliveries (insights.rollup).
            models.Index(fields=["store", "delivered_at"], name="shipment_store_delivered"),
        ]

    def __str__(self) -> str:
        return f"{carrier_name(self.carrier)} {self.tracking_number}".strip() or f"Shipment {self.pk}"

    @property
    def is_return(self) -> bool:
        return self.direction == ShipmentDirection.RETURN

    def can_move_to(self, status: str, *, latest: bool = True) -> bool:
        """Forward only. `latest` says the news is newer than anything heard before: only
        the newest news may report a problem, or move sideways on the same rung.
        Delivered is final unless the carrier reports an exception after it.
        """
        if status == self.status:
            return False
        if self.status == ShipmentStatus.DELIVERED:
            return status == ShipmentStatus.EXCEPTION and latest
        if status in _OFF_LADDER or self.status in _OFF_LADDER:
            return latest
        new, current = SHIPMENT_RANK[status], SHIPMENT_RANK[self.status]
        return new > current or (new == current and latest)


class ShipmentItem(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="items")
    line_item = models.ForeignKey(LineItem, on_delete=models.CASCADE, related_name="shipment_items")
    quantity = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shipment", "line_item"], name="one_row_per_item")]

    def __str__(self) -> str:
        return f"{self.quantity} of line item {self.line_item_id}"


def event_fingerprint(occurred_at, status: str, message: str) -> str:
    return hashlib.sha256(f"{occurred_at.isoformat()}|{status}|{message}".encode()).hexdigest()


class TrackingEvent(models.Model):
    """One carrier checkpoint. The same checkpoint sent twice is stored once (fingerprint)."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events")
    occurred_at = models.DateTimeField()
    status = models.CharField(max_length=24, choices=ShipmentStatus.choices)
    substatus = models.CharField(max_length=64, blank=True)
    message = models.CharField(max_length=500, blank=True)
    location = models.CharField(max_length=200, blank=True)
    fingerprint = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["shipment", "fingerprint"], name="tracking_event_once")]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.status} {self.message}".strip()
