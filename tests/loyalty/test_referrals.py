"""Referrals: a valid one rewards the friend (a code for the first order) and the member (points
once that order is final), once; the member themself, existing customers and too many referrals a
month are refused, each with the reason written down."""

from decimal import Decimal

import pytest

from loyalty.models import EntryKind, PointsEntry, Referral, ReferralStatus
from loyalty.referrals import Refusal, email_normalise, referral_claim, referral_code_for
from loyalty.subscribers import on_discount_code_redeemed, on_return_window_closed
from orders.inputs import DiscountUse
from orders.models import Customer, DiscountPurpose, DomainEvent
from tests.loyalty.factories import account, delivered_order, window_closed
from tests.orders.factories import place_order

BOB = {"number": "#2001", "email": "bob@example.com", "first_name": "Bob", "phone": "+441234000002"}
BOB_ADDRESS = {"name": "Bob", "line1": "9 Difference Rd", "city": "Leeds", "country": "GB"}


@pytest.fixture
def ada(store) -> Customer:
    order = place_order(store, phone="+44 1234 000001")
    Customer.objects.filter(pk=order.customer_id).update(phone="+441234000001")
    return Customer.objects.get(pk=order.customer_id)


def claim(store, ada, email="bob@example.com", phone=""):
    return referral_claim(store=store, code=referral_code_for(ada).code, email=email, phone=phone)


def test_a_valid_referral_rewards_the_friend_and_then_the_member_once(store, ada):
    referral = claim(store, ada)
    assert referral.status == ReferralStatus.ISSUED
    code = referral.discount_code
    assert (code.purpose, code.amount, code.code[:7]) == (DiscountPurpose.REFERRAL, Decimal("10.00"), "FRIEND-")

    order = delivered_order(
        store, **BOB, shipping_address=BOB_ADDRESS, discount_codes=[DiscountUse(code=code.code, amount=Decimal("10"))]
    )
    referral.refresh_from_db()
    assert (referral.status, referral.order_id) == (ReferralStatus.ORDERED, order.pk)
    assert account(ada).available == 0  # nothing for the member until the friend's order is final

    window_closed(order)
    for event in DomainEvent.objects.filter(order=order):  # replays change nothing
        on_discount_code_redeemed(event)
        on_return_window_closed(event)

    referral.refresh_from_db()
    assert referral.status == ReferralStatus.REWARDED
    assert PointsEntry.objects.filter(kind=EntryKind.REFERRAL).count() == 1
    assert account(ada).available == 500


@pytest.mark.parametrize(
    ("email", "phone", "reason"),
    [
        ("ADA.LOVELACE+friend@example.com", "", Refusal.SELF_EMAIL),
        ("bob@example.com", "+44 1234 000001", Refusal.SELF_PHONE),
    ],
)
def test_the_member_cannot_refer_themself(store, ada, email, phone, reason):
    referral = claim(store, ada, email=email, phone=phone)

    assert (referral.status, referral.reason) == (ReferralStatus.REFUSED, reason)
    assert referral.discount_code is None
    assert Referral.objects.get().reason == reason


def test_gmail_dots_and_tags_are_the_same_address():
    assert email_normalise("A.da.Lovelace+shop@GoogleMail.com") == "adalovelace@gmail.com"
    assert email_normalise("a.da+x@example.com") == "a.da@example.com"


def test_a_gmail_member_with_dots_cannot_refer_the_same_mailbox(store):
    member = place_order(store, email="ada.lovelace@gmail.com").customer

    referral = claim(store, member, email="adalovelace+2@googlemail.com")

    assert referral.reason == Refusal.SELF_EMAIL


def test_an_existing_customer_cannot_be_referred(store, ada):
    place_order(store, number="#3001", email="carol@example.com")

    referral = claim(store, ada, email="Carol+new@example.com")

    assert (referral.status, referral.reason) == (ReferralStatus.REFUSED, Refusal.EXISTING_CUSTOMER)


def test_an_order_to_the_members_own_address_is_refused(store, ada):
    referral = claim(store, ada)

    # The default address of the factory's orders: Ada's own.
    place_order(store, **BOB, discount_codes=[DiscountUse(code=referral.discount_code.code, amount=Decimal("10"))])

    referral.refresh_from_db()
    assert (referral.status, referral.reason) == (ReferralStatus.REFUSED, Refusal.SELF_ADDRESS)


def test_a_member_may_refer_only_so_many_friends_a_month(store, ada):
    programme = ada.store.loyalty_programme
    programme.referral_monthly_limit = 2
    programme.save()

    outcomes = [claim(store, ada, email=f"friend{n}@example.com") for n in range(3)]

    assert [r.status for r in outcomes] == [ReferralStatus.ISSUED, ReferralStatus.ISSUED, ReferralStatus.REFUSED]
    assert outcomes[2].reason == Refusal.MONTHLY_LIMIT
