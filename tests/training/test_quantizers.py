"""The training quantizers against the QONNX formulas of Quant and BipolarQuant
(docs/semantics.md): an independent numpy transcription, and qonnx's own executor."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rpnn_ir.training.quantizers import (
    ActQuant,
    QuantSpec,
    WeightQuant,
    bipolar,
    int_range,
    quant,
)


def qonnx_quant(x, scale, zeropt, bits, signed, narrow):
    """Quant as qonnx-ops.md states it: v = x / s + z, clamp, round half to even, undo."""
    v = x / scale + zeropt
    if signed:
        lo, hi = -(2 ** (bits - 1)) + narrow, 2 ** (bits - 1) - 1
    else:
        lo, hi = 0, 2**bits - 1 - narrow
    return (np.round(np.clip(v, lo, hi)) - zeropt) * scale


@pytest.mark.parametrize("bits", [2, 3, 4, 8])
@pytest.mark.parametrize("signed", [True, False])
@pytest.mark.parametrize("narrow", [True, False])
def test_quant_matches_the_qonnx_formula(bits: int, signed: bool, narrow: bool) -> None:
    rng = np.random.default_rng(bits)
    scale = 2.0 ** -rng.integers(0, 5)
    x = rng.normal(scale=2**bits * scale, size=500)
    x[:20] = (np.arange(20) - 10 + 0.5) * scale  # exact ties: half to even
    got = quant(torch.from_numpy(x), torch.tensor(scale, dtype=torch.float64), bits, signed,
                narrow).numpy()
    assert np.array_equal(got, qonnx_quant(x, scale, 0.0, bits, int(signed), int(narrow)))
    assert int_range(bits, signed, narrow) == (
        (-(2 ** (bits - 1)) + narrow, 2 ** (bits - 1) - 1) if signed
        else (0, 2**bits - 1 - narrow))


def test_ternary_is_minus_one_zero_one_with_thresholds_at_half() -> None:
    x = torch.tensor([-3.0, -0.51, -0.5, -0.49, 0.0, 0.49, 0.5, 0.51, 3.0])
    y = quant(x, torch.tensor(1.0), 2, signed=True, narrow=True)
    # +-0.5 are ties: half to even gives 0
    assert y.tolist() == [-1, -1, 0, 0, 0, 0, 0, 1, 1]


def test_bipolar_and_its_clipped_straight_through_gradient() -> None:
    x = torch.tensor([-2.0, -1.0, -0.3, 0.0, 0.3, 1.0, 1.5], requires_grad=True)
    y = bipolar(x, 0.5)
    assert y.tolist() == [-0.5, -0.5, -0.5, 0.5, 0.5, 0.5, 0.5]  # zero maps to +1
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.0]


def test_quant_gradient_passes_rounding_and_stops_at_the_clamp() -> None:
    x = torch.tensor([-5.0, -0.7, 0.2, 0.6, 5.0], requires_grad=True)
    quant(x, torch.tensor(1.0), 2, True, True).sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 1.0, 1.0, 0.0]


@pytest.mark.parametrize("bits", [1, 2, 4, 8])
@pytest.mark.parametrize("per_channel", [False, True])
def test_weight_quant_scales_from_statistics(bits: int, per_channel: bool) -> None:
    w = torch.randn(6, 10, generator=torch.Generator().manual_seed(bits))
    q = WeightQuant(QuantSpec(bits, per_channel, "stats", po2=True), 6)
    s = q.scale(w)
    assert s.shape == ((6, 1) if per_channel else (1, 1))
    assert torch.equal(torch.log2(s), torch.round(torch.log2(s)))  # powers of two
    absw = w.abs() if per_channel else w.abs().reshape(1, -1)
    if bits >= 3:  # max-based, rounded up: nothing clips
        assert torch.all(absw.amax(dim=1, keepdim=True) <= s * (2 ** (bits - 1) - 1))
    y = q(w).numpy().astype(np.float64)
    if bits == 1:
        assert np.array_equal(y, np.where(w.numpy() >= 0, 1.0, -1.0) * s.numpy())
    else:
        expect = qonnx_quant(w.numpy().astype(np.float64), s.numpy().astype(np.float64), 0.0,
                             bits, 1, 1)
        assert np.array_equal(y, expect)


def test_learned_scales_get_gradients_and_start_at_the_statistics() -> None:
    w = torch.randn(4, 8, generator=torch.Generator().manual_seed(0))
    q = WeightQuant(QuantSpec(4, True, "learned", po2=False), 4)
    q.init_from_stats(w)
    assert torch.allclose(q.scale(w), q.stats_scale(w).reshape(4, 1))
    q(w).square().sum().backward()
    assert q.log2_scale.grad is not None and torch.any(q.log2_scale.grad != 0)
    act = ActQuant(QuantSpec(4, False, "learned"))
    assert float(act.scale().detach()) == 2.0**-3  # [-7/8, 7/8]: [-1, 1] on a power of two
    act(torch.linspace(-2, 2, 50)).sum().backward()
    assert act.log2_scale.grad is not None


def test_activation_statistics_scale_follows_the_running_rms() -> None:
    act = ActQuant(QuantSpec(2, False, "stats"))
    act.fresh = True
    act.train()
    act(torch.full((100,), 3.0) * torch.tensor([1.0, -1.0]).repeat(50))
    # alpha = 1.71 * rms 3 = 5.13, one level: scale 2^round(log2 5.13) = 4
    assert float(act.scale()) == 4.0
    act.eval()
    assert act(torch.tensor([1.9, 2.1, -7.0])).tolist() == [0.0, 4.0, -4.0]


def test_exported_quantizers_run_in_qonnx_like_in_torch() -> None:
    """The Quant/BipolarQuant nodes rpnn writes give, in qonnx's executor, what the torch
    quantizers give."""
    from onnx import TensorProto, helper, numpy_helper
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.core.onnx_exec import execute_onnx

    from rpnn_ir.training.export import QONNX_DOMAIN

    x = np.random.default_rng(1).normal(scale=2, size=(3, 40)).astype(np.float32)
    cases = [("Quant", dict(signed=1, narrow=1, rounding_mode="ROUND"), 0.25, 3),
             ("Quant", dict(signed=0, narrow=0, rounding_mode="ROUND"), 0.125, 8),
             ("BipolarQuant", {}, 0.5, 1)]
    for op, attrs, scale, bits in cases:
        inits = [numpy_helper.from_array(np.array(scale, np.float32), "s")]
        inputs = ["x", "s"]
        if op == "Quant":
            inits += [numpy_helper.from_array(np.array(0.0, np.float32), "z"),
                      numpy_helper.from_array(np.array(float(bits), np.float32), "b")]
            inputs += ["z", "b"]
        graph = helper.make_graph(
            [helper.make_node(op, inputs, ["y"], domain=QONNX_DOMAIN, **attrs)], "q",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, 40])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3, 40])], inits)
        model = ModelWrapper(helper.make_model(graph, opset_imports=[
            helper.make_opsetid("", 13), helper.make_opsetid(QONNX_DOMAIN, 1)]))
        (y,) = execute_onnx(model, {"x": x}).values()
        t = torch.from_numpy(x)
        if op == "BipolarQuant":
            expect = bipolar(t, scale)
        else:
            expect = quant(t, torch.tensor(scale), bits, bool(attrs["signed"]),
                           bool(attrs["narrow"]))
        assert np.array_equal(y, expect.numpy()), op
