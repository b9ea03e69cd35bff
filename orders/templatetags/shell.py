"""Filters of the customer shell: the same money and carrier wording on every page as in the emails."""

from decimal import Decimal

from django import template
from django.utils.translation import get_language

from orders.carriers import carrier_name
from postpurchase.money import money_format

register = template.Library()


@register.filter
def money(amount: Decimal, currency: str) -> str:
    """`{{ price|money:currency }}` in the page's language: €129.00, 129,00 €."""
    return money_format(amount, currency, get_language() or "en")


register.filter("carrier", carrier_name)
