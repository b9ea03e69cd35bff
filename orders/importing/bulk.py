"""Write one batch of validated orders with a fixed number of statements, whatever its size.

The rules are order_upsert's (orders/services/orders.py), applied to many orders at once: the
same order twice is one order (matched by platform id first, then by number); a later copy
updates the fields the platform may change, replaces the line items unless some have shipped,
and cancels the order if it says so. What differs is deliberate, for history:

- created orders are source "import" and record one `order.imported` event each. Events are
  bulk-inserted and not published to subscribers, so nothing reacts to old history (no
  confirmation messages for last year's orders);
- customers are matched by email; an import fills in what a customer lacks (phone, name,
  locale) but never overwrites what we know: live orders are newer than any history.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from orders import events
from orders.inputs import OrderInput
from orders.models import Customer, DomainEvent, LineItem, Order, OrderSource, OrderStatus, Shipment, Store
from orders.services import OrderDiscountUse, discount_redemptions_record, products_for_skus
from orders.services.orders import ORDER_UPDATABLE_FIELDS as UPDATABLE

from .ready import Ready
from .tables import among, commit_lazily, ids_reserve, is_postgres, rows_insert, rows_update, statistics_refresh
from .texts import json_text, moment_text

ACTOR = "import_orders"
_CUSTOMER_FIELDS = ("phone", "first_name", "last_name", "locale")
_ORDER_INSERT = ("id", "store_id", "number", "external_id", "customer_id", "placed_at", "status", "source")
_ORDER_INSERT += ("cancelled_at", *UPDATABLE)
_ORDER_UPDATE = (*UPDATABLE, "external_id", "status", "cancelled_at", "updated_at")
_ITEM_INSERT = ("order_id", "product_id", "sku", "title", "quantity", "unit_price", "external_id")
_EVENT_INSERT = ("store_id", "order_id", "customer_id", "kind", "data", "actor", "created_at")


# (order id, customer id, input) of an order the store already had.
KnownOrder = tuple[int, int | None, OrderInput]


@dataclass
class BatchResult:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


@dataclass(slots=True)
class _Existing:
    id: int
    number: str
    external_id: str
    status: str
    customer_id: int | None
    values: dict


@dataclass(slots=True)
class _Update:
    ready: Ready
    found: _Existing
    changed: list[str]
    cancel: bool


@dataclass
class _Plan:
    creates: list[Ready] = field(default_factory=list)
    updates: list[_Update] = field(default_factory=list)
    replaced: list[tuple[int, OrderInput]] = field(default_factory=list)  # (order id, input): items rewritten
    known: list[KnownOrder] = field(default_factory=list)  # known orders, changed or not
    result: BatchResult = field(default_factory=BatchResult)


class BatchWriter:
    """Writes the batches of one import into one store.

    It remembers product ids by SKU from batch to batch: a catalogue is small next to its
    orders, and the import never changes a product, so each SKU is looked up once per run.
    """

    MAX_PRODUCTS_REMEMBERED = 100_000
    # Refresh the planner's statistics each time the orders created so far double from here,
    # for the columns the batch lookups filter on.
    ANALYZE_FROM = 5_000
    LOOKED_UP = (
        (Order, ("store", "number", "external_id")),
        (Customer, ("store", "email")),
        (LineItem, ("order",)),
    )

    def __init__(self, *, store: Store, dry_run: bool = False):
        self.store = store
        self.dry_run = dry_run
        self.product_ids: dict[str, int] = {}
        self.created = 0
        self.analyze_at = self.ANALYZE_FROM

    def write(self, orders: list[Ready]) -> BatchResult:
        """Write one batch in its own transaction; a dry run does all of it, then rolls it back.

        If another writer inserted one of these orders (or customers, products) between our
        read and our insert, a unique constraint refuses ours; reading again makes it an update.
        """
        for attempt in (1, 2):
            try:
                with transaction.atomic(durable=True):
                    commit_lazily()
                    result = self._write(orders)
                    if self.dry_run:
                        transaction.set_rollback(True)
                        self.product_ids.clear()  # rolled back: they do not exist
                break
            except IntegrityError:
                self.product_ids.clear()
                if attempt == 2:
                    raise
        self.created += 0 if self.dry_run else result.created
        if self.created >= self.analyze_at:
            statistics_refresh(*self.LOOKED_UP)
            self.analyze_at = 2 * self.created
        return result

    def _write(self, orders: list[Ready]) -> BatchResult:
        """The batch algorithm: about 15 statements per batch, never one per order.

        1. Read the orders these already are, locked: by platform id, then by number.
        2. Sort each input into create, update or skip, comparing it with the current order,
           its line items and whether any shipped; refuse one that clashes with another order.
        3. Products for the SKUs of every line item about to be written (unknown ones created).
        4. Customers of the new orders, by email: insert the unknown, fill in blanks of the known.
        5. Insert the new orders with reserved ids, so their items and events need no read-back.
        6. Update the changed orders, in one executemany.
        7. Replace line items: delete those of updated orders whose items changed, insert the new.
        8. Record events: order.imported per new order, order.updated / order.cancelled per change.
        9. Hand what the checkouts said about marketing to the consent keeper (one batch).
        10. Record the discount codes the orders used (matched to issued codes; once per order).
        """
        now = timezone.now()
        by_number, by_external = _existing(self.store, orders)  # 1.
        plan = _plan(orders, by_number, by_external)  # 2.
        to_write = [r.data for r in plan.creates] + [data for _id, data in plan.replaced]
        product_ids = self._products([item for data in to_write for item in data.line_items])  # 3.
        customer_ids = _customers(self.store, plan.creates, now)  # 4.
        order_ids = _orders_insert(self.store, plan.creates, customer_ids, now)  # 5.
        _orders_update(plan.updates, now)  # 6.
        created = [(order_id, r.data) for order_id, r in zip(order_ids, plan.creates, strict=True)]
        _items_write(created + plan.replaced, [order_id for order_id, _data in plan.replaced], product_ids)  # 7.
        _events_record(self.store, plan, order_ids, customer_ids, now)  # 8.
        _consent_publish(self.store, plan, customer_ids, now)  # 9.
        _discounts_record(self.store, plan, order_ids, customer_ids, now)  # 10.
        plan.result.created, plan.result.updated = len(plan.creates), len(plan.updates)
        return plan.result

    def _products(self, items) -> dict[str, int]:
        """Product ids for these line items' SKUs, creating unknown products."""
        # Unknown SKUs are created; a row that says how long the product lasts updates it.
        unknown = [
            item for item in items if item.sku and (item.sku not in self.product_ids or item.lasts_days is not None)
        ]
        if unknown:
            if len(self.product_ids) > self.MAX_PRODUCTS_REMEMBERED:
                self.product_ids.clear()
            found = products_for_skus(store=self.store, items=unknown)
            self.product_ids.update((sku, product.pk) for sku, product in found.items())
        return self.product_ids


def _existing(store: Store, orders: list[Ready]) -> tuple[dict[str, _Existing], dict[str, _Existing]]:
    numbers = {r.data.number for r in orders}
    external_ids = {r.data.external_id for r in orders if r.data.external_id}
    matching = among(Order, "number", numbers)
    if external_ids:
        matching = Q(matching) | Q(among(Order, "external_id", external_ids, not_blank=True))
    # Locked, so a concurrent writer cannot change them between our comparison and our update.
    rows = (
        Order.objects.select_for_update()
        .filter(matching, store=store)
        .order_by()
        .values_list("id", "number", "external_id", "status", "customer_id", *UPDATABLE)
    )
    by_number: dict[str, _Existing] = {}
    by_external: dict[str, _Existing] = {}
    for row in rows:
        found = _Existing(*row[:5], values=dict(zip(UPDATABLE, row[5:], strict=True)))
        by_number[found.number] = found
        if found.external_id:
            by_external[found.external_id] = found
    return by_number, by_external


def _plan(orders: list[Ready], by_number: dict[str, _Existing], by_external: dict[str, _Existing]) -> _Plan:
    plan = _Plan()
    matched: list[tuple[Ready, _Existing]] = []
    claimed: dict[int, int] = {}
    for ready in orders:
        line, data = ready.line, ready.data
        found = by_external.get(data.external_id) if data.external_id else None
        if found is None:
            found = by_number.get(data.number)
            if found is not None and data.external_id and found.external_id not in ("", data.external_id):
                message = f"order number {data.number} already belongs to another order ({found.external_id})"
                plan.result.errors.append((line, message))
                continue
        if found is None:
            plan.creates.append(ready)
        elif found.id in claimed:
            message = f"order {data.number} is the same order as the one on line {claimed[found.id]}"
            plan.result.errors.append((line, message))
        else:
            claimed[found.id] = line
            matched.append((ready, found))
    if not matched:
        return plan

    ids = [found.id for _ready, found in matched]
    current_items: dict[int, list[tuple]] = defaultdict(list)
    for order_id, *key in LineItem.objects.filter(among(LineItem, "order", ids)).values_list(
        "order_id", "sku", "title", "quantity", "unit_price"
    ):
        current_items[order_id].append(tuple(key))
    shipped = set(Shipment.objects.filter(among(Shipment, "order", ids)).values_list("order_id", flat=True))

    for ready, found in matched:
        line, data, values = ready.line, ready.data, ready.values
        cancel = data.cancelled_at is not None and found.status != OrderStatus.CANCELLED
        if cancel and (found.id in shipped or found.status != OrderStatus.PLACED):
            plan.result.errors.append((line, f"order {data.number} cannot be cancelled: items have already shipped"))
            continue
        # Even an unchanged order may carry consent or codes that a first import of the file lacked.
        plan.known.append((found.id, found.customer_id, data))
        changed = [name for name in UPDATABLE if found.values[name] != values[name]]
        if data.external_id and not found.external_id:
            changed.append("external_id")  # first sent without one: adopt the platform's id
        if found.id not in shipped:  # items in a shipment stay as they are: shipments point at them
            new_items = sorted((i.sku, i.title, i.quantity, i.unit_price) for i in data.line_items)
            if sorted(current_items[found.id]) != new_items:
                changed.append("line_items")
                plan.replaced.append((found.id, data))
        if changed or cancel:
            plan.updates.append(_Update(ready, found, changed, cancel))
        else:
            plan.result.skipped += 1
    return plan


def _customers(store: Store, orders: list[Ready], now) -> dict[str, int]:
    """Customer ids by email for these orders: the unknown inserted, blanks of the known filled."""
    wanted: dict[str, list[str]] = {}  # email: values of _CUSTOMER_FIELDS
    for ready in orders:
        known = wanted.get(ready.data.email)
        if known is None:
            wanted[ready.data.email] = list(ready.customer)
        elif not all(known):  # a later order may know what an earlier one did not
            wanted[ready.data.email] = [old or new for old, new in zip(known, ready.customer, strict=True)]
    if not wanted:
        return {}
    ids: dict[str, int] = {}
    fills = []
    stored_rows = (
        Customer.objects.filter(among(Customer, "email", wanted), store=store)
        .order_by()
        .values_list("id", "email", *_CUSTOMER_FIELDS)
    )
    for customer_id, email, *stored in stored_rows:
        ids[email] = customer_id
        merged = [old or new for old, new in zip(stored, wanted[email], strict=True)]
        if merged != stored:
            fills.append((*merged, now, customer_id))
    rows_update(Customer, (*_CUSTOMER_FIELDS, "updated_at"), fills)

    new = [email for email in wanted if email not in ids]
    new_ids = ids_reserve(Customer, len(new))
    rows = [(customer_id, store.pk, email, *wanted[email]) for customer_id, email in zip(new_ids, new, strict=True)]
    rows_insert(Customer, ("id", "store_id", "email", *_CUSTOMER_FIELDS), rows)
    ids.update(zip(new, new_ids, strict=True))
    return ids


def _orders_insert(store: Store, creates: list[Ready], customer_ids: dict[str, int], now) -> list[int]:
    order_ids = ids_reserve(Order, len(creates))
    placed_now = moment_text(now, postgres=is_postgres())
    rows = [
        (
            order_id,
            store.pk,
            r.data.number,
            r.data.external_id,
            customer_ids[r.data.email],
            r.placed_at or placed_now,
            OrderStatus.PLACED if r.cancelled_at is None else OrderStatus.CANCELLED,
            OrderSource.IMPORT,
            r.cancelled_at,
            *r.dumped,
        )
        for order_id, r in zip(order_ids, creates, strict=True)
    ]
    rows_insert(Order, _ORDER_INSERT, rows)
    return order_ids


def _orders_update(updates: list[_Update], now) -> None:
    rows = [
        (
            *u.ready.dumped,
            u.found.external_id or u.ready.data.external_id,
            OrderStatus.CANCELLED if u.cancel else u.found.status,
            u.ready.data.cancelled_at if u.cancel else None,
            now,
            u.found.id,
        )
        for u in updates
    ]
    rows_update(Order, _ORDER_UPDATE, rows)


def _items_write(orders: list[tuple[int, OrderInput]], replace_ids: list[int], product_ids: dict[str, int]) -> None:
    if replace_ids:
        # Through the ORM, so whatever points at the old items is handled as the models say.
        LineItem.objects.filter(order_id__in=replace_ids).delete()
    rows = [
        (order_id, product_ids.get(i.sku), i.sku, i.title, i.quantity, i.unit_price, i.external_id)
        for order_id, data in orders
        for i in data.line_items
    ]
    rows_insert(LineItem, _ITEM_INSERT, rows)


def _consent_publish(store: Store, plan: _Plan, customer_ids: dict[str, int], now) -> None:
    """Consent is not history to hide like events: what a customer agreed to at checkout is
    what they agreed to, and the keeper ignores statements older than what it holds."""
    orders = [(customer_ids[r.data.email], r.data) for r in plan.creates]
    orders += [(customer_id, data) for _order_id, customer_id, data in plan.known]
    statements = [
        statement
        for customer_id, data in orders
        for statement in events.consent_statements(
            customer_id=customer_id, consent=data.marketing_consent, placed_at=data.placed_at or now, source="import"
        )
    ]
    events.consent_statements_publish(store=store, statements=statements, actor=ACTOR)


def _discounts_record(store: Store, plan: _Plan, order_ids: list[int], customer_ids: dict[str, int], now) -> None:
    """History's redemptions are written for the timeline but, like the other events, handed
    to no subscriber; a store credit used in them still loses that amount (once: replays skip)."""
    orders = [
        (order_id, customer_ids[r.data.email], r.data) for order_id, r in zip(order_ids, plan.creates, strict=True)
    ] + plan.known
    uses = [
        OrderDiscountUse(order_id, customer_id, data.currency, data.placed_at or now, use)
        for order_id, customer_id, data in orders
        for use in data.discount_codes
    ]
    discount_redemptions_record(store=store, uses=uses, actor=ACTOR, publish=False)


def _events_record(store: Store, plan: _Plan, order_ids: list[int], customer_ids: dict[str, int], now) -> None:
    rows = []
    at = moment_text(now, postgres=is_postgres())
    for order_id, r in zip(order_ids, plan.creates, strict=True):
        rows.append((store.pk, order_id, customer_ids[r.data.email], events.ORDER_IMPORTED, r.imported, ACTOR, at))
    for u in plan.updates:
        customer_id = u.found.customer_id
        if u.changed:
            payload = json_text({"changed": u.changed})
            rows.append((store.pk, u.found.id, customer_id, events.ORDER_UPDATED, payload, ACTOR, at))
        if u.cancel:
            payload = json_text({"reason": "cancelled on the platform", "from": u.found.status})
            rows.append((store.pk, u.found.id, customer_id, events.ORDER_CANCELLED, payload, ACTOR, at))
    rows_insert(DomainEvent, _EVENT_INSERT, rows)
