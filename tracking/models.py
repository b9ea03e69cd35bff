from django.db import models

from orders.models import LOCALES, Store


class TrackingSettings(models.Model):
    """A store's delivery promises and what its tracking page shows besides the parcel."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="tracking")
    processing_days = models.PositiveSmallIntegerField(default=1, help_text="Business days from order to dispatch.")
    transit_days_min = models.PositiveSmallIntegerField(default=2)
    transit_days_max = models.PositiveSmallIntegerField(default=4)
    transit_rules = models.JSONField(
        default=list,
        blank=True,
        help_text='Exceptions by destination and method, e.g. [{"country": "US", "method": "express", "min": 1, '
        '"max": 2}]; the first rule that matches wins, a rule without country or method matches any.',
    )
    holidays = models.JSONField(default=list, blank=True, help_text='Days without deliveries, e.g. ["2026-12-25"].')
    no_scan_days = models.PositiveSmallIntegerField(
        default=3, help_text="A shipment with no carrier scan for this many days is delayed."
    )
    webhook_secret = models.CharField(max_length=200, blank=True, help_text="Signs the generic carrier webhook.")
    promo_text = models.CharField(max_length=200, blank=True, help_text="A banner on the tracking page.")
    promo_url = models.URLField(blank=True)
    # Changes whenever the merchant edits what the tracking page shows besides the order (this
    # row, the FAQ): part of a cached page's version (tracking.selectors.order_version), read in
    # the same query as the order, so serving a cached page needs nothing from the shared cache.
    # A fresh random value each time, never a counter: an admin save that writes back a row it
    # read before another edit cannot bring back a version some cached page was rendered with.
    content_version = models.CharField(max_length=32, blank=True, default="", editable=False)

    class Meta:
        verbose_name_plural = "tracking settings"

    def __str__(self) -> str:
        return f"Tracking of {self.store}"

    @classmethod
    def for_store(cls, store: Store) -> "TrackingSettings":
        settings, _ = cls.objects.get_or_create(store=store)
        return settings


class FaqEntry(models.Model):
    """Helpful answers the merchant writes, shown on the tracking page."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="faq_entries")
    locale = models.CharField(max_length=8, choices=LOCALES, default="en")
    question = models.CharField(max_length=200)
    answer = models.TextField()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["store", "locale", "position", "id"]
        verbose_name = "FAQ entry"
        verbose_name_plural = "FAQ entries"

    def __str__(self) -> str:
        return self.question
