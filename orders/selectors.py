"""Non-trivial reads of orders' tables."""

from datetime import datetime, timedelta

from django.utils import timezone

from orders.models import InboundWebhook

# Younger webhooks may still be in the middle of their inline processing.
WEBHOOK_RETRY_AFTER = timedelta(seconds=60)
# After this many failures a webhook waits for a person (`manage.py replay_webhooks`).
WEBHOOK_MAX_ATTEMPTS = 8
WEBHOOK_RETRY_BATCH = 100


def webhooks_pending_for_retry(*, now: datetime | None = None, limit: int = WEBHOOK_RETRY_BATCH) -> list[int]:
    """Ids of stored webhooks not processed yet that deserve another try, oldest first."""
    cutoff = (now or timezone.now()) - WEBHOOK_RETRY_AFTER
    return list(
        InboundWebhook.objects.pending()
        .filter(received_at__lt=cutoff, attempts__lt=WEBHOOK_MAX_ATTEMPTS)
        .order_by("received_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
