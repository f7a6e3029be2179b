"""Helpers of the front-end tests: build ONNX/QONNX models with onnx.helper, run them in
qonnx's executor (the reference) and in rpnn's interpreter (after import), and compare.

Comparison rule (docs/frontend.md, "Testing"): exact where the graph output is integer-valued
or a quantizer output; within float rounding (rtol 1e-5) where it ends in float arithmetic.
qonnx and onnxruntime round to f32 after every op, rpnn's graph level is real arithmetic
(float64 in the interpreter), hence the tolerance on float outputs.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from rpnn_ir import interp
from rpnn_ir.frontends.onnx_import import QONNX_DOMAINS, from_onnx

QONNX = "qonnx.custom_op.general"
OPSET = 17


def tensor_info(name: str, shape: Sequence[int | str] | None,
                elem: int = TensorProto.FLOAT) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, elem, None if shape is None else list(shape))


def init(name: str, values: np.ndarray | float | int | Sequence[float]) -> TensorProto:
    return numpy_helper.from_array(np.asarray(values), name)


def f32(values) -> np.ndarray:
    return np.asarray(values, dtype=np.float32)


def make_model(
    nodes: Sequence[onnx.NodeProto],
    inputs: Sequence[onnx.ValueInfoProto],
    outputs: Sequence[onnx.ValueInfoProto],
    initializers: Sequence[TensorProto] = (),
    *,
    opset: int = OPSET,
    domains: Sequence[str] = (QONNX,),
    name: str = "test",
) -> onnx.ModelProto:
    graph = helper.make_graph(list(nodes), name, list(inputs), list(outputs),
                              initializer=list(initializers))
    opsets = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, 1) for d in domains]
    model = helper.make_model(graph, opset_imports=opsets, producer_name="rpnn-tests")
    model.ir_version = 8
    if any(not o.type.tensor_type.HasField("shape") for o in model.graph.output):
        # the checker wants typed graph outputs: take the shapes ONNX infers
        inferred = {o.name: o for o in onnx.shape_inference.infer_shapes(model).graph.output}
        for output in model.graph.output:
            if not output.type.tensor_type.HasField("shape"):
                output.CopyFrom(inferred[output.name])
    return model


def quant_node(x: str, out: str, prefix: str, *, signed: int = 1, narrow: int = 0,
               rounding_mode: str | None = "ROUND", op_type: str = "Quant",
               domain: str = QONNX) -> onnx.NodeProto:
    """A Quant node reading `{prefix}_scale`, `{prefix}_zp`, `{prefix}_bw`."""
    attrs = {"signed": signed, "narrow": narrow}
    if rounding_mode is not None:
        attrs["rounding_mode"] = rounding_mode
    return helper.make_node(op_type, [x, f"{prefix}_scale", f"{prefix}_zp", f"{prefix}_bw"],
                            [out], name=f"{prefix}_node", domain=domain, **attrs)


def quant_params(prefix: str, scale, zero_point, bits) -> list[TensorProto]:
    return [init(f"{prefix}_scale", f32(scale)), init(f"{prefix}_zp", f32(zero_point)),
            init(f"{prefix}_bw", f32(bits))]


def reference_model(model: onnx.ModelProto) -> onnx.ModelProto:
    """The model qonnx can execute: alias domains renamed to qonnx's own domain."""
    ref = onnx.ModelProto()
    ref.CopyFrom(model)
    for node in ref.graph.node:
        if node.domain in QONNX_DOMAINS:
            node.domain = QONNX
    present = {o.domain for o in ref.opset_import}
    if QONNX not in present and any(n.domain == QONNX for n in ref.graph.node):
        ref.opset_import.append(helper.make_opsetid(QONNX, 1))
    return ref


def run_qonnx(model: onnx.ModelProto, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
    """qonnx's executor (node by node, onnxruntime for standard ops), one sample at a time."""
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.core.onnx_exec import execute_onnx
    from qonnx.transformation.infer_shapes import InferShapes

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wrapper = ModelWrapper(reference_model(model)).transform(InferShapes())
        names = [v.name for v in wrapper.graph.input
                 if v.name not in {t.name for t in wrapper.graph.initializer}]
        outputs = [v.name for v in wrapper.graph.output]
        declared = [wrapper.get_tensor_shape(n) for n in names]
        batch = inputs[0].shape[0] if declared[0] and declared[0][0] == 1 else None
        if batch is None or inputs[0].shape[0] == 1 or list(inputs[0].shape) == declared[0]:
            result = execute_onnx(wrapper, dict(zip(names, inputs, strict=True)))
            return [np.asarray(result[n]) for n in outputs]
        per_sample = []
        for i in range(batch):
            feed = {n: x[i:i + 1] for n, x in zip(names, inputs, strict=True)}
            per_sample.append(execute_onnx(wrapper, feed))
        return [np.concatenate([np.asarray(r[n]) for r in per_sample]) for n in outputs]


def run_rpnn(model: onnx.ModelProto | str, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
    return interp.run(from_onnx(model), list(inputs))


def assert_match(ours: np.ndarray, ref: np.ndarray, exact: bool, what: str = "") -> None:
    assert ours.shape == ref.shape, f"{what}: shape {ours.shape} != reference {ref.shape}"
    if exact:
        if ref.dtype.kind in "iu":
            np.testing.assert_array_equal(ours.astype(np.int64), ref.astype(np.int64), what)
        else:
            np.testing.assert_array_equal(ours, ref.astype(np.float32), what)
    else:
        scale = float(np.abs(ref).max(initial=0.0))
        np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-6 * max(scale, 1.0),
                                   err_msg=what)


def check_against_qonnx(model: onnx.ModelProto, inputs: Sequence[np.ndarray],
                        exact: bool | Sequence[bool]) -> list[np.ndarray]:
    """Import `model`, run both executors on `inputs`, compare every output."""
    ours = run_rpnn(model, inputs)
    ref = run_qonnx(model, inputs)
    flags = [exact] * len(ref) if isinstance(exact, bool) else list(exact)
    assert len(ours) == len(ref)
    for i, (a, b, flag) in enumerate(zip(ours, ref, flags, strict=True)):
        assert_match(a, b, flag, f"output {i}")
    return ours
