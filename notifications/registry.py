"""Message kinds, declared by the app that owns them.

An app that sends messages declares each kind once, in its `AppConfig.ready()`:

    from notifications.registry import DefaultFlow, Kind, register

    register(Kind(
        name="return_approved",                 # stored on messages, flows and merchant templates
        label="Return approved",                # what merchants read in the admin
        app="returns",                          # the admin groups kinds by this app
        templates=Path(__file__).parent / "message_templates",  # <locale>/<name>.<channel>.<part>
        channels=("email",),
        triggers=("return.approved",),          # domain event kinds that schedule it (may be empty)
        flows=(DefaultFlow(channel="email"),),  # what every store starts with (flows_sync)
        sample=lambda store, locale: {"rma": "RMA-1001"},  # `message.data` in the admin preview
    ))

A kind whose triggers are domain event kinds is scheduled for the event's order by the store's
flows as soon as such an event is recorded; a kind without triggers is scheduled by its owner with
`notifications.services.message_schedule_for_customer` and an idempotency key of its choosing.
`Flow.trigger`, `Flow.kind`, `Message.kind` and `MessageTemplate.kind` are plain strings
validated against this registry (their choices are `trigger_choices` and `kind_choices`).

Orders and tracking sit to the left of notifications and cannot import it, so notifications
declares their kinds for them (notifications.kinds), grouped under their apps' names.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from jinja2 import BaseLoader, Environment, FileSystemLoader

CHANNELS = ("email", "sms")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_TRIGGER = re.compile(r"^[a-z][a-z0-9_.]{0,63}$")

SampleData = Callable[[Any, str], Mapping[str, Any]]
# Plain data a kind's owner derives from `message.data` for its templates (amounts formatted in the
# message's locale, …): (data, locale) -> values added to `message.data`. Never model instances.
DataHook = Callable[[Mapping[str, Any], str], Mapping[str, Any]]


@dataclass(frozen=True)
class DefaultFlow:
    """One flow every store gets for a kind; merchants change it in the admin afterwards."""

    channel: str
    trigger: str = ""  # blank: the kind's first trigger (or none, for kinds scheduled by their owner)
    delay: timedelta = timedelta(0)
    transactional: bool = True  # False: optional (consent, frequency cap, unsubscribe link)
    enabled: bool = True

    @property
    def delay_minutes(self) -> int:
        return int(self.delay.total_seconds() // 60)


def _no_sample(store: Any, locale: str) -> Mapping[str, Any]:
    return {}


def _no_data(data: Mapping[str, Any], locale: str) -> Mapping[str, Any]:
    return {}


@dataclass(frozen=True)
class Kind:
    """A kind of message: who owns it, when it is sent by default, where its templates are."""

    name: str
    label: str
    app: str
    templates: Path
    channels: tuple[str, ...]
    triggers: tuple[str, ...] = ()
    flows: tuple[DefaultFlow, ...] = ()
    # A follow-up is about a finished purchase: it is cancelled once the order is returned.
    follow_up: bool = False
    # One message per shipment instead of one per order (shipped, delivered, …).
    per_shipment: bool = False
    sample: SampleData = field(default=_no_sample, compare=False)
    data: DataHook = field(default=_no_data, compare=False)

    def default_flows(self) -> list[tuple[str, DefaultFlow]]:
        """(trigger, flow) of each default flow, the blank trigger resolved."""
        first = self.triggers[0] if self.triggers else ""
        return [(flow.trigger or first, flow) for flow in self.flows]

    @property
    def optional(self) -> bool:
        """Whether its default flows are optional (marketing) messages."""
        return bool(self.flows) and not any(flow.transactional for flow in self.flows)


_kinds: dict[str, Kind] = {}
_trigger_labels: dict[str, str] = {}
_on_register: list[Callable[[Kind], None]] = []


def _check(kind: Kind) -> None:
    problems = []
    if not _NAME.match(kind.name):
        problems.append("its name must be lower-case letters, digits and underscores (at most 64)")
    if not kind.channels or set(kind.channels) - set(CHANNELS):
        problems.append(f"its channels must be some of {', '.join(CHANNELS)}")
    for trigger, flow in kind.default_flows():
        if flow.channel not in kind.channels:
            problems.append(f"a default flow uses channel {flow.channel!r}, which the kind does not declare")
        if not trigger:
            problems.append("a default flow needs a trigger: declare one on the kind or the flow")
        elif trigger not in kind.triggers:
            problems.append(f"a default flow's trigger {trigger!r} is not one of the kind's triggers")
    problems += [f"trigger {t!r} is not a valid name" for t in kind.triggers if not _TRIGGER.match(t)]
    if not kind.templates.is_dir():
        problems.append(f"its templates directory {kind.templates} does not exist")
    known = _kinds.get(kind.name)
    if known is not None and known != kind:
        problems.append(f"{known.app} already declared a kind with this name")
    if problems:
        raise ImproperlyConfigured(f"Message kind {kind.name!r}: " + "; ".join(problems) + ".")


def register(kind: Kind) -> Kind:
    """Declare a kind (from the owning app's AppConfig.ready()). Declaring the same kind again
    changes nothing; a different kind under a taken name is a configuration error."""
    _check(kind)
    if kind.name in _kinds:
        return kind
    _kinds[kind.name] = kind
    for listener in _on_register:
        listener(kind)
    return kind


def unregister(name: str) -> None:
    """Forget a kind: for tests that declare one of their own."""
    _kinds.pop(name, None)


def on_register(listener: Callable[[Kind], None]) -> None:
    """Call `listener` for every kind declared so far and every kind declared later."""
    _on_register.append(listener)
    for kind in list(_kinds.values()):
        listener(kind)


def trigger_label(trigger: str, label: str) -> None:
    """Name a trigger for merchants ("Order delivered"); unnamed triggers show as they are."""
    _trigger_labels[trigger] = label


def kinds() -> list[Kind]:
    return list(_kinds.values())


def kind(name: str) -> Kind | None:
    return _kinds.get(name)


def is_kind(name: object) -> bool:
    return isinstance(name, str) and name in _kinds


def label(name: str) -> str:
    known = _kinds.get(name)
    return known.label if known else name


def kind_data(name: str, data: Mapping[str, Any], locale: str) -> dict[str, Any]:
    """`data` with what the kind's owner derives from it for its templates (`Kind.data`)."""
    known = _kinds.get(name)
    return {**data, **known.data(data, locale)} if known else dict(data)


def is_follow_up(name: str) -> bool:
    known = _kinds.get(name)
    return bool(known and known.follow_up)


def is_per_shipment(name: str) -> bool:
    known = _kinds.get(name)
    return bool(known and known.per_shipment)


def is_optional(name: str) -> bool:
    known = _kinds.get(name)
    return bool(known and known.optional)


def kinds_triggered_by(trigger: str) -> list[str]:
    return [k.name for k in _kinds.values() if trigger in k.triggers]


def triggers() -> list[str]:
    return list(dict.fromkeys(t for k in _kinds.values() for t in k.triggers))


def _app_name(app: str) -> str:
    try:
        return str(apps.get_app_config(app).verbose_name)
    except LookupError:
        return app


def kinds_by_app() -> list[tuple[str, list[Kind]]]:
    """The kinds grouped under their app's name, apps and kinds in declaration order."""
    groups: dict[str, list[Kind]] = {}
    for known in _kinds.values():
        groups.setdefault(_app_name(known.app), []).append(known)
    return list(groups.items())


def kind_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Model and form choices: kinds grouped by app, with their human names."""
    return [(app, [(k.name, k.label) for k in group]) for app, group in kinds_by_app()]


def trigger_name(trigger: str) -> str:
    return _trigger_labels.get(trigger, trigger)


def trigger_choices() -> list[tuple[str, str]]:
    return [(t, trigger_name(t)) for t in triggers()]


# --- templates ------------------------------------------------------------------------------


def template_dir(name: str, shared: Path) -> Path:
    """Where the file templates of kind `name` live; `shared` for anything that is not a kind
    (the layout, the footers, the macros)."""
    known = _kinds.get(name)
    return known.templates if known else shared


class KindTemplateLoader(BaseLoader):
    """Loads `<locale>/<kind>.<channel>.<part>` from the kind's own templates directory and every
    other name (`_layout.email.html`, `<locale>/_footer.email.txt`) from the shared one, with
    FileSystemLoader's own checks on the path."""

    def __init__(self, shared: Path) -> None:
        self.shared = shared
        self._loaders: dict[Path, FileSystemLoader] = {}

    def _loader(self, directory: Path) -> FileSystemLoader:
        if directory not in self._loaders:
            self._loaders[directory] = FileSystemLoader(directory)
        return self._loaders[directory]

    def get_source(self, environment: Environment, template: str) -> tuple[str, str | None, Callable[[], bool] | None]:
        name = template.rsplit("/", 1)[-1].split(".", 1)[0]
        return self._loader(template_dir(name, self.shared)).get_source(environment, template)
