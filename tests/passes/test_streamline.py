"""rpnn-streamline: the reference interpreter gives the same results before and after the pass.

Integer outputs (every activation quantizer's q * scale, hidden ones included) must be
bit-exact; float outputs that end in `rpnn.scale_bias` equal to 1e-6 relative.  Checked on
the networks in examples/ (when present), on random graph-level networks
(tests/strategies/graph_nets.py: dyadic scales, exact rounding ties on reachable
accumulators), and, for the threshold derivation alone, against a brute-force evaluation
with `fractions.Fraction` over every accumulator value.
"""

from __future__ import annotations

import math
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    Float64Type,
    FunctionType,
    ModuleOp,
    TensorType,
    f32,
)
from xdsl.utils.exceptions import PassFailedException

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the strategies package

from strategies.graph_nets import GraphNet, QuantSpec, graph_nets  # noqa: E402

from rpnn_ir import api, dtypes, interp  # noqa: E402
from rpnn_ir.builders import examples  # noqa: E402
from rpnn_ir.builders.ops import F32, FunctionBuilder, tensor  # noqa: E402
from rpnn_ir.dialects import rpnn  # noqa: E402
from rpnn_ir.passes.streamline import (  # noqa: E402
    StreamlinePass,
    channel_thresholds,
    level_boundaries,
)

MODES = ("ROUND", "HALF_EVEN", "CEIL", "FLOOR", "UP", "DOWN", "HALF_UP", "HALF_DOWN")
CTX = Context()  # the pass does not use its context


def streamline(module: ModuleOp) -> ModuleOp:
    """The streamlined copy of `module` (verified)."""
    out = module.clone()
    StreamlinePass().apply(CTX, out)
    out.verify()
    return out


def main_function(module: ModuleOp) -> func.FuncOp:
    return next(op for op in module.walk() if isinstance(op, func.FuncOp))


def integer_level_only(module: ModuleOp) -> None:
    """No graph-level float op survives (docs/passes.md, "Integer level")."""
    allowed = (rpnn.ScaleBiasOp, rpnn.TopKOp, rpnn.ConstantOp, rpnn.QuantOp,
               rpnn.BipolarQuantOp, func.ReturnOp)
    for op in main_function(module).body.block.ops:
        if isinstance(op, allowed):
            continue
        for value in (*op.operands, *op.results):
            assert not str(value.type).endswith("xf32>"), f"{op.name} still works on f32"


def assert_same(net_kind: str, before: list[np.ndarray], after: list[np.ndarray]) -> None:
    assert len(before) == len(after)
    for index, (a, b) in enumerate(zip(before, after, strict=True)):
        assert a.shape == b.shape and a.dtype == b.dtype, (index, a.shape, b.shape)
        if index == 0 and net_kind == "float":
            atol = 1e-6 * float(np.abs(a).max(initial=0))
            np.testing.assert_allclose(b, a, rtol=1e-6, atol=atol)
        else:
            np.testing.assert_array_equal(b, a, err_msg=f"result {index} differs")


# --------------------------------------------------------------------------- random networks


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(graph_nets())
def test_random_networks_bit_exact(net: GraphNet):
    before = interp.run(net.module, [net.frames])
    after_module = streamline(net.module)
    integer_level_only(after_module)
    assert_same(net.output, before, interp.run(after_module, [net.frames]))


# --------------------------------------------------------------------------- the threshold math


def reference_round(v: Fraction, mode: str) -> int:
    """QONNX rounding of an exact rational, from the definitions."""
    floor = math.floor(v)
    frac = v - floor
    if mode == "CEIL":
        return math.ceil(v)
    if mode == "FLOOR":
        return floor
    if mode == "UP":
        return math.ceil(v) if v > 0 else floor
    if mode == "DOWN":
        return floor if v > 0 else math.ceil(v)
    if frac != Fraction(1, 2):
        return floor + (frac > Fraction(1, 2))
    if mode in ("ROUND", "HALF_EVEN"):
        return floor if floor % 2 == 0 else floor + 1
    if mode == "HALF_UP":
        return floor + 1 if v > 0 else floor
    assert mode == "HALF_DOWN"
    return floor if v > 0 else floor + 1


def fractions(max_den: int = 16, max_num: int = 40):
    return st.builds(Fraction, st.integers(-max_num, max_num), st.integers(1, max_den))


BRUTE_FORCE = {"examples": 0, "ties": 0}
"""How many brute-force examples ran, and how many put an accumulator exactly on a tie."""


@settings(max_examples=300, deadline=None)
@given(
    a=st.one_of(st.just(Fraction(0)), fractions().map(abs)),
    b=fractions(),
    clamp=st.tuples(st.one_of(st.none(), fractions()), st.one_of(st.none(), fractions())),
    s=st.builds(Fraction, st.integers(1, 8), st.integers(1, 8)),
    bits=st.integers(1, 4),
    signed=st.booleans(),
    narrow=st.booleans(),
    mode=st.sampled_from(MODES),
    zp=st.integers(-3, 3),
    acc=st.tuples(st.integers(-40, 0), st.integers(0, 40)),
    float_quotient=st.booleans(),
    tie=st.tuples(st.sampled_from(["-1/2", "+1/2", "any", "none"]), st.integers(0, 80),
                  st.integers(0, 15)),
)
def test_thresholds_match_brute_force(a, b, clamp, s, bits, signed, narrow, mode, zp, acc,
                                      float_quotient, tie):
    """Every accumulator value crosses exactly as many thresholds as the quantizer output's
    level: rounding ties, clamps (relu), zero factors and the range bounds included; v is
    computed exactly, or with the float64 quotient and sum of rpnn.quant.  `tie` moves b so
    that one accumulator value lands exactly on a rounding tie (at -1/2 or +1/2, where the
    HALF_UP and HALF_DOWN rules differ from rounding half to even, or any level), widening
    the clamp to let it through."""
    lo = -math.inf if clamp[0] is None else clamp[0]
    hi = math.inf if clamp[1] is None else clamp[1]
    if lo > hi:
        lo, hi = hi, lo
    if tie[0] == "-1/2":  # -1/2 lies inside the range of a signed quantizer of 2+ bits only
        signed, bits = True, max(bits, 2)
    bipolar = bits == 1 and signed
    if bipolar:
        narrow, zp = False, 0
    if bits == 1 and not signed:
        narrow = False
    min_int = -(1 << (bits - 1)) + narrow if signed else 0
    max_int = (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1 - narrow
    b, lo, hi = aim_at_tie(tie, a, b, s, zp, acc, (min_int, max_int), bipolar, (lo, hi))
    levels = [(0, False)] if bipolar else level_boundaries(min_int, max_int, mode)
    row = channel_thresholds(levels, a, b, lo, hi, s, Fraction(zp), acc[0], acc[1],
                             float_quotient=float_quotient)
    assert all(acc[0] <= t <= acc[1] + 1 for t in row)
    on_tie = False
    for x in range(acc[0], acc[1] + 1):
        f = Fraction(min(max(a * x + b, lo), hi))
        v = Fraction(float(f / s) + zp) if float_quotient else f / s + zp
        if bipolar:
            expected = 1 if v >= 0 else 0
            on_tie |= v == 0
        else:
            expected = reference_round(min(max(v, Fraction(min_int)), Fraction(max_int)),
                                       mode) - min_int
            on_tie |= min_int < v < max_int and (v - Fraction(1, 2)).denominator == 1
        assert sum(t <= x for t in row) == expected, (x, v, row)
    BRUTE_FORCE["examples"] += 1
    BRUTE_FORCE["ties"] += on_tie


def aim_at_tie(tie: tuple[str, int, int], a: Fraction, b: Fraction, s: Fraction, zp: int,
               acc: tuple[int, int], q_range: tuple[int, int], bipolar: bool,
               clamp: tuple[Fraction | float, Fraction | float]
               ) -> tuple[Fraction, Fraction | float, Fraction | float]:
    """(b, lo, hi): the bias that puts accumulator x0 (picked by `tie`) on a rounding tie of
    v, and the clamp widened to let that tie through."""
    kind, at, level = tie
    lo, hi = clamp
    if kind == "none":
        return b, lo, hi
    x0 = acc[0] + at % (acc[1] - acc[0] + 1)
    min_int, max_int = q_range
    half = Fraction(1, 2)
    ties = [Fraction(0)] if bipolar else [j + half for j in range(min_int, max_int)]
    if kind == "any" or not ties:
        target = ties[level % len(ties)] if ties else half
    else:  # -1/2 or +1/2 when in range: where HALF_UP and HALF_DOWN differ from HALF_EVEN
        wanted = half if kind == "+1/2" else -half
        target = wanted if wanted in ties else ties[level % len(ties)]
    f0 = (target - zp) * s  # the clamped value that gives v = target
    return f0 - a * x0, min(lo, f0), max(hi, f0)


def test_brute_force_reached_ties():
    """Runs after test_thresholds_match_brute_force (file order): most examples had an
    accumulator value exactly on a tie (clamps and the range bounds take the rest)."""
    assert BRUTE_FORCE["examples"] >= 300
    assert BRUTE_FORCE["ties"] >= 0.6 * BRUTE_FORCE["examples"], BRUTE_FORCE


@settings(max_examples=200, deadline=None)
@given(n=st.integers(-40, 40), d=st.integers(1, 40), b=st.integers(-8, 8),
       s=st.sampled_from([Fraction(1), Fraction(1, 2), Fraction(4), Fraction(3), Fraction(3, 8)]),
       mode=st.sampled_from(MODES), zp=st.integers(-2, 2), relu=st.booleans())
def test_thresholds_float64_near_boundaries(n, d, b, s, mode, zp, relu):
    """a = fl(|n| / 2d) puts a * d + b/2 within float64 ulps of the boundary n/2 + b/2, where
    the float64 quotient and sum of rpnn.quant decide: brute force with that evaluation."""
    a = Fraction(float(Fraction(abs(n), 2 * d)))
    lo = Fraction(0) if relu else -math.inf
    min_int, max_int = -8, 7
    levels = level_boundaries(min_int, max_int, mode)
    bias = Fraction(b, 2) * s
    row = channel_thresholds(levels, a, bias, lo, math.inf, s, Fraction(zp), -4 * d, 4 * d)
    for x in range(-4 * d, 4 * d + 1):
        f = max(a * x + bias, lo)
        v = Fraction(float(f / s) + zp)
        q = reference_round(min(max(v, Fraction(min_int)), Fraction(max_int)), mode)
        assert sum(t <= x for t in row) == q - min_int, (x, v, row)


def test_float64_quotient_near_a_tie():
    """rpnn.quant rounds x / scale to float64 (docs/semantics.md): 5 * fl(0.3) is 2^-54 below
    1.5, v rounds onto the tie 1.5 and ROUND gives 2 (the exact value would give 1)."""
    b = FunctionBuilder(TensorType(f32, [1, 5]))
    xq = QuantSpec(False, 4, True).build(b, b.args[0], 1.0)
    w = QuantSpec(False, 2, True, narrow=True).build(b, b.const(np.ones((5, 1)), F32), 1.0)
    acc = b.matmul(xq, w, F32)
    f64 = Float64Type()
    y = b.add(rpnn.ScaleBiasOp(operands=[acc], result_types=[tensor((1, 1), F32)], properties={
        "scale": dtypes.numpy_to_dense(np.array(0.3), f64),
        "bias": dtypes.numpy_to_dense(np.array(0.0), f64)}))
    module = b.finish(QuantSpec(False, 3, True, mode="ROUND").build(b, y, 1.0))
    assert Fraction(5) * Fraction(0.3) == Fraction(3, 2) - Fraction(1, 2**54)
    x = np.array([[1, 1, 1, 1, 1], [1, 1, 1, 1, 0], [2, 1, 1, 1, 1]], np.float32)
    after = streamline(module)
    assert_same("quant", interp.run(module, [x]), interp.run(after, [x]))
    assert interp.run(after, [x])[0][0, 0] == 2.0


# --------------------------------------------------------------------------- examples


def expose_activations(module: ModuleOp) -> ModuleOp:
    """A copy whose function also returns every activation quantizer's output."""
    module = module.clone()
    fn = main_function(module)
    block = fn.body.block
    extra = [op.output for op in block.ops
             if isinstance(op, rpnn.QuantOp | rpnn.BipolarQuantOp)
             and not isinstance(op.input.owner, rpnn.ConstantOp)]
    ret = block.last_op
    assert isinstance(ret, func.ReturnOp)
    ret.operands = [*ret.operands, *extra]
    fn.function_type = FunctionType.from_lists(fn.function_type.inputs.data,
                                               [v.type for v in ret.operands])
    module.verify()
    return module


@pytest.mark.parametrize("name, frames", [("tiny_mlp", 256), ("lfc_w1a1", 32),
                                          ("cnv_w2a2", 3)])
def test_examples(name: str, frames: int):
    module = expose_activations(examples.build(name))
    after = streamline(module)
    integer_level_only(after)
    shape = main_function(module).function_type.inputs.data[0].get_shape()
    x = np.random.default_rng(0).normal(size=(frames, *shape[1:])).astype(np.float32)
    before = interp.run(module, [x])
    result = interp.run(after, [x])
    assert_same("float", before, result)
    np.testing.assert_array_equal(np.argmax(result[0], axis=-1), np.argmax(before[0], axis=-1))


# --------------------------------------------------------------------------- scale and errors


def dense_layer(channels: int, bits: int) -> ModuleOp:
    """x[1, 64] -> 4-bit input -> ternary weights [64, channels] -> batchnorm (mixed signs)
    -> relu -> unsigned `bits`-bit activation quantizer."""
    rng = np.random.default_rng(1)
    b = FunctionBuilder(TensorType(f32, [1, 64]))
    xq = QuantSpec(False, 4, True).build(b, b.args[0], 0.5)
    w = b.const(rng.integers(-2, 3, size=(64, channels)) * 0.25, F32)
    wq = QuantSpec(False, 2, True, narrow=True).build(b, w, 0.25)
    acc = b.matmul(xq, wq, F32)
    gamma = rng.choice([-1.0, 1.0], size=channels) * rng.integers(1, 9, size=channels) / 8
    bn = b.batchnorm(acc, gamma, rng.integers(-64, 65, size=channels) / 16,
                     rng.integers(-64, 65, size=channels) / 16, np.full(channels, 0.25), 0.0)
    r = b.relu(bn)
    return b.finish(QuantSpec(False, bits, False).build(b, r, 2.0**-7))


def test_1024_channels_255_levels_exact():
    """1024 x 255 thresholds, each solved analytically (the timing is in benchmarks/)."""
    module = dense_layer(1024, 8)
    after = streamline(module)
    x = (np.random.default_rng(2).integers(-20, 20, size=(64, 64)) / 4).astype(np.float32)
    assert_same("quant", interp.run(module, [x]), interp.run(after, [x]))
    table = next(op for op in main_function(after).body.block.ops
                 if isinstance(op, rpnn.MultiThresholdOp)).thresholds.type
    assert table.get_shape() == (1024, 255)


def small_layer(weight_zero_point: float = 0.0, weight_scale=0.5) -> ModuleOp:
    b = FunctionBuilder(TensorType(f32, [1, 4]))
    xq = QuantSpec(False, 4, True).build(b, b.args[0], 0.5)
    w = b.const(np.full((4, 2), 0.5), F32)
    wq = QuantSpec(False, 4, True).build(b, w, weight_scale)
    if weight_zero_point:
        wq.owner.properties["zero_point"] = dtypes.numpy_to_dense(
            np.array(weight_zero_point, np.float32), f32)
    for op, name in ((xq, "xq"), (w, "w"), (wq, "wq")):
        op.name_hint = name
    y = b.matmul(xq, wq, F32)
    y.name_hint = "y"
    return b.finish(y)


@pytest.mark.parametrize("module, message", [
    (small_layer(weight_zero_point=1.0),
     "rpnn.quant (%wq): weights with a nonzero zero point are not supported"),
    (small_layer(weight_scale=np.array([[0.5], [0.5], [0.25], [0.25]], np.float32)),
     "rpnn.matmul (%y): the weight scale varies along the reduction axis K"),
])
def test_rejected(module: ModuleOp, message: str):
    """One-line reasons naming the op and its result; a failed pass changes nothing."""
    before = str(module)
    with pytest.raises(PassFailedException) as info:
        StreamlinePass().apply(CTX, module)
    assert str(info.value) == message
    module.verify()
    assert str(module) == before


def test_failure_leaves_the_module_unchanged():
    """A later function's failure undoes the rewrite of the functions before it."""
    good = (Path(__file__).resolve().parents[1] / "filecheck/passes/rpnn-streamline.mlir")
    bad = (Path(__file__).resolve().parents[1] / "filecheck/passes/rpnn-streamline-errors.mlir")
    module = api.parse(good.read_text() + bad.read_text().split("// -----")[2])
    before = str(module)
    with pytest.raises(PassFailedException, match="no activation quantizer before this layer"):
        StreamlinePass().apply(CTX, module)
    module.verify()
    assert str(module) == before


CONV_TAIL = (
    "func.func @f(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xf32> {\n"
    "  %q = rpnn.quant %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : "
    "tensor<f32> bits = 4 signed rounding = \"ROUND\" : tensor<1x1x4x4xf32> -> "
    "tensor<1x1x4x4xf32>\n"
    "  %w = rpnn.constant dense<0.3> : tensor<1x1x3x3xf32>\n"
    "  %y = rpnn.conv2d %q, %w stride = [1, 1] padding = [0, 0, 0, 0] dilation = [1, 1] "
    "groups = 1 : tensor<1x1x4x4xf32>, tensor<1x1x3x3xf32> -> tensor<1x1x2x2xf32>\n"
    "  func.return %y : tensor<1x1x2x2xf32>\n"
    "}\n"
)


def test_float_tail_onnx_refuses_an_f32_convolution_and_leaves_the_module() -> None:
    """onnxruntime's convolution kernels are not reproduced: a clean error, nothing changed."""
    from rpnn_ir.passes.streamline import StreamlinePass

    module = api.parse(CONV_TAIL)
    before = str(module)
    with pytest.raises(PassFailedException, match=r"rpnn\.conv2d \(%y\): an f32 convolution "
                       "in the float tail"):
        StreamlinePass(float_tail="onnx").apply(Context(), module)
    assert str(module) == before
