"""Progress on stderr: stage names with times on a terminal, nothing on a pipe or with quiet."""

from __future__ import annotations

import os
import re
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import rpnn_ir
from rpnn_ir import progress

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "tiny_mlp.mlir"
STAGES = ["rpnn-streamline", "rpnn-infer-precision", "rpnn-lower-to-dataflow", "rpnn-fold",
          "rpnn-insert-fifos", "rpnn-cost"]


def rpnn_opt_with_terminal_stderr(*args: str, cwd: Path) -> tuple[int, str]:
    """Run rpnn-opt with stderr on a pseudo-terminal; its exit status and what it showed."""
    import pty

    script = shutil.which("rpnn-opt", path=os.path.dirname(sys.executable))
    command = [script] if script else [sys.executable, "-m", "rpnn_ir.tools.rpnn_opt"]
    controller, terminal = pty.openpty()
    process = subprocess.Popen([*command, *args], stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=terminal, cwd=cwd)
    os.close(terminal)
    shown = b""
    while True:
        ready, _, _ = select.select([controller], [], [], 120)
        if not ready:
            process.kill()
            break
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal closed: the process ended
            break
        if not chunk:
            break
        shown += chunk
    os.close(controller)
    return process.wait(timeout=60), shown.decode().replace("\r\n", "\n")


def test_pipeline_stages_with_times_on_a_terminal(tmp_path: Path) -> None:
    status, shown = rpnn_opt_with_terminal_stderr(
        str(EXAMPLE), "-p", 'rpnn-pipeline{report="cost.txt"}', "-o", "out.mlir", cwd=tmp_path)
    assert status == 0, shown
    lines = shown.splitlines()
    assert [re.fullmatch(r"rpnn: (\S+) \.\.\. \d+\.\d+ s", line).group(1)
            for line in lines] == STAGES, shown
    assert (tmp_path / "out.mlir").is_file() and (tmp_path / "cost.txt").is_file()


def test_quiet_and_pipes_show_nothing(tmp_path: Path) -> None:
    status, shown = rpnn_opt_with_terminal_stderr(
        str(EXAMPLE), "-p", "rpnn-pipeline{quiet}", "-o", "out.mlir", cwd=tmp_path)
    assert status == 0 and shown == ""
    result = subprocess.run([sys.executable, "-m", "rpnn_ir.tools.rpnn_opt", str(EXAMPLE),
                             "-p", 'rpnn-pipeline{report="c.txt"}', "-o", "o.mlir"],
                            cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0 and result.stderr == ""


def test_failing_stage_says_so_and_nested_stages_break_the_line(
        capsys: pytest.CaptureFixture[str]) -> None:
    with progress.forced(), pytest.raises(ValueError), progress.stage("outer"):
        with progress.stage("inner"):
            pass
        raise ValueError
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "rpnn: outer ..."
    assert re.fullmatch(r"rpnn:   inner \.\.\. \d\.\d\d s", err[1])
    assert re.fullmatch(r"rpnn: outer: failed after \d\.\d\d s", err[2])


def test_compile_is_silent_unless_asked(capfd: pytest.CaptureFixture[str]) -> None:
    rpnn_ir.compile(EXAMPLE, "rpnn-pipeline")
    assert capfd.readouterr().err == ""
    rpnn_ir.compile(EXAMPLE, "rpnn-pipeline", show_progress=True)
    shown = capfd.readouterr().err
    assert [line.split()[1] for line in shown.splitlines()] == STAGES
