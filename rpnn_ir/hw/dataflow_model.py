"""The dataflow graph of a function and the cost of each unit, read from the IR.

Shared by ``rpnn-cost`` (which reports it) and ``rpnn-fold`` (which evaluates other foldings
of the same units).  A *unit* is a dataflow op (``rpnn.mvtu``, ``rpnn.swg``, ...,
``rpnn.tensor_to_stream`` and ``rpnn.stream_to_tensor`` as the host ports); streams are
followed through ``rpnn.partition`` borders (block arguments and ``rpnn.yield``).  Costs come
from the formulas of `rpnn_ir.hw.cost`; every folding parameter can be overridden, so the folder
can ask "what would this unit cost at PE = 8, SIMD = 16" without rewriting the IR.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerType, TensorType
from xdsl.ir import Attribute, BlockArgument, Operation, OpResult, SSAValue

from rpnn_ir import dtypes
from rpnn_ir.dialects import rpnn
from rpnn_ir.hw import cost

UNIT_OPS: dict[type[Operation], str] = {
    rpnn.MVTUOp: "mvtu",
    rpnn.DepthwiseOp: "depthwise",
    rpnn.ThresholdingOp: "thresholding",
    rpnn.SWGOp: "swg",
    rpnn.PadOp: "pad",
    rpnn.StreamMaxPoolOp: "maxpool",
    rpnn.AddStreamsOp: "add",
    rpnn.LabelSelectOp: "label_select",
    rpnn.DuplicateOp: "duplicate",
    rpnn.DWCOp: "dwc",
    rpnn.FIFOOp: "fifo",
    rpnn.TensorToStreamOp: "source",
    rpnn.StreamToTensorOp: "sink",
}
"""Dataflow ops and the kind names used in reports."""

PASS_THROUGH = ("fifo", "duplicate", "dwc")
"""Units without folding parameters: their words follow the streams around them."""


def element_bits(element_type: Attribute) -> int:
    """Bits of one stream or tensor element (bipolar: 1, f32: 32)."""
    if dtypes.is_bipolar(element_type):
        return 1
    if isinstance(element_type, IntegerType):
        return element_type.width.data
    return 32


def _stream(value: SSAValue) -> rpnn.StreamType:
    assert isinstance(value.type, rpnn.StreamType)
    return value.type


def _tensor_shape(value: SSAValue) -> tuple[int, ...]:
    assert isinstance(value.type, TensorType)
    return tuple(value.type.get_shape())


def _int(attr) -> int:
    return attr.value.data


def _ints(attr) -> tuple[int, ...]:
    return tuple(int(v) for v in attr.get_values())


@dataclass(eq=False)
class Unit:
    """One dataflow op of a function, with its place in the graph."""

    op: Operation
    index: int
    kind: str
    partition: rpnn.PartitionOp | None
    inputs: list[Unit | None] = field(default_factory=list)
    """Producer unit of each stream operand (None: produced outside the dataflow)."""
    consumers: list[list[tuple[Unit, int]]] = field(default_factory=list)
    """For each result, the (unit, operand index) pairs reading it."""

    @property
    def name(self) -> str:
        hint = self.op.results[0].name_hint if self.op.results else None
        return f"#{self.index} {self.op.name}" + (f" (%{hint})" if hint else "")

    @property
    def out_words(self) -> int:
        """Words per frame on the (first) output stream (input stream for a sink)."""
        value = self.op.operands[0] if self.kind == "sink" else self.op.results[0]
        return _stream(value).words_per_frame

    def folding(self) -> dict[str, int | str]:
        """Current folding parameters (pe, simd, ram) of the op."""
        result: dict[str, int | str] = {}
        for name in ("pe", "simd"):
            attr = getattr(self.op, name, None)
            if attr is not None:
                result[name] = _int(attr)
        ram = getattr(self.op, "ram_style", None)
        if ram is not None:
            result["ram"] = ram.data
        return result


# --------------------------------------------------------------------------- graph


def stream_source(value: SSAValue) -> tuple[Operation, int] | None:
    """The op (and result index) producing `value`, seen through partition borders."""
    while True:
        if isinstance(value, OpResult):
            op = value.op
            if isinstance(op, rpnn.PartitionOp):
                terminator = op.body.block.last_op
                assert isinstance(terminator, rpnn.YieldOp)
                value = terminator.values[value.index]
                continue
            return op, value.index
        if isinstance(value, BlockArgument):
            parent = value.block.parent_op()
            if isinstance(parent, rpnn.PartitionOp):
                value = parent.inputs[value.index]
                continue
        return None


def stream_uses(value: SSAValue) -> Iterator[tuple[Operation, int]]:
    """(op, operand index) of every use of `value`, seen through partition borders."""
    for use in list(value.uses):
        user = use.operation
        if isinstance(user, rpnn.PartitionOp):
            yield from stream_uses(user.body.block.args[use.index])
        elif isinstance(user, rpnn.YieldOp):
            parent = user.parent_op()
            assert isinstance(parent, rpnn.PartitionOp)
            yield from stream_uses(parent.outputs[use.index])
        else:
            yield user, use.index


def linked_values(value: SSAValue) -> list[SSAValue]:
    """`value` and the partition block arguments/results that carry the same stream."""
    result = [value]
    for use in list(value.uses):
        user = use.operation
        if isinstance(user, rpnn.PartitionOp):
            result += linked_values(user.body.block.args[use.index])
        elif isinstance(user, rpnn.YieldOp):
            parent = user.parent_op()
            assert isinstance(parent, rpnn.PartitionOp)
            result += linked_values(parent.outputs[use.index])
    return result


def _walk(op: Operation, partition: rpnn.PartitionOp | None
          ) -> Iterator[tuple[Operation, rpnn.PartitionOp | None]]:
    for region in op.regions:
        for block in region.blocks:
            for child in block.ops:
                yield child, partition
                inner = child if isinstance(child, rpnn.PartitionOp) else partition
                if child.regions:
                    yield from _walk(child, inner)


@dataclass
class DataflowGraph:
    """The units of one function in a topological order (the IR order)."""

    function: func.FuncOp
    units: list[Unit]
    partitions: list[rpnn.PartitionOp]

    @classmethod
    def build(cls, function: func.FuncOp) -> DataflowGraph:
        units: list[Unit] = []
        by_op: dict[Operation, Unit] = {}
        partitions: list[rpnn.PartitionOp] = []
        for op, partition in _walk(function, None):
            if isinstance(op, rpnn.PartitionOp):
                partitions.append(op)
            kind = UNIT_OPS.get(type(op))
            if kind is not None:
                unit = Unit(op, len(units), kind, partition)
                units.append(unit)
                by_op[op] = unit
        for unit in units:
            for operand in unit.op.operands:
                if not isinstance(operand.type, rpnn.StreamType):
                    continue
                source = stream_source(operand)
                unit.inputs.append(by_op.get(source[0]) if source else None)
            for result in unit.op.results:
                unit.consumers.append([(by_op[user], index) for user, index in
                                       stream_uses(result) if user in by_op])
        return cls(function, units, partitions)

    def is_empty(self) -> bool:
        return not any(u.kind not in ("source", "sink") for u in self.units)


def functions_with_dataflow(module: Operation) -> Iterator[tuple[func.FuncOp, DataflowGraph]]:
    for op in module.walk():
        if isinstance(op, func.FuncOp):
            graph = DataflowGraph.build(op)
            if not graph.is_empty():
                yield op, graph


# --------------------------------------------------------------------------- unit costs


def _threshold_params(op: rpnn._ComputeUnit | rpnn.ThresholdingOp) -> tuple[int, int]:
    if op.thresholds is None:
        return 0, 0
    assert isinstance(op.thresholds.type, TensorType)
    return _tensor_shape(op.thresholds)[1], element_bits(op.thresholds.type.element_type)


def evaluate(unit: Unit, *, pe: int | None = None, simd: int | None = None,
             ram: str | None = None, in_word: int | None = None,
             out_word: int | None = None) -> cost.UnitCost:
    """Cost of `unit` with its current folding, or with the parameters given.

    `pe`, `simd` and `ram` override the op's properties; `in_word`/`out_word` override the
    word sizes of the streams around a width converter, FIFO, duplicate or port.  Units
    other than the MVTU and the depthwise unit get `cost.register_ff` flip-flops (their
    output register and control); ports, duplicates and width-preserving wires none.
    """
    c = _evaluate(unit, pe=pe, simd=simd, ram=ram, in_word=in_word, out_word=out_word)
    if unit.kind in ("mvtu", "depthwise", "source", "sink", "duplicate") or c.ff:
        return c
    value = unit.op.results[0]
    word = out_word or _stream(value).word.data
    bits = word * element_bits(_stream(value).element_type)
    return replace(c, ff=cost.register_ff(bits))


def _evaluate(unit: Unit, *, pe: int | None, simd: int | None, ram: str | None,
              in_word: int | None, out_word: int | None) -> cost.UnitCost:
    op, kind = unit.op, unit.kind
    folding = unit.folding()
    pe = pe if pe is not None else folding.get("pe")  # type: ignore[assignment]
    simd = simd if simd is not None else folding.get("simd")  # type: ignore[assignment]
    ram = ram if ram is not None else folding.get("ram", "auto")  # type: ignore[assignment]
    if kind in ("mvtu", "depthwise"):
        assert isinstance(op, rpnn._ComputeUnit) and isinstance(op.weights.type, TensorType)
        x = _stream(op.input)
        w_elt, x_elt = op.weights.type.element_type, x.element_type
        n_thr, t_bits = _threshold_params(op)
        acc_bits = element_bits(op.acc_type)
        w_bip, x_bip = dtypes.is_bipolar(w_elt), dtypes.is_bipolar(x_elt)
        common = dict(w_bits=element_bits(w_elt), a_bits=element_bits(x_elt),
                      acc_bits=acc_bits, n_thresholds=n_thr, threshold_bits=t_bits,
                      xnor=w_bip and x_bip, sign=w_bip != x_bip,
                      dsp=op.resource_type.data == "dsp", ram_style=ram,
                      out_bits=element_bits(_stream(op.output).element_type))
        if kind == "mvtu":
            mw, mh = _tensor_shape(op.weights)
            n = math.prod(x.get_shape()[:-1])
            return cost.mvtu_cost(mw, mh, pe, simd, n, **common)  # type: ignore[arg-type]
        channels, taps = _tensor_shape(op.weights)
        n = math.prod(_stream(op.output).get_shape()[:-1])
        return cost.depthwise_cost(channels, taps, pe, simd, n, **common)  # type: ignore
    if kind == "thresholding":
        assert isinstance(op, rpnn.ThresholdingOp)
        x = _stream(op.input)
        n_thr, t_bits = _threshold_params(op)
        return cost.thresholding_cost(x.channels, pe, math.prod(x.get_shape()[:-1]),
                                      n_thresholds=n_thr, threshold_bits=t_bits)
    if kind in ("swg", "maxpool"):
        assert isinstance(op, rpnn.SWGOp | rpnn.StreamMaxPoolOp)
        x = _stream(op.input)
        h, w, c = x.get_shape()
        k, s = _ints(op.kernel), _ints(op.stride)
        unit_cost = cost.swg_cost if kind == "swg" else cost.maxpool_cost
        return unit_cost(h, w, c, (k[0], k[1]), (s[0], s[1]), simd if kind == "swg" else pe,
                         element_bits(x.element_type))
    if kind == "pad":
        assert isinstance(op, rpnn.PadOp)
        y = _stream(op.output)
        oh, ow, c = y.get_shape()
        p = _ints(op.padding)
        return cost.pad_cost(oh, ow, c, simd, element_bits(y.element_type),
                             (p[0], p[1], p[2], p[3]))
    if kind == "add":
        assert isinstance(op, rpnn.AddStreamsOp)
        y = _stream(op.output)
        return cost.add_streams_cost(math.prod(y.get_shape()[:-1]), y.channels, pe,
                                     element_bits(y.element_type))
    if kind == "label_select":
        assert isinstance(op, rpnn.LabelSelectOp)
        x = _stream(op.input)
        return cost.label_select_cost(x.channels, _int(op.k), pe, element_bits(x.element_type),
                                      _stream(op.output).word.data)
    if kind == "dwc":
        x, y = _stream(op.operands[0]), _stream(op.results[0])
        elements = math.prod(x.get_shape())
        return cost.dwc_cost(elements, in_word or x.word.data, out_word or y.word.data,
                             element_bits(x.element_type))
    if kind == "fifo":
        assert isinstance(op, rpnn.FIFOOp)
        x = _stream(op.input)
        word = in_word or x.word.data
        return cost.fifo_cost(_int(op.depth), word * element_bits(x.element_type),
                              math.prod(x.get_shape()) // word, op.ram_style.data)
    if kind == "duplicate":
        x = _stream(op.operands[0])
        return cost.duplicate_cost(math.prod(x.get_shape()) // (in_word or x.word.data))
    # host ports
    value = op.operands[0] if kind == "sink" else op.results[0]
    s = _stream(value)
    words = math.prod(s.get_shape()) // (in_word or out_word or s.word.data)
    port = cost.stream_port_cost(words)
    if kind == "sink":
        return cost.UnitCost(port.res, words, need=1, depth=0, tail=0)
    return port


# --------------------------------------------------------------------------- timing


@dataclass
class Schedule:
    """When each unit writes its first and last output word of a frame (cycles from the
    first input word of the frame), and the frame latency."""

    first: dict[Unit, float]
    last: dict[Unit, float]
    latency: int
    """Cycles from the first input word to the last output word of one frame."""
    sum_latency: int
    """FINN's latency figure: the largest sum of unit cycles along a path."""


def schedule(graph: DataflowGraph, costs: dict[Unit, cost.UnitCost]) -> Schedule:
    """The pipeline latency of one frame (docs/cost-model.md, "Latency").

    Each unit writes its first word `depth` cycles after the input word number `need`
    arrives, and its last word no earlier than `cycles` - 1 after its first, nor earlier than
    `tail` after its producers' last words.  A producer's words are taken to arrive evenly
    spread between its first and last word.
    """
    first: dict[Unit, float] = {}
    last: dict[Unit, float] = {}
    path: dict[Unit, int] = {}

    def arrival(producer: Unit, word: int) -> float:
        words = max(producer.out_words, 1)
        word = min(max(word, 1), words)
        span = last[producer] - first[producer]
        return first[producer] + (word - 1) * span / max(words - 1, 1)

    for unit in graph.units:
        c = costs[unit]
        producers = [p for p in unit.inputs if p is not None and p in first]
        if not producers:
            first[unit] = float(c.depth)
            last[unit] = first[unit] + c.cycles - 1
            path[unit] = c.cycles
            continue
        ready = max(arrival(p, c.need) for p in producers) if c.need > 0 else 0.0
        first[unit] = ready + c.depth
        last[unit] = max(first[unit] + c.cycles - 1, max(last[p] for p in producers) + c.tail)
        path[unit] = c.cycles + max(path[p] for p in producers)
    sinks = [u for u in graph.units if u.kind == "sink"] or graph.units
    latency = int(math.ceil(max(last[u] for u in sinks))) + 1
    sum_latency = max(path[u] for u in sinks)
    return Schedule(first, last, latency, sum_latency)
