"""Close ended return windows now (the beat runs it hourly)."""

from argparse import ArgumentParser
from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand

from orders.models import Order
from postpurchase.audit import Actor, acting_as
from postpurchase.cli import Progress, add_progress_argument
from postpurchase.models import ActorKind
from returns.services import returns_close_windows


class Command(BaseCommand):
    help = (
        "Record return_window.closed for every order whose return window (with grace and tag rules) ended; "
        "loyalty then releases the order's pending points. The beat runs it hourly; a second run closes nothing twice."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Only count the windows that would close.")
        add_progress_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        bar = Progress(self.stderr, "Orders", force=options["progress"])
        with acting_as(Actor(ActorKind.COMMAND, "close_return_windows")):
            closed = returns_close_windows(dry_run=options["dry_run"], actor="close_return_windows", progress=bar)
        per_store = Counter(Order.objects.filter(pk__in=closed).values_list("store__slug", flat=True))
        for slug, n in sorted(per_store.items()):
            self.stdout.write(f"  {slug}: {n}")
        verb = "would close" if options["dry_run"] else "closed"
        dry = " Dry run: nothing was changed." if options["dry_run"] else ""
        self.stdout.write(f"{len(closed)} return windows {verb}.{dry}")
