"""The verification ladder end to end on the example networks: the graph-level module, the
compiled dataflow module (both in the reference interpreter), the C reference and the HLS C
simulation all agree bit for bit, and the HLS units run as many cycles as rpnn-cost says.
(tests/passes/test_pipeline.py checks the IR after every pass; the backends' own tests cover
random graphs.)"""

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp

from rpnn_ir import api, interp
from rpnn_ir.backends import hls, hls_csim
from rpnn_ir.backends.c_reference import write_files
from rpnn_ir.backends.c_runner import CReference
from rpnn_ir.builders import examples
from rpnn_ir.dialects import rpnn
from rpnn_ir.passes.pipeline import PipelinePass


def _compiled(name: str) -> tuple[ModuleOp, ModuleOp]:
    graph = examples.build(name)
    dataflow = examples.build(name)
    PipelinePass(quiet=True).apply(Context(), dataflow)
    return graph, dataflow


def _images(module: ModuleOp, frames: int) -> np.ndarray:
    shape = interp.find_function(module).body.block.args[0].type.get_shape()
    return np.random.default_rng(7).normal(size=(frames, *shape[1:])).astype(np.float32)


@pytest.mark.parametrize(("name", "frames"), [("tiny_mlp", 100), ("lfc_w1a1", 70),
                                               ("cnv_w2a2", 6)])
def test_c_reference_on_real_frames(name: str, frames: int) -> None:
    graph, dataflow = _compiled(name)
    x = _images(graph, frames)
    values: dict = {}
    (compiled_out,) = api.run(dataflow, [x], values=values)
    (graph_out,) = api.run(graph, [x])
    assert np.array_equal(compiled_out, graph_out)
    ops = list(interp.find_function(dataflow).walk())
    ports_in = [values[op.input] for op in ops if isinstance(op, rpnn.TensorToStreamOp)]
    ports_out = [values[op.output] for op in ops if isinstance(op, rpnn.StreamToTensorOp)]
    with CReference.build(dataflow) as reference:
        got = reference.run(ports_in)
    for g, e in zip(got, ports_out, strict=True):
        assert np.array_equal(g.astype(np.int64), e)


@pytest.fixture(scope="module")
def ap_types() -> Path:
    """The Xilinx ap_types headers; CI must have them (and g++), so it fails there instead."""
    try:
        if shutil.which("g++") is None:
            raise hls_csim.CsimError("g++ not found")
        return hls_csim.ap_types_dir()
    except hls_csim.CsimError as e:
        if os.environ.get("CI"):
            pytest.fail(f"HLS C simulation needs g++ and the ap_types headers: {e}")
        pytest.skip(f"HLS C simulation needs g++ and the ap_types headers: {e}")


@pytest.mark.parametrize("name", ["tiny_mlp", "lfc_w1a1"])
def test_hls_csim(name: str, tmp_path: Path, ap_types: Path) -> None:
    _, dataflow = _compiled(name)
    files = hls.emit_hls(dataflow, hls.HlsTarget(tb_frames=8, seed=3))
    write_files(tmp_path, files)
    result = hls_csim.run_csim(tmp_path, ap_types=ap_types, defines=("RPNN_COUNT_ITERATIONS",))
    assert "PASS: 8 frames bit-exact" in result.stdout
    # every unit's pipelined loop iterations per frame are rpnn-cost's cycles for it
    rows = hls_csim.compare_with_model(dataflow, hls_csim.iteration_counts(result))
    assert all(row.agrees for row in rows), [row for row in rows if not row.agrees]
    assert sum(row.kind == "mvtu" and row.iterations is not None for row in rows) >= 2
