"""Module passes of rpnn.

Every pass registers here as a lazy factory: a name (the pass's ``name``, as used in
``rpnn-opt -p``) mapped to a function that imports the pass module and returns the pass
class, so that ``rpnn-opt`` only imports the passes it runs.
"""

from collections.abc import Callable

from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException


class StageFailed(PassFailedException):
    """A stage of a pass made of passes (rpnn-pipeline) failed; `stage` names it, so the
    error blames that pass, not the pipeline (`failed_stage`)."""

    def __init__(self, stage: str, message: str, within: str = "rpnn-pipeline"):
        super().__init__(message)
        self.stage = stage
        self.within = within


def failed_stage(name: str, error: BaseException) -> str:
    """How an error report names the pass `name` that raised `error`: ``'rpnn-fold' (in
    rpnn-pipeline)`` for a failing stage of a pipeline, else ``'name'``."""
    if isinstance(error, StageFailed) and error.stage != name:
        return f"'{error.stage}' (in {name})"
    return f"'{name}'"


def _cost() -> type[ModulePass]:
    from rpnn_ir.passes.cost import CostPass

    return CostPass


def _fold() -> type[ModulePass]:
    from rpnn_ir.passes.fold import FoldPass

    return FoldPass


def _infer_precision() -> type[ModulePass]:
    from rpnn_ir.passes.infer_precision import InferPrecisionPass

    return InferPrecisionPass


def _insert_fifos() -> type[ModulePass]:
    from rpnn_ir.passes.insert_fifos import InsertFifosPass

    return InsertFifosPass


def _lower_to_dataflow() -> type[ModulePass]:
    from rpnn_ir.passes.lower_to_dataflow import LowerToDataflowPass

    return LowerToDataflowPass


def _partition() -> type[ModulePass]:
    from rpnn_ir.passes.partition import PartitionPass

    return PartitionPass


def _pipeline() -> type[ModulePass]:
    from rpnn_ir.passes.pipeline import PipelinePass

    return PipelinePass


def _streamline() -> type[ModulePass]:
    from rpnn_ir.passes.streamline import StreamlinePass

    return StreamlinePass


def get_all_passes() -> dict[str, Callable[[], type[ModulePass]]]:
    """Map each rpnn pass name to a factory returning its ``ModulePass`` class."""
    return {
        "rpnn-cost": _cost,
        "rpnn-fold": _fold,
        "rpnn-infer-precision": _infer_precision,
        "rpnn-insert-fifos": _insert_fifos,
        "rpnn-lower-to-dataflow": _lower_to_dataflow,
        "rpnn-partition": _partition,
        "rpnn-pipeline": _pipeline,
        "rpnn-streamline": _streamline,
    }
