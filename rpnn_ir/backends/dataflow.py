"""The FPGA part of a dataflow-level function, as both backends see it.

A dataflow-level function (docs/passes.md) runs on the host up to its `rpnn.tensor_to_stream`
ops (input quantizer, NCHW -> NHWC transpose), on the FPGA between them and its
`rpnn.stream_to_tensor` ops, and on the host again after (the float `rpnn.scale_bias` tail,
`rpnn.topk`, transposes). The backends implement exactly the FPGA part: `extract` returns it as
a `Graph` of stream units (`Node`) and streams (`Stream`), with `rpnn.partition` regions
inlined; `region_module` turns it back into a standalone function (inputs: one integer tensor
per `rpnn.tensor_to_stream`, results: one per `rpnn.stream_to_tensor`) that the reference
interpreter runs to produce golden outputs.

Identifiers in generated code never come from the IR's names: `identifier` builds them from
an op index and a hint filtered to `[a-z0-9]` (docs/backends.md, "Names").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    FunctionType,
    IntegerAttr,
    IntegerType,
    ModuleOp,
    Signedness,
    TensorType,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.utils.exceptions import DiagnosticException

from rpnn_ir import dtypes, interp, limits
from rpnn_ir.dialects import rpnn
from rpnn_ir.passes.lower_to_dataflow import graph_level_op
from rpnn_ir.ranges import UnsoundTypeError, check_declared_types
from rpnn_ir.verify import DominanceError, verify_dominance


class BackendError(DiagnosticException):
    """The module cannot be emitted by a backend (reported by rpnn-opt as one error line)."""


UNITS = (
    rpnn.MVTUOp,
    rpnn.DepthwiseOp,
    rpnn.ThresholdingOp,
    rpnn.SWGOp,
    rpnn.PadOp,
    rpnn.StreamMaxPoolOp,
    rpnn.DWCOp,
    rpnn.FIFOOp,
    rpnn.DuplicateOp,
    rpnn.AddStreamsOp,
    rpnn.LabelSelectOp,
)
"""The stream units the backends implement (besides the boundary ops)."""


_HINT_CHARS = re.compile(r"[^a-z0-9]+")


def sanitize_hint(text: str | None, limit: int = 16) -> str:
    """A name fragment safe in C, C++, Tcl and file names: lower-case `[a-z0-9]` only."""
    if not text:
        return ""
    return _HINT_CHARS.sub("", text.lower())[:limit]


def identifier(prefix: str, index: int, hint: str | None = None) -> str:
    """`<prefix><index>` plus a filtered hint: the only way names enter generated code."""
    assert re.fullmatch(r"[a-z][a-z0-9_]*", prefix)
    safe = sanitize_hint(hint)
    return f"{prefix}{index}_{safe}" if safe else f"{prefix}{index}"


# --------------------------------------------------------------------------- element types


def bits_of(element_type: Attribute) -> int:
    """Bits of one element in a hardware word (bipolar: 1)."""
    if dtypes.is_bipolar(element_type):
        return 1
    assert isinstance(element_type, IntegerType)
    return element_type.width.data


def is_signed(element_type: Attribute) -> bool:
    return isinstance(element_type, IntegerType) and (
        element_type.signedness.data == Signedness.SIGNED
    )


def c_int_type(element_type: Attribute) -> str:
    """The C99 type holding one element at the C reference's interface and in its buffers."""
    if dtypes.is_bipolar(element_type):
        return "int8_t"
    bits = bits_of(element_type)
    width = 8 if bits <= 8 else 16 if bits <= 16 else 32
    return f"{'' if is_signed(element_type) else 'u'}int{width}_t"


def numpy_dtype(element_type: Attribute) -> np.dtype:
    """numpy dtype matching `c_int_type`."""
    return np.dtype(c_int_type(element_type).removesuffix("_t"))


def range_of(element_type: Attribute) -> tuple[int, int]:
    return dtypes.element_range(element_type)


# --------------------------------------------------------------------------- the graph


@dataclass
class Stream:
    """One `!rpnn.stream` value of the FPGA part."""

    id: int
    shape: tuple[int, ...]
    element_type: Attribute
    word: int

    @property
    def elems(self) -> int:
        """Elements per frame."""
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def bits(self) -> int:
        return bits_of(self.element_type)

    @property
    def word_bits(self) -> int:
        return self.word * self.bits

    @property
    def words(self) -> int:
        """Words per frame."""
        return self.elems // self.word


@dataclass
class Node:
    """One stream unit: `op` with its stream operands and results as stream ids."""

    index: int
    op: Operation
    name: str
    inputs: list[int]
    outputs: list[int]
    weights: np.ndarray | None = None
    thresholds: np.ndarray | None = None
    partition: int | None = None
    """Index of its `rpnn.partition` (in op order), None outside partitions."""

    @property
    def kind(self) -> str:
        return self.op.name.removeprefix("rpnn.")


@dataclass(frozen=True)
class PartitionInfo:
    """Where an `rpnn.partition` goes: its part, SLR (None: the whole device) and card
    (device index, see rpnn-partition; -1 when the op has no ``card`` attribute)."""

    device: str
    slr: int | None
    card: int


@dataclass
class Graph:
    """The FPGA part of one function."""

    function: str
    streams: list[Stream] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    inputs: list[int] = field(default_factory=list)
    outputs: list[int] = field(default_factory=list)
    partitions: list[PartitionInfo] = field(default_factory=list)

    def uses(self, stream_id: int) -> int:
        """Consumers of a stream: unit operands plus output ports."""
        count = sum(node.inputs.count(stream_id) for node in self.nodes)
        return count + self.outputs.count(stream_id)


def _constant(op: Operation, value: SSAValue, what: str) -> np.ndarray:
    owner = value.owner
    if not isinstance(owner, rpnn.ConstantOp):
        raise BackendError(f"{op.name}: {what} must come from rpnn.constant to be emitted")
    return np.asarray(dtypes.dense_to_numpy(owner.value), dtype=np.int64)


def _is_stream(value: SSAValue) -> bool:
    return isinstance(value.type, rpnn.StreamType)


def extract(module: ModuleOp, function: str | None = None) -> Graph:
    """The FPGA part of `function` (default: the module's first function).

    The module is checked first, since a caller may hand a backend IR that no driver
    verified: for values used before their definition (`verify_dominance`), so that a
    backend does not fail half-way, and for declared types too narrow for the values their
    ops compute (`check_declared_types`), so that C and HLS never compute something other
    than the interpreter (which raises OverflowInIR there) and the HLS code never wraps.
    """
    try:
        verify_dominance(module)
    except DominanceError as e:
        raise BackendError(f"the module does not verify: {e}") from None
    try:
        check_declared_types(module)
    except UnsoundTypeError as e:
        raise BackendError(f"the backends refuse the module: {e}") from None
    try:
        func_op = interp.find_function(module, function)
    except interp.InterpreterError as e:
        raise BackendError(str(e)) from None
    graph = Graph(function=func_op.sym_name.data)
    ids: dict[SSAValue, int] = {}
    tainted: set[SSAValue] = set()  # host values computed from FPGA outputs
    current: list[int] = []  # the partition being visited

    def new_stream(value: SSAValue) -> int:
        typ = value.type
        assert isinstance(typ, rpnn.StreamType)
        if not dtypes.is_integer_like(typ.element_type):
            raise BackendError(
                f"stream element type {dtypes.type_str(typ.element_type)} is not supported by "
                "the backends (integer and bipolar streams only)"
            )
        stream = Stream(len(graph.streams), typ.get_shape(), typ.element_type, typ.word.data)
        graph.streams.append(stream)
        ids[value] = stream.id
        return stream.id

    def visit(block: Block) -> None:
        for op in block.ops:
            if isinstance(op, func.ReturnOp | rpnn.YieldOp):
                continue
            if isinstance(op, rpnn.TensorToStreamOp):
                if op.input in tainted:
                    raise BackendError(
                        "rpnn.tensor_to_stream: its input is computed on the host from an FPGA "
                        "output; the backends emit one FPGA region (host -> FPGA -> host)"
                    )
                graph.inputs.append(new_stream(op.output))
                continue
            if isinstance(op, rpnn.StreamToTensorOp):
                graph.outputs.append(ids[op.input])
                tainted.add(op.output)
                continue
            if isinstance(op, rpnn.PartitionOp):
                if current:
                    raise BackendError("rpnn.partition inside rpnn.partition is not supported")
                for arg, operand in zip(op.body.block.args, op.inputs, strict=True):
                    ids[arg] = ids[operand]
                card = op.attributes.get("card")
                graph.partitions.append(PartitionInfo(
                    op.device.data, None if op.slr is None else op.slr.value.data,
                    card.value.data if isinstance(card, IntegerAttr) else -1))
                current.append(len(graph.partitions) - 1)
                visit(op.body.block)
                current.pop()
                yielded = op.body.block.last_op
                assert isinstance(yielded, rpnn.YieldOp)
                for result, value in zip(op.outputs, yielded.values, strict=True):
                    ids[result] = ids[value]
                continue
            if isinstance(op, UNITS):
                add_node(op)
                continue
            if any(_is_stream(v) for v in (*op.operands, *op.results)):
                raise BackendError(f"{op.name}: no backend implementation for this stream op")
            if any(v in tainted for v in op.operands):
                tainted.update(op.results)

    def add_node(op: Operation) -> None:
        index = len(graph.nodes)
        hint = op.results[0].name_hint if op.results else None
        stream_operands = [v for v in op.operands if _is_stream(v)]
        node = Node(
            index=index,
            op=op,
            name=identifier("l", index, hint),
            inputs=[ids[v] for v in stream_operands],
            outputs=[new_stream(r) for r in op.results],
            partition=current[-1] if current else None,
        )
        if isinstance(op, rpnn.MVTUOp | rpnn.DepthwiseOp):
            node.weights = _constant(op, op.weights, "weights")
            if op.thresholds is not None:
                node.thresholds = _constant(op, op.thresholds, "thresholds")
        elif isinstance(op, rpnn.ThresholdingOp):
            node.thresholds = _constant(op, op.thresholds, "thresholds")
        graph.nodes.append(node)

    visit(func_op.body.block)
    if not graph.inputs or not graph.outputs:
        name = sanitize_hint(graph.function, 32) or "?"
        if graph_level_op(func_op) is not None:
            raise BackendError(
                f"function @{name} is at the graph level (not streamlined): run "
                "-p rpnn-pipeline first (or rpnn-streamline,rpnn-infer-precision,"
                "rpnn-lower-to-dataflow)")
        raise BackendError(
            f"function @{name} has no FPGA part: it needs "
            "rpnn.tensor_to_stream inputs and rpnn.stream_to_tensor outputs (lower it with "
            "rpnn-lower-to-dataflow first)"
        )
    return graph


# --------------------------------------------------------------------------- golden model


def region_module(module: ModuleOp, function: str | None = None) -> ModuleOp:
    """The FPGA part of `function` as a standalone function @region.

    Arguments: one `tensor<1x...>` per `rpnn.tensor_to_stream` (any batch is accepted, see
    docs/semantics.md); results: one per `rpnn.stream_to_tensor`, in op order.
    """
    graph = extract(module, function)
    return _standalone(graph, graph.nodes, graph.inputs, graph.outputs)


def partition_ports(graph: Graph, index: int) -> tuple[list[int], list[int]]:
    """Stream ids entering and leaving partition `index` (ascending): its kernel's ports."""
    nodes = [n for n in graph.nodes if n.partition == index]
    made = {s for n in nodes for s in n.outputs}
    inputs = sorted({s for n in nodes for s in n.inputs} - made)
    read_outside = {s for n in graph.nodes if n.partition != index for s in n.inputs}
    outputs = sorted(s for s in made if s in read_outside or s in graph.outputs)
    return inputs, outputs


def partition_module(module: ModuleOp, function: str | None, index: int
                     ) -> tuple[ModuleOp, list[int], list[int]]:
    """Partition `index` of `function` as a standalone function @region (one tensor per
    `partition_ports` input and output), with the stream ids of its ports: chaining the
    partitions' functions in order along those ids computes the whole FPGA part."""
    graph = extract(module, function)
    if not 0 <= index < len(graph.partitions):
        raise BackendError(f"partition {index} does not exist ({len(graph.partitions)} "
                           "partitions)")
    if any(n.partition is None for n in graph.nodes):
        raise BackendError("a unit lies outside every rpnn.partition of a partitioned "
                           "function; re-run rpnn-partition")
    inputs, outputs = partition_ports(graph, index)
    nodes = [n for n in graph.nodes if n.partition == index]
    return _standalone(graph, nodes, inputs, outputs), inputs, outputs


def _standalone(graph: Graph, nodes: list[Node], inputs: list[int], outputs: list[int]
                ) -> ModuleOp:
    """`nodes` as a function @region reading `inputs` and returning `outputs` (stream ids)."""
    arg_types = [
        TensorType(s.element_type, [1, *s.shape]) for s in (graph.streams[i] for i in inputs)
    ]
    block = Block(arg_types=arg_types)
    values: dict[int, SSAValue] = {}
    for arg, stream_id in zip(block.args, inputs, strict=True):
        stream = graph.streams[stream_id]
        op = rpnn.TensorToStreamOp(
            operands=[arg],
            result_types=[rpnn.StreamType(stream.shape, stream.element_type, stream.word)],
        )
        block.add_op(op)
        values[stream_id] = op.output
    cloned_constants: dict[SSAValue, SSAValue] = {}
    for node in nodes:
        mapper: dict[SSAValue, SSAValue] = {}
        stream_operands = [v for v in node.op.operands if _is_stream(v)]
        for value, stream_id in zip(stream_operands, node.inputs, strict=True):
            mapper[value] = values[stream_id]
        for value in node.op.operands:
            if not _is_stream(value):
                if value not in cloned_constants:
                    assert value.owner is not None
                    constant = value.owner.clone(clone_name_hints=False)
                    block.add_op(constant)
                    cloned_constants[value] = constant.results[0]
                mapper[value] = cloned_constants[value]
        clone = node.op.clone(value_mapper=mapper, clone_name_hints=False)
        block.add_op(clone)
        for result, stream_id in zip(clone.results, node.outputs, strict=True):
            values[stream_id] = result
    results = []
    for stream_id in outputs:
        stream = graph.streams[stream_id]
        op = rpnn.StreamToTensorOp(
            operands=[values[stream_id]],
            result_types=[TensorType(stream.element_type, [1, *stream.shape])],
        )
        block.add_op(op)
        results.append(op.output)
    block.add_op(func.ReturnOp(*results))
    ftype = FunctionType.from_lists(arg_types, [r.type for r in results])
    region = ModuleOp([func.FuncOp("region", ftype, Region(block))])
    region.verify()
    return region


def random_inputs(graph: Graph, frames: int, seed: int = 0) -> list[np.ndarray]:
    """Random integer frames `[frames, *shape]` for each FPGA input (values of its type).

    Refused (`BackendError`) when `frames` of the largest stream would exceed
    `rpnn_ir.limits.max_elements()`: the golden run holds them all.
    """
    largest = max((s.elems for s in graph.streams), default=0)
    try:
        limits.check_elements((frames, largest),
                              f"the testbench ({frames} frames of the largest stream)")
    except limits.LimitError as e:
        raise BackendError(f"{e}; or lower tb-frames") from None
    rng = np.random.default_rng(seed)
    inputs = []
    for stream_id in graph.inputs:
        stream = graph.streams[stream_id]
        shape = (frames, *stream.shape)
        if dtypes.is_bipolar(stream.element_type):
            inputs.append(rng.choice(np.array([-1, 1], dtype=np.int64), size=shape))
        else:
            lo, hi = range_of(stream.element_type)
            inputs.append(rng.integers(lo, hi, size=shape, endpoint=True, dtype=np.int64))
    return inputs


def pack_words(values: np.ndarray, element_type: Attribute, word: int) -> list[int]:
    """Frames of a stream as hardware words (element i at bits [i*B, (i+1)*B))."""
    bits = bits_of(element_type)
    flat = np.asarray(values, dtype=np.int64).reshape(-1)
    if dtypes.is_bipolar(element_type):
        raw = (flat > 0).astype(np.uint64)
    else:
        raw = (flat & ((1 << bits) - 1)).astype(np.uint64)
    words = []
    lanes = raw.reshape(-1, word).tolist()
    for lane in lanes:
        value = 0
        for i, element in enumerate(lane):
            value |= int(element) << (i * bits)
        words.append(value)
    return words


def unpack_words(words: list[int], element_type: Attribute, word: int,
                 shape: tuple[int, ...]) -> np.ndarray:
    """Inverse of `pack_words`: words -> int64 values of shape `shape`."""
    bits = bits_of(element_type)
    mask = (1 << bits) - 1
    out = []
    for value in words:
        for i in range(word):
            raw = (value >> (i * bits)) & mask
            if dtypes.is_bipolar(element_type):
                out.append(1 if raw else -1)
            elif is_signed(element_type) and raw >> (bits - 1):
                out.append(raw - (1 << bits))
            else:
                out.append(raw)
    return np.array(out, dtype=np.int64).reshape(shape)
