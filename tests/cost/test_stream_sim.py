"""The word-level stream simulation (`rpnn_ir.hw.stream_sim`): hand-computed cases, and
cycle-exact agreement with Verilator on small designs with deliberately shallow FIFOs (one
Verilator build of four designs, about a minute)."""

from __future__ import annotations

from xdsl.dialects.builtin import IntegerAttr, i64

import rpnn_ir
from rpnn_ir import interp
from rpnn_ir.builders.dataflow_nets import (
    DataflowBuilder,
    activation_type,
    build_chain,
    weight_type,
)
from rpnn_ir.dialects import rpnn
from rpnn_ir.hw.dataflow_model import DataflowGraph
from rpnn_ir.hw.stream_sim import simulate


def graph_of(module) -> DataflowGraph:
    return DataflowGraph.build(interp.find_function(module, None))


def with_fifos(module, depth: int | None = None):
    """rpnn-insert-fifos, then every FIFO cut to `depth` words (None: keep its depth)."""
    module = rpnn_ir.compile(module, "rpnn-insert-fifos").module
    if depth is not None:
        for op in module.walk():
            if isinstance(op, rpnn.FIFOOp):
                op.depth = IntegerAttr(depth, i64)
    return module


def test_one_mvtu_by_hand():
    # MW 8, MH 4, SIMD 4, PE 2: 4 slots per vector; slots 0, 1 read (edges 0, 1), slots 1, 3
    # write (set 2 edges later, at 3 and 5, taken at 4 and 6); the harness counts a frame
    # done one edge after its last word: 7, then every 4 cycles.
    module = build_chain([4], 1, 1, 8, folding=[(4, 2)])
    result = simulate(graph_of(module), frames=3)
    assert result.first_in == 0
    assert result.frame_done == [7, 11, 15]
    assert result.cycles_per_frame == 4 and result.latency == 7


def test_shallow_fifo_slows_a_bursty_consumer():
    # layer 1 (32 cycles per frame) writes its 8 words one every 4 cycles; layer 2 (256
    # cycles) reads its 8 words in a burst, then works 248 cycles without reading.  With 8
    # FIFO words layer 1 runs ahead and layer 2 sets the pace; with a 1-word FIFO only 2 words
    # (FIFO and layer 1's output register) wait for the burst, the other 6 come one per 4
    # cycles as layer 1 restarts: the burst stretches from 8 to at least 8 + 4*5 - 8 cycles.
    def cycles(depth: int) -> float:
        module = with_fifos(build_chain([32, 32], 1, 1, 64, folding=[(16, 4), (4, 1)]), depth)
        return simulate(graph_of(module), 4).cycles_per_frame

    assert cycles(8) == 256
    assert 256 + 12 <= cycles(1) <= 256 + 32
    assert cycles(8) <= cycles(4) <= cycles(1)


def small_designs():
    """Four small designs with every FIFO cut short, covering convolutions, pooling,
    padding, width converters, duplicates and adds."""
    conv = DataflowBuilder([8, 8, 3], activation_type(2), seed=1)
    conv.pad((1, 1, 1, 1), simd=3)
    conv.conv(8, 3, weight_type(2), activation_type(2), pe=4, simd=3)
    conv.maxpool(2)
    conv.flatten(8)
    conv.mvtu(10, weight_type(2), None, pe=2, simd=8)
    conv.label_select(2)
    residual = DataflowBuilder([4, 4, 8], activation_type(2), seed=2)
    branch = residual.duplicate()
    residual.mvtu(8, weight_type(2), activation_type(2), pe=2, simd=4)
    residual.add_streams(branch, pe=2)
    return [
        with_fifos(build_chain([32, 16, 10], 1, 1, 64, folding=[(16, 4), (8, 8), (4, 2)]), 2),
        with_fifos(build_chain([64, 32], 2, 2, 32, folding=[(8, 8), (16, 4)]), 1),
        with_fifos(conv.finish(), 2),
        with_fifos(residual.finish(), 3),
    ]


def test_cycle_exact_against_verilator(verilator, tmp_path):
    from rpnn_ir.backends import rtl_sim

    modules = small_designs()
    with rtl_sim.RtlSim.build(modules, directory=tmp_path, frames=4) as sim:
        results = sim.run()
    assert len(results) == len(modules)
    for module, measured in zip(modules, results, strict=True):
        assert measured.passed, measured.log
        predicted = simulate(graph_of(module), frames=4)
        assert predicted.first_in == measured.first_in
        assert predicted.frame_done == measured.frame_done
