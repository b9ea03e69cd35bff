"""Senders that fail the way providers and workers do, for the outbox's fault tests.

They stand at the provider edge (settings.MESSAGE_SENDERS), like the locmem email backend: each
remembers which message ids it was handed, so a test can count calls per message.
"""

import os
import signal

from notifications.channels import Outgoing

calls: list[int] = []
explode_for: set[int] = set()


class WorkerKilled(BaseException):
    """What escapes a worker that is being torn down (like SystemExit): nothing catches it."""


def accepts(outgoing: Outgoing) -> str:
    calls.append(outgoing.message_id)
    return f"fake-{outgoing.message_id}"


def dies_at_the_second_call(outgoing: Outgoing) -> str:
    """Accepts the first message, then the worker dies while the second is with the provider."""
    calls.append(outgoing.message_id)
    if len(calls) == 2:
        raise WorkerKilled
    return f"fake-{outgoing.message_id}"


def killed_at_the_second_call(outgoing: Outgoing) -> str:
    """Like dies_at_the_second_call, but the process gets SIGKILL: no `finally` runs."""
    if os.environ.get("OUTBOX_CALLS_FILE"):
        with open(os.environ["OUTBOX_CALLS_FILE"], "a") as log:
            log.write(f"{outgoing.message_id}\n")
    calls.append(outgoing.message_id)
    if len(calls) == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    return f"fake-{outgoing.message_id}"


def explodes_for_some(outgoing: Outgoing) -> str:
    """A sender with a bug: it raises RuntimeError for the messages in `explode_for`."""
    calls.append(outgoing.message_id)
    if outgoing.message_id in explode_for:
        raise RuntimeError(f"unexpected reply for message {outgoing.message_id}")
    return f"fake-{outgoing.message_id}"
