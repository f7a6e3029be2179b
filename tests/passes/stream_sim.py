"""A cycle-level simulation of a dataflow block's streams, to check FIFO depths dynamically.

Every stream edge is a bounded queue of words: an `rpnn.fifo` holds `depth` words, any other
edge (a dwc's, a port's) 2 (an II = 1 handshake).  Each cycle every node moves at most one
word per port, producers before consumers.  As in the pass's model (docs/passes.md: II = 1
units, nothing about latency), nothing adds latency: a word written in a cycle can be read
in that cycle, and a unit or a dwc can pass on in a cycle what it read in it.

- a host input port writes one word per cycle, frame after frame; an output port reads one;
- an `rpnn.dwc` of w_in -> w_out elements reads a word when it holds less than w_out
  elements, writes one when it holds w_out;
- a unit (mvtu, depthwise, thresholding, swg, pad, stream_maxpool, add_streams,
  label_select, duplicate) follows the pass's own cycle model (docs/passes.md,
  "rpnn-insert-fifos"): output word j of a frame needs the input words given by the unit's
  need function (`unit_need`, in words), is written no earlier than j P_u / W_out cycles
  after the frame started (P_u = `unit_cycles`: the unit never beats its own period), and a
  frame starts no earlier than P_u cycles after the previous one.  A unit has no latency of
  its own: a word read in a cycle can let it write in that cycle.  A unit
  reads only what its next output needs (it holds nothing more; its reader may run into the
  next frame only as far as that frame's first output needs).  add_streams reads both
  operands in the same cycle, a duplicate writes every copy in the same cycle.

`simulate` runs a number of frames and returns the cycle at which each frame left every
output port, or raises `Deadlock` when no word moves for longer than any unit's period.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from xdsl.dialects import func
from xdsl.ir import Block, SSAValue

from rpnn_ir.dialects import rpnn
from rpnn_ir.passes.insert_fifos import UNITS, unit_cycles, unit_need, words

EDGE_DEPTH = 2
"""Words an edge without an `rpnn.fifo` holds (an II = 1 handshake)."""


class Deadlock(Exception):
    """No word moved for longer than the slowest unit's period."""


@dataclass
class Queue:
    """One stream edge: `held` words now, at most `capacity`."""

    capacity: int
    held: int = 0
    taken: int = 0  # read this cycle
    given: int = 0  # written this cycle

    def readable(self) -> bool:
        """A word to read, counting one written this cycle (producers step first)."""
        return self.held + self.given - self.taken > 0

    def writable(self) -> bool:
        return self.held + self.given - self.taken < self.capacity

    def settle(self) -> bool:
        """Apply this cycle's moves; whether anything moved."""
        moved = bool(self.taken or self.given)
        self.held += self.given - self.taken
        self.taken = self.given = 0
        return moved


@dataclass
class Source:
    out: Queue
    words: int
    frames: int
    sent: int = 0

    def step(self, cycle: int) -> None:
        if self.sent < self.words * self.frames and self.out.writable():
            self.out.given += 1
            self.sent += 1


@dataclass
class Sink:
    inp: Queue
    words: int
    got: int = 0
    done: list[int] = field(default_factory=list)  # the cycle each frame was complete

    def step(self, cycle: int) -> None:
        if self.inp.readable():
            self.inp.taken += 1
            self.got += 1
            if self.got % self.words == 0:
                self.done.append(cycle)


@dataclass
class Dwc:
    inp: Queue
    out: Queue
    w_in: int
    w_out: int
    buffered: int = 0

    def step(self, cycle: int) -> None:
        if self.buffered < self.w_out and self.inp.readable():
            self.inp.taken += 1
            self.buffered += self.w_in
        if self.buffered >= self.w_out and self.out.writable():
            self.out.given += 1
            self.buffered -= self.w_out


@dataclass
class Unit:
    """A unit of the cycle model (module doc); `need[j]`: input words before output word j."""

    ins: list[Queue]
    outs: list[Queue]
    n_in: int
    need: np.ndarray
    period: int
    read_frame: int = 0
    read: int = 0  # words of read_frame read
    write_frame: int = 0
    written: int = 0  # words of write_frame written
    starts: dict[int, int] = field(default_factory=dict)  # the cycle each frame started

    def _start(self, frame: int, cycle: int) -> int:
        """A frame starts with its first read or write, a period after the previous one."""
        if frame not in self.starts:
            before = self.starts.get(frame - 1)
            self.starts[frame] = cycle if before is None else max(cycle, before + self.period)
        return self.starts[frame]

    def step(self, cycle: int) -> None:
        n_out = len(self.need)
        # the reader: what the output after the next one needs (it reads on while it writes);
        # at most one frame ahead, and there only what that frame's first output needs
        if self.read_frame == self.write_frame:
            after = min(self.written + 1, n_out - 1)
            last = self.written >= n_out or self.need[after] == self.need[-1]
            limit = self.n_in if last else int(self.need[after])  # trailing words: freely
        elif self.read_frame == self.write_frame + 1:
            limit = int(self.need[0])
        else:
            limit = 0
        if self.read < limit and all(q.readable() for q in self.ins):
            self._start(self.read_frame, cycle)
            for q in self.ins:
                q.taken += 1
            self.read += 1
            if self.read == self.n_in:
                self.read_frame += 1
                self.read = 0
        # the writer: a word read this cycle counts (no latency inside a unit)
        have = self.n_in if self.read_frame > self.write_frame else self.read
        if self.written < n_out and have >= self.need[self.written]:
            start = self._start(self.write_frame, cycle)
            due = start + self.written * self.period // n_out
            if cycle >= due and all(q.writable() for q in self.outs):
                for q in self.outs:
                    q.given += 1
                self.written += 1
        if self.written == n_out and self.read_frame > self.write_frame:
            self.starts.pop(self.write_frame - 1, None)
            self.write_frame += 1
            self.written = 0


def _word_need(op) -> tuple[int, np.ndarray]:
    """(input words per frame, input words needed before each output word)."""
    n_items, need = unit_need(op)
    in_words = words(op.operands[0])
    out_words = words(op.results[0])
    per_in = in_words // n_items
    per_out = out_words // len(need)
    return in_words, np.repeat(need * per_in, per_out)


@dataclass
class Simulation:
    nodes: list
    queues: list[Queue]
    sinks: list[Sink]
    period: int  # the slowest unit's cycles, or the busiest edge's words per frame

    def run(self, frames: int) -> list[list[int]]:
        """Run until every sink has `frames` frames; per sink, the cycle of each frame."""
        idle, cycle = 0, 0
        while any(len(s.done) < frames for s in self.sinks):
            for node in self.nodes:  # producers first (the block is in order)
                node.step(cycle)
            moved = [q.settle() for q in self.queues]
            idle = 0 if any(moved) else idle + 1
            if idle > self.period + 16:
                raise Deadlock(f"no word moved for {idle} cycles at cycle {cycle}; "
                               f"queues {[(q.held, q.capacity) for q in self.queues]}")
            cycle += 1
        return [s.done[:frames] for s in self.sinks]


def build(block: Block, frames: int, depth_override: dict | None = None) -> Simulation:
    """The simulation of a function body after rpnn-insert-fifos (`frames` input frames).

    `depth_override` maps an `rpnn.fifo` op to another depth (to probe the sizing)."""
    queues: dict[SSAValue, Queue] = {}
    nodes: list = []
    sinks: list[Sink] = []
    period = 1

    def queue(value: SSAValue) -> Queue:
        if value not in queues:
            users = [use.operation for use in value.uses]
            capacity = EDGE_DEPTH
            if len(users) == 1 and isinstance(users[0], rpnn.FIFOOp):
                fifo = users[0]
                capacity = (depth_override or {}).get(fifo, fifo.depth.value.data)
            queues[value] = Queue(capacity)
        return queues[value]

    for op in block.ops:
        if isinstance(op, rpnn.TensorToStreamOp):
            nodes.append(Source(queue(op.output), words(op.output), frames))
        elif isinstance(op, rpnn.StreamToTensorOp):
            sink = Sink(queue(op.input), words(op.input))
            sinks.append(sink)
            nodes.append(sink)
        elif isinstance(op, rpnn.FIFOOp):
            queues[op.output] = queue(op.input)
        elif isinstance(op, rpnn.DWCOp):
            nodes.append(Dwc(queue(op.input), queue(op.output), op.input.type.word.data,
                             op.output.type.word.data))
        elif isinstance(op, UNITS):
            n_in, need = _word_need(op)
            cycles = unit_cycles(op)
            period = max(period, cycles)
            nodes.append(Unit([queue(v) for v in op.operands
                               if isinstance(v.type, rpnn.StreamType)],
                              [queue(v) for v in op.results], n_in, need, cycles))
        elif not isinstance(op, rpnn.ConstantOp | func.ReturnOp):
            raise ValueError(f"{op.name} is not simulated")
    for value in list(queues):
        period = max(period, words(value))
        if not value.uses:  # a stream nobody reads: drained (not an output)
            nodes.append(Sink(queues[value], words(value)))
    unique = list({id(q): q for q in queues.values()}.values())
    return Simulation(nodes, unique, sinks, period)
