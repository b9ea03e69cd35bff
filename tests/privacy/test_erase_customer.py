"""GDPR erasure: `erase_customer <email> --store <slug>` leaves no trace of the person anywhere."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from notifications.models import Message, MessageState
from notifications.services import messages_dispatch_due
from orders.models import Order
from postpurchase.models import AuditEntry
from tests.orders.factories import place_order
from tests.privacy.person import EMAIL, PHONE, seed_person, traces

pytestmark = pytest.mark.django_db


def erase(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("erase_customer", *args, stdout=out)
    return out.getvalue()


def test_the_seeded_person_is_found_in_every_app_before_erasure(client, store):
    seed_person(client, store)

    found = "\n".join(traces())

    for table in (
        "orders.Customer",
        "orders.Order",
        "orders.InboundWebhook",
        "orders.TrackingEvent",
        "notifications.Message",
        "notifications.Suppression",
        "returns.ReturnRequest",
        "returns.ReturnLabel",
        "loyalty.PointsEntry",
        "loyalty.Referral",
        "feedback.Review",
        "feedback.SurveyAnswer",
    ):
        assert table in found


def test_it_leaves_no_trace_of_the_email_phone_name_or_address_in_any_column(client, store):
    seed_person(client, store)

    erase("Augusta.Byron@Example.ORG", "--store", store.slug)

    assert traces() == []


def test_orders_keep_their_amounts_and_other_customers_keep_their_data(client, store):
    seeded = seed_person(client, store)
    before = Order.objects.values("pk", "subtotal", "tax_total", "discount_total", "total", "status").get(
        pk=seeded.order.pk
    )

    erase(EMAIL, "--store", store.slug)

    after = Order.objects.values("pk", "subtotal", "tax_total", "discount_total", "total", "status").get(
        pk=seeded.order.pk
    )
    assert after == before
    assert after["total"] > Decimal("0")
    assert Order.objects.get(pk=seeded.other.pk).email == "grace@example.com"
    assert traces(["grace@example.com", "Hopper"]) != []


def test_running_it_twice_changes_nothing_the_second_time(client, store):
    seed_person(client, store)
    first = erase(EMAIL, "--store", store.slug)

    second = erase(EMAIL, "--store", store.slug)

    assert "Erased." in first
    assert "Nothing left to erase." in second
    assert traces() == []


def test_a_dry_run_reports_what_it_would_change_and_changes_nothing(client, store):
    seed_person(client, store)

    output = erase(EMAIL, "--store", store.slug, "--dry-run")

    assert "orders.Order: 1" in output
    assert "Dry run: nothing was changed." in output
    assert Order.objects.filter(email=EMAIL).exists()
    assert not AuditEntry.objects.filter(action="customer.erased").exists()


def test_a_bounced_address_stays_suppressed_after_erasure(client, store):
    seed_person(client, store)
    erase(EMAIL, "--store", store.slug)

    order = place_order(store, number="#3001", email=EMAIL)
    messages_dispatch_due()

    message = Message.objects.filter(order=order).get(channel="email")
    assert message.state == MessageState.SUPPRESSED


def test_scheduled_messages_to_the_person_are_cancelled(client, store):
    seeded = seed_person(client, store)

    erase(EMAIL, "--store", store.slug)

    pending = Message.objects.filter(order=seeded.order, state__in=[MessageState.SCHEDULED, MessageState.SENDING])
    assert not pending.exists()


def test_the_erasure_is_on_the_audit_log_with_who_did_it_and_no_address(client, store):
    seeded = seed_person(client, store)

    erase(EMAIL, "--store", store.slug)

    entry = AuditEntry.objects.get(action="customer.erased")
    assert (entry.actor_kind, entry.actor, entry.object_id) == ("command", "erase_customer", seeded.customer.pk)
    assert entry.changes["changed"]["orders.Order"] == 1
    assert EMAIL not in str(entry.changes)
    assert PHONE not in str(entry.changes)


def test_an_unknown_store_is_a_usage_error(store):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No store"):
        erase(EMAIL, "--store", "nope")


def test_every_app_handles_the_erasure_event_for_its_own_tables():
    from orders.privacy import CUSTOMER_ERASED
    from postpurchase.events import _subscribers

    apps = {fn.__module__.split(".")[0] for fn in _subscribers[CUSTOMER_ERASED]}

    assert apps == {"orders", "tracking", "notifications", "returns", "loyalty", "feedback"}


def test_a_name_alone_does_not_erase_another_customers_review(client, store):
    from feedback.models import Review

    seed_person(client, store)
    other = place_order(store, number="#4001", email="jo@example.com", first_name="Jo", last_name="Byronsdottir")
    Review.objects.create(
        store=store,
        product=other.line_items.first().product,
        order=other,
        rating=4,
        body="Warm",
        display_name="Jo B.",
        created_at=other.placed_at,
    )

    erase(EMAIL, "--store", store.slug)

    review = Review.objects.get(order=other)
    assert (review.display_name, review.body) == ("Jo B.", "Warm")
    assert Order.objects.get(pk=other.pk).email == "jo@example.com"
