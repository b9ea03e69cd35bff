"""Merchants read returns and edit their policy in the admin, only for their own stores."""

import pytest
from django.contrib.auth.models import Permission

from notifications.models import Message
from returns.models import ReturnPolicy, ReturnStatus
from returns.services import return_approve, return_reject
from tests.orders.factories import UserFactory
from tests.returns.factories import delivered_order, line, policy, request_return

pytestmark = pytest.mark.django_db


@pytest.fixture
def merchant(store):
    user = UserFactory(username="merchant", stores=[store])
    user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=["orders", "returns"]))
    return user


def test_a_merchant_sees_only_their_stores_returns_and_can_filter_them_by_status(client, merchant, store, other_store):
    ours = request_return(delivered_order(store), (0, 1))
    theirs = request_return(delivered_order(other_store), (0, 1))
    client.force_login(merchant)

    listing = client.get("/admin/returns/returnrequest/")
    approved = client.get("/admin/returns/returnrequest/?status__exact=approved")
    foreign = client.get(f"/admin/returns/returnrequest/{theirs.pk}/change/", follow=True)

    assert ours.number in listing.text
    assert theirs.number not in listing.text
    assert ours.number not in approved.text
    assert theirs.number not in foreign.text


def test_a_return_page_shows_its_items_and_amounts_without_letting_anyone_change_them(client, merchant, store):
    rr = request_return(delivered_order(store), (0, 1))
    client.force_login(merchant)

    page = client.get(f"/admin/returns/returnrequest/{rr.pk}/change/")

    assert page.status_code == 200
    assert "Linen tee" in page.text
    assert "25.00" in page.text
    assert 'name="refund_amount"' not in page.text
    assert 'name="status"' not in page.text


def test_a_merchant_edits_their_policy_with_reasons_and_tag_rules(client, merchant, store):
    client.force_login(merchant)
    form = {
        "store": store.pk,
        "policy_text": '{"en": "30 days, free returns", "de": "30 Tage"}',
        "window_days": 45,
        "grace_days": 2,
        "unscanned_allowance_days": 7,
        "non_returnable_categories": "Underwear",
        "allow_refund": "on",
        "allow_store_credit": "on",
        "credit_bonus": "percent",
        "credit_bonus_value": "10",
        "restocking_fee_percent": "0",
        "return_shipping_fee": "0",
        "waive_fees_for_credit_and_exchange": "on",
        "refund_provider": "record_only",
        "auto_approve_reasons": "",
        "return_address": "Acme returns desk\nLagerstraße 5",
        "label_valid_days": 21,
        "reasons-TOTAL_FORMS": 1,
        "reasons-INITIAL_FORMS": 0,
        "reasons-0-position": 0,
        "reasons-0-code": "too_small",
        "reasons-0-label": "Too small",
        "reasons-0-labels": '{"de": "Zu klein", "fr": "Trop petit"}',
        "tag_rules-TOTAL_FORMS": 1,
        "tag_rules-INITIAL_FORMS": 0,
        "tag_rules-0-tag": "tier:gold",
        "tag_rules-0-window_days": 60,
    }

    response = client.post("/admin/returns/returnpolicy/add/", form)

    assert response.status_code == 302, response.context["errors"] if response.context else response
    saved = ReturnPolicy.objects.get(store=store)
    assert (saved.window_days, saved.allow_exchange, saved.text_for("de")) == (45, False, "30 Tage")
    assert list(saved.reasons.values_list("code", "labels")) == [("too_small", {"de": "Zu klein", "fr": "Trop petit"})]
    assert list(saved.tag_rules.values_list("tag", "window_days")) == [("tier:gold", 60)]


def test_policy_text_in_an_unknown_language_is_refused(client, merchant, store):
    client.force_login(merchant)

    response = client.post(
        "/admin/returns/returnpolicy/add/",
        {
            "store": store.pk,
            "policy_text": '{"xx": "?"}',
            "window_days": 30,
            "grace_days": 0,
            "unscanned_allowance_days": 7,
            "allow_refund": "on",
            "credit_bonus": "none",
            "credit_bonus_value": "0",
            "restocking_fee_percent": "0",
            "return_shipping_fee": "0",
            "refund_provider": "record_only",
            "reasons-TOTAL_FORMS": 0,
            "reasons-INITIAL_FORMS": 0,
            "tag_rules-TOTAL_FORMS": 0,
            "tag_rules-INITIAL_FORMS": 0,
        },
    )

    assert response.status_code == 200
    assert "Texts by language" in response.text
    assert not ReturnPolicy.objects.exists()


def test_a_reason_label_in_an_unknown_language_is_refused(client, merchant, store):
    p = policy(store)
    client.force_login(merchant)
    change = client.get(f"/admin/returns/returnpolicy/{p.pk}/change/")
    form = {k: v for k, v in change.context["adminform"].form.initial.items() if v is not None}

    response = client.post(
        f"/admin/returns/returnpolicy/{p.pk}/change/",
        {
            **form,
            "store": store.pk,
            "policy_text": "{}",
            "allow_refund": "on",
            "reasons-TOTAL_FORMS": 1,
            "reasons-INITIAL_FORMS": 0,
            "reasons-0-position": 0,
            "reasons-0-code": "too_small",
            "reasons-0-label": "Too small",
            "reasons-0-labels": '{"xx": "?"}',
            "tag_rules-TOTAL_FORMS": 0,
            "tag_rules-INITIAL_FORMS": 0,
        },
    )

    assert response.status_code == 200
    assert "Texts by language" in response.text
    assert not p.reasons.exists()


def test_a_merchant_cannot_see_another_stores_policy(client, merchant, store, other_store):
    policy(other_store, window_days=99)
    client.force_login(merchant)

    listing = client.get("/admin/returns/returnpolicy/")

    assert "Globex" not in listing.text


def _step(rr, step: str) -> str:
    return f"/admin/returns/returnrequest/{rr.pk}/step/{step}/"


def test_the_queue_counts_returns_per_status(client, merchant, store):
    order = delivered_order(store)
    request_return(order, (0, 1))
    request_return(order, (1, 1))
    client.force_login(merchant)

    listing = client.get("/admin/returns/returnrequest/")

    assert "Requested (2)" in listing.text


def test_a_merchant_approves_with_a_note_and_the_customer_gets_the_label(client, merchant, store, deliver):
    rr = request_return(delivered_order(store), (0, 1))
    client.force_login(merchant)
    page = client.get(f"/admin/returns/returnrequest/{rr.pk}/change/")
    assert _step(rr, "approve") in page.text
    assert _step(rr, "resolve") not in page.text

    response = deliver(client.post, _step(rr, "approve"), {"note": "Checked the photos"})

    assert response.status_code == 302
    rr.refresh_from_db()
    assert (rr.status, rr.merchant_note) == (ReturnStatus.LABEL_ISSUED, "Checked the photos")
    assert Message.objects.filter(order=rr.order, kind="return_approved").count() == 1


def test_rejecting_without_a_reason_is_refused_and_changes_nothing(client, merchant, store):
    rr = request_return(delivered_order(store), (0, 1))
    client.force_login(merchant)

    response = client.post(_step(rr, "reject"), {"reason": ""})

    assert response.status_code == 200
    assert "This field is required." in response.text
    rr.refresh_from_db()
    assert rr.status == ReturnStatus.REQUESTED


def test_a_merchant_receives_each_item_with_its_condition_then_resolves(client, merchant, store):
    order = delivered_order(store)
    rr = request_return(order, (0, 2), (1, 1))
    return_approve(return_id=rr.pk, actor="owner")
    tee, cap = line(order, 0), line(order, 1)
    client.force_login(merchant)

    client.post(
        _step(rr, "receive"),
        {f"condition_{tee.pk}": "used", f"condition_{cap.pk}": "damaged", f"restock_{tee.pk}": "on"},
    )
    client.post(_step(rr, "resolve"), {"refund_reference": "re_42"})

    rr.refresh_from_db()
    assert (rr.status, rr.refund_reference) == (ReturnStatus.REFUNDED, "re_42")
    assert list(rr.items.order_by("line_item_id").values_list("condition", "restock")) == [
        ("used", True),
        ("damaged", False),
    ]


def test_a_step_the_status_does_not_allow_shows_the_services_reason(client, merchant, store):
    rr = request_return(delivered_order(store), (0, 1))
    client.force_login(merchant)

    response = client.post(_step(rr, "resolve"), {})

    assert response.status_code == 200
    assert "cannot take this step" in response.text
    rr.refresh_from_db()
    assert rr.status == ReturnStatus.REQUESTED


def test_another_stores_return_has_no_workflow_pages(client, merchant, other_store):
    theirs = request_return(delivered_order(other_store), (0, 1))
    client.force_login(merchant)

    response = client.post(_step(theirs, "approve"), {"note": ""})

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == ReturnStatus.REQUESTED


def test_the_bulk_approve_action_goes_through_the_service_and_reports_refusals(client, merchant, store):
    order = delivered_order(store)
    open_one = request_return(order, (0, 1))
    rejected = request_return(order, (1, 1))
    return_reject(return_id=rejected.pk, actor="owner", reason="Worn")
    client.force_login(merchant)

    response = client.post(
        "/admin/returns/returnrequest/",
        {"action": "approve_selected", "_selected_action": [open_one.pk, rejected.pk]},
        follow=True,
    )

    open_one.refresh_from_db()
    assert open_one.status == ReturnStatus.LABEL_ISSUED
    assert "1 return(s) approved." in response.text
    assert f"{rejected.number}: " in response.text
