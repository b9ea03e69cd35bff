"""The feedback suite's delivered order and outbox clock serve these cross-app tests too."""

from tests.feedback.conftest import _empty_outbox, _outbox_clock, deliver, delivered_order, shipped_order

__all__ = ["_empty_outbox", "_outbox_clock", "deliver", "delivered_order", "shipped_order"]
