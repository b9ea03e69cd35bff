from django.conf import settings
from rest_framework import serializers

from postpurchase.money import currency_validator
from postpurchase.safe_urls import validate_http_url

from .inputs import (
    MAX_QUANTITY,
    DiscountUse,
    LineItemInput,
    MarketingConsent,
    OrderInput,
    ShipmentItemInput,
    clean_address,
    normalize_phone,
)
from .models import (
    LOCALES,
    DiscountRedemption,
    LineItem,
    Order,
    Shipment,
    ShipmentDirection,
    ShipmentItem,
    ShipmentStatus,
    TrackingEvent,
)

MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": 0}


class AddressSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    line1 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    line2 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    region = serializers.CharField(max_length=100, required=False, allow_blank=True)
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True)
    country = serializers.CharField(max_length=2, min_length=2, required=False, allow_blank=True)


class CustomerNameSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    birthday = serializers.DateField(required=False, allow_null=True)


class MarketingConsentSerializer(serializers.Serializer):
    email = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="true: the customer agreed to marketing email at checkout; false: they refused or "
        "withdrew it; null or absent: nobody asked (nothing is recorded).",
    )
    sms = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The same for marketing text messages; agreeing also opts in to order updates by SMS.",
    )
    at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When they said it; default: when the order was placed.",
    )


def _marketing_consent(said: dict) -> MarketingConsent:
    at = said.get("at")
    return MarketingConsent(email=said.get("email"), sms=said.get("sms"), email_at=at, sms_at=at)


class DiscountUseSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=64, help_text="As the customer entered it; case does not matter.")
    amount = serializers.DecimalField(**MONEY, required=False, default="0.00", help_text="What it took off the order.")


class LineItemInputSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    title = serializers.CharField(max_length=255)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    unit_price = serializers.DecimalField(**MONEY)
    external_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    product_group = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default="", help_text="Variants of one product share it."
    )
    final_sale = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="Sold as final sale; omit to keep what is known."
    )
    lasts_days = serializers.IntegerField(
        min_value=1,
        max_value=3650,
        required=False,
        allow_null=True,
        default=None,
        help_text="One unit lasts about this many days (a reorder reminder follows); omit to keep what is known.",
    )


class OrderInputSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=32)
    email = serializers.EmailField()
    currency = serializers.CharField(max_length=3, validators=[currency_validator])
    line_items = LineItemInputSerializer(
        many=True,
        allow_empty=False,
        max_length=settings.ORDER_MAX_LINE_ITEMS,
        error_messages={"max_length": "An order may have at most {max_length} line items."},
    )
    external_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    placed_at = serializers.DateTimeField(required=False, allow_null=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    customer = CustomerNameSerializer(required=False)
    locale = serializers.ChoiceField(choices=LOCALES, required=False, allow_blank=True, default="")
    shipping_address = AddressSerializer(required=False)
    billing_address = AddressSerializer(required=False)
    shipping_method = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    shipping_total = serializers.DecimalField(**MONEY, required=False)
    tax_total = serializers.DecimalField(**MONEY, required=False)
    discount_total = serializers.DecimalField(**MONEY, required=False)
    total = serializers.DecimalField(**MONEY, required=False)
    marketing_consent = MarketingConsentSerializer(required=False)
    discount_codes = DiscountUseSerializer(
        many=True,
        required=False,
        max_length=20,
        help_text="Codes used on the order; each is recorded once per order and matched to the codes we issued.",
    )

    def validate(self, attrs):
        country = (attrs.get("shipping_address") or {}).get("country", "")
        try:
            attrs["phone"] = normalize_phone(attrs.get("phone", ""), region=country)
        except ValueError as exc:
            raise serializers.ValidationError({"phone": [str(exc)]}) from None
        return attrs

    def to_input(self) -> OrderInput:
        data = dict(self.validated_data)
        customer = data.pop("customer", None) or {}
        return OrderInput(
            **data
            | {
                "number": data["number"].strip(),
                "line_items": [LineItemInput(**item) for item in data["line_items"]],
                "shipping_address": clean_address(data.get("shipping_address")),
                "billing_address": clean_address(data.get("billing_address")),
                "first_name": customer.get("first_name", ""),
                "last_name": customer.get("last_name", ""),
                "birthday": customer.get("birthday"),
                "marketing_consent": _marketing_consent(data.get("marketing_consent") or {}),
                "discount_codes": [DiscountUse(**use) for use in data.get("discount_codes") or []],
            }
        )


class OrderCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ShipmentItemInputSerializer(serializers.Serializer):
    line_item_id = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    sku = serializers.CharField(max_length=64, required=False, default="")
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)

    def validate(self, attrs):
        if not attrs.get("line_item_id") and not attrs.get("sku"):
            raise serializers.ValidationError("Give line_item_id or sku.")
        return attrs


class ShipmentInputSerializer(serializers.Serializer):
    carrier = serializers.CharField(max_length=64, required=False, default="")
    tracking_number = serializers.CharField(max_length=100, required=False, default="")
    tracking_url = serializers.URLField(max_length=500, required=False, default="", validators=[validate_http_url])
    status = serializers.ChoiceField(
        choices=ShipmentStatus.choices, required=False, help_text="Defaults to pending for a new shipment."
    )
    shipped_at = serializers.DateTimeField(required=False, allow_null=True)
    estimated_delivery = serializers.DateField(required=False, allow_null=True)
    external_id = serializers.CharField(max_length=64, required=False, default="")
    direction = serializers.ChoiceField(
        choices=ShipmentDirection.choices,
        required=False,
        default=ShipmentDirection.OUTBOUND,
        help_text="`return` for a parcel the customer sends back: tracked like any other, but it never "
        "messages the customer or moves the order, and delivered means the merchant received it.",
    )
    items = ShipmentItemInputSerializer(
        many=True, required=False, help_text="Omit to ship everything left (a return parcel: nothing said)."
    )

    def to_kwargs(self) -> dict:
        data = dict(self.validated_data)
        if "items" in data:
            data["items"] = [ShipmentItemInput(**item) for item in data["items"]]
        return data


class TrackingEventInputSerializer(serializers.Serializer):
    occurred_at = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=ShipmentStatus.choices)
    substatus = serializers.CharField(max_length=64, required=False, default="")
    message = serializers.CharField(max_length=500, required=False, default="")
    location = serializers.CharField(max_length=200, required=False, default="")


class LineItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = LineItem
        fields = ["id", "sku", "title", "quantity", "unit_price", "external_id"]


class TrackingEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrackingEvent
        fields = ["id", "occurred_at", "status", "substatus", "message", "location"]


class ShipmentItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ShipmentItem
        fields = ["line_item_id", "quantity"]


class DiscountRedemptionSerializer(serializers.ModelSerializer):
    external = serializers.BooleanField(read_only=True, help_text="Not a code this store issued here.")

    class Meta:
        model = DiscountRedemption
        fields = ["code", "amount", "currency", "external"]


class ShipmentSerializer(serializers.ModelSerializer):
    # A plain string in the schema: the model's blank URLField would be documented as a oneOf that an
    # empty value matches twice, so a validating client would refuse our own answer.
    tracking_url = serializers.CharField(read_only=True, help_text="The carrier's tracking page; empty if unknown.")
    items = ShipmentItemSerializer(many=True)
    events = TrackingEventSerializer(many=True)

    class Meta:
        model = Shipment
        fields = [
            "id",
            "order_id",
            "direction",
            "carrier",
            "tracking_number",
            "tracking_url",
            "status",
            "delayed",
            "estimated_delivery",
            "promised_delivery_from",
            "promised_delivery_to",
            "shipped_at",
            "delivered_at",
            "external_id",
            "items",
            "events",
        ]


class OrderSerializer(serializers.ModelSerializer):
    customer = serializers.SerializerMethodField()
    line_items = LineItemSerializer(many=True)
    shipments = ShipmentSerializer(many=True)
    discount_codes = DiscountRedemptionSerializer(many=True, source="discount_redemptions", read_only=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "external_id",
            "status",
            "source",
            "email",
            "phone",
            "customer",
            "currency",
            "subtotal",
            "shipping_total",
            "tax_total",
            "discount_total",
            "total",
            "locale",
            "placed_at",
            "cancelled_at",
            "shipping_address",
            "billing_address",
            "shipping_method",
            "line_items",
            "shipments",
            "discount_codes",
        ]

    def get_customer(self, order) -> dict | None:
        c = order.customer
        if c is None:
            return None
        return {
            "id": c.pk,
            "email": c.email,
            "first_name": c.first_name,
            "last_name": c.last_name,
        }
