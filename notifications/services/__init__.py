"""The outbox: scheduling messages from domain events, and delivering them when due."""

from .customers import message_schedule_for_customer
from .dispatch import messages_claim, messages_deliver, messages_dispatch_due
from .scheduling import messages_schedule

__all__ = [
    "message_schedule_for_customer",
    "messages_claim",
    "messages_deliver",
    "messages_dispatch_due",
    "messages_schedule",
]
