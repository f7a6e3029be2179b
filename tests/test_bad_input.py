"""Bad input never hurts (issue 10): no hang, no traceback, bounded work, checked arguments.

One test per class of failure found by mutating inputs: each ran forever, exhausted memory
or ended in a raw Python exception before the fix.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import helper, numpy_helper
from xdsl.dialects import arith, func
from xdsl.dialects.builtin import ModuleOp, TensorType, f32
from xdsl.ir import Block, Region
from xdsl.utils.exceptions import ParseError, VerifyException

import rpnn_ir
from rpnn_ir import limits
from rpnn_ir.backends.c_reference import emit_c
from rpnn_ir.backends.dataflow import BackendError
from rpnn_ir.compiler import CompileError
from rpnn_ir.frontends.onnx_import import OnnxImportError
from rpnn_ir.tools import rpnn_opt

EXAMPLE = Path(__file__).parents[1] / "examples" / "tiny_mlp.mlir"

USE_BEFORE_DEF = """\
func.func @main(%x: tensor<2xf32>) -> tensor<2xf32> {
  %a = arith.addf %b, %x : tensor<2xf32>
  %b = arith.addf %x, %x : tensor<2xf32>
  func.return %a : tensor<2xf32>
}
"""


def rpnn_opt_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The installed rpnn-opt, bounded by a timeout so that a hang fails instead of waiting."""
    script = shutil.which("rpnn-opt", path=os.path.dirname(sys.executable))
    command = [script] if script else [sys.executable, "-m", "rpnn_ir.tools.rpnn_opt"]
    return subprocess.run([*command, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


# ---------------------------------------------------------------------------- hangs


def test_unterminated_string_does_not_hang(tmp_path: Path) -> None:
    """xDSL 0.75's string regex backtracks exponentially: 40 characters took forever."""
    source = tmp_path / "quote.mlir"
    source.write_text('%c = "test.op"() {v = "' + "a" * 200 + "} : () -> i32\n")
    result = rpnn_opt_cli(str(source), cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "End of file reached before closing string literal" in result.stderr
    with pytest.raises(ParseError):  # the same parser behind the Python API
        rpnn_ir.parse('"' + "x" * 100)


def test_declared_sizes_are_bounded_before_allocation(tmp_path: Path) -> None:
    splat = '%c = "test.op"() {v = dense<1> : tensor<100000x100000xsi4>} : () -> i32\n'
    with pytest.raises(ParseError, match=r"10,000,000,000 elements, above the limit of "
                                         r"16,777,216 \(raise it with --max-elements"):
        rpnn_ir.parse(splat)
    declared = "func.func @f(%x: tensor<5000x5000xf32>) -> tensor<5000x5000xf32> {\n" \
               "  func.return %x : tensor<5000x5000xf32>\n}\n"
    with pytest.raises(ParseError, match="25,000,000 elements"):
        rpnn_ir.parse(declared)
    with limits.raised(max_elements=30_000_000):  # the option raises the limit
        rpnn_ir.parse(declared)
    source = tmp_path / "big.mlir"
    source.write_text(declared)
    assert rpnn_opt_cli(str(source), cwd=tmp_path).returncode == 1
    assert rpnn_opt_cli(str(source), "--max-elements", "30000000", cwd=tmp_path).returncode == 0


def test_integer_width_is_bounded() -> None:
    """xDSL computes the value range of any width: i2147483648 took 7 s and 1 GB."""
    with pytest.raises(ParseError, match="integer types have at most 16777215 bits"):
        rpnn_ir.parse('%c = "test.op"() {v = 1 : i2147483648} : () -> i32\n')


def test_limit_option_is_checked_by_both_tools(capsys) -> None:
    from rpnn_ir.tools import rpnn_import

    assert rpnn_opt.main(["--max-elements", "0", str(EXAMPLE)]) == 2
    assert rpnn_import.main(["--max-elements", "-5", "model.onnx"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all("is not a positive integer" in line for line in err)


def test_nesting_is_bounded() -> None:
    with pytest.raises(ParseError, match=f"nested more than {limits.MAX_NESTING} deep"):
        rpnn_ir.parse("builtin.module {\n" * 2000 + "}\n" * 2000)
    with pytest.raises(ParseError, match="nested too deeply"):
        rpnn_ir.parse('%c = "test.op"() {v = ' + "[" * 3000 + "]" * 3000 + "} : () -> i32\n")


def test_wide_activation_quantizer_is_bounded_in_streamlining() -> None:
    """bits = 31 on an activation quantizer asked for 2^31 thresholds per channel (found by
    benchmarks/fuzz.py --seed 1: MemoryError)."""
    text = EXAMPLE.read_text().replace("bits = 2 rounding", "bits = 31 rounding", 1)
    with pytest.raises(CompileError, match=r"8 channels x 2147483647 levels\) has "
                                           r"17,179,869,176 elements, above the limit"):
        rpnn_ir.compile(rpnn_ir.parse(text), "rpnn-streamline")


def test_testbench_frames_and_seed_are_checked(tmp_path: Path, capsys) -> None:
    """tb-frames=100000000 grew to 12 GB; seed=-1 was a numpy ValueError."""
    out = tmp_path / "hls"
    for option in ("tb-frames=100000000", "seed=-1"):
        status = rpnn_opt.main([str(EXAMPLE), "-p", "rpnn-streamline,rpnn-infer-precision,"
                                "rpnn-lower-to-dataflow", "-t",
                                f'rpnn-hls{{out-dir="{out}" {option}}}'])
        assert status == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2, err
    assert "the testbench (100000000 frames" in err[0] and "lower tb-frames" in err[0]
    assert "seed (-1) must be a non-negative 64-bit integer" in err[1]
    assert not out.exists()


def test_devices_file_that_never_ends(capsys) -> None:
    status = rpnn_opt.main([str(EXAMPLE), "-p", 'rpnn-pipeline{devices-file="/dev/zero"}'])
    assert status == 1
    assert "'/dev/zero' is not a regular file" in capsys.readouterr().err


def test_onnx_range_is_bounded_before_shape_inference() -> None:
    """onnx's shape inference with data propagation grew past 5 GB on this model."""
    nodes = [helper.make_node("Range", ["s", "l", "d"], ["r"], name="rng"),
             helper.make_node("Add", ["x", "r"], ["y"], name="add")]
    inits = [numpy_helper.from_array(np.array(v, np.float32), n)
             for n, v in (("s", 0.0), ("l", 1e12), ("d", 1.0))]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", 1, [1])],
                              [helper.make_tensor_value_info("y", 1, ["n"])],
                              initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    with pytest.raises(OnnxImportError, match=r"node 'rng' \(Range\): .*above the limit"):
        rpnn_ir.from_onnx(model)


# ---------------------------------------------------------------------------- tracebacks


@pytest.mark.parametrize("text, message", [
    ("func.func @f(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {\n"
     "  %y = rpnn.transpose %x perm = [1, 9223372036854775808] : tensor<2x3xf32> -> "
     "tensor<3x2xf32>\n  func.return %y : tensor<3x2xf32>\n}\n", "out of range"),
    ('%c = "test.op"() {v = dense<1.0e8> : tensor<f16>} : () -> i32\n', "out of range"),
])
def test_out_of_range_literals_are_located_parse_errors(text: str, message: str) -> None:
    with pytest.raises(ParseError, match=message) as info:
        rpnn_ir.parse(text)
    assert "<string>:" in str(info.value)


def test_use_before_definition_is_refused_everywhere(tmp_path: Path, capsys) -> None:
    with pytest.raises(VerifyException, match=r"%b \(operand #0\) is used before its "
                                              r"definition by 'arith.addf'"):
        rpnn_ir.parse(USE_BEFORE_DEF)
    source = tmp_path / "ub.mlir"
    source.write_text(USE_BEFORE_DEF)
    assert rpnn_opt.main([str(source), "-p", "rpnn-streamline"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(f"{source}:2:3: error: 'arith.addf' op: %b")
    # A module built in Python (no parser) is checked by compile and by the backends.
    module = _module_using_a_value_before_its_definition()
    with pytest.raises(CompileError, match="used before its definition"):
        rpnn_ir.compile(module, "rpnn-streamline")
    with pytest.raises(BackendError, match="used before its definition"):
        emit_c(module)


def _module_using_a_value_before_its_definition() -> ModuleOp:
    typ = TensorType(f32, [2])
    block = Block(arg_types=[typ])
    (x,) = block.args
    later = arith.AddfOp(x, x)
    first = arith.AddfOp(later.result, x)
    block.add_ops([first, later, func.ReturnOp(first.result)])
    function = func.FuncOp("main", ([typ], [typ]), Region(block))
    return ModuleOp([function])


def test_onnx_names_that_are_not_utf8(tmp_path: Path) -> None:
    node = helper.make_node("Relu", ["x"], ["y"], name="relu_node")
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", 1, [1, 2])],
                              [helper.make_tensor_value_info("y", 1, [1, 2])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    data = model.SerializeToString().replace(b"relu_node", b"relu\xff\xfeode")
    path = tmp_path / "bad_name.onnx"
    path.write_bytes(data)
    with pytest.raises(OnnxImportError, match="node\\[0\\].name is not valid UTF-8"):
        rpnn_ir.from_onnx(path)
    proto = onnx.ModelProto()
    proto.ParseFromString(data)
    with pytest.raises(OnnxImportError, match="not valid UTF-8"):
        rpnn_ir.from_onnx(proto)


# ---------------------------------------------------------------------------- the API


def test_api_checks_its_arguments(tmp_path: Path) -> None:
    module = rpnn_ir.load(EXAMPLE)
    frame = np.zeros((1, 16), np.float32)
    with pytest.raises(TypeError, match=r"run: inputs\[0\] has dtype complex"):
        rpnn_ir.run(module, [frame.astype(np.complex64)])
    with pytest.raises(TypeError, match=r"run: inputs\[0\] has dtype object"):
        rpnn_ir.run(module, [frame.astype(object)])
    with pytest.raises(TypeError, match="run: 'module' must be a ModuleOp"):
        rpnn_ir.run(str(EXAMPLE), [frame])
    with pytest.raises(TypeError, match="run: 'inputs' must be a list"):
        rpnn_ir.run(module, frame)
    with pytest.raises(TypeError, match=r"run: inputs\[0\] must be a numpy array"):
        rpnn_ir.run(module, [[0.0] * 16])
    with pytest.raises(TypeError, match="load: 'path' must be a str or path"):
        rpnn_ir.load(3)
    binary = tmp_path / "binary.mlir"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ValueError, match="is not UTF-8 text"):
        rpnn_ir.load(binary)
    with pytest.raises(TypeError, match="parse: 'text' must be a str"):
        rpnn_ir.parse(b"builtin.module {}")
    with pytest.raises(TypeError, match="compile: 'out_dir' must be a str or path"):
        rpnn_ir.compile(module, None, out_dir=3)
    with pytest.raises(TypeError, match="compile: 'target' must be a str"):
        rpnn_ir.compile(module, None, target=["rpnn-c"])
    with pytest.raises(TypeError, match="compile: 'target_options' must be a mapping"):
        rpnn_ir.compile(module, None, target="rpnn-c", target_options=["out-dir"])
    with pytest.raises(TypeError, match="compile: 'pipeline' must be a str"):
        rpnn_ir.compile(module, 3)
    with pytest.raises(TypeError, match="from_onnx: 'model' must be a path"):
        rpnn_ir.from_onnx(3)
    with pytest.raises(TypeError, match="from_onnx: 'function_name' must be a str"):
        rpnn_ir.from_onnx(tmp_path / "m.onnx", function_name=None)
    with pytest.raises(ValueError, match="must be a symbol name"):
        rpnn_ir.from_onnx(tmp_path / "m.onnx", function_name="a b")
    (tmp_path / "file").write_text("")
    with pytest.raises(CompileError, match="cannot create output folder .*Not a directory"):
        rpnn_ir.compile(module, None, out_dir=tmp_path / "file" / "sub")
