"""Inserts that keep what a unique constraint already holds, in one statement.

`get_or_create` reads, then inserts in a savepoint (four round trips for a new row) and
`bulk_create(ignore_conflicts=True)` cannot tell which rows it wrote. These send one
`INSERT … ON CONFLICT DO NOTHING RETURNING` (SQLite: `INSERT OR IGNORE … RETURNING`) and report
what was written, so a concurrent writer of the same row costs neither an error nor a savepoint.
Like `bulk_create`, they send no model signals.
"""

from collections.abc import Sequence
from typing import TypeVar

from django.db import connections, router
from django.db.models import Field, Model
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery

M = TypeVar("M", bound=Model)


def _insert(objs: Sequence[M], returning: list[Field]) -> tuple[str, list[tuple]]:
    """(the database written to, the `returning` values of the rows inserted)."""
    model = type(objs[0])
    meta = model._meta
    using = router.db_for_write(model, instance=objs[0])
    fields = [f for f in meta.local_concrete_fields if not f.generated and f is not meta.auto_field]
    query = InsertQuery(model, on_conflict=OnConflict.IGNORE)
    query.insert_values(fields, list(objs))
    compiler = query.get_compiler(using=using)
    compiler.returning_fields = returning
    [(sql, params)] = compiler.as_sql()
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return using, cursor.fetchall()


def create_unless_exists(obj: Model) -> bool:
    """INSERT `obj` unless a row with one of its unique values exists: True (and its pk set)
    when it was written; False, and `obj` unsaved, when another row holds its place."""
    using, rows = _insert([obj], [obj._meta.pk])
    if not rows:
        return False
    obj.pk = rows[0][0]
    obj._state.adding, obj._state.db = False, using
    return True


def bulk_create_new(objs: Sequence[M], *, key: str) -> list[M]:
    """INSERT the rows that no unique constraint already holds, in one statement; returns those
    written, their pks set. `key` names a unique field that tells the rows apart."""
    if not objs:
        return []
    meta = objs[0]._meta
    by_key = {getattr(obj, key): obj for obj in objs}
    written = []
    key_field = meta.get_field(key)
    assert isinstance(key_field, Field)
    using, rows = _insert(objs, [meta.pk, key_field])
    for pk, value in rows:
        obj = by_key[value]
        obj.pk = pk
        obj._state.adding, obj._state.db = False, using
        written.append(obj)
    return written
