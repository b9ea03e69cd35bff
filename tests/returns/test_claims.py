"""Reporting a problem with a delivery: a claim (CLM-…) priced and decided by the returns policy,
resolved by reship, refund or store credit, once per item, never more than was paid."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from notifications.models import Message
from orders import services
from orders.events import describe
from orders.models import DiscountCode, DomainEvent, Shipment, ShipmentStatus
from postpurchase.exceptions import DomainError
from returns.claims import messages
from returns.claims.services import claim_approve
from returns.models import ReturnStatus
from returns.services import return_reject
from tests.orders.factories import place_order
from tests.returns.claim_helpers import jpeg, report
from tests.returns.factories import delivered_order, line, policy
from tracking import links

pytestmark = pytest.mark.django_db


def test_not_received_is_refused_before_the_carrier_says_delivered_and_before_the_promised_day(store):
    order = delivered_order(store, delivered_days_ago=None, shipped_days_ago=1)
    shipment = order.shipments.get()
    Shipment.objects.filter(pk=shipment.pk).update(promised_delivery_to=timezone.localdate() + timedelta(days=2))

    with pytest.raises(DomainError, match="Not received"):
        report(order, (0, 1), problem="not_received", resolution="reship")


def test_not_received_is_accepted_once_the_promised_day_has_passed(store):
    order = delivered_order(store, delivered_days_ago=None, shipped_days_ago=6)
    Shipment.objects.filter(order=order).update(promised_delivery_to=timezone.localdate() - timedelta(days=2))

    claim = report(order, (0, 2), problem="not_received", resolution="reship")

    assert claim.number.startswith("CLM-")
    assert claim.status == ReturnStatus.REQUESTED


def test_not_received_is_accepted_when_the_carrier_says_delivered(store):
    order = delivered_order(store)

    claim = report(order, (1, 1), problem="not_received", resolution="refund")

    assert (claim.kind, claim.problem, claim.items_amount) == ("claim", "not_received", Decimal("19.90"))


def test_a_second_claim_for_the_same_item_is_refused(store):
    order = delivered_order(store)
    report(order, (0, 1))

    with pytest.raises(DomainError, match="already reported"):
        report(order, (0, 1), problem="wrong_item")


def test_a_rejected_claim_lets_the_item_be_reported_again(store):
    order = delivered_order(store)
    first = report(order, (0, 1))
    return_reject(return_id=first.pk, actor="owner", reason="No damage on the photo.")

    again = report(order, (0, 1))

    assert again.number != first.number


def test_a_damaged_item_needs_a_photo(store):
    order = delivered_order(store)

    with pytest.raises(DomainError, match="photo"):
        report(order, (0, 1), photos=0)


def test_a_final_sale_item_can_still_be_reported_damaged(store):
    order = delivered_order(store)
    product = line(order, 1).product
    product.final_sale = True
    product.save()

    claim = report(order, (1, 1))

    assert claim.items_amount == Decimal("19.90")


def test_approving_as_store_credit_issues_the_code_and_sends_exactly_one_approval(store, deliver):
    order = delivered_order(store)
    claim = deliver(report, order, (0, 1), resolution="reship")
    mail.outbox = []

    deliver(claim_approve, claim_id=claim.pk, actor="owner", resolution="store_credit")

    claim.refresh_from_db()
    code = DiscountCode.objects.get(pk=claim.credit_code_id)
    assert (claim.status, claim.refund_amount, code.amount) == ("credited", Decimal("25.00"), Decimal("25.00"))
    assert Message.objects.filter(order=order, kind=messages.CLAIM_APPROVED).count() == 1
    [email] = mail.outbox
    assert email.subject == f"Your report {claim.number} is approved"
    assert code.code in email.body
    timeline = [describe(e) for e in DomainEvent.objects.filter(order=order, kind__startswith="claim.")]
    assert f"Problem {claim.number} approved" in timeline


def test_a_claim_under_the_stores_amount_is_approved_and_reshipped_at_once(store):
    policy(store, auto_approve_below=Decimal("50.00"))
    order = delivered_order(store)

    claim = report(order, (1, 1), resolution="reship")

    claim.refresh_from_db()
    reship = claim.reship.shipment
    assert claim.status == ReturnStatus.RESHIPPED
    assert (reship.status, reship.direction, reship.order_id) == (ShipmentStatus.PENDING, "outbound", order.pk)
    assert [(i.line_item_id, i.quantity) for i in reship.items.all()] == [(line(order, 1).pk, 1)]
    assert claim.refund_amount == 0


def test_many_claims_in_a_year_go_to_review_by_hand(store):
    policy(store, auto_approve_below=Decimal("500.00"), review_after_returns=1)
    first = report(delivered_order(store, number="#1"), (1, 1), resolution="refund")

    second = report(delivered_order(store, number="#2"), (1, 1), resolution="refund")

    first.refresh_from_db()
    assert first.status == ReturnStatus.REFUNDED
    assert (second.status, second.needs_review) == (ReturnStatus.REQUESTED, True)


def test_the_report_page_takes_a_photo_and_shows_the_claim_number(client, store):
    order = delivered_order(store)
    path = f"/returns/problem/{links.order_token(order)}/"
    first, cap = line(order, 0), line(order, 1)

    response = client.post(
        path,
        {
            "problem": "damaged",
            f"quantity_{first.pk}": "1",
            f"quantity_{cap.pk}": "0",
            f"comment_{first.pk}": "Torn seam",
            f"photos_{first.pk}": jpeg(),
            "resolution": "store_credit",
        },
        follow=True,
    )

    assert response.status_code == 200
    assert "Your report number is" in response.content.decode()
    assert DomainEvent.objects.filter(order=order, kind="claim.requested").count() == 1


def test_the_report_page_refuses_a_pdf_named_like_a_photo(client, store):
    order = delivered_order(store)
    first = line(order, 0)
    fake = jpeg()
    fake.file.seek(0)
    fake.file.write(b"%PDF-1.4 not an image")
    fake.file.seek(0)

    response = client.post(
        f"/returns/problem/{links.order_token(order)}/",
        {"problem": "damaged", f"quantity_{first.pk}": "1", f"photos_{first.pk}": fake, "resolution": "refund"},
    )

    assert response.status_code == 400
    assert not DomainEvent.objects.filter(kind="claim.requested").exists()


def test_the_delivered_message_links_to_the_report_page(client, store, deliver):
    order = place_order(store, number="#1001")
    shipment, _ = deliver(services.shipment_upsert, order=order, carrier="dhl", tracking_number="JD1")
    mail.outbox = []

    deliver(services.tracking_event_add, shipment=shipment, occurred_at=timezone.now(), status="delivered")

    [email] = [m for m in mail.outbox if "/returns/problem/" in m.body]
    link = re.search(r"http\S+/returns/problem/\S+/", email.body).group(0)
    page = client.get(link.removeprefix("http://127.0.0.1:8000"))
    assert "Report a problem with order #1001" in page.content.decode()
