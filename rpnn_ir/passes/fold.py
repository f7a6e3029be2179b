"""``rpnn-fold``: choose PE/SIMD (and memory style) of every dataflow unit.

    rpnn-opt net.mlir -p 'rpnn-fold{target-fps=5000 device=xc7z020}'          # target mode
    rpnn-opt net.mlir -p 'rpnn-fold{device=xczu7ev lut-fraction=0.7 bram-fraction=0.7}'

Target mode (``target-fps=N``): the cheapest design with at least N frames/s at the clock,
cost = sum over LUT, BRAM18, URAM and DSP of the fraction of the device used.  Budget mode
(no target): the fastest design using at most ``lut-fraction`` (``bram-fraction``,
``uram-fraction``, ``dsp-fraction``; default 1) of the device, then the cheapest at that
speed.  Both are exact for the cost model (`rpnn_ir.hw.folding`; docs/passes.md).

FIFOs already in the IR are left out of the model (their depths depend on the folding):
re-run ``rpnn-insert-fifos`` after folding, and keep some budget for them, or pass
``count-fifos`` to cost them at their current depths.

The pass writes pe/simd/ram properties and the word size of every stream, inserts
``rpnn.dwc`` where a unit reads words of another size than its producer writes, and removes
width converters left converting nothing, so the module verifies; it drops the now stale
``rpnn.cost`` annotations (re-run ``rpnn-cost``).  FIFO depths are left as they are.  A
``ram = "auto"`` unit may become ``"ultra"`` on a part whose UltraRAM the bitstream can
initialise (Versal; not UltraScale+, where weights, being constants, stay in BRAM/LUTRAM:
`Device.uram_for_constants`); other memory styles and
``resource`` are kept.  The report (why this bottleneck, which resource limits) goes to
stderr or ``report=``; ``json`` (or ``json=true``) makes it JSON.  Options also:
``device=``, ``clock-mhz=``, ``devices-file=``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException

from rpnn_ir.hw.dataflow_model import DataflowGraph, functions_with_dataflow
from rpnn_ir.hw.devices import RESOURCES, Device
from rpnn_ir.hw.folding import (
    GROUP_KINDS,
    FoldError,
    FoldResult,
    Objective,
    apply_folding,
    extract_problem,
    fold_for_budget,
    fold_for_fps,
)
from rpnn_ir.passes.cost import analyse, resolve_device, write_reports


def fold_function(graph: DataflowGraph, device: Device, clock_mhz: float,
                  target_fps: float = 0.0, fractions: tuple[float, ...] = (1.0,) * 4,
                  count_fifos: bool = False) -> tuple[FoldResult, int]:
    """Fold one function in place; returns the result and the number of DWCs inserted."""
    problem = extract_problem(graph, clock_mhz, device, count_fifos)
    if target_fps > 0:
        result = fold_for_fps(problem, target_fps, Objective.for_device(device))
    else:
        result = fold_for_budget(problem, Objective.for_device(device, fractions))
    inserted = apply_folding(problem, result.solution.choice)
    return result, inserted


def _report(result: FoldResult, device: Device, clock: float, fractions, target: float,
            inserted: int, after: dict[str, Any]) -> dict[str, Any]:
    problem, solution = result.problem, result.solution
    units = []
    for g, ci in zip(problem.groups, solution.choice, strict=True):
        c = g.configs[ci]
        entry: dict[str, Any] = {"unit": g.name, "cycles": c.cycles,
                                 **dict(zip(RESOURCES, c.res, strict=True))}
        if g.kind not in ("swg", "pad"):
            entry["pe"] = c.pe
        if g.kind in ("mvtu", "depthwise", "swg", "pad"):
            entry["simd"] = c.simd
        if c.ram is not None:
            entry["ram"] = c.ram
        units.append(entry)
    budget = None
    if result.mode == "budget":
        budget = {r: f * device.capacity(r) for r, f in zip(RESOURCES, fractions, strict=True)}
    return {
        "function": after["function"], "mode": result.mode, "device": device.name,
        "clock_mhz": clock, "target_fps": target or None, "budget": budget,
        "max_cycles": solution.cycles, "fps": result.fps, "exact": solution.exact,
        "units": units, "model_total": dict(zip(RESOURCES, solution.res, strict=True)),
        "dwc_inserted": inserted, "explanation": result.explanation,
        "total": after["total"], "utilisation": after["utilisation"],
        "latency_cycles": after["latency_cycles"],
    }


def format_fold(report: dict[str, Any]) -> str:
    lines = [f"rpnn-fold: @{report['function']} on {report['device']} at "
             f"{report['clock_mhz']:g} MHz, "
             + (f"target {report['target_fps']:g} frames/s" if report["mode"] == "target"
                else "budget " + ", ".join(f"{r} <= {v:.0f}"
                                           for r, v in report["budget"].items()))]
    for u in report["units"]:
        fold = " ".join(f"{k}={u[k]}" for k in ("pe", "simd", "ram") if k in u)
        lines.append(f"  {u['unit']:<34} {fold:<28} {u['cycles']:>9} cycles  "
                     f"LUT {u['lut']:>7}  BRAM18 {u['bram18']:>4}  URAM {u['uram']:>3}  "
                     f"DSP {u['dsp']:>4}")
    t = report["model_total"]
    budget = report["budget"] or {}
    lines.append(f"  result: {report['max_cycles']} cycles/frame = {report['fps']:.1f} "
                 f"frames/s; LUT {t['lut']}, BRAM18 {t['bram18']}, URAM {t['uram']}, "
                 f"DSP {t['dsp']} (units and {report['dwc_inserted']} inserted width "
                 "converter(s))" + ("; of the budget: " + ", ".join(
                     f"{r} {100 * t[r] / v:.1f}%" for r, v in budget.items() if v)
                     if budget else ""))
    extra = {r: report["total"][r] - t[r] for r in t}
    if any(extra.values()):
        lines.append("  not in the model (FIFOs already in the IR, to re-size with "
                     "rpnn-insert-fifos; converters at stream arguments/results of the "
                     "function): " + ", ".join(f"{r} {v}" for r, v in extra.items()))
    lines += [f"  {line}" for line in report["explanation"]]
    if not report["exact"]:
        lines.append("  note: a Pareto front was thinned; the result may not be optimal")
    return "\n".join(lines)


@dataclass(frozen=True)
class FoldPass(ModulePass):
    """Fold every dataflow function to a target frame rate or a device budget."""

    name = "rpnn-fold"

    target_fps: int | float = 0.0
    """Frames/s to reach at least (target mode); 0: budget mode."""
    device: str = "xc7z020"
    clock_mhz: int | float = 0.0
    """0: the device's default clock."""
    lut_fraction: int | float = 1.0
    bram_fraction: int | float = 1.0
    uram_fraction: int | float = 1.0
    """Budget mode: share of the device's UltraRAM the design may use."""
    dsp_fraction: int | float = 1.0
    """Budget mode: share of the device's DSP slices the design may use."""
    devices_file: str = ""
    report: str = ""
    """File for the report; empty: stderr."""
    json: bool | None = False
    count_fifos: bool | None = False
    """Count the FIFOs already in the IR at their current depths (``count-fifos`` or
    ``count-fifos=true``); by default they are left out, to be re-sized after folding."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        device, devices = resolve_device(self.device, self.devices_file)
        clock = self.clock_mhz or device.clock_mhz
        fractions = (self.lut_fraction, self.bram_fraction, self.uram_fraction,
                     self.dsp_fraction)
        if clock <= 0 or self.target_fps < 0 or any(f < 0 for f in fractions):
            raise PassFailedException("clock-mhz, target-fps and the fractions must not be "
                                      "negative")
        reports = []
        for function, graph in list(functions_with_dataflow(op)):
            if not any(u.kind in GROUP_KINDS for u in graph.units):
                continue  # nothing to fold (only ports, converters, FIFOs)
            try:
                result, inserted = fold_function(graph, device, clock, self.target_fps,
                                                 fractions, self.count_fifos is not False)
            except FoldError as e:
                raise PassFailedException(f"@{function.sym_name.data}: {e}") from None
            after = analyse(DataflowGraph.build(function), device, clock, devices).report
            reports.append(_report(result, device, clock, fractions, self.target_fps,
                                   inserted, after))
        write_reports(reports, self.json, format_fold,
                      "rpnn-fold: no dataflow units in the module", self.report)
