"""Surprise points for a segment of a store's members, after a dry run:

    loyalty_surprise --store acme --tier gold --points 200 --reason "Thank you" --campaign xmas-2026 --dry-run
    loyalty_surprise --store acme --tier gold --points 200 --reason "Thank you" --campaign xmas-2026

Each member gets a campaign's points once: running it again gives nothing twice.
"""

from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from loyalty.bonuses import Segment, surprise_bonus
from orders.models import Store
from postpurchase.exceptions import DomainError
from postpurchase.money import money_format


def _day(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        return timezone.make_aware(datetime.combine(date.fromisoformat(value), time.min))
    except ValueError as exc:
        raise CommandError(f"--{name} is a date, YYYY-MM-DD.") from exc


class Command(BaseCommand):
    help = "Give surprise points to a segment of members (tier, tag, spend, last order); --dry-run counts first."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--store", required=True, help="The store's slug.")
        parser.add_argument("--points", type=int, required=True)
        parser.add_argument("--reason", required=True, help="Shown to the member in their history.")
        parser.add_argument("--campaign", required=True, help="A name: each member gets a campaign's points once.")
        parser.add_argument("--tier", default="", help="Only members of this tier.")
        parser.add_argument("--tag", default="", help="Only customers with this tag.")
        parser.add_argument("--min-spend", help="Only members who spent at least this in the last 12 months.")
        parser.add_argument("--ordered-since", help="Only members whose last order is on or after this date.")
        parser.add_argument("--not-ordered-since", help="Only members with no order on or after this date.")
        parser.add_argument("--dry-run", action="store_true", help="Count the members and points; give nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        store = Store.objects.filter(slug=options["store"]).first()
        if store is None:
            raise CommandError(f"No store {options['store']!r}.")
        try:
            min_spend = Decimal(options["min_spend"]) if options.get("min_spend") else None
        except InvalidOperation as exc:
            raise CommandError("--min-spend is an amount, e.g. 100.00.") from exc
        segment = Segment(
            tier=options["tier"],
            tag=options["tag"],
            min_spend=min_spend,
            ordered_since=_day(options.get("ordered_since"), "ordered-since"),
            not_ordered_since=_day(options.get("not_ordered_since"), "not-ordered-since"),
        )
        try:
            summary = surprise_bonus(
                store=store,
                segment=segment,
                points=options["points"],
                reason=options["reason"],
                campaign=options["campaign"],
                dry_run=options["dry_run"],
            )
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        worth = money_format(summary.value, store.currency)
        if options["dry_run"]:
            self.stdout.write(
                f"Dry run: {summary.members} members would get {options['points']} points each, "
                f"{summary.points} points in all (worth {worth}). Nothing was given."
            )
        else:
            self.stdout.write(
                f"{summary.given} members got {options['points']} points "
                f"({summary.members - summary.given} of {summary.members} had this campaign's points already)."
            )
