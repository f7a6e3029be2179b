"""Element-wise and shape ops: multithreshold, batchnorm, maxpool, add/mul/relu, reshape,
transpose, topk, scale_bias — each against loops or formulas written here."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from interp_refs import run1
from xdsl.dialects.builtin import f64

from rpnn_ir import dtypes, interp
from rpnn_ir.builders.ops import BIPOLAR, F32, si, tensor, ui, window_out
from rpnn_ir.builders.ops import FunctionBuilder as Fn
from rpnn_ir.dialects import rpnn

# --------------------------------------------------------------------------- multithreshold


def threshold_loop(x, t, out_scale=1.0, out_bias=0.0):
    """y = out_scale * #{t in thresholds[c] : t <= x} + out_bias, channel c on axis 1."""
    y = np.zeros(x.shape, dtype=np.float64)
    for idx in np.ndindex(*x.shape):
        row = t[idx[1] if t.shape[0] > 1 else 0]
        count = sum(1 for tv in row if tv <= x[idx])
        y[idx] = out_scale * count + out_bias
    return y


def mt_module(x_shape, x_elt, t, t_elt, out, **kwargs):
    fn = Fn(tensor(x_shape, x_elt))
    return fn.finish(fn.multithreshold(fn.args[0], fn.const(t, t_elt), out, **kwargs))


def test_multithreshold_ties_and_unsorted():
    t = np.array([[3, -1, 3, 0], [5, 2, -4, 1]])  # unsorted, with a repeated value
    x = np.array([[-2, -4], [-1, 0], [0, 1], [2, 2], [3, 5], [4, 9]])
    module = mt_module([6, 2], si(5), t, si(4), ui(3))
    expected = threshold_loop(x, t)
    assert expected[:, 0].tolist() == [0, 1, 2, 2, 4, 4]  # x == threshold counts (3 twice)
    np.testing.assert_array_equal(run1(module, x), expected.astype(np.int64))


def test_multithreshold_broadcast_row_nchw():
    """A [1, T] row applies to every channel of an NCHW tensor (axis 1)."""
    rng = np.random.default_rng(1)
    x = rng.integers(-10, 10, size=(2, 3, 2, 2))
    t = np.array([[4, -3, 0]])
    module = mt_module([1, 3, 2, 2], si(5), t, si(4), si(3), out_bias=-1.0)
    np.testing.assert_array_equal(run1(module, x),
                                  threshold_loop(x, t, 1.0, -1.0).astype(np.int64))


def test_multithreshold_per_channel_nchw_channel_axis():
    """Per-channel thresholds follow axis 1, not the last axis."""
    x = np.zeros((1, 2, 1, 3), dtype=np.float32)
    t = np.array([[-1.0, -0.5], [0.5, 1.0]], np.float32)
    module = mt_module([1, 2, 1, 3], F32, t, F32, F32)
    np.testing.assert_array_equal(run1(module, x), [[[[2, 2, 2]], [[0, 0, 0]]]])


def test_multithreshold_bipolar_output():
    x = np.array([[-3, 0, 1, 2], [5, -5, 2, 1]])
    t = np.array([[1], [-5], [2], [1]])
    module = mt_module([2, 4], si(4), t, si(4), BIPOLAR, out_scale=2.0, out_bias=-1.0)
    expected = 2 * threshold_loop(x, t) - 1
    np.testing.assert_array_equal(run1(module, x), expected.astype(np.int64))
    assert run1(module, x).tolist() == [[-1, 1, -1, 1], [1, 1, 1, 1]]  # ties give +1


@st.composite
def mt_cases(draw):
    rank = draw(st.sampled_from([2, 3, 4]))
    c = draw(st.integers(1, 4))
    shape = [draw(st.integers(1, 3)), c] + [draw(st.integers(1, 3)) for _ in range(rank - 2)]
    steps = draw(st.integers(1, 6))
    rows = draw(st.sampled_from([1, c]))
    seed = draw(st.integers(0, 2**32 - 1))
    scale = draw(st.sampled_from([None, 1.0, 0.5, -2.0, 3.0]))
    bias = draw(st.sampled_from([None, 0.0, -1.5, 2.0, -4.0]))
    return shape, steps, rows, seed, scale, bias


@settings(max_examples=50, deadline=None)
@given(mt_cases())
def test_multithreshold_random(case):
    shape, steps, rows, seed, scale, bias = case
    rng = np.random.default_rng(seed)
    # float: values on a grid of quarters so that ties with thresholds occur
    x = (rng.integers(-12, 12, size=shape) / 4).astype(np.float32)
    t = (rng.integers(-12, 12, size=(rows, steps)) / 4).astype(np.float32)
    module = mt_module([1, *shape[1:]], F32, t, F32, F32, out_scale=scale, out_bias=bias)
    expected = threshold_loop(x, t, 1.0 if scale is None else scale,
                              0.0 if bias is None else bias)
    np.testing.assert_array_equal(run1(module, x), expected.astype(np.float32))
    # integer: integral scale and bias, a result type wide enough
    xi, ti = (x * 4).astype(np.int64), (t * 4).astype(np.int64)
    iscale = 1 if scale is None else int(math.copysign(math.ceil(abs(scale)), scale))
    ibias = 0 if bias is None else int(bias)
    module = mt_module([1, *shape[1:]], si(6), ti, si(6), si(8), out_scale=float(iscale),
                       out_bias=float(ibias))
    np.testing.assert_array_equal(run1(module, xi),
                                  threshold_loop(xi, ti, iscale, ibias).astype(np.int64))


# --------------------------------------------------------------------------- batchnorm


def test_batchnorm_formula():
    rng = np.random.default_rng(2)
    c = 3
    x = rng.standard_normal((2, c, 2, 3)).astype(np.float32)
    scale = rng.uniform(0.5, 2, c).astype(np.float32)
    bias = rng.standard_normal(c).astype(np.float32)
    mean = rng.standard_normal(c).astype(np.float32)
    var = rng.uniform(0.1, 3, c).astype(np.float32)
    eps = 2.0**-10
    fn = Fn(tensor([1, c, 2, 3], F32))
    module = fn.finish(fn.batchnorm(fn.args[0], scale, bias, mean, var, eps))
    got = run1(module, x)
    expected = np.empty(x.shape)
    for idx in np.ndindex(*x.shape):
        ch = idx[1]
        expected[idx] = ((float(x[idx]) - float(mean[ch])) / math.sqrt(float(var[ch]) + eps)
                         * float(scale[ch]) + float(bias[ch]))
    np.testing.assert_array_max_ulp(got, expected.astype(np.float32), maxulp=1)
    # rank 2 input [N, C]
    fn = Fn(tensor([2, c], F32))
    module = fn.finish(fn.batchnorm(fn.args[0], scale, bias, mean, var, eps))
    got = run1(module, x[:, :, 0, 0])
    np.testing.assert_array_max_ulp(got, expected[:, :, 0, 0].astype(np.float32), maxulp=1)


# --------------------------------------------------------------------------- maxpool


def maxpool_loop(x, kernel, stride, padding):
    n, c, h, w = x.shape
    top, left, bottom, right = padding
    oh = window_out(h, kernel[0], stride[0], top + bottom)
    ow = window_out(w, kernel[1], stride[1], left + right)
    out = np.empty((n, c, oh, ow), dtype=x.dtype)
    for b, ch, i, j in np.ndindex(n, c, oh, ow):
        vals = [x[b, ch, ih, iw]
                for ih in range(i * stride[0] - top, i * stride[0] - top + kernel[0])
                for iw in range(j * stride[1] - left, j * stride[1] - left + kernel[1])
                if 0 <= ih < h and 0 <= iw < w]
        out[b, ch, i, j] = max(vals)
    return out


@st.composite
def pool_cases(draw):
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    # padding smaller than the kernel (ONNX): every window sees a real pixel
    padding = (draw(st.integers(0, kernel[0] - 1)), draw(st.integers(0, kernel[1] - 1)),
               draw(st.integers(0, kernel[0] - 1)), draw(st.integers(0, kernel[1] - 1)))
    h = draw(st.integers(max(1, kernel[0] - padding[0] - padding[2]), 6))
    w = draw(st.integers(max(1, kernel[1] - padding[1] - padding[3]), 6))
    return (draw(st.integers(1, 2)), draw(st.integers(1, 3)), h, w), kernel, stride, padding, \
        draw(st.integers(0, 2**32 - 1))


@settings(max_examples=50, deadline=None)
@given(pool_cases())
def test_maxpool_vs_loops(case):
    shape, kernel, stride, padding, seed = case
    rng = np.random.default_rng(seed)
    # all values negative: a zero-padded implementation would be caught
    x = -rng.integers(1, 20, size=shape)
    fn = Fn(tensor([1, *shape[1:]], si(6)))
    module = fn.finish(fn.maxpool(fn.args[0], kernel, stride, padding))
    np.testing.assert_array_equal(run1(module, x), maxpool_loop(x, kernel, stride, padding))
    xf = (x / 3).astype(np.float32)
    fn = Fn(tensor([1, *shape[1:]], F32))
    module = fn.finish(fn.maxpool(fn.args[0], kernel, stride, padding))
    np.testing.assert_array_equal(run1(module, xf), maxpool_loop(xf, kernel, stride, padding))


# --------------------------------------------------------------------------- add, mul, relu


def test_add_mul_broadcast_integer_exact():
    rng = np.random.default_rng(3)
    a = rng.integers(-(2**15), 2**15, size=(2, 3, 4))
    b = rng.integers(-(2**15), 2**15, size=(3, 1))
    fn = Fn(tensor([2, 3, 4], si(16)))
    bc = fn.const(b, si(16))
    module = fn.finish(fn.binary(rpnn.AddOp, fn.args[0], bc, si(17)),
                       fn.binary(rpnn.MulOp, fn.args[0], bc, si(32)))
    add, mul = interp.run(module, [a])
    for idx in np.ndindex(*a.shape):
        assert add[idx] == int(a[idx]) + int(b[idx[1], 0])
        assert mul[idx] == int(a[idx]) * int(b[idx[1], 0])


def test_add_overflow_and_float():
    fn = Fn(tensor([1, 2], ui(4)))
    module = fn.finish(fn.binary(rpnn.AddOp, fn.args[0], fn.args[0], ui(4)))
    assert run1(module, np.array([[7, 3]])).tolist() == [[14, 6]]
    with pytest.raises(interp.OverflowInIR, match=r"rpnn\.add.*16.*ui4"):
        run1(module, np.array([[8, 3]]))
    x = np.array([[0.1, -2.5]], np.float32)
    y = np.array([[0.2, 0.75]], np.float32)
    fn = Fn(tensor([1, 2], F32), tensor([1, 2], F32))
    module = fn.finish(fn.binary(rpnn.AddOp, *fn.args, F32), fn.binary(rpnn.MulOp, *fn.args, F32))
    add, mul = interp.run(module, [x, y])
    exact_add = [float(np.float32(float(a) + float(b))) for a, b in zip(x[0], y[0], strict=True)]
    exact_mul = [float(np.float32(float(a) * float(b))) for a, b in zip(x[0], y[0], strict=True)]
    assert add[0].tolist() == exact_add and mul[0].tolist() == exact_mul


def test_relu():
    x = np.array([[-3, 0, 5], [2, -1, -7]])
    fn = Fn(tensor([2, 3], si(4)))
    module = fn.finish(fn.relu(fn.args[0]))
    assert run1(module, x).tolist() == [[0, 0, 5], [2, 0, 0]]
    xf = np.array([[-0.5, 0.0, 1.25]], np.float32)
    fn = Fn(tensor([1, 3], F32))
    module = fn.finish(fn.relu(fn.args[0]))
    assert run1(module, xf).tolist() == [[0.0, 0.0, 1.25]]


# --------------------------------------------------------------------------- shape ops


def test_reshape_flatten_and_transpose():
    x = np.arange(2 * 3 * 2 * 2).reshape(2, 3, 2, 2).astype(np.float32)
    fn = Fn(tensor([1, 3, 2, 2], F32))
    flat = fn.reshape(fn.args[0], [1, 12])
    t = fn.transpose(fn.args[0], [0, 2, 3, 1])
    module = fn.finish(flat, t)
    got_flat, got_t = interp.run(module, [x])
    for b in range(2):
        assert got_flat[b].tolist() == [float(x[b, c, h, w]) for c in range(3) for h in range(2)
                                        for w in range(2)]
        for c, h, w in np.ndindex(3, 2, 2):
            assert got_t[b, h, w, c] == x[b, c, h, w]


def test_transpose_arbitrary_perm():
    x = np.arange(2 * 3 * 4).reshape(2, 3, 4)
    fn = Fn(tensor([2, 3, 4], si(6)))
    module = fn.finish(fn.transpose(fn.args[0], [2, 0, 1]))
    got = run1(module, x)
    assert got.shape == (4, 2, 3)
    for i, j, k in np.ndindex(2, 3, 4):
        assert got[k, i, j] == x[i, j, k]  # result axis r is input axis perm[r]


# --------------------------------------------------------------------------- topk, scale_bias


def topk_reference(row, k):
    return [i for _, i in sorted((-float(v), i) for i, v in enumerate(row))][:k]


def test_topk_ties_lower_index_first():
    x = np.array([[3, 7, 7, 1, 7, 3], [0, 0, 0, 0, 0, 0], [-1, 5, -1, 5, 2, 2]])
    fn = Fn(tensor([3, 6], si(4)))
    module = fn.finish(fn.topk(fn.args[0], 4, ui(3)))
    assert run1(module, x).tolist() == [[1, 2, 4, 0], [0, 1, 2, 3], [1, 3, 4, 5]]


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 4), st.integers(1, 9), st.data())
def test_topk_random_and_argmax(n, length, data):
    k = data.draw(st.integers(1, length))
    seed = data.draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = (rng.integers(-3, 4, size=(n, length)) / 2).astype(np.float32)  # many ties
    fn = Fn(tensor([1, length], F32))
    module = fn.finish(fn.topk(fn.args[0], k, ui(4)), fn.topk(fn.args[0], 1, si(5)))
    got, arg = interp.run(module, [x])
    assert got.tolist() == [topk_reference(row, k) for row in x]
    np.testing.assert_array_equal(arg[:, 0], np.argmax(x, axis=-1))  # ONNX ArgMax


def test_topk_on_nchw_last_axis():
    x = np.array([[[[1, 9, 3], [4, 4, 2]]]])  # [1, 1, 2, 3]
    fn = Fn(tensor([1, 1, 2, 3], si(5)))
    module = fn.finish(fn.topk(fn.args[0], 2, ui(2)))
    assert run1(module, x).tolist() == [[[[1, 2], [0, 1]]]]


def test_scale_bias():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 4)).astype(np.float32)
    scale = rng.uniform(0.1, 2, (1, 4)).astype(np.float32)
    bias = rng.standard_normal(4).astype(np.float32)
    fn = Fn(tensor([1, 4], F32))
    module = fn.finish(fn.scale_bias(fn.args[0], scale, bias))
    got = run1(module, x)
    for i, j in np.ndindex(3, 4):
        exact = float(x[i, j]) * float(scale[0, j]) + float(bias[j])
        np.testing.assert_array_max_ulp(got[i, j], np.float32(exact), maxulp=1)


def test_scale_bias_f64_factors():
    """f64 scale and bias (folded factors) are used unrounded: y = x * scale + bias."""
    x = np.array([[3.0, -7.0, 1.0]], np.float32)
    scale = np.array([1 / 3, 0.1, 2.0**-40 + 1])  # not f32 values
    bias = np.array([1e-9, 0.0, -1.0])
    fn = Fn(tensor([1, 3], F32))
    op = rpnn.ScaleBiasOp(operands=[fn.args[0]], result_types=[tensor([1, 3], F32)],
                          properties={"scale": dtypes.numpy_to_dense(scale, f64),
                                      "bias": dtypes.numpy_to_dense(bias, f64)})
    got = run1(fn.finish(fn.add(op)), x)
    for j in range(3):
        exact = Fraction(float(x[0, j])) * Fraction(scale[j]) + Fraction(bias[j])
        np.testing.assert_array_max_ulp(got[0, j], np.float32(float(exact)), maxulp=1)
    # f32-rounded factors would give 1 - 1 = 0 here; the f64 factor keeps 2^-40
    assert got[0, 2] == np.float32(2.0**-40)
