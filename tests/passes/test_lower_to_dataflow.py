"""rpnn-lower-to-dataflow and rpnn-insert-fifos: bit-exact on random networks, FIFO model.

The interpreter (docs/semantics.md) runs every random integer-level network before and after
the lowering, after random PE/SIMD foldings re-sized by rpnn-insert-fifos, and demands equal
results, dtype included.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xdsl.dialects.builtin import ModuleOp
from xdsl.utils.exceptions import PassFailedException

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from strategies.dataflow_nets import lowerable_nets  # noqa: E402
from strategies.integer_nets import integer_nets  # noqa: E402

from rpnn_ir import api, dtypes, interp  # noqa: E402
from rpnn_ir.dialects import rpnn  # noqa: E402
from rpnn_ir.passes import insert_fifos as fifos  # noqa: E402
from rpnn_ir.passes.insert_fifos import UNITS, InsertFifosPass  # noqa: E402
from rpnn_ir.passes.lower_to_dataflow import Layout, LowerToDataflowPass  # noqa: E402

CTX = api.context()

INTEGER_LEVEL_COMPUTE = (rpnn.MatMulOp, rpnn.Conv2dOp, rpnn.MultiThresholdOp, rpnn.MaxPoolOp,
                         rpnn.AddOp, rpnn.TopKOp)


def lowered(module: ModuleOp, **options) -> ModuleOp:
    clone = module.clone()
    LowerToDataflowPass(**options).apply(CTX, clone)
    clone.verify()
    return clone


def assert_same(expected: list[np.ndarray], actual: list[np.ndarray]) -> None:
    assert len(expected) == len(actual)
    for e, a in zip(expected, actual, strict=True):
        assert e.dtype == a.dtype and e.shape == a.shape
        np.testing.assert_array_equal(e, a)


def check_dataflow(module: ModuleOp) -> None:
    """No integer compute on tensors is left; every unit-to-unit edge has one FIFO; stream
    values have one use; consumers read the word their PE/SIMD asks for."""
    for op in module.walk():
        if isinstance(op, INTEGER_LEVEL_COMPUTE):  # only float ones may stay, on the host
            assert not any(dtypes.is_integer_like(v.type.element_type) for v in op.operands), op
        for result in op.results:
            if isinstance(result.type, rpnn.StreamType):
                assert len(list(result.uses)) == 1, op
        for index, operand in enumerate(op.operands):
            if not isinstance(operand.type, rpnn.StreamType):
                continue
            word = fifos.input_word(op, index)
            if word is not None:
                assert operand.type.word.data == word
            if isinstance(op, UNITS) and fifos._producer(_through_fifo(operand)) is not None:
                assert isinstance(operand.owner, rpnn.FIFOOp), (op, index)
                assert operand.owner.depth.value.data >= 2


def _through_fifo(value):
    return value.owner.input if isinstance(value.owner, rpnn.FIFOOp) else value


# --------------------------------------------------------------------------- random networks


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lowerable_nets())
def test_lowering_is_bit_exact(net):
    expected = interp.run(net.module, [net.frames])
    module = lowered(net.module)
    check_dataflow(module)
    assert_same(expected, interp.run(module, [net.frames]))


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def fold_randomly(module: ModuleOp, data) -> None:
    """Random legal PE/SIMD on every unit (the stream types are left for insert-fifos)."""
    def pick(n: int) -> int:
        return data.draw(st.sampled_from(_divisors(n)))

    for op in module.walk():
        props: dict[str, int] = {}
        if isinstance(op, rpnn.MVTUOp):
            mw, mh = op.weights.type.get_shape()
            props = {"pe": pick(mh), "simd": pick(mw)}
        elif isinstance(op, rpnn.DepthwiseOp):
            channels, taps = op.weights.type.get_shape()
            pe = pick(channels)
            props = {"pe": pe, "simd": pick(taps) if pe == channels else 1}
        elif isinstance(op, rpnn.ThresholdingOp | rpnn.StreamMaxPoolOp | rpnn.AddStreamsOp
                        | rpnn.LabelSelectOp):
            props = {"pe": pick(op.operands[0].type.channels)}
        elif isinstance(op, rpnn.SWGOp | rpnn.PadOp):
            props = {"simd": pick(op.input.type.channels)}
        for name, value in props.items():
            op.properties[name] = rpnn._i64(value)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lowerable_nets(), st.data())
def test_random_folding_is_bit_exact(net, data):
    expected = interp.run(net.module, [net.frames])
    module = lowered(net.module)
    fold_randomly(module, data)
    InsertFifosPass().apply(CTX, module)
    module.verify()
    check_dataflow(module)
    assert_same(expected, interp.run(module, [net.frames]))
    text = str(module)
    InsertFifosPass().apply(CTX, module)  # re-running changes nothing
    assert str(module) == text


# --------------------------------------------------------------------------- examples


FILECHECK = Path(__file__).resolve().parents[1] / "filecheck" / "passes"


def _chunks(name: str) -> list[str]:
    text = (FILECHECK / name).read_text()
    return [c for c in text.split("// -----") if "func.func" in c and "cannot lower" not in c]


def _random_inputs(module: ModuleOp, rng: np.random.Generator) -> list[np.ndarray]:
    function = interp.find_function(module)
    inputs = []
    for arg in function.body.block.args:
        shape = (5, *arg.type.get_shape()[1:])
        elt = arg.type.element_type
        if dtypes.is_float(elt):
            inputs.append(rng.uniform(-4, 4, size=shape).astype(np.float32))
        else:
            lo, hi = dtypes.element_range(elt)
            inputs.append(rng.integers(lo, hi, size=shape, endpoint=True))
    return inputs


@pytest.mark.parametrize("index", range(len(_chunks("rpnn-lower-to-dataflow.mlir"))))
def test_filecheck_examples_are_bit_exact(index):
    """Every lowering example of the filecheck test computes what its input computes."""
    module = api.parse(_chunks("rpnn-lower-to-dataflow.mlir")[index])
    inputs = _random_inputs(module, np.random.default_rng(index))
    expected = interp.run(module, inputs)
    after = lowered(module)
    check_dataflow(after)
    assert_same(expected, interp.run(after, inputs))


@pytest.mark.parametrize("index", range(len(_chunks("rpnn-insert-fifos.mlir"))))
def test_insert_fifos_examples_are_bit_exact(index):
    module = api.parse(_chunks("rpnn-insert-fifos.mlir")[index])
    inputs = _random_inputs(module, np.random.default_rng(index))
    expected = interp.run(module, inputs)
    InsertFifosPass().apply(CTX, module)
    module.verify()
    check_dataflow(module)
    assert_same(expected, interp.run(module, inputs))


# --------------------------------------------------------------------------- layouts


def test_channels_last_layout():
    layout = Layout.channels_last((3, 4, 5))  # C, H, W on an (H, W, C) stream
    stream = np.arange(60).reshape(4, 5, 3)
    np.testing.assert_array_equal(stream.reshape(-1)[layout.index()], stream.transpose(2, 0, 1))
    assert Layout.channels_last((7,)).is_identity()


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=2, max_size=4), st.data())
def test_layout_follows_reshapes_and_transposes(frame, data):
    """Composing the layout changes is the same as reshaping/transposing the tensor."""
    frame = tuple(frame)
    layout = Layout.channels_last(frame)
    tensor = np.arange(int(np.prod(frame))).reshape(frame)  # tensor element -> its value
    stream = np.empty(tensor.size, dtype=np.int64)
    stream[layout.index().reshape(-1)] = tensor.reshape(-1)  # what the stream carries
    for _ in range(3):
        if data.draw(st.booleans()):
            axes = tuple(data.draw(st.permutations(range(len(layout.frame)))))
            moved = layout.transposed(axes)
            if moved is None:
                continue
            layout, tensor = moved, tensor.transpose(axes)
        else:
            shape = data.draw(st.sampled_from([(tensor.size,), tensor.shape[::-1],
                                               (1, *tensor.shape)]))
            layout, tensor = layout.reshaped(tuple(shape)), tensor.reshape(shape)
        np.testing.assert_array_equal(stream[layout.index()], tensor)


def test_error_is_a_diagnostic():
    module = api.parse("""
func.func @f(%x: tensor<1x4xsi2>) -> tensor<1x2xsi4> {
  %w = rpnn.constant dense<1> : tensor<4x2xsi2>
  %acc = rpnn.matmul %x, %w : tensor<1x4xsi2>, tensor<4x2xsi2> -> tensor<1x2xsi4>
  %r = rpnn.relu %acc : tensor<1x2xsi4> -> tensor<1x2xsi4>
  func.return %r : tensor<1x2xsi4>
}""")
    with pytest.raises(PassFailedException, match=r"cannot lower rpnn.relu \(%r\)"):
        LowerToDataflowPass().apply(CTX, module)


LOWERED = {"examples": 0, "compared": 0}
"""Examples of test_any_integer_net_lowers_exactly_or_fails_cleanly, and how many lowered."""


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(integer_nets(), integer_nets(lowerable=True)))
def test_any_integer_net_lowers_exactly_or_fails_cleanly(net):
    """On the precision tests' networks (relu, biases, dilation, grouped convs, out_scale...)
    and on ones without what has no unit: either a clean PassFailedException naming the op,
    or a bit-exact dataflow module."""
    LOWERED["examples"] += 1
    expected = interp.run(net.module, [net.frames])
    module = net.module.clone()
    try:
        LowerToDataflowPass().apply(CTX, module)
    except PassFailedException as e:
        assert str(e).startswith("cannot lower rpnn.") and "\n" not in str(e)
        return
    module.verify()
    check_dataflow(module)
    assert_same(expected, interp.run(module, [net.frames]))
    LOWERED["compared"] += 1


def test_integer_nets_mostly_lower():
    """Runs after the test above (file order): both outcomes were seen, and at least 40% of
    the examples reached the bit-exact comparison (16 of 60 without the lowerable nets)."""
    assert LOWERED["examples"] >= 60
    assert 0.4 * LOWERED["examples"] <= LOWERED["compared"] < LOWERED["examples"], LOWERED
