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

With ``devices=`` (e.g. ``devices=xcu250`` or ``devices="xczu7ev*2"``) folding and
partitioning go together (`fold_and_partition`): the fold's budget is the sum of the
partitions' (each SLR of a multi-SLR part, or each device with ``slrs=false``), and
`rpnn-partition` runs after `rpnn-insert-fifos`.  In budget mode the budget is scaled down
until a partition of the folded design with its FIFOs fits, then up again by bisection: the
fastest folding found for which a feasible partition exists.  With ``target-fps`` it is the
cheapest folding at that rate, partitioned.  The cost report then also gives frames/s on the k
partitions against the same search on the first partition alone.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

from xdsl.context import Context
from xdsl.dialects.builtin import DictionaryAttr, FloatAttr, IntegerAttr, ModuleOp, StringAttr, f64
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException

from rpnn_ir.hw.dataflow_model import DataflowGraph, evaluate, functions_with_dataflow
from rpnn_ir.hw.devices import RESOURCES, Device
from rpnn_ir.hw.folding import FoldError
from rpnn_ir.hw.partition import (
    DEFAULT_LINK_GBPS,
    Crossing,
    PartitionError,
    Slot,
    apply_partition,
    extract_problem,
    make_slots,
    partition,
    share_bound,
)
from rpnn_ir.passes.cost import JOINT_ATTR, CostPass, analyse, resolve_device
from rpnn_ir.passes.fold import FoldPass, fold_function
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
    """Part to fold for and cost against (see `rpnn_ir/hw/data/devices.toml`)."""
    target_fps: int | float = 0.0
    """Frames/s to reach at least cost; 0: the fastest design within the budget."""
    lut_fraction: int | float = 1.0
    """Budget mode: share of the device's LUTs the design may use."""
    bram_fraction: int | float = 1.0
    """Budget mode: share of the device's BRAM the design may use."""
    clock_mhz: int | float = 0.0
    """0: the device's default clock."""
    fold: bool | None = True
    """`fold=false` keeps PE = SIMD = 1 (the smallest, slowest design)."""
    report: str = ""
    """File for the cost report; empty: stderr."""
    json: bool | None = False
    """Report as JSON instead of a table."""
    quiet: bool | None = False
    """No report at all."""
    devices_file: str = ""
    """TOML file with more parts (see docs/cost-model.md)."""
    devices: str | tuple[str, ...] = ""
    """Fold and partition together over these parts (see `rpnn-partition`); empty: one
    device, `device`."""
    slrs: bool | None = True
    """With `devices`: each SLR of a multi-SLR part is a partition of its own."""
    link_gbps: int | float = DEFAULT_LINK_GBPS
    """With `devices`: Gb/s of each device-to-device link."""

    def stages(self) -> list[ModulePass]:
        """The passes this pipeline runs, in order."""
        stages: list[ModulePass] = [
            StreamlinePass(),
            InferPrecisionPass(),
            LowerToDataflowPass(fifos=False),
        ]
        if self.fold is not False:
            stages.append(FoldPass(
                target_fps=self.target_fps, device=self.device, clock_mhz=self.clock_mhz,
                lut_fraction=self.lut_fraction, bram_fraction=self.bram_fraction,
                devices_file=self.devices_file, report=os.devnull,
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
        for stage in self.stages():
            if isinstance(stage, FoldPass):
                if self.devices:
                    self.fold_and_partition(ctx, op)
                else:
                    self.fold_to_fit(ctx, op, stage)
            elif isinstance(stage, InsertFifosPass | PartitionPass) and self.devices \
                    and self.fold is not False:
                continue  # done by fold_and_partition
            else:
                stage.apply(ctx, op)

    def fold_and_partition(self, ctx: Context, op: ModuleOp) -> None:
        """Fold for the k partitions of `devices` and partition (see the module docstring);
        the same search on the first partition alone gives the frames/s compared with."""
        devices = parse_devices(self.devices, self.devices_file)
        fractions = (self.lut_fraction, self.bram_fraction, 1.0, 1.0)
        slots, crossings = make_slots(devices, self.slrs is not False, fractions,
                                      self.link_gbps)
        clock = self.clock_mhz or devices[0].clock_mhz
        single = op.clone()
        fps = self._joint_search(ctx, op, slots, crossings, clock)
        try:
            fps_one = self._joint_search(ctx, single, slots[:1], [], clock)
        except PassFailedException:
            fps_one = 0.0  # the design does not fit one partition at all
        for function, _ in functions_with_dataflow(op):
            function.attributes[JOINT_ATTR] = DictionaryAttr({
                "partitions": IntegerAttr(len(slots), 64), "fps": FloatAttr(fps, f64),
                "fps_one": FloatAttr(fps_one, f64), "one": StringAttr(slots[0].label)})

    def _joint_search(self, ctx: Context, op: ModuleOp, slots: list[Slot],
                      crossings: list[Crossing], clock: float) -> float:
        """Fold `op` (lowered, unfolded) for `slots`, insert FIFOs, partition, in place; in
        budget mode the budget scale is searched (proportional shrink, then bisection).
        Returns the design's frames/s."""
        lowered = op.clone()
        room = [int(sum(s.avail[i] for s in slots)) for i in range(len(RESOURCES))]
        total = Device("partitions", lut=room[0], ff=0, bram18=room[1], uram=room[2],
                       dsp=room[3], clock_mhz=clock)
        best: tuple[ModuleOp, float] | None = None
        scale, low, high = 1.0, 0.0, None
        for _ in range(1 if self.target_fps else MAX_JOINT_TRIES):
            trial, share, error = self._attempt(ctx, lowered, total, scale, slots, crossings,
                                                clock)
            if error is None:
                fps = min(_fps(graph, clock) for _, graph in functions_with_dataflow(trial))
                if best is None or fps > best[1]:
                    best = (trial, fps)
                low = scale
                if high is None or high - low < JOINT_RESOLUTION * high:
                    break
                scale = (low + high) / 2
            else:
                high = scale
                scale = (low + high) / 2 if best else scale / max(share, 1.0) * REFOLD_MARGIN
        if best is None:
            where = ", ".join(s.label for s in slots)
            raise PassFailedException(f"rpnn-pipeline: no folding found that partitions onto "
                                      f"{where}: {error}")
        _replace_body(op, best[0])
        return best[1]

    def _attempt(self, ctx: Context, lowered: ModuleOp, total: Device, scale: float,
                 slots: list[Slot], crossings: list[Crossing], clock: float
                 ) -> tuple[ModuleOp, float, str | None]:
        """Fold a clone of `lowered` with `scale` of the budget (or for target-fps), insert
        FIFOs and partition it.  Returns it, a lower bound of its largest share (when it
        does not fit) and the reason it does not fit (None when it does)."""
        trial = lowered.clone()
        for _, graph in list(functions_with_dataflow(trial)):
            try:
                fold_function(graph, total, clock, self.target_fps, (scale,) * 4)
            except FoldError as e:
                return trial, 2.0, str(e)
        InsertFifosPass().apply(ctx, trial)
        for _, graph in list(functions_with_dataflow(trial)):
            problem = extract_problem(graph, slots, crossings, clock)
            try:
                result = partition(problem)
            except PartitionError as e:
                return trial, share_bound(problem), str(e)
            apply_partition(graph, slots, result.assignment)
        return trial, 0.0, None

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
        device, devices = resolve_device(self.device, self.devices_file)
        clock = self.clock_mhz or device.clock_mhz
        excess = 0.0
        for _, graph in functions_with_dataflow(module):
            util = analyse(graph, device, clock, devices).report["utilisation"]
            for resource, budget in (("lut", self.lut_fraction), ("bram18", self.bram_fraction)):
                if util[resource] is not None and budget > 0:
                    excess = max(excess, util[resource] / budget)
        return excess


MAX_REFOLDS = 4
"""Folds tried in budget mode before the last one is kept (fitting or not: rpnn-cost says)."""
REFOLD_MARGIN = 0.98
"""Each refold aims a little below the proportional budget, so it converges in few tries."""


def _replace_body(module: ModuleOp, source: ModuleOp) -> None:
    """Give `module` the body of `source` (a clone), in place."""
    old = module.body.detach_block(0)
    module.body.add_block(source.body.detach_block(0))
    old.erase()


MAX_JOINT_TRIES = 10
"""Folds (each followed by FIFO sizing and partitioning) tried by `fold_and_partition`."""
JOINT_RESOLUTION = 0.05
"""The budget-scale bisection stops when the gap is below this share of the scale."""


def _fps(graph: DataflowGraph, clock_mhz: float) -> float:
    return clock_mhz * 1e6 / max(evaluate(u).cycles for u in graph.units)
