"""`-t rpnn-rtl`: synthesizable Verilog for the FPGA part of a dataflow-level module.

With `out-dir` the target writes (docs/backends.md, "RTL"):

    rpnn_rtl.v         the project's parametric unit modules (MVU, window, pad, FIFO, ...)
    <top>.v            the top module: AXI-stream style ports, one instance per unit, FIFO
                       depths from the IR's rpnn.fifo ops
    mem/*.hex          weight and threshold ROM contents ($readmemh, paths relative to the
                       directory: simulate and synthesise from there)
    units/<unit>.v     each unit alone in a wrapper module unit_<unit> (out-of-context
                       synthesis, rpnn_ir.backends.rtl_synth)
    rtl.json           the design's manifest: ports, units (instance, kind, module), FIFOs
    sim/rpnn_sim.v     simulation wrapper; sim/tb.cpp: Verilator harness (random back-pressure
                       and input gaps, golden check, cycles/frame, latency, FIFO peaks)
    golden/            input and expected output words from the reference interpreter

Without `out-dir` only `<top>.v` goes to the output stream (for FileCheck tests).

Options: `out-dir`, `function`, `top` (Verilog identifier, default rpnn_top), `tb-frames`
(golden frames, default 4), `seed` (golden inputs), `part` and `devices-file` (as rpnn-hls:
default the device recorded in the IR; rtl.json records the part and the Yosys
`synth_xilinx` family that rpnn-synth then uses).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import IO

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Attribute
from xdsl.utils.target import Target

from rpnn_ir import dtypes
from rpnn_ir.backends import hls
from rpnn_ir.backends.c_reference import write_project
from rpnn_ir.backends.dataflow import (
    BackendError,
    Graph,
    Node,
    bits_of,
    extract,
    is_signed,
    pack_words,
)
from rpnn_ir.dialects import rpnn
from rpnn_ir.hw.devices import Device, yosys_family

LIBRARY = "rpnn_rtl.v"
ROM_STYLE = {"auto": 0, "block": 1, "distributed": 2, "ultra": 1}
FIFO_STYLE = {"auto": 0, "block": 1, "distributed": 2, "ultra": 3}
_UNIT_OUTPUTS = ("in_ready", "a_ready", "b_ready", "out_data", "out_valid")
_TOP = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


def library_text() -> str:
    """The unit library shipped in rpnn_ir/backends/rtl/ (package data)."""
    return resources.files("rpnn_ir.backends").joinpath("rtl", LIBRARY).read_text()


@dataclass(frozen=True)
class RtlTarget(Target):
    """Emit a Verilog design (`-t 'rpnn-rtl{out-dir="build/rtl"}'`)."""

    name = "rpnn-rtl"
    out_dir: str | None = None
    """Folder for the Verilog, the Verilator harness and golden data; none: the top only."""
    function: str | None = None
    """The function to emit; none: the module's first public function."""
    top: str = "rpnn_top"
    """Name of the top module (a Verilog identifier, not a unit's name)."""
    tb_frames: int = 4
    """Frames of golden input and output for the testbench."""
    seed: int = 0
    """Seed of the golden inputs (0 to 2^63 - 1)."""
    part: str = ""
    """Vivado part (short name or full); empty: the recorded device, else xc7z020."""
    devices_file: str = ""
    """TOML/JSON file with more parts (docs/cost-model.md)."""

    def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
        files = emit_rtl(module, self, with_testbench=self.out_dir is not None)
        if self.out_dir is None:
            output.write(files[f"{self.top}.v"])
            return
        output.write(f"// rpnn-rtl: {write_project(Path(self.out_dir), files)}\n")


_MODULES = ("decode", "rom", "dot", "activate", "mvu", "thresholding", "window", "pad", "dwc",
            "fifo", "broadcast", "add_streams", "label_select")
_KEYWORD_TEXT = """
    always and assign automatic begin buf bufif0 bufif1 case casex casez cell cmos config
    deassign default defparam design disable edge else end endcase endconfig endfunction
    endgenerate endmodule endprimitive endspecify endtable endtask event for force forever fork
    function generate genvar highz0 highz1 if ifnone incdir include initial inout input
    instance integer join large liblist library localparam macromodule medium module nand
    negedge nmos nor noshowcancelled not notif0 notif1 or output parameter pmos posedge
    primitive pull0 pull1 pulldown pullup pulsestyle_ondetect pulsestyle_onevent rcmos real
    realtime reg release repeat rnmos rpmos rtran rtranif0 rtranif1 scalared showcancelled
    signed small specify specparam strong0 strong1 supply0 supply1 table task time tran
    tranif0 tranif1 tri tri0 tri1 triand trior trireg unsigned use uwire vectored wait wand
    weak0 weak1 while wire wor xnor xor"""
_KEYWORDS = frozenset(_KEYWORD_TEXT.split())
"""Verilog-2005 keywords (IEEE 1364-2005, Annex B): never a module name."""


def _check_options(options: RtlTarget) -> None:
    top = options.top
    reserved = top in _KEYWORDS or top == "rpnn_sim" or top.removeprefix("rpnn_") in _MODULES
    if not _TOP.fullmatch(top) or reserved or top.startswith("unit_"):
        raise BackendError(f"top '{top}' must be a Verilog identifier (letters, digits, _) "
                           "that is not a keyword, a unit module's name or unit_*")
    if options.tb_frames < 1:
        raise BackendError(f"tb-frames ({options.tb_frames}) must be at least 1")


# --------------------------------------------------------------------------- Verilog spelling


def _hex(value: int, bits: int) -> str:
    """A sized Verilog literal."""
    return f"{bits}'h{value:x}"


def _elt_params(prefix: str, element_type: Attribute) -> dict[str, int]:
    """`<prefix>B`, `<prefix>_SIGNED`, `<prefix>_BIPOLAR` of an element type."""
    return {
        f"{prefix}B": bits_of(element_type),
        f"{prefix}_SIGNED": int(is_signed(element_type)),
        f"{prefix}_BIPOLAR": int(dtypes.is_bipolar(element_type)),
    }


def _param_list(params: dict[str, int | str]) -> str:
    items = []
    for key, value in params.items():
        text = f'"{value}"' if isinstance(value, str) and not value[:1].isdigit() else value
        items.append(f".{key}({text})")
    return ", ".join(items)


def rom_lines(words: np.ndarray, bits: int) -> str:
    """$readmemh contents: one word per line, hexadecimal."""
    digits = max(1, (bits + 3) // 4)
    return "".join(f"{int(w):0{digits}x}\n" for w in words.tolist())


def concat_pe(words: np.ndarray, word_bits: int) -> np.ndarray:
    """[PE][N] words of `word_bits` -> [N] words with PE p at bits [p*word_bits, ...)."""
    out = np.zeros(words.shape[1], dtype=object)
    for p in range(words.shape[0]):
        out = out | (words[p].astype(object) << (p * word_bits))
    return out


# --------------------------------------------------------------------------- the emitter


@dataclass
class _Port:
    data: str
    valid: str
    ready: str


@dataclass
class _Emitter:
    graph: Graph
    mem_prefix: str
    decls: list[str] = field(default_factory=list)
    body: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    units: list[dict] = field(default_factory=list)
    fifos: list[dict] = field(default_factory=list)
    readers: dict[int, list[_Port]] = field(default_factory=dict)
    read_count: dict[int, int] = field(default_factory=dict)
    widths: dict[str, int] = field(default_factory=dict)

    def wire(self, name: str, bits: int = 1) -> str:
        self.decls.append(f"    wire {f'[{bits - 1}:0] ' if bits > 1 else ''}{name};")
        self.widths[name] = bits
        return name

    def declare_stream(self, sid: int) -> _Port:
        """The producer side of stream `sid` (declared once, at its producer)."""
        bits = self.graph.streams[sid].word_bits
        return _Port(self.wire(f"s{sid}_data", bits), self.wire(f"s{sid}_valid"),
                     self.wire(f"s{sid}_ready"))

    def fan_out(self, sid: int) -> None:
        """After the producer: one reader port per consumer (a broadcast if several)."""
        port = _Port(f"s{sid}_data", f"s{sid}_valid", f"s{sid}_ready")
        count = self.graph.uses(sid)
        if count == 0:  # nobody reads it: always ready
            self.body.append(f"    assign {port.ready} = 1'b1;")
            self.readers[sid] = []
            return
        if count == 1:
            self.readers[sid] = [port]
            return
        bits = self.graph.streams[sid].word_bits
        data = self.wire(f"s{sid}_bd", bits)
        valid = self.wire(f"s{sid}_bv", count)
        ready = self.wire(f"s{sid}_br", count)
        self._instance("rpnn_broadcast", f"b{sid}", {"N": count, "WB": bits},
                       port, _Port(data, valid, ready))
        self.readers[sid] = [_Port(data, f"{valid}[{j}]", f"{ready}[{j}]")
                             for j in range(count)]

    def read(self, sid: int) -> _Port:
        k = self.read_count.get(sid, 0)
        self.read_count[sid] = k + 1
        return self.readers[sid][k]

    def _instance(self, module: str, name: str, params: dict, src: _Port, dst: _Port,
                  extra: list[str] | None = None, node: Node | None = None,
                  kind: str | None = None) -> None:
        """One unit instance, recorded in the manifest with a stand-alone wrapper
        (units/<name>.v, module unit_<name>) for out-of-context synthesis."""
        conns = extra or [f".in_data({src.data})", f".in_valid({src.valid})",
                          f".in_ready({src.ready})"]
        conns += [f".out_data({dst.data})", f".out_valid({dst.valid})",
                  f".out_ready({dst.ready})"]
        self.body.append(f"    {module} #({_param_list(params)}) {name} (\n        "
                         + ",\n        ".join([".clk(clk)", ".rst(rst)", *conns]) + ");")
        self.files[f"units/{name}.v"] = self._wrapper(module, name, params, conns)
        self.units.append({"instance": name, "kind": kind or (node.kind if node else "fanout"),
                           "index": node.index if node else None, "module": module,
                           "params": params, "wrapper": f"units/{name}.v",
                           "wrapper_top": f"unit_{name}"})

    def _wrapper(self, module: str, name: str, params: dict, conns: list[str]) -> str:
        ports, inner = ["    input  wire clk", "    input  wire rst"], [".clk(clk)", ".rst(rst)"]
        for conn in conns:
            port, signal = re.fullmatch(r"\.(\w+)\((.+)\)", conn).groups()
            bits = 1 if signal.endswith("]") else self.widths[signal]
            direction = "output" if port in _UNIT_OUTPUTS else "input "
            ports.append(f"    {direction} wire {f'[{bits - 1}:0] ' if bits > 1 else ''}{port}")
            inner.append(f".{port}({port})")
        return (f"// Generated by rpnn-rtl: unit {name} alone, for out-of-context synthesis.\n"
                f"module unit_{name} (\n" + ",\n".join(ports) + ");\n"
                f"    {module} #({_param_list(params)}) u ({', '.join(inner)});\nendmodule\n")

    def unit(self, node: Node, module: str, params: dict) -> None:
        """A unit with one input and one output stream."""
        src = self.read(node.inputs[0])
        dst = self.declare_stream(node.outputs[0])
        self._instance(module, node.name, params, src, dst, node=node)
        self.fan_out(node.outputs[0])

    # ---- units ---------------------------------------------------------------------

    def emit(self, node: Node) -> None:
        getattr(self, f"unit_{node.kind}")(node)

    def _rom(self, name: str, words: np.ndarray, bits: int) -> str:
        """Write mem/<name>.hex; the path $readmemh opens (from the simulation directory)."""
        self.files[f"mem/{name}.hex"] = rom_lines(words, bits)
        return f"{self.mem_prefix}mem/{name}.hex"

    def _compute(self, node: Node, words: np.ndarray, w_elt: Attribute, inner: int,
                 outer: int, channels: int, depthwise: bool) -> None:
        op = node.op
        assert isinstance(op, rpnn.MVTUOp | rpnn.DepthwiseOp)
        pe, simd = op.pe.value.data, op.simd.value.data
        x_elt = self.graph.streams[node.inputs[0]].element_type
        out_elt = self.graph.streams[node.outputs[0]].element_type
        w_bits = simd * bits_of(w_elt)
        params: dict[str, int | str] = {
            "DEPTHWISE": int(depthwise), "INNER": inner, "OUTER": outer, "SIMD": simd,
            "PE": pe, **_elt_params("I", x_elt), **_elt_params("W", w_elt),
            "AB": bits_of(op.acc_type), "A_SIGNED": int(is_signed(op.acc_type)),
            "OB": bits_of(out_elt), "O_BIPOLAR": int(dtypes.is_bipolar(out_elt)),
        }
        params.update(self._threshold_params(node, channels, pe))
        params["OUT_BIAS"] = 0 if dtypes.is_bipolar(out_elt) else op.bias_value
        params["W_FILE"] = self._rom(f"{node.name}_w", concat_pe(words, w_bits), pe * w_bits)
        params["W_STYLE"] = ROM_STYLE.get(op.ram_style.data, 0)
        params["USE_DSP"] = int(op.resource_type.data == "dsp")
        self.unit(node, "rpnn_mvu", params)

    def _threshold_params(self, node: Node, channels: int, pe: int) -> dict[str, int | str]:
        if node.thresholds is None:
            return {"T": 0, "TB": 1, "T_SIGNED": 1}
        t_elt = node.op.thresholds.type.element_type  # type: ignore[attr-defined]
        words = hls.threshold_words(node.thresholds, t_elt, channels, pe)
        steps = node.thresholds.shape[1]
        tb = bits_of(t_elt)
        path = self._rom(f"{node.name}_t", concat_pe(words, steps * tb), pe * steps * tb)
        return {"T": steps, "TB": tb, "T_SIGNED": int(is_signed(t_elt)), "T_FILE": path}

    def unit_mvtu(self, node: Node) -> None:
        op = node.op
        assert isinstance(op, rpnn.MVTUOp) and node.weights is not None
        mw, mh = node.weights.shape
        pe, simd = op.pe.value.data, op.simd.value.data
        w_elt = op.weights.type.element_type
        words = hls.mvtu_weight_words(node.weights, w_elt, pe, simd)
        self._compute(node, words, w_elt, mw // simd, mh // pe, mh, depthwise=False)

    def unit_depthwise(self, node: Node) -> None:
        op = node.op
        assert isinstance(op, rpnn.DepthwiseOp) and node.weights is not None
        c, k2 = node.weights.shape
        pe, simd = op.pe.value.data, op.simd.value.data
        w_elt = op.weights.type.element_type
        words = hls.depthwise_weight_words(node.weights, w_elt, pe, simd)
        self._compute(node, words, w_elt, c // pe, k2 // simd, c, depthwise=True)

    def unit_thresholding(self, node: Node) -> None:
        op = node.op
        assert isinstance(op, rpnn.ThresholdingOp)
        x = self.graph.streams[node.inputs[0]]
        y = self.graph.streams[node.outputs[0]]
        c, pe = x.shape[-1], op.pe.value.data
        params: dict[str, int | str] = {
            "CF": c // pe, "PE": pe, "IB": x.bits, "I_SIGNED": int(is_signed(x.element_type)),
            "OB": y.bits, "O_BIPOLAR": int(dtypes.is_bipolar(y.element_type)),
        }
        params.update(self._threshold_params(node, c, pe))
        params["OUT_BIAS"] = 0 if dtypes.is_bipolar(y.element_type) else op.bias_value
        self.unit(node, "rpnn_thresholding", params)

    def _window(self, node: Node, pool: bool) -> None:
        op = node.op
        assert isinstance(op, rpnn.SWGOp | rpnn.StreamMaxPoolOp)
        x = self.graph.streams[node.inputs[0]]
        h, w, c = x.shape
        kh, kw = rpnn._ints(op.kernel)
        sh, sw = rpnn._ints(op.stride)
        params: dict[str, int | str] = {
            "POOL": int(pool), "H": h, "W": w, "CW": c // x.word, "KH": kh, "KW": kw,
            "SH": sh, "SW": sw, "WB": x.word_bits,
        }
        if pool:
            params.update({"PE": x.word, "EB": x.bits,
                           "E_SIGNED": int(is_signed(x.element_type)),
                           "E_BIPOLAR": int(dtypes.is_bipolar(x.element_type))})
        self.unit(node, "rpnn_window", params)

    def unit_swg(self, node: Node) -> None:
        self._window(node, pool=False)

    def unit_stream_maxpool(self, node: Node) -> None:
        self._window(node, pool=True)

    def unit_pad(self, node: Node) -> None:
        op = node.op
        assert isinstance(op, rpnn.PadOp)
        x = self.graph.streams[node.inputs[0]]
        h, w, c = x.shape
        top, left, bottom, right = rpnn._ints(op.padding)
        (fill,) = pack_words(np.full(x.word, op.value.value.data), x.element_type, x.word)
        self.unit(node, "rpnn_pad", {
            "H": h, "W": w, "CW": c // x.word, "TOP": top, "LEFT": left, "BOTTOM": bottom,
            "RIGHT": right, "WB": x.word_bits, "FILL": _hex(fill, x.word_bits)})

    def unit_dwc(self, node: Node) -> None:
        x = self.graph.streams[node.inputs[0]]
        y = self.graph.streams[node.outputs[0]]
        if x.word == y.word:  # a reshape only: wires
            src = self.read(node.inputs[0])
            dst = self.declare_stream(node.outputs[0])
            self.body += [f"    assign {dst.data} = {src.data};",
                          f"    assign {dst.valid} = {src.valid};",
                          f"    assign {src.ready} = {dst.ready};"]
            self.fan_out(node.outputs[0])
            return
        if x.word % y.word == 0 or y.word % x.word == 0:
            self.unit(node, "rpnn_dwc", {"IW": x.word, "OW": y.word, "B": x.bits})
            return
        g = math.gcd(x.word, y.word)
        src = self.read(node.inputs[0])
        mid = _Port(self.wire(f"{node.name}_g_data", g * x.bits),
                    self.wire(f"{node.name}_g_valid"), self.wire(f"{node.name}_g_ready"))
        dst = self.declare_stream(node.outputs[0])
        first = {"IW": x.word, "OW": g, "B": x.bits}
        second = {"IW": g, "OW": y.word, "B": x.bits}
        self._instance("rpnn_dwc", f"{node.name}_a", first, src, mid, node=node)
        self._instance("rpnn_dwc", f"{node.name}_b", second, mid, dst, node=node)
        self.fan_out(node.outputs[0])

    def unit_fifo(self, node: Node) -> None:
        op = node.op
        assert isinstance(op, rpnn.FIFOOp)
        depth = op.depth.value.data
        x = self.graph.streams[node.inputs[0]]
        self.unit(node, "rpnn_fifo", {"DEPTH": depth, "WB": x.word_bits,
                                      "STYLE": FIFO_STYLE.get(op.ram_style.data, 0)})
        self.fifos.append({"instance": node.name, "depth": depth, "stream": node.outputs[0]})

    def unit_duplicate(self, node: Node) -> None:
        src = self.read(node.inputs[0])
        bits = self.graph.streams[node.inputs[0]].word_bits
        n = len(node.outputs)
        data = self.wire(f"{node.name}_data", bits)
        valid = self.wire(f"{node.name}_valid", n)
        ready = self.wire(f"{node.name}_ready", n)
        params = {"N": n, "WB": bits}
        self._instance("rpnn_broadcast", node.name, params, src, _Port(data, valid, ready),
                       node=node)
        for j, sid in enumerate(node.outputs):
            dst = self.declare_stream(sid)
            self.body += [f"    assign {dst.data} = {data};",
                          f"    assign {dst.valid} = {valid}[{j}];",
                          f"    assign {ready}[{j}] = {dst.ready};"]
        for sid in node.outputs:
            self.fan_out(sid)

    def unit_add_streams(self, node: Node) -> None:
        a, b = (self.graph.streams[i] for i in node.inputs)
        y = self.graph.streams[node.outputs[0]]
        pa, pb = self.read(node.inputs[0]), self.read(node.inputs[1])
        dst = self.declare_stream(node.outputs[0])
        params = {"PE": y.word, **_elt_params("A", a.element_type),
                  **_elt_params("B", b.element_type), "OB": y.bits,
                  "O_BIPOLAR": int(dtypes.is_bipolar(y.element_type))}
        ports = [f".a_data({pa.data})", f".a_valid({pa.valid})", f".a_ready({pa.ready})",
                 f".b_data({pb.data})", f".b_valid({pb.valid})", f".b_ready({pb.ready})"]
        self._instance("rpnn_add_streams", node.name, params, pa, dst, extra=ports, node=node)
        self.fan_out(node.outputs[0])

    def unit_label_select(self, node: Node) -> None:
        op = node.op
        assert isinstance(op, rpnn.LabelSelectOp)
        x = self.graph.streams[node.inputs[0]]
        y = self.graph.streams[node.outputs[0]]
        if x.elems >= 1 << 16:
            raise BackendError("rpnn.label_select: more than 65535 labels")
        self.unit(node, "rpnn_label_select", {
            "L": x.elems, "PE": x.word, "K": op.k.value.data, "OWD": y.word,
            "IB": x.bits, "I_SIGNED": int(is_signed(x.element_type)),
            "I_BIPOLAR": int(dtypes.is_bipolar(x.element_type)), "OB": y.bits})


def port_bits(bits: int) -> int:
    """AXI-stream TDATA width: the word padded to whole bytes."""
    return (bits + 7) // 8 * 8


def ports(graph: Graph) -> tuple[list[dict], list[dict]]:
    """The top's stream ports: name, TDATA bits, words per frame, element bits."""
    def info(prefix: str, k: int, sid: int) -> dict:
        s = graph.streams[sid]
        return {"name": f"{prefix}{k}", "bits": port_bits(s.word_bits), "word_bits": s.word_bits,
                "words": s.words, "stream": sid}
    return ([info("in", k, sid) for k, sid in enumerate(graph.inputs)],
            [info("out", k, sid) for k, sid in enumerate(graph.outputs)])


def _top_v(graph: Graph, em: _Emitter, top: str) -> str:
    ins, outs = ports(graph)
    port_decls = ["    input  wire clk", "    input  wire rst"]
    for p in ins:
        port_decls += [f"    input  wire [{p['bits'] - 1}:0] {p['name']}_tdata",
                       f"    input  wire {p['name']}_tvalid",
                       f"    output wire {p['name']}_tready"]
    for p in outs:
        port_decls += [f"    output wire [{p['bits'] - 1}:0] {p['name']}_tdata",
                       f"    output wire {p['name']}_tvalid",
                       f"    input  wire {p['name']}_tready"]
    lines = [
        "// Generated by rpnn-opt -t rpnn-rtl: the FPGA part of a dataflow-level module.",
        "// Units are the project's modules in rpnn_rtl.v; ROM files are read from mem/.",
        f"module {top} (", ",\n".join(port_decls), ");", *em.decls, *em.body, "endmodule", ""]
    return "\n".join(lines)


def build_design(module: ModuleOp, options: RtlTarget,
                 mem_prefix: str = "") -> tuple[Graph, _Emitter, str]:
    """The top module's text and its emitter (ROM files, units, FIFOs)."""
    _check_options(options)
    graph = extract(module, options.function)
    em = _Emitter(graph, mem_prefix=mem_prefix)
    for k, sid in enumerate(graph.inputs):
        s = graph.streams[sid]
        port = em.declare_stream(sid)
        em.body += [f"    assign {port.data} = in{k}_tdata[{s.word_bits - 1}:0];",
                    f"    assign {port.valid} = in{k}_tvalid;",
                    f"    assign in{k}_tready = {port.ready};"]
        em.fan_out(sid)
    for node in graph.nodes:
        em.emit(node)
    for k, sid in enumerate(graph.outputs):
        s = graph.streams[sid]
        src = em.read(sid)
        pad = port_bits(s.word_bits) - s.word_bits
        data = f"{{{pad}'b0, {src.data}}}" if pad else src.data
        em.body += [f"    assign out{k}_tdata = {data};",
                    f"    assign out{k}_tvalid = {src.valid};",
                    f"    assign {src.ready} = out{k}_tready;"]
    return graph, em, _top_v(graph, em, options.top)


def manifest(graph: Graph, em: _Emitter, top: str, part: str = "",
             device: Device | None = None) -> dict:
    """rtl.json: what the simulation and synthesis helpers need to know about the design,
    and the part it is for (with its Yosys family, `yosys_family`)."""
    ins, outs = ports(graph)
    return {"top": top, "inputs": ins, "outputs": outs, "units": em.units, "fifos": em.fifos,
            "part": part, "device": device.name if device else None,
            "family": yosys_family(part, device)}


def emit_rtl(module: ModuleOp, options: RtlTarget | None = None,
             with_testbench: bool = True) -> dict[str, str]:
    """The design's files: relative path -> text."""
    from rpnn_ir.backends import rtl_harness

    options = options or RtlTarget()
    part, device, _ = hls.target_device(module, options.part, options.devices_file)
    graph, em, top_text = build_design(module, options)
    files = {LIBRARY: library_text(), f"{options.top}.v": top_text, **em.files}
    info = manifest(graph, em, options.top, part, device)
    files["rtl.json"] = json.dumps(info, indent=1) + "\n"
    if with_testbench:
        files.update(rtl_harness.sim_files([(info, "")]))
        files.update(golden(module, graph, options))
    return files


def golden(module: ModuleOp, graph: Graph, options: RtlTarget) -> dict[str, str]:
    """golden/in<k>.dat, golden/out<k>.dat: the HLS testbench's files (same word layout)."""
    return hls.golden_files(module, graph, hls.HlsTarget(
        function=options.function, tb_frames=options.tb_frames, seed=options.seed))
