"""Merchants list, read and move their returns through the API, and ask what an order can return."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from returns.models import ReturnStatus
from returns.services import return_approve
from tests.returns.factories import delivered_order, line, policy, request_return

pytestmark = pytest.mark.django_db


def test_the_list_is_a_cursor_page_of_the_keys_store_only_newest_first(api, store, other_store):
    order = delivered_order(store)
    first = request_return(order, (0, 1))
    second = request_return(order, (1, 1))
    request_return(delivered_order(other_store), (0, 1))

    page = api.get("/api/v1/returns/", {"page_size": 1}).json()
    rest = api.get(page["next"]).json()

    assert [r["number"] for r in page["results"] + rest["results"]] == [second.number, first.number]
    assert rest["next"] is None


def test_the_list_filters_by_status_order_and_number(api, store):
    order = delivered_order(store)
    approved = request_return(order, (0, 1))
    return_approve(return_id=approved.pk, actor="owner")
    waiting = request_return(order, (1, 1))
    other = request_return(delivered_order(store, number="#2"), (0, 1))

    def numbers(**query):
        return [r["number"] for r in api.get("/api/v1/returns/", query).json()["results"]]

    assert numbers(status="requested") == [other.number, waiting.number]
    assert numbers(order=order.pk) == [waiting.number, approved.number]
    assert numbers(number=approved.number.lower()) == [approved.number]
    assert numbers(order="abc") == []


def test_a_return_reads_with_its_items_amounts_and_label(api, store):
    order = delivered_order(store)
    rr = request_return(order, (0, 2))
    return_approve(return_id=rr.pk, actor="owner")

    body = api.get(f"/api/v1/returns/{rr.pk}/").json()

    assert (body["number"], body["status"], body["refund_amount"]) == (rr.number, "label_issued", "50.00")
    assert [(i["title"], i["quantity"], i["amount"]) for i in body["items"]] == [("Linen tee", 2, "50.00")]
    [label] = body["labels"]
    assert "/returns/label/" in label["url"]
    assert (label["usable"], label["tracking_number"]) == (True, rr.number)


def test_another_stores_return_is_not_found_and_cannot_be_moved(other_api, store):
    rr = request_return(delivered_order(store), (0, 1))

    read = other_api.get(f"/api/v1/returns/{rr.pk}/")
    approve = other_api.post(f"/api/v1/returns/{rr.pk}/approve/", {}, format="json")

    assert (read.status_code, approve.status_code) == (404, 404)
    rr.refresh_from_db()
    assert rr.status == ReturnStatus.REQUESTED


def test_a_return_goes_through_approve_receive_and_resolve(api, store):
    policy(store, credit_bonus="flat", credit_bonus_value="5.00")
    order = delivered_order(store)
    rr = request_return(order, (0, 1), resolution="store_credit")

    api.post(f"/api/v1/returns/{rr.pk}/approve/", {"note": "ok"}, format="json")
    received = api.post(
        f"/api/v1/returns/{rr.pk}/receive/",
        {"items": [{"line_item_id": line(order).pk, "condition": "used", "restock": False}]},
        format="json",
    ).json()
    resolved = api.post(f"/api/v1/returns/{rr.pk}/resolve/", {}, format="json").json()

    assert [(i["condition"], i["restock"]) for i in received["items"]] == [("used", False)]
    assert (resolved["status"], resolved["credit_amount"]) == ("credited", "30.00")
    assert resolved["credit_code"].startswith("CREDIT-")


def test_a_rejection_needs_a_reason_and_a_wrong_step_is_a_conflict(api, store):
    rr = request_return(delivered_order(store), (0, 1))

    no_reason = api.post(f"/api/v1/returns/{rr.pk}/reject/", {"reason": ""}, format="json")
    too_early = api.post(f"/api/v1/returns/{rr.pk}/resolve/", {}, format="json")

    assert no_reason.status_code == 400
    assert too_early.status_code == 409
    assert set(too_early.json()) == {"message", "extra"}
    rr.refresh_from_db()
    assert rr.status == ReturnStatus.REQUESTED


def test_receiving_an_item_of_another_order_is_refused_and_changes_nothing(api, store):
    rr = request_return(delivered_order(store), (0, 1))
    return_approve(return_id=rr.pk, actor="owner")
    stranger = line(delivered_order(store, number="#2"))

    response = api.post(
        f"/api/v1/returns/{rr.pk}/receive/",
        {"items": [{"line_item_id": stranger.pk, "condition": "used", "restock": True}]},
        format="json",
    )

    assert response.status_code == 400
    rr.refresh_from_db()
    assert rr.status == ReturnStatus.LABEL_ISSUED


def test_eligibility_says_per_line_what_can_still_be_returned(api, store, other_api):
    order = delivered_order(store)
    request_return(order, (0, 2))

    body = api.get(f"/api/v1/orders/{order.pk}/returns/eligibility/").json()

    assert body["returnable"] is True
    assert [(x["title"], x["returnable_quantity"], x["why_not"]) for x in body["lines"]] == [
        ("Linen tee", 0, "already_returned"),
        ("Wool cap", 1, ""),
    ]
    assert other_api.get(f"/api/v1/orders/{order.pk}/returns/eligibility/").status_code == 404


def test_the_list_costs_the_same_queries_for_one_return_or_many(api, store):
    order = delivered_order(store)
    approved = request_return(order, (0, 1))
    return_approve(return_id=approved.pk, actor="owner")
    api.get("/api/v1/returns/")  # the key's first use of the minute writes its last_used_at
    with CaptureQueriesContext(connection) as one:
        api.get("/api/v1/returns/")
    for number in ("#2", "#3", "#4"):
        rr = request_return(delivered_order(store, number=number), (0, 2), (1, 1))
        return_approve(return_id=rr.pk, actor="owner")

    with CaptureQueriesContext(connection) as many:
        body = api.get("/api/v1/returns/").json()

    assert len(body["results"]) == 4
    assert len(many) == len(one)
