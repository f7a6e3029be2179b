"""`-t rpnn-hls`: a Vitis HLS project for the FPGA part of a dataflow-level module.

With `out-dir` the target writes a project directory (docs/backends.md):

    <top>.cpp          top function: #pragma HLS DATAFLOW, AXI-stream ports, one call per unit
    <top>.hpp          its declaration and port widths (RPNN_IN0_BITS, RPNN_IN0_WORDS, ...)
    <top>_params.hpp   weights and thresholds packed into ap_uint<> words per PE
    rpnn_hls.hpp       the project's unit templates (MVTU, SWG, thresholding, ...)
    csim/hls_stream.h  a minimal hls::stream for C simulation with g++ (Vitis uses its own)
    tb.cpp             C-simulation testbench: feeds golden/in*.dat, checks golden/out*.dat
    golden/            input and expected output words from the reference interpreter
    run_hls.tcl        csim_design -O, csynth_design, cosim_design, export_design -flow syn
    README.md          what each file is, the commands, what to expect

Without `out-dir` only `<top>.cpp` goes to the output stream (for FileCheck tests).

Options: `out-dir`, `function`, `top` (C identifier, default rpnn_top), `part` (default:
the device recorded in the IR by rpnn-fold/rpnn-pipeline, module attribute rpnn.device, else
xc7z020clg400-1; a short name such as xczu7ev or a full part; one other than the recorded
device is refused), `devices-file` (more parts), `clock-ns` (default: the recorded clock,
else the part's default clock), `control` (`none`:
ap_ctrl_none, or `axilite`: s_axilite on return), `tb-frames` (golden frames, default 4),
`seed` (golden inputs).

The part also says where memories may go: constant weights in UltraRAM only on a part whose
bitstream initialises it (`Device.uram_for_constants`), FIFOs in UltraRAM only on a part
that has some; for a part rpnn does not know, its family (`family_of_part`) decides.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import IO

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Attribute
from xdsl.utils.target import Target

from rpnn_ir import dtypes, interp
from rpnn_ir.backends.c_reference import write_project
from rpnn_ir.backends.dataflow import (
    BackendError,
    Graph,
    Node,
    PartitionInfo,
    bits_of,
    extract,
    is_signed,
    pack_words,
    partition_module,
    random_inputs,
    region_module,
    sanitize_hint,
)
from rpnn_ir.dialects import rpnn
from rpnn_ir.hw import cost, rom_layout
from rpnn_ir.hw.dataflow_model import DataflowGraph, evaluate
from rpnn_ir.hw.devices import (
    Device,
    DeviceError,
    family_of_part,
    find_device,
    load_devices,
    recorded_device,
)
from rpnn_ir.ranges import checked_once

TEMPLATES = "rpnn_hls.hpp"
CSIM_STREAM = "csim/hls_stream.h"
ROM_IMPL = {"lutram": "lutram", "bram": "bram", "uram": "uram"}
"""BIND_STORAGE impl of a constant memory of each model memory kind (`cost.memory_kind`)."""
LINE_BUFFER_MEM = {"lutram": "rpnn::MemLutram", "bram": "rpnn::MemBram", "uram": "rpnn::MemUram"}
"""Template argument binding a unit's line buffer to the model's memory kind."""
DEFAULT_DEPTH = 2
AP_INT_DEFAULT_W = 1024
"""ap_int's default maximum width; above it the project defines AP_INT_MAX_W."""
AP_INT_LIMIT_W = 4096
"""The widest ap_int Vitis HLS supports (UG1399, "Arbitrary Precision Integer Types":
AP_INT_MAX_W may be raised to at most 4096)."""
_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")
_TOP = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


def template_text(name: str) -> str:
    """A file shipped in rpnn_ir/backends/hls/ (package data)."""
    return resources.files("rpnn_ir.backends").joinpath("hls", name).read_text()


@dataclass(frozen=True)
class HlsTarget(Target):
    """Emit a Vitis HLS project (`-t 'rpnn-hls{out-dir="build/hls" part="xcu250-..."}'`)."""

    name = "rpnn-hls"
    out_dir: str | None = None
    """Folder for the project (sources, testbench, run_hls.tcl); none: the top .cpp only."""
    function: str | None = None
    """The function to emit; none: the module's first public function."""
    top: str = "rpnn_top"
    """Name of the top function (a C identifier)."""
    part: str = ""
    """Vivado part (short name or full); empty: the recorded device, else xc7z020."""
    devices_file: str = ""
    """TOML/JSON file with more parts (docs/cost-model.md)."""
    clock_ns: int | float = 0.0
    """Clock period; 0: the recorded clock, else the part's default clock."""
    control: str = "none"
    """`none`: free-running (ap_ctrl_none); `axilite`: s_axilite control on return."""
    tb_frames: int = 4
    """Frames of golden input and output for the testbench."""
    seed: int = 0
    """Seed of the golden inputs (0 to 2^63 - 1)."""

    def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
        with checked_once():  # kernels and golden files read one module
            files = emit_hls(module, self, with_testbench=self.out_dir is not None)
        if self.out_dir is None:
            if f"{self.top}.cpp" in files:
                output.write(files[f"{self.top}.cpp"])
                return
            kernel = re.compile(rf"p\d+_[a-z0-9]+(_slr\d+)?/{self.top}_p\d+\.cpp")
            for path, text in files.items():  # a partitioned design: kernels and links
                if kernel.fullmatch(path) or path.endswith((".cfg", ".json")):
                    output.write(f"// ---- {path}\n{text}")
            return
        output.write(f"// rpnn-hls: {write_project(Path(self.out_dir), files)}\n")


def _check_options(options: HlsTarget) -> None:
    if not _TOP.fullmatch(options.top):
        raise BackendError(f"top '{options.top}' must be a C identifier (letters, digits, _)")
    if options.part and not _PART.fullmatch(options.part):
        raise BackendError(f"part '{options.part}' is not a device part name")
    if options.control not in ("none", "axilite"):
        raise BackendError(f"control '{options.control}' must be none or axilite")
    if not (options.clock_ns >= 0 and math.isfinite(options.clock_ns)):
        raise BackendError(f"clock-ns ({options.clock_ns}) must be positive (or 0: the "
                           "recorded clock)")
    if options.tb_frames < 1:
        raise BackendError(f"tb-frames ({options.tb_frames}) must be at least 1")
    if not 0 <= options.seed < 2**63:
        raise BackendError(f"seed ({options.seed}) must be a non-negative 64-bit integer")


DEFAULT_DEVICE = "xc7z020"
"""The part of a design with no recorded device and no part= option."""


def target_device(module: ModuleOp, part: str, devices_file: str = ""
                  ) -> tuple[str, Device | None, float | None]:
    """The (Vivado part, device, clock in MHz) a target builds for: `part` (a short name or
    full part, `find_device`) when given, else the device recorded in the IR
    (`recorded_device`), else `DEFAULT_DEVICE`.  The device is None for a part rpnn does not
    know, the clock None when nothing says it.  A `part` naming another device than the
    recorded one is refused: the design was folded and costed for that one."""
    try:
        recorded = recorded_device(module)
        devices = load_devices(devices_file or None)
    except DeviceError as e:
        raise BackendError(str(e)) from None
    if not part:
        if recorded is not None:
            return recorded[0].vivado_part, recorded[0], recorded[1]
        device = devices[DEFAULT_DEVICE]
        return device.vivado_part, device, device.clock_mhz
    if recorded is not None:  # its part from a devices-file needs no devices-file again
        devices = {**devices, recorded[0].name: devices.get(recorded[0].name, recorded[0])}
    device = find_device(part, devices)
    if recorded is not None:
        if device is None or device.name != recorded[0].name:
            raise BackendError(
                f"part '{part}' disagrees with the device the design was folded for, "
                f"{recorded[0].name} ({recorded[0].vivado_part}, module attribute "
                f"rpnn.device): drop part= or re-run rpnn-pipeline{{device={part}}}")
        return device.vivado_part, replace(recorded[0], part=device.vivado_part), recorded[1]
    if device is None:
        return part, None, None
    return device.vivado_part, device, device.clock_mhz


def resolve_options(module: ModuleOp, options: HlsTarget) -> tuple[HlsTarget, Device | None]:
    """`options` with the part and clock period filled in (`target_device`), and the
    device (None for a part rpnn does not know)."""
    part, device, clock_mhz = target_device(module, options.part, options.devices_file)
    clock_ns = options.clock_ns or (1000.0 / clock_mhz if clock_mhz else 10.0)
    return replace(options, part=part, clock_ns=round(clock_ns, 6)), device


# --------------------------------------------------------------------------- C++ spelling


def elem_type(element_type: Attribute) -> str:
    if dtypes.is_bipolar(element_type):
        return "rpnn::Bipolar"
    kind = "SInt" if is_signed(element_type) else "UInt"
    return f"rpnn::{kind}<{bits_of(element_type)}>"


def word_literal(value: int, bits: int) -> str:
    """An ap_uint<bits> constant: an integer literal up to 64 bits, a hex string beyond."""
    if bits <= 64:
        return f"0x{value:x}ULL"
    return f'ap_uint<{bits}>("0x{value:x}", 16)'


def _raw(values: np.ndarray, element_type: Attribute) -> np.ndarray:
    """Element bits as Python ints (object array): two's complement, bipolar +1 -> 1."""
    values = np.asarray(values, dtype=np.int64)
    if dtypes.is_bipolar(element_type):
        raw = (values > 0).astype(np.int64)
    else:
        raw = values & ((1 << bits_of(element_type)) - 1)
    return raw.astype(object)


def pack_slots(raw: np.ndarray, bits: int) -> np.ndarray:
    """Pack the last axis (slots) of an object array of element bits into words."""
    if raw.shape[-1] * bits <= 64:  # words fit uint64: pack in numpy, then Python ints
        packed = np.zeros(raw.shape[:-1], dtype=np.uint64)
        for s in range(raw.shape[-1]):
            packed |= raw[..., s].astype(np.uint64) << np.uint64(s * bits)
        return packed.astype(object)
    # wider words: pack 64-bit chunks in numpy, then one Python int per word
    chunks = (raw.shape[-1] * bits + 63) // 64
    packed = np.zeros((*raw.shape[:-1], chunks), dtype=np.uint64)
    values = raw.astype(np.uint64)
    for s in range(raw.shape[-1]):
        chunk, shift = divmod(s * bits, 64)
        packed[..., chunk] |= values[..., s] << np.uint64(shift)
        if shift + bits > 64:  # the slot straddles two chunks
            packed[..., chunk + 1] |= values[..., s] >> np.uint64(64 - shift)
    data = packed.astype("<u8").tobytes()
    size = 8 * chunks
    words = [int.from_bytes(data[i:i + size], "little") for i in range(0, len(data), size)]
    return np.array(words, dtype=object).reshape(raw.shape[:-1])


def _chunk_array(name: str, words: np.ndarray, bits: int) -> str:
    """`static const rpnn::chunk_t name[d0][d1][CHUNKS(bits)]`: each word as 64-bit chunks,
    least significant first (the templates rebuild the word with rpnn::join)."""
    chunks = (bits + 63) // 64

    def literal(chunk: np.ndarray, n: int) -> list[np.ndarray]:
        digits = _hex_digits(chunk.reshape(-1, 1)).reshape(n, chunks, 16)
        columns = [_fixed(b"{", n)]
        for c in range(chunks):
            columns += [_fixed(b"0x", n), digits[:, c], _fixed(b"ULL", n)]
            if c < chunks - 1:
                columns.append(_fixed(b", ", n))
        return [*columns, _fixed(b"}", n)]

    dims = "".join(f"[{d}]" for d in words.shape)
    return (f"static const rpnn::chunk_t {name}{dims}[{chunks}] = {{  // {bits}-bit words\n"
            + _rows_text(words, chunks, literal) + "\n};\n")


def _exact_array(name: str, words: np.ndarray, bits: int) -> str:
    """`static const ap_uint<bits> name[d0][d1]`: the synthesis form of a constant array,
    every word exactly `bits` wide (so a reshaped memory is exactly as wide as the model's)."""
    chunks = (bits + 63) // 64
    head, tail = (b"0x", b"ULL") if bits <= 64 else (f'ap_uint<{bits}>("0x'.encode(),
                                                      b'", 16)')

    def literal(chunk: np.ndarray, n: int) -> list[np.ndarray]:
        return [_fixed(head, n), _hex_digits(chunk), _fixed(tail, n)]

    dims = "".join(f"[{d}]" for d in words.shape)
    return (f"static const ap_uint<{bits}> {name}{dims} = {{\n"
            + _rows_text(words, chunks, literal) + "\n};\n")


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_BLOCK = 1 << 16
"""Words formatted per numpy block (bounds the byte arrays' memory)."""


def _word_chunks(words: list[int], chunks: int) -> np.ndarray:
    """[n][chunks] uint64: each (non-negative) word as 64-bit chunks, least significant
    first."""
    if chunks == 1:
        return np.array(words, dtype=np.uint64).reshape(-1, 1)
    data = b"".join(int(v).to_bytes(8 * chunks, "little") for v in words)
    return np.frombuffer(data, dtype="<u8").reshape(-1, chunks)


def _hex_digits(chunks: np.ndarray) -> np.ndarray:
    """[n][16 * k] ASCII hex digits of the number each row of 64-bit chunks (least
    significant first) spells, as `f"{v:x}"` does: its leading zeros are 0 bytes (dropped
    by `_rows_text`), at least one digit is kept."""
    n, k = chunks.shape
    shifts = np.arange(60, -4, -4, dtype=np.uint64)
    nibbles = ((chunks[:, ::-1, None] >> shifts) & np.uint64(15)).astype(np.uint8)
    nibbles = nibbles.reshape(n, 16 * k)
    significant = np.maximum.accumulate(nibbles != 0, axis=1)
    significant[:, -1] = True
    return np.where(significant, _HEX[nibbles], 0).astype(np.uint8)


def _fixed(text: bytes, n: int) -> np.ndarray:
    """`text` as a byte column repeated for n elements."""
    return np.broadcast_to(np.frombuffer(text, dtype=np.uint8), (n, len(text)))


def _rows_text(words: np.ndarray, chunks: int, literal) -> str:
    """``    {a, b, ...}`` per row of the 2-D `words`, rows joined by ``,\n``, each word
    spelled by `literal(chunk array, n)` (byte columns, 0 bytes dropped): the C++
    initialiser of a constant array, built in numpy."""
    width = words.shape[-1]
    flat = words.ravel().tolist()
    prefixes = np.zeros((2, 5), dtype=np.uint8)
    prefixes[1] = np.frombuffer(b"    {", dtype=np.uint8)
    suffixes = np.zeros((3, 3), dtype=np.uint8)  # ", " / "},\n" / "}" (the last word)
    suffixes[0, :2] = np.frombuffer(b", ", dtype=np.uint8)
    suffixes[1] = np.frombuffer(b"},\n", dtype=np.uint8)
    suffixes[2, 0] = ord("}")
    out = []
    for start in range(0, len(flat), _BLOCK):
        block = _word_chunks(flat[start:start + _BLOCK], chunks)
        index = np.arange(start, start + len(block))
        kind = np.where(index % width == width - 1, 1, 0)
        kind[index == len(flat) - 1] = 2
        columns = [prefixes[(index % width == 0).astype(np.int64)],
                   *literal(block, len(block)), suffixes[kind]]
        text = np.concatenate(columns, axis=1).ravel()
        out.append(text[text != 0].tobytes().decode())
    return "".join(out)


def param_array(name: str, words: np.ndarray, bits: int) -> str:
    """A constant array in both storage forms of rpnn_hls.hpp (`Stored`): exact-width words
    for synthesis (RPNN_EXACT_STORAGE), 64-bit chunks for fast C-simulation builds."""
    return (f"#ifdef RPNN_EXACT_STORAGE\n{_exact_array(name, words, bits)}#else\n"
            f"{_chunk_array(name, words, bits)}#endif\n")


def mvtu_weight_words(w: np.ndarray, w_elt: Attribute, pe: int, simd: int) -> np.ndarray:
    """[MW, MH] -> [PE][NF*SF]: word (p, nf*SF + sf) holds W[sf*SIMD + s, nf*PE + p] at s
    (`rom_layout.mvtu_weight_tiles`)."""
    tiles = rom_layout.mvtu_weight_tiles(w, pe, simd)
    return pack_slots(_raw(tiles, w_elt), bits_of(w_elt)).reshape(pe, -1)


def depthwise_weight_words(w: np.ndarray, w_elt: Attribute, pe: int, simd: int) -> np.ndarray:
    """[C, K2] -> [PE][CF*TF]: word (p, cf*TF + tf) holds W[cf*PE + p, tf*SIMD + s] at s
    (`rom_layout.depthwise_weight_tiles`)."""
    tiles = rom_layout.depthwise_weight_tiles(w, pe, simd)
    return pack_slots(_raw(tiles, w_elt), bits_of(w_elt)).reshape(pe, -1)


def threshold_words(t: np.ndarray, t_elt: Attribute, channels: int, pe: int) -> np.ndarray:
    """[C or 1, T] -> [PE][C/PE]: word (p, nf) holds the sorted thresholds of nf*PE + p
    (`rom_layout.threshold_tiles`)."""
    return pack_slots(_raw(rom_layout.threshold_tiles(t, channels, pe), t_elt), bits_of(t_elt))


# --------------------------------------------------------------------------- the emitter


def _port_bits(bits: int) -> int:
    return (bits + 7) // 8 * 8


def fifo_impl(depth: int, ram_style: str) -> str:
    """BIND_STORAGE impl of a stream channel from the model's memory kind (`cost.fifo_cost`):
    a LUT FIFO is a shift register (srl) when its style is ``auto`` and LUTRAM when it was
    asked for (``distributed``), else bram or uram."""
    kind = cost.memory_kind(ram_style, depth)
    if kind == "lutram":
        return "srl" if ram_style == "auto" else "lutram"
    return kind


class _Emitter:
    def __init__(self, graph: Graph, part: str = "", uram_rom: bool = False,
                 has_uram: bool = True):
        self.graph = graph
        self.part = part
        self.uram_rom = uram_rom  # may constant memories be UltraRAM on this part?
        self.has_uram = has_uram  # does the part have UltraRAM at all?
        self.params: list[str] = []
        self.pragmas: list[str] = []  # array pragmas at the top of the top function
        self.calls: list[str] = []
        self.channels: dict[str, tuple[int, int, str]] = {}  # name -> bits, depth, ram style
        self.base: dict[int, str] = {}  # stream id -> channel that carries it
        self.readers: dict[int, list[str]] = {}  # stream id -> channels of its consumers
        self.read_count: dict[int, int] = {}
        self.consumers: dict[int, int] = {i: graph.uses(i) for i in range(len(graph.streams))}
        self.unit = ""  # label of the unit being emitted (error messages, word widths)
        self.widths: list[tuple[int, str]] = []  # (bits, where) of every ap_uint word

    def word(self, bits: int, what: str) -> None:
        """Record an ap_uint word the design declares (for AP_INT_MAX_W)."""
        self.widths.append((bits, f"{self.unit or 'the top function'}: {what}"))

    def channel(self, name: str, bits: int, depth: int = DEFAULT_DEPTH,
                ram: str = "auto") -> str:
        self.channels[name] = (bits, depth, ram)
        self.word(bits, f"stream {name}")
        return name

    def call(self, label: str, text: str) -> None:
        """A process call of the dataflow region, labelled for the C-simulation counts."""
        self.calls.append(f'    RPNN_UNIT("{label}")')
        self.calls.append(text)

    def produce(self, stream_id: int) -> str:
        """The channel a unit writes `stream_id` into (fanned out to its consumers)."""
        name = self.channel(f"s{stream_id}", self.graph.streams[stream_id].word_bits)
        self.base[stream_id] = name
        return name

    def fan_out(self, stream_id: int) -> None:
        """After the producer's call: duplicate the channel once per extra consumer."""
        count = self.consumers[stream_id]
        source = self.base[stream_id]
        if count == 0:  # nobody reads it: drain it, or its producer would stall
            stream = self.graph.streams[stream_id]
            self.call(f"s{stream_id}_sink",
                      f"    rpnn::sink<{stream.words}, {stream.word_bits}>({source});")
            self.readers[stream_id] = []
            return
        if count <= 1:
            self.readers[stream_id] = [source]
            return
        stream = self.graph.streams[stream_id]
        bits = stream.word_bits
        readers = []
        for j in range(count - 1):
            first = self.channel(f"s{stream_id}_c{j}", bits)
            rest = (self.channel(f"s{stream_id}_c{count - 1}", bits) if j == count - 2
                    else self.channel(f"s{stream_id}_r{j}", bits))
            self.call(f"s{stream_id}_fanout{j}", f"    rpnn::duplicate<{stream.words}, {bits}>"
                      f"({source}, {first}, {rest});")
            readers.append(first)
            source = rest
        readers.append(source)
        self.readers[stream_id] = readers

    def read(self, stream_id: int) -> str:
        """The next consumer's channel of `stream_id`."""
        k = self.read_count.get(stream_id, 0)
        self.read_count[stream_id] = k + 1
        return self.readers[stream_id][k]

    # ---- units ---------------------------------------------------------------------

    def emit(self, node: Node) -> None:
        self.unit = node.name
        getattr(self, f"unit_{node.kind}")(node)
        self.unit = ""

    def unit_call(self, text: str, part: int = 0) -> None:
        """A call of the current unit (`part` numbers the processes of a unit made of
        several: each runs concurrently, so each is compared with the unit's cycles)."""
        self.call(self.unit if part == 0 else f"{self.unit}.{part}", text)

    def _single_consumer_alias(self, node: Node) -> bool:
        """fifo / same-word dwc: reuse the input channel when this unit is its only reader."""
        src = node.inputs[0]
        if self.consumers[src] != 1:
            return False
        name = self.read(src)
        self.base[node.outputs[0]] = name
        self.fan_out(node.outputs[0])
        return True

    def unit_fifo(self, node: Node) -> None:
        op = node.op
        assert isinstance(op, rpnn.FIFOOp)
        depth = op.depth.value.data
        ram = op.ram_style.data
        src = node.inputs[0]
        stream = self.graph.streams[src]
        if self.consumers[src] == 1:
            name = self.readers[src][0]
            bits, old_depth, old_ram = self.channels[name]
            self.channels[name] = (bits, max(old_depth, depth),
                                   ram if ram != "auto" else old_ram)
            self._single_consumer_alias(node)
            return
        source = self.read(src)
        out = self.produce(node.outputs[0])
        self.channels[out] = (stream.word_bits, max(DEFAULT_DEPTH, depth), ram)
        self.unit_call(f"    rpnn::repack<{stream.words}, {stream.word_bits}, "
                       f"{stream.word_bits}>({source}, {out});")
        self.fan_out(node.outputs[0])

    def unit_dwc(self, node: Node) -> None:
        x = self.graph.streams[node.inputs[0]]
        y = self.graph.streams[node.outputs[0]]
        if x.word == y.word and self._single_consumer_alias(node):
            return
        source = self.read(node.inputs[0])
        out = self.produce(node.outputs[0])
        b = x.bits
        if x.word == y.word:
            self.unit_call(f"    rpnn::repack<{x.words}, {x.word_bits}, {x.word_bits}>"
                           f"({source}, {out});")
        else:
            if x.word % y.word != 0 and y.word % x.word != 0:
                self.word((x.word + y.word) * b, "the width converter's buffer")
            self.unit_call(f"    rpnn::dwc<{x.elems}, {x.word}, {y.word}, {b}>({source}, "
                           f"{out});")
        self.fan_out(node.outputs[0])

    def unit_duplicate(self, node: Node) -> None:
        source = self.read(node.inputs[0])
        stream = self.graph.streams[node.inputs[0]]
        outs = node.outputs
        for k, sid in enumerate(outs[:-1]):
            first = self.produce(sid)
            if k == len(outs) - 2:
                rest = self.produce(outs[-1])
            else:
                rest = self.channel(f"s{sid}_d", stream.word_bits)
            self.unit_call(f"    rpnn::duplicate<{stream.words}, {stream.word_bits}>"
                           f"({source}, {first}, {rest});", k)
            source = rest
        for sid in outs:
            self.fan_out(sid)

    def _rom(self, name: str, words: np.ndarray, bits: int, ram_style: str, what: str) -> None:
        """A constant memory: [PE][depth] words reshaped into ONE memory of PE words side by
        side (depth x PE*bits, the memory the model prices), bound to the model's kind."""
        self.params.append(param_array(name, words, bits))
        self.word(bits, what)
        kind = cost.memory_kind(ram_style, words.shape[1])
        if kind == "uram" and not self.uram_rom:
            raise BackendError(
                f"{self.unit}: ram = \"ultra\" would put constant {what} in UltraRAM, which "
                f"the bitstream cannot initialise on part '{self.part}' (only Versal's can; "
                "rpnn_ir/hw/data/devices.toml): use ram = \"block\" or \"auto\"")
        self.pragmas.append(f"#pragma HLS ARRAY_RESHAPE variable={name} complete dim=1")
        self.pragmas.append(f"#pragma HLS BIND_STORAGE variable={name} type=rom_2p "
                            f"impl={ROM_IMPL[kind]}")

    def _thresholds(self, node: Node, channels: int, pe: int,
                    ram_style: str = "auto") -> tuple[int, str, str]:
        """(T, TT, array name) of a unit's thresholds (a dummy array without)."""
        name = f"{node.name}_t"
        if node.thresholds is None:
            self.params.append(param_array(name, np.zeros((pe, channels // pe), dtype=object), 1))
            return 0, "rpnn::UInt<1>", name
        op = node.op
        t_elt = op.thresholds.type.element_type  # type: ignore[attr-defined]
        words = threshold_words(node.thresholds, t_elt, channels, pe)
        steps = node.thresholds.shape[1]
        # the model keeps thresholds in BRAM when the weights are in URAM (cost.mvtu_resources)
        self._rom(name, words, steps * bits_of(t_elt),
                  "block" if ram_style == "ultra" else ram_style, "thresholds")
        return steps, elem_type(t_elt), name

    def _compute(self, node: Node, template: str, words: np.ndarray, w_elt: Attribute,
                 lead: list[int], channels: int) -> None:
        op = node.op
        assert isinstance(op, rpnn.MVTUOp | rpnn.DepthwiseOp)
        pe, simd = op.pe.value.data, op.simd.value.data
        w_name = f"{node.name}_w"
        self._rom(w_name, words, simd * bits_of(w_elt), op.ram_style.data, "weights")
        steps, tt, t_name = self._thresholds(node, channels, pe, op.ram_style.data)
        x_elt = self.graph.streams[node.inputs[0]].element_type
        out_elt = self.graph.streams[node.outputs[0]].element_type
        bias = 0 if dtypes.is_bipolar(out_elt) else op.bias_value
        res = "rpnn::ResDsp" if op.resource_type.data == "dsp" else "rpnn::ResLut"
        source = self.read(node.inputs[0])
        out = self.produce(node.outputs[0])
        args = [*lead, simd, pe, elem_type(x_elt), elem_type(w_elt), elem_type(op.acc_type),
                elem_type(out_elt), steps, tt, bias, res]
        self.unit_call(f"    rpnn::{template}<{', '.join(map(str, args))}>({source}, {out}, "
                       f"{w_name}, {t_name});")
        self.fan_out(node.outputs[0])

    def unit_mvtu(self, node: Node) -> None:
        op = node.op
        assert isinstance(op, rpnn.MVTUOp) and node.weights is not None
        mw, mh = node.weights.shape
        x = self.graph.streams[node.inputs[0]]
        w_elt = op.weights.type.element_type
        words = mvtu_weight_words(node.weights, w_elt, op.pe.value.data, op.simd.value.data)
        self._compute(node, "mvtu", words, w_elt, [x.elems // mw, mw, mh], mh)

    def unit_depthwise(self, node: Node) -> None:
        op = node.op
        assert isinstance(op, rpnn.DepthwiseOp) and node.weights is not None
        c, k2 = node.weights.shape
        x = self.graph.streams[node.inputs[0]]
        w_elt = op.weights.type.element_type
        words = depthwise_weight_words(node.weights, w_elt, op.pe.value.data,
                                       op.simd.value.data)
        self._compute(node, "depthwise", words, w_elt, [x.elems // (c * k2), c, k2], c)

    def unit_thresholding(self, node: Node) -> None:
        op = node.op
        assert isinstance(op, rpnn.ThresholdingOp)
        x = self.graph.streams[node.inputs[0]]
        y = self.graph.streams[node.outputs[0]]
        c, pe = x.shape[-1], op.pe.value.data
        steps, tt, t_name = self._thresholds(node, c, pe)
        bias = 0 if dtypes.is_bipolar(y.element_type) else op.bias_value
        source = self.read(node.inputs[0])
        out = self.produce(node.outputs[0])
        args = [x.elems // c, c, pe, elem_type(x.element_type), elem_type(y.element_type),
                steps, tt, bias]
        self.unit_call(f"    rpnn::thresholding<{', '.join(map(str, args))}>({source}, "
                       f"{out}, {t_name});")
        self.fan_out(node.outputs[0])

    def _window(self, node: Node, template: str, extra: list[str]) -> None:
        op = node.op
        assert isinstance(op, rpnn.SWGOp | rpnn.StreamMaxPoolOp)
        x = self.graph.streams[node.inputs[0]]
        h, w, c = x.shape
        kh, kw = rpnn._ints(op.kernel)
        sh, sw = rpnn._ints(op.stride)
        source = self.read(node.inputs[0])
        out = self.produce(node.outputs[0])
        args = [h, w, c // x.word, kh, kw, sh, sw, *extra]
        self.unit_call(f"    rpnn::{template}<{', '.join(map(str, args))}>({source}, {out});")
        self.fan_out(node.outputs[0])

    @staticmethod
    def _buffer(depth: int) -> str:
        """The memory kind template argument of a line buffer `depth` words deep (the model
        prices unit buffers by the ``auto`` rule: `cost.memory_kind`)."""
        return LINE_BUFFER_MEM[cost.memory_kind("auto", depth)]

    def unit_swg(self, node: Node) -> None:
        x = self.graph.streams[node.inputs[0]]
        _, w, c = x.shape
        self._window(node, "swg", [str(x.word_bits), self._buffer(w * c // x.word)])

    def unit_stream_maxpool(self, node: Node) -> None:
        x = self.graph.streams[node.inputs[0]]
        y = self.graph.streams[node.outputs[0]]
        fold = x.shape[-1] // x.word
        self._window(node, "stream_maxpool", [str(x.word), elem_type(x.element_type),
                                              self._buffer(y.shape[1] * fold),
                                              self._buffer(fold)])

    def unit_pad(self, node: Node) -> None:
        op = node.op
        assert isinstance(op, rpnn.PadOp)
        x = self.graph.streams[node.inputs[0]]
        h, w, c = x.shape
        top, left, bottom, right = rpnn._ints(op.padding)
        (fill,) = pack_words(np.full(x.word, op.value.value.data), x.element_type, x.word)
        source = self.read(node.inputs[0])
        out = self.produce(node.outputs[0])
        args = [h, w, c // x.word, top, left, bottom, right, x.word_bits]
        self.unit_call(f"    rpnn::pad<{', '.join(map(str, args))}>({source}, {out}, "
                       f"ap_uint<{x.word_bits}>({word_literal(fill, x.word_bits)}));")
        self.fan_out(node.outputs[0])

    def unit_add_streams(self, node: Node) -> None:
        a, b = (self.graph.streams[i] for i in node.inputs)
        y = self.graph.streams[node.outputs[0]]
        ca, cb = self.read(node.inputs[0]), self.read(node.inputs[1])
        out = self.produce(node.outputs[0])
        args = [y.words, y.word, elem_type(a.element_type), elem_type(b.element_type),
                elem_type(y.element_type)]
        self.unit_call(f"    rpnn::add_streams<{', '.join(map(str, args))}>({ca}, {cb}, "
                       f"{out});")
        self.fan_out(node.outputs[0])

    def unit_label_select(self, node: Node) -> None:
        op = node.op
        assert isinstance(op, rpnn.LabelSelectOp)
        x = self.graph.streams[node.inputs[0]]
        y = self.graph.streams[node.outputs[0]]
        if x.elems >= 1 << 16:
            raise BackendError("rpnn.label_select: more than 65535 labels")
        source = self.read(node.inputs[0])
        out = self.produce(node.outputs[0])
        args = [x.elems, x.word, op.k.value.data, y.word, elem_type(x.element_type),
                elem_type(y.element_type)]
        self.unit_call(f"    rpnn::label_select<{', '.join(map(str, args))}>({source}, "
                       f"{out});")
        self.fan_out(node.outputs[0])


def _ports(graph: Graph) -> tuple[list[tuple[str, int, int]], list[tuple[str, int, int]]]:
    """(name, port bits, words per frame) of the inputs and outputs."""
    ins = [(f"in{k}", _port_bits(graph.streams[i].word_bits), graph.streams[i].words)
           for k, i in enumerate(graph.inputs)]
    outs = [(f"out{k}", _port_bits(graph.streams[i].word_bits), graph.streams[i].words)
            for k, i in enumerate(graph.outputs)]
    return ins, outs


def _top_cpp(graph: Graph, em: _Emitter, options: HlsTarget) -> str:
    ins, outs = _ports(graph)
    params = [f"hls::stream<ap_uint<{bits}> > &{name}" for name, bits, _ in ins + outs]
    lines = [
        "// Generated by rpnn-opt -t rpnn-hls: the FPGA part of a dataflow-level module.",
        f'#include "{options.top}.hpp"',
        f'#include "{options.top}_params.hpp"',
        "",
        f"void {options.top}({', '.join(params)}) {{",
    ]
    for name, _, _ in ins + outs:
        lines.append(f"#pragma HLS INTERFACE axis port={name}")
    if options.control == "none":
        lines.append("#pragma HLS INTERFACE ap_ctrl_none port=return")
    else:
        lines.append("#pragma HLS INTERFACE s_axilite port=return")
    lines.append("#pragma HLS DATAFLOW")
    lines += em.pragmas
    for name, (bits, depth, ram) in em.channels.items():
        if fifo_impl(depth, ram) == "uram" and not em.has_uram:
            raise BackendError(f"stream {name}: ram = \"ultra\" puts its FIFO in UltraRAM, "
                               f"which part '{em.part}' does not have: use ram = \"block\"")
        lines.append(f'    hls::stream<ap_uint<{bits}> > {name}("{name}");')
        lines.append(f"#pragma HLS STREAM variable={name} depth={depth}")
        lines.append(f"#pragma HLS BIND_STORAGE variable={name} type=fifo "
                     f"impl={fifo_impl(depth, ram)}")
    lines += em.calls
    lines.append("}")
    return "\n".join(lines) + "\n"


def ap_int_max_w(em: _Emitter) -> int:
    """The widest ap_uint word of the design; refused above Vitis HLS's limit of 4096 bits
    (one error naming the unit and the fix)."""
    bits, where = max(em.widths, key=lambda item: item[0])
    if bits > AP_INT_LIMIT_W:
        raise BackendError(
            f"{where} is a {bits}-bit word, wider than the {AP_INT_LIMIT_W} bits Vitis HLS "
            "allows an ap_int (AP_INT_MAX_W, UG1399): choose a smaller SIMD or PE for this "
            "unit, or put a width converter (rpnn.dwc) to narrower words in front of it")
    return bits


def _max_width_lines(widest: int) -> str:
    if widest <= AP_INT_DEFAULT_W:
        return (f"// The widest word of this design is {widest} bits: ap_int's default limit "
                f"({AP_INT_DEFAULT_W}) holds it.")
    return (f"// The widest word of this design is {widest} bits, above ap_int's default limit "
            f"of {AP_INT_DEFAULT_W}\n// (Vitis HLS allows up to {AP_INT_LIMIT_W}); this must "
            f"come before the first ap_int.h.\n#ifndef AP_INT_MAX_W\n#define AP_INT_MAX_W "
            f"{widest}\n#endif")


def _top_hpp(graph: Graph, options: HlsTarget, widest: int) -> str:
    ins, outs = _ports(graph)
    guard = f"{options.top.upper()}_HPP"
    defs = []
    for prefix, ports, ids in (("IN", ins, graph.inputs), ("OUT", outs, graph.outputs)):
        for k, ((_, bits, words), sid) in enumerate(zip(ports, ids, strict=True)):
            s = graph.streams[sid]
            defs.append(f"// {prefix.lower()}{k}: {'x'.join(map(str, s.shape))} "
                        f"{dtypes.type_str(s.element_type)}, {s.word} elements per word")
            defs.append(f"#define RPNN_{prefix}{k}_BITS {bits}")
            defs.append(f"#define RPNN_{prefix}{k}_WORDS {words}")
    params = [f"hls::stream<ap_uint<{bits}> > &{name}" for name, bits, _ in ins + outs]
    return f"""\
// Generated by rpnn-opt -t rpnn-hls. One call processes one frame.
#ifndef {guard}
#define {guard}

{_max_width_lines(widest)}
#include <ap_int.h>
#include <hls_stream.h>

#include "rpnn_hls.hpp"

#define RPNN_NUM_INPUTS {len(ins)}
#define RPNN_NUM_OUTPUTS {len(outs)}
{chr(10).join(defs)}

void {options.top}({', '.join(params)});

#endif  // {guard}
"""


def _tb_cpp(graph: Graph, options: HlsTarget) -> str:
    ins, outs = _ports(graph)
    decls, feeds, checks = [], [], []
    for k, (name, _, _) in enumerate(ins):
        macro = f"RPNN_IN{k}"
        decls.append(f"    Golden {name};\n    ok = load(dir + \"/{name}.dat\", {name}, "
                     f"{macro}_WORDS) && ok;")
        feeds.append(f"""\
        hls::stream<ap_uint<{macro}_BITS> > {name}_s("{name}");
        for (int w = 0; w < {macro}_WORDS; ++w) {{
            ap_uint<{macro}_BITS> word;
            parse_word({name}.lines[f * {macro}_WORDS + w], word);
            {name}_s.write(word);
        }}""")
    for k, (name, _, _) in enumerate(outs):
        macro = f"RPNN_OUT{k}"
        decls.append(f"    Golden {name};\n    ok = load(dir + \"/{name}.dat\", {name}, "
                     f"{macro}_WORDS) && ok;")
        feeds.append(f'        hls::stream<ap_uint<{macro}_BITS> > {name}_s("{name}");')
        checks.append(f"""\
        for (int w = 0; w < {macro}_WORDS; ++w) {{
            if ({name}_s.empty()) {{
                report(errors, "{name}", f, w, "a word", "nothing");
                break;
            }}
            ap_uint<{macro}_BITS> got = {name}_s.read();
            ap_uint<{macro}_BITS> expected;
            parse_word({name}.lines[f * {macro}_WORDS + w], expected);
            if (got != expected) {{
                report(errors, "{name}", f, w, expected.to_string(16).c_str(),
                       got.to_string(16).c_str());
            }}
        }}
        if (!{name}_s.empty()) {{
            report(errors, "{name}", f, {macro}_WORDS, "end of frame", "extra words");
            while (!{name}_s.empty()) {{
                {name}_s.read();
            }}
        }}""")
    call_args = ", ".join(f"{name}_s" for name, _, _ in ins + outs)
    return f"""\
// Generated by rpnn-opt -t rpnn-hls: C-simulation testbench. Feeds golden/in*.dat frame by
// frame and compares every output word with golden/out*.dat (reference interpreter).
// Usage: tb [golden-dir [frames]] (frames: at most this many, e.g. for C/RTL co-simulation);
// exit status 0 when bit-exact. Built with -DRPNN_COUNT_ITERATIONS, it also prints
// "ITERATIONS <unit> <iterations> <frames>" per unit (its pipelined loop iterations).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "{options.top}.hpp"

struct Golden {{
    int frames;
    int words;
    std::vector<std::string> lines;
}};

// File format: a line "frames words bits", then one hexadecimal word per line.
static bool load(const std::string &path, Golden &golden, int words) {{
    std::ifstream file(path.c_str());
    int bits = 0;
    if (!(file >> golden.frames >> golden.words >> bits) || golden.words != words) {{
        std::printf("cannot read %s (or it does not match the design)\\n", path.c_str());
        return false;
    }}
    std::string line;
    while (file >> line) {{
        golden.lines.push_back(line);
    }}
    return static_cast<long>(golden.lines.size()) ==
           static_cast<long>(golden.frames) * golden.words;
}}

template <int N>
static void parse_word(const std::string &hex, ap_uint<N> &word) {{
    word = 0;
    for (std::size_t i = 0; i < hex.size(); ++i) {{
        char c = hex[i];
        int digit = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : 0;
        word = (word << 4) | ap_uint<N>(digit);
    }}
}}

static void report(long &errors, const char *port, int frame, int word, const char *expected,
                   const char *got) {{
    if (errors < 10) {{
        std::printf("MISMATCH %s frame %d word %d: expected %s, got %s\\n", port, frame, word,
                    expected, got);
    }}
    ++errors;
}}

int main(int argc, char **argv) {{
    std::string dir = argc > 1 ? argv[1] : "golden";
    bool ok = true;
{chr(10).join(decls)}
    if (!ok) {{
        return 2;
    }}
    long errors = 0;
    int frames = {ins[0][0]}.frames;
    if (argc > 2 && std::atoi(argv[2]) > 0 && std::atoi(argv[2]) < frames) {{
        frames = std::atoi(argv[2]);
    }}
    for (int f = 0; f < frames; ++f) {{
{chr(10).join(feeds)}
        {options.top}({call_args});
{chr(10).join(checks)}
    }}
#ifdef RPNN_COUNT_ITERATIONS
    for (std::map<std::string, long>::const_iterator it = rpnn::csim::counts().begin();
         it != rpnn::csim::counts().end(); ++it) {{
        std::printf("ITERATIONS %s %ld %d\\n", it->first.c_str(), it->second, frames);
    }}
#endif
#ifdef RPNN_CSIM_STREAM
    if (hls::stream_leftover_words() != 0) {{
        std::printf("%ld words left in internal streams\\n", hls::stream_leftover_words());
        ++errors;
    }}
#endif
    if (errors != 0) {{
        std::printf("FAIL: %ld mismatches\\n", errors);
        return 1;
    }}
    std::printf("PASS: %d frames bit-exact\\n", frames);
    return 0;
}}
"""


COSIM_FRAMES = 2
"""Frames of the golden vectors that C/RTL co-simulation runs (RTL simulation is slow)."""


def _tcl(options: HlsTarget) -> str:
    top = options.top
    return f"""\
# Generated by rpnn-opt -t rpnn-hls (Vitis HLS 2022.1 or later; vivado_hls cannot read the
# pragmas). Run in this directory:
#     vitis_hls -f run_hls.tcl                      (Vitis HLS up to 2024.1)
#     vitis-run --mode hls --tcl run_hls.tcl        (Vitis 2023.2 and later)
# Steps: C simulation on the golden vectors, synthesis, C/RTL co-simulation on
# {COSIM_FRAMES} frames, export with Vivado synthesis (real utilisation and timing). Set
# RPNN_FLOW=impl for place and route as well (slower, final figures), RPNN_FLOW=none to stop
# after co-simulation; RPNN_COSIM=0 skips co-simulation.
set here [file dirname [file normalize [info script]]]
set flow syn
if {{[info exists ::env(RPNN_FLOW)]}} {{ set flow $::env(RPNN_FLOW) }}
open_project -reset {top}_prj
set_top {top}
add_files $here/{top}.cpp -cflags "-std=c++14 -I$here"
add_files -tb $here/tb.cpp -cflags "-std=c++14 -I$here"
add_files -tb $here/golden
open_solution -reset sol1
set_part {{{options.part}}}
create_clock -period {options.clock_ns:g} -name default
csim_design -O -argv "$here/golden"
csynth_design
if {{![info exists ::env(RPNN_COSIM)] || $::env(RPNN_COSIM) != 0}} {{
    cosim_design -argv "$here/golden {COSIM_FRAMES}"
}}
if {{$flow eq "syn" || $flow eq "impl"}} {{
    export_design -flow $flow -format ip_catalog
}}
exit
"""


def _readme(graph: Graph, options: HlsTarget, widest: int) -> str:
    ins, outs = _ports(graph)
    top = options.top
    ports = "\n".join(f"- `{name}`: {bits}-bit AXI-stream words, {words} per frame"
                       for name, bits, words in ins + outs)
    return f"""\
# {top}: a Vitis HLS project generated by rpnn

One call of `{top}` processes one frame: it reads every input port's words of the frame
and writes every output port's. The units are a `#pragma HLS DATAFLOW` pipeline, one
process per unit, each pipelined at one word per cycle; the slowest unit's cycles per frame
are the frame interval that `rpnn-cost` reports.

Ports:
{ports}

## Files

- `{top}.cpp`: the top function: interface pragmas, the streams between units (depth and
  FIFO implementation), the memory of every weight and threshold array (one memory per
  unit, bound to BRAM, LUTRAM or URAM as the cost model priced it), one call per unit
- `{top}.hpp`: its declaration and port widths; `AP_INT_MAX_W` when a word exceeds 1024
  bits (the widest word here: {widest} bits)
- `{top}_params.hpp`: weights and thresholds: exact-width `ap_uint` words for synthesis,
  64-bit chunks for C simulation
- `rpnn_hls.hpp`: rpnn's unit templates (MVTU, sliding window, max pool, ...)
- `tb.cpp`: the testbench: feeds `golden/in*.dat`, compares every output word with
  `golden/out*.dat`
- `golden/`: input words and the expected output words from rpnn's reference interpreter
- `csim/hls_stream.h`: a minimal `hls::stream` for C simulation with plain g++ (Vitis uses
  its own)
- `run_hls.tcl`: the Vitis flow below

## Commands

    vitis_hls -f run_hls.tcl                      # Vitis HLS 2022.1 - 2024.1
    vitis-run --mode hls --tcl run_hls.tcl        # Vitis 2023.2 and later
    RPNN_FLOW=impl vitis_hls -f run_hls.tcl       # also place and route

The script runs, in `{top}_prj/sol1/`:

1. `csim_design -O`: C simulation on the golden vectors; prints `PASS: N frames bit-exact`.
2. `csynth_design`: synthesis for `{options.part}` at {options.clock_ns:g} ns; the report
   (`syn/report/{top}_csynth.rpt`) gives every unit's latency and II (expected: II=1 for
   every pipelined loop, latencies equal to rpnn-cost's cycles per unit).
3. `cosim_design` on {COSIM_FRAMES} frames: the RTL against the same testbench (skip with
   `RPNN_COSIM=0`).
4. `export_design -flow syn` (or `impl`): Vivado synthesis of the exported IP; its report
   (`impl/report/verilog/`) has the real LUT, FF, BRAM, URAM and DSP counts to hold against
   rpnn-cost's estimate.

Without Vitis, the C simulation also runs with g++ and the Xilinx ap_types headers:

    g++ -std=c++14 -O0 -Wno-unknown-pragmas -Icsim -I. -isystem <ap_types> tb.cpp {top}.cpp -o tb
    ./tb golden

(`rpnn_ir.backends.hls_csim.run_csim` does this; add `-DRPNN_COUNT_ITERATIONS` to print each
unit's loop iterations per frame.)
"""


def golden_files(module: ModuleOp, graph: Graph, options: HlsTarget) -> dict[str, str]:
    """golden/in<k>.dat and golden/out<k>.dat from the reference interpreter."""
    inputs = random_inputs(graph, options.tb_frames, options.seed)
    try:
        outputs = interp.run(region_module(module, options.function), inputs)
    except interp.InterpreterError as e:
        raise BackendError(f"golden outputs: the interpreter failed: {e}") from None
    ins, outs = _ports(graph)
    files = {}
    for (name, bits, words), sid, values in [
        *zip(ins, graph.inputs, inputs, strict=True),
        *zip(outs, graph.outputs, outputs, strict=True),
    ]:
        s = graph.streams[sid]
        digits = (bits + 3) // 4
        packed = pack_words(values, s.element_type, s.word)
        body = "\n".join(f"{w:0{digits}x}" for w in packed)
        files[f"golden/{name}.dat"] = f"{options.tb_frames} {words} {bits}\n{body}\n"
    return files


def emit_hls(module: ModuleOp, options: HlsTarget | None = None,
             with_testbench: bool = True) -> dict[str, str]:
    """The project's files: relative path -> text."""
    options = options or HlsTarget()
    _check_options(options)
    options, device = resolve_options(module, options)
    graph = extract(module, options.function)
    if len(graph.partitions) > 1:
        return emit_partitioned(module, graph, options, with_testbench)
    if device is not None:
        uram_rom, has_uram = device.uram_for_constants, device.uram > 0
    else:
        family = family_of_part(options.part)
        uram_rom, has_uram = family is not None and family.uram_init, True
    em = _Emitter(graph, options.part, uram_rom, has_uram)
    for k, sid in enumerate(graph.inputs):
        s = graph.streams[sid]
        em.unit = f"input port in{k}"
        out = em.produce(sid)
        em.word(_port_bits(s.word_bits), "its AXI-stream word")
        em.call(f"in{k}", f"    rpnn::repack<{s.words}, {_port_bits(s.word_bits)}, "
                f"{s.word_bits}>(in{k}, {out});")
        em.fan_out(sid)
    for node in graph.nodes:
        em.emit(node)
    for k, sid in enumerate(graph.outputs):
        s = graph.streams[sid]
        em.unit = f"output port out{k}"
        em.word(_port_bits(s.word_bits), "its AXI-stream word")
        em.call(f"out{k}", f"    rpnn::repack<{s.words}, {s.word_bits}, "
                f"{_port_bits(s.word_bits)}>({em.read(sid)}, out{k});")
    widest = ap_int_max_w(em)
    top = options.top
    params = "".join(em.params)
    files = {
        f"{top}.cpp": _top_cpp(graph, em, options),
        f"{top}.hpp": _top_hpp(graph, options, widest),
        f"{top}_params.hpp": (
            f"// Generated by rpnn-opt -t rpnn-hls: weights and thresholds of {top}.\n"
            f"#ifndef {top.upper()}_PARAMS_HPP\n#define {top.upper()}_PARAMS_HPP\n\n"
            f'#include "rpnn_hls.hpp"\n\n{params}\n#endif\n'
        ),
        TEMPLATES: template_text(TEMPLATES),
        CSIM_STREAM: template_text("hls_stream.h"),
        "run_hls.tcl": _tcl(options),
        "README.md": _readme(graph, options, widest),
    }
    if with_testbench:
        files["tb.cpp"] = _tb_cpp(graph, options)
        files.update(golden_files(module, graph, options))
    return files


# --------------------------------------------------------------------------- partitions


@dataclass(frozen=True)
class _Kernel:
    """The HLS kernel of one partition: its top name, folder, card and port stream ids."""

    name: str
    folder: str
    card: int
    slr: int | None
    device: str
    inputs: list[int]
    outputs: list[int]

    @property
    def cu(self) -> str:
        """Its compute unit name in the Vitis link (``nk=<kernel>:1:<cu>``)."""
        return f"{self.name}_1"


def _cards(partitions: list[PartitionInfo]) -> list[int]:
    """The card of each partition: its ``card`` attribute, or without one, a new card
    whenever the part changes, the SLR does not increase or a partition has no SLR (it
    has the whole device)."""
    cards: list[int] = []
    for i, p in enumerate(partitions):
        if p.card >= 0:
            cards.append(p.card)
        elif (i and p.device == partitions[i - 1].device and p.slr is not None
              and partitions[i - 1].slr is not None and p.slr > partitions[i - 1].slr):
            cards.append(cards[-1])
        else:
            cards.append(cards[-1] + 1 if cards else 0)
    return cards


def _frames_per_second(module: ModuleOp, function: str | None, clock_ns: float) -> float:
    """Frames/s of the design at `clock_ns`: the clock over the slowest unit's cycles."""
    graph = DataflowGraph.build(interp.find_function(module, function))
    return 1e9 / clock_ns / max(evaluate(u).cycles for u in graph.units)


def _partition_part(device: str, options: HlsTarget) -> str:
    """The full part of a partition's device (its rpnn.partition ``device``), or the
    design's part when rpnn does not know that device."""
    try:
        found = find_device(device, load_devices(options.devices_file or None))
    except DeviceError as e:
        raise BackendError(str(e)) from None
    return found.vivado_part if found is not None else options.part


def emit_partitioned(module: ModuleOp, graph: Graph, options: HlsTarget,
                     with_testbench: bool) -> dict[str, str]:
    """One HLS project per partition (folder ``p<i>_<part>_slr<s>``, or ``p<i>_<part>`` for
    a partition that has its whole device), linked by
    ``connectivity.cfg`` (SLRs of one card) or, over several cards, one
    ``connectivity_card<c>.cfg`` per card and ``netlist.json`` of the inter-device streams."""
    files: dict[str, str] = {}
    kernels: list[_Kernel] = []
    for j, (info, card) in enumerate(zip(graph.partitions, _cards(graph.partitions),
                                         strict=True)):
        sub, inputs, outputs = partition_module(module, options.function, j)
        name = f"{options.top}_p{j}"
        folder = (f"p{j}_{sanitize_hint(info.device) or 'part'}"
                  + ("" if info.slr is None else f"_slr{info.slr}"))
        kernel_files = emit_hls(sub, replace(options, top=name, function=None,
                                             part=_partition_part(info.device, options)),
                                with_testbench)
        files.update({f"{folder}/{path}": text for path, text in kernel_files.items()})
        kernels.append(_Kernel(name, folder, card, info.slr, info.device, inputs, outputs))
    links = _links(graph, kernels)
    cards = sorted({k.card for k in kernels})
    if len(cards) == 1:
        files["connectivity.cfg"] = _connectivity(graph, kernels, links)
        return files
    for card in cards:
        mine = [k for k in kernels if k.card == card]
        files[f"connectivity_card{card}.cfg"] = _connectivity(
            graph, mine, [lk for lk in links if lk[0] in mine and lk[2] in mine])
    fps = _frames_per_second(module, options.function, options.clock_ns)
    files["netlist.json"] = _netlist(graph, kernels, links, fps, options.clock_ns)
    return files


def _links(graph: Graph, kernels: list[_Kernel]) -> list[tuple[_Kernel, int, _Kernel, int, int]]:
    """(producer kernel, output port, consumer kernel, input port, stream id) per stream
    between two kernels; a stream read by two kernels cannot be linked (one AXI stream has
    one reader)."""
    links = []
    for sid in range(len(graph.streams)):
        srcs = [(k, k.outputs.index(sid)) for k in kernels if sid in k.outputs]
        dsts = [(k, k.inputs.index(sid)) for k in kernels if sid in k.inputs]
        if not srcs or not dsts:
            continue
        if len(dsts) > 1:
            raise BackendError(f"a stream of kernel {srcs[0][0].name} is read by "
                               f"{len(dsts)} partitions; one AXI stream has one reader "
                               "(add rpnn.duplicate before partitioning)")
        links.append((srcs[0][0], srcs[0][1], dsts[0][0], dsts[0][1], sid))
    return links


def _connectivity(graph: Graph, kernels: list[_Kernel],
                  links: list[tuple[_Kernel, int, _Kernel, int, int]]) -> str:
    """A Vitis ``v++ --link --config`` file: one compute unit per kernel, its SLR, and the
    AXI streams between kernels (``stream_connect``)."""
    linked_in = {(b.cu, j) for _, _, b, j, _ in links}
    linked_out = {(a.cu, i) for a, i, _, _, _ in links}
    open_ports = ([f"{k.cu}.in{i}" for k in kernels for i in range(len(k.inputs))
                   if (k.cu, i) not in linked_in]
                  + [f"{k.cu}.out{i}" for k in kernels for i in range(len(k.outputs))
                     if (k.cu, i) not in linked_out])
    lines = ["# Generated by rpnn-opt -t rpnn-hls: v++ --link --config <this file>",
             "# AXI-stream ports left open (host DMA, or other cards: see netlist.json): "
             + (", ".join(open_ports) or "none"),
             "[connectivity]"]
    lines += [f"nk={k.name}:1:{k.cu}" for k in kernels]
    lines += [f"slr={k.cu}:SLR{k.slr}" for k in kernels if k.slr is not None]
    lines += [f"stream_connect={a.cu}.out{i}:{b.cu}.in{j}" for a, i, b, j, _ in links]
    return "\n".join(lines) + "\n"


def _netlist(graph: Graph, kernels: list[_Kernel],
             links: list[tuple[_Kernel, int, _Kernel, int, int]], fps: float,
             clock_ns: float) -> str:
    """JSON: the cards, their kernels, and every stream between two cards with its width,
    words per frame and bandwidth at the design's frame rate."""
    streams = []
    for a, i, b, j, sid in links:
        if a.card == b.card:
            continue
        s = graph.streams[sid]
        streams.append({
            "from": {"card": a.card, "kernel": a.cu, "port": f"out{i}"},
            "to": {"card": b.card, "kernel": b.cu, "port": f"in{j}"},
            "width_bits": s.word_bits, "port_bits": _port_bits(s.word_bits),
            "words_per_frame": s.words, "gbps": s.word_bits * s.words * fps / 1e9,
        })
    cards = [{"card": c, "device": next(k.device for k in kernels if k.card == c),
              "kernels": [{"name": k.cu, "folder": k.folder, "slr": k.slr}
                          for k in kernels if k.card == c],
              "link_config": f"connectivity_card{c}.cfg"}
             for c in sorted({k.card for k in kernels})]
    return json.dumps({"clock_ns": clock_ns, "fps": fps, "cards": cards,
                       "streams": streams}, indent=2) + "\n"
