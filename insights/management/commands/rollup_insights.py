"""Recompute the dashboard's rollup tables now: the trailing window, or a store's whole history."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from insights.rollup import cohorts_rebuild, rollup_history, rollup_recent
from orders.models import Store


class Command(BaseCommand):
    help = "Recompute the dashboard's daily rollup and cohort tables (the nightly task does the trailing window)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--store", help="One store's slug (default: every store).")
        parser.add_argument(
            "--days", type=int, default=None, help="The last N days (default: settings.INSIGHTS_ROLLUP_DAYS)."
        )
        parser.add_argument("--all", action="store_true", help="Every day since the store's first order (backfill).")

    def handle(self, *args: Any, **options: Any) -> None:
        stores = Store.objects.order_by("pk")
        if options["store"]:
            stores = stores.filter(slug=options["store"])
            if not stores.exists():
                raise CommandError(f"No store with slug {options['store']!r}.")
        days = options["days"] or settings.INSIGHTS_ROLLUP_DAYS
        for store in stores:
            done = rollup_history(store=store) if options["all"] else rollup_recent(store=store, days=days)
            cells = cohorts_rebuild(store=store)
            self.stdout.write(f"{store.slug}: {done} days rolled up, {cells} cohort cells.")
