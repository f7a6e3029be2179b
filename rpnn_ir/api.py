"""The Python API: parse, load and run rpnn modules.

    import rpnn_ir
    module = rpnn_ir.load("examples/lfc_w1a1.mlir")
    (logits,) = rpnn_ir.run(module, [frames])
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import SSAValue
from xdsl.universe import Universe

from rpnn_ir import files, interp
from rpnn_ir.dialects import get_all_dialects
from rpnn_ir.frontends.mlir_text import parse_module


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
    """Parse and verify a module from its textual form.

    Raises `ParseError` for malformed text (also for values out of range and inputs above
    `rpnn_ir.limits`) and `VerifyException` for IR that does not verify, including a value
    used before its definition.
    """
    if not isinstance(text, str):
        raise TypeError(f"parse: 'text' must be a str, not {type(text).__name__}")
    if not isinstance(name, str):
        raise TypeError(f"parse: 'name' must be a str, not {type(name).__name__}")
    module = parse_module(context(), text, name)
    module.verify()
    return module


def load(path: str | os.PathLike[str]) -> ModuleOp:
    """Parse and verify a `.mlir` file (a regular file of UTF-8 text)."""
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"load: 'path' must be a str or path, not {type(path).__name__}")
    data = files.read_input(path)  # FileError (an OSError) for a missing or special file
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"load: '{path}' is not UTF-8 text (invalid byte at offset "
                         f"{e.start}); give a .mlir file") from None
    return parse(text, os.fspath(path))


def run(module: ModuleOp, inputs: Sequence[np.ndarray], function: str | None = None,
        values: dict[SSAValue, np.ndarray] | None = None) -> list[np.ndarray]:
    """Execute a function of `module` with the reference semantics (see `rpnn_ir.interp`).

    `inputs` are arrays of booleans, integers or reals (complex and object arrays are
    refused); `values`, when given, receives every intermediate value of the function.
    """
    if not isinstance(module, ModuleOp):
        raise TypeError(f"run: 'module' must be a ModuleOp, not {type(module).__name__}")
    if isinstance(inputs, str | bytes | np.ndarray) or not isinstance(inputs, Sequence):
        raise TypeError("run: 'inputs' must be a list of numpy arrays (one per function "
                        f"argument), not {type(inputs).__name__}")
    for index, array in enumerate(inputs):
        if not isinstance(array, np.ndarray):
            raise TypeError(f"run: inputs[{index}] must be a numpy array, not "
                            f"{type(array).__name__}")
        if array.dtype.kind not in "biuf":
            raise TypeError(f"run: inputs[{index}] has dtype {array.dtype}; give booleans, "
                            "integers or reals")
    if function is not None and not isinstance(function, str):
        raise TypeError(f"run: 'function' must be a str, not {type(function).__name__}")
    if values is not None and not isinstance(values, dict):
        raise TypeError(f"run: 'values' must be a dict, not {type(values).__name__}")
    return interp.run(module, inputs, function, values)
