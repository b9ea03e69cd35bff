"""Review requests go out N days after delivery, never before it, and wait while a return or a
delivery problem is open on the order. Driven end to end: services record the events, feedback's
subscribers schedule and project, the outbox's hold decides."""

import pytest
from django.core import mail
from django.urls import reverse

from feedback.kinds import REVIEW_REMINDER, REVIEW_REQUEST
from feedback.links import review_token
from feedback.models import FeedbackSettings, OrderProblems
from feedback.services import feedback_assume_delivered
from notifications.models import Message, MessageState
from orders import services
from orders.events import event_record
from returns.services import return_approve, return_cancel, return_receive, return_resolve
from tests.feedback.conftest import at, day, dispatch_on
from tests.returns.factories import request_return
from tracking.events import (
    SHIPMENT_DELAY_CLEARED,
    SHIPMENT_DELAYED,
    SHIPMENT_POSSIBLY_LOST,
    shipment_delay_cleared_data,
    shipment_delayed_data,
    shipment_possibly_lost_data,
)

pytestmark = pytest.mark.django_db
REQUEST_SUBJECT = "How is your order #1001? Tell others"


def review_requests(order) -> list[Message]:
    return list(Message.objects.filter(order=order, kind=REVIEW_REQUEST))


def test_no_review_request_while_the_order_is_not_delivered(shipped_order):
    for n in (7, 14, 21):
        dispatch_on(n)

    assert review_requests(shipped_order) == []
    assert not Message.objects.filter(order=shipped_order, kind="survey_request").exists()
    assert mail.outbox == []


def test_the_review_request_goes_out_seven_days_after_delivery_with_a_link_to_the_form(delivered_order, client):
    assert REQUEST_SUBJECT not in dispatch_on(6.9)

    assert REQUEST_SUBJECT in dispatch_on(7)

    sent = next(m for m in mail.outbox if m.subject == REQUEST_SUBJECT)
    link = next(w for w in sent.body.split() if "/feedback/review/" in w)
    page = client.get(link.replace("http://127.0.0.1:8000", ""))
    assert "Linen tee" in page.content.decode()
    assert "Wool cap" in page.content.decode()


def test_a_replayed_delivery_schedules_one_request_and_one_reminder(delivered_order, deliver):
    shipment = delivered_order.shipments.get()

    at(1, deliver, services.tracking_event_add, shipment=shipment, occurred_at=day(0.5), status="delivered")

    kinds = sorted(
        Message.objects.filter(order=delivered_order, kind__startswith="review").values_list("kind", flat=True)
    )
    assert kinds == [REVIEW_REMINDER, REVIEW_REQUEST]


def test_an_open_return_postpones_the_request_and_its_cancellation_lets_it_go(delivered_order, deliver):
    rr = at(5, deliver, request_return, delivered_order, (1, 1))

    assert REQUEST_SUBJECT not in dispatch_on(7)
    [request] = review_requests(delivered_order)
    assert request.state == MessageState.SCHEDULED
    assert "a return is open" in request.reason

    at(8, deliver, return_cancel, return_id=rr.pk, actor="customer")

    assert REQUEST_SUBJECT in dispatch_on(8.5)


def test_a_partial_return_lets_the_request_go_without_the_returned_item(delivered_order, deliver, client):
    rr = at(2, deliver, request_return, delivered_order, (1, 1), resolution="refund")
    at(3, deliver, return_approve, return_id=rr.pk, actor="staff")
    at(4, deliver, return_receive, return_id=rr.pk, actor="staff")
    at(4, deliver, return_resolve, return_id=rr.pk, actor="staff")

    assert REQUEST_SUBJECT in dispatch_on(7)

    sent = next(m for m in mail.outbox if m.subject == REQUEST_SUBJECT)
    link = next(w for w in sent.body.split() if "/feedback/review/" in w)
    page = client.get(link.replace("http://127.0.0.1:8000", "")).content.decode()
    assert "Linen tee" in page
    assert "Wool cap" not in page


def test_a_fully_returned_order_cancels_the_request_with_the_reason(delivered_order, deliver):
    rr = at(2, deliver, request_return, delivered_order, (0, 2), (1, 1))
    at(3, deliver, return_approve, return_id=rr.pk, actor="staff")
    at(3, deliver, return_receive, return_id=rr.pk, actor="staff")
    at(3, deliver, return_resolve, return_id=rr.pk, actor="staff")

    assert REQUEST_SUBJECT not in dispatch_on(7)

    [request] = review_requests(delivered_order)
    assert request.state == MessageState.CANCELLED
    assert request.reason == "the order was returned"


def test_a_delay_postpones_the_request_until_it_clears(delivered_order, deliver):
    shipment = delivered_order.shipments.get()

    def delayed():
        return event_record(
            kind=SHIPMENT_DELAYED,
            store=delivered_order.store,
            order=delivered_order,
            data=shipment_delayed_data(
                shipment=shipment, reason="Sorting backlog", cause="late", at=day(6), latest=None
            ),
        )

    def cleared():
        return event_record(
            kind=SHIPMENT_DELAY_CLEARED,
            store=delivered_order.store,
            order=delivered_order,
            data=shipment_delay_cleared_data(shipment=shipment, reason="Scanned again", delivered=False, at=day(9)),
        )

    at(6, deliver, delayed)
    assert REQUEST_SUBJECT not in dispatch_on(7)
    assert "a shipment is delayed" in review_requests(delivered_order)[0].reason

    at(9, deliver, cleared)

    assert REQUEST_SUBJECT in dispatch_on(9.5)


def test_a_carrier_exception_after_delivery_holds_the_request_until_the_parcel_is_delivered_again(
    delivered_order, deliver
):
    shipment = delivered_order.shipments.get()
    at(6, deliver, services.tracking_event_add, shipment=shipment, occurred_at=day(6), status="exception")

    assert REQUEST_SUBJECT not in dispatch_on(7)
    assert "carrier exception" in review_requests(delivered_order)[0].reason

    at(8, deliver, services.tracking_event_add, shipment=shipment, occurred_at=day(8), status="delivered")

    assert REQUEST_SUBJECT in dispatch_on(8.5)


def test_the_reminder_goes_out_a_week_later_unless_the_customer_wrote_a_review(
    delivered_order, client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    assert REQUEST_SUBJECT in dispatch_on(7)
    tee = delivered_order.line_items.order_by("pk").first()
    link = reverse("feedback:review-form", kwargs={"token": review_token(delivered_order.pk)})
    at(8, client.post, link, {f"item-{tee.pk}-rating": "4"})

    dispatch_on(14)

    reminder = Message.objects.get(order=delivered_order, kind=REVIEW_REMINDER)
    assert (reminder.state, reminder.reason) == (MessageState.CANCELLED, "the customer already wrote a review")


def test_without_a_review_the_reminder_goes_out_a_week_after_the_request(delivered_order):
    dispatch_on(13.9)
    assert Message.objects.get(order=delivered_order, kind=REVIEW_REMINDER).state == MessageState.SCHEDULED

    dispatch_on(14)

    assert Message.objects.get(order=delivered_order, kind=REVIEW_REMINDER).state == MessageState.SENT


def promise(order, day_promised):
    order.shipments.update(promised_delivery_from=day_promised, promised_delivery_to=day_promised)


def test_without_a_delivery_scan_nothing_is_asked_unless_the_store_assumes_delivery(shipped_order):
    promise(shipped_order, day(0).date())

    at(30, feedback_assume_delivered)
    dispatch_on(30)

    assert review_requests(shipped_order) == []


def test_a_store_that_assumes_delivery_asks_n_days_after_the_promised_date(store, shipped_order):
    FeedbackSettings.objects.update_or_create(store=store, defaults={"assume_delivered_after_days": 5})
    promise(shipped_order, day(0).date())

    assert at(4, feedback_assume_delivered) == 0
    at(5, feedback_assume_delivered)
    at(6, feedback_assume_delivered)  # a second run adds nothing

    assert len(review_requests(shipped_order)) == 1
    assert REQUEST_SUBJECT not in dispatch_on(11.9)
    assert REQUEST_SUBJECT in dispatch_on(12.1)


SURVEY_SUBJECT = "One question about your order #1001"


def test_an_open_return_holds_the_survey_too_and_it_goes_when_the_return_is_cancelled(delivered_order, deliver):
    rr = at(2, deliver, request_return, delivered_order, (1, 1))

    assert SURVEY_SUBJECT not in dispatch_on(3)
    survey = Message.objects.get(order=delivered_order, kind="survey_request")
    assert (survey.state, "a return is open" in survey.reason) == (MessageState.SCHEDULED, True)

    at(4, deliver, return_cancel, return_id=rr.pk, actor="customer")

    assert SURVEY_SUBJECT in dispatch_on(4.5)


def test_a_parcel_feared_lost_that_is_then_delivered_gets_its_request(shipped_order, deliver):
    shipment = shipped_order.shipments.get()

    def possibly_lost():
        return event_record(
            kind=SHIPMENT_POSSIBLY_LOST,
            store=shipped_order.store,
            order=shipped_order,
            data=shipment_possibly_lost_data(shipment=shipment, at=day(-1)),
        )

    at(-1, deliver, possibly_lost)
    assert OrderProblems.objects.get(order=shipped_order).lost
    at(0, deliver, services.tracking_event_add, shipment=shipment, occurred_at=day(0), status="delivered")

    assert REQUEST_SUBJECT in dispatch_on(7)
    assert OrderProblems.objects.get(order=shipped_order).lost == {}
