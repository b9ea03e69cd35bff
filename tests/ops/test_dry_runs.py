"""`replay_webhooks` and `resend_message` say what they would do with --dry-run, and do nothing."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from notifications.models import Message, MessageState, Suppression
from notifications.services import messages_dispatch_due
from orders.models import InboundWebhook, Shipment
from tests.orders.factories import place_order
from tests.orders.shopify_payloads import fulfillment_payload, order_payload, post_webhook

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_replay_dry_run_lists_the_failed_webhook_and_processes_nothing(client, store):
    post_webhook(client, store, "fulfillments/create", fulfillment_payload())  # overtook its order
    post_webhook(client, store, "orders/create", order_payload())
    early = InboundWebhook.objects.get(topic="fulfillments/create")

    output = run("replay_webhooks", "--dry-run")

    assert f"{early.pk} shopify fulfillments/create error:" in output
    assert "Would replay 1 webhooks. Dry run: nothing was processed." in output
    early.refresh_from_db()
    assert early.processed_at is None
    assert not Shipment.objects.exists()


def test_resend_dry_run_says_it_would_resend_and_schedules_nothing(store):
    original = Message.objects.get(order=place_order(store))
    messages_dispatch_due()

    output = run("resend_message", str(original.pk), "--dry-run")

    assert f"Would schedule a copy of message {original.pk}" in output
    assert Message.objects.count() == 1


def test_resend_dry_run_refuses_what_the_resend_would_refuse(store):
    order = place_order(store)
    original = Message.objects.get(order=order)
    messages_dispatch_due()
    Suppression.objects.create(channel="email", address=original.recipient, reason="bounced")

    with pytest.raises(CommandError, match="suppression list"):
        run("resend_message", str(original.pk), "--dry-run")
    assert Message.objects.get().state == MessageState.SENT
