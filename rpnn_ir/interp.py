"""Reference semantics of every rpnn op, in numpy: the oracle every other part is tested against.

Values are numpy arrays whose leading axis is the batch:
- f32 tensors are held as `float64` arrays: graph-level arithmetic is real arithmetic on the
  f32 constants, carried in float64 (exact for the dyadic values quantized networks mostly
  hold), so that streamlining into integer thresholds can be exact.  `run` returns f32
  results as `float32`.
- Integer tensors (`siN`, `uiN`, `!rpnn.bipolar` as -1/+1) are `int64` arrays holding the
  exact values.  Every integer result is checked against its element type: a value outside
  it raises `OverflowInIR` naming the op, because hardware would silently wrap there.
- Streams are arrays of shape (frames, *stream shape): the word structure does not change
  values, only how hardware moves them (docs/semantics.md, "Streams").

`run(module, inputs)` executes a module's function.  A function whose arguments have a
leading dimension of 1 also accepts any batch size N there; every tensor then carries N
frames on axis 0.

A function with the attribute ``rpnn.float_tail = "onnx"`` (set by
``rpnn-streamline{float-tail=onnx}``) evaluates its f32 ops the way onnxruntime's CPU kernels
and qonnx's executor do, frame by frame: every result is rounded to f32, products of
matrices follow MLAS's single-row kernels, batch norm ORT's formula, quantizers qonnx's f32
arithmetic (docs/semantics.md, "ONNX float semantics").  The integer ops are the same in
both modes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.ir import Attribute, Operation, SSAValue

from rpnn_ir import dtypes
from rpnn_ir.dialects import rpnn

Impl = Callable[[Operation, list[np.ndarray]], list[np.ndarray]]
_IMPLS: dict[type[Operation], Impl] = {}
_ONNX_IMPLS: dict[type[Operation], Impl] = {}
"""The f32 semantics of onnxruntime / qonnx, used in functions marked FLOAT_TAIL_ATTR."""

FLOAT_TAIL_ATTR = "rpnn.float_tail"
"""Function attribute: "onnx" selects `_ONNX_IMPLS` for f32 ops (see the module docstring)."""
FLOAT_TAILS = ("real", "onnx")

ORT_KERNEL_ATTR = "rpnn.ort_kernel"
"""Attribute of an f32 `rpnn.matmul` naming the onnxruntime (MLAS) kernel that computes it
for one frame: "m1" (ONNX MatMul, or Gemm with transB = 0 and no bias: B read row by row),
"m1_transposed_b" (Gemm with transB = 1), "general" (Gemm with alpha != 1, transA = 1, or
transB = 0 with a bias: a kernel rpnn does not reproduce).  Absent: "m1"."""
ORT_KERNELS = ("m1", "m1_transposed_b", "general")

_EXACT_F64 = 2**52
"""Integer dot products whose worst-case magnitude stays below this are exact in float64."""
_EXACT_F32 = 2**24
"""... and below this in float32."""


class InterpreterError(Exception):
    """The IR cannot be executed (unsupported op, bad input shape or type)."""


class OverflowInIR(InterpreterError):
    """An integer result does not fit its declared element type."""


def _impl(*op_types: type[Operation], onnx: bool = False) -> Callable[[Impl], Impl]:
    """Register the semantics of `op_types` (`onnx`: their ONNX float semantics)."""
    table = _ONNX_IMPLS if onnx else _IMPLS

    def register(function: Impl) -> Impl:
        for op_type in op_types:
            table[op_type] = function
        return function

    return register


def _where(op: Operation) -> str:
    """`rpnn.mvtu (%3)`: the op and the name of its first result, for error messages."""
    if op.results and op.results[0].name_hint:
        return f"{op.name} (%{op.results[0].name_hint})"
    return op.name


def _element_type(value: SSAValue) -> Attribute:
    typ = value.type
    assert isinstance(typ, TensorType | rpnn.StreamType)
    return typ.element_type


def _check_fits(op: Operation, value: SSAValue, array: np.ndarray) -> np.ndarray:
    """Raise if an integer result leaves its element type; return it unchanged."""
    element_type = _element_type(value)
    if dtypes.is_integer_like(element_type) and not dtypes.fits(element_type, array):
        lo, hi = dtypes.element_range(element_type)
        bad = array[(array < lo) | (array > hi)] if not dtypes.is_bipolar(element_type) else (
            array[np.abs(array) != 1]
        )
        raise OverflowInIR(
            f"{_where(op)}: value {int(bad.flat[0])} is outside "
            f"{dtypes.type_str(element_type)} [{lo}, {hi}]"
        )
    return array


def _as_result(value: SSAValue, array: np.ndarray) -> np.ndarray:
    """float64 for f32 results (see the module docstring), int64 for integer-like ones."""
    if dtypes.is_float(_element_type(value)):
        return np.asarray(array, dtype=np.float64)
    return np.asarray(array, dtype=np.int64)


# --------------------------------------------------------------------------- arithmetic


def exact_matmul(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """x[..., K] @ w[K, M] on integers, exactly (float32 or float64 BLAS when no rounding
    can occur: the bound on |x| * |w| * K bounds every partial sum)."""
    bound = int(np.abs(x).max(initial=0)) * int(np.abs(w).max(initial=0)) * w.shape[0]
    if bound >= 2**62:
        raise InterpreterError(f"dot product bound {bound} exceeds 64-bit integers")
    rows = x.reshape(-1, x.shape[-1])  # one 2-D product: BLAS instead of a loop over stacks
    if bound < _EXACT_F32:  # every partial sum an integer float32 holds exactly
        acc = (rows.astype(np.float32) @ w.astype(np.float32)).astype(np.int64)
    elif bound < _EXACT_F64:
        acc = np.rint(rows.astype(np.float64) @ w.astype(np.float64)).astype(np.int64)
    else:
        acc = rows.astype(np.int64) @ w.astype(np.int64)
    return acc.reshape(*x.shape[:-1], w.shape[1])


def _matmul(x: np.ndarray, w: np.ndarray, integer: bool) -> np.ndarray:
    if integer:
        return exact_matmul(x, w)
    rows = x.reshape(-1, x.shape[-1]).astype(np.float64)
    return (rows @ w.astype(np.float64)).reshape(*x.shape[:-1], w.shape[1])


def round_mode(v: np.ndarray, mode: str) -> np.ndarray:
    """QONNX rounding modes on float64 values, exact at ties (docs/semantics.md)."""
    if mode in ("ROUND", "HALF_EVEN"):
        return np.round(v)
    if mode == "CEIL":
        return np.ceil(v)
    if mode == "FLOOR":
        return np.floor(v)
    if mode == "UP":  # away from zero
        return np.sign(v) * np.ceil(np.abs(v))
    if mode == "DOWN":  # toward zero
        return np.trunc(v)
    nearest = np.floor(np.abs(v))
    frac = np.abs(v) - nearest  # exact: |v| and floor(|v|) share the exponent range
    if mode == "HALF_UP":  # ties away from zero
        return np.sign(v) * np.where(frac >= 0.5, nearest + 1, nearest)
    if mode == "HALF_DOWN":  # ties toward zero
        return np.sign(v) * np.where(frac > 0.5, nearest + 1, nearest)
    raise InterpreterError(f"unknown rounding mode {mode}")


def quantize(x: np.ndarray, op: rpnn.QuantOp, onnx: bool = False) -> np.ndarray:
    """The integer q - zero_point of `rpnn.quant` (float64 array of integral values).

    `onnx`: v = x / scale + zero_point in f32 and qonnx's f32 HALF_UP / HALF_DOWN formulas,
    as qonnx's executor computes Quant (the other modes give the same on the f32 value)."""
    if onnx:
        scale = dtypes.dense_to_numpy(op.scale).astype(np.float32)
        zero_point = dtypes.dense_to_numpy(op.zero_point).astype(np.float32)
        v = np.float32(x) / scale + zero_point
    else:
        scale = dtypes.dense_to_numpy(op.scale).astype(np.float64)
        zero_point = dtypes.dense_to_numpy(op.zero_point).astype(np.float64)
        v = x.astype(np.float64) / scale + zero_point
    if op.bit_width.value.data == 1 and op.signed:
        q = np.where(v >= 0, 1.0, -1.0)
    else:
        lo, hi = op.int_range()
        mode = op.rounding_mode.data
        v = np.clip(v, lo, hi)
        if onnx and mode == "HALF_UP":  # qonnx: sign(v) * floor(|v| + 0.5), the sum in f32
            q = np.sign(v) * np.floor(np.abs(v) + np.float32(0.5))
        elif onnx and mode == "HALF_DOWN":  # qonnx: sign(v) * ceil(|v| - 0.5)
            q = np.sign(v) * np.ceil(np.abs(v) - np.float32(0.5))
        else:
            q = round_mode(v.astype(np.float64), mode)
    return np.asarray(q, dtype=np.float64) - zero_point.astype(np.float64)


def count_thresholds(x: np.ndarray, thresholds: np.ndarray, axis: int) -> np.ndarray:
    """Number of thresholds[c] <= x for channel c on `axis` (thresholds [C or 1, T])."""
    x_last = np.moveaxis(x, axis, -1)
    rows = np.sort(thresholds, axis=1)
    counts = np.empty(x_last.shape, dtype=np.int64)
    for c in range(x_last.shape[-1]):
        row = rows[c if rows.shape[0] > 1 else 0]
        counts[..., c] = np.searchsorted(row, x_last[..., c], side="right")
    return np.moveaxis(counts, -1, axis)


def windows(x: np.ndarray, kernel: Sequence[int], stride: Sequence[int],
            axes: tuple[int, int]) -> np.ndarray:
    """Sliding windows over two spatial axes; the window axes are appended (kh, kw)."""
    view = np.lib.stride_tricks.sliding_window_view(x, tuple(kernel), axis=axes)
    index = [slice(None)] * x.ndim
    index[axes[0]] = slice(None, None, stride[0])
    index[axes[1]] = slice(None, None, stride[1])
    return view[tuple(index)]


def _pad_nchw(x: np.ndarray, padding: Sequence[int], value: float) -> np.ndarray:
    top, left, bottom, right = padding
    return np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), constant_values=value)


def conv2d_nchw(x: np.ndarray, w: np.ndarray, stride: Sequence[int], padding: Sequence[int],
                dilation: Sequence[int], groups: int, integer: bool) -> np.ndarray:
    """Grouped 2-D convolution by im2col and one matmul per group."""
    xp = _pad_nchw(x, padding, 0)
    out_c, c_per_group, kh, kw = w.shape
    eff = ((kh - 1) * dilation[0] + 1, (kw - 1) * dilation[1] + 1)
    view = windows(xp, eff, stride, (2, 3))[..., :: dilation[0], :: dilation[1]]
    # view: [N, C, OH, OW, KH, KW] -> per group [N, OH, OW, Cg*KH*KW]
    n, _, oh, ow = view.shape[:4]
    outs = []
    o_per_group = out_c // groups
    for g in range(groups):
        cols = view[:, g * c_per_group:(g + 1) * c_per_group]
        cols = cols.transpose(0, 2, 3, 1, 4, 5).reshape(n, oh, ow, -1)
        wg = w[g * o_per_group:(g + 1) * o_per_group].reshape(o_per_group, -1).T
        outs.append(_matmul(cols, wg, integer))
    return np.concatenate(outs, axis=-1).transpose(0, 3, 1, 2)


def _threshold_output(counts: np.ndarray, out_type: Attribute, scale: float,
                      bias: float) -> np.ndarray:
    if dtypes.is_float(out_type):
        return counts * scale + bias
    return counts * int(scale) + int(bias)


# --------------------------------------------------------------------------- graph level


@_impl(rpnn.ConstantOp)
def _constant(op: rpnn.ConstantOp, args: list[np.ndarray]) -> list[np.ndarray]:
    values = dtypes.dense_to_numpy(op.value)
    return [_as_result(op.output, values)]


@_impl(rpnn.QuantOp)
def _quant(op: rpnn.QuantOp, args: list[np.ndarray]) -> list[np.ndarray]:
    q = quantize(args[0], op)
    if dtypes.is_float(_element_type(op.output)):
        return [_as_result(op.output, q * dtypes.dense_to_numpy(op.scale).astype(np.float64))]
    return [_as_result(op.output, q)]


@_impl(rpnn.TruncOp)
def _trunc(op: rpnn.TruncOp, args: list[np.ndarray]) -> list[np.ndarray]:
    def param(attr) -> np.ndarray:
        return dtypes.dense_to_numpy(attr).astype(np.float64)

    q = np.round(args[0].astype(np.float64) / param(op.scale) + param(op.zero_point))
    y = np.ldexp(q, -op.shift.value.data)  # q / 2^shift, exact
    bounds = op.clamp_range()
    if bounds is not None:
        y = np.clip(y, *bounds)
    y = round_mode(y, op.rounding_mode.data)
    return [_as_result(op.output, (y - param(op.out_zero_point)) * param(op.out_scale))]


@_impl(rpnn.BipolarQuantOp)
def _bipolar_quant(op: rpnn.BipolarQuantOp, args: list[np.ndarray]) -> list[np.ndarray]:
    signs = np.where(args[0] >= 0, 1.0, -1.0)
    if dtypes.is_bipolar(_element_type(op.output)):
        return [_as_result(op.output, signs)]
    return [_as_result(op.output, signs * dtypes.dense_to_numpy(op.scale).astype(np.float64))]


@_impl(rpnn.MatMulOp)
def _matmul_op(op: rpnn.MatMulOp, args: list[np.ndarray]) -> list[np.ndarray]:
    integer = not dtypes.is_float(_element_type(op.output))
    return [_as_result(op.output, _matmul(args[0], args[1], integer))]


@_impl(rpnn.Conv2dOp)
def _conv2d(op: rpnn.Conv2dOp, args: list[np.ndarray]) -> list[np.ndarray]:
    integer = not dtypes.is_float(_element_type(op.output))
    out = conv2d_nchw(args[0], args[1], rpnn._ints(op.stride), rpnn._ints(op.padding),
                      rpnn._ints(op.dilation), op.groups.value.data, integer)
    return [_as_result(op.output, out)]


@_impl(rpnn.AddOp)
def _add(op: rpnn.AddOp, args: list[np.ndarray]) -> list[np.ndarray]:
    if dtypes.is_float(_element_type(op.output)):
        return [_as_result(op.output, args[0].astype(np.float64) + args[1])]
    return [_as_result(op.output, args[0] + args[1])]


@_impl(rpnn.MulOp)
def _mul(op: rpnn.MulOp, args: list[np.ndarray]) -> list[np.ndarray]:
    if dtypes.is_float(_element_type(op.output)):
        return [_as_result(op.output, args[0].astype(np.float64) * args[1])]
    return [_as_result(op.output, args[0] * args[1])]


@_impl(rpnn.DivOp)
def _div(op: rpnn.DivOp, args: list[np.ndarray]) -> list[np.ndarray]:
    return [_as_result(op.output, args[0].astype(np.float64) / args[1])]


def _per_channel(attr, ndim: int) -> np.ndarray:
    """A [C] vector shaped to broadcast over axis 1 of an ndim-D tensor, in float64."""
    return dtypes.dense_to_numpy(attr).astype(np.float64).reshape((1, -1) + (1,) * (ndim - 2))


@_impl(rpnn.BatchNormOp)
def _batchnorm(op: rpnn.BatchNormOp, args: list[np.ndarray]) -> list[np.ndarray]:
    n = args[0].ndim
    factor = _per_channel(op.scale, n) / np.sqrt(_per_channel(op.var, n) + op.epsilon.value.data)
    y = (args[0] - _per_channel(op.mean, n)) * factor + _per_channel(op.bias, n)
    return [_as_result(op.output, y)]


@_impl(rpnn.ReluOp)
def _relu(op: rpnn.ReluOp, args: list[np.ndarray]) -> list[np.ndarray]:
    return [_as_result(op.output, np.maximum(args[0], 0))]


def _lowest(x: np.ndarray) -> float | int:
    return -np.inf if x.dtype.kind == "f" else np.iinfo(np.int64).min


@_impl(rpnn.MaxPoolOp)
def _maxpool(op: rpnn.MaxPoolOp, args: list[np.ndarray]) -> list[np.ndarray]:
    x = _pad_nchw(args[0], rpnn._ints(op.padding), _lowest(args[0]))
    view = windows(x, rpnn._ints(op.kernel), rpnn._ints(op.stride), (2, 3))
    return [_as_result(op.output, view.max(axis=(-2, -1)))]


def _batched_shape(x: np.ndarray, declared_in: Sequence[int],
                   declared_out: Sequence[int]) -> tuple[int, ...]:
    """The result shape with the batch scaled like the input's (declared batch -> actual)."""
    frames = x.shape[0] // declared_in[0] if declared_in and declared_in[0] else 1
    return (declared_out[0] * frames, *declared_out[1:]) if declared_out else ()


@_impl(rpnn.ReshapeOp)
def _reshape(op: rpnn.ReshapeOp, args: list[np.ndarray]) -> list[np.ndarray]:
    shape = _batched_shape(args[0], rpnn._shape(op.input), rpnn._shape(op.output))
    return [args[0].reshape(shape)]


@_impl(rpnn.TransposeOp)
def _transpose(op: rpnn.TransposeOp, args: list[np.ndarray]) -> list[np.ndarray]:
    return [np.ascontiguousarray(args[0].transpose(rpnn._ints(op.perm)))]


@_impl(rpnn.MultiThresholdOp)
def _multithreshold(op: rpnn.MultiThresholdOp, args: list[np.ndarray]) -> list[np.ndarray]:
    counts = count_thresholds(args[0], args[1], axis=1)
    out = _threshold_output(counts, _element_type(op.output), op.scale_value, op.bias_value)
    return [_as_result(op.output, out)]


@_impl(rpnn.ScaleBiasOp)
def _scale_bias(op: rpnn.ScaleBiasOp, args: list[np.ndarray]) -> list[np.ndarray]:
    scale = dtypes.dense_to_numpy(op.scale).astype(np.float64)
    bias = dtypes.dense_to_numpy(op.bias).astype(np.float64)
    return [_as_result(op.output, args[0].astype(np.float64) * scale + bias)]


def top_k(x: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest values on the last axis, largest first, ties: lower index."""
    keys = -x.astype(np.float64) if x.dtype.kind == "f" else -x
    return np.argsort(keys, axis=-1, kind="stable")[..., :k]


@_impl(rpnn.TopKOp)
def _topk(op: rpnn.TopKOp, args: list[np.ndarray]) -> list[np.ndarray]:
    return [_as_result(op.output, top_k(args[0], op.k.value.data))]


# --------------------------------------------------------------------------- dataflow level


@_impl(rpnn.TensorToStreamOp, rpnn.StreamToTensorOp, rpnn.FIFOOp)
def _identity(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    return [args[0]]


@_impl(rpnn.DWCOp)
def _dwc(op: rpnn.DWCOp, args: list[np.ndarray]) -> list[np.ndarray]:
    return [args[0].reshape(args[0].shape[0], *rpnn._shape(op.output))]


@_impl(rpnn.MVTUOp)
def _mvtu(op: rpnn.MVTUOp, args: list[np.ndarray]) -> list[np.ndarray]:
    acc = exact_matmul(args[0], args[1])
    return [_compute_unit_output(op, acc, args)]


@_impl(rpnn.DepthwiseOp)
def _depthwise(op: rpnn.DepthwiseOp, args: list[np.ndarray]) -> list[np.ndarray]:
    x, w = args[0], args[1]
    channels, taps = w.shape
    x = x.reshape(*x.shape[:-1], taps, channels)
    acc = np.einsum("...kc,ck->...c", x.astype(np.int64), w.astype(np.int64))
    return [_compute_unit_output(op, acc, args)]


def _compute_unit_output(op: rpnn._ComputeUnit, acc: np.ndarray,
                         args: list[np.ndarray]) -> np.ndarray:
    """Accumulator checked against acc_type, then thresholded if the unit has thresholds."""
    if not dtypes.fits(op.acc_type, acc):
        lo, hi = dtypes.element_range(op.acc_type)
        worst = int(acc.max()) if acc.max() > hi else int(acc.min())
        raise OverflowInIR(f"{_where(op)}: accumulator value {worst} is outside "
                           f"{dtypes.type_str(op.acc_type)} [{lo}, {hi}]")
    if op.thresholds is None:
        return acc
    return _threshold_stream(op, acc, args[2], op.bias_value)


def _threshold_stream(op: Operation, x: np.ndarray, thresholds: np.ndarray,
                      bias: int) -> np.ndarray:
    """Channels-last thresholding; a bipolar output maps 0/1 crossings to -1/+1."""
    counts = count_thresholds(x, thresholds, axis=-1)
    if dtypes.is_bipolar(_element_type(op.results[0])):
        return 2 * counts - 1
    return counts + bias


@_impl(rpnn.ThresholdingOp)
def _thresholding(op: rpnn.ThresholdingOp, args: list[np.ndarray]) -> list[np.ndarray]:
    return [_threshold_stream(op, args[0], args[1], op.bias_value)]


@_impl(rpnn.SWGOp)
def _swg(op: rpnn.SWGOp, args: list[np.ndarray]) -> list[np.ndarray]:
    view = windows(args[0], rpnn._ints(op.kernel), rpnn._ints(op.stride), (1, 2))
    # view: [N, OH, OW, C, KH, KW] -> [N, OH, OW, KH, KW, C]
    n, oh, ow = view.shape[:3]
    return [view.transpose(0, 1, 2, 4, 5, 3).reshape(n, oh, ow, -1)]


@_impl(rpnn.StreamMaxPoolOp)
def _stream_maxpool(op: rpnn.StreamMaxPoolOp, args: list[np.ndarray]) -> list[np.ndarray]:
    view = windows(args[0], rpnn._ints(op.kernel), rpnn._ints(op.stride), (1, 2))
    return [view.max(axis=(-2, -1))]


@_impl(rpnn.DuplicateOp)
def _duplicate(op: rpnn.DuplicateOp, args: list[np.ndarray]) -> list[np.ndarray]:
    return [args[0]] * len(op.outputs)


@_impl(rpnn.AddStreamsOp)
def _add_streams(op: rpnn.AddStreamsOp, args: list[np.ndarray]) -> list[np.ndarray]:
    return [args[0] + args[1]]


@_impl(rpnn.LabelSelectOp)
def _label_select(op: rpnn.LabelSelectOp, args: list[np.ndarray]) -> list[np.ndarray]:
    return [top_k(args[0], op.k.value.data)]


@_impl(rpnn.PadOp)
def _pad(op: rpnn.PadOp, args: list[np.ndarray]) -> list[np.ndarray]:
    top, left, bottom, right = rpnn._ints(op.padding)
    widths = ((0, 0), (top, bottom), (left, right), (0, 0))
    return [np.pad(args[0], widths, constant_values=op.value.value.data)]


@_impl(rpnn.PartitionOp)
def _partition(op: rpnn.PartitionOp, args: list[np.ndarray]) -> list[np.ndarray]:
    return _run_block(op.body.block, args)



# --------------------------------------------------------------------------- ONNX floats
#
# The f32 arithmetic of onnxruntime's CPU execution provider (1.x, x86-64 with AVX; one frame
# per run, the way qonnx's executor runs a model declared with batch 1) and of qonnx's own
# Quant, for functions marked FLOAT_TAIL_ATTR = "onnx".  Values stay float64 arrays, each
# holding f32 numbers: an f32 sum, product or quotient of two f32 numbers is computed in
# float64 and rounded once to f32, which is the correctly rounded f32 result (binary64 has
# more than 2 * 24 + 2 bits, so the double rounding is innocuous).  docs/semantics.md, "ONNX
# float semantics", gives the sources (MLAS's SgemmKernelM1Avx / SgemmKernelM1TransposeBAvx,
# ORT's BatchNormalization) and tests/interp/test_onnx_floats.py checks every op against
# onnxruntime itself.


def _f32(x: np.ndarray) -> np.ndarray:
    """`x` rounded to f32, held in float64."""
    return np.asarray(x, dtype=np.float32).astype(np.float64)


def onnx_matmul_m1(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """MLAS's single-row SGEMM kernel with B = w[K, M] read row by row (SgemmKernelM1Avx).

    Per output column, the products of 4 consecutive k (each rounded to f32) are summed left
    to right, and that partial sum is added to the running result; then 2, then 1 of the
    remaining k the same way.  x: [rows, K] f32 values, one frame per row."""
    x, w = x.astype(np.float32), w.astype(np.float32)
    depth = w.shape[0]
    c = np.zeros((x.shape[0], w.shape[1]), np.float32)
    k = 0
    for group in (4, 2, 1):
        while depth - k >= group:
            t = x[:, k, None] * w[k]
            for i in range(1, group):
                t = t + x[:, k + i, None] * w[k + i]
            c = t + c
            k += group
            if group < 4:
                break
    return c.astype(np.float64)


def onnx_matmul_m1_transposed_b(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """MLAS's single-row SGEMM kernel for a transposed B (SgemmKernelM1TransposeBAvx).

    Per output column, eight f32 lanes: lane l sums the rounded products of k = l mod 8 in
    order of k; the lanes are then reduced in an order that depends on the column's place in
    the kernel's groups of 4, 2 and 1 columns.  x: [rows, K], w: [K, M] (ONNX's B^T)."""
    x, w = x.astype(np.float32), w.astype(np.float32)
    depth, columns = w.shape
    pad = -depth % 8
    xp = np.concatenate([x, np.zeros((x.shape[0], pad), np.float32)], axis=1)
    wp = np.concatenate([w, np.zeros((pad, columns), np.float32)], axis=0)
    lanes = np.zeros((x.shape[0], columns, 8), np.float32)
    for k in range(0, depth + pad, 8):
        lanes = lanes + xp[:, None, k:k + 8] * wp[k:k + 8].T[None]
    lane = [lanes[..., i] for i in range(8)]
    fours = (((lane[0] + lane[1]) + lane[2]) + lane[3]) + (((lane[4] + lane[5]) + lane[6])
                                                           + lane[7])
    twos = ((lane[0] + lane[2]) + (lane[4] + lane[6])) + ((lane[1] + lane[3]) + (lane[5]
                                                                              + lane[7]))
    ones = ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6]
                                                                              + lane[7]))
    result = fours.copy()
    in_fours = columns - columns % 4
    if columns % 4 >= 2:
        result[:, in_fours:in_fours + 2] = twos[:, in_fours:in_fours + 2]
    if columns % 2:
        result[:, -1] = ones[:, -1]
    return (result + np.float32(0)).astype(np.float64)  # the kernel adds C (zeroed): -0 -> +0


@_impl(rpnn.MatMulOp, onnx=True)
def _onnx_matmul(op: rpnn.MatMulOp, args: list[np.ndarray]) -> list[np.ndarray]:
    x, w = args
    kernel_attr = op.attributes.get(ORT_KERNEL_ATTR)
    kernel = kernel_attr.data if kernel_attr is not None else "m1"
    if kernel not in ORT_KERNELS[:2]:
        raise InterpreterError(f"{_where(op)}: onnxruntime computes this product with its "
                               f"general SGEMM kernel ({ORT_KERNEL_ATTR} = {kernel!r}), "
                               "which float-tail=onnx does not reproduce")
    declared = rpnn._shape(op.input)
    if int(np.prod(declared[1:-1], dtype=np.int64)) != 1:
        raise InterpreterError(f"{_where(op)}: an f32 matmul of several rows per frame "
                               f"(input {list(declared)}) runs in onnxruntime's general "
                               "SGEMM kernel, which float-tail=onnx does not reproduce")
    rows = x.reshape(-1, x.shape[-1])
    multiply = onnx_matmul_m1 if kernel == "m1" else onnx_matmul_m1_transposed_b
    y = multiply(rows, w)
    return [_as_result(op.output, y.reshape(*x.shape[:-1], w.shape[1]))]


@_impl(rpnn.Conv2dOp, onnx=True)
def _onnx_conv2d(op: rpnn.Conv2dOp, args: list[np.ndarray]) -> list[np.ndarray]:
    if dtypes.is_float(_element_type(op.output)):
        raise InterpreterError(f"{_where(op)}: onnxruntime's f32 convolution kernels are not "
                               "reproduced by float-tail=onnx")
    return _conv2d(op, args)


@_impl(rpnn.AddOp, rpnn.MulOp, rpnn.DivOp, onnx=True)
def _onnx_binary(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    if not dtypes.is_float(_element_type(op.results[0])):
        return _IMPLS[type(op)](op, args)
    function = {rpnn.AddOp: np.add, rpnn.MulOp: np.multiply, rpnn.DivOp: np.divide}[type(op)]
    return [_f32(function(_f32(args[0]), _f32(args[1])))]


@_impl(rpnn.BatchNormOp, onnx=True)
def _onnx_batchnorm(op: rpnn.BatchNormOp, args: list[np.ndarray]) -> list[np.ndarray]:
    """ORT's BatchNormalization: inv_std = 1 / sqrt(var + eps), new_scale = inv_std * scale,
    new_bias = bias - mean * new_scale, y = x * new_scale + new_bias, each step in f32."""
    n = args[0].ndim

    def vec(attr) -> np.ndarray:
        return dtypes.dense_to_numpy(attr).astype(np.float32).reshape((1, -1) + (1,) * (n - 2))

    inv_std = np.float32(1) / np.sqrt(vec(op.var) + np.float32(op.epsilon.value.data))
    new_scale = inv_std * vec(op.scale)
    new_bias = vec(op.bias) - vec(op.mean) * new_scale
    return [_f32(args[0].astype(np.float32) * new_scale + new_bias)]


@_impl(rpnn.ScaleBiasOp, onnx=True)
def _onnx_scale_bias(op: rpnn.ScaleBiasOp, args: list[np.ndarray]) -> list[np.ndarray]:
    """x * scale, then + bias, each rounded to f32 (scale and bias taken as f32)."""
    scale = dtypes.dense_to_numpy(op.scale).astype(np.float32).astype(np.float64)
    bias = dtypes.dense_to_numpy(op.bias).astype(np.float32).astype(np.float64)
    return [_f32(_f32(args[0].astype(np.float64) * scale) + bias)]


@_impl(rpnn.QuantOp, onnx=True)
def _onnx_quant(op: rpnn.QuantOp, args: list[np.ndarray]) -> list[np.ndarray]:
    q = quantize(args[0], op, onnx=True)
    if dtypes.is_float(_element_type(op.output)):
        scale = dtypes.dense_to_numpy(op.scale).astype(np.float32).astype(np.float64)
        return [_f32(q * scale)]
    return [_as_result(op.output, q)]


# --------------------------------------------------------------------------- driver


def _run_block(block, args: Sequence[np.ndarray],
               env: dict[SSAValue, np.ndarray] | None = None,
               onnx: bool = False) -> list[np.ndarray]:
    """Execute the ops of a block in order; return the terminator's operand values.

    `env`, when given, receives the value of every SSA value of the block; `onnx` selects
    the ONNX float semantics.
    """
    env = {} if env is None else env
    env.update(zip(block.args, args, strict=True))
    for op in block.ops:
        operands = [env[v] for v in op.operands]
        if isinstance(op, func.ReturnOp | rpnn.YieldOp):
            return operands
        impl = (_ONNX_IMPLS.get(type(op)) if onnx else None) or _IMPLS.get(type(op))
        if impl is None:
            raise InterpreterError(f"{_where(op)}: no reference semantics for this op")
        results = impl(op, operands)
        for value, array in zip(op.results, results, strict=True):
            env[value] = _check_fits(op, value, array)
    raise InterpreterError("block has no terminator")


def eval_op(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    """The results of one op on `args` by its reference semantics (not checked against the
    declared result types): for code that evaluates single ops on values of its own, such
    as the C reference's compile-time quantizer thresholds and the range analysis."""
    impl = _IMPLS.get(type(op))
    if impl is None:
        raise InterpreterError(f"{_where(op)}: no reference semantics for this op")
    return impl(op, args)


def _convert_input(arg: SSAValue, array: np.ndarray, index: int) -> np.ndarray:
    typ = arg.type
    if not isinstance(typ, TensorType):
        raise InterpreterError(f"argument {index} has type {typ}; only tensors are supported")
    declared = tuple(typ.get_shape())
    array = np.asarray(array)
    batch_ok = declared[:1] == (1,) and array.shape[1:] == declared[1:] and array.ndim > 0
    if array.shape != declared and not batch_ok:
        raise InterpreterError(
            f"argument {index} has shape {list(array.shape)}, expected {list(declared)} "
            "(or any batch size on a leading dimension of 1)"
        )
    element_type = typ.element_type
    if dtypes.is_float(element_type):
        return array.astype(np.float32).astype(np.float64)
    if array.dtype.kind == "f" and not np.all(array == np.round(array)):
        raise InterpreterError(f"argument {index} must hold integers of "
                               f"{dtypes.type_str(element_type)}")
    values = array.astype(np.int64)
    if not dtypes.fits(element_type, values):
        raise InterpreterError(f"argument {index} has values outside "
                               f"{dtypes.type_str(element_type)}")
    return values


def find_function(module: ModuleOp, name: str | None = None) -> func.FuncOp:
    """The function called `name`, or the module's only (or first public) function."""
    funcs = [op for op in module.walk() if isinstance(op, func.FuncOp)]
    if name is not None:
        funcs = [f for f in funcs if f.sym_name.data == name]
    else:
        public = [f for f in funcs
                  if f.sym_visibility is None or f.sym_visibility.data == "public"]
        funcs = public or funcs
    if not funcs:
        raise InterpreterError(f"no function {'@' + name if name else ''} in the module")
    return funcs[0]


def run(module: ModuleOp, inputs: Sequence[np.ndarray], function: str | None = None,
        values: dict[SSAValue, np.ndarray] | None = None) -> list[np.ndarray]:
    """Run a function of `module` on numpy inputs; returns one array per result.

    `values`, when given, receives every intermediate value of the function's body (f32
    values in float64, integers in int64), e.g. to check a backend on the stream it consumes.
    """
    func_op = find_function(module, function)
    block = func_op.body.block
    if len(inputs) != len(block.args):
        raise InterpreterError(f"@{func_op.sym_name.data} takes {len(block.args)} inputs, "
                               f"got {len(inputs)}")
    pairs = enumerate(zip(block.args, inputs, strict=True))
    args = [_convert_input(a, x, i) for i, (a, x) in pairs]
    batches = {x.shape[0] for a, x in zip(block.args, args, strict=True)
               if tuple(a.type.get_shape())[:1] == (1,)}
    if len(batches) > 1:
        raise InterpreterError(f"@{func_op.sym_name.data}: arguments declared with batch 1 got "
                               f"different batch sizes {sorted(batches)}")
    results = _run_block(block, args, values, float_tail(func_op) == "onnx")
    return [r.astype(np.float32) if r.dtype.kind == "f" else r for r in results]


def float_tail(func_op: func.FuncOp) -> str:
    """The function's float semantics: "onnx" (FLOAT_TAIL_ATTR) or "real" (the default)."""
    attr = func_op.attributes.get(FLOAT_TAIL_ATTR)
    if attr is None:
        return "real"
    value = getattr(attr, "data", None)
    if value not in FLOAT_TAILS:
        raise InterpreterError(f"@{func_op.sym_name.data}: {FLOAT_TAIL_ATTR} must be one of "
                               f"{', '.join(repr(v) for v in FLOAT_TAILS)}, got {attr}")
    return value
