"""A sender that accepts every message and sends nothing, without rendering it.

For benchmarks and dry runs: MESSAGE_SENDERS = {"email": "notifications.channels.null.send",
"sms": "notifications.channels.null.send"}. It never reads the content, so the dispatcher's own
work (claim, checks, writes, timeline) is all that is measured. Each message still gets a
distinct provider id, as from a real provider, so storing ids costs what it costs in production.
"""

from . import Outgoing


def send(outgoing: Outgoing) -> str:
    return f"null-{outgoing.message_id}"
