"""What the ops commands share: argument types that say clearly what they expect."""

from argparse import ArgumentTypeError
from datetime import date


def day(value: str) -> date:
    """`--since 2025-01-31`: an ISO day, or a usage error naming what was typed."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ArgumentTypeError(f"want a day like 2025-01-31, not {value!r}") from None
