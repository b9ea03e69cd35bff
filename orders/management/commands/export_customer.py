"""GDPR access: one JSON file of everything a store holds on one person (orders.privacy)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from orders.models import Store
from orders.privacy.requests import customer_export_write
from postpurchase.audit import Actor, acting_as
from postpurchase.models import ActorKind


class Command(BaseCommand):
    help = (
        "Write one JSON file of everything a store holds on the person with this email, with a section "
        "per app (orders, tracking, notifications, returns, loyalty, feedback). Recorded on the audit log."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="The customer's email address.")
        parser.add_argument("--store", required=True, help="The store's slug.")
        parser.add_argument(
            "--output", "-o", type=Path, help="Where to write the file (default: PRIVACY_EXPORT_DIR/<store>/…)."
        )

    def handle(self, *args: Any, email: str, store: str, output: Path | None, **options: Any) -> None:
        found = Store.objects.filter(slug=store).first()
        if found is None:
            raise CommandError(f"No store {store!r}.")
        with acting_as(Actor(ActorKind.COMMAND, "export_customer")):
            path = customer_export_write(store=found, email=email, path=output)
        self.stdout.write(f"Wrote {path}")
