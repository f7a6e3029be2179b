"""`CReference.load` on a folder written by rpnn-c, and the whole network on images."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import rpnn_ir
from rpnn_ir.backends.c_runner import CompileError, CReference

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))

from test_compile import quantized_mlp_onnx  # noqa: E402


def test_load_a_build_folder_runs_like_the_interpreter(tmp_path: Path) -> None:
    module = rpnn_ir.compile(REPO / "examples" / "tiny_mlp.mlir", "rpnn-pipeline").module
    rpnn_ir.compile(module, None, target="rpnn-c", out_dir=tmp_path / "c")
    before = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "c").iterdir()}
    x = np.random.default_rng(0).normal(0, 1, (7, 16)).astype(np.float32)
    (expected,) = rpnn_ir.run(module, [x])
    with CReference.load(tmp_path / "c") as net, CReference.build(module) as built:
        np.testing.assert_allclose(net.forward([x])[0], expected, rtol=1e-6, atol=1e-6)
        frames = np.random.default_rng(1).integers(-2, 2, (7, *built.inputs[0].shape))
        np.testing.assert_array_equal(net.run([frames])[0], built.run([frames])[0])
        assert [s.shape for s in net.inputs] == [s.shape for s in built.inputs]
    assert {p.name: p.stat().st_mtime_ns for p in (tmp_path / "c").iterdir()} == before


def test_load_refuses_a_folder_without_an_interface(tmp_path: Path) -> None:
    with pytest.raises(CompileError, match="not found.*rpnn-c"):
        CReference.load(tmp_path)
    (tmp_path / "rpnn.json").write_text('{"fpga": {"inputs": [{"shape": [4], "type": "x"}]}}')
    with pytest.raises(CompileError, match="not an rpnn-c interface"):
        CReference.load(tmp_path)


def test_forward_takes_images_for_a_network_on_flat_vectors() -> None:
    """A network whose input is [N, 16] runs on frames of 16 elements of any shape (images
    [N, 1, 4, 4]) flattened in C order, as ONNX Flatten does; other sizes are refused."""
    result = rpnn_ir.compile(quantized_mlp_onnx(), "rpnn-pipeline")
    images = np.random.default_rng(2).normal(0, 1, (5, 1, 4, 4)).astype(np.float32)
    (expected,) = rpnn_ir.run(result.module, [images.reshape(5, 16)])
    with CReference.build(result.module) as net:
        np.testing.assert_allclose(net.forward([images])[0], expected, rtol=1e-6, atol=1e-6)
        with pytest.raises(ValueError, match=r"expected \[N, 16\] \(or frames of 16 elements"):
            net.forward([images[:, :, :3]])
