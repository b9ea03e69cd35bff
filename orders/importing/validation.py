"""Turn one order as a reader found it (raw cells or JSON values) into an OrderInput, or say why not.

Every reader hands over the same shape, a RawOrder, so the rules live here once: the same
limits as the REST API's OrderInputSerializer, with messages that name the file's own column
and line ("line 42: quantity 'abc' is not a whole number").
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from decimal import Decimal
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from orders.inputs import (
    MAX_QUANTITY,
    MONEY_LIMIT,
    DiscountUse,
    LineItemInput,
    MarketingConsent,
    OrderInput,
    clean_address,
    normalize_phone,
)
from orders.models import LOCALES, normalize_email
from postpurchase.money import ZERO, to_money

from .phones import e164_fast

LOCALE_CODES = frozenset(code for code, _name in LOCALES)
# Field lengths, as the models and the API's serializers allow them.
ORDER_LENGTHS = {"number": 32, "external_id": 64, "first_name": 100, "last_name": 100}
ITEM_LENGTHS = {"sku": 64, "title": 255, "external_id": 64}
ADDRESS_LENGTHS = {"name": 200, "line1": 200, "line2": 200, "city": 100, "region": 100, "postal_code": 20}


@dataclass(slots=True)
class RawItem:
    line: int
    values: dict
    label_prefix: str = ""  # "line_items[2]." in JSON lines, so a message says which item


@dataclass(slots=True)
class RawOrder:
    """One order as a reader found it: order-level values, its items, and problems the reader saw."""

    line: int
    values: dict
    items: list[RawItem] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)


@dataclass(slots=True)
class Checked:
    """A valid order (data is set) or the reasons it was refused, by line (data is None)."""

    line: int
    data: OrderInput | None
    errors: list[tuple[int, str]]
    warnings: list[tuple[int, str]]


class _Problems:
    """Collects messages per line, so one line with three problems is reported once."""

    def __init__(self, labels: dict[str, str]):
        self.labels = labels
        self.by_line: dict[int, list[str]] = defaultdict(list)

    def add(self, line: int, message: str) -> None:
        self.by_line[line].append(message)

    def label(self, name: str, prefix: str = "") -> str:
        return prefix + self.labels.get(name, name)

    def as_list(self) -> list[tuple[int, str]]:
        return [(line, "; ".join(messages)) for line, messages in sorted(self.by_line.items())]


def _text(value, name: str, line: int, p: _Problems, *, max_length: int, required=False, prefix="") -> str:
    if value is None:
        text = ""
    elif isinstance(value, str):
        text = value.strip()
    elif isinstance(value, int | Decimal) and not isinstance(value, bool):
        text = str(value)  # JSON numbers where text is expected: an order number like 1042
    else:
        p.add(line, f"{p.label(name, prefix)} must be text, not {value!r}")
        return ""
    if required and not text:
        p.add(line, f"{p.label(name, prefix)} is required")
    elif len(text) > max_length:
        p.add(line, f"{p.label(name, prefix)} is longer than {max_length} characters")
    return text


# Amounts repeat (a catalogue's prices, shipping fees, 0.00): the parsed Decimal of a cell's
# text is kept, bounded. Decimals are immutable, so sharing one is safe.
_money_text = lru_cache(maxsize=16384)(to_money)


def _money(value, name: str, line: int, p: _Problems, *, prefix="") -> Decimal:
    try:
        amount = _money_text(value) if type(value) is str else to_money(value)
    except (ValueError, TypeError):
        p.add(line, f"{p.label(name, prefix)} {value!r} is not an amount")
        return ZERO
    if amount < 0:
        p.add(line, f"{p.label(name, prefix)} {value!r} must not be negative")
    elif amount >= MONEY_LIMIT:
        p.add(line, f"{p.label(name, prefix)} {value!r} is too large")
    return amount


def _whole(value, name: str, line: int, p: _Problems, *, prefix="") -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = value.strip() if isinstance(value, str) else value
        if text in ("", None):
            p.add(line, f"{p.label(name, prefix)} is required")
            return 0
        try:
            number = int(text)
        except (TypeError, ValueError):
            # "2.0" is what a spreadsheet makes of 2; "2.5" is not a whole number.
            try:
                exact = Decimal(str(text))
            except ArithmeticError:
                exact = None
            if exact is None or not exact.is_finite() or exact != exact.to_integral_value():
                p.add(line, f"{p.label(name, prefix)} {value!r} is not a whole number")
                return 0
            number = int(exact)
    if not 1 <= number <= MAX_QUANTITY:
        p.add(line, f"{p.label(name, prefix)} {number} must be between 1 and {MAX_QUANTITY:,}")
    return number


_YES = frozenset({"yes", "y", "true", "1"})
_NO = frozenset({"no", "n", "false", "0"})


def _yes_no(value, name: str, line: int, p: _Problems) -> bool | None:
    """True, False, or None for an empty cell (nothing said)."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text == "":
        return None
    if text in _YES:
        return True
    if text in _NO:
        return False
    p.add(line, f"{p.label(name)} {value!r} is not yes or no (leave it empty if the customer was not asked)")
    return None


MAX_DISCOUNT_CODES = 20


def _discount_codes(v: dict, discount_total: Decimal, line: int, p: _Problems) -> list[DiscountUse]:
    """A CSV's one `discount_code` (worth the order's discount total), or JSON's list of
    `{"code", "amount"}`."""
    if v.get("discount_codes") is None:
        code = _text(v.get("discount_code"), "discount_code", line, p, max_length=64)
        return [DiscountUse(code=code, amount=discount_total)] if code else []
    raw = v["discount_codes"]
    if not isinstance(raw, list) or len(raw) > MAX_DISCOUNT_CODES:
        p.add(line, f"discount_codes must be a list of at most {MAX_DISCOUNT_CODES} objects")
        return []
    uses = []
    for n, item in enumerate(raw):
        prefix = f"discount_codes[{n}]."
        if not isinstance(item, dict):
            p.add(line, f"discount_codes[{n}] must be an object")
            continue
        code = _text(item.get("code"), "code", line, p, max_length=64, required=True, prefix=prefix)
        uses.append(DiscountUse(code=code, amount=_money(item.get("amount"), "amount", line, p, prefix=prefix)))
    return uses


def _moment(value, name: str, line: int, p: _Problems, tz: tzinfo) -> datetime | None:
    text = value.strip() if isinstance(value, str) else value
    if text in ("", None):
        return None
    try:
        # Python 3.11 reads ISO 8601 and Shopify's "2024-03-05 14:02:11 -0500" alike.
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        p.add(line, f"{p.label(name)} {value!r} is not an ISO 8601 date and time, e.g. 2024-03-05T14:02:11+01:00")
        return None
    # A time without an offset is the store's local time, as the merchant would read it.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)


# The everyday shape of an address, precompiled: a strict subset of what Django's
# validate_email accepts (dot-atom of common characters, ASCII labels, letters-only TLD), so a
# match is valid without the validator's several regexes; anything else goes to the validator.
_PLAIN_EMAIL = re.compile(
    r"[a-z0-9_+-]+(?:\.[a-z0-9_+-]+)*@"
    r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.[a-z]{2,63}",
    re.IGNORECASE,
)


def _email_ok(email: str) -> bool:
    return (len(email) <= 320 and _PLAIN_EMAIL.fullmatch(email) is not None) or _email_validated(email)


# Cached, because a store's customers come back order after order; bounded, so memory stays flat.
@lru_cache(maxsize=16384)
def _email_validated(email: str) -> bool:
    try:
        validate_email(email)
    except ValidationError:
        return False
    return True


@lru_cache(maxsize=16384)
def _phone(raw: str, region: str) -> tuple[str, str]:
    """(E.164 number, "") or ("", why not)."""
    fast = e164_fast(raw)  # the same answer as normalize_phone for "+<digits>", sooner
    if fast is not None:
        return fast, ""
    try:
        return normalize_phone(raw, region=region), ""
    except ValueError as exc:
        return "", str(exc)


def _address(raw, name: str, line: int, p: _Problems) -> dict:
    if raw in (None, ""):
        return {}
    if not isinstance(raw, dict):
        p.add(line, f"{p.label(name)} must be an object")
        return {}
    address = clean_address(raw)
    for key, limit in ADDRESS_LENGTHS.items():
        if len(address.get(key, "")) > limit:
            p.add(line, f"{p.label(f'{name}.{key}')} is longer than {limit} characters")
    country = address.get("country", "")
    if country:
        address["country"] = country = country.upper()
        if len(country) != 2 or not country.isalpha():
            p.add(line, f"{p.label(f'{name}.country')} {country!r} is not a two-letter ISO country code, e.g. DE")
    return address


def _item(raw: RawItem, p: _Problems) -> LineItemInput:
    v, line, prefix = raw.values, raw.line, raw.label_prefix
    return LineItemInput(
        sku=_text(v.get("sku"), "sku", line, p, max_length=ITEM_LENGTHS["sku"], prefix=prefix),
        title=_text(v.get("title"), "title", line, p, max_length=ITEM_LENGTHS["title"], required=True, prefix=prefix),
        quantity=_whole(v.get("quantity"), "quantity", line, p, prefix=prefix),
        unit_price=_money(v.get("unit_price"), "unit_price", line, p, prefix=prefix),
        external_id=_text(
            v.get("external_id"), "external_id", line, p, max_length=ITEM_LENGTHS["external_id"], prefix=prefix
        ),
        lasts_days=_lasts_days(v.get("lasts_days"), line, p, prefix=prefix),
    )


def _lasts_days(value, line: int, p: _Problems, *, prefix="") -> int | None:
    """Optional: empty keeps what the product says; else a whole number of days, 1 to 3650."""
    if value in (None, "") or (isinstance(value, str) and not value.strip()):
        return None
    days = _whole(value, "lasts_days", line, p, prefix=prefix)
    if days == 0:
        return None  # _whole said why
    if not 1 <= days <= 3650:
        p.add(line, f"{p.label('lasts_days', prefix)} must be between 1 and 3650 days")
        return None
    return days


def order_check(raw: RawOrder, *, tz: tzinfo, labels: dict[str, str]) -> Checked:
    """Validate one order. Any problem on any of its lines refuses the whole order: importing
    half an order would make totals and returns wrong.
    """
    p = _Problems(labels)
    for line, message in raw.problems:
        p.add(line, message)
    if raw.problems and not raw.values:
        return Checked(line=raw.line, data=None, errors=p.as_list(), warnings=[])  # unreadable, e.g. bad JSON
    v, line = raw.values, raw.line
    warnings: list[tuple[int, str]] = []

    number = _text(v.get("number"), "number", line, p, max_length=ORDER_LENGTHS["number"], required=True)
    email = normalize_email(_text(v.get("email"), "email", line, p, max_length=254, required=True))
    if email and not _email_ok(email):
        p.add(line, f"{p.label('email')} {v.get('email')!r} is not a valid email address")
    currency = _text(v.get("currency"), "currency", line, p, max_length=3, required=True).upper()
    if currency and (len(currency) != 3 or not currency.isalpha()):
        p.add(line, f"{p.label('currency')} {v.get('currency')!r} is not a three-letter ISO 4217 code, e.g. EUR")
    locale = _text(v.get("locale"), "locale", line, p, max_length=8).lower()
    if locale and locale not in LOCALE_CODES:
        p.add(line, f"{p.label('locale')} {locale!r} is not one of {', '.join(sorted(LOCALE_CODES))}")
    shipping_address = _address(v.get("shipping_address"), "shipping_address", line, p)
    billing_address = _address(v.get("billing_address"), "billing_address", line, p)
    phone = ""
    raw_phone = _text(v.get("phone"), "phone", line, p, max_length=32)
    if raw_phone:
        phone, why = _phone(raw_phone, shipping_address.get("country", ""))
        if why:
            # The phone is optional: losing a whole order of history over it would be worse.
            warnings.append((line, f"{p.label('phone')} dropped: {why}"))
    total = v.get("total")
    consent_at = _moment(v.get("marketing_consent_at"), "marketing_consent_at", line, p, tz)
    marketing_consent = MarketingConsent(
        email=_yes_no(v.get("accepts_email_marketing"), "accepts_email_marketing", line, p),
        sms=_yes_no(v.get("accepts_sms_marketing"), "accepts_sms_marketing", line, p),
        email_at=consent_at,
        sms_at=consent_at,
    )
    values = {
        "external_id": _text(v.get("external_id"), "external_id", line, p, max_length=ORDER_LENGTHS["external_id"]),
        "placed_at": _moment(v.get("placed_at"), "placed_at", line, p, tz),
        "cancelled_at": _moment(v.get("cancelled_at"), "cancelled_at", line, p, tz),
        "first_name": _text(v.get("first_name"), "first_name", line, p, max_length=ORDER_LENGTHS["first_name"]),
        "last_name": _text(v.get("last_name"), "last_name", line, p, max_length=ORDER_LENGTHS["last_name"]),
        "shipping_total": _money(v.get("shipping_total"), "shipping_total", line, p),
        "tax_total": _money(v.get("tax_total"), "tax_total", line, p),
        "discount_total": _money(v.get("discount_total"), "discount_total", line, p),
        # An empty total is not zero: it is worked out from the items, as the API does.
        "total": None if total is None or str(total).strip() == "" else _money(total, "total", line, p),
        "marketing_consent": marketing_consent,
    }
    values["discount_codes"] = _discount_codes(v, values["discount_total"], line, p)
    if not raw.items:
        p.add(line, "the order has no line items")
    items = [_item(item, p) for item in raw.items]
    if p.by_line:
        return Checked(line=line, data=None, errors=p.as_list(), warnings=warnings)
    data = OrderInput(
        number=number,
        email=email,
        currency=currency,
        line_items=items,
        phone=phone,
        locale=locale,
        shipping_address=shipping_address,
        billing_address=billing_address,
        **values,
    )
    for problem in data.limit_problems(max_line_items=settings.ORDER_MAX_LINE_ITEMS):
        p.add(line, problem)
    if p.by_line:
        return Checked(line=line, data=None, errors=p.as_list(), warnings=warnings)
    return Checked(line=line, data=data, errors=[], warnings=warnings)
