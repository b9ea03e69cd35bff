"""GDPR access: `export_customer <email> --store <slug>` writes one JSON file with every app's part."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from orders.privacy import exporters
from postpurchase.models import AuditEntry
from tests.privacy.person import EMAIL, FIRST, LAST, PHONE, STREET, TOWN, seed_person

pytestmark = pytest.mark.django_db

APPS = ["orders", "tracking", "notifications", "returns", "loyalty", "feedback"]


@pytest.fixture
def exported(client, store, tmp_path):
    seed_person(client, store)
    path = tmp_path / "export.json"
    out = StringIO()
    call_command("export_customer", "Augusta.Byron@example.org", "--store", store.slug, "-o", str(path), stdout=out)
    assert f"Wrote {path}" in out.getvalue()
    return json.loads(path.read_text())


def test_every_app_registered_an_exporter():
    assert set(APPS) <= set(exporters())


def test_the_file_names_the_store_and_person_and_has_a_section_per_app(exported):
    assert (exported["store"], exported["email"]) == ("acme", EMAIL)
    assert set(APPS) <= set(exported)


def test_orders_section_holds_the_customer_and_their_order_with_addresses(exported):
    part = exported["orders"]
    customer = part["customers"][0]
    assert [customer[k] for k in ("email", "phone", "first_name", "last_name")] == [EMAIL, PHONE, FIRST, LAST]
    order = part["orders"][0]
    assert (order["number"], order["total"], order["shipping_address"]["line1"]) == ("#1001", "69.85", STREET)
    assert [line["sku"] for line in order["line_items"]]
    assert "order.placed" in [event["kind"] for event in part["timeline"]]


def test_tracking_section_holds_the_checkpoints_of_their_parcels(exported):
    assert [c["location"] for c in exported["tracking"]] == [f"{TOWN} DE"]


def test_notifications_section_holds_messages_consent_and_suppressions(exported):
    part = exported["notifications"]
    assert EMAIL in {m["recipient"] for m in part["messages"]}
    assert [(c["channel"], c["opted_in"]) for c in part["consent"]] == [("sms", True)]
    assert {s["address"] for s in part["suppressions"]} == {EMAIL, PHONE}


def test_returns_section_holds_the_return_with_their_note_and_label(exported):
    [rr] = exported["returns"]
    assert rr["customer_note"] == f"Please call {FIRST} on {PHONE}"
    assert rr["items"][0]["quantity"] == 1
    assert rr["labels"]


def test_loyalty_section_holds_the_ledger_and_balance(exported):
    part = exported["loyalty"]
    assert f"Goodwill for {FIRST} {LAST}" in [e["reason"] for e in part["entries"]]
    assert part["balances"][0]["available"] >= 100


def test_feedback_section_holds_reviews_and_survey_answers(exported):
    part = exported["feedback"]
    assert [r["body"] for r in part["reviews"]] == [f"{FIRST} loves it"]
    assert [a["score"] for a in part["survey_answers"]] == [9]


def test_the_export_is_on_the_audit_log(exported):
    entry = AuditEntry.objects.get(action="customer.exported")
    assert (entry.actor_kind, entry.actor, entry.changes["orders"]) == ("command", "export_customer", 1)
