"""Referrals: a member's code, a friend's claim (their reward is a discount code for a first order),
and the referrer's points once that order's return window closes.

Refused, with the reason written on a `Referral` row: the member themself (the same normalised
email — case, `+tags`, Gmail dots — the same phone, or, when the order comes, the same shipping
address as one of the member's orders), someone who is already a customer, and more than the
programme's monthly limit of referrals per member.
"""

import re
import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from orders.models import Customer, DiscountPurpose, DiscountValue, Order, OrderStatus, Store
from orders.services import discount_code_issue
from postpurchase.exceptions import DomainError

from .ledger import account_for, account_lock
from .models import Account, EntryKind, EntrySource, Referral, ReferralCode, ReferralStatus
from .programme import programme_for
from .services import bonus_give

_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
GMAIL = {"gmail.com", "googlemail.com"}


class Refusal:
    SELF_EMAIL = "self_referral_email"
    SELF_PHONE = "self_referral_phone"
    SELF_ADDRESS = "self_referral_address"
    EXISTING_CUSTOMER = "existing_customer"
    MONTHLY_LIMIT = "monthly_limit"


def email_normalise(email: str) -> str:
    """One address however it is written: lower case, without a +tag, Gmail without dots."""
    local, _, domain = email.strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in GMAIL:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def phone_normalise(phone: str) -> str:
    return re.sub(r"\D", "", phone or "")


def address_key(address: Any) -> str:
    if not isinstance(address, dict):
        return ""
    parts = [str(address.get(k) or "") for k in ("line1", "line2", "postal_code", "city", "country")]
    return re.sub(r"[^a-z0-9]", "", " ".join(parts).lower())


def referral_code_for(customer: Customer) -> ReferralCode:
    """The member's referral code, made on first use."""
    account = account_for(customer)
    existing = ReferralCode.objects.filter(account=account).first()
    if existing is not None:
        return existing
    for _ in range(5):
        code = "".join(secrets.choice(_ALPHABET) for _ in range(8))
        try:
            with transaction.atomic():
                return ReferralCode.objects.create(store_id=account.store_id, account=account, code=code)
        except IntegrityError:
            existing = ReferralCode.objects.filter(account=account).first()
            if existing is not None:
                return existing
    raise DomainError("Could not make a referral code; try again.")


def _is_existing_customer(store: Store, email: str) -> bool:
    local, _, domain = email.rpartition("@")
    candidates = Customer.objects.filter(store=store, email__iendswith="@" + domain)
    if domain == "gmail.com":
        candidates = Customer.objects.filter(store=store, email__iregex=r"@(gmail|googlemail)\.com$")
    candidates = candidates.filter(email__istartswith=local[:1])
    return any(
        email_normalise(c.email) == email and c.orders.exclude(status=OrderStatus.CANCELLED).exists()
        for c in candidates.only("pk", "email")
    )


def _refuse(referral: Referral, reason: str) -> Referral:
    referral.status, referral.reason = ReferralStatus.REFUSED, reason
    referral.save()
    return referral


@transaction.atomic
def referral_claim(*, store: Store, code: str, email: str, phone: str = "") -> Referral:
    """A friend claims a member's referral: their code, or a refusal with its reason."""
    ref = ReferralCode.objects.filter(store=store, code=code.strip().upper()).first()
    if ref is None:
        raise DomainError("This referral code does not exist.")
    programme = programme_for(store)
    referrer = Account.objects.select_for_update().select_related("customer").get(pk=ref.account_id)
    friend_email = email_normalise(email)
    now = timezone.now()
    same = Referral.objects.filter(referrer=referrer, friend_email=friend_email).exclude(status=ReferralStatus.REFUSED)
    if (earlier := same.first()) is not None:
        return earlier
    referral = Referral(store=store, referrer=referrer, friend_email=friend_email, created_at=now)
    member = referrer.customer
    if friend_email == email_normalise(member.email):
        return _refuse(referral, Refusal.SELF_EMAIL)
    if phone_normalise(phone) and phone_normalise(phone) == phone_normalise(member.phone):
        return _refuse(referral, Refusal.SELF_PHONE)
    if _is_existing_customer(store, friend_email):
        return _refuse(referral, Refusal.EXISTING_CUSTOMER)
    month_start = now.astimezone(store.zone).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    this_month = Referral.objects.filter(referrer=referrer, created_at__gte=month_start).exclude(
        status=ReferralStatus.REFUSED
    )
    if this_month.count() >= programme.referral_monthly_limit:
        return _refuse(referral, Refusal.MONTHLY_LIMIT)
    referral.discount_code = discount_code_issue(
        store=store,
        purpose=DiscountPurpose.REFERRAL,
        value_type=DiscountValue.AMOUNT,
        amount=programme.referral_friend_amount,
        currency=store.currency,
        prefix="FRIEND-",
        actor="loyalty:referral",
    )
    referral.save()
    return referral


def referral_order(*, order: Order, discount_code_id: int) -> Referral | None:
    """The friend used their code: on a first order, the referral waits for its window; else refused."""
    referral = (
        Referral.objects.select_for_update()
        .select_related("referrer__customer")
        .filter(discount_code_id=discount_code_id, status=ReferralStatus.ISSUED)
        .first()
    )
    if referral is None or order.customer is None:
        return None
    member = referral.referrer.customer
    earlier = Order.objects.filter(customer=order.customer).exclude(pk=order.pk).exclude(status=OrderStatus.CANCELLED)
    referral.friend, referral.order = order.customer, order
    if order.customer_id == member.pk or email_normalise(order.email) == email_normalise(member.email):
        return _refuse(referral, Refusal.SELF_EMAIL)
    if phone_normalise(order.phone) and phone_normalise(order.phone) == phone_normalise(member.phone):
        return _refuse(referral, Refusal.SELF_PHONE)
    mine = {address_key(a) for a in Order.objects.filter(customer=member).values_list("shipping_address", flat=True)}
    if address_key(order.shipping_address) and address_key(order.shipping_address) in mine:
        return _refuse(referral, Refusal.SELF_ADDRESS)
    if earlier.exists():
        return _refuse(referral, Refusal.EXISTING_CUSTOMER)
    referral.status = ReferralStatus.ORDERED
    referral.save()
    return referral


def referral_reward(*, order: Order) -> Referral | None:
    """The friend's order is final (its return window closed): the referrer's points, once."""
    referral = (
        Referral.objects.select_for_update()
        .select_related("referrer__customer")
        .filter(order=order, status=ReferralStatus.ORDERED)
        .first()
    )
    if referral is None:
        return None
    programme = programme_for(order.store)
    account_lock(referral.referrer.customer)
    bonus_give(
        customer=referral.referrer.customer,
        kind=EntryKind.REFERRAL,
        points=programme.referral_points,
        key=f"referral:{referral.pk}",
        reason=f"Referred {referral.friend_email}",
        source=EntrySource.ORDER,
        order=order,
    )
    referral.status = ReferralStatus.REWARDED
    referral.save(update_fields=["status"])
    return referral
