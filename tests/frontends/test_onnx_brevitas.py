"""Brevitas-exported networks: import, run in rpnn's interpreter, compare with qonnx's executor.

Networks (tests/frontends/brevitas_models.py) have random parameters and are exported once per
session.  Both Brevitas exporters are covered: the default dynamo (torch.export) one, which
lists weights among the graph inputs and folds shape computations, and the TorchScript one
(`dynamo=False`, Constant nodes, `/`-separated names); TorchScript is several times faster to
export, so most networks use it.

The outputs end in float arithmetic (TensorNorm, a float bias), so they are compared with
rtol 1e-5; the same graphs with an ArgMax appended are compared exactly.
"""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from brevitas_models import CNV_NAMES, FC_NAMES, input_shape
from onnx import TensorProto, helper
from onnx_builders import assert_match, run_qonnx

from rpnn_ir import interp
from rpnn_ir.api import parse
from rpnn_ir.dialects import rpnn
from rpnn_ir.frontends.onnx_import import from_onnx

pytest.importorskip("brevitas")
pytest.importorskip("qonnx")

DYNAMO = {"tfc_1w1a", "cnv_2w2a", "mlp_pc_w4a4", "residual_w4a4"}
CASES = [(name, name in DYNAMO) for name in
         [*FC_NAMES, *CNV_NAMES, "residual_w4a4", "mlp_pc_w4a4", "mlp_pc_w8a8"]]
CASES.append(("cnv_2w2a", False))  # the big one through both exporters
IDS = [f"{name}-{'dynamo' if dynamo else 'torchscript'}" for name, dynamo in CASES]
BATCH = 8


def inputs_for(name: str, seed: int = 0) -> np.ndarray:
    shape = input_shape(name)
    batch = 4 if name.startswith("cnv") else BATCH  # the interpreter's CNV takes ~0.3 s/frame
    return np.random.default_rng(seed).random((batch, *shape[1:]), dtype=np.float32)


def with_argmax(model: onnx.ModelProto) -> onnx.ModelProto:
    """The model with a second output, ArgMax(axis=-1, keepdims=1) of the logits: an
    integer-valued result."""
    out = onnx.ModelProto()
    out.CopyFrom(model)
    logits = out.graph.output[0].name
    out.graph.node.append(helper.make_node("ArgMax", [logits], ["label"], axis=-1, keepdims=1,
                                           name="argmax"))
    out.graph.output.append(helper.make_tensor_value_info("label", TensorProto.INT64, [1, 1]))
    return out


@pytest.mark.parametrize("name,dynamo", CASES, ids=IDS)
def test_brevitas_export_matches_qonnx(brevitas_export, name: str, dynamo: bool):
    path = brevitas_export(name, dynamo)
    model = onnx.load(path)
    labelled = with_argmax(model)
    module = from_onnx(labelled)

    quant_nodes = sum(n.op_type in ("Quant", "BipolarQuant") for n in model.graph.node)
    quant_ops = sum(isinstance(op, rpnn.QuantOp | rpnn.BipolarQuantOp) for op in module.walk())
    assert quant_ops == quant_nodes  # weight quantizers stay ops on their float constants

    x = inputs_for(name)
    ours, ours_label = interp.run(module, [x])  # a batch on the declared batch of 1
    ref, ref_label = run_qonnx(labelled, [x])
    assert_match(ours, ref, exact=False, what=f"{name} logits")
    assert_match(ours_label, ref_label, exact=True, what=f"{name} argmax")


@pytest.mark.parametrize("name,dynamo", [("cnv_2w2a", True), ("tfc_2w2a", False)])
def test_qonnx_cleanup_gives_the_same_function(brevitas_export, name: str, dynamo: bool):
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.util.cleanup import cleanup_model

    path = brevitas_export(name, dynamo)
    cleaned = cleanup_model(ModelWrapper(str(path))).model
    x = inputs_for(name, seed=1)
    (raw,) = interp.run(from_onnx(path), [x])
    (clean,) = interp.run(from_onnx(cleaned), [x])
    np.testing.assert_array_equal(raw, clean)


def test_imported_cnv_prints_and_parses_back(brevitas_export):
    module = from_onnx(brevitas_export("cnv_2w2a", True))
    text = str(module)
    assert 'dense<"0x' in text  # weights print as hex (fast to parse)
    again = parse(text)
    assert str(again) == text
    x = inputs_for("cnv_2w2a", seed=2)[:2]
    np.testing.assert_array_equal(interp.run(again, [x])[0], interp.run(module, [x])[0])
