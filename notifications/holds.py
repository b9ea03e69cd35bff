"""Holds: checks that other apps add to the send-time checks, for the kinds they name.

Returns may say "not the review request while a return is open", loyalty "not the points reminder
before the points are credited", without notifications knowing either app, and without them
importing each other. An app registers a check in its `AppConfig.ready()`:

    from notifications.holds import Hold, register_hold

    def open_returns(messages, now):
        open_orders = set(ReturnRequest.objects.filter(order_id__in={m.order_id for m in messages}, ...)
                          .values_list("order_id", flat=True))   # one query for the whole batch
        return {m.id: Hold.postpone("a return is open", now + timedelta(hours=6))
                for m in messages if m.order_id in open_orders}

    register_hold(name="returns.open_return", kinds=["review_request"], check=open_returns)

`optional=True` asks the check about every optional (marketing) kind as well, including kinds
registered after it (e.g. "no marketing while a claim is open").

The dispatcher calls each check once per batch with the due messages of the kinds it names, as
plain data (`HeldMessage`: ids, kind and channel, never model instances), and applies what it
answers like its own decisions: the message is cancelled, or postponed, with the reason on the row
and a `message.cancelled` / `message.postponed` event on the timeline. No answer for a message
lets it go on to the other checks (consent, quiet hours, the frequency cap). A check must answer
for a whole batch in a constant number of queries.

A check that raises holds back the messages it was asked about for a while (they are not sent
unchecked) and is logged; the rest of the batch is unaffected.
"""

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from notifications.registry import is_optional

logger = logging.getLogger(__name__)

# A check that fails is asked again after this long; a postponement into the past waits this long.
RETRY_AFTER = timedelta(minutes=15)
MIN_WAIT = timedelta(minutes=1)


class HeldMessage(Protocol):
    """What a check sees of a due message."""

    @property
    def id(self) -> int: ...
    @property
    def store_id(self) -> int: ...
    @property
    def customer_id(self) -> int | None: ...
    @property
    def order_id(self) -> int | None: ...
    @property
    def shipment_id(self) -> int | None: ...
    @property
    def kind(self) -> str: ...
    @property
    def channel(self) -> str: ...


@dataclass(frozen=True)
class Hold:
    """A check's answer about one message: cancel it (no `until`), or wait until `until`."""

    reason: str
    until: datetime | None = None
    check: str = ""  # the registered check's name, set by holds_for (the message's reason code)

    @classmethod
    def cancel(cls, reason: str) -> "Hold":
        return cls(reason=reason)

    @classmethod
    def postpone(cls, reason: str, until: datetime) -> "Hold":
        return cls(reason=reason, until=until)

    @property
    def cancels(self) -> bool:
        return self.until is None


HoldCheck = Callable[[Sequence[HeldMessage], datetime], Mapping[int, Hold | None]]


@dataclass(frozen=True)
class _Registered:
    name: str
    kinds: frozenset[str]
    check: HoldCheck
    optional: bool = False


_checks: dict[str, _Registered] = {}


def register_hold(*, name: str, kinds: Iterable[str], check: HoldCheck, optional: bool = False) -> None:
    """Ask `check` about every due message of these kinds (and, with `optional`, of every optional
    kind). Registering a name again replaces it."""
    _checks[name] = _Registered(name=name, kinds=frozenset(kinds), check=check, optional=optional)


def unregister_hold(name: str) -> None:
    _checks.pop(name, None)


def _stronger(a: Hold | None, b: Hold) -> Hold:
    """Two checks hold the same message: a cancel wins, else the later postponement."""
    if a is None or b.until is None:
        return b if a is None or a.until is not None else a
    if a.until is None:
        return a
    return b if b.until > a.until else a


def holds_for(messages: Sequence[HeldMessage], now: datetime) -> dict[int, Hold]:
    """Every registered check's answer about these messages: message id -> the hold that wins."""
    held: dict[int, Hold] = {}
    for registered in list(_checks.values()):
        asked = [m for m in messages if m.kind in registered.kinds or (registered.optional and is_optional(m.kind))]
        if not asked:
            continue
        try:
            answers = dict(registered.check(asked, now))
        except Exception:  # a pillar's bug must not stop every other message, nor send these unchecked
            logger.exception("hold check %s failed; its messages wait", registered.name)
            answers = {m.id: Hold.postpone(f"hold check {registered.name} failed", now + RETRY_AFTER) for m in asked}
        ids = {m.id for m in asked}
        for message_id, hold in answers.items():
            if hold is None or message_id not in ids:
                continue  # a check decides only about the messages it was asked about
            if hold.until is not None and hold.until < now + MIN_WAIT:
                hold = Hold.postpone(hold.reason, now + MIN_WAIT)
            held[message_id] = _stronger(held.get(message_id), replace(hold, check=registered.name))
    return held
