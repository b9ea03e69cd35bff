"""orders_import: a file of orders into one store, streamed and written in batches."""

import gc
import queue
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from orders.inputs import OrderInput
from orders.models import Store

from .bulk import BatchWriter
from .readers import FORMAT_NAMES, ImportFileError, Source, source_open
from .ready import Ready, order_ready
from .tables import is_postgres
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

    orders: list[Ready] = field(default_factory=list)
    refused: list[list[tuple[int, str]]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)
    numbers: set[str] = field(default_factory=set)
    external_ids: set[str] = field(default_factory=set)
    bytes_read: int = 0
    fatal: str = ""

    def holds(self, data: OrderInput) -> bool:
        return data.number in self.numbers or (data.external_id and data.external_id in self.external_ids)

    def add(self, ready: Ready) -> None:
        data = ready.data
        self.orders.append(ready)
        self.numbers.add(data.number)
        if data.external_id:
            self.external_ids.add(data.external_id)


def _batches(source: Source, *, tz, batch_size: int, postgres: bool) -> Iterator[_Batch]:
    """Validate the file's orders, make the valid ones ready to write and group them into batches.

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
                batch.add(order_ready(checked.line, data, postgres=postgres))
    except ImportFileError as exc:
        batch.fatal = str(exc)
    batch.bytes_read = source.bytes_read
    yield batch


@contextmanager
def _interpreter_for_bulk() -> Iterator[None]:
    """Two interpreter settings that cost the import a fifth of its time, set for its duration.

    Measured on 100,000 orders (bench/README.md, "Third import pass"):
    - The cyclic garbage collector. An import makes millions of short-lived objects that
      reference counting frees, yet every 700 allocations start a collection, and every hundredth
      walks everything the process holds (Django, phonenumbers' metadata, the batches in flight):
      1.7 s of a 10 s import of 20,000 orders, in pauses of up to 300 ms. Here the objects from
      before the import are frozen (left out of collections) and collections start every 10,000
      allocations; cycles made during the import are still collected.
    - The interpreter lock's switch interval. The writer waits on PostgreSQL dozens of times a
      batch (each statement, each COPY buffer); every time, the reader thread validating the next
      batch takes the lock, and by default the writer gets it back only after 5 ms. At 1 ms the
      critical path waits less: 40-41 s instead of 47 s.
    Both are process-wide (the import runs as a command, in a process of its own) and restored
    after (decision 0012).
    """
    threshold, interval = gc.get_threshold(), sys.getswitchinterval()
    was_frozen = gc.get_freeze_count() > 0
    gc.freeze()
    gc.set_threshold(10_000, *threshold[1:])
    sys.setswitchinterval(min(interval, 0.001))
    try:
        yield
    finally:
        sys.setswitchinterval(interval)
        gc.set_threshold(*threshold)
        if not was_frozen:  # someone else's freeze (e.g. a preloading server) is theirs to undo
            gc.unfreeze()


class _Ahead:
    """Reads and validates the next batch in a thread while the caller writes the current one.

    Reading and validating touch no database, and while a batch is written this process mostly
    waits for PostgreSQL (COPY, the foreign-key checks at COMMIT), so the two overlap. At most
    `depth` batches wait in the queue (plus the one being built), so memory stays flat.
    Batches come out in file order, and each is written only after the one before committed, so
    matching against orders already in the database is the same as without the thread.
    No timed waits: the queue's get and put block without a timeout.
    """

    _DONE = object()

    def __init__(self, batches: Iterator[_Batch], depth: int = 1):
        self._batches = batches
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()  # a flag only; nothing waits on it
        self._thread = threading.Thread(target=self._run, name="orders-import-reader", daemon=True)

    def _run(self) -> None:
        try:
            for batch in self._batches:
                if self._stop.is_set():
                    return
                self._queue.put(batch)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread, raised there
            if not self._stop.is_set():
                self._queue.put(exc)
            return
        if not self._stop.is_set():
            self._queue.put(self._DONE)

    def __enter__(self) -> Iterator[_Batch]:
        self._thread.start()
        return self._iterate()

    def _iterate(self) -> Iterator[_Batch]:
        while True:
            item = self._queue.get()
            if item is self._DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # The reader checks the flag before each put, so after one drain at most the put it had
        # already begun lands in the emptied queue: it cannot block, and join returns.
        self._stop.set()
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        self._thread.join()


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
       This runs one batch ahead, in a thread, while the batch before is written (_Ahead).
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
        batches_read = _batches(source, tz=store.zone, batch_size=batch_size, postgres=is_postgres())
        with _interpreter_for_bulk(), _Ahead(batches_read) as batches:
            for batch in batches:
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
