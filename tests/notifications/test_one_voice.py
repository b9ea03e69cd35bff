"""A customer reads the same carrier name and the same money format on the tracking page as in the
emails about the same order, in their language."""

from decimal import Decimal
from html import unescape

import pytest
from django.core import mail

from orders import services
from orders.inputs import LineItemInput
from postpurchase.money import money_format
from tests.orders.factories import place_order
from tests.tracking.page_helpers import page

pytestmark = pytest.mark.django_db


def item(sku, price):
    return LineItemInput(sku=sku, title=sku.title(), quantity=1, unit_price=Decimal(price))


@pytest.mark.parametrize(
    ("locale", "amount", "expected"),
    [
        ("en", "1299.5", "€1,299.50"),
        ("de", "1299.5", "1.299,50\xa0€"),
        ("fr", "67.9", "67,90\xa0€"),
        ("es", "67.9", "67,90\xa0€"),
    ],
)
def test_money_reads_the_way_each_language_writes_it(locale, amount, expected):
    assert money_format(Decimal(amount), "EUR", locale) == expected


def test_an_unknown_locale_falls_back_to_english_instead_of_failing():
    assert money_format(Decimal("5"), "USD", "xx") == "$5.00"


@pytest.mark.parametrize(("locale", "price"), [("en", "€129.00"), ("de", "129,00\xa0€")])
def test_the_carrier_and_prices_read_the_same_on_the_page_and_in_the_email(client, store, deliver, locale, price):
    place_order(store, number="#1", external_id="1", line_items=[item("tee", "25.00"), item("coat", "129.00")])
    order = deliver(place_order, store, number="#2", external_id="2", locale=locale, line_items=[item("tee", "25.00")])
    deliver(services.shipment_upsert, order=order, carrier="ups", tracking_number="1Z999")

    html = page(client, order).content.decode()
    shipped = mail.outbox[-1]
    email_html = shipped.alternatives[0][0]

    assert "<dd>UPS</dd>" in html
    assert ">ups<" not in html
    assert "UPS" in shipped.body
    assert "UPS" in email_html
    assert "ups" not in shipped.body.replace("1Z999", "")
    assert price in html  # the coat, recommended on the page
    (confirmation,) = [m for m in mail.outbox if "#2" in m.subject and m is not shipped]
    total = money_format(order.total, "EUR", locale)
    assert total in confirmation.body
    assert total in unescape(confirmation.alternatives[0][0])  # as the mail client shows it
