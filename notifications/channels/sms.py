"""SMS backends, chosen by settings.SMS_BACKEND like email backends: twilio in production,
console or file in development, locmem in tests (`outbox` collects what was sent), null to drop
every SMS unread (and so unrendered)."""

import json
import sys
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from . import Outgoing

outbox: list[Outgoing] = []


class ConsoleBackend:
    def send(self, outgoing: Outgoing) -> str:
        sys.stdout.write(f"SMS to {outgoing.to}: {outgoing.text}\n")
        sys.stdout.flush()
        return f"console-{uuid.uuid4()}"


class FileBackend:
    """One JSON line per SMS in SMS_FILE_PATH, for development."""

    def send(self, outgoing: Outgoing) -> str:
        path = Path(settings.SMS_FILE_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        sid = f"file-{uuid.uuid4()}"
        line = {"sid": sid, "to": outgoing.to, "body": outgoing.text, "at": timezone.now().isoformat()}
        with path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(line) + "\n")
        return sid


class LocmemBackend:
    def send(self, outgoing: Outgoing) -> str:
        outgoing.content  # noqa: B018 - render now, as a real provider would read it, not when a test looks
        outbox.append(outgoing)
        return f"locmem-{len(outbox)}"


class NullBackend:
    """Accepts every SMS and drops it without reading (so without rendering) it."""

    def send(self, outgoing: Outgoing) -> str:
        return f"null-{outgoing.message_id}"


def get_backend():
    return import_string(settings.SMS_BACKEND)()


def send(outgoing: Outgoing) -> str:
    return get_backend().send(outgoing)
