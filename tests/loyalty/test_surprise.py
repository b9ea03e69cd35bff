"""Surprise points for a segment: a dry run counts members and points and gives nothing; the run
gives each member of the segment the points once per campaign."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from loyalty.bonuses import Segment, surprise_bonus
from loyalty.models import PointsEntry
from orders.inputs import LineItemInput
from orders.models import Customer
from tests.loyalty.factories import account
from tests.orders.factories import place_order


@pytest.fixture
def members(store):
    """Ada (silver, 1,000.00 spent), Bob and Cy (bronze, 69.90 each); Cy is tagged vip."""
    big = [LineItemInput(sku="COAT", title="Coat", quantity=2, unit_price=Decimal("500.00"))]
    ada = place_order(store, number="#1", email="ada@example.com", line_items=big).customer
    bob = place_order(store, number="#2", email="bob@example.com").customer
    cy = place_order(store, number="#3", email="cy@example.com").customer
    Customer.objects.filter(pk=cy.pk).update(tags=["tier:bronze", "vip"])
    return ada, bob, cy


def run(*args: str) -> str:
    out = StringIO()
    call_command("loyalty_surprise", "--store", "acme", *args, stdout=out)
    return out.getvalue()


def test_a_dry_run_counts_the_segment_and_gives_nothing(members):
    out = run("--tier", "bronze", "--points", "100", "--reason", "Thanks", "--campaign", "winter", "--dry-run")

    assert "Dry run: 2 members would get 100 points each, 200 points in all (worth €2.00)" in out
    assert not PointsEntry.objects.filter(key="surprise:winter").exists()


def test_the_run_gives_the_segment_its_points_once_per_campaign(members):
    ada, bob, cy = members

    first = run("--tier", "bronze", "--points", "100", "--reason", "Thanks", "--campaign", "winter")
    second = run("--tier", "bronze", "--points", "100", "--reason", "Thanks", "--campaign", "winter")

    assert first.startswith("2 members got 100 points")
    assert second.startswith("0 members got 100 points")
    assert [account(c).available for c in (ada, bob, cy)] == [0, 100, 100]


def test_segments_by_tag_spend_and_last_order(store, members):
    ada, _bob, cy = members

    by_tag = surprise_bonus(store=store, segment=Segment(tag="vip"), points=50, reason="r", campaign="c")
    by_spend = surprise_bonus(store=store, segment=Segment(min_spend=Decimal(500)), points=50, reason="r", campaign="c")

    assert (by_tag.members, by_spend.members) == (1, 1)
    summary = surprise_bonus(
        store=store, segment=Segment(tag="vip"), points=50, reason="r", campaign="c", dry_run=False
    )
    assert (summary.given, account(cy).available, account(ada).available) == (1, 50, 0)


def test_a_surprise_needs_positive_points(members):
    with pytest.raises(CommandError):
        run("--points", "0", "--reason", "Thanks", "--campaign", "winter")
