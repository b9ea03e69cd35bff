"""import_reviews <file> --store <slug> [--format judgeme|yotpo|csv]: bring reviews from another app."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from feedback.importing import FORMATS, reviews_import
from orders.models import Store


class Command(BaseCommand):
    help = "Import reviews from a Judge.me or Yotpo export, or our own CSV. Importing twice adds nothing."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--store", required=True)
        parser.add_argument("--format", choices=sorted(FORMATS), default="csv")

    def handle(self, *args: Any, **options: Any) -> None:
        store = Store.objects.filter(slug=options["store"]).first()
        if store is None:
            raise CommandError(f"No store {options['store']!r}.")
        try:
            with open(options["file"], encoding="utf-8-sig", newline="") as file:
                result = reviews_import(store=store, file=file, format=options["format"])
        except OSError as error:
            raise CommandError(f"Cannot read {options['file']}: {error.strerror}") from error
        for problem in result.errors:
            self.stderr.write(problem)
        self.stdout.write(
            f"Imported {result.created} review(s) ({result.held} held for moderation), "
            f"{result.unchanged} already there, {len(result.errors)} bad row(s)."
        )
