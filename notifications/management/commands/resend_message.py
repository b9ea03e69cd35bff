from django.core.management.base import BaseCommand, CommandError

from notifications.models import Message
from notifications.selectors import recipient_masked
from notifications.services.ops import message_resend, message_resend_check
from postpurchase.exceptions import DomainError


class Command(BaseCommand):
    help = (
        "Send a message again: schedule a copy of a sent, failed, cancelled or suppressed message for now. "
        "The copy passes the send-time checks like any message. Prints the copy's id alone on the last line."
    )

    def add_arguments(self, parser):
        parser.add_argument("message_id", type=int, metavar="id", help="The message's id (explain_messages shows it).")
        parser.add_argument(
            "--force", action="store_true", help="Also resend a suppressed message (the cause must be gone)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Say whether it would be resent; change nothing.")

    def handle(self, *args, message_id, force, dry_run=False, **options):
        if dry_run:
            original = Message.objects.filter(pk=message_id).first()
            if original is None:
                raise CommandError(f"No message {message_id}.")
            try:
                message_resend_check(original, force=force)
            except DomainError as exc:
                raise CommandError(exc.message) from None
            self.stdout.write(
                f"Would schedule a copy of message {message_id} ({original.kind} by {original.channel} "
                f"to {recipient_masked(original.recipient)}) for now. Dry run: nothing was changed."
            )
            return
        try:
            copy = message_resend(message_id=message_id, force=force, actor="manage.py resend_message")
        except Message.DoesNotExist:
            raise CommandError(f"No message {message_id}.") from None
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            f"Scheduled message {copy.pk}, a copy of message {message_id} ({copy.kind} by {copy.channel} "
            f"to {recipient_masked(copy.recipient)}), due now."
        )
        self.stdout.write(str(copy.pk))
