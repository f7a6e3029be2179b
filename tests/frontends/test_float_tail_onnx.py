"""float-tail=onnx: every Brevitas network that compiles end to end gives onnxruntime's
outputs bit for bit, logits included, in the interpreter and in the C reference.

The reference is qonnx's executor (tests/frontends/onnx_builders.run_qonnx): each standard
node in its own onnxruntime session (default options; the weights are fed as inputs, so no
prepacking; one frame per run: the exports declare a batch of 1) and qonnx's own numpy Quant.
`rpnn-pipeline{float-tail=onnx}` compiles each export; the compiled module runs in
`rpnn_ir.run` and in the C reference's whole-network entry point `rpnn_forward_f32`.  On
the per-channel MLPs the default (real) tail is shown to differ from onnxruntime on the same
inputs, so the equality is not a property of the inputs.  residual_w4a4 is left out:
rpnn-pipeline refuses it (a residual add of a quantized input and an unquantized
accumulator, see test_end_to_end.py).
"""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from brevitas_models import CNV_NAMES, FC_NAMES, input_shape
from onnx_builders import run_qonnx
from xdsl.context import Context

from rpnn_ir import api, interp
from rpnn_ir.backends.c_runner import CReference
from rpnn_ir.frontends.onnx_import import from_onnx
from rpnn_ir.passes.pipeline import PipelinePass

pytest.importorskip("qonnx")

NETWORKS = [*FC_NAMES, *CNV_NAMES, "mlp_pc_w4a4", "mlp_pc_w8a8"]


def _inputs(name: str) -> np.ndarray:
    frames = 2 if name.startswith("cnv") else 8
    rng = np.random.default_rng(11)
    return rng.normal(size=(frames, *input_shape(name)[1:])).astype(np.float32)


@pytest.mark.parametrize("name", NETWORKS)
def test_outputs_equal_onnxruntime_bit_for_bit(name: str, brevitas_export) -> None:
    path = brevitas_export(name, False)
    x = _inputs(name)
    (expected,) = run_qonnx(onnx.load(path), [x])
    compiled = from_onnx(path)
    PipelinePass(quiet=True, device="xcu250", float_tail="onnx").apply(Context(), compiled)
    assert interp.float_tail(interp.find_function(compiled)) == "onnx"
    (got,) = api.run(compiled, [x])
    assert got.dtype == np.float32 and np.array_equal(got, expected), (
        f"{name}: {int((got != expected).sum())} of {got.size} logits differ")
    with CReference.build(compiled) as reference:
        assert reference.host is not None, reference.unsupported
        (whole,) = reference.forward([x], threads=2)
    assert whole.dtype == np.float32 and np.array_equal(whole, expected)
    if name.startswith("mlp_pc"):  # non-dyadic scales: the real tail rounds differently
        real = from_onnx(path)
        PipelinePass(quiet=True, device="xcu250").apply(Context(), real)
        (folded,) = api.run(real, [x])
        assert not np.array_equal(folded, expected)


def _synthetic_model(onnx_only: bool = True):
    """Every f32 op the onnx tail and head know: Div before the input quantizer; after the
    last quantizer a MatMul (kernel m1, K = 7: groups of 4, 2 and 1) of non-dyadic scales,
    BatchNormalization, Relu, Mul, and a Gemm with transB = 1 of the f32 values (3 columns:
    the kernel's groups of 2 and 1) plus its bias; a Gemm with transB = 1 and a bias inside.
    `onnx_only=False` leaves out the tail's Relu and Gemm, which the real tail refuses."""
    from onnx import helper
    from onnx_builders import f32, init, make_model, quant_node, quant_params, tensor_info

    rng = np.random.default_rng(7)
    nodes = [
        helper.make_node("Div", ["x", "three"], ["xd"]),
        quant_node("xd", "xq", "qi"),
        quant_node("w1", "w1q", "qw1", narrow=1),
        helper.make_node("Gemm", ["xq", "w1q", "b1"], ["h"], transB=1),
        helper.make_node("Relu", ["h"], ["hr"]),
        quant_node("hr", "hq", "qa", signed=0),
        quant_node("w2", "w2q", "qw2", narrow=1),
        helper.make_node("MatMul", ["hq", "w2q"], ["y"]),
        helper.make_node("BatchNormalization", ["y", "s", "b", "m", "v"], ["yn"],
                         epsilon=1e-3),
        helper.make_node("Relu" if onnx_only else "Identity", ["yn"], ["yr"]),
        helper.make_node("Mul", ["yr", "g"], ["ym"]),
    ]
    if onnx_only:
        nodes.append(helper.make_node("Gemm", ["ym", "w3", "b3"], ["out"], transB=1))
    else:
        nodes.append(helper.make_node("Identity", ["ym"], ["out"]))
    initializers = [
        init("three", f32(3.0)), init("w1", f32(rng.normal(size=(7, 6)))),
        init("b1", f32(rng.normal(size=7))), init("w2", f32(rng.normal(size=(7, 5)))),
        init("s", f32(rng.uniform(0.5, 2, 5))), init("b", f32(rng.normal(size=5))),
        init("m", f32(rng.normal(size=5))), init("v", f32(rng.uniform(0.1, 3, 5))),
        init("g", f32(0.7)), init("w3", f32(rng.normal(size=(3, 5)))),
        init("b3", f32(rng.normal(size=3))),
        *quant_params("qi", 0.05, 0.0, 8), *quant_params("qw1", f32([[0.3]] * 7), 0.0, 4),
        *quant_params("qa", 0.07, 0.0, 4), *quant_params("qw2", f32([[0.11] * 5]), 0.0, 4),
    ]
    outputs = [tensor_info("out", (1, 3 if onnx_only else 5))]
    return make_model(nodes, [tensor_info("x", (1, 6))], outputs, initializers)


def test_every_host_op_of_the_tail_in_c() -> None:
    """The onnx tail's batch norm, relu and both matmul kernels, and the Div of the head,
    through the interpreter and C against qonnx; the real semantics with the same Div head,
    in C against the interpreter (and, rounding once, not equal to qonnx)."""
    x = np.random.default_rng(8).normal(size=(64, 6)).astype(np.float32) * 4
    for float_tail, model in (("onnx", _synthetic_model()),
                              ("real", _synthetic_model(onnx_only=False))):
        (expected,) = run_qonnx(model, [x])
        compiled = from_onnx(model)
        PipelinePass(quiet=True, float_tail=float_tail).apply(Context(), compiled)
        (got,) = api.run(compiled, [x])
        with CReference.build(compiled) as reference:
            assert reference.host is not None, reference.unsupported
            (whole,) = reference.forward([x], threads=2)
        assert np.array_equal(whole, got)
        assert np.array_equal(got, expected) == (float_tail == "onnx")
