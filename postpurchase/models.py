from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone


class ActorKind(models.TextChoices):
    STAFF = "staff", "Staff user"  # a person signed in to the admin
    API_KEY = "api_key", "API key"  # a machine with one of the store's API keys
    WEBHOOK = "webhook", "Provider webhook"  # a signed webhook (Shopify, a carrier, Twilio, the email provider)
    TASK = "task", "Task"  # a Celery task (the beat's sweeps and checks)
    COMMAND = "command", "Ops command"  # an ops command run by hand
    SYSTEM = "system", "System"  # anything else the application did on its own


class AuditEntry(models.Model):
    """Who changed what: one row per change to an order, return, points, flow, template or setting.

    It lives in the kernel so every app can write it (`postpurchase.audit.audit_record`). The store
    is a plain id, not a foreign key: the kernel cannot point at `orders`. The target is generic,
    so one admin inline shows any object's history.
    """

    store_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=64, help_text="e.g. changed, return.approved, points.adjusted.")
    changes = models.JSONField(default=dict, blank=True, help_text="Field: [before, after], or what was done.")
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    actor = models.CharField(max_length=150, blank=True, help_text="The user, key prefix, provider or task.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "created_at"], name="audit_target")]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.action} by {self.get_actor_kind_display()} {self.actor}".strip()

    @property
    def who(self) -> str:
        return f"{self.get_actor_kind_display()}: {self.actor}" if self.actor else self.get_actor_kind_display()
