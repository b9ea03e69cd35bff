"""Retention: raw payloads emptied after each store's retention period (`prune`, daily on the beat).

Each app registers a pruner for its own tables in its `ready()` (`@pruner("webhooks")`): it gets
the moment and `dry_run` and answers how many rows it emptied (or would). Rows stay, so counts,
outcomes and the timeline are unchanged; only the payloads that may carry personal data go.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from orders.models import InboundWebhook, Store

Pruner = Callable[[datetime, bool], int]
_pruners: dict[str, Pruner] = {}


def pruner(name: str) -> Callable[[Pruner], Pruner]:
    def register(fn: Pruner) -> Pruner:
        _pruners[name] = fn
        return fn

    return register


def data_prune(*, now: datetime | None = None, dry_run: bool = False) -> dict[str, int]:
    """Run every registered pruner; {name: rows emptied (or that would be)}."""
    now = now or timezone.now()
    return {name: fn(now, dry_run) for name, fn in _pruners.items()}


@pruner("webhook bodies")
def webhooks_prune(now: datetime, dry_run: bool) -> int:
    """Processed webhooks older than their store's `webhook_retention_days` lose body and headers
    (provider callbacks without a store: `WEBHOOK_RETENTION_DAYS`). Unprocessed ones are kept: the
    sweeper and `replay_webhooks` still need them."""
    total = 0
    done = InboundWebhook.objects.filter(processed_at__isnull=False).exclude(body="")
    periods = [(Q(store=store), store.webhook_retention_days) for store in Store.objects.all()]
    periods.append((Q(store=None), getattr(settings, "WEBHOOK_RETENTION_DAYS", 30)))
    for scope, days in periods:
        old = done.filter(scope, received_at__lt=now - timedelta(days=days))
        with transaction.atomic():
            total += old.count() if dry_run else old.update(body="", headers={})
    return total
