import hashlib
import secrets
from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from postpurchase.money import currency_validator

color_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a hex colour like #1f6feb.")
UTC = ZoneInfo("UTC")


def zone_validator(name: str) -> None:
    """An IANA zone name (Europe/Berlin), so every reader of `Store.zone` gets the zone meant."""
    if name not in available_timezones() and name != "UTC":
        raise ValidationError(f"{name!r} is not a time zone name; use one like Europe/Berlin.")


LOCALES = [("en", "English"), ("de", "Deutsch"), ("fr", "Français"), ("es", "Español")]


class Store(models.Model):
    """The tenant: one merchant's shop. Every other row belongs to exactly one store."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    currency = models.CharField(max_length=3, default="USD", validators=[currency_validator])
    timezone = models.CharField(max_length=64, default="UTC", validators=[zone_validator])
    default_locale = models.CharField(max_length=8, choices=LOCALES, default="en")
    logo_url = models.URLField(blank=True)
    primary_color = models.CharField(max_length=7, default="#1f6feb", validators=[color_validator])
    support_email = models.EmailField(blank=True)
    # The storefront's own hosts ("shop.example.com"): the public review widget answers CORS only for them.
    domains = models.JSONField(
        default=list, db_default=[], blank=True, help_text='Storefront hosts, e.g. ["shop.example.com"].'
    )
    # Webhook secrets. Two Shopify secrets so a merchant can rotate without losing webhooks.
    shopify_secret = models.CharField(max_length=200, blank=True)
    shopify_secret_previous = models.CharField(max_length=200, blank=True)
    aftership_secret = models.CharField(max_length=200, blank=True)
    easypost_secret = models.CharField(max_length=200, blank=True)
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="stores", blank=True)
    # Data retention (`prune`, daily on the beat): raw payloads are kept for debugging and replays,
    # then emptied; the rows, their outcomes and the timeline stay.
    webhook_retention_days = models.PositiveSmallIntegerField(
        default=30, db_default=30, help_text="Days a processed webhook keeps its raw body and headers."
    )
    message_retention_days = models.PositiveSmallIntegerField(
        default=90, db_default=90, help_text="Days a finished message keeps its data (what its template was given)."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @cached_property
    def zone(self) -> ZoneInfo:
        """The store's zone: where its days begin and end (estimates, quiet hours, reports). A name
        stored before it was validated falls back to UTC rather than failing a page or a message."""
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return UTC

    @property
    def shopify_secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.shopify_secret, self.shopify_secret_previous) if s)


def _hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiKeyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)

    def for_raw_key(self, raw: str):
        return self.active().select_related("store").filter(key_hash=_hash_key(raw)).first()


class ApiKey(models.Model):
    """A store's API key. Only its SHA-256 is kept: the key itself is shown once, at creation.

    Keys are 256 random bits, so a fast hash is enough; a slow password hash would only
    slow down every API request.
    """

    PREFIX = "pp_"

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100, default="default")
    prefix = models.CharField(max_length=12, help_text="The first characters, to tell keys apart.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    def generate(self) -> str:
        """Give this (unsaved) key a fresh secret and return it; only its hash is kept."""
        raw = self.PREFIX + secrets.token_urlsafe(32)
        self.prefix = raw[:10]
        self.key_hash = _hash_key(raw)
        return raw

    @classmethod
    def issue(cls, *, store: Store, name: str = "default") -> tuple["ApiKey", str]:
        """Create a key and return it with the raw secret, which is never stored."""
        key = cls(store=store, name=name)
        raw = key.generate()
        key.save()
        return key, raw

    def revoke(self) -> None:
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])
