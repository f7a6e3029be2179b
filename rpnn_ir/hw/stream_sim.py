"""Word-level simulation of a dataflow design's streams: throughput and latency with the
FIFOs that are really there (docs/cost-model.md, "Stream simulation").

`rpnn-cost`'s bottleneck figure assumes every FIFO is deep enough; a shallow one makes its
producer stall while its consumer is busy elsewhere (BNN-PYNQ's LFC runs at 841 cycles per
frame, not its slowest layer's 512, with 16/8/16-word FIFOs).  This module computes, word by
word, the clock edge at which every word of every stream is written and taken, from the
handshake rules of the units as rpnn's backends build them (the Verilog units of
``rpnn_ir/backends/rtl/rpnn_rtl.v``; the HLS templates follow the same per-unit loops):

- a unit *issues* one slot of its loop per edge at most (II = 1); a slot that reads a word
  waits until the word is valid (written at an earlier edge); a slot that writes a word sets
  the unit's output register `latency` edges after it issued;
- the output register holds one word: a word is set no earlier than the edge at which the
  consumer takes the previous one;
- a unit whose whole pipeline stalls while its output register is full (`lockstep`: the
  MVTU, the window units, padding) cannot issue past `latency` slots beyond a word that is
  still waiting;
- a FIFO of depth D holds D - 1 words in memory plus its output register;
- the host ports offer input words back to back and take output words at once (the Verilator
  harness without gaps or back-pressure).

Each unit is a generator over its slots that waits only on words of lower index, so the
whole design is computed in one pass of a small cooperative scheduler; only slots that read,
write or may stall are visited: CNV takes 2-6 seconds per frame, LFC milliseconds.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field

from rpnn_ir.dialects import rpnn
from rpnn_ir.hw.dataflow_model import DataflowGraph, Unit

Wait = tuple["Times", int]
Process = Generator[Wait, None, None]

MVTU_LATENCY = 2
"""Edges from an MVTU slot's issue to its output register: the accumulation stage, then
the activation stage (rpnn_rtl.v, rpnn_mvu)."""


class StreamSimError(Exception):
    """The design cannot be simulated (an unknown unit or a deadlock)."""


class Times(list):
    """Edges of successive events (words written or taken); processes wait on an index."""

    def __init__(self) -> None:
        super().__init__()
        self.waiters: list[tuple[int, Process]] = []

    def put(self, edge: int, ready: deque[Process]) -> None:
        self.append(edge)
        if self.waiters:
            keep = []
            for index, proc in self.waiters:
                (ready.append(proc) if index < len(self) else keep.append((index, proc)))
            self.waiters = keep


def need(times: Times, index: int) -> Generator[Wait, None, int]:
    """The edge of event `index` of `times`, waiting for it if it is not known yet."""
    while len(times) <= index:
        yield times, index
    return times[index]


@dataclass(eq=False)
class Channel:
    """One producer-to-consumer connection: `written[k]` is the edge at which word k is set
    in the producer's output register (the consumer may take it from the next edge),
    `taken[k]` the edge at which the consumer takes it."""

    written: Times = field(default_factory=Times)
    taken: Times = field(default_factory=Times)


@dataclass
class SimResult:
    """Edges of the first input word taken and of each frame's last output word taken."""

    first_in: int
    frame_done: list[int]

    @property
    def latency(self) -> int:
        """Cycles from the first input word to the first frame's last output word."""
        return self.frame_done[0] - self.first_in

    @property
    def cycles_per_frame(self) -> float:
        """Steady state: mean interval between frame completions over the second half (the
        same statistic as `rpnn_ir.backends.rtl_sim.DesignResult.cycles_per_frame`)."""
        done = self.frame_done
        if len(done) < 2:
            return float(done[0] - self.first_in)
        h = len(done) // 2 if len(done) > 2 else 0
        return (done[-1] - done[h]) / (len(done) - 1 - h)


# --------------------------------------------------------------------------- slot programs


@dataclass(frozen=True)
class Slot:
    """A slot of a unit's loop that matters to timing: it reads a word, writes one, or is
    the first slot after a `lockstep` unit's pipeline may have stalled."""

    index: int
    read: bool = False
    write: bool = False
    frame_start: bool = False


def slot_unit(sim: _Sim, slots: Iterator[Slot], src: Channel | None, dst: Channel,
              latency: int, lockstep: bool, first_read_valid: bool = False) -> Process:
    """A unit running its slots at II = 1 (see the module docstring for the rules).

    `first_read_valid`: the frame's first slot waits for the frame's first input word to be
    valid even when it does not read it (rpnn_pad starts a frame only once its input does).
    """
    edge, last = -1, -1
    k_in = k_out = 0
    checks: deque[tuple[int, int, int]] = deque()  # (slot, output word, its edge)
    for slot in slots:
        while checks and checks[0][0] <= slot.index:
            at, word, written = checks.popleft()
            t = edge + (at - last)
            if t > written:
                t = max(t, (yield from need(dst.taken, word)))
            edge, last = t - 1, at - 1  # slot `at` may issue at t, no earlier
        t = edge + (slot.index - last)
        if slot.read or slot.frame_start and first_read_valid:
            t = max(t, (yield from need(src.written, k_in)) + 1)
        if slot.write and k_out > 0:
            t = max(t, (yield from need(dst.taken, k_out - 1)) - latency)
        if slot.read:
            src.taken.put(t, sim.ready)
            k_in += 1
        if slot.write:
            dst.written.put(t + latency, sim.ready)
            if lockstep:
                checks.append((slot.index + latency + 1, k_out, t + latency))
            k_out += 1
        edge, last = t, slot.index


def mvtu_slots(frames: int, npix: int, sf: int, nf: int) -> Iterator[Slot]:
    """rpnn_mvu (MVTU): per vector NF*SF tiles, sf innermost; the input words are read in
    the first neuron fold, an output word is written at each fold's last tile."""
    s = 0
    for _ in range(frames * npix):
        for nf_i in range(nf):
            for sf_i in range(sf):
                read, write = nf_i == 0, sf_i == sf - 1
                if read or write:
                    yield Slot(s, read=read, write=write)
                s += 1


def depthwise_slots(frames: int, npix: int, cf: int, tf: int) -> Iterator[Slot]:
    """rpnn_mvu (depthwise): per pixel TF*CF tiles, cf innermost, one input word each; the
    CF output words are written in the last tap fold."""
    s = 0
    for _ in range(frames * npix):
        for tf_i in range(tf):
            for _ in range(cf):
                yield Slot(s, read=True, write=tf_i == tf - 1)
                s += 1


def stream_slots(frames: int, words: int) -> Iterator[Slot]:
    """One word read and one written per slot (thresholding)."""
    for s in range(frames * words):
        yield Slot(s, read=True, write=True)


def pad_slots(frames: int, h: int, w: int, cw: int,
              padding: tuple[int, int, int, int]) -> Iterator[Slot]:
    """rpnn_pad: one output word per slot; interior words read one input word."""
    top, left, bottom, right = padding
    oh, ow = h + top + bottom, w + left + right
    s = 0
    for _ in range(frames):
        for y in range(oh):
            for x in range(ow):
                inside = top <= y < top + h and left <= x < left + w
                for c in range(cw):
                    yield Slot(s, read=inside, write=True, frame_start=s % (oh * ow * cw) == 0
                               and c == 0)
                    s += 1


def dwc_down_slots(frames: int, in_words: int, ratio: int) -> Iterator[Slot]:
    """rpnn_dwc, IW = R*OW: part 0 of a word loads it; each part is written one edge after
    its slot."""
    s = 0
    for _ in range(frames * in_words):
        for r in range(ratio):
            yield Slot(s, read=r == 0, write=True)
            s += 1


def dwc_up_slots(frames: int, out_words: int, ratio: int) -> Iterator[Slot]:
    """rpnn_dwc, OW = R*IW: one input word per slot; the last of R writes the output."""
    s = 0
    for _ in range(frames * out_words):
        for r in range(ratio):
            yield Slot(s, read=True, write=r == ratio - 1)
            s += 1


# --------------------------------------------------------------------------- other units


def fifo_unit(sim: _Sim, frames_words: int, depth: int, src: Channel, dst: Channel) -> Process:
    """rpnn_fifo: DEPTH - 1 words of memory and an output register (depth 1: the register
    alone).  A push waits for a free memory word (the pop of word k - (D - 1), which may be
    in the same edge); a pop waits for the word pushed at an earlier edge and for the output
    register to be free (the previous word taken, possibly in the same edge)."""
    mem = depth - 1
    push = -1
    for k in range(frames_words):
        p = max(push + 1, (yield from need(src.written, k)) + 1)
        if depth == 1:
            if k > 0:
                p = max(p, (yield from need(dst.taken, k - 1)))
            src.taken.put(p, sim.ready)
            dst.written.put(p, sim.ready)
        else:
            if k >= mem:
                p = max(p, dst.written[k - mem])
            src.taken.put(p, sim.ready)
            pop = p + 1
            if k > 0:
                pop = max(pop, dst.written[k - 1] + 1, (yield from need(dst.taken, k - 1)))
            dst.written.put(pop, sim.ready)
        push = p


def broadcast_unit(sim: _Sim, words: int, src: Channel, dsts: list[Channel]) -> Process:
    """rpnn_broadcast: takes a word when every consumer's copy of the previous one is taken
    (possibly in the same edge) and sets all copies in that edge."""
    edge = -1
    for k in range(words):
        t = max(edge + 1, (yield from need(src.written, k)) + 1)
        if k > 0:
            for d in dsts:
                t = max(t, (yield from need(d.taken, k - 1)))
        src.taken.put(t, sim.ready)
        for d in dsts:
            d.written.put(t, sim.ready)
        edge = t


def add_unit(sim: _Sim, words: int, a: Channel, b: Channel, dst: Channel) -> Process:
    """rpnn_add_streams: fires when both words are valid and the output register is free."""
    edge = -1
    for k in range(words):
        t = max(edge + 1, (yield from need(a.written, k)) + 1,
                (yield from need(b.written, k)) + 1)
        if k > 0:
            t = max(t, (yield from need(dst.taken, k - 1)))
        a.taken.put(t, sim.ready)
        b.taken.put(t, sim.ready)
        dst.written.put(t, sim.ready)
        edge = t


def label_select_unit(sim: _Sim, frames: int, reads: int, writes: int, src: Channel,
                      dst: Channel) -> Process:
    """rpnn_label_select: reads the frame's words (never stalled), then writes its output
    words; the next frame is read from two edges after the last write (its reset)."""
    edge = -1
    k_in = k_out = 0
    for _ in range(frames):
        for _ in range(reads):
            t = max(edge + 1, (yield from need(src.written, k_in)) + 1)
            src.taken.put(t, sim.ready)
            k_in += 1
            edge = t
        for _ in range(writes):
            t = edge + 1
            if k_out > 0:
                t = max(t, (yield from need(dst.taken, k_out - 1)))
            dst.written.put(t, sim.ready)
            k_out += 1
            edge = t
        edge += 1  # the reset edge


def window_units(sim: _Sim, frames: int, shape: tuple[int, int, int], kernel: tuple[int, int],
                 stride: tuple[int, int], pool: bool, src: Channel, dst: Channel
                 ) -> list[Process]:
    """rpnn_window (sliding window, max pool): a writer filling a ring of R = min(KH + SH, H)
    rows, frame after frame, and a reader emitting the windows (two processes).

    Rows are freed in order: SH at the end of every window row but a frame's last, the
    frame's remaining LAST = H - (OH-1)*SH at the frame's end, one edge after the later of
    the reader's last slot and the frame's last word.  The writer may write (global) input
    row g once g - R + 1 rows are freed; the reader starts window row oh once the rows from
    its first on hold KH rows (the last window row) or max(KH, SH) (the others: it frees
    SH), and a frame's first window row after the previous frame's end."""
    h, w, cw = shape
    kh, kw = kernel
    sh, sw = stride
    oh_n, ow_n = (h - kh) // sh + 1, (w - kw) // sw + 1
    ring = min(kh + sh, h)
    row_done, row_left, frame_end = Times(), Times(), Times()

    def writer() -> Process:
        edge, k = -1, 0
        for f in range(frames):
            for r in range(h):
                freed = f * h + r - ring + 1  # rows the reader must have freed first
                if freed > 0:
                    frame, rows = divmod(freed - 1, h)
                    rows += 1  # of that frame's rows
                    if rows <= (oh_n - 1) * sh:  # freed at the end of a window row
                        oh = (rows + sh - 1) // sh - 1
                        edge = max(edge, (yield from need(row_left, frame * oh_n + oh)))
                    else:  # freed at the frame's end
                        edge = max(edge, (yield from need(frame_end, frame)))
                for _ in range(w * cw):
                    edge = max(edge + 1, (yield from need(src.written, k)) + 1)
                    src.taken.put(edge, sim.ready)
                    k += 1
                row_done.put(edge, sim.ready)

    def reader() -> Process:
        # the reader's slots, with the row and frame conditions as waits between them
        edge, last = -1, -1
        k_out = 0
        checks: deque[tuple[int, int, int]] = deque()
        s = 0
        per_window = kh * kw * cw
        for f in range(frames):
            for oh in range(oh_n):
                rows = kh if oh == oh_n - 1 else max(kh, sh)
                start = yield from need(row_done, f * h + oh * sh + rows - 1)
                if f > 0 and oh == 0:
                    start = max(start, (yield from need(frame_end, f - 1)))
                first = True
                for _ in range(ow_n):
                    for j in range(per_window):
                        write = not pool or j % (kh * kw) == kh * kw - 1
                        if not (write or first):
                            s += 1
                            continue
                        while checks and checks[0][0] <= s:
                            at, word, written = checks.popleft()
                            t = edge + (at - last)
                            if t > written:
                                t = max(t, (yield from need(dst.taken, word)))
                            edge, last = t - 1, at - 1
                        t = edge + (s - last)
                        if first:
                            t = max(t, start + 1)
                            first = False
                        if write:
                            if k_out > 0:
                                t = max(t, (yield from need(dst.taken, k_out - 1)) - 1)
                            dst.written.put(t + 1, sim.ready)
                            checks.append((s + 2, k_out, t + 1))
                            k_out += 1
                        edge, last = t, s
                        s += 1
                # the window row's last slot: `low` moves on after it
                t_last = edge + (s - 1 - last)
                row_left.put(t_last, sim.ready)
            last_row = yield from need(row_done, (f + 1) * h - 1)
            frame_end.put(max(row_left[-1], last_row) + 1, sim.ready)

    return [writer(), reader()]


# --------------------------------------------------------------------------- the design


class _Sim:
    def __init__(self) -> None:
        self.ready: deque[Process] = deque()


def _stream_info(unit: Unit, operand: bool = True, index: int = 0) -> rpnn.StreamType:
    value = unit.op.operands[index] if operand else unit.op.results[index]
    assert isinstance(value.type, rpnn.StreamType)
    return value.type


def _words(s: rpnn.StreamType) -> int:
    return math.prod(s.get_shape()) // s.word.data


def simulate(graph: DataflowGraph, frames: int = 4) -> SimResult:
    """Simulate `frames` frames through the design of `graph` (FIFO depths from its
    ``rpnn.fifo`` ops): the edges of the first input word and of each frame's end."""
    sim = _Sim()
    procs: list[Process] = []
    # the channel each consumer reads: (unit, operand index) -> Channel
    inputs: dict[tuple[int, int], Channel] = {}
    outputs: dict[tuple[int, int], Channel] = {}  # (unit, result index) -> producer side
    for unit in graph.units:
        for r, consumers in enumerate(unit.consumers):
            channel = Channel()
            outputs[(unit.index, r)] = channel
            if len(consumers) == 1:
                (c, j), = consumers
                inputs[(c.index, j)] = channel
            elif not consumers and unit.kind != "sink":  # unread: its ready is tied high
                procs.append(_sink(sim, frames * unit.out_words, channel))
            elif len(consumers) > 1:
                copies = [Channel() for _ in consumers]
                for (c, j), copy in zip(consumers, copies, strict=True):
                    inputs[(c.index, j)] = copy
                value = unit.op.results[r] if unit.kind != "sink" else unit.op.operands[0]
                assert isinstance(value.type, rpnn.StreamType)
                procs.append(broadcast_unit(sim, frames * _words(value.type), channel, copies))
    sources = [u for u in graph.units if u.kind == "source"]
    sinks = [u for u in graph.units if u.kind == "sink"]
    if not sources or not sinks:
        raise StreamSimError("the stream simulation needs an input and an output port")
    for unit in graph.units:
        procs += _unit_processes(sim, unit, frames, inputs.get((unit.index, 0)),
                                 outputs.get((unit.index, 0)), inputs, outputs)
    sim.ready.extend(procs)
    live = set(map(id, procs))
    while sim.ready:
        proc = sim.ready.popleft()
        try:
            times, index = next(proc)
        except StopIteration:
            live.discard(id(proc))
            continue
        if index < len(times):
            sim.ready.append(proc)
        else:
            times.waiters.append((index, proc))
    if live:
        raise StreamSimError(f"deadlock: {len(live)} units wait for words that never come")
    # the harness counts a frame done after the edge that takes the last of its words on
    # every output port, and the first input word at the edge that takes it
    done = []
    for f in range(frames):
        done.append(1 + max(inputs[(u.index, 0)].taken[(f + 1) * _words(_stream_info(u)) - 1]
                            for u in sinks))
    first_in = min(outputs[(u.index, 0)].taken[0] for u in sources)
    return SimResult(first_in, done)


def _unit_processes(sim: _Sim, unit: Unit, frames: int, src: Channel | None,
                    dst: Channel | None, inputs, outputs) -> list[Process]:
    kind, op = unit.kind, unit.op
    if kind == "source":
        return [_source(sim, frames * unit.out_words, dst)]
    if kind == "sink":
        assert src is not None
        return [_sink(sim, frames * unit.out_words, src)]
    assert src is not None
    x = _stream_info(unit)
    if kind in ("mvtu", "depthwise"):
        pe, simd = op.pe.value.data, op.simd.value.data  # type: ignore[attr-defined]
        if kind == "mvtu":
            mw = x.channels
            mh = _stream_info(unit, operand=False).channels
            npix = math.prod(x.get_shape()[:-1])
            slots = mvtu_slots(frames, npix, mw // simd, mh // pe)
        else:
            y = _stream_info(unit, operand=False)
            taps = math.prod(op.weights.type.get_shape()[1:])  # type: ignore[attr-defined]
            npix = math.prod(y.get_shape()[:-1])
            slots = depthwise_slots(frames, npix, y.channels // pe, taps // simd)
        return [slot_unit(sim, slots, src, dst, MVTU_LATENCY, lockstep=True)]
    if kind == "thresholding":
        return [slot_unit(sim, stream_slots(frames, _words(x)), src, dst, 1, lockstep=True)]
    if kind in ("swg", "maxpool"):
        h, w, _ = x.get_shape()
        k = tuple(int(v) for v in op.kernel.get_values())  # type: ignore[attr-defined]
        s = tuple(int(v) for v in op.stride.get_values())  # type: ignore[attr-defined]
        return window_units(sim, frames, (h, w, x.channels // x.word.data), (k[0], k[1]),
                            (s[0], s[1]), kind == "maxpool", src, dst)
    if kind == "pad":
        h, w, _ = x.get_shape()
        p = tuple(int(v) for v in op.padding.get_values())  # type: ignore[attr-defined]
        slots = pad_slots(frames, h, w, x.channels // x.word.data, (p[0], p[1], p[2], p[3]))
        return [slot_unit(sim, slots, src, dst, 0, lockstep=True, first_read_valid=True)]
    if kind == "dwc":
        y = _stream_info(unit, operand=False)
        return _dwc(sim, frames, x, y, src, dst)
    if kind == "fifo":
        return [fifo_unit(sim, frames * _words(x), op.depth.value.data, src, dst)]  # type: ignore
    if kind == "duplicate":
        copies = [outputs[(unit.index, r)] for r in range(len(op.results))]
        return [broadcast_unit(sim, frames * _words(x), src, copies)]
    if kind == "add":
        b = inputs[(unit.index, 1)]
        return [add_unit(sim, frames * _words(x), src, b, dst)]
    if kind == "label_select":
        y = _stream_info(unit, operand=False)
        return [label_select_unit(sim, frames, _words(x), _words(y), src, dst)]
    raise StreamSimError(f"{unit.name}: no stream model for '{kind}' units")


def _dwc(sim: _Sim, frames: int, x: rpnn.StreamType, y: rpnn.StreamType, src: Channel,
         dst: Channel) -> list[Process]:
    """rpnn_dwc: wires for equal words, one converter when one word divides the other, two
    through gcd(in, out) otherwise (as rpnn-rtl builds them)."""
    iw, ow = x.word.data, y.word.data
    elements = math.prod(x.get_shape())
    if iw == ow:
        return [_wires(sim, frames * elements // iw, src, dst)]
    if iw % ow == 0 or ow % iw == 0:
        return [_one_dwc(sim, frames, elements, iw, ow, src, dst)]
    g = math.gcd(iw, ow)
    mid = Channel()
    return [_one_dwc(sim, frames, elements, iw, g, src, mid),
            _one_dwc(sim, frames, elements, g, ow, mid, dst)]


def _one_dwc(sim: _Sim, frames: int, elements: int, iw: int, ow: int, src: Channel,
             dst: Channel) -> Process:
    if iw > ow:
        return slot_unit(sim, dwc_down_slots(frames, elements // iw, iw // ow), src, dst, 1,
                         lockstep=False)
    return slot_unit(sim, dwc_up_slots(frames, elements // ow, ow // iw), src, dst, 0,
                     lockstep=False)


def _wires(sim: _Sim, words: int, src: Channel, dst: Channel) -> Process:
    """A reshape: the consumer sees the producer's word and ready directly."""
    for k in range(words):
        dst.written.put((yield from need(src.written, k)), sim.ready)
        src.taken.put((yield from need(dst.taken, k)), sim.ready)


def _source(sim: _Sim, words: int, dst: Channel) -> Process:
    """The input port: word k is offered from the edge after word k - 1 was taken."""
    dst.written.put(-1, sim.ready)
    for k in range(1, words):
        dst.written.put((yield from need(dst.taken, k - 1)), sim.ready)


def _sink(sim: _Sim, words: int, src: Channel) -> Process:
    """The output port: always ready."""
    for k in range(words):
        src.taken.put((yield from need(src.written, k)) + 1, sim.ready)
