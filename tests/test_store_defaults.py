"""A store has its flows, messaging settings and tracking settings from the moment it exists,
however it was created — and stores made before that rule get them from a data migration."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from notifications import registry
from notifications.kinds import KINDS as SPINE_KINDS
from notifications.models import Flow, MessagingSettings
from orders.models import DomainEvent, Store
from tracking.models import TrackingSettings

# The default flows of every registered kind: the spine's 12 and the test apps' (tests/apps).
FLOWS = sum(len(kind.flows) for kind in registry.kinds())


def defaults_of(store: Store) -> tuple[int, bool, bool]:
    return (
        Flow.objects.filter(store=store).count(),
        MessagingSettings.objects.filter(store=store).exists(),
        TrackingSettings.objects.filter(store=store).exists(),
    )


@pytest.mark.django_db
def test_create_store_sets_up_flows_and_settings_before_any_order():
    call_command("create_store", "shop", "--name", "Shop", stdout=StringIO())

    store = Store.objects.get(slug="shop")
    assert defaults_of(store) == (FLOWS, True, True)
    assert DomainEvent.objects.filter(store=store, kind="store.created").count() == 1


@pytest.mark.django_db
def test_updating_a_store_sets_up_nothing_twice():
    call_command("create_store", "shop", "--name", "Shop", stdout=StringIO())

    call_command("create_store", "shop", "--name", "Shop & Co", stdout=StringIO())

    assert defaults_of(Store.objects.get(slug="shop")) == (FLOWS, True, True)
    assert DomainEvent.objects.filter(kind="store.created").count() == 1


@pytest.mark.django_db
def test_a_store_added_in_the_admin_has_its_flows(admin_client):
    response = admin_client.post(
        "/admin/orders/store/add/",
        {
            "name": "Shop",
            "slug": "shop",
            "currency": "EUR",
            "timezone": "UTC",
            "default_locale": "en",
            "primary_color": "#1f6feb",
            "webhook_retention_days": 30,
            "message_retention_days": 90,
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert defaults_of(Store.objects.get(slug="shop")) == (FLOWS, True, True)


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_gives_existing_stores_their_defaults():
    executor = MigrationExecutor(connection)
    before = [("notifications", "0003_optional_email_requires_consent"), ("tracking", "0001_initial")]
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    old_apps.get_model("orders", "Store").objects.create(slug="old", name="Old", currency="EUR")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert defaults_of(Store.objects.get(slug="old")) == (12, True, True)


@pytest.mark.django_db(transaction=True)
def test_existing_stores_get_the_flows_of_kinds_registered_after_them_once():
    executor = MigrationExecutor(connection)
    before = [("notifications", "0004_store_defaults")]
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    old_store = old_apps.get_model("orders", "Store").objects.create(slug="old", name="Old", currency="EUR")
    old_apps.get_model("notifications", "MessagingSettings").objects.create(store_id=old_store.pk)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    store = Store.objects.get(slug="old")
    Flow.objects.filter(store=store, kind="delivered").delete()  # the merchant wants no delivery email
    assert not Flow.objects.filter(store=store, kind="fake_pillar_nudge").exists()

    first, second = StringIO(), StringIO()
    call_command("sync_flows", stdout=first)
    call_command("sync_flows", stdout=second)

    nudge = Flow.objects.get(store=store, kind="fake_pillar_nudge")
    assert (nudge.trigger, nudge.channel, nudge.delay_minutes, nudge.enabled) == (
        "fake_pillar.nudged",
        "email",
        60,
        True,
    )
    assert Flow.objects.filter(store=store, kind="fake_pillar_birthday", transactional=False).count() == 2
    assert not Flow.objects.filter(store=store, kind="delivered").exists()
    # Every kind declared outside notifications' own catalogue came after the old store was made.
    later = sum(len(kind.flows) for kind in registry.kinds() if kind not in SPINE_KINDS)
    assert first.getvalue() == f"Created {later} flow(s).\n"
    assert second.getvalue() == "Created 0 flow(s).\n"
