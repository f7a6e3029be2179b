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
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from rpnn_ir.hw.dataflow_model import functions_with_dataflow
from rpnn_ir.passes.cost import CostPass, analyse, resolve_device
from rpnn_ir.passes.fold import FoldPass
from rpnn_ir.passes.infer_precision import InferPrecisionPass
from rpnn_ir.passes.insert_fifos import InsertFifosPass
from rpnn_ir.passes.lower_to_dataflow import LowerToDataflowPass
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
        stages.append(CostPass(
            device=self.device, clock_mhz=self.clock_mhz, json=self.json,
            report=os.devnull if self.quiet is not False else self.report,
            devices_file=self.devices_file,
        ))
        return stages

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for stage in self.stages():
            if isinstance(stage, FoldPass):
                self.fold_to_fit(ctx, op, stage)
            else:
                stage.apply(ctx, op)

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
