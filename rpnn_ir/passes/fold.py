"""``rpnn-fold``: choose PE/SIMD (and memory style) of every dataflow unit.

    rpnn-opt net.mlir -p 'rpnn-fold{target-fps=5000 device=xc7z020}'          # target mode
    rpnn-opt net.mlir -p 'rpnn-fold{device=xczu7ev lut-fraction=0.7 bram-fraction=0.7}'

Target mode (``target-fps=N``): the cheapest design with at least N frames/s at the clock,
cost = sum over LUT, BRAM18, URAM and DSP of the fraction of the device used, within the
budget; a target no design within the budget reaches is an error that says the best frame
rate within it and the limiting resource (``allow-over-budget``: the cheapest design at the
target anyway).  Budget mode (no target): the fastest design using at most
``lut-fraction`` (``bram-fraction``, ``uram-fraction``, ``dsp-fraction``) of the device,
then the cheapest at that speed.  The default budget is 85% of the LUTs and all of the
rest (`rpnn_ir.hw.devices.DEFAULT_FRACTIONS`, docs/passes.md "Budgets"); fractions are
shares 0..1.  Both modes are exact for the cost model (`rpnn_ir.hw.folding`).

The device is ``device=`` (short name or full part), else the one recorded in the IR, else
xc7z020; the pass records the device and clock it folded for in the module attribute
``rpnn.device`` (docs/ops.md), which rpnn-cost, rpnn-hls and rpnn-rtl read.

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
from rpnn_ir.hw.devices import DEFAULT_FRACTIONS, RESOURCES, Device, record_device
from rpnn_ir.hw.folding import (
    GROUP_KINDS,
    FoldError,
    FoldProblem,
    FoldResult,
    Objective,
    apply_folding,
    extract_problem,
    fold_for_budget,
    fold_for_fps,
)
from rpnn_ir.passes.cost import analyse, design_device, human, plural, write_reports


def fold_function(graph: DataflowGraph, device: Device, clock_mhz: float,
                  target_fps: float = 0.0, fractions: tuple[float, ...] = (1.0,) * 4,
                  count_fifos: bool = False, over_budget: bool = False
                  ) -> tuple[FoldResult, int]:
    """Fold one function in place; returns the result and the number of DWCs inserted.

    In target mode the design must also fit the budget `fractions` (a `FoldError` saying
    the best frame rate within it otherwise) unless `over_budget`."""
    problem = extract_problem(graph, clock_mhz, device, count_fifos)
    budget = Objective.for_device(device, fractions)
    if target_fps > 0:
        try:
            result = fold_for_fps(problem, target_fps,
                                  Objective.for_device(device) if over_budget else budget)
        except FoldError as e:
            if over_budget or "within the budget" not in str(e):
                raise
            raise FoldError(f"{target_fps:g} frames/s does not fit the budget "
                            f"({budget_summary(device, fractions)}); "
                            f"{best_within_budget(problem, budget)}: {OVER_BUDGET_FIX}"
                            ) from None
    else:
        result = fold_for_budget(problem, budget)
    inserted = apply_folding(problem, result.solution.choice)
    return result, inserted


def budget_summary(device: Device, fractions: tuple[float, ...]) -> str:
    """``LUT 85% of xc7z020`` and the other resources budgeted below 100%."""
    shown = [f"{'BRAM18' if r == 'bram18' else r.upper()} {100 * f:.0f}%"
             for r, f in zip(RESOURCES, fractions, strict=True) if f < 1 or r == "lut"]
    return f"{', '.join(shown)} of {device.name}"


def best_within_budget(problem: FoldProblem, budget: Objective) -> str:
    """What fits the budget: ``the fastest design within it runs at N frames/s (limited by
    R)`` (a budget-mode fold of `problem`), or that nothing fits."""
    try:
        result = fold_for_budget(problem, budget)
    except FoldError:
        return "not even the most folded design fits it"
    limit = next((_limit(line) for line in result.explanation
                  if line.startswith("limiting resource")),
                 "no resource: its bottleneck is fully unfolded")
    return f"the fastest design within it runs at {result.fps:.1f} frames/s (limited by {limit})"


def _limit(line: str) -> str:
    """``lut`` from fold_for_budget's "limiting resource: lut (...)" line, or ``the budget as
    a whole, tightest lut``."""
    limit = line.split(":", 1)[1].split("(")[0].strip()
    if "tightest now: " in line:
        limit += ", tightest " + line.rsplit("tightest now: ", 1)[1].rstrip(")")
    return limit


OVER_BUDGET_FIX = ("lower target-fps, raise the fractions, choose a larger device, or pass "
                   "allow-over-budget")


def check_fractions(**fractions: float) -> None:
    """Refuse a budget share outside 0..1 (``lut_fraction=70``: thinking in percent), one
    line naming the option and the likely meaning."""
    for field, value in fractions.items():
        option = field.replace("_", "-")
        if value < 0 or value > 1:
            hint = f"; did you mean {value / 100:.2f}?" if 1 < value <= 100 else ""
            raise PassFailedException(f"{option}={value:g}: fractions are 0..1 (a share of "
                                      f"the device){hint}")


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
        lines.append(f"  {u['unit']:<34} {fold:<28} {plural(u['cycles'], 'cycle'):>16}  "
                     f"LUT {u['lut']:>7}  BRAM18 {u['bram18']:>4}  URAM {u['uram']:>3}  "
                     f"DSP {u['dsp']:>4}")
    t = report["model_total"]
    budget = report["budget"] or {}
    lines.append(f"  result: {plural(report['max_cycles'], 'cycle')}/frame = "
                 f"{human(report['fps'], 'frames/s')}; LUT {t['lut']}, BRAM18 {t['bram18']}, "
                 f"URAM {t['uram']}, DSP {t['dsp']} (units and {report['dwc_inserted']} "
                 "inserted width converter(s))" + ("; of the budget: " + ", ".join(
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
    device: str = ""
    """Part to fold for (short name xc7z020 or full part xc7z020clg400-1); empty: the
    device recorded in the IR, else xc7z020.  The part folded for is recorded (rpnn.device)."""
    clock_mhz: int | float = 0.0
    """0: the device's default clock."""
    lut_fraction: int | float = DEFAULT_FRACTIONS[0]
    """Share (0..1) of the device's LUTs the design may use (default 0.85: docs/passes.md,
    "Budgets")."""
    bram_fraction: int | float = DEFAULT_FRACTIONS[1]
    """Share (0..1) of the device's block RAM the design may use."""
    uram_fraction: int | float = DEFAULT_FRACTIONS[2]
    """Share (0..1) of the device's UltraRAM the design may use."""
    dsp_fraction: int | float = DEFAULT_FRACTIONS[3]
    """Share (0..1) of the device's DSPs the design may use."""
    devices_file: str = ""
    """TOML/JSON file with more parts (docs/cost-model.md)."""
    report: str = ""
    """File for the report; empty: stderr."""
    json: bool | None = False
    """Report as JSON instead of a table."""
    count_fifos: bool | None = False
    """Count the FIFOs already in the IR at their current depths (``count-fifos`` or
    ``count-fifos=true``); by default they are left out, to be re-sized after folding."""
    allow_over_budget: bool | None = False
    """Target mode: the cheapest design at the target even when it exceeds the budget
    (by default such a target is an error saying the best frame rate within the budget)."""

    def fractions(self) -> tuple[float, float, float, float]:
        """The budget shares of `RESOURCES`, checked to be 0..1."""
        check_fractions(lut_fraction=self.lut_fraction, bram_fraction=self.bram_fraction,
                        uram_fraction=self.uram_fraction, dsp_fraction=self.dsp_fraction)
        return (self.lut_fraction, self.bram_fraction, self.uram_fraction,
                self.dsp_fraction)

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        fractions = self.fractions()
        device, devices, clock = design_device(op, self.device, self.devices_file,
                                               self.clock_mhz, refold=True)
        if self.target_fps < 0:
            raise PassFailedException("target-fps must not be negative")
        reports = []
        for function, graph in list(functions_with_dataflow(op)):
            if not any(u.kind in GROUP_KINDS for u in graph.units):
                continue  # nothing to fold (only ports, converters, FIFOs)
            try:
                result, inserted = fold_function(graph, device, clock, self.target_fps,
                                                 fractions, self.count_fifos is not False,
                                                 self.allow_over_budget is not False)
            except FoldError as e:
                raise PassFailedException(f"@{function.sym_name.data}: {e}") from None
            after = analyse(DataflowGraph.build(function), device, clock, devices).report
            reports.append(_report(result, device, clock, fractions, self.target_fps,
                                   inserted, after))
        record_device(op, device, clock)
        write_reports(reports, self.json, format_fold,
                      "rpnn-fold: no dataflow units in the module", self.report)
