"""Give imported history its points, once: `loyalty_backfill --store <slug> [--since 2026-01-01]`."""

from datetime import date, datetime, time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from loyalty.services import earning_orders, order_earn, order_release
from orders.models import Store


class Command(BaseCommand):
    help = "Earn points for a store's imported orders (idempotent: a second run writes nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--store", required=True, help="The store's slug.")
        parser.add_argument("--since", help="Only orders placed on or after this date (YYYY-MM-DD).")

    def handle(self, *args: Any, **options: Any) -> None:
        store = Store.objects.filter(slug=options["store"]).first()
        if store is None:
            raise CommandError(f"No store {options['store']!r}.")
        since = None
        if options.get("since"):
            try:
                day = date.fromisoformat(options["since"])
            except ValueError as exc:
                raise CommandError("--since is a date, YYYY-MM-DD.") from exc
            since = timezone.make_aware(datetime.combine(day, time.min))
        earned = 0
        for order in earning_orders(store_id=store.pk, since=since):
            # One transaction per order: an interrupted run keeps what it did and a rerun finishes.
            # Imported orders never get a return window closed by returns, so history is final at once.
            with transaction.atomic():
                if order_earn(order=order, actor="loyalty_backfill") is not None:
                    earned += 1
                order_release(order=order)
        self.stdout.write(f"{earned} orders earned points.")
