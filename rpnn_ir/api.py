"""The Python API: parse, load and run rpnn modules.

    import rpnn_ir
    module = rpnn_ir.load("examples/lfc_w1a1.mlir")
    (logits,) = rpnn_ir.run(module, [frames])
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import SSAValue
from xdsl.parser import Parser
from xdsl.universe import Universe

from rpnn_ir import interp
from rpnn_ir.dialects import get_all_dialects


def context() -> Context:
    """A context that knows xDSL's own dialects and rpnn's (all loaded lazily)."""
    ctx = Context()
    for name, factory in Universe.get_multiverse().all_dialects.items():
        ctx.register_dialect(name, factory)
    for name, factory in get_all_dialects().items():
        if name not in ctx.registered_dialect_names:
            ctx.register_dialect(name, factory)
    return ctx


def parse(text: str, name: str = "<string>") -> ModuleOp:
    """Parse and verify a module from its textual form."""
    module = Parser(context(), text, name).parse_module()
    module.verify()
    return module


def load(path: str | Path) -> ModuleOp:
    """Parse and verify a `.mlir` file."""
    path = Path(path)
    return parse(path.read_text(), str(path))


def run(module: ModuleOp, inputs: Sequence[np.ndarray], function: str | None = None,
        values: dict[SSAValue, np.ndarray] | None = None) -> list[np.ndarray]:
    """Execute a function of `module` with the reference semantics (see `rpnn_ir.interp`).

    `values`, when given, receives every intermediate value of the function.
    """
    return interp.run(module, inputs, function, values)
