"""The rules that span the apps, driven end to end through each app's own services and the outbox.

Each app keeps its own rule; these tests check that they add up for one customer: one frequency cap
over every app's optional messages, no review or survey request while a return or a delivery
problem is open, apology points when a promise is missed, and the VIP tier's longer return window.
"""

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from loyalty.models import EntryKind, PointsEntry
from loyalty.programme import programme_for
from notifications import registry
from notifications.models import Flow, Message, MessageState
from notifications.services import messages_dispatch_due
from orders import services
from orders.inputs import LineItemInput
from orders.models import Customer, DomainEvent, ShipmentStatus
from returns.claims.services import claim_approve
from returns.services import return_approve, return_receive, return_resolve, returns_close_windows
from tests.feedback.conftest import DELIVERED_AT, LINES, at, dispatch_on
from tests.orders.factories import AGREED_TO_EMAIL, place_order
from tests.returns.claim_helpers import report
from tests.returns.factories import delivered_order as delivered_long_ago
from tests.returns.factories import policy, request_return
from tracking import links
from tracking.services import shipments_check_delays

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def optional_emails_sent() -> list[Message]:
    return list(Message.objects.filter(transactional=False, state=MessageState.SENT).order_by("sent_at", "id"))


def test_one_frequency_cap_spans_the_optional_messages_of_every_app(shipped_order, deliver):
    """notifications' thank-you and coupon, feedback's survey and review requests, loyalty's points
    message: one customer gets at most one optional message a day and five in 30 days, whichever app
    sends."""
    store = shipped_order.store
    # The merchant puts feedback's survey on the same day as notifications' thank-you.
    thank_you = Flow.objects.get(store=store, kind="thank_you")
    Flow.objects.filter(store=store, kind="survey_request").update(delay_minutes=thank_you.delay_minutes)
    # A 14-day window: loyalty's "your points are available" falls due inside the same 30 days.
    policy(store, window_days=14)
    at(
        0,
        deliver,
        services.tracking_event_add,
        shipment=shipped_order.shipments.get(),
        occurred_at=DELIVERED_AT,
        status="delivered",
    )

    dispatch_on(14)
    at(14.5, returns_close_windows)
    dispatch_on(45)

    sent = optional_emails_sent()
    assert {registry.kind(m.kind).app for m in sent} == {"notifications", "feedback"}
    gaps = [later.sent_at - earlier.sent_at for earlier, later in itertools.pairwise(sent)]
    assert min(gaps) >= DAY  # never two optional messages within 24 hours, across apps
    survey = Message.objects.get(kind="survey_request")
    assert survey.sent_at - Message.objects.get(kind="thank_you").sent_at == DAY
    assert survey.reason == "frequency cap: 1 optional message(s) per 24 hours"
    # Five optional messages from two apps inside 30 days: loyalty's and the sixth of notifications'
    # own are dropped, whichever app asks.
    for kind in ("loyalty_points_available", "coupon"):
        capped = Message.objects.get(kind=kind)
        assert capped.state == MessageState.SUPPRESSED
        assert capped.reason == "frequency cap: 5 optional messages in 30 days"


def test_review_and_survey_requests_wait_while_a_return_then_a_claim_is_open(delivered_order, deliver):
    """The survey (day 3) and the review request (day 7) wait while a return is open; the reminder
    waits while a delivery problem is open; each goes out once nothing is open."""
    rma = at(1, deliver, request_return, delivered_order, (0, 1), resolution="store_credit")

    dispatch_on(8)
    waiting = Message.objects.filter(kind__in=["survey_request", "review_request"])
    assert {m.state for m in waiting} == {MessageState.SCHEDULED}
    assert {m.reason for m in waiting} == {"waits: a return is open"}

    at(8, deliver, return_approve, return_id=rma.pk, actor="owner")
    at(8, deliver, return_receive, return_id=rma.pk, actor="owner")
    at(8, deliver, return_resolve, return_id=rma.pk, actor="owner")
    dispatch_on(11)
    assert {m.state for m in waiting.all()} == {MessageState.SENT}

    # A claim on the cap (not the returned tee) opens on day 12: the reminder (day 14) waits for it.
    claim = at(12, deliver, report, delivered_order, (1, 1), resolution="store_credit")
    dispatch_on(16)
    reminder = Message.objects.get(kind="review_reminder")
    assert reminder.state == MessageState.SCHEDULED
    at(16, deliver, claim_approve, claim_id=claim.pk, actor="owner")
    dispatch_on(19)
    reminder.refresh_from_db()
    assert reminder.state == MessageState.SENT
    assert reminder.sent_at >= DELIVERED_AT + 16 * DAY  # after the claim was resolved, not before


def test_a_missed_delivery_promise_apologises_with_points_and_a_message(store, deliver):
    """tracking sees the promised day pass, notifications tells the customer, loyalty gives the
    apology points, once for the episode however often the check runs."""
    programme = programme_for(store)
    programme.apology_points = 150
    programme.save()
    monday = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(monday, tick=False) as clock:
        order = deliver(place_order, store, marketing_consent=AGREED_TO_EMAIL)
        shipment, _ = deliver(
            services.shipment_upsert,
            order=order,
            carrier="dhl",
            tracking_number="JD1",
            estimated_delivery=date(2026, 11, 4),
        )
        for n in (0, 1, 2):
            deliver(
                services.tracking_event_add,
                shipment=shipment,
                occurred_at=monday + n * DAY,
                status=ShipmentStatus.IN_TRANSIT,
            )
        # Thursday: the promised Wednesday has passed; the beat's check runs again and again.
        for hours in (1, 2, 3):
            clock.move_to(monday + 3 * DAY + timedelta(hours=hours))
            deliver(shipments_check_delays)
            messages_dispatch_due()

    shipment.refresh_from_db()
    assert shipment.delayed
    [apology] = PointsEntry.objects.filter(kind=EntryKind.APOLOGY)
    assert apology.points == 150
    [notice] = Message.objects.filter(order=order, kind="delayed", channel="email")
    assert notice.state == MessageState.SENT
    kinds = list(DomainEvent.objects.filter(order=order).values_list("kind", flat=True))
    assert kinds.count("shipment.delayed") == 1
    assert any(k.startswith("message.") for k in kinds)


def test_the_vip_tier_keeps_the_return_window_open_longer(client, store):
    """loyalty tags a Gold customer; returns, which reads only the tag, keeps their window open."""
    policy(store, window_days=30, tags={"tier:gold": 60})
    coat = [LineItemInput(sku="COAT", title="Coat", quantity=2, unit_price=Decimal("1600.00"))]
    vip = delivered_long_ago(store, delivered_days_ago=45, line_items=coat)
    regular = delivered_long_ago(store, delivered_days_ago=45, number="#2001", email="bob@example.com")

    vip_page = client.get(f"/returns/{links.order_token(vip)}/").content.decode()
    regular_page = client.get(f"/returns/{links.order_token(regular)}/").content.decode()

    assert Customer.objects.get(pk=vip.customer_id).tags == ["tier:gold"]
    assert "The return window closed" not in vip_page
    assert "The return window closed" in regular_page


def test_a_late_parcel_once_delivered_is_not_delayed_and_holds_no_follow_up(store, deliver, client):
    """tracking clears the delay with the delivery itself, not at its next check: the page stops
    saying "Delayed" and feedback's review request goes out on its day, though no check ran since."""
    with time_machine.travel(DELIVERED_AT - 5 * DAY, tick=False) as clock:
        order = deliver(place_order, store, number="#1001", marketing_consent=AGREED_TO_EMAIL, line_items=LINES)
        shipment, _ = deliver(
            services.shipment_upsert,
            order=order,
            carrier="dhl",
            tracking_number="JD1",
            estimated_delivery=(DELIVERED_AT - 3 * DAY).date(),
        )
        deliver(services.tracking_event_add, shipment=shipment, occurred_at=DELIVERED_AT - 5 * DAY, status="in_transit")
        clock.move_to(DELIVERED_AT - DAY)  # the promised day has passed without a scan
        deliver(shipments_check_delays)
    shipment.refresh_from_db()
    assert shipment.delayed

    at(0, deliver, services.tracking_event_add, shipment=shipment, occurred_at=DELIVERED_AT, status="delivered")

    shipment.refresh_from_db()
    assert (shipment.delayed, shipment.delay_reason) == (False, "")
    body = client.get(links.page_path(links.order_token(order))).content.decode()
    assert 'id="delay-heading"' not in body
    assert "Delayed" not in body
    assert "How is your order #1001? Tell others" in dispatch_on(7)
    assert not Message.objects.filter(order=order, reason__contains="delayed").exists()
