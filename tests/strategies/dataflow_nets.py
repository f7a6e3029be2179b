"""Hypothesis strategies for random integer-level networks that lower to the dataflow level.

    from strategies.dataflow_nets import lowerable_nets

    @given(lowerable_nets())
    def test_something(net):
        (y, *_) = interp.run(net.module, [net.frames])

Every network stays inside what `rpnn-lower-to-dataflow` accepts (docs/passes.md): an f32
input through `rpnn.quant` / `rpnn.bipolar_quant` (or an integer argument), then layers of

- `rpnn.conv2d` (kernel 1-3, stride 1-2, zero padding unless the input is bipolar) or
  depthwise (groups = C = O), usually with the `rpnn.multithreshold` on its accumulator;
- `rpnn.maxpool` (no padding), stand-alone `rpnn.multithreshold` (per channel or shared);
- residual blocks: `rpnn.add` of a stream and a conv/matmul branch computed from it;
- the flatten to a vector (`rpnn.reshape`, sometimes after an NCHW -> NHWC `rpnn.transpose`),
  `rpnn.matmul` with or without thresholds;
- an output that is the integers themselves (4-D or 2-D), `rpnn.topk` or `rpnn.scale_bias`,
  sometimes with an intermediate tensor as a second result.

Types are exact: accumulators are the narrowest type holding the dot products' bounds
(padding counted as 0), sums the narrowest holding every sum of the operand types, threshold
outputs the narrowest holding their counts, so the interpreter never reports an overflow.
`frames` is a batch of inputs including the extremes of the input range.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from hypothesis import strategies as st
from xdsl.dialects.builtin import ModuleOp, TensorType, f32
from xdsl.ir import Attribute, SSAValue

from rpnn_ir import dtypes
from rpnn_ir.builders.ops import (
    BIPOLAR,
    FunctionBuilder,
    dot_bounds,
    elt_of,
    random_values,
    shape_of,
)
from rpnn_ir.dialects import rpnn
from strategies.pretty import ShortRepr


class LowerableNet(ShortRepr):
    """A verified module with one function `@main` and a batch of input frames for it."""

    def __init__(self, module: ModuleOp, frames: np.ndarray, description: list[str]):
        self.module, self.frames, self.description = module, frames, description

    def __repr__(self) -> str:  # what hypothesis prints for a failing example
        return f"LowerableNet({'; '.join(self.description)}, frames {list(self.frames.shape)})"


def _narrowest(lo: int, hi: int) -> Attribute:
    return dtypes.narrowest_int_type(lo, hi)


class _Builder:
    """Appends integer-level ops to `@main` (through the shared FunctionBuilder), tracking
    each integer value's exact range."""

    def __init__(self, arg_type: TensorType):
        self.fn = FunctionBuilder(arg_type)
        self.ranges: dict[SSAValue, tuple[int, int]] = {}

    @property
    def arg(self) -> SSAValue:
        return self.fn.args[0]

    def _ranged(self, value: SSAValue, lo: int, hi: int) -> SSAValue:
        self.ranges[value] = (lo, hi)
        return value

    def finish(self, *results: SSAValue) -> ModuleOp:
        return self.fn.finish(*results)

    def const(self, values: np.ndarray, element_type: Attribute) -> SSAValue:
        return self.fn.const(np.asarray(values, np.int64), element_type)

    def quant(self, x: SSAValue, bits: int, signed: bool) -> SSAValue:
        lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
        q = self.fn.quant(x, scale=0.5, bits=bits, signed=signed, narrow=False,
                          out=dtypes.int_type(bits, signed))
        return self._ranged(q, lo, hi)

    def bipolar_quant(self, x: SSAValue) -> SSAValue:
        return self._ranged(self.fn.bipolar_quant(x, 1.0, BIPOLAR), -1, 1)

    def matmul(self, x: SSAValue, weights: np.ndarray, w_elt: Attribute) -> SSAValue:
        lo, hi = dot_bounds(self.ranges[x], weights, axis=0)
        w = self.const(weights, w_elt)
        return self._ranged(self.fn.matmul(x, w, _narrowest(lo, hi)), lo, hi)

    def conv2d(self, x: SSAValue, weights: np.ndarray, w_elt: Attribute, stride, padding,
               groups: int) -> SSAValue:
        x_lo, x_hi = self.ranges[x]
        if any(padding):
            x_lo, x_hi = min(x_lo, 0), max(x_hi, 0)
        lo, hi = dot_bounds((x_lo, x_hi), weights.reshape(weights.shape[0], -1), axis=1)
        w = self.const(weights, w_elt)
        acc = self.fn.conv2d(x, w, _narrowest(lo, hi), stride, padding, (1, 1), groups)
        return self._ranged(acc, lo, hi)

    def add_streams(self, a: SSAValue, b: SSAValue) -> SSAValue:
        (lo_a, hi_a), (lo_b, hi_b) = (dtypes.element_range(elt_of(v)) for v in (a, b))
        out = _narrowest(lo_a + lo_b, hi_a + hi_b)
        (ra_lo, ra_hi), (rb_lo, rb_hi) = self.ranges[a], self.ranges[b]
        return self._ranged(self.fn.binary(rpnn.AddOp, a, b, out), ra_lo + rb_lo,
                            ra_hi + rb_hi)

    def multithreshold(self, x: SSAValue, thresholds: np.ndarray, bipolar: bool,
                       bias: int) -> SSAValue:
        t = self.const(thresholds, _narrowest(int(thresholds.min()), int(thresholds.max())))
        if bipolar:
            return self._ranged(self.fn.multithreshold(x, t, BIPOLAR, 2.0, -1.0), -1, 1)
        lo, hi = bias, bias + thresholds.shape[1]
        y = self.fn.multithreshold(x, t, _narrowest(lo, hi), None,
                                   float(bias) if bias else None)
        return self._ranged(y, lo, hi)

    def maxpool(self, x: SSAValue, kernel, stride) -> SSAValue:
        return self._ranged(self.fn.maxpool(x, kernel, stride), *self.ranges[x])

    def reshape(self, x: SSAValue, shape: Sequence[int]) -> SSAValue:
        return self._ranged(self.fn.reshape(x, shape), *self.ranges[x])

    def transpose(self, x: SSAValue, perm: Sequence[int]) -> SSAValue:
        return self._ranged(self.fn.transpose(x, perm), *self.ranges[x])

    def topk(self, x: SSAValue, k: int) -> SSAValue:
        return self.fn.topk(x, k, dtypes.narrowest_int_type(0, shape_of(x)[-1] - 1))

    def scale_bias(self, x: SSAValue, scale: float, bias: float) -> SSAValue:
        return self.fn.scale_bias(x, scale, bias)


def _flattened(x: SSAValue) -> bool:
    """A vector still in the (c, h, w) order of a flattened feature map (the stream holds
    it in (h, w, c) order: element-wise ops with other vectors do not lower)."""
    while isinstance(x.owner, rpnn.MultiThresholdOp):
        x = x.owner.input
    return isinstance(x.owner, rpnn.ReshapeOp)


# --------------------------------------------------------------------------- strategies


def _weight_types() -> st.SearchStrategy[Attribute]:
    ints = st.builds(dtypes.int_type, st.integers(1, 3), st.booleans())
    return st.one_of(st.just(BIPOLAR), ints)


class _Net:
    """The random choices of one network (hypothesis `draw`, a seeded numpy generator)."""

    def __init__(self, draw, b: _Builder, rng: np.random.Generator):
        self.draw, self.b, self.rng = draw, b, rng
        self.description: list[str] = []

    def activation(self, acc: SSAValue) -> SSAValue:
        """A multithreshold on `acc` with thresholds inside its range (bipolar 1 in 4)."""
        draw = self.draw
        channels = shape_of(acc)[1]
        lo, hi = self.b.ranges[acc]
        bipolar = draw(st.integers(0, 3)) == 0
        rows = draw(st.sampled_from([1, channels]))
        steps = 1 if bipolar else draw(st.integers(1, 3))
        values = self.rng.integers(lo - 1, hi + 2, size=(rows, steps))
        if draw(st.booleans()):
            values = np.sort(values, axis=1)
        bias = 0 if bipolar else draw(st.integers(-2, 1))
        self.description.append(f"multithreshold[{rows}x{steps}]{' bipolar' * bipolar}")
        return self.b.multithreshold(acc, values, bipolar, bias)

    def conv(self, x: SSAValue, depthwise: bool, same: bool = False) -> SSAValue:
        draw, b = self.draw, self.b
        _, c, h, w = shape_of(x)
        bipolar = dtypes.is_bipolar(elt_of(x))
        if same:  # a residual branch: the output has the input's shape
            k = 1 if bipolar or draw(st.booleans()) else 3
            kernel, stride, pads, out_c = (k, k), (1, 1), (k // 2,) * 4, c
        else:
            pads = (0, 0, 0, 0) if bipolar else tuple(draw(st.integers(0, 1)) for _ in range(4))
            kernel = (draw(st.integers(1, min(3, h + pads[0] + pads[2]))),
                      draw(st.integers(1, min(3, w + pads[1] + pads[3]))))
            stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
            out_c = c if depthwise else draw(st.integers(1, 4))
        w_elt = draw(_weight_types())
        groups = c if depthwise else 1
        weights = random_values(self.rng, w_elt, (out_c, c // groups, *kernel))
        self.description.append(f"{'depthwise' if depthwise else 'conv'} "
                                f"{dtypes.type_str(w_elt)}{list(weights.shape)} s={stride} "
                                f"p={pads}")
        acc = b.conv2d(x, weights, w_elt, stride, pads, groups)
        return self.activation(acc) if same or draw(st.integers(0, 4)) else acc

    def dense(self, x: SSAValue, m: int | None = None, thresholds: bool = True) -> SSAValue:
        w_elt = self.draw(_weight_types())
        k = shape_of(x)[1]
        m = m or self.draw(st.integers(1, 8))
        self.description.append(f"matmul {dtypes.type_str(w_elt)}[{k}x{m}]")
        acc = self.b.matmul(x, random_values(self.rng, w_elt, (k, m)), w_elt)
        return self.activation(acc) if thresholds else acc

    def residual(self, x: SSAValue) -> SSAValue:
        if len(shape_of(x)) == 4:
            branch = self.conv(x, depthwise=False, same=True)
        else:
            branch = self.dense(x, m=shape_of(x)[1])
        self.description.append("residual add")
        swap = self.draw(st.booleans())
        return self.b.add_streams(*((branch, x) if swap else (x, branch)))

    def spatial_layer(self, x: SSAValue) -> SSAValue:
        draw = self.draw
        _, c, h, w = shape_of(x)
        choice = draw(st.sampled_from(["conv", "depthwise", "maxpool", "residual", "conv",
                                       "threshold", "maxpool"]))
        if choice == "depthwise" and c > 1:
            return self.conv(x, depthwise=True)
        if choice == "maxpool" and dtypes.is_integer_like(elt_of(x)):
            kernel = (draw(st.integers(1, min(2, h))), draw(st.integers(1, min(2, w))))
            stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
            self.description.append(f"maxpool k={kernel} s={stride}")
            return self.b.maxpool(x, kernel, stride)
        if choice == "residual":
            return self.residual(x)
        if choice == "threshold":
            if not dtypes.is_int(elt_of(x)):
                return x
            return self.activation(x)
        return self.conv(x, depthwise=False)

    def flatten(self, x: SSAValue) -> SSAValue:
        if self.draw(st.integers(0, 2)) == 0:  # flatten in NHWC order, as some exports do
            x = self.b.transpose(x, (0, 2, 3, 1))
            self.description.append("transpose NHWC")
        self.description.append("flatten")
        return self.b.reshape(x, (shape_of(x)[0], int(np.prod(shape_of(x)[1:]))))

    def vector_layer(self, x: SSAValue) -> SSAValue:
        choice = self.draw(st.sampled_from(["dense", "dense", "residual", "threshold"]))
        if choice == "residual" and not _flattened(x):  # (c, h, w) vs (h, w, c) order
            return self.residual(x)
        if choice == "threshold" and dtypes.is_int(elt_of(x)):
            return self.activation(x)
        return self.dense(x)


@st.composite
def lowerable_nets(draw, max_layers: int = 4, batch: int = 4) -> LowerableNet:
    """A random integer-level network that rpnn-lower-to-dataflow accepts (module doc)."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    spatial = draw(st.integers(0, 2)) > 0
    if spatial:
        shape = [1, draw(st.integers(1, 3)), draw(st.integers(2, 6)), draw(st.integers(2, 6))]
    else:
        shape = [1, draw(st.integers(1, 12))]
    entry = draw(st.sampled_from(["quant", "quant", "bipolar_quant", "arg"]))
    description = [f"{entry}{shape}"]
    if entry == "arg":
        in_elt = dtypes.int_type(draw(st.integers(1, 4)), draw(st.booleans()))
        b = _Builder(TensorType(in_elt, shape))
        x = b.arg
        b.ranges[x] = dtypes.element_range(in_elt)
        frames = random_values(rng, in_elt, [batch, *shape[1:]])
        frames[0], frames[1] = b.ranges[x]
    else:
        b = _Builder(TensorType(f32, shape))
        if entry == "bipolar_quant":
            x = b.bipolar_quant(b.arg)
        else:
            x = b.quant(b.arg, draw(st.integers(2, 4)), draw(st.booleans()))
        frames = rng.uniform(-6, 6, size=[batch, *shape[1:]]).astype(np.float32)
        frames[0], frames[1] = -100.0, 100.0
    net = _Net(draw, b, rng)
    net.description = description
    results: list[SSAValue] = []
    for _ in range(draw(st.integers(1, max_layers))):
        if len(shape_of(x)) == 4 and draw(st.integers(0, 5)) == 0:
            x = net.flatten(x)
        x = net.spatial_layer(x) if len(shape_of(x)) == 4 else net.vector_layer(x)
        if draw(st.integers(0, 6)) == 0:
            results.append(x)  # an intermediate result too
            description.append("(output)")
    ending = draw(st.sampled_from(["integers", "topk", "scale_bias"]))
    if ending == "topk":
        flat = len(shape_of(x)) == 4 or _flattened(x)
        if len(shape_of(x)) == 4:
            x = net.flatten(x)
        if flat or draw(st.booleans()):  # labels in (c, h, w) order need a dense layer
            x = net.dense(x, thresholds=False)
        k = draw(st.integers(1, shape_of(x)[1]))
        description.append(f"topk {k}")
        results.append(b.topk(x, k))
    elif ending == "scale_bias":
        description.append("scale_bias")
        results.append(b.scale_bias(x, 0.25, -1.5))
    else:
        results.append(x)
    return LowerableNet(b.finish(*results), frames, description)
