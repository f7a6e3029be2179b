"""rpnn-cost as a pass: annotations, design totals, partitions, reports, round trip."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from xdsl.dialects.builtin import DictionaryAttr
from xdsl.printer import Printer
from xdsl.utils.exceptions import PassFailedException

from rpnn_ir import api
from rpnn_ir.hw.dataflow_model import evaluate, functions_with_dataflow
from rpnn_ir.passes.cost import COST_ATTR, DESIGN_ATTR, CostPass, analyse

ALL_UNITS = (Path(__file__).parent / "all_units.mlir").read_text()


def _print(module) -> str:
    import io

    out = io.StringIO()
    Printer(stream=out).print_op(module)
    return out.getvalue()


def test_annotations_match_the_model_and_round_trip(tmp_path):
    module = api.parse(ALL_UNITS)
    CostPass(device="xczu7ev", report=str(tmp_path / "r.txt")).apply(api.context(), module)
    module.verify()
    for _, graph in functions_with_dataflow(module):
        for unit in graph.units:
            attr = unit.op.attributes[COST_ATTR]
            assert isinstance(attr, DictionaryAttr)
            values = {k: v.value.data for k, v in attr.data.items()}
            c = evaluate(unit)
            assert values["lut"] == c.res.lut and values["bram18"] == c.res.bram18
            assert values["uram"] == c.res.uram and values["dsp"] == c.res.dsp
            assert values["cycles"] == c.cycles and values["ii"] == 1
            assert values["first_out"] <= values["last_out"]
        assert DESIGN_ATTR in graph.function.attributes
    text = _print(module)
    again = api.parse(text)            # parses and verifies
    assert _print(again) == text


def test_rerun_overwrites_annotations(tmp_path):
    module = api.parse(ALL_UNITS)
    ctx = api.context()
    CostPass(report=str(tmp_path / "a")).apply(ctx, module)
    first = _print(module)
    CostPass(report=str(tmp_path / "b")).apply(ctx, module)
    assert _print(module) == first


def test_json_report_and_partitions(tmp_path):
    module = api.parse(ALL_UNITS)
    path = tmp_path / "r.json"
    CostPass(device="xc7z020", json=True, report=str(path)).apply(api.context(), module)
    data = json.loads(path.read_text())
    assert data["device"]["name"] == "xc7z020" and data["clock_mhz"] == 100.0
    reports = {f["function"]: f for f in data["functions"]}
    assert set(reports) == {"dataflow_level", "classifier", "stream_ports"}
    df = reports["dataflow_level"]
    assert df["max_cycles"] == max(u["cycles"] for u in df["units"])
    assert df["fps"] == pytest.approx(100e6 / df["max_cycles"])
    assert df["total"]["lut"] == sum(u["lut"] for u in df["units"])
    # the depthwise unit with ram = "ultra" needs URAM, which the xc7z020 does not have
    assert df["utilisation"]["uram"] == "n/a" and df["fits"] is False
    # ... and holds constant weights, which no part of the xc7z020's family can initialise
    (warning,) = df["warnings"]
    assert "rpnn.depthwise" in warning and "cannot initialise" in warning
    (part,) = df["partitions"]
    assert part["device"] == "xczu7ev" and part["known_device"]
    assert part["lut"] == df["total"]["lut"]
    assert part["utilisation"]["lut"] == pytest.approx(part["lut"] / 230400)
    (part,) = reports["classifier"]["partitions"]
    assert part["utilisation_of"].startswith("xcu250 SLR")
    assert part["utilisation"]["lut"] == pytest.approx(part["lut"] / (1728000 // 4))
    (part,) = reports["stream_ports"]["partitions"]
    assert not part["known_device"]


def test_latency_is_below_finn_sum_and_above_bottleneck():
    module = api.parse(ALL_UNITS)
    (_, graph), *_ = list(functions_with_dataflow(module))
    from rpnn_ir.hw.devices import get_device

    report = analyse(graph, get_device("xc7z020"), 100.0).report
    assert report["max_cycles"] < report["latency_cycles"] < report["finn_latency_cycles"]


def test_unknown_device_and_clock(tmp_path):
    module = api.parse(ALL_UNITS)
    with pytest.raises(PassFailedException, match="unknown device 'xc9'"):
        CostPass(device="xc9").apply(api.context(), module)
    parts = tmp_path / "parts.toml"
    parts.write_text("[devices.mine]\nlut = 1000\nbram36 = 5\ndsp = 2\nclock_mhz = 50\n")
    CostPass(device="mine", devices_file=str(parts), json=True,
             report=str(tmp_path / "r.json")).apply(api.context(), module)
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["clock_mhz"] == 50.0


def test_cli_report_goes_to_stderr_not_stdout(tmp_path):
    path = tmp_path / "in.mlir"
    path.write_text(ALL_UNITS)
    run = subprocess.run([sys.executable, "-m", "rpnn_ir.tools.rpnn_opt", str(path), "-p",
                          "rpnn-cost{device=xczu3eg json}"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "rpnn.cost" in run.stdout and '"functions"' not in run.stdout
    data = json.loads(run.stderr)
    assert data["clock_mhz"] == 300.0
