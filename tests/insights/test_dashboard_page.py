"""The admin's home is the dashboard: a staff user sees their own store's figures, compared with
the previous period, with each chart's table and CSV; nobody sees another store's."""

import csv
import io

import pytest
from django.contrib.auth.models import Permission

from insights.rollup import cohorts_rebuild, rollup_history
from orders.models import Store
from tests.insights.factories import day, seed_hand_computed
from tests.orders.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(db) -> Store:
    store = Store.objects.create(slug="hand", name="Hand Made", currency="EUR", timezone="Europe/Berlin")
    seed_hand_computed(store)
    rollup_history(store=store)
    cohorts_rebuild(store=store)
    return store


def merchant(store: Store):
    """A staff user of `store` with the merchant's order permissions, as seed_demo makes one."""
    user = UserFactory(username="merchant", stores=[store])
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="orders"))
    return user


def last_ten_days(store: Store) -> dict:
    return {"start": day(store, 9).isoformat(), "end": day(store, 0).isoformat()}


def test_a_stores_staff_sees_its_figures_against_the_previous_period(client, shop):
    client.force_login(merchant(shop))

    response = client.get("/admin/", last_ten_days(shop))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Dashboard: Hand Made" in page
    assert f"Compared with {day(shop, 19).isoformat()} – {day(shop, 10).isoformat()}" in page
    assert "€200.00" in page  # revenue
    assert "€90.00" in page
    assert "€80.00" in page
    # The repeat rate went from 0.0 % to 50.0 %: rates move in points, not in a percentage of themselves.
    assert '<td class="insights-current">50.0%</td><td>0.0%</td><td>+50.0 pts</td>' in page
    assert "points liability €15.00 and 1 open return worth €40.00, together €55.00" in page
    assert 'data-chart="orders"' in page
    assert "Manage" in page
    assert "/admin/orders/order/" in page


def test_a_chart_exports_its_table_as_csv(client, shop):
    client.force_login(merchant(shop))

    response = client.get("/admin/", {**last_ten_days(shop), "export": "return-reasons"})

    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [["Reason", "Items"], ["Too small", "2"], ["Damaged", "1"]]


def test_staff_of_another_store_never_see_this_stores_figures(client, shop, other_store):
    client.force_login(UserFactory(username="outsider", stores=[other_store]))

    response = client.get("/admin/", {**last_ten_days(shop), "store": shop.pk})

    page = response.content.decode()
    assert "Dashboard: Globex" in page
    assert "Hand Made" not in page
    assert "€200.00" not in page


def test_staff_without_a_store_are_told_so(client, db):
    client.force_login(UserFactory(username="nobody"))

    response = client.get("/admin/")

    assert "not on the staff of any store" in response.content.decode()


def test_the_dashboard_reads_the_same_few_queries_whatever_the_range(client, shop, django_assert_max_num_queries):
    client.force_login(merchant(shop))
    client.get("/admin/", last_ten_days(shop))  # today's row is fresh from here on

    with django_assert_max_num_queries(30):
        client.get("/admin/", {"start": day(shop, 700).isoformat(), "end": day(shop, 0).isoformat()})
