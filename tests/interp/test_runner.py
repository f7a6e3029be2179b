"""interp.run: batch extension, input checking and error messages, parsing text modules."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from interp_refs import run
from xdsl.dialects import func
from xdsl.dialects import test as xdsl_test
from xdsl.dialects.builtin import FunctionType, ModuleOp
from xdsl.ir import Region

from rpnn_ir import api, interp
from rpnn_ir.builders.ops import BIPOLAR, F32, si, stream, tensor, ui
from rpnn_ir.builders.ops import FunctionBuilder as Fn
from rpnn_ir.dialects import rpnn


def tiny_net():
    """Graph and dataflow ops on an input declared with batch 1 (quant, flatten, matmul, ...)."""
    rng = np.random.default_rng(0)
    w = rng.integers(-1, 2, size=(12, 5))
    t = np.sort(rng.integers(-6, 6, size=(5, 3)), axis=1)
    fn = Fn(tensor([1, 3, 2, 2], F32))
    q = fn.quant(fn.args[0], scale=0.5, bits=3, signed=True, out=si(3))
    flat = fn.reshape(q, [1, 12])
    acc = fn.matmul(flat, fn.const(w, si(2)), si(8))
    y = fn.multithreshold(acc, fn.const(t, si(4)), ui(2))
    conv = fn.conv2d(q, fn.const(rng.integers(-1, 2, size=(2, 3, 2, 1)), si(2)), si(6))
    s = fn.to_stream(fn.transpose(q, [0, 2, 3, 1]))
    pooled = fn.to_tensor(fn.stream_maxpool(s, (2, 1), (1, 1)))
    return fn.finish(y, fn.topk(acc, 2, ui(3)), conv, pooled)


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_batch_equals_frame_by_frame(n, seed):
    module = tiny_net()
    x = np.random.default_rng(seed).uniform(-3, 3, size=(n, 3, 2, 2)).astype(np.float32)
    batched = run(module, x)
    singles = [run(module, x[i:i + 1]) for i in range(n)]
    for r, got in enumerate(batched):
        assert got.shape[0] == n
        np.testing.assert_array_equal(got, np.concatenate([s[r] for s in singles]))


def test_result_dtypes():
    module = tiny_net()
    x = np.zeros((2, 3, 2, 2), np.float32)
    y, top, conv, pooled = run(module, x)
    assert y.dtype == top.dtype == conv.dtype == pooled.dtype == np.int64
    fn = Fn(tensor([1, 2], F32))
    out = interp.run(fn.finish(fn.relu(fn.args[0])), [np.array([[1.0, -1.0]])])[0]
    assert out.dtype == np.float32  # a float64 input is converted to f32


def test_wrong_shape_raises():
    module = tiny_net()
    with pytest.raises(interp.InterpreterError, match=r"argument 0 has shape \[1, 3, 2\]"):
        run(module, np.zeros((1, 3, 2), np.float32))
    with pytest.raises(interp.InterpreterError, match=r"expected \[1, 3, 2, 2\]"):
        run(module, np.zeros((2, 3, 2, 3), np.float32))
    # only a declared leading dimension of 1 extends to a batch
    fn = Fn(tensor([2, 3], si(4)))
    module = fn.finish(fn.relu(fn.args[0]))
    run(module, np.zeros((2, 3), np.int64))
    with pytest.raises(interp.InterpreterError, match="argument 0"):
        run(module, np.zeros((4, 3), np.int64))


def test_wrong_input_count_raises():
    module = tiny_net()
    with pytest.raises(interp.InterpreterError, match="takes 1 inputs, got 2"):
        interp.run(module, [np.zeros((1, 3, 2, 2)), np.zeros((1, 3, 2, 2))])


def test_integer_inputs_are_checked():
    fn = Fn(tensor([1, 3], si(4)), tensor([1, 2], BIPOLAR), tensor([1, 1], ui(2)))
    module = fn.finish(fn.relu(fn.args[0]))
    ok = [np.array([[-8, 0, 7]]), np.array([[-1, 1]]), np.array([[3]])]
    assert interp.run(module, ok)[0].tolist() == [[0, 0, 7]]
    # float arrays holding integers are accepted
    assert interp.run(module, [np.array([[-8.0, 0.0, 7.0]]), *ok[1:]])[0].tolist() == [[0, 0, 7]]
    bad = {
        0: [np.array([[-9, 0, 7]]), *ok[1:]],          # below si4
        1: [ok[0], np.array([[0, 1]]), ok[2]],          # 0 is not bipolar
        2: [*ok[:2], np.array([[4]])],                  # above ui2
    }
    for index, inputs in bad.items():
        with pytest.raises(interp.InterpreterError, match=f"argument {index} has values outside"):
            interp.run(module, inputs)
    with pytest.raises(interp.InterpreterError, match="argument 0 must hold integers of si4"):
        interp.run(module, [np.array([[0.5, 0.0, 1.0]]), *ok[1:]])


def test_function_selection_and_unsupported():
    fn = Fn(tensor([1, 2], si(4)))
    module = fn.finish(fn.relu(fn.args[0]), name="net")
    assert interp.run(module, [np.array([[1, -1]])], "net")[0].tolist() == [[1, 0]]
    with pytest.raises(interp.InterpreterError, match="no function @other"):
        interp.run(module, [np.array([[1, -1]])], "other")
    # an op without reference semantics is named in the error
    fn = Fn(tensor([1, 2], si(4)))
    op = xdsl_test.TestOp(operands=[fn.args[0]], result_types=[tensor([1, 2], si(4))])
    fn.block.add_op(op)
    module = fn.finish(op.results[0])
    with pytest.raises(interp.InterpreterError, match="test.op.*no reference semantics"):
        interp.run(module, [np.array([[1, -1]])])


def test_stream_argument_is_refused():
    fn = Fn(stream([4], si(4)))
    module = fn.finish(fn.to_tensor(fn.args[0]))
    with pytest.raises(interp.InterpreterError, match="only tensors"):
        interp.run(module, [np.zeros((1, 4))])


MLIR = """
builtin.module {
  func.func @main(%x: tensor<1x4xf32>) -> tensor<1x2xsi5> {
    %q = rpnn.quant %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32>
        bits = 3 signed rounding = "HALF_UP" : tensor<1x4xf32> -> tensor<1x4xsi3>
    %w = rpnn.constant dense<[[1, 0], [1, 1], [0, -1], [-1, 1]]> : tensor<4x2xsi2>
    %y = rpnn.matmul %q, %w : tensor<1x4xsi3>, tensor<4x2xsi2> -> tensor<1x2xsi5>
    func.return %y : tensor<1x2xsi5>
  }
}
"""


def test_parsed_text_module():
    module = api.parse(MLIR)
    x = np.array([[0.25, -0.75, 1.0, 9.0], [-0.25, 0.75, -9.0, 0.0]], np.float32)
    (y,) = api.run(module, [x])
    # HALF_UP of 2x clamped to [-4, 3]: [1, -2, 2, 3] and [-1, 2, -4, 0]
    q = np.array([[1, -2, 2, 3], [-1, 2, -4, 0]])
    w = np.array([[1, 0], [1, 1], [0, -1], [-1, 1]])
    assert y.tolist() == [[sum(int(q[n, k]) * int(w[k, m]) for k in range(4)) for m in range(2)]
                          for n in range(2)]


def test_inconsistent_batches_raise():
    fn = Fn(tensor([1, 2], si(4)), tensor([1, 2], si(4)))
    module = fn.finish(fn.binary(rpnn.AddOp, *fn.args, si(5)))
    got = run(module, np.ones((3, 2)), np.full((3, 2), 2))[0]
    assert got.tolist() == [[3, 3]] * 3
    for a, b in ((2, 3), (1, 3)):
        with pytest.raises(interp.InterpreterError, match="different batch sizes"):
            run(module, np.zeros((a, 2)), np.zeros((b, 2)))


def test_default_function_is_first_public():
    def function(name, visibility, scale):
        fn = Fn(tensor([1, 2], si(4)))
        w = fn.const(np.array([[scale, 0], [0, scale]]), si(4))
        result = fn.matmul(fn.args[0], w, si(8))
        fn.block.add_op(func.ReturnOp(result))
        ftype = FunctionType.from_lists(fn.arg_types, [result.type])
        return func.FuncOp(name, ftype, Region(fn.block), visibility=visibility)

    module = ModuleOp([function("helper", "private", 2), function("main", None, 3)])
    module.verify()
    x = np.array([[1, -1]])
    assert interp.run(module, [x])[0].tolist() == [[3, -3]]
    assert interp.run(module, [x], "helper")[0].tolist() == [[2, -2]]


def test_float_graph_is_not_rounded_between_ops():
    """Graph-level f32 values are real numbers carried in float64; f32 only at the results."""
    fn = Fn(tensor([1, 1], F32))
    tiny = fn.const(np.array([[2.0**-30]]), F32)
    minus_one = fn.const(np.array([[-1.0]]), F32)
    s = fn.binary(rpnn.AddOp, fn.args[0], tiny, F32)       # 1 + 2^-30 is not an f32
    y = fn.binary(rpnn.AddOp, s, minus_one, F32)
    got = run(fn.finish(y, s), np.array([[1.0]]))
    assert got[0].dtype == np.float32 and got[0][0, 0] == np.float32(2.0**-30)
    assert got[1][0, 0] == np.float32(1.0)  # rounded once, at the result
