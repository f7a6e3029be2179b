"""``rpnn-cost``: resource, throughput and latency analysis of dataflow functions.

    rpnn-opt net.mlir -p 'rpnn-cost{device=xczu3eg}'                  # table on stderr
    rpnn-opt net.mlir -p 'rpnn-cost{device=xc7z020 clock-mhz=125 json=true report="r.json"}'

Every dataflow unit gets a dictionary attribute ``rpnn.cost = {lut, bram18, uram, dsp, cycles,
ii, first_out, last_out}`` (integers) and every function with dataflow units an attribute
``rpnn.design_cost`` with frames/s, the bottleneck cycles, the latency and the totals; the IR
is otherwise unchanged and still verifies and round-trips.  The report (a table, or JSON with
``json=true``) goes to stderr or to the file given by ``report=``, never to stdout where the
IR goes.  Options: ``device=`` (a part of `rpnn_ir.hw.devices`; default: the device recorded
in the IR by rpnn-fold/rpnn-pipeline, else xc7z020; another than the recorded one is
refused), ``clock-mhz=`` (default: the recorded clock, else the part's), ``devices-file=``
(extra parts), ``json``, ``report=``, ``quiet``, ``stream-sim=`` (auto, true, false:
throughput and latency with the design's FIFO depths, `rpnn_ir.hw.stream_sim`).  The report
also gives flip-flops and the I/O line (AXI-stream ports, outside the totals).
``backend=hls|rtl``: whose hardware, rpnn-hls's (the default, `rpnn_ir.hw.cost`) or
rpnn-rtl's Verilog (`rpnn_ir.hw.cost_rtl`, calibrated on Yosys; the constants of the
part's Yosys family, 7-series or UltraScale+, reported as ``rtl_family``).

The formulas are those of `rpnn_ir.hw.cost` (docs/cost-model.md); the latency model is
`rpnn_ir.hw.dataflow_model.schedule`.  A unit with ``ram = "ultra"`` on a part whose
UltraRAM the bitstream cannot initialise (UltraScale+) is costed as asked but listed under
``warnings``: its constant weights cannot live there.
"""

from __future__ import annotations

import contextvars
import json
import sys
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
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
from rpnn_ir.dialects import rpnn
from rpnn_ir.hw.cost import Resources, axis_port_resources
from rpnn_ir.hw.cost_rtl import family_for, rtl_unit_cost
from rpnn_ir.hw.dataflow_model import (
    DataflowGraph,
    element_bits,
    evaluate,
    functions_with_dataflow,
    schedule,
)
from rpnn_ir.hw.devices import (
    RESOURCES,
    Device,
    DeviceError,
    find_device,
    load_devices,
    recorded_device,
    unknown_device,
)
from rpnn_ir.hw.partition import ir_crossings
from rpnn_ir.hw.stream_sim import StreamSimError, simulate

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


STREAM_FRAMES = 3
"""Frames the stream simulation runs for rpnn-cost: the first fills the pipeline, the
interval between the last two is the steady state."""

STREAM_AUTO_SLOTS = 200_000
"""``stream-sim=auto`` simulates designs whose units' cycles per frame add up to at most
this (LFC: about 2,500; CNV: about 500,000, some seconds per frame)."""


def stream_report(graph: DataflowGraph, costs, clock_mhz: float, frames: int
                  ) -> dict[str, Any]:
    """Throughput and first-frame latency with the design's FIFO depths
    (`rpnn_ir.hw.stream_sim`), beside the bottleneck figure."""
    try:
        result = simulate(graph, frames)
    except StreamSimError as e:
        return {"frames": frames, "error": str(e)}
    cycles = result.cycles_per_frame
    bottleneck = max(c.cycles for c in costs.values())
    return {"frames": frames, "cycles_per_frame": cycles, "fps": clock_mhz * 1e6 / cycles,
            "latency_cycles": result.latency, "fifo_limited": cycles > bottleneck}


def io_report(graph: DataflowGraph) -> dict[str, Any]:
    """The design's I/O as rpnn-hls emits it: one AXI-stream port per host port
    (`cost.axis_port_resources`), no DMA master; not in the design totals."""
    ports, res, ff = [], Resources(), 0
    for unit in graph.units:
        if unit.kind not in ("source", "sink"):
            continue
        value = unit.op.results[0] if unit.kind == "source" else unit.op.operands[0]
        stream = value.type
        assert isinstance(stream, rpnn.StreamType)
        bits = stream.word.data * element_bits(stream.element_type)
        port, port_ff = axis_port_resources(bits)
        ports.append({"name": unit.name, "direction": "in" if unit.kind == "source" else "out",
                      "bits": (bits + 7) // 8 * 8})
        res, ff = res + port, ff + port_ff
    return {"ports": ports, **res.as_dict(), "ff": ff, "dma": None}


def analyse(graph: DataflowGraph, device: Device, clock_mhz: float,
            devices: dict[str, Device] | None = None, stream_frames: int = 0,
            backend: str = "hls") -> Analysis:
    """Per-unit costs, totals, throughput, latency and utilisation of one function, by the
    model of `backend` ("hls": rpnn_ir.hw.cost; "rtl": rpnn_ir.hw.cost_rtl); with
    `stream_frames`, also the stream simulation of that many frames (`stream_report`)."""
    devices = devices or {}
    if backend == "rtl":
        family = family_for(device)
        costs = {u: replace(c.cost, ff=c.ff) for u, c in
                 ((u, rtl_unit_cost(u, family)) for u in graph.units)}
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
            **unit.folding(), **c.res.as_dict(), "ff": c.ff, "cycles": c.cycles, "ii": 1,
            "first_out": int(sched.first[unit]), "last_out": int(sched.last[unit]),
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
        "model": backend,
        **({"rtl_family": family_for(device)} if backend == "rtl" else {}),
        "warnings": _uram_rom_warnings(graph, device),
    }
    report["ff"] = sum(c.ff for c in costs.values())
    report["io"] = io_report(graph)
    if stream_frames:
        report["stream"] = stream_report(graph, costs, clock_mhz, stream_frames)
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
            "index": i, "device": name,
            "slr": None if part.slr is None else part.slr.value.data, **res.as_dict(),
            "max_cycles": cycles, "known_device": dev is not None,
        }
        dev = dev or default
        one_slr = part.slr is not None and dev.slrs > 1  # else the whole device
        entry["utilisation"] = _utilisation(res, dev.per_slr() if one_slr else dev)
        entry["utilisation_of"] = (f"{dev.name} SLR (1/{dev.slrs} of the part)"
                                   if one_slr else dev.name)
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


def human(value: float, unit: str) -> str:
    """`value` with an SI prefix and 4 significant digits: ``100 M frames/s``."""
    for scale, prefix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:.4g} {prefix} {unit}"
    return f"{value:.4g} {unit}"


def plural(count: int, word: str) -> str:
    """``1 cycle``, ``2 cycles``."""
    return f"{count} {word}" + ("" if count == 1 else "s")


def _memory(unit: dict[str, Any]) -> str:
    """Where the unit's memories go: its ``ram`` style, ``auto`` resolved the way the cost
    model resolved it (`rpnn_ir.hw.cost.memory_kind`: UltraRAM or BRAM when it uses any,
    else LUTRAM)."""
    style = unit.get("ram", "")
    if style != "auto":
        return style
    kind = "uram" if unit["uram"] else "bram" if unit["bram18"] else "lutram"
    return f"auto:{kind}"


def _layer(unit: dict[str, Any]) -> str:
    """The name the unit's value carries (from the ONNX tensor it computes, when imported)."""
    name = unit.get("name", "")
    return name[name.index("(%") + 2:-1] if name.endswith(")") and "(%" in name else ""


LEGEND = ("cycles: cycles per frame (the unit's initiation interval); 1st out / last out: "
          "cycle of the unit's first / last output word of a frame, from the frame's first "
          "input word; ram: where its memories go (auto: as the cost model resolved it); "
          "layer: the value's name (the ONNX tensor it computes)")


def format_table(report: dict[str, Any]) -> str:
    """The human-readable report of one function."""
    lines = [f"rpnn-cost: @{report['function']} on {report['device']} at "
             f"{report['clock_mhz']:g} MHz"]
    header = (f"{'#':>3} {'unit':<22} {'pe':>4} {'simd':>4} {'ram':<11} {'LUT':>8} "
              f"{'BRAM18':>6} {'URAM':>5} {'DSP':>5} {'cycles':>9} {'1st out':>9} "
              f"{'last out':>9}  layer")
    lines += [header, "-" * len(header)]
    bottleneck = set(report["bottleneck"])
    for u in report["units"]:
        mark = "*" if u["index"] in bottleneck else " "
        lines.append((
            f"{u['index']:>3} {u['op'].removeprefix('rpnn.') + mark:<22} "
            f"{u.get('pe', ''):>4} {u.get('simd', ''):>4} {_memory(u):<11} "
            f"{u['lut']:>8} {u['bram18']:>6} {u['uram']:>5} {u['dsp']:>5} {u['cycles']:>9} "
            f"{u['first_out']:>9} {u['last_out']:>9}  {_layer(u)}").rstrip())
    t = report["total"]
    lines.append("-" * len(header))
    lines.append(f"{'':>3} {'total':<22} {'':>4} {'':>4} {'':<11} {t['lut']:>8} "
                 f"{t['bram18']:>6} {t['uram']:>5} {t['dsp']:>5}")
    lines += textwrap.wrap(LEGEND, width=len(header))
    names = ", ".join(f"#{i}" for i in report["bottleneck"])
    lines.append(f"bottleneck (*): {names} with {plural(report['max_cycles'], 'cycle')}/frame "
                 f"-> {human(report['fps'], 'frames/s')} at {report['clock_mhz']:g} MHz")
    lines += _stream_lines(report)
    lines += _io_lines(report)
    lines.append(f"latency: {plural(report['latency_cycles'], 'cycle')} = "
                 f"{report['latency_us']:.3g} us (FINN's sum of cycles along the longest path: "
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
            f"partition {p['index']} ({p['device']}"
            + ("" if p["slr"] is None else f", SLR {p['slr']}") + f"): LUT {p['lut']}, "
            f"BRAM18 {p['bram18']}, URAM {p['uram']}, DSP {p['dsp']}, max {p['max_cycles']} "
            f"cycles; of {p['utilisation_of']}"
            + ("" if p["known_device"] else " (unknown part: pass device used)") + ": "
            + ", ".join(f"{r} {_pct(p['utilisation'][r])}" for r in RESOURCES))
    joint = report.get("joint_fold")
    if joint:
        ratio = (f" = {joint['fps'] / joint['fps_one']:.2f}x" if joint["fps_one"]
                 else " (the design does not fit one partition)")
        lines.append(f"fold and partition: {human(joint['fps'], 'frames/s')} on "
                     f"{joint['partitions']} partitions vs {human(joint['fps_one'], 'frames/s')} "
                     f"on one ({joint['one']}){ratio}")
    for c in report.get("crossings", []):
        if c["kind"] == "sll":
            room = f" of {c['capacity']:,}" if c["capacity"] else ""
            lines.append(f"crossing partition {c['from']} -> {c['to']}: {c['slls']:,}{room} "
                         f"SLLs on each of {c['boundaries']} SLR boundary(ies)")
        else:
            lines.append(f"crossing partition {c['from']} -> {c['to']}: device link, "
                         f"{c['gbps']:.3g} Gb/s at {human(report['fps'], 'frames/s')}")
    return "\n".join(lines)


_CAPTURED: contextvars.ContextVar[list[dict[str, Any]] | None] = contextvars.ContextVar(
    "rpnn_captured_cost_reports", default=None)
_ECHO: contextvars.ContextVar[bool] = contextvars.ContextVar("rpnn_echo_reports", default=True)


@contextmanager
def captured_reports(echo: bool = False) -> Iterator[list[dict[str, Any]]]:
    """Inside the block, every rpnn-cost report (its JSON form) is appended to the list
    yielded, and reports meant for stderr are printed only with `echo` (``report=`` files
    are still written): how `rpnn_ir.compile` gives the cost to Python without printing."""
    reports: list[dict[str, Any]] = []
    tokens = _CAPTURED.set(reports), _ECHO.set(echo)
    try:
        yield reports
    finally:
        _CAPTURED.reset(tokens[0])
        _ECHO.reset(tokens[1])


def _io_lines(report: dict[str, Any]) -> list[str]:
    """The flip-flop total and the I/O line (docs/cost-model.md, "Shell and I/O")."""
    io = report["io"]
    ports = ", ".join(f"{p['direction']} {p['bits']} bits" for p in io["ports"])
    return [f"flip-flops ({report['model']} model): {report['ff']} (units; estimate, "
            "docs/cost-model.md)",
            f"I/O, not in the total: {len(io['ports'])} AXI-stream port(s) ({ports}) with "
            f"register slices: LUT {io['lut']}, FF {io['ff']}; no DMA master (rpnn-hls "
            "emits stream ports: the host's DMA and, on a Zynq, the PS wrapper and AXI "
            "interconnects come on top: benchmarks/cost_published.py)"]


def _stream_lines(report: dict[str, Any]) -> list[str]:
    """The stream simulation's line (throughput and latency with the real FIFO depths)."""
    stream = report.get("stream")
    if not stream:
        return []
    if "skipped" in stream:
        return [f"with the FIFO depths: not simulated ({stream['skipped']})"]
    if "error" in stream:
        return [f"with the FIFO depths: not simulated ({stream['error']})"]
    slower = stream["cycles_per_frame"] / report["max_cycles"] - 1
    note = (f"{100 * slower:.1f}% slower than the bottleneck: FIFOs too shallow or units "
            "waiting on each other" if stream["fifo_limited"] else "as the bottleneck")
    return [f"with the FIFO depths (stream simulation, {stream['frames']} frames): "
            f"{stream['cycles_per_frame']:g} cycles/frame -> {human(stream['fps'], 'frames/s')} "
            f"({note}); first frame out after {stream['latency_cycles']} cycles"]


def write_report(text: str, path: str) -> None:
    """Write to `path` (through `rpnn_ir.files`), or to stderr when it is empty (unless
    reports are captured: `captured_reports`)."""
    if not path:
        if _ECHO.get():
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
    """The part `name` (short name or full part: `find_device`) and all known parts."""
    try:
        devices = load_devices(devices_file or None)
    except DeviceError as e:
        raise PassFailedException(str(e)) from None
    device = find_device(name, devices)
    if device is None:
        raise PassFailedException(unknown_device(name, devices))
    return device, devices


DEFAULT_DEVICE = "xc7z020"
"""The part of a design with no recorded device when no device= is given."""


def design_device(module: ModuleOp, name: str, devices_file: str, clock_mhz: float,
                  refold: bool = False) -> tuple[Device, dict[str, Device], float]:
    """The device, known parts and clock a pass works with: device= when given, else the
    device recorded in the IR (`recorded_device`), else `DEFAULT_DEVICE`.  The clock is
    clock-mhz= when given, else the recorded one (same device), else the device's.  Unless
    the pass re-folds (`refold`), a device= other than the recorded one is refused."""
    try:
        recorded = recorded_device(module)
    except DeviceError as e:
        raise PassFailedException(str(e)) from None
    if name or recorded is None:
        device, devices = resolve_device(name or DEFAULT_DEVICE, devices_file)
    else:
        device, devices = recorded[0], resolve_device(DEFAULT_DEVICE, devices_file)[1]
    if recorded is not None:
        if recorded[0].name != device.name and not refold:
            raise PassFailedException(
                f"device={name} disagrees with the device the design was folded for, "
                f"{recorded[0].name} (module attribute rpnn.device): drop device= or "
                f"re-fold with rpnn-fold{{device={name}}}")
        devices = {**devices, recorded[0].name: devices.get(recorded[0].name, recorded[0])}
    clock = clock_mhz or (recorded[1] if recorded and recorded[0].name == device.name
                          else device.clock_mhz)
    if clock <= 0:
        raise PassFailedException(f"clock-mhz must be positive, got {clock_mhz}")
    return device, devices, clock


@dataclass(frozen=True)
class CostPass(ModulePass):
    """Annotate dataflow units with their cost and report the design's cost."""

    name = "rpnn-cost"

    device: str = ""
    """Part to cost against (short name or full part); empty: the device recorded in the
    IR by rpnn-fold/rpnn-pipeline (module attribute rpnn.device), else xc7z020.  A device
    other than the recorded one is refused."""
    clock_mhz: int | float = 0.0
    """0: the recorded clock, else the device's default clock."""
    json: bool | None = False
    """``json`` or ``json=true``: report as JSON instead of a table."""
    report: str = ""
    """File for the report; empty: stderr."""
    devices_file: str = ""
    quiet: bool | None = False
    """No report at all (the units still get their cost attributes)."""

    stream_sim: bool | str = "auto"
    """Simulate the streams with the design's FIFO depths (`rpnn_ir.hw.stream_sim`):
    ``true``, ``false``, or ``auto`` (designs up to `STREAM_AUTO_SLOTS` cycles of work per
    frame)."""

    backend: str = "hls"
    """Whose hardware to cost: "hls" (rpnn-hls's C++, rpnn_ir.hw.cost) or "rtl" (rpnn-rtl's
    Verilog, calibrated on Yosys synth_xilinx: rpnn_ir.hw.cost_rtl)."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if self.backend not in ("hls", "rtl"):
            raise PassFailedException(f"backend '{self.backend}' is not one of hls, rtl")
        device, devices, clock = design_device(op, self.device, self.devices_file,
                                               self.clock_mhz)
        if self.stream_sim not in ("auto", True, False):
            raise PassFailedException(f"stream-sim must be auto, true or false, got "
                                      f"'{self.stream_sim}'")
        reports = []
        for _, graph in functions_with_dataflow(op):
            frames = _stream_frames_of(graph, self.stream_sim)
            analysis = analyse(graph, device, clock, devices, frames, self.backend)
            if not frames and self.stream_sim == "auto":
                analysis.report["stream"] = {
                    "skipped": f"more than {STREAM_AUTO_SLOTS:,} cycles of work per frame; "
                               "stream-sim=true simulates it (a few seconds per frame)"}
            annotate(analysis)
            reports.append(analysis.report)
        as_json = self.json is not False
        captured = _CAPTURED.get()
        if captured is not None:
            captured.append(json_clean({"device": device.as_dict(), "clock_mhz": clock,
                                        "functions": reports}))
        if as_json:
            text = json.dumps(json_clean({"device": device.as_dict(), "clock_mhz": clock,
                                          "functions": reports}), indent=2)
        elif reports:
            text = "\n\n".join(format_table(r) for r in reports)
        else:
            text = "rpnn-cost: no dataflow units in the module"
        if self.quiet is False:
            write_report(text, self.report)


def _stream_frames_of(graph: DataflowGraph, mode: bool | str) -> int:
    """Frames to simulate for ``stream-sim=mode`` (0: none)."""
    if mode is False:
        return 0
    work = sum(evaluate(u).cycles for u in graph.units)
    return STREAM_FRAMES if mode is True or work <= STREAM_AUTO_SLOTS else 0


def json_clean(value: Any) -> Any:
    """`value` with infinities (a resource the part does not have) spelled "n/a"."""
    if isinstance(value, float) and value == float("inf"):
        return "n/a"
    if isinstance(value, dict):
        return {k: json_clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_clean(v) for v in value]
    return value
