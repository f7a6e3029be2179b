"""``rpnn-cost``: resource, throughput and latency analysis of dataflow functions.

    rpnn-opt net.mlir -p 'rpnn-cost{device=xczu3eg}'                  # table on stderr
    rpnn-opt net.mlir -p 'rpnn-cost{device=xc7z020 clock-mhz=125 json=true report="r.json"}'

Every dataflow unit gets a dictionary attribute ``rpnn.cost = {lut, bram18, uram, dsp, cycles,
ii, first_out, last_out}`` (integers) and every function with dataflow units an attribute
``rpnn.design_cost`` with frames/s, the bottleneck cycles, the latency and the totals; the IR
is otherwise unchanged and still verifies and round-trips.  The report (a table, or JSON with
``json=true``) goes to stderr or to the file given by ``report=``, never to stdout where the
IR goes.  Options: ``device=`` (a part of `rpnn_ir.hw.devices`), ``clock-mhz=`` (default: the
part's clock), ``devices-file=`` (extra parts), ``json``, ``report=``, ``backend=hls|rtl``
(whose hardware: rpnn-hls's, the default, or rpnn-rtl's Verilog by `rpnn_ir.hw.cost_rtl`,
which also reports flip-flops, ``ff``, per unit and in total).

The formulas are those of `rpnn_ir.hw.cost` (docs/cost-model.md); the latency model is
`rpnn_ir.hw.dataflow_model.schedule`.  A unit with ``ram = "ultra"`` on a part whose
UltraRAM the bitstream cannot initialise (UltraScale+) is costed as asked but listed under
``warnings``: its constant weights cannot live there.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from xdsl.context import Context
from xdsl.dialects.builtin import (
    DictionaryAttr,
    FloatAttr,
    IntegerAttr,
    ModuleOp,
    StringAttr,
    f64,
)
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException

from rpnn_ir import files
from rpnn_ir.hw.cost import Resources
from rpnn_ir.hw.cost_rtl import rtl_unit_cost
from rpnn_ir.hw.dataflow_model import (
    DataflowGraph,
    evaluate,
    functions_with_dataflow,
    schedule,
)
from rpnn_ir.hw.devices import RESOURCES, Device, DeviceError, load_devices
from rpnn_ir.hw.partition import ir_crossings

COST_ATTR = "rpnn.cost"
DESIGN_ATTR = "rpnn.design_cost"
JOINT_ATTR = "rpnn.joint_fold"
"""Written by rpnn-pipeline{devices=...}: frames/s on the k partitions and on the first
partition alone (the same fold-and-partition search), reported by rpnn-cost."""


def _utilisation(res: Resources, device: Device) -> dict[str, float | None]:
    used = res.as_dict()
    return {r: (used[r] / device.capacity(r) if device.capacity(r) else
                (None if used[r] == 0 else float("inf"))) for r in RESOURCES}


def _limiting(util: dict[str, float | None]) -> str | None:
    known = {r: u for r, u in util.items() if u is not None}
    return max(known, key=lambda r: known[r]) if known else None


@dataclass
class Analysis:
    """Costs of one function: per unit and in total."""

    graph: DataflowGraph
    report: dict[str, Any]


def analyse(graph: DataflowGraph, device: Device, clock_mhz: float,
            devices: dict[str, Device] | None = None, backend: str = "hls") -> Analysis:
    """Per-unit costs, totals, throughput, latency and utilisation of one function, by the
    model of `backend` ("hls": rpnn_ir.hw.cost; "rtl": rpnn_ir.hw.cost_rtl, with FFs)."""
    devices = devices or {}
    ffs: dict = {}
    if backend == "rtl":
        rtl_costs = {u: rtl_unit_cost(u) for u in graph.units}
        costs = {u: c.cost for u, c in rtl_costs.items()}
        ffs = {u: c.ff for u, c in rtl_costs.items()}
    else:
        costs = {u: evaluate(u) for u in graph.units}
    sched = schedule(graph, costs)
    units: list[dict[str, Any]] = []
    total = Resources()
    for unit in graph.units:
        c = costs[unit]
        total = total + c.res
        units.append({
            "index": unit.index, "op": unit.op.name, "kind": unit.kind, "name": unit.name,
            "partition": (graph.partitions.index(unit.partition)
                          if unit.partition is not None else None),
            **unit.folding(), **c.res.as_dict(), "cycles": c.cycles, "ii": 1,
            "first_out": int(sched.first[unit]), "last_out": int(sched.last[unit]),
            **({"ff": ffs[unit]} if ffs else {}),
        })
    max_cycles = max(costs[u].cycles for u in graph.units)
    bottlenecks = [u.index for u in graph.units if costs[u].cycles == max_cycles]
    clock_hz = clock_mhz * 1e6
    util = _utilisation(total, device)
    report: dict[str, Any] = {
        "function": graph.function.sym_name.data,
        "device": device.name, "clock_mhz": clock_mhz,
        "units": units,
        "total": total.as_dict(),
        "max_cycles": max_cycles, "ii_cycles": max_cycles,
        "fps": clock_hz / max_cycles,
        "bottleneck": bottlenecks,
        "latency_cycles": sched.latency,
        "latency_us": sched.latency / clock_mhz,
        "finn_latency_cycles": sched.sum_latency,
        "utilisation": util,
        "limiting_resource": _limiting(util),
        "fits": all(u is None or u <= 1.0 for u in util.values()),
        "ff": sum(ffs.values()) if ffs else None,
        "model": backend,
        "warnings": _uram_rom_warnings(graph, device),
    }
    joint = graph.function.attributes.get(JOINT_ATTR)
    if isinstance(joint, DictionaryAttr):
        fields = joint.data
        report["joint_fold"] = {
            "partitions": fields["partitions"].value.data, "fps": fields["fps"].value.data,
            "fps_one": fields["fps_one"].value.data, "one": fields["one"].data}
    if graph.partitions:
        report["partitions"] = _partition_report(graph, costs, device, devices)
        report["crossings"] = ir_crossings(graph, report["fps"], devices)
    return Analysis(graph, report)


def _uram_rom_warnings(graph: DataflowGraph, device: Device) -> list[str]:
    """Units whose constant weights are in UltraRAM on a part that cannot initialise it
    (UltraScale+: the bitstream leaves UltraRAM zero; devices.toml, `uram_init`)."""
    if device.uram_for_constants:
        return []
    return [f"{u.name}: ram = \"ultra\" puts constant weights in UltraRAM, which "
            f"{device.name} cannot initialise from the bitstream (rpnn-hls refuses it; "
            "use ram = \"block\")"
            for u in graph.units if u.folding().get("ram") == "ultra"]


def _partition_report(graph: DataflowGraph, costs, default: Device,
                      devices: dict[str, Device]) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    for i, part in enumerate(graph.partitions):
        res = Resources()
        cycles = 0
        for unit in graph.units:
            if unit.partition is part:
                res = res + costs[unit].res
                cycles = max(cycles, costs[unit].cycles)
        name = part.device.data
        dev = devices.get(name)
        entry: dict[str, Any] = {
            "index": i, "device": name, "slr": part.slr.value.data, **res.as_dict(),
            "max_cycles": cycles, "known_device": dev is not None,
        }
        dev = dev or default
        entry["utilisation"] = _utilisation(res, dev.per_slr() if dev.slrs > 1 else dev)
        entry["utilisation_of"] = (f"{dev.name} SLR (1/{dev.slrs} of the part)"
                                   if dev.slrs > 1 else dev.name)
        parts.append(entry)
    return parts


def annotate(analysis: Analysis) -> None:
    """Attach ``rpnn.cost`` to every unit and ``rpnn.design_cost`` to the function."""
    by_index = {entry["index"]: entry for entry in analysis.report["units"]}
    for unit in analysis.graph.units:
        entry = by_index[unit.index]
        unit.op.attributes[COST_ATTR] = DictionaryAttr({
            key: IntegerAttr(int(entry[key]), 64)
            for key in ("lut", "bram18", "uram", "dsp", "cycles", "ii", "first_out", "last_out")
        })
    r = analysis.report
    fields: dict[str, Any] = {
        "device": StringAttr(r["device"]),
        "clock_mhz": FloatAttr(float(r["clock_mhz"]), f64),
        "fps": FloatAttr(float(r["fps"]), f64),
        "max_cycles": IntegerAttr(int(r["max_cycles"]), 64),
        "latency_cycles": IntegerAttr(int(r["latency_cycles"]), 64),
    }
    fields.update({k: IntegerAttr(int(v), 64) for k, v in r["total"].items()})
    analysis.graph.function.attributes[DESIGN_ATTR] = DictionaryAttr(fields)


# --------------------------------------------------------------------------- report text


def _pct(value: float | None) -> str:
    if value is None:
        return "-"
    if value == float("inf"):
        return "n/a (part has none)"
    return f"{100 * value:.1f}%"


def format_table(report: dict[str, Any]) -> str:
    """The human-readable report of one function."""
    lines = [f"rpnn-cost: @{report['function']} on {report['device']} at "
             f"{report['clock_mhz']:g} MHz"]
    header = (f"{'#':>3} {'unit':<22} {'pe':>4} {'simd':>4} {'ram':<11} {'LUT':>8} "
              f"{'BRAM18':>6} {'URAM':>5} {'DSP':>5} {'cycles':>9} {'first':>9} {'last':>9}")
    lines += [header, "-" * len(header)]
    bottleneck = set(report["bottleneck"])
    for u in report["units"]:
        mark = "*" if u["index"] in bottleneck else " "
        lines.append(
            f"{u['index']:>3} {u['op'].removeprefix('rpnn.') + mark:<22} "
            f"{u.get('pe', ''):>4} {u.get('simd', ''):>4} {u.get('ram', ''):<11} "
            f"{u['lut']:>8} {u['bram18']:>6} {u['uram']:>5} {u['dsp']:>5} {u['cycles']:>9} "
            f"{u['first_out']:>9} {u['last_out']:>9}")
    t = report["total"]
    lines.append("-" * len(header))
    lines.append(f"{'':>3} {'total':<22} {'':>4} {'':>4} {'':<11} {t['lut']:>8} "
                 f"{t['bram18']:>6} {t['uram']:>5} {t['dsp']:>5}")
    if report.get("ff") is not None:
        lines.append(f"flip-flops ({report['model']} model): {report['ff']}")
    names = ", ".join(f"#{i}" for i in report["bottleneck"])
    lines.append(f"bottleneck (*): {names} with {report['max_cycles']} cycles/frame -> "
                 f"{report['fps']:.1f} frames/s at {report['clock_mhz']:g} MHz")
    lines.append(f"latency: {report['latency_cycles']} cycles = {report['latency_us']:.1f} us "
                 f"(FINN's sum of cycles along the longest path: "
                 f"{report['finn_latency_cycles']})")
    util = report["utilisation"]
    lines.append(f"utilisation of {report['device']}: " + ", ".join(
        f"{r.upper() if r != 'bram18' else 'BRAM18'} {_pct(util[r])}" for r in RESOURCES)
        + (f"; limiting: {report['limiting_resource']}" if report["limiting_resource"] else "")
        + ("" if report["fits"] else " -- DOES NOT FIT" if "partitions" not in report
           else " (the whole design against one part: see the partitions)"))
    lines += [f"warning: {w}" for w in report.get("warnings", [])]
    for p in report.get("partitions", []):
        lines.append(
            f"partition {p['index']} ({p['device']}, SLR {p['slr']}): LUT {p['lut']}, "
            f"BRAM18 {p['bram18']}, URAM {p['uram']}, DSP {p['dsp']}, max {p['max_cycles']} "
            f"cycles; of {p['utilisation_of']}"
            + ("" if p["known_device"] else " (unknown part: pass device used)") + ": "
            + ", ".join(f"{r} {_pct(p['utilisation'][r])}" for r in RESOURCES))
    joint = report.get("joint_fold")
    if joint:
        ratio = (f" = {joint['fps'] / joint['fps_one']:.2f}x" if joint["fps_one"]
                 else " (the design does not fit one partition)")
        lines.append(f"fold and partition: {joint['fps']:.1f} frames/s on {joint['partitions']}"
                     f" partitions vs {joint['fps_one']:.1f} on one ({joint['one']}){ratio}")
    for c in report.get("crossings", []):
        if c["kind"] == "sll":
            room = f" of {c['capacity']:,}" if c["capacity"] else ""
            lines.append(f"crossing partition {c['from']} -> {c['to']}: {c['slls']:,}{room} "
                         f"SLLs on each of {c['boundaries']} SLR boundary(ies)")
        else:
            lines.append(f"crossing partition {c['from']} -> {c['to']}: device link, "
                         f"{c['gbps']:.3g} Gb/s at {report['fps']:.1f} frames/s")
    return "\n".join(lines)


def write_report(text: str, path: str) -> None:
    """Write to `path` (through `rpnn_ir.files`), or to stderr when it is empty."""
    if not path:
        sys.stderr.write(text if text.endswith("\n") else text + "\n")
        return
    try:  # final only when the whole run succeeds (rpnn_ir/files.py)
        files.write_output(path, text if text.endswith("\n") else text + "\n")
    except files.FileError as e:
        raise PassFailedException(f"cannot write report '{path}': {e}") from None


def write_reports(reports: list[dict[str, Any]], as_json: bool | None,
                  formatter: Callable[[dict[str, Any]], str], empty: str, path: str) -> None:
    """Write one report per function: JSON (``{"functions": [...]}``) or the formatted
    texts, or `empty` when there are none; to `path` or stderr (`write_report`)."""
    if as_json is not False:
        text = json.dumps(json_clean({"functions": reports}), indent=2)
    elif reports:
        text = "\n\n".join(formatter(r) for r in reports)
    else:
        text = empty
    write_report(text, path)


def resolve_device(name: str, devices_file: str) -> tuple[Device, dict[str, Device]]:
    try:
        devices = load_devices(devices_file or None)
    except DeviceError as e:
        raise PassFailedException(str(e)) from None
    if name not in devices:
        raise PassFailedException(f"unknown device '{name}' (known: "
                                  f"{', '.join(sorted(devices))}; add parts with devices-file=)")
    return devices[name], devices


@dataclass(frozen=True)
class CostPass(ModulePass):
    """Annotate dataflow units with their cost and report the design's cost."""

    name = "rpnn-cost"

    device: str = "xc7z020"
    clock_mhz: int | float = 0.0
    """0: the device's default clock."""
    json: bool | None = False
    """``json`` or ``json=true``: report as JSON instead of a table."""
    report: str = ""
    """File for the report; empty: stderr."""
    devices_file: str = ""
    backend: str = "hls"
    """Whose hardware to cost: "hls" (rpnn-hls's C++ through Vivado HLS, FINN-R's model) or
    "rtl" (rpnn-rtl's Verilog, calibrated on Yosys synth_xilinx; reports FFs)."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if self.backend not in ("hls", "rtl"):
            raise PassFailedException(f"backend '{self.backend}' is not one of "
                                      "hls, rtl")
        device, devices = resolve_device(self.device, self.devices_file)
        clock = self.clock_mhz or device.clock_mhz
        if clock <= 0:
            raise PassFailedException(f"clock-mhz must be positive, got {self.clock_mhz}")
        reports = []
        for _, graph in functions_with_dataflow(op):
            analysis = analyse(graph, device, clock, devices, self.backend)
            annotate(analysis)
            reports.append(analysis.report)
        as_json = self.json is not False
        if as_json:
            text = json.dumps(json_clean({"device": device.as_dict(), "clock_mhz": clock,
                                          "functions": reports}), indent=2)
        elif reports:
            text = "\n\n".join(format_table(r) for r in reports)
        else:
            text = "rpnn-cost: no dataflow units in the module"
        write_report(text, self.report)


def json_clean(value: Any) -> Any:
    """`value` with infinities (a resource the part does not have) spelled "n/a"."""
    if isinstance(value, float) and value == float("inf"):
        return "n/a"
    if isinstance(value, dict):
        return {k: json_clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_clean(v) for v in value]
    return value
