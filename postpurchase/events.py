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
FAMILY = ".*"  # `return.*`: every kind of the family (return.approved, return.received.partial, ...)


def subscribe(*kinds: str) -> Callable[[Subscriber], Subscriber]:
    """Register the decorated function for these event kinds: exact (`return.approved`), a family
    (`return.*`, every kind that starts with `return.`) or ANY for every kind."""
    for kind in kinds:
        if kind != ANY and "*" in kind.removesuffix(FAMILY):
            raise ValueError(f"{kind!r}: a wildcard may only end a family, as in 'return.*'")

    def register(fn: Subscriber) -> Subscriber:
        for kind in kinds:
            if fn not in _subscribers[kind]:
                _subscribers[kind].append(fn)
        return fn

    return register


def _families(kind: str) -> list[str]:
    """The families `kind` belongs to, narrowest first: a.b.c -> a.b.*, a.*."""
    parts = kind.split(".")
    return [".".join(parts[:n]) + FAMILY for n in range(len(parts) - 1, 0, -1)]


def publish(event: Any) -> None:
    """Call the subscribers of `event.kind`, then of its families (narrowest first), then the
    ANY ones, each in registration order; a function subscribed more than one way runs once."""
    called: list[Subscriber] = []
    for key in (event.kind, *_families(event.kind), ANY):
        for fn in _subscribers.get(key, ()):
            if fn not in called:
                called.append(fn)
                fn(event)


def subscribed(kind: str) -> bool:
    """Whether publishing an event of `kind` would call any subscriber."""
    return any(_subscribers.get(key) for key in (kind, *_families(kind), ANY))
