"""rpnn-opt on bad input: a clear message, a non-zero exit status, no traceback, no output file.

Most tests run the installed ``rpnn-opt`` in a subprocess, as a user would; the pass-failure
tests run ``main()`` in-process with test passes registered.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from xdsl.context import Context
from xdsl.dialects import arith, func
from xdsl.dialects.builtin import ModuleOp, i64
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException

from rpnn_ir.tools import rpnn_opt

GOOD = """\
func.func @f(%a: i32) -> i32 {
  %c = arith.constant 0 : i32
  %r = arith.addi %a, %c : i32
  func.return %r : i32
}
"""

MALFORMED = """\
func.func @f(%a: i32) -> i32 {
  func.return %a, : i32
}
"""

INVALID = """\
func.func @f(%a: i32) -> i64 {
  func.return %a : i32
}
"""


def _rpnn_opt_command() -> list[str]:
    """The installed console script next to this interpreter, else ``python -m``."""
    script = shutil.which("rpnn-opt", path=os.path.dirname(sys.executable))
    if script is not None:
        return [script]
    return [sys.executable, "-m", "rpnn_ir.tools.rpnn_opt"]


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_rpnn_opt_command(), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text)
    return path


def assert_one_error_line(result: subprocess.CompletedProcess[str], pattern: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert re.fullmatch(pattern, lines[0]), lines[0]


def assert_no_output_left(directory: Path, *expected: str) -> None:
    """Only the inputs remain: no output file, no temporary file."""
    assert sorted(p.name for p in directory.iterdir()) == sorted(expected)


def test_good_input_writes_output_file(tmp_path: Path) -> None:
    write(tmp_path, "good.mlir", GOOD)
    result = run("good.mlir", "-p", "canonicalize", "-o", "out.mlir", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""
    assert "func.return %a : i32" in (tmp_path / "out.mlir").read_text()
    assert_no_output_left(tmp_path, "good.mlir", "out.mlir")
    # Same permissions as a file created with open(): the temporary file is not kept 0600.
    reference = tmp_path / "reference"
    reference.write_text("")
    assert (tmp_path / "out.mlir").stat().st_mode == reference.stat().st_mode


def test_missing_input_file(tmp_path: Path) -> None:
    result = run("missing.mlir", "-o", "out.mlir", cwd=tmp_path)
    assert result.returncode == 1
    assert_one_error_line(result, r"error: input file 'missing\.mlir' not found \(check the path\)")
    assert_no_output_left(tmp_path)


def test_malformed_input_gives_one_located_error_line(tmp_path: Path) -> None:
    write(tmp_path, "bad.mlir", MALFORMED)
    result = run("bad.mlir", "-o", "out.mlir", cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == ["bad.mlir:2:19: error: operand expected"]
    assert_no_output_left(tmp_path, "bad.mlir")


def test_verifier_error_names_op_and_line(tmp_path: Path) -> None:
    write(tmp_path, "invalid.mlir", INVALID)
    result = run("invalid.mlir", "-o", "out.mlir", cwd=tmp_path)
    assert result.returncode == 1
    assert_one_error_line(
        result,
        r"invalid\.mlir:2:3: error: 'func\.return' op: Expected arguments to have the same "
        r"types as the function output types: expected \[i64\], got \[i32\]",
    )
    assert_no_output_left(tmp_path, "invalid.mlir")


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        (["-p", "foo"], r"error: unknown pass 'foo' \(see rpnn-opt --list-passes\)"),
        (
            ["-p", "rpnn-streamlin"],
            r"error: unknown pass 'rpnn-streamlin'; did you mean 'rpnn-streamline'\? .*",
        ),
        (
            ["-p", "rpnn-pipeline{devise=xc7z020}"],
            r"error: unknown option 'devise' for pass 'rpnn-pipeline'; did you mean "
            r"'device'\? \(valid options: device, .*\)",
        ),
        (
            ["-t", "rpnn-c{out-dir=/tmp/x}"],
            r"error: malformed target or frontend spec .*: Unknown token; quote the value: "
            r'out-dir="/tmp/x" .*',
        ),
        (
            ["-p", 'rpnn-fold{report="a/b.txt" devices-file=hw/parts.toml}'],
            r"error: malformed pass pipeline .*; quote the value: "
            r"devices-file=\"hw/parts.toml\" .*",
        ),
        (
            ["-p", "canonicalize,cse{bogus=1}"],
            r"error: unknown option 'bogus' for pass 'cse' \(valid options: none\)",
        ),
        (["-p", "canonicalize{"], r"error: malformed pass pipeline 'canonicalize\{' .*"),
        (["-t", "nope"], r"error: argument -t/--target: invalid choice: 'nope' .*"),
        (
            ["-f", "onx"],
            r"error: argument -f/--frontend: invalid choice: 'onx'; did you mean 'onnx'\? "
            r"\(choose from mlir, onnx.*\); see rpnn-opt --help",
        ),
        (["-t", "mlir{bogus=1}"], r"error: unknown option 'bogus' for target 'mlir' .*"),
        (["--bogus"], r"error: unrecognized arguments: --bogus; see rpnn-opt --help"),
    ],
)
def test_bad_command_line(tmp_path: Path, args: list[str], pattern: str) -> None:
    write(tmp_path, "good.mlir", GOOD)
    result = run("good.mlir", *args, "-o", "out.mlir", cwd=tmp_path)
    assert result.returncode == 2
    assert_one_error_line(result, pattern)
    assert_no_output_left(tmp_path, "good.mlir")


def test_list_passes(tmp_path: Path) -> None:
    """rpnn's passes (rpnn-pipeline first) with options, defaults and help; xDSL's after."""
    result = run("--list-passes", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    text = result.stdout
    lines = text.splitlines()
    headers = [line.split()[0] for line in lines if line.startswith("rpnn-")]
    assert headers[0] == "rpnn-pipeline"
    assert set(headers) == {*rpnn_opt.get_all_passes(), *rpnn_opt.get_all_targets()}
    assert re.search(r"^    device=xc7z020 +Part to fold for", text, re.M)
    assert re.search(r"^    min-depth=2 +Smallest FIFO depth \(words\)\.$", text, re.M)
    xdsl = text.index("xDSL passes")
    assert text.index("rpnn-streamline") < xdsl < text.index(" canonicalize,")
    assert "rpnn-" not in text[xdsl:]


def test_field_docs_reads_attribute_docstrings() -> None:
    @dataclasses.dataclass(frozen=True)
    class Example:
        """An example."""

        width: int = 8
        """Bits of the accumulator.

        More detail that is not shown."""
        plain: int = 0

    assert rpnn_opt.field_docs(Example) == {"width": "Bits of the accumulator."}


def test_error_keeps_previous_output_file(tmp_path: Path) -> None:
    write(tmp_path, "bad.mlir", MALFORMED)
    write(tmp_path, "out.mlir", "previous contents\n")
    result = run("bad.mlir", "-o", "out.mlir", cwd=tmp_path)
    assert result.returncode == 1
    assert (tmp_path / "out.mlir").read_text() == "previous contents\n"
    assert_no_output_left(tmp_path, "bad.mlir", "out.mlir")


def test_unwritable_output_location(tmp_path: Path) -> None:
    write(tmp_path, "good.mlir", GOOD)
    result = run("good.mlir", "-o", "no/such/dir/out.mlir", cwd=tmp_path)
    assert result.returncode == 1
    assert_one_error_line(result, r"error: cannot write output file 'no/such/dir/out\.mlir': .*")


# ---- failures inside passes (in-process, with test passes registered) ------------------


@dataclasses.dataclass(frozen=True)
class FailingPass(ModulePass):
    name = "test-fail"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        raise PassFailedException("MW (784) must be divisible by SIMD (3)")


@dataclasses.dataclass(frozen=True)
class BreakingPass(ModulePass):
    """Returns an i64 from an i32 function: the IR no longer verifies."""

    name = "test-break"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for ret in list(op.walk()):
            if isinstance(ret, func.ReturnOp):
                const = arith.ConstantOp.from_int_and_width(1, i64)
                assert ret.parent is not None
                ret.parent.insert_op_before(const, ret)
                ret.operands = [const.result]


@pytest.fixture
def test_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        rpnn_opt,
        "get_all_passes",
        lambda: {"test-fail": lambda: FailingPass, "test-break": lambda: BreakingPass},
    )


@pytest.mark.usefixtures("test_passes")
def test_pass_failure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path, "good.mlir", GOOD)
    out = tmp_path / "out.mlir"
    status = rpnn_opt.main([str(source), "-p", "canonicalize,test-fail", "-o", str(out)])
    assert status == 1
    err = capsys.readouterr().err
    assert err == "error: pass 'test-fail' failed: MW (784) must be divisible by SIMD (3)\n"
    assert_no_output_left(tmp_path, "good.mlir")


@pytest.mark.usefixtures("test_passes")
def test_pass_breaking_the_ir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path, "good.mlir", GOOD)
    status = rpnn_opt.main([str(source), "-p", "test-break,canonicalize"])
    assert status == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert re.fullmatch(
        r".*good\.mlir:4:3: error: IR does not verify after pass 'test-break': "
        r"'func\.return' op: .*expected \[i32\], got \[i64\]\n",
        captured.err,
    )


def test_list_passes_gives_every_option_help(tmp_path: Path) -> None:
    """Every option of every rpnn pass and target has a line of help in --list-passes."""
    result = run("--list-passes", cwd=tmp_path)
    text = result.stdout[:result.stdout.index("xDSL passes")]
    options = re.findall(r"^    (\S+=\S*)(.*)$", text, re.M)
    expected = sum(len([f for f in dataclasses.fields(factory()) if f.init and f.name != "name"])
                   for factory in [*rpnn_opt.get_all_passes().values(),
                                   *rpnn_opt.get_all_targets().values()])
    assert len(options) == expected
    assert [option for option, help_text in options if not help_text.strip()] == []


def test_no_input_file_on_a_terminal_says_what_it_waits_for(tmp_path: Path) -> None:
    """With no input file and a terminal on stdin, rpnn-opt says it reads MLIR from it."""
    import pty

    controller, terminal = pty.openpty()
    try:
        process = subprocess.Popen(_rpnn_opt_command(), stdin=terminal, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, cwd=tmp_path)
        os.write(controller, GOOD.encode() + b"\x04")  # typed, then Ctrl-D: end of input
        out, err = process.communicate(timeout=60)
    finally:
        os.close(terminal)
        os.close(controller)
    assert process.returncode == 0, err
    assert err.startswith("rpnn-opt: reading MLIR from the terminal; end it with Ctrl-D")
    assert "arith.addi" in out


def test_no_input_file_on_a_pipe_reads_it_silently(tmp_path: Path) -> None:
    result = subprocess.run(_rpnn_opt_command(), input=GOOD, capture_output=True, text=True,
                            cwd=tmp_path, timeout=60)
    assert result.returncode == 0 and result.stderr == ""
    assert "arith.addi" in result.stdout


def test_missing_example_says_how_to_write_it(tmp_path: Path) -> None:
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "generate.py").write_text("")
    result = run("examples/lfc_w1a1.mlir", "-p", "rpnn-pipeline", cwd=tmp_path)
    assert_one_error_line(result, r"error: input file 'examples/lfc_w1a1\.mlir' not found "
                          r"\(check the path\); write the example networks first: python "
                          r"examples/generate\.py")
    result = run("cnv_w2a2.mlir", cwd=tmp_path)
    assert_one_error_line(result, r".*not found.*python examples/generate\.py \(in the rpnn "
                          r"repository\)")
    assert_one_error_line(run("other.mlir", cwd=tmp_path), r".*not found \(check the path\)")
