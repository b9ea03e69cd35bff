"""Feedback's writes: scheduling the requests after delivery, settings on first use."""

from datetime import UTC, datetime, time, timedelta

from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone

from notifications.models import Message
from notifications.services import message_schedule_for_customer
from orders.events import event_record
from orders.models import Order, OrderSource, OrderStatus, Store
from postpurchase.exceptions import DomainError

from .events import SURVEY_ANSWERED, survey_answered_data
from .kinds import FEEDBACK_DUE, REVIEW_REMINDER, REVIEW_REQUEST, SURVEY_REQUEST
from .links import review_url, scores_for, survey_score_urls
from .models import FeedbackSettings, SurveyAnswer, SurveyType


def feedback_settings_for(store: Store) -> FeedbackSettings:
    found, _ = FeedbackSettings.objects.get_or_create(store=store)
    return found


def feedback_requests_schedule(*, order: Order, at: datetime) -> int:
    """Schedule the review request, its reminder and the store's survey for `order`, delivered
    (or assumed delivered) at `at`; each flow's delay counts from then. Once per order and kind:
    a replayed delivery writes nothing. Runs in the caller's transaction."""
    if order.customer_id is None or order.source == OrderSource.IMPORT:
        return 0
    settings = feedback_settings_for(order.store)
    written = 0
    review = {"review_url": review_url(order.pk)}
    for kind, data in ((REVIEW_REQUEST, review), (REVIEW_REMINDER, review)):
        written += message_schedule_for_customer(
            store=order.store,
            kind=kind,
            order=order,
            key=f"feedback:{kind}:order:{order.pk}",
            data=data,
            at=at,
            trigger=FEEDBACK_DUE,
        )
    if settings.survey != SurveyType.OFF:
        written += message_schedule_for_customer(
            store=order.store,
            kind=SURVEY_REQUEST,
            order=order,
            key=f"feedback:{SURVEY_REQUEST}:order:{order.pk}",
            data={"survey": settings.survey, "scores": survey_score_urls(order.pk, settings.survey)},
            at=at,
            trigger=FEEDBACK_DUE,
        )
    return written


def survey_answer_record(*, order: Order, survey: str, score: int, comment: str = "") -> SurveyAnswer:
    """Record (or change) the customer's answer to the order's survey, with `survey.answered` on
    the timeline. The order row is locked, so two taps at once make one answer."""
    if score not in scores_for(survey):
        raise DomainError("That score is not on the survey's scale.", extra={"score": score})
    comment = comment.strip()[:2000]
    with transaction.atomic():
        Order.objects.select_for_update().filter(pk=order.pk).first()
        answer = SurveyAnswer.objects.filter(order=order, survey=survey).first()
        updated = answer is not None
        if answer is None:
            answer = SurveyAnswer(store_id=order.store_id, order=order, survey=survey)
        answer.score, answer.comment = score, comment
        answer.save()
        event_record(
            kind=SURVEY_ANSWERED,
            store=order.store,
            order=order,
            customer=order.customer,
            data=survey_answered_data(
                answer_id=answer.pk, survey=survey, score=score, comment=comment, updated=updated
            ),
            actor="customer",
        )
    return answer


def feedback_assume_delivered(*, now: datetime | None = None) -> int:
    """For stores that turned it on: orders fully shipped but never reported delivered, whose latest
    promised delivery day is `assume_delivered_after_days` behind us, are treated as delivered then.
    Scheduling is keyed per order and kind, so each run (and a real delivery later) adds nothing
    twice. Returns how many messages were written."""
    now = now or timezone.now()
    written = 0
    for settings in FeedbackSettings.objects.filter(assume_delivered_after_days__isnull=False).select_related("store"):
        days = settings.assume_delivered_after_days or 0
        cutoff = now.date() - timedelta(days=days)
        orders = (
            Order.objects.filter(
                store=settings.store,
                status__in=[OrderStatus.SHIPPED, OrderStatus.OUT_FOR_DELIVERY],
            )
            .exclude(source=OrderSource.IMPORT)
            .annotate(promised=Max("shipments__promised_delivery_to", filter=Q(shipments__direction="outbound")))
            .filter(promised__lte=cutoff)
            .exclude(
                Exists(
                    Message.objects.filter(order=OuterRef("pk"), dedupe_key__startswith=f"feedback:{REVIEW_REQUEST}:")
                )
            )
            .select_related("store", "customer")[:500]
        )
        for order in orders:
            promised = getattr(order, "promised")  # noqa: B009  (an annotation)
            assumed = datetime.combine(promised + timedelta(days=days), time(12), tzinfo=UTC)
            with transaction.atomic():
                written += feedback_requests_schedule(order=order, at=assumed)
    return written
