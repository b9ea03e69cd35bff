"""An order's whole story, as the admin's timeline tells it: every domain event of every app."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from orders.events import describe, kind_app
from orders.models import DomainEvent, Store
from orders.selectors import order_find


class Command(BaseCommand):
    help = (
        "Print an order's timeline in time order: placed, shipments and checkpoints, messages (scheduled, sent, "
        "held or suppressed, with the reason), returns, points, surveys and reviews — every domain event any app "
        "recorded about it. Reads only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("number", help="The order number, with or without its '#'.")
        parser.add_argument("--store", required=True, help="The store's slug.")

    def handle(self, *args: Any, number: str, store: str, **options: Any) -> None:
        found = Store.objects.filter(slug=store).first()
        if found is None:
            raise CommandError(f"No store {store!r}.")
        order = order_find(store=found, number=number)
        if order is None:
            raise CommandError(f"Store {found.slug} has no order {number!r} (looked for it with and without '#').")
        zone = found.zone
        self.stdout.write(f"Order {order.number} of {found.slug}: {order.status}. Times in {zone.key}.")
        events = DomainEvent.objects.filter(order=order).order_by("created_at", "id")
        for event in events.iterator():
            at = event.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
            app = kind_app(event.kind)
            actor = f"  ({event.actor})" if event.actor else ""
            self.stdout.write(f"{at}  {app:<14} {describe(event)}{actor}")
