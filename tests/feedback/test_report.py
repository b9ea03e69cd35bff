"""The merchant's feedback report: every number checked against a fixture counted by hand, in the
store's zone (Berlin: November starts at 2026-10-31 23:00 UTC), in a constant number of queries,
and only the user's own stores."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from feedback.models import AbuseReport, Review, ReviewStatus, SurveyAnswer
from feedback.report import Comment, ModerationRow, MonthStats, feedback_report
from notifications.models import Message, MessageState
from orders.models import Product
from tests.orders.factories import StoreFactory, UserFactory, place_order

pytestmark = pytest.mark.django_db
NOVEMBER = {"first": date(2026, 11, 1), "last": date(2026, 11, 30)}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


MID = utc(2026, 11, 10, 12)
EARLY_OCTOBER = utc(2026, 10, 20, 12)


@pytest.fixture
def berlin(store):
    store.timezone = "Europe/Berlin"
    store.save()
    return store


def answer(order, survey, score, at=MID, comment=""):
    found = SurveyAnswer.objects.create(store=order.store, order=order, survey=survey, score=score, comment=comment)
    SurveyAnswer.objects.filter(pk=found.pk).update(created_at=at)
    return found


def survey_request(order, state=MessageState.SENT, sent_at=MID):
    return Message.objects.create(
        store=order.store,
        customer=order.customer,
        order=order,
        kind="survey_request",
        channel="email",
        recipient="ada@example.com",
        send_at=sent_at,
        sent_at=sent_at if state != MessageState.SCHEDULED else None,
        state=state,
        transactional=False,
        dedupe_key=f"test:survey:{order.pk}",
    )


def review(store, product, rating, *, status=ReviewStatus.PUBLISHED, created=MID, published=MID, **fields):
    return Review.objects.create(
        store=store,
        product=product,
        rating=rating,
        display_name="Ada L.",
        status=status,
        created_at=created,
        published_at=published if status == ReviewStatus.PUBLISHED else None,
        **fields,
    )


@pytest.fixture
def feedback(berlin):
    """Counted by hand (see each block); a second store's rows must never count."""
    orders = {n: place_order(berlin, number=f"#{n}", email=f"c{n}@example.com") for n in range(1, 14)}

    # NPS, in November (Berlin): 10, 10, 9, 8, 6, 2 mid-month and a 9 at 00:30 on the 1st
    # -> 7 answers, 4 promoters, 1 passive, 2 detractors: (4 - 2) / 7 = 28.6 % -> 29.
    for n, score in zip(range(1, 7), [10, 10, 9, 8, 6, 2], strict=True):
        answer(orders[n], "nps", score, comment={1: "Quick and friendly", 5: "Slow"}.get(n, ""))
    answer(orders[7], "nps", 9, at=utc(2026, 10, 31, 23, 30))
    # Outside: 23:30 on 31 October and 00:30 on 1 December in Berlin.
    answer(orders[8], "nps", 0, at=utc(2026, 10, 31, 22, 30), comment="October")
    answer(orders[9], "nps", 0, at=utc(2026, 11, 30, 23, 30))
    # CSAT: 5, 4, 4, 3, 1, 5 -> 4 of 6 are 4 or 5: 66.7 %.
    for n, score in zip(range(1, 7), [5, 4, 4, 3, 1, 5], strict=True):
        answer(orders[n], "csat", score, comment="Great" if n == 2 else "")

    # Survey requests sent in November: orders 1-7, 10 and 11 (9); answered: 1-7 -> 77.8 %.
    for n in [1, 2, 3, 4, 5, 6, 7, 10, 11]:
        survey_request(orders[n], state=MessageState.DELIVERED if n == 2 else MessageState.SENT)
    survey_request(orders[12], state=MessageState.BOUNCED)  # never reached anyone
    survey_request(orders[13], state=MessageState.SCHEDULED)  # not sent yet
    survey_request(orders[8], sent_at=EARLY_OCTOBER)  # answered, but sent in October

    cap = Product.objects.get(store=berlin, sku="CAP-1")  # the orders made it
    # Published in November: 5, 5, 4, 1, 3 -> 5 reviews, average 3.6; 3 verified, 1 imported
    # (received in 2025: it counts as published in November, not as received).
    review(berlin, cap, 5, verified=True)
    review(berlin, cap, 5, verified=True)
    review(berlin, cap, 4, hold_reasons="a link", verified=True)  # approved by staff
    review(berlin, cap, 1)
    review(berlin, cap, 3, source="import", external_id="judgeme:1", created=utc(2025, 5, 1))
    review(berlin, cap, 1, created=EARLY_OCTOBER, published=EARLY_OCTOBER)  # October
    # Received in November and held: one rejected for profanity, two waiting.
    review(berlin, cap, 2, status=ReviewStatus.REJECTED, hold_reasons="profanity")
    review(berlin, cap, 5, status=ReviewStatus.PENDING, hold_reasons="an email address, a phone number")
    review(berlin, cap, 4, status=ReviewStatus.PENDING, hold_reasons="profanity")
    # Waiting since October: in the queue, not in November's moderation.
    review(berlin, cap, 3, status=ReviewStatus.PENDING, hold_reasons="a link", created=EARLY_OCTOBER)
    reported = Review.objects.get(rating=1, published_at=MID)
    AbuseReport.objects.create(review=reported, reporter="a" * 64)
    AbuseReport.objects.create(review=reported, reporter="b" * 64)

    globex = StoreFactory(slug="globex", name="Globex")
    theirs = place_order(globex, number="#G1", email="wile@globex.example")
    answer(theirs, "nps", 0, comment="Globex")
    survey_request(theirs)
    their_cap = Product.objects.get(store=globex, sku="CAP-1")
    review(globex, their_cap, 1)
    review(globex, their_cap, 1, status=ReviewStatus.PENDING, hold_reasons="profanity")
    return orders


def test_the_survey_numbers_match_the_answers_counted_by_hand(berlin, feedback):
    s = feedback_report(store=berlin, **NOVEMBER).surveys

    assert (s.nps_answers, s.promoters, s.passives, s.detractors, s.nps) == (7, 4, 1, 2, 29)
    assert s.nps_distribution == {0: 0, 1: 0, 2: 1, 3: 0, 4: 0, 5: 0, 6: 1, 7: 0, 8: 1, 9: 2, 10: 2}
    assert (s.csat_answers, s.satisfied, s.csat) == (6, 4, Decimal("66.7"))
    assert s.csat_distribution == {1: 1, 2: 0, 3: 1, 4: 2, 5: 2}
    assert (s.requests_sent, s.requests_answered, s.response_rate) == (9, 7, Decimal("77.8"))
    assert s.with_comment == 3


def test_the_comments_are_the_periods_newest_first(berlin, feedback):
    comments = feedback_report(store=berlin, **NOVEMBER).comments

    assert [(c.order_number, c.survey, c.score, c.comment) for c in comments] == [
        ("#2", "csat", 4, "Great"),
        ("#5", "nps", 6, "Slow"),
        ("#1", "nps", 10, "Quick and friendly"),
    ]
    assert all(isinstance(c, Comment) for c in comments)


def test_months_are_cut_in_the_stores_zone(berlin, feedback):
    months = feedback_report(store=berlin, first=date(2026, 10, 1), last=date(2026, 11, 30)).months

    assert months == [
        MonthStats(month=date(2026, 10, 1), nps_answers=1, nps=-100, csat_answers=0, csat=None),
        MonthStats(month=date(2026, 11, 1), nps_answers=7, nps=29, csat_answers=6, csat=Decimal("66.7")),
    ]


def test_the_review_numbers_match_the_published_reviews_counted_by_hand(berlin, feedback):
    r = feedback_report(store=berlin, **NOVEMBER).reviews

    assert (r.count, r.average, r.verified, r.imported) == (5, Decimal("3.60"), 3, 1)
    assert r.distribution == {1: 1, 2: 0, 3: 1, 4: 1, 5: 2}


def test_moderation_counts_what_happened_to_the_reviews_received_by_reason(berlin, feedback):
    report = feedback_report(store=berlin, **NOVEMBER)

    assert report.moderation == [
        ModerationRow(reason="all", received=7, published=4, rejected=1, waiting=2),
        ModerationRow(reason="no reason", received=3, published=3, rejected=0, waiting=0),
        ModerationRow(reason="profanity", received=2, published=0, rejected=1, waiting=1),
        ModerationRow(reason="an email address", received=1, published=0, rejected=0, waiting=1),
        ModerationRow(reason="a phone number", received=1, published=0, rejected=0, waiting=1),
        ModerationRow(reason="a link", received=1, published=1, rejected=0, waiting=0),
    ]
    assert (report.queue.waiting, report.queue.oldest, report.queue.reported) == (3, EARLY_OCTOBER, 1)


def test_an_empty_period_shows_no_rates_rather_than_zero(berlin, feedback):
    report = feedback_report(store=berlin, first=date(2026, 1, 1), last=date(2026, 1, 31))

    assert (report.surveys.nps, report.surveys.csat, report.surveys.response_rate) == (None, None, None)
    assert (report.reviews.count, report.reviews.average) == (0, None)


def test_the_report_costs_the_same_queries_however_much_feedback_there_is(berlin, feedback):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            feedback_report(store=berlin, **NOVEMBER)
        return len(captured)

    before = queries()
    cap = Product.objects.get(store=berlin, sku="CAP-1")
    for n in range(20):
        review(berlin, cap, n % 5 + 1)
        answer(place_order(berlin, number=f"#X{n}", email=f"x{n}@example.com"), "nps", n % 11, comment="more")

    assert queries() == before


@pytest.fixture
def acme_staff(berlin):
    user = UserFactory(username="acme-staff", stores=[berlin])
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="feedback"))
    return user


REPORT = "/admin/feedback/review/report/"


def test_staff_read_their_stores_report_as_tables_with_headers(client, berlin, feedback, acme_staff):
    client.force_login(acme_staff)

    page = client.get(REPORT, {"store": berlin.pk, "first": "2026-11-01", "last": "2026-11-30"})

    html = page.content.decode()
    assert page.status_code == 200
    assert page.context["report"].surveys.nps == 29
    assert '<th scope="row">NPS</th><td>29</td>' in html
    assert '<th scope="row">CSAT</th><td>66.7 %</td>' in html
    assert '<th scope="row">Response rate</th><td>77.8 %</td>' in html
    assert '<th scope="row">Average rating</th><td>3.60 out of 5</td>' in html
    assert html.count("<caption>") >= 5
    assert "globex" not in html.lower()


def test_without_a_choice_the_report_shows_the_users_store_for_the_last_30_days(client, berlin, acme_staff):
    client.force_login(acme_staff)

    report = client.get(REPORT).context["report"]

    assert report.period.store == berlin
    assert (report.period.last - report.period.first).days == 29


def test_another_stores_report_is_not_a_choice(client, berlin, feedback, acme_staff):
    globex = StoreFactory(slug="globex")  # made by the fixture; get_or_create by slug
    client.force_login(acme_staff)

    page = client.get(REPORT, {"store": globex.pk, "first": "2026-11-01", "last": "2026-11-30"})

    assert page.context["report"] is None
    assert "globex" not in page.content.decode().lower()


def test_the_review_list_links_to_the_report(client, berlin, acme_staff):
    client.force_login(acme_staff)

    assert REPORT in client.get("/admin/feedback/review/").content.decode()
