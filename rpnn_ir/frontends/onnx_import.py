"""ONNX / QONNX front end: a model file (or `onnx.ModelProto`) -> rpnn's graph level.

    from rpnn_ir import from_onnx
    module = from_onnx("cnv_w2a2.onnx")        # builtin.module { func.func @main(...) }

The result is one verified `func.func @main` whose ops are graph-level rpnn ops with QONNX
semantics (docs/semantics.md); docs/frontend.md lists every supported op and attribute.

How a model is read:
1. The file is parsed with external data left on disk; every external-data reference must be a
   relative path that resolves inside the model's folder (symbolic links included) and lie
   within its file; only then is the data loaded.  A file that is not an ONNX model, a
   malformed model and a model failing `onnx.checker` are refused.
2. ONNX shape inference (strict mode) runs on the model; its static shapes are cross-checked
   against the shapes the importer derives for every tensor.
3. Nodes are converted in graph order.  Initializers (also those listed among the graph
   inputs, as the dynamo exporter writes them), `Constant` outputs and pure-constant
   subgraphs (`Shape -> Gather -> Concat -> Reshape` and the like) are folded with numpy;
   everything that depends on a graph input becomes rpnn ops.  Weights stay
   `rpnn.constant` + their weight quantizer (`rpnn.quant`), the form streamlining expects;
   a Gemm/Transpose/bias layout change is applied to such a quantized constant directly
   rather than adding an `rpnn.transpose`/`rpnn.reshape` op.

Every problem is an `OnnxImportError` whose message is one line naming the node (its name
and op type), what is wrong and what is supported.  ONNX tensor names are used only as SSA
name hints, filtered to `[A-Za-z0-9_]`.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path, PureWindowsPath
from typing import Any

import numpy as np
import onnx
from onnx import numpy_helper
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    DenseArrayBase,
    FloatAttr,
    IntegerAttr,
    ModuleOp,
    StringAttr,
    TensorType,
    f32,
    i64,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.utils.exceptions import VerifyException

from rpnn_ir import dtypes, files, interp, limits
from rpnn_ir.dialects import rpnn

__all__ = ["OnnxImportError", "from_onnx", "load_onnx"]

DEFAULT_DOMAINS = ("", "ai.onnx")
"""Domains of the standard ONNX operators."""

QONNX_DOMAINS = ("qonnx.custom_op.general", "onnx.brevitas", "finn.custom_op.general", "finn")
"""Domains accepted for the QONNX operators (the first is current, the others aliases)."""

MIN_OPSET = 7
"""Oldest default-domain opset accepted (numpy broadcasting in Add/Mul/Gemm since 7)."""

_ROUNDING_MODES = frozenset(rpnn.ROUNDING_MODES)


class OnnxImportError(Exception):
    """A model the importer refuses: unreadable, malformed or unsupported.

    `str(error)` is a single line (node name, op type, what is wrong, what is supported).
    """

    def __init__(self, message: str):
        super().__init__(_one_line(message))


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _visible(text: str) -> str:
    """`text` with every unprintable character (newlines, escapes) shown as '?'."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def _printable(text: str, limit: int = 80) -> str:
    """A name from the file, safe to show in a one-line message."""
    text = _visible(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _printable_path(path: str, limit: int = 100) -> str:
    """A file path, safe to show in a one-line message; a long one loses its middle, not
    its file name (deep temporary folders made "/tmp/.../trunca..." of it)."""
    text = _visible(path)
    if len(text) <= limit:
        return text
    head = limit // 4
    return text[:head] + "..." + text[len(text) - (limit - head - 3):]


_HINT_DROP = re.compile(r"[^A-Za-z0-9_]+")


def sanitize_name(name: str, limit: int = 48) -> str | None:
    """An SSA name hint from an ONNX tensor name: `[A-Za-z0-9_]` only, not starting with a digit.

    Returns None when nothing usable is left.
    """
    hint = _HINT_DROP.sub("", name)[:limit].strip("_")
    if not hint:
        return None
    if hint[0].isdigit():
        hint = "t" + hint
    return hint


# --------------------------------------------------------------------------- loading


def _all_tensors(graph: onnx.GraphProto) -> Iterator[onnx.TensorProto]:
    """Every tensor stored in a graph: initializers and attribute tensors, subgraphs too."""
    yield from graph.initializer
    for sparse in graph.sparse_initializer:
        yield sparse.values
        yield sparse.indices
    for node in graph.node:
        yield from _node_tensors(node)


def _node_tensors(node: onnx.NodeProto) -> Iterator[onnx.TensorProto]:
    for attr in node.attribute:
        if attr.HasField("t"):
            yield attr.t
        yield from attr.tensors
        if attr.HasField("sparse_tensor"):
            yield attr.sparse_tensor.values
            yield attr.sparse_tensor.indices
        if attr.HasField("g"):
            yield from _all_tensors(attr.g)
        for sub in attr.graphs:
            yield from _all_tensors(sub)


def _model_tensors(model: onnx.ModelProto) -> Iterator[onnx.TensorProto]:
    yield from _all_tensors(model.graph)
    for function in model.functions:
        for node in function.node:
            yield from _node_tensors(node)


def _external(tensor: onnx.TensorProto) -> bool:
    return tensor.data_location == onnx.TensorProto.EXTERNAL


def _check_external_data(model: onnx.ModelProto, base_dir: Path | None, source: str) -> bool:
    """Validate every external-data reference; returns True when there is any."""
    refs = [t for t in _model_tensors(model) if _external(t)]
    if not refs:
        return False
    if base_dir is None:
        raise OnnxImportError(
            f"{source}: the model keeps tensor data in external files "
            f"('{_printable(refs[0].name)}'); pass the model's path so they can be found"
        )
    root = base_dir.resolve()
    for tensor in refs:
        info = {entry.key: entry.value for entry in tensor.external_data}
        what = f"{source}: tensor '{_printable(tensor.name)}'"
        location = info.get("location", "")
        if not location:
            raise OnnxImportError(f"{what} has external data without a location")
        shown = _printable(location)
        if (
            os.path.isabs(location)
            or PureWindowsPath(location).is_absolute()
            or PureWindowsPath(location).drive
            or location.startswith(("/", "\\"))
        ):
            raise OnnxImportError(
                f"{what}: external data location '{shown}' is an absolute path; only paths "
                "relative to the model's folder are accepted"
            )
        target = (root / location).resolve()
        if not target.is_relative_to(root):
            raise OnnxImportError(
                f"{what}: external data location '{shown}' points outside the model's folder"
            )
        if not target.is_file():
            raise OnnxImportError(f"{what}: external data file '{shown}' not found")
        try:
            offset = int(info.get("offset", "0"))
            length = int(info["length"]) if "length" in info else None
        except ValueError:
            raise OnnxImportError(f"{what}: malformed external data offset/length") from None
        size = target.stat().st_size
        if offset < 0 or (length is not None and (length < 0 or offset + length > size)):
            raise OnnxImportError(
                f"{what}: external data range (offset {offset}, length {length}) lies outside "
                f"'{shown}' ({size} bytes)"
            )
    return True


def _check_strings(message: Any, source: str, where: str = "model") -> None:
    """Refuse a string field that is not valid UTF-8 (protobuf hands it over as bytes)."""
    for field, value in message.ListFields():
        if field.type == field.TYPE_MESSAGE:
            values = value if _repeated(field) else [value]
            for index, item in enumerate(values):
                shown = f"{where}.{field.name}[{index}]" if _repeated(field) else (
                    f"{where}.{field.name}")
                _check_strings(item, source, shown)
        elif field.type == field.TYPE_STRING:
            values = value if _repeated(field) else [value]
            if any(isinstance(item, bytes) for item in values):
                raise OnnxImportError(f"{source}: malformed model: {where}.{field.name} is "
                                      "not valid UTF-8 text (ONNX names and strings must be)")


def _repeated(field: Any) -> bool:
    if hasattr(field, "is_repeated"):  # protobuf >= 5.28 (`label` is deprecated, then gone)
        return bool(field.is_repeated)
    return field.label == field.LABEL_REPEATED


def _parse_model(data: bytes, source: str) -> onnx.ModelProto:
    model = onnx.ModelProto()
    try:
        model.ParseFromString(data)
    except Exception as e:  # google.protobuf.message.DecodeError and friends
        raise OnnxImportError(f"{source}: not an ONNX model (cannot be decoded: {e})") from None
    if model.ir_version <= 0 or not model.HasField("graph"):
        raise OnnxImportError(
            f"{source}: not an ONNX model (no IR version or no graph in the protobuf message)"
        )
    _check_strings(model, source)
    return model


def load_onnx(path: str | os.PathLike[str]) -> onnx.ModelProto:
    """Read an ONNX file safely (external data validated first, see the module docstring)."""
    path = Path(path)
    source = f"'{_printable_path(str(path))}'"
    if not path.exists():
        raise OnnxImportError(f"input file {source} not found (check the path)")
    if path.is_dir():
        raise OnnxImportError(f"input {source} is a directory, not an ONNX file")
    try:  # a regular file of bounded size (not /dev/zero, not a FIFO)
        data = files.read_input(path)
    except files.FileError as e:
        raise OnnxImportError(_printable(str(e), 300)) from None
    model = _parse_model(data, source)
    if _check_external_data(model, path.parent, source):
        try:
            onnx.external_data_helper.load_external_data_for_model(model, str(path.parent))
        except Exception as e:
            raise OnnxImportError(f"{source}: cannot load external data: {e}") from None
    _check_model(model, source)
    return model


_SKELETON_LIMIT = 4096
"""Initializers larger than this (in elements) are left out of the model copy that
`onnx.checker` and shape inference see: neither needs weight values, and serializing
tens of megabytes of weights for them would double the import time."""


def _skeleton(model: onnx.ModelProto) -> onnx.ModelProto:
    """The model without its large initializers, which become typed graph inputs instead.

    Small initializers (shape vectors, scales) stay, so that shape inference can still
    propagate constant shapes into Reshape and the like.
    """
    graph = model.graph
    skeleton = onnx.ModelProto()
    for field in ("ir_version", "producer_name", "producer_version", "domain", "model_version"):
        setattr(skeleton, field, getattr(model, field))
    skeleton.opset_import.extend(model.opset_import)
    skeleton.functions.extend(model.functions)
    copy = skeleton.graph
    copy.name = graph.name
    copy.node.extend(graph.node)
    copy.input.extend(graph.input)
    copy.output.extend(graph.output)
    copy.value_info.extend(graph.value_info)
    copy.sparse_initializer.extend(graph.sparse_initializer)
    inputs = {value.name for value in graph.input}
    for tensor in graph.initializer:
        if _prod(tensor.dims) <= _SKELETON_LIMIT and not _external(tensor):
            copy.initializer.append(tensor)
        elif tensor.name not in inputs:
            copy.input.append(onnx.helper.make_tensor_value_info(
                tensor.name, tensor.data_type, list(tensor.dims)))
    return skeleton


def _check_model(model: onnx.ModelProto, source: str) -> None:
    """Structural checks: opsets and `onnx.checker` (custom domains must be imported)."""
    imported = {o.domain for o in model.opset_import}
    used = {node.domain for node in model.graph.node} - set(DEFAULT_DOMAINS)
    missing = sorted(d for d in used if d not in imported)
    if missing:
        raise OnnxImportError(
            f"{source}: malformed model: nodes use domain '{_printable(missing[0])}' that "
            "the model does not import (opset_import)"
        )
    try:
        onnx.checker.check_model(_skeleton(model))
    except Exception as e:
        raise OnnxImportError(f"{source}: malformed ONNX model: {e}") from None


_INFERENCE_NODE = re.compile(r"\(op_type:([^,]*), node name: ([^)]*)\): (.*)")


def _infer_shapes(model: onnx.ModelProto, input_shapes: dict[str, tuple[int, ...]],
                  source: str) -> dict[str, tuple[int, ...]]:
    """Static shapes that ONNX shape inference (strict mode) derives for the model's tensors.

    It runs on the model's skeleton (`_skeleton`), with symbolic input dimensions pinned to
    the sizes the importer uses (batch 1), so that inference gives static shapes.
    """
    skeleton = _skeleton(model)
    for value in skeleton.graph.input:
        shape = input_shapes.get(value.name)
        if shape is None:
            continue
        for dim, size in zip(value.type.tensor_type.shape.dim, shape, strict=False):
            if dim.HasField("dim_param") or not dim.HasField("dim_value"):
                dim.dim_value = size
    try:
        inferred = onnx.shape_inference.infer_shapes(
            skeleton, check_type=True, strict_mode=True, data_prop=True
        )
    except Exception as e:
        text = _one_line(str(e))
        match = _INFERENCE_NODE.search(text)
        if match:  # name the node the way the importer does
            op, name, reason = match.groups()
            raise OnnxImportError(f"node '{_printable(name)}' ({_printable(op, 40)}): ONNX shape "
                                  f"inference failed: {reason}") from None
        raise OnnxImportError(f"{source}: ONNX shape inference failed: {text}") from None
    shapes: dict[str, tuple[int, ...]] = {}
    graph = inferred.graph
    for value in (*graph.value_info, *graph.output):
        shape = _static_shape(value)
        if shape is not None:
            shapes[value.name] = shape
    return shapes


def _static_shape(value: onnx.ValueInfoProto) -> tuple[int, ...] | None:
    typ = value.type
    if not typ.HasField("tensor_type") or not typ.tensor_type.HasField("shape"):
        return None
    dims = typ.tensor_type.shape.dim
    if not all(d.HasField("dim_value") for d in dims):
        return None
    return tuple(int(d.dim_value) for d in dims)


# --------------------------------------------------------------------------- helpers


def _dense_f32(values: np.ndarray | float):
    return dtypes.numpy_to_dense(np.asarray(values, dtype=np.float32), f32)


def _i64_array(values: Sequence[int]) -> DenseArrayBase:
    return DenseArrayBase.from_list(i64, [int(v) for v in values])


def _f32_tensor(shape: Sequence[int]) -> TensorType:
    return TensorType(f32, [int(d) for d in shape])


def _shape(value: SSAValue) -> tuple[int, ...]:
    typ = value.type
    assert isinstance(typ, TensorType)
    return tuple(typ.get_shape())


def _attribute_value(attr: onnx.AttributeProto) -> Any:
    value = onnx.helper.get_attribute_value(attr)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value


def _prod(shape: Sequence[int]) -> int:
    return int(np.prod(shape, dtype=np.int64))


def _window_out(size: int, kernel: int, stride: int, pad: int, dilation: int) -> int:
    return (size + pad - dilation * (kernel - 1) - 1) // stride + 1


# Attributes each op accepts (others are refused, naming the attribute).
_ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    "Quant": frozenset({"signed", "narrow", "rounding_mode"}),
    "IntQuant": frozenset({"signed", "narrow", "rounding_mode"}),
    "BipolarQuant": frozenset(),
    "Trunc": frozenset({"rounding_mode", "signed", "narrow"}),
    "MultiThreshold": frozenset({"out_dtype", "out_scale", "out_bias", "data_layout"}),
    "Gemm": frozenset({"alpha", "beta", "transA", "transB"}),
    "MatMul": frozenset(),
    "Conv": frozenset({"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"}),
    "BatchNormalization": frozenset({"epsilon", "momentum", "training_mode", "spatial"}),
    "Relu": frozenset(),
    "MaxPool": frozenset(
        {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order",
         "strides"}
    ),
    "Flatten": frozenset({"axis"}),
    "Reshape": frozenset({"allowzero"}),
    "Transpose": frozenset({"perm"}),
    "Add": frozenset(),
    "Sub": frozenset(),
    "Mul": frozenset(),
    "Div": frozenset(),
    "Identity": frozenset(),
    "Dropout": frozenset({"seed", "ratio"}),
    "Constant": frozenset(
        {"value", "value_float", "value_floats", "value_int", "value_ints", "sparse_value",
         "value_string", "value_strings"}
    ),
    "ArgMax": frozenset({"axis", "keepdims", "select_last_index"}),
    "TopK": frozenset({"axis", "largest", "sorted"}),
    # folded on constants only
    "Shape": frozenset({"start", "end"}),
    "Size": frozenset(),
    "Gather": frozenset({"axis"}),
    "Concat": frozenset({"axis"}),
    "Unsqueeze": frozenset({"axes"}),
    "Squeeze": frozenset({"axes"}),
    "Cast": frozenset({"to", "saturate", "round_mode"}),
    "Slice": frozenset({"starts", "ends", "axes"}),
    "Neg": frozenset(),
    "Sqrt": frozenset(),
    "Reciprocal": frozenset(),
    "Pow": frozenset(),
    "ConstantOfShape": frozenset({"value"}),
    "Range": frozenset(),
    "Expand": frozenset(),
    "Equal": frozenset(),
    "Where": frozenset(),
}

_QONNX_OPS = ("Quant", "IntQuant", "BipolarQuant", "Trunc", "MultiThreshold")
_QONNX_INPUTS = {"Quant": 4, "IntQuant": 4, "BipolarQuant": 2, "Trunc": 5, "MultiThreshold": 2}
"""Inputs of each QONNX op (Trunc v2 takes 6: see `_Importer._trunc_v2`)."""
_GRAPH_OPS = (
    "Add", "ArgMax", "BatchNormalization", "Constant", "Conv", "Div", "Dropout", "Flatten",
    "Gemm", "Identity", "MatMul", "MaxPool", "Mul", "Relu", "Reshape", "Sub", "TopK",
    "Transpose",
)
_FOLD_ONLY_OPS = (
    "Cast", "Concat", "ConstantOfShape", "Equal", "Expand", "Gather", "Neg", "Pow", "Range",
    "Reciprocal", "Shape", "Size", "Slice", "Sqrt", "Squeeze", "Unsqueeze", "Where",
)
_SUPPORTED_TEXT = (
    f"supported ONNX ops: {', '.join(_GRAPH_OPS)}; on constants only (folded): "
    f"{', '.join(_FOLD_ONLY_OPS)}; QONNX ops ({' / '.join(QONNX_DOMAINS)}): "
    f"{', '.join(_QONNX_OPS)}"
)


# --------------------------------------------------------------------------- folding


def _normalize_axis(axis: int, rank: int) -> int:
    if not -rank <= axis < max(rank, 1):
        raise ValueError(f"axis {axis} is out of range for rank {rank}")
    return axis % max(rank, 1)


def _flatten_axis(axis: int, rank: int) -> int:
    """Flatten's axis: in [-rank, rank], negative counted from the end."""
    if not -rank <= axis <= rank:
        raise ValueError(f"Flatten axis {axis} is out of range for rank {rank}")
    return axis + rank if axis < 0 else axis


def _onnx_reshape_target(in_shape: Sequence[int], target: np.ndarray,
                         allowzero: int) -> tuple[int, ...]:
    """ONNX Reshape's output shape: 0 copies the input dimension (unless allowzero), -1 infers."""
    dims = [int(d) for d in np.asarray(target).reshape(-1)]
    out: list[int] = []
    for i, d in enumerate(dims):
        if d == 0 and not allowzero:
            if i >= len(in_shape):
                raise ValueError(f"shape entry {i} is 0 but the input has rank {len(in_shape)}")
            out.append(int(in_shape[i]))
        elif d < -1:
            raise ValueError(f"shape entry {d} is invalid (only -1 may be negative)")
        else:
            out.append(d)
    if out.count(-1) > 1:
        raise ValueError(f"shape {dims} has more than one -1")
    total = _prod(in_shape)
    if -1 in out:
        known = _prod([d for d in out if d != -1])
        if known == 0 or total % known:
            raise ValueError(f"cannot reshape {list(in_shape)} to {dims}")
        out[out.index(-1)] = total // known
    if _prod(out) != total:
        raise ValueError(f"cannot reshape {list(in_shape)} ({total} elements) to {dims}")
    return tuple(out)


def _axes_input(node_attrs: dict[str, Any], inputs: list[np.ndarray | None],
                index: int) -> list[int] | None:
    if "axes" in node_attrs:
        return [int(a) for a in node_attrs["axes"]]
    if len(inputs) > index and inputs[index] is not None:
        return [int(a) for a in np.asarray(inputs[index]).reshape(-1)]
    return None


def _fold_unsqueeze(attrs: dict[str, Any], args: list[np.ndarray | None]) -> np.ndarray:
    x = args[0]
    assert x is not None
    axes = _axes_input(attrs, args, 1)
    if axes is None:
        raise ValueError("Unsqueeze needs axes")
    rank = x.ndim + len(axes)
    out = x
    for axis in sorted(_normalize_axis(a, rank) for a in axes):
        out = np.expand_dims(out, axis)
    return out


def _fold_squeeze(attrs: dict[str, Any], args: list[np.ndarray | None]) -> np.ndarray:
    x = args[0]
    assert x is not None
    axes = _axes_input(attrs, args, 1)
    if axes is None:
        return np.squeeze(x)
    return np.squeeze(x, axis=tuple(_normalize_axis(a, x.ndim) for a in axes))


def _fold_slice(attrs: dict[str, Any], args: list[np.ndarray | None]) -> np.ndarray:
    x = args[0]
    assert x is not None
    if "starts" in attrs:  # opset < 10
        starts, ends = list(attrs["starts"]), list(attrs["ends"])
        axes = list(attrs.get("axes", range(len(starts))))
        steps = [1] * len(starts)
    else:
        def vector(i: int) -> list[int] | None:
            if len(args) > i and args[i] is not None:
                return [int(v) for v in np.asarray(args[i]).reshape(-1)]
            return None

        starts, ends = vector(1) or [], vector(2) or []
        axes = vector(3) or list(range(len(starts)))
        steps = vector(4) or [1] * len(starts)
    index = [slice(None)] * x.ndim
    for start, end, axis, step in zip(starts, ends, axes, steps, strict=True):
        if step == 0:
            raise ValueError("Slice step 0")
        index[_normalize_axis(axis, x.ndim)] = slice(int(start), int(end), int(step))
    return x[tuple(index)]


def _fold_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.dtype.kind in "iu" and b.dtype.kind in "iu":
        return np.trunc(np.true_divide(a, b)).astype(np.result_type(a, b))
    return np.true_divide(a, b).astype(np.result_type(a, b))


def _c_powf() -> Callable[[float, float], float] | None:
    """The C library's powf (what onnxruntime's Pow calls for f32), if it can be loaded."""
    name = ctypes.util.find_library("m")
    if name is None:
        return None
    try:
        function = ctypes.CDLL(name).powf
    except (OSError, AttributeError):
        return None
    function.restype = ctypes.c_float
    function.argtypes = [ctypes.c_float, ctypes.c_float]
    return function


def _fold_pow(base: np.ndarray, exponent: np.ndarray) -> np.ndarray:
    """Pow of constants: on f32, the C library's powf element by element, as onnxruntime
    evaluates it (glibc's powf is not correctly rounded: x^0.5 differs from sqrt(x) in about
    1 of 1400 values), so that a folded batch-norm denominator equals ORT's; numpy
    otherwise."""
    powf = _c_powf() if base.dtype == np.float32 else None
    if powf is None:
        return np.power(base, exponent).astype(base.dtype)
    b, e = np.broadcast_arrays(base, np.asarray(exponent).astype(np.float32))
    return np.frompyfunc(powf, 2, 1)(b, e).astype(np.float32)


class _FoldTooLarge(ValueError):
    """Folding would create a constant above `rpnn_ir.limits.max_elements()`."""


def _gemm_kernel(alpha: float, beta: float, trans_a: int, trans_b: int, bias: bool) -> str:
    """The MLAS kernel onnxruntime computes one frame of this Gemm with (interp.ORT_KERNELS):
    the single-row kernels need alpha = 1 and no transposed A; with transB = 0 the bias
    would enter the sum first (it is added after the product here)."""
    if alpha != 1.0 or trans_a or (bias and beta not in (0.0, 1.0)):
        return "general"
    if trans_b:
        return "m1_transposed_b"
    return "general" if bias and beta != 0.0 else "m1"


def _check_fold_size(shape: Sequence[int]) -> None:
    """Refuse (before allocating) a folded constant above the element limit."""
    if any(d < 0 for d in shape):
        raise ValueError(f"refusing to create a constant of shape {list(shape)}")
    try:
        limits.check_elements(shape, f"refusing to create a constant of shape {list(shape)}: it")
    except limits.LimitError as e:
        raise _FoldTooLarge(str(e)) from None


def _fold_constant_of_shape(attrs: dict[str, Any], args: list[np.ndarray | None]) -> np.ndarray:
    shape = [int(d) for d in np.asarray(args[0]).reshape(-1)]
    _check_fold_size(shape)
    fill = attrs.get("value")
    value = numpy_helper.to_array(fill).reshape(-1) if fill is not None else np.zeros(
        1, np.float32
    )
    return np.full(shape, value[0], dtype=value.dtype)


def _fold_range(start: Any, limit: Any, delta: Any, dtype: np.dtype) -> np.ndarray:
    if delta == 0:
        raise ValueError("Range with delta 0")
    _check_fold_size([max(int(np.ceil((limit - start) / delta)), 0)])
    return np.arange(start, limit, delta, dtype=dtype)


def _fold_expand(x: np.ndarray, shape: list[int]) -> np.ndarray:
    target = np.broadcast_shapes(x.shape, tuple(shape))
    _check_fold_size(target)
    return np.array(np.broadcast_to(x, target))


_Folder = Callable[[dict[str, Any], list[np.ndarray | None]], list[np.ndarray]]


def _one(fn: Callable[..., np.ndarray]) -> _Folder:
    return lambda attrs, args: [np.asarray(fn(attrs, args))]


_FOLDERS: dict[str, _Folder] = {
    "Size": _one(lambda at, a: np.array(a[0].size, dtype=np.int64)),
    "Gather": _one(lambda at, a: np.take(
        a[0], np.where(a[1] < 0, a[1] + a[0].shape[_normalize_axis(at.get("axis", 0), a[0].ndim)],
                       a[1]), axis=_normalize_axis(at.get("axis", 0), a[0].ndim))),
    "Concat": _one(lambda at, a: np.concatenate(
        [x for x in a if x is not None], axis=_normalize_axis(at["axis"], a[0].ndim))),
    "Unsqueeze": _one(_fold_unsqueeze),
    "Squeeze": _one(_fold_squeeze),
    "Cast": _one(lambda at, a: a[0].astype(onnx.helper.tensor_dtype_to_np_dtype(at["to"]))),
    "Slice": _one(_fold_slice),
    "Add": _one(lambda at, a: np.add(a[0], a[1]).astype(np.result_type(a[0], a[1]))),
    "Sub": _one(lambda at, a: np.subtract(a[0], a[1]).astype(np.result_type(a[0], a[1]))),
    "Mul": _one(lambda at, a: np.multiply(a[0], a[1]).astype(np.result_type(a[0], a[1]))),
    "Div": _one(lambda at, a: _fold_div(a[0], a[1])),
    "Neg": _one(lambda at, a: np.negative(a[0])),
    "Sqrt": _one(lambda at, a: np.sqrt(a[0])),
    "Reciprocal": _one(lambda at, a: np.reciprocal(a[0])),
    "Pow": _one(lambda at, a: _fold_pow(a[0], a[1])),
    "Relu": _one(lambda at, a: np.maximum(a[0], 0).astype(a[0].dtype)),
    "Identity": _one(lambda at, a: a[0]),
    "Dropout": lambda at, a: [a[0], np.ones(a[0].shape, dtype=bool)],
    "Transpose": _one(lambda at, a: np.transpose(a[0], at.get("perm"))),
    "Flatten": _one(lambda at, a: a[0].reshape(
        _prod(a[0].shape[: _flatten_axis(at.get("axis", 1), a[0].ndim)]), -1)),
    "Reshape": _one(lambda at, a: a[0].reshape(
        _onnx_reshape_target(a[0].shape, a[1], at.get("allowzero", 0)))),
    "ConstantOfShape": _one(_fold_constant_of_shape),
    "Range": _one(lambda at, a: _fold_range(a[0].item(), a[1].item(), a[2].item(), a[0].dtype)),
    "Expand": _one(lambda at, a: _fold_expand(a[0], [int(d) for d in a[1].reshape(-1)])),
    "Equal": _one(lambda at, a: np.equal(a[0], a[1])),
    "Where": _one(lambda at, a: np.where(a[0], a[1], a[2]).astype(np.result_type(a[1], a[2]))),
}


# --------------------------------------------------------------------------- the importer


class _Importer:
    """Converts one ONNX graph into the body of `func.func @<name>`."""

    def __init__(self, model: onnx.ModelProto, source: str,
                 inferred: Callable[[dict[str, tuple[int, ...]]], dict[str, tuple[int, ...]]]):
        self.model = model
        self.graph = model.graph
        self.source = source
        self.opset = self._default_opset()
        self.consts: dict[str, np.ndarray] = {}
        self.values: dict[str, SSAValue] = {}
        self.materialized: dict[str, SSAValue] = {}
        self.names_of: dict[SSAValue, list[str]] = {}
        self.consumers: Counter[str] = Counter()
        for node in self.graph.node:
            self.consumers.update(name for name in node.input if name)
        self.graph_outputs = {value.name for value in self.graph.output}
        self.consumers.update(self.graph_outputs)
        self.where = source
        self.node: onnx.NodeProto | None = None
        for index, node in enumerate(self.graph.node):  # report unsupported ops first
            self.where = _describe(node, index)
            self._handler(node)
        self.where = source

        for tensor in self.graph.initializer:
            self.consts[tensor.name] = self._tensor_to_numpy(tensor)
        if self.graph.sparse_initializer:
            raise OnnxImportError(f"{source}: sparse initializers are not supported")
        input_types: list[TensorType] = []
        self.inputs: list[onnx.ValueInfoProto] = []
        for value in self.graph.input:
            if value.name in self.consts:
                continue  # an initializer listed among the inputs is a constant
            self.inputs.append(value)
            input_types.append(self._input_type(value))
        self.block = Block(arg_types=input_types)
        for value, arg in zip(self.inputs, self.block.args, strict=True):
            arg.name_hint = sanitize_name(value.name)
            self._define(value.name, arg)
        self._check_constant_sizes()
        self.where = source
        self.inferred = inferred(
            {v.name: _shape(a) for v, a in zip(self.inputs, self.block.args, strict=True)}
        )

    def _check_constant_sizes(self) -> None:
        """Fold the small constant subgraph once, before ONNX shape inference sees it.

        Shape inference with data propagation computes Range, ConstantOfShape and Expand of
        constant inputs itself, with no size limit (``Range(0, 1e12, 1)`` grows past 5 GB);
        folding them here first refuses an oversized one with rpnn's limit and the node's
        name.  Only the values inference sees are followed (`_skeleton`: small ones).
        """
        small = {name: a for name, a in self.consts.items() if a.size <= _SKELETON_LIMIT}
        for index, node in enumerate(self.graph.node):
            inputs = [name for name in node.input if name]
            if node.domain not in DEFAULT_DOMAINS or not all(n in small for n in inputs):
                continue
            self.where = _describe(node, index)
            try:
                if node.op_type == "Constant":
                    outputs = [_constant_value(node)]
                elif node.op_type in _FOLDERS and inputs:
                    args = [small[name] if name else None for name in node.input]
                    outputs = _FOLDERS[node.op_type](self._attributes(node), args)
                else:
                    continue
            except _FoldTooLarge as e:
                raise self.fail(f"cannot fold this node on its constant inputs: {e}") from None
            except Exception:  # reported in graph order by the conversion itself
                continue
            for name, array in zip(node.output, outputs, strict=False):
                array = np.asarray(array)
                if name and array.size <= _SKELETON_LIMIT:
                    small[name] = array

    # ---- model-level information ------------------------------------------------

    def _default_opset(self) -> int:
        versions = [o.version for o in self.model.opset_import if o.domain in DEFAULT_DOMAINS]
        if not versions:
            raise OnnxImportError(f"{self.source}: the model imports no default ONNX opset")
        version = max(versions)
        if version < MIN_OPSET:
            raise OnnxImportError(
                f"{self.source}: ONNX opset {version} is not supported (opset {MIN_OPSET} or "
                "newer; upgrade with onnx.version_converter)"
            )
        return version

    def _tensor_to_numpy(self, tensor: onnx.TensorProto) -> np.ndarray:
        try:
            return numpy_helper.to_array(tensor)
        except Exception as e:
            raise OnnxImportError(
                f"{self.source}: tensor '{_printable(tensor.name)}' cannot be read: {e}"
            ) from None

    def _input_type(self, value: onnx.ValueInfoProto) -> TensorType:
        what = f"{self.source}: graph input '{_printable(value.name)}'"
        typ = value.type
        if not typ.HasField("tensor_type"):
            raise OnnxImportError(f"{what} is not a tensor")
        elem = typ.tensor_type.elem_type
        if elem != onnx.TensorProto.FLOAT:
            name = onnx.TensorProto.DataType.Name(elem) if elem else "undefined"
            raise OnnxImportError(f"{what} has element type {name}; only FLOAT inputs are "
                                  "supported")
        if not typ.tensor_type.HasField("shape"):
            raise OnnxImportError(f"{what} has no shape; the importer needs static shapes")
        shape = []
        for axis, dim in enumerate(typ.tensor_type.shape.dim):
            if dim.HasField("dim_value") and dim.dim_value > 0:
                shape.append(int(dim.dim_value))
            elif axis == 0:
                shape.append(1)  # a symbolic batch: 1 (rpnn.run accepts any batch there)
            else:
                label = dim.dim_param or "?"
                raise OnnxImportError(
                    f"{what} has a symbolic dimension '{_printable(label)}' on axis {axis}; "
                    "only the batch axis (0) may be symbolic"
                )
        return _f32_tensor(shape)

    # ---- values -------------------------------------------------------------------

    def fail(self, message: str) -> OnnxImportError:
        return OnnxImportError(f"{self.where}: {message}")

    def _define(self, name: str, value: SSAValue) -> None:
        expected = self.inferred.get(name) if hasattr(self, "inferred") else None
        if expected is not None and expected != _shape(value):
            raise self.fail(
                f"tensor '{_printable(name)}' has shape {list(_shape(value))} here but "
                f"{list(expected)} by ONNX shape inference"
            )
        self.values[name] = value
        self.names_of.setdefault(value, []).append(name)

    def _define_const(self, name: str, array: np.ndarray) -> None:
        expected = self.inferred.get(name)
        if expected is not None and expected != tuple(array.shape):
            raise self.fail(
                f"constant '{_printable(name)}' has shape {list(array.shape)} here but "
                f"{list(expected)} by ONNX shape inference"
            )
        self.consts[name] = array

    def _known(self, name: str) -> bool:
        return name in self.values or name in self.consts

    def _require(self, name: str) -> None:
        if not self._known(name):
            raise self.fail(f"input '{_printable(name)}' is not defined before this node")

    def _value(self, name: str) -> SSAValue:
        """The SSA value of a tensor; a constant becomes an `rpnn.constant` (once)."""
        if name in self.values:
            return self.values[name]
        self._require(name)
        if name not in self.materialized:
            op = self._constant_op(self.consts[name], f"constant '{_printable(name)}'")
            self.materialized[name] = self._emit(op, name)
        return self.materialized[name]

    def _constant_op(self, array: np.ndarray, what: str) -> rpnn.ConstantOp:
        array = np.asarray(array)
        if array.dtype.kind not in "fiub":
            raise self.fail(f"{what} has element type {array.dtype}; data must be float")
        values = array.astype(np.float32)
        if array.dtype.kind != "f" and not np.array_equal(values, array):
            raise self.fail(f"{what} holds integers that float32 cannot represent exactly")
        return rpnn.ConstantOp.from_numpy(values, f32)

    def _constant(self, array: np.ndarray | float, hint: str | None = None) -> SSAValue:
        op = self._constant_op(np.asarray(array), "constant")
        return self._emit(op, hint)

    def _emit(self, op: Operation, hint: str | None = None) -> SSAValue:
        op.verify()
        self.block.add_op(op)
        result = op.results[0]
        if hint is not None:
            result.name_hint = sanitize_name(hint)
        return result

    def _input_name(self, node: onnx.NodeProto, index: int) -> str | None:
        if index < len(node.input) and node.input[index]:
            return node.input[index]
        return None

    def _const_input(self, node: onnx.NodeProto, index: int, what: str,
                     optional: bool = False) -> np.ndarray | None:
        name = self._input_name(node, index)
        if name is None:
            if optional:
                return None
            raise self.fail(f"{what} (input {index}) is missing")
        self._require(name)
        if name not in self.consts:
            raise self.fail(
                f"{what} (input {index}, '{_printable(name)}') must be a constant (an "
                "initializer, a Constant or a constant subexpression)"
            )
        return self.consts[name]

    def _only_first_output_used(self, node: onnx.NodeProto, what: str = "") -> None:
        for name in node.output[1:]:
            if name and self.consumers[name]:
                raise self.fail(
                    f"output '{_printable(name)}' is used; only the first output{what} is "
                    "supported"
                )

    # ---- attributes -----------------------------------------------------------------

    def _attributes(self, node: onnx.NodeProto) -> dict[str, Any]:
        allowed = _ALLOWED_ATTRIBUTES.get(node.op_type, frozenset())
        attrs: dict[str, Any] = {}
        for attr in node.attribute:
            if attr.name not in allowed:
                listed = ", ".join(sorted(allowed)) or "none"
                raise self.fail(f"attribute '{_printable(attr.name)}' is not supported "
                                f"(supported attributes: {listed})")
            if attr.ref_attr_name:
                raise self.fail(f"attribute '{attr.name}' refers to a function attribute")
            attrs[attr.name] = _attribute_value(attr)
        return attrs

    def _choice(self, attrs: dict[str, Any], name: str, default: Any,
                choices: Sequence[Any]) -> Any:
        value = attrs.get(name, default)
        if value not in choices:
            shown = " or ".join(str(c) for c in choices)
            raise self.fail(f"attribute {name}={value} is not supported (supported: {shown})")
        return value

    # ---- conversion driver ------------------------------------------------------------

    def convert(self, function_name: str) -> ModuleOp:
        for index, node in enumerate(self.graph.node):
            self.node = node
            self.where = _describe(node, index)
            try:
                self._convert_node(node)
            except OnnxImportError:
                raise
            except VerifyException as e:
                raise self.fail(f"the converted op does not verify: {e}") from None
            except ValueError as e:
                raise self.fail(f"cannot convert: {e}") from None
        self.where = self.source
        results = self._results()
        self.block.add_op(func.ReturnOp(*results))
        function = func.FuncOp(
            function_name,
            ([arg.type for arg in self.block.args], [r.type for r in results]),
            Region(self.block),
        )
        module = ModuleOp([function])
        try:
            module.verify()
        except VerifyException as e:
            raise OnnxImportError(
                f"{self.source}: the imported module does not verify: {e}"
            ) from None
        return module

    def _results(self) -> list[SSAValue]:
        results = []
        if not self.graph.output:
            raise OnnxImportError(f"{self.source}: the graph has no outputs")
        for value in self.graph.output:
            name = value.name
            what = f"{self.source}: graph output '{_printable(name)}'"
            if name in self.values:
                result = self.values[name]
            elif name in self.consts:
                result = self._value(name)
            else:
                raise OnnxImportError(f"{what} is not computed by any node")
            declared = _static_shape(value)
            if declared is not None and declared != _shape(result):
                raise OnnxImportError(f"{what} is declared {list(declared)} but computes "
                                      f"{list(_shape(result))}")
            elem = value.type.tensor_type.elem_type if value.type.HasField("tensor_type") else 0
            typ = result.type
            assert isinstance(typ, TensorType)
            is_float = dtypes.is_float(typ.element_type)
            if elem and is_float != (elem == onnx.TensorProto.FLOAT):
                raise OnnxImportError(
                    f"{what} is declared {onnx.TensorProto.DataType.Name(elem)} but computes "
                    f"{dtypes.type_str(typ.element_type)}"
                )
            results.append(result)
        return results

    def _handler(self, node: onnx.NodeProto) -> _Handler:
        """The conversion method of a node, or an error naming what is supported."""
        op_type = node.op_type
        if node.domain in QONNX_DOMAINS:
            handler = _QONNX_HANDLERS.get(op_type)
        elif node.domain in DEFAULT_DOMAINS:
            handler = _HANDLERS.get(op_type)
            if handler is None and op_type in _FOLDERS:
                handler = _Importer._fold_only
        else:
            raise self.fail(
                f"unsupported op '{_printable(op_type)}' of domain '{_printable(node.domain)}' "
                f"(supported domains: default ONNX, {', '.join(QONNX_DOMAINS)}); "
                f"{_SUPPORTED_TEXT}"
            )
        if handler is None:
            raise self.fail(f"unsupported op '{_printable(op_type)}'; {_SUPPORTED_TEXT}")
        if node.domain in QONNX_DOMAINS:  # onnx.checker knows no schema for these
            inputs = _QONNX_INPUTS[op_type]
            if op_type == "Trunc" and self._trunc_v2(node):
                inputs = 6
            if len(node.input) != inputs or not all(node.input) or len(node.output) != 1:
                raise self.fail(f"{op_type} takes {inputs} inputs and 1 output, got "
                                f"{len(node.input)} inputs and {len(node.output)} outputs")
        return handler

    def _convert_node(self, node: onnx.NodeProto) -> None:
        op_type = node.op_type
        handler = self._handler(node)
        attrs = self._attributes(node)
        for name in node.input:
            if name:
                self._require(name)
        inputs = [name for name in node.input if name]
        if (
            node.domain in DEFAULT_DOMAINS
            and op_type in _FOLDERS
            and inputs
            and all(name in self.consts for name in inputs)
        ):
            self._fold(node, attrs)
            return
        handler(self, node, attrs)

    def _fold(self, node: onnx.NodeProto, attrs: dict[str, Any]) -> None:
        args = [self.consts[name] if name else None for name in node.input]
        if node.op_type == "Dropout":
            self._check_dropout(node)
        try:
            outputs = _FOLDERS[node.op_type](attrs, args)
        except Exception as e:  # numpy on the file's values: report, never crash
            raise self.fail(f"cannot fold this node on its constant inputs: "
                            f"{type(e).__name__}: {e}") from None
        for name, array in zip(node.output, outputs, strict=False):
            if name:
                array = np.asarray(array)
                try:
                    limits.check_elements(array.shape, "folding gives a constant that")
                except limits.LimitError as e:
                    raise self.fail(str(e)) from None
                self._define_const(name, array)

    def _fold_only(self, node: onnx.NodeProto, attrs: dict[str, Any]) -> None:
        raise self.fail(
            f"{node.op_type} is supported only on constant inputs (it is folded); an input "
            "here depends on the graph inputs"
        )

    # ---- layout changes of weights ------------------------------------------------------

    def _rebuild_quantized_constant(self, name: str, perm: Sequence[int] | None,
                                    shape: Sequence[int]) -> SSAValue | None:
        """Transpose (perm) or reshape a quantized constant used only here, in place.

        `rpnn.quant(rpnn.constant W)` becomes `rpnn.quant(rpnn.constant W')` with W' the
        transposed/reshaped W and scale/zero point changed alike; exact because quantizers
        act element-wise.  Returns None when that does not apply.
        """
        value = self.values.get(name)
        if value is None or not isinstance(value.owner, rpnn.QuantOp | rpnn.BipolarQuantOp):
            return None
        quant = value.owner
        source = quant.input.owner
        if not isinstance(source, rpnn.ConstantOp):
            return None
        if (value.uses or self.consumers[name] != 1 or name in self.graph_outputs
                or len(self.names_of.get(value, [])) != 1):
            return None
        in_shape = _shape(value)

        def change(array: np.ndarray) -> np.ndarray | None:
            if array.ndim == 0:
                return array  # a per-tensor value broadcasts to any layout
            if perm is not None:
                full = array.reshape((1,) * (len(in_shape) - array.ndim) + array.shape)
                return np.ascontiguousarray(np.transpose(full, perm))
            if array.size == 1:
                return array.reshape((1,) * len(shape)) if array.ndim > len(shape) else array
            if array.shape == in_shape:
                return array.reshape(shape)
            return None

        properties = dict(quant.properties)
        for key in ("scale", "zero_point"):
            if key in properties:
                changed = change(dtypes.dense_to_numpy(properties[key]))
                if changed is None:
                    return None
                properties[key] = _dense_f32(changed)
        weights = change(np.asarray(dtypes.dense_to_numpy(source.value)))
        assert weights is not None
        new_source = rpnn.ConstantOp.from_numpy(weights.astype(np.float32), f32)
        new_quant = type(quant)(
            operands=[new_source.output], result_types=[_f32_tensor(weights.shape)],
            properties=properties,
        )
        hint, source_hint = value.name_hint, source.output.name_hint
        quant.detach()
        quant.erase()
        if not source.output.uses:
            for key, materialized in list(self.materialized.items()):
                if materialized is source.output:
                    del self.materialized[key]
            source.detach()
            source.erase()
        self._emit(new_source).name_hint = source_hint
        result = self._emit(new_quant)
        result.name_hint = hint
        self.names_of.pop(value, None)
        self.values[name] = result
        self.names_of[result] = [name]
        return result

    def _transposed(self, name: str, perm: Sequence[int], hint: str | None = None) -> SSAValue:
        if name in self.consts:
            return self._constant(np.transpose(self.consts[name], perm), hint)
        rebuilt = self._rebuild_quantized_constant(name, perm, ())
        if rebuilt is not None:
            return rebuilt
        x = self._value(name)
        shape = _shape(x)
        op = rpnn.TransposeOp(
            operands=[x], result_types=[_f32_like(x, [shape[p] for p in perm])],
            properties={"perm": _i64_array(perm)},
        )
        return self._emit(op, hint)

    def _reshaped(self, name: str, shape: Sequence[int], hint: str | None = None) -> SSAValue:
        if name in self.consts:
            return self._constant(self.consts[name].reshape(shape), hint)
        x = self._value(name)
        if _shape(x) == tuple(shape):
            return x
        rebuilt = self._rebuild_quantized_constant(name, None, shape)
        if rebuilt is not None:
            return rebuilt
        op = rpnn.ReshapeOp(operands=[x], result_types=[_f32_like(x, shape)])
        return self._emit(op, hint)

    # ---- QONNX ops -----------------------------------------------------------------------

    def quant(self, node: onnx.NodeProto, attrs: dict[str, Any]) -> None:
        x = self._value(node.input[0]) if node.input and node.input[0] else None
        if x is None:
            raise self.fail("input x (input 0) is missing")
        scale = self._const_input(node, 1, "scale")
        zero_point = self._const_input(node, 2, "zero point")
        assert scale is not None and zero_point is not None
        bit_width = self._bit_width(node, 3, "bit width")
        signed = self._choice(attrs, "signed", 1, (0, 1))
        if "narrow" not in attrs:
            raise self.fail(
                "attribute 'narrow' is missing: its default is ambiguous (documented 0, "
                "qonnx executes 1); write narrow=0 or narrow=1"
            )
        narrow = self._choice(attrs, "narrow", 0, (0, 1))
        mode = self._rounding_mode(attrs, "ROUND")
        if bit_width == 1 and not signed and narrow:
            raise self.fail("an unsigned narrow 1-bit quantizer has the single value 0 "
                            "(not supported)")
        self._check_scale(scale, x, "scale")
        self._check_param(zero_point, x, "zero point")
        op = rpnn.QuantOp.from_params(x, x.type, scale=scale, bits=bit_width, signed=signed,
                                narrow=narrow, zero_point=zero_point, rounding=mode)
        self._define(node.output[0], self._emit(op, node.output[0]))

    def _integer_input(self, node: onnx.NodeProto, index: int, what: str) -> int:
        array = self._const_input(node, index, what)
        assert array is not None
        flat = array.reshape(-1)
        if array.size != 1 or not np.isfinite(array).all() or float(flat[0]) != int(flat[0]):
            raise self.fail(f"{what} must be one integer, got {flat[:4].tolist()}")
        return int(flat[0])

    def _bit_width(self, node: onnx.NodeProto, index: int, what: str) -> int:
        bit_width = self._integer_input(node, index, what)
        if not 1 <= bit_width <= dtypes.MAX_INT_BITS:
            raise self.fail(f"{what} {bit_width} is not supported (1 to "
                            f"{dtypes.MAX_INT_BITS})")
        return bit_width

    def _rounding_mode(self, attrs: dict[str, Any], default: str) -> str:
        mode = str(attrs.get("rounding_mode", default)).upper()
        if mode not in _ROUNDING_MODES:
            raise self.fail(f"rounding_mode '{_printable(mode)}' is not supported (supported: "
                            f"{', '.join(rpnn.ROUNDING_MODES)})")
        return mode

    def _trunc_v2(self, node: onnx.NodeProto) -> bool:
        """Trunc v2 (6 inputs, output_scale): 6 inputs, or the node's domain at opset >= 2.

        qonnx executes the version of the domain's opset (default 1)."""
        versions = [o.version for o in self.model.opset_import if o.domain == node.domain]
        return len(node.input) == 6 or max(versions, default=1) >= 2

    def trunc(self, node: onnx.NodeProto, attrs: dict[str, Any]) -> None:
        """QONNX Trunc v1 and v2 as one rpnn.trunc (docs/semantics.md, rpnn.trunc)."""
        x = self._value(node.input[0])
        scale = self._const_input(node, 1, "scale")
        zero_point = self._const_input(node, 2, "zero point")
        assert scale is not None and zero_point is not None
        self._check_scale(scale, x, "scale")
        self._check_param(zero_point, x, "zero point")
        mode = self._rounding_mode(attrs, "FLOOR")
        scale32 = scale.astype(np.float32)
        zero_point32 = zero_point.astype(np.float32)
        if not self._trunc_v2(node):
            if "signed" in attrs or "narrow" in attrs:
                raise self.fail("attributes signed and narrow belong to Trunc v2 (6 inputs, "
                                "domain opset 2); Trunc v1 takes rounding_mode only")
            in_bits = self._integer_input(node, 3, "input bit width")
            out_bits = self._integer_input(node, 4, "output bit width")
            if in_bits < out_bits:
                raise self.fail(f"output bit width {out_bits} exceeds the input bit width "
                                f"{in_bits} (a truncation drops low bits)")
            op = rpnn.TruncOp.from_params(
                x, x.type, scale=scale32, zero_point=zero_point32, shift=in_bits - out_bits,
                out_scale=scale32, out_zero_point=zero_point32, rounding=mode)
            self._define(node.output[0], self._emit(op, node.output[0]))
            return
        out_scale = self._const_input(node, 4, "output scale")
        assert out_scale is not None
        self._check_scale(out_scale, x, "output scale")
        bits = self._bit_width(node, 5, "output bit width")
        signed = self._choice(attrs, "signed", 1, (0, 1))
        narrow = self._choice(attrs, "narrow", 0, (0, 1))
        # qonnx: 2^round(log2(output_scale / scale)), in f32; one power of two for all channels
        with np.errstate(all="ignore"):
            exponents = sorted(set(np.round(np.log2(
                out_scale.astype(np.float32) / scale32)).reshape(-1).tolist()))
        if len(exponents) != 1 or not np.isfinite(exponents[0]) or exponents[0] < 0:
            raise self.fail("output scale / scale must round to one power of two 2^s with "
                            f"s >= 0 for all channels (round(log2) gives {exponents[:4]})")
        shift = int(exponents[0])
        op = rpnn.TruncOp.from_params(
            x, x.type, scale=scale32, zero_point=zero_point32, shift=shift,
            out_scale=out_scale.astype(np.float32),
            out_zero_point=np.ldexp(zero_point32, -shift), bits=bits, signed=signed,
            narrow=narrow, rounding=mode)
        self._define(node.output[0], self._emit(op, node.output[0]))

    def _check_param(self, array: np.ndarray, x: SSAValue, what: str) -> None:
        if array.dtype.kind != "f" and array.dtype.kind not in "iu":
            raise self.fail(f"{what} must be float, got {array.dtype}")
        if not np.isfinite(array.astype(np.float64)).all():
            raise self.fail(f"{what} must be finite")
        try:
            shape = np.broadcast_shapes(array.shape, _shape(x))
        except ValueError:
            shape = None
        if shape != _shape(x):
            raise self.fail(f"{what} of shape {list(array.shape)} does not broadcast to the "
                            f"input shape {list(_shape(x))} (per-tensor or per-channel only)")

    def _check_scale(self, scale: np.ndarray, x: SSAValue, what: str) -> None:
        self._check_param(scale, x, what)
        if not (scale.astype(np.float32) > 0).all():
            raise self.fail(f"{what} must be positive")

    def bipolar_quant(self, node: onnx.NodeProto, attrs: dict[str, Any]) -> None:
        x = self._value(node.input[0])
        scale = self._const_input(node, 1, "scale")
        assert scale is not None
        self._check_scale(scale, x, "scale")
        op = rpnn.BipolarQuantOp(
            operands=[x], result_types=[x.type], properties={"scale": _dense_f32(scale)}
        )
        self._define(node.output[0], self._emit(op, node.output[0]))

    def multithreshold(self, node: onnx.NodeProto, attrs: dict[str, Any]) -> None:
        x = self._value(node.input[0])
        thresholds = self._const_input(node, 1, "thresholds")
        assert thresholds is not None
        shape = _shape(x)
        layout = str(attrs.get("data_layout", ""))
        if not layout:
            layout = {2: "NC", 3: "NWC", 4: "NCHW"}.get(len(shape), "")
        if layout:
            if len(layout) != len(shape) or layout.count("C") != 1:
                raise self.fail(f"data_layout '{_printable(layout)}' does not describe the "
                                f"rank-{len(shape)} input (supported: NC, NWC, NCW, NCHW, NHWC)")
            channel_axis = layout.index("C")
        else:
            channel_axis = 1
        if len(shape) < 2 or channel_axis == 0:
            raise self.fail(f"the input needs a channel axis after the batch, got shape "
                            f"{list(shape)} with layout '{layout}'")
        if thresholds.ndim != 2:
            raise self.fail(f"thresholds must be 2-D [C or 1, T], got {list(thresholds.shape)}")
        out_scale = float(attrs.get("out_scale", 1.0))
        out_bias = float(attrs.get("out_bias", 0.0))
        name = node.output[0]
        perm = list(range(len(shape)))
        perm[1], perm[channel_axis] = perm[channel_axis], perm[1]
        if channel_axis != 1:
            x = self._transposed(node.input[0], perm)
        properties: dict[str, Attribute] = {}
        if out_scale != 1.0:
            properties["out_scale"] = FloatAttr(out_scale, f32)
        if out_bias != 0.0:
            properties["out_bias"] = FloatAttr(out_bias, f32)
        thr = self._constant(thresholds.astype(np.float32), f"{name}_thresholds")
        op = rpnn.MultiThresholdOp(operands=[x, thr], result_types=[x.type],
                                   properties=properties)
        y = self._emit(op, name if channel_axis == 1 else None)
        if channel_axis != 1:
            back = rpnn.TransposeOp(operands=[y], result_types=[_f32_tensor(shape)],
                                    properties={"perm": _i64_array(perm)})
            y = self._emit(back, name)
        self._define(name, y)

    # ---- linear ops ------------------------------------------------------------------------

    def _rank(self, name: str) -> int:
        return self.consts[name].ndim if name in self.consts else len(_shape(self.values[name]))

    def _shape_of(self, name: str) -> tuple[int, ...]:
        return tuple(self.consts[name].shape) if name in self.consts else _shape(
            self.values[name]
        )

    def gemm(self, node: onnx.NodeProto, attrs: dict[str, Any]) -> None:
        a, b = node.input[0], node.input[1]
        c = self._input_name(node, 2)
        alpha = float(attrs.get("alpha", 1.0))
        beta = float(attrs.get("beta", 1.0))
        trans_a = self._choice(attrs, "transA", 0, (0, 1))
        trans_b = self._choice(attrs, "transB", 0, (0, 1))
        if self._rank(a) != 2 or self._rank(b) != 2:
            raise self.fail(f"Gemm needs 2-D A and B, got shapes {list(self._shape_of(a))} and "
                            f"{list(self._shape_of(b))}")
        name = node.output[0]
        x = self._transposed(a, (1, 0)) if trans_a else self._value(a)
        w = self._transposed(b, (1, 0)) if trans_b else self._value(b)
        last = alpha == 1.0 and (c is None or beta == 0.0)
        y = self._matmul(x, w, name if last else None,
                         _gemm_kernel(alpha, beta, trans_a, trans_b, c is not None))
        if alpha != 1.0:
            last = c is None or beta == 0.0
            y = self._binary(rpnn.MulOp, y, self._constant(np.float32(alpha)),
                             name if last else None)
        if c is not None and beta != 0.0:
            if c in self.consts:
                bias = self.consts[c].astype(np.float32)
                if beta != 1.0:
                    bias = (np.float32(beta) * bias).astype(np.float32)
                if bias.ndim == 1:
                    bias = bias.reshape(1, -1)
                bias_value = self._constant(bias, f"{name}_bias")
            else:
                bias_value = self._value(c)
                if beta != 1.0:
                    bias_value = self._binary(rpnn.MulOp, bias_value,
                                              self._constant(np.float32(beta)))
            y = self._binary(rpnn.AddOp, y, bias_value, name)
        self._define(name, y)

    def _matmul(self, x: SSAValue, w: SSAValue, hint: str | None,
                kernel: str = "m1") -> SSAValue:
        """An f32 rpnn.matmul, marked with the MLAS kernel onnxruntime runs it with for one
        frame unless it is the default "m1" (`interp.ORT_KERNEL_ATTR`: what
        ``rpnn-streamline{float-tail=onnx}`` needs)."""
        xs, ws = _shape(x), _shape(w)
        if len(ws) != 2 or not xs or xs[-1] != ws[0]:
            raise self.fail(f"cannot multiply shapes {list(xs)} and {list(ws)}")
        attributes = {} if kernel == "m1" else {interp.ORT_KERNEL_ATTR: StringAttr(kernel)}
        op = rpnn.MatMulOp(operands=[x, w], result_types=[_f32_tensor((*xs[:-1], ws[1]))],
                           attributes=attributes)
        return self._emit(op, hint)

    def matmul(self, node: onnx.NodeProto, attrs: dict[str, Any]) -> None:
        a, b = node.input[0], node.input[1]
        if self._rank(b) != 2:
            raise self.fail(f"MatMul is supported with a 2-D right operand [K, M], got shape "
                            f"{list(self._shape_of(b))}")
        if self._rank(a) < 1:
            raise self.fail("MatMul needs an input of rank 1 or more")
        y = self._matmul(self._value(a), self._value(b), node.output[0])
        self._define(node.output[0], y)

    def _window_attributes(self, node: onnx.NodeProto, attrs: dict[str, Any],
                           in_hw: Sequence[int], kernel: Sequence[int]
                           ) -> tuple[list[int], list[int], list[int]]:
        """(strides, dilations, padding [top, left, bottom, right]) of Conv/MaxPool."""
        strides = [int(s) for s in attrs.get("strides", [1, 1])]
        dilations = [int(d) for d in attrs.get("dilations", [1, 1])]
        if len(strides) != 2 or len(dilations) != 2 or min(strides + dilations) < 1:
            raise self.fail(f"strides {strides} and dilations {dilations} must be 2 positive "
                            "values each")
        auto_pad = self._choice(attrs, "auto_pad", "NOTSET",
                                ("NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"))
        if auto_pad == "NOTSET":
            pads = [int(p) for p in attrs.get("pads", [0, 0, 0, 0])]
            if len(pads) != 4 or min(pads) < 0:
                raise self.fail(f"pads {pads} must be 4 non-negative values")
            return strides, dilations, pads
        if "pads" in attrs and any(attrs["pads"]):
            raise self.fail(f"auto_pad={auto_pad} cannot be combined with explicit pads")
        if auto_pad == "VALID":
            return strides, dilations, [0, 0, 0, 0]
        begin, end = [], []
        for size, k, s, d in zip(in_hw, kernel, strides, dilations, strict=True):
            out = -(-size // s)
            total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
            small, large = total // 2, total - total // 2
            begin.append(small if auto_pad == "SAME_UPPER" else large)
            end.append(large if auto_pad == "SAME_UPPER" else small)
        return strides, dilations, [begin[0], begin[1], end[0], end[1]]

    def conv(self, node: onnx.NodeProto, attrs: dict[str, Any]) -> None:
        x_name, w_name = node.input[0], node.input[1]
        b_name = self._input_name(node, 2)
        x_shape, w_shape = self._shape_of(x_name), self._shape_of(w_name)
        if len(x_shape) != 4 or len(w_shape) != 4:
            raise self.fail(f"only 2-D convolutions are supported (NCHW input, OIHW weights), "
                            f"got input {list(x_shape)} and weights {list(w_shape)}")
        kernel = list(w_shape[2:])
        if "kernel_shape" in attrs and list(attrs["kernel_shape"]) != kernel:
            raise self.fail(f"kernel_shape {list(attrs['kernel_shape'])} differs from the "
                            f"weights' {kernel}")
        group = int(attrs.get("group", 1))
        strides, dilations, pads = self._window_attributes(node, attrs, x_shape[2:], kernel)
        if group < 1 or x_shape[1] % group or w_shape[0] % group or w_shape[1] * group != x_shape[
            1
        ]:
            raise self.fail(f"group={group} does not match input channels {x_shape[1]} and "
                            f"weights {list(w_shape)}")
        oh = _window_out(x_shape[2], kernel[0], strides[0], pads[0] + pads[2], dilations[0])
        ow = _window_out(x_shape[3], kernel[1], strides[1], pads[1] + pads[3], dilations[1])
        name = node.output[0]
        op = rpnn.Conv2dOp(
            operands=[self._value(x_name), self._value(w_name)],
            result_types=[_f32_tensor((x_shape[0], w_shape[0], oh, ow))],
            properties={
                "stride": _i64_array(strides),
                "padding": _i64_array(pads),
                "dilation": _i64_array(dilations),
                "groups": IntegerAttr(group, i64),
            },
        )
        y = self._emit(op, name if b_name is None else None)
        if b_name is not None:
            if self._shape_of(b_name) != (w_shape[0],):
                raise self.fail(f"bias must have shape [{w_shape[0]}], got "
                                f"{list(self._shape_of(b_name))}")
            bias = self._reshaped(b_name, (1, w_shape[0], 1, 1), f"{name}_bias")
            y = self._binary(rpnn.AddOp, y, bias, name)
        self._define(name, y)

    # ---- other graph ops -------------------------------------------------------------------

    def batchnorm(self, node: onnx.NodeProto, attrs: dict[str, Any]) -> None:
        self._only_first_output_used(node, " (Y)")
        if attrs.get("training_mode", 0):
            raise self.fail("training_mode=1 is not supported (inference only)")
        if attrs.get("spatial", 1) != 1:
            raise self.fail("spatial=0 is not supported")
        x = self._value(node.input[0])
        shape = _shape(x)
        if len(shape) < 2:
            raise self.fail(f"the input needs a channel axis, got shape {list(shape)}")
        channels = shape[1]
        props: dict[str, Attribute] = {}
        for index, key in enumerate(("scale", "bias", "mean", "var"), start=1):
            array = self._const_input(node, index, key)
            assert array is not None
            if array.size == 1 and channels != 1:
                array = np.broadcast_to(array.reshape(()), (channels,))
            if array.shape != (channels,):
                raise self.fail(f"{key} must have shape [{channels}], got {list(array.shape)}")
            props[key] = _dense_f32(array)
        epsilon = float(attrs.get("epsilon", 1e-5))
        var = dtypes.dense_to_numpy(props["var"]).astype(np.float64)
        if np.any(var + epsilon <= 0):
            raise self.fail("var + epsilon must be positive")
        props["epsilon"] = FloatAttr(epsilon, f32)
        op = rpnn.BatchNormOp(operands=[x], result_types=[x.type], properties=props)
        self._define(node.output[0], self._emit(op, node.output[0]))

    def relu(self, node: onnx.NodeProto, attrs: dict[str, Any]) -> None:
        x = self._value(node.input[0])
        op = rpnn.ReluOp(operands=[x], result_types=[x.type])
        self._define(node.output[0], self._emit(op, node.output[0]))

    def maxpool(self, node: onnx.NodeProto, attrs: dict[str, Any]) -> None:
        self._only_first_output_used(node, " (Y; Indices is not)")
        x = self._value(node.input[0])
        shape = _shape(x)
        if len(shape) != 4:
            raise self.fail(f"only 2-D max pooling on NCHW is supported, got input "
                            f"{list(shape)}")
        if attrs.get("ceil_mode", 0):
            raise self.fail("ceil_mode=1 is not supported (supported: ceil_mode=0)")
        kernel = [int(k) for k in attrs.get("kernel_shape", [])]
        if len(kernel) != 2 or min(kernel) < 1:
            raise self.fail(f"kernel_shape must be 2 positive values, got {kernel}")
        strides, dilations, pads = self._window_attributes(node, attrs, shape[2:], kernel)
        if dilations != [1, 1]:
            raise self.fail(f"dilations {dilations} are not supported (supported: [1, 1])")
        oh = _window_out(shape[2], kernel[0], strides[0], pads[0] + pads[2], 1)
        ow = _window_out(shape[3], kernel[1], strides[1], pads[1] + pads[3], 1)
        op = rpnn.MaxPoolOp(
            operands=[x], result_types=[_f32_tensor((shape[0], shape[1], oh, ow))],
            properties={"kernel": _i64_array(kernel), "stride": _i64_array(strides),
                        "padding": _i64_array(pads)},
        )
        self._define(node.output[0], self._emit(op, node.output[0]))

    def flatten(self, node: onnx.NodeProto, attrs: dict[str, Any]) -> None:
        shape = self._shape_of(node.input[0])
        axis = _flatten_axis(int(attrs.get("axis", 1)), len(shape))
        target = (_prod(shape[:axis]), _prod(shape[axis:]))
        self._define(node.output[0], self._reshaped(node.input[0], target, node.output[0]))

    def reshape(self, node: onnx.NodeProto, attrs: dict[str, Any]) -> None:
        target = self._const_input(node, 1, "shape")
        assert target is not None
        shape = _onnx_reshape_target(self._shape_of(node.input[0]), target,
                                     int(attrs.get("allowzero", 0)))
        self._define(node.output[0], self._reshaped(node.input[0], shape, node.output[0]))

    def transpose(self, node: onnx.NodeProto, attrs: dict[str, Any]) -> None:
        rank = self._rank(node.input[0])
        perm = [int(p) for p in attrs.get("perm", range(rank - 1, -1, -1))]
        if sorted(perm) != list(range(rank)):
            raise self.fail(f"perm {perm} is not a permutation of {rank} axes")
        self._define(node.output[0], self._transposed(node.input[0], perm, node.output[0]))

    def identity(self, node: onnx.NodeProto, attrs: dict[str, Any]) -> None:
        if node.op_type == "Dropout":
            self._check_dropout(node)
        self._define(node.output[0], self._value(node.input[0]))

    def _check_dropout(self, node: onnx.NodeProto) -> None:
        self._only_first_output_used(node, " (output; the mask is not)")
        mode = self._const_input(node, 2, "training_mode", optional=True)
        if mode is not None and bool(np.asarray(mode).reshape(-1)[0]):
            raise self.fail("training_mode=true is not supported (inference only)")

    def constant(self, node: onnx.NodeProto, attrs: dict[str, Any]) -> None:
        if len(attrs) != 1:
            raise self.fail("Constant needs exactly one value attribute")
        key, value = next(iter(attrs.items()))
        if key == "value":
            array = numpy_helper.to_array(value)
        elif key in ("value_float", "value_floats"):
            array = np.array(value, dtype=np.float32)
        elif key in ("value_int", "value_ints"):
            array = np.array(value, dtype=np.int64)
        else:
            raise self.fail(f"Constant attribute '{key}' is not supported (supported: value, "
                            "value_float(s), value_int(s))")
        self._define_const(node.output[0], array)

    def shape(self, node: onnx.NodeProto, attrs: dict[str, Any]) -> None:
        dims = np.array(self._shape_of(node.input[0]), dtype=np.int64)
        start = int(attrs.get("start", 0))
        end = attrs.get("end")
        self._define_const(node.output[0], dims[start: None if end is None else int(end)])

    def _binary(self, op_type: type[rpnn.AddOp] | type[rpnn.MulOp] | type[rpnn.DivOp],
                lhs: SSAValue,
                rhs: SSAValue, hint: str | None = None) -> SSAValue:
        shape = np.broadcast_shapes(_shape(lhs), _shape(rhs))
        op = op_type(operands=[lhs, rhs], result_types=[_f32_tensor(shape)])
        return self._emit(op, hint)

    def arithmetic(self, node: onnx.NodeProto, attrs: dict[str, Any]) -> None:
        """Add, Sub, Mul, Div with at least one non-constant operand (else folded)."""
        a, b = node.input[0], node.input[1]
        name = node.output[0]
        op_type = node.op_type
        a_const, b_const = self.consts.get(a), self.consts.get(b)
        for operand in (a_const, b_const):
            if operand is not None and operand.dtype.kind != "f":
                raise self.fail(f"{op_type} of a float tensor with a {operand.dtype} constant "
                                "is not supported")
        if op_type == "Div":
            if b_const is None:
                raise self.fail("Div is supported only by a constant divisor (x / c)")
            if not np.all(b_const != 0):
                raise self.fail("division by zero")
            y = self._binary(rpnn.DivOp, self._value(a),
                             self._constant(b_const.astype(np.float32)), name)
        elif op_type == "Sub":
            if b_const is not None:
                negated = np.negative(b_const.astype(np.float32))
                y = self._binary(rpnn.AddOp, self._value(a), self._constant(negated), name)
            else:
                minus = self._binary(rpnn.MulOp, self._value(b),
                                     self._constant(np.float32(-1.0)))
                y = self._binary(rpnn.AddOp, self._value(a), minus, name)
        else:
            op_class = rpnn.AddOp if op_type == "Add" else rpnn.MulOp
            if a_const is not None and b_const is None:
                a, b = b, a  # keep the tensor on the left (both ops commute exactly)
            y = self._binary(op_class, self._value(a), self._value(b), name)
        self._define(name, y)

    def _index_type(self, length: int) -> Attribute:
        return dtypes.narrowest_int_type(0, max(length - 1, 0))

    def _topk(self, x: SSAValue, k: int, hint: str | None) -> SSAValue:
        shape = _shape(x)
        length = shape[-1]
        if not 1 <= k <= length:
            raise self.fail(f"k={k} must be between 1 and the last dimension ({length})")
        op = rpnn.TopKOp(
            operands=[x],
            result_types=[TensorType(self._index_type(length), [*shape[:-1], k])],
            properties={"k": IntegerAttr(k, i64)},
        )
        return self._emit(op, hint)

    def argmax(self, node: onnx.NodeProto, attrs: dict[str, Any]) -> None:
        x = self._value(node.input[0])
        shape = _shape(x)
        axis = _normalize_axis(int(attrs.get("axis", 0)), len(shape))
        if axis != len(shape) - 1:
            raise self.fail(f"ArgMax over axis {axis} is not supported (supported: the last "
                            f"axis, {len(shape) - 1} or -1)")
        if attrs.get("select_last_index", 0):
            raise self.fail("select_last_index=1 is not supported (supported: 0)")
        keepdims = self._choice(attrs, "keepdims", 1, (0, 1))
        name = node.output[0]
        y = self._topk(x, 1, name if keepdims else None)
        if not keepdims:
            typ = y.type
            assert isinstance(typ, TensorType)
            op = rpnn.ReshapeOp(operands=[y],
                                result_types=[TensorType(typ.element_type, list(shape[:-1]))])
            y = self._emit(op, name)
        self._define(name, y)

    def topk(self, node: onnx.NodeProto, attrs: dict[str, Any]) -> None:
        x = self._value(node.input[0])
        shape = _shape(x)
        k_array = self._const_input(node, 1, "K")
        assert k_array is not None
        if k_array.size != 1:
            raise self.fail(f"K must hold one value, got {list(k_array.shape)}")
        axis = _normalize_axis(int(attrs.get("axis", -1)), len(shape))
        if axis != len(shape) - 1:
            raise self.fail(f"TopK over axis {axis} is not supported (supported: the last axis)")
        self._choice(attrs, "largest", 1, (1,))
        self._choice(attrs, "sorted", 1, (0, 1))  # sorted order is a valid unsorted order
        values = node.output[0]
        if values and self.consumers[values]:
            raise self.fail("the Values output of TopK is used; only Indices is supported")
        if len(node.output) < 2 or not node.output[1]:
            raise self.fail("TopK has no Indices output")
        name = node.output[1]
        self._define(name, self._topk(x, int(k_array.reshape(-1)[0]), name))


def _f32_like(value: SSAValue, shape: Sequence[int]) -> TensorType:
    typ = value.type
    assert isinstance(typ, TensorType)
    return TensorType(typ.element_type, [int(d) for d in shape])


def _constant_value(node: onnx.NodeProto) -> np.ndarray:
    """The tensor of a `Constant` node's ``value`` attribute (else ValueError)."""
    for attr in node.attribute:
        if attr.name == "value" and attr.HasField("t"):
            return numpy_helper.to_array(attr.t)
    raise ValueError("Constant without a tensor value")


def _describe(node: onnx.NodeProto, index: int) -> str:
    """`node 'conv1' (Conv)`, or by position and first output when the node has no name."""
    op = _printable(node.op_type, 40)
    if node.name:
        return f"node '{_printable(node.name)}' ({op})"
    output = f", output '{_printable(node.output[0])}'" if node.output else ""
    return f"node #{index} ({op}{output})"


_Handler = Callable[[_Importer, onnx.NodeProto, dict[str, Any]], None]

_QONNX_HANDLERS: dict[str, _Handler] = {
    "Quant": _Importer.quant,
    "IntQuant": _Importer.quant,
    "BipolarQuant": _Importer.bipolar_quant,
    "Trunc": _Importer.trunc,
    "MultiThreshold": _Importer.multithreshold,
}

_HANDLERS: dict[str, _Handler] = {
    "Gemm": _Importer.gemm,
    "MatMul": _Importer.matmul,
    "Conv": _Importer.conv,
    "BatchNormalization": _Importer.batchnorm,
    "Relu": _Importer.relu,
    "MaxPool": _Importer.maxpool,
    "Flatten": _Importer.flatten,
    "Reshape": _Importer.reshape,
    "Transpose": _Importer.transpose,
    "Add": _Importer.arithmetic,
    "Sub": _Importer.arithmetic,
    "Mul": _Importer.arithmetic,
    "Div": _Importer.arithmetic,
    "Identity": _Importer.identity,
    "Dropout": _Importer.identity,
    "Constant": _Importer.constant,
    "ArgMax": _Importer.argmax,
    "TopK": _Importer.topk,
    "Shape": _Importer.shape,
}


# --------------------------------------------------------------------------- entry point


_FUNCTION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_$.\-]{0,127}")


def from_onnx(model: str | os.PathLike[str] | onnx.ModelProto, *,
              function_name: str = "main") -> ModuleOp:
    """Import an ONNX/QONNX model (a path or a `ModelProto`) as a graph-level rpnn module.

    Raises `OnnxImportError` (a one-line message) for a file that cannot be read, a
    malformed model, or an op or attribute the importer does not support.
    """
    if not isinstance(function_name, str):
        raise TypeError(f"from_onnx: 'function_name' must be a str, not "
                        f"{type(function_name).__name__}")
    if not _FUNCTION_NAME.fullmatch(function_name):
        raise ValueError(f"from_onnx: function_name '{_printable(function_name)}' must be a "
                         "symbol name ([A-Za-z_][A-Za-z0-9_$.-]*)")
    if isinstance(model, onnx.ModelProto):
        _check_strings(model, "model")
        source = f"model '{_printable(model.graph.name)}'" if model.graph.name else "model"
        if model.ir_version <= 0 or not model.HasField("graph"):
            raise OnnxImportError(f"{source}: not an ONNX model (no IR version or no graph)")
        _check_external_data(model, None, source)
        _check_model(model, source)
    elif isinstance(model, str | os.PathLike):
        source = f"'{_printable_path(os.fspath(model))}'"
        model = load_onnx(model)
    else:
        raise TypeError(f"from_onnx: 'model' must be a path or an onnx.ModelProto, not "
                        f"{type(model).__name__}")
    importer = _Importer(
        model, source, lambda shapes: _infer_shapes(model, shapes, source)
    )
    return importer.convert(function_name)
