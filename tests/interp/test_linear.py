"""rpnn.matmul and rpnn.conv2d against direct loops, Python integers and XNOR-popcount."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from interp_refs import conv_loops, run1, xnor_popcount_matmul

from rpnn_ir import interp
from rpnn_ir.builders.ops import BIPOLAR, F32, si, tensor, ui
from rpnn_ir.builders.ops import FunctionBuilder as Fn

# --------------------------------------------------------------------------- references


def conv_module(x_shape, w, elt, out, **kwargs):
    fn = Fn(tensor(x_shape, elt))
    wc = fn.const(w, elt)
    return fn.finish(fn.conv2d(fn.args[0], wc, out, **kwargs))


@st.composite
def conv_cases(draw):
    groups_kind = draw(st.sampled_from(["one", "some", "depthwise"]))
    cg = draw(st.integers(1, 3)) if groups_kind != "depthwise" else 1
    groups = 1 if groups_kind == "one" else draw(st.integers(2, 3))
    c = cg * groups
    o = groups * (draw(st.integers(1, 2)))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = (draw(st.integers(1, 2)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = tuple(draw(st.integers(0, 2)) for _ in range(4))
    eff_h, eff_w = (kh - 1) * dilation[0] + 1, (kw - 1) * dilation[1] + 1
    h = draw(st.integers(max(1, eff_h - padding[0] - padding[2]), 7))
    wd = draw(st.integers(max(1, eff_w - padding[1] - padding[3]), 7))
    n = draw(st.integers(1, 2))
    seed = draw(st.integers(0, 2**32 - 1))
    return (n, c, h, wd), (o, cg, kh, kw), stride, padding, dilation, groups, seed


@settings(max_examples=50, deadline=None)
@given(conv_cases())
def test_conv2d_integer_vs_loops(case):
    x_shape, w_shape, stride, padding, dilation, groups, seed = case
    rng = np.random.default_rng(seed)
    x = rng.integers(-8, 8, size=x_shape)
    w = rng.integers(0, 4, size=w_shape)  # ui2 weights, si4 activations
    fn = Fn(tensor([1, *x_shape[1:]], si(4)))
    wc = fn.const(w, ui(2))
    module = fn.finish(fn.conv2d(fn.args[0], wc, si(16), stride=stride, padding=padding,
                                 dilation=dilation, groups=groups))
    got = run1(module, x)
    assert got.dtype == np.int64
    expected = conv_loops(x, w, stride, padding, dilation, groups)
    np.testing.assert_array_equal(got, expected.astype(np.int64))


@settings(max_examples=40, deadline=None)
@given(conv_cases())
def test_conv2d_float_vs_loops(case):
    x_shape, w_shape, stride, padding, dilation, groups, seed = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape).astype(np.float32)
    w = rng.standard_normal(w_shape).astype(np.float32)
    module = conv_module(x_shape, w, F32, F32, stride=stride, padding=padding,
                         dilation=dilation, groups=groups)
    got = run1(module, x)
    assert got.dtype == np.float32
    expected = conv_loops(x, w, stride, padding, dilation, groups).astype(np.float64)
    # float64 accumulation rounded once to f32: within one f32 ulp of the exact sum
    np.testing.assert_array_max_ulp(got, expected.astype(np.float32), maxulp=1)


def test_conv2d_float_dyadic_is_exact():
    """Small dyadic values: every partial sum is exact, so the result equals the loop's."""
    rng = np.random.default_rng(3)
    x = (rng.integers(-16, 16, size=(2, 4, 6, 5)) / 8).astype(np.float32)
    w = (rng.integers(-16, 16, size=(4, 1, 3, 3)) / 4).astype(np.float32)
    module = conv_module(x.shape, w, F32, F32, stride=(2, 1), padding=(1, 0, 2, 1),
                         dilation=(1, 2), groups=4)
    expected = conv_loops(x, w, (2, 1), (1, 0, 2, 1), (1, 2), 4).astype(np.float32)
    np.testing.assert_array_equal(run1(module, x), expected)


def test_conv2d_depthwise_with_multiplier():
    """groups = C with 2 filters per channel: output channel o reads input channel o // 2."""
    rng = np.random.default_rng(4)
    x = rng.integers(-3, 4, size=(1, 3, 5, 5))
    w = rng.integers(-3, 4, size=(6, 1, 3, 3))
    module = conv_module(x.shape, w, si(3), si(10), padding=(1, 1, 1, 1), groups=3)
    got = run1(module, x)
    for o in range(6):
        single = conv_loops(x[:, o // 2:o // 2 + 1], w[o:o + 1], (1, 1), (1, 1, 1, 1),
                            (1, 1), 1)
        np.testing.assert_array_equal(got[:, o:o + 1], single.astype(np.int64))


def test_conv2d_bipolar():
    rng = np.random.default_rng(5)
    x = rng.choice([-1, 1], size=(2, 4, 5, 5))
    w = rng.choice([-1, 1], size=(3, 4, 3, 3))
    fn = Fn(tensor([2, 4, 5, 5], BIPOLAR))
    wc = fn.const(w, BIPOLAR)
    module = fn.finish(fn.conv2d(fn.args[0], wc, si(7), stride=(2, 2)))
    expected = conv_loops(x, w, (2, 2), (0, 0, 0, 0), (1, 1), 1).astype(np.int64)
    np.testing.assert_array_equal(run1(module, x), expected)


# --------------------------------------------------------------------------- matmul


def matmul_python(x, w):
    """Exact product with Python integers."""
    k, m = w.shape
    rows = x.reshape(-1, k)
    out = [[sum(int(r[i]) * int(w[i, j]) for i in range(k)) for j in range(m)] for r in rows]
    return out


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 5), st.integers(1, 12), st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_matmul_integer_random(n, k, m, seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 16, size=(n, k))
    w = rng.integers(-128, 128, size=(k, m))
    fn = Fn(tensor([n, k], ui(4)))
    module = fn.finish(fn.matmul(fn.args[0], fn.const(w, si(8)), si(16)))
    np.testing.assert_array_equal(run1(module, x), matmul_python(x, w))


def test_matmul_large_values_exact():
    """Products near 2^55 where float64 would lose the low bits; the sum fits si32."""
    a, c = 2**30 + 1, 2**25 + 1
    x = np.array([[a, -a], [a - 2, 2 - a]])
    w = np.array([[c, 3], [c - 1, 3]])
    expected = matmul_python(x, w)
    assert expected == [[a, 0], [a - 2, 0]]
    assert max(abs(v) for row in expected for v in row) < 2**31
    fn = Fn(tensor([2, 2], si(32)))
    module = fn.finish(fn.matmul(fn.args[0], fn.const(w, si(27)), si(32)))
    got = run1(module, x)
    np.testing.assert_array_equal(got, expected)
    # the float64 path would have been wrong
    assert (np.rint(x.astype(np.float64) @ w.astype(np.float64)) != np.array(expected)).any()


def test_exact_matmul_int64_fallback_and_limit():
    rng = np.random.default_rng(6)
    x = rng.integers(-(2**31), 2**31, size=(3, 5))
    w = rng.integers(-(2**26), 2**26, size=(5, 4))
    np.testing.assert_array_equal(interp.exact_matmul(x, w), matmul_python(x, w))
    # batched leading axes
    x3 = x.reshape(3, 1, 5)
    np.testing.assert_array_equal(interp.exact_matmul(x3, w).reshape(3, 4), matmul_python(x, w))
    # a bound that could exceed int64 is refused, never wrapped
    big = np.full((1, 4), 2**31)
    with pytest.raises(interp.InterpreterError):
        interp.exact_matmul(big, np.full((4, 1), 2**31))


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 4), st.integers(1, 70), st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_matmul_bipolar_xnor_popcount(n, k, m, seed):
    rng = np.random.default_rng(seed)
    x = rng.choice([-1, 1], size=(n, k))
    w = rng.choice([-1, 1], size=(k, m))
    fn = Fn(tensor([n, k], BIPOLAR))
    module = fn.finish(fn.matmul(fn.args[0], fn.const(w, BIPOLAR), si(8)))
    np.testing.assert_array_equal(run1(module, x), xnor_popcount_matmul(x, w))


def test_matmul_float():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, 20)).astype(np.float32)
    w = rng.standard_normal((20, 4)).astype(np.float32)
    fn = Fn(tensor([3, 20], F32))
    module = fn.finish(fn.matmul(fn.args[0], fn.const(w, F32), F32))
    got = run1(module, x)
    expected = np.array([[math.fsum(float(x[i, t]) * float(w[t, j]) for t in range(20))
                          for j in range(4)] for i in range(3)])
    np.testing.assert_array_max_ulp(got, expected.astype(np.float32), maxulp=1)


# --------------------------------------------------------------------------- overflow


@pytest.mark.parametrize("signed", [True, False])
@pytest.mark.parametrize("width", [4, 9, 17])
def test_matmul_result_width(signed, width):
    """A result type exactly as wide as the values passes; one bit narrower raises."""
    lo, hi = (-(2 ** (width - 1)), 2 ** (width - 1) - 1) if signed else (0, 2**width - 1)
    x = np.array([[1, 0], [0, 1]])
    w = np.array([[lo, hi], [hi, lo]])  # result rows hit both ends of the range
    make = si if signed else ui

    def module(out_width):
        fn = Fn(tensor([2, 2], ui(1)))
        return fn.finish(fn.matmul(fn.args[0], fn.const(w, si(width + 1)), make(out_width)))

    np.testing.assert_array_equal(run1(module(width), x), [[lo, hi], [hi, lo]])
    with pytest.raises(interp.OverflowInIR, match="rpnn.matmul"):
        run1(module(width - 1), x)


def test_conv2d_overflow_names_op():
    x = np.full((1, 1, 3, 3), 7)
    w = np.full((1, 1, 3, 3), 7)  # 9 * 49 = 441 > 255
    with pytest.raises(interp.OverflowInIR, match=r"rpnn\.conv2d.*441.*ui8"):
        run1(conv_module([1, 1, 3, 3], w, ui(3), ui(8)), x)
    assert run1(conv_module([1, 1, 3, 3], w, ui(3), ui(9)), x)[0, 0, 0, 0] == 441
