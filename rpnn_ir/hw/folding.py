"""PE/SIMD folding: the optimisation model and its exact solver (docs/passes.md, rpnn-fold).

The model
---------
A *group* is a unit with folding parameters (``rpnn.mvtu``, ``rpnn.depthwise``, ``rpnn.swg``,
``rpnn.pad``, ``rpnn.stream_maxpool``, ``rpnn.thresholding``, ``rpnn.add_streams``,
``rpnn.label_select``).  Each group has a finite set of *configurations* (PE, SIMD, memory
style) allowed by the dialect's constraints, each with a resource vector (LUT, BRAM18, URAM,
DSP), a cycle count, the word size it reads on each input and the word size it writes.
Streams between groups are *edges*: the FIFOs and duplicates on them cost by the width of the
words they carry, and a width converter (``rpnn.dwc``, FINN's LUT formula) is needed where the
producer's word differs from the consumer's.  So a design's cost is a sum of per-group terms
plus per-edge terms that depend on the two ends, and its throughput is set by the slowest
group: FPS = f_clk / max cycles (width converters, FIFOs and ports never exceed their
neighbours' cycles: each unit writes and reads at most one word per cycle).

The solver
----------
For a bound T on the cycles of every group, `solve` finds the cheapest design exactly by
dynamic programming over the groups in topological order.  Its state is the word size on
every stream still open (written by a processed group, read by one not yet processed): for a
chain that is one word size, for a residual block two.  Under each state it keeps the
*Pareto front* of resource vectors of the partial designs (or, with a scalar objective, only
the cheapest).  Pareto pruning and dropping vectors over the budget are exact because costs
only add up; edge costs depend only on the two words, which the state holds.  Hence:

- target mode (`fold_for_fps`): T = floor(f_clk / fps); the minimum of the scalar cost
  sum_r usage_r / capacity_r is exact.
- budget mode (`fold_for_budget`): "some design within the budget has all groups <= T" is
  monotone in T, so a binary search over the finite set of achievable group cycle counts
  finds the smallest feasible T, which is the maximum FPS; among the designs at that T the
  scalar cost picks the cheapest.  This is optimal for the model, not a heuristic.

The capped Pareto DP is pruned by exact bounds (`_Bounds`): a backward DP gives, for every
state, the least completion of each capped resource and of the Lagrangian cost
(w + lambda).x for multipliers lambda found by a grid search on the dual; a partial design
whose resources plus the least completion exceed a cap, or whose Lagrangian bound exceeds
the cost of a fitting design (the scalar optimum for slightly raised multipliers), cannot
lead to the optimum and is dropped.  The result is the one the plain DP gives (same design,
checked by the tests), only faster: on a ResNet-34-sized net the points examined fall from
about 2.1e8 to 6.8e6.  The forward DP handles all states of a group at once in numpy.

Only a front larger than `MAX_FRONT` is thinned (then `FoldResult.exact` is False).  FINN's
greedy SetFolding and an exhaustive enumeration live in `rpnn_ir.hw.folding_baselines`.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerAttr, StringAttr
from xdsl.ir import SSAValue
from xdsl.rewriter import InsertPoint, Rewriter

from rpnn_ir.dialects import rpnn
from rpnn_ir.hw import cost
from rpnn_ir.hw.dataflow_model import (
    PASS_THROUGH,
    DataflowGraph,
    Unit,
    element_bits,
    evaluate,
    linked_values,
    stream_uses,
)
from rpnn_ir.hw.devices import RESOURCES, Device

MAX_FRONT = 4000
"""Largest Pareto front kept per DP state before thinning it by scalar cost."""

GROUP_KINDS = ("mvtu", "depthwise", "swg", "pad", "maxpool", "thresholding", "add",
               "label_select")

Vector = tuple[int, int, int, int]


class FoldError(Exception):
    """No folding meets the request (the message says which unit or resource prevents it)."""


def divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Config:
    """One folding of a group."""

    pe: int
    simd: int
    ram: str | None
    cycles: int
    res: Vector
    in_words: tuple[int, ...]
    out_word: int


@dataclass
class Group:
    """A unit with folding parameters and its configurations."""

    name: str
    kind: str
    configs: list[Config]
    unit: Unit | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    """Static parameters used by the greedy baseline (mw, mh, channels, taps, w_bits...)."""
    current: int | None = None
    """Index of the configuration the IR has now."""

    def lookup(self, pe: int, simd: int, ram: str | None = None) -> int | None:
        for i, c in enumerate(self.configs):
            if c.pe == pe and c.simd == simd and (ram is None or c.ram == ram):
                return i
        return None


@dataclass
class Edge:
    """A stream from group `src` to input `dst_input` of group `dst`."""

    src: int
    dst: int
    dst_input: int
    bits: int
    elements: int
    path: list[Unit] = field(default_factory=list)
    """FIFOs, duplicates and width converters on the way, in order."""
    shared: list[bool] = field(default_factory=list)
    """Per path unit: already counted by an earlier edge (a unit before a duplicate)."""


@dataclass
class FoldProblem:
    groups: list[Group]
    edges: list[Edge]
    clock_mhz: float
    graph: DataflowGraph | None = None
    _edge_cache: dict[tuple[int, int, int], Vector] = field(default_factory=dict)
    _solve_cache: dict[tuple, Solution | None] = field(default_factory=dict)
    _plan_cache: dict[int, list[_Step] | None] = field(default_factory=dict)
    """`_plan` by cycle bound, with what its steps memoise (the scalar passes of `lagrange`
    and the bounds of the Pareto DP share them)."""
    """`solve`'s results by (max_cycles, objective, pareto): a budget fold asks the same
    questions more than once (the search's answer, then the cheapest design at its bound)."""

    def edge_cost(self, index: int, src_word: int, dst_word: int) -> Vector:
        """Resources of edge `index` when its ends use these word sizes."""
        key = (index, src_word, dst_word)
        if key not in self._edge_cache:
            self._edge_cache[key] = _path_cost(self.edges[index], src_word, dst_word)
        return self._edge_cache[key]

    def fps(self, cycles: int) -> float:
        return self.clock_mhz * 1e6 / cycles

    def cycle_candidates(self) -> list[int]:
        """Every bottleneck a design can have, fastest first (from the fastest achievable)."""
        floor = max(min(c.cycles for c in g.configs) for g in self.groups)
        return sorted({c.cycles for g in self.groups for c in g.configs if c.cycles >= floor})

    def total(self, choice: Sequence[int]) -> tuple[Vector, int]:
        """(resources including edges, max cycles) of a full assignment of configs."""
        res = np.zeros(4, dtype=np.int64)
        cycles = 0
        for g, ci in zip(self.groups, choice, strict=True):
            c = g.configs[ci]
            res += c.res
            cycles = max(cycles, c.cycles)
        for i, e in enumerate(self.edges):
            src = self.groups[e.src].configs[choice[e.src]]
            dst = self.groups[e.dst].configs[choice[e.dst]]
            res += self.edge_cost(i, src.out_word, dst.in_words[e.dst_input])
        return tuple(int(v) for v in res), cycles  # type: ignore[return-value]


def _path_cost(edge: Edge, src_word: int, dst_word: int) -> Vector:
    total = cost.Resources()
    word = src_word
    converted = False
    for unit, shared in zip(edge.path, edge.shared, strict=True):
        if unit.kind == "dwc":
            if not shared:
                total = total + evaluate(unit, in_word=word, out_word=dst_word).res
            word, converted = dst_word, True
        elif not shared:
            total = total + evaluate(unit, in_word=word).res
    if not converted and src_word != dst_word:
        total = total + cost.Resources(lut=cost.dwc_luts(src_word * edge.bits,
                                                         dst_word * edge.bits))
    return total.as_tuple()


# --------------------------------------------------------------------------- extraction


def _ram_options(unit: Unit, device: Device | None) -> list[str | None]:
    ram = unit.folding().get("ram")
    if ram is None:
        return [None]
    if ram == "auto" and device is not None and device.uram_for_constants:
        return ["auto", "ultra"]  # weights are constants: only where URAM can hold a ROM
    return [str(ram)]


def _group_configs(unit: Unit, device: Device | None) -> tuple[list[Config], dict[str, Any]]:
    op, kind = unit.op, unit.kind
    shapes = [v.type.get_shape() for v in op.operands if hasattr(v.type, "word")]
    configs: list[Config] = []
    meta: dict[str, Any] = {}

    def add(pe: int, simd: int, ram: str | None, in_words: tuple[int, ...], out_word: int):
        c = evaluate(unit, pe=pe, simd=simd, ram=ram)
        configs.append(Config(pe, simd, ram, c.cycles, c.res.as_tuple(), in_words, out_word))

    rams = _ram_options(unit, device)
    if kind in ("mvtu", "depthwise"):
        a, b = op.weights.type.get_shape()  # type: ignore[attr-defined]
        meta["w_bits"] = element_bits(op.weights.type.element_type)  # type: ignore
        if kind == "mvtu":
            mw, mh = a, b
            meta.update(mw=mw, mh=mh)
            pairs = [(pe, simd) for pe in divisors(mh) for simd in divisors(mw)]
        else:
            channels, taps = a, b
            meta.update(channels=channels, taps=taps)
            pairs = [(pe, simd) for pe in divisors(channels) for simd in divisors(taps)
                     if simd == 1 or pe == channels]
        for (pe, simd), ram in itertools.product(pairs, rams):
            add(pe, simd, ram, (pe * simd if kind == "depthwise" else simd,), pe)
    elif kind in ("swg", "pad"):
        channels = shapes[0][-1]
        meta["channels"] = channels
        for simd in divisors(channels):
            add(0, simd, None, (simd,), simd)
    else:  # pe units
        channels = shapes[0][-1]
        meta["channels"] = channels
        for pe in divisors(channels):
            out = pe if kind != "label_select" else op.results[0].type.word.data
            add(pe, 0, None, (pe,) * len(shapes), out)
    return configs, meta


def _current_index(group: Group) -> int | None:
    assert group.unit is not None
    f = group.unit.folding()
    pe, simd = f.get("pe", 0), f.get("simd", 0)
    for i, c in enumerate(group.configs):
        if c.pe == pe and c.simd == simd and c.ram in (None, f.get("ram")):
            return i
    return None


def extract_problem(graph: DataflowGraph, clock_mhz: float,
                    device: Device | None = None, count_fifos: bool = False) -> FoldProblem:
    """The folding model of a dataflow function (see the module docstring).

    FIFOs are left out unless `count_fifos`: their depths are sized for a given folding
    (``rpnn-insert-fifos`` re-sizes them after folding), so the ones in the IR before folding
    say little about the folded design.  Ports (``tensor_to_stream``/``stream_to_tensor``)
    take the width of the unit they feed or read, so the FIFOs after them are charged to
    that unit's configurations.
    """
    groups: list[Group] = []
    index_of: dict[Unit, int] = {}
    for unit in graph.units:
        if unit.kind in GROUP_KINDS:
            configs, meta = _group_configs(unit, device)
            index_of[unit] = len(groups)
            groups.append(Group(unit.name, unit.kind, configs, unit, meta))
    for g in groups:
        g.current = _current_index(g)

    edges: list[Edge] = []
    unary: dict[int, list[Edge]] = defaultdict(list)
    counted: set[Unit] = set()

    def follow(start: Unit, result: int, path: list[Unit], src: int | None):
        for consumer, operand in start.consumers[result]:
            if consumer.kind in PASS_THROUGH:
                for r in range(len(consumer.op.results)):
                    follow(consumer, r, [*path, consumer], src)
                continue
            stream = start.op.results[result].type
            bits = element_bits(stream.element_type)
            elements = math.prod(stream.get_shape())
            path = [u for u in path if count_fifos or u.kind != "fifo"]
            shared = [u in counted for u in path]
            counted.update(path)
            if consumer.kind == "sink":
                if src is not None:
                    unary[src].append(Edge(src, src, -1, bits, elements, path, shared))
                continue
            dst = index_of[consumer]
            inputs = [i for i, v in enumerate(consumer.op.operands)
                      if hasattr(v.type, "word")]
            e = Edge(src if src is not None else dst, dst, inputs.index(operand), bits,
                     elements, path, shared)
            if src is None:
                unary[dst].append(e)  # from a host port
            else:
                edges.append(e)

    for unit in graph.units:
        if unit.kind in GROUP_KINDS:
            for r in range(len(unit.op.results)):
                follow(unit, r, [], index_of[unit])
        elif unit.kind == "source":
            follow(unit, 0, [], None)

    # fold the port edges into the configurations of the unit they attach to
    for gi, port_edges in unary.items():
        g = groups[gi]
        new = []
        for c in g.configs:
            res = np.array(c.res, dtype=np.int64)
            for e in port_edges:
                word = c.out_word if e.dst_input < 0 else c.in_words[e.dst_input]
                res += _path_cost(e, word, word)
            new.append(Config(c.pe, c.simd, c.ram, c.cycles, tuple(int(v) for v in res),
                              c.in_words, c.out_word))
        g.configs = new
    return FoldProblem(groups, edges, clock_mhz, graph)


def _float_cost(unit: Unit, pe: int, simd: int, ram: str | None,
                resource: str) -> cost.UnitCost:
    """What `unit` would cost computing in float32 (see `as_float32`)."""
    op, kind = unit.op, unit.kind
    shape = tuple(op.operands[0].type.get_shape())  # type: ignore[attr-defined]
    bits = cost.FP32_BITS
    if kind == "mvtu":
        mw, mh = op.weights.type.get_shape()  # type: ignore[attr-defined]
        return cost.float_mvtu_cost(mw, mh, pe, simd, math.prod(shape[:-1]),
                                    resource=resource, ram_style=ram or "auto")
    if kind == "swg":
        k, s = op.kernel.get_values(), op.stride.get_values()  # type: ignore[attr-defined]
        return cost.swg_cost(shape[0], shape[1], shape[2], (k[0], k[1]), (s[0], s[1]), simd,
                             bits)
    if kind == "maxpool":
        k, s = op.kernel.get_values(), op.stride.get_values()  # type: ignore[attr-defined]
        return cost.maxpool_cost(shape[0], shape[1], shape[2], (k[0], k[1]), (s[0], s[1]), pe,
                                 bits)
    if kind == "pad":
        out = tuple(op.results[0].type.get_shape())  # type: ignore[attr-defined]
        p = op.padding.get_values()  # type: ignore[attr-defined]
        return cost.pad_cost(out[0], out[1], out[2], simd, bits, (p[0], p[1], p[2], p[3]))
    if kind == "label_select":
        return cost.label_select_cost(shape[-1], op.k.value.data, pe, bits,  # type: ignore
                                      op.results[0].type.word.data)  # type: ignore
    if kind == "add":
        return cost.add_streams_cost(math.prod(shape[:-1]), shape[-1], pe, bits)
    raise FoldError(f"{unit.name}: no float32 model for a {kind} unit")


def as_float32(problem: FoldProblem, device: Device | None = None,
               resource: str = "dsp") -> FoldProblem:
    """The same network computed in float32, for comparing precisions the paper's way.

    A float layer is not legal dataflow IR (units are integer-only), so it exists only in
    the model: every MVTU is costed by `rpnn_ir.hw.cost.float_mvtu_cost` (PG060 operators,
    `resource` = "dsp" or "lut"), the other units and the streams carry 32-bit elements;
    the configurations and constraints are those of the integer network.
    """
    groups: list[Group] = []
    for g in problem.groups:
        assert g.unit is not None
        seen: set[tuple[int, int, str | None]] = set()
        configs = []
        for c in g.configs:
            key = (c.pe, c.simd, c.ram)
            if key in seen:
                continue
            seen.add(key)
            if c.ram == "ultra" and (device is None or not device.uram_for_constants):
                continue
            u = _float_cost(g.unit, c.pe, c.simd, c.ram, resource)
            configs.append(Config(c.pe, c.simd, c.ram, u.cycles, u.res.as_tuple(),
                                  c.in_words, c.out_word))
        meta = dict(g.meta, w_bits=cost.FP32_BITS)
        groups.append(Group(g.name, g.kind, configs, g.unit, meta))
    edges = [Edge(e.src, e.dst, e.dst_input, cost.FP32_BITS, e.elements) for e in problem.edges]
    return FoldProblem(groups, edges, problem.clock_mhz, None)


# --------------------------------------------------------------------------- objective


@dataclass(frozen=True)
class Objective:
    """The scalar cost sum_r weight_r * usage_r and the budget caps (None: no cap)."""

    weights: tuple[float, float, float, float]
    caps: tuple[float | None, float | None, float | None, float | None] = (None,) * 4

    @classmethod
    def for_device(cls, device: Device, fractions: Sequence[float] | None = None
                   ) -> Objective:
        """Utilisation sum over the device's resources; caps = fraction * capacity."""
        weights = tuple(1.0 / device.capacity(r) if device.capacity(r) else 1e9
                        for r in RESOURCES)
        caps: tuple[float | None, ...] = (None,) * 4
        if fractions is not None:
            caps = tuple(f * device.capacity(r) for f, r in zip(fractions, RESOURCES,
                                                                  strict=True))
        return cls(weights, caps)  # type: ignore[arg-type]

    def scalar(self, points: np.ndarray) -> np.ndarray:
        return points @ np.asarray(self.weights)

    def within(self, points: np.ndarray) -> np.ndarray:
        ok = np.ones(len(points), dtype=bool)
        for r, cap in enumerate(self.caps):
            if cap is not None:
                ok &= points[:, r] <= cap + 1e-9
        return ok

    def fits(self, res: Sequence[int]) -> bool:
        return bool(self.within(np.asarray([res], dtype=np.int64))[0])


# --------------------------------------------------------------------------- solver


@dataclass
class Solution:
    choice: list[int]
    res: Vector
    cycles: int
    exact: bool = True


def _pareto(points: np.ndarray) -> np.ndarray:
    """Indices of the non-dominated rows (minimisation), duplicates removed."""
    n = len(points)
    if n <= 1:
        return np.arange(n)
    varying = [d for d in range(points.shape[1]) if points[:, d].min() != points[:, d].max()]
    if not varying:
        return np.array([int(np.argmin(points[:, 0]))])
    p = points[:, varying]
    if len(varying) == 1:
        return np.array([int(np.argmin(p[:, 0]))])
    if len(varying) == 2:
        order = np.lexsort((p[:, 1], p[:, 0]))
        return order[_front2(p[order, 0], p[order, 1])]
    # More dimensions: group the points by the values of the dimensions after the first
    # two ("levels", encoded in one mixed-radix key that sorts like the tuples); within a
    # level the 2D front; across levels a point is dominated only by the kept points of a
    # level that is <= its own in every level dimension, checked against that level's
    # staircase.
    key = np.zeros(n, dtype=np.int64)
    for column in p[:, 2:].T:
        key = key * (int(column.max()) + 1) + column
    order = np.lexsort((p[:, 1], p[:, 0], key))
    sorted_key = key[order]
    starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
    ends = np.r_[starts[1:], n]
    kept: list[np.ndarray] = []
    stairs: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for begin, end in zip(starts, ends, strict=True):
        idx = order[begin:end]
        idx = idx[_front2(p[idx, 0], p[idx, 1])]
        lv = p[idx[0], 2:]
        alive = np.ones(len(idx), dtype=bool)
        for other, lut, bram in stairs:
            if np.all(other <= lv):
                pos = np.searchsorted(lut, p[idx, 0], side="right") - 1
                hit = pos >= 0
                alive[hit] &= bram[pos[hit]] > p[idx[hit], 1]
        idx = idx[alive]
        if len(idx):
            kept.append(idx)
            stairs.append((lv, p[idx, 0], p[idx, 1]))
    return np.concatenate(kept)


def _front2(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Mask of the 2D front of points already sorted by (a, b): b strictly below every
    earlier point's."""
    best_b = np.minimum.accumulate(b)
    keep = np.ones(len(a), dtype=bool)
    keep[1:] = b[1:] < best_b[:-1]
    return keep


def solve(problem: FoldProblem, max_cycles: int, objective: Objective, *,
          pareto: bool) -> Solution | None:
    """The cheapest design with every group at most `max_cycles` within the caps (or None),
    `_solve` once per question and problem."""
    key = (max_cycles, objective, pareto)
    if key not in problem._solve_cache:
        problem._solve_cache[key] = _solve(problem, max_cycles, objective, pareto=pareto)
    return problem._solve_cache[key]


def _solve(problem: FoldProblem, max_cycles: int, objective: Objective, *,
           pareto: bool) -> Solution | None:
    """The cheapest design with every group at most `max_cycles` within the caps (or None).

    `pareto` keeps the whole front under each state (needed when caps bind several
    resources); without it only the scalar minimum is kept (exact for an uncapped scalar
    objective; with caps it may miss a feasible design).  Partial designs that cannot fit
    even with the least each remaining group needs are dropped (an exact bound).  With caps,
    the Pareto DP also drops partial designs that no completion can bring within the caps or
    below the cost of a fitting design already known (`_Bounds`): exact bounds, so the
    result is the one the DP gives without them.
    """
    plan = _plan(problem, max_cycles)
    if plan is None:
        return None
    if not pareto or not any(cap is not None for cap in objective.caps):
        return _forward(problem, plan, objective, pareto)
    bounds = _bounds(problem, plan, objective)
    bounds.limit = _incumbent(problem, plan, objective, bounds)
    return _forward(problem, plan, objective, True, bounds)


CHUNK = 1 << 20
"""Candidate points of one group gathered before their fronts are taken (bounds memory)."""

StateKey = tuple[int, ...]


@dataclass
class _Step:
    """Group g's step of the DP: the streams open before and after it, the edges into it, its
    configurations within the cycle bound and the distinct words they write."""

    frontier: list[int]
    after: list[int]
    preds: list[int]
    cis: np.ndarray
    base: np.ndarray
    configs: list[Config]
    word_of: np.ndarray
    """Per configuration, the index of its output word in `words`."""
    words: list[int | None]
    """Output words in order of first use ([None] when no later group reads the output)."""
    memo: dict[Any, Any] = field(default_factory=dict)
    """Edge rows by (edge, source word) and the last `_candidates`."""

    def next_keys(self, g: int, key: StateKey) -> list[StateKey]:
        """The state after the group, per output word, from state `key` before it."""
        words = dict(zip(self.frontier, key, strict=True))
        return [tuple(w if p == g else words[p] for p in self.after)  # type: ignore[misc]
                for w in self.words]


def _plan(problem: FoldProblem, max_cycles: int) -> list[_Step] | None:
    """The DP's steps for groups in topological order; None if a group cannot meet
    `max_cycles` (memoised per problem)."""
    if max_cycles not in problem._plan_cache:
        problem._plan_cache[max_cycles] = _make_plan(problem, max_cycles)
    return problem._plan_cache[max_cycles]


def _make_plan(problem: FoldProblem, max_cycles: int) -> list[_Step] | None:
    """`_plan`, computed."""
    groups, edges = problem.groups, problem.edges
    n = len(groups)
    consumers: dict[int, list[int]] = defaultdict(list)
    preds: dict[int, list[int]] = defaultdict(list)
    for i, e in enumerate(edges):
        consumers[e.src].append(e.dst)
        preds[e.dst].append(i)
    last_use = {g: max(consumers[g]) if consumers[g] else -1 for g in range(n)}
    plan: list[_Step] = []
    frontier: list[int] = []
    for g, group in enumerate(groups):
        feasible = [(ci, c) for ci, c in enumerate(group.configs) if c.cycles <= max_cycles]
        if not feasible:
            return None
        after = [p for p in frontier if last_use[p] > g]
        if last_use[g] > g:
            after.append(g)
        configs = [c for _, c in feasible]
        words: list[int | None] = [None]
        word_of = np.zeros(len(configs), dtype=np.int64)
        if g in after:
            index: dict[int, int] = {}
            for row, c in enumerate(configs):
                word_of[row] = index.setdefault(c.out_word, len(index))
            words = list(index)  # type: ignore[arg-type]
        plan.append(_Step(frontier, after, preds[g],
                          np.array([ci for ci, _ in feasible], dtype=np.int64),
                          np.array([c.res for c in configs], dtype=np.int64), configs,
                          word_of, words))
        frontier = after
    return plan


def _state_adds(problem: FoldProblem, step: _Step, key: StateKey) -> np.ndarray:
    """Per configuration of the step's group, its resources plus those of the edges into it
    from the streams of state `key` (edge rows memoised per edge and source word)."""
    words = dict(zip(step.frontier, key, strict=True))
    add = step.base
    for ei in step.preds:
        e = problem.edges[ei]
        rows = step.memo.get((ei, words[e.src]))
        if rows is None:
            rows = np.array([problem.edge_cost(ei, words[e.src], c.in_words[e.dst_input])
                             for c in step.configs], dtype=np.int64)
            step.memo[(ei, words[e.src])] = rows
        add = add + rows
    return add


@dataclass
class _Candidates:
    """Every (state, configuration) pair of one step for a list of states before it, state
    by state, configurations in order: the resources the configuration adds (with its
    incoming edges) and the state after it (index into `new_keys`, numbered in order of
    first use)."""

    keys: list[StateKey]
    adds: np.ndarray
    state: np.ndarray
    row: np.ndarray
    after: np.ndarray
    new_keys: list[StateKey]


def _candidates(problem: FoldProblem, step: _Step, g: int, keys: list[StateKey]
                ) -> _Candidates:
    """`_Candidates` of group g's step from `keys` (memoised for the last list of keys: an
    uncapped pass visits every reachable state, so all of them share it)."""
    memo = step.memo.get("candidates")
    if memo is not None and memo.keys == keys:
        return memo
    index: dict[StateKey, int] = {}
    adds, after = [], []
    for key in keys:
        adds.append(_state_adds(problem, step, key))
        ids = [index.setdefault(k, len(index)) for k in step.next_keys(g, key)]
        after.append(np.asarray(ids, dtype=np.int64)[step.word_of])
    n_configs = len(step.cis)
    result = _Candidates(keys, np.concatenate(adds), np.repeat(np.arange(len(keys)), n_configs),
                         np.tile(np.arange(n_configs), len(keys)), np.concatenate(after),
                         list(index))
    step.memo["candidates"] = result
    return result


@dataclass
class _Bounds:
    """Exact pruning of the capped Pareto DP.

    `table[g][key]` holds, for the state `key` after group g, the least completion (groups
    after g and their edges) of each column: first each capped resource alone (a partial
    design q with q_r + that > cap_r cannot fit), then the cost weights w + lambda_k
    (`weights`, lambda_k >= 0 on capped resources).  Any fitting completion c of q costs
    w.(q + c) >= (w + lambda).(q + c) - lambda.cap >= (w + lambda).q - lambda.cap + least
    completion, so q is dropped when that exceeds `limit` (the cost of a fitting design).
    """

    table: list[dict[StateKey, np.ndarray]]
    capped: list[int]
    caps: np.ndarray
    weights: np.ndarray
    offsets: np.ndarray
    limit: float = math.inf


def _reachable(plan: list[_Step]) -> list[list[StateKey]]:
    """Per group, the states after it that some assignment reaches (in order)."""
    keys: list[StateKey] = [()]
    reach = []
    for g, step in enumerate(plan):
        seen: dict[StateKey, None] = {}
        for key in keys:
            seen.update(dict.fromkeys(step.next_keys(g, key)))
        keys = list(seen)
        reach.append(keys)
    return reach


def _completions(problem: FoldProblem, plan: list[_Step], reach: list[list[StateKey]],
                 weights: np.ndarray) -> tuple[list[dict[StateKey, np.ndarray]], np.ndarray]:
    """Backward DP: per group g and state after it, the least cost of the groups after g
    and their edges for each row of `weights`; and that of the whole design."""
    n = len(plan)
    columns = weights.T.astype(np.float64)
    table: list[dict[StateKey, np.ndarray]] = [{} for _ in range(n)]
    table[n - 1] = {key: np.zeros(len(weights)) for key in reach[n - 1]}
    start = np.zeros(len(weights))
    for g in range(n - 1, -1, -1):
        step = plan[g]
        before = reach[g - 1] if g else [()]
        cand = _candidates(problem, step, g, before)
        later = np.stack([table[g][k] for k in cand.new_keys])
        values = cand.adds @ columns + later[cand.after]
        best = np.minimum.reduceat(values, np.arange(0, len(values), len(step.cis)), axis=0)
        if g:
            table[g - 1] = dict(zip(before, best, strict=True))
        else:
            start = best[0]
    return table, start


DUAL_GRID = np.array([0.0] + [2.0 ** (k / 2) for k in range(-24, 41)])
"""Multipliers tried per capped resource (times its cost weight) by `_dual_weights`."""


def _dual_weights(problem: FoldProblem, plan: list[_Step], reach: list[list[StateKey]],
                  objective: Objective, capped: list[int]) -> np.ndarray:
    """Multipliers lambda >= 0 on the capped resources making the Lagrangian bound
    min (w + lambda).x - lambda.cap large (coordinate search on a grid, each round one
    backward DP over all trials): the tighter it is, the more `_Bounds` prunes."""
    w = np.asarray(objective.weights, dtype=np.float64)
    caps = np.array([c or 0.0 for c in objective.caps], dtype=np.float64)
    lam = np.zeros(4)
    if not capped:
        return lam
    best_value = -math.inf
    for _ in range(3):
        trials = []
        for r in capped:
            scale = w[r] if w[r] > 0 else 1.0 / max(caps[r], 1.0)
            for f in DUAL_GRID:
                trial = lam.copy()
                trial[r] = f * scale
                trials.append(trial)
        lams = np.array(trials)
        _, start = _completions(problem, plan, reach, w + lams)
        values = start - lams @ caps
        k = int(np.argmax(values))
        if values[k] <= best_value * (1 + 1e-12):
            break
        best_value, lam = float(values[k]), lams[k]
    return lam


def _bounds(problem: FoldProblem, plan: list[_Step], objective: Objective) -> _Bounds:
    """`_Bounds` for the capped resources that some design could exceed (with no limit yet)."""
    reach = _reachable(plan)
    capped = [r for r, cap in enumerate(objective.caps) if cap is not None]
    unit = np.eye(4)[capped]
    _, start = _completions(problem, plan, reach, -unit)
    caps = np.array([c or 0.0 for c in objective.caps], dtype=np.float64)
    capped = [r for r, most in zip(capped, -start, strict=True) if most > caps[r] + 1e-9]
    w = np.asarray(objective.weights, dtype=np.float64)
    lam = _dual_weights(problem, plan, reach, objective, capped)
    weights = np.stack([w, w + lam])
    table, _ = _completions(problem, plan, reach, np.vstack([np.eye(4)[capped], weights]))
    return _Bounds(table, capped, caps, weights, np.array([0.0, -float(lam @ caps)]))


INCUMBENT_STEPS = (1 / 16, 1 / 8, 1 / 4, 1 / 2, 1.0, 3.0)
"""Raises of the dual multipliers `_incumbent` tries, in order."""


def _incumbent(problem: FoldProblem, plan: list[_Step], objective: Objective,
               bounds: _Bounds) -> float:
    """The cost of a fitting design, found as the scalar optimum for w + f * lambda with
    the dual multipliers raised a little (f > 1; at f = 1 the optimum sits on the duality
    gap's cheap side, usually over a cap); inf when none of `INCUMBENT_STEPS` fits."""
    w, lam = bounds.weights[0], bounds.weights[-1] - bounds.weights[0]
    if not lam.any():
        return math.inf
    for raise_ in INCUMBENT_STEPS:
        weights = w + (1 + raise_) * lam
        design = _forward(problem, plan, Objective(tuple(weights)), False)  # type: ignore
        if design is not None and objective.fits(design.res):
            return float(np.asarray(design.res, dtype=np.float64) @ w)
    return math.inf


def _forward(problem: FoldProblem, plan: list[_Step], objective: Objective, pareto: bool,
             bounds: _Bounds | None = None) -> Solution | None:
    """The forward DP of `_solve` (see the module docstring), pruned by `bounds` if given.

    Per group, the candidate points of all states are gathered with the index of the state
    they lead to (states numbered in order of first use), then reduced per state at once:
    to the Pareto front, or to the first point of least scalar cost.  An uncapped scalar
    pass visits every reachable state with one point each: its candidates are the step's
    `_candidates` plus each state's point, all in numpy."""
    n = len(plan)
    remaining = _remaining(plan)
    capped_any = any(cap is not None for cap in objective.caps)
    caps = np.array([np.inf if c is None else c + 1e-9 for c in objective.caps])
    states: dict[StateKey, tuple[np.ndarray, np.ndarray]] = {
        (): (np.zeros((1, 4), dtype=np.int64), np.full((1, 3), -1, dtype=np.int64))}
    history: list[dict[StateKey, np.ndarray]] = []
    state_keys: list[list[StateKey]] = []
    exact = True
    for g, step in enumerate(plan):
        keys = list(states)
        if not pareto and bounds is None and not capped_any:
            cand = _candidates(problem, step, g, keys)
            points = np.concatenate([states[k][0] for k in keys])
            back = np.zeros((len(cand.state), 3), dtype=np.int64)
            back[:, 0] = cand.state
            back[:, 2] = step.cis[cand.row]
            parts = [(cand.adds + points[cand.state], back, cand.after)]
            new_keys = cand.new_keys
        else:
            parts, new_keys = _gather(problem, step, g, keys, states, pareto, bounds,
                                      remaining[g] if capped_any else None, caps)
        pts, back, state = _fronts(parts) if pareto else _cheapest(parts, objective)
        if not len(pts):
            return None
        starts = np.flatnonzero(np.r_[True, state[1:] != state[:-1]])
        ends = np.r_[starts[1:], len(state)]
        new_states: dict[StateKey, tuple[np.ndarray, np.ndarray]] = {}
        for begin, end in zip(starts, ends, strict=True):
            p, b = pts[begin:end], back[begin:end]
            if len(p) > MAX_FRONT:
                exact = False
                keep = np.argsort(objective.scalar(p))[:MAX_FRONT]
                p, b = p[keep], b[keep]
            new_states[new_keys[state[begin]]] = (p, b)
        history.append({k: v[1] for k, v in new_states.items()})
        state_keys.append(keys)
        states = new_states
    # the frontier is empty at the end: one state
    (final_key, (points, _)), = states.items()
    idx = int(np.argmin(objective.scalar(points)))
    key = final_key
    choice = [0] * n
    for g in range(n - 1, -1, -1):
        b = history[g][key][idx]
        choice[g] = int(b[2])
        key, idx = state_keys[g][int(b[0])], int(b[1])
    res, cycles = problem.total(choice)
    return Solution(choice, res, cycles, exact)


def _concat(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]]
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return tuple(np.concatenate([p[i] for p in parts]) for i in range(3))  # type: ignore


def _fronts(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]]
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per state (third array), the Pareto front of its candidate points (and back
    pointers), states in increasing order, each front as `_pareto` orders it."""
    pts, back, state = _concat(parts)
    order = np.argsort(state, kind="stable")
    sorted_state = state[order]
    starts = np.flatnonzero(np.r_[True, sorted_state[1:] != sorted_state[:-1]])
    ends = np.r_[starts[1:], len(order)]
    kept = [order[begin:end][_pareto(pts[order[begin:end]])]
            for begin, end in zip(starts, ends, strict=True)]
    keep = np.concatenate(kept) if kept else np.zeros(0, dtype=np.int64)
    return pts[keep], back[keep], state[keep]


def _cheapest(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]], objective: Objective
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per state, its first candidate point of least scalar cost, states in increasing
    order."""
    pts, back, state = _concat(parts)
    w = objective.weights
    cost = pts[:, 0] * w[0] + pts[:, 1] * w[1] + pts[:, 2] * w[2] + pts[:, 3] * w[3]
    order = np.lexsort((cost, state))
    sorted_state = state[order]
    first = order[np.r_[True, sorted_state[1:] != sorted_state[:-1]]] if len(order) else order
    return pts[first], back[first], state[first]


def _gather(problem: FoldProblem, step: _Step, g: int, keys: list[StateKey],
            states: dict[StateKey, tuple[np.ndarray, np.ndarray]], pareto: bool,
            bounds: _Bounds | None, remaining: np.ndarray | None, caps: np.ndarray
            ) -> tuple[list[tuple[np.ndarray, np.ndarray, np.ndarray]], list[StateKey]]:
    """The candidate points of group g's step from `states` (with back pointers and the
    index of the state after), state by state, those `bounds` or the caps with the least
    `remaining` use drop left out; and the states after, in order of first use.  The
    Pareto fronts are taken whenever `CHUNK` points have gathered."""
    index: dict[StateKey, int] = {}
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    pending = 0
    n_configs = len(step.cis)
    for si, key in enumerate(keys):
        points, _ = states[key]
        add = _state_adds(problem, step, key)
        nexts = step.next_keys(g, key)
        ids = np.array([index.setdefault(k, len(index)) for k in nexts], dtype=np.int64)
        if bounds is not None:
            rows, cols = _survivors(add, points, step, nexts, bounds, g)
        elif remaining is not None:
            ok = np.all(add[:, None, :] + points[None, :, :] + remaining <= caps, axis=2)
            rows, cols = np.nonzero(ok)
        else:
            rows = np.repeat(np.arange(n_configs), len(points))
            cols = np.tile(np.arange(len(points)), n_configs)
        back = np.empty((len(rows), 3), dtype=np.int64)
        back[:, 0] = si
        back[:, 1] = cols
        back[:, 2] = step.cis[rows]
        parts.append((add[rows] + points[cols], back, ids[step.word_of[rows]]))
        pending += len(rows)
        if pareto and pending > CHUNK:
            parts = [_fronts(parts)]
            pending = len(parts[0][0])
    return parts, list(index)


def _remaining(plan: list[_Step]) -> list[np.ndarray]:
    """Per group, the sum of the least use of each resource by the groups after it."""
    least = [step.base.min(axis=0) for step in plan]
    return [np.sum(least[g + 1:], axis=0) if g + 1 < len(plan) else np.zeros(4, dtype=np.int64)
            for g in range(len(plan))]


def _survivors(add: np.ndarray, points: np.ndarray, step: _Step, nexts: list[StateKey],
               bounds: _Bounds, g: int) -> tuple[np.ndarray, np.ndarray]:
    """(configuration row, point) pairs of one state whose sums `bounds` do not prune."""
    table = np.stack([bounds.table[g][k] for k in nexts])[step.word_of]
    ok = np.ones((len(add), len(points)), dtype=bool)
    for j, r in enumerate(bounds.capped):
        ok &= (add[:, r, None] + points[None, :, r] + table[:, j, None]
               <= bounds.caps[r] + 1e-9)
    if bounds.limit < math.inf:
        limit = bounds.limit + 1e-9 * max(1.0, abs(bounds.limit))
        base = len(bounds.capped)
        for k, (weights, offset) in enumerate(zip(bounds.weights, bounds.offsets,
                                                  strict=True)):
            ok &= ((add @ weights)[:, None] + (points @ weights)[None, :]
                   + (offset + table[:, base + k])[:, None] <= limit)
    return np.nonzero(ok)


def _uncapped(objective: Objective, weights: Sequence[float] | None = None) -> Objective:
    return Objective(tuple(weights or objective.weights))  # type: ignore[arg-type]


LAGRANGE_STEPS = 12
"""Scalar passes `lagrange` tries before the exact Pareto DP decides."""


def lagrange(problem: FoldProblem, max_cycles: int, objective: Objective
             ) -> tuple[Solution | None, bool]:
    """Scalar (Viterbi) passes with Lagrange multipliers on the capped resources.

    Each pass minimises sum_r lambda_r * usage_r exactly.  If its design fits the caps, it is
    a witness that some design does (returned).  If even its minimum exceeds
    sum_r lambda_r * cap_r, no design fits: every fitting design would score at most that
    (weak duality; returned as (None, True)).  Otherwise the multipliers of the resources
    the design overuses grow and those it leaves idle shrink, and the next pass runs.
    Undecided after `LAGRANGE_STEPS` passes: (None, False).
    """
    capped = [r for r, cap in enumerate(objective.caps) if cap is not None]
    caps = np.array([objective.caps[r] or 0.0 for r in range(4)], dtype=np.float64)
    weights = np.zeros(4)
    for r in capped:
        weights[r] = 1.0 / max(caps[r], 1.0)
    for _ in range(LAGRANGE_STEPS):
        scalar = Objective(tuple(weights))  # type: ignore[arg-type]
        design = solve(problem, max_cycles, scalar, pareto=False)
        if design is None:
            return None, True
        if objective.fits(design.res):
            return design, False
        used = np.asarray(design.res, dtype=np.float64)
        if float(weights @ used) > float(weights @ caps) * (1 + 1e-12):
            return None, True
        for r in capped:
            ratio = used[r] / max(caps[r], 1.0)
            weights[r] *= float(np.clip(ratio, 0.25, 4.0)) if ratio > 0 else 0.25
    return None, False


def feasible_design(problem: FoldProblem, max_cycles: int, objective: Objective,
                    cheapest: bool) -> Solution | None:
    """A design with every group at most `max_cycles` within the caps, or None if none.

    Decided exactly, cheapest checks first: the per-resource lower bounds can prove that
    none exists; the unconstrained scalar optimum (a Viterbi pass) is the answer when it
    fits; Lagrangian passes (`lagrange`) find a fitting design or prove that none exists;
    the Pareto DP decides the rest.  With `cheapest` the result is the cheapest fitting
    design by the objective's scalar cost (the Pareto DP runs unless the unconstrained
    optimum fits).
    """
    lb = lower_bounds(problem, max_cycles)
    if lb is None or not objective.fits(lb):
        return None
    best = solve(problem, max_cycles, _uncapped(objective), pareto=False)
    if best is None:
        return None
    if objective.fits(best.res):
        return best
    witness, impossible = lagrange(problem, max_cycles, objective)
    if impossible:
        return None
    if witness is not None and not cheapest:
        return witness
    return solve(problem, max_cycles, objective, pareto=True)


# --------------------------------------------------------------------------- modes


@dataclass
class FoldResult:
    mode: str
    solution: Solution
    problem: FoldProblem
    explanation: list[str]
    max_cycles_bound: int

    @property
    def fps(self) -> float:
        return self.problem.fps(self.solution.cycles)


def _bottlenecks(problem: FoldProblem, choice: Sequence[int]) -> list[Group]:
    cycles = max(g.configs[c].cycles for g, c in zip(problem.groups, choice, strict=True))
    return [g for g, c in zip(problem.groups, choice, strict=True)
            if g.configs[c].cycles == cycles]


def fold_for_fps(problem: FoldProblem, fps: float, objective: Objective) -> FoldResult:
    """The cheapest design reaching `fps` frames/s (exact for the model)."""
    bound = math.floor(problem.clock_mhz * 1e6 / fps * (1 + 1e-12))
    slow = [g for g in problem.groups if min(c.cycles for c in g.configs) > bound]
    if slow:
        worst = max(slow, key=lambda g: min(c.cycles for c in g.configs))
        best = min(c.cycles for c in worst.configs)
        raise FoldError(
            f"{fps:g} frames/s at {problem.clock_mhz:g} MHz needs at most {bound} cycles per "
            f"frame, but {worst.name} needs at least {best} cycles fully unfolded "
            f"(at most {problem.fps(best):.1f} frames/s)")
    solution = feasible_design(problem, bound, objective, cheapest=True)
    if solution is None:
        raise FoldError(f"no folding reaches {fps:g} frames/s within the budget")
    names = ", ".join(g.name for g in _bottlenecks(problem, solution.choice))
    explanation = [
        f"target {fps:g} frames/s at {problem.clock_mhz:g} MHz: every unit within {bound} "
        "cycles per frame, each at its cheapest folding (balanced pipeline)",
        f"bottleneck: {names} with {solution.cycles} cycles ({problem.fps(solution.cycles):.1f}"
        " frames/s)",
    ]
    return FoldResult("target", solution, problem, explanation, bound)


def lower_bounds(problem: FoldProblem, bound: int) -> Vector | None:
    """Per resource, the sum of each group's least use within `bound` cycles (edges >= 0):
    a lower bound on any design's use, so a relaxation of the budget test."""
    total = np.zeros(4, dtype=np.int64)
    for g in problem.groups:
        rows = [c.res for c in g.configs if c.cycles <= bound]
        if not rows:
            return None
        total += np.min(np.asarray(rows, dtype=np.int64), axis=0)
    return tuple(int(v) for v in total)  # type: ignore[return-value]


def fold_for_budget(problem: FoldProblem, objective: Objective) -> FoldResult:
    """The fastest design within the caps of `objective`, then the cheapest at that speed."""
    candidates = problem.cycle_candidates()
    cache: dict[int, Solution | None] = {}

    def attempt(t: int) -> Solution | None:
        if t not in cache:
            cache[t] = feasible_design(problem, t, objective, cheapest=False)
        return cache[t]

    lo, hi = 0, len(candidates) - 1
    if attempt(candidates[0]) is not None:
        hi = 0
    elif attempt(candidates[hi]) is None:
        lb = lower_bounds(problem, candidates[hi])
        over = [f"{r} needs {v} > {cap:.0f}" for r, v, cap in
                zip(RESOURCES, lb or (0,) * 4, objective.caps, strict=True)
                if cap is not None and v > cap]
        least = ", ".join(f"{v} {r}" for r, v in zip(RESOURCES, lb or (0,) * 4, strict=True))
        raise FoldError("no folding fits the budget, not even the most folded one: "
                        + ("; ".join(over) if over else
                           f"each resource could fit alone (at least {least}) but not all "
                           "together"))
    while lo < hi:
        mid = (lo + hi) // 2
        if attempt(candidates[mid]) is not None:
            hi = mid
        else:
            lo = mid + 1
    bound = candidates[lo]
    solution = feasible_design(problem, bound, objective, cheapest=True)
    assert solution is not None
    names = ", ".join(g.name for g in _bottlenecks(problem, solution.choice))
    explanation = [f"fastest design within the budget: bottleneck {names} with "
                   f"{solution.cycles} cycles ({problem.fps(solution.cycles):.1f} frames/s); "
                   "every other unit at its cheapest folding within that bound"]
    if lo == 0:
        explanation.append("no faster design exists: the bottleneck is fully unfolded")
    else:
        faster = candidates[lo - 1]
        lb = lower_bounds(problem, faster)
        over = [r for r, v, cap in zip(RESOURCES, lb or (0,) * 4, objective.caps, strict=True)
                if cap is not None and v > cap]
        if over:
            why = (f"limiting resource: {', '.join(over)} (the next faster bottleneck, "
                   f"{faster} cycles, needs at least " + ", ".join(
                       f"{v} {r}" for r, v in zip(RESOURCES, lb or (), strict=False)
                       if r in over) + ")")
        else:
            used = {r: solution.res[i] / cap for i, (r, cap) in
                    enumerate(zip(RESOURCES, objective.caps, strict=True)) if cap}
            tight = max(used, key=lambda r: used[r]) if used else "budget"
            why = (f"limiting resource: the budget as a whole (the next faster bottleneck, "
                   f"{faster} cycles, fits each resource alone but not all together; "
                   f"tightest now: {tight})")
        explanation.append(why)
    return FoldResult("budget", solution, problem, explanation, bound)


def relaxation_bound(problem: FoldProblem, objective: Objective) -> int | None:
    """The smallest bottleneck (cycles) any design within the caps could have, from the
    per-resource relaxation `lower_bounds`: f_clk / this is an upper bound on the optimum
    FPS, cheap enough for networks too large to enumerate."""
    for t in problem.cycle_candidates():
        lb = lower_bounds(problem, t)
        if lb is not None and objective.fits(lb):
            return t
    return None



# --------------------------------------------------------------------------- rewriting


def _retype(value: SSAValue, word: int) -> None:
    """Give the stream `value` (and its partition-border aliases) words of `word`."""
    typ = value.type
    assert isinstance(typ, rpnn.StreamType)
    if typ.word.data == word:
        return
    new = rpnn.StreamType(list(typ.get_shape()), typ.element_type, word)
    for alias in linked_values(value):
        Rewriter.replace_value_with_new_type(alias, new)


def apply_folding(problem: FoldProblem, choice: Sequence[int]) -> int:
    """Write the chosen configurations into the IR; returns the number of DWCs inserted.

    PE/SIMD/ram properties are set, every stream takes the word size of the unit writing it
    (FIFOs and duplicates pass theirs on; a host port takes its first reader's), and an
    ``rpnn.dwc`` is inserted in front of every unit input whose stream word differs from the
    word the unit reads.  Width converters already in the IR take the word their reader
    needs; those left converting nothing (same type in and out) are removed.  Cost
    annotations of ``rpnn-cost`` (now stale) are dropped.
    """
    graph = problem.graph
    assert graph is not None
    # cost annotations of rpnn-cost describe the old folding: drop them (re-run rpnn-cost)
    for unit in graph.units:
        unit.op.attributes.pop("rpnn.cost", None)
    graph.function.attributes.pop("rpnn.design_cost", None)
    required: dict[tuple[Unit, int], int] = {}
    writes: dict[Unit, int] = {}
    for g, ci in zip(problem.groups, choice, strict=True):
        c, unit = g.configs[ci], g.unit
        assert unit is not None
        op = unit.op
        if g.kind not in ("swg", "pad"):
            op.properties["pe"] = IntegerAttr(c.pe, 64)
        if g.kind in ("mvtu", "depthwise", "swg", "pad"):
            op.properties["simd"] = IntegerAttr(c.simd, 64)
        if c.ram is not None and "ram_style" in op.properties:
            op.properties["ram_style"] = StringAttr(c.ram)
        streams = [i for i, v in enumerate(op.operands) if isinstance(v.type, rpnn.StreamType)]
        for k, i in enumerate(streams):
            required[(unit, i)] = c.in_words[k]
        writes[unit] = c.out_word

    by_op = {u.op: u for u in graph.units}

    def wanted(value: SSAValue) -> int | None:
        """The word the first reader of `value` needs (through FIFOs, duplicates, DWCs)."""
        for user, index in stream_uses(value):
            unit = by_op.get(user)
            if unit is None:
                continue
            if (unit, index) in required:
                return required[(unit, index)]
            if unit.kind in PASS_THROUGH:
                return wanted(user.results[0])
        return None

    def fits(value: SSAValue, word: int | None) -> bool:
        typ = value.type
        return word is not None and isinstance(typ, rpnn.StreamType) and \
            typ.channels % word == 0

    for unit in graph.units:
        op = unit.op
        if unit in writes:
            _retype(op.results[0], writes[unit])
        elif unit.kind in ("fifo", "duplicate"):
            word = op.operands[0].type.word.data  # type: ignore[attr-defined]
            for result in op.results:
                _retype(result, word)
        elif unit.kind in ("dwc", "source"):
            word = wanted(op.results[0])
            if fits(op.results[0], word):
                _retype(op.results[0], word)  # type: ignore[arg-type]

    inserted = 0
    for (unit, index), word in required.items():
        value = unit.op.operands[index]
        typ = value.type
        assert isinstance(typ, rpnn.StreamType)
        if typ.word.data == word:
            continue
        dwc = rpnn.DWCOp(operands=[value], result_types=[
            rpnn.StreamType(list(typ.get_shape()), typ.element_type, word)])
        Rewriter.insert_op(dwc, InsertPoint.before(unit.op))
        unit.op.operands[index] = dwc.output
        inserted += 1
    for unit in graph.units:
        if unit.kind == "dwc" and unit.op.operands[0].type == unit.op.results[0].type:
            unit.op.results[0].replace_all_uses_with(unit.op.operands[0])
            Rewriter.erase_op(unit.op)
    # streams returned by the function keep their declared word size
    function = graph.function
    for op in function.walk():
        if isinstance(op, func.ReturnOp):
            for index, (value, declared) in enumerate(
                    zip(op.operands, function.function_type.outputs.data, strict=True)):
                if value.type != declared and isinstance(declared, rpnn.StreamType):
                    dwc = rpnn.DWCOp(operands=[value], result_types=[declared])
                    Rewriter.insert_op(dwc, InsertPoint.before(op))
                    op.operands[index] = dwc.output
                    inserted += 1
    return inserted
