"""rpnn.quant, rpnn.bipolar_quant and rpnn.trunc against exact formulations (fractions / decimal).

The references below never call numpy's rounding: each QONNX rounding mode is written with
`fractions.Fraction` arithmetic (and cross-checked with the `decimal` module's rounding
constants, which name the same seven modes), on the exact value x / scale + zero_point.
"""

from __future__ import annotations

import decimal
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from interp_refs import run1

from rpnn_ir import interp
from rpnn_ir.builders.ops import BIPOLAR, F32, si, tensor, ui
from rpnn_ir.builders.ops import FunctionBuilder as Fn

MODES = ["ROUND", "HALF_EVEN", "CEIL", "FLOOR", "UP", "DOWN", "HALF_UP", "HALF_DOWN"]


def round_fraction(v: Fraction, mode: str) -> int:
    """QONNX rounding of an exact rational, written from the definitions."""
    floor, ceil = math.floor(v), math.ceil(v)
    if mode == "CEIL":
        return ceil
    if mode == "FLOOR":
        return floor
    if mode == "UP":  # away from zero
        return ceil if v > 0 else floor
    if mode == "DOWN":  # toward zero
        return floor if v > 0 else ceil
    frac = v - floor
    if frac != Fraction(1, 2):
        return floor if frac < Fraction(1, 2) else floor + 1
    # exact tie between floor and floor + 1
    if mode in ("ROUND", "HALF_EVEN"):
        return floor if floor % 2 == 0 else floor + 1
    if mode == "HALF_UP":  # ties away from zero
        return floor + 1 if v > 0 else floor
    if mode == "HALF_DOWN":  # ties toward zero
        return floor if v > 0 else floor + 1
    raise AssertionError(mode)


DECIMAL_MODES = {
    "ROUND": decimal.ROUND_HALF_EVEN, "HALF_EVEN": decimal.ROUND_HALF_EVEN,
    "CEIL": decimal.ROUND_CEILING, "FLOOR": decimal.ROUND_FLOOR,
    "UP": decimal.ROUND_UP, "DOWN": decimal.ROUND_DOWN,
    "HALF_UP": decimal.ROUND_HALF_UP, "HALF_DOWN": decimal.ROUND_HALF_DOWN,
}


def round_decimal(v: Fraction, mode: str) -> int:
    """The same rounding by the decimal module (v must be dyadic: exact in decimal)."""
    with decimal.localcontext() as ctx:
        ctx.prec = 400
        d = decimal.Decimal(v.numerator) / decimal.Decimal(v.denominator)
        assert Fraction(d) == v, "non-dyadic value in round_decimal"
        return int(d.quantize(decimal.Decimal(1), rounding=DECIMAL_MODES[mode]))


def int_range(bits: int, signed: bool, narrow: bool) -> tuple[int, int]:
    if signed:
        return -(2 ** (bits - 1)) + int(narrow), 2 ** (bits - 1) - 1
    return 0, 2**bits - 1 - int(narrow)


def quant_v(x: float, scale: float, zp: float) -> Fraction:
    """Step 1 of docs/semantics.md: v = x / scale + zero_point, defined as a float64 value.

    For f32 x and scale the float64 quotient is never rounded onto or across an integer or a
    tie, so this equals the exact rational except where adding the zero point rounds away a
    quotient smaller than 2^-53 * |zero_point| (which only the directed modes can see).
    """
    return Fraction(np.float64(x) / np.float64(scale) + np.float64(zp))


def ref_quant_int(x: float, scale: float, zp: float, bits: int, signed: bool, narrow: bool,
                  mode: str) -> Fraction:
    """q - zero_point, exactly from v (an integer unless the zero point is fractional)."""
    v = quant_v(x, scale, zp)
    if bits == 1 and signed:
        q = 1 if v >= 0 else -1
    else:
        lo, hi = int_range(bits, signed, narrow)
        q = round_fraction(min(max(v, Fraction(lo)), Fraction(hi)), mode)
    return q - Fraction(float(zp))


def ref_quant(x: np.ndarray, scale, zp, bits, signed, narrow, mode) -> tuple[list, np.ndarray]:
    """(exact q - zp per element, the f32 result of the fake quantizer)."""
    scale_b, zp_b = np.broadcast_arrays(np.asarray(scale, np.float32), np.asarray(zp, np.float32))
    scale_b = np.broadcast_to(scale_b, x.shape)
    zp_b = np.broadcast_to(zp_b, x.shape)
    ints_, floats = [], []
    for xi, si_, zi in zip(x.flat, scale_b.flat, zp_b.flat, strict=True):
        q = ref_quant_int(xi, si_, zi, bits, signed, narrow, mode)
        ints_.append(q)
        floats.append(float(q * Fraction(float(si_))))
    return ints_, np.array(floats, dtype=np.float64).astype(np.float32).reshape(x.shape)


def quant_module(shape, out=F32, **kwargs):
    fn = Fn(tensor(shape, F32))
    return fn.finish(fn.quant(fn.args[0], out=out, **kwargs))


# --------------------------------------------------------------------------- fixed tables

TIES = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5]
EXPECTED_TIES = {
    "ROUND": [-2, -2, 0, 0, 2, 2],
    "HALF_EVEN": [-2, -2, 0, 0, 2, 2],
    "CEIL": [-2, -1, 0, 1, 2, 3],
    "FLOOR": [-3, -2, -1, 0, 1, 2],
    "UP": [-3, -2, -1, 1, 2, 3],
    "DOWN": [-2, -1, 0, 0, 1, 2],
    "HALF_UP": [-3, -2, -1, 1, 2, 3],
    "HALF_DOWN": [-2, -1, 0, 0, 1, 2],
}
NON_TIES = [-2.25, -1.75, -0.25, 0.25, 1.75, 2.75]
EXPECTED_NON_TIES = {
    "ROUND": [-2, -2, 0, 0, 2, 3],
    "HALF_EVEN": [-2, -2, 0, 0, 2, 3],
    "CEIL": [-2, -1, 0, 1, 2, 3],
    "FLOOR": [-3, -2, -1, 0, 1, 2],
    "UP": [-3, -2, -1, 1, 2, 3],
    "DOWN": [-2, -1, 0, 0, 1, 2],
    "HALF_UP": [-2, -2, 0, 0, 2, 3],
    "HALF_DOWN": [-2, -2, 0, 0, 2, 3],
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("scale", [0.125, 0.5, 1.0, 4.0])
def test_rounding_table(mode, scale):
    values = np.array([TIES + NON_TIES], dtype=np.float32) * np.float32(scale)
    expected = np.array([EXPECTED_TIES[mode] + EXPECTED_NON_TIES[mode]])
    # integer result: q - zp
    module = quant_module([1, 12], out=si(8), scale=scale, bits=8, signed=True, mode=mode)
    np.testing.assert_array_equal(run1(module, values), expected)
    # fake quantizer: q * scale
    module = quant_module([1, 12], scale=scale, bits=8, signed=True, mode=mode)
    np.testing.assert_array_equal(run1(module, values), (expected * scale).astype(np.float32))


@pytest.mark.parametrize("mode", MODES)
def test_ties_with_zero_point_and_negative_k(mode):
    """Ties at x/scale + zp = k + 0.5 for k from -6 to 5 with an integral zero point 3."""
    ks = np.arange(-6, 6)
    scale, zp = 0.25, 3.0
    x = ((ks + 0.5 - zp) * scale).astype(np.float32)[None]
    module = quant_module([1, 12], out=si(9), scale=scale, zero_point=zp, bits=8,
                          signed=True, mode=mode)
    got = run1(module, x)
    expected = [round_fraction(Fraction(2 * int(k) + 1, 2), mode) - 3 for k in ks]
    np.testing.assert_array_equal(got[0], expected)
    assert [round_decimal(Fraction(2 * int(k) + 1, 2), mode) - 3 for k in ks] == expected


@pytest.mark.parametrize("mode", MODES)
def test_clamp_before_rounding(mode):
    """Values just above max_int and just below min_int give the bounds in every mode."""
    # signed 4 bit: [-8, 7]
    x = np.array([[7.25, 7.5, 7.75, 8.5, 1e6, -8.25, -8.5, -9.5, -1e6]], np.float32)
    module = quant_module([1, 9], out=si(4), scale=1.0, bits=4, signed=True, mode=mode)
    np.testing.assert_array_equal(run1(module, x), [[7, 7, 7, 7, 7, -8, -8, -8, -8]])
    # unsigned 3 bit narrow: [0, 6]
    x = np.array([[6.5, 6.25, 7.0, -0.5, -0.25]], np.float32)
    module = quant_module([1, 5], out=ui(3), scale=1.0, bits=3, signed=False, narrow=True,
                          mode=mode)
    np.testing.assert_array_equal(run1(module, x), [[6, 6, 6, 0, 0]])


@pytest.mark.parametrize(("bits", "signed", "narrow", "lo", "hi"), [
    (4, True, False, -8, 7), (4, True, True, -7, 7), (4, False, False, 0, 15),
    (4, False, True, 0, 14), (2, True, True, -1, 1), (1, False, False, 0, 1),
    (8, False, True, 0, 254), (2, True, False, -2, 1),
])
def test_ranges(bits, signed, narrow, lo, hi):
    x = np.array([[-1000.0, -1.0, 0.0, 1.0, 1000.0]], np.float32)
    out = si(bits) if signed else ui(bits)
    module = quant_module([1, 5], out=out, scale=1.0, bits=bits, signed=signed,
                          narrow=narrow)
    got = run1(module, x)
    np.testing.assert_array_equal(got, [[lo, max(lo, -1), 0, min(hi, 1), hi]])


def test_exactly_fitting_result_types():
    """unsigned 4 bit with zero point 8 yields q - 8 in [-8, 7]: exactly si4."""
    x = np.array([[-100.0, -8.0, -0.5, 0.0, 7.0, 7.5, 100.0]], np.float32)
    module = quant_module([1, 7], out=si(4), scale=1.0, zero_point=8.0, bits=4,
                          signed=False)
    np.testing.assert_array_equal(run1(module, x), [[-8, -8, 0, 0, 7, 7, 7]])
    # ROUND: -0.5 + 8 = 7.5 -> 8 (even) -> 0; 7.5 + 8 = 15.5 -> clamped 15 -> 7


# --------------------------------------------------------------------------- 1-bit


def test_one_bit_signed_is_bipolar():
    x = np.array([[-3.0, -1e-30, -0.0, 0.0, 1e-30, 0.2, 5.0]], np.float32)
    # f32 result: +-scale, zero (both signs) -> +scale, no clamping/rounding to 0
    module = quant_module([1, 7], scale=0.5, bits=1, signed=True)
    np.testing.assert_array_equal(run1(module, x), [[-0.5, -0.5, 0.5, 0.5, 0.5, 0.5, 0.5]])
    # narrow does not change it
    module = quant_module([1, 7], scale=0.5, bits=1, signed=True, narrow=True, mode="FLOOR")
    np.testing.assert_array_equal(run1(module, x), [[-0.5, -0.5, 0.5, 0.5, 0.5, 0.5, 0.5]])
    # integer result is bipolar
    module = quant_module([1, 7], out=BIPOLAR, scale=0.5, bits=1, signed=True)
    np.testing.assert_array_equal(run1(module, x), [[-1, -1, 1, 1, 1, 1, 1]])


def test_one_bit_signed_with_zero_point():
    """The sign test is on v = x/scale + zp; the result is (+-1 - zp) * scale."""
    x = np.array([[-1.5, -1.0, -0.75, 0.0]], np.float32)  # v = 2x + 2: -1, 0, 0.5, 2
    module = quant_module([1, 4], scale=0.5, zero_point=2.0, bits=1, signed=True)
    expected = np.array([[(-1 - 2) * 0.5, (1 - 2) * 0.5, (1 - 2) * 0.5, (1 - 2) * 0.5]])
    np.testing.assert_array_equal(run1(module, x), expected.astype(np.float32))


def test_one_bit_unsigned_rounds():
    x = np.array([[-1.0, 0.25, 0.5, 0.75, 1.5, 3.0]], np.float32)
    module = quant_module([1, 6], out=ui(1), bits=1, signed=False, scale=1.0)
    np.testing.assert_array_equal(run1(module, x), [[0, 0, 0, 1, 1, 1]])
    module = quant_module([1, 6], out=ui(1), bits=1, signed=False, scale=1.0, mode="HALF_UP")
    np.testing.assert_array_equal(run1(module, x), [[0, 0, 1, 1, 1, 1]])


def test_bipolar_quant():
    x = np.array([[-2.0, -1e-38, -0.0, 0.0, 3.0], [1.0, -1.0, 0.0, -5.0, 5.0]], np.float32)
    fn = Fn(tensor([2, 5], F32))
    module = fn.finish(fn.bipolar_quant(fn.args[0], np.float32(0.25)))
    expected = np.where(np.array([[0, 0, 1, 1, 1], [1, 0, 1, 0, 1]]) == 1, 0.25, -0.25)
    np.testing.assert_array_equal(run1(module, x), expected.astype(np.float32))
    # per-row scale [2, 1]
    fn = Fn(tensor([2, 5], F32))
    module = fn.finish(fn.bipolar_quant(fn.args[0], np.array([[0.5], [2.0]], np.float32)))
    np.testing.assert_array_equal(run1(module, x), np.sign(expected) * [[0.5], [2.0]])
    # bipolar result
    fn = Fn(tensor([2, 5], F32))
    module = fn.finish(fn.bipolar_quant(fn.args[0], np.float32(0.25), out=BIPOLAR))
    np.testing.assert_array_equal(run1(module, x), np.sign(expected).astype(np.int64))


# --------------------------------------------------------------------------- per channel


@pytest.mark.parametrize("mode", ["ROUND", "HALF_UP", "FLOOR"])
def test_per_channel_weights(mode):
    """[C, K] weights with [C, 1] scale and zero point."""
    rng = np.random.default_rng(1)
    w = (rng.integers(-40, 40, size=(3, 8)) / 8).astype(np.float32)
    scale = np.array([[0.25], [0.5], [0.125]], np.float32)
    zp = np.array([[0.0], [1.0], [-2.0]], np.float32)
    fn = Fn()
    c = fn.const(w, F32)
    q = fn.quant(c, scale=scale, zero_point=zp, bits=4, signed=True, narrow=True, mode=mode)
    module = fn.finish(q, fn.quant(c, scale=scale, zero_point=zp, bits=4, signed=True,
                                   narrow=True, mode=mode, out=si(6)))
    got_f, got_i = interp.run(module, [])
    ints_, floats = ref_quant(w, scale, zp, 4, True, True, mode)
    np.testing.assert_array_equal(got_i, np.array(ints_, dtype=np.int64).reshape(w.shape))
    np.testing.assert_array_equal(got_f, floats)


def test_per_channel_activations_nchw():
    """[1, C, 1, 1] scale and zero point on NCHW activations, batch of 3 frames."""
    rng = np.random.default_rng(2)
    x = (rng.integers(-64, 64, size=(3, 4, 2, 3)) / 16).astype(np.float32)
    scale = np.array([0.25, 0.5, 1.0, 0.0625], np.float32).reshape(1, 4, 1, 1)
    zp = np.array([0.0, 3.0, -1.0, 7.0], np.float32).reshape(1, 4, 1, 1)
    for mode in MODES:
        module = quant_module([1, 4, 2, 3], out=si(7), scale=scale, zero_point=zp, bits=5,
                              signed=False, mode=mode)
        ints_, _ = ref_quant(x, scale, zp, 5, False, False, mode)
        np.testing.assert_array_equal(run1(module, x), np.array(ints_).reshape(x.shape))


# --------------------------------------------------------------------------- randomised

f32_values = st.floats(-300, 300, width=32, allow_subnormal=False)


@st.composite
def quant_cases(draw):
    bits = draw(st.integers(1, 8))
    signed = draw(st.booleans())
    narrow = draw(st.booleans()) and not (bits == 1 and not signed)
    mode = draw(st.sampled_from(MODES))
    dyadic = draw(st.booleans())
    channels = draw(st.integers(1, 3))
    if dyadic:
        scale = [2.0 ** draw(st.integers(-6, 3)) for _ in range(channels)]
    else:
        scale = [draw(st.floats(2.0 ** -10, 10, width=32)) for _ in range(channels)]
    zp = [float(draw(st.integers(-4, 4))) for _ in range(channels)]
    n = draw(st.integers(1, 6))
    x = []
    for i in range(channels * n):
        c = i // n
        kind = draw(st.sampled_from(["any", "tie", "int"]))
        if kind == "any":
            x.append(draw(f32_values))
        else:  # x / scale + zp lands on k + 0.5 (or k): exact in f32 for dyadic scales
            k = draw(st.integers(-2 ** bits - 2, 2 ** bits + 2))
            x.append((k + (0.5 if kind == "tie" else 0.0) - zp[c]) * scale[c])
    xs = np.array(x, np.float32).reshape(channels, n)
    scale_a = np.array(scale, np.float32).reshape(channels, 1)
    zp_a = np.array(zp, np.float32).reshape(channels, 1)
    return xs, scale_a, zp_a, bits, signed, narrow, mode, dyadic


@settings(max_examples=50, deadline=None)
@given(quant_cases())
def test_quant_random_against_fractions(case):
    x, scale, zp, bits, signed, narrow, mode, _dyadic = case
    ints_, floats = ref_quant(x, scale, zp, bits, signed, narrow, mode)
    if not (bits == 1 and signed):
        decimals = []
        for xi, si_, zi in zip(x.flat, np.broadcast_to(scale, x.shape).flat,
                               np.broadcast_to(zp, x.shape).flat, strict=True):
            v = quant_v(xi, si_, zi)  # a float64: dyadic, so exact in decimal
            lo, hi = int_range(bits, signed, narrow)
            decimals.append(round_decimal(min(max(v, Fraction(lo)), Fraction(hi)), mode)
                            - Fraction(float(zi)))
        assert decimals == ints_
    fn = Fn()
    c = fn.const(x, F32)
    kwargs = dict(scale=scale, zero_point=zp, bits=bits, signed=signed, narrow=narrow,
                  mode=mode)
    int_out = si(bits + 4)
    if bits == 1 and signed:  # bipolar, and only representable with a zero zero-point
        int_out = None if zp.any() else BIPOLAR
    results = [fn.quant(c, **kwargs)]
    if int_out is not None:
        results.append(fn.quant(c, out=int_out, **kwargs))
    got = interp.run(fn.finish(*results), [])
    np.testing.assert_array_equal(got[0], floats)
    if int_out is not None:
        np.testing.assert_array_equal(got[1], np.array(ints_, dtype=np.int64).reshape(x.shape))


# --------------------------------------------------------------------------- rpnn.trunc


def ref_trunc(x: np.ndarray, scale, zp, shift: int, out_scale, out_zp, bits, signed, narrow,
              mode) -> np.ndarray:
    """docs/semantics.md, rpnn.trunc, element by element with Fractions (f32 result)."""
    params = np.broadcast_arrays(*(np.asarray(p, np.float32) for p in
                                   (scale, zp, out_scale, out_zp)))
    params = [np.broadcast_to(p, x.shape) for p in params]
    out = []
    for xi, si_, zi, osi, ozi in zip(x.flat, *(p.flat for p in params), strict=True):
        q = round_fraction(quant_v(xi, si_, zi), "HALF_EVEN")
        v = Fraction(q, 2**shift)
        if bits is not None:
            lo, hi = int_range(bits, signed, narrow)
            v = min(max(v, Fraction(lo)), Fraction(hi))
        y = (round_fraction(v, mode) - Fraction(float(ozi))) * Fraction(float(osi))
        out.append(float(y))
    return np.array(out, np.float64).astype(np.float32).reshape(x.shape)


@pytest.mark.parametrize("mode", MODES)
def test_trunc_ties_table(mode):
    """shift 1: q = -5..5 gives q / 2 = -2.5 .. 2.5, ties at every odd q (v1, no clamp)."""
    qs = np.arange(-5, 6)
    x = (qs * 0.25).astype(np.float32)[None]
    fn = Fn(tensor([1, 11], F32))
    module = fn.finish(fn.trunc(fn.args[0], scale=0.25, shift=1, mode=mode))
    expected = [round_fraction(Fraction(int(q), 2), mode) * 0.25 for q in qs]
    assert expected == [round_decimal(Fraction(int(q), 2), mode) * 0.25 for q in qs]
    np.testing.assert_array_equal(run1(module, x)[0], np.array(expected, np.float32))


@pytest.mark.parametrize("mode", MODES)
def test_trunc_clamp(mode):
    """v2 style: the signed 3-bit clamp [-4, 3] applies to q / 2^shift."""
    x = np.array([[7.5, 8.0, 100.0, -9.0, -8.5, -100.0, 3.0]], np.float32)
    fn = Fn(tensor([1, 7], F32))
    module = fn.finish(fn.trunc(fn.args[0], scale=1.0, shift=1, out_scale=2.0,
                                out_zero_point=0.0, bits=3, signed=True, mode=mode))
    # q = round_half_even(x): 8, 8, 100, -9, -8, -100, 3; then q / 2
    v = [Fraction(4), Fraction(4), Fraction(50), Fraction(-9, 2), Fraction(-4), Fraction(-50),
         Fraction(3, 2)]
    expected = [round_fraction(min(max(f, Fraction(-4)), Fraction(3)), mode) * 2 for f in v]
    np.testing.assert_array_equal(run1(module, x)[0], np.array(expected, np.float32))


@st.composite
def trunc_cases(draw):
    shift = draw(st.integers(0, 4))
    v2 = draw(st.booleans())
    bits = draw(st.integers(1, 6)) if v2 else None
    signed = v2 and draw(st.booleans())
    narrow = v2 and draw(st.booleans())
    mode = draw(st.sampled_from(MODES))
    channels = draw(st.integers(1, 3))
    if draw(st.booleans()):
        scale = [2.0 ** draw(st.integers(-6, 3)) for _ in range(channels)]
    else:
        scale = [draw(st.floats(2.0 ** -10, 10, width=32)) for _ in range(channels)]
    zp = [float(draw(st.integers(-4, 4))) for _ in range(channels)]
    out_scale = [2.0 ** draw(st.integers(-6, 3)) for _ in range(channels)]
    out_zp = [z / 2**shift for z in zp] if v2 else zp
    n = draw(st.integers(1, 6))
    x = []
    for i in range(channels * n):
        c = i // n
        kind = draw(st.sampled_from(["any", "tie", "int"]))
        if kind == "any":
            x.append(draw(f32_values))
        else:  # q / 2^shift lands on k + 0.5 (a tie) or k; x / scale + zp = q exactly
            k = draw(st.integers(-40, 40))
            q = k * 2**shift + (2 ** (shift - 1) if kind == "tie" and shift else 0)
            x.append((q - zp[c]) * scale[c])
    xs = np.array(x, np.float32).reshape(channels, n)
    col = [np.array(p, np.float32).reshape(channels, 1) for p in (scale, zp, out_scale, out_zp)]
    return xs, *col, shift, bits, signed, narrow, mode


@settings(max_examples=100, deadline=None)
@given(trunc_cases())
def test_trunc_random_against_fractions(case):
    x, scale, zp, out_scale, out_zp, shift, bits, signed, narrow, mode = case
    fn = Fn()
    y = fn.trunc(fn.const(x, F32), scale=scale, zero_point=zp, shift=shift, out_scale=out_scale,
                 out_zero_point=out_zp, bits=bits, signed=signed, narrow=narrow, mode=mode)
    got = interp.run(fn.finish(y), [])[0]
    expected = ref_trunc(x, scale, zp, shift, out_scale, out_zp, bits, signed, narrow, mode)
    np.testing.assert_array_equal(got, expected)
