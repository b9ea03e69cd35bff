"""The published OpenAPI schema describes what the API really answers, and /api/ speaks only JSON."""

import re

import pytest
from django.utils import timezone
from openapi_schema_validator import OAS30Validator

from orders import services
from returns.services import return_approve
from tests.orders.factories import place_order
from tests.returns.factories import delivered_order, request_return

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def response_schema(schema: dict, path: str, method: str, status: int) -> dict:
    """The schema the document promises for `status` of the operation whose template matches `path`."""
    for template, operations in schema["paths"].items():
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path) and method in operations:
            content = operations[method]["responses"][str(status)]["content"]
            return {**content["application/json"]["schema"], "components": schema["components"]}
    raise AssertionError(f"the schema documents no {method.upper()} {path} answering {status}")


def assert_conforms(schema: dict, path: str, response, method: str = "get") -> None:
    assert response.status_code < 300, response.content
    validator = OAS30Validator(response_schema(schema, path, method, response.status_code))
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(response.json())]
    assert errors == []


def test_the_order_list_is_documented_as_the_cursor_page_it_returns(store, api, schema):
    place_order(store)
    place_order(store, number="#2", external_id="ext-2")

    response = api.get("/api/v1/orders/", {"page_size": 1})

    assert set(response.json()) == {"next", "previous", "results"}
    assert_conforms(schema, "/api/v1/orders/", response)


def test_order_shipment_and_tracking_responses_match_their_schemas(store, api, schema):
    order = place_order(store)
    shipment, _ = services.shipment_upsert(order=order, carrier="dhl", tracking_number="JD1", actor="test")
    services.tracking_event_add(
        shipment=shipment, occurred_at=timezone.now(), status="in_transit", message="Departed", actor="test"
    )

    created = api.post(
        "/api/v1/orders/",
        {
            "number": "#9",
            "email": "a@example.com",
            "currency": "EUR",
            "line_items": [{"sku": "X", "title": "X", "quantity": 1, "unit_price": "1.00"}],
        },
        format="json",
    )

    assert_conforms(schema, "/api/v1/orders/", created, method="post")
    assert_conforms(schema, f"/api/v1/orders/{order.pk}/", api.get(f"/api/v1/orders/{order.pk}/"))
    assert_conforms(schema, f"/api/v1/shipments/{shipment.pk}/", api.get(f"/api/v1/shipments/{shipment.pk}/"))
    assert_conforms(schema, f"/api/v1/orders/{order.pk}/tracking/", api.get(f"/api/v1/orders/{order.pk}/tracking/"))


def test_return_and_eligibility_responses_match_their_schemas(store, api, schema):
    order = delivered_order(store)
    rr = request_return(order, (0, 1))
    return_approve(return_id=rr.pk, actor="test")

    assert_conforms(schema, "/api/v1/returns/", api.get("/api/v1/returns/", {"page_size": 1}))
    assert_conforms(schema, f"/api/v1/returns/{rr.pk}/", api.get(f"/api/v1/returns/{rr.pk}/"))
    eligibility = f"/api/v1/orders/{order.pk}/returns/eligibility/"
    assert_conforms(schema, eligibility, api.get(eligibility))
    received = api.post(f"/api/v1/returns/{rr.pk}/receive/", {}, format="json")
    assert_conforms(schema, f"/api/v1/returns/{rr.pk}/receive/", received, method="post")
    resolved = api.post(f"/api/v1/returns/{rr.pk}/resolve/", {"refund_reference": "re_1"}, format="json")
    assert_conforms(schema, f"/api/v1/returns/{rr.pk}/resolve/", resolved, method="post")
    other = request_return(order, (1, 1))
    rejected = api.post(f"/api/v1/returns/{other.pk}/reject/", {"reason": "Worn"}, format="json")
    assert_conforms(schema, f"/api/v1/returns/{other.pk}/reject/", rejected, method="post")


@pytest.mark.parametrize("path", ["/api/v1/nothing-here/", "/api/v2/orders/", "/api/v1/orders/12/nope"])
def test_an_unknown_api_path_answers_json_404(api, path):
    response = api.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["message"] == "Not found."


def test_a_path_missing_its_trailing_slash_says_where_it_lives(api):
    response = api.post("/api/v1/orders", {}, format="json")

    assert response.status_code == 404
    assert response.json()["extra"]["did_you_mean"] == "/api/v1/orders/"


def test_the_api_docs_page_loads_swagger_ui_from_our_own_static_files(client):
    response = client.get("/api/docs/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
