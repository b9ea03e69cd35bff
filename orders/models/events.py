from django.db import models
from django.utils import timezone

from postpurchase.tenancy import StoreScopedQuerySet

from .customers import Customer
from .orders import Order
from .stores import Store


class DomainEvent(models.Model):
    """Something that happened, recorded in the transaction that made it happen.

    An order's events, oldest first, are its timeline. Apps react to them through
    postpurchase.events subscribers; `kind` is an open set: order.placed, return.approved, ...
    """

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, null=True, blank=True, related_name="events")
    customer = models.ForeignKey(Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=64, db_index=True)
    data = models.JSONField(default=dict, blank=True)
    actor = models.CharField(max_length=100, blank=True, help_text="Who or what caused it.")
    created_at = models.DateTimeField(default=timezone.now)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["order", "created_at"], name="event_order_timeline")]

    def __str__(self) -> str:
        return self.kind
