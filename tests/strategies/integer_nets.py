"""Hypothesis strategies for random integer-level rpnn networks (docs/passes.md, "Integer level").

    from strategies.integer_nets import integer_nets

    @given(integer_nets())
    def test_something(net):
        (y,) = interp.run(net.module, [net.frames])

A network is a chain of layers on one input: an integer function argument (siN, uiN or
!rpnn.bipolar, 1-8 bits) or an f32 argument entering through `rpnn.quant` /
`rpnn.bipolar_quant`; then `rpnn.conv2d` (padding, stride, dilation, groups) or `rpnn.matmul`
with constant weights of random precision (1-8 bits signed/unsigned, or bipolar), an optional
integer bias (`rpnn.add`), `rpnn.multithreshold` with random integer thresholds (per channel
or one shared row, sorted or not, some far outside the reachable range; integer or bipolar
outputs), optional `rpnn.relu`, `rpnn.maxpool`, `rpnn.transpose` and the `rpnn.reshape`
flattening a feature map into a vector.  Accumulators and threshold constants start as si32
(wide enough for every generated network) and output types are not always the narrowest, so
that precision passes have work to do.  `frames` holds a batch of input frames that includes
the extreme values of the input type; a network whose outputs are all constant over the
frames is rejected (it would compare little).  Structure comes from hypothesis draws (a
failure shrinks), weight and frame values from a numpy generator seeded by hypothesis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from xdsl.dialects.builtin import ModuleOp, TensorType, f32
from xdsl.ir import Attribute, SSAValue

from rpnn_ir import dtypes, interp
from rpnn_ir.builders.ops import BIPOLAR, FunctionBuilder, elt_of, random_values, shape_of
from rpnn_ir.dialects import rpnn
from strategies.pretty import ShortRepr

SI32 = dtypes.int_type(32, signed=True)


@dataclass
class IntegerNet(ShortRepr):
    """A verified module with one function `@main` and input frames for it."""

    module: ModuleOp
    frames: np.ndarray
    description: list[str]

    def __repr__(self) -> str:  # what hypothesis prints for a failing example
        return f"IntegerNet({'; '.join(self.description)}, frames {list(self.frames.shape)})"


def multithreshold(b: FunctionBuilder, x: SSAValue, t: SSAValue, out: Attribute, scale: int,
                   bias: int) -> SSAValue:
    """rpnn.multithreshold with integer `scale` and `bias` (left out when 1 and 0)."""
    return b.multithreshold(x, t, out, float(scale) if scale != 1 else None,
                            float(bias) if bias != 0 else None)


# --------------------------------------------------------------------------- strategies


def precisions(max_bits: int = 8) -> st.SearchStrategy[Attribute]:
    """siN / uiN of 1..max_bits bits, or !rpnn.bipolar."""
    ints = st.builds(dtypes.int_type, st.integers(1, max_bits), st.booleans())
    return st.one_of(st.just(BIPOLAR), ints)


def _linear_bounds(x: tuple[int, int], w: np.ndarray, axis: int) -> tuple[int, int]:
    """Loose bounds of a dot product (for choosing interesting thresholds only)."""
    w_pos = np.maximum(w, 0).sum(axis=axis)
    w_neg = np.maximum(-w, 0).sum(axis=axis)
    hi = w_pos * x[1] - w_neg * x[0]
    lo = w_pos * x[0] - w_neg * x[1]
    return int(lo.min()), int(hi.max())


def _thresholds(draw, rng: np.random.Generator, channels: int, bounds: tuple[int, int],
                bipolar: bool) -> np.ndarray:
    rows = draw(st.sampled_from([1, channels]))
    steps = 1 if bipolar else draw(st.integers(1, 7))
    lo, hi = bounds
    span = max(hi - lo, 1)
    inside = rng.integers(lo - 1, hi + 2, size=(rows, steps))
    outside = rng.integers(lo - 3 * span - 5, hi + 3 * span + 6, size=(rows, steps))
    pick = rng.random((rows, steps)) < draw(st.sampled_from([0.0, 0.2, 0.5, 1.0]))
    values = np.where(pick, outside, inside)
    if draw(st.booleans()):
        values = np.sort(values, axis=1)
    return values


@st.composite
def integer_nets(draw, max_layers: int = 3, batch: int = 12,
                 lowerable: bool = False) -> IntegerNet:
    """A random integer-level network and a batch of input frames (see the module doc).

    With `lowerable`, only what rpnn-lower-to-dataflow maps to units: no integer bias, relu,
    dilation, depth multiplier, max pool padding or output scale other than 1 (bipolar
    outputs aside)."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    description: list[str] = []
    spatial = draw(st.booleans())
    if spatial:
        shape = [1, draw(st.integers(1, 3)), draw(st.integers(2, 6)), draw(st.integers(2, 6))]
    else:
        shape = [1, draw(st.integers(1, 24))]

    entry = draw(st.sampled_from(["arg", "arg", "quant", "bipolar_quant"]))
    if entry == "arg":
        in_elt = draw(precisions())
        b = FunctionBuilder(TensorType(in_elt, shape))
        x = b.block.args[0]
        lo, hi = dtypes.element_range(in_elt)
        frames = random_values(rng, in_elt, [batch, *shape[1:]])
        frames[0], frames[1] = lo if not dtypes.is_bipolar(in_elt) else -1, hi
        description.append(f"arg {dtypes.type_str(in_elt)}{shape}")
    else:
        b = FunctionBuilder(TensorType(f32, shape))
        if entry == "bipolar_quant":
            x = b.bipolar_quant(b.block.args[0], 1.0, BIPOLAR)
            lo, hi = -1, 1
            description.append(f"bipolar_quant{shape}")
        else:
            bits = draw(st.integers(1, 8))
            signed = draw(st.booleans()) and bits > 1
            narrow = draw(st.booleans()) and bits > 1
            zero_point = draw(st.integers(-4, 4))
            q_lo, q_hi = (-(1 << (bits - 1)) + narrow, (1 << (bits - 1)) - 1) if signed else (
                0, (1 << bits) - 1 - narrow)
            lo, hi = q_lo - zero_point, q_hi - zero_point
            out = dtypes.narrowest_int_type(lo, hi)
            if draw(st.booleans()):  # wider than needed
                out = dtypes.int_type(min(32, out.width.data + draw(st.integers(1, 8))), True)
            x = b.quant(b.block.args[0], scale=1.0, bits=bits, signed=signed, narrow=narrow,
                        zero_point=float(zero_point), out=out)
            description.append(f"quant bits={bits} signed={signed} narrow={narrow} "
                               f"zp={zero_point}{shape}")
        span = (hi - lo + 4) / 2
        frames = rng.uniform(-span - 2, span + 2, size=[batch, *shape[1:]]).astype(np.float32)
        frames[0], frames[1] = -1000.0, 1000.0  # clamped to the extremes
        frames[2] = np.round(frames[2])  # exact ties for the rounding
    bounds = (lo, hi)
    results: list[SSAValue] = []

    layers = draw(st.integers(1, max_layers))
    for layer in range(layers):
        last = layer == layers - 1
        in_bipolar = dtypes.is_bipolar(elt_of(x))
        w_elt = draw(precisions())
        if len(shape_of(x)) == 4 and draw(st.integers(0, 3)) > 0:
            channels = shape_of(x)[1]
            h, wd = shape_of(x)[2:]
            depthwise = channels > 1 and draw(st.booleans())
            groups = channels if depthwise else 1
            multiplier = 1 if lowerable else draw(st.integers(1, 2))
            out_c = channels * multiplier if depthwise else draw(st.integers(1, 4))
            dilation = (1, 1) if lowerable else (draw(st.integers(1, 2)),
                                                 draw(st.integers(1, 2)))
            pads = [0, 0, 0, 0] if in_bipolar else [draw(st.integers(0, 1)) for _ in range(4)]
            kernel = [draw(st.integers(1, 3)), draw(st.integers(1, 3))]
            for axis, size in enumerate((h + pads[0] + pads[2], wd + pads[1] + pads[3])):
                if (kernel[axis] - 1) * dilation[axis] + 1 > size:
                    dilation = (1, dilation[1]) if axis == 0 else (dilation[0], 1)
                    kernel[axis] = min(kernel[axis], size)
            kh, kw = kernel
            stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
            weights = random_values(rng, w_elt, [out_c, channels // groups, kh, kw])
            acc = b.conv2d(x, b.const(weights, w_elt), SI32, stride, pads, dilation, groups)
            flat_w = weights.reshape(out_c, -1)
            acc_bounds = _linear_bounds(bounds, flat_w, axis=1)
            acc_bounds = (min(acc_bounds[0], 0), max(acc_bounds[1], 0))  # padding
            description.append(f"conv {dtypes.type_str(w_elt)}{list(weights.shape)} "
                               f"s={stride} p={pads} d={dilation} g={groups}")
        else:
            if len(shape_of(x)) == 4:
                if draw(st.booleans()):
                    x = b.transpose(x, [0, 1, 3, 2])
                    description.append("transpose")
                x = b.reshape(x, [1, int(np.prod(shape_of(x)[1:]))])
                description.append("flatten")
            k = shape_of(x)[1]
            m = draw(st.integers(1, 8))
            weights = random_values(rng, w_elt, [k, m])
            acc = b.matmul(x, b.const(weights, w_elt), SI32)
            acc_bounds = _linear_bounds(bounds, weights, axis=0)
            description.append(f"matmul {dtypes.type_str(w_elt)}{[k, m]}")
        channels = shape_of(acc)[1]
        if not lowerable and draw(st.integers(0, 3)) == 0:  # an integer bias
            bias_shape = [1, channels] + [1] * (len(shape_of(acc)) - 2)
            bias = rng.integers(-20, 21, size=bias_shape)
            acc = b.binary(rpnn.AddOp, acc, b.const(bias, dtypes.narrowest_int_type(-20, 20)), SI32)
            acc_bounds = (acc_bounds[0] - 20, acc_bounds[1] + 20)
            description.append("bias")
        if last and draw(st.integers(0, 4)) == 0:  # the accumulator is the output
            results.append(acc)
            if len(shape_of(acc)) == 2 and draw(st.booleans()):
                results.append(b.topk(acc, draw(st.integers(1, shape_of(acc)[1])), SI32))
                description.append("topk")
            break
        bipolar = draw(st.integers(0, 3)) == 0
        th = _thresholds(draw, rng, channels, acc_bounds, bipolar)
        if bipolar:
            out, scale, bias = BIPOLAR, 2, -1
        else:
            scale = 1 if lowerable else draw(st.sampled_from([1, 1, 1, 2, -1]))
            bias = draw(st.integers(-3, 3))
            ends = (bias, bias + scale * th.shape[1])
            out = dtypes.narrowest_int_type(min(ends), max(ends))
            if draw(st.booleans()):
                out = dtypes.int_type(draw(st.integers(out.width.data + 1, 16)), True)
        x = multithreshold(b, acc, b.const(th, SI32), out, scale, bias)
        description.append(f"multithreshold {list(th.shape)} -> {dtypes.type_str(out)}")
        if bipolar:
            bounds = (-1, 1)
        else:
            bounds = (min(bias, bias + scale * th.shape[1]), max(bias, bias + scale * th.shape[1]))
        if not bipolar and not lowerable and draw(st.integers(0, 4)) == 0:
            x = b.relu(x)
            bounds = (max(bounds[0], 0), max(bounds[1], 0))
            description.append("relu")
        if len(shape_of(x)) == 4 and draw(st.booleans()):
            h, wd = shape_of(x)[2:]
            kernel = (draw(st.integers(1, min(2, h))), draw(st.integers(1, min(2, wd))))
            pads = [0 if lowerable else draw(st.integers(0, k - 1)) for k in kernel] * 2
            stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
            x = b.maxpool(x, kernel, stride, pads)
            description.append(f"maxpool k={kernel} s={stride} p={pads}")
        if not last and draw(st.integers(0, 5)) == 0:
            results.append(x)  # an intermediate output too
    else:
        results.append(x)
    module = b.finish(*results)
    outputs = interp.run(module, [frames])
    # a network whose every output is constant over the frames checks little
    assume(any((o.reshape(batch, -1) != o.reshape(batch, -1)[:1]).any() for o in outputs))
    return IntegerNet(module, frames, description)
