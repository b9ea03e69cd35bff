"""Bounds on rendering a merchant's template: time, size, and the sandbox's expensive corners.

A merchant's template is code: three nested `range(100000)` loops keep a thread busy for ever,
`"%0100000000d" % 1` builds 100 MB in one call. Three layers keep a render bounded:

1. The sandbox refuses the values that are expensive to build *before* building them: long
   ranges, repetition (`*`, in rendering.py), `%`/`format`/`str.format` with a large width or
   precision, `replace`/`center`/`indent` results past the size limit, and long strings stored
   in a `namespace`; `lipsum` is gone. Every join of template output (the page, a `{% set %}`
   block, a macro) stops at the size limit.
2. A wall-clock guard (`time_limit`) that works in any thread: the process's one watchdog
   thread raises `RenderTimeout` in the rendering thread once the time is up (CPython's
   PyThreadState_SetAsyncExc; it lands at the next bytecode, so a template loop stops within
   milliseconds), again every step (20 ms) in case something caught it. No process, no signal:
   it works in Celery's thread pool and in a web worker alike; a render only registers its
   deadline with the watchdog, it starts no thread of its own.
3. The result's size is checked: `MESSAGE_EMAIL_MAX_BYTES` (512 KB) for each email part,
   `MESSAGE_SMS_MAX_CHARS` (1,600) for an SMS before segmenting.

Over a limit, rendering raises `RenderLimitError` (a SecurityError): the dispatcher sends the
default template instead, the admin preview shows the error, as for any broken template.
"""

import ctypes
import math
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from jinja2 import filters as jinja_filters
from jinja2.sandbox import SecurityError
from jinja2.utils import Namespace

MAX_RANGE = 10_000
# Any one value or join of output; the email limit below is the stricter, per part.
MAX_OUTPUT = 512 * 1024
# Width or precision in a format spec (`%5000d`, `{:>5000}`): more is never layout.
MAX_WIDTH = 1_000
_WIDE_PERCENT = re.compile(r"%[#0\- +]*(?:\*|\d{4,}|\d*\.(?:\*|\d{4,}))")
_WIDE_FORMAT = re.compile(r"\{[^{}]*:[^{}]*(?:\d{4,}|\{)")


WATCH_STEP = 0.02  # how often the watchdog looks; a render runs at most this much past its limit


class RenderLimitError(SecurityError):
    """The template went past a rendering limit (time, size); the default template is used."""


class RenderTimeout(BaseException):
    """Raised in the rendering thread by the watchdog. A BaseException, so that a template
    helper's `except Exception` cannot swallow it; `time_limit`'s callers turn it into a
    RenderLimitError."""


def seconds_allowed() -> float:
    return float(getattr(settings, "MESSAGE_RENDER_SECONDS", 2.0))


def email_max_bytes() -> int:
    return int(getattr(settings, "MESSAGE_EMAIL_MAX_BYTES", 512 * 1024))


def sms_max_chars() -> int:
    return int(getattr(settings, "MESSAGE_SMS_MAX_CHARS", 1600))


def _raise_in(thread_id: int, exc: type[BaseException] | None) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc else None)


class _Watchdog:
    """The one watchdog thread of a process: every render under a time limit registers its
    thread and deadline here (a dict entry, no thread of its own), and the watchdog raises
    RenderTimeout in each thread whose deadline has passed, again every step until the render
    stops.

    Time is counted two ways, whichever says "over" first: the monotonic clock (exact on a busy
    machine, where each short sleep overshoots), and the watchdog's own short sleeps (ticks),
    which still count under a frozen clock (libfaketime, which the night test run uses, stops
    the monotonic clock too). Never a timed wait (`Event.wait(seconds)`): it does not return
    under a frozen clock, a sleep does. With no render under a limit the
    thread blocks on an untimed wait and costs nothing. A forked child (a web or Celery worker
    forked after import) starts its own on its first limited render.
    """

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._limits: dict[int, tuple[int, int, float]] = {}  # token -> (thread id, deadline tick, monotonic)
        self._ticks = 0
        self._next_token = 0
        self._thread: threading.Thread | None = None

    def arm(self, thread_id: int, seconds: float) -> int:
        """Watch `thread_id` for `seconds` (at least; up to a step more). Returns the token to disarm."""
        steps = math.ceil(seconds / WATCH_STEP) + 1  # the current tick may be nearly over
        with self._cond:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._watch, name="render-watchdog", daemon=True)
                self._thread.start()
            self._next_token += 1
            self._limits[self._next_token] = (thread_id, self._ticks + steps, time.monotonic() + seconds)
            self._cond.notify()
            return self._next_token

    def disarm(self, token: int) -> None:
        with self._cond:
            self._limits.pop(token, None)
            _raise_in(threading.get_ident(), None)  # one fired but not raised yet must not hit the caller later

    def _watch(self) -> None:
        while True:
            with self._cond:
                while not self._limits:
                    self._cond.wait()  # untimed: returns under a frozen clock too
            time.sleep(WATCH_STEP)
            with self._cond:
                self._ticks += 1
                now = time.monotonic()
                for thread_id, deadline_tick, deadline in self._limits.values():
                    if self._ticks >= deadline_tick or now >= deadline:
                        _raise_in(thread_id, RenderTimeout)

    def threads(self) -> int:
        """How many watchdog threads this process runs (0 or 1)."""
        return int(self._thread is not None and self._thread.is_alive())


_watchdog = _Watchdog()


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise RenderTimeout in this thread if the block runs longer than `seconds`."""
    token = _watchdog.arm(threading.get_ident(), seconds)
    try:
        yield
    finally:
        while True:  # a timeout fired just before the disarm may land in it: disarm again
            try:
                _watchdog.disarm(token)
                break
            except RenderTimeout:
                continue


def watchdog_threads() -> int:
    return _watchdog.threads()


def time_limited(fn, *args, **kwargs):
    """Call `fn` under `time_limit(seconds_allowed())`, a timeout as a RenderLimitError."""
    seconds = seconds_allowed()
    try:
        with time_limit(seconds):
            return fn(*args, **kwargs)
    except RenderTimeout:
        raise RenderLimitError(f"the template took longer than {seconds:g} s to render") from None


# --- the sandbox's corners -------------------------------------------------------------------


def bounded_concat(parts: Iterable[str]) -> str:
    """Join template output, stopping once it passes MAX_OUTPUT (the environment's `concat`:
    the page, `{% set %}` blocks and macros all join through it)."""
    collected, size = [], 0
    for part in parts:
        size += len(part)
        if size > MAX_OUTPUT:
            raise RenderLimitError(f"the output is larger than {MAX_OUTPUT // 1024} KB")
        collected.append(part)
    return "".join(collected)


def bounded_range(*args: int) -> range:
    found = range(*args)
    if len(found) > MAX_RANGE:
        raise RenderLimitError(f"range() may count to {MAX_RANGE} at most")
    return found


def check_percent(template: object, values: object) -> None:
    """Before `template % values`: no huge width or precision, no result past MAX_OUTPUT."""
    if isinstance(template, str):
        if _WIDE_PERCENT.search(template):
            raise RenderLimitError(f"a width or precision above {MAX_WIDTH - 1} is not allowed")
        items = values if isinstance(values, tuple) else (values,)
        if len(template) + sum(len(str(v)) for v in items if isinstance(v, str)) > MAX_OUTPUT:
            raise RenderLimitError(f"the output is larger than {MAX_OUTPUT // 1024} KB")


def check_format_string(template: object) -> None:
    if isinstance(template, str) and _WIDE_FORMAT.search(template):
        raise RenderLimitError(f"a width or precision above {MAX_WIDTH - 1} is not allowed")


def _check_size(value: str) -> str:
    if len(value) > MAX_OUTPUT:
        raise RenderLimitError(f"the output is larger than {MAX_OUTPUT // 1024} KB")
    return value


@jinja_filters.pass_eval_context
def _replace(eval_ctx, s, old, new, count=None):
    text, old_text, new_text = str(s), str(old), str(new)
    times = text.count(old_text) if old_text else len(text) + 1
    if count is not None:
        times = min(times, max(int(count), 0))
    if len(text) + times * (len(new_text) - len(old_text)) > MAX_OUTPUT:
        raise RenderLimitError(f"the output is larger than {MAX_OUTPUT // 1024} KB")
    return jinja_filters.do_replace(eval_ctx, s, old, new, count)


def _format(value, *args, **kwargs):
    check_percent(value, args or kwargs)
    return _check_size(jinja_filters.do_format(value, *args, **kwargs))


def _center(value, width=80):
    if int(width) > MAX_WIDTH:
        raise RenderLimitError(f"center() may be {MAX_WIDTH} wide at most")
    return jinja_filters.do_center(value, width)


def _indent(s, width=4, first=False, blank=False):
    if (isinstance(width, int) and width > MAX_WIDTH) or (isinstance(width, str) and len(width) > MAX_WIDTH):
        raise RenderLimitError(f"indent() may be {MAX_WIDTH} wide at most")
    return _check_size(jinja_filters.do_indent(s, width, first, blank))


BOUNDED_FILTERS: dict[str, Callable[..., Any]] = {
    "replace": _replace,
    "format": _format,
    "center": _center,
    "indent": _indent,
}


class BoundedNamespace(Namespace):
    """`namespace()` whose attributes cannot grow past MAX_OUTPUT (`{% set ns.s = ns.s ~ ns.s %}`
    in a loop doubles a string each turn)."""

    def __setitem__(self, name: str, value) -> None:
        if isinstance(value, str | list | tuple | dict) and len(value) > MAX_OUTPUT:
            raise RenderLimitError(f"the value is larger than {MAX_OUTPUT // 1024} KB")
        super().__setitem__(name, value)
