"""Hypothesis strategies for random graph-level rpnn networks (QONNX semantics, f32).

    from strategies.graph_nets import graph_nets

    @given(graph_nets())
    def test_something(net):
        (y,) = interp.run(net.module, [net.frames])

A network is an input quantizer (`rpnn.quant` of 1-8 bits, signed or not, narrow or not,
any rounding mode, sometimes a zero point; or `rpnn.bipolar_quant`; for an MLP sometimes after
flattening the input; for a conv net sometimes with a per-channel scale and a depthwise first
layer), then for a conv net
1-2 `rpnn.conv2d` layers (kernel 1-3, stride, zero padding, dilation, depthwise groups,
residual adds of equal-scale activations, `rpnn.maxpool` before or after the activation
quantizer, a flatten, sometimes through a transpose) and for both kinds 1-3 `rpnn.matmul`
layers.  Weights are f32 constants quantized by `rpnn.quant` (1-8 bits, signed/unsigned,
narrow, every rounding mode, per-tensor or per-output-channel scale) or
`rpnn.bipolar_quant`.  Between a layer and its activation quantizer come, in random order,
a bias `rpnn.add`, an `rpnn.mul` by a constant (scalar or per channel, negative or zero
included), `rpnn.batchnorm` (negative and zero scales included) and `rpnn.relu`.

The network ends with an activation quantizer (`output == "quant"`: the output is q * scale,
compared bit-exactly), or with a float tail (`"float"`: bias / batch norm / scale_bias after the
last layer, compared to 1e-6 relative), optionally followed by `rpnn.topk` (`"labels"`).

Exactness: every scale is a dyadic rational k * 2^e with a small odd k, batch norms use
var + epsilon = 4^p, and offsets (biases, means, batch-norm shifts) lie on a grid of half the
current gain, so the interpreter's float64 arithmetic is exact and the quantizer inputs hit
exact rounding ties (x.5) on reachable accumulators; input frames lie on a half-step grid of the
input scale for the same reason (plus some arbitrary values).

Activation steps are picked from the spread of the values the frames give (so outputs vary),
and a network whose first output is constant over the frames is rejected.  The structure is
drawn from hypothesis (`Chooser`: a failure shrinks to a smaller network); weight and frame
values come from a numpy generator seeded by hypothesis.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType, f32
from xdsl.ir import SSAValue

from rpnn_ir import dtypes, interp
from rpnn_ir.builders.ops import F32, FunctionBuilder, shape_of, window_out
from rpnn_ir.dialects import rpnn
from strategies.pretty import ShortRepr

MODES = ("ROUND", "HALF_EVEN", "CEIL", "FLOOR", "UP", "DOWN", "HALF_UP", "HALF_DOWN")
EPSILON = 2.0**-10


@dataclass
class GraphNet(ShortRepr):
    """A verified graph-level module with one function `@main` and input frames for it."""

    module: ModuleOp
    frames: np.ndarray  # float32, [N, *input shape without batch]
    output: str  # kind of the first result: "quant", "float" or "labels"
    description: list[str] = field(default_factory=list)

    def __repr__(self) -> str:  # what hypothesis prints for a failing example
        return (f"GraphNet({self.output}: {'; '.join(self.description)}, "
                f"frames {list(self.frames.shape)})")


@dataclass
class QuantSpec:
    """An activation or weight quantizer."""

    bipolar_op: bool  # rpnn.bipolar_quant
    bits: int = 1
    signed: bool = True
    narrow: bool = False
    mode: str = "ROUND"
    zero_point: int = 0

    @property
    def bipolar(self) -> bool:
        return self.bipolar_op or (self.bits == 1 and self.signed)

    def int_range(self) -> tuple[int, int]:
        """Range of q - zero_point."""
        if self.bipolar:
            return -1, 1
        if self.signed:
            lo, hi = -(1 << (self.bits - 1)) + self.narrow, (1 << (self.bits - 1)) - 1
        else:
            lo, hi = 0, (1 << self.bits) - 1 - self.narrow
        return lo - self.zero_point, hi - self.zero_point

    def build(self, b: FunctionBuilder, x: SSAValue, scale) -> SSAValue:
        """This quantizer of `x` (f32 result) with `scale`, appended by `b`."""
        if self.bipolar_op:
            return b.bipolar_quant(x, scale)
        return b.quant(x, scale=scale, bits=self.bits, signed=self.signed, narrow=self.narrow,
                       zero_point=float(self.zero_point), mode=self.mode)

    def __str__(self) -> str:
        if self.bipolar_op:
            return "bipolar_quant"
        flags = ("s" if self.signed else "u") + ("n" if self.narrow else "")
        zp = f" zp={self.zero_point}" if self.zero_point else ""
        return f"quant{self.bits}{flags} {self.mode}{zp}"


# --------------------------------------------------------------------------- a tiny builder


def _f32(values) -> np.ndarray:
    """float32 of rationals: exact for the generator's short-mantissa dyadics; a large offset
    times a gain with factors of 3 can need more than 24 bits and is rounded to the nearest
    f32 (the network is then merely less tie-heavy: the test's claim does not depend on it)."""
    arr = np.asarray(values, dtype=object)
    out = np.array([float(v) for v in arr.reshape(-1)], dtype=np.float64).reshape(arr.shape)
    return out.astype(np.float32)


def _pyints(values: np.ndarray) -> np.ndarray:
    """An object array of Python ints (Fraction arithmetic rejects numpy integers)."""
    return np.array(np.asarray(values).tolist(), dtype=object)


def _offsets(rng: np.random.Generator, reach: int, size: int) -> np.ndarray:
    """Integers m * 2^e (|m| <= 16, 2^e up to about `reach`): short mantissas, any size."""
    top = max(0, int(reach).bit_length() - 3)
    m = rng.integers(-16, 17, size=size)
    e = rng.integers(0, top + 1, size=size)
    return _pyints(m * (1 << e))


# --------------------------------------------------------------------------- choices


class Chooser:
    """The network's structural choices, drawn from hypothesis (so that a failing example
    shrinks to a smaller network); weight and frame values come from a numpy generator
    seeded by hypothesis."""

    def __init__(self, draw):
        self.draw = draw

    def integers(self, lo: int, hi: int) -> int:
        """An integer in [lo, hi]."""
        return self.draw(st.integers(lo, hi))

    def booleans(self) -> bool:
        return self.draw(st.booleans())

    def sampled_from(self, values: Sequence):
        return self.draw(st.sampled_from(values))

    def permutations(self, values: Sequence) -> list:
        return self.draw(st.permutations(values))


def quant_specs(draw: Chooser, *, zero_point: bool = True,
                bits: tuple[int, int] = (1, 8)) -> QuantSpec:
    """A random quantizer: rpnn.bipolar_quant, or rpnn.quant of any precision and mode."""
    if draw.integers(0, 7) == 0:
        return QuantSpec(bipolar_op=True)
    nbits = draw.integers(*bits)
    signed = draw.booleans()
    narrow = draw.booleans() and not (nbits == 1 and not signed)
    if nbits == 1 and signed:
        narrow = False  # the bipolar special case ignores narrow; keep the spec honest
    mode = draw.sampled_from(MODES)
    zp = 0
    if zero_point and not (nbits == 1 and signed) and draw.integers(0, 4) == 0:
        zp = draw.integers(-2, 2)
    return QuantSpec(False, nbits, signed, narrow, mode, zp)


def dyadic(draw: Chooser, lo_exp: int, hi_exp: int,
           odd: Sequence[int] = (1, 1, 1, 3, 5)) -> Fraction:
    """k * 2^e with a small odd k."""
    return Fraction(draw.sampled_from(odd)) * Fraction(2) ** draw.integers(lo_exp,
                                                                                 hi_exp)


@dataclass
class _Act:
    """The current activation: its value, integer range of q - zp, scale, description."""

    value: SSAValue
    lo: int
    hi: int
    scale: Fraction
    bipolar: bool


class _Net:
    def __init__(self, draw: Chooser, rng: np.random.Generator, builder: FunctionBuilder,
                 frames: np.ndarray):
        self.draw = draw
        self.rng = rng
        self.b = builder
        self.frames = frames
        self.description: list[str] = []
        self.hidden: list[SSAValue] = []  # every activation quantizer's output

    def evaluate(self, value: SSAValue) -> np.ndarray:
        """The values `value` takes on the frames (the reference interpreter on the ops built
        so far, under a temporary return)."""
        ret = func.ReturnOp(value)
        self.b.block.add_op(ret)
        try:
            (out,) = interp._run_block(self.b.block, [self.frames.astype(np.float64)])
        finally:
            ret.detach()
            ret.erase()
        return out

    def aim_at_ties(self, y: SSAValue, spec: QuantSpec, scales: Sequence[Fraction]) -> SSAValue:
        """Add a per-channel shift that puts some reachable value of `y` exactly on a rounding
        boundary of the quantizer (a tie x.5, or an integer for the directed modes)."""
        draw, rng = self.draw, self.rng
        if draw.integers(0, 3) == 0:
            return y
        values = self.evaluate(y)
        shape = shape_of(y)
        channels = shape[1]
        lo, hi = spec.int_range()
        lo, hi = lo + spec.zero_point, hi + spec.zero_point  # range of q
        shifts = []
        for c in range(channels):
            sample = np.moveaxis(values, 1, 0)[c].reshape(-1)
            if sample.size == 0 or rng.random() < 0.2:
                shifts.append(Fraction(0))
                continue
            y0 = Fraction(float(sample[rng.integers(sample.size)]))
            if spec.bipolar:
                target = Fraction(0)
            else:
                j = int(rng.integers(lo + 1, hi + 1)) if hi > lo else hi
                target = Fraction(j) - Fraction(int(rng.choice([0, 1, 1])), 2)
            shift = (target - spec.zero_point) * scales[c % len(scales)] - y0
            exact = Fraction(float(np.float32(float(shift)))) == shift
            shifts.append(shift if exact else Fraction(0))
        if not any(shifts):
            return y
        cshape = (channels,) + (1,) * (len(shape) - 2)
        c = self.b.const(_f32(shifts).reshape(cshape), F32)
        self.description.append("tie shift")
        return self.b.binary(rpnn.AddOp, y, c, F32)

    # ---- weights -------------------------------------------------------------------

    def weights(self, shape: tuple[int, ...], channel_axis: int) -> tuple[SSAValue, Fraction, int]:
        """Quantized f32 weights; returns (value, reference scale, max |q|)."""
        draw, rng = self.draw, self.rng
        spec = quant_specs(draw, zero_point=False)
        base = dyadic(draw, -4, 0)
        channels = shape[channel_axis]
        per_channel = draw.booleans() and channels > 1
        scale_shape = [1] * len(shape)
        if per_channel:
            scale_shape[channel_axis] = channels
            factors = [base * Fraction(int(rng.choice([1, 1, 3]))) *
                       Fraction(2) ** int(rng.integers(-1, 2)) for _ in range(channels)]
            scales = np.array(factors, dtype=object).reshape(scale_shape)
        else:
            scales = np.array([base], dtype=object).reshape(scale_shape)
        if spec.bipolar:
            qlo, qhi = -1, 1
            steps = rng.integers(-3, 4, size=shape)  # zero maps to +1
        else:
            qlo, qhi = spec.int_range()
            steps = rng.integers(2 * qlo - 2, 2 * qhi + 3, size=shape)  # half steps, clamped
        frac = rng.choice([0, 0, 1, 2, 3], size=shape)  # quarter steps for the rounding modes
        values = np.vectorize(lambda s, f: Fraction(int(s), 2) + Fraction(int(f), 8),
                              otypes=[object])(steps, frac) * np.broadcast_to(scales, shape)
        w = self.b.const(_f32(values), F32)
        scale_values = _f32(scales) if per_channel else _f32(base)
        wq = spec.build(self.b, w, scale_values)
        self.description.append(f"w{list(shape)} {spec}{' per-channel' if per_channel else ''}")
        return wq, base, max(abs(qlo), abs(qhi), 1)

    # ---- the ops between a layer and its activation quantizer ----------------------------

    def post_ops(self, y: SSAValue, gain: np.ndarray, acc_typ: int, *, relu_ok: bool,
                 bn_ok: bool = True, positive: bool = False) -> tuple[SSAValue, np.ndarray]:
        """Random bias / mul / batchnorm / relu; `gain` is the per-channel value of one
        accumulator step (exact Fractions).  Offsets lie on the grid gain/2.  With
        `positive`, factors stay > 0 (a quantized value cannot be negated)."""
        signs = [1] if positive else [1, 1, -1]
        draw, rng, b = self.draw, self.rng, self.b
        shape = shape_of(y)
        channels = shape[1]
        cshape = (channels,) + (1,) * (len(shape) - 2)
        kinds = [k for k in ("bias", "mul", "bn", "relu") if draw.booleans()]
        if not relu_ok and "relu" in kinds:
            kinds.remove("relu")
        if not bn_ok and "bn" in kinds:
            kinds.remove("bn")
        kinds = draw.permutations(kinds)
        for kind in kinds:
            unit = np.array([abs(g) / 2 if g != 0 else Fraction(1, 2) for g in gain],
                            dtype=object)
            if kind == "bias":
                n = _offsets(rng, 2 * acc_typ, channels)
                bias = _f32(unit * n)
                shape_c = cshape if len(shape) > 2 and draw.booleans() else (
                    (1,) + cshape if len(shape) > 2 else (channels,))
                c = b.const(bias.reshape(shape_c), F32)
                y = b.binary(rpnn.AddOp, *draw.permutations([y, c]), F32)
                self.description.append("bias")
            elif kind == "mul":
                if draw.booleans():
                    factors = [dyadic(draw, -2, 2) * draw.sampled_from(signs)] * channels
                    const = _f32(factors[0])
                else:
                    factors = [Fraction(int(rng.choice([1, 1, 3]))) *
                               Fraction(2) ** int(rng.integers(-2, 3)) *
                               int(rng.choice([1] if positive else [1, 1, 1, -1, 0]))
                               for _ in range(channels)]
                    const = _f32(factors).reshape(cshape)
                c = b.const(const, F32)
                y = b.binary(rpnn.MulOp, *draw.permutations([y, c]), F32)
                gain = gain * np.array(factors, dtype=object)
                self.description.append("mul")
            elif kind == "bn":
                power = draw.integers(-1, 1)
                var = Fraction(4) ** power - Fraction(EPSILON)
                gammas = [Fraction(int(rng.choice([1, 1, 3]))) *
                          Fraction(2) ** int(rng.integers(-2, 2)) *
                          int(rng.choice([1] if positive else [1, 1, 1, -1, -1, 0]))
                          for _ in range(channels)]
                m = np.array([g / Fraction(2) ** power for g in gammas], dtype=object)
                mean = unit * _offsets(rng, acc_typ, channels)
                new_gain = gain * m
                new_unit = np.array([abs(g) / 2 if g != 0 else Fraction(1, 2)
                                     for g in new_gain], dtype=object)
                beta = new_unit * _offsets(rng, 2 * acc_typ, channels)
                y = b.batchnorm(y, _f32(gammas), _f32(beta), _f32(mean),
                                _f32([var] * channels), EPSILON)
                gain = new_gain
                self.description.append("batchnorm")
            else:
                y = b.relu(y)
                self.description.append("relu")
        return y, gain

    def activation(self, y: SSAValue, gain: np.ndarray, acc_typ: int, *,
                   spec: QuantSpec | None = None, scale: Fraction | None = None,
                   per_channel: bool = False) -> _Act:
        """An activation quantizer whose step is the gain times a power of two (ties on the
        grid), chosen so that the values the frames give spread over its levels (a quantizer
        far coarser than its input would make the network's output constant)."""
        draw = self.draw
        spec = spec or quant_specs(self.draw)
        lo, hi = spec.int_range()
        if scale is None:
            ref = max((abs(g) for g in gain), default=Fraction(1)) or Fraction(1)
            levels = max(hi - lo, 1)
            values = self.evaluate(y)
            measured = float(values.max() - values.min()) if values.size else 0.0
            if measured > 0:  # the step that spreads the values seen over the levels
                centre = math.floor(math.log2(measured / levels / float(ref)))
                exponent = draw.integers(centre - 1, centre + 1)
            else:
                spread = max(0, math.ceil(math.log2(max(acc_typ, 1) * 2 / levels)))
                exponent = draw.integers(-1, spread + 1)
            scale = ref * Fraction(2) ** exponent * draw.sampled_from([1, 1, 1, 3])
        channels = shape_of(y)[1]
        if per_channel and channels > 1:
            scales = [scale * Fraction(2) ** int(self.rng.integers(-1, 2)) for _ in
                      range(channels)]
            s_attr = _f32(scales).reshape((1, channels) + (1,) * (len(shape_of(y)) - 2))
        else:
            scales = [scale]
            s_attr = _f32(scale)
        y = self.aim_at_ties(y, spec, scales)
        q = spec.build(self.b, y, s_attr)
        self.hidden.append(q)
        if draw.integers(0, 5) == 0:  # a second quantizer of the same value
            other = quant_specs(draw)
            self.hidden.append(other.build(self.b, y, _f32(scale)))
            self.description.append(f"also {other}")
        self.description.append(f"act {spec}{' per-channel' if per_channel else ''}")
        return _Act(q, lo, hi, scale, spec.bipolar)

    # ---- layers ----------------------------------------------------------------------

    def dense(self, x: _Act, last: bool, tail: str) -> tuple[_Act | SSAValue, str]:
        draw = self.draw
        k = shape_of(x.value)[1]
        m = draw.integers(1, 10)
        wq, s_w, wmax = self.weights((k, m), 1)
        y = self.b.matmul(x.value, wq, F32)
        acc_typ = max(1, int(math.sqrt(k)) * max(abs(x.lo), abs(x.hi)) * wmax)
        gain = np.array([x.scale * s_w] * m, dtype=object)
        float_tail = last and tail != "quant"
        y, gain = self.post_ops(y, gain, acc_typ, relu_ok=not float_tail)
        if float_tail:
            if draw.booleans():
                scale = _f32(dyadic(draw, -3, 3))
                bias = _f32([Fraction(int(v), 4) for v in self.rng.integers(-8, 9, size=m)])
                y = self.b.scale_bias(y, scale, bias)
                self.description.append("scale_bias")
            if tail == "labels":
                kk = draw.integers(1, m)
                out_t = dtypes.narrowest_int_type(0, max(m - 1, 1))
                y = self.b.topk(y, kk, out_t)
                self.description.append(f"topk {kk}")
            return y, tail
        per_channel = last and draw.booleans()
        act = self.activation(y, gain, acc_typ, per_channel=per_channel)
        if not last and draw.integers(0, 5) == 0:  # requantize: thresholds on the integers
            levels = max(abs(act.lo), abs(act.hi), 1)
            gain = np.array([act.scale] * m, dtype=object)
            y, gain = self.post_ops(act.value, gain, levels, relu_ok=True, positive=True)
            self.description.append("requantized")
            act = self.activation(y, gain, levels)
        return act, tail

    def conv(self, x: _Act, channel_scale: bool) -> _Act:
        draw = self.draw
        _, c, h, w = shape_of(x.value)
        kernel = draw.integers(1, min(3, h, w))
        dilation = 2 if kernel == 2 and min(h, w) >= 3 and draw.integers(0, 4) == 0 else 1
        groups = c if c > 1 and draw.integers(0, 3) == 0 else 1
        if channel_scale:
            groups = c
        out_c = groups * draw.integers(1, 3) if groups > 1 else draw.integers(1, 4)
        stride = draw.integers(1, 2)
        pad = 0 if x.bipolar else draw.integers(0, 1)
        padding = [pad, pad, pad, pad] if draw.booleans() else [0, pad, pad, 0]
        eff = dilation * (kernel - 1) + 1
        oh = window_out(h, kernel, stride, padding[0] + padding[2], dilation)
        ow = window_out(w, kernel, stride, padding[1] + padding[3], dilation)
        if oh <= 0 or ow <= 0 or eff > h + padding[0] + padding[2]:
            padding, stride, dilation = [0, 0, 0, 0], 1, 1
            oh, ow = window_out(h, kernel, 1), window_out(w, kernel, 1)
        if not x.bipolar and not channel_scale and draw.integers(0, 2) == 0:
            # a "same" convolution whose quantized output joins its input (residual)
            kernel, stride, dilation = (3 if min(h, w) >= 3 and draw.booleans() else 1), 1, 1
            padding = [kernel // 2] * 4
            groups = c if c > 1 and draw.booleans() else 1
            out_c, oh, ow = c, h, w
        wq, s_w, wmax = self.weights((out_c, c // groups, kernel, kernel), 0)
        y = self.b.conv2d(x.value, wq, F32, (stride, stride), padding, (dilation, dilation),
                          groups)
        self.description.append(f"conv k{kernel} s{stride} p{padding} d{dilation} g{groups}")
        taps = (c // groups) * kernel * kernel
        acc_typ = max(1, int(math.sqrt(taps)) * max(abs(x.lo), abs(x.hi)) * wmax)
        gain = np.array([x.scale * s_w] * out_c, dtype=object)
        residual = (out_c == c and oh == h and ow == w and not x.bipolar
                    and not channel_scale and draw.integers(0, 3) > 0)
        y, gain = self.post_ops(y, gain, acc_typ, relu_ok=True)
        pool_first = min(oh, ow) >= 2 and not residual and draw.integers(0, 2) == 0
        if pool_first:
            y = self.maxpool(y)
        if residual:
            spec = quant_specs(draw)
            if spec.bipolar:
                spec = QuantSpec(False, 2, True, False, "ROUND")
            act = self.activation(y, gain, acc_typ, spec=spec, scale=x.scale)
            total = self.b.binary(rpnn.AddOp, *draw.permutations([x.value, act.value]), F32)
            self.description.append("residual add")
            act = _Act(total, act.lo + x.lo, act.hi + x.hi, x.scale, False)
        else:
            act = self.activation(y, gain, acc_typ)
        if not pool_first and not residual and min(oh, ow) >= 2 and draw.booleans():
            act = _Act(self.maxpool(act.value), act.lo, act.hi, act.scale, act.bipolar)
        return act

    def maxpool(self, y: SSAValue) -> SSAValue:
        draw = self.draw
        _, _, h, w = shape_of(y)
        kernel = draw.integers(2, min(3, h, w))
        stride = draw.integers(1, kernel)
        pad = draw.integers(0, 1) if kernel > 1 else 0
        padding = [0, 0, pad, pad]
        self.description.append(f"maxpool k{kernel} s{stride} p{pad}")
        return self.b.maxpool(y, (kernel, kernel), (stride, stride), padding)


def _frames(rng: np.random.Generator, shape: tuple[int, ...], spec: QuantSpec,
            scale: np.ndarray, count: int) -> np.ndarray:
    """Inputs on the half-step grid of the input quantizer (ties), some beyond its range."""
    lo, hi = spec.int_range()
    lo, hi = lo + spec.zero_point, hi + spec.zero_point  # q range
    span = max(abs(lo - spec.zero_point), abs(hi - spec.zero_point), 1) + 2
    steps = rng.integers(-2 * span, 2 * span + 1, size=(count, *shape))
    grid = steps.astype(np.float64) / 2 * scale.astype(np.float64)
    noise = rng.normal(size=(count, *shape)) * span * scale.astype(np.float64)
    pick = rng.random(size=(count, *shape)) < 0.1
    return np.where(pick, noise, grid).astype(np.float32)


@st.composite
def graph_nets(draw, kinds: Sequence[str] = ("mlp", "conv"), frames: int = 32,
               hidden: bool = True) -> GraphNet:
    """A random graph-level network (see the module docstring) and `frames` input frames.

    With `hidden`, the function also returns every hidden activation quantizer's output
    (results 1, 2, ...: q * scale, to compare bit-exactly), so that a wrong threshold is seen
    even where later layers would mask it."""
    kind = draw(st.sampled_from(list(kinds)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    draw = Chooser(draw)
    tail = draw.sampled_from(["quant", "quant", "float", "labels"])
    in_spec = quant_specs(draw)
    in_scale = dyadic(draw, -3, 1)
    conv_layers = draw.integers(1, 2) if kind == "conv" else 0
    if kind == "conv":
        c, h, w = draw.integers(1, 3), draw.integers(3, 7), draw.integers(3, 7)
        shape: tuple[int, ...] = (1, c, h, w)
    else:
        flat_input = draw.integers(0, 3) == 0  # quantized after a flatten
        if flat_input:
            shape = (1, draw.integers(1, 4), draw.integers(1, 5))
        else:
            shape = (1, draw.integers(1, 20))
    builder = FunctionBuilder(TensorType(f32, list(shape)))
    channel_scale = kind == "conv" and shape[1] > 1 and draw.integers(0, 4) == 0
    if channel_scale:  # a per-channel input scale: only a depthwise conv can take it
        s_in = np.array([in_scale * Fraction(2) ** int(rng.integers(-1, 2))
                         for _ in range(shape[1])], dtype=object)
        in_attr = _f32(s_in).reshape(1, shape[1], 1, 1)
    else:
        in_attr = _f32(in_scale)
    in_scale_arr = np.asarray(in_attr, dtype=np.float64)
    if in_scale_arr.ndim:
        in_scale_arr = in_scale_arr.reshape(shape[1:2] + (1,) * (len(shape) - 2))
    data = _frames(rng, shape[1:], in_spec, in_scale_arr, frames)
    net = _Net(draw, rng, builder, data)
    net.description.append(f"input {list(shape)} {in_spec}"
                           f"{' per-channel' if channel_scale else ''}")
    lo, hi = in_spec.int_range()
    x_in = builder.args[0]
    if kind == "mlp" and len(shape) == 3:
        x_in = builder.reshape(x_in, (1, shape[1] * shape[2]))
        net.description.append("flatten before the input quantizer")
    q = in_spec.build(builder, x_in, in_attr)
    act = _Act(q, lo, hi, in_scale, in_spec.bipolar)
    for index in range(conv_layers):
        act = net.conv(act, channel_scale and index == 0)
    if kind == "conv":
        value = act.value
        if draw.integers(0, 3) == 0:
            value = builder.transpose(value, (0, 2, 3, 1))
            net.description.append("transpose")
        size = int(np.prod(shape_of(value)[1:]))
        value = builder.reshape(value, (1, size))
        net.description.append("flatten")
        act = _Act(value, act.lo, act.hi, act.scale, act.bipolar)
    dense_layers = draw.integers(1, 3)
    result: _Act | SSAValue = act
    for index in range(dense_layers):
        assert isinstance(result, _Act)
        result, tail = net.dense(result, index == dense_layers - 1, tail)
    out = result.value if isinstance(result, _Act) else result
    first = net.evaluate(out).reshape(frames, -1)
    assume((first != first[:1]).any())  # an output constant over the frames checks little
    extra = [h for h in net.hidden if h is not out] if hidden else []
    module = builder.finish(out, *extra)
    return GraphNet(module, data, tail, net.description)
