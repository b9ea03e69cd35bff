"""Domain events: how apps react to each other without importing one another.

A service records an event row (orders.events.event_record) in its own transaction and
publishes it here; every subscriber runs right away, inside that same transaction, so what
they write (outbox messages, held points, ...) commits or rolls back with the change itself.
Subscribers are registered in their app's AppConfig.ready().
"""

from collections import defaultdict
from collections.abc import Callable
from typing import Any

Subscriber = Callable[[Any], None]

_subscribers: dict[str, list[Subscriber]] = defaultdict(list)

ANY = "*"


def subscribe(*kinds: str) -> Callable[[Subscriber], Subscriber]:
    """Register the decorated function for these event kinds (ANY for every kind)."""

    def register(fn: Subscriber) -> Subscriber:
        for kind in kinds:
            if fn not in _subscribers[kind]:
                _subscribers[kind].append(fn)
        return fn

    return register


def publish(event: Any) -> None:
    """Call the subscribers of `event.kind`, in registration order, then the ANY ones."""
    for fn in (*_subscribers.get(event.kind, ()), *_subscribers.get(ANY, ())):
        fn(event)
