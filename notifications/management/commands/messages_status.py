from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from notifications.models import MessageState
from notifications.selectors import outbox_status, recipient_masked, store_zone
from orders.models import Store


def duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if minutes < 60:
        return f"{minutes} min"
    if hours < 48:
        return f"{hours} h {minutes % 60} min"
    return f"{days} d {hours % 24} h"


class Command(BaseCommand):
    help = (
        "Show the outbox: messages by kind and state, the oldest due message and how late it is, "
        "messages stuck in `sending` past their lease, messages in doubt (handed to the provider by a worker "
        "that stopped before it knew the outcome) and the commonest failures of the last 24 h."
    )

    def add_arguments(self, parser):
        parser.add_argument("--store", help="Only this store's messages (its slug).")

    def handle(self, *args, store=None, **options):
        found = None
        if store:
            found = Store.objects.filter(slug=store).first()
            if found is None:
                raise CommandError(f"No store {store!r}.")
        status = outbox_status(store=found)
        zone = store_zone(found)
        self.stdout.write(
            f"Outbox of {found.slug if found else 'all stores'} at {status.now.astimezone(zone):%Y-%m-%d %H:%M:%S %Z}"
        )
        self._table(status.counts)
        self._oldest_due(status, zone)
        self._stuck(status)
        self._in_doubt(status)
        self._failures(status)

    def _table(self, counts: dict[tuple[str, str], int]) -> None:
        if not counts:
            self.stdout.write("No messages.")
            return
        states = list(MessageState.values)
        kinds = sorted({kind for kind, _ in counts})
        rows = [["kind", *states, "total"]]
        for kind in kinds:
            row = [counts.get((kind, state), 0) for state in states]
            rows.append([kind, *row, sum(row)])
        totals = [sum(counts.get((kind, state), 0) for kind in kinds) for state in states]
        rows.append(["total", *totals, sum(totals)])
        widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            cells = [str(row[0]).ljust(widths[0])] + [str(v).rjust(w) for v, w in zip(row[1:], widths[1:], strict=True)]
            self.stdout.write("  ".join(cells))

    def _oldest_due(self, status, zone) -> None:
        message = status.oldest_due
        if message is None:
            self.stdout.write("Oldest due: nothing is due.")
            return
        order = f", order {message.order.number}" if message.order else ""
        self.stdout.write(
            f"Oldest due: message {message.pk} ({message.kind} by {message.channel}{order}), "
            f"due {message.send_at.astimezone(zone):%Y-%m-%d %H:%M:%S %Z}, {duration(status.now - message.send_at)} late."
        )

    def _stuck(self, status) -> None:
        self.stdout.write(f"Stuck in sending past their lease: {status.stuck_count}")
        for message in status.stuck:
            order = f", order {message.order.number}" if message.order else ""
            handed = " after the provider call" if message.provider_called_at else ""
            self.stdout.write(
                f"  message {message.pk} ({message.kind} by {message.channel} to "
                f"{recipient_masked(message.recipient)}{order}): lease ran out "
                f"{duration(status.now - message.lease_expires_at)} ago{handed}, attempt {message.attempts}"
            )
        if status.stuck_count > len(status.stuck):
            self.stdout.write(f"  … and {status.stuck_count - len(status.stuck)} more")

    def _in_doubt(self, status) -> None:
        self.stdout.write(
            f"In doubt (the provider may or may not have them; never resent by itself): {status.in_doubt_count}"
        )
        for message in status.in_doubt:
            order = f", order {message.order.number}" if message.order else ""
            self.stdout.write(
                f"  message {message.pk} ({message.kind} by {message.channel} to "
                f"{recipient_masked(message.recipient)}{order}): handed over "
                f"{duration(status.now - message.provider_called_at)} ago, {message.state}"
            )
        if status.in_doubt_count > len(status.in_doubt):
            self.stdout.write(f"  … and {status.in_doubt_count - len(status.in_doubt)} more")
        if status.in_doubt_count:
            self.stdout.write(
                "  Check the provider's log; then `resend_message <id>` for one, or "
                "`retry_failed --in-doubt` for all (a customer who got it gets it twice)."
            )

    def _failures(self, status) -> None:
        self.stdout.write(f"Failures in the last 24 h: {status.failures_count}")
        width = max((len(str(n)) for _, n in status.failures), default=1)
        for reason, n in status.failures:
            self.stdout.write(f"  {str(n).rjust(width)}  {reason or '(no reason recorded)'}")
