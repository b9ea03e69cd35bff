"""The domain event catalogue: each kind is named in one module, families can be followed with a
prefix, and every message event reads as a sentence on the timeline."""

import re
from pathlib import Path

import pytest
from django.conf import settings

import notifications.events
import orders.events
import tracking.events
from orders.models import DomainEvent
from postpurchase.events import _subscribers, publish, subscribe

APPS = ["postpurchase", "orders", "tracking", "notifications", "returns", "loyalty", "feedback"]
CATALOGUES = [orders.events, tracking.events, notifications.events]


def catalogued_kinds() -> list[str]:
    return sorted(
        value
        for module in CATALOGUES
        for name, value in vars(module).items()
        if name.isupper() and isinstance(value, str) and re.fullmatch(r"[a-z_]+\.[a-z_.]+", value)
    )


def sources() -> dict[Path, str]:
    root = Path(settings.BASE_DIR)
    return {
        path: path.read_text(encoding="utf-8")
        for app in APPS
        for path in (root / app).rglob("*.py")
        if "migrations" not in path.parts
    }


@pytest.mark.parametrize("kind", catalogued_kinds())
def test_each_event_kind_is_spelled_in_one_module_only(kind):
    spelled_in = [
        str(path.relative_to(settings.BASE_DIR))
        for path, text in sources().items()
        if f'"{kind}"' in text or f"'{kind}'" in text
    ]

    assert len(spelled_in) == 1, f"{kind} is spelled in {spelled_in}"


class Event:
    def __init__(self, kind: str):
        self.kind = kind


@pytest.fixture
def heard():
    calls: list[tuple[str, str]] = []
    before = {key: list(fns) for key, fns in _subscribers.items()}
    # Only the test's listeners: the apps' own subscribers (returns follows return.approved) would
    # act on these bare events.
    _subscribers.clear()

    def listener(name):
        def fn(event):
            calls.append((name, event.kind))

        return fn

    yield calls, listener
    _subscribers.clear()
    _subscribers.update(before)


def test_a_prefix_subscription_hears_the_whole_family_and_nothing_else(heard):
    calls, listener = heard
    subscribe("return.*")(listener("family"))

    for kind in ["return.approved", "return.label.printed", "return_shipment.created", "returns.x", "return"]:
        publish(Event(kind))

    assert calls == [("family", "return.approved"), ("family", "return.label.printed")]


def test_exact_subscribers_run_before_the_family_and_a_listener_of_both_runs_once(heard):
    calls, listener = heard
    both = listener("both")
    subscribe("return.*")(listener("family"))
    subscribe("return.approved", "return.*")(both)
    subscribe("return.approved")(listener("exact"))

    publish(Event("return.approved"))

    assert calls == [("both", "return.approved"), ("exact", "return.approved"), ("family", "return.approved")]


def test_a_wildcard_anywhere_but_the_end_is_refused():
    with pytest.raises(ValueError, match="may only end a family"):
        subscribe("return.*.approved")


@pytest.mark.parametrize("kind", sorted(notifications.events._OUTCOMES))
def test_every_message_event_reads_as_a_sentence(kind):
    event = DomainEvent(kind=kind, data={"kind": "order_confirmation", "channel": "sms", "reason": "why"})

    text = orders.events.describe(event)

    assert text.startswith("SMS “Order confirmation” ")
    assert text.endswith(": why")
