from django.db import models
from django.db.models import Q

from postpurchase.money import MoneyField, currency_validator
from postpurchase.tenancy import StoreScopedQuerySet

from .customers import Customer, Product
from .stores import LOCALES, Store


class OrderStatus(models.TextChoices):
    PLACED = "placed"  # accepted and paid; nothing has shipped
    PARTIALLY_SHIPPED = "partially_shipped"  # some items are in a shipment, others wait
    SHIPPED = "shipped"  # every item is in a shipment on its way
    OUT_FOR_DELIVERY = "out_for_delivery"  # every shipment is at least out for delivery
    DELIVERED = "delivered"  # every shipment has been delivered
    PARTIALLY_RETURNED = "partially_returned"  # some items came back after delivery
    RETURNED = "returned"  # everything came back
    CANCELLED = "cancelled"  # called off before anything shipped; final


# The status only moves up this ladder: a late or replayed event never moves an order back.
ORDER_RANK = {
    OrderStatus.PLACED: 0,
    OrderStatus.PARTIALLY_SHIPPED: 1,
    OrderStatus.SHIPPED: 2,
    OrderStatus.OUT_FOR_DELIVERY: 3,
    OrderStatus.DELIVERED: 4,
    OrderStatus.PARTIALLY_RETURNED: 5,
    OrderStatus.RETURNED: 6,
}


class OrderSource(models.TextChoices):
    API = "api"
    SHOPIFY = "shopify"
    IMPORT = "import"  # history brought in by import_orders: never messaged about


class OrderQuerySet(StoreScopedQuerySet):
    def with_details(self):
        return self.select_related("store", "customer").prefetch_related(
            "line_items", "shipments__items", "shipments__events", "discount_redemptions"
        )


class Order(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="orders")
    number = models.CharField(max_length=32, help_text="As the customer knows it, e.g. #1042.")
    external_id = models.CharField(max_length=64, blank=True, help_text="The platform's id.")
    customer = models.ForeignKey(
        Customer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
    )
    email = models.EmailField()
    phone = models.CharField(max_length=20, blank=True)
    currency = models.CharField(max_length=3, validators=[currency_validator])
    subtotal = MoneyField()
    shipping_total = MoneyField()
    tax_total = MoneyField()
    discount_total = MoneyField()
    total = MoneyField()
    shipping_address = models.JSONField(default=dict, blank=True)
    shipping_method = models.CharField(max_length=64, blank=True, help_text="e.g. standard, express.")
    billing_address = models.JSONField(default=dict, blank=True)
    placed_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=24, choices=OrderStatus.choices, default=OrderStatus.PLACED)
    locale = models.CharField(max_length=8, choices=LOCALES, blank=True)
    source = models.CharField(max_length=12, choices=OrderSource.choices, default=OrderSource.API)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "number"], name="order_number_per_store"),
            models.UniqueConstraint(
                fields=["store", "external_id"],
                condition=~Q(external_id=""),
                name="order_external_id_per_store",
            ),
        ]
        indexes = [
            models.Index(fields=["store", "-placed_at"], name="order_store_placed"),
            models.Index(fields=["email"], name="order_email"),
            # /track/ looks an order up by the number the customer typed, without knowing the store.
            models.Index(fields=["number"], name="order_number"),
        ]

    def __str__(self) -> str:
        return self.number

    def can_move_to(self, status: str) -> bool:
        """Forward by rank only; cancelling only before anything shipped; cancelled is final."""
        if self.status == OrderStatus.CANCELLED:
            return False
        if status == OrderStatus.CANCELLED:
            return self.status == OrderStatus.PLACED
        return ORDER_RANK[status] > ORDER_RANK[self.status]

    @property
    def is_import(self) -> bool:
        return self.source == OrderSource.IMPORT


class LineItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="line_items")
    product = models.ForeignKey(Product, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    sku = models.CharField(max_length=64, blank=True)
    title = models.CharField(max_length=255)
    quantity = models.PositiveIntegerField()
    unit_price = MoneyField()
    external_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.title}"

    @property
    def total(self):
        return self.unit_price * self.quantity
