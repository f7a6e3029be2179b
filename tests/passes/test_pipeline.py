"""The verification ladder's second rung on the example networks: the IR after every stage
of `rpnn-pipeline` computes exactly what the graph-level module computes."""

import numpy as np
import pytest
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp

from rpnn_ir import api, interp
from rpnn_ir.builders import examples
from rpnn_ir.dialects import rpnn
from rpnn_ir.hw.devices import load_devices
from rpnn_ir.passes.pipeline import PipelinePass


def _frames(module: ModuleOp, n: int, seed: int) -> np.ndarray:
    shape = interp.find_function(module).body.block.args[0].type.get_shape()
    return np.random.default_rng(seed).normal(size=(n, *shape[1:])).astype(np.float32)


@pytest.mark.parametrize(("name", "frames"), [("tiny_mlp", 64), ("lfc_w1a1", 32),
                                               ("cnv_w2a2", 8)])
def test_every_stage_is_bit_exact(name: str, frames: int) -> None:
    module = examples.build(name)
    x = _frames(module, frames, seed=1)
    (expected,) = api.run(module, [x])
    ctx = api.context()
    stages = PipelinePass(quiet=True).stages()
    for stage in stages:
        stage.apply(ctx, module)
        module.verify()
        (got,) = api.run(module, [x])
        assert np.array_equal(got, expected), f"{name}: output changed after {stage.name}"
    units = {op.name for op in module.walk()}
    assert "rpnn.mvtu" in units and "rpnn.fifo" in units
    assert "rpnn.matmul" not in units and "rpnn.conv2d" not in units


def test_pipeline_equals_its_stages() -> None:
    whole, staged = examples.build("tiny_mlp"), examples.build("tiny_mlp")
    ctx = Context()
    PipelinePass(quiet=True).apply(ctx, whole)
    for stage in PipelinePass(quiet=True).stages():
        stage.apply(ctx, staged)
    assert str(whole) == str(staged)


def test_folding_meets_a_throughput_target() -> None:
    module = examples.build("lfc_w1a1")
    PipelinePass(quiet=True, device="xczu7ev", target_fps=50_000).apply(Context(), module)
    cost = interp.find_function(module).attributes["rpnn.design_cost"]
    assert cost.data["fps"].value.data >= 50_000


def test_budget_mode_fits_once_fifos_are_added() -> None:
    """CNV W2A2 folded for the whole xc7z020 only fits with its FIFOs and width converters
    because the pipeline folds again with a smaller budget (the first fold ends at ~104% LUT)."""
    module = examples.build("cnv_w2a2")
    PipelinePass(quiet=True, device="xc7z020").apply(Context(), module)
    cost = interp.find_function(module).attributes["rpnn.design_cost"].data
    device = load_devices(None)["xc7z020"]
    for resource in ("lut", "bram18"):
        assert cost[resource].value.data <= device.capacity(resource)
    assert any(isinstance(op, rpnn.FIFOOp) for op in module.walk())
