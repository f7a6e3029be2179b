"""Exact integer interval analysis of rpnn modules: the range of every integer value.

Every integer-like value gets an interval [lo, hi] per element, held as a pair of int64 arrays
that broadcast to the value's array (the interpreter's layout: tensors with their declared
batch axis, streams with a leading frame axis of 1) and are compacted along every axis on
which they do not vary, so a per-channel range costs C numbers and a per-pixel one (borders
of a padded image) costs a frame.  Ranges start from the function's argument types, integer
`rpnn.quant` results ([min_int - zero_point, max_int - zero_point]), bipolar values
([-1, 1]) and the actual values of constants, and flow forward:

- matmul, conv2d, mvtu, depthwise with exactly known weights W: with W+ = max(W, 0) and
  W- = max(-W, 0), max = op(x_max, W+) - op(x_min, W-) and min = op(x_min, W+) - op(x_max, W-)
  per output element (conv zero padding contributes 0); with weights known only by their type
  (`worst_case`) each product ranges over the four corner products;
- element-wise and data-movement ops that are monotone in every input (add, relu, maxpool,
  reshape, transpose, swg, pad, stream_maxpool, dwc, fifo, duplicate, add_streams, the
  tensor/stream conversions) are run by the reference interpreter on the lo and on the hi
  arrays, which is exact (pad values join the range that way);
- multithreshold, thresholding and thresholded units: thresholds are clipped per channel to
  [lo, hi + 1] (values at or below lo are always crossed, above hi never: no output changes),
  thresholds crossed by every channel or by none are planned for removal (folding the
  always-crossed ones into out_bias), and the output range is the reachable count range.

Values that must share one element type (the tensor/stream shape ops, partitions) form
classes; `Analysis.new_element_type` gives each class the narrowest type holding the union
of its ranges.  Two users: `rpnn-infer-precision` (passes/infer_precision.py) retypes a
module with it, and `check_declared_types` refuses a module whose declared types cannot hold
its values; the backends call the latter on every module they are handed (through
`backends.dataflow.extract`), so they live below both, beside the interpreter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.ir import Attribute, Block, BlockArgument, Operation, OpResult, SSAValue
from xdsl.utils.exceptions import PassFailedException

from rpnn_ir import dtypes, interp
from rpnn_ir.dialects import rpnn
from rpnn_ir.verify import LocatedVerifyException

_INT64_SAFE = 2**62
_FLOAT_EXACT = 2**52
_LOWEST = -(2 ** (dtypes.MAX_INT_BITS - 1))
_HIGHEST = 2**dtypes.MAX_INT_BITS - 1

# Ops whose results must have the element type of their (first) operand.
_SAME_TYPE_OPS = (
    rpnn.ReshapeOp,
    rpnn.TransposeOp,
    rpnn.MaxPoolOp,
    rpnn.TensorToStreamOp,
    rpnn.StreamToTensorOp,
    rpnn.SWGOp,
    rpnn.PadOp,
    rpnn.StreamMaxPoolOp,
    rpnn.DWCOp,
    rpnn.FIFOOp,
    rpnn.DuplicateOp,
)

# Ops monotone non-decreasing in every element of every operand: the interpreter applied to
# the lower bounds gives the lower bounds of the result, likewise for the upper bounds.
_MONOTONE_OPS = (*_SAME_TYPE_OPS, rpnn.AddOp, rpnn.ReluOp, rpnn.AddStreamsOp)

_COMPUTE_UNITS = (rpnn.MVTUOp, rpnn.DepthwiseOp)
_THRESHOLD_OPS = (rpnn.MultiThresholdOp, rpnn.ThresholdingOp, *_COMPUTE_UNITS)


# --------------------------------------------------------------------------- small helpers


def _where(op: Operation) -> str:
    if op.results and op.results[0].name_hint:
        return f"{op.name} (%{op.results[0].name_hint})"
    return op.name


def fail(op: Operation | None, message: str) -> PassFailedException:
    prefix = f"{_where(op)}: " if op is not None else ""
    return PassFailedException(f"{prefix}{message}")


def bits_needed(lo: int, hi: int) -> int:
    if lo >= 0:
        return max(1, int(hi).bit_length())
    return max((-lo - 1).bit_length(), max(hi, 0).bit_length()) + 1


def element_type(value: SSAValue) -> Attribute | None:
    typ = value.type
    if isinstance(typ, TensorType | rpnn.StreamType):
        return typ.element_type
    return None


def is_integer_like(value: SSAValue) -> bool:
    elt = element_type(value)
    return elt is not None and dtypes.is_integer_like(elt)


def _array_shape(value: SSAValue) -> tuple[int, ...]:
    """Shape of the interpreter's array for one (declared) batch of `value`."""
    typ = value.type
    if isinstance(typ, rpnn.StreamType):
        return (1, *typ.get_shape())
    assert isinstance(typ, TensorType)
    return tuple(typ.get_shape())


def _compact(a: np.ndarray) -> np.ndarray:
    """`a` reduced to size 1 along every axis on which it does not vary."""
    a = np.asarray(a)
    for axis in range(a.ndim):
        if a.shape[axis] > 1:
            first = a[(slice(None),) * axis + (slice(0, 1),)]
            second = a[(slice(None),) * axis + (slice(1, 2),)]
            if np.array_equal(first, second) and np.array_equal(
                    np.broadcast_to(first, a.shape), a):
                a = first
    return np.array(a)  # own, contiguous memory (no broadcast views)


def _to_rank(a: np.ndarray, rank: int) -> np.ndarray:
    a = np.asarray(a)
    return a.reshape((1,) * (rank - a.ndim) + a.shape)


def _max_abs(*arrays: np.ndarray) -> int:
    return max((int(np.abs(a).max(initial=0)) for a in arrays if a.size), default=0)


def _dot(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """x[..., K] @ w[K, M] on integers, exactly (Python integers when int64 could overflow).

    Runs of equal rows of x are multiplied once: the bounds of a convolution's input
    windows are equal along the interior of each image row."""
    rows = x.reshape(-1, x.shape[-1])
    if len(rows) > 1:
        first, inverse = _runs(rows)
        if len(first) < len(rows):
            return _dot(rows[first], w)[inverse].reshape(*x.shape[:-1], w.shape[1])
    bound = _max_abs(x) * _max_abs(w) * max(1, w.shape[0])
    if bound < _FLOAT_EXACT:
        return np.rint(x.astype(np.float64) @ w.astype(np.float64)).astype(np.int64)
    if bound < _INT64_SAFE:
        return x.astype(np.int64) @ w.astype(np.int64)
    return x.astype(object) @ w.astype(object)


def _product_dtype(bound: int) -> type:
    return np.int64 if bound < _INT64_SAFE else object


@dataclass
class _Range:
    """Element-wise bounds, broadcastable to the value's array (see the module docstring)."""

    lo: np.ndarray
    hi: np.ndarray

    @property
    def bounds(self) -> tuple[int, int]:
        return int(self.lo.min()), int(self.hi.max())

    def exact(self) -> np.ndarray | None:
        """The values, when lo == hi everywhere."""
        if self.lo is self.hi:
            return self.lo
        lo, hi = np.broadcast_arrays(self.lo, self.hi)
        return np.asarray(lo) if np.array_equal(lo, hi) else None

    def full(self, shape: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        return np.broadcast_to(self.lo, tuple(shape)), np.broadcast_to(self.hi, tuple(shape))


def _checked(op: Operation, lo: np.ndarray, hi: np.ndarray) -> _Range:
    """A range of int64 arrays, after checking that some 32-bit type can hold it."""
    lo_min, hi_max = int(np.min(lo)), int(np.max(hi))
    if lo_min < _LOWEST or hi_max > _HIGHEST or bits_needed(lo_min, hi_max) > 32:
        raise fail(op, f"values in [{lo_min}, {hi_max}] need "
                    f"{bits_needed(lo_min, hi_max)} bits; integer types hold at most "
                    f"{dtypes.MAX_INT_BITS}")
    low = _compact(np.asarray(lo).astype(np.int64))
    return _Range(low, low if hi is lo else _compact(np.asarray(hi).astype(np.int64)))


def _type_range(value: SSAValue) -> _Range:
    elt = element_type(value)
    assert elt is not None
    lo, hi = dtypes.element_range(elt)
    ones = (1,) * len(_array_shape(value))
    return _Range(np.full(ones, lo, dtype=np.int64), np.full(ones, hi, dtype=np.int64))


def _per_channel(a: np.ndarray, axis: int, channels: int, reduce: Callable) -> np.ndarray:
    """`a` reduced (min or max) over every axis but `axis`, as a vector of `channels`."""
    other = tuple(i for i in range(a.ndim) if i != axis)
    vector = reduce(a, axis=other) if other else a
    return np.broadcast_to(np.asarray(vector).reshape(-1), (channels,))


# --------------------------------------------------------------------------- linear ops


def _conv_apply(x: np.ndarray, w: np.ndarray, op: rpnn.Conv2dOp) -> np.ndarray:
    """conv2d of integer arrays (NCHW, OIHW), zero padding, exactly."""
    top, left, bottom, right = rpnn._ints(op.padding)
    stride, dilation = rpnn._ints(op.stride), rpnn._ints(op.dilation)
    groups = op.groups.value.data
    xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    out_c, c_per_group, kh, kw = w.shape
    eff = ((kh - 1) * dilation[0] + 1, (kw - 1) * dilation[1] + 1)
    view = interp.windows(xp, eff, stride, (2, 3))[..., :: dilation[0], :: dilation[1]]
    n, _, oh, ow = view.shape[:4]
    o_per_group = out_c // groups
    outs = []
    for g in range(groups):
        cols = view[:, g * c_per_group:(g + 1) * c_per_group]
        cols = cols.transpose(0, 2, 3, 1, 4, 5).reshape(n, oh, ow, -1)
        wg = w[g * o_per_group:(g + 1) * o_per_group].reshape(o_per_group, -1).T
        outs.append(_dot(cols, wg))
    return np.concatenate(outs, axis=-1).transpose(0, 3, 1, 2)


def _depthwise_apply(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """acc[..., c] = sum_k x[..., k*C + c] * w[c, k], exactly."""
    channels, taps = w.shape
    x = x.reshape(*x.shape[:-1], taps, channels)
    dtype = _product_dtype(_max_abs(x) * _max_abs(w) * taps)
    return (x.astype(dtype) * w.T.astype(dtype)).sum(axis=-2)


def _linear_range(apply: Callable[[np.ndarray, np.ndarray], np.ndarray], xl: np.ndarray,
                  xh: np.ndarray, weights: _Range, w_shape: Sequence[int],
                  worst_case: bool) -> tuple[np.ndarray, np.ndarray]:
    """Bounds of the linear map `apply(x, W)` for x in [xl, xh] element-wise.

    Exactly known weights: max = apply(xh, W+) - apply(xl, W-) (the reverse for the min).
    Otherwise every weight ranges over [wl, wh] (the hull of its bounds, or its type's range
    with `worst_case`): each product ranges over its four corner products.
    """
    w = None if worst_case else weights.exact()
    if w is not None and apply is _dot:
        found = _dot_range(xl, xh, np.broadcast_to(w, tuple(w_shape)))
        if found is not None:
            return found
    if w is not None:
        w = np.ascontiguousarray(np.broadcast_to(w, tuple(w_shape)), dtype=np.int64)
        w_pos, w_neg = np.maximum(w, 0), np.maximum(-w, 0)
        hi = apply(xh, w_pos) - apply(xl, w_neg)
        lo = apply(xl, w_pos) - apply(xh, w_neg)
        return lo, hi
    wl, wh = weights.bounds
    dtype = _product_dtype(_max_abs(xl, xh) * max(abs(wl), abs(wh)))
    corners = [xl.astype(dtype) * wl, xl.astype(dtype) * wh,
               xh.astype(dtype) * wl, xh.astype(dtype) * wh]
    c_max = np.maximum.reduce(corners)
    c_min = np.minimum.reduce(corners)
    ones = np.ones(tuple(w_shape), dtype=np.int64)
    return apply(c_min, ones), apply(c_max, ones)


def _runs(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of the first row of each run of equal consecutive rows, and each row's run."""
    change = np.ones(len(rows), dtype=bool)
    change[1:] = np.any(rows[1:] != rows[:-1], axis=1)
    return np.flatnonzero(change), np.cumsum(change) - 1


def _dot_range(xl: np.ndarray, xh: np.ndarray, w: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray] | None:
    """`_linear_range` of x @ w for exactly known w, in float BLAS when it is exact.

    With W+ = max(W, 0) and W- = W+ - W: max = xh.W+ - xl.W- = (xh - xl).W+ + xl.W and
    min = xh.W - (xh - xl).W+, so two products of W and W+ (converted once, float32 when
    every partial sum stays below 2^24), each run of equal rows of the bounds multiplied
    once.  None when float64 would not be exact either."""
    depth = w.shape[0]
    bound = 2 * _max_abs(xl, xh) * _max_abs(w) * max(1, depth)  # |xh - xl| <= 2 max|x|
    if bound >= _FLOAT_EXACT:
        return None
    dtype = np.float32 if bound < 2**24 else np.float64
    wf = w.astype(dtype)
    pos = np.maximum(wf, 0)
    rows = np.concatenate([xl.reshape(-1, depth), (xh - xl).reshape(-1, depth),
                           xh.reshape(-1, depth)])
    first, inverse = _runs(rows)
    unique = rows[first].astype(dtype)
    span = len(inverse) // 3
    low, wide, high = inverse[:span], inverse[span:2 * span], inverse[2 * span:]
    times_w = np.rint(unique @ wf).astype(np.int64)
    times_pos = np.rint(unique @ pos).astype(np.int64)
    shape = (*xl.shape[:-1], w.shape[1])
    return ((times_w[high] - times_pos[wide]).reshape(shape),
            (times_pos[wide] + times_w[low]).reshape(shape))


# --------------------------------------------------------------------------- thresholds


@dataclass
class ThresholdPlan:
    """The rewrite of one thresholding op's constant thresholds (and out_bias)."""

    op: Operation
    operand_index: int
    values: np.ndarray  # [C or 1, T'] clipped, with uniformly dead thresholds removed
    bias: int  # the new out_bias (scale * removed always-crossed thresholds added)
    changed_bias: bool


def _count_range(x_lo: np.ndarray, x_hi: np.ndarray, th_lo: np.ndarray, th_hi: np.ndarray,
                 axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Bounds of #{t <= x} per element, counting is monotone in x and antitone in t."""
    channels = max(th_lo.shape[0], th_hi.shape[0], x_lo.shape[axis], x_hi.shape[axis])

    def widen(a: np.ndarray) -> np.ndarray:
        shape = list(a.shape)
        shape[axis] = channels
        return np.broadcast_to(a, shape)

    return (interp.count_thresholds(widen(x_lo), th_hi, axis),
            interp.count_thresholds(widen(x_hi), th_lo, axis))


def _clip_thresholds(th: np.ndarray, x: _Range, axis: int, removable: bool
                     ) -> tuple[np.ndarray, int]:
    """Clip each row of `th` to [lo, hi + 1] of its channel(s); drop uniformly dead columns.

    Returns the new thresholds and the number of always-crossed thresholds removed from
    every row (to be added to the output bias).
    """
    rows, steps = th.shape
    channels = rows if rows > 1 else 1
    lo = _per_channel(x.lo, axis, x.lo.shape[axis], np.min)
    hi = _per_channel(x.hi, axis, x.hi.shape[axis], np.max)
    if rows == 1:
        lo, hi = lo.min(keepdims=True), hi.max(keepdims=True)
    lo = np.broadcast_to(lo, (channels,))[:, None]
    hi = np.broadcast_to(hi, (channels,))[:, None]
    clipped = np.clip(th, lo, hi + 1).astype(np.int64)
    if not removable:
        return clipped, 0
    always, never = clipped == lo, clipped == hi + 1
    n_always, n_never = int(always.sum(axis=1).min()), int(never.sum(axis=1).min())
    if n_always + n_never == steps:  # keep one threshold (an op needs T >= 1)
        if n_always:
            n_always -= 1
        else:
            n_never -= 1
    if n_always == 0 and n_never == 0:
        return clipped, 0
    keep = np.ones_like(clipped, dtype=bool)
    for flags, count in ((always, n_always), (never, n_never)):
        if count:
            first = np.cumsum(flags, axis=1) <= count
            keep &= ~(flags & first)
    return clipped[keep].reshape(rows, steps - n_always - n_never), n_always


# --------------------------------------------------------------------------- the analysis


@dataclass
class Analysis:
    worst_case: bool
    ranges: dict[SSAValue, _Range] = field(default_factory=dict)
    values: list[SSAValue] = field(default_factory=list)  # integer-like, in program order
    pinned: dict[SSAValue, str] = field(default_factory=dict)  # value -> why
    joins: dict[SSAValue, list[Callable[[], tuple[int, int]]]] = field(default_factory=dict)
    parent: dict[SSAValue, SSAValue] = field(default_factory=dict)
    plans: list[ThresholdPlan] = field(default_factory=list)
    acc_ranges: dict[Operation, tuple[int, int]] = field(default_factory=dict)
    handled: set[Operation] = field(default_factory=set)

    # ---- classes of values that share one element type

    def find(self, v: SSAValue) -> SSAValue:
        root = v
        while self.parent.get(root, root) is not root:
            root = self.parent[root]
        while v is not root:
            self.parent[v], v = root, self.parent.get(v, v)
        return root

    def union(self, a: SSAValue, b: SSAValue) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra is not rb:
            self.parent[rb] = ra

    def pin(self, value: SSAValue, reason: str) -> None:
        """`value` keeps its type (which must then hold its range)."""
        if is_integer_like(value):
            self.pinned.setdefault(value, reason)
            self.range_of(value)

    def join(self, value: SSAValue, bounds: Callable[[], tuple[int, int]]) -> None:
        self.joins.setdefault(value, []).append(bounds)

    # ---- ranges

    def range_of(self, value: SSAValue) -> _Range:
        found = self.ranges.get(value)
        if found is None:  # an integer value this pass did not compute: trust its type
            found = _type_range(value)
            self.ranges[value] = found
            self.pin(value, f"{_describe(value)} (not analysed by this pass)")
        return found

    def define(self, value: SSAValue, rng: _Range | None) -> None:
        if not is_integer_like(value):
            return
        self.values.append(value)
        if rng is None and dtypes.is_bipolar(element_type(value)):
            self.ranges[value] = _type_range(value)
        elif rng is None:
            self.range_of(value)
        else:
            if dtypes.is_bipolar(element_type(value)):  # stays in {-1, +1}
                rng = _Range(np.maximum(rng.lo, -1), np.minimum(rng.hi, 1))
            self.ranges[value] = rng

    def run_block(self, block: Block) -> None:
        for op in block.ops:
            if isinstance(op, func.ReturnOp | rpnn.YieldOp):
                self.handled.add(op)
                continue
            if isinstance(op, rpnn.PartitionOp):
                self.handled.add(op)
                body = op.body.block
                for arg, operand in zip(body.args, op.inputs, strict=True):
                    self.define(arg, self.range_of(operand))
                    self.union(operand, arg)
                self.run_block(body)
                terminator = body.last_op
                assert isinstance(terminator, rpnn.YieldOp)
                for result, yielded in zip(op.outputs, terminator.values, strict=True):
                    self.define(result, self.range_of(yielded))
                    self.union(yielded, result)
                continue
            results = self.transfer(op)
            if results is None:  # unknown op: its operands and results keep their types
                for value in (*op.operands, *op.results):
                    self.pin(value, f"{op.name} (an op this pass does not know)")
                for value in op.results:
                    self.define(value, None)
                continue
            self.handled.add(op)
            for value, rng in zip(op.results, results, strict=True):
                self.define(value, rng)
            if isinstance(op, _SAME_TYPE_OPS):
                for value in op.results:
                    self.union(op.operands[0], value)

    def transfer(self, op: Operation) -> list[_Range | None] | None:
        """Ranges of the results of `op` (None for non-integer results); None: unknown op."""
        if isinstance(op, rpnn.ConstantOp):
            if not is_integer_like(op.output):
                return [None]
            values = interp._constant(op, [])[0]
            return [_checked(op, values, values)]
        if isinstance(op, rpnn.QuantOp):
            return [self._quant(op)]
        if isinstance(op, rpnn.BipolarQuantOp):
            return [None]  # bipolar or f32: the type says it all
        if isinstance(op, rpnn.MatMulOp | rpnn.Conv2dOp | rpnn.MVTUOp | rpnn.DepthwiseOp):
            if not is_integer_like(op.results[0]):
                return [None]
            return [self._compute(op)]
        if isinstance(op, rpnn.MulOp):
            return [self._mul(op) if is_integer_like(op.output) else None]
        if isinstance(op, _MONOTONE_OPS):
            if not all(is_integer_like(v) for v in op.operands):
                return [None] * len(op.results)
            return self._monotone(op)
        if isinstance(op, rpnn.MultiThresholdOp | rpnn.ThresholdingOp):
            if not is_integer_like(op.output):
                return [None]
            if not is_integer_like(op.input):  # f32 input: any count
                return [self._count_hull(op)]
            return [self._threshold_op(op)]
        if isinstance(op, rpnn.TopKOp | rpnn.LabelSelectOp):
            labels = _array_shape(op.input)[-1]
            rank = len(_array_shape(op.output))
            return [_Range(np.zeros((1,) * rank, np.int64),
                           np.full((1,) * rank, labels - 1, np.int64))]
        if isinstance(op, rpnn.ScaleBiasOp | rpnn.BatchNormOp):
            return [None]
        return None

    # ---- transfer functions

    def _quant(self, op: rpnn.QuantOp) -> _Range | None:
        elt = element_type(op.output)
        if not dtypes.is_int(elt):
            return None
        rank = len(_array_shape(op.output))
        zero_point = _to_rank(dtypes.dense_to_numpy(op.zero_point).astype(np.float64), rank)
        lo, hi = op.int_range()
        zero_point = np.rint(zero_point).astype(np.int64)
        return _checked(op, lo - zero_point, hi - zero_point)

    def _mul(self, op: rpnn.MulOp) -> _Range:
        a, b = self.range_of(op.lhs), self.range_of(op.rhs)
        dtype = _product_dtype(_max_abs(a.lo, a.hi) * _max_abs(b.lo, b.hi))
        corners = [x.astype(dtype) * y.astype(dtype) for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
        return _checked(op, np.minimum.reduce(corners), np.maximum.reduce(corners))

    def _monotone(self, op: Operation) -> list[_Range | None]:
        lows, highs = [], []
        for operand in op.operands:
            lo, hi = self.range_of(operand).full(_array_shape(operand))
            lows.append(np.ascontiguousarray(lo))
            highs.append(np.ascontiguousarray(hi))
        out_lo, out_hi = interp.eval_op(op, lows), interp.eval_op(op, highs)
        return [_checked(op, lo, hi) for lo, hi in zip(out_lo, out_hi, strict=True)]

    def _weights_range(self, weights: SSAValue) -> _Range:
        if self.worst_case:
            return _type_range(weights)
        return self.range_of(weights)

    def _compute(self, op: Operation) -> _Range:
        x_value, w_value = op.operands[0], op.operands[1]
        x, w = self.range_of(x_value), self._weights_range(w_value)
        w_shape = _array_shape(w_value)
        if isinstance(op, rpnn.Conv2dOp):
            shape = (max(x.lo.shape[0], x.hi.shape[0]), *_array_shape(x_value)[1:])
            xl, xh = x.full(shape)

            def apply(a: np.ndarray, b: np.ndarray) -> np.ndarray:
                return _conv_apply(a, b, op)
        else:
            length = _array_shape(x_value)[-1]
            xl = np.broadcast_to(x.lo, (*x.lo.shape[:-1], length))
            xh = np.broadcast_to(x.hi, (*x.hi.shape[:-1], length))
            xl, xh = np.broadcast_arrays(xl, xh)
            apply = _depthwise_apply if isinstance(op, rpnn.DepthwiseOp) else _dot
        lo, hi = _linear_range(apply, np.ascontiguousarray(xl), np.ascontiguousarray(xh), w,
                               w_shape, self.worst_case)
        acc = _checked(op, lo, hi)
        if not isinstance(op, _COMPUTE_UNITS):
            return acc
        self.acc_ranges[op] = acc.bounds
        if op.thresholds is None:
            return acc
        return self._thresholds(op, acc, op.thresholds, 2, -1, 1, op.bias_value)

    def _count_hull(self, op: rpnn.MultiThresholdOp | rpnn.ThresholdingOp) -> _Range | None:
        """out_scale * [0, T] + out_bias (the input is not analysed)."""
        if dtypes.is_bipolar(element_type(op.output)):
            return None
        steps = _array_shape(op.thresholds)[1]
        scale = op.scale_value if isinstance(op, rpnn.MultiThresholdOp) else 1
        ends = sorted((op.bias_value, op.bias_value + scale * steps))
        ones = (1,) * len(_array_shape(op.output))
        return _checked(op, np.full(ones, int(ends[0])), np.full(ones, int(ends[1])))

    def _threshold_op(self, op: rpnn.MultiThresholdOp | rpnn.ThresholdingOp) -> _Range:
        x = self.range_of(op.input)
        if isinstance(op, rpnn.MultiThresholdOp):
            scale, bias = op.scale_value, op.bias_value
            if scale != int(scale) or bias != int(bias):
                raise fail(op, f"an integer result needs integral out_scale and out_bias, "
                            f"got {scale}, {bias}")
            return self._thresholds(op, x, op.thresholds, 1, 1, int(scale), int(bias))
        return self._thresholds(op, x, op.thresholds, 1, -1, 1, op.bias_value)

    def _thresholds(self, op: Operation, x: _Range, thresholds: SSAValue, index: int,
                    axis: int, scale: int, bias: int) -> _Range:
        """Clip constant thresholds to the reachable input range; the output's range."""
        out = op.results[0]
        bipolar = dtypes.is_bipolar(element_type(out))
        axis = axis % len(_array_shape(out))
        th_range = self.range_of(thresholds)
        th_shape = _array_shape(thresholds)
        values = th_range.exact()
        if values is not None:
            values = np.broadcast_to(values, th_shape)
            # A multithreshold keeps its out_bias in an f32: only exact integers move there.
            removable = not bipolar and abs(bias) + abs(scale) * th_shape[1] < 2**24
            clipped, n_always = _clip_thresholds(values, x, axis, removable)
            new_bias = bias + scale * n_always
            self.plans.append(ThresholdPlan(op, index, clipped, new_bias, new_bias != bias))
            th_lo = th_hi = clipped
            bias = new_bias
        else:  # thresholds not known: they range over their bounds
            th_lo, th_hi = th_range.full(th_shape)
            clipped = np.asarray(th_lo)
            self.join(thresholds, lambda: self.compared_type_bounds(op))
        c_min, c_max = _count_range(x.lo, x.hi, th_lo, th_hi, axis)
        if bipolar:
            return _checked(op, 2 * c_min - 1, 2 * c_max - 1)
        ends = (bias, bias + scale * clipped.shape[1])
        self.join(out, lambda: (min(ends), max(ends)))  # what the op's verifier demands
        lo, hi = scale * c_min + bias, scale * c_max + bias
        return _checked(op, np.minimum(lo, hi), np.maximum(lo, hi))

    # ---- types

    def bounds_of_type(self, value: SSAValue) -> tuple[int, int]:
        return dtypes.element_range(self.new_element_type(value))

    def compared_type_bounds(self, op: Operation) -> tuple[int, int]:
        """Range of the (new) type that `op` compares with its thresholds."""
        if op in self.acc_ranges:  # a unit: its accumulator
            return dtypes.element_range(dtypes.narrowest_int_type(*self.acc_ranges[op]))
        return self.bounds_of_type(op.operands[0])

    def new_element_type(self, value: SSAValue) -> Attribute:
        elt = element_type(value)
        assert elt is not None
        if dtypes.is_bipolar(elt):
            return elt
        root = self.find(value)
        cached = self._class_types.get(root)
        if cached is None:
            cached = self._class_type(root)
            self._class_types[root] = cached
        return cached

    def finish_classes(self) -> None:
        self._class_types: dict[SSAValue, Attribute] = {}
        self.members: dict[SSAValue, list[SSAValue]] = {}
        for value in self.values:
            self.members.setdefault(self.find(value), []).append(value)

    def _class_type(self, root: SSAValue) -> Attribute:
        members = self.members.get(root, [root])
        contributions: list[tuple[int, int, SSAValue]] = []
        for value in members:
            contributions.append((*self.range_of(value).bounds, value))
            for bounds in self.joins.get(value, ()):
                contributions.append((*bounds(), value))
        lo = min(c[0] for c in contributions)
        hi = max(c[1] for c in contributions)
        pinned = [v for v in members if v in self.pinned]
        if pinned:
            elt = element_type(pinned[0])
            assert elt is not None
            if not dtypes.contains(elt, lo, hi):
                culprit = next(c[2] for c in contributions
                               if not dtypes.contains(elt, c[0], c[1]))
                raise fail(_owner_op(culprit), f"values in [{lo}, {hi}] do not fit "
                            f"{dtypes.type_str(elt)}, the type fixed by "
                            f"{self.pinned[pinned[0]]}")
            return elt
        if bits_needed(lo, hi) > dtypes.MAX_INT_BITS:
            culprit = next(c[2] for c in contributions if c[0] == lo or c[1] == hi)
            raise fail(_owner_op(culprit), f"values in [{lo}, {hi}] need "
                        f"{bits_needed(lo, hi)} bits; integer types hold at most "
                        f"{dtypes.MAX_INT_BITS}")
        return dtypes.narrowest_int_type(lo, hi)


def _owner_op(value: SSAValue) -> Operation | None:
    if isinstance(value, OpResult):
        return value.op
    if isinstance(value, BlockArgument):
        return value.block.parent_op()
    return None


def _describe(value: SSAValue) -> str:
    op = _owner_op(value)
    return _where(op) if op is not None else "a block argument"


# --------------------------------------------------------------------------- the rewrite


def analyse(module: ModuleOp, worst_case: bool) -> tuple[Analysis, list[func.FuncOp]]:
    """The interval analysis of every function body (arguments keep their types)."""
    analysis = Analysis(worst_case)
    functions = [op for op in module.walk() if isinstance(op, func.FuncOp)]
    for function in functions:
        for block in function.body.blocks:
            for arg in block.args:  # arguments keep their types
                if is_integer_like(arg):
                    analysis.define(arg, None)
                    analysis.pinned[arg] = (f"argument {arg.index} of "
                                            f"@{function.sym_name.data}")
            analysis.run_block(block)
    return analysis, functions


_CHECKED: ContextVar[dict[int, ModuleOp] | None] = ContextVar("rpnn_checked_modules",
                                                              default=None)


@contextmanager
def checked_once() -> Iterator[None]:
    """Within this block `check_declared_types` analyses each module object once: a caller
    handing one module, unchanged, to several readers (a target's code, its interface
    description and its golden files) pays for the analysis once.  The module must not
    change inside the block.  Nested blocks share the outer one's record."""
    token = _CHECKED.set(_CHECKED.get() if _CHECKED.get() is not None else {})
    try:
        yield
    finally:
        _CHECKED.reset(token)


def check_declared_types(module: ModuleOp) -> None:
    """Refuse a unit whose declared accumulator or result type cannot hold its values.

    The interval analysis, run without changing anything: for the actual weights and the
    input ranges, every accumulator must fit the unit's ``acc`` type and every computed
    integer value its element type.  Otherwise the three executions of one program would
    differ (the interpreter raises, C computes wide, HLS wraps), so every backend calls
    this on the module it is handed (`backends.dataflow.extract`), and `rpnn-opt` and
    `rpnn_ir.compile` after every pass.  Raises `UnsoundTypeError` naming the unit and the
    narrowest sound type.
    """
    checked = _CHECKED.get()
    if checked is not None and checked.get(id(module)) is module:
        return  # already checked inside this `checked_once` block
    _check_declared_types(module)
    if checked is not None:
        checked[id(module)] = module


def _check_declared_types(module: ModuleOp) -> None:
    """`check_declared_types`, always."""
    if not any(isinstance(op, (*_THRESHOLD_OPS, rpnn.MatMulOp, rpnn.Conv2dOp))
               for op in module.walk()):
        return  # nothing accumulates or thresholds: nothing can overflow
    try:
        with threadpool_limits(limits=1, user_api="blas"):  # as in rpnn-infer-precision
            analysis, _ = analyse(module, worst_case=False)
    except PassFailedException:  # IR this pass refuses: its own error says why
        return
    for op, (lo, hi) in analysis.acc_ranges.items():
        acc = op.acc_type
        if not dtypes.contains(acc, lo, hi):
            raise UnsoundTypeError(op, f"accumulator type {dtypes.type_str(acc)}", lo, hi)
    for value in analysis.values:
        elt = element_type(value)
        if value in analysis.pinned or elt is None or dtypes.is_bipolar(elt):
            continue  # pinned values have their type's range by construction
        lo, hi = analysis.ranges[value].bounds
        if not dtypes.contains(elt, lo, hi):
            owner = _owner_op(value)
            assert owner is not None
            raise UnsoundTypeError(owner, f"result type {dtypes.type_str(elt)}", lo, hi)


class UnsoundTypeError(LocatedVerifyException):
    """A declared type that cannot hold the values its op computes."""

    def __init__(self, op: Operation, what: str, lo: int, hi: int):
        if bits_needed(lo, hi) > dtypes.MAX_INT_BITS:
            sound = f"none: they need {bits_needed(lo, hi)} bits"
        else:
            sound = dtypes.type_str(dtypes.narrowest_int_type(lo, hi))
        super().__init__(f"{_where(op)}: {what} cannot hold its values in [{lo}, {hi}] "
                         f"(the narrowest sound type is {sound}; rpnn-infer-precision "
                         "chooses it)", op)
