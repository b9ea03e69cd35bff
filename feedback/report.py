"""The merchant's feedback report: one store, one period of days in the store's zone.

Every number is aggregated by the database, a handful of queries whatever the number of answers and
reviews (tests/feedback/test_report.py pins the count); Python only does arithmetic on the totals.

Definitions (also on the page):

- **NPS** = % promoters (9–10) - % detractors (0–6) of the NPS answers first given in the period,
  a whole number from -100 to 100 (halves round away from zero).
- **CSAT** = % of the CSAT answers first given in the period that are 4 or 5 (one decimal).
- **Response rate** = of the survey requests sent in the period (sent or delivered, not bounced or
  failed), the % whose order has an answer (given any time; one decimal).
- **Reviews** = reviews published in the period: count, average (two decimals), stars 1–5.
- **Moderation** = reviews received in the period, by what happened to them: published, rejected,
  still waiting, and for each hold reason the same three (a review may have several reasons).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Avg, Count, Exists, Min, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth

from notifications.models import Message, MessageState
from orders.models import Store

from .kinds import SURVEY_REQUEST
from .models import AbuseReport, Review, ReviewStatus, SurveyAnswer, SurveyType
from .moderation import EMAILS, LINKS, PHONES, PROFANITY

HOLD_REASONS = (PROFANITY, EMAILS, PHONES, LINKS)
NPS_SCORES = range(11)
CSAT_SCORES = range(1, 6)
STARS = range(1, 6)
COMMENTS_SHOWN = 20


@dataclass(frozen=True)
class Period:
    """Whole days in the store's zone, both ends included."""

    store: Store
    first: date
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(0), tzinfo=self.store.zone)

    @property
    def end(self) -> datetime:
        """The first instant after the period."""
        return datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=self.store.zone)

    def within(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.start, f"{field}__lt": self.end})


def percent(part: int, whole: int, places: str = "0.1") -> Decimal | None:
    """`part` of `whole` in %, rounded half up; None when there is nothing to divide."""
    if not whole:
        return None
    return (Decimal(100 * part) / Decimal(whole)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class SurveyStats:
    nps_answers: int
    promoters: int
    passives: int
    detractors: int
    nps: int | None
    nps_distribution: dict[int, int]
    csat_answers: int
    satisfied: int
    csat: Decimal | None
    csat_distribution: dict[int, int]
    with_comment: int
    requests_sent: int
    requests_answered: int
    response_rate: Decimal | None


@dataclass(frozen=True)
class MonthStats:
    month: date
    nps_answers: int
    nps: int | None
    csat_answers: int
    csat: Decimal | None


@dataclass(frozen=True)
class Comment:
    answered_at: datetime
    order_number: str
    survey: str
    score: int
    comment: str


@dataclass(frozen=True)
class ReviewStats:
    count: int
    average: Decimal | None
    distribution: dict[int, int]
    verified: int
    imported: int


@dataclass(frozen=True)
class ModerationRow:
    reason: str
    received: int
    published: int
    rejected: int
    waiting: int


@dataclass(frozen=True)
class Queue:
    """The moderation queue now, whatever the period."""

    waiting: int
    oldest: datetime | None
    reported: int  # published reviews with at least one abuse report


@dataclass(frozen=True)
class FeedbackReport:
    period: Period
    surveys: SurveyStats
    months: list[MonthStats]
    comments: list[Comment]
    reviews: ReviewStats
    moderation: list[ModerationRow]  # "all" first, then "no reason" (published at once), then each reason
    queue: Queue


def _nps(promoters: int, detractors: int, answers: int) -> int | None:
    share = percent(promoters - detractors, answers, "1")
    return None if share is None else int(share)


def _survey_counts(answers: QuerySet[SurveyAnswer]) -> dict[str, Any]:
    nps, csat = Q(survey=SurveyType.NPS), Q(survey=SurveyType.CSAT)
    return answers.aggregate(
        nps_answers=Count("id", filter=nps),
        promoters=Count("id", filter=nps & Q(score__gte=9)),
        detractors=Count("id", filter=nps & Q(score__lte=6)),
        csat_answers=Count("id", filter=csat),
        satisfied=Count("id", filter=csat & Q(score__gte=4)),
        with_comment=Count("id", filter=~Q(comment="")),
        **{f"nps{n}": Count("id", filter=nps & Q(score=n)) for n in NPS_SCORES},
        **{f"csat{n}": Count("id", filter=csat & Q(score=n)) for n in CSAT_SCORES},
    )


def _surveys(period: Period) -> SurveyStats:
    answers = SurveyAnswer.objects.filter(period.within("created_at"), store=period.store)
    c = _survey_counts(answers)
    sent = Message.objects.filter(
        period.within("sent_at"),
        store=period.store,
        kind=SURVEY_REQUEST,
        state__in=[MessageState.SENT, MessageState.DELIVERED],
    ).aggregate(
        sent=Count("id"),
        answered=Count("id", filter=Q(Exists(SurveyAnswer.objects.filter(order_id=OuterRef("order_id"))))),
    )
    return SurveyStats(
        nps_answers=c["nps_answers"],
        promoters=c["promoters"],
        passives=c["nps_answers"] - c["promoters"] - c["detractors"],
        detractors=c["detractors"],
        nps=_nps(c["promoters"], c["detractors"], c["nps_answers"]),
        nps_distribution={n: c[f"nps{n}"] for n in NPS_SCORES},
        csat_answers=c["csat_answers"],
        satisfied=c["satisfied"],
        csat=percent(c["satisfied"], c["csat_answers"]),
        csat_distribution={n: c[f"csat{n}"] for n in CSAT_SCORES},
        with_comment=c["with_comment"],
        requests_sent=sent["sent"],
        requests_answered=sent["answered"],
        response_rate=percent(sent["answered"], sent["sent"]),
    )


def _months(period: Period) -> list[MonthStats]:
    nps, csat = Q(survey=SurveyType.NPS), Q(survey=SurveyType.CSAT)
    rows = (
        SurveyAnswer.objects.filter(period.within("created_at"), store=period.store)
        .annotate(month=TruncMonth("created_at", tzinfo=period.store.zone))
        .values("month")
        .annotate(
            nps_answers=Count("id", filter=nps),
            promoters=Count("id", filter=nps & Q(score__gte=9)),
            detractors=Count("id", filter=nps & Q(score__lte=6)),
            csat_answers=Count("id", filter=csat),
            satisfied=Count("id", filter=csat & Q(score__gte=4)),
        )
        .order_by("month")
    )
    return [
        MonthStats(
            month=row["month"].date() if isinstance(row["month"], datetime) else row["month"],
            nps_answers=row["nps_answers"],
            nps=_nps(row["promoters"], row["detractors"], row["nps_answers"]),
            csat_answers=row["csat_answers"],
            csat=percent(row["satisfied"], row["csat_answers"]),
        )
        for row in rows
    ]


def _comments(period: Period) -> list[Comment]:
    rows = (
        SurveyAnswer.objects.filter(period.within("created_at"), store=period.store)
        .exclude(comment="")
        .order_by("-created_at", "-id")
        .values_list("created_at", "order__number", "survey", "score", "comment")[:COMMENTS_SHOWN]
    )
    return [Comment(*row) for row in rows]


def _reviews(period: Period) -> ReviewStats:
    c = Review.objects.filter(
        period.within("published_at"), store=period.store, status=ReviewStatus.PUBLISHED
    ).aggregate(
        count=Count("id"),
        average=Avg("rating"),
        verified=Count("id", filter=Q(verified=True)),
        imported=Count("id", filter=Q(source="import")),
        **{f"s{n}": Count("id", filter=Q(rating=n)) for n in STARS},
    )
    average = c["average"]
    return ReviewStats(
        count=c["count"],
        average=None if average is None else Decimal(str(average)).quantize(Decimal("0.01"), ROUND_HALF_UP),
        distribution={n: c[f"s{n}"] for n in STARS},
        verified=c["verified"],
        imported=c["imported"],
    )


def _moderation(period: Period) -> list[ModerationRow]:
    groups = {"all": Q(), "no reason": Q(hold_reasons="")}
    groups.update({reason: Q(hold_reasons__contains=reason) for reason in HOLD_REASONS})
    outcomes = {
        "received": Q(),
        "published": Q(status=ReviewStatus.PUBLISHED),
        "rejected": Q(status=ReviewStatus.REJECTED),
        "waiting": Q(status=ReviewStatus.PENDING),
    }
    columns = {
        f"g{i}_{o}": Count("id", filter=group & outcome)
        for i, group in enumerate(groups.values())
        for o, outcome in outcomes.items()
    }
    c = Review.objects.filter(period.within("created_at"), store=period.store).aggregate(**columns)
    return [ModerationRow(reason=g, **{o: c[f"g{i}_{o}"] for o in outcomes}) for i, g in enumerate(groups)]


def _queue(store: Store) -> Queue:
    c = Review.objects.filter(store=store).aggregate(
        waiting=Count("id", filter=Q(status=ReviewStatus.PENDING)),
        oldest=Min("created_at", filter=Q(status=ReviewStatus.PENDING)),
        reported=Count(
            "id",
            filter=Q(status=ReviewStatus.PUBLISHED) & Q(Exists(AbuseReport.objects.filter(review=OuterRef("pk")))),
        ),
    )
    return Queue(waiting=c["waiting"], oldest=c["oldest"], reported=c["reported"])


def feedback_report(*, store: Store, first: date, last: date) -> FeedbackReport:
    """The store's feedback from `first` to `last` (days in its zone, both included)."""
    period = Period(store=store, first=first, last=last)
    return FeedbackReport(
        period=period,
        surveys=_surveys(period),
        months=_months(period),
        comments=_comments(period),
        reviews=_reviews(period),
        moderation=_moderation(period),
        queue=_queue(store),
    )
