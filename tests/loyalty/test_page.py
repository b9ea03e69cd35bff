"""The member's page, opened from a signed link: balance, pending points, tier progress, history,
and a reward redeemed there shows its code and the new balance."""

import re

from loyalty.links import loyalty_url, member_token
from orders.models import Customer, DiscountCode, DiscountPurpose
from tests.loyalty.factories import account, member_with
from tests.orders.factories import place_order


def path_of(customer: Customer) -> str:
    return f"/loyalty/{member_token(customer)}/"


def test_the_page_shows_available_and_pending_points_and_the_way_to_the_next_tier(client, store):
    order = place_order(store)
    customer = Customer.objects.get(pk=order.customer_id)

    page = client.get(path_of(customer)).content.decode()

    assert "Points available: 0" in page
    assert "Points pending: 349" in page
    assert "#1001: 349" in page
    assert 'max="5000" value="349"' in page  # on the way to Silver
    assert loyalty_url(customer).endswith(path_of(customer))


def test_redeeming_a_reward_shows_the_code_and_the_new_balance(client, store):
    customer = member_with(store, 1200)
    reward = store.loyalty_programme.rewards.get()

    response = client.post(path_of(customer), {"reward": reward.pk})
    page = client.get(response["Location"]).content.decode()

    code = DiscountCode.objects.get(customer=customer, purpose=DiscountPurpose.LOYALTY_REWARD)
    assert response.status_code == 302
    assert code.code in page
    assert "Points available: 700" in page
    assert account(customer).available == 700


def test_a_reward_beyond_the_balance_is_refused_and_nothing_is_spent(client, store):
    customer = member_with(store, 100)
    reward = store.loyalty_programme.rewards.get()

    response = client.post(path_of(customer), {"reward": reward.pk})

    assert response.status_code == 400
    assert "needs more points" in response.content.decode()
    assert account(customer).available == 100
    assert not DiscountCode.objects.filter(customer=customer).exists()


def test_an_altered_link_is_the_customer_404(client, store):
    customer = member_with(store, 100)

    response = client.get(path_of(customer)[:-3] + "xx/")

    assert response.status_code == 404


def test_the_page_speaks_the_customers_language_and_runs_no_inline_code(client, store):
    customer = member_with(store, 100)
    Customer.objects.filter(pk=customer.pk).update(locale="de")

    response = client.get(path_of(customer))
    page = response.content.decode()

    assert "Verfügbare Punkte: 100" in page
    assert "Content-Security-Policy" in response
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert " style=" not in page
    assert not re.search(r"<[^>]+\son[a-z]+=", page)  # no inline event handlers
