"""Set-based writes for the import: one statement per table per batch, whatever the batch size.

PostgreSQL gets COPY, the fastest way into a table; other databases (SQLite in development) get
one executemany. Rows are tuples of the model's attnames in the caller's order; JSON columns
are given as JSON text, already dumped, which both backends accept as is. Columns the caller
does not give get the model field's default (auto_now fields: now), so a field added to a
model later does not break the import.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.db import connection, models
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from .texts import moment_text


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


@dataclass(frozen=True)
class _Columns:
    table: str
    names: str  # quoted, comma-separated
    fields: tuple[models.Field, ...]  # given columns, then defaulted ones
    defaulted: tuple[models.Field, ...]


def _qn(name: str) -> str:
    return connection.ops.quote_name(name)


@cache
def _columns(model: type[models.Model], given: tuple[str, ...], vendor: str) -> _Columns:
    meta = model._meta
    fields = tuple(meta.get_field(name) for name in given)
    attnames = {f.attname for f in fields}
    defaulted = tuple(f for f in meta.concrete_fields if f.attname not in attnames and not f.primary_key)
    every = fields + defaulted
    return _Columns(
        table=_qn(meta.db_table),
        names=", ".join(_qn(f.column) for f in every),
        fields=every,
        defaulted=defaulted,
    )


def _defaults(cols: _Columns) -> tuple:
    now = timezone.now()
    values = []
    for f in cols.defaulted:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value: Any = now
        else:
            value = f.get_default()
        values.append(json.dumps(value) if isinstance(f, models.JSONField) else value)
    return tuple(values)


def _prepared(fields: tuple[models.Field, ...], rows) -> list[tuple]:
    """Rows as the non-PostgreSQL driver wants them, through each field's own conversion
    (aware datetimes become the naive UTC text SQLite stores, ...). JSON is already text.
    """
    preps = [
        None if isinstance(f, models.JSONField) else (lambda value, f=f: f.get_db_prep_save(value, connection))
        for f in fields
    ]
    return [tuple(v if prep is None else prep(v) for prep, v in zip(preps, row, strict=True)) for row in rows]


def among(model: type[models.Model], name: str, values, *, not_blank: bool = False) -> Q | RawSQL:
    """A filter "`name` is one of `values`" that stays a single parameter on PostgreSQL.

    `name__in` makes one placeholder per value; with thousands of them per batch, building
    the query costs more than running it. `= ANY(%s)` sends one array, as one literal.

    `not_blank` adds `<> ''`, for a column whose unique index is partial on that condition:
    PostgreSQL proves the condition from `= ANY(array)` only for arrays of up to 100 values,
    so without it the index goes unused and every batch scans the whole table.
    """
    values = list(values)
    if not is_postgres():
        return Q(**{f"{name}__in": values})
    field = model._meta.get_field(name)
    column = f"{_qn(model._meta.db_table)}.{_qn(field.column)}"
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    literal, kind = array_literal(values, integers=isinstance(target, models.IntegerField))
    sql = f"{column} = ANY(%s::{kind}[])" + (f" AND {column} <> ''" if not_blank else "")
    return RawSQL(sql, (literal,), output_field=models.BooleanField())  # noqa: S611 - names from _meta, values bound


def array_literal(values: list, *, integers: bool) -> tuple[str, str]:
    """(PostgreSQL array literal, element type) of a list of integers or of strings.

    psycopg adapts a list element by element in Python; for the few thousand values of a
    batch that cost more than the query. Every string element is double-quoted, so only
    backslash and the double quote need escaping (PostgreSQL's array input syntax).
    """
    if integers:
        return "{" + ",".join(map(str, values)) + "}", "bigint"
    quoted = ('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in map(str, values))
    return "{" + ",".join(quoted) + "}", "text"


def statistics_refresh(*tables: tuple[type[models.Model], tuple[str, ...]]) -> None:
    """ANALYZE these (model, field names) (PostgreSQL), so the planner knows how much they have grown.

    Statistics taken when a table was small make PostgreSQL pick the (store) index for the
    batch lookups and filter every order of the store, so each batch got slower as the
    import went on. Autovacuum catches up only minutes later.

    Only the columns the batch lookups filter on are analysed: the table's size is updated
    all the same, and the statistics of the other columns (addresses, titles, JSON) cost most
    of the time and no lookup uses them.
    """
    if not is_postgres():
        return
    with connection.cursor() as cursor:
        for model, names in tables:
            meta = model._meta
            columns = ", ".join(_qn(meta.get_field(name).column) for name in names)
            cursor.execute(f"ANALYZE {_qn(meta.db_table)} ({columns})")


def commit_lazily() -> None:
    """Let this transaction's COMMIT return before its WAL reaches the disk (PostgreSQL only).

    A server crash may then lose the last batches committed, never a half-written one; the
    import is idempotent, so running the file again brings them back. It saves one disk
    flush per batch, which on a slow disk is a large part of the time.
    """
    if is_postgres():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def ids_reserve(model: type[models.Model], count: int) -> list[int]:
    """Primary keys for `count` rows about to be inserted, so their children can point at them
    without reading ids back row by row.

    PostgreSQL: the identity sequence's next values, in one query; concurrent writers get
    other values. Elsewhere (SQLite): the ids above the highest ever used. SQLite has one
    writer at a time and we are inside the writing transaction; should another writer win
    anyway, the insert fails with IntegrityError and the caller retries the batch.
    """
    if count <= 0:
        return []
    meta = model._meta
    with connection.cursor() as cursor:
        if is_postgres():
            # Usually one unbroken run: then only its ends come back, not `count` rows.
            cursor.execute(
                "SELECT min(id), max(id), CASE WHEN max(id) - min(id) + 1 = count(*) THEN NULL"
                " ELSE array_agg(id ORDER BY id) END"
                " FROM (SELECT nextval(pg_get_serial_sequence(%s, %s)) AS id FROM generate_series(1, %s)) AS reserved",
                [meta.db_table, meta.pk.column, count],
            )
            first, last, scattered = cursor.fetchone()
            return list(range(first, last + 1)) if scattered is None else list(scattered)
        cursor.execute(f"SELECT MAX({_qn(meta.pk.column)}) FROM {_qn(meta.db_table)}")  # noqa: S608 - names from _meta
        top = cursor.fetchone()[0] or 0
        if connection.vendor == "sqlite":
            # AUTOINCREMENT remembers ids of deleted rows too; never hand one out again.
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [meta.db_table])
            row = cursor.fetchone()
            top = max(top, row[0] if row else 0)
    return list(range(top + 1, top + 1 + count))


def rows_insert(model: type[models.Model], fields: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert `rows` (tuples in the order of `fields`) with one COPY or one executemany."""
    if not rows:
        return
    cols = _columns(model, fields, connection.vendor)
    extra = _defaults(cols)
    with connection.cursor() as cursor:
        if is_postgres():
            # The batch's constant moments as text once, not a dumper lookup per row (texts.py).
            extra = tuple(moment_text(v, postgres=True) if isinstance(v, datetime) else v for v in extra)
            # cursor.cursor is psycopg's own cursor, on the connection and transaction Django holds.
            with cursor.cursor.copy(f"COPY {cols.table} ({cols.names}) FROM STDIN") as copy:
                write = copy.write_row
                for row in rows:
                    write(row + extra)
            return
        marks = ", ".join(["%s"] * len(cols.fields))
        cursor.executemany(
            f"INSERT INTO {cols.table} ({cols.names}) VALUES ({marks})",  # noqa: S608 - names from _meta
            _prepared(cols.fields, (row + extra for row in rows)),
        )


def rows_update(model: type[models.Model], fields: tuple[str, ...], rows: list[tuple]) -> None:
    """Update rows by primary key: each row is the new values of `fields`, then the pk."""
    if not rows:
        return
    meta = model._meta
    cols = _columns(model, fields, connection.vendor)
    given = cols.fields[: len(fields)]
    # psycopg sends text as text; a JSON column wants it cast.
    cast = "::jsonb" if is_postgres() else ""
    sets = ", ".join(f"{_qn(f.column)} = %s{cast if isinstance(f, models.JSONField) else ''}" for f in given)
    sql = f"UPDATE {cols.table} SET {sets} WHERE {_qn(meta.pk.column)} = %s"  # noqa: S608 - names from _meta
    if not is_postgres():
        rows = _prepared((*given, meta.pk), rows)
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
