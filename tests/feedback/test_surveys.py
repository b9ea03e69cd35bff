"""Surveys: sent three days after delivery with one-tap score links; a GET only shows the form
(link scanners prefetch), a POST records, a second POST changes the answer; one survey per
customer per 30 days."""

import re

import pytest
from django.core import mail

from feedback.kinds import SURVEY_REQUEST
from feedback.models import FeedbackSettings, SurveyAnswer
from notifications.models import Message, MessageState
from orders import services
from orders.models import DomainEvent
from tests.feedback.conftest import LINES, at, day, dispatch_on
from tests.orders.factories import AGREED_TO_EMAIL, place_order

pytestmark = pytest.mark.django_db
NPS_SUBJECT = "One question about your order #1001"


def score_links(subject: str = NPS_SUBJECT) -> dict[int, str]:
    sent = next(m for m in mail.outbox if m.subject == subject)
    found = re.findall(r"^(\d+): (http://\S+)$", sent.body, flags=re.MULTILINE)
    return {int(score): url.replace("http://127.0.0.1:8000", "") for score, url in found}


def test_the_survey_goes_out_three_days_after_delivery_with_a_link_per_score(delivered_order):
    assert NPS_SUBJECT not in dispatch_on(2.9)

    assert NPS_SUBJECT in dispatch_on(3)

    assert sorted(score_links()) == list(range(11))


def test_a_csat_store_asks_for_one_to_five(store, shipped_order, deliver):
    FeedbackSettings.objects.update_or_create(store=store, defaults={"survey": "csat"})
    shipment = shipped_order.shipments.get()
    at(0, deliver, services.tracking_event_add, shipment=shipment, occurred_at=day(0), status="delivered")

    dispatch_on(3)

    assert sorted(score_links()) == [1, 2, 3, 4, 5]


def test_a_get_on_a_score_link_shows_the_score_chosen_and_records_nothing(delivered_order, client):
    dispatch_on(3)

    page = client.get(score_links()[9])

    assert page.status_code == 200
    assert re.search(r'<input[^>]*value="9"[^>]*checked', page.content.decode())
    assert SurveyAnswer.objects.count() == 0
    assert not DomainEvent.objects.filter(kind="survey.answered").exists()


def test_a_post_records_the_answer_once_and_a_second_post_changes_it(delivered_order, client):
    dispatch_on(3)
    link = score_links()[9]

    client.post(link, {"score": "9", "comment": "Quick and friendly"})
    client.post(link, {"score": "6", "comment": "The cap itches"})

    [answer] = SurveyAnswer.objects.filter(order=delivered_order)
    assert (answer.survey, answer.score, answer.comment) == ("nps", 6, "The cap itches")
    timeline = DomainEvent.objects.filter(order=delivered_order, kind="survey.answered").order_by("id")
    assert [(e.data["score"], e.data["updated"]) for e in timeline] == [(9, False), (6, True)]


def test_a_score_off_the_scale_or_a_forged_link_records_nothing(delivered_order, client):
    dispatch_on(3)
    link = score_links()[9]

    off_scale = client.post(link, {"score": "11"})
    forged = client.post(link.replace("/survey/", "/survey/x"), {"score": "9"})

    assert off_scale.status_code == 400
    assert forged.status_code == 404
    assert SurveyAnswer.objects.count() == 0


def test_one_survey_per_customer_in_thirty_days(delivered_order, store, deliver):
    dispatch_on(3)
    with_second = at(
        4, deliver, place_order, store, number="#1002", marketing_consent=AGREED_TO_EMAIL, line_items=LINES
    )
    shipment, _ = at(4, deliver, services.shipment_upsert, order=with_second, carrier="dhl", tracking_number="JD2")
    at(10, deliver, services.tracking_event_add, shipment=shipment, occurred_at=day(10), status="delivered")

    dispatch_on(14)

    second = Message.objects.get(order=with_second, kind=SURVEY_REQUEST)
    assert second.state == MessageState.CANCELLED
    assert second.reason == "a survey was sent to this customer in the last 30 days"
    assert "One question about your order #1002" not in [m.subject for m in mail.outbox]


def test_the_customer_pages_run_under_the_strict_policy_without_inline_styles_or_scripts(delivered_order, client):
    from django.urls import reverse

    from feedback.links import review_token

    dispatch_on(3)
    pages = [
        client.get(score_links()[7]),
        client.get(reverse("feedback:review-form", args=[review_token(delivered_order.pk)])),
    ]

    for page in pages:
        html = page.content.decode()
        assert page.status_code == 200
        assert "style=" not in html
        assert "<script" not in html
        assert "'unsafe-inline'" not in page["Content-Security-Policy"].split("script-src")[1].split(";")[0]
