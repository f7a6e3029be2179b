"""Progress of long work on stderr, for someone watching a terminal.

    with progress.stage("rpnn-fold"):          # "rpnn: rpnn-fold ... 3.2 s" on a terminal
        ...
    with progress.quiet():                     # nothing inside, whatever stderr is
        ...

A stage prints its name when it starts and its duration when it ends, on the same line unless
a nested stage printed in between (then the duration gets a line of its own).  Lines go to
stderr only when it is a terminal (`sys.stderr.isatty()`), so pipes, files, CI logs and
FileCheck tests see nothing; `quiet()` silences a block, `forced()` reports even when stderr
is not a terminal (`rpnn_ir.compile(progress=True)`).  A plain line per stage needs no
progress-bar library: nothing here knows how far along a stage is, only that it runs.
"""

from __future__ import annotations

import contextvars
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

__all__ = ["enabled", "forced", "quiet", "stage"]

_MODE: contextvars.ContextVar[bool | None] = contextvars.ContextVar("rpnn_progress",
                                                                    default=None)
"""None: report when stderr is a terminal; True: always; False: never."""


@dataclass
class _Line:
    """The stages open on the current stderr line (a nested stage breaks the line)."""

    depth: int = 0
    open: bool = False  # a started stage's name ends the line, waiting for its duration


_STATE: contextvars.ContextVar[_Line | None] = contextvars.ContextVar("rpnn_progress_line",
                                                                      default=None)


def enabled() -> bool:
    """Whether `stage` reports: `forced`/`quiet` if inside one, else stderr is a terminal."""
    mode = _MODE.get()
    if mode is not None:
        return mode
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty())


@contextmanager
def quiet() -> Iterator[None]:
    """No progress inside the block (``quiet`` options)."""
    token = _MODE.set(False)
    try:
        yield
    finally:
        _MODE.reset(token)


@contextmanager
def forced() -> Iterator[None]:
    """Progress inside the block even when stderr is not a terminal (unless a `quiet`
    block inside says otherwise)."""
    token = _MODE.set(True)
    try:
        yield
    finally:
        _MODE.reset(token)


@contextmanager
def stage(what: str) -> Iterator[None]:
    """Report `what` on stderr when it starts and its duration when it ends (`enabled`)."""
    if not enabled():
        yield
        return
    line = _STATE.get()
    token = None
    if line is None:
        line = _Line()
        token = _STATE.set(line)
    if line.open:
        _write("\n")
    indent = "  " * line.depth
    _write(f"rpnn: {indent}{what} ...")
    line.open, line.depth = True, line.depth + 1
    start = time.perf_counter()
    failed = False
    try:
        yield
    except BaseException:
        failed = True
        raise
    finally:
        line.depth -= 1
        took = (" failed after " if failed else " ") + _duration(time.perf_counter() - start)
        _write(f"{took}\n" if line.open else f"rpnn: {indent}{what}:{took}\n")
        line.open = False
        if token is not None:
            _STATE.reset(token)


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.1f} s"
    return f"{int(seconds // 60)} min {seconds % 60:.0f} s"


def _write(text: str) -> None:
    sys.stderr.write(text)
    sys.stderr.flush()
