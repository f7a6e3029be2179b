"""`rpnn-pipeline`: the whole middle of the compiler as one pass.

    rpnn-opt net.mlir -p 'rpnn-pipeline{device=xczu7ev target-fps=10000}'

runs, in order: `rpnn-streamline` (graph -> integer level), `rpnn-infer-precision`
(narrowest sound types), `rpnn-lower-to-dataflow` (streams and units), `rpnn-fold` (PE/SIMD
for `target-fps`, or the fastest design within the device budget when `target-fps` is 0),
`rpnn-insert-fifos` (width converters and FIFO depths for the chosen folding) and
`rpnn-cost` (cost annotations and the design's report).  Each stage is the registered pass
of that name, so `-p rpnn-pipeline` gives the module the spelled-out list gives, with one
addition: in budget mode, while the design with its FIFOs and width converters exceeds the
budget, the fold is repeated with a proportionally smaller budget (`fold_to_fit`).

The budget is 85% of the LUTs and all of the block RAM by default (`lut-fraction`,
`bram-fraction`: shares 0..1; docs/passes.md, "Budgets").  A finished design over its
budget, FIFOs included, or slower than `target-fps` is an error that gives the best frame
rate within the budget and the limiting resource (`check_budget`), unless
`allow-over-budget` is passed.  The device and clock are recorded in the module attribute
``rpnn.device`` first (docs/ops.md), for the targets.  An error of a stage names that stage
(`StageFailed`: ``pass 'rpnn-fold' (in rpnn-pipeline) failed: ...``).

With ``devices=`` (e.g. ``devices=xcu250`` or ``devices="xczu7ev*2"``) folding and
partitioning go together (`fold_and_partition`): the partitions are each SLR of a multi-SLR
part (or each device with ``slrs=false``); for a bound T on every unit's cycles the fold takes
the cheapest design (utilisation of the partitions' summed capacity; refolded with a capped
resource when the placement overflows it), `rpnn-insert-fifos` sizes its FIFOs and
`rpnn-partition` places it; the smallest T whose design partitions wins (binary search over
the achievable bottlenecks).  With ``target-fps`` T is the target's.  The
cost report then also gives frames/s on the k partitions against the same search on the first
partition alone.
"""

from __future__ import annotations

import math
import os
from contextlib import nullcontext
from dataclasses import dataclass, replace

from xdsl.context import Context
from xdsl.dialects.builtin import DictionaryAttr, FloatAttr, IntegerAttr, ModuleOp, StringAttr, f64
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException

from rpnn_ir import progress
from rpnn_ir.hw.dataflow_model import DataflowGraph, evaluate, functions_with_dataflow
from rpnn_ir.hw.devices import DEFAULT_FRACTIONS, RESOURCES, Device, record_device
from rpnn_ir.hw.folding import Objective, apply_folding, extract_problem, feasible_design
from rpnn_ir.hw.partition import (
    DEFAULT_LINK_GBPS,
    Crossing,
    PartitionError,
    Slot,
    apply_partition,
    make_slots,
    partition,
)
from rpnn_ir.hw.partition import extract_problem as partition_problem
from rpnn_ir.passes import StageFailed
from rpnn_ir.passes.cost import JOINT_ATTR, CostPass, analyse, design_device, resolve_device
from rpnn_ir.passes.fold import OVER_BUDGET_FIX, FoldPass, budget_summary, check_fractions
from rpnn_ir.passes.infer_precision import InferPrecisionPass
from rpnn_ir.passes.insert_fifos import InsertFifosPass
from rpnn_ir.passes.lower_to_dataflow import LowerToDataflowPass
from rpnn_ir.passes.partition import PartitionPass, parse_devices
from rpnn_ir.passes.streamline import StreamlinePass


@dataclass(frozen=True)
class PipelinePass(ModulePass):
    """Graph level to a folded, costed dataflow design."""

    name = "rpnn-pipeline"

    device: str = "xc7z020"
    """Part to fold for and cost against: a short name (xc7z020) or a full part
    (xc7z020clg400-1) of `rpnn_ir/hw/data/devices.toml` or devices-file=.  Recorded in
    the IR (module attribute rpnn.device) for rpnn-hls, rpnn-rtl and rpnn-cost."""
    target_fps: int | float = 0.0
    """Frames/s to reach at least cost; 0: the fastest design within the budget."""
    lut_fraction: int | float = DEFAULT_FRACTIONS[0]
    """Share (0..1) of the device's LUTs the design may use, FIFOs included (default 0.85:
    docs/passes.md, "Budgets")."""
    bram_fraction: int | float = DEFAULT_FRACTIONS[1]
    """Share (0..1) of the device's BRAM the design may use, FIFOs included."""
    allow_over_budget: bool | None = False
    """Keep a design over its budget or below target-fps (by default an error that says the
    best frame rate within the budget and the limiting resource)."""
    clock_mhz: int | float = 0.0
    """0: the device's default clock."""
    fold: bool | None = True
    """`fold=false` keeps PE = SIMD = 1 (the smallest, slowest design)."""
    report: str = ""
    """File for the cost report; empty: stderr."""
    json: bool | None = False
    """Report as JSON instead of a table."""
    quiet: bool | None = False
    """No report at all, and no progress lines on a terminal."""
    devices_file: str = ""
    """TOML file with more parts (see docs/cost-model.md)."""
    devices: str | tuple[str, ...] = ""
    """Fold and partition together over these parts (see `rpnn-partition`); empty: one
    device, `device`."""
    slrs: bool | None = True
    """With `devices`: each SLR of a multi-SLR part is a partition of its own."""
    link_gbps: int | float = DEFAULT_LINK_GBPS
    """With `devices`: Gb/s of each device-to-device link."""
    float_tail: str = "real"
    """`rpnn-streamline`'s float-tail: `onnx` keeps the float ops after the last quantizers
    with onnxruntime's f32 rounding (docs/passes.md)."""

    def stages(self) -> list[ModulePass]:
        """The passes this pipeline runs, in order."""
        stages: list[ModulePass] = [
            StreamlinePass(float_tail=self.float_tail),
            InferPrecisionPass(),
            LowerToDataflowPass(fifos=False),
        ]
        if self.fold is not False:
            stages.append(FoldPass(
                target_fps=self.target_fps, device=self.device, clock_mhz=self.clock_mhz,
                lut_fraction=self.lut_fraction, bram_fraction=self.bram_fraction,
                devices_file=self.devices_file, report=os.devnull,
                allow_over_budget=self.allow_over_budget,
            ))
        stages.append(InsertFifosPass())
        if self.devices:
            stages.append(self.partition_pass())
        stages.append(CostPass(
            device=self.cost_device(), clock_mhz=self.clock_mhz, json=self.json,
            report=os.devnull if self.quiet is not False else self.report,
            devices_file=self.devices_file,
        ))
        return stages

    def cost_device(self) -> str:
        """The part the cost report is relative to: the first of `devices`, or `device`."""
        if not self.devices:
            return self.device
        return parse_devices(self.devices, self.devices_file)[0].name

    def partition_pass(self) -> PartitionPass:
        return PartitionPass(
            devices=self.devices, slrs=self.slrs, lut_fraction=self.lut_fraction,
            bram_fraction=self.bram_fraction, link_gbps=self.link_gbps,
            clock_mhz=self.clock_mhz, devices_file=self.devices_file, report=os.devnull)

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        check_fractions(lut_fraction=self.lut_fraction, bram_fraction=self.bram_fraction)
        device, _, clock = design_device(op, self.cost_device(), self.devices_file,
                                         self.clock_mhz, refold=True)
        record_device(op, device, clock)  # the device travels with the design
        with progress.quiet() if self.quiet is not False else nullcontext():
            self.run_stages(ctx, op)

    def run_stages(self, ctx: Context, op: ModuleOp) -> None:
        """Run `stages`, each reported on a terminal (`rpnn_ir.progress`); a failing stage's
        error names that stage (`StageFailed`)."""
        lowered: ModuleOp | None = None
        for stage in self.stages():
            with progress.stage(stage.name):
                lowered = self.run_stage(ctx, op, stage, lowered)

    def run_stage(self, ctx: Context, op: ModuleOp, stage: ModulePass,
                  lowered: ModuleOp | None) -> ModuleOp | None:
        """One of `stages` (folding and partitioning go together with `devices`); returns
        the module as it was before folding, once folded (for `check_budget`)."""
        try:
            if isinstance(stage, FoldPass):
                lowered = op.clone()
                if self.devices:
                    self.fold_and_partition(ctx, op)
                else:
                    self.fold_to_fit(ctx, op, stage)
            elif isinstance(stage, InsertFifosPass | PartitionPass) and self.devices \
                    and self.fold is not False:
                pass  # done by fold_and_partition
            else:
                if isinstance(stage, CostPass) and not self.devices:
                    self.check_budget(ctx, op, lowered)
                stage.apply(ctx, op)
        except StageFailed:
            raise
        except PassFailedException as e:
            raise StageFailed(stage.name, str(e)) from None
        return lowered

    def budgets(self) -> dict[str, float]:
        """The share of each of `RESOURCES` the design may use."""
        return dict(zip(RESOURCES, (self.lut_fraction, self.bram_fraction,
                                    *DEFAULT_FRACTIONS[2:]), strict=True))

    def check_budget(self, ctx: Context, op: ModuleOp, lowered: ModuleOp | None) -> None:
        """Refuse (unless allow-over-budget) a design, FIFOs and converters included, over
        its budget or slower than target-fps, saying the best frame rate within the budget.
        `lowered` is the module before folding (None when the pipeline does not fold)."""
        if self.allow_over_budget is not False:
            return
        device, _ = resolve_device(self.device, self.devices_file)
        for function, graph in functions_with_dataflow(op):
            shares, fps = self._shares(graph)
            worst = max(shares, key=lambda r: shares[r], default=None)
            slow = self.target_fps and fps < self.target_fps * (1 - 1e-12)
            if (worst is None or shares[worst] <= 1 + 1e-9) and not slow:
                continue
            if worst is not None and shares[worst] > 1 + 1e-9:
                budget = budget_summary(device, tuple(self.budgets().values()))
                what = (f"needs {worst} {100 * shares[worst] * self.budgets()[worst]:.1f}% of "
                        f"{device.name} with its FIFOs and width converters, over the budget "
                        f"({budget})")
            else:
                what = f"runs at {fps:.1f} frames/s, below target-fps={self.target_fps:g}"
            best = (self.best_fitting(ctx, lowered) if lowered is not None
                    else "with fold=false the design is the smallest and slowest (fold=true "
                    "folds it)")
            raise StageFailed(self.name, f"@{function.sym_name.data}: the design {what}; "
                                         f"{best}: {OVER_BUDGET_FIX}")

    def best_fitting(self, ctx: Context, lowered: ModuleOp) -> str:
        """The frame rate of the fastest design within the budget, FIFOs included (a
        budget-mode fold of a copy of `lowered`), and the resource that limits it."""
        trial = lowered.clone()
        budget_mode = replace(self, target_fps=0.0)
        fold = next(s for s in budget_mode.stages() if isinstance(s, FoldPass))
        try:
            budget_mode.fold_to_fit(ctx, trial, fold)
        except PassFailedException:
            return "not even the most folded design fits the budget"
        InsertFifosPass().apply(ctx, trial)
        results = [self._shares(graph) for _, graph in functions_with_dataflow(trial)]
        if not results or max(max(sh.values(), default=0.0) for sh, _ in results) > 1 + 1e-9:
            return "not even the most folded design fits the budget"
        shares, fps = min(results, key=lambda r: r[1])
        limit = max(shares, key=lambda r: shares[r], default="nothing")
        return (f"the fastest design within the budget runs at {fps:.1f} frames/s (limited "
                f"by {limit})")

    def _shares(self, graph: DataflowGraph) -> tuple[dict[str, float], float]:
        """Used / budgeted share of each resource the part has (and may use) in one
        function, and its frames/s."""
        device, devices = resolve_device(self.device, self.devices_file)
        report = analyse(graph, device, self.clock_mhz or device.clock_mhz, devices).report
        budgets = self.budgets()
        shares = {r: u / budgets[r] for r, u in report["utilisation"].items()
                  if u is not None and budgets[r] > 0}
        return shares, report["fps"]

    def fold_and_partition(self, ctx: Context, op: ModuleOp) -> None:
        """Fold for the k partitions of `devices` and partition (see the module docstring);
        the same search on the first partition alone gives the frames/s compared with."""
        devices = parse_devices(self.devices, self.devices_file)
        fractions = (self.lut_fraction, self.bram_fraction, 1.0, 1.0)
        slots, crossings = make_slots(devices, self.slrs is not False, fractions,
                                      self.link_gbps)
        clock = self.clock_mhz or devices[0].clock_mhz
        single = op.clone()
        fps = self._joint_search(ctx, op, slots, crossings, clock, self.target_fps)
        try:  # the fastest design on one partition (budget mode), for comparison
            fps_one = self._joint_search(ctx, single, slots[:1], [], clock, 0.0)
        except PassFailedException:
            fps_one = 0.0  # the design does not fit one partition at all
        for function, _ in functions_with_dataflow(op):
            function.attributes[JOINT_ATTR] = DictionaryAttr({
                "partitions": IntegerAttr(len(slots), 64), "fps": FloatAttr(fps, f64),
                "fps_one": FloatAttr(fps_one, f64), "one": StringAttr(slots[0].label)})

    def _joint_search(self, ctx: Context, op: ModuleOp, slots: list[Slot],
                      crossings: list[Crossing], clock: float, target_fps: float) -> float:
        """Fold `op` (lowered, unfolded) for `slots`, insert FIFOs and partition it, in place.

        The bound T on every unit's cycles is searched over the achievable bottlenecks: for
        each T a folding within it (`_attempt`) is given its FIFOs and partitioned; the
        smallest T
        whose design partitions wins (binary search, fastest first).  With `target_fps`, T is
        the target's.  Returns the design's frames/s.
        """
        room = [int(sum(s.avail[i] for s in slots)) for i in range(len(RESOURCES))]
        total = Device("partitions", lut=room[0], ff=0, bram18=room[1], uram=room[2],
                       dsp=room[3], clock_mhz=clock)
        candidates = _cycle_candidates(op, clock, total)
        where = ", ".join(s.label for s in slots)
        if target_fps:
            bound = math.floor(clock * 1e6 / target_fps * (1 + 1e-12))
            if bound < candidates[0]:
                raise PassFailedException(f"{target_fps:g} frames/s needs at most {bound} "
                                          f"cycles per frame; the fastest design needs "
                                          f"{candidates[0]}")
            candidates = [bound]
        tried: dict[int, tuple[ModuleOp, str | None]] = {}

        def attempt(index: int) -> bool:
            bound = candidates[index]
            if bound not in tried:
                tried[bound] = self._attempt(ctx, op, total, bound, slots, crossings, clock)
            return tried[bound][1] is None

        lo, hi = 0, len(candidates) - 1
        if not attempt(hi):
            what = (f"at {target_fps:g} frames/s the design" if target_fps
                    else "not even the most folded design")
            raise PassFailedException(f"{what} does not partition onto {where}: "
                                      f"{tried[candidates[hi]][1]}")
        while lo < hi:
            mid = (lo + hi) // 2
            if attempt(mid):
                hi = mid
            else:
                lo = mid + 1
        best = tried[candidates[lo]][0]
        _replace_body(op, best)
        return min(_fps(graph, clock) for _, graph in functions_with_dataflow(op))

    def _attempt(self, ctx: Context, lowered: ModuleOp, total: Device, bound: int,
                 slots: list[Slot], crossings: list[Crossing], clock: float
                 ) -> tuple[ModuleOp, str | None]:
        """A clone of `lowered` folded within `bound` cycles per unit, with FIFOs,
        partitioned; and why it does not partition (None when it does).

        The fold is the cheapest design (utilisation of the partitions' summed capacity;
        unit foldings bigger than every partition left out); when its placement overflows a
        resource by a share s, the fold is repeated with that resource capped at 1/s of
        what it used (`MAX_REFOLDS` times): a design of the same speed that sheds it.
        """
        largest = [max(s.avail[r] for s in slots) for r in range(len(RESOURCES))]
        caps: list[float | None] = [None] * len(RESOURCES)
        error = ""
        for _ in range(MAX_REFOLDS):
            trial = lowered.clone()
            used = self._fold_within(trial, total, bound, largest, caps, clock)
            if used is None:
                return trial, error or (f"no folding within {bound} cycles per frame fits "
                                        "the partitions' summed capacity")
            InsertFifosPass().apply(ctx, trial)
            try:
                for _, graph in list(functions_with_dataflow(trial)):
                    placement = partition_problem(graph, slots, crossings, clock)
                    result = partition(placement)
                    apply_partition(graph, slots, result.assignment)
                return trial, None
            except PartitionError as e:
                error = str(e)
                if e.shares is None or max(e.shares) <= 1:
                    return trial, error
                caps = [cap if share <= 1 else used[r] / share * REFOLD_MARGIN
                        for r, (share, cap) in enumerate(zip(e.shares, caps, strict=True))]
        return trial, error

    @staticmethod
    def _fold_within(module: ModuleOp, total: Device, bound: int, largest: list[float],
                     caps: list[float | None], clock: float) -> list[int] | None:
        """Fold every function of `module` in place within `bound` cycles: the cheapest
        design, or one within `caps` (and the summed capacity) when it exceeds them.
        Returns the resources used (summed over functions), None when nothing fits."""
        room = Objective.for_device(total, (1.0,) * len(RESOURCES)).caps
        limit = Objective(Objective.for_device(total).weights, tuple(
            min(c, r) if c is not None else r for c, r in zip(caps, room, strict=True)))
        used = [0] * len(RESOURCES)
        for _, graph in list(functions_with_dataflow(module)):
            problem = extract_problem(graph, clock, total)
            for group in problem.groups:  # a unit bigger than every partition is no option
                fitting = [c for c in group.configs
                           if all(v <= cap for v, cap in zip(c.res, largest, strict=True))]
                group.configs = fitting or group.configs
            solution = feasible_design(problem, bound, Objective(limit.weights),
                                       cheapest=True)
            if solution is not None and not limit.fits(solution.res):
                # a design within the caps: a Lagrangian witness when one is found quickly,
                # else the Pareto DP's
                solution = feasible_design(problem, bound, limit, cheapest=False)
            if solution is None:
                return None
            apply_folding(problem, solution.choice)
            used = [u + v for u, v in zip(used, solution.res, strict=True)]
        return used

    def fold_to_fit(self, ctx: Context, op: ModuleOp, fold: FoldPass) -> None:
        """Fold; in budget mode, fold again with a proportionally smaller budget while the
        design exceeds its budget once `rpnn-insert-fifos` has added FIFOs and width
        converters (their sizes depend on the folding, so `rpnn-fold` cannot count them)."""
        lowered = op.clone()
        for _ in range(MAX_REFOLDS):
            fold.apply(ctx, op)
            if self.target_fps:
                return
            trial = op.clone()
            InsertFifosPass().apply(ctx, trial)
            excess = self._excess(trial)
            if excess <= 1.0:
                return
            fold = replace(fold, lut_fraction=fold.lut_fraction / excess * REFOLD_MARGIN,
                           bram_fraction=fold.bram_fraction / excess * REFOLD_MARGIN)
            _replace_body(op, lowered.clone())

    def _excess(self, module: ModuleOp) -> float:
        """Largest used / budgeted share of LUT or BRAM18 over the module's functions."""
        return max((shares.get(r, 0.0) for _, graph in functions_with_dataflow(module)
                    for shares in [self._shares(graph)[0]] for r in ("lut", "bram18")),
                   default=0.0)


MAX_REFOLDS = 4
"""Folds tried in budget mode before the last one is kept (fitting or not: rpnn-cost says)."""
REFOLD_MARGIN = 0.98
"""Each refold aims a little below the proportional budget, so it converges in few tries."""


def _replace_body(module: ModuleOp, source: ModuleOp) -> None:
    """Give `module` the body of `source` (a clone), in place."""
    old = module.body.detach_block(0)
    module.body.add_block(source.body.detach_block(0))
    old.erase()




def _cycle_candidates(module: ModuleOp, clock: float, device: Device) -> list[int]:
    """Every bottleneck a folding of the module's functions can have, fastest first."""
    problems = [extract_problem(graph, clock, device)
                for _, graph in functions_with_dataflow(module.clone())]
    floor = max(p.cycle_candidates()[0] for p in problems)
    return sorted({c for p in problems for c in p.cycle_candidates() if c >= floor})


def _fps(graph: DataflowGraph, clock_mhz: float) -> float:
    return clock_mhz * 1e6 / max(evaluate(u).cycles for u in graph.units)
