"""Bounds on the work any input can ask for, checked before anything is allocated.

A declared tensor of 10^10 elements, a splat filling it, an ONNX ``Range`` to 10^12 or a
testbench of 10^8 frames would take minutes and gigabytes before failing somewhere deep;
rpnn refuses them up front with the limit in the message and the way to raise it:

- `max_elements` (default 2^24 = 16,777,216): elements of one tensor, stream or testbench
  (``RPNN_MAX_ELEMENTS`` in the environment, ``--max-elements`` on the command line, or
  ``with limits.raised(max_elements=...)`` from Python);
- `MAX_NESTING` (64): regions nested in one another in parsed IR (deeper input would exhaust
  Python's recursion in the verifier and the printer).
"""

from __future__ import annotations

import contextvars
import math
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

__all__ = ["MAX_NESTING", "LimitError", "check_elements", "max_elements", "raised"]

DEFAULT_MAX_ELEMENTS = 1 << 24
MAX_NESTING = 64
"""Regions nested in one another that the parser accepts."""

_MAX_ELEMENTS: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "rpnn_max_elements", default=None)


class LimitError(ValueError):
    """An input above one of the limits; `str(error)` is one line naming how to raise it."""


def max_elements() -> int:
    """The element limit: `raised(...)`, else ``RPNN_MAX_ELEMENTS``, else 2^24."""
    value = _MAX_ELEMENTS.get()
    if value is not None:
        return value
    text = os.environ.get("RPNN_MAX_ELEMENTS", "")
    return int(text) if text.isdigit() else DEFAULT_MAX_ELEMENTS


@contextmanager
def raised(max_elements: int) -> Iterator[None]:
    """Use `max_elements` as the element limit inside the block."""
    if not isinstance(max_elements, int) or max_elements < 1:
        raise ValueError(f"max_elements must be a positive integer, not {max_elements!r}")
    token = _MAX_ELEMENTS.set(max_elements)
    try:
        yield
    finally:
        _MAX_ELEMENTS.reset(token)


def check_elements(shape: Iterable[int], what: str) -> int:
    """The element count of `shape`; raises `LimitError` when above `max_elements()`."""
    count = math.prod(max(int(d), 0) for d in shape)
    limit = max_elements()
    if count > limit:
        raise LimitError(f"{what} has {count:,} elements, above the limit of {limit:,} "
                         "(raise it with --max-elements or RPNN_MAX_ELEMENTS)")
    return count
