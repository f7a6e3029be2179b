"""Dataflow-level units on streams (channels last) against loops and graph-level identities."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from interp_refs import conv_loops, count_loop, run, run1, xnor_popcount_matmul
from xdsl.dialects.builtin import StringAttr
from xdsl.ir import Block, Region

from rpnn_ir import interp
from rpnn_ir.builders.ops import BIPOLAR, i64_attr, si, stream, tensor, ui, window_out
from rpnn_ir.builders.ops import FunctionBuilder as Fn
from rpnn_ir.dialects import rpnn

# --------------------------------------------------------------------------- references


def matmul_loop(x, w):
    """x[..., K] @ w[K, M] with Python integers."""
    out = np.zeros((*x.shape[:-1], w.shape[1]), dtype=object)
    for idx in np.ndindex(*x.shape[:-1]):
        for m in range(w.shape[1]):
            out[idx + (m,)] = sum(int(x[idx + (k,)]) * int(w[k, m]) for k in range(w.shape[0]))
    return out


def threshold_last(acc, t, bias=0, bipolar=False):
    """Channels-last thresholds: count over thresholds[c] (c = last index) plus bias."""
    out = np.zeros(acc.shape, dtype=np.int64)
    for idx in np.ndindex(*acc.shape):
        count = count_loop(acc[idx], t[idx[-1] if t.shape[0] > 1 else 0])
        out[idx] = (2 * count - 1) if bipolar else count + bias
    return out


def swg_loop(x, kernel, stride):
    """[N, H, W, C] -> [N, OH, OW, KH*KW*C] with element (kh*KW + kw)*C + c."""
    n, h, w, c = x.shape
    oh, ow = window_out(h, kernel[0], stride[0]), window_out(w, kernel[1], stride[1])
    out = np.zeros((n, oh, ow, kernel[0] * kernel[1] * c), dtype=x.dtype)
    for b, i, j, p, q, ch in np.ndindex(n, oh, ow, kernel[0], kernel[1], c):
        out[b, i, j, (p * kernel[1] + q) * c + ch] = x[b, i * stride[0] + p, j * stride[1] + q, ch]
    return out


def divisors(n):
    return [d for d in range(1, n + 1) if n % d == 0]


# --------------------------------------------------------------------------- mvtu


@st.composite
def mvtu_cases(draw):
    mw, mh = draw(st.integers(1, 12)), draw(st.integers(1, 6))
    pixels = [draw(st.integers(1, 3)) for _ in range(draw(st.integers(0, 2)))]
    simd, pe = draw(st.sampled_from(divisors(mw))), draw(st.sampled_from(divisors(mh)))
    steps = draw(st.integers(1, 4))
    rows = draw(st.sampled_from([1, mh]))
    bias = draw(st.sampled_from([None, 0, -2, 3]))
    seed = draw(st.integers(0, 2**32 - 1))
    frames = draw(st.integers(1, 3))
    return mw, mh, pixels, simd, pe, steps, rows, bias, seed, frames


@settings(max_examples=50, deadline=None)
@given(mvtu_cases())
def test_mvtu_is_matmul_plus_threshold(case):
    mw, mh, pixels, simd, pe, steps, rows, bias, seed, frames = case
    rng = np.random.default_rng(seed)
    x = rng.integers(-4, 4, size=(frames, *pixels, mw))
    w = rng.integers(-2, 2, size=(mw, mh))
    t = rng.integers(-20, 20, size=(rows, steps))
    fn = Fn(tensor([1, *pixels, mw], si(3)))
    s = fn.to_stream(fn.args[0], simd)
    acc_out = fn.mvtu(s, fn.const(w, si(2)), si(10), pe=pe, simd=simd)
    thr_out = fn.mvtu(s, fn.const(w, si(2)), si(10), t=fn.const(t, si(6)), out=si(5), pe=pe,
                      simd=simd, out_bias=bias)
    module = fn.finish(fn.to_tensor(acc_out), fn.to_tensor(thr_out))
    acc, y = run(module, x)
    expected_acc = matmul_loop(x, w).astype(np.int64)
    np.testing.assert_array_equal(acc, expected_acc)
    np.testing.assert_array_equal(y, threshold_last(expected_acc, t, bias or 0))


def test_mvtu_matches_graph_level_matmul_and_multithreshold():
    """mvtu on [P, MW] pixels == matmul + multithreshold on [P, MW] rows (channels on axis 1)."""
    rng = np.random.default_rng(1)
    x = rng.integers(0, 4, size=(1, 6, 8))
    w = rng.integers(-2, 2, size=(8, 4))
    t = np.sort(rng.integers(-10, 10, size=(4, 3)), axis=1)
    fn = Fn(tensor([1, 6, 8], ui(2)))
    y = fn.mvtu(fn.to_stream(fn.args[0], 2), fn.const(w, si(2)), si(8),
                t=fn.const(t, si(5)), out=ui(2), pe=2, simd=2)
    rows = fn.reshape(fn.args[0], [6, 8])
    g = fn.multithreshold(fn.matmul(rows, fn.const(w, si(2)), si(8)), fn.const(t, si(5)),
                          ui(2))
    stream_y, graph_y = run(fn.finish(fn.to_tensor(y), g), x)
    np.testing.assert_array_equal(stream_y[0], graph_y)


def test_mvtu_bipolar_xnor_popcount():
    rng = np.random.default_rng(2)
    k, m = 37, 5
    x = rng.choice([-1, 1], size=(3, k))
    w = rng.choice([-1, 1], size=(k, m))
    t = rng.integers(-5, 5, size=(m, 1))
    fn = Fn(tensor([1, k], BIPOLAR))
    s = fn.to_stream(fn.args[0])
    acc = fn.mvtu(s, fn.const(w, BIPOLAR), si(7))
    y = fn.mvtu(s, fn.const(w, BIPOLAR), si(7), t=fn.const(t, si(4)), out=BIPOLAR)
    got_acc, got_y = run(fn.finish(fn.to_tensor(acc), fn.to_tensor(y)), x)
    dots = np.array(xnor_popcount_matmul(x, w))
    np.testing.assert_array_equal(got_acc, dots)
    # bipolar output: +1 where acc >= t, else -1
    np.testing.assert_array_equal(got_y, np.where(dots >= t[:, 0], 1, -1))


# --------------------------------------------------------------------------- windows


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 5), st.integers(1, 5), st.integers(1, 4), st.integers(1, 3),
       st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(0, 2**32 - 1))
def test_swg_order(h, w, c, kh, kw, sh, sw, seed):
    kh, kw = min(kh, h), min(kw, w)
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 16, size=(2, h, w, c))
    fn = Fn(tensor([1, h, w, c], ui(4)))
    module = fn.finish(fn.to_tensor(fn.swg(fn.to_stream(fn.args[0]), (kh, kw), (sh, sw))))
    np.testing.assert_array_equal(run1(module, x), swg_loop(x, (kh, kw), (sh, sw)))


@st.composite
def conv_stream_cases(draw):
    c, o = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = tuple(draw(st.integers(0, 1)) for _ in range(4))
    h = draw(st.integers(max(1, kh - padding[0] - padding[2]), 6))
    w = draw(st.integers(max(1, kw - padding[1] - padding[3]), 6))
    simd = draw(st.sampled_from(divisors(c)))
    pe = draw(st.sampled_from(divisors(o)))
    return c, o, kh, kw, stride, padding, h, w, simd, pe, draw(st.integers(0, 2**32 - 1))


@settings(max_examples=50, deadline=None)
@given(conv_stream_cases())
def test_conv2d_equals_transpose_swg_mvtu(case):
    """conv NCHW == transpose -> (pad) -> swg -> mvtu with W[o,c,kh,kw] as [(kh,kw,c), o]."""
    c, o, kh, kw, stride, padding, h, w, simd, pe, seed = case
    rng = np.random.default_rng(seed)
    x = rng.integers(-8, 8, size=(2, c, h, w))
    weights = rng.integers(-4, 4, size=(o, c, kh, kw))
    fn = Fn(tensor([1, c, h, w], si(4)))
    conv = fn.conv2d(fn.args[0], fn.const(weights, si(3)), si(12), stride=stride,
                     padding=padding)
    s = fn.to_stream(fn.transpose(fn.args[0], [0, 2, 3, 1]), simd)
    if any(padding):
        s = fn.pad(s, padding, 0, simd)
    s = fn.swg(s, (kh, kw), stride, simd)
    w_mvtu = weights.transpose(2, 3, 1, 0).reshape(kh * kw * c, o)
    y = fn.mvtu(s, fn.const(w_mvtu, si(3)), si(12), pe=pe, simd=simd)
    nchw = fn.transpose(fn.to_tensor(y), [0, 3, 1, 2])
    got_conv, got_stream = run(fn.finish(conv, nchw), x)
    np.testing.assert_array_equal(got_stream, got_conv)
    np.testing.assert_array_equal(got_stream,
                                  conv_loops(x, weights, stride, padding, (1, 1), 1)
                                  .astype(np.int64))


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 4), st.integers(1, 3), st.integers(2, 5), st.integers(1, 2),
       st.sampled_from(["pe1", "peC", "peC_simd"]), st.integers(0, 2**32 - 1))
def test_depthwise_unit(c, k, size, stride, folding, seed):
    """depthwise(swg(x)) == conv2d with groups = C; acc vs a loop over (kh, kw, c) input."""
    k = min(k, size)
    rng = np.random.default_rng(seed)
    x = rng.integers(-8, 8, size=(2, size, size, c))
    wdw = rng.integers(-4, 4, size=(c, k * k))
    pe, simd = {"pe1": (1, 1), "peC": (c, 1), "peC_simd": (c, k * k)}[folding]
    fn = Fn(tensor([1, size, size, c], si(4)))
    win = fn.swg(fn.to_stream(fn.args[0], pe), (k, k), (stride, stride), pe)
    if simd > 1:
        win = fn.dwc(win, pe * simd)
    acc = fn.depthwise(win, fn.const(wdw, si(3)), si(12), pe=pe, simd=simd)
    conv = fn.conv2d(fn.transpose(fn.args[0], [0, 3, 1, 2]),
                     fn.const(wdw.reshape(c, 1, k, k), si(3)), si(12),
                     stride=(stride, stride), groups=c)
    got, got_conv = run(fn.finish(fn.to_tensor(acc), conv), x)
    windows = swg_loop(x, (k, k), (stride, stride))
    expected = np.zeros(got.shape, dtype=np.int64)
    for idx in np.ndindex(*got.shape[:-1]):
        for ch in range(c):
            expected[idx + (ch,)] = sum(int(windows[idx + (t * c + ch,)]) * int(wdw[ch, t])
                                        for t in range(k * k))
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(got, got_conv.transpose(0, 2, 3, 1))


def test_depthwise_thresholds():
    x = np.array([[[[1, 2, 3, 4, 5, 6, 7, 8]]]])  # [1, 1, 1, 8]: 4 taps of 2 channels
    w = np.array([[1, 1, 1, 1], [1, -1, 1, -1]])
    t = np.array([[16, 17], [-4, -3]])  # channel 0 acc 16, channel 1 acc -4
    fn = Fn(tensor([1, 1, 1, 8], ui(4)))
    y = fn.depthwise(fn.to_stream(fn.args[0]), fn.const(w, si(2)), si(8),
                     t=fn.const(t, si(6)), out=ui(2))
    assert run1(fn.finish(fn.to_tensor(y)), x).tolist() == [[[[1, 1]]]]


# --------------------------------------------------------------------------- other units


def test_stream_maxpool_vs_loop():
    rng = np.random.default_rng(3)
    x = rng.integers(-8, 8, size=(2, 5, 6, 3))
    fn = Fn(tensor([1, 5, 6, 3], si(4)))
    y = fn.stream_maxpool(fn.to_stream(fn.args[0], 3), (2, 3), (2, 2), pe=3)
    got = run1(fn.finish(fn.to_tensor(y)), x)
    assert got.shape == (2, 2, 2, 3)
    for b, i, j, ch in np.ndindex(*got.shape):
        assert got[b, i, j, ch] == max(x[b, 2 * i + p, 2 * j + q, ch]
                                       for p in range(2) for q in range(3))


@pytest.mark.parametrize(("elt", "value"), [(si(4), -3), (ui(3), 5), (BIPOLAR, -1)])
def test_pad(elt, value):
    rng = np.random.default_rng(4)
    x = rng.choice([-1, 1], size=(2, 2, 3, 2)) if elt == BIPOLAR else \
        rng.integers(0, 4, size=(2, 2, 3, 2))
    fn = Fn(tensor([1, 2, 3, 2], elt))
    y = fn.pad(fn.to_stream(fn.args[0]), (1, 2, 0, 1), value)
    got = run1(fn.finish(fn.to_tensor(y)), x)
    assert got.shape == (2, 3, 6, 2)
    for b, i, j, ch in np.ndindex(*got.shape):
        inside = 1 <= i < 3 and 2 <= j < 5
        assert got[b, i, j, ch] == (x[b, i - 1, j - 2, ch] if inside else value)


def test_thresholding_unit():
    x = np.array([[[0, 5], [3, -2]], [[7, 1], [-8, 2]]])  # [2 frames, 2, 2]
    t = np.array([[0, 3, 6], [-2, 1, 4]])
    fn = Fn(tensor([1, 2, 2], si(4)))
    s = fn.to_stream(fn.args[0], 2)
    y = fn.thresholding(s, fn.const(t, si(4)), si(3), pe=2, out_bias=-1)
    yb = fn.thresholding(s, fn.const(t[:, :1], si(4)), BIPOLAR, pe=2)
    got, got_b = run(fn.finish(fn.to_tensor(y), fn.to_tensor(yb)), x)
    np.testing.assert_array_equal(got, threshold_last(x, t, -1))
    np.testing.assert_array_equal(got_b, np.where(x >= t[:, 0], 1, -1))


def test_add_streams_duplicate_dwc_fifo():
    rng = np.random.default_rng(5)
    x = rng.integers(-8, 8, size=(3, 2, 4))
    fn = Fn(tensor([1, 2, 4], si(4)))
    a, b = fn.duplicate(fn.to_stream(fn.args[0], 2))
    b = fn.fifo(fn.dwc(fn.dwc(b, 4), 2))
    y = fn.add_streams(a, b, si(5), pe=2)
    got = run1(fn.finish(fn.to_tensor(y)), x)
    np.testing.assert_array_equal(got, 2 * x)
    fn = Fn(tensor([1, 4], ui(3)), tensor([1, 4], BIPOLAR))
    y = fn.add_streams(fn.to_stream(fn.args[0]), fn.to_stream(fn.args[1]), si(5))
    xs, bs = np.array([[0, 7, 3, 1]]), np.array([[-1, 1, 1, -1]])
    assert run1(fn.finish(fn.to_tensor(y)), xs, bs).tolist() == [[-1, 8, 4, 0]]


def test_label_select_ties():
    x = np.array([[4, 9, 9, -2, 9, 4, 0, 1], [0, 0, 0, 0, 0, 0, 0, 1]])
    fn = Fn(tensor([1, 8], si(5)))
    y = fn.label_select(fn.to_stream(fn.args[0], 2), 4, ui(3), pe=2)
    assert run1(fn.finish(fn.to_tensor(y)), x).tolist() == [[1, 2, 4, 0], [7, 0, 1, 2]]


# --------------------------------------------------------------------------- partitions


def test_partition_region():
    """A partition runs its body on its stream inputs; the result equals the flat graph."""
    rng = np.random.default_rng(6)
    x = rng.integers(0, 4, size=(2, 3, 3, 2))
    w = rng.integers(-2, 2, size=(8, 3))
    fn = Fn(tensor([1, 3, 3, 2], ui(2)))
    s = fn.to_stream(fn.args[0])
    flat = fn.mvtu(fn.swg(s, (2, 2), (1, 1)), fn.const(w, si(2)), si(8))

    in_type = s.type
    body = Block(arg_types=[in_type])
    inner = Fn.on_block(body)
    win = inner.swg(body.args[0], (2, 2), (1, 1))
    out = inner.mvtu(win, inner.const(w, si(2)), si(8))
    body.add_op(rpnn.YieldOp(operands=[[out]]))
    part = rpnn.PartitionOp(
        operands=[[s]], result_types=[[out.type]], regions=[Region(body)],
        properties={"device": StringAttr("xcu250"), "slr": i64_attr(0)})
    fn.block.add_op(part)
    module = fn.finish(fn.to_tensor(flat), fn.to_tensor(part.results[0]))
    got_flat, got_part = run(module, x)
    np.testing.assert_array_equal(got_part, got_flat)
    np.testing.assert_array_equal(got_part, matmul_loop(swg_loop(x, (2, 2), (1, 1)), w)
                                  .astype(np.int64))


# --------------------------------------------------------------------------- overflow


def acc_module(w, acc, name="acc"):
    fn = Fn(tensor([1, w.shape[0]], ui(4)))
    y = fn.mvtu(fn.to_stream(fn.args[0]), fn.const(w, si(5)), acc)
    y.name_hint = name
    return fn.finish(fn.to_tensor(y))


def test_mvtu_accumulator_overflow():
    w = np.array([[15, -16], [15, -16]])  # with x = [15, 15]: acc = [450, -480]
    x = np.array([[15, 15]])
    assert run1(acc_module(w, si(10)), x).tolist() == [[450, -480]]  # si10: [-512, 511]
    with pytest.raises(interp.OverflowInIR) as err:
        run1(acc_module(w, si(9)), x)
    assert "rpnn.mvtu" in str(err.value) and "%acc" in str(err.value)
    assert "si9" in str(err.value)
    # unsigned accumulator: exactly wide enough vs one bit short
    w = np.array([[15], [15]])
    assert run1(acc_module(w, ui(9)), x).tolist() == [[450]]
    with pytest.raises(interp.OverflowInIR, match=r"rpnn\.mvtu.*450.*ui8"):
        run1(acc_module(w, ui(8)), x)


def test_mvtu_accumulator_overflow_behind_thresholds():
    """The accumulator is checked even when thresholds make the output itself small."""
    x = np.array([[15, 15]])
    w = np.array([[15], [15]])  # acc 450

    def module(acc):
        fn = Fn(tensor([1, 2], ui(4)))
        y = fn.mvtu(fn.to_stream(fn.args[0]), fn.const(w, si(5)), acc,
                    t=fn.const(np.array([[100]]), ui(9)), out=ui(1))
        y.name_hint = "layer0"
        return fn.finish(fn.to_tensor(y))

    assert run1(module(ui(9)), x).tolist() == [[1]]
    with pytest.raises(interp.OverflowInIR, match=r"rpnn\.mvtu \(%layer0\).*accumulator.*450"):
        run1(module(ui(8)), x)


def test_depthwise_accumulator_overflow():
    x = np.full((1, 1, 1, 4), 15)
    w = np.full((1, 4), 15)  # acc 900
    for acc, ok in ((ui(10), True), (ui(9), False)):
        fn = Fn(tensor([1, 1, 1, 4], ui(4)))
        y = fn.depthwise(fn.to_stream(fn.args[0]), fn.const(w, ui(4)), acc)
        module = fn.finish(fn.to_tensor(y))
        if ok:
            assert run1(module, x).tolist() == [[[[900]]]]
        else:
            with pytest.raises(interp.OverflowInIR, match=r"rpnn\.depthwise"):
                run1(module, x)


def test_stream_type_word_is_checked():
    """The helper's stream types verify (guards the tests' own builders)."""
    stream([2, 4], si(3), 2).verify()
    with pytest.raises(Exception, match="word"):
        stream([2, 3], si(3), 2).verify()


def test_dwc_reshapes_row_major():
    """dwc keeps the row-major element sequence: [H, W, C] may become [H*W*C] (flatten)."""
    x = np.arange(2 * 2 * 2 * 4).reshape(2, 2, 2, 4) % 16
    fn = Fn(tensor([1, 2, 2, 4], ui(4)))
    flat = fn.add(rpnn.DWCOp(operands=[fn.to_stream(fn.args[0], 4)],
                             result_types=[stream([16], ui(4), 8)]))
    got = run1(fn.finish(fn.to_tensor(flat)), x)
    assert got.tolist() == [list(frame.flat) for frame in x]
