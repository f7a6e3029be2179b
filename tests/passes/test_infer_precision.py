"""rpnn-infer-precision: sound and tight accumulator types, bit-exact on random networks.

Soundness and tightness: for every inferred accumulator type, the worst-case input vectors of
each output row (x_max where w > 0 and x_min where w < 0, and the reverse) run through the
interpreter without `OverflowInIR`, and the same network with an accumulator one bit
narrower overflows on at least one of them.  Bit-exactness: the interpreter gives the same
outputs before and after the pass on random integer-level networks
(`strategies.integer_nets`), with input frames that include the extreme values.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.ir import Attribute, SSAValue
from xdsl.utils.exceptions import DiagnosticException

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ (for strategies)

from strategies.integer_nets import SI32, integer_nets, multithreshold  # noqa: E402

from rpnn_ir import api, dtypes, interp  # noqa: E402
from rpnn_ir.builders.ops import BIPOLAR, FunctionBuilder, random_values  # noqa: E402
from rpnn_ir.dialects import rpnn  # noqa: E402
from rpnn_ir.passes import get_all_passes  # noqa: E402
from rpnn_ir.passes.infer_precision import InferPrecisionPass  # noqa: E402


def examples(n: int) -> settings:
    return settings(max_examples=n, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def infer(module: ModuleOp, weights: str = "actual") -> ModuleOp:
    result = module.clone()
    InferPrecisionPass(weights=weights).apply(Context(), result)
    result.verify()
    return result


def ops_of(module: ModuleOp, op_type: type) -> list:
    return [op for op in module.walk() if isinstance(op, op_type)]


def narrower(elt: Attribute) -> Attribute | None:
    """The same signedness, one bit less (None for 1-bit types)."""
    width = elt.width.data
    if width == 1:
        return None
    return dtypes.int_type(width - 1, signed=dtypes.element_range(elt)[0] < 0)


def element_types() -> st.SearchStrategy[Attribute]:
    ints = st.builds(dtypes.int_type, st.integers(1, 8), st.booleans())
    return st.one_of(st.just(BIPOLAR), ints)


def extremes(weights_row: np.ndarray, x_lo: int, x_hi: int) -> tuple[np.ndarray, np.ndarray]:
    """The input maximising and the one minimising sum(w * x) over x in [x_lo, x_hi]."""
    return (np.where(weights_row > 0, x_hi, x_lo), np.where(weights_row > 0, x_lo, x_hi))


# --------------------------------------------------------------------------- soundness


def check_sound_and_tight(build: Callable[[Attribute], ModuleOp], acc_of: Callable,
                          frames: np.ndarray, weights: str = "actual") -> Attribute:
    """Build with si32, infer, then run the worst-case frames at the inferred and narrower type.

    Returns the inferred accumulator type.
    """
    module = infer(build(SI32), weights)
    acc = acc_of(module)
    interp.run(module, [frames])  # no OverflowInIR
    interp.run(build(acc), [frames])  # the type alone, in the original network
    tighter = narrower(acc)
    if tighter is not None:
        with pytest.raises(interp.OverflowInIR):
            interp.run(build(tighter), [frames])
    return acc


def weight_values(elt, shape) -> st.SearchStrategy[np.ndarray]:
    """Weights of type `elt` drawn value by value (a failure shrinks them toward 0 / -1)."""
    lo, hi = dtypes.element_range(elt)
    values = st.sampled_from([-1, 1]) if dtypes.is_bipolar(elt) else st.integers(lo, hi)
    size = int(np.prod(shape))
    return st.lists(values, min_size=size, max_size=size).map(
        lambda v: np.array(v, dtype=np.int64).reshape(shape))


@st.composite
def dense_layers(draw):
    x_elt, w_elt = draw(element_types()), draw(element_types())
    k, m = draw(st.integers(1, 40)), draw(st.integers(1, 6))
    return x_elt, draw(weight_values(w_elt, (k, m))), w_elt


@examples(60)
@given(dense_layers())
def test_matmul_accumulator_sound_and_tight(layer):
    x_elt, w, w_elt = layer
    x_lo, x_hi = dtypes.element_range(x_elt)

    def build(acc: Attribute) -> ModuleOp:
        b = FunctionBuilder(TensorType(x_elt, [1, w.shape[0]]))
        return b.finish(b.matmul(b.block.args[0], b.const(w, w_elt), acc))

    frames = np.concatenate([np.stack(extremes(w[:, m], x_lo, x_hi)) for m in range(w.shape[1])])
    acc = check_sound_and_tight(build, lambda mod: ops_of(mod, rpnn.MatMulOp)[0].output.type
                                .element_type, frames)
    sums = frames @ w  # the exact extremes of every column
    assert dtypes.contains(acc, int(sums.min()), int(sums.max()))
    assert acc == dtypes.narrowest_int_type(int(sums.min()), int(sums.max()))


@st.composite
def conv_layers(draw):
    x_elt = draw(element_types())
    w_elt = draw(element_types())
    channels = draw(st.integers(1, 3))
    groups = channels if channels > 1 and draw(st.booleans()) else 1
    out_c = groups * draw(st.integers(1, 2))
    h, w = draw(st.integers(2, 5)), draw(st.integers(2, 5))
    kernel = (draw(st.integers(1, min(3, h))), draw(st.integers(1, min(3, w))))
    padding = [0] * 4 if dtypes.is_bipolar(x_elt) else [draw(st.integers(0, 2))
                                                          for _ in range(4)]
    stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    weights = draw(weight_values(w_elt, (out_c, channels // groups, *kernel)))
    return x_elt, w_elt, weights, (channels, h, w), padding, stride, groups


@examples(40)
@given(conv_layers())
def test_conv_accumulator_sound_and_tight(layer):
    """Worst-case images per output channel and position (zero padding included)."""
    x_elt, w_elt, weights, (channels, h, w), padding, stride, groups = layer
    x_lo, x_hi = dtypes.element_range(x_elt)
    out_c, c_per_group, kh, kw = weights.shape

    def build(acc: Attribute) -> ModuleOp:
        b = FunctionBuilder(TensorType(x_elt, [1, channels, h, w]))
        y = b.conv2d(b.block.args[0], b.const(weights, w_elt), acc, stride, padding, (1, 1),
                     groups)
        return b.finish(y)

    oh = (h + padding[0] + padding[2] - kh) // stride[0] + 1
    ow = (w + padding[1] + padding[3] - kw) // stride[1] + 1
    frames = []
    for o in range(out_c):
        g = o // (out_c // groups)
        for i in range(oh):
            for j in range(ow):
                for sign in (1, -1):
                    image = np.full((channels, h, w), x_lo if sign > 0 else x_hi)
                    for c in range(c_per_group):
                        for a in range(kh):
                            for bb in range(kw):
                                y = i * stride[0] - padding[0] + a
                                x = j * stride[1] - padding[1] + bb
                                if 0 <= y < h and 0 <= x < w:
                                    wt = weights[o, c, a, bb] * sign
                                    image[g * c_per_group + c, y, x] = x_hi if wt > 0 else x_lo
                    frames.append(image)
    frames = np.array(frames)
    check_sound_and_tight(build, lambda mod: ops_of(mod, rpnn.Conv2dOp)[0].output.type
                          .element_type, frames)


def build_unit(unit: type, x_elt, w, w_elt, acc, thresholds=None, out=None,
               pixels: int = 1) -> ModuleOp:
    """tensor_to_stream -> mvtu/depthwise (thresholded or not) -> stream_to_tensor."""
    length = w.shape[0] if unit is rpnn.MVTUOp else w.shape[0] * w.shape[1]
    b = FunctionBuilder(TensorType(x_elt, [1, pixels, length]))
    s = b.to_stream(b.block.args[0])
    t = None if thresholds is None else b.const(thresholds, SI32)
    build = b.mvtu if unit is rpnn.MVTUOp else b.depthwise
    y = build(s, b.const(w, w_elt), acc, t, out)
    return b.finish(b.to_tensor(y))


@examples(40)
@given(dense_layers(), st.booleans())
def test_mvtu_accumulator_sound_and_tight(layer, thresholded):
    x_elt, w, w_elt = layer
    x_lo, x_hi = dtypes.element_range(x_elt)
    th = np.array([[0, 1, 5]]) if thresholded else None
    out = dtypes.int_type(2, signed=False) if thresholded else None

    def build(acc):
        return build_unit(rpnn.MVTUOp, x_elt, w, w_elt, acc, th, out)

    frames = np.concatenate([np.stack(extremes(w[:, m], x_lo, x_hi)) for m in range(w.shape[1])])
    acc = check_sound_and_tight(build, lambda mod: ops_of(mod, rpnn.MVTUOp)[0].acc_type,
                                frames[:, None, :])
    sums = frames @ w
    assert acc == dtypes.narrowest_int_type(int(sums.min()), int(sums.max()))


@examples(30)
@given(st.integers(0, 2**32 - 1), element_types(), element_types(), st.integers(1, 4),
       st.integers(1, 9))
def test_depthwise_accumulator_sound_and_tight(seed, x_elt, w_elt, channels, taps):
    rng = np.random.default_rng(seed)
    w = random_values(rng, w_elt, (channels, taps))
    x_lo, x_hi = dtypes.element_range(x_elt)

    def build(acc):
        return build_unit(rpnn.DepthwiseOp, x_elt, w, w_elt, acc)

    frames = []
    for c in range(channels):
        for row in extremes(w[c], x_lo, x_hi):
            frame = np.full((taps, channels), x_lo)
            frame[:, c] = row
            frames.append(frame.reshape(1, -1))
    check_sound_and_tight(build, lambda mod: ops_of(mod, rpnn.DepthwiseOp)[0].acc_type,
                          np.array(frames))


@examples(30)
@given(element_types(), element_types(), st.integers(1, 30), st.integers(1, 4))
def test_worst_case_weights_range_from_type_times_k(x_elt, w_elt, k, m):
    """weights=worst-case: each product over the corners of the two types, times K; weights
    keep their type.  Weights at the maximising corner reach the bound."""
    x_lo, x_hi = dtypes.element_range(x_elt)
    w_lo, w_hi = dtypes.element_range(w_elt)
    corners = [a * b for a in (x_lo, x_hi) for b in (w_lo, w_hi)]
    expected = dtypes.narrowest_int_type(k * min(corners), k * max(corners))
    best = max((a * b, b) for a in (x_lo, x_hi) for b in (w_lo, w_hi))[1]
    w = np.full((k, m), best)

    def build(acc):
        b = FunctionBuilder(TensorType(x_elt, [1, k]))
        return b.finish(b.matmul(b.block.args[0], b.const(w, w_elt), acc))

    frames = np.stack(extremes(w[:, 0], x_lo, x_hi))
    module = infer(build(SI32), weights="worst-case")
    matmul = ops_of(module, rpnn.MatMulOp)[0]
    assert matmul.output.type.element_type == expected
    assert matmul.weights.type.element_type == w_elt  # runtime-writable: type kept
    interp.run(module, [frames])


@examples(60)
@given(st.integers(0, 2**32 - 1), st.builds(dtypes.int_type, st.integers(1, 8), st.booleans()),
       st.integers(1, 4), st.booleans(), st.booleans(), st.integers(1, 6),
       st.sampled_from([1, 1, 2, -1]), st.integers(-3, 3))
def test_thresholds_clipped_exhaustively(seed, x_elt, channels, shared, sort, steps, scale,
                                         bias):
    """Every input value of a small type: the same outputs; the output type is the hull of
    the reachable outputs; the threshold type holds the compared type."""
    rng = np.random.default_rng(seed)
    lo, hi = dtypes.element_range(x_elt)
    th = rng.integers(lo - 10, hi + 11, size=(1 if shared else channels, steps))
    if sort:
        th = np.sort(th, axis=1)
    ends = (bias, bias + scale * steps)
    b = FunctionBuilder(TensorType(x_elt, [1, channels]))
    y = multithreshold(b, b.block.args[0], b.const(th, SI32),
                       dtypes.narrowest_int_type(min(ends), max(ends)), scale, bias)
    module = b.finish(y)
    frames = np.repeat(np.arange(lo, hi + 1)[:, None], channels, axis=1)
    after = infer(module)
    before_out, after_out = interp.run(module, [frames])[0], interp.run(after, [frames])[0]
    np.testing.assert_array_equal(before_out, after_out)
    (op,) = ops_of(after, rpnn.MultiThresholdOp)
    out_elt = op.output.type.element_type
    if before_out.min() < before_out.max():
        assert out_elt == dtypes.narrowest_int_type(int(before_out.min()), int(before_out.max()))
    th_elt = op.thresholds.type.element_type
    assert dtypes.contains(th_elt, lo, hi)
    values = dtypes.dense_to_numpy(op.thresholds.owner.value)
    assert values.min() >= lo and values.max() <= hi + 1


# --------------------------------------------------------------------------- bit-exact


@examples(200)
@given(integer_nets())
def test_bit_exact_on_random_integer_networks(net):
    before = interp.run(net.module, [net.frames])
    module = infer(net.module)
    after = interp.run(module, [net.frames])  # raises OverflowInIR if a type is unsound
    for a, b in zip(before, after, strict=True):
        np.testing.assert_array_equal(a, b)
    again = infer(module)  # idempotent
    assert str(again) == str(module)


@examples(40)
@given(integer_nets())
def test_bit_exact_with_worst_case_weights(net):
    before = interp.run(net.module, [net.frames])
    module = infer(net.module, weights="worst-case")
    for a, b in zip(before, interp.run(module, [net.frames]), strict=True):
        np.testing.assert_array_equal(a, b)
    types = {str(op.output.type) for op in ops_of(net.module, rpnn.ConstantOp)}
    for op in ops_of(module, rpnn.MatMulOp) + ops_of(module, rpnn.Conv2dOp):
        assert str(op.weights.type) in types  # weights keep their types


DATAFLOW = Path(__file__).with_name("infer_precision_dataflow.mlir")


@pytest.mark.parametrize("seed", range(6))
def test_bit_exact_dataflow(seed):
    """pad (its value joins the range), swg, mvtu, fifo, stream_maxpool, duplicate,
    add_streams, thresholding, depthwise, dwc, label_select inside a partition."""
    rng = np.random.default_rng(seed)
    weights = rng.integers(-3, 4, size=(18, 4))
    text = DATAFLOW.read_text().replace("WEIGHTS", str(weights.tolist()))
    text = text.replace("PAD", str(seed % 4))
    module = api.parse(text)
    frames = rng.integers(0, 4, size=(64, 6, 6, 2))
    frames[0], frames[1] = 0, 3
    after = infer(module)
    for a, b in zip(interp.run(module, [frames]), interp.run(after, [frames]), strict=True):
        np.testing.assert_array_equal(a, b)
    (mvtu,) = ops_of(after, rpnn.MVTUOp)
    assert dtypes.element_range(mvtu.acc_type)[1] < 2**15  # narrowed from si32
    (pad,) = ops_of(after, rpnn.PadOp)
    assert dtypes.fits(pad.output.type.element_type, np.array([seed % 4]))


# --------------------------------------------------------------------------- pieces


def test_registered():
    assert get_all_passes()["rpnn-infer-precision"]() is InferPrecisionPass


def test_lfc_sized_network_is_fast():
    """784-1024-1024-1024-10 bipolar with random weights: si11 / si11 / ... in well under 10 s."""
    rng = np.random.default_rng(0)
    b = FunctionBuilder(TensorType(BIPOLAR, [1, 784]))
    x: SSAValue = b.block.args[0]
    for k, m in ((784, 1024), (1024, 1024), (1024, 1024)):
        acc = b.matmul(x, b.const(rng.choice([-1, 1], size=(k, m)), BIPOLAR), SI32)
        x = multithreshold(b, acc, b.const(rng.integers(-40, 40, size=(m, 1)), SI32), BIPOLAR,
                           2, -1)
    acc = b.matmul(x, b.const(rng.choice([-1, 1], size=(1024, 10)), BIPOLAR), SI32)
    module = b.finish(b.topk(acc, 1, SI32))
    after = infer(module)
    accs = [op.output.type.element_type for op in ops_of(after, rpnn.MatMulOp)]
    assert [dtypes.type_str(t) for t in accs] == ["si11", "si12", "si12", "si12"]
    frames = rng.choice([-1, 1], size=(16, 784))
    np.testing.assert_array_equal(interp.run(module, [frames])[0],
                                  interp.run(after, [frames])[0])


def test_too_wide_is_a_diagnostic():
    b = FunctionBuilder(TensorType(dtypes.int_type(32, signed=False), [1, 4]))
    acc = b.matmul(b.block.args[0], b.const(np.full((4, 1), 1000), dtypes.int_type(16, True)),
                   SI32)
    module = b.finish(acc)
    with pytest.raises(DiagnosticException, match=r"rpnn.matmul.*need 44 bits"):
        infer(module)


def test_bad_option():
    with pytest.raises(DiagnosticException, match="weights=typo"):
        infer(FunctionBuilder(TensorType(SI32, [1, 1])).finish(), weights="typo")
