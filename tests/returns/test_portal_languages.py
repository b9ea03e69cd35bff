"""The portal speaks the customer's language: the store's policy text and the return reasons."""

import pytest

from returns.models import ReturnReason
from tests.returns.factories import delivered_order, policy
from tracking import links

pytestmark = pytest.mark.django_db


def portal_of(order, lang: str = "") -> str:
    return f"/returns/{links.order_token(order)}/" + (f"?lang={lang}" if lang else "")


def test_the_policy_text_is_shown_in_the_customers_language_else_in_english(client, store):
    policy(store, policy_text={"en": "30 days, free returns.", "de": "30 Tage, kostenlose Rücksendung."})
    order = delivered_order(store)

    german = client.get(portal_of(order, "de")).content.decode()
    french = client.get(portal_of(order, "fr")).content.decode()

    assert "Unsere Rückgaberichtlinie" in german
    assert "30 Tage, kostenlose Rücksendung." in german
    assert "30 days, free returns." in french  # no French text: the English one
    assert "30 days" not in german


def test_a_store_without_policy_text_shows_no_policy_section(client, store):
    order = delivered_order(store)

    html = client.get(portal_of(order)).content.decode()

    assert "Our return policy" not in html


def test_the_merchants_reasons_read_in_the_customers_language_with_the_label_as_fallback(client, store):
    p = policy(store)
    ReturnReason.objects.create(policy=p, code="too_small", label="Too small", labels={"de": "Zu klein"})
    ReturnReason.objects.create(policy=p, code="colour", label="Colour looks different")
    order = delivered_order(store)

    german = client.get(portal_of(order, "de")).content.decode()

    assert '<option value="too_small">Zu klein</option>' in german
    assert '<option value="colour">Colour looks different</option>' in german


@pytest.mark.parametrize(
    ("lang", "label"), [("de", "Zu klein"), ("fr", "Trop petit"), ("es", "Demasiado pequeño"), ("en", "Too small")]
)
def test_the_default_reasons_are_translated(client, store, lang, label):
    order = delivered_order(store)

    html = client.get(portal_of(order, lang)).content.decode()

    assert f'<option value="too_small">{label}</option>' in html


def test_the_review_step_names_the_reason_in_the_customers_language(client, store):
    order = delivered_order(store)
    cap = order.line_items.get(sku="CAP-1")

    review = client.post(
        portal_of(order, "de"),
        {f"quantity_{cap.pk}": "1", f"reason_{cap.pk}": "too_small", "resolution": "store_credit", "step": "review"},
    )

    assert "Zu klein" in review.content.decode()
