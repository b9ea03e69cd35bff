"""The returns API's shapes: returns as merchants read them, the workflow inputs, eligibility."""

from typing import Any

from django.utils import timezone
from rest_framework import serializers

from returns.models import ItemCondition, ReturnItem, ReturnLabel, ReturnRequest
from returns.services import ItemReceipt
from returns.services.labels import label_url


class ReturnItemSerializer(serializers.ModelSerializer[ReturnItem]):
    title = serializers.CharField(source="line_item.title")
    sku = serializers.CharField(source="line_item.sku")
    exchange_for_id = serializers.IntegerField(allow_null=True)
    condition = serializers.ChoiceField(choices=[("", "not inspected"), *ItemCondition.choices])

    class Meta:
        model = ReturnItem
        fields = [
            "line_item_id",
            "title",
            "sku",
            "quantity",
            "amount",
            "reason",
            "reason_label",
            "comment",
            "exchange_for_id",
            "condition",
            "restock",
        ]


class ReturnLabelSerializer(serializers.ModelSerializer[ReturnLabel]):
    url = serializers.SerializerMethodField(help_text="The label's signed PDF link (works until `expires_at`).")
    usable = serializers.SerializerMethodField()

    class Meta:
        model = ReturnLabel
        fields = ["url", "carrier", "tracking_number", "issued_at", "expires_at", "usable"]

    def get_url(self, label: ReturnLabel) -> str:
        return label_url(label)

    def get_usable(self, label: ReturnLabel) -> bool:
        return label.is_usable(timezone.now())


class ReturnSerializer(serializers.ModelSerializer[ReturnRequest]):
    order_id = serializers.IntegerField()
    order_number = serializers.CharField(source="order.number")
    items = ReturnItemSerializer(many=True)
    credit_amount = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    credit_code = serializers.SerializerMethodField(help_text="The store-credit code issued, if any.")
    # `label` is also Field's own attribute (its human name); here it is the return's label.
    labels = ReturnLabelSerializer(
        many=True, read_only=True, help_text="Its labels, newest first; a reissued one is no longer usable."
    )

    class Meta:
        model = ReturnRequest
        fields = [
            "id",
            "number",
            "order_id",
            "order_number",
            "status",
            "resolution",
            "currency",
            "items_amount",
            "restocking_fee",
            "shipping_fee",
            "refund_amount",
            "bonus_amount",
            "credit_amount",
            "amount_due",
            "keep_items",
            "needs_review",
            "customer_note",
            "merchant_note",
            "rejection_reason",
            "refund_reference",
            "refund_provider",
            "refund_method",
            "credit_code",
            "labels",
            "items",
            "created_at",
            "decided_at",
            "received_at",
            "resolved_at",
        ]

    def get_credit_code(self, rr: ReturnRequest) -> str | None:
        return rr.credit_code.code if rr.credit_code else None


class ApproveInputSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class RejectInputSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=2000, help_text="The customer reads it.")


class ReceiptInputSerializer(serializers.Serializer[Any]):
    line_item_id = serializers.IntegerField()
    condition = serializers.ChoiceField(choices=ItemCondition.choices)
    restock = serializers.BooleanField()


class ReceiveInputSerializer(serializers.Serializer[Any]):
    items = ReceiptInputSerializer(
        many=True, required=False, default=list, help_text="Per item; items not named: as new, restocked."
    )

    def receipts(self) -> list[ItemReceipt]:
        return [ItemReceipt(**item) for item in self.validated_data["items"]]


class ResolveInputSerializer(serializers.Serializer[Any]):
    refund_reference = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class LineEligibilitySerializer(serializers.Serializer[Any]):
    line_item_id = serializers.IntegerField()
    title = serializers.CharField()
    sku = serializers.CharField()
    quantity = serializers.IntegerField(help_text="Bought.")
    returnable_quantity = serializers.IntegerField()
    why_not = serializers.CharField(help_text="final_sale, not_returnable, not_shipped, window_closed, …; or empty.")
    message = serializers.CharField()


class EligibilitySerializer(serializers.Serializer[Any]):
    order_id = serializers.IntegerField()
    returnable = serializers.BooleanField(help_text="Whether any unit can be returned now.")
    lines = LineEligibilitySerializer(many=True)
