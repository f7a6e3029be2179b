"""Folding benchmark: rpnn-fold against FINN's greedy SetFolding and the optimum.

    python benchmarks/folding.py [--devices xc7z020,xczu7ev] [--lut 0.7] [--bram 0.7]
                                 [--nets lfc,cnv] [--precisions 1,2,4,8] [--no-float]

For LFC (784-1024-1024-1024-10) and CNV (BNN-PYNQ's CIFAR-10 network) at W1A1, W2A2, W4A4
and W8A8, built as dataflow modules with random weights of the right types, and for every
device: the fastest design within the budget (LUT and BRAM18 fractions; URAM and DSP up to the
device) found by

- greedy: FINN's SetFolding (`rpnn_ir.hw.folding_baselines`), run for every achievable target
  and the fastest design within the budget kept;
- rpnn-fold: `rpnn_ir.hw.folding.fold_for_budget` (what the pass runs);
- optimum: independently of rpnn-fold's search, every achievable bottleneck T is tried in
  increasing order, starting from the per-resource relaxation bound (no design can be faster
  than it, so smaller T need no search), with the exact Pareto dynamic programme and none of
  rpnn-fold's shortcuts (no binary search, no Lagrangian passes); the first T with a design in
  the budget is the optimum of the cost model.  Exhaustive enumeration is intractable here
  (CNV has about 10^30 foldings); the DP is exact because the costs are separable up to the
  width converters, whose cost depends on two neighbours only (docs/passes.md, rpnn-fold),
  and it is checked against exhaustive enumeration on small random networks in
  tests/cost/test_fold.py.

FP32 rows cost the same networks with float32 MVTUs (`rpnn_ir.hw.cost.float_mvtu_cost`, PG060
operators with DSPs) and are folded by the same DP.  The script asserts that rpnn-fold is
never slower than greedy and within 5% of the optimum.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass

import numpy as np

from rpnn_ir.builders.dataflow_nets import build_cnv, build_lfc
from rpnn_ir.hw.dataflow_model import functions_with_dataflow
from rpnn_ir.hw.devices import Device, get_device
from rpnn_ir.hw.folding import (
    FoldError,
    FoldProblem,
    Objective,
    Solution,
    as_float32,
    extract_problem,
    fold_for_budget,
    lagrange,
    relaxation_bound,
    solve,
)
from rpnn_ir.hw.folding_baselines import greedy_for_budget


@dataclass
class Row:
    net: str
    precision: str
    device: str
    method: str
    solution: Solution | None
    seconds: float
    clock_mhz: float

    @property
    def fps(self) -> float | None:
        return None if self.solution is None else self.clock_mhz * 1e6 / self.solution.cycles


def optimum(problem: FoldProblem, objective: Objective) -> Solution | None:
    """The optimum by a linear scan of the achievable bottlenecks (see the module doc).

    A bound is skipped only with a proof that nothing fits there (the relaxation bound, or
    a Lagrangian certificate); otherwise the exact Pareto DP decides it.  When nothing fits
    at the slowest bottleneck, nothing fits at all (a design within a bound is within every
    larger one).
    """
    start = relaxation_bound(problem, objective)
    candidates = problem.cycle_candidates()
    if start is None or lagrange(problem, candidates[-1], objective)[1] or solve(
            problem, candidates[-1], objective, pareto=True) is None:
        return None  # nothing fits even at the slowest bottleneck (feasibility is monotone)
    for bound in candidates:
        if bound < start or lagrange(problem, bound, objective)[1]:
            continue
        found = solve(problem, bound, objective, pareto=True)
        if found is not None:
            return found
    return None


def run_case(net: str, precision: str, problem: FoldProblem, device: Device,
             objective: Objective, with_optimum: bool) -> list[Row]:
    rows = []
    for method in ("greedy", "rpnn-fold", "optimum"):
        if method == "optimum" and not with_optimum:
            continue
        start = time.perf_counter()
        if method == "greedy":
            solution = greedy_for_budget(problem, objective)
        elif method == "rpnn-fold":
            try:
                solution = fold_for_budget(problem, objective).solution
            except FoldError:
                solution = None
        else:
            solution = optimum(problem, objective)
        rows.append(Row(net, precision, device.name, method, solution,
                        time.perf_counter() - start, problem.clock_mhz))
    return rows


def format_row(row: Row, device: Device) -> str:
    head = f"{row.net:<4} {row.precision:<5} {row.device:<8} {row.method:<9}"
    if row.solution is None:
        return f"{head} {'does not fit':>12}{'':>45} {row.seconds:7.2f}"
    lut, bram, uram, dsp = row.solution.res
    return (f"{head} {row.fps:12.1f} {row.solution.cycles:9d} "
            f"{lut:7d} {100 * lut / device.lut:5.1f}% {bram:5d} {uram:4d} {dsp:5d} "
            f"{row.seconds:7.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", default="xc7z020,xczu7ev")
    parser.add_argument("--nets", default="lfc,cnv")
    parser.add_argument("--precisions", default="1,2,4,8")
    parser.add_argument("--lut", type=float, default=0.7, help="LUT fraction of the budget")
    parser.add_argument("--bram", type=float, default=0.7, help="BRAM18 fraction")
    parser.add_argument("--no-float", action="store_true", help="skip the FP32 rows")
    parser.add_argument("--no-optimum", action="store_true", help="skip the optimum search")
    args = parser.parse_args(argv)

    builders = {"lfc": build_lfc, "cnv": build_cnv}
    print(f"budget: LUT <= {args.lut:.0%}, BRAM18 <= {args.bram:.0%} of the device; URAM and "
          "DSP up to the device; clock: the device default")
    header = (f"{'net':<4} {'prec':<5} {'device':<8} {'method':<9} {'frames/s':>12} "
              f"{'cycles':>9} {'LUT':>7} {'LUT%':>6} {'BRAM18':>5} {'URAM':>4} {'DSP':>5} "
              f"{'time s':>7}")
    print(header)
    print("-" * len(header))
    failures: list[str] = []
    summary: list[tuple[str, float | None, float | None, float | None]] = []
    for device_name in args.devices.split(","):
        device = get_device(device_name)
        objective = Objective.for_device(device, (args.lut, args.bram, 1.0, 1.0))
        for net in args.nets.split(","):
            cases: list[tuple[str, FoldProblem]] = []
            for bits in (int(b) for b in args.precisions.split(",")):
                module = builders[net](bits, bits)
                ((_, graph),) = list(functions_with_dataflow(module))
                cases.append((f"W{bits}A{bits}",
                              extract_problem(graph, device.clock_mhz, device)))
            if not args.no_float:
                cases.append(("FP32", as_float32(cases[0][1], device)))
            for precision, problem in cases:
                rows = run_case(net, precision, problem, device, objective,
                                not args.no_optimum)
                for row in rows:
                    print(format_row(row, device), flush=True)
                by = {r.method: r.fps for r in rows}
                ours, greedy, best = by.get("rpnn-fold"), by.get("greedy"), by.get("optimum")
                label = f"{net} {precision} {device.name}"
                summary.append((label, ours, greedy, best))
                if greedy is not None and (ours is None or ours < greedy * (1 - 1e-9)):
                    failures.append(f"{label}: rpnn-fold slower than greedy")
                if best is not None and (ours is None or ours < 0.95 * best):
                    failures.append(f"{label}: rpnn-fold below 95% of the optimum")
                if best is None and ours is not None and "optimum" in by:
                    failures.append(f"{label}: optimum search found nothing")
            print()
    print("rpnn-fold / greedy and rpnn-fold / optimum (frames/s):")
    for label, ours, greedy, best in summary:
        def ratio(a, b):
            return "-" if a is None or b is None else f"{a / b:.3f}"
        print(f"  {label:<24} vs greedy {ratio(ours, greedy):>7}   vs optimum "
              f"{ratio(ours, best):>7}")
    speedups = [o / g for _, o, g, _ in summary if o is not None and g is not None]
    if speedups:
        print(f"geometric mean speed-up over greedy where both fit: "
              f"{float(np.exp(np.mean(np.log(speedups)))):.2f}x over {len(speedups)} cases")
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        return 1
    print("OK: rpnn-fold >= greedy everywhere and within 5% of the optimum")
    return 0


if __name__ == "__main__":
    sys.exit(main())
