"""The tracking page shows what the order earns and leads to the member's page; tracking itself
knows nothing of loyalty (the line comes through tracking.page_lines)."""

import re

from loyalty.models import Programme
from tests.loyalty.factories import window_closed
from tests.orders.factories import place_order
from tests.returns.factories import delivered_order
from tracking import links


def tracking_page(client, order) -> str:
    return client.get(links.page_path(links.order_token(order))).content.decode()


def test_the_tracking_page_says_what_the_order_will_earn_and_links_to_the_members_page(client, store):
    order = place_order(store)

    page = tracking_page(client, order)

    assert "You&#x27;ll earn 349 points with this order." in page
    link = re.search(r'<a href="https?://[^/"]+(/loyalty/[^"]+/)">See your points</a>', page).group(1)
    assert "Points pending: 349" in client.get(link).content.decode()


def test_once_the_window_closed_it_says_what_the_order_earned(client, store):
    order = delivered_order(store)
    window_closed(order)

    page = tracking_page(client, order)

    assert "This order earned you 349 points." in page


def test_no_points_line_when_the_programme_is_off(client, store):
    order = place_order(store)
    Programme.objects.filter(store=store).update(enabled=False)

    assert "points" not in tracking_page(client, order).lower().replace("see your rewards", "")


def test_the_line_speaks_the_customers_language(client, store):
    order = place_order(store, locale="fr")

    page = tracking_page(client, order)

    assert "Vous gagnerez 349 points avec cette commande." in page


def test_the_tracking_pages_rewards_button_leads_to_the_link_form_not_a_404(client, store):
    order = place_order(store)

    page = tracking_page(client, order)
    href = re.search(r'<a class="button secondary" href="([^"]+)">See your rewards</a>', page).group(1)
    form = client.get(href)

    assert form.status_code == 200
    assert "Send me the link" in form.content.decode()
