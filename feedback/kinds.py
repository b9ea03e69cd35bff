"""Feedback's message kinds: the review request, its reminder and the survey.

They are scheduled by feedback itself (`feedback.services.feedback_requests_schedule`) when an order
is delivered, so the signed links can travel in `message.data`; their trigger is a name of
feedback's own that notifications never derives, so nothing else schedules them.
"""

from datetime import timedelta
from pathlib import Path
from typing import Any

from notifications.registry import DefaultFlow, Kind, register, trigger_label

TEMPLATES = Path(__file__).parent / "message_templates"

REVIEW_REQUEST = "review_request"
REVIEW_REMINDER = "review_reminder"
SURVEY_REQUEST = "survey_request"
FEEDBACK_KINDS = (REVIEW_REQUEST, REVIEW_REMINDER, SURVEY_REQUEST)

# The order was delivered (or, if the store says so, is assumed delivered): the delays count from it.
FEEDBACK_DUE = "feedback_due"

REVIEW_DAYS = 7
REMINDER_DAYS = 14  # a week after the request
SURVEY_DAYS = 3


def _review_sample(store: Any, locale: str) -> dict[str, Any]:
    return {"review_url": "http://127.0.0.1:8000/feedback/review/sample/"}


def _survey_sample(store: Any, locale: str) -> dict[str, Any]:
    return {
        "survey": "nps",
        "scores": [{"score": n, "url": f"http://127.0.0.1:8000/feedback/survey/sample/{n}/"} for n in range(11)],
    }


def _kind(name: str, label: str, days: int, sample: Any) -> Kind:
    return Kind(
        name=name,
        label=label,
        app="feedback",
        templates=TEMPLATES,
        channels=("email",),
        triggers=(FEEDBACK_DUE,),
        flows=(DefaultFlow(channel="email", delay=timedelta(days=days), transactional=False),),
        sample=sample,
    )


KINDS = (
    _kind(REVIEW_REQUEST, "Review request", REVIEW_DAYS, _review_sample),
    _kind(REVIEW_REMINDER, "Review reminder", REMINDER_DAYS, _review_sample),
    _kind(SURVEY_REQUEST, "Survey", SURVEY_DAYS, _survey_sample),
)


def kinds_register() -> None:
    trigger_label(FEEDBACK_DUE, "Order delivered (feedback)")
    for kind in KINDS:
        register(kind)
