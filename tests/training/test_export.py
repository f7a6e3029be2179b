"""What you train is what you deploy: for every precision, the trained model's predictions
(float64, the exported semantics), rpnn's interpreter on the imported QONNX file and the
C reference of the compiled design agree on every test frame; qonnx's executor computes
the exported logits the model computes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import rpnn_ir
from rpnn_ir.training import data, deploy, export, models, train

FAST = train.TrainConfig(epochs=5, batch=64)


@pytest.fixture(scope="module")
def digits() -> data.Dataset:
    return data.digits().subset(400, 120)


def _trained(ds, topology, precision, width, **kw):
    torch.manual_seed(0)
    model = models.build(topology, ds.input_shape, ds.classes, precision, width, **kw)
    train.train(model, ds, FAST)
    return model


@pytest.mark.parametrize("topology,precision,width,kw", [
    ("tfc", "W1A1", 16, {}),
    ("tfc", "W1A2", 16, {}),
    ("tfc", "W2A2", 16, {"scale": "learned", "act_scale": "stats"}),
    ("tfc", "W4A4", 16, {"per_channel": False}),
    ("tfc", "W8A8", 8, {}),
    ("cnv", "W2A2", 4, {}),
])
def test_model_interpreter_and_c_reference_agree(digits, topology, precision, width, kw):
    model = _trained(digits, topology, precision, width, **kw)
    predicted = train.predict(model, digits.x_test)
    proto = export.export_qonnx(model, argmax=True)
    (labels,) = rpnn_ir.run(rpnn_ir.from_onnx(proto), [data.as_float(digits.x_test)])
    assert np.array_equal(labels.reshape(-1), predicted)
    module, cost = deploy.compile_design(proto, "xc7z020", target_fps=0)
    assert cost.fps > 0 and cost.lut > 0 and cost.cost_model == "rpnn-pipeline"
    with deploy.CompiledClassifier(module) as design:
        assert np.array_equal(design.classify(digits.x_test), predicted)
    # the trained model is not chance: the test is about a real classifier
    assert train.accuracy(predicted, digits.y_test) > 0.3


def test_port_input_is_what_the_compiled_design_reads(digits) -> None:
    """The classifier's integer input for a conv net equals the values the interpreter
    passes to the design's input stream."""
    from rpnn_ir.dialects import rpnn

    model = models.build("cnv", digits.input_shape, 10, "W1A1", 4).eval()  # weights: any
    module, _ = deploy.compile_design(export.export_qonnx(model, argmax=True), "xc7z020", 1e5)
    values: dict = {}
    rpnn_ir.run(module, [data.as_float(digits.x_test[:3])], values=values)
    port = next(op for op in module.walk() if isinstance(op, rpnn.TensorToStreamOp))
    with deploy.CompiledClassifier(module) as design:
        assert np.array_equal(design.port_input(digits.x_test[:3]), values[port.input])


@pytest.mark.parametrize("precision", ["W1A1", "W4A4", "float32"])
def test_qonnx_executor_computes_the_models_logits(digits, precision) -> None:
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.core.onnx_exec import execute_onnx
    from qonnx.transformation.infer_shapes import InferShapes

    model = _trained(digits, "tfc", precision, 8)
    wrapper = ModelWrapper(export.export_qonnx(model)).transform(InferShapes())
    x = data.as_float(digits.x_test[:5])
    twin = train._float64_copy(model)
    for frame in range(len(x)):
        (logits,) = execute_onnx(wrapper, {"x": x[frame:frame + 1]}).values()
        with torch.no_grad():
            expect = twin(torch.from_numpy(x[frame:frame + 1]).double()).numpy()
        np.testing.assert_allclose(logits, expect, rtol=1e-5, atol=1e-5)


def test_float32_design_is_costed_with_the_float_model(digits) -> None:
    structure = export.export_qonnx(models.build("tfc", digits.input_shape, 10, "W2A2", 8),
                                    argmax=True)
    fast = deploy.float_design(structure, "xc7z020", target_fps=1e5)
    budget = deploy.float_design(structure, "xc7z020")
    assert fast.cost_model == "float32 model" and fast.fps >= 1e5
    assert budget.fps >= fast.fps and budget.fits
    _, integer = deploy.compile_design(structure, "xc7z020", target_fps=1e5)
    assert fast.lut > integer.lut  # float operators cost more than 2-bit ones
