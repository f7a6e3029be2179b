"""rpnn-insert-fifos: stream word widths, width converters and FIFO depths (docs/passes.md).

Re-runnable: it first removes every `rpnn.fifo` and every `rpnn.dwc` that only re-cuts words
(same shape in and out: nothing but a width converter), keeps the dwcs that reshape a
stream, then

1. gives a stream used more than once an `rpnn.duplicate`;
2. sets every unit's output word from its PE/SIMD, the free ends (`rpnn.tensor_to_stream`,
   reshaping dwcs, duplicates) to the word their consumers read, and inserts an `rpnn.dwc`
   wherever a producer's word still differs from its consumer's (the verifiers require the
   input word to be the consumer's SIMD or PE);
3. inserts an `rpnn.fifo` on every stream edge between two units, its depth computed from
   the cycle model (`unit_cycles`, cost-model.md: the pipeline period), the bursts of the
   units on both ends (`unit_bursts`) and, before an `rpnn.add_streams`, how far the other
   branch trails the fork (`unit_need`, `join_lag`):

       depth = max(min_depth, ceil(J) + ceil(scale * (B_p + B_c) * (1 - W / P)))

   The derivation is in docs/passes.md ("rpnn-insert-fifos").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, StringAttr
from xdsl.ir import Block, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter
from xdsl.utils.exceptions import PassFailedException

from rpnn_ir.dialects import rpnn

UNITS = (
    rpnn.MVTUOp,
    rpnn.DepthwiseOp,
    rpnn.ThresholdingOp,
    rpnn.SWGOp,
    rpnn.PadOp,
    rpnn.StreamMaxPoolOp,
    rpnn.AddStreamsOp,
    rpnn.LabelSelectOp,
    rpnn.DuplicateOp,
)
"""Hardware blocks that a FIFO separates (dwcs are width adapters inside an edge)."""


def _int(attr) -> int:
    return attr.value.data


def _stream(value: SSAValue) -> rpnn.StreamType:
    typ = value.type
    assert isinstance(typ, rpnn.StreamType)
    return typ


def _is_stream(value: SSAValue) -> bool:
    return isinstance(value.type, rpnn.StreamType)


def _elements(value: SSAValue) -> int:
    return int(np.prod(_stream(value).get_shape(), dtype=np.int64))


def words(value: SSAValue) -> int:
    """Words per frame of a stream."""
    return _stream(value).words_per_frame


def _vectors(value: SSAValue) -> int:
    """Vectors (pixels) per frame: the product of all but the innermost stream axis."""
    return int(np.prod(_stream(value).get_shape()[:-1], dtype=np.int64))


# --------------------------------------------------------------------------- words


def input_word(op: Operation, index: int) -> int | None:
    """The word a consumer reads on operand `index`, or None if it takes any word."""
    if isinstance(op, rpnn.MVTUOp | rpnn.SWGOp | rpnn.PadOp):
        return _int(op.simd)
    if isinstance(op, rpnn.DepthwiseOp):
        return _int(op.pe) * _int(op.simd)
    if isinstance(op, rpnn.ThresholdingOp | rpnn.StreamMaxPoolOp | rpnn.AddStreamsOp
                  | rpnn.LabelSelectOp):
        return _int(op.pe)
    if isinstance(op, rpnn.PartitionOp):
        return _stream(op.body.block.args[index]).word.data
    if isinstance(op, rpnn.YieldOp):
        parent = op.parent_op()
        assert parent is not None
        return _stream(parent.results[index]).word.data
    return None


def output_word(op: Operation) -> int | None:
    """The word a unit writes, set by its PE or SIMD (None: not fixed by the op)."""
    if isinstance(op, rpnn.MVTUOp | rpnn.DepthwiseOp | rpnn.ThresholdingOp
                  | rpnn.StreamMaxPoolOp | rpnn.AddStreamsOp):
        return _int(op.pe)
    if isinstance(op, rpnn.SWGOp | rpnn.PadOp):
        return _int(op.simd)
    return None


def demand(value: SSAValue) -> int | None:
    """The word every consumer of `value` that cares about it reads (None: no one or
    consumers that disagree)."""
    wanted: set[int] = set()
    for use in value.uses:
        user = use.operation
        if isinstance(user, rpnn.DuplicateOp):
            word = _common({demand(out) for out in user.outputs} - {None})
        elif isinstance(user, rpnn.FIFOOp):
            word = demand(user.output)
        else:
            word = input_word(user, use.index)
        if word is not None:
            wanted.add(word)
    return _common(wanted)


def _common(words_: set) -> int | None:
    return next(iter(words_)) if len(words_) == 1 else None


def _set_word(value: SSAValue, word: int) -> SSAValue:
    typ = _stream(value)
    if typ.word.data == word:
        return value
    return Rewriter.replace_value_with_new_type(
        value, rpnn.StreamType(typ.get_shape(), typ.element_type, word))


def _fits(value: SSAValue, word: int | None) -> bool:
    return word is not None and word > 0 and _stream(value).channels % word == 0


def _dwc(block: Block, value: SSAValue, word: int, before: Operation) -> SSAValue:
    typ = _stream(value)
    op = rpnn.DWCOp(operands=[value],
                    result_types=[rpnn.StreamType(typ.get_shape(), typ.element_type, word)])
    block.insert_op_before(op, before)
    return op.output


def _is_word_converter(op: Operation) -> bool:
    return isinstance(op, rpnn.DWCOp) and (
        _stream(op.input).get_shape() == _stream(op.output).get_shape())


def strip(block: Block) -> None:
    """Remove the FIFOs and the pure width converters (they carry no values)."""
    for op in list(block.ops):
        if isinstance(op, rpnn.FIFOOp) or _is_word_converter(op):
            op.results[0].replace_all_uses_with(op.operands[0])
            block.erase_op(op)


def insert_duplicates(block: Block) -> None:
    """A stream read by several consumers gets an `rpnn.duplicate` with one output each."""
    values = [*block.args, *(r for op in block.ops for r in op.results)]
    for value in values:
        if not _is_stream(value) or not value.has_more_than_one_use():
            continue
        uses = sorted(list(value.uses), key=lambda u: (_position(block, u.operation), u.index))
        dup = rpnn.DuplicateOp(operands=[value], result_types=[[value.type] * len(uses)])
        if isinstance(value.owner, Operation):
            block.insert_op_after(dup, value.owner)
        elif block.first_op is not None:
            block.insert_op_before(dup, block.first_op)
        else:
            block.add_op(dup)
        for use, out in zip(uses, dup.outputs, strict=True):
            use.operation.operands[use.index] = out


def _position(block: Block, op: Operation) -> int:
    return block.get_operation_index(op) if op.parent_block() is block else 1 << 62


def set_words(block: Block) -> None:
    """Output words from PE/SIMD, free ends matched to their consumers, dwcs where needed."""
    for op in list(block.ops):
        if isinstance(op, rpnn.DuplicateOp):
            word = _common({demand(out) for out in op.outputs} - {None})
            if _fits(op.input, word) and word != _stream(op.input).word.data:
                op.operands[0] = _dwc(block, op.input, word, op)
            for out in op.outputs:
                _set_word(out, _stream(op.input).word.data)
            continue
        for index, operand in enumerate(op.operands):
            if not _is_stream(operand):
                continue
            word = input_word(op, index)
            if word is not None and word != _stream(operand).word.data:
                op.operands[index] = _dwc(block, operand, word, op)
        for result in op.results:
            if not _is_stream(result):
                continue
            word = output_word(op)
            if word is None and isinstance(op, rpnn.TensorToStreamOp | rpnn.DWCOp):
                word = demand(result)
                if not _fits(result, word):
                    word = _stream(result).word.data
                    word = word if _fits(result, word) else 1
            if word is not None:
                _set_word(result, word)


# --------------------------------------------------------------------------- cycle model


def unit_cycles(op: Operation) -> int:
    """Cycles per frame of a unit (cost-model.md, "Cycles"), at its PE/SIMD."""
    if isinstance(op, rpnn.MVTUOp):
        mw, mh = op.weights.type.get_shape()
        return (mh // _int(op.pe)) * (mw // _int(op.simd)) * _vectors(op.input)
    if isinstance(op, rpnn.DepthwiseOp):
        channels, taps = op.weights.type.get_shape()
        return channels * taps // (_int(op.pe) * _int(op.simd)) * _vectors(op.output)
    if isinstance(op, rpnn.ThresholdingOp | rpnn.AddStreamsOp):
        return _vectors(op.output) * _stream(op.output).channels // _int(op.pe)
    if isinstance(op, rpnn.LabelSelectOp):
        return _stream(op.input).channels // _int(op.pe)
    if isinstance(op, rpnn.PadOp):
        oh, ow, c = _stream(op.output).get_shape()
        return c // _int(op.simd) * oh * ow
    if isinstance(op, rpnn.SWGOp):
        _, iw, c = _stream(op.input).get_shape()
        oh, ow, _ = _stream(op.output).get_shape()
        kh, kw = rpnn._ints(op.kernel)
        sh = rpnn._ints(op.stride)[0]
        fold = c // _int(op.simd)
        return iw * kh * fold + oh * max(ow * kh * kw * fold, sh * iw * fold)
    if isinstance(op, rpnn.StreamMaxPoolOp):
        return _elements(op.input) // _int(op.pe)  # reads one input word per cycle
    if isinstance(op, rpnn.DuplicateOp):
        return words(op.input)
    raise ValueError(f"{op.name} is not a unit")


def unit_bursts(op: Operation) -> tuple[int, int]:
    """(input burst, output burst): the words a unit reads / writes back to back, one per
    cycle, at full speed before it pauses (1 for units that stream word by word)."""
    if isinstance(op, rpnn.MVTUOp):  # one input vector, then MH/PE - 1 more folds on it
        return _stream(op.input).channels // _int(op.simd), 1
    if isinstance(op, rpnn.SWGOp):  # fills KH rows (cost-model.md); one output row of windows
        _, iw, c = _stream(op.input).get_shape()
        _, ow, window = _stream(op.output).get_shape()
        kh = rpnn._ints(op.kernel)[0]
        return kh * iw * c // _int(op.simd), ow * window // _int(op.simd)
    if isinstance(op, rpnn.StreamMaxPoolOp):  # one output row after its input rows
        _, ow, c = _stream(op.output).get_shape()
        return 1, ow * c // _int(op.pe)
    if isinstance(op, rpnn.PadOp):  # the longest run of padding, which needs no input
        _, pw, c = _stream(op.output).get_shape()
        top, left, bottom, right = rpnn._ints(op.padding)
        run = max(top * pw + left, right + bottom * pw, right + left, 1)
        return 1, run * c // _int(op.simd)
    if isinstance(op, rpnn.LabelSelectOp):  # all k indices at the end
        return 1, words(op.output)
    return 1, 1


def unit_need(op: Operation) -> tuple[int, np.ndarray]:
    """How a unit's output depends on its input, frame by frame.

    Returns (n_in, need): the unit's frame is cut into items (words, pixels or vectors), and
    before it can emit output item i it must have read its first need[i] of n_in input items
    (the "need function" of docs/passes.md, "rpnn-insert-fifos").
    """
    if isinstance(op, rpnn.MVTUOp | rpnn.DepthwiseOp):  # a whole vector per output pixel
        n = _vectors(op.input)
        return n, np.arange(1, n + 1, dtype=np.int64)
    if isinstance(op, rpnn.ThresholdingOp | rpnn.AddStreamsOp | rpnn.DuplicateOp
                  | rpnn.FIFOOp):  # word by word
        n = words(op.operands[0])
        return n, np.arange(1, n + 1, dtype=np.int64)
    if isinstance(op, rpnn.LabelSelectOp):  # every label before the first index
        return 1, np.ones(1, dtype=np.int64)
    if isinstance(op, rpnn.DWCOp):  # output word j: input words up to element (j+1)*w_out
        w_in, w_out = _stream(op.input).word.data, _stream(op.output).word.data
        j = np.arange(words(op.output), dtype=np.int64)
        return words(op.input), -((-(j + 1) * w_out) // w_in)
    if isinstance(op, rpnn.SWGOp | rpnn.StreamMaxPoolOp):  # row by row (the cost model)
        h, w, _ = _stream(op.input).get_shape()
        oh, ow, _ = _stream(op.output).get_shape()
        kh, sh = rpnn._ints(op.kernel)[0], rpnn._ints(op.stride)[0]
        rows = np.arange(oh * ow, dtype=np.int64) // ow
        return h * w, np.minimum(rows * sh + kh, h) * w
    if isinstance(op, rpnn.PadOp):  # pixel by pixel; padding needs no input
        h, w, _ = _stream(op.input).get_shape()
        oh, ow, _ = _stream(op.output).get_shape()
        top, left, _, _ = rpnn._ints(op.padding)
        rows, cols = np.divmod(np.arange(oh * ow, dtype=np.int64), ow)
        inside = (rows - top) * w + np.clip(cols - left + 1, 0, w)
        return h * w, np.where(rows < top, 0, np.where(rows >= top + h, h * w, inside))
    raise ValueError(f"{op.name} has no need function")


def join_lag(need: np.ndarray, n_fork: int) -> Fraction:
    """max over items i of need[i] / n_fork - i / len(need), at least 0: how far (in frames)
    a branch's output trails the fork that feeds it, at worst."""
    n = len(need)
    numerators = need * n - np.arange(n, dtype=np.int64) * n_fork
    return Fraction(max(int(numerators.max(initial=0)), 0), n_fork * n)


# --------------------------------------------------------------------------- FIFOs


_Branch = tuple[Operation, int]


@dataclass
class _Timing:
    """Per stream value v of a block (before any FIFO is inserted):

    - items[v]: the items v's producer cuts its frame into (see `unit_need`);
    - needs[v][s]: for each item of v, how many items of s must have entered the fork
      (`rpnn.duplicate`) reading s before v can carry it;
    - branches[v]: the (duplicate, output index) pairs v descends from;

    forks[d]: the stream duplicate d reads; period: the pipeline's cycles per frame (its
    slowest unit).
    """

    items: dict[SSAValue, int]
    needs: dict[SSAValue, dict[SSAValue, np.ndarray]]
    branches: dict[SSAValue, frozenset[_Branch]]
    forks: dict[Operation, SSAValue]
    period: int = 1


def _compose(n_in: int, own: np.ndarray, items: int,
             needs: dict[SSAValue, np.ndarray]) -> dict[SSAValue, np.ndarray]:
    """The needs of a unit's output, from its own need function and its input's needs."""
    k = (own * items + n_in - 1) // n_in  # input items, in the input's own items (ceil)
    return {fork: np.where(k > 0, need[np.maximum(k, 1) - 1], 0)
            for fork, need in needs.items()}


def _timing(block: Block) -> _Timing:
    t = _Timing({}, {}, {}, {})

    def source(value: SSAValue) -> None:
        t.items[value] = words(value)
        t.needs[value], t.branches[value] = {}, frozenset()

    for arg in block.args:
        if _is_stream(arg):
            source(arg)
    for op in block.ops:
        results = [r for r in op.results if _is_stream(r)]
        if not results:
            continue
        inputs = [v for v in op.operands if _is_stream(v) and v in t.items]
        if not (isinstance(op, (*UNITS, rpnn.DWCOp, rpnn.FIFOOp)) and inputs):
            for result in results:  # an input port or a partition: a source
                source(result)
            continue
        if isinstance(op, UNITS):
            t.period = max(t.period, unit_cycles(op))
        n_in, need = unit_need(op)
        needs: dict[SSAValue, np.ndarray] = {}
        for value in inputs:
            known = dict(t.needs[value])
            if isinstance(op, rpnn.DuplicateOp):  # a fork: measure from here
                known[value] = np.arange(1, t.items[value] + 1, dtype=np.int64)
                t.forks[op] = value
            for fork, arr in _compose(n_in, need, t.items[value], known).items():
                needs[fork] = np.maximum(needs[fork], arr) if fork in needs else arr
        branches = frozenset().union(*(t.branches[v] for v in inputs))
        for index, result in enumerate(results):
            t.items[result] = len(need)
            t.needs[result] = needs
            t.branches[result] = branches | (
                {(op, index)} if isinstance(op, rpnn.DuplicateOp) else set())
    return t


def _producer(value: SSAValue) -> Operation | None:
    """The unit at the other end of an edge, looking through dwcs."""
    while isinstance(value.owner, rpnn.DWCOp):
        value = value.owner.input
    owner = value.owner
    return owner if isinstance(owner, UNITS) else None


def _ceil(value: Fraction) -> int:
    return math.ceil(value)


@dataclass(frozen=True)
class FifoDepth:
    """The two terms of a FIFO's depth, in words of its stream (docs/passes.md)."""

    rate: Fraction
    """(B_p + B_c) * (1 - W / P): the producer's and the consumer's bursts, less what the
    other side moves meanwhile at the pipeline's pace."""
    join: Fraction
    """Before an rpnn.add_streams: how far the other branch trails the fork, in words."""


def fifo_depth_terms(consumer: Operation, operands: list[SSAValue], index: int,
                     timing: _Timing) -> FifoDepth:
    """The depth terms of the FIFO on operand `index` of `consumer` (its `operands` before
    any FIFO was inserted)."""
    value = operands[index]
    count, word = words(value), _stream(value).word.data
    producer = _producer(value)
    assert producer is not None
    out_burst = unit_bursts(producer)[1] * _stream(producer.results[0]).word.data
    burst = -(-out_burst // word) + unit_bursts(consumer)[0]
    rate = burst * (1 - Fraction(count, max(timing.period, count)))
    join = Fraction(0)
    if isinstance(consumer, rpnn.AddStreamsOp) and operands[1 - index] in timing.items:
        other = operands[1 - index]
        mine, theirs = timing.branches[value], timing.branches[other]
        forks = {dup for dup, i in mine for dup2, j in theirs if dup is dup2 and i != j}
        for dup in forks:  # where the two branches split
            lag = join_lag(timing.needs[other][timing.forks[dup]], timing.items[timing.forks[dup]])
            join = max(join, lag * count)
    return FifoDepth(rate, join)


def insert_fifos(block: Block, min_depth: int, scale: Fraction, depth: int,
                 ram_style: str) -> None:
    timing = _timing(block)
    for op in list(block.ops):
        if not isinstance(op, UNITS):
            continue
        operands = list(op.operands)
        for index, operand in enumerate(operands):
            if not _is_stream(operand) or operand not in timing.items \
                    or _producer(operand) is None:
                continue
            if depth:
                size = depth
            else:
                terms = fifo_depth_terms(op, operands, index, timing)
                size = max(min_depth, _ceil(terms.join) + _ceil(terms.rate * scale))
            fifo = rpnn.FIFOOp(operands=[operand], result_types=[operand.type],
                               properties={"depth": rpnn._i64(size),
                                           "ram_style": StringAttr(ram_style)})
            block.insert_op_before(fifo, op)
            op.operands[index] = fifo.output


def _blocks(module: ModuleOp) -> list[Block]:
    blocks = []
    for op in module.walk():
        if isinstance(op, func.FuncOp | rpnn.PartitionOp) and op.regions[0].blocks:
            blocks.append(op.regions[0].blocks.first)
    return blocks


@dataclass(frozen=True)
class InsertFifosPass(ModulePass):
    """Width converters and FIFOs between dataflow units (docs/passes.md)."""

    name = "rpnn-insert-fifos"

    min_depth: int = 2
    """Smallest FIFO depth (words)."""

    scale: float | int = 1
    """Factor on the rate-mismatch term of each depth (the join term is never scaled: the
    branches of a residual would deadlock without it)."""

    depth: int = 0
    """If positive, every FIFO gets this depth instead of the computed one (may deadlock
    residual joins)."""

    ram: str = "auto"
    """`ram_style` of the FIFOs."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if self.min_depth < 1:
            raise PassFailedException(f"min-depth ({self.min_depth}) must be at least 1")
        if self.scale < 0:
            raise PassFailedException(f"scale ({self.scale}) must not be negative")
        if self.depth < 0:
            raise PassFailedException(f"depth ({self.depth}) must not be negative")
        if self.ram not in rpnn.RAM_STYLES:
            raise PassFailedException(f"ram '{self.ram}' must be one of "
                                      f"{', '.join(rpnn.RAM_STYLES)}")
        blocks = _blocks(op)
        for block in blocks:
            strip(block)
        for block in blocks:
            insert_duplicates(block)
            set_words(block)
        for block in blocks:
            insert_fifos(block, self.min_depth, Fraction(self.scale), self.depth, self.ram)
