"""rpnn-fold: targets met, constraints kept, budgets respected, better than FINN's greedy
SetFolding and equal to an exhaustive search on small random networks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xdsl.dialects import func
from xdsl.utils.exceptions import PassFailedException

from rpnn_ir import api, interp
from rpnn_ir.builders.dataflow_nets import (
    DataflowBuilder,
    activation_type,
    build_chain,
    build_cnv,
    build_lfc,
    weight_type,
)
from rpnn_ir.dialects import rpnn
from rpnn_ir.hw.dataflow_model import evaluate, functions_with_dataflow
from rpnn_ir.hw.devices import Device, get_device
from rpnn_ir.hw.folding import (
    FoldError,
    Objective,
    extract_problem,
    feasible_design,
    fold_for_budget,
    fold_for_fps,
    relaxation_bound,
)
from rpnn_ir.hw.folding_baselines import exhaustive, greedy_for_budget, greedy_for_fps
from rpnn_ir.passes.cost import analyse
from rpnn_ir.passes.fold import FoldPass

ALL_UNITS = (Path(__file__).parent / "all_units.mlir").read_text()
ZYNQ = get_device("xc7z020")


def _graph(module, index: int = 0):
    return list(functions_with_dataflow(module))[index][1]


def _fold(module, tmp_path, **options):
    FoldPass(report=str(tmp_path / "fold.txt"), **options).apply(api.context(), module)
    module.verify()
    return module


def _check_constraints(module) -> None:
    """The folding constraints of the reference notes, checked directly (the verifier
    checks them too)."""
    for op in module.walk():
        if isinstance(op, rpnn.MVTUOp):
            mw, mh = op.weights.type.get_shape()
            assert mh % op.pe.value.data == 0 and mw % op.simd.value.data == 0
            assert op.input.type.word.data == op.simd.value.data
            assert op.output.type.word.data == op.pe.value.data
        if isinstance(op, rpnn.SWGOp | rpnn.PadOp):
            assert op.input.type.channels % op.simd.value.data == 0
        if isinstance(op, rpnn.StreamMaxPoolOp | rpnn.ThresholdingOp | rpnn.AddStreamsOp):
            assert op.output.type.channels % op.pe.value.data == 0


def _analysis(module, device=ZYNQ, index=0):
    return analyse(_graph(module, index), device, device.clock_mhz).report


# --------------------------------------------------------------------------- target mode


@pytest.mark.parametrize("fps", [2_000, 50_000, 400_000])
def test_target_fps_is_met_on_lfc(tmp_path, fps):
    # 400,000 frames/s needs more than the default budget (85% of the LUTs)
    module = _fold(build_lfc(1, 1), tmp_path, target_fps=fps, allow_over_budget=True)
    _check_constraints(module)
    report = _analysis(module)
    assert report["fps"] >= fps
    assert report["max_cycles"] <= 100e6 / fps


def test_target_mode_balances_the_pipeline(tmp_path):
    # No unit is faster than the target needs unless that is not more expensive: each
    # unit's chosen folding is the cheapest of those within the bound.
    module = build_lfc(2, 2)
    problem = extract_problem(_graph(module), 100.0, ZYNQ)
    objective = Objective.for_device(ZYNQ)
    result = fold_for_fps(problem, 20_000, objective)
    for g, ci in zip(problem.groups, result.solution.choice, strict=True):
        within = [c for c in g.configs if c.cycles <= 5000]
        cheapest = min(float(np.dot(c.res, objective.weights)) for c in within)
        # edges can make a slightly dearer unit cheaper overall (no width converter)
        assert float(np.dot(g.configs[ci].res, objective.weights)) <= cheapest + 0.01


@pytest.mark.parametrize(("net", "targets"), [
    ("lfc", (1_000, 3_000, 10_000, 30_000, 100_000)),
    ("cnv", (1_000, 3_000)),
])
def test_target_fps_cheaper_than_greedy(net, targets):
    """At targets the greedy SetFolding meets (checked first, so the comparison always runs),
    the solver meets them too, at no more weighted resources."""
    module = build_lfc(1, 1) if net == "lfc" else build_cnv(2, 2)
    problem = extract_problem(_graph(module), 100.0, ZYNQ)
    objective = Objective.for_device(ZYNQ)
    for fps in targets:
        res, cycles = problem.total(greedy_for_fps(problem, fps))
        assert cycles <= 100e6 / fps, f"greedy misses {fps} fps on {net}: pick another target"
        ours = fold_for_fps(problem, fps, objective).solution
        assert problem.total(ours.choice)[1] <= 100e6 / fps
        assert np.dot(ours.res, objective.weights) <= np.dot(res, objective.weights)


def test_unreachable_target_names_the_unit(tmp_path):
    with pytest.raises(PassFailedException, match=r"rpnn\.swg.*needs at least 8196 cycles"):
        _fold(build_cnv(1, 1), tmp_path, target_fps=50_000)


# --------------------------------------------------------------------------- budget mode


@pytest.mark.parametrize(("lut", "bram"), [(0.3, 0.6), (0.7, 0.7), (1.0, 1.0)])
def test_budget_is_respected_on_lfc(tmp_path, lut, bram):
    module = _fold(build_lfc(1, 1), tmp_path, device="xc7z020", lut_fraction=lut,
                   bram_fraction=bram)
    _check_constraints(module)
    report = _analysis(module)
    assert report["total"]["lut"] <= lut * ZYNQ.lut
    assert report["total"]["bram18"] <= bram * ZYNQ.bram18


def test_budget_mode_cnv_beats_greedy_and_respects_budget(tmp_path):
    module = build_cnv(1, 1)
    problem = extract_problem(_graph(module), 100.0, ZYNQ)
    objective = Objective.for_device(ZYNQ, (0.7, 0.7, 1.0, 1.0))
    ours = fold_for_budget(problem, objective)
    greedy = greedy_for_budget(problem, objective)
    assert greedy is not None and ours.solution.cycles <= greedy.cycles
    bound = relaxation_bound(problem, objective)
    assert bound is not None and bound <= ours.solution.cycles
    _fold(module, tmp_path, lut_fraction=0.7, bram_fraction=0.7)
    _check_constraints(module)
    report = _analysis(module)
    assert report["max_cycles"] == ours.solution.cycles
    assert report["total"]["lut"] <= 0.7 * ZYNQ.lut
    assert report["total"]["bram18"] <= 0.7 * ZYNQ.bram18


def test_budget_uses_ultraram_when_block_ram_runs_out(tmp_path):
    """A part whose UltraRAM the bitstream initialises (Versal family) gets weights in URAM
    when block RAM runs out; the same part as UltraScale+ (the xczu7ev) never does."""
    devices = tmp_path / "devices.toml"
    devices.write_text('[devices.zcu_versal]\nfamily = "versal"\nlut = 230400\nff = 460800\n'
                       'bram36 = 312\nuram = 96\ndsp = 1728\nclock_mhz = 200.0\n')
    part = get_device("zcu_versal", devices)
    module = _fold(build_lfc(4, 4), tmp_path, device="zcu_versal", devices_file=str(devices),
                   lut_fraction=0.7, bram_fraction=0.7)
    rams = {op.ram_style.data for op in module.walk() if isinstance(op, rpnn.MVTUOp)}
    assert "ultra" in rams
    report = _analysis(module, part)
    assert report["total"]["bram18"] <= 0.7 * part.bram18
    assert report["total"]["uram"] <= part.uram
    assert not get_device("xczu7ev").uram_for_constants
    module = _fold(build_lfc(2, 2), tmp_path, device="xczu7ev", lut_fraction=0.7,
                   bram_fraction=0.7)
    rams = {op.ram_style.data for op in module.walk() if isinstance(op, rpnn.MVTUOp)}
    assert "ultra" not in rams and _analysis(module, get_device("xczu7ev"))["total"]["uram"] == 0


def test_infeasible_budget_is_reported(tmp_path):
    with pytest.raises(PassFailedException, match="no folding fits the budget"):
        _fold(build_lfc(4, 4), tmp_path, device="xc7z020", lut_fraction=0.7,
              bram_fraction=0.7)


def test_report_explains_the_choice(tmp_path):
    path = tmp_path / "r.json"
    FoldPass(lut_fraction=0.5, bram_fraction=0.5, json=True,
             report=str(path)).apply(api.context(), build_lfc(1, 1))
    (report,) = json.loads(path.read_text())["functions"]
    assert report["mode"] == "budget" and report["exact"]
    assert any("limiting resource" in line for line in report["explanation"])
    assert report["budget"]["lut"] == pytest.approx(0.5 * ZYNQ.lut)


# --------------------------------------------------------------------------- IR rewriting


def test_every_unit_kind_with_partitions_folds_and_keeps_semantics(tmp_path):
    rng = np.random.default_rng(1)
    before = api.parse(ALL_UNITS)
    after = api.parse(ALL_UNITS)
    _fold(after, tmp_path, device="xczu7ev", target_fps=300_000)
    _check_constraints(after)
    x = rng.integers(0, 16, size=(3, 8, 8, 3))
    assert np.array_equal(interp.run(before, [x], "dataflow_level")[0],
                          interp.run(after, [x], "dataflow_level")[0])
    v = rng.integers(0, 4, size=(2, 64))
    assert np.array_equal(interp.run(before, [v], "classifier")[0],
                          interp.run(after, [v], "classifier")[0])
    # a function returning a stream keeps its declared result type
    (fn,) = [op for op in after.walk() if isinstance(op, func.FuncOp)
             and op.sym_name.data == "stream_ports"]
    ret = fn.body.block.last_op
    assert [v.type for v in ret.operands] == list(fn.function_type.outputs.data)


def test_folded_cnv_computes_the_same(tmp_path):
    module = build_cnv(2, 2, seed=3)
    x = np.random.default_rng(0).integers(0, 256, size=(1, 32, 32, 3))
    (expected,) = interp.run(module, [x])
    _fold(module, tmp_path, lut_fraction=0.7, bram_fraction=0.7)
    (got,) = interp.run(module, [x])
    assert np.array_equal(expected, got)


def test_refold_is_stable(tmp_path):
    module = _fold(build_lfc(1, 1), tmp_path, target_fps=50_000)
    text = str(module)
    _fold(module, tmp_path, target_fps=50_000)
    assert str(module) == text


# --------------------------------------------------------------------------- optimality


def _tiny_device(lut: int, bram: int) -> Device:
    return Device("tiny", lut=lut, ff=0, bram18=bram, uram=0, dsp=8, clock_mhz=100.0)


dims = st.sampled_from([2, 3, 4, 6])
bits = st.sampled_from([1, 2])


@st.composite
def chains(draw):
    layers = draw(st.lists(dims, min_size=2, max_size=3))
    module = build_chain(layers, draw(bits), draw(bits), draw(dims),
                         seed=draw(st.integers(0, 1000)), label_select=draw(st.booleans()),
                         ram_style=draw(st.sampled_from(["auto", "block"])))
    return module


@st.composite
def residual_blocks(draw):
    c = draw(st.sampled_from([2, 4, 6]))
    b = DataflowBuilder([draw(dims)], activation_type(2), seed=draw(st.integers(0, 99)))
    b.mvtu(c, weight_type(2), activation_type(2))
    skip = b.duplicate()
    b.mvtu(c, weight_type(draw(bits)), activation_type(2))
    b.add_streams(skip)
    b.thresholding(activation_type(2))
    return b.finish()


def _compare_with_exhaustive(module, lut_fraction, bram_fraction):
    """Budgets drawn between the least and the most any folding of the net could use, so
    that they bind somewhere in between."""
    loose = extract_problem(_graph(module), 100.0, _tiny_device(10**9, 10**9))
    least = np.sum([np.min([c.res for c in g.configs], axis=0) for g in loose.groups], axis=0)
    most = np.sum([np.max([c.res for c in g.configs], axis=0) for g in loose.groups], axis=0)
    lut = int(least[0] + lut_fraction * (most[0] - least[0] + 200))
    bram = int(least[1] + bram_fraction * (most[1] - least[1]))
    device = _tiny_device(max(lut, 1), max(bram, 1))
    problem = extract_problem(_graph(module), 100.0, device)
    objective = Objective.for_device(device, (1.0, 1.0, 1.0, 1.0))
    best = exhaustive(problem, objective)
    try:
        ours = fold_for_budget(problem, objective).solution
    except FoldError:
        assert best is None
        return
    assert best is not None
    assert ours.cycles == best.cycles
    assert np.dot(ours.res, objective.weights) == pytest.approx(
        np.dot(best.res, objective.weights))
    assert objective.fits(ours.res)
    greedy = greedy_for_budget(problem, objective)
    assert greedy is None or ours.cycles <= greedy.cycles
    # target mode: for a few bounds, the cheapest design equals the exhaustive one
    uncapped = Objective.for_device(device)
    for bound in problem.cycle_candidates()[::3]:
        mine = feasible_design(problem, bound, uncapped, cheapest=True)
        theirs = exhaustive(problem, uncapped, max_cycles=bound)
        assert mine is not None and theirs is not None
        assert np.dot(mine.res, uncapped.weights) == pytest.approx(
            np.dot(theirs.res, uncapped.weights))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chains(), st.floats(0, 1), st.floats(0, 1))
def test_fold_equals_exhaustive_on_random_chains(module, lut, bram):
    _compare_with_exhaustive(module, lut, bram)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(residual_blocks(), st.floats(0, 1), st.floats(0, 1))
def test_fold_equals_exhaustive_on_residual_blocks(module, lut, bram):
    _compare_with_exhaustive(module, lut, bram)


def _compare_pruned_with_plain(module, lut_fraction, bram_fraction):
    """The capped Pareto DP with its bounds (`_solve`) returns the very design of the plain
    DP without them (`_forward`), at every achievable bottleneck."""
    from rpnn_ir.hw.folding import _forward, _plan, _solve

    loose = extract_problem(_graph(module), 100.0, _tiny_device(10**9, 10**9))
    least = np.sum([np.min([c.res for c in g.configs], axis=0) for g in loose.groups], axis=0)
    most = np.sum([np.max([c.res for c in g.configs], axis=0) for g in loose.groups], axis=0)
    device = _tiny_device(max(int(least[0] + lut_fraction * (most[0] - least[0] + 200)), 1),
                          max(int(least[1] + bram_fraction * (most[1] - least[1])), 1))
    problem = extract_problem(_graph(module), 100.0, device)
    objective = Objective.for_device(device, (1.0, 1.0, 1.0, 1.0))
    for bound in problem.cycle_candidates():
        plain = _forward(problem, _plan(problem, bound), objective, True)
        pruned = _solve(problem, bound, objective, pareto=True)
        assert (pruned is None) == (plain is None)
        if plain is not None:
            assert (pruned.choice, pruned.res) == (plain.choice, plain.res)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(chains(), residual_blocks()), st.floats(0, 1), st.floats(0, 1))
def test_pruned_pareto_dp_equals_the_plain_one(module, lut, bram):
    _compare_pruned_with_plain(module, lut, bram)


def test_model_total_equals_cost_pass_after_folding(tmp_path):
    """The folder's model of a design (units and width converters) is what rpnn-cost
    reports for the rewritten IR."""
    module = build_cnv(1, 1)
    problem = extract_problem(_graph(module), 100.0, ZYNQ)
    result = fold_for_budget(problem, Objective.for_device(ZYNQ, (0.6, 0.6, 1, 1)))
    _fold(module, tmp_path, lut_fraction=0.6, bram_fraction=0.6)
    graph = _graph(module)
    total = np.zeros(4, dtype=np.int64)
    for unit in graph.units:
        total += evaluate(unit).res.as_tuple()
    assert tuple(int(v) for v in total) == result.solution.res


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(*[st.integers(0, 4)] * 4), min_size=1, max_size=40))
def test_pareto_front_is_exact(rows):
    """The front kept under each DP state: exactly the non-dominated resource vectors."""
    from rpnn_ir.hw.folding import _pareto

    points = np.asarray(rows, dtype=np.int64)
    kept = {tuple(points[i]) for i in _pareto(points)}
    assert len(kept) == len(_pareto(points))
    expected = {tuple(p) for p in points
                if not any(np.all(q <= p) and np.any(q < p) for q in points)}
    assert kept == expected


def test_fold_drops_stale_cost_annotations(tmp_path):
    from rpnn_ir.passes.cost import COST_ATTR, DESIGN_ATTR, CostPass

    module = build_lfc(1, 1)
    CostPass(report=str(tmp_path / "c.txt")).apply(api.context(), module)
    assert any(COST_ATTR in op.attributes for op in module.walk())
    _fold(module, tmp_path, target_fps=10_000)
    assert not any(COST_ATTR in op.attributes or DESIGN_ATTR in op.attributes
                   for op in module.walk())
