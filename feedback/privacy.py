"""What erasure and export do to feedback's tables: reviews anonymised, survey comments scrubbed."""

from typing import Any

from django.db.models import Q

from orders.privacy import CUSTOMER_ERASED, Erasure, Person, exporter, rows_mentioning
from postpurchase.events import subscribe
from postpurchase.redact import scrub_text

from .models import Review, SurveyAnswer
from .reviews import display_name
from .widget_cache import widget_cache_bump


def _reviews(person: Person) -> Any:
    store_reviews = Review.objects.filter(store=person.store)
    mentioning = rows_mentioning(store_reviews, ["display_name", "title", "body"], person.needles).values("pk")
    return store_reviews.filter(Q(order__in=person.order_ids) | Q(pk__in=mentioning))


@subscribe(CUSTOMER_ERASED)
def feedback_erase(erasure: Erasure) -> None:
    """A review stays (its rating counts for the product) but no longer says who wrote it: the name
    becomes "A customer" and any mention of the person in its words is removed. Survey scores stay,
    their comments lose the person."""
    person = erasure.person
    anonymous = display_name(None)
    changed = False
    for review in _reviews(person):
        before = (review.display_name, review.title, review.body, review.reply)
        review.display_name = anonymous
        review.title = scrub_text(review.title, person.needles)
        review.body = scrub_text(review.body, person.needles)
        review.reply = scrub_text(review.reply, person.needles)
        if (review.display_name, review.title, review.body, review.reply) != before:
            review.save(update_fields=["display_name", "title", "body", "reply"])
            erasure.count("feedback.Review", 1)
            changed = True
    for answer in SurveyAnswer.objects.filter(order__in=person.order_ids).exclude(comment=""):
        comment = scrub_text(answer.comment, person.needles)
        if comment != answer.comment:
            answer.comment = comment
            answer.save(update_fields=["comment", "updated_at"])
            erasure.count("feedback.SurveyAnswer", 1)
    if changed:
        widget_cache_bump(person.store.pk)


@exporter("feedback")
def feedback_export(person: Person) -> dict[str, Any]:
    return {
        "reviews": list(
            _reviews(person)
            .order_by("created_at")
            .values("product__sku", "rating", "title", "body", "display_name", "status", "created_at", "reply")
        ),
        "survey_answers": list(
            SurveyAnswer.objects.filter(order__in=person.order_ids).values(
                "order__number", "survey", "score", "comment", "created_at"
            )
        ),
    }
