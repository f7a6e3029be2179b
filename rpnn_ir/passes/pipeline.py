"""`rpnn-pipeline`: the whole middle of the compiler as one pass.

    rpnn-opt net.mlir -p 'rpnn-pipeline{device=xczu7ev target-fps=10000}'

runs, in order: `rpnn-streamline` (graph -> integer level), `rpnn-infer-precision`
(narrowest sound types), `rpnn-lower-to-dataflow` (streams and units), `rpnn-fold` (PE/SIMD
for `target-fps`, or the fastest design within the device budget when `target-fps` is 0),
`rpnn-insert-fifos` (width converters and FIFO depths for the chosen folding) and
`rpnn-cost` (cost annotations and the design's report).  Each stage is the registered pass
of that name, so `-p rpnn-pipeline` and the spelled-out list give the same module.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from rpnn_ir.passes.cost import CostPass
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
    """Part to fold for and cost against (see `rpnn_ir/data/devices.toml`)."""
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
            stage.apply(ctx, op)
