"""Output of the tracking endpoints, read from tracking.selectors' plain data.

Labels are in the request's language; codes are stable and meant for code.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orders.models import OrderStatus, ShipmentStatus

from .selectors import STEPS


class CheckpointSerializer(serializers.Serializer):
    time = serializers.DateTimeField(source="occurred_at")
    status = serializers.ChoiceField(choices=ShipmentStatus.choices)
    status_label = serializers.CharField()
    message = serializers.CharField()
    location = serializers.CharField()


class ParcelItemSerializer(serializers.Serializer):
    title = serializers.CharField()
    sku = serializers.CharField()
    quantity = serializers.IntegerField()


class EstimateSerializer(serializers.Serializer):
    earliest = serializers.DateField()
    latest = serializers.DateField()


def _estimate(estimate) -> dict | None:
    if estimate is None:
        return None
    earliest, latest = estimate
    return EstimateSerializer({"earliest": earliest, "latest": latest}).data


class ShipmentTrackingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    carrier = serializers.CharField()
    tracking_number = serializers.CharField()
    tracking_url = serializers.CharField()
    status = serializers.ChoiceField(choices=ShipmentStatus.choices)
    status_label = serializers.CharField()
    delayed = serializers.BooleanField()
    delay_reason = serializers.CharField()
    possibly_lost = serializers.BooleanField()
    estimated_delivery = serializers.SerializerMethodField(help_text="While this shipment is on its way.")
    shipped_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    items = ParcelItemSerializer(many=True)
    events = CheckpointSerializer(many=True, help_text="Newest first.")

    @extend_schema_field(EstimateSerializer(allow_null=True))
    def get_estimated_delivery(self, shipment) -> dict | None:
        return _estimate(shipment.estimate)


class OrderTrackingSerializer(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=OrderStatus.choices)
    status_label = serializers.CharField()
    step = serializers.ChoiceField(
        choices=[(s, s) for s in STEPS],
        source="step_code",
        allow_null=True,
        help_text="Where the order is on ordered → shipped → out_for_delivery → delivered; null if cancelled.",
    )
    step_index = serializers.IntegerField(source="step", allow_null=True)
    steps = serializers.SerializerMethodField()
    estimated_delivery = serializers.SerializerMethodField(help_text="While the order is on its way.")
    delayed = serializers.BooleanField()
    delay_reasons = serializers.ListField(child=serializers.CharField())
    possibly_lost = serializers.BooleanField()
    placed_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    shipments = ShipmentTrackingSerializer(many=True)

    def get_steps(self, tracking) -> list[str]:
        return list(STEPS)

    @extend_schema_field(EstimateSerializer(allow_null=True))
    def get_estimated_delivery(self, tracking) -> dict | None:
        return _estimate(tracking.estimate)


class MerchantOrderTrackingSerializer(OrderTrackingSerializer):
    """The API's version also names the order by its id (the public one does not)."""

    order_id = serializers.IntegerField()
