"""The cycle, burst and need model of rpnn-insert-fifos (docs/passes.md), unit by unit.

Cycle counts are checked against the formulas of docs/cost-model.md ("Throughput"),
need functions against a brute-force reading of which input pixels each output uses.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rpnn_ir import api
from rpnn_ir.dialects import rpnn
from rpnn_ir.passes.insert_fifos import (
    InsertFifosPass,
    join_lag,
    unit_bursts,
    unit_cycles,
    unit_need,
)


def only(text: str, op_type: type) -> rpnn.Operation:
    """The op of `op_type` in a function whose body is `text` (args: %s stream, %w, %t)."""
    module = api.parse(text)
    (op,) = [o for o in module.walk() if isinstance(o, op_type)]
    return op


def stream_fn(arg: str, body: str, result: str, ret: str) -> str:
    return (f"func.func @f(%x: {arg}) -> {result} {{\n{body}\n"
            f"  func.return {ret} : {result}\n}}")


def mvtu(n_pixels: int, mw: int, mh: int, pe: int, simd: int) -> rpnn.MVTUOp:
    pixels = f"{n_pixels}x" if n_pixels > 1 else ""
    x, y = f"{pixels}{mw}xui2", f"{pixels}{mh}xsi16"
    sx, sy, w = f"!rpnn.stream<{x}, {simd}>", f"!rpnn.stream<{y}, {pe}>", f"tensor<{mw}x{mh}xsi2>"
    body = f"""
  %s = rpnn.tensor_to_stream %x : tensor<1x{x}> -> {sx}
  %w = rpnn.constant dense<1> : {w}
  %m = rpnn.mvtu %s, %w pe = {pe} simd = {simd} acc = si16 resource = "lut" ram = "auto" :
    {sx}, {w} -> {sy}
  %y = rpnn.stream_to_tensor %m : {sy} -> tensor<1x{y}>"""
    return only(stream_fn(f"tensor<1x{x}>", body, f"tensor<1x{y}>", "%y"), rpnn.MVTUOp)


def _window_op(op: str, attrs: str, h: int, w: int, c: int, out: str, word: int) -> str:
    sx, sy = f"!rpnn.stream<{h}x{w}x{c}xui2, {word}>", f"!rpnn.stream<{out}, {word}>"
    body = f"""
  %s = rpnn.tensor_to_stream %x : tensor<1x{h}x{w}x{c}xui2> -> {sx}
  %g = {op} %s {attrs} : {sx} -> {sy}
  %y = rpnn.stream_to_tensor %g : {sy} -> tensor<1x{out}>"""
    return stream_fn(f"tensor<1x{h}x{w}x{c}xui2>", body, f"tensor<1x{out}>", "%y")


def swg(h: int, w: int, c: int, k: tuple[int, int], s: tuple[int, int], simd: int) -> rpnn.SWGOp:
    oh, ow = (h - k[0]) // s[0] + 1, (w - k[1]) // s[1] + 1
    attrs = f"kernel = [{k[0]}, {k[1]}] stride = [{s[0]}, {s[1]}] simd = {simd}"
    out = f"{oh}x{ow}x{k[0] * k[1] * c}xui2"
    return only(_window_op("rpnn.swg", attrs, h, w, c, out, simd), rpnn.SWGOp)


def maxpool(h: int, w: int, c: int, k: tuple[int, int], s: tuple[int, int],
            pe: int) -> rpnn.StreamMaxPoolOp:
    oh, ow = (h - k[0]) // s[0] + 1, (w - k[1]) // s[1] + 1
    attrs = f"kernel = [{k[0]}, {k[1]}] stride = [{s[0]}, {s[1]}] pe = {pe}"
    out = f"{oh}x{ow}x{c}xui2"
    return only(_window_op("rpnn.stream_maxpool", attrs, h, w, c, out, pe),
                rpnn.StreamMaxPoolOp)


def pad(h: int, w: int, c: int, padding: tuple[int, int, int, int], simd: int) -> rpnn.PadOp:
    top, left, bottom, right = padding
    attrs = f"padding = [{top}, {left}, {bottom}, {right}] value = 0 simd = {simd}"
    out = f"{h + top + bottom}x{w + left + right}x{c}xui2"
    return only(_window_op("rpnn.pad", attrs, h, w, c, out, simd), rpnn.PadOp)


# --------------------------------------------------------------------------- cycles


def test_mvtu_cycles_and_bursts():
    op = mvtu(n_pixels=9, mw=12, mh=8, pe=2, simd=3)
    assert unit_cycles(op) == (8 // 2) * (12 // 3) * 9
    assert unit_bursts(op) == (12 // 3, 1)  # one input vector in, word by word out
    assert unit_cycles(mvtu(1, 64, 32, 1, 1)) == 64 * 32


def test_swg_cycles_and_bursts():
    # cost-model.md: ifm_w*k*(C/SIMD) + ofm_h*max(ofm_w*k*k*C/SIMD, stride*ifm_w*C/SIMD)
    op = swg(32, 32, 64, (3, 3), (1, 1), simd=16)
    fold = 64 // 16
    assert unit_cycles(op) == 32 * 3 * fold + 30 * max(30 * 9 * fold, 1 * 32 * fold)
    assert unit_bursts(op) == (3 * 32 * fold, 30 * 9 * fold)
    op = swg(8, 8, 2, (2, 2), (2, 2), simd=1)  # stride 2: 4x4 outputs
    assert unit_cycles(op) == 8 * 2 * 2 + 4 * max(4 * 4 * 2, 2 * 8 * 2)


def test_pad_maxpool_cycles_and_bursts():
    op = pad(4, 4, 6, (1, 2, 0, 1), simd=3)
    assert unit_cycles(op) == (6 // 3) * 5 * 7
    # longest padding run: the top row (7 pixels) plus the first row's 2 left pixels
    assert unit_bursts(op) == (1, (7 + 2) * 2)
    op = maxpool(4, 6, 8, (2, 2), (2, 2), pe=4)
    assert unit_cycles(op) == 4 * 6 * 8 // 4
    assert unit_bursts(op) == (1, 3 * 8 // 4)


def test_elementwise_cycles():
    s, s3 = "!rpnn.stream<3x8xui2, 2>", "!rpnn.stream<3x8xui3, 2>"
    body = f"""
  %s = rpnn.tensor_to_stream %x : tensor<1x3x8xui2> -> {s}
  %d0, %d1 = rpnn.duplicate %s : {s} -> {s}, {s}
  %a = rpnn.add_streams %d0, %d1 pe = 2 : {s}, {s} -> {s3}
  %t = rpnn.constant dense<1> : tensor<1x1xui3>
  %h = rpnn.thresholding %a, %t pe = 2 : {s3}, tensor<1x1xui3> -> !rpnn.stream<3x8xui1, 2>
  %y = rpnn.stream_to_tensor %h : !rpnn.stream<3x8xui1, 2> -> tensor<1x3x8xui1>"""
    module = api.parse(stream_fn("tensor<1x3x8xui2>", body, "tensor<1x3x8xui1>", "%y"))
    cycles = {op.name: unit_cycles(op) for op in module.walk()
              if isinstance(op, rpnn.DuplicateOp | rpnn.AddStreamsOp | rpnn.ThresholdingOp)}
    assert cycles == {"rpnn.duplicate": 12, "rpnn.add_streams": 12, "rpnn.thresholding": 12}


# --------------------------------------------------------------------------- need functions


def _window_need(h, w, k, s) -> np.ndarray:
    """Brute force: input pixels (row-major count) read before each output pixel, when input
    rows are read whole (the cost model's swg/maxpool)."""
    oh, ow = (h - k[0]) // s[0] + 1, (w - k[1]) // s[1] + 1
    need = []
    for r in range(oh):
        for c in range(ow):
            last_row = max(r * s[0] + kh for kh in range(k[0]))  # deepest row of the window
            assert all(c * s[1] + kw < w for kw in range(k[1]))
            need.append((last_row + 1) * w)
    return np.array(need)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 7), st.integers(1, 7), st.integers(1, 3), st.integers(1, 3),
       st.integers(1, 3), st.integers(1, 3))
def test_window_need_functions(h, w, kh, kw, sh, sw):
    kh, kw = min(kh, h), min(kw, w)
    n_in, need = unit_need(swg(h, w, 2, (kh, kw), (sh, sw), simd=1))
    assert n_in == h * w
    np.testing.assert_array_equal(need, _window_need(h, w, (kh, kw), (sh, sw)))
    n_in, need = unit_need(maxpool(h, w, 2, (kh, kw), (sh, sw), pe=2))
    np.testing.assert_array_equal(need, _window_need(h, w, (kh, kw), (sh, sw)))


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 5), st.integers(1, 5), st.tuples(*[st.integers(0, 2)] * 4))
def test_pad_need_function(h, w, padding):
    top, left, bottom, right = padding
    n_in, need = unit_need(pad(h, w, 1, padding, simd=1))
    assert n_in == h * w
    expected = []  # the input pixels up to the last one at or before each padded pixel
    for r in range(h + top + bottom):
        for c in range(w + left + right):
            before = [i * w + j + 1 for i in range(h) for j in range(w)
                      if (i + top, j + left) <= (r, c)]
            expected.append(max(before, default=0))
    np.testing.assert_array_equal(need, expected)


def test_join_lag():
    # a branch that needs the whole 4-word vector before its first of 4 words
    assert join_lag(np.array([4, 4, 4, 4]), 4) == 1
    # word by word: one word ahead
    assert join_lag(np.array([1, 2, 3, 4]), 4) == Fraction(1, 4)
    # never negative
    assert join_lag(np.array([0, 0, 1]), 8) == 0


# --------------------------------------------------------------------------- the pass


def test_bad_options():
    module = api.parse("func.func @f() {\n  func.return\n}")
    for options in ({"min_depth": 0}, {"scale": -1}, {"depth": -2}, {"ram": "flash"}):
        with pytest.raises(Exception, match="min-depth|scale|depth|ram"):
            InsertFifosPass(**options).apply(api.context(), module)
