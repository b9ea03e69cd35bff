"""A small store whose every dashboard figure is worked out by hand (test_figures.py).

Rows are written as they stand after the apps' services ran (the rollup reads tables, not
events), at local times of the store's zone, counted in days before today there.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from feedback.models import Review, ReviewStatus, SurveyAnswer, SurveyType
from insights.rollup import local_today
from loyalty.models import Account, EntryKind, PointsEntry, Programme
from notifications.models import Message, MessageState
from orders.models import (
    Customer,
    LineItem,
    Order,
    OrderStatus,
    Product,
    Shipment,
    ShipmentDirection,
    ShipmentStatus,
    Store,
)
from returns.models import Resolution, ReturnItem, ReturnRequest, ReturnStatus


def at(store: Store, days_ago: int, clock: time = time(10, 0)) -> datetime:
    """`clock` local time, `days_ago` days before today in the store's zone."""
    day = local_today(store) - timedelta(days=days_ago)
    return datetime.combine(day, clock, tzinfo=store.zone)


def day(store: Store, days_ago: int) -> date:
    return local_today(store) - timedelta(days=days_ago)


def customer(store: Store, name: str) -> Customer:
    return Customer.objects.create(store=store, email=f"{name}@example.com", first_name=name)


def order(
    store: Store,
    who: Customer | None,
    number: str,
    placed: datetime,
    lines: list[tuple[str, int, str]],
    *,
    status=OrderStatus.DELIVERED,
) -> Order:
    total = sum(Decimal(price) * quantity for _sku, quantity, price in lines)
    o = Order.objects.create(
        store=store,
        customer=who,
        number=number,
        email=who.email if who else "guest@example.com",
        currency="EUR",
        subtotal=total,
        total=total,
        placed_at=placed,
        status=status,
    )
    for sku, quantity, price in lines:
        product, _ = Product.objects.get_or_create(
            store=store, sku=sku, defaults={"title": f"Product {sku}", "price": Decimal(price)}
        )
        LineItem.objects.create(
            order=o, product=product, sku=sku, title=product.title, quantity=quantity, unit_price=Decimal(price)
        )
    return o


def shipment(o: Order, *, promised: date | None, delivered: datetime | None) -> Shipment:
    return Shipment.objects.create(
        store=o.store,
        order=o,
        carrier="dhl",
        tracking_number=f"TRK{o.number}",
        status=ShipmentStatus.DELIVERED if delivered else ShipmentStatus.IN_TRANSIT,
        direction=ShipmentDirection.OUTBOUND,
        promised_delivery_from=promised,
        promised_delivery_to=promised,
        delivered_at=delivered,
    )


def a_return(
    o: Order,
    number: str,
    created: datetime,
    items: list[tuple[int, int, str, str]],
    *,
    status: str,
    resolution: str,
    bonus: str = "0.00",
) -> ReturnRequest:
    """items: (line index, quantity, reason code, reason label); amounts at the lines' prices."""
    lines = list(o.line_items.order_by("id"))
    amount = sum(lines[i].unit_price * q for i, q, _code, _label in items)
    rr = ReturnRequest.objects.create(
        store=o.store,
        order=o,
        customer=o.customer,
        number=number,
        status=status,
        resolution=resolution,
        currency="EUR",
        items_amount=amount,
        refund_amount=amount,
        bonus_amount=Decimal(bonus),
    )
    ReturnRequest.objects.filter(pk=rr.pk).update(created_at=created)
    for i, q, code, label in items:
        ReturnItem.objects.create(
            request=rr, line_item=lines[i], quantity=q, amount=lines[i].unit_price * q, reason=code, reason_label=label
        )
    return rr


def message(store: Store, key: str, send_at: datetime, state: str, reason_code: str = "") -> Message:
    return Message.objects.create(
        store=store,
        kind="order_confirmation",
        channel="email",
        recipient="a@example.com",
        send_at=send_at,
        dedupe_key=key,
        state=state,
        reason_code=reason_code,
    )


def answer(o: Order, survey: str, score: int, when: datetime) -> None:
    a = SurveyAnswer.objects.create(store=o.store, order=o, survey=survey, score=score)
    SurveyAnswer.objects.filter(pk=a.pk).update(created_at=when)


def review(o: Order, rating: int, when: datetime, status: str = ReviewStatus.PUBLISHED) -> None:
    line = o.line_items.first()
    Review.objects.create(
        store=o.store, product=line.product, order=o, rating=rating, display_name="A.", status=status, created_at=when
    )


def member(who: Customer, *, available: int, pending: int, joined: datetime) -> Account:
    account = Account.objects.create(store=who.store, customer=who, available=available, pending=pending)
    Account.objects.filter(pk=account.pk).update(created_at=joined)
    return account


def entry(account: Account, kind: str, points: int, when: datetime, key: str) -> None:
    PointsEntry.objects.create(store=account.store, account=account, kind=kind, points=points, key=key, created_at=when)


def seed_hand_computed(store: Store) -> None:
    """The store of test_figures.py; the comments carry the sums the tests expect.

    Current period: the last 10 days (today-9 .. today); previous: today-19 .. today-10.
    """
    Programme.objects.create(store=store, redeem_points=500, redeem_value=Decimal("5.00"))
    a, b, c, d, e = (customer(store, n) for n in "abcde")
    order(store, a, "#1", at(store, 60), [("HIST", 1, "100.00")])  # history: A's first order
    order(store, e, "#7", at(store, 12), [("PREV", 1, "60.00")])  # previous period: E's only order
    o2 = order(store, a, "#2", at(store, 7), [("TEE-A", 2, "25.00")])  # A's second: 50.00
    o3 = order(store, b, "#3", at(store, 6), [("TEE-B", 4, "20.00")])  # B's first: 80.00
    o4 = order(store, b, "#4", at(store, 5), [("BAG", 1, "40.00")])  # B's second: 40.00
    # 23:30 local is the next day in UTC: it still counts on its local day.
    o5 = order(store, c, "#5", at(store, 4, time(23, 30)), [("SOCK", 3, "10.00")])  # C's first: 30.00
    order(store, d, "#6", at(store, 3), [("HIST", 9, "111.00")], status=OrderStatus.CANCELLED)  # left out
    # Returns in the period: R1 open refund (2 x 20), R2 credited (1 x 25, bonus 2.50), R3 rejected.
    a_return(
        o3,
        "RMA-1",
        at(store, 3),
        [(0, 2, "too_small", "Too small")],
        status=ReturnStatus.REQUESTED,
        resolution=Resolution.REFUND,
    )
    a_return(
        o2,
        "RMA-2",
        at(store, 2),
        [(0, 1, "damaged", "Damaged")],
        status=ReturnStatus.CREDITED,
        resolution=Resolution.STORE_CREDIT,
        bonus="2.50",
    )
    a_return(
        o5,
        "RMA-3",
        at(store, 2),
        [(0, 1, "damaged", "Damaged")],
        status=ReturnStatus.REJECTED,
        resolution=Resolution.REFUND,
    )
    # Deliveries against the promise: on time, 2 days late, on time at 23:30 local; then two left out.
    shipment(o2, promised=day(store, 5), delivered=at(store, 5))
    shipment(o3, promised=day(store, 4), delivered=at(store, 2))
    shipment(o4, promised=day(store, 3), delivered=at(store, 3, time(23, 30)))
    shipment(o5, promised=day(store, 3), delivered=None)  # not delivered yet
    Shipment.objects.create(store=store, order=o5, tracking_number="NOPROMISE", delivered_at=at(store, 1))
    # Messages due in the period: 3 reached a provider (1 delivered, 1 bounced), 2 suppressed, 1 held.
    message(store, "m1", at(store, 7), MessageState.SENT)
    message(store, "m2", at(store, 6), MessageState.DELIVERED)
    message(store, "m3", at(store, 6), MessageState.BOUNCED)
    message(store, "m4", at(store, 5), MessageState.SUPPRESSED, "suppression_list")
    message(store, "m5", at(store, 5), MessageState.SUPPRESSED, "frequency_cap")
    message(store, "m6", at(store, 4), MessageState.CANCELLED, "hold:returns.open_return")
    # NPS 10, 9, 9, 7, 3: 3 promoters, 1 passive, 1 detractor -> +40.0; CSAT 5, 4, 2 -> 66.7 %.
    for o, score in ((o2, 10), (o3, 9), (o4, 9), (o5, 7)):
        answer(o, SurveyType.NPS, score, at(store, 1))
    extra = order(store, e, "#8", at(store, 30), [("PREV", 1, "60.00")], status=OrderStatus.CANCELLED)
    answer(extra, SurveyType.NPS, 3, at(store, 1))
    for o, score in ((o2, 5), (o3, 4), (o4, 2)):
        answer(o, SurveyType.CSAT, score, at(store, 1))
    # Reviews: 5 and 4 published (average 4.5); a pending one is left out.
    review(o2, 5, at(store, 1))
    review(o3, 4, at(store, 1))
    review(o4, 1, at(store, 1), ReviewStatus.PENDING)
    # Loyalty: 1,200 + 300 points unspent = 1,500 at 5.00 per 500 -> 15.00 owed.
    ma = member(a, available=1000, pending=200, joined=at(store, 40))
    mb = member(b, available=300, pending=0, joined=at(store, 6))
    entry(ma, EntryKind.EARN, 250, at(store, 7), "k1")
    entry(mb, EntryKind.BONUS, 100, at(store, 6), "k2")
    entry(ma, EntryKind.REDEEM, -500, at(store, 2), "k3")
    entry(ma, EntryKind.EARN, 999, at(store, 15), "k4")  # previous period
    assert timezone.now() >= at(store, 1)
