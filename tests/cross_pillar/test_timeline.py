"""One order's whole story: every app's events on one timeline, in time order, from `explain_order`
and on the admin order page; and the customer's own events on the admin customer page."""

from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from feedback.links import review_token
from feedback.services import survey_answer_record
from loyalty.models import EntryKind
from loyalty.programme import programme_for
from loyalty.services import bonus_give
from notifications.services import messages_dispatch_due
from orders import services
from orders.models import DomainEvent
from returns.services import return_approve, return_receive, return_resolve, returns_close_windows
from tests.feedback.conftest import LINES, at, day, dispatch_on
from tests.orders.factories import AGREED_TO_EMAIL, place_order
from tests.returns.factories import policy, request_return
from tracking.services import shipments_check_delays

pytestmark = pytest.mark.django_db
APPS = {"orders", "tracking", "notifications", "returns", "loyalty", "feedback"}


@pytest.fixture
def storied_order(store, deliver, client):
    """Placed, shipped, late (an apology), delivered, messaged, surveyed, reviewed, partly returned
    and refunded, its window closed: each step through the app's own service or page."""
    programme = programme_for(store)
    programme.apology_points = 50
    programme.save()
    policy(store, window_days=14)
    with time_machine.travel(day(-5), tick=False):
        order = deliver(place_order, store, number="#2001", marketing_consent=AGREED_TO_EMAIL, line_items=LINES)
    with time_machine.travel(day(-4), tick=False):
        shipment, _ = deliver(
            services.shipment_upsert,
            order=order,
            carrier="dhl",
            tracking_number="JD2001",
            estimated_delivery=day(-2).date(),
        )
        deliver(services.tracking_event_add, shipment=shipment, occurred_at=day(-4), status="in_transit")
    at(-1, deliver, shipments_check_delays)  # the promised day has passed
    at(-1, messages_dispatch_due)
    at(0, deliver, services.tracking_event_add, shipment=shipment, occurred_at=day(0), status="delivered")
    at(0.5, deliver, shipments_check_delays)  # the beat's next check clears the delay
    dispatch_on(3)
    at(3.5, deliver, survey_answer_record, order=order, survey="nps", score=9, comment="Quick")
    tee = order.line_items.order_by("pk").first()
    assert tee is not None
    form = reverse("feedback:review-form", kwargs={"token": review_token(order.pk)})
    at(
        4,
        client.post,
        form,
        {f"item-{tee.pk}-rating": "5", f"item-{tee.pk}-title": "Soft", f"item-{tee.pk}-body": "Fits well."},
    )
    rma = at(5, deliver, request_return, order, (0, 1), resolution="refund")
    at(5.5, deliver, return_approve, return_id=rma.pk, actor="owner")
    at(8, deliver, return_receive, return_id=rma.pk, actor="owner")
    at(8.5, deliver, return_resolve, return_id=rma.pk, actor="owner")
    at(14.5, deliver, returns_close_windows)
    return order


def explain(order) -> list[str]:
    out = StringIO()
    call_command("explain_order", order.number, "--store", order.store.slug, stdout=out)
    return out.getvalue().splitlines()


def position(lines: list[str], words: str) -> int:
    """The first line with all of `words` (separated by "…")."""
    return next(i for i, line in enumerate(lines) if all(part in line for part in words.split("…")))


def test_explain_order_tells_every_apps_part_of_the_story_in_time_order(storied_order):
    header, *lines = explain(storied_order)

    assert header.startswith("Order #2001 of acme: ")
    assert {line.split()[2] for line in lines} == APPS  # the app that recorded each line
    times = [line[:16] for line in lines]
    assert times == sorted(times)
    story = [
        "Order placed",
        "points pending",
        "Shipment created: DHL JD2001",
        "delayed",
        "50 apology points given",
        "Shipment in_transit → delivered",
        "delivered after its delay",
        "Survey NPS answered: 9",
        "Review of 5★ published",
        "returns…Return RMA-…requested",
        "returns…Return RMA-…approved",
        "points reversed",
        "Return window closed",
        "points became available",
    ]
    positions = [position(lines, words) for words in story]
    assert positions == sorted(positions)
    assert any(line.split()[2] == "notifications" and "sent" in line for line in lines)


def test_the_admin_order_page_shows_the_same_story_in_the_same_order(storied_order, admin_client):
    page = admin_client.get(reverse("admin:orders_order_change", args=[storied_order.pk])).content.decode()

    timeline = page[page.index('<ol class="timeline">') :]
    words = ["Order placed", "points pending", "apology points given", "Survey NPS answered", "approved"]
    positions = [timeline.index(w) for w in words]
    assert positions == sorted(positions)
    assert "points became available" in timeline


def test_the_customer_page_shows_the_customers_own_events_newest_first(store, deliver, admin_client):
    order = at(-5, deliver, place_order, store, number="#2002", marketing_consent=AGREED_TO_EMAIL)
    customer = order.customer
    at(1, bonus_give, customer=customer, kind=EntryKind.BONUS, points=100, key="birthday:2026", reason="Happy birthday")

    page = admin_client.get(reverse("admin:orders_customer_change", args=[customer.pk])).content.decode()

    timeline = page[page.index('<ol class="timeline">') :]
    assert "100 bonus points given (Happy birthday)" in timeline
    assert "Order placed" not in timeline  # the order's own events are on the order's page
    assert DomainEvent.objects.filter(customer=customer, order=None, kind="loyalty.points_bonus").count() == 1


def test_a_long_customer_history_shows_the_newest_events_and_says_there_are_more(store, deliver, admin_client):
    order = at(-5, deliver, place_order, store, number="#2003")
    customer = order.customer
    for n in range(22):
        at(n / 10, bonus_give, customer=customer, kind=EntryKind.BONUS, points=n + 1, key=f"b{n}", reason=f"Gift {n}")

    page = admin_client.get(reverse("admin:orders_customer_change", args=[customer.pk])).content.decode()

    timeline = page[page.index('<ol class="timeline">') :]
    assert timeline.index("(Gift 21)") < timeline.index("(Gift 2)")  # newest first
    assert "(Gift 1)" not in timeline
    assert "(Gift 0)" not in timeline
    assert "The newest 20 events are shown" in page
