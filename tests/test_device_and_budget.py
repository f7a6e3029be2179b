"""rpnn-opt: the device travels with the design, budgets are realistic and enforced, and
errors name the failing stage and the fix (issue 16, items 2, 3 and 4).

Each test runs ``rpnn-opt``'s ``main()`` in-process on a two-layer graph-level MLP (8-4-2,
2-bit) small enough to fold in milliseconds; parts with tiny capacities come from a
``devices-file=`` so that budgets bite.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from rpnn_ir.backends.rtl import yosys_family
from rpnn_ir.backends.rtl_synth import synthesize_design
from rpnn_ir.hw.devices import DEFAULT_FRACTIONS, get_device, load_devices
from rpnn_ir.tools import rpnn_opt

MLP = """\
func.func @main(%x: tensor<1x8xf32>) -> tensor<1x2xf32> {
  %w = rpnn.constant dense<[[0.5, -0.5, 0.0, 0.5], [-0.5, 0.5, 0.5, 0.0], [0.0, 0.5, -0.5,
      0.5], [0.5, 0.0, 0.5, -0.5], [0.5, 0.5, 0.0, 0.0], [0.0, -0.5, 0.5, 0.5], [-0.5, 0.0,
      0.0, 0.5], [0.5, 0.5, 0.5, 0.5]]> : tensor<8x4xf32>
  %qx = rpnn.quant %x scale = dense<0.25> : tensor<f32> zero_point = dense<0.0> : tensor<f32>
      bits = 2 signed rounding = "ROUND" : tensor<1x8xf32> -> tensor<1x8xf32>
  %qw = rpnn.quant %w scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32>
      bits = 2 signed narrow rounding = "ROUND" : tensor<8x4xf32> -> tensor<8x4xf32>
  %y = rpnn.matmul %qx, %qw : tensor<1x8xf32>, tensor<8x4xf32> -> tensor<1x4xf32>
  %a = rpnn.quant %y scale = dense<0.125> : tensor<f32> zero_point = dense<0.0> : tensor<f32>
      bits = 2 rounding = "ROUND" : tensor<1x4xf32> -> tensor<1x4xf32>
  %w2 = rpnn.constant dense<[[0.5, -0.5], [0.5, 0.5], [-0.5, 0.5], [0.0, 0.5]]> : tensor<4x2xf32>
  %qw2 = rpnn.quant %w2 scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> :
      tensor<f32> bits = 2 signed narrow rounding = "ROUND" : tensor<4x2xf32> ->
      tensor<4x2xf32>
  %z = rpnn.matmul %a, %qw2 : tensor<1x4xf32>, tensor<4x2xf32> -> tensor<1x2xf32>
  func.return %z : tensor<1x2xf32>
}
"""


def _part(name: str, lut: int, part: str = "xc7a12tcpg238-1", uram: int = 0) -> str:
    """A devices-file entry: a small part at 125 MHz."""
    return (f'[devices.{name}]\npart = "{part}"\nlut = {lut}\nff = {2 * lut}\nbram36 = 2\n'
            f"uram = {uram}\ndsp = 4\nclock_mhz = 125.0\n")


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A folder with the MLP and a devices file of small parts: `small` (1200 LUTs: the
    unrolled MLP, 978 LUTs, does not fit 85% of it), `edge` (1060 LUTs: the units of the
    2-cycle design fit 85% but not with their FIFO), `mini` (500 LUTs: nothing fits)."""
    (tmp_path / "mlp.mlir").write_text(MLP)
    (tmp_path / "parts.toml").write_text(
        _part("small", 1200) + _part("edge", 1060) + _part("mini", 500))
    return tmp_path


def opt(*args: str | Path) -> int:
    return rpnn_opt.main([str(a) for a in args])


def one_error(capsys: pytest.CaptureFixture[str], status: int, pattern: str) -> str:
    """The run failed with exactly one stderr line matching `pattern` (and no stdout)."""
    out, err = capsys.readouterr()
    assert status == 1, err
    assert out == "" and "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert re.fullmatch(pattern, lines[0]), lines[0]
    return lines[0]


def run_hls_tcl(folder: Path) -> tuple[str, str]:
    """(set_part, create_clock period) of an HLS project."""
    text = (folder / "run_hls.tcl").read_text()
    part = re.search(r"set_part \{(.*)\}", text)
    period = re.search(r"create_clock -period (\S+)", text)
    assert part and period
    return part.group(1), period.group(1)


# --------------------------------------------------------------------------- item 2


def test_hls_project_is_for_the_device_the_pipeline_folded_for(work: Path) -> None:
    hls = work / "hls"
    assert opt(work / "mlp.mlir", "-p", "rpnn-pipeline{device=xczu7ev quiet}",
               "-t", f'rpnn-hls{{out-dir="{hls}"}}') == 0
    assert run_hls_tcl(hls) == ("xczu7ev-ffvc1156-2-e", "5")  # ZCU104's part, 200 MHz


def test_device_is_recorded_in_the_ir(work: Path) -> None:
    out = work / "out.mlir"
    assert opt(work / "mlp.mlir", "-p", "rpnn-pipeline{device=xczu3eg quiet}", "-o", out) == 0
    text = out.read_text()
    assert re.search(r'rpnn\.device = \{name = "xczu3eg", part = "xczu3eg-sbva484-1-e", '
                     r"clock_mhz = 3\.000000e\+02 : f64", text)
    # a later rpnn-opt run (a new process would do the same) costs it on that device
    assert opt(out, "-p", 'rpnn-cost{json report="' + str(work / "r.json") + '"}',
               "-o", work / "again.mlir") == 0
    report = json.loads((work / "r.json").read_text())
    assert report["device"]["name"] == "xczu3eg" and report["clock_mhz"] == 300.0


def test_short_and_full_part_names(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    devices = load_devices()
    assert get_device("xc7z020clg400-1") == devices["xc7z020"]
    assert get_device("xc7z020clg484-1").part == "xc7z020clg484-1"  # another package
    hls = work / "hls"
    assert opt(work / "mlp.mlir", "-p", "rpnn-pipeline{device=xczu3eg-sbva484-1-e quiet}",
               "-t", f'rpnn-hls{{out-dir="{hls}" part=xczu3eg}}') == 0
    assert run_hls_tcl(hls)[0] == "xczu3eg-sbva484-1-e"
    # another speed grade of the recorded chip agrees, and is the part written
    assert opt(work / "mlp.mlir", "-p", "rpnn-pipeline{device=xczu3eg quiet}",
               "-t", f'rpnn-hls{{out-dir="{hls}" part="xczu3eg-sbva484-2-e"}}') == 0
    assert run_hls_tcl(hls)[0] == "xczu3eg-sbva484-2-e"
    capsys.readouterr()


def test_part_that_disagrees_is_refused(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hls = work / "hls"
    status = opt(work / "mlp.mlir", "-p", "rpnn-pipeline{device=xczu7ev quiet}",
                 "-t", f'rpnn-hls{{out-dir="{hls}" part=xc7z020clg400-1}}')
    one_error(capsys, status, r"error: target 'rpnn-hls' failed: part 'xc7z020clg400-1' "
              r"disagrees with the device the design was folded for, xczu7ev .*: drop part= "
              r"or re-run rpnn-pipeline\{device=xc7z020clg400-1\}")
    assert not hls.exists()
    status = opt(work / "mlp.mlir", "-p", "rpnn-pipeline{device=xczu7ev quiet},"
                 "rpnn-cost{device=xczu3eg}", "-o", work / "x.mlir")
    one_error(capsys, status, r"error: pass 'rpnn-cost' failed: device=xczu3eg disagrees with "
              r"the device the design was folded for, xczu7ev .*")


def test_part_from_a_devices_file_travels(work: Path) -> None:
    out, hls = work / "out.mlir", work / "hls"
    assert opt(work / "mlp.mlir", "-p", 'rpnn-pipeline{device=small devices-file="'
               + str(work / "parts.toml") + '" quiet}', "-o", out) == 0
    (work / "parts.toml").unlink()  # the record carries what the target needs
    assert opt(out, "-t", f'rpnn-hls{{out-dir="{hls}"}}') == 0
    assert run_hls_tcl(hls) == ("xc7a12tcpg238-1", "8")  # its part, 125 MHz
    assert opt(out, "-t", f'rpnn-hls{{out-dir="{hls}" part=xc7a12tcpg238-1}}') == 0
    assert opt(out, "-t", f'rpnn-hls{{out-dir="{hls}" part=small clock-ns=10}}') == 0
    assert run_hls_tcl(hls) == ("xc7a12tcpg238-1", "10")


def _with_ultra_fifo(work: Path, device: str) -> Path:
    """The folded MLP with its FIFO asked to be in UltraRAM."""
    out = work / f"{device}.mlir"
    assert opt(work / "mlp.mlir", "-p", f"rpnn-pipeline{{device={device} quiet}}",
               "-o", out) == 0
    text = out.read_text()
    assert text.count('depth = 2 ram = "auto"') == 1
    out.write_text(text.replace('depth = 2 ram = "auto"', 'depth = 2 ram = "ultra"'))
    return out


def test_uram_only_on_parts_that_have_it(work: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert opt(_with_ultra_fifo(work, "xczu7ev"), "-t", "rpnn-hls") == 0
    assert "type=fifo impl=uram" in capsys.readouterr().out
    status = opt(_with_ultra_fifo(work, "xczu3eg"), "-t", "rpnn-hls")
    one_error(capsys, status, r"error: target 'rpnn-hls' failed: stream \S+: ram = \"ultra\" "
              r"puts its FIFO in UltraRAM, which part 'xczu3eg-sbva484-1-e' does not have: "
              r"use ram = \"block\"")


def test_rtl_design_records_part_and_yosys_family(work: Path) -> None:
    rtl = work / "rtl"
    assert opt(work / "mlp.mlir", "-p", "rpnn-pipeline{device=xczu3eg quiet}",
               "-t", f'rpnn-rtl{{out-dir="{rtl}"}}') == 0
    info = json.loads((rtl / "rtl.json").read_text())
    assert (info["part"], info["device"], info["family"]) == \
        ("xczu3eg-sbva484-1-e", "xczu3eg", "xcup")
    # rpnn-synth's default family is the design's (no Yosys run: nothing to synthesise)
    assert synthesize_design(rtl, units=False, whole=False)["family"] == "xcup"
    assert synthesize_design(rtl, "xc7", units=False, whole=False)["family"] == "xc7"
    assert [yosys_family(p) for p in ("xc7z020clg400-1", "xcku040-ffva1156-2-e",
                                      "xcvu9p-flga2104-2-i", "xcvc1902-vsva2197-2MP-e")] == \
        ["xc7", "xcu", "xcup", None]


def test_partitioned_design_records_its_first_device(work: Path) -> None:
    out = work / "out.mlir"
    assert opt(work / "mlp.mlir", "-p", 'rpnn-pipeline{devices="xczu7ev*2" quiet}',
               "-o", out) == 0
    assert 'rpnn.device = {name = "xczu7ev", part = "xczu7ev-ffvc1156-2-e"' in out.read_text()


# --------------------------------------------------------------------------- item 3


def test_default_budget_leaves_room_for_the_shell(work: Path) -> None:
    assert DEFAULT_FRACTIONS == (0.85, 1.0, 1.0, 1.0)
    report = work / "r.json"
    assert opt(work / "mlp.mlir", "-p", 'rpnn-pipeline{device=small devices-file="'
               + str(work / "parts.toml") + f'" json report="{report}"}}',
               "-o", work / "out.mlir") == 0
    (function,) = json.loads(report.read_text())["functions"]
    assert function["utilisation"]["lut"] <= 0.85  # 1 cycle/frame (978 LUTs) would not be


@pytest.mark.parametrize("pipeline", ["rpnn-pipeline{lut-fraction=70}",
                                      "rpnn-pipeline{bram-fraction=85}",
                                      "rpnn-streamline,rpnn-infer-precision,"
                                      "rpnn-lower-to-dataflow,rpnn-fold{lut-fraction=70}"])
def test_fraction_in_percent_is_refused(work: Path, capsys: pytest.CaptureFixture[str],
                                        pipeline: str) -> None:
    status = opt(work / "mlp.mlir", "-p", pipeline, "-o", work / "out.mlir")
    one_error(capsys, status, r"error: pass 'rpnn-(pipeline|fold)' failed: "
              r"(lut|bram)-fraction=(70|85): fractions are 0\.\.1 \(a share of the device\); "
              r"did you mean 0\.(70|85)\?")
    assert not (work / "out.mlir").exists()


def test_target_over_budget_is_an_error(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parts = str(work / "parts.toml")
    hls = work / "hls"
    status = opt(work / "mlp.mlir", "-p", f'rpnn-pipeline{{device=small devices-file="{parts}" '
                 "target-fps=100000000}", "-t", f'rpnn-hls{{out-dir="{hls}"}}')
    one_error(capsys, status, r"error: pass 'rpnn-fold' \(in rpnn-pipeline\) failed: @main: "
              r"1e\+08 frames/s does not fit the budget \(LUT 85% of small\); the fastest "
              r"design within it runs at 62500000\.0 frames/s \(limited by lut\): lower "
              r"target-fps, .* or pass allow-over-budget")
    assert not hls.exists()  # no project for a design that does not fit
    assert opt(work / "mlp.mlir", "-p", f'rpnn-pipeline{{device=small devices-file="{parts}" '
               "target-fps=100000000 allow-over-budget quiet}",
               "-t", f'rpnn-hls{{out-dir="{hls}"}}') == 0


def test_fifos_pushing_a_design_over_budget(work: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    parts = str(work / "parts.toml")
    status = opt(work / "mlp.mlir", "-p", f'rpnn-pipeline{{device=edge devices-file="{parts}" '
                 "target-fps=62500000}", "-o", work / "out.mlir")
    one_error(capsys, status, r"error: pass 'rpnn-pipeline' failed: @main: the design needs "
              r"lut 85\.1% of edge with its FIFOs and width converters, over the budget \(LUT "
              r"85% of edge\); the fastest design within the budget runs at 31250000\.0 "
              r"frames/s \(limited by lut\): .*allow-over-budget")


def test_nothing_fits(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parts = str(work / "parts.toml")
    status = opt(work / "mlp.mlir", "-p",
                 f'rpnn-pipeline{{device=mini devices-file="{parts}"}}', "-o", work / "o.mlir")
    one_error(capsys, status, r"error: pass 'rpnn-fold' \(in rpnn-pipeline\) failed: @main: "
              r"no folding fits the budget, not even the most folded one: lut needs \d+ > 425")
    status = opt(work / "mlp.mlir", "-p",
                 f'rpnn-pipeline{{device=mini devices-file="{parts}" fold=false}}',
                 "-o", work / "o.mlir")
    one_error(capsys, status, r"error: pass 'rpnn-pipeline' failed: @main: the design needs "
              r"lut \d+\.\d% of mini .* with fold=false the design is the smallest and slowest "
              r"\(fold=true folds it\): .*")


# --------------------------------------------------------------------------- item 4


def test_backend_on_a_graph_level_module(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = opt(work / "mlp.mlir", "-t", "rpnn-c")
    one_error(capsys, status, r"error: target 'rpnn-c' failed: function @main is at the graph "
              r"level \(not streamlined\): run -p rpnn-pipeline first \(or rpnn-streamline,"
              r"rpnn-infer-precision,rpnn-lower-to-dataflow\)")


def test_lowering_a_graph_level_module(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = opt(work / "mlp.mlir", "-p", "rpnn-lower-to-dataflow")
    one_error(capsys, status, r"error: pass 'rpnn-lower-to-dataflow' failed: @main is at the "
              r"graph level \(rpnn\.quant on f32 tensors\): run rpnn-streamline .*first, or "
              r"rpnn-pipeline .*")
    # streamlined, it lowers
    assert opt(work / "mlp.mlir", "-p", "rpnn-streamline,rpnn-lower-to-dataflow",
               "-o", work / "out.mlir") == 0
