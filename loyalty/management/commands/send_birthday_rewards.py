"""Give today's birthday points now (the beat does it hourly); running it twice gives nothing more."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from loyalty.moments import birthday_rewards_give
from postpurchase.audit import Actor, acting_as
from postpurchase.cli import Progress, add_progress_argument
from postpurchase.models import ActorKind


class Command(BaseCommand):
    help = (
        "Give birthday points (and the birthday message) to members whose birthday it is today in their "
        "time zone, once a year. The beat runs it hourly."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count who would get points; change nothing.")
        add_progress_argument(parser)

    def handle(self, *args: Any, dry_run: bool, progress: bool, **options: Any) -> None:
        with acting_as(Actor(ActorKind.COMMAND, "send_birthday_rewards")):
            given = birthday_rewards_give(dry_run=dry_run, progress=Progress(self.stderr, "Members", force=progress))
        if dry_run:
            self.stdout.write(f"{given} birthday rewards would be given. Dry run: nothing was changed.")
        else:
            self.stdout.write(f"{given} birthday rewards given.")
