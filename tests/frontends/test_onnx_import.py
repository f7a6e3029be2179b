"""ONNX/QONNX import, op by op: models built with onnx.helper, checked against qonnx's executor.

Every test imports a small model, runs it in rpnn's interpreter and in
`qonnx.core.onnx_exec.execute_onnx`, and compares (exactly for integer-valued / quantized
outputs, rtol 1e-5 for float outputs; see onnx_builders.assert_match).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from onnx import TensorProto, helper
from onnx_builders import (
    QONNX,
    assert_match,
    check_against_qonnx,
    f32,
    init,
    make_model,
    quant_node,
    quant_params,
    run_qonnx,
    run_rpnn,
    tensor_info,
)

from rpnn_ir.dialects import rpnn
from rpnn_ir.frontends.onnx_import import QONNX_DOMAINS, from_onnx, sanitize_name

MODES = ["ROUND", "HALF_EVEN", "CEIL", "FLOOR", "UP", "DOWN", "HALF_UP", "HALF_DOWN"]


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def ops_of(module) -> list[str]:
    return [op.name for op in module.walk()]


# --------------------------------------------------------------------------- Quant


def tie_inputs(scale: float, lo: int, hi: int, extra: int, seed: int) -> np.ndarray:
    """Exact ties k + 0.5 (times a power-of-two scale), integers, and random values."""
    ks = np.arange(lo, hi)
    values = np.concatenate([(ks + 0.5) * scale, ks * scale,
                             rng(seed).uniform(lo * scale, hi * scale, extra)])
    return f32(values).reshape(1, -1)


@pytest.mark.parametrize("mode", [*MODES, "half_up", "Floor", "round"])
@pytest.mark.parametrize("signed,narrow", [(1, 0), (1, 1), (0, 0), (0, 1)])
def test_quant_rounding_modes_at_ties(mode: str, signed: int, narrow: int):
    x = tie_inputs(0.25, -12, 12, 40, seed=1)
    model = make_model(
        [quant_node("x", "y", "q", signed=signed, narrow=narrow, rounding_mode=mode)],
        [tensor_info("x", x.shape)], [tensor_info("y", x.shape)],
        quant_params("q", 0.25, 0.0, 3.0),
    )
    (y,) = check_against_qonnx(model, [x], exact=True)
    quant = [op for op in from_onnx(model).walk() if isinstance(op, rpnn.QuantOp)][0]
    assert quant.rounding_mode.data == mode.upper()
    assert bool(quant.signed) == bool(signed) and bool(quant.narrow) == bool(narrow)


@pytest.mark.parametrize("bits", [1, 2, 4, 8, 16])
@pytest.mark.parametrize("signed", [0, 1])
def test_quant_bit_widths_and_zero_point(bits: int, signed: int):
    x = f32(rng(bits).normal(0, 3, (2, 5, 7)))
    zero_point = 0.0 if bits == 1 else 1.0
    model = make_model(
        [quant_node("x", "y", "q", signed=signed, narrow=0)],
        [tensor_info("x", x.shape)], [tensor_info("y", x.shape)],
        quant_params("q", 0.125, zero_point, float(bits)),
    )
    check_against_qonnx(model, [x], exact=True)


@pytest.mark.parametrize("omitted", [("signed",), ("rounding_mode",),
                                     ("signed", "rounding_mode")])
@pytest.mark.parametrize("bits,narrow", [(2, 0), (3, 1), (4, 0)])
def test_quant_defaults(omitted: tuple[str, ...], bits: int, narrow: int):
    """A Quant without `signed` is signed (the documented default 1), without
    `rounding_mode` it rounds half to even (ROUND).  qonnx's executor applies the same
    rounding default but requires `signed` (its attribute table marks it required, default
    1): the reference runs with `signed=1` written out.  Inputs at ties and below zero make
    both defaults visible."""
    x = tie_inputs(0.5, -2 * (1 << bits), 2 * (1 << bits), 30, seed=bits)
    node = quant_node("x", "y", "q", narrow=narrow)
    kept = [a for a in node.attribute if a.name not in omitted]
    del node.attribute[:]
    node.attribute.extend(kept)
    params = quant_params("q", 0.5, 0.0, float(bits))
    info = ([tensor_info("x", x.shape)], [tensor_info("y", x.shape)])
    model = make_model([node], *info, params)
    reference = make_model([helper.make_node("Quant", list(node.input), ["y"], domain=QONNX,
                                             signed=1, **{a.name: helper.get_attribute_value(a)
                                                          for a in kept if a.name != "signed"})],
                           *info, params)
    (y,) = run_rpnn(model, [x])
    (ref,) = run_qonnx(reference, [x])
    assert_match(y, ref, exact=True)
    assert y.min() < 0  # signed: negative outputs
    assert np.any(np.abs(x / 0.5 % 1) == 0.5)  # ties: the rounding mode shows
    quant = [op for op in from_onnx(model).walk() if isinstance(op, rpnn.QuantOp)][0]
    assert bool(quant.signed) and bool(quant.narrow) == bool(narrow)
    assert quant.rounding_mode.data == "ROUND"


def test_quant_per_channel_scale_and_zero_point():
    """Per-channel scale [C,1] on weights and [1,C,1,1] on activations, integral zero points."""
    weights = f32(rng(2).normal(0, 1, (6, 10)))
    x = f32(rng(3).normal(0, 2, (1, 6, 4, 4)))
    w_scale = f32(2.0 ** -rng(4).integers(1, 5, (6, 1)))
    a_scale = f32(2.0 ** -rng(5).integers(1, 4, (1, 6, 1, 1)))
    a_zp = f32(rng(6).integers(0, 3, (1, 6, 1, 1)))
    nodes = [
        quant_node("w", "wq", "qw", signed=1, narrow=1),
        quant_node("x", "y", "qa", signed=0, narrow=0, rounding_mode="FLOOR"),
        helper.make_node("Identity", ["wq"], ["w_out"]),
    ]
    model = make_model(
        nodes, [tensor_info("x", x.shape)],
        [tensor_info("y", x.shape), tensor_info("w_out", weights.shape)],
        [init("w", weights), *quant_params("qw", w_scale, 0.0, 4.0),
         *quant_params("qa", a_scale, a_zp, 4.0)],
    )
    check_against_qonnx(model, [x], exact=True)


def test_quant_non_dyadic_scale_random_inputs():
    """Scales like 0.1 are not exact in binary: equal away from ties, and within rtol."""
    x = f32(rng(7).normal(0, 1, (4, 33)))
    scale = f32(rng(8).uniform(0.05, 0.2, (1, 33)))
    model = make_model(
        [quant_node("x", "y", "q", signed=1, narrow=0)],
        [tensor_info("x", x.shape)], [tensor_info("y", x.shape)],
        quant_params("q", scale, 0.0, 8.0),
    )
    check_against_qonnx(model, [x], exact=True)


def test_quant_from_constant_nodes_and_intquant_and_int_bitwidth():
    """Scale/zero point/bit width from Constant nodes (value_float, value), IntQuant, int bw."""
    x = f32(rng(9).normal(0, 1, (1, 16)))
    nodes = [
        helper.make_node("Constant", [], ["s"], value_float=0.0625),
        helper.make_node("Constant", [], ["z"], value=helper.make_tensor("zt", TensorProto.FLOAT,
                                                                          [], [0.0])),
        helper.make_node("Constant", [], ["b"], value_int=5),
        helper.make_node("IntQuant", ["x", "s", "z", "b"], ["y"], domain=QONNX, signed=1,
                         narrow=0, rounding_mode="HALF_UP"),
    ]
    model = make_model(nodes, [tensor_info("x", x.shape)], [tensor_info("y", x.shape)])
    check_against_qonnx(model, [x], exact=True)


def test_bipolar_quant_and_one_bit_signed_quant():
    x = f32(rng(10).normal(0, 1, (1, 4, 6)))
    x[0, 0, :3] = 0.0  # zero maps to +scale
    scale = f32([[[0.5], [1.0], [2.0], [0.25]]])
    nodes = [
        helper.make_node("BipolarQuant", ["x", "s"], ["y"], domain=QONNX, name="bq"),
        quant_node("x", "z", "q", signed=1, narrow=0),
    ]
    model = make_model(
        nodes, [tensor_info("x", x.shape)],
        [tensor_info("y", x.shape), tensor_info("z", x.shape)],
        [init("s", scale), *quant_params("q", 0.5, 0.0, 1.0)],
    )
    y, z = check_against_qonnx(model, [x], exact=True)
    assert set(np.unique(z)) <= {-0.5, 0.5}


# --------------------------------------------------------------------------- Trunc


def trunc_model(x_shape, params: dict[str, np.ndarray], opset: int, **attrs):
    """One Trunc node (v1: scale, zp, ib, ob; v2: scale, zp, ib, os, ob) at a domain opset."""
    names = ["s", "z", "ib", "ob"] if opset == 1 else ["s", "z", "ib", "os", "ob"]
    node = helper.make_node("Trunc", ["x", *names], ["y"], domain=QONNX, name="t", **attrs)
    model = make_model([node], [tensor_info("x", x_shape)], [tensor_info("y", x_shape)],
                       [init(n, f32(params[n])) for n in names])
    for opset_id in model.opset_import:
        if opset_id.domain == QONNX:
            opset_id.version = opset
    return model


def trunc_inputs(scale: float, shift: int, zp: float, seed: int) -> np.ndarray:
    """x / scale + zp = q for q in [-40, 40): ties of q / 2^shift included, plus random."""
    qs = np.arange(-40, 40)
    values = np.concatenate([(qs - zp) * scale, rng(seed).uniform(-50 * scale, 50 * scale, 40)])
    return f32(values).reshape(1, 2, -1)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("zp", [0.0, 3.0])
def test_trunc_v1(mode: str, zp: float):
    x = trunc_inputs(0.25, 2, zp, seed=20)
    model = trunc_model(x.shape, {"s": 0.25, "z": zp, "ib": 8.0, "ob": 6.0}, 1,
                        rounding_mode=mode)
    check_against_qonnx(model, [x], exact=True)
    (op,) = [op for op in from_onnx(model).walk() if isinstance(op, rpnn.TruncOp)]
    assert op.shift.value.data == 2 and op.bit_width is None


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("signed,narrow", [(1, 0), (1, 1), (0, 0), (0, 1)])
def test_trunc_v2(mode: str, signed: int, narrow: int):
    """output_scale / scale = 8: shift 3; 3-bit clamp of q / 8 in about [-6, 7]; zero point 4
    becomes 4 / 8 = 0.5."""
    x = trunc_inputs(0.125, 3, 4.0, seed=21)
    params = {"s": 0.125, "z": 4.0, "ib": 10.0, "os": 1.0, "ob": 3.0}
    model = trunc_model(x.shape, params, 2, rounding_mode=mode, signed=signed, narrow=narrow)
    check_against_qonnx(model, [x], exact=True)
    (op,) = [op for op in from_onnx(model).walk() if isinstance(op, rpnn.TruncOp)]
    assert op.shift.value.data == 3 and op.bit_width.value.data == 3
    assert bool(op.signed) == bool(signed) and bool(op.narrow) == bool(narrow)


def test_trunc_v2_per_channel_and_default_attributes():
    """Per-channel scales with one common ratio (2^2); signed and narrow absent (1 and 0);
    rounding_mode absent is FLOOR (qonnx requires the attribute, so it runs the explicit one)."""
    x = f32(rng(22).normal(0, 4, (2, 3, 5)))
    scale = f32([[[0.5], [0.25], [1.0]]])
    params = {"s": scale, "z": 0.0, "ib": 12.0, "os": scale * 4, "ob": 3.0}
    ours = run_rpnn(trunc_model(x.shape, params, 2), [x])
    (ref,) = check_against_qonnx(trunc_model(x.shape, params, 2, rounding_mode="FLOOR"), [x],
                                 exact=True)
    assert_match(ours[0], ref, exact=True)


def test_trunc_after_quant_in_a_network():
    """Quant (8 bit) -> Trunc v1 to 5 bits -> Relu, the way Brevitas exports a truncation."""
    x = f32(rng(23).normal(0, 2, (1, 4, 6)))
    nodes = [
        quant_node("x", "xq", "q", signed=1, narrow=0),
        helper.make_node("Trunc", ["xq", "q_scale", "q_zp", "q_bw", "ob"], ["t"], domain=QONNX,
                         rounding_mode="ROUND"),
        helper.make_node("Relu", ["t"], ["y"]),
    ]
    model = make_model(nodes, [tensor_info("x", x.shape)], [tensor_info("y", x.shape)],
                       [*quant_params("q", 0.0625, 0.0, 8.0), init("ob", f32(5.0))])
    check_against_qonnx(model, [x], exact=True)


@pytest.mark.parametrize("domain", QONNX_DOMAINS)
def test_domain_aliases(domain: str):
    """Quant/BipolarQuant/MultiThreshold under every accepted domain give the same module."""
    x = f32(rng(11).normal(0, 1, (1, 3, 4)))
    thresholds = f32([[-0.5, 0.0, 0.5]] * 3)
    nodes = [
        quant_node("x", "a", "q", signed=1, narrow=0, domain=domain),
        helper.make_node("BipolarQuant", ["x", "q_scale"], ["b"], domain=domain),
        helper.make_node("MultiThreshold", ["x", "t"], ["c"], domain=domain, out_dtype="UINT2",
                         data_layout="NCW"),
    ]
    model = make_model(
        nodes, [tensor_info("x", x.shape)],
        [tensor_info(n, x.shape) for n in "abc"],
        [*quant_params("q", 0.25, 0.0, 4.0), init("t", thresholds)], domains=[domain],
    )
    check_against_qonnx(model, [x], exact=True)


# --------------------------------------------------------------------------- MultiThreshold


@pytest.mark.parametrize("layout,shape", [
    ("NCHW", (1, 3, 4, 5)), ("NHWC", (1, 4, 5, 3)), ("", (1, 3, 4, 5)), ("", (2, 3)),
    ("NC", (1, 3)), ("", (1, 4, 3)), ("NCW", (1, 3, 4)),
])
@pytest.mark.parametrize("per_channel", [True, False])
def test_multithreshold_layouts(layout: str, shape: tuple[int, ...], per_channel: bool):
    r = rng(12)
    x = f32(r.integers(-6, 7, shape) * 0.5)  # many values exactly on thresholds
    channel_axis = layout.index("C") if layout else {2: 1, 3: 2, 4: 1}[len(shape)]
    channels = shape[channel_axis]
    rows = channels if per_channel else 1
    thresholds = f32(np.sort(r.integers(-6, 7, (rows, 4)) * 0.5, axis=1))
    thresholds[:, [0, 2]] = thresholds[:, [2, 0]]  # unsorted rows are allowed
    attrs = {"out_dtype": "UINT3", "out_scale": 2.0, "out_bias": -3.0}
    if layout:
        attrs["data_layout"] = layout
    node = helper.make_node("MultiThreshold", ["x", "t"], ["y"], domain="finn.custom_op.general",
                            name="mt", **attrs)
    model = make_model([node], [tensor_info("x", shape)], [tensor_info("y", shape)],
                       [init("t", thresholds)], domains=["finn.custom_op.general"])
    check_against_qonnx(model, [x], exact=True)


# --------------------------------------------------------------------------- Gemm / MatMul


@pytest.mark.parametrize("trans_a", [0, 1])
@pytest.mark.parametrize("trans_b", [0, 1])
@pytest.mark.parametrize("alpha,beta,bias", [
    (1.0, 1.0, None), (1.0, 1.0, "vec"), (0.5, 2.0, "row"), (1.0, 0.25, "full"), (2.0, 0.0, "vec"),
    (1.0, 1.0, "scalar"),
])
def test_gemm(trans_a: int, trans_b: int, alpha: float, beta: float, bias: str | None):
    r = rng(13)
    m, k, n = 3, 5, 4
    a = f32(r.normal(0, 1, (k, m) if trans_a else (m, k)))
    w = f32(r.normal(0, 1, (n, k) if trans_b else (k, n)))
    inits = [init("w", w)]
    inputs = ["a", "w"]
    if bias is not None:
        c = {"vec": (n,), "row": (1, n), "full": (m, n), "scalar": ()}[bias]
        inits.append(init("c", f32(r.normal(0, 1, c))))
        inputs.append("c")
    node = helper.make_node("Gemm", inputs, ["y"], name="gemm", alpha=alpha, beta=beta,
                            transA=trans_a, transB=trans_b)
    model = make_model([node], [tensor_info("a", a.shape)], [tensor_info("y", (m, n))], inits)
    check_against_qonnx(model, [a], exact=False)


def test_gemm_transposed_quantized_weights_and_dynamic_bias():
    """Brevitas' shape: Gemm(transB=1) on Quant(W[M,K]) with per-channel scale [M,1]: the
    importer transposes the constant and the scale (no rpnn.transpose)."""
    r = rng(14)
    x = f32(r.normal(0, 1, (1, 8)))
    w = f32(r.normal(0, 1, (6, 8)))
    scale = f32(2.0 ** -r.integers(1, 4, (6, 1)))
    bias_in = f32(r.normal(0, 1, (1, 6)))
    nodes = [
        quant_node("w", "wq", "qw", signed=1, narrow=1),
        helper.make_node("Gemm", ["x", "wq", "bias"], ["y"], name="fc", transB=1, beta=0.5),
    ]
    model = make_model(nodes, [tensor_info("x", x.shape), tensor_info("bias", bias_in.shape)],
                       [tensor_info("y", (1, 6))], [init("w", w), *quant_params("qw", scale, 0, 3)])
    check_against_qonnx(model, [x, bias_in], exact=False)
    module = from_onnx(model)
    assert "rpnn.transpose" not in ops_of(module)
    quant = [op for op in module.walk() if isinstance(op, rpnn.QuantOp)][0]
    assert quant.scale.type.get_shape() == (1, 6)


@pytest.mark.parametrize("x_shape", [(1, 8), (2, 3, 8), (8,)])
def test_matmul(x_shape: tuple[int, ...]):
    r = rng(15)
    x = f32(r.normal(0, 1, x_shape))
    w = f32(r.normal(0, 1, (8, 5)))
    node = helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")
    model = make_model([node], [tensor_info("x", x_shape)],
                       [tensor_info("y", (*x_shape[:-1], 5))], [init("w", w)])
    check_against_qonnx(model, [x], exact=False)


def test_matmul_of_quantized_integer_values_is_exact():
    """Quantized operands with power-of-two scales: the float result is exact in f32 too."""
    r = rng(16)
    x = f32(r.normal(0, 1, (1, 16)))
    w = f32(r.normal(0, 1, (16, 4)))
    nodes = [
        quant_node("x", "xq", "qa", signed=1, narrow=0),
        quant_node("w", "wq", "qw", signed=1, narrow=1),
        helper.make_node("MatMul", ["xq", "wq"], ["y"]),
    ]
    model = make_model(nodes, [tensor_info("x", x.shape)], [tensor_info("y", (1, 4))],
                       [init("w", w), *quant_params("qa", 0.25, 0, 4),
                        *quant_params("qw", 0.5, 0, 2)])
    check_against_qonnx(model, [x], exact=True)


# --------------------------------------------------------------------------- Conv / pooling


@pytest.mark.parametrize("attrs,c_in,c_out,kernel", [
    ({}, 3, 4, 3),
    ({"pads": [1, 1, 1, 1]}, 3, 4, 3),
    ({"pads": [0, 1, 2, 1], "strides": [2, 1]}, 2, 3, 3),
    ({"dilations": [2, 2], "pads": [2, 2, 2, 2]}, 2, 2, 3),
    ({"group": 4, "pads": [1, 1, 1, 1]}, 4, 4, 3),        # depthwise
    ({"group": 2}, 4, 6, 1),
    ({"auto_pad": "VALID", "strides": [2, 2]}, 3, 2, 2),
    ({"auto_pad": "SAME_UPPER", "strides": [2, 2]}, 3, 2, 4),
    ({"auto_pad": "SAME_LOWER"}, 3, 2, 2),
    ({"kernel_shape": [3, 3], "strides": [1, 1], "dilations": [1, 1], "pads": [0, 0, 0, 0],
      "group": 1, "auto_pad": "NOTSET"}, 3, 4, 3),
])
@pytest.mark.parametrize("bias", [False, True])
def test_conv(attrs: dict, c_in: int, c_out: int, kernel: int, bias: bool):
    r = rng(17)
    x = f32(r.normal(0, 1, (1, c_in, 9, 8)))
    group = attrs.get("group", 1)
    w = f32(r.normal(0, 1, (c_out, c_in // group, kernel, kernel)))
    inputs, inits = ["x", "w"], [init("w", w)]
    if bias:
        inputs.append("b")
        inits.append(init("b", f32(r.normal(0, 1, c_out))))
    node = helper.make_node("Conv", inputs, ["y"], name="conv", **attrs)
    model = make_model([node], [tensor_info("x", x.shape)], [tensor_info("y", None)], inits)
    check_against_qonnx(model, [x], exact=False)


def test_conv_with_quantized_bias_is_reshaped_in_place():
    r = rng(18)
    x = f32(r.normal(0, 1, (1, 2, 5, 5)))
    w = f32(r.normal(0, 1, (3, 2, 3, 3)))
    b = f32(r.normal(0, 1, 3))
    nodes = [quant_node("b", "bq", "qb", signed=1, narrow=0),
             helper.make_node("Conv", ["x", "w", "bq"], ["y"])]
    model = make_model(nodes, [tensor_info("x", x.shape)], [tensor_info("y", (1, 3, 3, 3))],
                       [init("w", w), init("b", b), *quant_params("qb", f32([0.25, 0.5, 0.125]),
                                                                  0, 8)])
    check_against_qonnx(model, [x], exact=False)
    assert "rpnn.reshape" not in ops_of(from_onnx(model))


@pytest.mark.parametrize("attrs", [
    {"kernel_shape": [2, 2], "strides": [2, 2]},
    {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1]},
    {"kernel_shape": [3, 2]},
    {"kernel_shape": [3, 3], "auto_pad": "SAME_UPPER", "strides": [2, 2]},
    {"kernel_shape": [2, 2], "strides": [2, 2], "ceil_mode": 0, "storage_order": 0,
     "dilations": [1, 1]},
])
def test_maxpool(attrs: dict):
    x = f32(rng(19).normal(0, 1, (1, 3, 7, 8))) - 3.0  # negative: padding must never win
    node = helper.make_node("MaxPool", ["x"], ["y"], name="pool", **attrs)
    model = make_model([node], [tensor_info("x", x.shape)], [tensor_info("y", None)])
    check_against_qonnx(model, [x], exact=True)


@pytest.mark.parametrize("shape", [(1, 4, 3, 3), (1, 4)])
def test_batchnorm_and_relu(shape: tuple[int, ...]):
    r = rng(20)
    x = f32(r.normal(0, 2, shape))
    params = [init("s", f32(r.uniform(0.5, 2, 4))), init("b", f32(r.normal(0, 1, 4))),
              init("m", f32(r.normal(0, 1, 4))), init("v", f32(r.uniform(0.5, 2, 4)))]
    nodes = [
        helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["n"], name="bn",
                         epsilon=1e-3, momentum=0.9),
        helper.make_node("Relu", ["n"], ["y"], name="relu"),
    ]
    model = make_model(nodes, [tensor_info("x", shape)], [tensor_info("y", shape)], params)
    check_against_qonnx(model, [x], exact=False)


# --------------------------------------------------------------------------- shape ops


@pytest.mark.parametrize("target,allowzero", [
    ([1, -1], 0), ([0, -1], 0), ([0, 0, 12], 0), ([-1, 6, 2], 0), ([1, 3, 2, 6], 1),
])
def test_reshape(target: list[int], allowzero: int):
    x = f32(rng(21).normal(0, 1, (1, 3, 4, 3)))
    node = helper.make_node("Reshape", ["x", "shape"], ["y"], allowzero=allowzero)
    model = make_model([node], [tensor_info("x", x.shape)], [tensor_info("y", None)],
                       [init("shape", np.array(target, dtype=np.int64))], opset=14)
    check_against_qonnx(model, [x], exact=True)


@pytest.mark.parametrize("axis", [1, 2, -1, 0])
def test_flatten(axis: int):
    x = f32(rng(22).normal(0, 1, (1, 3, 4, 2)))
    node = helper.make_node("Flatten", ["x"], ["y"], axis=axis)
    model = make_model([node], [tensor_info("x", x.shape)], [tensor_info("y", None)])
    check_against_qonnx(model, [x], exact=True)


def test_shape_gather_concat_reshape_is_folded():
    """The torch.onnx (TorchScript) flatten: Shape -> Gather -> Unsqueeze -> Concat -> Reshape."""
    x = f32(rng(23).normal(0, 1, (1, 2, 3, 3)))
    nodes = [
        helper.make_node("Shape", ["x"], ["shape"]),
        helper.make_node("Constant", [], ["zero"], value_int=0),
        helper.make_node("Gather", ["shape", "zero"], ["batch"], axis=0),
        helper.make_node("Constant", [], ["axes"], value_ints=[0]),
        helper.make_node("Unsqueeze", ["batch", "axes"], ["batch1"]),
        helper.make_node("Constant", [], ["minus1"], value_ints=[-1]),
        helper.make_node("Concat", ["batch1", "minus1"], ["target"], axis=0),
        helper.make_node("Cast", ["target"], ["target64"], to=TensorProto.INT64),
        helper.make_node("Slice", ["target64", "s0", "s1"], ["target_sliced"]),
        helper.make_node("Reshape", ["x", "target_sliced"], ["y"]),
    ]
    model = make_model(nodes, [tensor_info("x", x.shape)], [tensor_info("y", (1, 18))],
                       [init("s0", np.array([0], np.int64)), init("s1", np.array([9], np.int64))])
    check_against_qonnx(model, [x], exact=True)
    assert ops_of(from_onnx(model)) == ["builtin.module", "func.func", "rpnn.reshape",
                                        "func.return"]


@pytest.mark.parametrize("perm", [None, [0, 2, 3, 1], [0, 1, 3, 2]])
def test_transpose(perm):
    x = f32(rng(24).normal(0, 1, (1, 2, 3, 4)))
    attrs = {} if perm is None else {"perm": perm}
    node = helper.make_node("Transpose", ["x"], ["y"], **attrs)
    model = make_model([node], [tensor_info("x", x.shape)], [tensor_info("y", None)])
    check_against_qonnx(model, [x], exact=True)


def test_transpose_of_quantized_constant_is_applied_to_the_constant():
    r = rng(25)
    w = f32(r.normal(0, 1, (4, 3)))
    x = f32(r.normal(0, 1, (1, 4)))
    nodes = [quant_node("w", "wq", "qw", signed=1, narrow=0),
             helper.make_node("Transpose", ["wq"], ["wt"], perm=[1, 0]),
             helper.make_node("MatMul", ["x", "wt"], ["y"])]
    scale = f32([[0.5, 0.25, 0.125]])
    model = make_model(nodes, [tensor_info("x", x.shape)], [tensor_info("y", (1, 3))],
                       [init("w", w.T.copy()), *quant_params("qw", scale.T.copy(), 0, 4)])
    check_against_qonnx(model, [x], exact=False)
    assert "rpnn.transpose" not in ops_of(from_onnx(model))


# --------------------------------------------------------------------------- arithmetic


def test_elementwise_with_constants_and_residual():
    r = rng(26)
    x = f32(r.normal(0, 1, (1, 3, 2, 2)))
    c = f32(r.uniform(0.5, 2, (1, 3, 1, 1)))
    nodes = [
        helper.make_node("Mul", ["x", "c"], ["m"], name="mul"),
        helper.make_node("Add", ["c", "m"], ["a"], name="add_const_left"),
        helper.make_node("Sub", ["a", "c"], ["s1"], name="sub_const"),
        helper.make_node("Sub", ["c", "s1"], ["s2"], name="sub_from_const"),
        helper.make_node("Sub", ["s2", "x"], ["s3"], name="sub_tensors"),
        helper.make_node("Div", ["s3", "four"], ["d"], name="div_pow2"),
        helper.make_node("Div", ["d", "c"], ["d2"], name="div_const"),
        helper.make_node("Add", ["d2", "x"], ["y"], name="residual"),
        helper.make_node("Mul", ["y", "y"], ["z"], name="square"),
    ]
    model = make_model(nodes, [tensor_info("x", x.shape)],
                       [tensor_info("y", x.shape), tensor_info("z", x.shape)],
                       [init("c", c), init("four", f32(4.0))])
    check_against_qonnx(model, [x], exact=False)


def test_identity_dropout_constant_outputs():
    x = f32(rng(27).normal(0, 1, (1, 5)))
    nodes = [
        helper.make_node("Identity", ["x"], ["i"]),
        helper.make_node("Dropout", ["i"], ["d"], name="drop"),
        helper.make_node("Constant", [], ["k"], value_floats=[1.0, 2.0, 3.0, 4.0, 5.0]),
        helper.make_node("Add", ["d", "k"], ["y"]),
        helper.make_node("Identity", ["k"], ["kk"]),
    ]
    model = make_model(nodes, [tensor_info("x", x.shape)],
                       [tensor_info("y", x.shape), tensor_info("kk", (5,))])
    check_against_qonnx(model, [x], exact=True)


# --------------------------------------------------------------------------- ArgMax / TopK


@pytest.mark.parametrize("keepdims", [0, 1])
@pytest.mark.parametrize("axis", [-1, 1])
def test_argmax_after_quant_is_exact(keepdims: int, axis: int):
    x = f32(rng(28).normal(0, 1, (4, 10)))
    nodes = [quant_node("x", "q", "q", signed=1, narrow=0),  # 2-bit: many ties
             helper.make_node("ArgMax", ["q"], ["y"], axis=axis, keepdims=keepdims)]
    out_shape = (1, 1) if keepdims else (1,)
    model = make_model(nodes, [tensor_info("x", (1, 10))],
                       [tensor_info("y", out_shape, TensorProto.INT64)],
                       quant_params("q", 0.5, 0, 2))
    for row in x:
        check_against_qonnx(model, [row[None]], exact=True)


@pytest.mark.parametrize("k", [1, 3, 10])
@pytest.mark.parametrize("sorted_", [1, 0])
def test_topk_indices(k: int, sorted_: int):
    x = f32(rng(29).normal(0, 1, (1, 10)))
    nodes = [quant_node("x", "q", "q", signed=1, narrow=0),
             helper.make_node("TopK", ["q", "k"], ["values", "y"], axis=-1, largest=1,
                              sorted=sorted_)]
    model = make_model(nodes, [tensor_info("x", x.shape)],
                       [tensor_info("y", (1, k), TensorProto.INT64)],
                       [init("k", np.array([k], np.int64)), *quant_params("q", 0.25, 0, 3)])
    (ours,) = run_rpnn(model, [x])
    (ref,) = run_qonnx(model, [x])
    if sorted_:
        assert_match(ours, ref, exact=True)
    else:  # any order is allowed: compare the selected values
        q = run_qonnx(make_model([quant_node("x", "q", "q", signed=1, narrow=0)],
                                 [tensor_info("x", x.shape)], [tensor_info("q", x.shape)],
                                 quant_params("q", 0.25, 0, 3)), [x])[0]
        assert sorted(q[0, ours[0]]) == sorted(q[0, ref[0]])


# --------------------------------------------------------------------------- graph interface


def test_initializers_listed_as_inputs_are_constants_and_batch_is_free():
    """Dynamo exporter style: weights among the graph inputs; a symbolic batch runs any N."""
    r = rng(30)
    w = f32(r.normal(0, 1, (6, 3)))
    x = f32(r.normal(0, 1, (5, 6)))
    node = helper.make_node("MatMul", ["x", "w"], ["y"])
    model = make_model([node], [tensor_info("x", ["N", 6]), tensor_info("w", (6, 3))],
                       [tensor_info("y", ["N", 3])], [init("w", w)])
    module = from_onnx(model)
    (function,) = [op for op in module.walk() if op.name == "func.func"]
    assert len(function.body.block.args) == 1
    (y,) = run_rpnn(model, [x])
    np.testing.assert_allclose(y, x.astype(np.float64) @ w, rtol=1e-6)


def test_names_are_sanitized_hints_only():
    x = f32(np.ones((1, 2)))
    nodes = [helper.make_node("Relu", ["in put/0"], ['y"; drop %all\n'], name="n\nasty")]
    model = make_model(nodes, [tensor_info("in put/0", x.shape)],
                       [tensor_info('y"; drop %all\n', x.shape)])
    text = str(from_onnx(model))
    assert "%input0" in text and "%ydropall" in text
    assert sanitize_name("0abc") == "t0abc" and sanitize_name("///") is None


def test_exact_quant_ties_where_f32_division_rounds_onto_a_tie():
    """A documented, systematic difference (docs/frontend.md): with a scale that is not a power
    of two, x / scale computed in f32 (qonnx, onnxruntime) can round onto a tie k + 0.5 that
    the real quotient misses; rpnn decides on the real value.  Here x = -4.75, scale = 0.1f:
    x / scale = -47.4999993 in real arithmetic (ROUND -> -47) but -47.5 in f32 (ROUND -> -48).
    """
    x = f32([[-4.75]])
    scale = np.float32(0.1)
    model = make_model([quant_node("x", "y", "q", signed=1, narrow=0)],
                       [tensor_info("x", x.shape)], [tensor_info("y", x.shape)],
                       quant_params("q", scale, 0.0, 8.0))
    (ours,) = run_rpnn(model, [x])
    (ref,) = run_qonnx(model, [x])
    exact = Fraction(float(x[0, 0])) / Fraction(float(scale))
    assert round(exact) == -47 and float(np.float32(x[0, 0]) / scale) == -47.5
    assert ours[0, 0] == np.float32(-47 * float(scale))
    assert ref[0, 0] == np.float32(-48) * scale  # qonnx: f32 quotient, a different integer


def test_qonnx_half_up_differs_just_below_half():
    """qonnx implements HALF_UP as floor(|v| + 0.5) in f32, which rounds 0.49999997 up to 1;
    rpnn rounds it to 0 (the nearest integer), as the mode's definition says."""
    x = f32([[np.nextafter(np.float32(0.5), np.float32(0))]])
    model = make_model([quant_node("x", "y", "q", signed=1, narrow=0, rounding_mode="HALF_UP")],
                       [tensor_info("x", x.shape)], [tensor_info("y", x.shape)],
                       quant_params("q", 1.0, 0.0, 4.0))
    (ours,) = run_rpnn(model, [x])
    (ref,) = run_qonnx(model, [x])
    assert ours[0, 0] == 0.0 and ref[0, 0] == 1.0
