"""The ONNX float semantics of the interpreter (functions marked rpnn.float_tail = "onnx")
against onnxruntime itself and qonnx's Quant, bit for bit, on random data of many shapes.

The sessions are what qonnx's executor runs (one node per session, every input fed, so no
weight is prepacked, one frame per run) and, for matmuls, also a whole-graph session with
constant weights, graph optimisations off and prepacking off: the settings docs/semantics.md
("ONNX float semantics") says rpnn matches.  Prepacked weights and batches of several frames
take other MLAS kernels; the last test shows that they do differ, so matching them is a claim
that could fail.
"""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from rpnn_ir import interp
from rpnn_ir.frontends import onnx_import

ort = pytest.importorskip("onnxruntime")

F32 = np.float32


def _model(nodes, inputs, outputs, initializers=()):
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


def _info(name: str, shape) -> object:
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape))


def _run(model, feed, prepacking: bool = True) -> np.ndarray:
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    if not prepacking:
        options.add_session_config_entry("session.disable_prepacking", "1")
    session = ort.InferenceSession(model.SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    return session.run(None, feed)[0]


def _gemm(rows: int, depth: int, columns: int, trans_b: bool, bias: bool, weights=None):
    inputs = [_info("a", (rows, depth))]
    b_shape = (columns, depth) if trans_b else (depth, columns)
    initializers = []
    if weights is None:
        inputs.append(_info("b", b_shape))
    else:
        initializers.append(numpy_helper.from_array(weights, "b"))
    names = ["a", "b"]
    if bias:
        inputs.append(_info("c", (columns,)))
        names.append("c")
    node = helper.make_node("Gemm", names, ["y"], transB=int(trans_b))
    return _model([node], inputs, [_info("y", (rows, columns))], initializers)


def _matmul(rows: int, depth: int, columns: int, weights=None):
    initializers = [] if weights is None else [numpy_helper.from_array(weights, "b")]
    inputs = [_info("a", (rows, depth))] + ([_info("b", (depth, columns))]
                                            if weights is None else [])
    return _model([helper.make_node("MatMul", ["a", "b"], ["y"])], inputs,
                  [_info("y", (rows, columns))], initializers)


SHAPES = [(1, 1), (1, 7), (3, 4), (5, 9), (8, 10), (16, 10), (17, 3), (31, 6), (64, 10),
          (100, 13), (256, 10), (511, 33), (1024, 10), (784, 64)]


@pytest.mark.parametrize("depth,columns", SHAPES)
def test_single_row_kernels_equal_onnxruntime(depth: int, columns: int) -> None:
    rng = np.random.default_rng(depth * 1000 + columns)
    x = rng.normal(size=(1, depth)).astype(F32)
    w = (rng.normal(size=(depth, columns)) * rng.uniform(0.01, 3)).astype(F32)
    c = rng.normal(size=columns).astype(F32)
    m1 = interp.onnx_matmul_m1(x, w)
    transposed = interp.onnx_matmul_m1_transposed_b(x, w)
    wt = np.ascontiguousarray(w.T)
    assert np.array_equal(m1, _run(_matmul(1, depth, columns), {"a": x, "b": w}))
    assert np.array_equal(m1, _run(_gemm(1, depth, columns, False, False), {"a": x, "b": w}))
    assert np.array_equal(transposed, _run(_gemm(1, depth, columns, True, False),
                                           {"a": x, "b": wt}))
    with_bias = _run(_gemm(1, depth, columns, True, True), {"a": x, "b": wt, "c": c})
    assert np.array_equal(interp._f32(transposed + c), with_bias)  # Gemm adds C at the end
    # a whole-graph session with the weights as initializers, prepacking off: the same
    assert np.array_equal(m1, _run(_matmul(1, depth, columns, w), {"a": x}, False))
    assert np.array_equal(transposed, _run(_gemm(1, depth, columns, True, False, wt),
                                           {"a": x}, False))


def test_the_kernels_are_not_plain_f32_sums() -> None:
    """The order matters: a numpy f32 product (another order) differs from ORT somewhere,
    so the equality above is not a property of any summation."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(1, 300)).astype(F32)
    w = rng.normal(size=(300, 40)).astype(F32)
    got = _run(_gemm(1, 300, 40, True, False), {"a": x, "b": np.ascontiguousarray(w.T)})
    assert not np.array_equal(got, (x @ w).astype(F32))
    assert not np.array_equal(interp.onnx_matmul_m1(x, w), got)


def test_other_kernels_differ() -> None:
    """Several rows per run, or prepacked weights, take MLAS's FMA kernels: different
    results, which rpnn does not claim to reproduce (the interpreter refuses them below)."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(8, 64)).astype(F32)
    w = rng.normal(size=(64, 10)).astype(F32)
    batch = _run(_gemm(8, 64, 10, True, False), {"a": x, "b": np.ascontiguousarray(w.T)})
    assert not np.array_equal(batch, interp.onnx_matmul_m1_transposed_b(x, w))
    packed = _run(_matmul(1, 64, 10, w), {"a": x[:1]})  # prepacking on (the default)
    assert not np.array_equal(packed, interp.onnx_matmul_m1(x[:1], w))


def test_batchnorm_elementwise_and_pow_equal_onnxruntime() -> None:
    rng = np.random.default_rng(3)
    n, c = 64, 37
    x = (rng.normal(size=(n, c)) * 30).astype(F32)
    scale, bias = rng.uniform(0.5, 1.5, c).astype(F32), rng.normal(size=c).astype(F32)
    mean, var = (rng.normal(size=c) * 10).astype(F32), rng.uniform(0.01, 50, c).astype(F32)
    for epsilon in (1e-5, 1e-3):
        model = _model([helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"],
                                         ["y"], epsilon=epsilon)],
                       [_info("x", (n, c))] + [_info(k, (c,)) for k in "sbmv"],
                       [_info("y", (n, c))])
        expected = _run(model, {"x": x, "s": scale, "b": bias, "m": mean, "v": var})
        module = _batchnorm_module(n, c, scale, bias, mean, var, epsilon)
        (got,) = interp.run(module, [x])
        assert np.array_equal(got, expected)
        (real,) = interp.run(_batchnorm_module(n, c, scale, bias, mean, var, epsilon, False),
                             [x])
        assert not np.array_equal(real, expected)  # the real semantics rounds once
    a, b = (rng.normal(size=1000) * 10).astype(F32), rng.normal(size=1000).astype(F32)
    for op, function in (("Add", np.add), ("Mul", np.multiply), ("Div", np.divide)):
        model = _model([helper.make_node(op, ["a", "b"], ["y"])],
                       [_info("a", (1000,)), _info("b", (1000,))], [_info("y", (1000,))])
        got = interp._f32(function(a.astype(np.float64), b.astype(np.float64)))
        assert np.array_equal(got, _run(model, {"a": a, "b": b}))
    base = rng.uniform(1e-4, 100, 20000).astype(F32)
    model = _model([helper.make_node("Pow", ["x", "p"], ["y"])],
                   [_info("x", (base.size,)), _info("p", ())], [_info("y", (base.size,))])
    expected = _run(model, {"x": base, "p": np.array(0.5, F32)})
    assert np.array_equal(onnx_import._fold_pow(base, np.array(0.5, F32)), expected)


def _batchnorm_module(n, c, scale, bias, mean, var, epsilon, onnx=True):
    from xdsl.dialects.builtin import StringAttr

    from rpnn_ir.builders.ops import F32 as F32_TYPE
    from rpnn_ir.builders.ops import FunctionBuilder, tensor

    builder = FunctionBuilder(tensor((n, c), F32_TYPE))
    (x,) = builder.args
    y = builder.batchnorm(x, scale, bias, mean, var, epsilon)
    module = builder.finish(y)
    if onnx:
        interp.find_function(module).attributes[interp.FLOAT_TAIL_ATTR] = StringAttr("onnx")
    return module


@pytest.mark.parametrize("mode", ["ROUND", "HALF_UP", "HALF_DOWN", "UP", "DOWN", "CEIL",
                                  "FLOOR"])
def test_quantize_equals_qonnx_in_f32(mode: str) -> None:
    from qonnx.custom_op.general.intquant import int_quant

    from rpnn_ir.builders.ops import F32 as F32_TYPE
    from rpnn_ir.builders.ops import FunctionBuilder, tensor

    rng = np.random.default_rng(4)
    scale = F32(0.1)  # not a power of two: f32 quotients land on ties the real ones miss
    x = (np.round(rng.normal(size=4000) * 60) / 2 * scale).astype(F32)
    x = np.concatenate([x, np.nextafter(x, np.inf), F32([0.049999997, -0.049999997])])
    builder = FunctionBuilder(tensor((1, x.size), F32_TYPE))
    (arg,) = builder.args
    y = builder.quant(arg, scale=float(scale), bits=8, signed=True, mode=mode)
    module = builder.finish(y)
    (op,) = [o for o in module.walk() if o.name == "rpnn.quant"]
    ours = interp.quantize(x[None].astype(np.float64), op, onnx=True) * np.float64(scale)
    theirs = int_quant(x[None], np.array(scale, F32), np.array(0, F32), np.array(8, F32),
                       1, 0, mode)
    assert np.array_equal(interp._f32(ours), theirs)
    real = interp.quantize(x[None].astype(np.float64), op) * np.float64(scale)
    assert not np.array_equal(interp._f32(real), theirs)  # the inputs do sit on f32 ties


def _tail_module(text: str):
    from rpnn_ir.api import parse

    return parse(text)


ROWS = """
func.func @f(%x: tensor<1x2x4xf32>) -> tensor<1x2x3xf32> attributes {rpnn.float_tail = "onnx"} {
  %w = rpnn.constant dense<0.5> : tensor<4x3xf32>
  %y = rpnn.matmul %x, %w KERNEL : tensor<1x2x4xf32>, tensor<4x3xf32> -> tensor<1x2x3xf32>
  func.return %y : tensor<1x2x3xf32>
}
"""


def test_unreproduced_kernels_are_refused() -> None:
    x = np.ones((1, 2, 4), np.float32)
    with pytest.raises(interp.InterpreterError, match="several rows per frame"):
        interp.run(_tail_module(ROWS.replace("KERNEL", "")), [x])
    one_row = ROWS.replace("1x2x", "1x1x").replace("KERNEL", '{rpnn.ort_kernel = "general"}')
    with pytest.raises(interp.InterpreterError, match="general SGEMM kernel"):
        interp.run(_tail_module(one_row), [np.ones((1, 1, 4), np.float32)])
    real = ROWS.replace(' attributes {rpnn.float_tail = "onnx"}', "").replace("KERNEL", "")
    (y,) = interp.run(_tail_module(real), [x])  # the real semantics has no such limit
    assert np.array_equal(y, np.full((1, 2, 3), 2.0, np.float32))


@pytest.mark.parametrize("attrs,bias,kernel", [
    ({"transB": 1}, True, "m1_transposed_b"),
    ({"transB": 1}, False, "m1_transposed_b"),
    ({}, False, None),
    ({}, True, "general"),  # onnxruntime adds the bias inside the sum
    ({"transB": 1, "alpha": 2.0}, False, "general"),
    ({"transA": 1, "transB": 1}, False, "general"),
])
def test_the_importer_records_the_gemm_kernel(attrs, bias, kernel) -> None:
    from rpnn_ir.dialects import rpnn

    a_shape = (4, 1) if attrs.get("transA") else (1, 4)
    b_shape = (3, 4) if attrs.get("transB") else (4, 3)
    names = ["a", "b"] + (["c"] if bias else [])
    initializers = [numpy_helper.from_array(np.ones(b_shape, F32), "b")]
    if bias:
        initializers.append(numpy_helper.from_array(np.ones(3, F32), "c"))
    model = _model([helper.make_node("Gemm", names, ["y"], **attrs)], [_info("a", a_shape)],
                   [_info("y", (1, 3))], initializers)
    (op,) = [o for o in onnx_import.from_onnx(model).walk() if isinstance(o, rpnn.MatMulOp)]
    attr = op.attributes.get(interp.ORT_KERNEL_ATTR)
    assert (attr.data if attr is not None else None) == kernel
