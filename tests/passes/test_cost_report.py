"""The rpnn-cost table's human numbers and resolved memory kinds (the figures themselves are
checked by tests/filecheck/passes/rpnn-cost.mlir)."""

from pathlib import Path

import pytest

import rpnn_ir
from rpnn_ir.passes.cost import format_table, human

EXAMPLE = Path(__file__).parents[2] / "examples" / "tiny_mlp.mlir"


@pytest.mark.parametrize(("value", "text"), [
    (1e8, "100 M frames/s"), (390625.0, "390.6 k frames/s"), (12.5e6, "12.5 M frames/s"),
    (2.5e9, "2.5 G frames/s"), (999.0, "999 frames/s"), (0.5, "0.5 frames/s")])
def test_human(value: float, text: str) -> None:
    assert human(value, "frames/s") == text


def test_one_cycle_design_reads_naturally() -> None:
    """A design folded to 1 cycle per frame: "1 cycle/frame", frames/s with a prefix, and
    every unit's ram style resolved (no bare "auto")."""
    result = rpnn_ir.compile(EXAMPLE, "rpnn-pipeline{target-fps=100000000}")
    (report,) = result.cost["functions"]
    text = format_table(report)
    assert "with 1 cycle/frame -> 100 M frames/s at 100 MHz" in text
    rows = [line.split() for line in text.splitlines() if line[:3].strip().isdigit()]
    assert rows and not any("auto" in row for row in rows)
    assert any("auto:lutram" in row for row in rows)


def test_quiet_writes_no_report(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    from rpnn_ir.tools import rpnn_opt

    dataflow = tmp_path / "net.mlir"
    assert rpnn_opt.main([str(EXAMPLE), "-p", "rpnn-pipeline{fold=false quiet}", "-o",
                          str(dataflow)]) == 0
    for spec in ("rpnn-cost{quiet}", "rpnn-cost"):
        assert rpnn_opt.main([str(dataflow), "-p", spec, "-o", str(tmp_path / "out.mlir")]) == 0
        err = capfd.readouterr().err
        assert ("rpnn-cost: @" in err) == (spec == "rpnn-cost")
        assert "rpnn.design_cost" in (tmp_path / "out.mlir").read_text()
