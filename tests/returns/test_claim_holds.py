"""While a claim is open, optional (marketing) messages to that customer wait; they go on once
the claim is decided."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import transaction

from notifications.models import Message, MessageState
from notifications.services import message_schedule_for_customer, messages_dispatch_due
from returns.claims.services import claim_approve
from tests.orders.factories import AGREED_TO_EMAIL
from tests.returns.claim_helpers import report
from tests.returns.factories import delivered_order

pytestmark = pytest.mark.django_db
AFTERNOON = datetime(2026, 6, 10, 14, 0, tzinfo=UTC)


def _birthday_message(order) -> Message:
    with transaction.atomic():
        message_schedule_for_customer(
            store=order.store, kind="loyalty_birthday", customer=order.customer, key="bday:2026", data={"points": 200}
        )
    return Message.objects.get(kind="loyalty_birthday")


def test_a_marketing_message_waits_while_a_claim_is_open_and_goes_after_it_is_decided(store):
    store.timezone = "UTC"
    store.save()
    with time_machine.travel(AFTERNOON, tick=False) as clock:
        order = delivered_order(store, marketing_consent=AGREED_TO_EMAIL)
        claim = report(order, (0, 1))
        message = _birthday_message(order)

        messages_dispatch_due()
        message.refresh_from_db()
        assert (message.state, message.reason) == (MessageState.SCHEDULED, "waits: a problem report is open")

        claim_approve(claim_id=claim.pk, actor="owner")
        clock.move_to(AFTERNOON + timedelta(hours=7))
        messages_dispatch_due()

    message.refresh_from_db()
    assert message.state == MessageState.SENT
