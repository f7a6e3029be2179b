"""rpnn-insert-fifos's depths, checked by running the stream model (tests/passes/stream_sim.py)
on random dataflow graphs: with the chosen depths no graph deadlocks and every output port
delivers one frame per period of the slowest unit (the pass's claim, docs/passes.md); and
each depth is exactly the documented max(min_depth, ceil(J) + ceil(scale * R)).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import stream_sim
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xdsl.dialects import func

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backends"))  # netgen

import netgen  # noqa: E402

from rpnn_ir import api  # noqa: E402
from rpnn_ir.dialects import rpnn  # noqa: E402
from rpnn_ir.passes.insert_fifos import InsertFifosPass, _timing, fifo_depth_terms  # noqa: E402

FRAMES = 6


def fifo_graph(data, seed: int, image: bool | None = None):
    """A random dataflow graph (tests/backends/netgen.py) after rpnn-insert-fifos."""
    module = netgen.random_net(data, seed, image=image)
    InsertFifosPass().apply(api.context(), module)
    module.verify()
    (fn,) = [op for op in module.walk() if isinstance(op, func.FuncOp)]
    return module, fn.body.block


SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SETTINGS
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_vector_graphs_run_at_the_slowest_units_pace(data, seed):
    """Chains of mvtu, thresholding, dwc, residual adds and label_select on vectors: no
    deadlock, and every output port delivers a frame per period once the pipeline is full."""
    module, block = fifo_graph(data, seed, image=False)
    sim = stream_sim.build(block, FRAMES)
    done = [max(frame) for frame in zip(*sim.run(FRAMES), strict=True)]  # all ports out
    intervals = [b - a for a, b in zip(done[2:], done[3:], strict=False)]
    assert intervals == [sim.period] * len(intervals), (done, sim.period)


@SETTINGS
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_image_graphs_never_deadlock(data, seed):
    """Graphs on images too (swg, pad, max pool, depthwise, flatten): every frame gets out."""
    module, block = fifo_graph(data, seed, image=True)
    stream_sim.build(block, 3).run(3)


@SETTINGS
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_depths_follow_the_documented_formula(data, seed):
    """depth = max(min_depth, ceil(J) + ceil(scale * R)) (docs/passes.md), with R and J of
    each edge from the pass's terms: the rounding is up, term by term."""
    _, block = fifo_graph(data, seed)
    depths = {}
    for fifo in [op for op in block.ops if isinstance(op, rpnn.FIFOOp)]:
        (use,) = fifo.output.uses
        depths[(use.operation, use.index)] = fifo.depth.value.data
        fifo.output.replace_all_uses_with(fifo.input)
        block.erase_op(fifo)
    timing = _timing(block)
    fractional = 0
    for (consumer, index), depth in depths.items():
        terms = fifo_depth_terms(consumer, list(consumer.operands), index, timing)
        assert depth == max(2, math.ceil(terms.join) + math.ceil(terms.rate)), (terms, depth)
        fractional += terms.rate.denominator > 1 or terms.join.denominator > 1
    FRACTIONAL["fifos"] += len(depths)
    FRACTIONAL["fractional"] += fractional


FRACTIONAL = {"fifos": 0, "fractional": 0}


def test_depth_terms_are_often_fractional():
    """Runs after the formula test: enough edges have a fractional term for the rounding to
    matter."""
    assert FRACTIONAL["fractional"] >= 10, FRACTIONAL
