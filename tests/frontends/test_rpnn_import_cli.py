"""rpnn-import: exit codes, one-line errors without traceback, no partial output."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import helper
from onnx_builders import f32, make_model, quant_node, quant_params, tensor_info

import rpnn_ir
from rpnn_ir.tools import rpnn_import


def command() -> list[str]:
    script = shutil.which("rpnn-import", path=os.path.dirname(sys.executable))
    if script is not None:
        return [script]
    return [sys.executable, "-m", "rpnn_ir.tools.rpnn_import"]


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*command(), *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int, *parts: str):
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for part in parts:
        assert part in lines[0], lines[0]


@pytest.fixture
def models(tmp_path: Path) -> Path:
    good = make_model(
        [quant_node("x", "q", "q", signed=1, narrow=0),
         helper.make_node("MatMul", ["q", "w"], ["y"], name="mm")],
        [tensor_info("x", (1, 4))], [tensor_info("y", (1, 3))],
        [*quant_params("q", 0.5, 0.0, 4.0),
         onnx.numpy_helper.from_array(f32(np.arange(12).reshape(4, 3)), "w")],
    )
    onnx.save(good, str(tmp_path / "good.onnx"))
    bad = make_model([helper.make_node("Softmax", ["x"], ["y"], name="probs")],
                     [tensor_info("x", (1, 4))], [tensor_info("y", (1, 4))])
    onnx.save(bad, str(tmp_path / "unsupported.onnx"))
    (tmp_path / "text.onnx").write_text("not a model\n")
    return tmp_path


def test_import_to_file_and_stdout(models: Path):
    result = run("good.onnx", "-o", "good.mlir", cwd=models)
    assert result.returncode == 0 and result.stdout == "" and result.stderr == ""
    module = rpnn_ir.load(models / "good.mlir")
    x = f32([[0.3, -1.2, 2.6, 0.75]])
    (y,) = rpnn_ir.run(module, [x])
    q = np.clip(np.round(x / 0.5), -8, 7) * 0.5
    np.testing.assert_array_equal(y, q @ np.arange(12).reshape(4, 3))
    result = run("good.onnx", cwd=models)
    assert result.returncode == 0
    assert result.stdout == (models / "good.mlir").read_text()
    generic = run("good.onnx", "--print-op-generic", "--function", "net", cwd=models)
    assert generic.returncode == 0 and '"rpnn.quant"' in generic.stdout
    assert 'sym_name = "net"' in generic.stdout


def test_unsupported_op_one_line_and_no_output(models: Path):
    (models / "keep.mlir").write_text("previous contents\n")
    result = run("unsupported.onnx", "-o", "keep.mlir", cwd=models)
    assert_one_line_error(result, 1, "node 'probs' (Softmax)", "unsupported op")
    assert (models / "keep.mlir").read_text() == "previous contents\n"
    result = run("unsupported.onnx", "-o", "new.mlir", cwd=models)
    assert_one_line_error(result, 1)
    assert not (models / "new.mlir").exists()
    assert result.stdout == ""
    assert sorted(p.name for p in models.iterdir() if p.name.startswith(".")) == []


@pytest.mark.parametrize("args,parts", [
    (["text.onnx"], ["not an ONNX model"]),
    (["missing.onnx"], ["not found"]),
    (["good.onnx", "-o", "nodir/out.mlir"], ["does not exist"]),
    (["good.onnx", "-o", "."], ["is a directory"]),
])
def test_bad_input_exit_1(models: Path, args: list[str], parts: list[str]):
    result = run(*args, cwd=models)
    assert_one_line_error(result, 1, *parts)
    assert result.stdout == ""


@pytest.mark.parametrize("args", [[], ["good.onnx", "--bogus"], ["a.onnx", "b.onnx"]])
def test_bad_command_line_exit_2(models: Path, args: list[str]):
    assert_one_line_error(run(*args, cwd=models), 2, "see rpnn-import --help")


def test_main_in_process(models: Path, capsys: pytest.CaptureFixture[str]):
    assert rpnn_import.main([str(models / "unsupported.onnx")]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith("error: node 'probs'")
    assert rpnn_import.main([str(models / "good.onnx"), "-o", str(models / "o.mlir")]) == 0
    assert (models / "o.mlir").read_text().startswith("builtin.module")
