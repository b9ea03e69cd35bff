from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from orders.models import InboundWebhook, Store
from orders.services import webhook_process
from postpurchase.cli import day


class Command(BaseCommand):
    help = (
        "Process stored webhooks again: by default those not processed yet (failed or pending). "
        "Ids and the options narrow the selection; --all also re-runs processed ones (handlers are idempotent)."
    )

    def add_arguments(self, parser):
        parser.add_argument("ids", nargs="*", type=int, help="Only these webhook ids.")
        parser.add_argument("--provider", help="Only this provider's webhooks, e.g. shopify.")
        parser.add_argument("--store", help="Only this store's webhooks (its slug).")
        parser.add_argument("--since", type=day, help="Only webhooks received on or after this day (YYYY-MM-DD).")
        parser.add_argument(
            "--all", action="store_true", dest="everything", help="Also re-run webhooks already processed."
        )
        parser.add_argument("--dry-run", action="store_true", help="List what would be replayed; process nothing.")

    def handle(self, *args, everything, dry_run=False, **options):
        selected = self._selected(everything=everything, **options)
        if dry_run:
            for webhook in InboundWebhook.objects.filter(pk__in=selected).order_by("received_at", "id"):
                state = (
                    "processed" if webhook.processed_at else (f"error: {webhook.error}" if webhook.error else "pending")
                )
                self.stdout.write(f"{webhook.pk} {webhook.provider} {webhook.topic} {state}")
            self.stdout.write(f"Would replay {len(selected)} webhooks. Dry run: nothing was processed.")
            return
        failed = 0
        for webhook_id in selected:
            webhook = webhook_process(webhook_id=webhook_id, force=everything)
            outcome = f"error: {webhook.error}" if webhook.error else "ok"
            failed += bool(webhook.error)
            self.stdout.write(f"{webhook.pk} {webhook.provider} {webhook.topic} {outcome}")
        self.stdout.write(f"Replayed {len(selected)} webhooks: {len(selected) - failed} ok, {failed} failed.")
        if failed:
            raise CommandError(f"{failed} webhooks failed; see the errors above.")

    def _selected(self, *, ids, provider, store, since, everything, **_options) -> list[int]:
        """Ids of the webhooks to replay, oldest first."""
        # A pruned webhook (its body emptied past the store's retention) has nothing left to replay.
        webhooks = InboundWebhook.objects.order_by("received_at", "id").exclude(body="")
        if not everything:
            webhooks = webhooks.pending()
        if ids:
            webhooks = webhooks.filter(pk__in=ids)
        if provider:
            webhooks = webhooks.filter(provider=provider)
        if store:
            found = Store.objects.filter(slug=store).first()
            if found is None:
                raise CommandError(f"No store {store!r}.")
            webhooks = webhooks.for_store(found)
        if since:
            webhooks = webhooks.filter(received_at__gte=timezone.make_aware(datetime.combine(since, time.min)))
        return list(webhooks.values_list("pk", flat=True))
