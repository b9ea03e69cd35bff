from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from notifications import kinds
from notifications.channels import sms
from notifications.models import Message, MessageState
from notifications.services import messages_claim, messages_dispatch_due
from orders import services
from orders.inputs import LineItemInput
from orders.models import DomainEvent, OrderSource
from tests.notifications.factories import opt_in_sms
from tests.orders.factories import AGREED_TO_EMAIL, place_order

pytestmark = pytest.mark.django_db


def kinds_sent():
    return sorted(m.kind for m in Message.objects.filter(state=MessageState.SENT))


def checkpoint(shipment, status, at):
    return services.tracking_event_add(shipment=shipment, occurred_at=at, status=status, message=status)


def test_placing_an_order_sends_exactly_one_complete_confirmation_email(store, deliver):
    store.support_email = "help@acme.example"
    store.save()

    order = deliver(
        place_order,
        store,
        number="#1042",
        shipping_total=Decimal("4.90"),
        line_items=[
            LineItemInput(sku="TEE-1", title="Linen tee", quantity=2, unit_price=Decimal("25.00")),
            LineItemInput(sku="CAP-1", title="Wool cap", quantity=1, unit_price=Decimal("19.90")),
        ],
    )

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["ada.lovelace@example.com"]
    assert "#1042" in email.subject
    assert "Acme Outfitters" in email.from_email
    assert email.reply_to == ["help@acme.example"]
    for text in (email.body, email.alternatives[0][0]):
        assert "Linen tee" in text
        assert "Wool cap" in text
        assert "€50.00" in text  # 2 x 25.00
        assert "€74.80" in text  # total with shipping
        assert "1 Analytical St" in text
        assert "London" in text
        assert "Estimated delivery" in text
    assert Message.objects.get(order=order).state == MessageState.SENT
    assert DomainEvent.objects.filter(order=order, kind="message.sent").count() == 1


def test_the_same_order_sent_again_is_not_confirmed_again(store, deliver):
    deliver(place_order, store)

    deliver(place_order, store)

    assert len(mail.outbox) == 1


def test_imported_orders_are_never_messaged(store, deliver):
    deliver(place_order, store, source=OrderSource.IMPORT)

    assert Message.objects.count() == 0
    assert mail.outbox == []


def test_each_shipment_update_is_sent_once_even_when_repeated(store, deliver):
    order = deliver(place_order, store)
    shipment, _ = deliver(services.shipment_upsert, order=order, carrier="dhl", tracking_number="JD1")
    now = timezone.now()

    deliver(checkpoint, shipment, "out_for_delivery", now)
    deliver(checkpoint, shipment, "out_for_delivery", now)
    deliver(services.shipment_upsert, order=order, carrier="dhl", tracking_number="JD1")
    deliver(checkpoint, shipment, "delivered", now + timedelta(hours=3))
    deliver(checkpoint, shipment, "delivered", now + timedelta(hours=3))

    assert kinds_sent() == ["delivered", "order_confirmation", "out_for_delivery", "shipped"]
    assert len(mail.outbox) == 4


def test_when_updates_arrive_together_only_the_latest_is_sent(store, deliver):
    order = deliver(place_order, store)
    now = timezone.now()

    shipment, _ = services.shipment_upsert(order=order, carrier="dhl", tracking_number="JD1")
    checkpoint(shipment, "out_for_delivery", now)
    checkpoint(shipment, "delivered", now + timedelta(hours=2))
    messages_dispatch_due()

    assert kinds_sent() == ["delivered", "order_confirmation"]
    cancelled = Message.objects.filter(state=MessageState.CANCELLED)
    assert {m.kind for m in cancelled} == {"shipped", "out_for_delivery"}
    assert all("delivered" in m.reason for m in cancelled)


def test_out_for_delivery_arriving_after_delivered_sends_nothing(store, deliver):
    order = deliver(place_order, store)
    shipment, _ = services.shipment_upsert(order=order, carrier="dhl", tracking_number="JD1")
    now = timezone.now()

    deliver(checkpoint, shipment, "delivered", now)
    deliver(checkpoint, shipment, "out_for_delivery", now - timedelta(hours=4))

    assert "out_for_delivery" not in kinds_sent()
    assert not Message.objects.filter(kind=kinds.OUT_FOR_DELIVERY).exists()


def test_an_sms_due_at_23_in_the_recipients_zone_goes_out_at_8(store, deliver):
    store.timezone = "Europe/Berlin"
    store.save()
    with time_machine.travel(datetime(2026, 11, 23, 22, 0, tzinfo=UTC), tick=False):  # 23:00 in Berlin
        order = deliver(place_order, store, phone="+4915112345678")
        opt_in_sms(order.customer)
        deliver(services.shipment_upsert, order=order, carrier="dhl", tracking_number="JD1")

        waiting = Message.objects.get(channel="sms")
        assert sms.outbox == []
        assert waiting.state == MessageState.SCHEDULED
        assert "quiet hours" in waiting.reason
        assert waiting.send_at == datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # 08:00 in Berlin

    with time_machine.travel(datetime(2026, 11, 24, 6, 59, tzinfo=UTC), tick=False):
        messages_dispatch_due()
        assert sms.outbox == []
    with time_machine.travel(datetime(2026, 11, 24, 7, 0, tzinfo=UTC), tick=False):
        messages_dispatch_due()
    assert [o.to for o in sms.outbox] == ["+4915112345678"]
    assert "JD1" in sms.outbox[0].text


def test_sms_needs_an_explicit_opt_in(store, deliver):
    order = deliver(place_order, store, phone="+4915112345678")

    deliver(services.shipment_upsert, order=order, carrier="dhl", tracking_number="JD1")

    assert sms.outbox == []
    assert "opted in" in Message.objects.get(channel="sms").reason


def _deliver_whole_order(store, deliver, **kwargs):
    order = deliver(place_order, store, marketing_consent=AGREED_TO_EMAIL, **kwargs)
    shipment, _ = deliver(services.shipment_upsert, order=order, carrier="dhl", tracking_number=order.number)
    deliver(checkpoint, shipment, "delivered", timezone.now())
    return order


def test_the_frequency_cap_holds_across_kinds_and_transactional_messages_ignore_it(store, deliver):
    start = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        _deliver_whole_order(store, deliver, number="#1", external_id="1")
    Message.objects.filter(transactional=False).update(send_at=start)  # every follow-up due at once

    with time_machine.travel(start + timedelta(hours=1), tick=False):
        messages_dispatch_due()
        optional_sent = Message.objects.filter(transactional=False, state=MessageState.SENT)
        assert optional_sent.count() == 1
        postponed = Message.objects.filter(transactional=False, state=MessageState.SCHEDULED)
        assert all("frequency cap" in m.reason for m in postponed)
        # A second order the same hour still gets every order update.
        _deliver_whole_order(store, deliver, number="#2", external_id="2")
        second = Message.objects.filter(order__number="#2", transactional=True)
        assert {m.state for m in second} == {MessageState.SENT}

    with time_machine.travel(start + timedelta(hours=25), tick=False):
        messages_dispatch_due()
    assert Message.objects.filter(transactional=False, state=MessageState.SENT).count() == 2


def test_the_monthly_cap_suppresses_optional_messages(store, deliver):
    start = datetime(2026, 10, 1, 10, 0, tzinfo=UTC)
    for day in range(6):
        with time_machine.travel(start + timedelta(days=day * 4), tick=False):
            _deliver_whole_order(store, deliver, number=f"#{day}", external_id=str(day))
            Message.objects.filter(transactional=False, state=MessageState.SCHEDULED).update(
                send_at=start + timedelta(days=day * 4)
            )
            messages_dispatch_due()

    assert Message.objects.filter(transactional=False, state=MessageState.SENT).count() <= 5
    assert Message.objects.filter(reason__startswith="frequency cap: 5").exists()


def test_a_worker_killed_before_the_provider_call_is_retried_after_its_lease(store):
    place_order(store)
    claimed = messages_claim()  # the worker claims ... and dies
    assert len(claimed) == 1

    assert messages_dispatch_due() == 0  # the lease still holds
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        messages_dispatch_due()

    assert len(mail.outbox) == 1
    assert Message.objects.get().state == MessageState.SENT


def test_a_worker_killed_after_the_provider_call_never_sends_twice(store):
    place_order(store)
    messages_claim()
    Message.objects.update(provider_called_at=timezone.now())  # the call went out, then the worker died

    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        messages_dispatch_due()

    assert mail.outbox == []
    message = Message.objects.get()
    assert message.state == MessageState.FAILED
    assert "not resent" in message.reason


def test_messages_wait_while_the_broker_is_down_and_go_out_after(store, django_capture_on_commit_callbacks, settings):
    from postpurchase.celery import app

    saved = dict(app.conf)
    app.conf.update(task_always_eager=False, broker_url="redis://127.0.0.1:1/0")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            place_order(store)  # the nudge fails: nobody is listening on port 1
    finally:
        app.conf.update(task_always_eager=saved["task_always_eager"], broker_url=saved["broker_url"])
    assert mail.outbox == []
    assert Message.objects.get().state == MessageState.SCHEDULED

    messages_dispatch_due()  # the beat sweep, once the broker is back

    assert len(mail.outbox) == 1


def test_messages_about_a_cancelled_order_are_cancelled(store):
    order = place_order(store)
    services.order_cancel(order=order)

    messages_dispatch_due()

    assert mail.outbox == []
    assert Message.objects.get().reason == "the order was cancelled"
