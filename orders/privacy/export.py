"""Export: one JSON document of everything a store holds on a person, from every app.

Each app registers one exporter in its `ready()` (`@exporter("loyalty")`); it gets the `Person`
and returns plain JSON data about its own tables. `customer_export` calls them in registration
order (orders first), so the document has one section per app.
"""

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from orders.models import Store

from .erasure import Person, person_find

Exporter = Callable[[Person], Any]
_exporters: dict[str, Exporter] = {}


def exporter(section: str) -> Callable[[Exporter], Exporter]:
    """Register the decorated function as the exporter of `section` (an app's label)."""

    def register(fn: Exporter) -> Exporter:
        _exporters[section] = fn
        return fn

    return register


def exporters() -> dict[str, Exporter]:
    return dict(_exporters)


def jsonable(value: Any) -> Any:
    """Rows read with `.values()` as JSON: money as strings (never floats), times in ISO 8601."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def customer_export(*, store: Store, email: str) -> dict[str, Any]:
    """Everything `store` holds on the person with `email`: one section per registered app."""
    person = person_find(store=store, email=email)
    document: dict[str, Any] = {
        "store": store.slug,
        "email": person.email,
        "exported_at": timezone.now().isoformat(),
    }
    for section, fn in _exporters.items():
        document[section] = jsonable(fn(person))
    return document
