"""Resource-balanced partitioning of a dataflow graph over SLRs and devices.

The model (docs/passes.md, "rpnn-partition"): *slots* are the partitions available, in
pipeline order (the SLRs of the first device, then those of the next, ...); between two
consecutive slots is a *crossing*: the super long lines (SLLs) of an SLR boundary, or a
device-to-device link of some Gb/s.  Every unit goes to one slot so that no stream runs
backwards (the slot of a producer is at most that of each consumer).  A stream from slot a to
slot b uses every crossing a -> a+1, ..., b-1 -> b: on an SLR boundary, its word bits plus two
handshake wires (valid, ready) of SLLs; on a link, its bits per frame times the frame rate.

Objectives: ``balance`` minimises the largest used/available share over every (slot,
resource) and then, at that optimum, the wires cut; ``min-cut`` minimises the wires cut (a
stream counted once per crossing it passes) with every share at most 1.  Available = the
share of the capacity allowed (``lut-fraction`` ...).

Algorithms:
* `solve_ordered` -- dynamic programming over contiguous cuts of a topological order.  Exact
  when the order is the only topological order (the units form a path, every unit feeding the
  next; skip connections are allowed), a heuristic otherwise.
* `solve_milp` -- a mixed-integer program solved by HiGHS through `scipy.optimize.milp`: exact
  for any DAG within its time limit.
* `partition` -- picks: the DP when it is exact, the MILP up to `MILP_UNIT_LIMIT` units, above
  that the DP over the IR order with its gap to the LP relaxation's bound.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array
from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerAttr, StringAttr
from xdsl.ir import Block, Operation, Region, SSAValue

from rpnn_ir.dialects import rpnn
from rpnn_ir.hw.dataflow_model import DataflowGraph, element_bits, evaluate
from rpnn_ir.hw.devices import RESOURCES, Device

HANDSHAKE_WIRES = 2
"""SLLs a stream uses besides its data bits: TVALID and TREADY of its AXI-stream."""
DEFAULT_LINK_GBPS = 10.0
"""Device-to-device link capacity when ``link-gbps=`` is not given: one 10 Gb/s serial
link (10GBASE-R over an SFP+ cage, the link every board of the device database has: the
ZCU104's SFP+ cage; the Alveo cards' QSFP28 cages run 4 x 10G or 100G, so pass
``link-gbps=100`` there)."""
MILP_UNIT_LIMIT = 400
"""Largest number of units solved exactly by the MILP; above it `partition` uses the DP over
the IR order and reports its gap to the LP bound."""
MILP_TIME_LIMIT = 60.0
"""Seconds HiGHS may take per MILP before the best solution found so far is used."""
TOLERANCE = 1e-9
OBJECTIVES = ("balance", "min-cut")


class PartitionError(Exception):
    """No partition exists (too big a unit, a stream no crossing can carry, no fit).

    `shares`: when a best placement was found but exceeds the budget, its largest share of
    each resource over the partitions (what a smaller fold must shed)."""

    def __init__(self, message: str, shares: tuple[float, ...] | None = None):
        super().__init__(message)
        self.shares = shares


@dataclass(frozen=True)
class PUnit:
    """One unit to place: its name (for messages) and LUT, BRAM18, URAM, DSP."""

    name: str
    res: tuple[int, int, int, int]


@dataclass(frozen=True)
class PStream:
    """One stream between units: producer, consumers (unit indices), word bits, words/frame."""

    name: str
    src: int
    dsts: tuple[int, ...]
    bits: int
    words: int

    @property
    def wires(self) -> int:
        """SLLs it takes on an SLR boundary."""
        return self.bits + HANDSHAKE_WIRES

    def gbps(self, fps: float) -> float:
        """Link bandwidth it needs at `fps` frames/s."""
        return self.bits * self.words * fps / 1e9


@dataclass(frozen=True)
class Slot:
    """One partition available: a device (card index, part name) and an SLR of it, or the
    whole device (`slr` None: rpnn-partition{slrs=false})."""

    card: int
    device: str
    slr: int | None
    avail: tuple[float, float, float, float]
    """LUT, BRAM18, URAM, DSP the partition may use (capacity times the allowed fraction)."""

    @property
    def label(self) -> str:
        return f"{self.device}#{self.card}" + ("" if self.slr is None else f" SLR{self.slr}")


@dataclass(frozen=True)
class Crossing:
    """The boundary between two consecutive slots."""

    kind: str
    """``sll`` (an SLR boundary: capacity in wires) or ``link`` (capacity in Gb/s)."""
    capacity: float

    def describe(self) -> str:
        return (f"{self.capacity:,.0f} SLLs" if self.kind == "sll"
                else f"{self.capacity:g} Gb/s")


@dataclass
class PartitionProblem:
    """Units in a topological order, the streams between them, the slots and crossings."""

    units: list[PUnit]
    streams: list[PStream]
    slots: list[Slot]
    crossings: list[Crossing]
    fps: float
    """The design's frame rate (for link bandwidth)."""

    def __post_init__(self) -> None:
        assert len(self.crossings) == len(self.slots) - 1
        self.res = np.array([u.res for u in self.units], dtype=np.float64).reshape(-1, 4)
        self.avail = np.array([s.avail for s in self.slots], dtype=np.float64)

    def load(self, stream: PStream, crossing: Crossing) -> float:
        """What `stream` takes of `crossing` when it passes it."""
        return stream.wires if crossing.kind == "sll" else stream.gbps(self.fps)

    def shares(self, used: np.ndarray, slot: int) -> np.ndarray:
        """used / available per resource (0/0 = 0, x/0 = inf)."""
        avail = self.avail[slot]
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(avail > 0, used / np.where(avail > 0, avail, 1.0),
                             np.where(used > 0, np.inf, 0.0))
        return share


@dataclass
class Partition:
    """A placement: slot of every unit, its bottleneck share and wires cut."""

    assignment: list[int]
    bottleneck: float
    cut: int
    method: str
    exact: bool
    bound: float | None = None
    """A proven lower bound of the bottleneck (the optimum when exact)."""
    seconds: float = 0.0
    loads: list[float] = field(default_factory=list)
    """Load of every crossing (SLLs or Gb/s)."""

    @property
    def gap(self) -> float | None:
        """(bottleneck - bound) / bottleneck, when a bound is known."""
        if self.bound is None or self.bottleneck <= 0:
            return None
        return max(0.0, (self.bottleneck - self.bound) / self.bottleneck)


# --------------------------------------------------------------------------- slots


def make_slots(devices: Sequence[Device], slrs: bool, fractions: Sequence[float],
               link_gbps: float = DEFAULT_LINK_GBPS) -> tuple[list[Slot], list[Crossing]]:
    """The slots of `devices` in pipeline order (each SLR its own slot when `slrs`)."""
    slots: list[Slot] = []
    crossings: list[Crossing] = []
    for card, device in enumerate(devices):
        split = device.slrs if slrs else 1
        part = device.per_slr() if split > 1 else device
        avail = tuple(f * part.capacity(r) for f, r in zip(fractions, RESOURCES, strict=True))
        for slr in range(split):
            if slots:
                crossings.append(Crossing("sll", device.sll) if slr > 0
                                 else Crossing("link", link_gbps))
            slots.append(Slot(card, device.name, slr if slrs else None,
                              avail))  # type: ignore[arg-type]
    return slots, crossings


# --------------------------------------------------------------------------- evaluation


def crossing_loads(problem: PartitionProblem, assignment: Sequence[int]) -> list[float]:
    """Load of every crossing under `assignment`."""
    loads = [0.0] * len(problem.crossings)
    for s in problem.streams:
        if not s.dsts:
            continue
        last = max(assignment[d] for d in s.dsts)
        for c in range(assignment[s.src], last):
            loads[c] += problem.load(s, problem.crossings[c])
    return loads


def wires_cut(problem: PartitionProblem, assignment: Sequence[int]) -> int:
    """Stream wires cut, a stream counted once per crossing it passes."""
    return sum(s.wires * (max(assignment[d] for d in s.dsts) - assignment[s.src])
               for s in problem.streams if s.dsts)


def bottleneck(problem: PartitionProblem, assignment: Sequence[int]) -> float:
    """Largest used/available share over every (slot, resource)."""
    used = np.zeros_like(problem.avail)
    np.add.at(used, np.asarray(assignment, dtype=np.int64), problem.res)
    return max((float(problem.shares(used[j], j).max()) for j in range(len(problem.slots))),
               default=0.0)


def is_valid(problem: PartitionProblem, assignment: Sequence[int]) -> bool:
    """Streams only forward, every crossing within its capacity."""
    if any(assignment[s.src] > assignment[d] for s in problem.streams for d in s.dsts):
        return False
    return all(load <= c.capacity * (1 + TOLERANCE) + TOLERANCE
               for load, c in zip(crossing_loads(problem, assignment), problem.crossings,
                                  strict=True))


def finish(problem: PartitionProblem, assignment: Sequence[int], method: str, exact: bool,
           bound: float | None, start: float) -> Partition:
    """A `Partition` with its figures computed from the assignment."""
    value = bottleneck(problem, assignment)
    return Partition(list(assignment), value, wires_cut(problem, assignment), method, exact,
                     value if exact else bound, time.perf_counter() - start,
                     crossing_loads(problem, assignment))


# --------------------------------------------------------------------------- checks


def check_units(problem: PartitionProblem) -> None:
    """Raise when a unit fits no slot on its own (naming it, its need, the largest room)."""
    best = problem.avail.max(axis=0) if len(problem.slots) else np.zeros(4)
    for u, unit in enumerate(problem.units):
        if any(float(problem.shares(problem.res[u], j).max()) <= 1 + TOLERANCE
               for j in range(len(problem.slots))):
            continue
        r = int(np.argmax(problem.res[u] / np.maximum(best, 1e-9)))
        raise PartitionError(
            f"unit {unit.name} needs {RESOURCES[r]} {int(problem.res[u][r]):,}, more than "
            f"any partition has (largest: {best[r]:,.0f}); fold it smaller (rpnn-fold with "
            "a budget) or raise the fraction")


def uncarriable(problem: PartitionProblem) -> list[str]:
    """Messages for the streams no crossing can carry (they can never be cut)."""
    messages = []
    for s in problem.streams:
        fits = [problem.load(s, c) <= c.capacity for c in problem.crossings]
        if problem.crossings and not any(fits):
            sll = [c.capacity for c in problem.crossings if c.kind == "sll"]
            link = [c.capacity for c in problem.crossings if c.kind == "link"]
            need = []
            if sll:
                need.append(f"{s.wires:,} SLLs (largest SLR crossing: {max(sll):,.0f})")
            if link:
                need.append(f"{s.gbps(problem.fps):.3g} Gb/s (largest link: {max(link):g})")
            messages.append(f"stream {s.name} needs " + " and ".join(need))
    return messages


def order_is_unique(problem: PartitionProblem) -> bool:
    """True when every unit feeds the next in the order (the only topological order), so
    every valid assignment is contiguous in it and `solve_ordered` is exact."""
    edges = {(s.src, d) for s in problem.streams for d in s.dsts}
    return all((i, i + 1) in edges for i in range(len(problem.units) - 1))


# --------------------------------------------------------------------------- DP


def _position_loads(problem: PartitionProblem) -> tuple[np.ndarray, np.ndarray]:
    """SLL wires and Gb/s of the streams cut at each position i (between units i-1 and i)."""
    n = len(problem.units)
    wires = np.zeros(n + 1)
    gbps = np.zeros(n + 1)
    for s in problem.streams:
        if s.dsts:
            lo, hi = s.src + 1, max(s.dsts) + 1
            wires[lo:hi] += s.wires
            gbps[lo:hi] += s.gbps(problem.fps)
    return wires, gbps


def _crossing_ok(problem: PartitionProblem, crossing: int, wires: float, gbps: float) -> bool:
    c = problem.crossings[crossing]
    load = wires if c.kind == "sll" else gbps
    return load <= c.capacity * (1 + TOLERANCE) + TOLERANCE


def solve_ordered(problem: PartitionProblem, limit: float | None = None) -> list[int] | None:
    """Contiguous segments of the unit order, one per slot, by dynamic programming.

    With `limit` None: the smallest bottleneck, then the fewest wires cut at that bottleneck.
    With a `limit`: the fewest wires cut with every share at most `limit`.  None when no
    contiguous assignment satisfies the crossings (and the limit).
    """
    n, k = len(problem.units), len(problem.slots)
    prefix = np.zeros((n + 1, 4))
    prefix[1:] = np.cumsum(problem.res, axis=0)
    wires, gbps = _position_loads(problem)
    wires[0] = wires[n] = gbps[0] = gbps[n] = 0.0
    # share[j][a, b]: bottleneck share of units [a, b) in slot j (inf where b < a)
    seg = prefix[None, :, :] - prefix[:, None, :]  # [a, b, r] used by [a, b)
    share = []
    for j in range(k):
        s = problem.shares(seg.reshape(-1, 4), j).reshape(n + 1, n + 1, 4).max(axis=2)
        s[np.tril_indices(n + 1, -1)] = np.inf
        share.append(s)
    ok = np.array([[j == k - 1 or _crossing_ok(problem, j, wires[i], gbps[i])
                    for i in range(n + 1)] for j in range(k)])
    if limit is None:
        best = np.full(n + 1, np.inf)
        best[0] = 0.0
        for j in range(k):
            cand = np.maximum(best[:, None], share[j]).min(axis=0)
            best = np.where(ok[j], cand, np.inf)
        if not math.isfinite(best[n]):
            return None
        limit = float(best[n]) * (1 + 1e-9) + TOLERANCE
    cost = np.full(n + 1, np.inf)
    cost[0] = 0.0
    choice = np.zeros((k, n + 1), dtype=np.int64)
    pos = np.arange(n + 1, dtype=np.float64)
    count = pos[None, :] - pos[:, None]  # units in [a, b)
    for j in range(k):
        early = _early_weight(n, k) * j * count  # ties: units in earlier slots
        cand = np.where(share[j] <= limit, cost[:, None] + early, np.inf)
        choice[j] = cand.argmin(axis=0)
        cost = cand.min(axis=0) + (wires if j < k - 1 else 0.0)
        cost = np.where(ok[j], cost, np.inf)
    if not math.isfinite(cost[n]):
        return None
    assignment = [0] * n
    end = n
    for j in range(k - 1, -1, -1):
        start = int(choice[j][end])
        assignment[start:end] = [j] * (end - start)
        end = start
    return assignment


def _early_weight(n: int, k: int) -> float:
    """Weight of the sum of the units' slot indices in the cut objective: below one wire in
    total, so it only breaks ties (towards filling the first slots)."""
    return 1.0 / (n * k + 1)


# --------------------------------------------------------------------------- MILP


class _Model:
    """Variables: y[u, j] (u is in slot j or later, j = 1..k-1), z[s, j] (stream s passes
    crossing j-1 -> j) and the bottleneck T.  x[u, j] = y[u, j] - y[u, j+1]."""

    def __init__(self, problem: PartitionProblem):
        self.p = problem
        self.n, self.k, self.m = len(problem.units), len(problem.slots), len(problem.streams)
        self.kk = self.k - 1
        self.size = (self.n + self.m) * self.kk + 1
        self.t = self.size - 1
        self.rows: list[tuple[dict[int, float], float, float]] = []

    def y(self, u: int, j: int) -> int:
        return u * self.kk + j - 1

    def z(self, s: int, j: int) -> int:
        return (self.n + s) * self.kk + j - 1

    def x_terms(self, u: int, j: int, coef: float) -> dict[int, float]:
        """coef * x[u, j] as {variable: coefficient} (plus a constant when j = 0)."""
        terms: dict[int, float] = {}
        if j >= 1:
            terms[self.y(u, j)] = coef
        if j + 1 <= self.kk:
            terms[self.y(u, j + 1)] = -coef
        return terms

    def build(self) -> None:
        p, kk = self.p, self.kk
        for u in range(self.n):
            for j in range(1, kk):
                self.rows.append(({self.y(u, j + 1): 1.0, self.y(u, j): -1.0}, -np.inf, 0.0))
        for si, s in enumerate(p.streams):
            for d in s.dsts:
                for j in range(1, kk + 1):
                    self.rows.append(({self.y(s.src, j): 1.0, self.y(d, j): -1.0},
                                      -np.inf, 0.0))
                    self.rows.append(({self.y(d, j): 1.0, self.y(s.src, j): -1.0,
                                       self.z(si, j): -1.0}, -np.inf, 0.0))
        for j in range(self.k):
            for r in range(4):
                avail = p.avail[j][r]
                terms: dict[int, float] = {}
                const = 0.0
                for u in range(self.n):
                    need = p.res[u][r]
                    if need == 0:
                        continue
                    coef = need / avail if avail > 0 else need
                    if j == 0:
                        const += coef  # x[u, 0] = 1 - y[u, 1]
                        if kk >= 1:
                            terms[self.y(u, 1)] = terms.get(self.y(u, 1), 0.0) - coef
                    else:
                        for var, c in self.x_terms(u, j, coef).items():
                            terms[var] = terms.get(var, 0.0) + c
                if not terms and const == 0:
                    continue
                if avail > 0:
                    terms[self.t] = -1.0
                self.rows.append((terms, -np.inf, -const))
        for j in range(1, kk + 1):
            c = p.crossings[j - 1]
            terms = {self.z(si, j): p.load(s, c) / c.capacity
                     for si, s in enumerate(p.streams) if s.dsts and c.capacity > 0}
            if terms:
                self.rows.append((terms, -np.inf, 1.0 + TOLERANCE))

    def bounds(self, t_max: float) -> Bounds:
        lo = np.zeros(self.size)
        hi = np.ones(self.size)
        for si, s in enumerate(self.p.streams):
            for j in range(1, self.kk + 1):
                c = self.p.crossings[j - 1]
                if self.p.load(s, c) > c.capacity * (1 + TOLERANCE) + TOLERANCE:
                    hi[self.z(si, j)] = 0.0
        hi[self.t] = t_max
        return Bounds(lo, hi)

    def constraint(self) -> LinearConstraint:
        data, ri, ci, lo, hi = [], [], [], [], []
        for r, (terms, low, high) in enumerate(self.rows):
            for var, coef in terms.items():
                data.append(coef)
                ri.append(r)
                ci.append(var)
            lo.append(low)
            hi.append(high)
        matrix = coo_array((data, (ri, ci)), shape=(len(self.rows), self.size)).tocsr()
        return LinearConstraint(matrix, np.array(lo), np.array(hi))

    def assignment(self, values: np.ndarray) -> list[int]:
        return [int(round(sum(values[self.y(u, j)] for j in range(1, self.kk + 1))))
                for u in range(self.n)]

    def run(self, objective: np.ndarray, t_max: float, relax: bool = False,
            time_limit: float = MILP_TIME_LIMIT):
        integrality = np.zeros(self.size)
        if not relax:
            integrality[: self.n * self.kk] = 1
        return milp(objective, integrality=integrality, bounds=self.bounds(t_max),
                    constraints=[self.constraint()],
                    options={"time_limit": time_limit, "presolve": True,
                             "mip_rel_gap": 1e-9})


def _cut_objective(model: _Model) -> np.ndarray:
    """Wires cut, plus the tie-break of `_early_weight` (sum_j y[u, j] is u's slot)."""
    c = np.zeros(model.size)
    c[: model.n * model.kk] = _early_weight(model.n, model.k)
    for si, s in enumerate(model.p.streams):
        for j in range(1, model.kk + 1):
            c[model.z(si, j)] = s.wires
    return c


def solve_milp(problem: PartitionProblem, limit: float | None = None,
               upper: float | None = None, time_limit: float = MILP_TIME_LIMIT
               ) -> tuple[list[int] | None, bool, float | None]:
    """Monotone assignment by MILP (HiGHS): the smallest bottleneck then the fewest wires at
    it, or with `limit` the fewest wires with every share <= `limit`.

    `upper` is a known bottleneck (a valid assignment's) that bounds the search.  Returns the
    assignment (None: infeasible), whether optimality was proven, and a lower bound of the
    bottleneck.
    """
    if len(problem.slots) == 1:
        return [0] * len(problem.units), True, None
    model = _Model(problem)
    model.build()
    exact = True
    bound = None
    if limit is None:
        c = np.zeros(model.size)
        c[model.t] = 1.0
        t_max = upper * (1 + 1e-9) + TOLERANCE if upper is not None else 1e12
        result = model.run(c, t_max, time_limit=time_limit)
        if result.x is None:
            return None, result.status == 0, None
        exact = result.status == 0
        bound = float(getattr(result, "mip_dual_bound", None) or 0.0)
        limit = float(result.x[model.t]) * (1 + 1e-7) + TOLERANCE
        first = model.assignment(result.x)
    else:
        first = None
    result = model.run(_cut_objective(model), limit, time_limit=time_limit)
    if result.x is None:
        return first, exact and result.status == 0, bound
    return model.assignment(result.x), exact and result.status == 0, bound


def lp_bound(problem: PartitionProblem) -> float:
    """Lower bound of the bottleneck: the LP relaxation of the MILP."""
    if len(problem.slots) == 1:
        return bottleneck(problem, [0] * len(problem.units))
    model = _Model(problem)
    model.build()
    c = np.zeros(model.size)
    c[model.t] = 1.0
    result = model.run(c, 1e12, relax=True)
    return float(result.x[model.t]) if result.x is not None else 0.0


# --------------------------------------------------------------------------- driver


def partition(problem: PartitionProblem, objective: str = "balance",
              milp_limit: int = MILP_UNIT_LIMIT, time_limit: float = MILP_TIME_LIMIT
              ) -> Partition:
    """Place every unit (see the module docstring); raise `PartitionError` when it does not
    fit: a unit too big, a stream no crossing carries, or no placement within the limits."""
    if objective not in OBJECTIVES:
        raise PartitionError(f"objective '{objective}' must be balance or min-cut")
    start = time.perf_counter()
    check_units(problem)
    limit = 1.0 + TOLERANCE if objective == "min-cut" else None
    if order_is_unique(problem):
        assignment = solve_ordered(problem, limit)
        result = (finish(problem, assignment, "dp", True, None, start)
                  if assignment is not None else None)
    elif len(problem.units) <= milp_limit:
        heuristic = solve_ordered(problem)
        upper = bottleneck(problem, heuristic) if heuristic is not None else None
        assignment, exact, bound = solve_milp(problem, limit, upper, time_limit)
        result = (finish(problem, assignment, "milp", exact, bound, start)
                  if assignment is not None else None)
    else:
        assignment = solve_ordered(problem, limit)
        result = (finish(problem, assignment, "dp-heuristic", False, lp_bound(problem), start)
                  if assignment is not None else None)
    if result is None or result.bottleneck > 1 + 1e-6:
        shares = None
        if result is not None:
            used = np.zeros_like(problem.avail)
            np.add.at(used, np.asarray(result.assignment, dtype=np.int64), problem.res)
            shares = tuple(float(v) for v in np.max(
                [problem.shares(used[j], j) for j in range(len(problem.slots))], axis=0))
        raise PartitionError(_no_fit_message(problem, result), shares)
    return result


def _no_fit_message(problem: PartitionProblem, result: Partition | None) -> str:
    streams = uncarriable(problem)
    where = f"{len(problem.slots)} partition(s)"
    if streams:
        return (f"no partition over {where}: " + "; ".join(streams[:3])
                + (f" (and {len(streams) - 3} more)" if len(streams) > 3 else "")
                + "; no crossing can carry such a stream, so it cannot be cut (fold "
                "narrower, raise link-gbps, or add room per partition)")
    if result is None:
        return (f"no partition over {where} keeps every crossing within its SLLs or link "
                "bandwidth and every partition within its budget (fold smaller, add devices "
                "or raise link-gbps)")
    used = np.zeros_like(problem.avail)
    np.add.at(used, np.asarray(result.assignment, dtype=np.int64), problem.res)
    j, r = divmod(int(np.argmax(np.stack([problem.shares(used[i], i)
                                          for i in range(len(problem.slots))]))), 4)
    return (f"the design does not fit {where}: the best placement uses "
            f"{100 * result.bottleneck:.1f}% of the {RESOURCES[r]} allowed on "
            f"{problem.slots[j].label}; fold smaller (rpnn-fold with a budget, or "
            "rpnn-pipeline{devices=...}) or add devices")


# --------------------------------------------------------------------------- baselines


def naive_split(problem: PartitionProblem) -> list[int]:
    """Equal unit counts per slot, in the IR order (the baseline a hand split gives)."""
    n, k = len(problem.units), len(problem.slots)
    return [min(k - 1, i * k // max(n, 1)) for i in range(n)]


def greedy_fill(problem: PartitionProblem) -> list[int]:
    """FINN-style floorplanning: fill each slot in the IR order until the next unit does not
    fit, then move on (the last slot takes what is left)."""
    k = len(problem.slots)
    slot, used, assignment = 0, np.zeros(4), []
    for u in range(len(problem.units)):
        while slot < k - 1 and problem.shares(used + problem.res[u], slot).max() > 1:
            slot, used = slot + 1, np.zeros(4)
        used = used + problem.res[u]
        assignment.append(slot)
    return assignment


# --------------------------------------------------------------------------- the IR


def extract_problem(graph: DataflowGraph, slots: list[Slot], crossings: list[Crossing],
                    clock_mhz: float) -> PartitionProblem:
    """The units of `graph` (host ports excluded: they stay outside the partitions), their
    costs at the current folding, and the streams between them; the frame rate at
    `clock_mhz` sets the links' load."""
    units = [u for u in graph.units if u.kind not in ("source", "sink")]
    index = {u: i for i, u in enumerate(units)}
    costs = [evaluate(u) for u in graph.units]
    fps = clock_mhz * 1e6 / max(c.cycles for c in costs)
    streams = []
    for unit in units:
        for r, consumers in enumerate(unit.consumers):
            dsts = tuple(sorted({index[c] for c, _ in consumers if c in index}))
            if not dsts:
                continue
            value = unit.op.results[r]
            assert isinstance(value.type, rpnn.StreamType)
            s = value.type
            name = f"{unit.name}" + (f" result {r}" if len(unit.op.results) > 1 else "")
            streams.append(PStream(name, index[unit], dsts,
                                   s.word.data * element_bits(s.element_type),
                                   s.words_per_frame))
    costs_by_unit = {u: c for u, c in zip(graph.units, costs, strict=True)}
    punits = [PUnit(u.name, costs_by_unit[u].res.as_tuple()) for u in units]
    return PartitionProblem(punits, streams, slots, crossings, fps)


CARD_ATTR = "card"
"""Discardable attribute of an `rpnn.partition` written by rpnn-partition: the index of its
device in the ``devices=`` list (two partitions on the same part name may be two cards)."""


def flatten_partitions(function: func.FuncOp) -> None:
    """Inline every `rpnn.partition` of `function` into the function body."""
    for op in list(function.body.block.ops):
        if not isinstance(op, rpnn.PartitionOp):
            continue
        block = op.body.block
        for arg, operand in zip(block.args, op.inputs, strict=True):
            arg.replace_all_uses_with(operand)
        terminator = block.last_op
        assert isinstance(terminator, rpnn.YieldOp)
        for result, value in zip(op.outputs, terminator.values, strict=True):
            result.replace_all_uses_with(value)
        terminator.detach()
        terminator.erase()
        for inner in list(block.ops):
            inner.detach()
            function.body.block.insert_op_before(inner, op)
        op.detach()
        op.erase()


def apply_partition(graph: DataflowGraph, slots: list[Slot], assignment: Sequence[int]
                    ) -> list[rpnn.PartitionOp]:
    """Group the units of `graph` (a function without partitions) into one `rpnn.partition`
    per used slot, in slot order; constants the units read are cloned into their partition.
    Returns the partitions created."""
    body = graph.function.body.block
    units = [u for u in graph.units if u.kind not in ("source", "sink")]
    groups: dict[int, list[Operation]] = {}
    for unit, slot in zip(units, assignment, strict=True):
        groups.setdefault(slot, []).append(unit.op)
    placed = {op for ops in groups.values() for op in ops}
    order = {op: i for i, op in enumerate(body.ops)}
    before = [order[v.owner] for op in placed for v in op.operands
              if isinstance(v.type, rpnn.StreamType) and isinstance(v.owner, Operation)
              and v.owner not in placed]
    after = [order[use.operation] for op in placed for r in op.results for use in r.uses
             if use.operation not in placed]
    if before and after and max(before) > min(after):
        raise PartitionError("a host op reads an FPGA output and feeds an FPGA input in the "
                             "same function; rpnn-partition needs one FPGA region")
    anchor = next(op for op in body.ops if order[op] == min(after)) if after else body.last_op
    assert anchor is not None
    partitions = []
    for slot in sorted(groups):
        partition = _make_partition(groups[slot], slots[slot])
        body.insert_op_before(partition, anchor)
        partitions.append(partition)
    for op in list(body.ops):
        if isinstance(op, rpnn.ConstantOp) and not any(r.uses for r in op.results):
            op.detach()
            op.erase()
    return partitions


def _make_partition(ops: list[Operation], slot: Slot) -> rpnn.PartitionOp:
    """An `rpnn.partition` holding `ops` (moved out of their block)."""
    members = set(ops)
    inputs: list[SSAValue] = []
    outputs: list[SSAValue] = []
    for op in ops:
        for v in op.operands:
            if isinstance(v.type, rpnn.StreamType) and v.owner not in members \
                    and v not in inputs:
                inputs.append(v)
        for r in op.results:
            if any(use.operation not in members for use in r.uses):
                outputs.append(r)
    block = Block(arg_types=[v.type for v in inputs])
    for v, arg in zip(inputs, block.args, strict=True):
        v.replace_uses_with_if(arg, lambda use: use.operation in members)
    clones: dict[SSAValue, SSAValue] = {}
    for op in ops:
        for i, v in enumerate(op.operands):
            if not isinstance(v.type, rpnn.StreamType):
                if v not in clones:
                    assert isinstance(v.owner, Operation)
                    clone = v.owner.clone()
                    block.add_op(clone)
                    clones[v] = clone.results[0]
                op.operands[i] = clones[v]
        op.detach()
        block.add_op(op)
    block.add_op(rpnn.YieldOp(operands=[outputs]))
    partition = rpnn.PartitionOp(
        operands=[inputs], result_types=[[v.type for v in outputs]],
        properties={"device": StringAttr(slot.device)}
        | ({} if slot.slr is None else {"slr": IntegerAttr(slot.slr, 64)}),
        attributes={CARD_ATTR: IntegerAttr(slot.card, 64)},
        regions=[Region(block)])
    for v, result in zip(outputs, partition.outputs, strict=True):
        v.replace_uses_with_if(result, lambda use: use.operation is not partition
                               and use.operation.parent_op() is not partition)
    return partition


def ir_crossings(graph: DataflowGraph, fps: float, devices: dict[str, Device]
                 ) -> list[dict[str, Any]]:
    """The crossings between consecutive partitions of `graph` (IR order) and what the
    streams use of them: SLLs on an SLR boundary of one card, Gb/s at `fps` on a link.

    Two consecutive partitions are on the same card when their ``card`` attributes are equal
    (rpnn-partition writes them), or, without them, when they name the same part with an
    increasing SLR.
    """
    parts = graph.partitions
    index = {p: i for i, p in enumerate(parts)}
    loads = [[0, 0.0] for _ in range(max(len(parts) - 1, 0))]
    for unit in graph.units:
        if unit.partition is None:
            continue
        src = index[unit.partition]
        for r, consumers in enumerate(unit.consumers):
            ends = [index[c.partition] for c, _ in consumers if c.partition is not None]
            if not ends or max(ends) <= src:
                continue
            s = unit.op.results[r].type
            assert isinstance(s, rpnn.StreamType)
            bits = s.word.data * element_bits(s.element_type)
            for c in range(src, max(ends)):
                loads[c][0] += bits + HANDSHAKE_WIRES
                loads[c][1] += bits * s.words_per_frame * fps / 1e9
    result = []
    for c, (wires, gbps) in enumerate(loads):
        a, b = parts[c], parts[c + 1]
        card_a, card_b = a.attributes.get(CARD_ATTR), b.attributes.get(CARD_ATTR)
        # SLLs join two SLRs of one card; a partition without an SLR is a card of its own
        same_card = a.slr is not None and b.slr is not None and (
            card_a == card_b if card_a is not None and card_b is not None
            else a.device == b.device and b.slr.value.data > a.slr.value.data)
        entry: dict[str, Any] = {"from": c, "to": c + 1}
        if same_card:
            device = devices.get(a.device.data)
            entry.update(kind="sll", slls=wires,
                         capacity=device.sll if device is not None else None,
                         boundaries=b.slr.value.data - a.slr.value.data)
        else:
            entry.update(kind="link", gbps=gbps)
        result.append(entry)
    return result
