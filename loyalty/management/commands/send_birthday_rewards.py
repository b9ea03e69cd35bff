"""Give today's birthday points now (the beat does it hourly); running it twice gives nothing more."""

from typing import Any

from django.core.management.base import BaseCommand

from loyalty.moments import birthday_rewards_give


class Command(BaseCommand):
    help = "Give birthday points to members whose birthday it is today in their time zone."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{birthday_rewards_give()} birthday rewards given.")
