from datetime import datetime, time, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from notifications.services.ops import messages_retry_failed
from orders.models import Store
from postpurchase.cli import day

DEFAULT_HOURS = 24


class Command(BaseCommand):
    help = (
        "Put failed messages back in the queue, due now, with fresh attempts. Messages whose recipient is "
        f"on the suppression list stay failed. By default those that failed in the last {DEFAULT_HOURS} hours. "
        "Messages in doubt (the worker stopped during the provider call) are retried only with --in-doubt."
    )

    def add_arguments(self, parser):
        since = parser.add_mutually_exclusive_group()
        since.add_argument("--since", type=day, help="Messages that failed on or after this day (YYYY-MM-DD).")
        since.add_argument("--hours", type=int, help="Messages that failed in the last N hours.")
        parser.add_argument("--store", help="Only this store's messages (its slug).")
        parser.add_argument("--dry-run", action="store_true", help="Count what would be retried; change nothing.")
        parser.add_argument(
            "--in-doubt",
            action="store_true",
            help="Retry only the messages in doubt (messages_status lists them): a customer who got one gets it twice.",
        )

    def handle(self, *args, since, hours, store, dry_run, in_doubt, **options):
        if since is not None:
            cutoff = timezone.make_aware(datetime.combine(since, time.min))
        else:
            if hours is not None and hours <= 0:
                raise CommandError("--hours wants a positive number.")
            cutoff = timezone.now() - timedelta(hours=hours or DEFAULT_HOURS)
        found = None
        if store:
            found = Store.objects.filter(slug=store).first()
            if found is None:
                raise CommandError(f"No store {store!r}.")
        outcome = messages_retry_failed(
            since=cutoff, store=found, dry_run=dry_run, in_doubt=in_doubt, actor="manage.py retry_failed"
        )
        verb = "Would retry" if dry_run else "Retried"
        what = "messages in doubt" if in_doubt else "failed messages"
        self.stdout.write(
            f"{verb} {len(outcome.retried)} {what} since {cutoff:%Y-%m-%d %H:%M %Z}; "
            f"skipped {len(outcome.skipped)} whose recipient is on the suppression list."
        )
