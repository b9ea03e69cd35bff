"""Exchanges in the portal: another variant of the same product, the price difference shown before
confirming and settled as the store's setting says; the exchange goes through the same service."""

import re
from decimal import Decimal

import pytest

from orders.models import Product
from returns.models import ReturnRequest
from tests.returns.factories import delivered_order, line, policy
from tracking import links

pytestmark = pytest.mark.django_db


@pytest.fixture
def tees(store):
    """Order #1001 (two linen tees at 25.00, a wool cap) whose tee also comes as L (25.00) and XL (29.00)."""
    order = delivered_order(store)
    Product.objects.filter(sku="TEE-1").update(group="linen-tee")
    large = Product.objects.create(
        store=store, sku="TEE-L", title="Linen tee L", price=Decimal("25.00"), group="linen-tee"
    )
    xl = Product.objects.create(
        store=store, sku="TEE-XL", title="Linen tee XL", price=Decimal("29.00"), group="linen-tee"
    )
    return order, large, xl


def portal_of(order) -> str:
    return f"/returns/{links.order_token(order)}/"


def test_choosing_an_exchange_asks_which_variant_instead_offering_only_same_price_ones(client, store, tees):
    order, large, _xl = tees
    tee = line(order, 0)

    response = client.post(
        portal_of(order), {f"quantity_{tee.pk}": "1", f"reason_{tee.pk}": "too_small", "resolution": "exchange"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "What would you like instead?" in html
    assert f'value="{large.pk}"' in html
    assert "Linen tee XL" not in html  # the store exchanges only at the same price
    assert ReturnRequest.objects.count() == 0


def test_an_exchange_for_the_same_price_shows_nothing_to_pay_and_confirms_with_the_variant(client, store, tees):
    order, large, _xl = tees
    tee = line(order, 0)
    choice = {
        f"quantity_{tee.pk}": "1",
        f"reason_{tee.pk}": "too_small",
        f"exchange_for_{tee.pk}": str(large.pk),
        "resolution": "exchange",
    }

    review = client.post(portal_of(order), {**choice, "step": "exchange"})
    confirmed = client.post(portal_of(order), {**choice, "step": "confirm"})

    assert "in exchange for Linen tee L" in review.content.decode()
    assert re.search(r"You pay</dt><dd><strong>€0.00</strong>", review.content.decode())
    rr = ReturnRequest.objects.get()
    assert confirmed.status_code == 302
    assert (rr.resolution, rr.refund_amount, rr.amount_due) == ("exchange", Decimal("0.00"), Decimal("0.00"))
    assert [(i.line_item_id, i.exchange_for_id) for i in rr.items.all()] == [(tee.pk, large.pk)]
    done = client.get(confirmed["Location"]).content.decode()
    assert "1 \N{MULTIPLICATION SIGN} Linen tee for Linen tee L" in done


def test_when_the_store_settles_differences_a_dearer_variant_shows_what_to_pay_before_confirming(client, store, tees):
    policy(store, exchange_price_difference=True)
    order, _large, xl = tees
    tee = line(order, 0)
    choice = {f"quantity_{tee.pk}": "2", f"reason_{tee.pk}": "too_small", "resolution": "exchange"}

    picking = client.post(portal_of(order), choice).content.decode()
    review = client.post(portal_of(order), {**choice, f"exchange_for_{tee.pk}": str(xl.pk), "step": "exchange"})
    client.post(portal_of(order), {**choice, f"exchange_for_{tee.pk}": str(xl.pk), "step": "confirm"})

    assert "€4.00 more each" in picking
    html = review.content.decode()
    assert "You pay" in html
    assert "€8.00" in html
    assert ReturnRequest.objects.get().amount_due == Decimal("8.00")


def test_sending_the_exchange_step_without_a_choice_asks_again_and_saves_nothing(client, store, tees):
    order, _large, _xl = tees
    tee = line(order, 0)

    response = client.post(
        portal_of(order),
        {f"quantity_{tee.pk}": "1", f"reason_{tee.pk}": "too_small", "resolution": "exchange", "step": "exchange"},
    )

    assert response.status_code == 400
    assert "Choose what you would like instead." in response.content.decode()
    assert ReturnRequest.objects.count() == 0


def test_a_variant_not_offered_is_refused_and_nothing_is_saved(client, store, tees):
    order, _large, xl = tees
    tee = line(order, 0)
    cap = Product.objects.get(sku="CAP-1")

    for wrong in (xl, cap):  # a dearer variant at a same-price store; another product
        response = client.post(
            portal_of(order),
            {
                f"quantity_{tee.pk}": "1",
                f"reason_{tee.pk}": "too_small",
                f"exchange_for_{tee.pk}": str(wrong.pk),
                "resolution": "exchange",
                "step": "confirm",
            },
        )
        assert response.status_code == 400
        assert "Choose one of the items offered instead of “Linen tee”" in response.content.decode()
    assert ReturnRequest.objects.count() == 0


def test_an_item_without_variants_cannot_be_exchanged(client, store, tees):
    order, _large, _xl = tees
    cap = line(order, 1)

    response = client.post(
        portal_of(order), {f"quantity_{cap.pk}": "1", f"reason_{cap.pk}": "too_small", "resolution": "exchange"}
    )

    assert response.status_code == 400
    assert "comes in no other size or colour" in response.content.decode()


def test_exchange_is_not_offered_when_no_item_has_another_variant(client, store):
    order = delivered_order(store)

    html = client.get(portal_of(order)).content.decode()

    assert 'value="store_credit"' in html
    assert 'value="exchange"' not in html
