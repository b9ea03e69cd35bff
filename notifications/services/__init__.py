"""The outbox: scheduling messages from domain events, and delivering them when due."""

from .dispatch import messages_claim, messages_deliver, messages_dispatch_due
from .scheduling import messages_schedule

__all__ = ["messages_claim", "messages_deliver", "messages_dispatch_due", "messages_schedule"]
