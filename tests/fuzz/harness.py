"""Fuzz harness for the README's promise on bad input (issue 10).

Each case runs in a forked child (`run_isolated`) with a memory ceiling, a timeout and a
fresh working folder, and ends in one `Outcome` kind:

- ``accepted``: the input was compiled (and, with ``check_c``, the C reference of its
  dataflow part computed what the interpreter computes);
- ``clean-error``: one of the exception types the API documents for bad input (`CLEAN`);
- ``traceback``: any other exception (a bug: the README promises no traceback);
- ``hang``: the case ran past its timeout; ``memory``: it needed more than its ceiling;
- ``stray-file``: a file appeared outside the case's folder; ``c-mismatch``: C and the
  interpreter disagree on an accepted module.

Mutators take a `random.Random`, so that hypothesis drives them in the tests
(`tests/test_fuzz.py`, `st.randoms()`) and plain seeds in the long run (`benchmarks/fuzz.py`).
Sources: the examples at the graph, integer and dataflow levels (`.mlir` text), small ONNX
models (protos), pass/target option strings and Python API arguments.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import random
import re
import resource
import select
import signal
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.utils.exceptions import DiagnosticException, ParseError

import rpnn_ir
from rpnn_ir import dtypes, interp
from rpnn_ir.compiler import CompileError
from rpnn_ir.files import FileError
from rpnn_ir.frontends.onnx_import import OnnxImportError

CLEAN: tuple[type[BaseException], ...] = (
    ParseError, DiagnosticException, CompileError, OnnxImportError, FileError,
    interp.InterpreterError, TypeError, ValueError,
)
"""What the Python API raises for bad input (docs/frontend.md, "Bad input")."""

KINDS = ("accepted", "clean-error", "traceback", "hang", "memory", "stray-file", "c-mismatch")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@dataclasses.dataclass
class Outcome:
    kind: str
    detail: str = ""
    seconds: float = 0.0
    max_rss_mb: float = 0.0


# ---------------------------------------------------------------------------- isolation


def run_isolated(case: Callable[[], str], workdir: Path, timeout: float = 30.0,
                 memory_mb: int = 2048) -> Outcome:
    """Run `case()` in a forked child inside `workdir`; classify how it ended.

    `case` returns ``"accepted"`` or ``"c-mismatch: ..."``; exceptions are classified here.
    The child may grow by `memory_mb` (address space) before `MemoryError`; its peak
    resident size is reported too.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    before = _listing(workdir.parent)
    read_end, write_end = os.pipe()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_end)
        _child(case, workdir, write_end, memory_mb)
    os.close(write_end)
    ready, _, _ = select.select([read_end], [], [], timeout)
    if not ready:
        os.kill(pid, signal.SIGKILL)
        os.wait4(pid, 0)
        os.close(read_end)
        return Outcome("hang", f"no answer within {timeout:g} s", time.monotonic() - start)
    data = b""
    while chunk := os.read(read_end, 65536):
        data += chunk
    os.close(read_end)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.monotonic() - start
    rss = usage.ru_maxrss / 1024
    if not data:
        return Outcome("memory" if os.WIFSIGNALED(status) else "traceback",
                       f"child ended with status {status}", seconds, rss)
    kind, detail = json.loads(data)
    if kind != "memory" and rss > memory_mb:
        kind, detail = "memory", f"peak resident size {rss:.0f} MB"
    stray = _listing(workdir.parent) - before - {workdir.name}
    if stray:
        kind, detail = "stray-file", f"outside the case folder: {sorted(stray)}"
    return Outcome(kind, detail, seconds, rss)


def _child(case: Callable[[], str], workdir: Path, write_end: int, memory_mb: int) -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        pages = int(Path("/proc/self/statm").read_text().split()[0])
        ceiling = pages * os.sysconf("SC_PAGE_SIZE") + memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
        os.chdir(workdir)
        try:
            result = case()
            kind, detail = (result.split(": ", 1) + [""])[:2]
        except MemoryError:
            kind, detail = "memory", "MemoryError"
        except CLEAN as e:
            kind, detail = "clean-error", f"{type(e).__name__}: {_first_line(e)}"
        except BaseException as e:  # the README promises none of these
            kind = "traceback"
            detail = "".join(traceback.format_exception(e)[-6:])[-3000:]
        os.write(write_end, json.dumps([kind, detail]).encode())
    finally:
        os._exit(0)


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0][:300] if lines else ""


def _listing(directory: Path) -> set[str]:
    return {p.name for p in directory.iterdir()}


# ---------------------------------------------------------------------------- .mlir text

TOKENS = ['"', "{", "}", "(", ")", "<", ">", "[", "]", ",", ":", "=", "x", "%0", "%1", "%99",
          "0", "-1", "9223372036854775808", "-9223372036854775809", "1.0e39", "0x", "0xZZ",
          "dense<", "tensor<100000x100000xsi4>", "tensor<?xf32>", "si2", "ui32", "f16", "i1",
          "!rpnn.bipolar", "^bb0:", "builtin.module {", "// ", "\n", "\\", "loc(", '"\n',
          "rpnn.mvtu", "rpnn.constant", "func.return", "@main", "\x00", "\u00e9"]
NUMBERS = [0, 1, 2, 3, -1, -2, 7, 8, 16, 31, 32, 33, 64, 255, 256, 2**31, 2**32, 2**63,
           -(2**63) - 1, 10**12]


def mutate_text(rng: random.Random, text: str) -> str:
    """One to three random edits: characters, tokens, numbers, integer types, lines."""
    for _ in range(rng.randint(1, 3)):
        edit = rng.choice(("delete", "insert", "number", "number", "int_type", "line",
                           "swap", "truncate"))
        text = _EDITS[edit](rng, text)
    return text


def _delete(rng: random.Random, text: str) -> str:
    start = rng.randrange(max(len(text), 1))
    return text[:start] + text[start + rng.randint(1, 8):]


def _insert(rng: random.Random, text: str) -> str:
    at = rng.randrange(len(text) + 1)
    return text[:at] + rng.choice(TOKENS) + text[at:]


def _number(rng: random.Random, text: str) -> str:
    found = list(re.finditer(r"-?\d+", text))
    if not found:
        return text
    match = rng.choice(found)
    value = rng.choice(NUMBERS) if rng.random() < 0.7 else rng.randint(-40, 40)
    return text[:match.start()] + str(value) + text[match.end():]


def _int_type(rng: random.Random, text: str) -> str:
    found = list(re.finditer(r"\b[su]i\d+\b", text))
    if not found:
        return text
    match = rng.choice(found)
    new = f"{rng.choice('su')}i{rng.choice([1, 2, 3, 4, 8, 16, 31, 32, 33, 64])}"
    return text[:match.start()] + new + text[match.end():]


def _line(rng: random.Random, text: str) -> str:
    lines = text.splitlines(keepends=True)
    if not lines:
        return text
    k = rng.randrange(len(lines))
    if rng.random() < 0.5:
        return "".join(lines[:k] + lines[k + 1:])  # delete it
    return "".join(lines[:k] + [lines[k]] + lines[k:])  # duplicate it


def _swap(rng: random.Random, text: str) -> str:
    lines = text.splitlines(keepends=True)
    if len(lines) < 2:
        return text
    i, j = rng.sample(range(len(lines)), 2)
    lines[i], lines[j] = lines[j], lines[i]
    return "".join(lines)


def _truncate(rng: random.Random, text: str) -> str:
    return text[:rng.randrange(len(text) + 1)]


_EDITS = {"delete": _delete, "insert": _insert, "number": _number, "int_type": _int_type,
          "line": _line, "swap": _swap, "truncate": _truncate}


def seed_texts() -> dict[str, str]:
    """The tiny example at the graph, integer and dataflow levels (what mutants start from)."""
    graph = (EXAMPLES / "tiny_mlp.mlir").read_text()
    integer = rpnn_ir.compile(rpnn_ir.parse(graph), "rpnn-streamline,rpnn-infer-precision")
    dataflow = rpnn_ir.compile(rpnn_ir.parse(graph), "rpnn-pipeline{quiet}")
    return {"graph": graph, "integer": str(integer.module), "dataflow": str(dataflow.module)}


PIPELINES = {"graph": "rpnn-pipeline{quiet}", "integer": "rpnn-lower-to-dataflow",
             "dataflow": None}
"""What each level's mutants go through before the C target."""


def mlir_case(text: str, level: str, check_c: bool) -> Callable[[], str]:
    """Parse, run the rest of the pipeline and the C target into ./out; optionally compare
    the C reference with the interpreter."""

    def case() -> str:
        module = rpnn_ir.parse(text)
        result = rpnn_ir.compile(module, PIPELINES[level], target="rpnn-c", out_dir="out")
        _run_interpreter(result.module)
        if check_c:
            return compare_c(result.module)
        return "accepted"

    return case


def compare_c(module: ModuleOp) -> str:
    """``accepted`` when the C reference gives the interpreter's stream values, bit for bit."""
    from rpnn_ir.backends.c_runner import CReference
    from rpnn_ir.dialects import rpnn

    values: dict = {}
    _run_interpreter(module, values)
    ops = list(interp.find_function(module).walk())
    ports_in = [values[op.input] for op in ops if isinstance(op, rpnn.TensorToStreamOp)]
    ports_out = [values[op.output] for op in ops if isinstance(op, rpnn.StreamToTensorOp)]
    if not ports_in:
        return "accepted"
    with CReference.build(module) as reference:
        outputs = reference.run(ports_in)
    for index, (c_out, ir_out) in enumerate(zip(outputs, ports_out, strict=True)):
        if not np.array_equal(c_out.astype(np.int64), ir_out):
            return f"c-mismatch: output port {index} differs"
    return "accepted"


def _run_interpreter(module: ModuleOp, values: dict | None = None) -> list[np.ndarray]:
    """The module's first function on two random frames of its argument types."""
    function = interp.find_function(module)
    rng = np.random.default_rng(0)
    inputs = [_random_input(rng, arg.type) for arg in function.body.block.args]
    return rpnn_ir.run(module, inputs, values=values)


def _random_input(rng: np.random.Generator, typ: Any) -> np.ndarray:
    if not isinstance(typ, TensorType):
        raise TypeError(f"argument of type {typ} is not a tensor")
    shape = [2 if i == 0 and d == 1 else d for i, d in enumerate(typ.get_shape())]
    elt = typ.element_type
    if dtypes.is_bipolar(elt):
        return rng.choice(np.array([-1, 1], np.int64), size=shape)
    if dtypes.is_integer_like(elt):
        lo, hi = dtypes.element_range(elt)
        return rng.integers(lo, hi, size=shape, endpoint=True, dtype=np.int64)
    return rng.normal(scale=2.0, size=shape).astype(np.float32)


# ---------------------------------------------------------------------------- ONNX protos

ONNX_OPS = ["MatMul", "Add", "Mul", "Relu", "Conv", "MaxPool", "Reshape", "Transpose",
            "Flatten", "Range", "ConstantOfShape", "Expand", "Softmax", "Quant",
            "BipolarQuant", "MultiThreshold", "Trunc", "BatchNormalization", "Gemm", "Sign"]
QONNX = "qonnx.custom_op.general"


def seed_models() -> list[onnx.ModelProto]:
    """Two small QONNX models: a quantized MLP and a quantized conv + max-pool."""
    def quant(x: str, out: str, prefix: str, bits: float) -> list:
        node = helper.make_node("Quant", [x, f"{prefix}_s", f"{prefix}_z", f"{prefix}_b"], [out],
                                domain=QONNX, signed=1, narrow=0, rounding_mode="ROUND",
                                name=f"{prefix}_q")
        inits = [numpy_helper.from_array(np.array(v, np.float32), f"{prefix}_{k}")
                 for k, v in (("s", 0.5), ("z", 0.0), ("b", bits))]
        return [node, inits]

    rng = np.random.default_rng(1)
    q0, i0 = quant("x", "xq", "a", 4.0)
    q1, i1 = quant("w", "wq", "w", 2.0)
    mlp = _model([q0, q1, helper.make_node("MatMul", ["xq", "wq"], ["m"], name="mm"),
                  helper.make_node("Add", ["m", "bias"], ["y"], name="add")],
                 [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8])],
                 [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
                 [*i0, *i1, numpy_helper.from_array(rng.normal(size=(8, 4)).astype(np.float32),
                                                    "w"),
                  numpy_helper.from_array(np.arange(4, dtype=np.float32), "bias")])
    q2, i2 = quant("x", "xq", "a", 2.0)
    q3, i3 = quant("k", "kq", "k", 2.0)
    conv = _model([q2, q3, helper.make_node("Conv", ["xq", "kq"], ["c"], name="conv",
                                            kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
                   helper.make_node("MaxPool", ["c"], ["y"], name="pool", kernel_shape=[2, 2],
                                    strides=[2, 2])],
                  [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 6, 6])],
                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 3, 3])],
                  [*i2, *i3, numpy_helper.from_array(
                      rng.normal(size=(3, 2, 3, 3)).astype(np.float32), "k")])
    return [mlp, conv]


def _model(nodes: list, inputs: list, outputs: list, inits: list) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, "fuzz", inputs, outputs, initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                    helper.make_opsetid(QONNX, 1)])
    model.ir_version = 8
    return model


def mutate_model(rng: random.Random, model: onnx.ModelProto) -> bytes:
    """The serialized model after one to three random edits of its proto (or its bytes)."""
    mutant = onnx.ModelProto()
    mutant.CopyFrom(model)
    graph = mutant.graph
    for _ in range(rng.randint(1, 3)):
        edit = rng.choice(("op_type", "attribute", "input", "dims", "values", "delete",
                           "graph_input", "data_type", "bytes"))
        if edit == "bytes":
            data = bytearray(mutant.SerializeToString())
            for _ in range(rng.randint(1, 4)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            return bytes(data)
        node = rng.choice(graph.node) if graph.node else None
        tensor = rng.choice(graph.initializer) if graph.initializer else None
        if edit == "op_type" and node is not None:
            node.op_type = rng.choice(ONNX_OPS)
        elif edit == "attribute" and node is not None:
            _mutate_attribute(rng, node)
        elif edit == "input" and node is not None and node.input:
            names = [n for x in graph.node for n in x.output] + [t.name for t in
                                                                  graph.initializer]
            node.input[rng.randrange(len(node.input))] = rng.choice([*names, "", "nowhere"])
        elif edit == "dims" and tensor is not None and tensor.dims:
            tensor.dims[rng.randrange(len(tensor.dims))] = rng.choice([0, 1, 3, -1, 2**40])
        elif edit == "values" and tensor is not None:
            with contextlib.suppress(Exception):  # an earlier edit may have broken it
                array = numpy_helper.to_array(tensor).astype(np.float32).copy()
                if array.size:
                    array.flat[rng.randrange(array.size)] = rng.choice(
                        [np.nan, np.inf, -np.inf, 0.0, 1e30, -3.0, 0.1])
                    tensor.CopyFrom(numpy_helper.from_array(array, tensor.name))
        elif edit == "delete" and node is not None:
            graph.node.remove(node)
        elif edit == "graph_input" and graph.input:
            dims = graph.input[0].type.tensor_type.shape.dim
            if dims:
                dims[rng.randrange(len(dims))].dim_value = rng.choice([0, 1, 2, 5, 10**9])
        elif edit == "data_type" and tensor is not None:
            tensor.data_type = rng.randint(0, 17)
    return mutant.SerializeToString()


def _mutate_attribute(rng: random.Random, node: onnx.NodeProto) -> None:
    if node.attribute and rng.random() < 0.6:
        attr = rng.choice(node.attribute)
        if rng.random() < 0.3:
            node.attribute.remove(attr)
            return
        value = rng.choice([0, 1, -1, 2, 3, 2**40, "ROUND", "FLOOR", "nonsense", [0, 0],
                           [1, 2, 3, 4, 5], 0.5])
        name = attr.name
        node.attribute.remove(attr)
    else:
        name = rng.choice(["axis", "perm", "kernel_shape", "strides", "pads", "signed",
                           "narrow", "group", "dilations", "nonsense"])
        value = rng.choice([0, 1, -1, 2, [1, 1], [0, 0, 0, 0], "ROUND"])
    node.attribute.append(helper.make_attribute(name, value))


def onnx_case(data: bytes) -> Callable[[], str]:
    """Import the bytes (as a file), run the interpreter, compile to the dataflow level."""

    def case() -> str:
        Path("model.onnx").write_bytes(data)
        module = rpnn_ir.from_onnx("model.onnx")
        _run_interpreter(module)
        rpnn_ir.compile(module, "rpnn-pipeline{quiet}", target="rpnn-c", out_dir="out")
        return "accepted"

    return case


# ---------------------------------------------------------------------------- options

OPTION_VALUES = ["0", "-1", "1", "3", "1000000", "99999999999999999999", "1.5", "nan", "inf",
                 "-inf", "true", '""', '"xc7z020"', '"nope"', '"out/r.txt"', '"sub"',
                 '"a b"', '"\\x"', "{", '"/dev/zero"', "[1, 2]"]


def option_pipeline(rng: random.Random) -> tuple[str, str]:
    """A random `-p` pipeline of rpnn passes with random options, and a random `-t`."""
    from rpnn_ir.passes import get_all_passes

    passes = get_all_passes()
    specs = []
    for name in rng.sample(sorted(passes), rng.randint(1, 3)):
        fields = [f.name.replace("_", "-") for f in dataclasses.fields(passes[name]())
                  if f.init and f.name != "name"]
        options = [f"{rng.choice(fields + ['bogus'])}={rng.choice(OPTION_VALUES)}"
                   for _ in range(rng.randint(0, 2)) if fields]
        specs.append(name + ("{" + " ".join(options) + "}" if options else ""))
    target = rng.choice(["mlir", "rpnn-c", "rpnn-hls", "rpnn-c{out-dir=\"out\"}",
                         f"rpnn-hls{{out-dir=\"out\" tb-frames={rng.choice(OPTION_VALUES)}}}",
                         f"rpnn-hls{{seed={rng.choice(OPTION_VALUES)} out-dir=\"out\"}}"])
    return ",".join(specs), target


def options_case(source: Path, pipeline: str, target: str) -> Callable[[], str]:
    """`rpnn-opt` in-process: any exit status is fine, an escaping exception is not."""

    def case() -> str:
        from rpnn_ir.tools import rpnn_opt

        with contextlib.suppress(SystemExit):
            rpnn_opt.main([str(source), "-p", pipeline, "-t", target, "-o", "result.mlir"])
        return "accepted"

    return case


# ---------------------------------------------------------------------------- API arguments


def api_arguments(rng: random.Random) -> tuple[str, list[Any], dict[str, Any]]:
    """A random call of the Python API: (function name, args, kwargs)."""
    values: list[Any] = [None, 0, -1, 3.5, "", "x", b"bytes", "missing.mlir", "model.onnx",
                         ".", "/dev/zero", Path("sub/dir"), [], [1, 2], {}, {"a": 1}, object(),
                         np.zeros((1, 16), np.float32), np.zeros((1, 16), np.complex64),
                         np.zeros((1, 16), object), np.zeros((2, 3), np.int8),
                         np.zeros((1, 16), np.float32)[None], "rpnn-pipeline", "canonicalize,",
                         "rpnn-c", "rpnn-hls{tb-frames=-3}", "no-such-target"]
    name = rng.choice(["run", "compile", "load", "parse", "from_onnx"])
    args = [rng.choice(values) for _ in range(rng.randint(0, 3))]
    kwargs: dict[str, Any] = {}
    if name == "compile" and rng.random() < 0.5:
        kwargs[rng.choice(["target", "target_options", "out_dir"])] = rng.choice(values)
    if name == "run" and rng.random() < 0.5:
        args = [rpnn_ir.load(EXAMPLES / "tiny_mlp.mlir"), [rng.choice(values)]]
    return name, args, kwargs


def api_case(name: str, args: list[Any], kwargs: dict[str, Any]) -> Callable[[], str]:
    def case() -> str:
        getattr(rpnn_ir, name)(*args, **kwargs)
        return "accepted"

    return case
