from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail

from notifications import kinds
from notifications.flows import messaging_for
from notifications.models import Flow, Message, MessageState
from notifications.services import messages_dispatch_due, messages_schedule
from orders import services
from orders.inputs import DiscountUse, LineItemInput
from orders.models import DiscountCode, DomainEvent, Product
from tests.orders.factories import AGREED_TO_EMAIL, place_order

pytestmark = pytest.mark.django_db
DELIVERED_AT = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def delivered_order(store, deliver):
    # Only notifications' own follow-ups: other apps' optional kinds (feedback's review request and
    # survey) would share the frequency cap and the outbox; they have their own tests.
    messaging_for(store)
    Flow.objects.filter(store=store).exclude(kind__in=[k.name for k in kinds.KINDS]).update(enabled=False)
    with time_machine.travel(DELIVERED_AT, tick=False):
        place_order(
            store,
            number="#0",
            external_id="0",
            line_items=[  # history for recommendations
                LineItemInput(sku="TEE-1", title="Linen tee", quantity=1, unit_price=Decimal("25")),
                LineItemInput(sku="SOCK-1", title="Alpaca socks", quantity=1, unit_price=Decimal("12")),
            ],
        )
        order = deliver(
            place_order,
            store,
            number="#1",
            external_id="1",
            marketing_consent=AGREED_TO_EMAIL,
            line_items=[
                LineItemInput(sku="TEE-1", title="Linen tee", quantity=1, unit_price=Decimal("25")),
            ],
        )
        Product.objects.filter(sku="TEE-1").update(care_instructions="Wash at 30°C inside out.")
        shipment, _ = deliver(services.shipment_upsert, order=order, carrier="dhl", tracking_number="JD1")
        deliver(services.tracking_event_add, shipment=shipment, occurred_at=DELIVERED_AT, status="delivered")
    mail.outbox = []
    return order


def sent_after(days):
    with time_machine.travel(DELIVERED_AT + timedelta(days=days), tick=False):
        messages_dispatch_due()
    return [m.subject for m in mail.outbox]


def test_delivery_schedules_thank_you_recommendations_and_coupon_as_optional_messages(delivered_order):
    followups = Message.objects.filter(order=delivered_order, transactional=False)

    assert sorted(m.kind for m in followups) == ["coupon", "recommendations", "thank_you"]
    assert {m.state for m in followups} == {MessageState.SCHEDULED}


def test_the_thank_you_carries_the_care_instructions_of_what_was_bought(delivered_order):
    assert sent_after(1) == []

    sent_after(2)

    assert len(mail.outbox) == 1
    assert "Wash at 30°C inside out." in mail.outbox[0].body


def test_recommendations_suggest_what_others_bought_with_it_never_the_same_item(delivered_order):
    sent_after(2)
    mail.outbox = []

    sent_after(10)

    body = mail.outbox[0].body
    assert "Alpaca socks" in body
    assert "Linen tee" not in body.split("these too")[1]


def test_the_coupon_has_a_unique_code_that_stays_the_same_on_retry(delivered_order, store, deliver):
    coupon = Message.objects.get(order=delivered_order, kind=kinds.COUPON)

    sent_after(2)
    sent_after(10)
    sent_after(21)

    code = coupon.data["coupon_code"]
    assert code.startswith("THANKS-")
    assert code in mail.outbox[-1].body
    coupon.refresh_from_db()
    assert coupon.data["coupon_code"] == code


def test_the_coupon_is_an_issued_single_use_code_for_the_customer(delivered_order, store):
    coupon = Message.objects.get(order=delivered_order, kind=kinds.COUPON)

    issued = DiscountCode.objects.get(code=coupon.data["coupon_code"])

    assert (issued.store, issued.customer, issued.issued_for_order) == (
        store,
        delivered_order.customer,
        delivered_order,
    )
    assert (issued.purpose, issued.value_type, issued.percent, issued.usage_limit) == ("coupon", "percent", 10, 1)


def test_a_replayed_delivery_issues_no_second_coupon(delivered_order):
    services.order_status_advance(order=delivered_order, status="delivered")  # already there: nothing
    event = DomainEvent.objects.get(kind="order.status_changed", order=delivered_order, data__to="delivered")

    assert messages_schedule(trigger="order_delivered", event=event) == 0

    assert DiscountCode.objects.count() == 1


def test_the_coupon_used_on_the_next_order_is_recorded_as_redeemed(delivered_order, store):
    code = Message.objects.get(order=delivered_order, kind=kinds.COUPON).data["coupon_code"]

    place_order(
        store, number="#2", external_id="2", discount_codes=[DiscountUse(code=code.lower(), amount=Decimal("2.50"))]
    )

    issued = DiscountCode.objects.get(code=code)
    assert issued.times_used == 1
    assert issued.redemptions.get().amount == Decimal("2.50")


def test_a_returned_order_gets_no_follow_ups(delivered_order):
    services.order_status_advance(order=delivered_order, status="returned")

    sent_after(30)

    assert mail.outbox == []
    assert set(Message.objects.filter(transactional=False).values_list("reason", flat=True)) == {
        "the order was returned"
    }
