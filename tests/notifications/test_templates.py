import logging
import re
from datetime import date
from decimal import Decimal

import pytest
from jinja2.sandbox import SecurityError

from notifications.context import message_context
from notifications.models import Channel, Message, MessageKind, MessageTemplate
from notifications.preview import builtin_context
from notifications.rendering import ROOT, default_source, render, render_override
from notifications.sms_segments import GSM7, UCS2, non_gsm_characters, sms_count
from notifications.template_helpers import DASH, format_date, format_date_range, html_to_text
from orders import services
from orders.models import Store
from tests.orders.factories import place_order

LOCALES = ["en", "de", "fr", "es"]
KINDS = MessageKind.values
OPTIONAL = [MessageKind.THANK_YOU, MessageKind.RECOMMENDATIONS, MessageKind.COUPON]


def a_store(**fields) -> Store:
    values = {
        "name": "Acme Outfitters",
        "currency": "EUR",
        "primary_color": "#0a7d4f",
        "support_email": "help@acme.example",
        "logo_url": "https://acme.example/logo.png",
    }
    return Store(**{**values, **fields})


def sample(kind: str, locale: str = "en", **store_fields) -> dict:
    return builtin_context(a_store(**store_fields), kind=kind, locale=locale)


def template(store, **fields) -> MessageTemplate:
    values = {"kind": MessageKind.SHIPPED, "channel": Channel.EMAIL, "locale": "en", "subject": "", "text_body": ""}
    return MessageTemplate.objects.create(store=store, **{**values, **fields})


# --- the default templates ------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("channel", Channel.values)
@pytest.mark.parametrize("kind", KINDS)
def test_every_default_template_renders_in_every_language(kind, channel, locale):
    context = sample(kind, locale)

    rendered = render(kind=kind, channel=channel, locale=locale, context=context)

    everything = rendered.subject + rendered.text + rendered.html
    assert "Acme Outfitters" in rendered.text
    assert "{{" not in everything
    assert "{%" not in everything
    assert "None" not in everything
    assert "Undefined" not in everything
    if kind != MessageKind.COUPON and (kind, channel) != (MessageKind.RECOMMENDATIONS, Channel.SMS):
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
@pytest.mark.parametrize("channel", Channel.values)
@pytest.mark.parametrize("kind", KINDS)
def test_every_default_template_is_translated(kind, channel, locale):
    english = render(kind=kind, channel=channel, locale="en", context=sample(kind, "en"))

    translated = render(kind=kind, channel=channel, locale=locale, context=sample(kind, locale))

    assert translated.text != english.text
    assert translated.subject != english.subject or channel == Channel.SMS


def test_every_language_has_the_same_files_as_english():
    english = sorted(p.name for p in (ROOT / "en").iterdir())

    for locale in ["de", "fr", "es"]:
        assert sorted(p.name for p in (ROOT / locale).iterdir()) == english


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", KINDS)
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
    assert "#2001" in rendered.text or kind == MessageKind.COUPON


def test_the_confirmation_has_items_totals_address_estimate_and_tracking_link():
    context = sample(MessageKind.ORDER_CONFIRMATION)
    context["order"]["estimated_delivery_from"] = date(2025, 3, 12)
    context["order"]["estimated_delivery_to"] = date(2025, 3, 14)

    rendered = render(kind=MessageKind.ORDER_CONFIRMATION, channel=Channel.EMAIL, locale="en", context=context)

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
    context = sample(MessageKind.DELAYED)
    context["message"]["data"]["reason"] = "Snow closed the Leipzig hub."

    rendered = render(kind=MessageKind.DELAYED, channel=Channel.EMAIL, locale="en", context=context)

    assert "Snow closed the Leipzig hub." in rendered.text
    assert "sorry" in rendered.text.lower()


def test_the_thank_you_shows_the_care_instructions_of_what_was_bought():
    rendered = render(kind=MessageKind.THANK_YOU, channel=Channel.EMAIL, locale="de", context=sample("thank_you", "de"))

    assert "Machine wash cold, inside out." in rendered.text
    assert "Machine wash cold, inside out." in rendered.html


def test_recommendations_show_each_product_with_its_picture_and_link():
    context = sample(MessageKind.RECOMMENDATIONS)

    rendered = render(kind=MessageKind.RECOMMENDATIONS, channel=Channel.EMAIL, locale="en", context=context)

    assert 'alt="Merino beanie"' in rendered.html
    assert 'href="https://example.com/products/linen-scarf"' in rendered.html
    assert f"Linen scarf {DASH} €39.00" in rendered.text


def test_the_coupon_shows_its_code_and_discount():
    context = sample(MessageKind.COUPON)
    context["message"]["data"] = {"coupon_code": "THANKS-ABCDE", "coupon_percent": 15}

    rendered = render(kind=MessageKind.COUPON, channel=Channel.EMAIL, locale="fr", context=context)

    assert "15 % de réduction" in rendered.subject
    assert "THANKS-ABCDE" in rendered.text
    assert "THANKS-ABCDE" in rendered.html


# --- footer ---------------------------------------------------------------------------------


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
    context = sample(MessageKind.COUPON)
    context["message"]["transactional"] = True

    rendered = render(kind=MessageKind.COUPON, channel=Channel.EMAIL, locale="en", context=context)

    assert "/messages/unsubscribe/" not in rendered.html


# --- HTML: escaping, branding, inlined CSS ---------------------------------------------------


def test_values_are_escaped_in_html_and_raw_in_text():
    context = sample(MessageKind.ORDER_CONFIRMATION)
    context["order"]["line_items"][0]["title"] = "<script>alert(1)</script> Tee"

    rendered = render(kind=MessageKind.ORDER_CONFIRMATION, channel=Channel.EMAIL, locale="en", context=context)

    assert "<script>" not in rendered.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Tee" in rendered.html
    assert "<script>alert(1)</script> Tee" in rendered.text


def test_the_css_is_inlined_with_the_stores_colour():
    rendered = render(
        kind=MessageKind.SHIPPED, channel=Channel.EMAIL, locale="en", context=sample("shipped", primary_color="#0a7d4f")
    )

    assert re.search(r'class="header"[^>]*style="[^"]*background-color: #0a7d4f', rendered.html)
    assert re.search(r'class="button"[^>]*style="[^"]*background-color: #0a7d4f', rendered.html)
    assert [block.strip()[:6] for block in re.findall(r"<style>(.*?)</style>", rendered.html, re.S)] == ["@media"]
    assert "max-width: 600px" in rendered.html


def test_a_light_brand_colour_gets_dark_button_text():
    rendered = render(
        kind=MessageKind.SHIPPED, channel=Channel.EMAIL, locale="en", context=sample("shipped", primary_color="#ffd60a")
    )

    assert re.search(r'class="button"[^>]*style="color: #1f2328', rendered.html)


def test_a_colour_that_is_not_hex_never_reaches_the_css():
    context = sample(MessageKind.SHIPPED, primary_color="red;}</style><script>x()</script>")

    rendered = render(kind=MessageKind.SHIPPED, channel=Channel.EMAIL, locale="en", context=context)

    assert "<script>" not in rendered.html
    assert "background-color: #1f6feb" in rendered.html


def test_without_a_logo_the_header_shows_the_store_name():
    rendered = render(
        kind=MessageKind.SHIPPED, channel=Channel.EMAIL, locale="en", context=sample("shipped", logo_url="")
    )

    assert '<span class="store-name"' in rendered.html
    assert "<img" not in rendered.html.split('class="content"')[0]


# --- fallbacks and merchant overrides ---------------------------------------------------------


def test_a_language_without_templates_falls_back_to_english():
    context = sample(MessageKind.SHIPPED)

    portuguese = render(kind=MessageKind.SHIPPED, channel=Channel.EMAIL, locale="pt", context=context)

    assert portuguese == render(kind=MessageKind.SHIPPED, channel=Channel.EMAIL, locale="en", context=context)


def test_a_locale_that_looks_like_a_path_is_never_read():
    context = sample(MessageKind.SHIPPED)

    rendered = render(kind=MessageKind.SHIPPED, channel=Channel.SMS, locale="../en", context=context)

    assert rendered == render(kind=MessageKind.SHIPPED, channel=Channel.SMS, locale="en", context=context)


@pytest.mark.django_db
def test_an_override_wins_for_its_language_and_the_files_serve_the_others(store):
    template(
        store, locale="de", subject="Unterwegs: {{ order.number }}", body="<p>Hallo {{ customer.first_name }}!</p>"
    )
    context = sample(MessageKind.SHIPPED)

    german = render(kind="shipped", channel="email", locale="de", context=context, store_id=store.pk)
    french = render(kind="shipped", channel="email", locale="fr", context=context, store_id=store.pk)

    assert german.subject == "Unterwegs: #1001"
    assert re.search(r"<p[^>]*>Hallo Ada!</p>", german.html)
    assert german.text.startswith("Hallo Ada!")  # no text body: made from the HTML
    assert "Acme Outfitters" in german.text  # the footer is still there
    assert french.subject == "Votre commande #1001 est en route"


@pytest.mark.django_db
def test_the_lookup_is_override_then_file_in_the_language_then_the_same_in_english(store):
    template(store, locale="en", subject="EN override", body="<p>en override</p>")
    context = sample(MessageKind.SHIPPED)

    german = render(kind="shipped", channel="email", locale="de", context=context, store_id=store.pk)
    portuguese = render(kind="shipped", channel="email", locale="pt", context=context, store_id=store.pk)

    assert german.subject == "Deine Bestellung #1001 ist unterwegs"  # the German file before the English override
    assert portuguese.subject == "EN override"


@pytest.mark.django_db
def test_another_stores_override_is_never_used(store, other_store):
    template(other_store, subject="Globex says hi", body="<p>hi</p>")

    rendered = render(kind="shipped", channel="email", locale="en", context=sample("shipped"), store_id=store.pk)

    assert rendered.subject == "Your order #1001 is on its way"


@pytest.mark.django_db
def test_an_sms_override_is_rendered_as_plain_one_line_text(store):
    template(store, channel=Channel.SMS, body="{{ store.name }}:\n  <b>{{ order.number }}</b>\n shipped")

    rendered = render(kind="shipped", channel="sms", locale="en", context=sample("shipped"), store_id=store.pk)

    assert rendered.text == "Acme Outfitters: <b>#1001</b> shipped"


@pytest.mark.django_db
def test_an_override_with_its_own_text_part_uses_it(store):
    template(store, subject="S", body="<p>HTML</p>", text_body="Plain {{ order.number }}")

    rendered = render(kind="shipped", channel="email", locale="en", context=sample("shipped"), store_id=store.pk)

    assert rendered.text.startswith("Plain #1001\n")


@pytest.mark.django_db
def test_an_override_that_fails_while_rendering_falls_back_to_the_default(store, caplog):
    broken = template(store, subject="Hi {{ order.number / 0 }}", body="<p>x</p>")
    context = sample(MessageKind.SHIPPED)

    with caplog.at_level(logging.WARNING, logger="notifications.rendering"):
        rendered = render(kind="shipped", channel="email", locale="en", context=context, store_id=store.pk)

    assert rendered == render(kind="shipped", channel="email", locale="en", context=context)
    assert f"message template {broken.pk}" in caplog.text


# --- the sandbox ----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        "{{ ''.__class__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ store.name.__class__.__base__ }}",
        "{{ message.data.update({'coupon_code': 'FREE'}) }}",
        "{{ 'x' * 10000000 }}",
        "{{ 9 ** 9999999 }}",
        "{{ (9 ** 64) ** 64 ** 64 }}",
        "{% set n = namespace(x=3) %}{% for i in range(64) %}{% set n.x = n.x * n.x %}{% endfor %}{{ n.x }}",
    ],
)
def test_a_merchant_template_cannot_reach_python_internals(store, body):
    broken = template(store, channel=Channel.SMS, body=body)

    with pytest.raises(SecurityError):
        render_override(broken, context=sample("shipped"))
    rendered = render(kind="shipped", channel="sms", locale="en", context=sample("shipped"), store_id=store.pk)

    assert "class" not in rendered.text
    assert "#1001" in rendered.text  # the default template was sent instead


@pytest.mark.django_db
def test_settings_and_other_undefined_names_render_empty(store):
    tpl = template(store, channel=Channel.SMS, body="[{{ settings }}][{{ settings.SECRET_KEY }}][{{ request.user }}]")

    rendered = render_override(tpl, context=sample("shipped"))

    assert rendered.text == "[][][]"


def test_the_default_source_is_what_a_merchant_starts_from():
    source = default_source(kind="shipped", channel="email", locale="fr")

    assert source["subject"] == "Votre commande {{ order.number }} est en route"
    assert "<h1>Votre commande est en route&nbsp;!</h1>" in source["body"]
    assert source["text_body"].startswith("{% set track")
    assert default_source(kind="shipped", channel="sms", locale="pt")["body"].startswith("{% set track")


# --- helpers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "locale", "expected"),
    [
        (date(2025, 3, 12), date(2025, 3, 14), "en", f"12{DASH}14 March 2025"),
        (date(2025, 3, 28), date(2025, 4, 2), "en", f"28 March {DASH} 2 April 2025"),
        (date(2025, 12, 30), date(2026, 1, 2), "en", f"30 December 2025 {DASH} 2 January 2026"),
        (date(2025, 3, 12), date(2025, 3, 14), "de", f"12.{DASH}14. März 2025"),
        (date(2025, 3, 1), date(2025, 3, 3), "fr", f"1er{DASH}3 mars 2025"),
        (date(2025, 3, 12), date(2025, 3, 14), "es", f"12{DASH}14 de marzo de 2025"),
        (date(2025, 3, 12), date(2025, 3, 12), "es", "12 de marzo de 2025"),
        (None, date(2025, 3, 12), "xx", "12 March 2025"),
    ],
)
def test_date_ranges_are_written_as_people_write_them(start, end, locale, expected):
    assert format_date_range(start, end, locale) == expected


def test_dates_accept_iso_strings_and_ignore_nonsense():
    assert format_date("2025-07-04", "de") == "4. Juli 2025"
    assert format_date("soon", "en") == ""
    assert format_date(None, "en") == ""


def test_the_text_part_made_from_html_keeps_paragraphs_rows_and_link_addresses():
    html = (
        "<style>p { color: red }</style><h1>Hello &amp; welcome</h1><p>Your <b>parcel</b>\n is here.</p>"
        "<table><tr><td>Tee</td><td>€5</td></tr><tr><td>Cap</td><td>€6</td></tr></table>"
        '<p><a href="https://t.example/1">Track it</a><br><img src="x.png" alt="Logo"></p><ul><li>one</li><li>two</li></ul>'
    )

    assert html_to_text(html) == (
        "Hello & welcome\n\nYour parcel is here.\n\nTee  €5\nCap  €6\n\nTrack it: https://t.example/1\nLogo\n\n- one\n- two"
    )


@pytest.mark.parametrize(
    ("text", "encoding", "segments"),
    [
        ("", GSM7, 0),
        ("a" * 160, GSM7, 1),
        ("a" * 161, GSM7, 2),
        ("a" * 306, GSM7, 2),
        ("a" * 307, GSM7, 3),
        ("ü" * 160, GSM7, 1),  # ü is in the GSM-7 basic set
        ("€" * 80, GSM7, 1),  # extension characters count twice
        ("€" * 81, GSM7, 2),
        ("a" * 152 + "€" + "a" * 152, GSM7, 3),  # an escape pair is never split across segments
        ("😀" + "a" * 68, UCS2, 1),  # an emoji is two UTF-16 units and forces UCS-2
        ("😀" + "a" * 69, UCS2, 2),
        ("ç" * 70, UCS2, 1),  # lower-case ç is not GSM-7
        ("ç" * 135, UCS2, 3),
    ],
)
def test_sms_segments_are_counted_like_the_carriers_do(text, encoding, segments):
    count = sms_count(text)

    assert (count.encoding, count.segments) == (encoding, segments)


def test_sms_count_reports_units_characters_and_the_segment_size():
    count = sms_count("Price: 5€ 😀")

    assert (count.encoding, count.characters, count.units, count.per_segment) == (UCS2, 11, 12, 70)
    assert non_gsm_characters("Price: 5€ 😀 ok") == ["😀"]
