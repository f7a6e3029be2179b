"""One semantics: a declared type narrower than its values is refused before anything runs it.

Before, `acc = si2` on sums reaching 24 made the interpreter raise `OverflowInIR`, the C
reference compute wide and the HLS code wrap: three answers for one program.  Now
`check_declared_types` (`rpnn_ir.ranges`, the interval analysis of rpnn-infer-precision, changing
nothing) refuses it after every pass, before rpnn's targets and inside every backend function,
naming the unit and the narrowest sound type, and it agrees with the interpreter: a network
passes the check exactly when its worst-case frames run without `OverflowInIR`.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import VerifyException

import rpnn_ir
from rpnn_ir import compiler, dtypes, interp
from rpnn_ir.backends import c_reference, c_runner, hls, rtl
from rpnn_ir.backends.dataflow import BackendError
from rpnn_ir.compiler import CompileError
from rpnn_ir.dialects import rpnn
from rpnn_ir.passes.infer_precision import InferPrecisionPass
from rpnn_ir.ranges import check_declared_types
from rpnn_ir.tools import rpnn_opt

UNIT = """\
func.func @net(%x: tensor<1x8xui2>) -> tensor<1x4xACC> {
  %s = rpnn.tensor_to_stream %x : tensor<1x8xui2> -> !rpnn.stream<8xui2, 2>
  %w = rpnn.constant dense<WEIGHT> : tensor<8x4xsi2>
  %m = rpnn.mvtu %s, %w pe = 2 simd = 2 acc = ACC resource = "lut" ram = "auto"
       : !rpnn.stream<8xui2, 2>, tensor<8x4xsi2> -> !rpnn.stream<4xACC, 2>
  %o = rpnn.stream_to_tensor %m : !rpnn.stream<4xACC, 2> -> tensor<1x4xACC>
  func.return %o : tensor<1x4xACC>
}
"""


def unit(acc: str, weight: int) -> str:
    return UNIT.replace("ACC", acc).replace("WEIGHT", str(weight))


@pytest.mark.parametrize("acc, weight, message", [
    ("si2", 1, r"accumulator type si2 cannot hold its values in \[0, 24\] \(the narrowest "
               r"sound type is ui5"),
    ("ui32", -1, r"accumulator type ui32 cannot hold its values in \[-24, 0\] \(the "
                 r"narrowest sound type is si6"),
])
def test_narrow_accumulator_is_refused_by_every_driver(tmp_path: Path, capsys, acc: str,
                                                       weight: int, message: str) -> None:
    text = unit(acc, weight)
    module = rpnn_ir.parse(text)  # the IR itself verifies: the types are legal, not sound
    with pytest.raises(VerifyException, match=r"rpnn\.mvtu \(%m\): " + message):
        check_declared_types(module)
    frames = np.full((1, 8), 3, np.int64)
    with pytest.raises(interp.OverflowInIR):  # the reference semantics agrees
        interp.run(module, [frames])
    source = tmp_path / "unit.mlir"
    source.write_text(text)
    for target in ("rpnn-c", "rpnn-hls"):
        assert rpnn_opt.main([str(source), "-t", target]) == 1
        with pytest.raises(CompileError, match=message):
            rpnn_ir.compile(module, None, target=target)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2 and all(line.startswith(f"{source}:4:3: error: ") for line in lines)
    # rpnn-infer-precision repairs it; then the C reference is generated.
    assert rpnn_opt.main([str(source), "-p", "rpnn-infer-precision", "-t", "rpnn-c"]) == 0


def test_backend_functions_called_directly_refuse_a_narrow_accumulator(tmp_path: Path) -> None:
    """No driver in between: each backend's Python entry point checks the module itself."""
    module = rpnn_ir.parse(unit("si2", 1))
    message = (r"the backends refuse the module: rpnn\.mvtu \(%m\): accumulator type si2 "
               r"cannot hold its values in \[0, 24\] \(the narrowest sound type is ui5")
    entry_points = {
        "emit_c": lambda: c_reference.emit_c(module),
        "emit_main": lambda: c_reference.emit_main(module),
        "port_types": lambda: c_reference.port_types(module),
        "emit_hls": lambda: hls.emit_hls(module),
        "emit_rtl": lambda: rtl.emit_rtl(module),
        "CReference.build": lambda: c_runner.CReference.build(module),
        "run_executable": lambda: c_runner.run_executable(
            module, [np.zeros((1, 8), np.int64)], tmp_path),
    }
    for name, call in entry_points.items():
        with pytest.raises(BackendError, match=message):
            call()
        assert not any(tmp_path.iterdir()), name  # refused before anything was written
    # the same unit with a sound accumulator is emitted
    header, source = c_reference.emit_c(rpnn_ir.parse(unit("ui5", 1)))
    assert "rpnn_forward" in source


def test_checked_once_analyses_each_module_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inside `checked_once` a module object is analysed once (a target reads one module
    several times); outside it, and for another module object, every call analyses."""
    from rpnn_ir import ranges

    calls: list[ModuleOp] = []
    analyse = ranges._check_declared_types
    monkeypatch.setattr(ranges, "_check_declared_types",
                        lambda module: (calls.append(module), analyse(module))[1])
    good, bad = rpnn_ir.parse(unit("ui5", 1)), rpnn_ir.parse(unit("si2", 1))
    check_declared_types(good)
    check_declared_types(good)
    assert len(calls) == 2
    with ranges.checked_once():
        for _ in range(3):
            check_declared_types(good)
            with ranges.checked_once():  # nested: shares the record
                check_declared_types(good)
        for _ in range(2):  # a refused module is analysed (and refused) every time
            with pytest.raises(VerifyException, match="accumulator type si2"):
                check_declared_types(bad)
    assert calls[2:] == [good, bad, bad]
    check_declared_types(good)  # the block's record is gone
    assert len(calls) == 6
    # a whole target through the driver analyses the module once (it used to be 3-4 times)
    calls.clear()
    for target in ("rpnn-c", "rpnn-hls"):
        rpnn_ir.compile(good, None, target=target)
    assert len(calls) == 2


def test_check_agrees_with_the_interpreter_at_every_accumulator_width() -> None:
    """Each width from 1 to 8 bits: accepted exactly when the worst frames do not overflow."""
    frames = np.array([[3] * 8, [0] * 8], np.int64)  # the extremes of ui2
    for weight in (1, -1):
        for width in range(1, 9):
            for signed in (True, False):
                acc = dtypes.type_str(dtypes.int_type(width, signed=signed))
                module = rpnn_ir.parse(unit(acc, weight))
                try:
                    check_declared_types(module)
                    accepted = True
                except VerifyException:
                    accepted = False
                try:
                    interp.run(module, [frames])
                    runs = True
                except interp.OverflowInIR:
                    runs = False
                assert accepted == runs, (acc, weight)


@dataclasses.dataclass(frozen=True)
class NarrowingPass(ModulePass):
    """Sets every unit's accumulator to si2 (a pass with a bug in its precision logic)."""

    name = "test-narrow"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for unit_op in op.walk():
            if isinstance(unit_op, rpnn.MVTUOp):
                unit_op.properties["acc_type"] = dtypes.int_type(2, signed=True)


THRESHOLDED = """\
func.func @net(%x: tensor<1x8xui2>) -> tensor<1x4xui2> {
  %s = rpnn.tensor_to_stream %x : tensor<1x8xui2> -> !rpnn.stream<8xui2, 2>
  %w = rpnn.constant dense<1> : tensor<8x4xsi2>
  %t = rpnn.constant dense<[[4, 9, 20]]> : tensor<1x3xsi32>
  %m = rpnn.mvtu %s, %w, %t pe = 2 simd = 2 acc = si32 resource = "lut" ram = "auto"
       : !rpnn.stream<8xui2, 2>, tensor<8x4xsi2>, tensor<1x3xsi32> -> !rpnn.stream<4xui2, 2>
  %o = rpnn.stream_to_tensor %m : !rpnn.stream<4xui2, 2> -> tensor<1x4xui2>
  func.return %o : tensor<1x4xui2>
}
"""


def test_a_pass_that_narrows_a_type_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    module = rpnn_ir.parse(THRESHOLDED)
    InferPrecisionPass().apply(Context(), module)
    check_declared_types(module)  # what rpnn-infer-precision chose is sound
    (mvtu,) = [op for op in module.walk() if isinstance(op, rpnn.MVTUOp)]
    assert dtypes.type_str(mvtu.acc_type) == "ui5"
    registry = compiler.available_passes()
    registry["test-narrow"] = lambda: NarrowingPass
    monkeypatch.setattr(compiler, "available_passes", lambda: registry)
    with pytest.raises(CompileError, match=r"after pass 'test-narrow': .*accumulator type si2"):
        rpnn_ir.compile(module, "test-narrow,canonicalize")


def test_dot_range_equals_the_corner_formula() -> None:
    """The fast exact-weights path of the interval analysis (`ranges._dot_range`: runs of
    equal rows multiplied once, float64 products) gives the bounds of the plain int64
    formula max = xh.W+ - xl.W-, min = xl.W+ - xh.W-, on bounds with repeated and distinct
    rows alike."""
    from rpnn_ir import ranges

    rng = np.random.default_rng(7)
    for rows, depth, width in ((1, 5, 3), (9, 16, 4), (40, 33, 7)):
        pattern = rng.integers(0, 3, size=rows)  # few distinct rows, in runs and not
        base_lo = rng.integers(-50, 10, size=(3, depth))
        xl = base_lo[pattern].reshape(1, rows, depth)
        xh = xl + rng.integers(0, 60, size=(3, depth))[pattern].reshape(1, rows, depth)
        w = rng.integers(-9, 10, size=(depth, width))
        pos, neg = np.maximum(w, 0), np.maximum(-w, 0)
        lo, hi = ranges._dot_range(xl, xh, w)
        assert np.array_equal(lo, xl @ pos - xh @ neg)
        assert np.array_equal(hi, xh @ pos - xl @ neg)
        assert np.array_equal(ranges._dot(xh, w), xh @ w)
    huge = np.full((1, 2, 4), 2**40)
    assert ranges._dot_range(huge, huge, np.full((4, 2), 2**20)) is None  # beyond float64
