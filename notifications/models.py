from collections.abc import Iterable
from datetime import time

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from notifications import registry
from notifications.registry import kind_choices, trigger_choices
from orders.inputs import normalize_phone
from orders.models import LOCALES, Customer, Order, Shipment, Store, normalize_email
from postpurchase.redact import address_hash
from postpurchase.tenancy import StoreScopedQuerySet


class Channel(models.TextChoices):
    EMAIL = "email"
    SMS = "sms"


class MessageState(models.TextChoices):
    SCHEDULED = "scheduled"  # waits in the table until send_at
    SENDING = "sending"  # claimed by a worker until lease_expires_at
    SENT = "sent"  # the provider accepted it
    DELIVERED = "delivered"  # the provider reports it arrived
    BOUNCED = "bounced"  # the provider reports it could not arrive
    FAILED = "failed"  # a permanent error, or retries used up
    CANCELLED = "cancelled"  # no longer true or relevant when it was due
    SUPPRESSED = "suppressed"  # not allowed: consent, suppression list, frequency cap


class ReasonCode(models.TextChoices):
    """Why a message was not sent as planned, as a code the dashboard counts (`reason` has the text)."""

    NO_LONGER_RELEVANT = "no_longer_relevant", "No longer true or relevant"
    SUPPRESSION_LIST = "suppression_list", "Address on the suppression list"
    NO_SMS_CONSENT = "no_sms_consent", "No SMS opt-in"
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed from optional messages"
    NO_OPTIONAL_CONSENT = "no_optional_consent", "No consent to optional email"
    ESSENTIAL_ONLY = "essential_only", "Wants only order updates"
    FREQUENCY_CAP = "frequency_cap", "Frequency cap"
    QUIET_HOURS = "quiet_hours", "Quiet hours"
    IN_DOUBT = "in_doubt", "Worker stopped during the provider call"
    STAFF = "staff", "Cancelled by staff"
    # Held by a pillar's hold check: "hold:<check name>", e.g. hold:returns.open_return.
    HOLD_PREFIX = "hold:", "Held by a check"


FINAL_STATES = (
    MessageState.SENT,
    MessageState.DELIVERED,
    MessageState.BOUNCED,
    MessageState.FAILED,
    MessageState.CANCELLED,
    MessageState.SUPPRESSED,
)
# Provider callbacks may arrive out of order; a message never moves back down this ladder.
DELIVERY_RANK = {
    MessageState.SENDING: 0,
    MessageState.SENT: 1,
    MessageState.DELIVERED: 2,
    MessageState.BOUNCED: 2,
    MessageState.FAILED: 2,
}


class MessagingSettings(models.Model):
    """A store's messaging rules. Created with the store's default flows on first use."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="messaging")
    quiet_hours_start = models.TimeField(default=time(21, 0), help_text="SMS wait until quiet hours end.")
    quiet_hours_end = models.TimeField(default=time(8, 0))
    cap_per_day = models.PositiveSmallIntegerField(default=1, help_text="Optional messages per customer per 24 h.")
    cap_per_month = models.PositiveSmallIntegerField(default=5, help_text="Optional messages per customer per 30 days.")
    sender_name = models.CharField(max_length=100, blank=True, help_text="Defaults to the store name.")
    reply_to = models.EmailField(blank=True)
    coupon_percent = models.PositiveSmallIntegerField(default=10, help_text="Next-order coupon discount.")
    reorder_url_pattern = models.CharField(
        max_length=500,
        blank=True,
        help_text="Replenishment reminders link here: {sku} and {quantity} are filled in, e.g. "
        "https://shop.example.com/cart/add?sku={sku}&qty={quantity}. Empty: the product's page.",
    )
    optional_email_requires_consent = models.BooleanField(
        default=True,
        help_text="Send optional emails (follow-ups, recommendations, coupons) only to customers who agreed to "
        "them, at checkout or on their preference page: the rule in the EU (GDPR, ePrivacy). Switch off only "
        "where the law lets you email customers until they opt out (e.g. CAN-SPAM in the US).",
    )
    synced_flows = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text="The default flows (trigger/kind/channel) this store was given, so the sync adds only new ones.",
    )

    class Meta:
        verbose_name_plural = "messaging settings"

    def __str__(self) -> str:
        return f"Messaging of {self.store}"

    def clean(self) -> None:
        """The sender name and reply-to address end up in email headers: a line break there
        would add headers of the merchant's choosing (or fail every email of the store)."""
        errors = {}
        for name in ("sender_name", "reply_to"):
            if bad := header_unsafe(getattr(self, name)):
                errors[name] = bad
        if errors:
            raise ValidationError(errors)


SENDER_NAME_MAX = 78  # one header line (RFC 5322), and what a mail client shows whole


def header_unsafe(value: str) -> str:
    """Why `value` cannot go into an email header, or "" if it can."""
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        return "Line breaks, tabs and other control characters are not allowed here: it goes into email headers."
    if len(value) > SENDER_NAME_MAX:
        return f"At most {SENDER_NAME_MAX} characters: it goes into email headers."
    return ""


class Flow(models.Model):
    """What a store sends when something happens: flows are data, editable in the admin."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="flows")
    # Open sets: the registered kinds and their triggers (notifications.registry).
    trigger = models.CharField(max_length=64, choices=trigger_choices)
    kind = models.CharField(max_length=64, choices=kind_choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    delay_minutes = models.PositiveIntegerField(default=0, help_text="How long after the trigger to send.")
    transactional = models.BooleanField(
        default=True, help_text="Transactional messages ignore the frequency cap and need no marketing consent."
    )
    enabled = models.BooleanField(default=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        ordering = ["store", "trigger", "delay_minutes"]
        constraints = [
            models.UniqueConstraint(fields=["store", "trigger", "kind", "channel"], name="one_flow_per_kind_channel")
        ]

    def __str__(self) -> str:
        return f"{self.get_trigger_display()} → {self.get_kind_display()} by {self.channel}"

    def clean(self) -> None:
        """A flow pairs a kind with one of its own triggers and channels, as its app declared them."""
        kind = registry.kind(self.kind)
        if kind is None:
            return  # the field's choices already say so
        errors = {}
        if self.trigger and self.trigger not in kind.triggers:
            errors["trigger"] = f"“{kind.label}” is sent on " + (
                ", ".join(registry.trigger_name(t) for t in kind.triggers) or "no trigger: its app schedules it"
            )
        if self.channel and self.channel not in kind.channels:
            errors["channel"] = f"“{kind.label}” has no {self.channel} version."
        if errors:
            raise ValidationError(errors)


class MessageQuerySet(StoreScopedQuerySet):
    def in_doubt(self, now):
        """Handed to a provider by a worker that stopped before recording the outcome: the
        customer may or may not have it. Never resent automatically; ops decide (messages_status)."""
        return self.filter(provider_called_at__isnull=False).filter(
            Q(state=MessageState.FAILED) | Q(state=MessageState.SENDING, lease_expires_at__lt=now)
        )

    def due(self, now):
        """Scheduled and due, or claimed by a worker whose lease ran out (it died)."""
        return self.filter(
            Q(state=MessageState.SCHEDULED, send_at__lte=now) | Q(state=MessageState.SENDING, lease_expires_at__lt=now)
        )


class Message(models.Model):
    """The outbox: every customer message is a row here before it is anything else."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, null=True, blank=True, related_name="messages")
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=64, choices=kind_choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    recipient = models.CharField(max_length=254, help_text="Email address or E.164 phone number.")
    locale = models.CharField(max_length=8, choices=LOCALES, default="en")
    transactional = models.BooleanField(default=True)
    send_at = models.DateTimeField()
    dedupe_key = models.CharField(max_length=200, unique=True)
    data = models.JSONField(default=dict, blank=True, help_text="What the trigger knew, e.g. the delay reason.")
    state = models.CharField(max_length=12, choices=MessageState.choices, default=MessageState.SCHEDULED)
    reason = models.CharField(max_length=300, blank=True, help_text="Why it was postponed, cancelled or suppressed.")
    reason_code = models.CharField(
        max_length=64, blank=True, help_text="The reason as a code (ReasonCode, or hold:<check>), for counting."
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    provider_called_at = models.DateTimeField(
        null=True, blank=True, help_text="Set just before the provider call: a worker that dies after it never resends."
    )
    provider_message_id = models.CharField(max_length=200, blank=True, db_index=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["send_at", "id"]
        indexes = [
            models.Index(fields=["state", "send_at"], name="message_due"),
            models.Index(fields=["customer", "sent_at"], name="message_customer_sent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.channel} to {self.recipient}"


class SuppressionQuerySet(StoreScopedQuerySet):
    def keys_for(self, addresses: Iterable[str]) -> set[tuple[int | None, str, str]]:
        """(store id or None, channel, address) of every entry for these addresses, for `suppresses`:
        entries kept as the address itself, and those an erasure kept only as its hash."""
        plain = set(addresses)
        return set(
            self.filter(address__in=plain | {address_hash(a) for a in plain}).values_list(
                "store_id", "channel", "address"
            )
        )

    def applying_to(self, *, store_id: int, channel: str, address: str) -> "SuppressionQuerySet":
        """The entries that stop `store` writing to `address`: installation-wide ones and its own."""
        return self.filter(
            Q(store=None) | Q(store_id=store_id), channel=channel, address__in=(address, address_hash(address))
        )


def suppresses(keys: set[tuple[int | None, str, str]], *, store_id: int, channel: str, address: str) -> bool:
    """True if an entry in `keys` (SuppressionQuerySet.keys_for) stops `store_id` writing to `address`,
    by the address or by its hash (an erased customer's bounced address stays suppressed)."""
    return any(
        (store, channel, value) in keys for store in (None, store_id) for value in (address, address_hash(address))
    )


class Suppression(models.Model):
    """An address or number we must not write to again.

    Provider-reported entries (bounce, complaint, STOP to our number, an invalid number) have no
    store: the address is dead for every store of the installation. Entries a merchant adds belong
    to their store and suppress only that store's messages, so one merchant can never silence
    another's customers.
    """

    store = models.ForeignKey(
        Store,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="Blank: reported by a provider, applies to every store.",
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    address = models.CharField(max_length=254, help_text="Email address or E.164 phone number.")
    reason = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SuppressionQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "address"], condition=Q(store__isnull=True), name="suppressed_once"
            ),
            models.UniqueConstraint(
                fields=["store", "channel", "address"],
                condition=Q(store__isnull=False),
                name="suppressed_once_per_store",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.address} ({self.reason})"

    def clean(self) -> None:
        """Addresses are kept as the outbox writes them, so an entry typed in the admin matches."""
        if self.channel == Channel.EMAIL:
            self.address = normalize_email(self.address)
        elif self.channel == Channel.SMS:
            try:
                self.address = normalize_phone(self.address)
            except ValueError as exc:
                raise ValidationError({"address": str(exc)}) from exc


class Consent(models.Model):
    """A customer's say about one channel. SMS needs an explicit opt-in; optional email needs
    one too unless the store's settings allow opt-out (no row: never agreed to anything)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    opted_in = models.BooleanField()
    optional_messages = models.BooleanField(
        default=True, help_text="Follow-ups, recommendations and coupons; off = only order updates."
    )
    source = models.CharField(max_length=100, help_text="Where the customer said so: checkout, SMS STOP, …")
    recorded_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["customer", "channel"], name="one_consent_per_channel")]

    def __str__(self) -> str:
        return f"{self.customer} {self.channel}: {'in' if self.opted_in else 'out'}"


class Frequency(models.TextChoices):
    NORMAL = "normal", "As the store sends them"
    WEEKLY = "weekly", "At most one a week"
    ESSENTIAL = "essential", "Only updates about my orders"


class Preference(models.Model):
    """How often a customer wants optional messages, set on their preference page."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="message_preference")
    frequency = models.CharField(max_length=12, choices=Frequency.choices, default=Frequency.NORMAL)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.customer}: {self.get_frequency_display()}"


class MessageTemplate(models.Model):
    """A merchant's own wording for one kind of message in one channel and language.

    It replaces the default file template for that locale (see notifications.rendering for the
    lookup order). Email bodies are HTML fragments wrapped in the store's branded layout.
    """

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="message_templates")
    kind = models.CharField(max_length=64, choices=kind_choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    locale = models.CharField(max_length=8, choices=LOCALES, default="en")
    subject = models.CharField(max_length=255, blank=True, help_text="Email only; leave blank for SMS.")
    body = models.TextField(
        help_text="Email: the HTML inside the store's layout (header, footer and styles are added). SMS: the text."
    )
    text_body = models.TextField(
        blank=True, help_text="Email only: the plain-text part. Blank: made from the HTML body by removing the tags."
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        ordering = ["store", "kind", "channel", "locale"]
        constraints = [
            models.UniqueConstraint(fields=["store", "kind", "channel", "locale"], name="one_template_per_locale")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.channel} ({self.locale})"

    def clean(self) -> None:
        kind = registry.kind(self.kind)
        if kind is not None and self.channel and self.channel not in kind.channels:
            raise ValidationError({"channel": f"“{kind.label}” has no {self.channel} version."})
