import os

import pytest
from django.db import connection


@pytest.mark.django_db
def test_the_suite_runs_on_the_database_that_database_url_names():
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"

    assert connection.vendor == expected


@pytest.mark.postgres
def test_postgres_uses_djangos_native_connection_pool():
    assert connection.settings_dict["OPTIONS"]["pool"]
    assert connection.pool is not None


# -- Inserts that keep what a unique constraint holds (postpurchase/db.py) ------------------------


def test_create_unless_exists_writes_once_and_reports_the_conflict(store):
    from orders.models import Customer
    from postpurchase.db import create_unless_exists

    first = Customer(store=store, email="ada@example.com", first_name="Ada")
    assert create_unless_exists(first) is True
    assert first.pk is not None
    assert Customer.objects.get(pk=first.pk).first_name == "Ada"

    # The same store and email again: nothing written, the first row untouched, no error that
    # would break the caller's transaction (a query right after still works).
    second = Customer(store=store, email="ada@example.com", first_name="Someone else")
    assert create_unless_exists(second) is False
    assert second.pk is None
    assert list(Customer.objects.filter(email="ada@example.com").values_list("first_name", flat=True)) == ["Ada"]


def test_bulk_create_new_returns_only_the_rows_it_wrote(store):
    from django.utils import timezone

    from notifications.models import Message
    from postpurchase.db import bulk_create_new

    def message(key: str) -> Message:
        return Message(
            store=store, kind="order_confirmation", channel="email", recipient="ada@example.com",
            send_at=timezone.now(), dedupe_key=key,
        )  # fmt: skip

    assert [m.dedupe_key for m in bulk_create_new([message("a"), message("b")], key="dedupe_key")] == ["a", "b"]
    written = bulk_create_new([message("b"), message("c")], key="dedupe_key")
    assert [(m.dedupe_key, m.pk is not None) for m in written] == [("c", True)]
    assert Message.objects.filter(store=store).count() == 3
    assert bulk_create_new([], key="dedupe_key") == []
