"""Feedback's rows: each store's feedback settings, and the projection of open problems per order
that feedback keeps from other apps' events (it never reads returns' or tracking's tables)."""

from typing import Any

from django.db import models

from orders.models import Order, Store

from .photos import photo_name


class SurveyType(models.TextChoices):
    NPS = "nps", "NPS (0–10: how likely to recommend us)"
    CSAT = "csat", "CSAT (1–5: how satisfied)"
    OFF = "off", "No survey"


class FeedbackSettings(models.Model):
    """What a store asks of its customers after delivery. The delays are the flows' (admin: Flows)."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="feedback_settings")
    survey = models.CharField(max_length=8, choices=SurveyType.choices, default=SurveyType.NPS)
    assume_delivered_after_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Ask for feedback on orders without a delivery scan this many days after the promised "
        "delivery date. Empty: never ask before a delivery is reported.",
    )

    class Meta:
        verbose_name = "feedback settings"
        verbose_name_plural = "feedback settings"

    def __str__(self) -> str:
        return f"Feedback settings of {self.store}"


def _empty() -> dict[str, Any]:
    return {}


class OrderProblems(models.Model):
    """What is still open on an order, as feedback heard it from `return.*` and shipment events.

    `open_returns` maps a return id to its status; `delayed`, `lost` and `exceptions` map a shipment
    id to the time it was reported; `returned_lines` maps a line item id to the units that came back
    (or were kept and refunded). `returned` is set once the order reached the status returned.
    """

    order = models.OneToOneField(Order, on_delete=models.CASCADE, primary_key=True, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    open_returns = models.JSONField(default=_empty)
    delayed = models.JSONField(default=_empty)
    lost = models.JSONField(default=_empty)
    exceptions = models.JSONField(default=_empty)
    returned_lines = models.JSONField(default=_empty)
    returned = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "order problems"

    def __str__(self) -> str:
        return f"Problems of order {self.order_id}"

    def open_reasons(self) -> list[str]:
        """Why feedback must wait, in words for the message's reason."""
        reasons = []
        if self.open_returns:
            reasons.append("a return is open")
        if self.exceptions:
            reasons.append("a shipment has a carrier exception")
        if self.lost:
            reasons.append("a shipment may be lost")
        if self.delayed:
            reasons.append("a shipment is delayed")
        return reasons

    def opened_at(self) -> list[str]:
        """When each open problem was first heard of (ISO times)."""
        return [*self.open_returns.values(), *self.exceptions.values(), *self.lost.values(), *self.delayed.values()]


class SurveyAnswer(models.Model):
    """One answer per order and survey; answering again changes it."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="survey_answers")
    survey = models.CharField(max_length=8, choices=[c for c in SurveyType.choices if c[0] != SurveyType.OFF])
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "survey"], name="feedback_one_answer_per_order_survey"),
            models.CheckConstraint(condition=models.Q(score__lte=10), name="feedback_score_at_most_10"),
        ]

    def __str__(self) -> str:
        return f"{self.survey} {self.score} for order {self.order_id}"


class ReviewStatus(models.TextChoices):
    PENDING = "pending", "Held for moderation"
    PUBLISHED = "published", "Published"
    REJECTED = "rejected", "Rejected"


class ReviewSource(models.TextChoices):
    CUSTOMER = "customer", "Written here"
    IMPORT = "import", "Imported"


class Review(models.Model):
    """A customer's review of a product. Moderation looks at the words, never at the rating:
    `hold_reasons` says why a review waits in the queue."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey("orders.Product", on_delete=models.CASCADE, related_name="reviews")
    order = models.ForeignKey(Order, on_delete=models.SET_NULL, null=True, blank=True, related_name="reviews")
    line_item = models.ForeignKey("orders.LineItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    rating = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=150, blank=True)
    body = models.TextField(blank=True, max_length=5000)
    display_name = models.CharField(max_length=60)
    locale = models.CharField(max_length=8, blank=True)
    verified = models.BooleanField(default=False, help_text="Tied to a delivered line item of an order we hold.")
    source = models.CharField(max_length=10, choices=ReviewSource.choices, default=ReviewSource.CUSTOMER)
    external_id = models.CharField(max_length=100, blank=True, help_text="The review's id in the app it came from.")
    status = models.CharField(max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    hold_reasons = models.CharField(max_length=300, blank=True)
    reply = models.TextField(blank=True, help_text="The merchant's public answer.")
    replied_at = models.DateTimeField(null=True, blank=True)
    helpful_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=150, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["order", "product"],
                condition=models.Q(order__isnull=False),
                name="feedback_one_review_per_order_product",
            ),
            models.UniqueConstraint(
                fields=["store", "source", "external_id"],
                condition=~models.Q(external_id=""),
                name="feedback_imported_once",
            ),
            models.CheckConstraint(condition=models.Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_to_5"),
        ]
        indexes = [
            models.Index(fields=["store", "product", "status", "-published_at", "-id"], name="feedback_review_product"),
            models.Index(fields=["status", "created_at"], name="feedback_review_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.rating}★ {self.title or self.body[:40]}"


class ReviewPhoto(models.Model):
    """A photo with a review, checked by decoding it; stored under MEDIA_ROOT with a random name and
    served only through feedback's view while its review is published (never a public folder)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to=photo_name, max_length=200)
    content_type = models.CharField(max_length=30)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"Photo {self.pk} of review {self.review_id}"


class HelpfulVote(models.Model):
    """One vote per review and browser (a random cookie, stored as its SHA-256)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    voter = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "voter"], name="feedback_one_vote_per_browser")]

    def __str__(self) -> str:
        return f"Helpful vote on review {self.review_id}"


class AbuseReport(models.Model):
    """A visitor says a published review breaks the rules; staff look (it stays published meanwhile:
    moderation is a person's decision on the content, not a vote)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="abuse_reports")
    reporter = models.CharField(max_length=64, help_text="SHA-256 of the browser's random id.")
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "reporter"], name="feedback_one_report_per_browser")]

    def __str__(self) -> str:
        return f"Report on review {self.review_id}"
