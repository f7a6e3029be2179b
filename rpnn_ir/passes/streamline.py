"""rpnn-streamline: a graph-level module (QONNX semantics, f32) to the integer level.

The pass walks each function once, in order, and gives every graph value an exact symbolic
form over integer-level values (see docs/passes.md, "rpnn-streamline"):

- ``_Const``: an f32 constant (its float64 values);
- ``_QWeight``: a quantized constant, integer values times a scale;
- ``_QAct``: a quantized activation, an integer tensor X times a positive scale s
  (per tensor or per element of the non-batch axes);
- ``_Affine``: clamp(A * acc + B, lo, hi) of an integer accumulator ``acc``, where A, B, lo
  and hi are exact rationals (``fractions.Fraction``; lo/hi may be -inf/+inf) per element
  of the non-batch axes.  Bias adds, scalings, batch norms and relus after a linear layer
  fold into it; the next activation quantizer turns it into one ``rpnn.multithreshold``
  with integer thresholds, a float output into one ``rpnn.scale_bias``.
- ``_Float``: a function argument (possibly reshaped), or float arithmetic on one that the
  host computes before the input quantizer (`is_host_preprocessing`), to be quantized;
- ``_Kept``: an integer value used as it is (``rpnn.topk`` indices, integer constants).

With ``float-tail=onnx`` the float ops after the last activation quantizers (the ops a
returned value depends on without passing a quantizer: the "float tail") are not folded:
each is rebuilt on f32 values (``_Float``) fed by the dequantized quantizer outputs, and the
function is marked ``rpnn.float_tail = "onnx"`` so that they are evaluated the way
onnxruntime does (docs/passes.md).  A tail matmul whose f32 evaluation is exact stays an
integer layer (hardware) followed by an exact ``rpnn.scale_bias``.

New integer-level ops are inserted before the op they replace; the float ops left without
users are erased at the end.  Anything without an exact integer form raises
``PassFailedException`` naming the op, its result and the reason (one line), after undoing
what was inserted: a failed pass leaves the module as it was.

Parameters are numpy object arrays of ``Fraction`` (or float +-inf for open clamps) of rank
ndim - 1 (the value's shape without the batch axis), kept compact: an axis along which all
values agree has size 1.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import FloatAttr, ModuleOp, StringAttr, TensorType, f32, f64
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter
from xdsl.utils.exceptions import PassFailedException

from rpnn_ir import dtypes, interp, limits
from rpnn_ir.dialects import rpnn

INF = float("inf")
QUANTIZE_HINT = ("rpnn compiles quantized networks: quantize the model (e.g. with Brevitas, "
                 "exported to QONNX: docs/frontend.md) and import that")
"""The fix for a float (unquantized) layer, appended to its error."""

_ZERO = Fraction(0)

# --------------------------------------------------------------------------- parameters


def _compact(arr: np.ndarray) -> np.ndarray:
    """Shrink every axis along which all values are equal to size 1."""
    for axis in range(arr.ndim):
        if arr.shape[axis] > 1:
            first = arr.take([0], axis=axis)
            if bool(np.all(arr == first)):
                arr = first
    return arr


def _exact(values: np.ndarray) -> np.ndarray:
    """float64 values -> object array of the exact `Fraction`s they hold (compacted first)."""
    arr = _compact(np.asarray(values, dtype=np.float64))
    out = np.empty(arr.shape, dtype=object)
    flat = out.reshape(-1)
    for i, v in enumerate(arr.reshape(-1).tolist()):
        flat[i] = Fraction(v)
    return out


def _filled(value: object, rank: int) -> np.ndarray:
    out = np.empty((1,) * rank, dtype=object)
    out.reshape(-1)[0] = value
    return out


def _uniform(arr: np.ndarray) -> bool:
    return all(d == 1 for d in arr.shape)


def _first(arr: np.ndarray) -> object:
    return arr.reshape(-1)[0]


def _per_channel(arr: np.ndarray, channels: int) -> list | None:
    """Values of a compact parameter per channel (axis 0 of the parameter), or None when it
    also varies along a later axis."""
    if arr.ndim == 0 or any(d != 1 for d in arr.shape[1:]):
        return None if arr.ndim else [arr.item()] * channels
    return np.broadcast_to(arr.reshape(-1), (channels,)).tolist()


def _reshape_param(arr: np.ndarray, in_shape: Sequence[int],
                   out_shape: Sequence[int]) -> np.ndarray | None:
    if _uniform(arr):
        return arr.reshape((1,) * (len(out_shape) - 1))
    if not in_shape or not out_shape or in_shape[0] != out_shape[0]:
        return None
    full = np.broadcast_to(arr, tuple(in_shape[1:])).reshape(tuple(out_shape[1:]))
    return _compact(full)


def _transpose_param(arr: np.ndarray, perm: Sequence[int]) -> np.ndarray | None:
    if _uniform(arr):
        return arr.reshape((1,) * (len(perm) - 1))
    if perm[0] != 0:
        return None
    return _compact(arr.transpose([p - 1 for p in perm[1:]]))


def _vectorized(function: Callable, nin: int, nout: int) -> Callable:
    ufunc = np.frompyfunc(function, nin, nout)

    def apply(*args: np.ndarray):
        results = ufunc(*args)
        if nout == 1:
            return _compact(np.asarray(results, dtype=object))
        return tuple(_compact(np.asarray(r, dtype=object)) for r in results)

    return apply


def _mul_scalar(a, b, lo, hi, c):
    """clamp(a x + b, lo, hi) * c as clamp(a' x + b', lo', hi')."""
    if c > 0:
        return a * c, b * c, lo * c, hi * c
    if c < 0:
        return a * c, b * c, hi * c, lo * c
    return _ZERO, _ZERO, -INF, INF


def _add_scalar(b, lo, hi, c):
    return b + c, lo + c, hi + c


def _relu_scalar(lo, hi):
    return max(lo, _ZERO), max(hi, _ZERO)


_mul_affine = _vectorized(_mul_scalar, 5, 4)
_add_affine = _vectorized(_add_scalar, 4, 3)
_relu_affine = _vectorized(_relu_scalar, 2, 2)
_times = _vectorized(lambda x, y: x * y, 2, 1)
_negative = _vectorized(lambda x: bool(x < 0), 1, 1)
_reciprocal = _vectorized(lambda x: 1 / x, 1, 1)
_positive = _vectorized(lambda x: bool(x > 0), 1, 1)


def _ceil(n: int, d: int) -> int:
    return -((-n) // d)


# --------------------------------------------------------------------------- states


@dataclass
class _Float:
    """An f32 function argument, possibly reshaped/transposed by `chain` (original ops)."""

    root: SSAValue
    chain: tuple[Operation, ...] = ()


@dataclass
class _Const:
    values: np.ndarray  # float64, the constant's own shape


@dataclass
class _QWeight:
    ints: np.ndarray  # int64, q - zero_point (= q: weight zero points are 0)
    element_type: Attribute
    scale: np.ndarray  # float64, broadcast to the shape of `ints`
    source: SSAValue
    int_range: tuple[int, int]  # of the quantizer

    def real(self) -> np.ndarray:
        return self.ints * self.scale


@dataclass
class _Linear:
    """An integer rpnn.matmul / rpnn.conv2d created by the pass, whose weight channels may
    still be negated (once, by the first user of its accumulator)."""

    op: Operation
    weights: np.ndarray  # int64, as quantized (never negated)
    element_type: Attribute
    int_range: tuple[int, int]  # of the weight quantizer
    channel_axis: int  # the output channel axis among the non-batch axes
    channels: int
    sign: np.ndarray | None = None  # +1/-1 per output channel once frozen


@dataclass
class _QAct:
    value: SSAValue  # integer-like
    scale: np.ndarray  # Fractions > 0


@dataclass
class _Affine:
    acc: SSAValue
    a: np.ndarray
    b: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    acc_lo: np.ndarray  # interval bound of acc (Python ints)
    acc_hi: np.ndarray
    origin: _Linear | None = None  # set while acc is a linear layer's unfrozen accumulator


@dataclass
class _Kept:
    value: SSAValue


_State = _Float | _Const | _QWeight | _QAct | _Affine | _Kept

# --------------------------------------------------------------------------- rounding


def level_boundaries(min_int: int, max_int: int, mode: str) -> list[tuple[int, bool]]:
    """For each level j in (min_int, max_int]: (2t, strict) such that a quantizer with that
    range and rounding mode gives q >= j iff its input v >= t (v > t when strict).  The clamp
    to [min_int, max_int] before rounding never moves these boundaries (they lie inside)."""
    return [_boundary(j, mode) for j in range(min_int + 1, max_int + 1)]


def _boundary(j: int, mode: str) -> tuple[int, bool]:
    """Quantizer output q >= j iff v >= t (or v > t when strict); returns (2t, strict)."""
    if mode in ("ROUND", "HALF_EVEN"):
        return 2 * j - 1, j % 2 == 1  # j - 1/2 rounds to the even neighbour
    if mode == "HALF_UP":  # ties away from zero
        return 2 * j - 1, j <= 0
    if mode == "HALF_DOWN":  # ties toward zero
        return 2 * j - 1, j >= 1
    if mode == "CEIL":
        return 2 * j - 2, True
    if mode == "FLOOR":
        return 2 * j, False
    if mode == "UP":  # away from zero: ceil above zero, floor below
        return (2 * j - 2, True) if j >= 1 else (2 * j, False)
    if mode == "DOWN":  # toward zero
        return (2 * j, False) if j >= 1 else (2 * j - 2, True)
    raise ValueError(f"unknown rounding mode {mode}")


def channel_thresholds(levels: Sequence[tuple[int, bool]], a: Fraction, b: Fraction,
                       lo: Fraction | float, hi: Fraction | float, s: Fraction,
                       zp: Fraction, acc_lo: int, acc_hi: int,
                       float_quotient: bool = True) -> list[int]:
    """Integer thresholds of one channel, one per level.

    The quantizer input is v = clamp(a * x + b, lo, hi) / s + zp for an integer x in
    [acc_lo, acc_hi], a >= 0; level (e, strict) is crossed when v >= e/2 (v > e/2 if strict),
    i.e. when clamp(a x + b, lo, hi) >= u = (e/2 - zp) s.  The threshold is the smallest
    integer x that crosses it, clipped to [acc_lo, acc_hi + 1] (acc_hi + 1: never crossed).

    With `float_quotient` (rpnn.quant, docs/semantics.md), v is fl(fl(clamp(...) / s) + zp):
    the quotient and the sum are rounded to float64.  That differs from the exact v only
    where v lies within a few float64 ulps of a boundary without being on it; such
    thresholds (found with integer arithmetic) are moved to where the float64 evaluation,
    which is monotone in x, first crosses.
    """
    never = acc_hi + 1
    # Where the clamp decides alone: u <= lo (always) / u > hi (never), in units of e.
    lo_e = None if lo == -INF else 2 * (lo / s + zp)
    hi_e = None if hi == INF else 2 * (hi / s + zp)
    row: list[int] = []
    near: set[int] = set()  # levels (by e) where float64 rounding may decide
    if float_quotient:
        eps = Fraction(max((abs(e) for e, _ in levels), default=0) + 2 * abs(zp) + 2, 2**41)
        near_e = [x for x in (lo_e, hi_e) if x is not None]
    if a == 0:
        f0 = b if lo_e is None or b >= lo else lo
        f0 = f0 if hi_e is None or f0 <= hi else hi
        f_e = 2 * (f0 / s + zp)
        for e, strict in levels:
            row.append(acc_lo if (e < f_e if strict else e <= f_e) else never)
        if float_quotient:
            near_e.append(f_e)
    else:
        # x >= (u - b) / a = e * P + Q with P = s / (2a), Q = (-zp s - b) / a.
        p, q = s / (2 * a), (-zp * s - b) / a
        den = p.denominator * q.denominator // math.gcd(p.denominator, q.denominator)
        p_num, q_num = p.numerator * (den // p.denominator), q.numerator * (den // q.denominator)
        always_max = never_min = None  # integer cutoffs on e, per strictness
        if lo_e is not None:
            always_max = (math.floor(lo_e), math.ceil(lo_e) - 1)  # (non-strict, strict)
        if hi_e is not None:
            never_min = (math.floor(hi_e) + 1, math.ceil(hi_e))
        # |x - (e P + Q)| * a / s < eps (v within eps of the boundary) in integer units:
        close = math.ceil(eps * den * s / a) if float_quotient else 0
        for e, strict in levels:
            if always_max is not None and e <= always_max[strict]:
                row.append(acc_lo)
                continue
            if never_min is not None and e >= never_min[strict]:
                row.append(never)
                continue
            num = e * p_num + q_num
            t = num // den + 1 if strict else _ceil(num, den)
            t = min(max(t, acc_lo), never)
            if close and any(0 < abs(x * den - num) < close for x in (t - 1, t)
                             if acc_lo <= x <= acc_hi):
                near.add(e)
            row.append(t)
    if not float_quotient:
        return row
    for x in near_e:  # a clamp bound or a constant close to (not on) a boundary
        nearest = round(x)
        if 0 < abs(x - nearest) < 2 * eps:
            near.add(nearest)
    if not near:
        return row
    zp_float = float(zp)

    def crosses(x: int, e: int, strict: bool) -> bool:
        f = min(max(a * x + b, lo), hi)
        v = float(Fraction(f) / s) + zp_float  # both roundings of docs/semantics.md
        return v > e / 2 if strict else v >= e / 2

    for index, (e, strict) in enumerate(levels):
        if e in near:
            t = row[index]
            while t > acc_lo and crosses(t - 1, e, strict):
                t -= 1
            while t <= acc_hi and not crosses(t, e, strict):
                t += 1
            row[index] = t
    return row


# --------------------------------------------------------------------------- the pass


def _shape(value: SSAValue) -> tuple[int, ...]:
    typ = value.type
    assert isinstance(typ, TensorType)
    return tuple(typ.get_shape())


def _elt(value: SSAValue) -> Attribute:
    typ = value.type
    assert isinstance(typ, TensorType)
    return typ.element_type


def _value_names(fn: func.FuncOp) -> dict[SSAValue, str]:
    """The names the printer gives a function's values (`%3`, `%x`)."""
    names: dict[SSAValue, str] = {}
    counter = 0

    def visit(value: SSAValue) -> None:
        nonlocal counter
        if value.name_hint:
            names[value] = value.name_hint
        else:
            names[value] = str(counter)
            counter += 1

    for block in fn.body.blocks:
        for arg in block.args:
            visit(arg)
        for op in block.ops:
            for result in op.results:
                visit(result)
    return names


def _dense(values: np.ndarray, element_type: Attribute):
    return dtypes.numpy_to_dense(np.asarray(values), element_type)


FLOAT_EXACT = 2**24
"""Integers of magnitude up to this are exact in f32 (a tail matmul whose partial sums stay
below it, in units of its power-of-two scale, is exact in any summation order)."""


def _power_of_two(value) -> bool:
    value = Fraction(value)
    return value > 0 and value.numerator & (value.numerator - 1) == 0 and (
        value.denominator & (value.denominator - 1) == 0) and (
        Fraction(1, 2**120) <= value <= 2**120)


def _float_tail(fn: func.FuncOp) -> set[Operation]:
    """The ops the returned values depend on without passing an activation quantizer: f32
    results computed after the last quantizers (or on constants only), used only by the
    tail itself, the return or a top-k."""
    tail: set[Operation] = set()
    stack = [v for op in fn.body.block.ops if isinstance(op, func.ReturnOp) for v in op.operands]
    while stack:
        owner = stack.pop().owner
        if not isinstance(owner, Operation) or owner in tail or isinstance(
                owner, rpnn.QuantOp | rpnn.BipolarQuantOp | rpnn.ConstantOp):
            continue
        if not any(isinstance(r.type, TensorType) and dtypes.is_float(r.type.element_type)
                   for r in owner.results):
            continue  # an integer result (rpnn.topk): not float arithmetic
        tail.add(owner)
        stack.extend(owner.operands)
    changed = True
    while changed:  # a value also used by the integer network stays in its exact form there
        inside = {op for op in tail if all(
            use.operation in tail or isinstance(use.operation, func.ReturnOp | rpnn.TopKOp)
            for r in op.results for use in r.uses)}
        changed = inside != tail
        tail = inside
    return tail


class _Streamliner:
    def __init__(self, fn: func.FuncOp, acc_width: int, onnx: bool = False):
        self.fn = fn
        self.onnx = onnx  # float-tail=onnx: keep the float tail as f32 ops
        self.tail: set[Operation] = set()
        self.names = _value_names(fn)
        self.states: dict[SSAValue, _State] = {}
        self.acc_type = dtypes.int_type(acc_width, signed=True)
        self.acc_max = (1 << (acc_width - 1)) - 1
        self.at: Operation | None = None
        self.floats: dict[SSAValue, SSAValue] = {}  # graph value -> its f32 tail
        self.created: list[Operation] = []  # every op the pass inserted, in order
        self.old_ops: list[Operation] = []
        self.returns: list[tuple[func.ReturnOp, tuple[SSAValue, ...]]] = []  # original operands

    # ---- helpers ---------------------------------------------------------------------

    def name(self, value: SSAValue) -> str:
        return "%" + self.names.get(value, value.name_hint or "?")

    def error(self, op: Operation, why: str) -> PassFailedException:
        where = f"{op.name} ({self.name(op.results[0])})" if op.results else op.name
        return PassFailedException(f"{where}: {why}")

    def describe(self, value: SSAValue) -> str:
        owner = value.owner
        what = owner.name if isinstance(owner, Operation) else "function argument"
        return f"{self.name(value)} ({what})"

    def insert(self, op: Operation, hint: SSAValue | None = None) -> Operation:
        assert self.at is not None
        Rewriter.insert_op(op, InsertPoint.before(self.at))
        self.created.append(op)
        if hint is not None and hint.name_hint and op.results:
            op.results[0].name_hint = hint.name_hint
        return op

    def const_param(self, op: Operation, values: np.ndarray, shape: Sequence[int],
                    what: str) -> np.ndarray:
        """A constant operand of an element-wise op on a value of `shape` as a parameter."""
        values = np.asarray(values, dtype=np.float64)
        if not np.all(np.isfinite(values)):
            raise self.error(op, f"{what} is not finite")
        if values.ndim > len(shape):
            raise self.error(op, f"{what} of shape {list(values.shape)} has more axes than "
                             f"the tensor {list(shape)}")
        full = values.reshape((1,) * (len(shape) - values.ndim) + values.shape)
        if full.shape[0] != 1:
            full = _compact(full)
            if full.shape[0] != 1:
                raise self.error(op, f"{what} varies along the batch axis")
        try:
            np.broadcast_shapes(full.shape[1:], tuple(shape[1:]))
        except ValueError:
            raise self.error(op, f"{what} does not broadcast to {list(shape)}") from None
        if np.broadcast_shapes(full.shape[1:], tuple(shape[1:])) != tuple(shape[1:]):
            raise self.error(op, f"{what} of shape {list(values.shape)} would change the "
                             f"shape {list(shape)}")
        return _exact(full[0])

    # ---- driver ----------------------------------------------------------------------

    def run(self) -> None:
        """Insert the integer-level ops and rewrite the return (old ops stay until finish)."""
        self.old_ops = list(self.fn.body.block.ops)
        if self.onnx:
            self.tail = _float_tail(self.fn)
        self.rewrite(self.old_ops)

    def undo(self) -> None:
        """Leave the function as it was: restore the return, drop what was inserted."""
        for ret, operands in self.returns:
            ret.operands = operands
        alive = [op for op in self.created if op.parent is not None]
        while alive:  # users before the values they use
            unused = [op for op in alive if not any(r.uses for r in op.results)]
            for op in unused:
                Rewriter.erase_op(op)
            alive = [op for op in alive if op not in unused]

    def finish(self) -> None:
        """Erase the graph-level ops left without users; mark an onnx float tail."""
        for op in reversed(self.old_ops):
            if not isinstance(op, func.ReturnOp) and not any(r.uses for r in op.results):
                Rewriter.erase_op(op)
        if self.onnx:
            self.fn.attributes[interp.FLOAT_TAIL_ATTR] = StringAttr("onnx")

    def rewrite(self, old_ops: list[Operation]) -> None:
        """Give every value its state, inserting the integer-level ops; rewrite the return."""
        for arg in self.fn.body.block.args:
            self.states[arg] = _Float(arg)
        for op in old_ops:
            self.at = op
            if isinstance(op, func.ReturnOp):
                self.rewrite_return(op)
                continue
            if op in self.tail:
                self.states[op.results[0]] = self.on_tail(op)
                continue
            if self.is_host_preprocessing(op):
                self.states[op.results[0]] = _Float(op.results[0])
                continue
            handler = _HANDLERS.get(type(op))
            if handler is None or len(op.results) != 1:
                raise self.error(op, "has no integer-level form (op not supported by "
                                 "rpnn-streamline)")
            self.states[op.results[0]] = handler(self, op)

    def is_host_preprocessing(self, op: Operation) -> bool:
        """Float arithmetic on an input before its quantizer (e.g. Brevitas' 2x - 1) stays
        as it is: the host computes it, and the quantizer after it is the network's entry."""
        if not isinstance(op, _HOST_OPS):
            return False
        states = [self.states.get(v) for v in op.operands]
        return (any(isinstance(s, _Float) for s in states)
                and all(isinstance(s, _Float | _Const) for s in states))

    def operand(self, op: Operation, value: SSAValue) -> _State:
        return self.states[value]

    # ---- constants and quantizers ----------------------------------------------------

    def on_constant(self, op: rpnn.ConstantOp) -> _State:
        if not dtypes.is_float(_elt(op.output)):
            return _Kept(op.output)  # left unchanged
        return _Const(dtypes.dense_to_numpy(op.value).astype(np.float64))

    def on_quant(self, op: rpnn.QuantOp | rpnn.BipolarQuantOp) -> _State:
        if not dtypes.is_float(_elt(op.output)):
            raise self.error(op, "the module is already at the integer level (integer result)")
        state = self.operand(op, op.input)
        if isinstance(state, _QWeight):
            state = _Const(state.real())
        if isinstance(state, _Const):
            return self.quantize_weights(op, state)
        if isinstance(state, _Float):
            return self.quantize_input(op, state)
        if isinstance(state, _QAct):
            state = self.affine_of(state)
        if isinstance(state, _Affine):
            return self.threshold(op, state)
        raise self.error(op, f"cannot quantize {self.describe(op.input)}")

    def zero_point(self, op: Operation) -> np.ndarray:
        if isinstance(op, rpnn.BipolarQuantOp):
            return np.zeros(())
        return dtypes.dense_to_numpy(op.zero_point).astype(np.float64)

    def quantize_weights(self, op, state: _Const) -> _QWeight:
        values = state.values
        scale = np.broadcast_to(dtypes.dense_to_numpy(op.scale).astype(np.float64),
                                values.shape)
        if isinstance(op, rpnn.BipolarQuantOp):
            ints = np.where(values >= 0, 1, -1).astype(np.int64)
            return _QWeight(ints, rpnn.BipolarType(), scale, op.output, (-1, 1))
        if np.any(self.zero_point(op) != 0):
            raise self.error(op, "weights with a nonzero zero point are not supported")
        ints = interp.quantize(values, op, onnx=self.onnx).astype(np.int64)
        lo, hi = op.int_range()
        if op.bit_width.value.data == 1 and op.signed:
            element_type: Attribute = rpnn.BipolarType()
        else:
            element_type = dtypes.narrowest_int_type(lo, hi)
        return _QWeight(ints, element_type, scale, op.output, (lo, hi))

    def int_result_type(self, op) -> Attribute:
        """Element type of the integer result q - zero_point of an activation quantizer."""
        if isinstance(op, rpnn.BipolarQuantOp):
            return rpnn.BipolarType()
        zp = self.zero_point(op)
        if op.bit_width.value.data == 1 and op.signed:
            if np.any(zp != 0):
                raise self.error(op, "a bipolar (1-bit signed) quantizer with a nonzero zero "
                                 "point is not supported")
            return rpnn.BipolarType()
        if not np.all(zp == np.round(zp)):
            raise self.error(op, "an activation quantizer needs an integral zero point")
        lo, hi = op.int_range()
        lo, hi = lo - int(zp.max()), hi - int(zp.min())
        if max(-lo, hi) >= 1 << (dtypes.MAX_INT_BITS - 1):
            raise self.error(op, f"quantized range [{lo}, {hi}] exceeds "
                             f"{dtypes.MAX_INT_BITS} bits")
        return dtypes.narrowest_int_type(lo, hi)

    def quantize_input(self, op, state: _Float) -> _QAct:
        element_type = self.int_result_type(op)
        root_shape = _shape(state.root)
        scale = self.const_param(op, dtypes.dense_to_numpy(op.scale), _shape(op.input),
                                 "scale")
        if state.chain:
            zp = _compact(np.asarray(self.zero_point(op)))
            if not _uniform(scale) or zp.size != 1:
                raise self.error(op, "a per-channel quantizer after reshaping a function "
                                 "argument is not supported (quantize before reshaping)")
        new = type(op).create(
            operands=[state.root],
            result_types=[TensorType(element_type, list(root_shape))],
            properties=dict(op.properties),
        )
        value = self.insert(new, None if state.chain else op.output).results[0]
        for shape_op in state.chain:
            replay = type(shape_op).create(
                operands=[value],
                result_types=[TensorType(element_type, list(_shape(shape_op.results[0])))],
                properties=dict(shape_op.properties),
            )
            value = self.insert(replay).results[0]
        if state.chain:
            value.name_hint = op.output.name_hint
            scale = scale.reshape((1,) * (len(_shape(op.output)) - 1))
        return _QAct(value, scale)

    def affine_of(self, state: _QAct) -> _Affine:
        rank = state.scale.ndim
        lo, hi = dtypes.element_range(_elt(state.value))
        return _Affine(state.value, state.scale, _filled(_ZERO, rank), _filled(-INF, rank),
                       _filled(INF, rank), _filled(lo, rank), _filled(hi, rank))

    # ---- accumulators ----------------------------------------------------------------

    def freeze(self, op: Operation, state: _Affine) -> _Affine:
        """The same function of the accumulator as actually computed: negate (once) the
        weight channels whose factor is negative, and express A relative to the result."""
        lin = state.origin
        if lin is None:
            return state
        layout = [1] * state.a.ndim
        layout[lin.channel_axis] = lin.channels
        if lin.sign is None:
            a = np.broadcast_to(state.a, np.broadcast_shapes(state.a.shape, tuple(layout)))
            other = tuple(i for i in range(a.ndim) if i != lin.channel_axis)
            neg = np.asarray(_negative(a), dtype=bool)
            pos = np.asarray(_positive(a), dtype=bool)
            neg = np.broadcast_to(neg, a.shape).any(axis=other)
            pos = np.broadcast_to(pos, a.shape).any(axis=other)
            if np.any(neg & pos):
                raise self.error(op, "an output channel's factor changes sign along the "
                                 "tensor: thresholds cannot count upward")
            lin.sign = np.broadcast_to(np.where(neg, -1, 1), (lin.channels,)).astype(np.int64)
            if np.any(lin.sign < 0):
                self.negate_channels(lin)
        sign = lin.sign.reshape(layout)
        neg = sign < 0
        sign_obj = _exact(sign.astype(np.float64))
        acc_lo = _compact(np.where(neg, -state.acc_hi, state.acc_lo))
        acc_hi = _compact(np.where(neg, -state.acc_lo, state.acc_hi))
        return _Affine(state.acc, _times(state.a, sign_obj), state.b, state.lo, state.hi,
                       acc_lo, acc_hi)

    def negate_channels(self, lin: _Linear) -> None:
        assert lin.sign is not None
        weights = lin.weights.copy()
        if isinstance(lin.op, rpnn.MatMulOp):
            weights[:, lin.sign < 0] *= -1
        else:
            weights[lin.sign < 0] *= -1
        element_type = lin.element_type
        if not dtypes.is_bipolar(element_type):
            lo, hi = lin.int_range
            element_type = dtypes.narrowest_int_type(min(lo, -hi), max(hi, -lo))
        old = lin.op.operands[1]
        const = rpnn.ConstantOp.from_numpy(weights, element_type)
        const.output.name_hint = old.name_hint
        Rewriter.insert_op(const, InsertPoint.before(lin.op))
        self.created.append(const)
        lin.op.operands = [lin.op.operands[0], const.output]
        old_op = old.owner
        if isinstance(old_op, Operation) and not old.uses:
            Rewriter.erase_op(old_op)

    def on_linear(self, op: rpnn.MatMulOp | rpnn.Conv2dOp) -> _Affine:
        x, w = self.operand(op, op.input), self.operand(op, op.weights)
        if not isinstance(w, _QWeight):
            why = ("are not quantized (no rpnn.quant of a constant)" if isinstance(w, _Const)
                   else "are not a quantized constant")
            raise self.error(op, f"weights {self.describe(op.weights)} {why}; {QUANTIZE_HINT}")
        if not isinstance(x, _QAct):
            if isinstance(x, _Affine):
                raise self.error(op, f"input {self.describe(op.input)} is a float value with "
                                 f"no activation quantizer before this layer; {QUANTIZE_HINT}")
            raise self.error(op, f"input {self.describe(op.input)} is not quantized; "
                             f"{QUANTIZE_HINT}")
        out_shape = _shape(op.output)
        x_lo, x_hi = dtypes.element_range(_elt(x.value))
        ints = w.ints
        if isinstance(op, rpnn.MatMulOp):
            if len(out_shape) < 2:
                raise self.error(op, "an input without a batch axis is not supported")
            if x.scale.shape[-1] != 1:
                raise self.error(op, f"the scale of input {self.describe(op.input)} varies "
                                 "along the reduction axis (per-channel activation scale "
                                 "feeding a matmul over those channels)")
            ws = _compact(w.scale)
            if ws.shape[0] != 1:
                raise self.error(op, "the weight scale varies along the reduction axis K")
            channels, channel_axis = ints.shape[1], len(out_shape) - 2
            sw = np.broadcast_to(_exact(np.broadcast_to(ws, (1, channels))[0]), (channels,))
            pos, neg = np.clip(ints, 0, None).sum(axis=0), np.clip(ints, None, 0).sum(axis=0)
            layout = (1,) * channel_axis + (channels,)
        else:
            padding = rpnn._ints(op.padding)
            if any(padding):
                if dtypes.is_bipolar(_elt(x.value)):
                    raise self.error(op, "zero padding of a bipolar input cannot be expressed "
                                     "on integers (bipolar has no zero)")
                x_lo, x_hi = min(x_lo, 0), max(x_hi, 0)
            groups = op.groups.value.data
            if any(d != 1 for d in x.scale.shape[1:]):
                raise self.error(op, f"the scale of input {self.describe(op.input)} varies "
                                 "spatially")
            in_channels, channels = _shape(op.input)[1], ints.shape[0]
            xs = np.broadcast_to(x.scale.reshape(-1), (in_channels,)).reshape(groups, -1)
            if not all(len(set(row)) == 1 for row in xs.tolist()):
                raise self.error(op, f"the scale of input {self.describe(op.input)} varies "
                                 "within a convolution group (per-channel activation scale "
                                 "feeding a convolution over those channels)")
            ws = _compact(w.scale)
            if any(d != 1 for d in ws.shape[1:]):
                raise self.error(op, "the weight scale varies within an output channel")
            per_group = channels // groups
            sw = _exact(np.broadcast_to(ws.reshape(-1), (channels,)))
            group_scale = np.array([xs[o // per_group, 0] for o in range(channels)],
                                   dtype=object)
            sw = sw * group_scale
            flat = ints.reshape(channels, -1)
            pos, neg = np.clip(flat, 0, None).sum(axis=1), np.clip(flat, None, 0).sum(axis=1)
            channel_axis = 0
            layout = (channels, 1, 1)
        if isinstance(op, rpnn.MatMulOp):
            a = _times(x.scale, sw.reshape(layout))
        else:
            a = _compact(sw.reshape(layout))
        hi = [x_hi * int(p) + x_lo * int(n) for p, n in zip(pos, neg, strict=True)]
        lo = [x_lo * int(p) + x_hi * int(n) for p, n in zip(pos, neg, strict=True)]
        bound = max(max(map(abs, hi), default=0), max(map(abs, lo), default=0))
        if bound > self.acc_max:
            raise self.error(op, f"accumulator bound {bound} exceeds "
                             f"{dtypes.type_str(self.acc_type)}")
        const = self.insert(rpnn.ConstantOp.from_numpy(ints, w.element_type), w.source)
        new = type(op).create(
            operands=[x.value, const.results[0]],
            result_types=[TensorType(self.acc_type, list(out_shape))],
            properties=dict(op.properties),
        )
        self.insert(new, op.output)
        lin = _Linear(new, ints, w.element_type, w.int_range, channel_axis, channels)
        rank = len(out_shape) - 1
        acc_lo = _compact(np.array(lo, dtype=object).reshape(layout))
        acc_hi = _compact(np.array(hi, dtype=object).reshape(layout))
        return _Affine(new.results[0], a, _filled(_ZERO, rank), _filled(-INF, rank),
                       _filled(INF, rank), acc_lo, acc_hi, lin)

    # ---- thresholds --------------------------------------------------------------------

    def threshold(self, op, state: _Affine) -> _QAct:
        state = self.freeze(op, state)
        shape = _shape(op.input)
        if len(shape) < 2:
            raise self.error(op, "an activation without a channel axis is not supported")
        channels = shape[1]
        scale = self.const_param(op, dtypes.dense_to_numpy(op.scale), shape, "scale")
        zp_param = self.const_param(op, self.zero_point(op), shape, "zero point")
        out_type = self.int_result_type(op)
        vectors = {}
        for key, arr in (("a", state.a), ("b", state.b), ("lo", state.lo), ("hi", state.hi),
                         ("acc_lo", state.acc_lo), ("acc_hi", state.acc_hi), ("s", scale),
                         ("zp", zp_param)):
            vec = _per_channel(arr, channels)
            if vec is None:
                raise self.error(op, f"the folded {'quantizer ' if key in ('s', 'zp') else ''}"
                                 "parameters vary along the spatial axes: a multithreshold "
                                 "takes one row of thresholds per channel")
            vectors[key] = vec
        if any(a < 0 for a in vectors["a"]):
            raise self.error(op, "the quantizer input decreases with "
                             f"{self.describe(state.acc)} (a negative factor) and only a linear "
                             "layer's accumulator can be negated")
        if isinstance(op, rpnn.BipolarQuantOp) or dtypes.is_bipolar(out_type):
            levels = [(0, False)]
            out_scale, out_bias = 2.0, -1.0
        else:
            lo, hi = op.int_range()
            mode = op.rounding_mode.data
            try:  # before building them: 31 bits would be 2^31 thresholds per channel
                limits.check_elements((channels, hi - lo), "the multithreshold of this "
                                      f"quantizer ({channels} channels x {hi - lo} levels)")
            except limits.LimitError as e:
                raise self.error(op, str(e)) from None
            levels = level_boundaries(lo, hi, mode)
            if len(set(vectors["zp"])) != 1:
                raise self.error(op, "a per-channel zero point is not supported on an "
                                 "activation quantizer (out_bias is one value)")
            out_scale, out_bias = 1.0, float(lo - int(vectors["zp"][0]))
        float_quotient = isinstance(op, rpnn.QuantOp)  # bipolar_quant compares x >= 0
        keys = ("a", "b", "lo", "hi", "s", "zp", "acc_lo", "acc_hi")
        rows = [channel_thresholds(levels, *(vectors[k][c] for k in keys),
                                   float_quotient=float_quotient)
                for c in range(channels)]
        table = np.array(rows, dtype=np.int64).reshape(channels, len(levels))
        if channels > 1 and np.all(table == table[:1]):
            table = table[:1]
        t_lo, t_hi = int(table.min()), int(table.max())
        if max(-t_lo, t_hi) > self.acc_max + 1 or t_hi > self.acc_max:
            raise self.error(op, "thresholds exceed 32 bits")
        th = self.insert(rpnn.ConstantOp.from_numpy(table, dtypes.narrowest_int_type(t_lo,
                                                                                      t_hi)))
        if op.output.name_hint:
            th.results[0].name_hint = op.output.name_hint + "_th"
        properties = {}
        if out_scale != 1.0:
            properties["out_scale"] = FloatAttr(out_scale, f32)
        if out_bias != 0.0:
            properties["out_bias"] = FloatAttr(out_bias, f32)
        mt = rpnn.MultiThresholdOp.create(
            operands=[state.acc, th.results[0]],
            result_types=[TensorType(out_type, list(shape))],
            properties=properties,
        )
        self.insert(mt, op.output)
        return _QAct(mt.results[0], scale)

    # ---- element-wise ops --------------------------------------------------------------

    def as_affine(self, op: Operation, value: SSAValue) -> _Affine:
        state = self.operand(op, value)
        if isinstance(state, _QAct):
            return self.affine_of(state)
        if isinstance(state, _Affine):
            return state
        raise self.error(op, f"operand {self.describe(value)} is not a quantized tensor or an "
                         "accumulator (unquantized float arithmetic is not supported)")

    def mul(self, state: _Affine, c: np.ndarray) -> _Affine:
        a, b, lo, hi = _mul_affine(state.a, state.b, state.lo, state.hi, c)
        return _Affine(state.acc, a, b, lo, hi, state.acc_lo, state.acc_hi, state.origin)

    def add(self, state: _Affine, c: np.ndarray) -> _Affine:
        b, lo, hi = _add_affine(state.b, state.lo, state.hi, c)
        return _Affine(state.acc, state.a, b, lo, hi, state.acc_lo, state.acc_hi, state.origin)

    def const_operand(self, op, lhs: SSAValue, rhs: SSAValue):
        """(other value, constant values) when exactly one operand is a constant."""
        states = [self.operand(op, v) for v in (lhs, rhs)]
        consts = [s.real() if isinstance(s, _QWeight) else s.values
                  if isinstance(s, _Const) else None for s in states]
        if consts[1] is not None and consts[0] is None:
            return lhs, consts[1]
        if consts[0] is not None and consts[1] is None:
            return rhs, consts[0]
        return None

    def on_add(self, op: rpnn.AddOp) -> _State:
        states = [self.operand(op, v) for v in (op.lhs, op.rhs)]
        if all(isinstance(s, _Const | _QWeight) for s in states):
            return self.fold_constants(op, states, np.add)
        pair = self.const_operand(op, op.lhs, op.rhs)
        if pair is not None:
            value, c = pair
            if _shape(value) != _shape(op.output):
                raise self.error(op, "a constant operand that broadcasts the tensor to a "
                                 "larger shape is not supported")
            return self.add(self.as_affine(op, value), self.const_param(
                op, c, _shape(op.output), "the constant operand"))
        lhs, rhs = states
        if isinstance(lhs, _QAct) and isinstance(rhs, _QAct):
            if not (_shape(op.lhs) == _shape(op.rhs) == _shape(op.output)):
                raise self.error(op, "a residual add with broadcasting is not supported")
            if lhs.scale.shape != rhs.scale.shape or not np.all(lhs.scale == rhs.scale):
                raise self.error(op, f"residual operands {self.name(op.lhs)} and "
                                 f"{self.name(op.rhs)} carry different scales")
            l_lo, l_hi = dtypes.element_range(_elt(lhs.value))
            r_lo, r_hi = dtypes.element_range(_elt(rhs.value))
            out_type = dtypes.narrowest_int_type(l_lo + r_lo, l_hi + r_hi)
            new = rpnn.AddOp.create(operands=[lhs.value, rhs.value],
                                    result_types=[TensorType(out_type, list(_shape(op.output)))])
            return _QAct(self.insert(new, op.output).results[0], lhs.scale)
        raise self.error(op, f"cannot add {self.describe(op.lhs)} and {self.describe(op.rhs)}"
                         " on integers (both must be quantized with the same scale, or one a "
                         "constant folded into thresholds)")

    def on_mul(self, op: rpnn.MulOp) -> _State:
        states = [self.operand(op, v) for v in (op.lhs, op.rhs)]
        if all(isinstance(s, _Const | _QWeight) for s in states):
            return self.fold_constants(op, states, np.multiply)
        pair = self.const_operand(op, op.lhs, op.rhs)
        if pair is None:
            raise self.error(op, "a product of two non-constant tensors is not supported")
        value, c = pair
        if _shape(value) != _shape(op.output):
            raise self.error(op, "a constant operand that broadcasts the tensor to a larger "
                             "shape is not supported")
        return self.mul(self.as_affine(op, value),
                        self.const_param(op, c, _shape(op.output), "the constant operand"))

    def on_div(self, op: rpnn.DivOp) -> _State:
        states = [self.operand(op, v) for v in (op.lhs, op.rhs)]
        if all(isinstance(s, _Const | _QWeight) for s in states):
            return self.fold_constants(op, states, np.divide)
        if not isinstance(states[1], _Const | _QWeight) or isinstance(states[0], _Const
                                                                       | _QWeight):
            raise self.error(op, "only a division by a constant is supported")
        divisor = states[1].real() if isinstance(states[1], _QWeight) else states[1].values
        if _shape(op.lhs) != _shape(op.output):
            raise self.error(op, "a constant operand that broadcasts the tensor to a larger "
                             "shape is not supported")
        c = self.const_param(op, divisor, _shape(op.output), "the divisor")
        if any(v == 0 for v in c.reshape(-1).tolist()):
            raise self.error(op, "division by zero")
        return self.mul(self.as_affine(op, op.lhs), _reciprocal(c))

    def fold_constants(self, op, states, function) -> _Const:
        values = [s.real() if isinstance(s, _QWeight) else s.values for s in states]
        return _Const(function(values[0], values[1]))

    def on_batchnorm(self, op: rpnn.BatchNormOp) -> _Affine:
        state = self.as_affine(op, op.input)
        rank = len(_shape(op.input)) - 1
        layout = (-1,) + (1,) * (rank - 1)

        def vec(attr):
            return dtypes.dense_to_numpy(attr).astype(np.float64)

        # The factor exactly as the interpreter computes it (docs/semantics.md).
        m = vec(op.scale) / np.sqrt(vec(op.var) + op.epsilon.value.data)
        m_exact = _exact(m.reshape(layout))
        shift = _exact(vec(op.bias).reshape(layout)) - _times(
            _exact(vec(op.mean).reshape(layout)), m_exact)
        return self.add(self.mul(state, m_exact), _compact(shift))

    def on_relu(self, op: rpnn.ReluOp) -> _Affine:
        state = self.as_affine(op, op.input)
        lo, hi = _relu_affine(state.lo, state.hi)
        return _Affine(state.acc, state.a, state.b, lo, hi, state.acc_lo, state.acc_hi,
                       state.origin)

    def on_scale_bias(self, op: rpnn.ScaleBiasOp) -> _Affine:
        state = self.as_affine(op, op.input)
        shape = _shape(op.input)
        scale = self.const_param(op, dtypes.dense_to_numpy(op.scale), shape, "scale")
        bias = self.const_param(op, dtypes.dense_to_numpy(op.bias), shape, "bias")
        return self.add(self.mul(state, scale), bias)

    # ---- shape ops -------------------------------------------------------------------

    def shape_op(self, op: Operation, param_fn: Callable[[np.ndarray], np.ndarray | None]):
        value, result = op.operands[0], op.results[0]
        state = self.operand(op, value)
        if isinstance(state, _Float):
            if isinstance(op, rpnn.MaxPoolOp):
                raise self.error(op, f"{self.describe(value)} is not quantized; "
                                 f"{QUANTIZE_HINT}")
            return _Float(state.root, (*state.chain, op))
        if isinstance(state, _Const | _QWeight):
            values = state.real() if isinstance(state, _QWeight) else state.values
            if isinstance(op, rpnn.ReshapeOp):
                return _Const(values.reshape(_shape(result)))
            if isinstance(op, rpnn.TransposeOp):
                return _Const(values.transpose(rpnn._ints(op.perm)))
            raise self.error(op, "pooling a constant is not supported")

        def transform(arr: np.ndarray, what: str) -> np.ndarray:
            out = param_fn(arr)
            if out is None:
                raise self.error(op, f"the {what} varies along axes this op moves into the "
                                 "batch axis")
            return out

        def rebuild(source: SSAValue) -> SSAValue:
            new = type(op).create(
                operands=[source],
                result_types=[TensorType(_elt(source), list(_shape(result)))],
                properties=dict(op.properties),
            )
            return self.insert(new, result).results[0]

        if isinstance(state, _Kept):
            return _Kept(rebuild(state.value))  # e.g. ArgMax(keepdims=0): topk, then reshape
        if isinstance(state, _QAct):
            return _QAct(rebuild(state.value), transform(state.scale, "scale"))
        if isinstance(state, _Affine):
            state = self.freeze(op, state)
            params = [transform(arr, "folded factor") for arr in
                      (state.a, state.b, state.lo, state.hi, state.acc_lo, state.acc_hi)]
            return _Affine(rebuild(state.acc), *params)
        raise self.error(op, f"operand {self.describe(value)} is not a tensor of this level")

    def on_maxpool(self, op: rpnn.MaxPoolOp) -> _State:
        def param(arr: np.ndarray) -> np.ndarray | None:
            return arr if all(d == 1 for d in arr.shape[1:]) else None

        state = self.operand(op, op.input)
        if isinstance(state, _Affine):
            frozen = self.freeze(op, state)
            if any(v < 0 for v in frozen.a.reshape(-1).tolist()):
                raise self.error(op, "max pooling a value that decreases with its accumulator "
                                 f"{self.describe(frozen.acc)} is not supported")
            self.states[op.input] = frozen
        return self.shape_op(op, param)

    def on_reshape(self, op: rpnn.ReshapeOp) -> _State:
        in_shape, out_shape = _shape(op.input), _shape(op.output)
        return self.shape_op(op, lambda arr: _reshape_param(arr, in_shape, out_shape))

    def on_transpose(self, op: rpnn.TransposeOp) -> _State:
        perm = rpnn._ints(op.perm)
        return self.shape_op(op, lambda arr: _transpose_param(arr, perm))

    # ---- the float tail (float-tail=onnx) ---------------------------------------------

    def on_tail(self, op: Operation) -> _State:
        """`op` rebuilt on f32 values (evaluated as onnxruntime does), or a matmul whose f32
        evaluation is exact kept as an integer layer."""
        if isinstance(op, rpnn.MatMulOp) and self.exact_in_f32(op):
            return self.on_linear(op)
        if isinstance(op, rpnn.ReshapeOp | rpnn.TransposeOp) and all(
                isinstance(self.operand(op, v), _Const | _QWeight) for v in op.operands):
            return _HANDLERS[type(op)](self, op)  # moves constant values: exact
        if isinstance(op, rpnn.Conv2dOp):
            raise self.error(op, "an f32 convolution in the float tail: onnxruntime's "
                             "convolution kernels are not reproduced by float-tail=onnx")
        operands = [self.tail_operand(op, v) for v in op.operands]
        new = type(op).create(operands=operands, result_types=[r.type for r in op.results],
                              properties=dict(op.properties), attributes=dict(op.attributes))
        return _Float(self.insert(new, op.results[0]).results[0])

    def exact_in_f32(self, op: rpnn.MatMulOp) -> bool:
        """Every product and partial sum of this matmul is exact in f32 (power-of-two scales,
        sums below 2^24 scale units): any summation order gives A * acc exactly."""
        x, w = self.operand(op, op.input), self.operand(op, op.weights)
        if not (isinstance(x, _QAct) and isinstance(w, _QWeight) and _uniform(x.scale)):
            return False
        scales = [_first(x.scale) * Fraction(v) for v in np.unique(w.scale).tolist()]
        if not all(_power_of_two(v) for v in scales):
            return False
        x_lo, x_hi = dtypes.element_range(_elt(x.value))
        column = np.abs(w.ints).sum(axis=0) if w.ints.ndim == 2 else np.abs(w.ints)
        return int(column.max(initial=0)) * max(abs(x_lo), abs(x_hi)) < FLOAT_EXACT

    def tail_operand(self, op: Operation, value: SSAValue) -> SSAValue:
        """The f32 value of a tail op's operand: a rebuilt tail value, a constant, or a
        quantized value (or exact accumulator) dequantized by an exact rpnn.scale_bias."""
        state = self.operand(op, value)
        if isinstance(state, _Float):
            return state.chain[-1].results[0] if state.chain else state.root
        if isinstance(state, _QWeight):  # q * scale rounded once to f32, as qonnx's Quant
            single = np.asarray(state.real(), dtype=np.float32)
            return self.insert(rpnn.ConstantOp.from_numpy(single, f32), value).results[0]
        if isinstance(state, _Const):
            single = np.asarray(state.values, dtype=np.float32)
            if not np.array_equal(single.astype(np.float64), state.values):
                raise self.error(op, f"the constant {self.name(value)} is not an f32 value")
            return self.insert(rpnn.ConstantOp.from_numpy(single, f32), value).results[0]
        if isinstance(state, _QAct | _Affine):
            return self.to_float(op, value)
        raise self.error(op, f"operand {self.describe(value)} has no f32 form in the float "
                         "tail")

    def check_exact_affine(self, op: Operation, value: SSAValue, state: _Affine) -> None:
        """float-tail=onnx: the f32 value of an accumulator must be A * acc exactly."""
        a = state.a.reshape(-1).tolist()
        bound = max(max((abs(v) for v in state.acc_lo.reshape(-1).tolist()), default=0),
                    max((abs(v) for v in state.acc_hi.reshape(-1).tolist()), default=0))
        if not (all(_power_of_two(abs(v)) for v in a) and bound < FLOAT_EXACT
                and all(v == 0 for v in state.b.reshape(-1).tolist())):
            raise self.error(op, f"{self.name(value)} is computed on integers, and its f32 "
                             "value is not exact: float-tail=onnx cannot give onnxruntime's "
                             "rounding of it")

    # ---- outputs -----------------------------------------------------------------------

    def to_float(self, op: Operation, value: SSAValue) -> SSAValue:
        """An f32 value equal to the graph's `value` (a float tail, or unchanged)."""
        if value not in self.floats:
            self.floats[value] = self.make_float(op, value)
        return self.floats[value]

    def make_float(self, op: Operation, value: SSAValue) -> SSAValue:
        state = self.states.get(value)
        if state is None:
            return value
        if isinstance(state, _Float):
            return value if state.chain else state.root  # the root: a rebuilt tail value
        if isinstance(state, _Kept):
            return state.value
        if isinstance(state, _Const):
            return value
        if isinstance(state, _QWeight):
            raise self.error(op, f"returning the quantized constant {self.name(value)} is not "
                             "supported")
        if isinstance(state, _QAct):
            source, scale = state.value, state.scale
            bias = _filled(_ZERO, scale.ndim)
        else:
            assert isinstance(state, _Affine)
            state = self.freeze(op, state)
            if not (_uniform(state.lo) and _uniform(state.hi) and _first(state.lo) == -INF
                    and _first(state.hi) == INF):
                raise self.error(op, f"the float output {self.name(value)} ends in a relu or "
                                 "clamp after its last layer, which rpnn.scale_bias cannot "
                                 "express")
            source, scale, bias = state.acc, state.a, state.b
            if self.onnx:
                self.check_exact_affine(op, value, state)

        def attr(arr: np.ndarray):
            values = np.vectorize(float, otypes=[np.float64])(arr) if arr.size else arr
            if _uniform(arr):
                values = np.asarray(values, dtype=np.float64).reshape(())
            return _dense(np.asarray(values, dtype=np.float64), f64)

        new = rpnn.ScaleBiasOp.create(
            operands=[source],
            result_types=[TensorType(f32, list(_shape(value)))],
            properties={"scale": attr(scale), "bias": attr(bias)},
        )
        return self.insert(new, value).results[0]

    def on_topk(self, op: rpnn.TopKOp) -> _State:
        state = self.operand(op, op.input)
        if isinstance(state, _Float) and (state.chain or state.root is op.input):
            return _Kept(op.output)  # unchanged float op
        if isinstance(state, _Float):  # of a rebuilt float-tail value
            new = rpnn.TopKOp.create(operands=[state.root], result_types=[op.output.type],
                                     properties=dict(op.properties))
            return _Kept(self.insert(new, op.output).results[0])
        source = None
        if isinstance(state, _QAct) and _uniform(state.scale):
            source = state.value
        elif isinstance(state, _Affine):
            frozen = self.freeze(op, state)
            self.states[op.input] = frozen
            uniform = all(_uniform(arr) for arr in (frozen.a, frozen.b, frozen.lo, frozen.hi))
            if (uniform and _first(frozen.a) > 0 and _first(frozen.lo) == -INF
                    and _first(frozen.hi) == INF):
                source = frozen.acc  # a monotone map keeps the order: rank the integers
        if source is None:
            source = self.to_float(op, op.input)
        new = rpnn.TopKOp.create(operands=[source], result_types=[op.output.type],
                                 properties=dict(op.properties))
        return _Kept(self.insert(new, op.output).results[0])

    def rewrite_return(self, op: func.ReturnOp) -> None:
        new_operands = [self.to_float(op, v) for v in op.operands]
        self.returns.append((op, tuple(op.operands)))
        op.operands = new_operands


_HOST_OPS = (rpnn.AddOp, rpnn.MulOp, rpnn.DivOp, rpnn.BatchNormOp, rpnn.ReluOp)
"""Float ops that may precede an input quantizer on the host."""

_HANDLERS: dict[type[Operation], Callable[[_Streamliner, Operation], _State]] = {
    rpnn.ConstantOp: _Streamliner.on_constant,
    rpnn.QuantOp: _Streamliner.on_quant,
    rpnn.BipolarQuantOp: _Streamliner.on_quant,
    rpnn.MatMulOp: _Streamliner.on_linear,
    rpnn.Conv2dOp: _Streamliner.on_linear,
    rpnn.AddOp: _Streamliner.on_add,
    rpnn.MulOp: _Streamliner.on_mul,
    rpnn.DivOp: _Streamliner.on_div,
    rpnn.BatchNormOp: _Streamliner.on_batchnorm,
    rpnn.ReluOp: _Streamliner.on_relu,
    rpnn.ScaleBiasOp: _Streamliner.on_scale_bias,
    rpnn.MaxPoolOp: _Streamliner.on_maxpool,
    rpnn.ReshapeOp: _Streamliner.on_reshape,
    rpnn.TransposeOp: _Streamliner.on_transpose,
    rpnn.TopKOp: _Streamliner.on_topk,
}


@dataclass(frozen=True)
class StreamlinePass(ModulePass):
    """Graph level -> integer level: integer weights, thresholds, a float tail.

    Options: ``acc-width`` (default 32), the width of the ``siN`` accumulator type given to
    every linear layer (``rpnn-infer-precision`` narrows it later); an interval bound that
    does not fit is reported.  ``float-tail`` (``real`` or ``onnx``): fold the float ops
    after the last quantizers into one ``rpnn.scale_bias`` (real arithmetic, rounded once),
    or keep them as f32 ops evaluated with onnxruntime's rounding (docs/passes.md).
    """

    name = "rpnn-streamline"

    acc_width: int = 32
    """Bits of the `siN` accumulator of every linear layer (narrowed later)."""
    float_tail: str = "real"
    """`real`: the float ops after the last quantizers fold into one rpnn.scale_bias; `onnx`:
    kept as f32 ops with onnxruntime's rounding (docs/passes.md, "The float tail")."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if not 2 <= self.acc_width <= dtypes.MAX_INT_BITS:
            raise PassFailedException(
                f"rpnn-streamline: acc-width ({self.acc_width}) must be between 2 and "
                f"{dtypes.MAX_INT_BITS}"
            )
        if self.float_tail not in interp.FLOAT_TAILS:
            raise PassFailedException(
                f"rpnn-streamline: float-tail={self.float_tail} must be one of "
                f"{', '.join(interp.FLOAT_TAILS)}"
            )
        functions = [f for f in op.walk() if isinstance(f, func.FuncOp) and f.body.blocks]
        streamliners = [_Streamliner(fn, self.acc_width, self.float_tail == "onnx")
                        for fn in functions]
        try:
            for streamliner in streamliners:
                streamliner.run()
        except PassFailedException:
            for streamliner in streamliners:  # a failed pass leaves the module unchanged
                streamliner.undo()
            raise
        for streamliner in streamliners:
            streamliner.finish()
