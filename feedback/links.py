"""Signed links in feedback emails: the review form of an order and a survey's score buttons.

A link carries the order id (and the survey type), signed with the secret key and a salt per use,
so it cannot be forged nor used for another order; it does not expire, like a receipt.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

REVIEW_SALT = "feedback.review"
SURVEY_SALT = "feedback.survey"

NPS_SCORES = tuple(range(11))
CSAT_SCORES = tuple(range(1, 6))


def scores_for(survey: str) -> tuple[int, ...]:
    return NPS_SCORES if survey == "nps" else CSAT_SCORES


def review_token(order_id: int) -> str:
    return signing.dumps({"o": order_id}, salt=REVIEW_SALT, compress=True)


def review_token_order(token: str) -> int | None:
    try:
        value = signing.loads(token, salt=REVIEW_SALT)
    except signing.BadSignature:
        return None
    return value.get("o") if isinstance(value, dict) and isinstance(value.get("o"), int) else None


def survey_token(order_id: int, survey: str) -> str:
    return signing.dumps({"o": order_id, "s": survey}, salt=SURVEY_SALT, compress=True)


def survey_token_load(token: str) -> tuple[int, str] | None:
    try:
        value = signing.loads(token, salt=SURVEY_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("o"), int) or value.get("s") not in ("nps", "csat"):
        return None
    return value["o"], value["s"]


def review_url(order_id: int) -> str:
    return settings.PUBLIC_BASE_URL + reverse("feedback:review-form", kwargs={"token": review_token(order_id)})


def survey_score_urls(order_id: int, survey: str) -> list[dict[str, object]]:
    token = survey_token(order_id, survey)
    return [
        {
            "score": score,
            "url": settings.PUBLIC_BASE_URL + reverse("feedback:survey", kwargs={"token": token, "score": score}),
        }
        for score in scores_for(survey)
    ]
