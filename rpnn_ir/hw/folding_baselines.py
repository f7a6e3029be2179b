"""Baselines for ``rpnn-fold``: FINN's greedy SetFolding and an exhaustive search.

Both work on the same model as `rpnn_ir.hw.folding` (`FoldProblem`), and their designs are
costed the same way (units, FIFOs and the width converters their word sizes need), so the
comparison in ``benchmarks/folding.py`` and ``tests/cost/test_fold.py`` is like for like.

`greedy_setfolding` reproduces FINN's ``SetFolding`` transformation (Xilinx/finn,
``src/finn/transformation/fpgadataflow/set_folding.py``; reference notes, "Precision facts"):

- MVTU: reset PE = SIMD = 1; raise SIMD over the divisors of MW until the unit's cycles are
  below the target, or until W * SIMD would exceed 36 bits (then the last step is undone);
  then raise PE over the divisors of MH until the target is met;
- units with one parallelism parameter (thresholding, add, label select, pooling, padding,
  sliding window): raise it over the divisors of the channels until the target is met;
- depthwise units: raise PE over the divisors of C; SIMD over the divisors of K*K only once
  PE = C; the sliding window feeding one takes its PE as SIMD;
- "two-pass relaxation": when the target was not met, run again with the slowest unit's
  cycles as the target, so the rest of the pipeline is balanced against it.

Two adaptations, both in the greedy's favour: pooling is folded like the PE units (FINN's
SetFolding skips StreamingMaxPool with a warning, but its HLS pool reads whole pixels), and a
memory style is never changed (the IR's ``ram`` stays).  Budget mode, which SetFolding does
not have, is `greedy_for_budget`: try every achievable bottleneck as the target and keep the
fastest design that fits, as a FINN user searching target_fps would.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from rpnn_ir.hw.folding import (
    FoldProblem,
    Group,
    Objective,
    Solution,
    divisors,
)

MVAU_WWIDTH_MAX = 36
"""FINN SetFolding's default ``mvau_wwidth_max``: the weight bits per PE (W * SIMD) above which
SIMD stops growing."""


def _ram(group: Group) -> str | None:
    if group.unit is not None:
        ram = group.unit.folding().get("ram")
        return None if ram is None else str(ram)
    return group.meta.get("ram", group.configs[0].ram)


def _cycles(group: Group, pe: int, simd: int) -> int:
    index = group.lookup(pe, simd, _ram(group))
    assert index is not None, f"{group.name}: no configuration PE={pe} SIMD={simd}"
    return group.configs[index].cycles


def _fold_group(group: Group, target: int) -> tuple[int, int]:
    """(PE, SIMD) SetFolding gives one group for `target` cycles (strictly below)."""
    kind, meta = group.kind, group.meta
    if kind == "mvtu":
        simd = 1
        for value in divisors(meta["mw"]):
            previous, simd = simd, value
            if _cycles(group, 1, simd) < target:
                break
            if meta["w_bits"] * simd > MVAU_WWIDTH_MAX:
                simd = previous
                break
        pe = 1
        for pe in divisors(meta["mh"]):
            if _cycles(group, pe, simd) < target:
                break
        return pe, simd
    if kind == "depthwise":
        pe = 1
        for pe in divisors(meta["channels"]):
            if _cycles(group, pe, 1) < target:
                break
        simd = 1
        if pe == meta["channels"] and _cycles(group, pe, 1) >= target:
            for simd in divisors(meta["taps"]):
                if _cycles(group, pe, simd) < target:
                    break
        return pe, simd
    if kind in ("swg", "pad"):
        simd = 1
        for simd in divisors(meta["channels"]):
            if _cycles(group, 0, simd) < target:
                break
        return 0, simd
    pe = 1
    for pe in divisors(meta["channels"]):
        if _cycles(group, pe, 0) < target:
            break
    return pe, 0


def _one_pass(problem: FoldProblem, target: int) -> list[int]:
    folds = [_fold_group(g, target) for g in problem.groups]
    # a sliding window feeding a depthwise unit takes the unit's PE as its SIMD
    for e in problem.edges:
        src, dst = problem.groups[e.src], problem.groups[e.dst]
        if src.kind == "swg" and dst.kind == "depthwise":
            folds[e.src] = (0, folds[e.dst][0])
    choice = []
    for g, (pe, simd) in zip(problem.groups, folds, strict=True):
        index = g.lookup(pe, simd, _ram(g))
        assert index is not None
        choice.append(index)
    return choice


def greedy_setfolding(problem: FoldProblem, target_cycles: int,
                      two_pass_relaxation: bool = True) -> list[int]:
    """FINN's SetFolding for `target_cycles` (units aim for strictly fewer cycles)."""
    choice = _one_pass(problem, target_cycles)
    if two_pass_relaxation:
        reached = max(g.configs[c].cycles for g, c in zip(problem.groups, choice, strict=True))
        if reached > target_cycles:
            choice = _one_pass(problem, reached)
    return choice


def greedy_for_fps(problem: FoldProblem, fps: float) -> list[int]:
    """SetFolding for a frame rate, as FINN's ``target_fps`` (which becomes a target of
    f_clk / fps cycles per frame); the target is set one above, so that units may reach
    exactly f_clk / fps."""
    bound = int(problem.clock_mhz * 1e6 // fps)
    return greedy_setfolding(problem, bound + 1)


def greedy_for_budget(problem: FoldProblem, objective: Objective) -> Solution | None:
    """The fastest SetFolding design within the caps, over all achievable targets."""
    best: Solution | None = None
    seen: set[tuple[int, ...]] = set()
    for bound in problem.cycle_candidates():
        choice = greedy_setfolding(problem, bound + 1)
        key = tuple(choice)
        if key in seen:
            continue
        seen.add(key)
        res, cycles = problem.total(choice)
        if not objective.fits(res):
            continue
        scalar = float(objective.scalar(np.asarray([res], dtype=np.float64))[0])
        if best is None or cycles < best.cycles or (
                cycles == best.cycles and scalar < float(objective.scalar(
                    np.asarray([best.res], dtype=np.float64))[0])):
            best = Solution(choice, res, cycles)
    return best


def search_space_size(problem: FoldProblem) -> int:
    size = 1
    for g in problem.groups:
        size *= len(g.configs)
    return size


def exhaustive(problem: FoldProblem, objective: Objective, max_cycles: int | None = None,
               limit: int = 2_000_000) -> Solution | None:
    """Enumerate every assignment of configurations (small problems only).

    With `max_cycles`: the cheapest design within it and the caps (target mode).  Without:
    the fastest design within the caps, the cheapest among equally fast ones (budget mode).
    """
    size = search_space_size(problem)
    if size > limit:
        raise ValueError(f"{size} assignments exceed the exhaustive limit {limit}")
    groups = problem.groups
    best: tuple[int, float] | None = None
    best_choice: Sequence[int] | None = None
    best_res = None
    for choice in itertools.product(*(range(len(g.configs)) for g in groups)):
        cycles = max(g.configs[c].cycles for g, c in zip(groups, choice, strict=True))
        if max_cycles is not None and cycles > max_cycles:
            continue
        if best is not None and max_cycles is None and cycles > best[0]:
            continue
        res, _ = problem.total(choice)
        if not objective.fits(res):
            continue
        scalar = float(np.dot(res, objective.weights))
        key = (0 if max_cycles is not None else cycles, scalar)
        if best is None or key < best:
            best, best_choice, best_res = key, choice, res
    if best_choice is None:
        return None
    _, cycles = problem.total(best_choice)
    return Solution(list(best_choice), best_res, cycles)  # type: ignore[arg-type]
