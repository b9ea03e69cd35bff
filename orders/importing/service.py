"""orders_import: a file of orders into one store, streamed and written in batches."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from orders.inputs import OrderInput
from orders.models import Store

from .bulk import BatchWriter
from .readers import FORMAT_NAMES, ImportFileError, Source, source_open
from .validation import order_check

BATCH_SIZE = 2000
# Only this many errors and warnings are kept to be listed (the counts stay exact), so a
# file that is wrong on every line cannot make the import's memory grow with it.
MAX_LISTED = 1000


@dataclass
class ImportSummary:
    format: str = ""
    dry_run: bool = False
    created: int = 0
    updated: int = 0
    skipped: int = 0
    failed_orders: int = 0
    error_count: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    warning_count: int = 0
    warnings: list[tuple[int, str]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    fatal: str = ""  # why the file could not be read on (the orders before that were imported)

    def refuse(self, errors: list[tuple[int, str]]) -> None:
        self.failed_orders += 1
        self.error_count += len(errors)
        self.errors.extend(errors[: MAX_LISTED - len(self.errors)])

    def warn(self, warnings: list[tuple[int, str]]) -> None:
        self.warning_count += len(warnings)
        self.warnings.extend(warnings[: MAX_LISTED - len(self.warnings)])


@dataclass
class _Batch:
    """Valid orders ready to write, and what was found wrong in the file since the last batch."""

    orders: list[tuple[int, OrderInput]] = field(default_factory=list)
    refused: list[list[tuple[int, str]]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)
    numbers: set[str] = field(default_factory=set)
    external_ids: set[str] = field(default_factory=set)
    bytes_read: int = 0
    fatal: str = ""

    def holds(self, data: OrderInput) -> bool:
        return data.number in self.numbers or (data.external_id and data.external_id in self.external_ids)

    def add(self, line: int, data: OrderInput) -> None:
        self.orders.append((line, data))
        self.numbers.add(data.number)
        if data.external_id:
            self.external_ids.add(data.external_id)


def _batches(source: Source, *, tz, batch_size: int) -> Iterator[_Batch]:
    """Validate the file's orders and group the valid ones into batches.

    An order already in the batch (same number or platform id) closes the batch first, so a
    repeat is a later copy of the order, exactly as if a second run imported it.
    """
    batch = _Batch()
    try:
        for raw in source.orders:
            checked = order_check(raw, tz=tz, labels=source.labels)
            data = checked.data
            full = len(batch.orders) >= batch_size or len(batch.refused) >= batch_size  # a file of bad rows too
            if full or (data is not None and batch.holds(data)):
                batch.bytes_read = source.bytes_read
                yield batch
                batch = _Batch()
            batch.warnings.extend(checked.warnings)
            if data is None:
                batch.refused.append(checked.errors)
            else:
                batch.add(checked.line, data)
    except ImportFileError as exc:
        batch.fatal = str(exc)
    batch.bytes_read = source.bytes_read
    yield batch


def orders_import(
    *,
    path: Path,
    store: Store,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    on_progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import every order in the file at `path` into `store`; see docs/import-format.md.

    1. Recognise the format and stream the file's orders (readers).
    2. Validate each order as it passes (validation) and group the valid ones into batches of
       `batch_size` (_batches). A refused order is listed by its lines and the rest go on.
    3. Write each batch in its own transaction with a fixed number of statements
       (bulk.BatchWriter). A crash loses at most the batch in flight, and running the file
       again finishes the job: the import is idempotent.
    4. Report the bytes read after each batch, for a progress bar.
    """
    summary = ImportSummary(dry_run=dry_run)
    writer = BatchWriter(store=store, dry_run=dry_run)
    with path.open("rb") as fh:
        try:
            source = source_open(path, fh)
        except ImportFileError as exc:
            summary.fatal = str(exc)
            return summary
        summary.format = FORMAT_NAMES[source.format]
        summary.notices.extend(source.notices)
        for batch in _batches(source, tz=store.zone, batch_size=batch_size):
            summary.warn(batch.warnings)
            for errors in batch.refused:
                summary.refuse(errors)
            if batch.orders:
                result = writer.write(batch.orders)
                summary.created += result.created
                summary.updated += result.updated
                summary.skipped += result.skipped
                for error in result.errors:
                    summary.refuse([error])
            summary.fatal = summary.fatal or batch.fatal
            if on_progress:
                on_progress(batch.bytes_read)
    summary.errors.sort()
    summary.warnings.sort()
    return summary
