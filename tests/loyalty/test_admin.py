"""Merchant staff adjust a member's points with a reason (recorded with their user), see what the
programme owes, and never reach another store's members."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from loyalty.models import EntryKind, PointsEntry
from loyalty.programme import programme_for
from tests.loyalty.factories import account, member_with
from tests.orders.factories import UserFactory


@pytest.fixture
def merchant(store):
    user = UserFactory(username="merchant", stores=[store])
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="loyalty"))
    return user


def test_staff_adjust_points_with_a_reason_recorded_with_their_user(client, store, merchant):
    customer = member_with(store, 100)
    client.force_login(merchant)
    url = reverse("admin:loyalty_account_adjust", args=[account(customer).pk])

    refused = client.post(url, {"points": "-300", "reason": ""})
    response = client.post(url, {"points": "-300", "reason": "Goodwill given twice"})

    assert refused.status_code == 200
    assert response.status_code == 302
    entry = PointsEntry.objects.get(kind=EntryKind.ADJUST)
    assert (entry.points, entry.reason, entry.staff_user_id) == (-300, "Goodwill given twice", merchant.pk)
    acc = account(customer)
    assert (acc.available, acc.debt) == (0, 200)


def test_staff_cannot_adjust_another_stores_member(client, store, other_store, merchant):
    stranger = member_with(other_store, 100, email="eve@example.com")
    client.force_login(merchant)

    response = client.post(
        reverse("admin:loyalty_account_adjust", args=[account(stranger).pk]), {"points": "500", "reason": "x"}
    )

    assert response.status_code == 403
    assert account(stranger).available == 100


def test_the_programme_page_shows_what_the_points_are_worth(client, store, merchant):
    member_with(store, 1500)
    client.force_login(merchant)

    page = client.get(reverse("admin:loyalty_programme_change", args=[programme_for(store).pk]))

    assert "1,500 available + 0 pending = €15.00" in page.content.decode()
