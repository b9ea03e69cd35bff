"""Empty raw payloads past each store's retention period (orders.privacy.prune)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from orders.privacy import data_prune
from postpurchase.audit import Actor, acting_as
from postpurchase.models import ActorKind


class Command(BaseCommand):
    help = (
        "Empty webhook bodies and headers, and message data, older than each store's retention "
        "(Store: webhook_retention_days, message_retention_days). Rows and outcomes stay. The beat runs it daily."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count what would be emptied; change nothing.")

    def handle(self, *args: Any, dry_run: bool, **options: Any) -> None:
        with acting_as(Actor(ActorKind.COMMAND, "prune")):
            counts = data_prune(dry_run=dry_run)
        verb = "would be emptied" if dry_run else "emptied"
        for name, n in counts.items():
            self.stdout.write(f"{name}: {n} {verb}")
        self.stdout.write(
            f"{sum(counts.values())} rows {verb}." + (" Dry run: nothing was changed." if dry_run else "")
        )
