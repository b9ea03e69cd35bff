"""Which template is used: language fallbacks and the merchant's own overrides."""

import logging
import re

import pytest

from notifications import kinds
from notifications.models import Channel
from notifications.rendering import render
from tests.notifications.template_samples import sample, template


def test_a_language_without_templates_falls_back_to_english():
    context = sample(kinds.SHIPPED)

    portuguese = render(kind=kinds.SHIPPED, channel=Channel.EMAIL, locale="pt", context=context)

    assert portuguese == render(kind=kinds.SHIPPED, channel=Channel.EMAIL, locale="en", context=context)


def test_a_locale_that_looks_like_a_path_is_never_read():
    context = sample(kinds.SHIPPED)

    rendered = render(kind=kinds.SHIPPED, channel=Channel.SMS, locale="../en", context=context)

    assert rendered == render(kind=kinds.SHIPPED, channel=Channel.SMS, locale="en", context=context)


@pytest.mark.django_db
def test_an_override_wins_for_its_language_and_the_files_serve_the_others(store):
    template(
        store, locale="de", subject="Unterwegs: {{ order.number }}", body="<p>Hallo {{ customer.first_name }}!</p>"
    )
    context = sample(kinds.SHIPPED)

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
    context = sample(kinds.SHIPPED)

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
    context = sample(kinds.SHIPPED)

    with caplog.at_level(logging.WARNING, logger="notifications.rendering"):
        rendered = render(kind="shipped", channel="email", locale="en", context=context, store_id=store.pk)

    assert rendered == render(kind="shipped", channel="email", locale="en", context=context)
    assert f"message template {broken.pk}" in caplog.text
