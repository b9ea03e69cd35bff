"""A reward's code that expires unused gives its points back, once; the customer gets the code by
email, and an optional nudge when an order's points become available. Every loyalty email
carries the member's signed page."""

import re
from datetime import timedelta
from decimal import Decimal

import time_machine
from django.core import mail

from loyalty.kinds import AVAILABLE_MESSAGE, REWARD_MESSAGE
from loyalty.links import member_token
from loyalty.models import EntryKind, PointsEntry
from loyalty.programme import programme_for
from loyalty.services import reward_redeem
from loyalty.tasks import loyalty_expiry_task
from notifications.models import Message
from notifications.registry import kind_data
from orders.inputs import DiscountUse
from orders.models import DiscountRedemption
from tests.loyalty.factories import account, delivered_order, member_with, window_closed
from tests.orders.factories import place_order


def test_an_unused_reward_that_expires_gives_its_points_back_once(store):
    customer = member_with(store, 1200)
    code = reward_redeem(customer=customer, reward=programme_for(store).rewards.get())
    assert account(customer).available == 700

    with time_machine.travel(code.expires_at + timedelta(hours=1), tick=False):
        loyalty_expiry_task()
        loyalty_expiry_task()

    assert account(customer).available == 1200
    entry = PointsEntry.objects.get(key=f"reward-expired:{code.pk}")
    assert (entry.kind, entry.points, entry.source_ref) == (EntryKind.ADJUST, 500, code.code)
    assert "expired unused" in entry.reason


def test_a_reward_used_on_an_order_is_not_refunded(store):
    customer = member_with(store, 1200)
    code = reward_redeem(customer=customer, reward=programme_for(store).rewards.get())
    place_order(store, number="#1002", discount_codes=[DiscountUse(code=code.code, amount=Decimal("5.00"))])
    assert DiscountRedemption.objects.filter(discount_code=code).exists()

    with time_machine.travel(code.expires_at + timedelta(days=1), tick=False):
        loyalty_expiry_task()

    assert not PointsEntry.objects.filter(key=f"reward-expired:{code.pk}").exists()


def test_no_refund_where_the_programme_says_so(store):
    programme = programme_for(store)
    programme.refund_expired_rewards = False
    programme.save()
    customer = member_with(store, 1200)
    code = reward_redeem(customer=customer, reward=programme.rewards.get())

    with time_machine.travel(code.expires_at + timedelta(days=1), tick=False):
        loyalty_expiry_task()

    assert account(customer).available == 700


def test_the_reward_code_is_emailed_with_the_balance_and_the_members_link(store, django_capture_on_commit_callbacks):
    customer = member_with(store, 1200)

    with django_capture_on_commit_callbacks(execute=True):
        code = reward_redeem(customer=customer, reward=programme_for(store).rewards.get())

    message = Message.objects.get(kind=REWARD_MESSAGE)
    assert (message.customer_id, message.order_id, message.transactional) == (customer.pk, None, True)
    email = next(m for m in mail.outbox if code.code in m.subject)
    assert "Points left: 700." in email.body
    assert f"/loyalty/{member_token(customer)}/" in email.body


def test_points_becoming_available_send_an_optional_nudge_once(store):
    order = delivered_order(store)

    window_closed(order)
    window_closed(order)

    message = Message.objects.get(kind=AVAILABLE_MESSAGE)
    assert (message.customer_id, message.transactional, message.data["points"]) == (order.customer_id, False, 349)


def test_the_tier_message_carries_the_members_link(store):
    place_order(store)
    order = place_order(store, number="#1002", line_items=[], total=Decimal("1000.00"))
    message = Message.objects.filter(kind="loyalty_tier_changed").first()

    assert message is not None
    assert message.data["member"] == order.customer_id
    assert re.search(r"/loyalty/[^/]+/$", kind_data(message.kind, message.data, "en")["loyalty_url"])
