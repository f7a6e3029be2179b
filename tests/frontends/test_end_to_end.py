"""Brevitas exports through the whole compiler: QONNX -> rpnn.from_onnx -> rpnn-pipeline ->
C reference and HLS C simulation, every step bit-exact with the reference interpreter run on
the imported graph.  (test_onnx_brevitas.py checks the import itself against qonnx.)"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from brevitas_models import input_shape
from xdsl.context import Context

from rpnn_ir import api, interp
from rpnn_ir.backends import hls, hls_csim
from rpnn_ir.backends.c_reference import write_files
from rpnn_ir.backends.c_runner import CReference
from rpnn_ir.dialects import rpnn
from rpnn_ir.frontends.onnx_import import from_onnx
from rpnn_ir.passes.pipeline import PipelinePass

NETWORKS = ["tfc_1w1a", "tfc_1w2a", "tfc_2w2a", "sfc_1w2a", "lfc_1w1a", "cnv_1w1a",
            "cnv_2w2a", "mlp_pc_w4a4", "mlp_pc_w8a8"]


def _compile(path: Path):
    graph, compiled = from_onnx(path), from_onnx(path)
    PipelinePass(quiet=True, device="xcu250").apply(Context(), compiled)
    return graph, compiled


@pytest.mark.parametrize("name", NETWORKS)
def test_pipeline_and_c_reference(name: str, brevitas_export) -> None:
    graph, compiled = _compile(brevitas_export(name, False))
    frames = 3 if name.startswith("cnv") else 16
    x = np.random.default_rng(5).normal(size=(frames, *input_shape(name)[1:]))
    x = x.astype(np.float32)
    values: dict = {}
    (expected,) = api.run(graph, [x])
    (got,) = api.run(compiled, [x], values=values)
    assert np.array_equal(got, expected)
    ops = list(interp.find_function(compiled).walk())
    assert any(isinstance(op, rpnn.MVTUOp) for op in ops)
    ports_in = [values[op.input] for op in ops if isinstance(op, rpnn.TensorToStreamOp)]
    ports_out = [values[op.output] for op in ops if isinstance(op, rpnn.StreamToTensorOp)]
    with CReference.build(compiled) as reference:
        outputs = reference.run(ports_in)
        (whole,) = reference.forward([x], threads=2)  # quantizer and float tail in C too
    for c_out, ir_out in zip(outputs, ports_out, strict=True):
        assert np.array_equal(c_out.astype(np.int64), ir_out)
    assert whole.dtype == expected.dtype and np.array_equal(whole, expected)


def test_hls_csim_tfc(brevitas_export, tmp_path: Path) -> None:
    _, compiled = _compile(brevitas_export("tfc_2w2a", False))
    write_files(tmp_path, hls.emit_hls(compiled, hls.HlsTarget(tb_frames=8, seed=1)))
    result = hls_csim.run_csim(tmp_path, defines=("RPNN_COUNT_ITERATIONS",))
    assert "PASS: 8 frames bit-exact" in result.stdout
    rows = hls_csim.compare_with_model(compiled, hls_csim.iteration_counts(result))
    assert all(row.agrees for row in rows), [row for row in rows if not row.agrees]
    assert sum(row.kind == "mvtu" and row.iterations is not None for row in rows) >= 3


def test_residual_without_requantization_is_reported(brevitas_export) -> None:
    """A residual add of a quantized input and an unquantized accumulator has no integer
    form yet: the pipeline says so in one line instead of compiling something wrong."""
    module = from_onnx(brevitas_export("residual_w4a4", False))
    with pytest.raises(Exception, match=r"rpnn\.add .*: cannot add .* on integers"):
        PipelinePass(quiet=True).apply(Context(), module)


# the full LFC and CNV exports take minutes to build: benchmarks/rtl_sim.py runs them
# (--nets brevitas_lfc_1w1a,brevitas_cnv_1w1a,brevitas_cnv_2w2a --foldings pipeline)
RTL_NETWORKS = ["tfc_1w1a", "tfc_2w2a", "sfc_1w2a", "mlp_pc_w4a4", "cnv_small_1w1a",
                "cnv_small_2w2a"]


def test_rtl_verilator(brevitas_export, tmp_path: Path) -> None:
    """The dense Brevitas nets and BNN-PYNQ's CNV made small (the same Brevitas layers:
    sliding windows, max pools, bipolar and 2-bit MVTUs) as Verilog, one Verilator build,
    under back-pressure: the golden outputs come from the interpreter on the compiled
    module's FPGA part."""
    from rpnn_ir.backends import rtl_sim

    try:
        rtl_sim.verilator_command()
    except rtl_sim.RtlSimError as e:
        pytest.skip(str(e))
    modules = []
    for name in RTL_NETWORKS:
        compiled = from_onnx(brevitas_export(name, False))
        # a modest frame rate keeps the folded units (and the Verilator build) small
        PipelinePass(quiet=True, device="xc7z020", target_fps=20_000).apply(Context(), compiled)
        modules.append(compiled)
    with rtl_sim.RtlSim.build(modules, directory=tmp_path, frames=4) as sim:
        results = sim.run(stall=0.3, gap=0.3, seed=3)
    assert len(results) == len(RTL_NETWORKS)
    for name, result in zip(RTL_NETWORKS, results, strict=True):
        assert result.passed, f"{name}:\n{result.log}"
