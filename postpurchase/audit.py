"""The audit log's one recording API, and who is acting right now.

Edges say who acts (`acting_as`): the admin middleware a staff user, API key authentication the
key, `webhook_process` the provider, the Celery signal the task, ops commands themselves; nothing
set means the system. Services then call `audit_record(target=…, action=…, changes=…)` inside
their transaction, and the entry commits or rolls back with the change. A ContextVar follows the
request or task through threads and async code without being passed down every call.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.http import HttpRequest, HttpResponse

from .models import ActorKind, AuditEntry


@dataclass(frozen=True)
class Actor:
    kind: str  # an ActorKind
    name: str = ""

    def __str__(self) -> str:
        return f"{self.kind}:{self.name}" if self.name else self.kind


SYSTEM = Actor(ActorKind.SYSTEM)
_current: ContextVar[Actor] = ContextVar("audit_actor", default=SYSTEM)
# Values never written to the log, whatever their field is called elsewhere.
_SECRET_PARTS = ("secret", "password", "token", "key_hash")


def current_actor() -> Actor:
    return _current.get()


@contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)


def act_as(actor: Actor) -> None:
    """Set the actor for the rest of the current context (API authentication, inside a request
    whose middleware resets it when the response is made)."""
    _current.set(actor)


_task_tokens: dict[str, Token[Actor]] = {}


def task_started(task_id: str, name: str) -> None:
    """Celery's task_prerun: the task acts until it ends (an eager task inside a request too)."""
    _task_tokens[task_id] = _current.set(Actor(ActorKind.TASK, name))


def task_finished(task_id: str) -> None:
    """Celery's task_postrun: whoever acted before the task acts again."""
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        # Finished in another context than it started: nothing to restore there.
        with suppress(ValueError):
            _current.reset(token)


def _plain(value: Any) -> Any:
    """A value as JSON can hold it: models and other objects by their text, containers recursively."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset | models.QuerySet):
        return [_plain(v) for v in value]
    return str(value)


def masked(changes: dict[str, Any]) -> dict[str, Any]:
    """Changes with secret values replaced, so the log never holds a webhook secret."""
    return {
        name: ("***" if any(part in name.lower() for part in _SECRET_PARTS) else _plain(value))
        for name, value in changes.items()
    }


def audit_record(
    *,
    target: models.Model,
    action: str,
    changes: dict[str, Any] | None = None,
    store_id: int | None = None,
    actor: Actor | None = None,
) -> AuditEntry:
    """Write one audit entry about `target`, in the caller's transaction. `store_id` defaults to
    the target's own `store_id` (or its pk for a store)."""
    who = actor or current_actor()
    if store_id is None:
        store_id = getattr(target, "store_id", None)
        if store_id is None and target._meta.label_lower == "orders.store":
            store_id = target.pk
    return AuditEntry.objects.create(
        store_id=store_id,
        content_type=ContentType.objects.get_for_model(target, for_concrete_model=False),
        object_id=target.pk,
        object_repr=str(target)[:200],
        action=action,
        changes=masked(changes or {}),
        actor_kind=who.kind,
        actor=who.name[:150],
    )


def audit_for(target: models.Model) -> "models.QuerySet[AuditEntry]":
    """An object's audit entries, oldest first."""
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(target, for_concrete_model=False), object_id=target.pk
    )


class AuditActorMiddleware:
    """A signed-in staff user is the actor of everything their request changes (the admin)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        actor = SYSTEM
        if user is not None and user.is_authenticated and user.is_staff:
            actor = Actor(ActorKind.STAFF, user.get_username())
        with acting_as(actor):
            return self.get_response(request)
