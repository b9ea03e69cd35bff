"""The tracking page and lookup in the customer's language, and the translation catalogues."""

import re

import pytest
from django.conf import settings

from tests.orders.factories import place_order
from tests.tracking.page_helpers import EMAIL, look_up, opened, page, ship
from tracking import links

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


def test_lang_de_shows_the_page_in_german(client, store):
    order = place_order(store)
    ship(order)

    response = page(client, order, lang="de")

    html = response.content.decode()
    assert '<html lang="de">' in html
    assert "<h1>Bestellung #1001</h1>" in html
    assert "Sendungsverlauf" in html
    assert "Rücksendung starten" in html
    assert response["Content-Language"] == "de"


def test_the_orders_locale_picks_the_language(client, store):
    order = place_order(store, locale="de")

    html = page(client, order, HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "<h1>Bestellung #1001</h1>" in html


def test_without_a_locale_the_browsers_language_is_used(client, store):
    order = place_order(store)

    html = client.get(links.page_path(links.order_token(order)), HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "<h1>Pedido #1001</h1>" in html


def test_the_switcher_overrides_the_orders_locale(client, store):
    order = place_order(store, locale="de")

    html = page(client, order, lang="fr").content.decode()

    assert "<h1>Commande #1001</h1>" in html


def test_the_lookup_keeps_the_chosen_language(client, store):
    order = place_order(store, number="#1001", email=EMAIL)

    form = client.get("/track/?lang=de").content.decode()
    response = look_up(client, "1001", EMAIL, lang="de")

    assert '<label for="id_order_number">Bestellnummer</label>' in form
    assert opened(response) == order.pk
    assert response["Location"].endswith("/?lang=de")


@pytest.mark.parametrize("language", ["de", "fr", "es"])
def test_every_string_of_the_customer_pages_is_translated(language):
    catalog = (settings.BASE_DIR / "locale" / language / "LC_MESSAGES" / "django.po").read_text()

    untranslated = []
    for entry in catalog.split("\n\n"):
        if "\nmsgid " not in "\n" + entry or 'msgid ""\nmsgstr ""\n"Project-Id' in entry:
            continue  # the header
        # Each translation (one, or one per plural form) starts at its own `msgstr` line.
        translations = re.split(r"\nmsgstr(?:\[\d+\])? ", entry)[1:]
        if "#, fuzzy" in entry or not all("".join(re.findall(r'"(.*)"', t)) for t in translations):
            untranslated.append(entry)

    assert untranslated == []
