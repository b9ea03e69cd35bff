"""Customer pages, the API and /healthz with the cache unreachable: a real fault (the cache points
at a localhost port nobody listens on), not a mock."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

import postpurchase.cache
from tests.orders.factories import api_key_for, place_order
from tests.tracking.page_helpers import EMAIL, look_up, opened, page, ship

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # free once the socket closes: nobody listens there


@pytest.fixture
def unreachable_cache(settings):
    """The cache as configured (settings.base), pointed at a port where nobody listens."""
    configured = settings.CACHES["default"]
    if "redis" not in configured["BACKEND"].lower():
        if os.environ.get("CI") == "true":
            pytest.fail("the cache outage tests need Redis and CI must run them: set REDIS_URL")
        pytest.skip("needs the Redis cache (set REDIS_URL)")
    settings.CACHES = {"default": {**configured, "LOCATION": f"redis://127.0.0.1:{closed_port()}/0"}}
    postpurchase.cache._local.clear()
    yield
    postpurchase.cache._local.clear()


def test_with_the_cache_unreachable_the_tracking_form_and_page_answer_200(client, store, unreachable_cache):
    order = place_order(store, number="#1001", email=EMAIL)
    ship(order, events=2)

    form = client.get("/track/")
    found = look_up(client, "1001", EMAIL)
    shown = page(client, order)
    again = page(client, order)

    assert form.status_code == 200
    assert opened(found) == order.pk
    assert shown.status_code == again.status_code == 200
    assert "Scan 1 of JD0001" in again.content.decode()


def test_with_the_cache_unreachable_the_merchant_api_answers(store, unreachable_cache):
    order = place_order(store)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_for(store)}")

    response = api.get(f"/api/v1/orders/{order.pk}/tracking")

    assert response.status_code == 200


def test_with_the_cache_unreachable_the_lookup_limit_still_counts_in_the_process(client, store, unreachable_cache):
    place_order(store, number="#1001", email=EMAIL)
    for n in range(20):
        assert look_up(client, f"{n}", EMAIL).status_code == 200

    refused = look_up(client, "1001", EMAIL)

    assert refused.status_code == 429


def test_healthz_reports_every_part_ok(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"ok": True, "database": "ok", "cache": "ok", "broker": "ok"}


def test_healthz_reports_the_cache_down_and_still_serves(client, unreachable_cache):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["cache"] == "down"
    assert response.json()["database"] == "ok"


@pytest.mark.postgres
def test_healthz_answers_503_when_the_database_is_down():
    script = (
        "import django; django.setup(); from django.test import Client; "
        "r = Client().get('/healthz'); print(r.status_code, r.content.decode())"
    )
    # The pool's wait for a connection is what times out here. Under libfaketime's frozen clock
    # (how the night run of the suite fakes 23:30) no timed wait ever ends, so this one process
    # runs on the real clock: the time of day plays no part in it.
    real_clock = {k: v for k, v in os.environ.items() if not k.startswith("FAKETIME") and k != "LD_PRELOAD"}
    env = {
        **real_clock,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{closed_port()}/nothing",
        "DB_POOL_TIMEOUT": "1",
        "DJANGO_SETTINGS_MODULE": "postpurchase.settings.test",
    }

    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )

    status, body = done.stdout.strip().splitlines()[-1].split(" ", 1)
    assert status == "503", done.stderr[-2000:]
    assert '"database": "down"' in body


def test_with_the_cache_unreachable_a_page_seen_again_costs_one_query_not_a_rendering(client, store, unreachable_cache):
    order = place_order(store, number="#1001", email=EMAIL)
    ship(order, events=2)
    page(client, order)  # rendered; the shared cache stores nothing, this process keeps a copy

    with CaptureQueriesContext(connection) as again:
        shown = page(client, order)

    assert shown.status_code == 200
    assert "Scan 1 of JD0001" in shown.content.decode()
    assert len(again) == 1  # the version check
