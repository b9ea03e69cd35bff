"""Send due expiry warnings and expire points whose clock ran out (the beat does it hourly)."""

from typing import Any

from django.core.management.base import BaseCommand

from loyalty.moments import expiry_warnings_send, points_expire


class Command(BaseCommand):
    help = "Warn members before their points expire, and expire them on the day."

    def handle(self, *args: Any, **options: Any) -> None:
        warned = expiry_warnings_send()
        expired = points_expire()
        self.stdout.write(f"{warned} warnings scheduled, {expired} accounts expired.")
