from typing import Any

from django.core.management.base import BaseCommand

from notifications.flows import flows_sync


class Command(BaseCommand):
    help = (
        "Give every store the default flows of message kinds registered since it was set up (migrate "
        "does this too). Flows a store already had, or that its merchant deleted, are left alone."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        created = flows_sync()
        self.stdout.write(f"Created {created} flow(s).")
