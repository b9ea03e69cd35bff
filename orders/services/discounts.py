"""Discount codes: issue them, and record their use on orders.

A code used on an order is matched to the store's issued codes whatever its case, and recorded
once per order (`DiscountRedemption`, unique per order and code), so a replayed webhook or a
re-imported file changes nothing. Store credit loses what the order used of it. A code the
store did not issue here is recorded too, as external: the timeline shows every code used.
"""

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models.functions import Upper
from django.utils import timezone

from orders import events
from orders.discount_providers import discount_provider
from orders.inputs import DiscountUse
from orders.models import (
    Customer,
    DiscountCode,
    DiscountPurpose,
    DiscountRedemption,
    DiscountValue,
    DomainEvent,
    Order,
    Store,
)
from postpurchase.exceptions import DomainError
from postpurchase.money import ZERO, to_money

# No 0/O or 1/I/L: customers read codes from an email and type them by hand.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{2,63}$")
_DEFAULT_LIMIT = object()  # one use, but any number for store credit (it lasts until spent)


def _random_code(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(10))


def discount_code_check(*, store: Store, purpose: str, value_type: str, amount, percent, customer) -> None:
    """Refuse (DomainError) a code that could not work; the admin's form asks the same."""
    if purpose not in DiscountPurpose.values:
        raise DomainError(f"Unknown purpose {purpose!r}.", extra={"purpose": purpose})
    if value_type not in DiscountValue.values:
        raise DomainError(f"Unknown value type {value_type!r}.", extra={"value_type": value_type})
    if purpose == DiscountPurpose.STORE_CREDIT and value_type != DiscountValue.AMOUNT:
        raise DomainError("Store credit is an amount of money.", extra={"value_type": value_type})
    if value_type == DiscountValue.AMOUNT and (amount is None or amount <= ZERO):
        raise DomainError("A fixed-amount code needs an amount above zero.", extra={"amount": str(amount)})
    if value_type == DiscountValue.PERCENT and not (percent and 1 <= percent <= 100):
        raise DomainError("A percentage code needs a percent from 1 to 100.", extra={"percent": percent})
    if customer is not None and customer.store_id != store.pk:
        raise DomainError("The customer belongs to another store.")


@transaction.atomic
def discount_code_issue(
    *,
    store: Store,
    purpose: str,
    value_type: str,
    amount: Decimal | None = None,
    percent: int | None = None,
    currency: str = "",
    customer: Customer | None = None,
    expires_at: datetime | None = None,
    usage_limit: int | object | None = _DEFAULT_LIMIT,
    code: str = "",
    prefix: str = "",
    issued_for_order: Order | None = None,
    provider: str = "builtin",
    actor: str = "",
) -> DiscountCode:
    """Issue a code: recorded here, then made known to its provider; records `discount_code.issued`.

    Without `code`, a random one (`prefix` + 10 characters) is made. `usage_limit` defaults to
    one order, and to any number of orders for store credit (it lasts until its balance is
    spent). Runs in the caller's transaction when there is one (a follow-up being scheduled).
    """
    amount = to_money(amount) if amount is not None else None
    discount_code_check(
        store=store, purpose=purpose, value_type=value_type, amount=amount, percent=percent, customer=customer
    )
    if usage_limit is _DEFAULT_LIMIT:
        usage_limit = None if purpose == DiscountPurpose.STORE_CREDIT else 1
    assert usage_limit is None or isinstance(usage_limit, int)
    given = code.strip()
    if given and not _CODE.fullmatch(given):
        raise DomainError(
            "A code is 3 to 64 letters, digits, '-' or '_', starting with a letter or digit.", extra={"code": given}
        )
    discount = DiscountCode(
        store=store,
        customer=customer,
        purpose=purpose,
        value_type=value_type,
        amount=amount if value_type == DiscountValue.AMOUNT and amount is not None else ZERO,
        percent=percent if value_type == DiscountValue.PERCENT else None,
        currency=(currency or store.currency) if value_type == DiscountValue.AMOUNT else "",
        balance=amount if purpose == DiscountPurpose.STORE_CREDIT else None,
        expires_at=expires_at,
        usage_limit=usage_limit,
        issued_for_order=issued_for_order,
        provider=provider,
    )
    for attempt in range(5):
        discount.code = given or _random_code(prefix)
        try:
            with transaction.atomic():
                discount.save()
            break
        except IntegrityError:
            if given or attempt == 4:
                raise DomainError(f"The code {discount.code} already exists.", extra={"code": discount.code}) from None
    try:
        discount.provider_ref = discount_provider(provider).issue(discount)
    except (NotImplementedError, ValueError) as exc:
        raise DomainError(f"The code could not be issued: {exc}", extra={"provider": provider}) from None
    if discount.provider_ref:
        discount.save(update_fields=["provider_ref", "updated_at"])
    events.event_record(
        kind=events.DISCOUNT_CODE_ISSUED,
        store=store,
        order=issued_for_order,
        customer=customer,
        data={
            "discount_code_id": discount.pk,
            "code": discount.code,
            "purpose": purpose,
            "value": discount.value_label,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
        actor=actor,
    )
    return discount


@dataclass(frozen=True, slots=True)
class OrderDiscountUse:
    """One code used on one order, with what the redemption needs to know about the order."""

    order_id: int
    customer_id: int | None
    currency: str
    at: datetime
    use: DiscountUse


def discount_redemptions_record(
    *, store: Store, uses: list[OrderDiscountUse], actor: str = "", publish: bool = True, new_orders: bool = False
) -> list[DiscountRedemption]:
    """Record codes used on orders, set-based: a fixed number of queries whatever the batch.

    1. Leave out what is already recorded for these orders (replays), and repeats in the batch.
    2. Lock the issued codes they name (case-insensitive), in id order.
    3. Per use, oldest first: count the use, take store credit's share off its balance, note
       what was wrong (expired, used up, another customer's) without refusing: the platform
       took the order with it, and the merchant should see that.
    4. Write the redemptions, the codes and one `discount_code.redeemed` event each. `publish`
       False (an import) writes the events for the timeline without running subscribers.
       `new_orders`: the orders were created in this transaction, so nothing is recorded for
       them yet and step 1 needs no query.
    """
    if not uses:
        return []
    order_ids = {u.order_id for u in uses}
    seen: set[tuple[int, str]] = set()
    if not new_orders:
        seen.update(
            DiscountRedemption.objects.filter(order_id__in=order_ids)
            .annotate(code_upper=Upper("code"))
            .values_list("order_id", "code_upper")
        )
    fresh = []
    for u in sorted(uses, key=lambda u: u.at):
        key = (u.order_id, u.use.code.strip().upper())
        if key[1] and key not in seen:
            seen.add(key)
            fresh.append(u)
    if not fresh:
        return []
    codes = {
        d.code_upper: d
        for d in DiscountCode.objects.select_for_update()
        .filter(store=store)
        .matching(u.use.code for u in fresh)
        .order_by("pk")
    }
    redemptions, records, touched = [], [], {}
    for u in fresh:
        code = u.use.code.strip()
        amount = max(to_money(u.use.amount), ZERO)  # a negative discount must never add credit
        issued = codes.get(code.upper())
        data = {"code": code, "amount": str(amount), "currency": u.currency, "external": issued is None}
        if issued is not None:
            problems = issued.problems_at(u.at)
            if issued.customer_id and u.customer_id and issued.customer_id != u.customer_id:
                problems.append("issued to another customer")
            issued.times_used += 1
            if issued.balance is not None:
                if issued.currency == u.currency:
                    issued.balance = max(issued.balance - amount, ZERO)
                else:
                    problems.append(f"the order is in {u.currency}, the credit in {issued.currency}")
            touched[issued.pk] = issued
            data |= {
                "discount_code_id": issued.pk,
                "purpose": issued.purpose,
                "balance": str(issued.balance) if issued.balance is not None else None,
                "problems": problems,
            }
        redemptions.append(
            DiscountRedemption(
                store=store,
                order_id=u.order_id,
                discount_code=issued,
                code=code[:64],
                amount=amount,
                currency=u.currency,
                redeemed_at=u.at,
            )
        )
        records.append(
            DomainEvent(
                kind=events.DISCOUNT_CODE_REDEEMED,
                store=store,
                order_id=u.order_id,
                customer_id=u.customer_id,
                data=data,
                actor=actor,
            )
        )
    DiscountRedemption.objects.bulk_create(redemptions)
    now = timezone.now()
    for issued in touched.values():
        issued.updated_at = now
    DiscountCode.objects.bulk_update(touched.values(), ["times_used", "balance", "updated_at"])
    if publish:
        events.event_record_many(records)
    else:
        DomainEvent.objects.bulk_create(records)
    return redemptions


@transaction.atomic
def discount_code_redeem(*, order: Order, code: str, amount: Decimal, actor: str = "") -> DiscountRedemption | None:
    """Record that `order` used `code` for `amount`. Returns the new redemption, or None if this
    order's use of the code was recorded before."""
    use = OrderDiscountUse(
        order.pk, order.customer_id, order.currency, order.placed_at, DiscountUse(code=code, amount=amount)
    )
    recorded = discount_redemptions_record(store=order.store, uses=[use], actor=actor)
    return recorded[0] if recorded else None


def order_discounts_record(order: Order, uses: list[DiscountUse], *, actor: str, new: bool = False) -> None:
    """The codes an order carries, from any live ingest path (inside its transaction); `new`:
    the order was created in this transaction."""
    discount_redemptions_record(
        store=order.store,
        uses=[OrderDiscountUse(order.pk, order.customer_id, order.currency, order.placed_at, use) for use in uses],
        actor=actor,
        new_orders=new,
    )
