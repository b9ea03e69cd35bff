"""Retention: `prune` empties webhook bodies and message data past each store's retention period."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from notifications.models import Message, MessageState
from notifications.services import messages_dispatch_due
from orders.models import InboundWebhook
from orders.tasks import data_prune_task
from tests.orders.factories import place_order
from tests.orders.shopify_payloads import order_payload, post_webhook

pytestmark = pytest.mark.django_db


def prune(*args: str) -> str:
    out = StringIO()
    call_command("prune", *args, stdout=out)
    return out.getvalue()


def later(days: float):
    return time_machine.travel(timezone.now() + timedelta(days=days), tick=False)


def test_a_processed_webhook_keeps_its_body_until_the_store_retention_ends(client, store):
    post_webhook(client, store, "orders/create", order_payload())
    webhook = InboundWebhook.objects.get()

    with later(29):
        prune()
    webhook.refresh_from_db()
    assert "Lovelace" in webhook.body

    with later(31):
        output = prune()
    webhook.refresh_from_db()
    assert (webhook.body, webhook.headers, webhook.topic) == ("", {}, "orders/create")
    assert webhook.processed_at is not None
    assert "webhook bodies: 1 emptied" in output


def test_each_store_has_its_own_retention(client, store):
    store.webhook_retention_days = 7
    store.save()
    post_webhook(client, store, "orders/create", order_payload())

    with later(8):
        prune()

    assert InboundWebhook.objects.get().body == ""


def test_a_webhook_still_waiting_to_be_processed_is_kept(client, store):
    from tests.orders.shopify_payloads import fulfillment_payload

    post_webhook(client, store, "fulfillments/create", fulfillment_payload())  # before its order: fails

    with later(60):
        prune()

    assert InboundWebhook.objects.get().body != ""


def test_finished_messages_lose_their_data_after_the_message_retention(store):
    order = place_order(store)
    messages_dispatch_due()
    message = Message.objects.get(order=order)
    assert message.state == MessageState.SENT
    assert message.data != {}

    with later(91):
        output = prune()

    message.refresh_from_db()
    assert (message.data, message.state, message.recipient) == ({}, MessageState.SENT, order.email)
    assert "message data: 1 emptied" in output


def test_a_dry_run_counts_and_changes_nothing(client, store):
    post_webhook(client, store, "orders/create", order_payload())

    with later(31):
        output = prune("--dry-run")

    assert "webhook bodies: 1 would be emptied" in output
    assert "Dry run: nothing was changed." in output
    assert InboundWebhook.objects.get().body != ""


def test_the_daily_task_prunes_too(client, store):
    post_webhook(client, store, "orders/create", order_payload())

    with later(31):
        counts = data_prune_task()

    assert counts["webhook bodies"] == 1


def test_replay_skips_a_pruned_webhook(client, store):
    post_webhook(client, store, "orders/create", order_payload())
    with later(31):
        prune()
    out = StringIO()

    call_command("replay_webhooks", "--all", stdout=out)

    assert "Replayed 0 webhooks" in out.getvalue()
