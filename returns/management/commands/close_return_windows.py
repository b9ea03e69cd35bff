from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from returns.services import returns_close_windows


class Command(BaseCommand):
    help = "Record return_window.closed for every order whose return window (with grace and tag rules) ended."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Only count the windows that would close.")

    def handle(self, *args: Any, **options: Any) -> None:
        closed = returns_close_windows(dry_run=options["dry_run"], actor="close_return_windows")
        verb = "would close" if options["dry_run"] else "closed"
        self.stdout.write(f"{len(closed)} return windows {verb}.")
