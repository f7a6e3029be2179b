"""``rpnn-opt model.onnx``: the `onnx` frontend of rpnn-opt imports through `from_onnx`,
so one command goes from a QONNX file to a compiled design."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import helper
from onnx_builders import f32, init, make_model, quant_node, quant_params, tensor_info

import rpnn_ir
from rpnn_ir.compiler import CompileError
from rpnn_ir.tools import rpnn_opt


def tiny_mlp() -> onnx.ModelProto:
    """x -> Quant(8) -> MatMul(Quant(W1, 2)) -> Relu -> Quant(2, unsigned) -> MatMul(W2)."""
    rng = np.random.default_rng(0)
    nodes = [quant_node("x", "xq", "in"), quant_node("w1", "w1q", "w1", narrow=1),
             helper.make_node("MatMul", ["xq", "w1q"], ["h"]),
             helper.make_node("Relu", ["h"], ["r"]),
             quant_node("r", "rq", "act", signed=0), quant_node("w2", "w2q", "w2", narrow=1),
             helper.make_node("MatMul", ["rq", "w2q"], ["y"])]
    inits = [init("w1", f32(rng.normal(0, 1, (16, 8)))),
             init("w2", f32(rng.normal(0, 1, (8, 4)))),
             *quant_params("in", 2.0 ** -4, 0, 8), *quant_params("w1", 0.5, 0, 2),
             *quant_params("act", 0.5, 0, 2), *quant_params("w2", 0.5, 0, 2)]
    return make_model(nodes, [tensor_info("x", (1, 16))], [tensor_info("y", (1, 4))], inits)


@pytest.fixture
def model_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.onnx"
    onnx.save(tiny_mlp(), str(path))
    return path


def test_onnx_through_the_pipeline(model_file: Path, tmp_path: Path) -> None:
    """The compiled design computes what the imported graph computes."""
    out = tmp_path / "out.mlir"
    assert rpnn_opt.main([str(model_file), "-p", "rpnn-pipeline{quiet}", "-o", str(out)]) == 0
    compiled = rpnn_ir.load(out)
    assert any(op.name == "rpnn.mvtu" for op in compiled.walk())
    x = np.random.default_rng(1).normal(0, 1, (6, 16)).astype(np.float32)
    (expected,) = rpnn_ir.run(rpnn_ir.from_onnx(model_file), [x])
    (got,) = rpnn_ir.run(compiled, [x])
    np.testing.assert_array_equal(got, expected)


def test_onnx_to_c_reference(model_file: Path, tmp_path: Path) -> None:
    c_dir = tmp_path / "c"
    args = [str(model_file), "-p", "rpnn-pipeline{quiet}", "-t", f'rpnn-c{{out-dir="{c_dir}"}}']
    assert rpnn_opt.main(args) == 0
    assert {"rpnn.c", "rpnn.h", "main.c", "Makefile"} <= {p.name for p in c_dir.iterdir()}


def test_function_name_option(model_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert rpnn_opt.main([str(model_file), "-f", "onnx{function=net}"]) == 0
    assert "func.func @net(%x: tensor<1x16xf32>) -> tensor<1x4xf32>" in capsys.readouterr().out


def _error(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    return lines[0]


def test_bad_onnx_inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                         monkeypatch: pytest.MonkeyPatch) -> None:
    assert rpnn_opt.main([str(tmp_path / "missing.onnx")]) == 1
    assert _error(capsys) == f"error: input file '{tmp_path / 'missing.onnx'}' not found " \
                             "(check the path)"
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"not a model")
    assert rpnn_opt.main([str(junk)]) == 1
    assert _error(capsys).startswith(f"error: '{junk}': not an ONNX model")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    assert rpnn_opt.main(["-f", "onnx"]) == 1
    assert _error(capsys) == ("error: an ONNX model is read from a file (rpnn-opt "
                              "model.onnx), not from standard input")
    assert rpnn_opt.main([str(junk), "-f", "onnx{function=1x}"]) == 1
    assert "function_name '1x' must be a symbol name" in _error(capsys)


def test_argmax_without_kept_dims(tmp_path: Path) -> None:
    """ArgMax(keepdims=0) imports as topk + reshape; rpnn-streamline keeps the reshape of the
    label on the host, and the compiled design (interpreter and whole-network C) gives
    qonnx's labels."""
    from onnx_builders import run_qonnx

    from rpnn_ir.backends.c_runner import CReference

    model = tiny_mlp()
    model.graph.node.append(helper.make_node("ArgMax", ["y"], ["label"], axis=-1, keepdims=0))
    del model.graph.output[:]
    model.graph.output.append(helper.make_tensor_value_info("label", onnx.TensorProto.INT64,
                                                            [1]))
    path = tmp_path / "argmax.onnx"
    onnx.save(model, str(path))
    out = tmp_path / "out.mlir"
    assert rpnn_opt.main([str(path), "-p", "rpnn-pipeline{quiet}", "-o", str(out)]) == 0
    compiled = rpnn_ir.load(out)
    x = np.random.default_rng(2).normal(0, 1, (8, 16)).astype(np.float32)
    (expected,) = run_qonnx(model, [x])
    (got,) = rpnn_ir.run(compiled, [x])
    assert got.shape == expected.shape == (8,)
    np.testing.assert_array_equal(got, expected)
    with CReference.build(compiled) as net:
        (from_c,) = net.forward([x])
    np.testing.assert_array_equal(from_c, expected)


def float_mlp() -> onnx.ModelProto:
    """An unquantized (float) model: MatMul -> Relu -> MatMul, no Quant node."""
    rng = np.random.default_rng(0)
    nodes = [helper.make_node("MatMul", ["x", "w1"], ["h"]),
             helper.make_node("Relu", ["h"], ["r"]),
             helper.make_node("MatMul", ["r", "w2"], ["y"])]
    inits = [init("w1", f32(rng.normal(0, 1, (16, 8)))), init("w2", f32(rng.normal(0, 1, (8, 4))))]
    return make_model(nodes, [tensor_info("x", (1, 16))], [tensor_info("y", (1, 4))], inits)


def test_float_model_says_to_quantize(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A float model imports (it runs in the interpreter); compiling it names the stage that
    fails, rpnn-streamline, and the fix, quantizing the model."""
    path = tmp_path / "float.onnx"
    onnx.save(float_mlp(), str(path))
    assert rpnn_opt.main([str(path), "-p", "rpnn-pipeline", "-o", str(tmp_path / "o.mlir")]) == 1
    line = _error(capsys)
    assert line.startswith("error: pass 'rpnn-streamline' (in rpnn-pipeline) failed: "
                           "rpnn.matmul (%h): weights %w1 (rpnn.constant) are not quantized")
    assert line.endswith("quantize the model (e.g. with Brevitas, exported to QONNX: "
                         "docs/frontend.md) and import that")
    assert not (tmp_path / "o.mlir").exists()
    with pytest.raises(CompileError,
                       match=r"^pass 'rpnn-streamline' \(in rpnn-pipeline\) failed: .*quantize "
                             r"the model \(e\.g\. with Brevitas"):
        rpnn_ir.compile(path)
