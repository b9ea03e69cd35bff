"""What the ops commands share: argument types that say clearly what they expect."""

from argparse import ArgumentTypeError
from datetime import date
from typing import Any


def day(value: str) -> date:
    """`--since 2025-01-31`: an ISO day, or a usage error naming what was typed."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ArgumentTypeError(f"want a day like 2025-01-31, not {value!r}") from None


# Runs shorter than this draw no bar: they end before anyone would look at it.
LONG_RUN = 100


class Progress:
    """A progress bar for a long run of an ops command, on stderr so the summary on stdout stays
    clean for scripts: `progress(done, total)` after each step. Drawn on a terminal once a run has
    LONG_RUN steps, or always with `force` (the commands' --progress), e.g. into a log."""

    WIDTH = 30

    def __init__(self, stream: Any, label: str, *, force: bool = False) -> None:
        self.stream = stream
        self.label = label
        self.force = force
        self.drawn = False

    def _wanted(self, total: int) -> bool:
        if self.force:
            return True
        isatty = getattr(self.stream, "isatty", None)
        return total >= LONG_RUN and bool(isatty and isatty())

    def __call__(self, done: int, total: int) -> None:
        if total <= 0 or not self._wanted(total):
            return
        filled = self.WIDTH * done // total
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (self.WIDTH - filled)}] {done}/{total}")
        self.drawn = True
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def add_progress_argument(parser: Any) -> None:
    parser.add_argument(
        "--progress", action="store_true", help="Always draw the progress bar (by default: on a terminal, long runs)."
    )
