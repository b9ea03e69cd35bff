"""A fuzz run over every operation of the OpenAPI schema (/api/schema/): valid and invalid requests
drawn by schemathesis, a fixed budget of examples each, and not one may answer 5xx."""

import json
from urllib.parse import urlencode

import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from rest_framework.test import APIClient

from tests.orders.factories import api_key_for, place_order
from tracking import links

pytestmark = pytest.mark.django_db

# Examples per operation and generation mode: the whole run stays well under a minute.
EXAMPLES = 25


def operations(client):
    raw = client.get("/api/schema/", {"format": "json"})
    assert raw.status_code == 200
    schema = schemathesis.openapi.from_dict(json.loads(raw.content))
    return [result.ok() for result in schema.get_all_operations()]


def aim(case, real: dict[str, str]) -> None:
    """Point the drawn path at rows that exist: a random id only ever finds a 404."""
    for name in case.path_parameters or {}:
        for marker, value in real.items():
            if marker in case.path and name in ("pk", "token"):
                case.path_parameters[name] = value


def request(client, case):
    path = case.formatted_path
    query = urlencode(case.query or {}, doseq=True)
    kwargs = {"QUERY_STRING": query}
    if case.body is not None and case.method.upper() in ("POST", "PUT", "PATCH"):
        try:
            kwargs["data"] = json.dumps(case.body)
        except (TypeError, ValueError):
            kwargs["data"] = str(case.body)
        kwargs["content_type"] = case.media_type or "application/json"
    return client.generic(case.method.upper(), path, **kwargs)


def test_no_request_drawn_from_the_schema_answers_5xx(store):
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_for(store)}")
    order = place_order(store)
    shipment = client.post(f"/api/v1/orders/{order.pk}/shipments/", {"tracking_number": "JD1"}, format="json").json()
    real = {"/orders/": str(order.pk), "/shipments/": str(shipment["id"]), "/track/": links.order_token(order)}
    failures = []
    ops = operations(client)

    for operation in ops:
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):

            @seed(20261118)
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                aim(case, real)
                response = request(client, case)
                if response.status_code >= 500:
                    failures.append((case.method, case.formatted_path, case.query, case.body, response.status_code))

            run()

    assert len(ops) >= 8
    assert failures == []
