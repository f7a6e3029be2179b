"""``rpnn-partition``: place the units of a folded dataflow function on SLRs and devices.

    rpnn-opt net.mlir -p 'rpnn-partition{devices=xcu250}'                  # its 4 SLRs
    rpnn-opt net.mlir -p 'rpnn-partition{devices="xczu7ev*3" link-gbps=25}'
    rpnn-opt net.mlir -p 'rpnn-partition{devices=xcu280,xcu280 slrs=false objective=min-cut}'

Every unit (host ports excepted: they stay outside, on the host side) goes into one
``rpnn.partition`` with ``device``, ``slr`` and a ``card`` attribute (the index of its device
in ``devices=``); partitions follow the pipeline order (the SLRs of the first device, then of
the next); streams between partitions become their arguments and results.  Empty slots get
no partition.  Existing partitions are dissolved first.  The first device (and the clock) is
recorded in the module attribute ``rpnn.device`` (docs/ops.md), as rpnn-fold does.

The problem, its constraints and the algorithms are those of `rpnn_ir.hw.partition`
(docs/passes.md, "rpnn-partition").  Options: ``devices=`` (a list; ``"part*N"`` is N copies,
quoted), ``slrs=`` (each SLR of a multi-SLR part is a partition; default true),
``lut-fraction``, ``bram-fraction``, ``uram-fraction``, ``dsp-fraction`` (share 0..1 of
each partition the design may use; default 0.85 of the LUTs, all of the rest),
``link-gbps=`` (device-to-device links; default 10), ``objective=balance|min-cut``,
``clock-mhz=`` (for the frame rate that loads the links; default: the first device's clock),
``devices-file=``, ``report=``, ``json``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException

from rpnn_ir.hw.dataflow_model import DataflowGraph, functions_with_dataflow
from rpnn_ir.hw.devices import DEFAULT_FRACTIONS, RESOURCES, Device, record_device
from rpnn_ir.hw.partition import (
    DEFAULT_LINK_GBPS,
    OBJECTIVES,
    Partition,
    PartitionError,
    PartitionProblem,
    apply_partition,
    extract_problem,
    flatten_partitions,
    make_slots,
    partition,
)
from rpnn_ir.passes.cost import resolve_device, write_reports
from rpnn_ir.passes.fold import check_fractions


def parse_devices(spec: str | tuple[str, ...], devices_file: str = "") -> list[Device]:
    """``xcu250,xcu250`` or ``xczu7ev*3`` -> the parts, in order."""
    names = ([spec] if spec else []) if isinstance(spec, str) else list(spec)
    result: list[Device] = []
    for name in names:
        base, _, count = str(name).partition("*")
        if not base or (count and not (count.isdigit() and int(count) >= 1)):
            raise PassFailedException(f"devices entry '{name}' must be a part name or "
                                      "part*N (N >= 1), e.g. devices=\"xczu7ev*3\"")
        device, _ = resolve_device(base, devices_file)
        result += [device] * (int(count) if count else 1)
    if not result:
        raise PassFailedException("devices= is required, e.g. devices=xcu250 or "
                                  "devices=\"xczu7ev*2\"")
    return result


def partition_function(graph: DataflowGraph, problem: PartitionProblem, objective: str
                       ) -> Partition:
    """Solve and rewrite one function (its partitions already dissolved)."""
    result = partition(problem, objective)
    apply_partition(graph, problem.slots, result.assignment)
    return result


def report_entry(function: str, problem: PartitionProblem, result: Partition
                 ) -> dict[str, Any]:
    """The report of one function: partitions, crossings, solver figures."""
    parts = []
    for j, slot in enumerate(problem.slots):
        members = [u for u, s in zip(problem.units, result.assignment, strict=True) if s == j]
        if not members:
            continue
        used = [sum(u.res[r] for u in members) for r in range(4)]
        parts.append({
            "slot": j, "device": slot.device, "card": slot.card, "slr": slot.slr,
            "units": len(members), **dict(zip(RESOURCES, used, strict=True)),
            "share": {r: (used[i] / slot.avail[i] if slot.avail[i] else
                          (0.0 if used[i] == 0 else float("inf")))
                      for i, r in enumerate(RESOURCES)},
        })
    crossings = [{"from": problem.slots[c].label, "to": problem.slots[c + 1].label,
                  "kind": x.kind, "load": load, "capacity": x.capacity}
                 for c, (x, load) in enumerate(zip(problem.crossings, result.loads,
                                                   strict=True))]
    return {
        "function": function, "fps": problem.fps, "method": result.method,
        "exact": result.exact, "bottleneck": result.bottleneck, "bound": result.bound,
        "gap": result.gap, "wires_cut": result.cut, "seconds": result.seconds,
        "partitions": parts, "crossings": crossings,
    }


def format_partition(entry: dict[str, Any]) -> str:
    """The human-readable report of one function."""
    how = {"dp": "exact (dynamic programming over contiguous cuts)",
           "milp": "MILP (HiGHS)", "dp-heuristic": "heuristic (DP over the IR order)"}
    status = how[entry["method"]] + (" optimal" if entry["exact"] and entry["method"] == "milp"
                                     else "")
    if entry["gap"] is not None and not entry["exact"]:
        status += f", gap to the LP bound {100 * entry['gap']:.1f}%"
    lines = [f"rpnn-partition: @{entry['function']}: largest share "
             f"{100 * entry['bottleneck']:.1f}%, {entry['wires_cut']} wires cut, {status}, "
             f"{entry['seconds']:.2f} s"]
    for p in entry["partitions"]:
        where = "" if p["slr"] is None else f" SLR{p['slr']}"
        lines.append(f"  {p['device']}#{p['card']}{where}: {p['units']:>3} units  "
                     + "  ".join(f"{r} {p[r]:>8} ({100 * p['share'][r]:5.1f}%)"
                                 for r in RESOURCES))
    for c in entry["crossings"]:
        unit = "SLLs" if c["kind"] == "sll" else "Gb/s"
        lines.append(f"  {c['from']} -> {c['to']}: {c['load']:.6g} of {c['capacity']:g} "
                     f"{unit}")
    return "\n".join(lines)


@dataclass(frozen=True)
class PartitionPass(ModulePass):
    """Place every dataflow unit in an `rpnn.partition` per device/SLR, balanced."""

    name = "rpnn-partition"

    devices: str | tuple[str, ...] = ""
    """Parts to place on, in order: `xcu250,xcu250`, or `"xczu7ev*3"` for N copies."""
    slrs: bool | None = True
    """Each SLR of a multi-SLR part is a partition of its own."""
    lut_fraction: int | float = DEFAULT_FRACTIONS[0]
    """Share (0..1) of each partition's LUTs the design may use (default 0.85:
    docs/passes.md, "Budgets")."""
    bram_fraction: int | float = DEFAULT_FRACTIONS[1]
    """Share (0..1) of each partition's BRAM the design may use."""
    uram_fraction: int | float = DEFAULT_FRACTIONS[2]
    """Share (0..1) of each partition's UltraRAM the design may use."""
    dsp_fraction: int | float = DEFAULT_FRACTIONS[3]
    """Share (0..1) of each partition's DSP slices the design may use."""
    link_gbps: int | float = DEFAULT_LINK_GBPS
    """Gb/s of each device-to-device link."""
    objective: str = "balance"
    """`balance`: even out the most-used resource share; `min-cut`: fewest wires cut."""
    clock_mhz: int | float = 0.0
    """Clock for the frame rate that loads the links; 0: the first device's clock."""
    devices_file: str = ""
    """TOML file with more parts (see docs/cost-model.md)."""
    report: str = ""
    """File for the placement report; empty: stderr."""
    json: bool | None = False
    """``json`` or ``json=true``: report as JSON instead of a table."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        devices = parse_devices(self.devices, self.devices_file)
        fractions = (self.lut_fraction, self.bram_fraction, self.uram_fraction,
                     self.dsp_fraction)
        if self.objective not in OBJECTIVES:
            raise PassFailedException(f"objective '{self.objective}' must be one of "
                                      f"{', '.join(OBJECTIVES)}")
        check_fractions(lut_fraction=self.lut_fraction, bram_fraction=self.bram_fraction,
                        uram_fraction=self.uram_fraction, dsp_fraction=self.dsp_fraction)
        if any(f <= 0 for f in fractions) or self.link_gbps <= 0 or self.clock_mhz < 0:
            raise PassFailedException("the fractions and link-gbps must be positive, "
                                      "clock-mhz not negative")
        slots, crossings = make_slots(devices, self.slrs is not False, fractions,
                                      self.link_gbps)
        clock = self.clock_mhz or devices[0].clock_mhz
        entries = []
        for function, _ in list(functions_with_dataflow(op)):
            flatten_partitions(function)
            graph = DataflowGraph.build(function)
            problem = extract_problem(graph, slots, crossings, clock)
            try:
                result = partition_function(graph, problem, self.objective)
            except PartitionError as e:
                raise PassFailedException(f"@{function.sym_name.data}: {e}") from None
            entries.append(report_entry(function.sym_name.data, problem, result))
        record_device(op, devices[0], clock)
        write_reports(entries, self.json, format_partition,
                      "rpnn-partition: no dataflow units in the module", self.report)
