"""Values as the import's COPY wants them, made cheaply: JSON text and moments as text.

On PostgreSQL rows go in by COPY, in text: psycopg turns each aware datetime into `str(value)`
after looking up its dumper (several µs a value, the dearest cell of an order row), and
json.dumps goes through its keyword handling each time. For hundreds of thousands of rows
both add up, so they are made here once per value, in the same text.
"""

import json
from datetime import datetime
from typing import Any

_c_make_encoder = json.encoder.c_make_encoder  # type: ignore[attr-defined]  # None without the C accelerator
# json.dumps's own encoder, with its defaults (", " and ": ", ASCII escapes, NaN refused
# later by PostgreSQL) but no check for circular references: values here are plain dicts.
_ENCODE = (
    _c_make_encoder(None, None, json.encoder.encode_basestring_ascii, None, ": ", ", ", False, False, True)
    if _c_make_encoder is not None
    else None
)


def json_text(value: Any) -> str:
    """json.dumps(value), sooner for the dicts of strings the import writes."""
    if value == {}:
        return "{}"  # most orders have no billing address
    if _ENCODE is not None and type(value) is dict:
        try:
            return "".join(_ENCODE(value, 0))
        except TypeError:
            pass  # not plain JSON: json.dumps says why
    return json.dumps(value)


def moment_text(value: datetime, *, postgres: bool) -> datetime | str:
    """A datetime as tables.rows_insert wants it: psycopg's own text (str) for COPY on
    PostgreSQL, where the column's type reads it; as is elsewhere (the driver converts it)."""
    return str(value) if postgres else value
