"""`-t rpnn-c`: a plain C99 reference of the FPGA part of a dataflow-level module.

The generated code (docs/backends.md) is one header and one source file with no dependency
beyond the C standard library:

    int rpnn_forward(const <in_t>* input, <out_t>* output, size_t n_frames);

It computes, frame by frame, exactly what the interpreter computes between the module's
`rpnn.tensor_to_stream` and `rpnn.stream_to_tensor` ops (`rpnn_ir.backends.dataflow`):
integer-exact, with bit-packed XNOR-popcount for bipolar x bipolar `rpnn.mvtu`, narrow
integer weights with 32-bit (or, when a bound demands it, 64-bit) accumulators otherwise,
and frames processed in blocks. Weights and thresholds are `static const`; scratch buffers
are allocated per call, so the code has no mutable global state and is reentrant.

With `out-dir` the target writes `<out-dir>/rpnn.h` and `<out-dir>/rpnn.c`; without it,
both go to the output stream (header first), each preceded by a `// ----- <file> -----` line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import DenseArrayBase, ModuleOp
from xdsl.ir import Attribute
from xdsl.utils.target import Target

from rpnn_ir import dtypes
from rpnn_ir import files as rpnn_files
from rpnn_ir.backends.dataflow import (
    BackendError,
    Graph,
    Node,
    Stream,
    c_int_type,
    extract,
    range_of,
)
from rpnn_ir.dialects import rpnn

HEADER_NAME = "rpnn.h"
SOURCE_NAME = "rpnn.c"
BLOCK_BYTES = 8 << 20
"""Scratch memory the generated code aims for: frames per block = this / bytes per frame."""
MAX_BLOCK = 64
LINEAR_THRESHOLDS = 16
"""Up to this many thresholds per channel are counted linearly, beyond by binary search."""


@dataclass(frozen=True)
class CReferenceTarget(Target):
    """Emit the C reference (`-t 'rpnn-c{out-dir="build/net" function="main"}'`)."""

    name = "rpnn-c"
    out_dir: str | None = None
    function: str | None = None

    def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
        header, source = emit_c(module, self.function)
        if self.out_dir is None:
            output.write(f"// ----- {HEADER_NAME} -----\n{header}")
            output.write(f"// ----- {SOURCE_NAME} -----\n{source}")
            return
        write_files(Path(self.out_dir), {HEADER_NAME: header, SOURCE_NAME: source})
        output.write(f"// rpnn-c: wrote {HEADER_NAME} and {SOURCE_NAME}\n")


def write_files(directory: Path, files: dict[str, str]) -> None:
    """Write generated files (fixed names, never from the IR) into `directory`.

    Through `rpnn_ir.files`: unpredictable temporary names, no writing through a link planted
    in the folder, and nothing final (the folder included) unless the whole run succeeds.
    """
    try:
        rpnn_files.make_output_dir(directory)
        for name, text in files.items():
            path = directory / name
            rpnn_files.make_output_dir(path.parent)
            rpnn_files.write_output(path, text, follow_symlinks=False)
    except rpnn_files.FileError as e:
        raise BackendError(f"cannot write into output directory '{directory}': {e}") from None


# --------------------------------------------------------------------------- helpers


def _c_values(values: np.ndarray, per_line: int = 24, fmt=str) -> str:
    flat = np.asarray(values).reshape(-1).tolist()
    if not flat:
        return "0"
    lines = []
    for start in range(0, len(flat), per_line):
        lines.append("    " + ", ".join(fmt(v) for v in flat[start:start + per_line]))
    return ",\n".join(lines)


def _array(ctype: str, name: str, values: np.ndarray, fmt=str) -> str:
    count = max(1, int(np.asarray(values).size))
    return f"static const {ctype} {name}[{count}] = {{\n{_c_values(values, fmt=fmt)}\n}};\n"


def _weight_ctype(lo: int, hi: int) -> str:
    for width in (8, 16, 32):
        if -(1 << (width - 1)) <= lo and hi < (1 << (width - 1)):
            return f"int{width}_t"
    return "int64_t"


def _value_bound(element_type: Attribute) -> int:
    lo, hi = range_of(element_type)
    return max(abs(lo), abs(hi))


def _acc_ctype(x_type: Attribute, weights: np.ndarray, axis: int) -> str:
    """int32_t when no partial sum can leave it (a bound from the weights), else int64_t."""
    bound = _value_bound(x_type) * int(np.abs(weights).sum(axis=axis).max(initial=0))
    return "int32_t" if bound < 2**31 else "int64_t"


def _popcount_block() -> str:
    return """\
#if !defined(RPNN_PORTABLE_POPCOUNT) && (defined(__GNUC__) || defined(__clang__))
#define RPNN_POPCOUNT64(v) __builtin_popcountll(v)
#else
static int rpnn_popcount64(uint64_t v)
{
    v = v - ((v >> 1) & 0x5555555555555555ULL);
    v = (v & 0x3333333333333333ULL) + ((v >> 2) & 0x3333333333333333ULL);
    v = (v + (v >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
    return (int)((v * 0x0101010101010101ULL) >> 56);
}
#define RPNN_POPCOUNT64(v) rpnn_popcount64(v)
#endif

/* x86-64 GCC on Linux: also build the XNOR-popcount layers for CPUs with the popcnt
 * instruction, chosen at load time (without -mpopcnt GCC calls a table-based helper). */
#if !defined(RPNN_PORTABLE_POPCOUNT) && !defined(RPNN_NO_CLONES) && defined(__GNUC__) && \
    !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && !defined(__POPCNT__)
#define RPNN_POPCOUNT_CLONES __attribute__((target_clones("popcnt", "default")))
#else
#define RPNN_POPCOUNT_CLONES
#endif

/* Bit k of the packed vector is 1 where x[k] is +1 (bits past n are 0). */
static void rpnn_pack_bipolar(const int8_t *x, size_t n, uint64_t *out)
{
    size_t j, k;
    for (j = 0; j < (n + 63) / 64; ++j) {
        uint64_t word = 0;
        size_t end = n - j * 64 < 64 ? n - j * 64 : 64;
        for (k = 0; k < end; ++k)
            word |= (uint64_t)(x[j * 64 + k] > 0) << k;
        out[j] = word;
    }
}
"""


class _Emitter:
    def __init__(self, graph: Graph):
        self.graph = graph
        self.data: list[str] = []  # static const tables
        self.funcs: list[str] = []  # one static function per unit
        self.calls: list[str] = []  # statements in the block loop
        self.alias: dict[int, int] = {}  # stream id -> stream id whose buffer it shares
        self.uses_popcount = False

    def stream(self, stream_id: int) -> Stream:
        return self.graph.streams[stream_id]

    def root(self, stream_id: int) -> int:
        while stream_id in self.alias:
            stream_id = self.alias[stream_id]
        return stream_id

    def ctype(self, stream_id: int) -> str:
        return c_int_type(self.stream(stream_id).element_type)

    def buf(self, stream_id: int) -> str:
        return f"b{self.root(stream_id)}"

    # ---- thresholds --------------------------------------------------------------

    def activation(self, node: Node, acc_ctype: str) -> tuple[str, str]:
        """(C helper definitions, expression template of `a` (acc) and `m` (channel))."""
        op = node.op
        out = node.op.results[0].type.element_type
        if node.thresholds is None:
            return "", "a"
        t = np.sort(node.thresholds, axis=1)
        rows, steps = t.shape
        t_ctype = "int32_t" if (acc_ctype == "int32_t" and t.min() >= -(2**31)
                                and t.max() < 2**31) else "int64_t"
        name = f"{node.name}_t"
        self.data.append(_array(t_ctype, name, t))
        row = f"m * {steps}" if rows > 1 else "0"
        if steps <= LINEAR_THRESHOLDS:
            body = (f"    const {t_ctype} *t = {name} + {row};\n    int n = 0, i;\n"
                    f"    for (i = 0; i < {steps}; ++i)\n        n += t[i] <= a;\n    return n;\n")
        else:
            body = (f"    const {t_ctype} *t = {name} + {row};\n    size_t lo = 0, hi = {steps};\n"
                    "    while (lo < hi) {\n        size_t mid = (lo + hi) / 2;\n"
                    "        if (t[mid] <= a)\n            lo = mid + 1;\n        else\n"
                    "            hi = mid;\n    }\n    return (int)lo;\n")
        helper = (f"static int {node.name}_count({acc_ctype} a, size_t m)\n{{\n"
                  + ("    (void)m;\n" if rows == 1 else "") + body + "}\n")
        if dtypes.is_bipolar(out):
            return helper, f"({node.name}_count(a, m) ? 1 : -1)"
        bias = op.bias_value  # type: ignore[attr-defined]
        return helper, f"({node.name}_count(a, m) + {bias})" if bias else f"{node.name}_count(a, m)"

    # ---- units -------------------------------------------------------------------

    def emit(self) -> None:
        for node in self.graph.nodes:
            op = node.op
            if isinstance(op, rpnn.FIFOOp | rpnn.DWCOp | rpnn.DuplicateOp):
                for out in node.outputs:
                    self.alias[out] = node.inputs[0]
                continue
            method = getattr(self, f"unit_{node.kind}")
            method(node)

    def _signature(self, node: Node) -> str:
        args = [f"const {self.ctype(i)} *restrict x{k}" for k, i in enumerate(node.inputs)]
        args.append(f"{self.ctype(node.outputs[0])} *restrict y")
        args.append("size_t frames")
        return f"static void {node.name}({', '.join(args)})"

    def _call(self, node: Node) -> None:
        args = [self.buf(i) for i in node.inputs] + [self.buf(node.outputs[0]), "n"]
        self.calls.append(f"        {node.name}({', '.join(args)});")

    def _add(self, node: Node, body: str, helpers: str = "", prefix: str = "") -> None:
        self.funcs.append(f"{helpers}{prefix}{self._signature(node)}\n{{\n{body}}}\n")
        self._call(node)

    def unit_mvtu(self, node: Node) -> None:
        op = node.op
        assert isinstance(op, rpnn.MVTUOp) and node.weights is not None
        x = self.stream(node.inputs[0])
        mw, mh = node.weights.shape
        pixels = x.elems // mw
        x_elt = x.element_type
        w_elt = op.weights.type.element_type
        out_ct = self.ctype(node.outputs[0])
        if dtypes.is_bipolar(x_elt) and dtypes.is_bipolar(w_elt):
            self.uses_popcount = True
            kw = (mw + 63) // 64
            packed = np.zeros((mh, kw * 64), dtype=np.uint8)
            packed[:, :mw] = (node.weights.T > 0)
            words = np.packbits(packed.reshape(mh, kw, 64), axis=2, bitorder="little")
            words = words.view("<u8").reshape(mh, kw)
            self.data.append(_array("uint64_t", f"{node.name}_w", words,
                                    fmt=lambda v: f"0x{v:016x}ULL"))
            helper, act = self.activation(node, "int32_t")
            body = f"""\
    uint64_t xp[4][{kw}];
    size_t v, j, k, m, nvec = frames * {pixels};
    for (v = 0; v < nvec; v += 4) {{
        size_t nv = nvec - v < 4 ? nvec - v : 4;
        for (j = 0; j < 4; ++j)
            rpnn_pack_bipolar(x0 + (v + (j < nv ? j : 0)) * {mw}, {mw}, xp[j]);
        for (m = 0; m < {mh}; ++m) {{
            const uint64_t *w = {node.name}_w + m * {kw};
            int p[4] = {{0, 0, 0, 0}};
            for (k = 0; k < {kw}; ++k) {{
                uint64_t wk = w[k];
                p[0] += RPNN_POPCOUNT64(xp[0][k] ^ wk);
                p[1] += RPNN_POPCOUNT64(xp[1][k] ^ wk);
                p[2] += RPNN_POPCOUNT64(xp[2][k] ^ wk);
                p[3] += RPNN_POPCOUNT64(xp[3][k] ^ wk);
            }}
            for (j = 0; j < nv; ++j) {{
                int32_t a = {mw} - 2 * p[j];
                y[(v + j) * {mh} + m] = ({out_ct})({act});
            }}
        }}
    }}
"""
            self._add(node, body, helper, prefix="RPNN_POPCOUNT_CLONES\n")
            return
        w = node.weights.T.copy()  # [MH][MW]
        acc_ct = _acc_ctype(x_elt, node.weights, axis=0)
        helper, act = self.activation(node, acc_ct)
        x_ct = self.ctype(node.inputs[0])
        xlo, xhi = range_of(x_elt)
        wlo, whi = int(w.min(initial=0)), int(w.max(initial=0))
        narrow = (acc_ct == "int32_t" and mw <= 16384
                  and min(xlo, wlo) >= -(2**15) and max(xhi, whi) < 2**15)
        if narrow:
            # int16 lanes: compilers turn the sums of int16 x int16 products into
            # multiply-add instructions (pmaddwd), 4 outputs share each input load.
            w_ct, lane, prep = "int16_t", "xs", (
                f"        for (k = 0; k < {mw}; ++k)\n            xs[k] = (int16_t)xv[k];\n")
            decl, lane_ct = f"    int16_t xs[{mw}];\n", "int16_t"
        else:
            w_ct = _weight_ctype(int(w.min(initial=0)), int(w.max(initial=0)))
            lane, prep, decl, lane_ct = "xv", "", "", acc_ct
        self.data.append(_array(w_ct, f"{node.name}_w", w))

        def store(offset: str) -> str:
            expression = act.replace("(a, m)", f"(a, m{offset})")
            return f"            y[v * {mh} + m{offset}] = ({out_ct})({expression});\n"

        body = f"""\
{decl}    size_t v, k, m, nvec = frames * {pixels};
    for (v = 0; v < nvec; ++v) {{
        const {x_ct} *xv = x0 + v * {mw};
{prep}        for (m = 0; m + 4 <= {mh}; m += 4) {{
            const {w_ct} *w0 = {node.name}_w + m * {mw};
            const {w_ct} *w1 = w0 + {mw}, *w2 = w1 + {mw}, *w3 = w2 + {mw};
            {acc_ct} a0 = 0, a1 = 0, a2 = 0, a3 = 0, a;
            for (k = 0; k < {mw}; ++k) {{
                {lane_ct} xk = ({lane_ct}){lane}[k];
                a0 += ({acc_ct})xk * ({acc_ct})w0[k];
                a1 += ({acc_ct})xk * ({acc_ct})w1[k];
                a2 += ({acc_ct})xk * ({acc_ct})w2[k];
                a3 += ({acc_ct})xk * ({acc_ct})w3[k];
            }}
            a = a0;
{store("")}            a = a1;
{store(" + 1")}            a = a2;
{store(" + 2")}            a = a3;
{store(" + 3")}        }}
        for (; m < {mh}; ++m) {{
            const {w_ct} *w = {node.name}_w + m * {mw};
            {acc_ct} a = 0;
            for (k = 0; k < {mw}; ++k)
                a += ({acc_ct})({lane_ct}){lane}[k] * ({acc_ct})w[k];
            y[v * {mh} + m] = ({out_ct})({act});
        }}
    }}
"""
        self._add(node, body, helper)

    def unit_depthwise(self, node: Node) -> None:
        op = node.op
        assert isinstance(op, rpnn.DepthwiseOp) and node.weights is not None
        x = self.stream(node.inputs[0])
        channels, taps = node.weights.shape
        pixels = x.elems // (channels * taps)
        w_ct = _weight_ctype(int(node.weights.min()), int(node.weights.max()))
        acc_ct = _acc_ctype(x.element_type, node.weights, axis=1)
        self.data.append(_array(w_ct, f"{node.name}_w", node.weights))
        helper, act = self.activation(node, acc_ct)
        out_ct = self.ctype(node.outputs[0])
        body = f"""\
    size_t v, k, m, nvec = frames * {pixels};
    for (v = 0; v < nvec; ++v) {{
        const {self.ctype(node.inputs[0])} *xv = x0 + v * {channels * taps};
        for (m = 0; m < {channels}; ++m) {{
            {acc_ct} a = 0;
            for (k = 0; k < {taps}; ++k)
                a += ({acc_ct})xv[k * {channels} + m] * ({acc_ct}){node.name}_w[m * {taps} + k];
            y[v * {channels} + m] = ({out_ct})({act});
        }}
    }}
"""
        self._add(node, body, helper)

    def unit_thresholding(self, node: Node) -> None:
        x = self.stream(node.inputs[0])
        channels = x.shape[-1]
        x_ct = self.ctype(node.inputs[0])
        a_ct = "int64_t" if x_ct in ("uint32_t",) else "int32_t"
        helper, act = self.activation(node, a_ct)
        out_ct = self.ctype(node.outputs[0])
        body = f"""\
    size_t v, m, nvec = frames * {x.elems // channels};
    for (v = 0; v < nvec; ++v) {{
        for (m = 0; m < {channels}; ++m) {{
            {a_ct} a = ({a_ct})x0[v * {channels} + m];
            y[v * {channels} + m] = ({out_ct})({act});
        }}
    }}
"""
        self._add(node, body, helper)

    def _window_unit(self, node: Node, kernel: DenseArrayBase, stride: DenseArrayBase,
                     variables: str, per_pixel: str) -> None:
        """A unit sliding a window over an NHWC frame (SWG, max pool): loops over frames and
        output pixels with `corner` at the window's top-left element; `per_pixel` (a format
        string of kh, kw, w, c and ct) writes the pixel's outputs through `y`."""
        h, w, c = self.stream(node.inputs[0]).shape
        oh, ow, _ = self.stream(node.outputs[0]).shape
        kh, kw = rpnn._ints(kernel)
        sh, sw = rpnn._ints(stride)
        ct = self.ctype(node.inputs[0])
        inner = per_pixel.format(kh=kh, kw=kw, w=w, c=c, ct=ct)
        body = f"""\
    size_t f, oh, ow, kh, kw{variables};
    for (f = 0; f < frames; ++f) {{
        const {ct} *xf = x0 + f * {h * w * c};
        for (oh = 0; oh < {oh}; ++oh)
            for (ow = 0; ow < {ow}; ++ow) {{
                const {ct} *corner = xf + (oh * {sh} * {w} + ow * {sw}) * {c};
{inner}            }}
    }}
"""
        self._add(node, body)

    def unit_swg(self, node: Node) -> None:
        op = node.op
        assert isinstance(op, rpnn.SWGOp)
        self._window_unit(node, op.kernel, op.stride, "", """\
                for (kh = 0; kh < {kh}; ++kh)
                    for (kw = 0; kw < {kw}; ++kw) {{
                        memcpy(y, corner + (kh * {w} + kw) * {c}, {c} * sizeof *y);
                        y += {c};
                    }}
""")

    def unit_pad(self, node: Node) -> None:
        op = node.op
        assert isinstance(op, rpnn.PadOp)
        h, w, c = self.stream(node.inputs[0]).shape
        oh, ow, _ = self.stream(node.outputs[0]).shape
        top, left, _, _ = rpnn._ints(op.padding)
        value = op.value.value.data
        body = f"""\
    size_t f, i, r;
    for (f = 0; f < frames; ++f) {{
        {self.ctype(node.outputs[0])} *yf = y + f * {oh * ow * c};
        for (i = 0; i < {oh * ow * c}; ++i)
            yf[i] = {value};
        for (r = 0; r < {h}; ++r)
            memcpy(yf + ((r + {top}) * {ow} + {left}) * {c}, x0 + (f * {h} + r) * {w * c},
                   {w * c} * sizeof *y);
    }}
"""
        self._add(node, body)

    def unit_stream_maxpool(self, node: Node) -> None:
        op = node.op
        assert isinstance(op, rpnn.StreamMaxPoolOp)
        self._window_unit(node, op.kernel, op.stride, ", ch", """\
                for (ch = 0; ch < {c}; ++ch) {{
                    {ct} best = corner[ch];
                    for (kh = 0; kh < {kh}; ++kh)
                        for (kw = 0; kw < {kw}; ++kw) {{
                            {ct} v = corner[(kh * {w} + kw) * {c} + ch];
                            if (v > best)
                                best = v;
                        }}
                    *y++ = best;
                }}
""")

    def unit_add_streams(self, node: Node) -> None:
        out_ct = self.ctype(node.outputs[0])
        elems = self.stream(node.outputs[0]).elems
        body = f"""\
    size_t i;
    for (i = 0; i < frames * {elems}; ++i)
        y[i] = ({out_ct})((int64_t)x0[i] + (int64_t)x1[i]);
"""
        self._add(node, body)

    def unit_label_select(self, node: Node) -> None:
        op = node.op
        assert isinstance(op, rpnn.LabelSelectOp)
        labels = self.stream(node.inputs[0]).elems
        k = op.k.value.data
        out_ct = self.ctype(node.outputs[0])
        body = f"""\
    size_t f, i;
    for (f = 0; f < frames; ++f) {{
        const {self.ctype(node.inputs[0])} *xf = x0 + f * {labels};
        size_t top[{k}], count = 0;
        for (i = 0; i < {labels}; ++i) {{
            size_t p = count < {k} ? count : {k};
            if (p == {k} && !(xf[i] > xf[top[{k} - 1]]))
                continue;
            if (p == {k})
                p = {k} - 1;
            while (p > 0 && xf[i] > xf[top[p - 1]]) {{
                top[p] = top[p - 1];
                --p;
            }}
            top[p] = i;
            if (count < {k})
                ++count;
        }}
        for (i = 0; i < {k}; ++i)
            y[f * {k} + i] = ({out_ct})top[i];
    }}
"""
        self._add(node, body)


def _block_frames(graph: Graph, buffered: list[int]) -> int:
    per_frame = sum(
        graph.streams[i].elems * np.dtype(c_int_type(graph.streams[i].element_type)
                                          .removesuffix("_t")).itemsize
        for i in buffered
    )
    return int(max(1, min(MAX_BLOCK, BLOCK_BYTES // max(1, per_frame))))


def _port_names(count: int, base: str) -> list[str]:
    return [base] if count == 1 else [f"{base}{i}" for i in range(count)]


def emit_c(module: ModuleOp, function: str | None = None) -> tuple[str, str]:
    """(header, source) of the C reference of `function`'s FPGA part."""
    graph = extract(module, function)
    em = _Emitter(graph)
    em.emit()
    in_names = _port_names(len(graph.inputs), "input")
    out_names = _port_names(len(graph.outputs), "output")
    params = [f"const {em.ctype(i)} *{n}" for i, n in zip(graph.inputs, in_names, strict=True)]
    params += [f"{em.ctype(i)} *{n}" for i, n in zip(graph.outputs, out_names, strict=True)]
    params.append("size_t n_frames")
    prototype = f"int rpnn_forward({', '.join(params)})"

    # ---- header ----
    defs = []
    for what, ids, names in (("INPUT", graph.inputs, in_names), ("OUTPUT", graph.outputs,
                                                                     out_names)):
        for k, (sid, pname) in enumerate(zip(ids, names, strict=True)):
            s = graph.streams[sid]
            suffix = "" if len(ids) == 1 else str(k)
            defs.append(f"/* {pname}: frames of {'x'.join(map(str, s.shape))} "
                        f"{dtypes.type_str(s.element_type)} (row-major, channels last) */")
            defs.append(f"#define RPNN_{what}{suffix}_ELEMS {s.elems}")
    header = f"""\
/* Generated by rpnn-opt -t rpnn-c: the C reference of the FPGA part of a dataflow-level
 * module (the ops between rpnn.tensor_to_stream and rpnn.stream_to_tensor).
 * Plain C99, integer-exact, reentrant (no mutable global state). See docs/backends.md. */
#ifndef RPNN_H
#define RPNN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {{
#endif

#define RPNN_NUM_INPUTS {len(graph.inputs)}
#define RPNN_NUM_OUTPUTS {len(graph.outputs)}
{chr(10).join(defs)}

/* Runs n_frames frames; each port holds n_frames * ELEMS consecutive elements.
 * Bipolar elements are -1/+1. Returns 0, or -1 when scratch memory cannot be allocated
 * or a pointer is NULL. */
{prototype};

#ifdef __cplusplus
}}
#endif

#endif /* RPNN_H */
"""

    # ---- buffers and the entry point ----
    input_set = set(graph.inputs)
    buffered = [node_out for node in graph.nodes for node_out in node.outputs
                if em.root(node_out) == node_out and node_out not in input_set]
    block = _block_frames(graph, buffered)
    offsets: list[tuple[int, int]] = []
    total = 0
    for sid in buffered:
        s = graph.streams[sid]
        size = block * s.elems * np.dtype(em.ctype(sid).removesuffix("_t")).itemsize
        offsets.append((sid, total))
        total += (size + 63) // 64 * 64
    lines = [f"{prototype}", "{", "    size_t f0, n;", "    unsigned char *arena;"]
    for sid, _ in offsets:
        lines.append(f"    {em.ctype(sid)} *b{sid};")
    checks = " || ".join(f"!{n}" for n in in_names + out_names)
    lines += [
        "    if (n_frames == 0)",
        "        return 0;",
        f"    if ({checks})",
        "        return -1;",
        f"    arena = (unsigned char *)malloc({max(total, 64)});",
        "    if (!arena)",
        "        return -1;",
    ]
    for sid, off in offsets:
        lines.append(f"    b{sid} = ({em.ctype(sid)} *)(void *)(arena + {off});")
    lines += [
        f"    for (f0 = 0; f0 < n_frames; f0 += {block}) {{",
        f"        n = n_frames - f0 < {block} ? n_frames - f0 : {block};",
    ]
    for sid, pname in zip(graph.inputs, in_names, strict=True):
        lines.append(f"        const {em.ctype(sid)} *b{sid} = {pname} + f0 * "
                     f"{graph.streams[sid].elems};")
    lines += em.calls
    for sid, pname in zip(graph.outputs, out_names, strict=True):
        elems = graph.streams[sid].elems
        lines.append(f"        memcpy({pname} + f0 * {elems}, {em.buf(sid)}, "
                     f"n * {elems} * sizeof *{pname});")
    lines += ["    }", "    free(arena);", "    return 0;", "}"]

    parts = [
        "/* Generated by rpnn-opt -t rpnn-c (see rpnn.h and docs/backends.md). */\n"
        f'#include "{HEADER_NAME}"\n\n#include <stdlib.h>\n#include <string.h>\n\n'
    ]
    if em.uses_popcount:
        parts.append(_popcount_block() + "\n")
    parts += [d + "\n" for d in em.data]
    parts += [f + "\n" for f in em.funcs]
    parts.append("\n".join(lines) + "\n")
    return header, "".join(parts)


def port_types(module: ModuleOp, function: str | None = None) -> tuple[list[Stream], list[Stream]]:
    """The streams of the entry point's inputs and outputs (for callers such as c_runner)."""
    graph = extract(module, function)
    return ([graph.streams[i] for i in graph.inputs], [graph.streams[i] for i in graph.outputs])
