"""Send due expiry warnings and expire points whose clock ran out (the beat does it hourly)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from loyalty.moments import expiry_warnings_send, points_expire, rewards_refund_expired
from postpurchase.audit import Actor, acting_as
from postpurchase.cli import Progress, add_progress_argument
from postpurchase.models import ActorKind


class Command(BaseCommand):
    help = (
        "Warn members before their points expire (the programme's warning days, e.g. 30 and 7), and expire "
        "the available points of accounts inactive for the programme's expiry months, and give back the points "
        "of reward codes that expired unused (by programme setting). The beat runs it hourly; "
        "a second run writes nothing twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count what would happen; change nothing.")
        add_progress_argument(parser)

    def handle(self, *args: Any, dry_run: bool, progress: bool, **options: Any) -> None:
        with acting_as(Actor(ActorKind.COMMAND, "expire_points")):
            warned = expiry_warnings_send(dry_run=dry_run)
            expired = points_expire(dry_run=dry_run, progress=Progress(self.stderr, "Accounts", force=progress))
            refunded = rewards_refund_expired(dry_run=dry_run)
        if dry_run:
            self.stdout.write(
                f"{warned} warnings would be scheduled, {expired} accounts would expire, {refunded} expired rewards "
                "would be given back. Dry run: nothing was changed."
            )
        else:
            self.stdout.write(
                f"{warned} warnings scheduled, {expired} accounts expired, {refunded} expired rewards given back."
            )
