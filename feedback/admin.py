"""The merchant's side of feedback: settings, survey answers, the review moderation queue
(filter "Held for moderation"; approve or reject with the actions; reply on the review's page) and
the feedback report (Reviews > Feedback report, `feedback/admin_report.py`)."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import path

from postpurchase.tenancy import StoreScopedAdmin

from .admin_report import report_view
from .models import FeedbackSettings, Review, ReviewPhoto, ReviewStatus, SurveyAnswer
from .reviews import review_decide, review_reply


@admin.register(FeedbackSettings)
class FeedbackSettingsAdmin(StoreScopedAdmin):
    list_display = ["store", "survey", "assume_delivered_after_days"]


@admin.register(SurveyAnswer)
class SurveyAnswerAdmin(StoreScopedAdmin):
    list_display = ["order", "survey", "score", "comment", "updated_at"]
    list_filter = ["survey", "store"]
    list_select_related = ["order"]
    search_fields = ["order__number", "comment"]
    readonly_fields = ["store", "order", "survey", "score", "comment", "created_at", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class ReviewPhotoInline(admin.TabularInline):
    model = ReviewPhoto
    extra = 0
    fields = ["image", "content_type", "width", "height"]
    readonly_fields = ["image", "content_type", "width", "height"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Review)
class ReviewAdmin(StoreScopedAdmin):
    list_display = [
        "product",
        "rating",
        "title",
        "status",
        "hold_reasons",
        "verified",
        "source",
        "reports",
        "created_at",
    ]
    list_filter = ["status", "rating", "verified", "source", "store"]
    list_select_related = ["product"]
    search_fields = ["title", "body", "display_name", "order__number"]
    inlines = [ReviewPhotoInline]
    actions = ["approve", "reject"]
    # Staff decide and reply; the words stay the customer's.
    readonly_fields = [
        "store",
        "product",
        "order",
        "rating",
        "title",
        "body",
        "display_name",
        "verified",
        "source",
        "status",
        "hold_reasons",
        "created_at",
        "published_at",
        "decided_by",
    ]
    fields = [*readonly_fields, "reply"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(self.report_page)
        return [path("report/", view, name="feedback_review_report"), *super().get_urls()]

    def report_page(self, request: HttpRequest) -> HttpResponse:
        """NPS, CSAT, response rate, review and moderation numbers for one store and period."""
        return report_view(self, request)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Review]:
        return super().get_queryset(request).annotate(report_count=Count("abuse_reports"))

    @admin.display(description="abuse reports", ordering="report_count")
    def reports(self, obj: Review) -> int:
        return getattr(obj, "report_count", 0)

    def save_model(self, request: HttpRequest, obj: Review, form: Any, change: bool) -> None:
        review_reply(review=obj, text=obj.reply, actor=request.user.get_username())

    @admin.action(description="Publish the selected held reviews")
    def approve(self, request: HttpRequest, queryset: QuerySet[Review]) -> None:
        ids = list(queryset.filter(status=ReviewStatus.PENDING).values_list("pk", flat=True))
        for review_id in ids:
            review_decide(review_id=review_id, publish=True, actor=request.user.get_username())
        self.message_user(request, f"Published {len(ids)} review(s).", messages.SUCCESS)

    @admin.action(description="Reject the selected held reviews")
    def reject(self, request: HttpRequest, queryset: QuerySet[Review]) -> None:
        ids = list(queryset.filter(status=ReviewStatus.PENDING).values_list("pk", flat=True))
        for review_id in ids:
            review_decide(review_id=review_id, publish=False, actor=request.user.get_username())
        self.message_user(request, f"Rejected {len(ids)} review(s).", messages.SUCCESS)
