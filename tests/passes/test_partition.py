"""rpnn-partition: the solvers against enumeration, the constraints, the errors, the pass.

Brute force here is independent of the solvers: it enumerates every assignment of units to
slots (or every contiguous split of a chain), keeps the valid ones by the definitions of
`is_valid` (streams forward, crossings within capacity), and takes the smallest largest share,
then the fewest wires cut, then the units in the earliest slots.
"""

from __future__ import annotations

import itertools
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from xdsl.utils.exceptions import PassFailedException

from rpnn_ir import api, interp
from rpnn_ir.builders import examples
from rpnn_ir.builders.dataflow_nets import build_cnv
from rpnn_ir.hw.dataflow_model import DataflowGraph, functions_with_dataflow
from rpnn_ir.hw.devices import get_device
from rpnn_ir.hw.partition import (
    Crossing,
    PartitionError,
    PartitionProblem,
    PStream,
    PUnit,
    Slot,
    bottleneck,
    extract_problem,
    greedy_fill,
    is_valid,
    make_slots,
    naive_split,
    partition,
    solve_milp,
    wires_cut,
)
from rpnn_ir.passes.cost import analyse
from rpnn_ir.passes.partition import PartitionPass
from rpnn_ir.passes.pipeline import PipelinePass


def key(problem: PartitionProblem, assignment) -> tuple[float, int, int]:
    return (round(bottleneck(problem, assignment), 9), wires_cut(problem, assignment),
            sum(assignment))


def brute_force(problem: PartitionProblem):
    best = None
    for a in itertools.product(range(len(problem.slots)), repeat=len(problem.units)):
        if is_valid(problem, a) and (best is None or key(problem, a) < best):
            best = key(problem, a)
    return best


def contiguous_splits(n: int, k: int):
    """Every split of units 0..n-1 into k contiguous (possibly empty) runs, in order."""
    for cuts in itertools.combinations_with_replacement(range(n + 1), k - 1):
        bounds = (0, *cuts, n)
        yield [j for j in range(k) for _ in range(bounds[j + 1] - bounds[j])]


@st.composite
def problems(draw, chain: bool, max_units: int = 6, max_slots: int = 3):
    n = draw(st.integers(1 if chain else 3, max_units))
    k = draw(st.integers(1 if chain else 2, max_slots))
    res = st.tuples(st.integers(0, 40), st.integers(0, 40), st.sampled_from([0, 0, 0, 9]),
                    st.integers(0, 40))
    units = [PUnit(f"u{i}", draw(res)) for i in range(n)]
    streams = []
    for i in range(1, n):
        sources = {i - 1} if chain else set(draw(st.sets(st.integers(max(0, i - 3), i - 1),
                                                         min_size=1, max_size=2)))
        for s in sorted(sources):
            streams.append(PStream(f"s{s}-{i}", s, (i,), draw(st.integers(1, 32)),
                                   draw(st.integers(1, 64))))
    room = st.sampled_from([60.0, 90.0, 150.0, 400.0])
    avail = st.tuples(room, room, st.sampled_from([0.0, 20.0]), room)
    slots = [Slot(0, "part", j, draw(avail)) for j in range(k)]
    crossing = st.builds(Crossing, st.sampled_from(["sll", "link"]),
                         st.sampled_from([12.0, 30.0, 60.0, 1e9]))
    crossings = [draw(crossing) for _ in range(k - 1)]
    return PartitionProblem(units, streams, slots, crossings, fps=1e7)


def solved(problem: PartitionProblem, **options):
    try:
        return partition(problem, **options)
    except PartitionError:
        return None


@settings(max_examples=60, deadline=None)
@given(problems(chain=True, max_units=9, max_slots=4))
def test_chains_match_enumeration(problem: PartitionProblem) -> None:
    best = None
    for a in contiguous_splits(len(problem.units), len(problem.slots)):
        if is_valid(problem, a) and (best is None or key(problem, a) < best):
            best = key(problem, a)
    result = solved(problem)
    if best is None or best[0] > 1 + 1e-6:
        assert result is None
        return
    assert result is not None and result.method == "dp" and result.exact
    assert key(problem, result.assignment) == best


@settings(max_examples=150, deadline=None)
@given(problems(chain=False))
def test_dags_milp_matches_brute_force(problem: PartitionProblem) -> None:
    """The MILP alone (whatever `partition` would dispatch to), on every example."""
    best = brute_force(problem)
    assignment, exact, _ = solve_milp(problem)
    if best is None or not np.isfinite(best[0]):
        assert assignment is None
        return
    assert assignment is not None and exact and is_valid(problem, assignment)
    assert key(problem, assignment) == best


@settings(max_examples=60, deadline=None)
@given(problems(chain=False))
def test_partition_matches_brute_force(problem: PartitionProblem) -> None:
    best = brute_force(problem)
    result = solved(problem)
    if best is None or best[0] > 1 + 1e-6:
        assert result is None
        return
    assert result is not None and result.exact
    assert is_valid(problem, result.assignment)
    assert key(problem, result.assignment) == best


@settings(max_examples=30, deadline=None)
@given(problems(chain=False))
def test_min_cut_matches_brute_force(problem: PartitionProblem) -> None:
    fits = [a for a in itertools.product(range(len(problem.slots)), repeat=len(problem.units))
            if is_valid(problem, a) and bottleneck(problem, a) <= 1 + 1e-9]
    result = solved(problem, objective="min-cut")
    if not fits:
        assert result is None
        return
    assert result is not None
    assert wires_cut(problem, result.assignment) == min(wires_cut(problem, a) for a in fits)


def _line(n_units: int, lut: int, bits: int, k: int, crossing: Crossing) -> PartitionProblem:
    units = [PUnit(f"u{i}", (lut, 0, 0, 0)) for i in range(n_units)]
    streams = [PStream(f"s{i}", i, (i + 1,), bits, 100) for i in range(n_units - 1)]
    slots = [Slot(0, "part", j, (1000.0, 10.0, 10.0, 10.0)) for j in range(k)]
    return PartitionProblem(units, streams, slots, [crossing] * (k - 1), fps=1e6)


def _diamond(bits_short: int, bits_long: int, sll: float) -> PartitionProblem:
    """a -> b -> d and a -> c -> d, plus a long a -> d stream: a DAG for the MILP."""
    units = [PUnit(n, (300, 0, 0, 0)) for n in "abcd"]
    streams = [PStream("ab", 0, (1,), bits_short, 1), PStream("ac", 0, (2,), bits_short, 1),
               PStream("bd", 1, (3,), bits_short, 1), PStream("cd", 2, (3,), bits_short, 1),
               PStream("ad", 0, (3,), bits_long, 1)]
    slots = [Slot(0, "part", j, (700.0, 1.0, 1.0, 1.0)) for j in range(2)]
    return PartitionProblem(units, streams, slots, [Crossing("sll", sll)], fps=1.0)


def test_binding_sll_budget() -> None:
    # 300 LUTs per unit, 700 per slot: only two units per slot fit, so the cut is {a, b} |
    # {c, d} or {a, c} | {b, d}, each cutting two 4-bit streams and the 40-bit a -> d stream:
    # 6 + 6 + 42 = 54 SLLs.
    free = partition(_diamond(4, 40, 1e6))
    assert free.bottleneck == pytest.approx(600 / 700)
    assert wires_cut(_diamond(4, 40, 1e6), free.assignment) == 6 + 6 + 42
    # With 53 SLLs neither cut fits, and three units in a slot (900 LUTs) do not either.
    with pytest.raises(PartitionError, match="does not fit|no partition"):
        partition(_diamond(4, 40, 53))
    # The long stream alone exceeds the budget: it cannot be cut; the error names it.
    with pytest.raises(PartitionError, match=r"stream ad needs 42 SLLs \(largest SLR "
                                             r"crossing: 41\)"):
        partition(_diamond(4, 40, 41))


def test_binding_sll_budget_moves_the_cut() -> None:
    # Chain of 4 x 400 LUTs on two slots of 1200: the balanced split is 2 | 2 (800 / 1200),
    # cutting the 30-bit stream between units 1 and 2 (32 SLLs).  With 20 SLLs the cut moves
    # to a 10-bit stream (12 SLLs): 1 | 3 or 3 | 1, 1200 / 1200.
    units = [PUnit(f"u{i}", (400, 0, 0, 0)) for i in range(4)]
    slots = [Slot(0, "part", j, (1200.0, 1.0, 1.0, 1.0)) for j in range(2)]
    widths = [10, 30, 10]
    streams = [PStream(f"s{i}", i, (i + 1,), w, 1) for i, w in enumerate(widths)]
    free = partition(PartitionProblem(units, streams, slots, [Crossing("sll", 1e6)], 1.0))
    assert free.assignment == [0, 0, 1, 1] and free.cut == 32
    tight = partition(PartitionProblem(units, streams, slots, [Crossing("sll", 20)], 1.0))
    assert tight.assignment in ([0, 1, 1, 1], [0, 0, 0, 1]) and tight.cut == 12
    assert tight.bottleneck == pytest.approx(1200 / 1200)


def test_binding_link_bandwidth() -> None:
    # 16-bit words, 100 per frame, 1 M frames/s: 1.6 Gb/s per stream.
    problem = _line(4, 400, 16, 2, Crossing("link", 1.6))
    assert partition(problem).bottleneck == pytest.approx(0.8)
    with pytest.raises(PartitionError, match=r"stream s0 needs 1.6 Gb/s \(largest link: "
                                             r"1.5\)"):
        partition(_line(4, 400, 16, 2, Crossing("link", 1.5)))


def test_too_big_unit_is_named() -> None:
    problem = _line(3, 400, 8, 2, Crossing("sll", 100))
    big = PartitionProblem([*problem.units[:2], PUnit("#7 rpnn.mvtu (%fc)", (1500, 0, 0, 0))],
                           problem.streams, problem.slots, problem.crossings, 1e6)
    with pytest.raises(PartitionError, match=r"unit #7 rpnn.mvtu \(%fc\) needs lut 1,500, "
                                             r"more than any partition has \(largest: "
                                             r"1,000\)"):
        partition(big)


def test_heuristic_reports_its_gap() -> None:
    problem = _diamond(4, 8, 1e6)
    exact = partition(problem)
    heuristic = partition(problem, milp_limit=0)
    assert heuristic.method == "dp-heuristic" and not heuristic.exact
    assert heuristic.bound is not None and heuristic.bound <= exact.bottleneck + 1e-9
    assert heuristic.bottleneck >= exact.bottleneck - 1e-9
    assert heuristic.gap is not None and 0 <= heuristic.gap < 1


@settings(max_examples=40, deadline=None)
@given(problems(chain=False, max_units=8))
def test_baselines_never_beat_the_solver(problem: PartitionProblem) -> None:
    result = solved(problem)
    if result is None:
        return
    for baseline in (naive_split(problem), greedy_fill(problem)):
        if is_valid(problem, baseline):
            assert bottleneck(problem, baseline) >= result.bottleneck - 1e-9


def test_slots_of_devices() -> None:
    u250, zu7 = get_device("xcu250"), get_device("xczu7ev")
    slots, crossings = make_slots([u250, zu7], True, (0.5, 1, 1, 1), 25.0)
    assert [(s.card, s.device, s.slr) for s in slots] == [
        (0, "xcu250", 0), (0, "xcu250", 1), (0, "xcu250", 2), (0, "xcu250", 3),
        (1, "xczu7ev", 0)]
    assert slots[0].avail[0] == 0.5 * u250.lut // 4
    assert [c.kind for c in crossings] == ["sll", "sll", "sll", "link"]
    assert crossings[0].capacity == u250.sll == 23040 and crossings[3].capacity == 25.0
    slots, crossings = make_slots([u250, u250], False, (1, 1, 1, 1))
    assert len(slots) == 2 and slots[0].avail[0] == u250.lut
    assert [c.kind for c in crossings] == ["link"]


# --------------------------------------------------------------------------- the pass


CNV_W2A2 = [(3, 8), (16, 16), (16, 8), (16, 8), (8, 4), (8, 1), (2, 1), (2, 2), (1, 4)]


def test_cnv_chain_pass_matches_enumeration() -> None:
    module = build_cnv(2, 2, CNV_W2A2, last_mh=64)
    graph = next(g for _, g in functions_with_dataflow(module))
    fractions = (0.03, 0.15, 0.15, 0.15)
    slots, crossings = make_slots([get_device("xcu250")], True, fractions)
    problem = extract_problem(graph, slots, crossings, 200.0)
    best = min(key(problem, a) for a in contiguous_splits(len(problem.units), 4)
               if is_valid(problem, a))
    (x,) = [np.random.default_rng(0).integers(0, 256, size=(3, 1, 32, 32, 3))]
    x = x.reshape(3, 32, 32, 3)
    expected = interp.run(module, [x])
    assert best[0] <= 1
    PartitionPass(devices="xcu250", lut_fraction=fractions[0], bram_fraction=fractions[1],
                  uram_fraction=fractions[2], dsp_fraction=fractions[3],
                  report=os.devnull).apply(api.context(), module)
    module.verify()
    graph = DataflowGraph.build(next(f for f, _ in functions_with_dataflow(module)))
    index = {p: i for i, p in enumerate(graph.partitions)}
    got = [graph.partitions[index[u.partition]].slr.value.data
           for u in graph.units if u.kind not in ("source", "sink")]
    assert key(problem, got) == best
    assert all(u.partition is not None for u in graph.units if u.kind not in ("source", "sink"))
    assert all(u.partition is None for u in graph.units if u.kind in ("source", "sink"))
    outputs = interp.run(module, [x])
    assert all(np.array_equal(a, b) for a, b in zip(outputs, expected, strict=True))


def test_pipeline_folds_and_partitions_together() -> None:
    module = examples.build("lfc_w1a1")
    shape = interp.find_function(module).body.block.args[0].type.get_shape()
    x = np.random.default_rng(0).normal(size=(8, *shape[1:])).astype(np.float32)
    (expected,) = api.run(module, [x])
    one = examples.build("lfc_w1a1")
    # the whole part (lut-fraction=1, not the default 85%): the speed-up of two parts over one
    PipelinePass(device="xc7z020", quiet=True, lut_fraction=1.0).apply(api.context(), one)
    PipelinePass(devices="xc7z020*2", quiet=True, lut_fraction=1.0).apply(api.context(),
                                                                           module)
    module.verify()
    (got,) = api.run(module, [x])
    assert np.array_equal(got, expected)
    function, graph = next(functions_with_dataflow(module))
    assert len(graph.partitions) == 2
    assert [p.attributes["card"].value.data for p in graph.partitions] == [0, 1]
    joint = function.attributes["rpnn.joint_fold"].data
    report = analyse(graph, get_device("xc7z020"), 100.0).report
    assert joint["fps"].value.data == pytest.approx(report["fps"])
    # two parts fold at least as fast as one; the single-part search matches the plain
    # budget-mode pipeline on one part
    (_, single), = functions_with_dataflow(one)
    one_fps = analyse(single, get_device("xc7z020"), 100.0).report["fps"]
    assert joint["fps_one"].value.data >= one_fps * 0.999
    assert joint["fps"].value.data >= 1.5 * joint["fps_one"].value.data
    for part in report["partitions"]:
        assert part["utilisation"]["lut"] <= 1.0


def test_pipeline_target_mode_over_devices() -> None:
    module = examples.build("lfc_w1a1")
    PipelinePass(devices="xc7z020*2", target_fps=500000, quiet=True,
                 lut_fraction=1.0).apply(api.context(), module)
    function, graph = next(functions_with_dataflow(module))
    assert function.attributes["rpnn.joint_fold"].data["fps"].value.data >= 500000
    assert len(graph.partitions) == 2
    with pytest.raises(PassFailedException, match=r"at 1e\+06 frames/s the design does not "
                                                  r"partition onto xc7z020#0 SLR0"):
        PipelinePass(device="xc7z020", devices="xc7z020", target_fps=1e6,
                     quiet=True).apply(api.context(), examples.build("lfc_w1a1"))
