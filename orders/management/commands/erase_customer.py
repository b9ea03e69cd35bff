"""GDPR erasure of one customer of one store, through every app (orders.privacy)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from orders.models import Store
from orders.privacy import customer_erase
from postpurchase.audit import Actor, acting_as
from postpurchase.models import ActorKind


class Command(BaseCommand):
    help = (
        "Anonymise everything a store holds on the person with this email, in every app: orders keep "
        "their amounts, a suppressed address stays suppressed as a hash. Recorded on the audit log. "
        "Running it again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="The customer's email address.")
        parser.add_argument("--store", required=True, help="The store's slug.")
        parser.add_argument("--dry-run", action="store_true", help="Show what would be erased; change nothing.")

    def handle(self, *args: Any, email: str, store: str, dry_run: bool, **options: Any) -> None:
        found = Store.objects.filter(slug=store).first()
        if found is None:
            raise CommandError(f"No store {store!r}.")
        with acting_as(Actor(ActorKind.COMMAND, "erase_customer")):
            erasure = customer_erase(store=found, email=email, dry_run=dry_run)
        person = erasure.person
        verb = "Would change" if dry_run else "Changed"
        self.stdout.write(
            f"{person.email} in {found.slug}: {len(person.customer_ids)} customer(s), {len(person.order_ids)} order(s)."
        )
        for label, n in sorted(erasure.counts.items()):
            self.stdout.write(f"  {label}: {n}")
        total = sum(erasure.counts.values())
        if dry_run:
            self.stdout.write(f"{verb} {total} rows. Dry run: nothing was changed.")
        elif total:
            self.stdout.write(f"{verb} {total} rows. Erased.")
        else:
            self.stdout.write("Nothing left to erase.")
