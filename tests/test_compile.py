"""rpnn_ir.compile: pass pipelines and targets from the registries, with one-line errors.

The rpnn passes and backends are registered by other modules; these tests use xDSL's own
`canonicalize`/`cse`/`dce` passes and `mlir` target, plus test passes added to the registry.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path
from typing import IO

import numpy as np
import pytest
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException
from xdsl.utils.target import Target

import rpnn_ir
from rpnn_ir import compiler
from rpnn_ir.compiler import CompileError, CompileResult

TINY = """\
builtin.module {
  func.func @main(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
    %c = rpnn.constant dense<[[1.0, 2.0, 3.0, 4.0]]> : tensor<1x4xf32>
    %unused = rpnn.constant dense<[[5.0, 6.0, 7.0, 8.0]]> : tensor<1x4xf32>
    %c2 = rpnn.constant dense<[[1.0, 2.0, 3.0, 4.0]]> : tensor<1x4xf32>
    %a = rpnn.add %x, %c : tensor<1x4xf32>, tensor<1x4xf32> -> tensor<1x4xf32>
    %b = rpnn.add %a, %c2 : tensor<1x4xf32>, tensor<1x4xf32> -> tensor<1x4xf32>
    func.return %b : tensor<1x4xf32>
  }
}
"""


def count(module: ModuleOp, name: str) -> int:
    return sum(op.name == name for op in module.walk())


@dataclasses.dataclass(frozen=True)
class FailingPass(ModulePass):
    name = "test-fail"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        raise PassFailedException("this pass always fails")


@dataclasses.dataclass(frozen=True)
class BreakingPass(ModulePass):
    """Makes the IR invalid (a function returning nothing while it declares a result)."""

    name = "test-break"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for ret in [o for o in op.walk() if o.name == "func.return"]:
            ret.operands = ()


@dataclasses.dataclass(frozen=True)
class FilesTarget(Target):
    """A target that writes its own files into `out_dir` (as rpnn-hls and rpnn-c do)."""

    name = "test-files"
    out_dir: str | None = None
    greeting: str = "hello"

    def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
        assert self.out_dir is not None
        Path(self.out_dir, "design.txt").write_text(f"{self.greeting} {len(list(module.walk()))}")
        output.write("// wrote design.txt\n")


@pytest.fixture
def test_passes(monkeypatch: pytest.MonkeyPatch):
    registry = compiler.available_passes()
    registry.update({"test-fail": lambda: FailingPass, "test-break": lambda: BreakingPass})
    monkeypatch.setattr(compiler, "available_passes", lambda: registry)
    targets = compiler.available_targets()
    targets["test-files"] = lambda: FilesTarget
    monkeypatch.setattr(compiler, "available_targets", lambda: targets)


def test_target_writing_its_own_files_gets_out_dir(test_passes, tmp_path: Path):
    result = rpnn_ir.compile(rpnn_ir.parse(TINY), "dce", target="test-files",
                             target_options={"greeting": "hi"}, out_dir=tmp_path / "hw")
    assert result.path == tmp_path / "hw" and result.output == "// wrote design.txt\n"
    assert (tmp_path / "hw" / "design.txt").read_text().startswith("hi ")
    assert sorted(p.name for p in (tmp_path / "hw").iterdir()) == ["design.txt"]


def test_import_rpnn_ir_is_cheap_and_exports_lazily():
    code = ("import sys, rpnn_ir; assert 'xdsl' not in sys.modules and 'onnx' not in sys.modules;"
            "f = rpnn_ir.compile; g = rpnn_ir.from_onnx; rpnn_ir.load; rpnn_ir.run;"
            "print(f.__module__, g.__module__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ["rpnn_ir.compiler", "rpnn_ir.frontends.onnx_import"]


def test_pipeline_on_a_module_leaves_the_input_unchanged():
    module = rpnn_ir.parse(TINY)
    before = str(module)
    result = rpnn_ir.compile(module, "cse,dce")
    assert isinstance(result, CompileResult) and result.output is None and result.path is None
    assert str(module) == before
    assert count(result.module, "rpnn.constant") == 1  # cse merged, dce removed
    x = np.arange(4, dtype=np.float32).reshape(1, 4)
    np.testing.assert_array_equal(rpnn_ir.run(result.module, [x])[0],
                                  rpnn_ir.run(module, [x])[0])
    assert "functions ['main']" in repr(result)


def test_no_pipeline_and_paths(tmp_path: Path):
    path = tmp_path / "tiny.mlir"
    path.write_text(TINY)
    for pipeline in (None, ""):
        assert count(rpnn_ir.compile(path, pipeline).module, "rpnn.constant") == 3
    onnx = pytest.importorskip("onnx")
    from onnx import helper

    model = helper.make_model(
        helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g",
                          [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 4])],
                          [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1, 4])]),
        opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, str(tmp_path / "relu.onnx"))
    for source in (tmp_path / "relu.onnx", str(tmp_path / "relu.onnx"), model):
        result = rpnn_ir.compile(source, "canonicalize")
        assert count(result.module, "rpnn.relu") == 1


def test_target_and_out_dir(tmp_path: Path):
    path = tmp_path / "tiny.mlir"
    path.write_text(TINY)
    result = rpnn_ir.compile(path, "cse", target="mlir", out_dir=tmp_path / "build")
    assert result.target == "mlir" and result.path == tmp_path / "build" / "tiny.mlir"
    assert result.path.read_text() == result.output
    assert count(rpnn_ir.parse(result.output), "rpnn.constant") == 1
    generic = rpnn_ir.compile(path, None, target="mlir",
                              target_options={"print-generic-format": True})
    assert '"rpnn.add"' in generic.output
    generic2 = rpnn_ir.compile(path, None, target="mlir{print-generic-format=true}")
    assert generic2.output == generic.output
    written = rpnn_ir.compile(path, "dce", out_dir=tmp_path / "plain")
    assert written.path == tmp_path / "plain" / "tiny.mlir"
    assert count(rpnn_ir.load(written.path), "rpnn.constant") == 2


@pytest.mark.parametrize("kwargs,expected", [
    ({"pipeline": "no-such-pass"}, "unknown pass 'no-such-pass'"),
    ({"pipeline": "cse{bogus=1}"}, "unknown option 'bogus' for pass 'cse'"),
    ({"pipeline": "cse{"}, "malformed pass pipeline 'cse{'"),
    ({"pipeline": "test-fail"}, "pass 'test-fail' failed: this pass always fails"),
    ({"pipeline": "cse,test-break"}, "IR does not verify after pass 'test-break'"),
    ({"pipeline": None, "target": "no-such-target"}, "unknown target 'no-such-target'"),
    ({"pipeline": None, "target": "mlir", "target_options": {"bogus": 1}},
     "unknown option 'bogus' for target 'mlir'"),
    ({"pipeline": None, "target_options": {"a": 1}}, "target_options given without a target"),
])
def test_errors_are_one_line(test_passes, kwargs: dict, expected: str):
    with pytest.raises(CompileError) as info:
        rpnn_ir.compile(rpnn_ir.parse(TINY), **kwargs)
    message = str(info.value)
    assert "\n" not in message and expected in message, message


EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def quantized_mlp_onnx():
    """x -> Quant(8 bit) -> MatMul(Quant(W1, 2 bit)) -> BatchNorm -> Relu -> Quant(2 bit)
    -> Gemm(Quant(W2), transB=1): a Brevitas-shaped QONNX MLP built with onnx.helper."""
    onnx = pytest.importorskip("onnx")
    from onnx import helper, numpy_helper

    rng = np.random.default_rng(0)

    def init(name, values):
        return numpy_helper.from_array(np.asarray(values, dtype=np.float32), name)

    def quant(x, out, scale, bits, signed, narrow):
        return helper.make_node("Quant", [x, f"{out}_s", f"{out}_z", f"{out}_b"], [out],
                                domain="qonnx.custom_op.general", signed=signed,
                                narrow=narrow, rounding_mode="ROUND"), [
            init(f"{out}_s", scale), init(f"{out}_z", 0.0), init(f"{out}_b", bits)]

    nodes, inits = [], [init("w1", rng.normal(0, 1, (16, 8))),
                        init("w2", rng.normal(0, 1, (4, 8))),
                        init("g", rng.uniform(0.5, 1.5, 8)), init("b", rng.normal(0, 1, 8)),
                        init("m", rng.normal(0, 2, 8)), init("v", rng.uniform(1, 4, 8))]
    for spec in [("x", "xq", 2.0 ** -4, 8, 1, 0), ("w1", "w1q", 0.5, 2, 1, 1),
                 ("r", "rq", 0.5, 2, 0, 0), ("w2", "w2q", 0.5, 2, 1, 1)]:
        node, params = quant(*spec)
        nodes.append(node)
        inits += params
    nodes[2:2] = [helper.make_node("MatMul", ["xq", "w1q"], ["h"]),
                  helper.make_node("BatchNormalization", ["h", "g", "b", "m", "v"], ["n"]),
                  helper.make_node("Relu", ["n"], ["r"])]
    nodes.append(helper.make_node("Gemm", ["rq", "w2q"], ["y"], transB=1))
    graph = helper.make_graph(
        nodes, "mlp", [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 16])],
        [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1, 4])], inits)
    return helper.make_model(graph, opset_imports=[
        helper.make_opsetid("", 17), helper.make_opsetid("qonnx.custom_op.general", 1)])


def test_default_pipeline(tmp_path: Path):
    """`rpnn-pipeline` is the default; until it is registered, compile says so in one line.
    Once it is, an imported QONNX MLP and the tiny example compile to dataflow, computing
    the same function, and the backends registered by then emit their files."""
    if "rpnn-pipeline" not in compiler.available_passes():
        with pytest.raises(CompileError, match="unknown pass 'rpnn-pipeline'"):
            rpnn_ir.compile(rpnn_ir.parse(TINY))
        return
    x = np.random.default_rng(1).normal(0, 1, (5, 16)).astype(np.float32)
    for source in (quantized_mlp_onnx(), EXAMPLES / "tiny_mlp.mlir"):
        graph = rpnn_ir.from_onnx(source) if not isinstance(source, Path) else rpnn_ir.load(
            source)
        result = rpnn_ir.compile(source)
        assert count(result.module, "rpnn.mvtu") >= 1
        if isinstance(source, Path):
            shape = next(op for op in graph.walk() if op.name == "func.func")
            x = np.random.default_rng(1).normal(
                0, 1, (3, *shape.function_type.inputs.data[0].get_shape()[1:])).astype(np.float32)
        np.testing.assert_allclose(rpnn_ir.run(result.module, [x])[0],
                                   rpnn_ir.run(graph, [x])[0], rtol=1e-6, atol=1e-6)
    for target in ("rpnn-hls", "rpnn-c"):
        if target in compiler.available_targets():
            out = rpnn_ir.compile(result.module, None, target=target, out_dir=tmp_path / target)
            assert out.path == tmp_path / target and any(out.path.iterdir())


def test_bad_inputs(tmp_path: Path):
    with pytest.raises(CompileError, match="not found"):
        rpnn_ir.compile(tmp_path / "missing.mlir", None)
    (tmp_path / "bad.onnx").write_text("nope")
    with pytest.raises(CompileError, match="not an ONNX model"):
        rpnn_ir.compile(tmp_path / "bad.onnx", None)
    with pytest.raises(TypeError):
        rpnn_ir.compile(42, None)


def test_cost_is_returned_not_printed(capfd: pytest.CaptureFixture[str]):
    """The cost report of rpnn-pipeline is `result.cost` (a dict); nothing goes to stderr
    unless asked with `print_report`."""
    result = rpnn_ir.compile(EXAMPLES / "tiny_mlp.mlir", "rpnn-pipeline")
    assert capfd.readouterr().err == ""
    (function,) = result.cost["functions"]
    assert result.cost["device"]["name"] == "xc7z020"
    mvtus = [u for u in function["units"] if u["op"] == "rpnn.mvtu"]
    assert len(mvtus) == count(result.module, "rpnn.mvtu") >= 1
    assert function["fps"] == pytest.approx(
        result.cost["clock_mhz"] * 1e6 / max(u["cycles"] for u in function["units"]))
    assert function["total"]["lut"] == sum(u["lut"] for u in function["units"])
    rpnn_ir.compile(EXAMPLES / "tiny_mlp.mlir", "rpnn-pipeline", print_report=True)
    assert "rpnn-cost: @" in capfd.readouterr().err
    assert rpnn_ir.compile(EXAMPLES / "tiny_mlp.mlir", "rpnn-streamline").cost is None


def test_unwritable_out_dir_is_a_compile_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A folder the system refuses to create gives a CompileError, not a raw OSError (as
    root, permissions do not stop mkdir, so the refusal is injected then)."""
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    if os.access(locked, os.W_OK):  # root: make mkdir fail as it would for a user
        def refuse(path, *args, **kwargs):
            raise PermissionError(13, "Permission denied", str(path))

        monkeypatch.setattr(os, "mkdir", refuse)
    for target in (None, "rpnn-c"):
        with pytest.raises(CompileError, match="ermission denied"):
            rpnn_ir.compile(EXAMPLES / "tiny_mlp.mlir", "rpnn-pipeline{quiet}", target=target,
                            out_dir=locked / "out")
    assert list(locked.iterdir()) == []
