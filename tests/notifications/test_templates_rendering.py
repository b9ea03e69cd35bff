"""The default message templates: every kind in every language and channel, footers, escaping and branding."""

import re
from datetime import date
from decimal import Decimal

import pytest

from loyalty.kinds import AVAILABLE_MESSAGE, MAGIC_LINK_MESSAGE, REWARD_MESSAGE
from loyalty.moments import BIRTHDAY_MESSAGE, EXPIRING_MESSAGE
from loyalty.tiers import TIER_MESSAGE
from notifications import kinds, registry
from notifications.context import message_context
from notifications.models import Channel, Message
from notifications.rendering import ROOT, has_file, render
from notifications.sms_segments import non_gsm_characters, sms_count
from notifications.template_helpers import DASH
from orders import services
from tests.apps.fake_pillar.apps import BIRTHDAY
from tests.notifications.template_samples import KIND_CHANNELS, KINDS, LOCALES, OPTIONAL, sample
from tests.orders.factories import place_order

# Kinds about the customer rather than one order: their text names no order number.
ABOUT_NO_ORDER = (
    kinds.COUPON,
    BIRTHDAY,
    TIER_MESSAGE,
    BIRTHDAY_MESSAGE,
    EXPIRING_MESSAGE,
    MAGIC_LINK_MESSAGE,
    REWARD_MESSAGE,
    AVAILABLE_MESSAGE,
)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(("kind", "channel"), KIND_CHANNELS)
def test_every_default_template_renders_in_every_language(kind, channel, locale):
    context = sample(kind, locale)

    rendered = render(kind=kind, channel=channel, locale=locale, context=context)

    everything = rendered.subject + rendered.text + rendered.html
    assert "Acme Outfitters" in rendered.text
    assert "{{" not in everything
    assert "{%" not in everything
    assert "None" not in everything
    assert "Undefined" not in everything
    if kind not in ABOUT_NO_ORDER and (kind, channel) != (kinds.RECOMMENDATIONS, Channel.SMS):
        assert "#1001" in rendered.text
    if channel == Channel.EMAIL:
        assert rendered.subject
        assert "\n" not in rendered.subject
        assert f'<html lang="{locale}">' in rendered.html
        assert 'alt="Acme Outfitters"' in rendered.html
        assert "help@acme.example" in rendered.text
        assert "help@acme.example" in rendered.html
    else:
        assert rendered.subject == ""
        assert rendered.html == ""


@pytest.mark.parametrize("locale", ["de", "fr", "es"])
@pytest.mark.parametrize(("kind", "channel"), KIND_CHANNELS)
def test_every_default_template_is_translated(kind, channel, locale):
    english = render(kind=kind, channel=channel, locale="en", context=sample(kind, "en"))

    translated = render(kind=kind, channel=channel, locale=locale, context=sample(kind, locale))

    assert translated.text != english.text
    assert translated.subject != english.subject or channel == Channel.SMS


@pytest.mark.parametrize("directory", sorted({ROOT} | {kind.templates for kind in registry.kinds()}))
def test_every_language_has_the_same_files_as_english(directory):
    english = sorted(p.name for p in (directory / "en").iterdir())

    for locale in ["de", "fr", "es"]:
        assert sorted(p.name for p in (directory / locale).iterdir()) == english


@pytest.mark.parametrize(("kind", "channel"), KIND_CHANNELS)
def test_every_kind_has_its_templates_for_every_channel_it_declares(kind, channel):
    for locale in LOCALES:
        assert has_file(kind=kind, channel=channel, locale=locale)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", [kind for kind, channel in KIND_CHANNELS if channel == Channel.SMS])
def test_default_sms_fit_the_cheap_gsm7_alphabet(kind, locale):
    rendered = render(kind=kind, channel=Channel.SMS, locale=locale, context=sample(kind, locale))

    assert non_gsm_characters(rendered.text) == []
    assert sms_count(rendered.text).segments <= 2


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_renders_from_a_real_orders_context(kind, store):
    order = place_order(store, number="#2001", shipping_total=Decimal("4.90"))
    shipment, _ = services.shipment_upsert(order=order, carrier="ups", tracking_number="1Z999")
    message = Message(store=store, order=order, customer=order.customer, shipment=shipment, kind=kind, locale="en")

    rendered = render(kind=kind, channel=Channel.EMAIL, locale="en", context=message_context(message))

    assert "Acme Outfitters" in rendered.text
    assert "#2001" in rendered.text or kind in ABOUT_NO_ORDER


def test_the_confirmation_has_items_totals_address_estimate_and_tracking_link():
    context = sample(kinds.ORDER_CONFIRMATION)
    context["order"]["estimated_delivery_from"] = date(2025, 3, 12)
    context["order"]["estimated_delivery_to"] = date(2025, 3, 14)

    rendered = render(kind=kinds.ORDER_CONFIRMATION, channel=Channel.EMAIL, locale="en", context=context)

    for part in (rendered.text, rendered.html):
        assert "#1001" in part
        assert "Linen tee" in part
        assert "Wool cap" in part
        assert "€50.00" in part
        assert "€74.80" in part
        assert "12 Analytical Street" in part
        assert "London" in part
        assert f"12{DASH}14 March 2025" in part
        assert "http://127.0.0.1:8000/track/sample/" in part


def test_the_delay_notice_gives_the_reason_and_apologises():
    context = sample(kinds.DELAYED)
    context["message"]["data"]["reason"] = "Snow closed the Leipzig hub."

    rendered = render(kind=kinds.DELAYED, channel=Channel.EMAIL, locale="en", context=context)

    assert "Snow closed the Leipzig hub." in rendered.text
    assert "sorry" in rendered.text.lower()


def test_the_thank_you_shows_the_care_instructions_of_what_was_bought():
    rendered = render(kind=kinds.THANK_YOU, channel=Channel.EMAIL, locale="de", context=sample("thank_you", "de"))

    assert "Machine wash cold, inside out." in rendered.text
    assert "Machine wash cold, inside out." in rendered.html


def test_recommendations_show_each_product_with_its_picture_and_link():
    context = sample(kinds.RECOMMENDATIONS)

    rendered = render(kind=kinds.RECOMMENDATIONS, channel=Channel.EMAIL, locale="en", context=context)

    assert 'alt="Merino beanie"' in rendered.html
    assert 'href="https://example.com/products/linen-scarf"' in rendered.html
    assert f"Linen scarf {DASH} €39.00" in rendered.text


def test_the_coupon_shows_its_code_and_discount():
    context = sample(kinds.COUPON)
    context["message"]["data"] = {"coupon_code": "THANKS-ABCDE", "coupon_percent": 15}

    rendered = render(kind=kinds.COUPON, channel=Channel.EMAIL, locale="fr", context=context)

    assert "15 % de réduction" in rendered.subject
    assert "THANKS-ABCDE" in rendered.text
    assert "THANKS-ABCDE" in rendered.html


@pytest.mark.parametrize("kind", OPTIONAL)
def test_optional_messages_offer_unsubscribe_and_preferences(kind):
    rendered = render(kind=kind, channel=Channel.EMAIL, locale="en", context=sample(kind))

    for part in (rendered.text, rendered.html):
        assert "/messages/unsubscribe/sample/" in part
        assert "/messages/preferences/sample/" in part


@pytest.mark.parametrize("kind", sorted(set(KINDS) - set(OPTIONAL)))
def test_order_updates_offer_only_the_preferences(kind):
    rendered = render(kind=kind, channel=Channel.EMAIL, locale="en", context=sample(kind))

    for part in (rendered.text, rendered.html):
        assert "/messages/preferences/sample/" in part
        assert "/messages/unsubscribe/" not in part


def test_the_messages_own_transactional_flag_decides_the_footer_when_known():
    context = sample(kinds.COUPON)
    context["message"]["transactional"] = True

    rendered = render(kind=kinds.COUPON, channel=Channel.EMAIL, locale="en", context=context)

    assert "/messages/unsubscribe/" not in rendered.html


def test_values_are_escaped_in_html_and_raw_in_text():
    context = sample(kinds.ORDER_CONFIRMATION)
    context["order"]["line_items"][0]["title"] = "<script>alert(1)</script> Tee"

    rendered = render(kind=kinds.ORDER_CONFIRMATION, channel=Channel.EMAIL, locale="en", context=context)

    assert "<script>" not in rendered.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Tee" in rendered.html
    assert "<script>alert(1)</script> Tee" in rendered.text


def test_the_css_is_inlined_with_the_stores_colour():
    rendered = render(
        kind=kinds.SHIPPED, channel=Channel.EMAIL, locale="en", context=sample("shipped", primary_color="#0a7d4f")
    )

    assert re.search(r'class="header"[^>]*style="[^"]*background-color: #0a7d4f', rendered.html)
    assert re.search(r'class="button"[^>]*style="[^"]*background-color: #0a7d4f', rendered.html)
    assert [block.strip()[:6] for block in re.findall(r"<style>(.*?)</style>", rendered.html, re.S)] == ["@media"]
    assert "max-width: 600px" in rendered.html


def test_a_light_brand_colour_gets_dark_button_text():
    rendered = render(
        kind=kinds.SHIPPED, channel=Channel.EMAIL, locale="en", context=sample("shipped", primary_color="#ffd60a")
    )

    assert re.search(r'class="button"[^>]*style="color: #000000', rendered.html)


def test_a_colour_that_is_not_hex_never_reaches_the_css():
    context = sample(kinds.SHIPPED, primary_color="red;}</style><script>x()</script>")

    rendered = render(kind=kinds.SHIPPED, channel=Channel.EMAIL, locale="en", context=context)

    assert "<script>" not in rendered.html
    assert "background-color: #1f6feb" in rendered.html


def test_without_a_logo_the_header_shows_the_store_name():
    rendered = render(kind=kinds.SHIPPED, channel=Channel.EMAIL, locale="en", context=sample("shipped", logo_url=""))

    assert '<span class="store-name"' in rendered.html
    assert "<img" not in rendered.html.split('class="content"')[0]
