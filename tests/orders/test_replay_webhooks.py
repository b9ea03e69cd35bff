"""Webhooks that failed (a fulfillment before its order) are retried: by the sweeper, or by hand."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from orders.models import InboundWebhook, OrderStatus, Shipment
from orders.tasks import webhooks_process_pending_task
from tests.orders.shopify_payloads import fulfillment_payload, order_payload, post_webhook

pytestmark = pytest.mark.django_db

MONDAY = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def _replay(*args) -> str:
    out = StringIO()
    call_command("replay_webhooks", *args, stdout=out)
    return out.getvalue()


def _early_fulfillment(client, store) -> InboundWebhook:
    """A fulfillment that overtook its order: stored, failed, waiting."""
    post_webhook(client, store, "fulfillments/create", fulfillment_payload())
    return InboundWebhook.objects.get(store=store, topic="fulfillments/create")


# -- replay_webhooks ------------------------------------------------------------------------


def test_it_replays_a_fulfillment_once_its_order_has_arrived(client, store):
    early = _early_fulfillment(client, store)
    post_webhook(client, store, "orders/create", order_payload())

    output = _replay()

    early.refresh_from_db()
    assert early.processed_at is not None
    assert early.error == ""
    assert Shipment.objects.get().tracking_number == "RM123456785GB"
    assert Shipment.objects.get().order.status == OrderStatus.SHIPPED
    assert output.splitlines() == [f"{early.pk} shopify fulfillments/create ok", "Replayed 1 webhooks: 1 ok, 0 failed."]


def test_it_exits_with_an_error_when_a_webhook_still_fails(client, store):
    early = _early_fulfillment(client, store)
    out = StringIO()

    with pytest.raises(CommandError, match="1 webhooks failed") as raised:
        call_command("replay_webhooks", stdout=out)

    assert raised.value.returncode == 1
    assert out.getvalue().splitlines()[0].startswith(f"{early.pk} shopify fulfillments/create error: LookupError")
    early.refresh_from_db()
    assert early.attempts == 2


def test_it_leaves_processed_webhooks_alone_by_default(client, store):
    post_webhook(client, store, "orders/create", order_payload())

    output = _replay()

    assert output.splitlines() == ["Replayed 0 webhooks: 0 ok, 0 failed."]
    assert InboundWebhook.objects.get().attempts == 1


def test_it_reruns_processed_webhooks_with_all(client, store):
    post_webhook(client, store, "orders/create", order_payload())
    webhook = InboundWebhook.objects.get()

    output = _replay("--all")

    webhook.refresh_from_db()
    assert output.splitlines()[0] == f"{webhook.pk} shopify orders/create ok"
    assert webhook.attempts == 2
    assert store.orders.count() == 1


def test_it_replays_only_the_webhooks_named_by_id(client, store):
    early = _early_fulfillment(client, store)
    other = InboundWebhook.objects.create(provider="shopify", store=store, topic="products/update", body="{}")

    output = _replay(str(other.pk))

    assert output.splitlines() == [f"{other.pk} shopify products/update ok", "Replayed 1 webhooks: 1 ok, 0 failed."]
    early.refresh_from_db()
    assert early.attempts == 1


def test_it_replays_only_one_stores_webhooks_with_store(client, store, other_store):
    ours = _early_fulfillment(client, store)
    theirs = _early_fulfillment(client, other_store)
    post_webhook(client, other_store, "orders/create", order_payload())

    output = _replay("--store", other_store.slug, "--provider", "shopify")

    assert output.splitlines()[:-1] == [f"{theirs.pk} shopify fulfillments/create ok"]
    assert Shipment.objects.get().store == other_store
    ours.refresh_from_db()
    assert ours.attempts == 1


def test_it_replays_only_webhooks_received_since_a_day(client, store):
    with time_machine.travel(MONDAY, tick=False):
        _early_fulfillment(client, store)
    with time_machine.travel(MONDAY + timedelta(days=2), tick=False):
        recent = InboundWebhook.objects.create(provider="shopify", store=store, topic="products/update", body="{}")

    output = _replay("--since", "2025-03-04")

    assert output.splitlines()[:-1] == [f"{recent.pk} shopify products/update ok"]


def test_it_refuses_an_unknown_store(db):
    with pytest.raises(CommandError, match="No store 'nope'"):
        _replay("--store", "nope")


# -- the sweeper ----------------------------------------------------------------------------


def test_the_sweeper_processes_a_pending_webhook_older_than_a_minute(client, store):
    with time_machine.travel(MONDAY, tick=False):
        early = _early_fulfillment(client, store)
        post_webhook(client, store, "orders/create", order_payload())

    with time_machine.travel(MONDAY + timedelta(seconds=61), tick=False):
        tried = webhooks_process_pending_task()

    assert tried == 1
    early.refresh_from_db()
    assert early.processed_at is not None
    assert Shipment.objects.get().external_id == "4912345678901"


def test_the_sweeper_leaves_a_webhook_younger_than_a_minute_alone(client, store):
    with time_machine.travel(MONDAY, tick=False):
        early = _early_fulfillment(client, store)
        post_webhook(client, store, "orders/create", order_payload())

    with time_machine.travel(MONDAY + timedelta(seconds=30), tick=False):
        tried = webhooks_process_pending_task()

    assert tried == 0
    early.refresh_from_db()
    assert early.processed_at is None


def test_the_sweeper_gives_up_after_eight_attempts(client, store):
    with time_machine.travel(MONDAY, tick=False):
        early = _early_fulfillment(client, store)
    InboundWebhook.objects.filter(pk=early.pk).update(attempts=8)

    with time_machine.travel(MONDAY + timedelta(hours=1), tick=False):
        tried = webhooks_process_pending_task()

    assert tried == 0


def test_the_sweeper_takes_the_oldest_first_in_a_bounded_batch(store):
    with time_machine.travel(MONDAY, tick=False) as traveller:
        ids = []
        for _ in range(105):
            ids.append(InboundWebhook.objects.create(provider="shopify", store=store, topic="x/y", body="{}").pk)
            traveller.shift(timedelta(seconds=1))

    with time_machine.travel(MONDAY + timedelta(hours=1), tick=False):
        tried = webhooks_process_pending_task()

    assert tried == 100
    assert set(InboundWebhook.objects.pending().values_list("pk", flat=True)) == set(ids[100:])


def test_it_refuses_a_since_that_is_not_a_day(db):
    with pytest.raises(CommandError, match="want a day like 2025-01-31"):
        _replay("--since", "last tuesday")
