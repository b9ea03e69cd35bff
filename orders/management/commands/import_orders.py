import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from orders.importing import BATCH_SIZE, ImportSummary, orders_import
from orders.models import Store

# Exit status: 0 every order was fine; 1 some orders were refused (the others imported);
# 2 nothing could be read (no such file or store, unknown layout, not UTF-8).
EXIT_REFUSED = 1
EXIT_UNREADABLE = 2


class Command(BaseCommand):
    help = (
        "Import orders from a file: our CSV, a Shopify orders export (CSV) or JSON lines, recognised "
        "automatically. Idempotent: importing the same file again creates nothing. See docs/import-format.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--store", required=True, help="The store's slug.")
        parser.add_argument("--dry-run", action="store_true", help="Validate and report; write nothing.")
        parser.add_argument(
            "--batch-size", type=int, default=BATCH_SIZE, help=f"Orders per transaction (default {BATCH_SIZE})."
        )

    def handle(self, *args, file: Path, store: str, dry_run: bool, batch_size: int, verbosity: int, **options):
        found = Store.objects.filter(slug=store).first()
        if found is None:
            raise CommandError(f"No store {store!r}.", returncode=EXIT_UNREADABLE)
        if not file.is_file():
            raise CommandError(f"No file {str(file)!r}.", returncode=EXIT_UNREADABLE)
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.", returncode=EXIT_UNREADABLE)

        # The bar is for a person at a terminal; logs and pipes get the summary only.
        show_bar = verbosity > 0 and self.stderr.isatty()
        with tqdm(
            total=file.stat().st_size, unit="B", unit_scale=True, desc=file.name, disable=not show_bar, file=sys.stderr
        ) as bar:
            summary = orders_import(
                path=file,
                store=found,
                dry_run=dry_run,
                batch_size=batch_size,
                on_progress=lambda done: bar.update(done - bar.n),
            )
        self._report(file, found, summary, verbosity)
        if summary.fatal:
            raise CommandError(f"{file.name}: {summary.fatal}", returncode=EXIT_UNREADABLE)
        if summary.error_count:
            raise CommandError(
                f"{summary.failed_orders} orders were not imported; see the errors above.", returncode=EXIT_REFUSED
            )

    def _report(self, file: Path, store: Store, s: ImportSummary, verbosity: int) -> None:
        if verbosity > 0:
            for notice in s.notices:
                self.stdout.write(f"note: {notice}")
            for line, message in s.warnings:
                self.stdout.write(f"line {line}: warning: {message}")
            if s.warning_count > len(s.warnings):
                self.stdout.write(f"... and {s.warning_count - len(s.warnings)} more warnings")
        for line, message in s.errors:
            self.stdout.write(self.style.ERROR(f"line {line}: {message}"))
        if s.error_count > len(s.errors):
            self.stdout.write(self.style.ERROR(f"... and {s.error_count - len(s.errors)} more errors"))
        prefix = "Dry run, nothing was written. " if s.dry_run else ""
        self.stdout.write(
            f"{prefix}{file.name} ({s.format or 'unknown format'}) into {store.slug}: "
            f"created {s.created}, updated {s.updated}, skipped {s.skipped} (unchanged), "
            f"errors {s.error_count} (orders not imported: {s.failed_orders}), warnings {s.warning_count}."
        )
