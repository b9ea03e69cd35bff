"""One brand theme for every customer surface: the tracking page, the preference page and the email
put the same, readable (WCAG AA) text colour on the store's brand colour."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from notifications.context import preferences_token
from postpurchase.brand import brand_theme, contrast
from tests.orders.factories import place_order
from tests.tracking.page_helpers import page

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("color", ["#ff9900", "#ffd60a", "#0f766e", "#1f2328", "#e11d48", "#7dd3fc"])
def test_text_on_any_brand_colour_meets_wcag_aa(color):
    theme = brand_theme(color)

    assert contrast(theme.primary, theme.on_primary) >= 4.5
    assert contrast(theme.accent, "#ffffff") >= 4.5


def test_an_unusable_colour_falls_back_to_the_default_brand():
    assert brand_theme("red; background: url(x)").primary == "#1f6feb"


def test_an_orange_brand_reads_the_same_on_the_page_the_preferences_and_the_email(
    client, store, django_capture_on_commit_callbacks
):
    store.primary_color = "#ff9900"
    store.save()
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(store)
    expected = brand_theme("#ff9900").on_primary

    tracking = page(client, order).content.decode()
    preferences = client.get(
        reverse("notifications:preferences", kwargs={"token": preferences_token(order.customer_id)})
    ).content.decode()
    email = mail.outbox[0].alternatives[0][0]

    assert f"--brand: #ff9900; --on-brand: {expected};" in tracking
    assert re.search(rf"--on-brand: {expected};", preferences)
    assert re.search(rf'class="header"[^>]*style="[^"]*background-color: #ff9900; ?color: {expected};', email)
