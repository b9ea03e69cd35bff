"""An order made ready to write by the reader thread, while the batch before is written.

The writer (bulk.py) is the import's critical path: it waits for PostgreSQL most of the time,
and the reader thread (service._Ahead) has time to spare. So everything about an order that
does not depend on the database is worked out here, on the reader's side: the Order values
a later copy compares against, those values as the COPY wants them (JSON as text), the
`order.imported` event's payload and the customer fields. The writer only adds ids.
"""

from dataclasses import dataclass
from datetime import datetime

from orders.inputs import OrderInput
from orders.services.orders import ORDER_UPDATABLE_FIELDS as UPDATABLE

from .texts import json_text, moment_text

_JSON_AT = tuple(n for n, name in enumerate(UPDATABLE) if name in ("shipping_address", "billing_address"))


@dataclass(slots=True)
class Ready:
    line: int
    data: OrderInput
    values: dict  # data.order_values()
    dumped: tuple  # the same, in UPDATABLE's order, JSON as text (tables.rows_insert/rows_update)
    imported: str  # the order.imported event's payload if it is created, JSON text
    placed_at: datetime | str | None  # as tables.rows_insert wants a moment (texts.moment_text)
    cancelled_at: datetime | str | None
    customer: tuple[str, str, str, str]  # phone, first_name, last_name, locale (bulk._CUSTOMER_FIELDS)


def dumped(values: dict) -> tuple:
    """UPDATABLE values in column order, JSON as text (as tables.rows_insert wants it)."""
    row = [values[name] for name in UPDATABLE]
    for n in _JSON_AT:
        row[n] = json_text(row[n])
    return tuple(row)


def order_ready(line: int, data: OrderInput, *, postgres: bool) -> Ready:
    values = data.order_values()
    payload = {"number": data.number, "total": str(values["total"]), "currency": data.currency, "source": "import"}
    return Ready(
        line=line,
        data=data,
        values=values,
        dumped=dumped(values),
        imported=json_text(payload),
        placed_at=None if data.placed_at is None else moment_text(data.placed_at, postgres=postgres),
        cancelled_at=None if data.cancelled_at is None else moment_text(data.cancelled_at, postgres=postgres),
        customer=(data.phone, data.first_name, data.last_name, data.locale),
    )
