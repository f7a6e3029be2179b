"""What hypothesis prints for a failing example drawn from these strategies."""

from __future__ import annotations


class ShortRepr:
    """Mixin: hypothesis prints the example as its `__repr__`.

    Without it, hypothesis's pretty printer walks a dataclass field by field, down into the
    xDSL module (millions of characters for a small network: a failing property test then
    takes minutes and gigabytes to report)."""

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text(repr(self))
