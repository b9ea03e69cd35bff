"""Money is Decimal with two places, rounded half-up, never float."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from babel.core import UnknownLocaleError
from babel.numbers import format_currency
from django.core.validators import RegexValidator
from django.db import models

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

currency_validator = RegexValidator(r"^[A-Z]{3}$", "Use a three-letter ISO 4217 currency code, e.g. EUR.")


def to_money(value: object) -> Decimal:
    """Parse an amount from an API, a CSV cell or a provider payload ("12.5", 12, "1,299.00").

    Floats go through str() so 0.1 stays 0.10, not 0.1000000000000000055.
    """
    if value is None or value == "":
        return ZERO
    if isinstance(value, float):
        value = repr(value)
    text = str(value).strip().replace(",", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not an amount") from None
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not an amount")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@lru_cache(maxsize=8192)
def money_format(amount: Decimal, currency: str, locale: str = "en") -> str:
    """An amount as readers of `locale` write it: €1,299.00 in en, 1.299,00 € in de, 1 299,00 € in fr.

    The one money format of every customer surface (pages, emails, SMS) and the admin (CLDR data
    through Babel). An unknown locale falls back to English rather than failing a message.
    Remembered per (amount, currency, locale): Babel takes about 0.1 ms a call, an email shows
    half a dozen amounts, and a shop's prices repeat (the answer depends on nothing else).
    """
    try:
        return format_currency(amount, currency, locale=(locale or "en").replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return format_currency(amount, currency, locale="en")


class MoneyField(models.DecimalField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("default", ZERO)
        super().__init__(*args, **kwargs)
