from django.db import models
from django.db.models import Q

from postpurchase.tenancy import StoreScopedQuerySet

from .stores import Store


class InboundWebhookQuerySet(StoreScopedQuerySet):
    def pending(self):
        return self.filter(processed_at__isnull=True)


class InboundWebhook(models.Model):
    """Every verified webhook, stored before it is processed, so none is lost and any can be replayed."""

    provider = models.CharField(max_length=32)
    store = models.ForeignKey(Store, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    topic = models.CharField(max_length=100, blank=True)
    event_id = models.CharField(max_length=200, blank=True)
    headers = models.JSONField(default=dict)
    body = models.TextField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)

    objects = InboundWebhookQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "store", "event_id"],
                condition=~Q(event_id=""),
                name="webhook_event_once",
            ),
        ]
        indexes = [models.Index(fields=["processed_at", "received_at"], name="webhook_pending")]

    def __str__(self) -> str:
        return f"{self.provider} {self.topic} {self.event_id}".strip()
