"""Plain data that every ingest path (API, Shopify, CSV/JSON lines) hands to the services."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import phonenumbers

from postpurchase.money import ZERO

ADDRESS_FIELDS = ("name", "line1", "line2", "city", "region", "postal_code", "country")
# MoneyField holds 14 digits with 2 places: every amount stays below this.
MONEY_LIMIT = Decimal("1e12")
# The most of one item an order line (or a shipment of it) may carry, on every ingest path.
MAX_QUANTITY = 100_000


def normalize_phone(raw: str, *, region: str = "") -> str:
    """E.164 form of a phone number, e.g. "+14155550123"; "" for blank input.

    `region` (ISO country of the shipping address) lets national numbers like "030 1234567"
    be understood. Raises ValueError for something that is not a possible phone number.
    """
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        parsed = phonenumbers.parse(raw, (region or "").upper() or None)
    except phonenumbers.NumberParseException:
        raise ValueError(f"{raw!r} is not a phone number; use international format, e.g. +14155550123") from None
    if not phonenumbers.is_possible_number(parsed):
        raise ValueError(f"{raw!r} is not a possible phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def clean_address(raw: dict | None) -> dict:
    raw = raw or {}
    return {key: str(raw.get(key) or "").strip() for key in ADDRESS_FIELDS if raw.get(key)}


@dataclass(frozen=True, kw_only=True)
class LineItemInput:
    title: str
    quantity: int
    unit_price: Decimal
    sku: str = ""
    external_id: str = ""
    product_group: str = ""  # variants of one product share it (Shopify's product_id)
    final_sale: bool | None = None  # None: the platform said nothing, keep what the product says
    lasts_days: int | None = None  # one unit lasts about this long (replenishment); None: keep the product's


@dataclass(frozen=True, kw_only=True)
class DiscountUse:
    """A discount code used on an order, and what it took off."""

    code: str
    amount: Decimal = ZERO


@dataclass(frozen=True, kw_only=True)
class MarketingConsent:
    """What the customer said at checkout about marketing, per channel.

    True: agreed. False: refused or withdrew (an explicit "no", not an unticked box nobody
    asked about). None: nothing said, so nothing is recorded. `email_at` and `sms_at` are
    when they said it (platforms keep one time per channel); None means when the order was placed.
    """

    email: bool | None = None
    sms: bool | None = None
    email_at: datetime | None = None
    sms_at: datetime | None = None

    @property
    def stated(self) -> bool:
        return self.email is not None or self.sms is not None


@dataclass(frozen=True, kw_only=True)
class OrderInput:
    number: str
    email: str
    currency: str
    line_items: list[LineItemInput]
    external_id: str = ""
    placed_at: datetime | None = None
    phone: str = ""
    first_name: str = ""
    last_name: str = ""
    customer_external_id: str = ""
    birthday: date | None = None
    locale: str = ""
    shipping_address: dict = field(default_factory=dict)
    billing_address: dict = field(default_factory=dict)
    shipping_method: str = ""
    shipping_total: Decimal = ZERO
    tax_total: Decimal = ZERO
    discount_total: Decimal = ZERO
    total: Decimal | None = None  # None: subtotal + shipping + tax - discount
    cancelled_at: datetime | None = None
    marketing_consent: MarketingConsent = field(default_factory=MarketingConsent)
    discount_codes: list[DiscountUse] = field(default_factory=list)

    @property
    def subtotal(self) -> Decimal:
        return sum((item.unit_price * item.quantity for item in self.line_items), ZERO)

    @property
    def grand_total(self) -> Decimal:
        if self.total is not None:
            return self.total
        return self.subtotal + self.shipping_total + self.tax_total - self.discount_total

    def limit_problems(self, *, max_line_items: int) -> list[str]:
        """What makes this order too big to keep, in words a merchant can act on ([] if nothing).

        Checked by order_upsert for every ingest path, before anything is written: an amount
        past the columns' range would otherwise fail inside the database.
        """
        problems = []
        if len(self.line_items) > max_line_items:
            problems.append(
                f"an order may have at most {max_line_items} line items, this one has {len(self.line_items)}"
            )
        for name, amount in (("subtotal", self.subtotal), ("total", self.grand_total)):
            if abs(amount) >= MONEY_LIMIT:
                problems.append(f"the order's {name} {amount} is larger than {MONEY_LIMIT - Decimal('0.01'):,}")
        return problems

    def order_values(self) -> dict:
        """The Order fields a later copy of this order may change (ORDER_UPDATABLE_FIELDS)."""
        return {
            "email": self.email.strip().lower(),
            "phone": self.phone,
            "currency": self.currency,
            "subtotal": self.subtotal,
            "shipping_total": self.shipping_total,
            "tax_total": self.tax_total,
            "discount_total": self.discount_total,
            "total": self.grand_total,
            "shipping_address": self.shipping_address,
            "billing_address": self.billing_address,
            "shipping_method": self.shipping_method,
            "locale": self.locale,
        }


@dataclass(frozen=True, kw_only=True)
class ShipmentItemInput:
    """Which line item, by our id, the merchant's SKU or the platform's line id."""

    quantity: int
    line_item_id: int | None = None
    sku: str = ""
    external_id: str = ""
