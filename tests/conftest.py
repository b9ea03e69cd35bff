import os
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from rest_framework.test import APIClient

from tests.orders.factories import StoreFactory, UserFactory, api_key_for

# A weekday noon in UTC: daytime in every zone the suite uses, far from quiet hours and midnights.
DEFAULT_START = "2026-11-18T12:00:00+00:00"


def pytest_addoption(parser):
    parser.addoption(
        "--start-time",
        default=os.environ.get("PYTEST_START_TIME", DEFAULT_START),
        help="ISO instant every test starts at (env PYTEST_START_TIME); e.g. 2026-11-18T23:30:00+01:00",
    )


def _start_time(config) -> datetime:
    value = config.getoption("--start-time")
    start = datetime.fromisoformat(value)
    if start.tzinfo is None:
        raise pytest.UsageError(f"--start-time needs a UTC offset: {value!r}")
    return start.astimezone(UTC)


def pytest_report_header(config):
    return f"clock: every test starts at {_start_time(config).isoformat()} (--start-time / PYTEST_START_TIME)"


@pytest.fixture(autouse=True)
def _pinned_clock(request):
    """Start every test at the same instant, so the suite passes at any hour of the wall clock.

    The clock ticks from there (leases and timeouts still elapse); a test that needs another instant
    travels itself, which nests inside this one.
    """
    with time_machine.travel(_start_time(request.config), tick=True):
        yield


def pytest_collection_modifyitems(config, items):
    """`postgres` tests skip on SQLite locally, but CI (CI=true) must never skip them silently."""
    for item in items:
        if "postgres" in item.keywords:
            item.fixturenames.append("_needs_postgres")


@pytest.fixture
def _needs_postgres(db):
    if connection.vendor != "postgresql":
        if os.environ.get("CI") == "true":
            pytest.fail("this test needs PostgreSQL and CI must run it: set DATABASE_URL")
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")


@pytest.fixture
def store(db):
    return StoreFactory(slug="acme", name="Acme Outfitters")


@pytest.fixture
def other_store(db):
    return StoreFactory(slug="globex", name="Globex")


@pytest.fixture
def owner(store):
    """A staff user of `store` with the merchant permissions."""
    from django.contrib.auth.models import Permission

    user = UserFactory(username="owner", stores=[store])
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="orders"))
    return user


@pytest.fixture
def api(store):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_for(store)}")
    return client


@pytest.fixture
def other_api(other_store):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_for(other_store)}")
    return client
