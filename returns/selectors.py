"""Reads that turn rows into the policy's plain data (`returns.policy`), and the answers built on them."""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, Sum
from django.utils import timezone

from orders.models import Order, OrderStatus, Product, Shipment, ShipmentItem, Store
from postpurchase.money import ZERO

from .models import (
    INACTIVE,
    ClosedReturnWindow,
    RefundProviderName,
    Resolution,
    ReturnItem,
    ReturnPolicy,
    ReturnRequest,
)
from .policy import (
    Line,
    LineEligibility,
    Parcel,
    Quote,
    Reason,
    Terms,
    Window,
    lines_eligibility,
    return_quote,
    return_window,
)


def policy_terms(store: Store) -> Terms:
    """The store's policy as plain data; the defaults (30 days, default reasons) without one."""
    policy = ReturnPolicy.objects.filter(store=store).prefetch_related("reasons", "tag_rules").first()
    if policy is None:
        return Terms()
    resolutions = {
        resolution
        for resolution, allowed in (
            ("refund", policy.allow_refund),
            ("exchange", policy.allow_exchange),
            ("store_credit", policy.allow_store_credit),
        )
        if allowed
    }
    reasons = tuple(
        Reason(
            r.code,
            r.label,
            requires_comment=r.requires_comment,
            requires_photo=r.requires_photo,
            labels=tuple(sorted((lang, text) for lang, text in _texts(r.labels).items() if text.strip())),
        )
        for r in policy.reasons.all()
    )
    return Terms(
        window_days=policy.window_days,
        grace_days=policy.grace_days,
        unscanned_allowance_days=policy.unscanned_allowance_days,
        non_returnable_categories=frozenset(policy.category_list),
        reasons=reasons or Terms.reasons,
        resolutions=frozenset(resolutions),
        credit_bonus=policy.credit_bonus,
        credit_bonus_value=Decimal(policy.credit_bonus_value),
        restocking_fee_percent=Decimal(policy.restocking_fee_percent),
        return_shipping_fee=policy.return_shipping_fee,
        waive_fees_for_credit_and_exchange=policy.waive_fees_for_credit_and_exchange,
        exchange_price_difference=policy.exchange_price_difference,
        keep_it_below=policy.keep_it_below,
        auto_approve_below=policy.auto_approve_below,
        auto_approve_reasons=frozenset(policy.auto_approve_reason_list),
        review_after_returns=policy.review_after_returns,
        tag_windows={rule.tag: rule.window_days for rule in policy.tag_rules.all()},
    )


def _texts(value: object) -> dict[str, str]:
    """A JSON field of texts by language, as far as it is one (the admin checks it; old rows may not be)."""
    if not isinstance(value, dict):
        return {}
    return {lang: text for lang, text in value.items() if isinstance(lang, str) and isinstance(text, str)}


def policy_text(store: Store, language: str) -> str:
    """The store's return policy for customers in `language`, else in English, else in any language."""
    policy = ReturnPolicy.objects.filter(store=store).only("policy_text").first()
    return policy.text_for(language).strip() if policy is not None else ""


def policy_refund_provider(store: Store) -> str:
    """The name of the store's refund provider (`returns.refunds`); record only without a policy."""
    name = ReturnPolicy.objects.filter(store=store).values_list("refund_provider", flat=True).first()
    return name or RefundProviderName.RECORD_ONLY


def customer_tags(order: Order) -> list[str]:
    tags = order.customer.tags if order.customer is not None else []
    return [tag for tag in tags if isinstance(tag, str)] if isinstance(tags, list) else []


@dataclass(frozen=True)
class OrderReturnFacts:
    """Everything the policy needs about one order, read in a fixed number of queries."""

    terms: Terms
    lines: list[Line]
    window: Window | None
    returned: dict[int, int]  # line id -> quantity in returns that still stand
    refunded: Decimal  # refunds of returns that still stand
    cancelled: bool
    discount_total: Decimal
    paid_total: Decimal

    def eligibility(self, *, now: datetime, zone: ZoneInfo) -> list[LineEligibility]:
        return lines_eligibility(
            self.terms,
            lines=self.lines,
            returned=self.returned,
            window=self.window,
            now=now,
            zone=zone,
            cancelled=self.cancelled,
        )

    def quote(self, *, taking: Mapping[int, int], resolution: str, price_difference: Decimal = ZERO) -> Quote:
        """The exact amounts of returning `taking` (line id -> quantity) now: what the customer
        is shown before confirming is what the request records."""
        return return_quote(
            self.terms,
            lines=self.lines,
            discount_total=self.discount_total,
            paid_total=self.paid_total,
            returned=self.returned,
            refunded=self.refunded,
            taking=taking,
            resolution=resolution,
            price_difference=price_difference,
        )


def order_return_facts(order: Order, *, terms: Terms | None = None) -> OrderReturnFacts:
    terms = terms if terms is not None else policy_terms(order.store)
    outbound = list(Shipment.objects.outbound().filter(order=order).values("id", "shipped_at", "delivered_at"))
    parcels = [Parcel(s["shipped_at"], s["delivered_at"]) for s in outbound if s["shipped_at"] or s["delivered_at"]]
    sent_ids = [s["id"] for s in outbound if s["shipped_at"] or s["delivered_at"]]
    shipped: dict[int, int] = defaultdict(int)
    whole_order = False
    if sent_ids:
        per_shipment = dict(Shipment.objects.filter(pk__in=sent_ids).annotate(n=Count("items")).values_list("pk", "n"))
        # A shipment that does not list its items carries the whole order (the API allows it).
        whole_order = any(n == 0 for n in per_shipment.values())
        for line_id, quantity in ShipmentItem.objects.filter(shipment_id__in=sent_ids).values_list(
            "line_item_id", "quantity"
        ):
            shipped[line_id] += quantity
    lines = [
        Line(
            id=li.pk,
            quantity=li.quantity,
            unit_price=li.unit_price,
            title=li.title,
            shipped_quantity=None if whole_order or not sent_ids else min(shipped[li.pk], li.quantity),
            returnable=li.product.returnable if li.product else True,
            final_sale=li.product.final_sale if li.product else False,
            category=li.product.category if li.product else "",
        )
        for li in order.line_items.select_related("product")
    ]
    returned = dict(
        ReturnItem.objects.filter(request__order=order)
        .exclude(request__status__in=INACTIVE)
        .values("line_item_id")
        .annotate(q=Sum("quantity"))
        .values_list("line_item_id", "q")
    )
    refunded = ReturnRequest.objects.filter(order=order).active().aggregate(s=Sum("refund_amount"))["s"] or ZERO
    window = return_window(terms, parcels=parcels, tags=customer_tags(order))
    closed = ClosedReturnWindow.objects.filter(order=order).values_list("ended_at", flat=True).first()
    if window is not None and closed is not None:
        # Closed is final: loyalty has released the points, so a late delivery scan or a new tag
        # that would lengthen the window reopens nothing.
        window = Window(
            starts_at=window.starts_at,
            closes_at=min(window.closes_at, closed - timedelta(days=terms.grace_days)),
            ends_at=min(window.ends_at, closed),
        )
    return OrderReturnFacts(
        terms=terms,
        lines=lines,
        window=window,
        returned=returned,
        refunded=refunded,
        cancelled=order.status == OrderStatus.CANCELLED,
        discount_total=order.discount_total,
        paid_total=order.total,
    )


def order_eligibility(order: Order) -> list[LineEligibility]:
    """Per line of the order: how many units can be returned now, or why none."""
    facts = order_return_facts(order)
    return facts.eligibility(now=timezone.now(), zone=order.store.zone)


def return_preview(
    *, order: Order, taking: Mapping[int, int], resolution: str, price_difference: Decimal = ZERO
) -> Quote:
    """What returning these quantities by `resolution` would refund, credit or cost (quantities
    unchecked; `price_difference` as `returns.policy.return_quote` takes it)."""
    return order_return_facts(order).quote(taking=taking, resolution=resolution, price_difference=price_difference)


def customer_recent_returns(order: Order, *, now: datetime) -> int:
    """Returns the order's customer (or email, for guests) made in the last 12 months that still stand."""
    since = now - timedelta(days=365)
    returns = ReturnRequest.objects.filter(store_id=order.store_id, created_at__gte=since).active()
    if order.customer_id is not None:
        return returns.filter(customer_id=order.customer_id).count()
    return returns.filter(order__email=order.email).count()


@dataclass(frozen=True)
class Variant:
    """A product a line may be exchanged for, and what it costs."""

    id: int
    title: str
    price: Decimal


def exchange_variants(order: Order, terms: Terms) -> dict[int, list[Variant]]:
    """Per line of the order, the other variants of its product it may be exchanged for: the same
    rules `return_request_create` checks (returnable, not final sale, at the line's price unless the
    policy settles differences). Lines without any are left out. Two queries."""
    if Resolution.EXCHANGE not in terms.resolutions:
        return {}
    lines = [
        li
        for li in order.line_items.select_related("product")
        if li.product is not None and li.product.group and not li.product.final_sale
    ]
    groups = {li.product.group for li in lines if li.product is not None}
    if not groups:
        return {}
    candidates = list(
        Product.objects.filter(store_id=order.store_id, group__in=groups, final_sale=False, returnable=True).order_by(
            "price", "title", "pk"
        )
    )
    offered: dict[int, list[Variant]] = {}
    for li in lines:
        assert li.product is not None  # filtered above
        variants = [
            Variant(p.pk, p.title, p.price)
            for p in candidates
            if p.group == li.product.group
            and p.pk != li.product_id
            and (terms.exchange_price_difference or p.price == li.unit_price)
        ]
        if variants:
            offered[li.pk] = variants
    return offered
