"""Run the delay check now (the beat runs it every 15 minutes): delayed, possibly lost, expired."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from postpurchase.audit import Actor, acting_as
from postpurchase.cli import Progress, add_progress_argument
from postpurchase.models import ActorKind
from tracking.services import shipments_check_delays


class Command(BaseCommand):
    help = (
        "Flag shipments that are late, silent for the store's no-scan days, or held by a carrier problem "
        "(one delay notice per episode), clear recovered ones, mark silent parcels possibly lost and "
        "expire the long-silent. The beat runs it every 15 minutes; running it again at once changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count what would change; change nothing.")
        add_progress_argument(parser)

    def handle(self, *args: Any, dry_run: bool, progress: bool, **options: Any) -> None:
        bar = Progress(self.stderr, "Shipments", force=progress)
        with acting_as(Actor(ActorKind.COMMAND, "check_delays")):
            changed = shipments_check_delays(dry_run=dry_run, progress=bar)
        verb = "would change" if dry_run else "changed"
        self.stdout.write(f"{changed} shipments {verb}." + (" Dry run: nothing was changed." if dry_run else ""))
