"""From a trained network to a costed design and its accuracy in the hardware's arithmetic.

`compile_design` runs the exported QONNX model through `rpnn-pipeline` (budget mode: the
fastest design within a share of the device; target mode: the cheapest design reaching a
frame rate) and returns the compiled module with the `rpnn-cost` figures.
`CompiledClassifier` builds the C reference of the compiled module (ctypes) and classifies
uint8 images with it: the accuracy the FPGA design would have, frame for frame.

Float32 networks cannot go through the pipeline (its layers are integer-only), so
`float_design` costs them the paper's way: the same topology's dataflow units, each MVTU
replaced by rpnn-cost's float model (`rpnn_ir.hw.cost.float_mvtu_cost`, operators in
logic so that the LUT axis compares like with like), folded by the same solver as
`rpnn-fold` (`rpnn_ir.hw.folding`).  Width converters and FIFOs are not in that figure.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import onnx
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp

from rpnn_ir.backends.c_runner import CReference
from rpnn_ir.compiler import compile as compile_module
from rpnn_ir.frontends.onnx_import import from_onnx
from rpnn_ir.hw.dataflow_model import functions_with_dataflow
from rpnn_ir.hw.devices import RESOURCES, get_device
from rpnn_ir.hw.folding import (
    Objective,
    as_float32,
    extract_problem,
    fold_for_budget,
    fold_for_fps,
)
from rpnn_ir.passes.cost import analyse
from rpnn_ir.passes.infer_precision import InferPrecisionPass
from rpnn_ir.passes.lower_to_dataflow import LowerToDataflowPass
from rpnn_ir.passes.streamline import StreamlinePass


@dataclass
class DesignCost:
    """What rpnn-cost says about one design."""

    mode: str
    """"budget" (fastest within the device share) or "target" (cheapest at a frame rate)."""
    device: str
    clock_mhz: float
    fps: float
    lut: int
    bram18: int
    uram: int
    dsp: int
    fits: bool
    cost_model: str
    """"rpnn-pipeline" or "float32 model" (see module docstring)."""

    def as_dict(self) -> dict:
        return asdict(self)


def pipeline_spec(device: str, target_fps: float, lut_fraction: float) -> str:
    """The `rpnn-pipeline` options for one design (target_fps 0: budget mode).  A design
    over the part is a point of the exploration (its `fits` says so), not an error, hence
    ``allow-over-budget``."""
    if target_fps:
        fps = int(target_fps) if float(target_fps).is_integer() else float(target_fps)
        return (f"rpnn-pipeline{{device={device} target-fps={fps!r} "
                "allow-over-budget=true quiet=true}")
    share = float(lut_fraction)
    return (f"rpnn-pipeline{{device={device} lut-fraction={share!r} "
            f"bram-fraction={share!r} allow-over-budget=true quiet=true}}")


def compile_design(proto: onnx.ModelProto, device: str, target_fps: float = 0.0,
                   lut_fraction: float = 1.0) -> tuple[ModuleOp, DesignCost]:
    """Compile the QONNX model through rpnn-pipeline and cost the design."""
    result = compile_module(proto, pipeline_spec(device, target_fps, lut_fraction))
    part = get_device(device)
    ((_, graph),) = list(functions_with_dataflow(result.module))
    report = analyse(graph, part, part.clock_mhz).report
    total = report["total"]
    cost = DesignCost("target" if target_fps else "budget", device, part.clock_mhz,
                      report["fps"], total["lut"], total["bram18"], total["uram"],
                      total["dsp"], bool(report["fits"]), "rpnn-pipeline")
    return result.module, cost


def float_design(structure: onnx.ModelProto, device: str, target_fps: float = 0.0,
                 lut_fraction: float = 1.0) -> DesignCost:
    """Cost the float32 version of the topology of `structure` (a quantized export of the
    same network: only its shapes are used) with the float MVTU model, folded like
    rpnn-fold folds: for `target_fps`, or fastest within `lut_fraction` of the device."""
    module = from_onnx(structure)
    ctx = Context()
    for stage in (StreamlinePass(), InferPrecisionPass(), LowerToDataflowPass(fifos=False)):
        stage.apply(ctx, module)
    part = get_device(device)
    ((_, graph),) = list(functions_with_dataflow(module))
    problem = as_float32(extract_problem(graph, part.clock_mhz, part), part, resource="lut")
    objective = Objective.for_device(part, (lut_fraction, lut_fraction, 1.0, 1.0))
    if target_fps:
        folded = fold_for_fps(problem, target_fps, Objective.for_device(part, None))
    else:
        folded = fold_for_budget(problem, objective)
    res = dict(zip(RESOURCES, folded.solution.res, strict=True))
    fits = all(res[r] <= part.capacity(r) for r in RESOURCES)
    return DesignCost("target" if target_fps else "budget", device, part.clock_mhz,
                      folded.fps, int(res["lut"]), int(res["bram18"]), int(res["uram"]),
                      int(res["dsp"]), fits, "float32 model")


class CompiledClassifier:
    """The C reference of a compiled classifier (input: the 8-bit image, output: label)."""

    def __init__(self, module: ModuleOp):
        self.reference = CReference.build(module)
        if len(self.reference.inputs) != 1 or len(self.reference.outputs) != 1:
            raise ValueError("expected a design with one input and one (label) output")

    def port_input(self, images: np.ndarray) -> np.ndarray:
        """uint8 images [N, C, H, W] -> the integers the design's input port reads (the
        8-bit input quantizer is exact: the pixel values), laid out channels last."""
        shape = self.reference.inputs[0].shape
        if len(shape) == 3 and images.ndim == 4:
            return images.transpose(0, 2, 3, 1).reshape(len(images), *shape)
        return images.reshape(len(images), *shape)

    def classify(self, images: np.ndarray) -> np.ndarray:
        (labels,) = self.reference.run([self.port_input(images)])
        return labels.reshape(len(images)).astype(np.int64)

    def close(self) -> None:
        self.reference.close()

    def __enter__(self) -> CompiledClassifier:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
