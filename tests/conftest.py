import os

import pytest
from django.db import connection
from rest_framework.test import APIClient

from tests.orders.factories import StoreFactory, UserFactory, api_key_for


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
