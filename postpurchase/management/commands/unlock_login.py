"""`manage.py unlock_login --username <name> | --ip <address> | --all`: lift an admin login lockout."""

from axes.utils import reset
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Lift the admin login lockout of a username, of a client address, or of everyone."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", help="The username that is locked out.")
        parser.add_argument("--ip", help="The client address that is locked out.")
        parser.add_argument("--all", action="store_true", help="Every lockout and failure count.")

    def handle(self, *args, username: str | None, ip: str | None, all: bool, **options) -> None:
        if not (username or ip or all):
            raise CommandError("Say whom to unlock: --username, --ip or --all.")
        cleared = reset() if all else 0
        if username:
            cleared += reset(username=username)
        if ip:
            cleared += reset(ip=ip)
        self.stdout.write(f"Unlocked: {cleared} failure record(s) cleared.")
