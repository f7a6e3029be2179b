"""`-t rpnn-c`: a plain C99 reference of the FPGA part of a dataflow-level module.

The generated code (docs/backends.md) is one header and one source file with no dependency
beyond the C standard library:

    int rpnn_forward(const <in_t>* input, <out_t>* output, size_t n_frames);

It computes, frame by frame, exactly what the interpreter computes between the module's
`rpnn.tensor_to_stream` and `rpnn.stream_to_tensor` ops (`rpnn_ir.backends.dataflow`):
integer-exact, with bit-packed XNOR-popcount for bipolar x bipolar `rpnn.mvtu`, narrow
integer weights with 32-bit (or, when a bound demands it, 64-bit) accumulators otherwise,
and frames processed in blocks. Weights and thresholds are `static const`; scratch buffers
are allocated per call; the one mutable global, the thread pool, serves one call at a time
(a concurrent call starts its own threads), so the code is reentrant.

With `out-dir` the target writes `<out-dir>/rpnn.h` and `<out-dir>/rpnn.c`; without it,
both go to the output stream (header first), each preceded by a `// ----- <file> -----` line.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import DenseArrayBase, ModuleOp
from xdsl.ir import Attribute
from xdsl.utils.target import Target

from rpnn_ir import dtypes, interp
from rpnn_ir import files as rpnn_files
from rpnn_ir.backends import c_host
from rpnn_ir.backends.c_host import HostCode
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
from rpnn_ir.ranges import checked_once

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
    """Folder for rpnn.h, rpnn.c, main.c and a Makefile; none: the code to the output."""
    function: str | None = None
    """The function to emit; none: the module's first public function."""

    def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
        with checked_once():  # code, main and interface read one module
            header, source = emit_c(module, self.function)
            if self.out_dir is None:
                output.write(f"// ----- {HEADER_NAME} -----\n{header}")
                output.write(f"// ----- {SOURCE_NAME} -----\n{source}")
                return
            main, makefile = emit_main(module, self.function)
            interface = json.dumps(describe_interface(module, self.function), indent=1)
        done = write_project(Path(self.out_dir), {
            HEADER_NAME: header, SOURCE_NAME: source, MAIN_NAME: main,
            MAKEFILE_NAME: makefile, INTERFACE_NAME: interface + "\n"})
        output.write(f"// rpnn-c: {done}: {HEADER_NAME}, {SOURCE_NAME}, {MAIN_NAME}, "
                     f"{MAKEFILE_NAME}, {INTERFACE_NAME}\n")


MANIFEST_NAME = ".rpnn-files"
"""In every folder a target writes: the files it wrote, one per line, so that the next run
into the same folder removes those it no longer writes (and never a file of the user's)."""


def write_project(directory: Path, files: dict[str, str]) -> str:
    """`write_files`, plus a manifest: files the previous run wrote here (its manifest) and
    this one does not are removed. Returns what to tell the user ("wrote N files to DIR")."""
    stale = sorted(set(_manifest(directory)) - set(files))
    write_files(directory, {**files, MANIFEST_NAME: "".join(f"{n}\n" for n in sorted(files))})
    for name in stale:
        rpnn_files.remove_output(directory / name)
    removed = f" (removed {len(stale)} stale from an earlier run)" if stale else ""
    return f"wrote {len(files)} files to {directory}{removed}"


def _manifest(directory: Path) -> list[str]:
    """The names the previous run's manifest in `directory` lists: relative paths inside
    it only (a manifest cannot point rpnn at a file elsewhere)."""
    try:
        text = rpnn_files.read_input(directory / MANIFEST_NAME, "manifest", 1 << 20)
    except rpnn_files.FileError:
        return []
    names = []
    for line in text.decode("utf-8", "replace").splitlines():
        parts = Path(line).parts
        if line and not Path(line).is_absolute() and ".." not in parts and line != MANIFEST_NAME:
            names.append(line)
    return names


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
    """Comma-separated C initialiser values, `per_line` to a line, each line indented."""
    flat = np.asarray(values).reshape(-1)
    if not flat.size:
        return "0"
    if fmt is str and flat.dtype.kind in "iu" and int(flat.max()) - int(flat.min()) < 1 << 16:
        # millions of weights: format each distinct value once, then join (no per-element
        # Python formatting)
        lo = int(flat.min())
        table = np.array([str(v) for v in range(lo, int(flat.max()) + 1)], dtype=object)
        items = table[flat.astype(np.int64) - lo]
    else:
        items = np.array([fmt(v) for v in flat.tolist()], dtype=object)
    full = flat.size // per_line * per_line
    lines = [", ".join(row) for row in items[:full].reshape(-1, per_line).tolist()]
    if full < flat.size:
        lines.append(", ".join(items[full:].tolist()))
    return "    " + ",\n    ".join(lines)


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


def _popcount_block(wide: bool) -> str:
    """Popcount and bipolar packing helpers; `wide`: with the AVX-512 packing (only when a
    level-2 kernel calls it: an unused static function is a warning)."""
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

#ifdef RPNN_X86
/* The same with two AVX2 byte comparisons per 64 elements. */
RPNN_LEVEL1 static void rpnn_pack_bipolar_256(const int8_t *x, size_t n, uint64_t *out)
{
    size_t j, k;
    const __m256i zero = _mm256_setzero_si256();
    for (j = 0; j + 64 <= n; j += 64) {
        uint32_t lo = (uint32_t)_mm256_movemask_epi8(
            _mm256_cmpgt_epi8(_mm256_loadu_si256((const __m256i *)(const void *)(x + j)), zero));
        uint32_t hi = (uint32_t)_mm256_movemask_epi8(_mm256_cmpgt_epi8(
            _mm256_loadu_si256((const __m256i *)(const void *)(x + j + 32)), zero));
        out[j / 64] = (uint64_t)lo | (uint64_t)hi << 32;
    }
    if (j < n) {
        uint64_t word = 0;
        for (k = 0; j + k < n; ++k)
            word |= (uint64_t)(x[j + k] > 0) << k;
        out[j / 64] = word;
    }
}

/* Popcounts of the 32 bytes of v: two lookups of a 4-bit table (vpshufb). */
RPNN_LEVEL1 static __m256i rpnn_popcount_bytes_256(__m256i v)
{
    const __m256i table = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
                                           0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    const __m256i low = _mm256_set1_epi8(0x0F);
    return _mm256_add_epi8(_mm256_shuffle_epi8(table, _mm256_and_si256(v, low)),
                           _mm256_shuffle_epi8(table, _mm256_and_si256(
                               _mm256_srli_epi16(v, 4), low)));
}

""" + (PACK_512 if wide else "") + "#endif\n"


PACK_512 = """\
/* The same with one AVX-512 byte comparison per 64 elements. */
RPNN_LEVEL2 static void rpnn_pack_bipolar_512(const int8_t *x, size_t n, uint64_t *out)
{
    size_t j;
    const __m512i zero = _mm512_setzero_si512();
    for (j = 0; j + 64 <= n; j += 64)
        out[j / 64] = _mm512_cmpgt_epi8_mask(_mm512_loadu_si512((const void *)(x + j)), zero);
    if (j < n)
        out[j / 64] = _mm512_cmpgt_epi8_mask(
            _mm512_maskz_loadu_epi8(((uint64_t)1 << (n - j)) - 1, x + j), zero);
}
"""


ISA_BLOCK = """\
/* Kernel levels, chosen at run time (cpuid): 0 portable C; 1 AVX2 kernels (vpshufb
 * XNOR-popcount, vpmaddubsw 8-bit dot products; the rest the portable C compiled for AVX2
 * and popcnt); 2 AVX-512 kernels (VPOPCNTDQ XNOR-popcount and bit planes, VNNI 8-bit dot
 * products, implicit convolutions). The
 * environment variable RPNN_ISA=portable|avx2|avx512 caps the level (tests force each path);
 * -DRPNN_PORTABLE builds level 0 only. */
#if !defined(RPNN_PORTABLE) && !defined(RPNN_PORTABLE_POPCOUNT) && defined(__x86_64__) && \\
    (defined(__GNUC__) || defined(__clang__))
#define RPNN_X86 1
#include <immintrin.h>
#define RPNN_LEVEL1 __attribute__((target("avx2,popcnt")))
#define RPNN_LEVEL2 \\
    __attribute__((target("avx2,popcnt,avx512f,avx512bw,avx512vpopcntdq,avx512vnni")))
#endif
/* GCC vectorises at -O2 only loops its "very cheap" cost model accepts, not the host
 * element-wise loops (float -> double -> integer): ask for its -O3 cost model there, and
 * let it if-convert the comparisons (no-trapping-math: floating-point exception flags are not
 * kept, values are unchanged). */
#if defined(__GNUC__) && !defined(__clang__) && !defined(__INTEL_COMPILER)
#define RPNN_VECTORIZE \\
    __attribute__((optimize("tree-vectorize", "vect-cost-model=dynamic", "no-trapping-math")))
#else
#define RPNN_VECTORIZE
#endif

int rpnn_kernel_level(void)
{
    const char *force = getenv("RPNN_ISA");
    int level = 0;
#ifdef RPNN_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt"))
        level = 1;
    if (level == 1 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vpopcntdq") && __builtin_cpu_supports("avx512vnni"))
        level = 2;
#endif
    if (force && !strcmp(force, "portable"))
        level = 0;
    else if (force && !strcmp(force, "avx2") && level > 1)
        level = 1;
    return level;
}
"""

VNNI_MAX_MW = 16384
"""The 8-bit dot-product kernel keeps one input vector (MW bytes) on the stack."""


PLANES_START = "        /* bit planes */\n"
PLANES_END = "        /* planes done */\n"
"""Comments around the bit-plane kernel's unpacking of its 4 input vectors (`_bit_serial`),
which an implicit convolution replaces."""


def _plane_ops(xs: int, xlo: int) -> tuple[str, str]:
    """(bit p of the 64 input bytes `xb` under mask `in`, C adjusting `xb` first): bipolar
    inputs (xs 2) as their sign, others offset by their lowest value `xlo`."""
    unpack = ("_mm512_mask_cmpgt_epi8_mask(in, xb, _mm512_setzero_si512())" if xs == 2 else
              "_mm512_mask_test_epi8_mask(in, xb, _mm512_set1_epi8((char)(1 << p)))")
    shift = "" if xs == 2 or not xlo else (f"\n                xb = _mm512_sub_epi8(xb, "
                                            f"_mm512_set1_epi8((char){xlo}));")
    return unpack, shift


def _accumulate(words: int | str, loads: str, vectors: list[str], start: str = "0",
                indent: int = 12) -> str:
    """The level-2 kernels' loop over a row group's weight words: `loads` then the
    accumulation of each of the 4 input vectors (`vectors`); a group of one vector (a dense
    layer at batch 1) accumulates that one only. The loop runs over k = `start` ..
    `words`, its `if` at `indent` spaces."""
    pad = " " * indent
    loop = f"{pad}    for (k = {start}; k < {words}; ++k) {{\n{loads}"
    return (f"{pad}if (nv == 1)\n{loop}{vectors[0]}{pad}    }}\n"
            f"{pad}else\n{loop}{''.join(vectors)}{pad}    }}\n")


def _xnor_packing(mw: int) -> str:
    """The AVX-512 XNOR kernel's packing of its 4 input vectors (`_xnor_avx512`; one when
    there is one: the kernels then accumulate that one only)."""
    return (f"        for (j = 0; j < (nv == 1 ? 1 : 4); ++j)\n"
            f"            rpnn_pack_bipolar_512(x0 + (v + (j < nv ? j : 0)) * {mw}, {mw}, "
            "xp[j]);\n")


class _Emitter:
    def __init__(self, graph: Graph):
        self.graph = graph
        self.data: list[str] = []  # static const tables
        self.funcs: list[str] = []  # one static function per unit
        self.calls: list[str] = []  # statements in the block loop
        self.alias: dict[int, int] = {}  # stream id -> stream id whose buffer it shares
        self.uses_popcount = False
        self.split_layers = False  # a unit calls rpnn_layer
        self.alias_units = {n.name for n in graph.nodes if isinstance(
            n.op, rpnn.FIFOOp | rpnn.DWCOp | rpnn.DuplicateOp)}
        self.call_at: dict[str, int] = {}  # unit name -> its line in self.calls
        self.scratch: list[tuple[str, int]] = []  # (name, uint64 words per frame)

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
        self.call_at[node.name] = len(self.calls)
        self.calls.append(f"        {node.name}({', '.join(args)});")

    def _add(self, node: Node, body: str, helpers: str = "", prefix: str = "") -> None:
        self.funcs.append(f"{helpers}{prefix}{self._signature(node)}\n{{\n{body}}}\n")
        self._call(node)

    def _add_kernel(self, node: Node, body: str, helpers: str, wide: str | None,
                    implicit: tuple[Node, str, str, int] | None = None,
                    mid: str | None = None) -> None:
        """A matrix unit with one variant per kernel level, each computing the input vectors
        [v0, v1) (pixels of the block's frames) x the output rows [r0, r1): `body` (portable
        C) compiled as is and for AVX2 (`mid`, AVX2 intrinsics, instead when given), `wide`
        (AVX-512 intrinsics; None: the level-1 code again) for level 2; a job function
        dispatching on the level, and the unit, which hands the whole block to `rpnn_layer`
        (split over the call's team of threads where it pays).
        `implicit` (window unit, level-2 body, its packing function, words per frame): level
        2 reads the window unit's packed input instead of its output (`_implicit`)."""
        assert node.weights is not None
        mw, mh = node.weights.shape
        x_ct, y_ct, name = self.ctype(node.inputs[0]), self.ctype(node.outputs[0]), node.name
        params = (f"const {x_ct} *restrict x0, {y_ct} *restrict y, size_t v0, size_t v1, "
                  "size_t r0, size_t r1")
        params2, args2 = params, "x0, y, job->f0, job->f1, job->r0, job->r1"
        if implicit is not None:
            wide = implicit[1]
            params2 = params.replace(f"const {x_ct} *restrict x0", "const uint64_t *restrict pk")
            args2 = args2.replace("x0", "(const uint64_t *)job->in[1]")
        variants = [f"static void {name}_k0({params})\n{{\n{body}}}\n", "#ifdef RPNN_X86",
                    f"RPNN_LEVEL1 static void {name}_k1({params})\n{{\n{mid or body}}}\n",
                    f"RPNN_LEVEL2 static void {name}_k2({params2})\n"
                    f"{{\n{wide or mid or body}}}\n",
                    *([implicit[2]] if implicit else []), "#endif"]
        args = "x0, y, job->f0, job->f1, job->r0, job->r1"
        calls = "".join(f"    if (job->level >= {level}) {{\n        {name}_k{level}"
                        f"({args2 if level == 2 else args});\n"
                        "        return;\n    }\n" for level in (2, 1))
        pixels = self.stream(node.inputs[0]).elems // mw
        extra = pack = ""
        call = [self.buf(node.inputs[0]), self.buf(node.outputs[0]), "n", "level", "team"]
        if implicit is not None:
            window, _, _, words = implicit
            raw_ct = self.ctype(window.inputs[0])
            extra = f", const {raw_ct} *raw, uint64_t *pk"
            pack = (f"#ifdef RPNN_X86\n    if (level >= 2) {{\n"
                    f"        {name}_pack(raw, pk, frames);\n"
                    f"        rpnn_layer({name}_part, x0, pk, y, frames * {pixels}, {mh}, level, "
                    f"team,\n                   (double)frames * "
                    f"{node_work(self.graph, node)});\n        return;\n    }}\n#endif\n"
                    "    (void)raw;\n    (void)pk;\n")
            self.scratch.append((f"{name}_pk", words))
            call += [self.buf(window.inputs[0]), f"{name}_pk"]
            at = self.call_at[window.name]
            self.calls[at] = f"        if (level < 2)\n    {self.calls[at]}"
        dispatch = f"""\
static void {name}_part(rpnn_job *job)
{{
    const {x_ct} *x0 = (const {x_ct} *)job->in[0];
    {y_ct} *y = ({y_ct} *)job->out[0];
#ifdef RPNN_X86
{calls}#endif
    {name}_k0({args});
}}

static void {name}(const {x_ct} *x0, {y_ct} *y, size_t frames, int level, int team{extra})
{{
{pack}    rpnn_layer({name}_part, x0, NULL, y, frames * {pixels}, {mh}, level, team,
               (double)frames * {node_work(self.graph, node)});
}}
"""
        self.funcs.append(helpers + "\n".join(variants) + "\n" + dispatch)
        self.split_layers = True
        self.calls.append(f"        {name}({', '.join(call)});")

    def _window_of(self, node: Node) -> Node | None:
        """The sliding window unit whose output only `node` reads, when its input's channels
        fill whole 64-bit words (each pixel then packs to whole words, and a window's packed
        vector is the concatenation of its pixels' words), else None."""
        root = self.root(node.inputs[0])
        window = next((n for n in self.graph.nodes if n.kind == "swg" and n.outputs[0] == root),
                      None)
        if window is None or self.stream(window.inputs[0]).shape[-1] % 64:
            return None
        readers = [n for n in self.graph.nodes if n.outputs and n.name not in self.alias_units
                   for i in n.inputs if self.root(i) == root]
        outputs = [o for o in self.graph.outputs if self.root(o) == root]
        return window if readers == [node] and not outputs else None

    def _gather(self, node: Node, window: Node, target: str, index: str, planes: int) -> str:
        """C filling `target` (a pointer to planes x the vector's words) for vector
        u = v + `index` from `pk`, the window unit's input packed per pixel ([frame][plane]
        [pixel][words]): the window's rows of pixels are contiguous words there."""
        assert isinstance(window.op, rpnn.SWGOp)
        h, w, c = self.stream(window.inputs[0]).shape
        _, ow, _ = self.stream(window.outputs[0]).shape
        kh, kw = rpnn._ints(window.op.kernel)
        sh, sw = rpnn._ints(window.op.stride)
        cw, pixels = c // 64, self.stream(node.inputs[0]).elems // node.weights.shape[0]
        row = kw * cw
        return f"""\
        for ({index} = 0; {index} < (nv == 1 ? 1 : 4); ++{index}) {{
            size_t u = v + ({index} < nv ? {index} : 0), at = u % {pixels}, pl, r;
            const uint64_t *corner = pk + (u / {pixels} * {planes * h * w} + at / {ow} * {sh * w}
                                           + at % {ow} * {sw}) * {cw};
            for (pl = 0; pl < {planes}; ++pl)
                for (r = 0; r < {kh}; ++r)
                    memcpy({target} + pl * {kh * row} + r * {row},
                           corner + (pl * {h * w} + r * {w}) * {cw}, {row} * sizeof(uint64_t));
        }}
"""

    def unit_mvtu(self, node: Node) -> None:
        op = node.op
        assert isinstance(op, rpnn.MVTUOp) and node.weights is not None
        x = self.stream(node.inputs[0])
        mw, mh = node.weights.shape
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
    size_t v, j, k, m;
    for (v = v0; v < v1; v += 4) {{
        size_t nv = v1 - v < 4 ? v1 - v : 4;
        for (j = 0; j < 4; ++j)
            rpnn_pack_bipolar(x0 + (v + (j < nv ? j : 0)) * {mw}, {mw}, xp[j]);
        for (m = r0; m < r1; ++m) {{
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
            wide = self._xnor_avx512(node, words)
            window = self._window_of(node) if wide is not None else None
            implicit = None
            if window is not None:
                c = self.stream(window.inputs[0]).shape[-1]
                gather = self._gather(node, window, "xp[j]", "j", 1)
                pack = f"""\
RPNN_LEVEL2 static void {node.name}_pack(const int8_t *raw, uint64_t *pk, size_t frames)
{{
    size_t i;
    for (i = 0; i < frames * {self.stream(window.inputs[0]).elems // c}; ++i)
        rpnn_pack_bipolar_512(raw + i * {c}, {c}, pk + i * {c // 64});
}}
"""
                implicit = (window, wide.replace(_xnor_packing(mw), gather), pack,
                            self.stream(window.inputs[0]).elems // 64)
            self._add_kernel(node, body, helper, wide, implicit,
                             self._xnor_avx2(node, words, act))
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
{decl}    size_t v, k, m;
    for (v = v0; v < v1; ++v) {{
        const {x_ct} *xv = x0 + v * {mw};
{prep}        for (m = r0; m + 4 <= r1; m += 4) {{
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
        for (; m < r1; ++m) {{
            const {w_ct} *w = {node.name}_w + m * {mw};
            {acc_ct} a = 0;
            for (k = 0; k < {mw}; ++k)
                a += ({acc_ct})({lane_ct}){lane}[k] * ({acc_ct})w[k];
            y[v * {mh} + m] = ({out_ct})({act});
        }}
    }}
"""
        wide = self._bit_serial(node, w)
        window = self._window_of(node) if wide is not None else None
        implicit = self._planes_implicit(node, window, wide) if window and wide else None
        wide = wide or self._dot_vnni(node, w, acc_ct)
        self._add_kernel(node, body, helper, wide, implicit,
                         self._dot_avx2(node, w, acc_ct, act))

    def _planes_implicit(self, node: Node, window: Node, wide: str
                         ) -> tuple[Node, str, str, int]:
        """The bit-plane kernel `wide` as an implicit convolution (`_add_kernel`): the window
        unit's input unpacked to bit planes per pixel once per block ([frame][plane][pixel]
        [words]), each vector's planes gathered from there."""
        x_elt = self.stream(node.inputs[0]).element_type
        xs, xlo = (2, -1) if dtypes.is_bipolar(x_elt) else (1, range_of(x_elt)[0])
        planes = 1 if xs == 2 else (range_of(x_elt)[1] - xlo).bit_length()
        unpack, shift = _plane_ops(xs, xlo)
        h, w, c = self.stream(window.inputs[0]).shape
        kw = node.weights.shape[0] // 64
        gather = self._gather(node, window, "up[f][0]", "f", planes) + f"""\
        for (f = 0; f < (nv == 1 ? 1 : 4); ++f) {{
            un[f] = 0;
            for (p = 0; p < {planes}; ++p)
                for (k = 0; k < {kw}; ++k)
                    un[f] += (int64_t)_mm_popcnt_u64(up[f][p][k]) << p;
        }}
"""
        start, end = wide.index(PLANES_START), wide.index(PLANES_END) + len(PLANES_END)
        pack = f"""\
RPNN_LEVEL2 static void {node.name}_pack(const {self.ctype(window.inputs[0])} *raw, uint64_t *pk,
    size_t frames)
{{
    const __mmask64 in = ~(__mmask64)0;
    size_t f, i, k, p;
    for (f = 0; f < frames; ++f)
        for (i = 0; i < {h * w}; ++i)
            for (k = 0; k < {c // 64}; ++k) {{
                __m512i xb = _mm512_loadu_si512((const void *)(raw + (f * {h * w} + i) * {c}
                                                               + 64 * k));{shift}
                for (p = 0; p < {planes}; ++p)
                    pk[((f * {planes} + p) * {h * w} + i) * {c // 64} + k] = {unpack};
            }}
}}
"""
        return window, wide[:start] + gather + wide[end:], pack, planes * h * w * c // 64

    def _lanes_activation(self, node: Node, lanes: int) -> str | None:
        """AVX-512 statements turning `acc` (accumulators of rows g * lanes ... in 64- or
        32-bit lanes) into `o`, the unit's outputs (threshold counts by compare-and-count
        over the sorted thresholds laid out per row group); None when the thresholds are too
        many or too wide for the lanes."""
        if node.thresholds is None:
            return "                __m512i o = acc;\n"
        bits = 512 // lanes
        t = np.sort(node.thresholds, axis=1)
        rows, steps = t.shape
        mh = node.weights.shape[1] if node.weights is not None else rows
        if steps > LINEAR_THRESHOLDS or t.min() < -(2**(bits - 1)) or t.max() >= 2**(bits - 1):
            return None
        groups = (mh + lanes - 1) // lanes
        table = np.zeros((groups * lanes, steps), dtype=np.int64)
        table[:mh] = np.broadcast_to(t, (mh, steps))
        table = table.reshape(groups, lanes, steps).transpose(0, 2, 1)
        name = f"{node.name}_tv"
        self.data.append(f"#ifdef RPNN_X86\n{_array(f'int{bits}_t', name, table)}#endif\n")
        e = f"epi{bits}"
        code = (f"                __m512i o = _mm512_setzero_si512();\n"
                f"                for (s = 0; s < {steps}; ++s)\n"
                f"                    o = _mm512_mask_add_{e}(o, _mm512_cmpge_{e}_mask(acc, "
                f"_mm512_loadu_si512((const void *)({name} + (g * {steps} + s) * {lanes}))), "
                f"o, _mm512_set1_{e}(1));\n")
        if dtypes.is_bipolar(node.op.results[0].type.element_type):
            return code + (f"                o = _mm512_mask_blend_{e}(_mm512_cmpgt_{e}_mask(o, "
                           f"_mm512_setzero_si512()), _mm512_set1_{e}(-1), _mm512_set1_{e}(1));\n")
        bias = node.op.bias_value  # type: ignore[attr-defined]
        return code + (f"                o = _mm512_add_{e}(o, _mm512_set1_{e}({bias}));\n"
                       if bias else "")

    def _lanes_store(self, node: Node, lanes: int) -> str | None:
        """Store `o` (lanes of rows g * lanes ...) to vector v + j of y, masked by `keep`."""
        size = {"int8_t": 8, "uint8_t": 8, "int16_t": 16, "uint16_t": 16, "int32_t": 32,
                "uint32_t": 32, "int64_t": 64}.get(self.ctype(node.outputs[0]))
        bits = 512 // lanes
        if size is None or size > bits:
            return None
        mh = node.weights.shape[1]
        target = f"y + (v + j) * {mh} + g * {lanes}"
        if size == bits:
            return f"                _mm512_mask_storeu_epi{bits}({target}, keep, o);\n"
        return f"                _mm512_mask_cvtepi{bits}_storeu_epi{size}({target}, keep, o);\n"

    def _xnor_avx512(self, node: Node, words: np.ndarray) -> str | None:
        """XNOR-popcount with 512-bit VPOPCNTQ, output rows in the 8 lanes: weights laid
        out [row group][word][8 rows], each input word broadcast, so each vector of 8 rows
        needs no horizontal sum and its thresholds are compared in the lanes too; 4 inputs
        per weight load. None when the thresholds or outputs do not fit the lanes."""
        mw, mh = node.weights.shape
        kw = words.shape[1]
        activation, store = self._lanes_activation(node, 8), self._lanes_store(node, 8)
        if activation is None or store is None:
            return None
        groups = (mh + 7) // 8
        table = np.zeros((groups * 8, kw), dtype=np.uint64)
        table[:mh] = words
        table = table.reshape(groups, 8, kw).transpose(0, 2, 1)
        self.data.append("#ifdef RPNN_X86\n" + _array(
            "uint64_t", f"{node.name}_wr", table, fmt=lambda v: f"0x{v:016x}ULL") + "#endif\n")
        lanes = _accumulate(kw, "                    __m512i wk = _mm512_loadu_si512((const "
                            "void *)(w + k * 8));\n", [
            f"                    sum[{j}] = _mm512_add_epi64(sum[{j}], _mm512_popcnt_epi64("
            f"_mm512_xor_si512(_mm512_set1_epi64((long long)xp[{j}][k]), wk)));\n"
            for j in range(4)])
        last = (1 << (mh - (groups - 1) * 8)) - 1
        return f"""\
    uint64_t xp[4][{kw}];
    size_t v, j, k, g, s;
    for (v = v0; v < v1; v += 4) {{
        size_t nv = v1 - v < 4 ? v1 - v : 4;
{_xnor_packing(mw)}        for (g = r0 / 8; g < (r1 + 7) / 8; ++g) {{
            const uint64_t *w = {node.name}_wr + g * {kw * 8};
            __mmask8 keep = g + 1 < {groups} ? 0xFF : {last};
            __m512i sum[4];
            sum[0] = sum[1] = sum[2] = sum[3] = _mm512_setzero_si512();
{lanes}            for (j = 0; j < nv; ++j) {{
                __m512i acc = _mm512_sub_epi64(_mm512_set1_epi64({mw}),
                                               _mm512_slli_epi64(sum[j], 1));
{activation}{store}            }}
        }}
    }}
    (void)s;
"""

    def _xnor_avx2(self, node: Node, words: np.ndarray, act: str) -> str:
        """XNOR-popcount with AVX2 (no vector popcount there): output rows in the 4 64-bit
        lanes (weights laid out [row group][word][4 rows]), each input word broadcast and
        XORed with 4 rows' words, byte popcounts by two lookups of a 4-bit table
        (`vpshufb`) summed in byte lanes for up to 31 words (8 bits each: no byte
        overflows), then into the 64-bit lanes by `vpsadbw`; 4 inputs per weight load (one
        in a group of one); thresholds per row as in the portable kernel (`act`)."""
        mw, mh = node.weights.shape
        kw, groups = words.shape[1], (mh + 3) // 4
        table = np.zeros((groups * 4, kw), dtype=np.uint64)
        table[:mh] = words
        table = table.reshape(groups, 4, kw).transpose(0, 2, 1)
        self.data.append("#ifdef RPNN_X86\n" + _array(
            "uint64_t", f"{node.name}_w4", table, fmt=lambda v: f"0x{v:016x}ULL") + "#endif\n")
        vectors = [f"""\
                        bytes[{j}] = _mm256_add_epi8(bytes[{j}], rpnn_popcount_bytes_256(
                            _mm256_xor_si256(_mm256_set1_epi64x((long long)xp[{j}][k]), wk)));
""" for j in range(4)]
        loads = ("                        __m256i wk = _mm256_loadu_si256((const __m256i *)"
                 "(const void *)(w + k * 4));\n")
        words_loop = _accumulate("k1", loads, vectors, "k0", 16)
        return f"""\
    uint64_t xp[4][{kw}];
    int64_t p4[4];
    size_t v, j, k, k0, g, i, m;
    for (v = v0; v < v1; v += 4) {{
        size_t nv = v1 - v < 4 ? v1 - v : 4;
        for (j = 0; j < (nv == 1 ? 1 : 4); ++j)
            rpnn_pack_bipolar_256(x0 + (v + (j < nv ? j : 0)) * {mw}, {mw}, xp[j]);
        for (g = r0 / 4; g < (r1 + 3) / 4; ++g) {{
            const uint64_t *w = {node.name}_w4 + g * {kw * 4};
            __m256i sum[4], bytes[4];
            sum[0] = sum[1] = sum[2] = sum[3] = _mm256_setzero_si256();
            for (k0 = 0; k0 < {kw}; k0 += 31) {{
                size_t k1 = k0 + 31 < {kw} ? k0 + 31 : {kw};
                bytes[0] = bytes[1] = bytes[2] = bytes[3] = _mm256_setzero_si256();
{words_loop}                for (j = 0; j < 4; ++j)
                    sum[j] = _mm256_add_epi64(sum[j], _mm256_sad_epu8(bytes[j],
                                                                      _mm256_setzero_si256()));
            }}
            for (j = 0; j < nv; ++j) {{
                _mm256_storeu_si256((__m256i *)(void *)p4, sum[j]);
                for (i = 0; i < 4 && g * 4 + i < {mh}; ++i) {{
                    int32_t a = {mw} - 2 * (int32_t)p4[i];
                    m = g * 4 + i;
                    y[(v + j) * {mh} + m] = ({self.ctype(node.outputs[0])})({act});
                }}
            }}
        }}
    }}
"""

    def _bit_serial(self, node: Node, w: np.ndarray) -> str | None:
        """Low-bit layers as bit planes with 512-bit VPOPCNTQ (output rows in the 8 lanes):
        inputs x = xs * u + xlo with u = sum_p 2^p u_p, weights w = sum_q c_q b_q + d (two's
        complement planes, or 2b - 1 for bipolar), so w.x = xs * (sum_pq c_q 2^p
        popcount(b_q & u_p) + d * sum_p 2^p popcount(u_p)) + xlo * sum(w). Used where its
        P * Q plane pairs cost less than 8-bit dot products (P * Q <= 5: three instructions
        per 512 products and pair against two per 64 with VPDPBUSD); None otherwise or when
        the inputs are not bytes or the thresholds or outputs do not fit the lanes."""
        mh, mw = w.shape
        x_elt = self.stream(node.inputs[0]).element_type
        if self.ctype(node.inputs[0]) not in ("int8_t", "uint8_t") or w.size == 0:
            return None
        if dtypes.is_bipolar(x_elt):
            xs, xlo, planes = 2, -1, 1
        else:
            xs, (xlo, xhi) = 1, range_of(x_elt)
            planes = (xhi - xlo).bit_length()
        if dtypes.is_bipolar(node.op.weights.type.element_type):
            coefs, d, bits = [2], -1, (w > 0).astype(np.uint64)[None]
        else:
            wlo, whi = int(w.min()), int(w.max())
            q = max(whi.bit_length(), 1) if wlo >= 0 else max(
                whi.bit_length() + 1, (-wlo - 1).bit_length() + 1)
            coefs = [1 << k for k in range(q)]
            if wlo < 0:
                coefs[-1] = -coefs[-1]
            d = 0
            bits = np.stack([((w % (1 << q)) >> k) & 1 for k in range(q)]).astype(np.uint64)
        if not 1 <= planes <= 8 or planes * len(coefs) > 5:
            return None
        activation, store = self._lanes_activation(node, 8), self._lanes_store(node, 8)
        if activation is None or store is None:
            return None
        kw, groups, nq = (mw + 63) // 64, (mh + 7) // 8, len(coefs)
        padded = np.zeros((nq, groups * 8, kw * 64), dtype=np.uint64)
        padded[:, :mh, :mw] = bits
        words = (padded.reshape(nq, groups * 8, kw, 64) << np.arange(64, dtype=np.uint64)).sum(
            axis=3, dtype=np.uint64)  # [q][row][word]
        table = words.reshape(nq, groups, 8, kw).transpose(1, 3, 0, 2)  # [g][word][q][8]
        tables = _array("uint64_t", f"{node.name}_wb", table, fmt=lambda v: f"0x{v:016x}ULL")
        bias = np.zeros(groups * 8, dtype=np.int64)
        bias[:mh] = xlo * w.sum(axis=1)
        if xlo:
            tables += _array("int64_t", f"{node.name}_wx", bias)
        self.data.append(f"#ifdef RPNN_X86\n{tables}#endif\n")
        pairs = [(p, q) for p in range(planes) for q in range(nq)]
        loads = "".join(f"                    __m512i wq{q} = _mm512_loadu_si512((const void *)"
                        f"(w + (k * {nq} + {q}) * 8));\n" for q in range(nq))
        acc = _accumulate(kw, loads, ["".join(
            f"                    sum[{f}][{i}] = _mm512_add_epi64(sum[{f}][{i}], "
            f"_mm512_popcnt_epi64(_mm512_and_si512(_mm512_set1_epi64((long long)up[{f}][{p}][k]), "
            f"wq{q})));\n" for i, (p, q) in enumerate(pairs)) for f in range(4)])
        combine = "".join(
            f"                acc = _mm512_{'add' if coefs[q] > 0 else 'sub'}_epi64(acc, "
            f"_mm512_slli_epi64(sum[j][{i}], {p + abs(coefs[q]).bit_length() - 1}));\n"
            for i, (p, q) in enumerate(pairs))
        if d:
            combine += (f"                acc = _mm512_add_epi64(acc, _mm512_set1_epi64("
                        f"{d} * un[j]));\n")
        if xs != 1:
            combine += "                acc = _mm512_slli_epi64(acc, 1);\n"
        if xlo:
            combine += (f"                acc = _mm512_add_epi64(acc, _mm512_loadu_si512("
                        f"(const void *)({node.name}_wx + g * 8)));\n")
        tail = (1 << (mw - (kw - 1) * 64)) - 1
        unpack, shift = _plane_ops(xs, xlo)
        last = (1 << (mh - (groups - 1) * 8)) - 1
        return f"""\
    uint64_t up[4][{planes}][{kw}];
    int64_t un[4];
    size_t v, f, j, k, g, p, s;
    for (v = v0; v < v1; v += 4) {{
        size_t nv = v1 - v < 4 ? v1 - v : 4;
{PLANES_START}        for (f = 0; f < (nv == 1 ? 1 : 4); ++f) {{
            const {self.ctype(node.inputs[0])} *xv = x0 + (v + (f < nv ? f : 0)) * {mw};
            un[f] = 0;
            for (k = 0; k < {kw}; ++k) {{
                __mmask64 in = k + 1 < {kw} ? ~(__mmask64)0 : (__mmask64){tail}ULL;
                __m512i xb = _mm512_maskz_loadu_epi8(in, xv + 64 * k);{shift}
                for (p = 0; p < {planes}; ++p) {{
                    uint64_t plane = {unpack};
                    up[f][p][k] = plane;
                    un[f] += (int64_t)_mm_popcnt_u64(plane) << p;
                }}
            }}
        }}
{PLANES_END}        for (g = r0 / 8; g < (r1 + 7) / 8; ++g) {{
            const uint64_t *w = {node.name}_wb + g * {kw * nq * 8};
            __mmask8 keep = g + 1 < {groups} ? 0xFF : {last};
            __m512i sum[4][{len(pairs)}];
            for (f = 0; f < 4; ++f)
                for (j = 0; j < {len(pairs)}; ++j)
                    sum[f][j] = _mm512_setzero_si512();
{acc}            for (j = 0; j < nv; ++j) {{
                __m512i acc = _mm512_setzero_si512();
{combine}{activation}{store}            }}
        }}
    }}
    (void)s;
    (void)un;
"""

    def _byte_quads(self, node: Node, quads: int, offset: int) -> str:
        """C filling xq[f] (`quads` int32 of 4 bytes) with the group's input vectors as
        unsigned bytes (plus `offset`, zero-padded), for the 8-bit dot-product kernels."""
        mw = node.weights.shape[0]
        return f"""\
        for (f = 0; f < (nv == 1 ? 1 : 4); ++f) {{
            const {self.ctype(node.inputs[0])} *xv = x0 + (v + (f < nv ? f : 0)) * {mw};
            uint8_t *xb = (uint8_t *)(void *)xq[f];
            xq[f][{quads - 1}] = 0;
            for (k = 0; k < {mw}; ++k)
                xb[k] = (uint8_t)(xv[k] + {offset});
        }}
"""

    def _dot_avx2(self, node: Node, w: np.ndarray, acc_ct: str, act: str) -> str | None:
        """8-bit dot products with AVX2 `vpmaddubsw` (unsigned input bytes x signed weight
        bytes, pairs summed to int16) then `vpmaddwd` by ones (to int32), output rows in the
        8 int32 lanes: weights laid out [row group][4 columns][8 rows][4 bytes], 4 input
        bytes broadcast per step (inputs offset by -xlo when signed, corrected by that times
        the weight row sums), 4 inputs per weight load (one in a group of one); thresholds
        per row as in the portable kernel (`act`). None when the values do not fit bytes, a
        pair of products could saturate int16, or a sum could leave int32."""
        mh, mw = w.shape
        xlo, xhi = range_of(self.stream(node.inputs[0]).element_type)
        offset = -xlo if xlo < 0 else 0
        if (acc_ct != "int32_t" or mw > VNNI_MAX_MW or w.size == 0 or xhi + offset > 255
                or w.min() < -128 or w.max() > 127
                or 2 * (xhi + offset) * int(np.abs(w).max()) > 32767):
            return None
        quads, groups = (mw + 3) // 4, (mh + 7) // 8
        padded = np.zeros((groups * 8, quads * 4), dtype=np.int64)
        padded[:mh, :mw] = w
        table = padded.reshape(groups, 8, quads, 4).transpose(0, 2, 1, 3)
        sums = np.zeros(groups * 8, dtype=np.int64)
        sums[:mh] = offset * w.sum(axis=1)
        self.data.append(f"#ifdef RPNN_X86\n{_array('int8_t', f'{node.name}_w8x', table)}"
                         f"{_array('int32_t', f'{node.name}_wsx', sums)}#endif\n")
        lanes = _accumulate(quads, "                    __m256i wk = _mm256_loadu_si256((const "
                            "__m256i *)(const void *)(w + k * 32));\n", [
            f"                    sum[{f}] = _mm256_add_epi32(sum[{f}], _mm256_madd_epi16("
            f"_mm256_maddubs_epi16(_mm256_set1_epi32(xq[{f}][k]), wk), ones));\n"
            for f in range(4)])
        return f"""\
    int32_t xq[4][{quads}], a8[8];
    const __m256i ones = _mm256_set1_epi16(1);
    size_t v, f, j, k, g, i, m;
    for (v = v0; v < v1; v += 4) {{
        size_t nv = v1 - v < 4 ? v1 - v : 4;
{self._byte_quads(node, quads, offset)}        for (g = r0 / 8; g < (r1 + 7) / 8; ++g) {{
            const int8_t *w = {node.name}_w8x + g * {quads * 32};
            __m256i sum[4];
            sum[0] = sum[1] = sum[2] = sum[3] = _mm256_setzero_si256();
{lanes}            for (j = 0; j < nv; ++j) {{
                _mm256_storeu_si256((__m256i *)(void *)a8, sum[j]);
                for (i = 0; i < 8 && g * 8 + i < {mh}; ++i) {{
                    int32_t a;
                    m = g * 8 + i;
                    a = a8[i] - {node.name}_wsx[m];
                    y[(v + j) * {mh} + m] = ({self.ctype(node.outputs[0])})({act});
                }}
            }}
        }}
    }}
"""

    def _dot_vnni(self, node: Node, w: np.ndarray, acc_ct: str) -> str | None:
        """8-bit dot products with VPDPBUSD, output rows in the 16 int32 lanes: weights laid
        out [row group][4 columns][16 rows][4 bytes] as signed bytes, 4 input bytes broadcast
        per instruction (inputs as unsigned bytes; signed ones offset by 128, corrected by
        128 * the weight row sums), no horizontal sums, thresholds compared in the lanes; 4
        inputs per weight load. None when the values do not fit bytes, a sum could leave
        int32, or the thresholds or outputs do not fit the lanes."""
        mh, mw = w.shape
        xlo, xhi = range_of(self.stream(node.inputs[0]).element_type)
        if xlo >= 0 and xhi <= 255:
            offset = 0
        elif xlo >= -128 and xhi <= 127:
            offset = 128
        else:
            return None
        if (acc_ct != "int32_t" or mw > VNNI_MAX_MW or w.size == 0 or w.min() < -128
                or w.max() > 127):
            return None
        activation, store = self._lanes_activation(node, 16), self._lanes_store(node, 16)
        if activation is None or store is None:
            return None
        quads, groups = (mw + 3) // 4, (mh + 15) // 16
        padded = np.zeros((groups * 16, quads * 4), dtype=np.int64)
        padded[:mh, :mw] = w
        table = padded.reshape(groups, 16, quads, 4).transpose(0, 2, 1, 3)
        tables = _array("int8_t", f"{node.name}_w8", table)
        sums = np.zeros(groups * 16, dtype=np.int64)
        sums[:mh] = offset * w.sum(axis=1)
        if offset:
            tables += _array("int32_t", f"{node.name}_ws", sums)
        self.data.append(f"#ifdef RPNN_X86\n{tables}#endif\n")
        correction = (f"_mm512_sub_epi32(acc, _mm512_loadu_si512((const void *)"
                      f"({node.name}_ws + g * 16)))" if offset else "acc")
        lanes = _accumulate(quads, "                    __m512i wk = _mm512_loadu_si512((const "
                            "void *)(w + k * 64));\n", [
            f"                    sum[{f}] = _mm512_dpbusd_epi32(sum[{f}], _mm512_set1_epi32("
            f"xq[{f}][k]), wk);\n" for f in range(4)])
        last = (1 << (mh - (groups - 1) * 16)) - 1
        return f"""\
    int32_t xq[4][{quads}];
    size_t v, f, j, k, g, s;
    for (v = v0; v < v1; v += 4) {{
        size_t nv = v1 - v < 4 ? v1 - v : 4;
{self._byte_quads(node, quads, offset)}        for (g = r0 / 16; g < (r1 + 15) / 16; ++g) {{
            const int8_t *w = {node.name}_w8 + g * {quads * 64};
            __mmask16 keep = g + 1 < {groups} ? 0xFFFF : {last};
            __m512i sum[4];
            sum[0] = sum[1] = sum[2] = sum[3] = _mm512_setzero_si512();
{lanes}            for (j = 0; j < nv; ++j) {{
                __m512i acc = sum[j];
                acc = {correction};
{activation}{store}            }}
        }}
    }}
    (void)s;
"""

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
        # a window row is kw contiguous pixels of the NHWC frame: one copy per row
        self._window_unit(node, op.kernel, op.stride, "", """\
                for (kh = 0; kh < {kh}; ++kh) {{
                    memcpy(y, corner + kh * {w} * {c}, {kw} * {c} * sizeof *y);
                    y += {kw} * {c};
                }}
                (void)kw;
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


THREAD_WORK = 2_400_000
"""Weighted multiply-accumulates worth a thread of the pool (about 10 us at level 2; handing a
job to a polling worker costs about a microsecond, waking a sleeping one tens): one per
XNOR-popcount bit, 8 per multi-bit product."""


LAYER_WORK = 400_000
"""Weighted multiply-accumulates of one layer worth a share on another thread of the pool
(batches too small to split by frames; `rpnn_layer`), so a layer is split from 800k on. At
batch 1 (level 2, rpnn_forward_f32, wall time per call, second core free) splitting
TFC-W2A2's 401k layer (~0.25 us) and SFC-W1A1's 200k one cost more than they saved (0.41 ->
0.45 us and 0.52 -> 0.57 us per frame); LFC-W1A1's 802k and 1M layers (~0.7 us each)
gained (2.4 -> 1.85 us per frame); docs/backends.md."""


def node_work(graph: Graph, node: Node) -> int:
    """Weighted multiply-accumulates of one frame of `node` (0 for units without weights):
    one per XNOR-popcount bit, 8 per multi-bit product (depthwise: one per input element)."""
    if node.weights is None or not node.inputs:
        return 0
    x = graph.streams[node.inputs[0]]
    if node.kind != "mvtu":
        return 8 * x.elems
    cost = 1 if (dtypes.is_bipolar(x.element_type) and
                 dtypes.is_bipolar(node.op.weights.type.element_type)) else 8
    return cost * node.weights.size * (x.elems // node.weights.shape[0])


def _min_frames_per_thread(graph: Graph) -> int:
    """Frames a thread needs to be worth using: THREAD_WORK over the weighted
    multiply-accumulates of one frame."""
    work = sum(node_work(graph, node) for node in graph.nodes)
    return max(1, THREAD_WORK // max(work, 1))


def _block_frames(graph: Graph, buffered: list[int]) -> int:
    per_frame = sum(
        graph.streams[i].elems * np.dtype(c_int_type(graph.streams[i].element_type)
                                          .removesuffix("_t")).itemsize
        for i in buffered
    )
    return int(max(1, min(MAX_BLOCK, BLOCK_BYTES // max(1, per_frame))))


def _port_names(count: int, base: str) -> list[str]:
    return [base] if count == 1 else [f"{base}{i}" for i in range(count)]


def _header(graph: Graph, em: _Emitter, prototypes: list[str], host: HostCode | str) -> str:
    in_names = _port_names(len(graph.inputs), "input")
    out_names = _port_names(len(graph.outputs), "output")
    defs = []
    for what, ids, names in (("INPUT", graph.inputs, in_names), ("OUTPUT", graph.outputs,
                                                                     out_names)):
        for k, (sid, pname) in enumerate(zip(ids, names, strict=True)):
            s = graph.streams[sid]
            suffix = "" if len(ids) == 1 else str(k)
            defs.append(f"/* {pname}: frames of {'x'.join(map(str, s.shape))} "
                        f"{dtypes.type_str(s.element_type)} (row-major, channels last) */")
            defs.append(f"#define RPNN_{what}{suffix}_ELEMS {s.elems}")
    if isinstance(host, HostCode):
        defs.append("\n/* The whole network (rpnn_forward_f32): one port per function argument "
                    "and result,\n * float for f32 tensors, int64_t for integer ones. */")
        defs.append("#define RPNN_HAS_FORWARD_F32 1")
        for what, ports in (("INPUT", host.inputs), ("OUTPUT", host.outputs)):
            defs.append(f"#define RPNN_F32_NUM_{what}S {len(ports)}")
            for k, port in enumerate(ports):
                suffix = "" if len(ports) == 1 else str(k)
                defs.append(f"#define RPNN_F32_{what}{suffix}_ELEMS {port.elems}")
                defs.append(f"#define RPNN_F32_{what}{suffix}_IS_FLOAT "
                            f"{int(port.ctype == 'float')}")
    else:
        reason = re.sub(r"[^A-Za-z0-9 ._,-]", "", host)
        defs.append(f"\n/* No rpnn_forward_f32: {reason}. */\n#define RPNN_HAS_FORWARD_F32 0")
    declarations = "\n".join(f"{p};" for p in prototypes)
    return f"""\
/* Generated by rpnn-opt -t rpnn-c: the C reference of a dataflow-level module: the FPGA part
 * (the ops between rpnn.tensor_to_stream and rpnn.stream_to_tensor) and, where the host ops
 * allow, the whole network. Plain C99 (+ POSIX threads), integer-exact, reentrant (the thread
 * pool serves one call at a time). See docs/backends.md. */
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

/* rpnn_forward runs n_frames frames of the FPGA part; each port holds n_frames * ELEMS
 * consecutive elements; bipolar elements are -1/+1. rpnn_forward_mt splits the frames over
 * n_threads threads (same results). rpnn_forward_f32 runs the whole network: input
 * quantizer, FPGA part, float tail and top-k. All return 0, -1 when scratch memory cannot be
 * allocated or a pointer is NULL, -2 when an input holds NaN. */
{declarations}

#ifdef __cplusplus
}}
#endif

#endif /* RPNN_H */
"""


THREADS_BLOCK = """\
#if !defined(RPNN_NO_THREADS) && (defined(__unix__) || defined(__APPLE__))
#include <pthread.h>
#define RPNN_THREADS 1
#endif
#define RPNN_MAX_THREADS 256

/* A share of one call, each thread gets its own: the frames [f0, f1) of the call (team: the
 * threads its layers may use), or of a matrix layer on a block (rpnn_layer) the vectors
 * [f0, f1) x the output rows [r0, r1). */
typedef struct rpnn_job {
    const void *in[RPNN_JOB_PORTS];
    void *out[RPNN_JOB_PORTS];
    size_t f0, f1, r0, r1;
    int status, level, team;
    void (*work)(struct rpnn_job *);
} rpnn_job;

#ifdef RPNN_THREADS
static void *rpnn_thread(void *job)
{
    ((rpnn_job *)job)->work((rpnn_job *)job);
    return NULL;
}

/* Threads started for one call and joined at its end: used when the pool is busy (another
 * thread is in a call) or not built. */
static void rpnn_run_started(rpnn_job *jobs, size_t nt)
{
    pthread_t tid[RPNN_MAX_THREADS];
    int started[RPNN_MAX_THREADS];
    size_t t;
    for (t = 1; t < nt; ++t)
        started[t] = pthread_create(&tid[t], NULL, rpnn_thread, &jobs[t]) == 0;
    jobs[0].work(&jobs[0]);
    for (t = 1; t < nt; ++t) {
        if (started[t])
            pthread_join(tid[t], NULL);
        else
            jobs[t].work(&jobs[t]);
    }
}
#endif

/* The thread pool (GCC/clang atomics): worker threads kept between calls, so that a thread
 * is worth a few microseconds of work instead of the tens that starting one costs. A call
 * hands worker k its job and bumps the worker's own counter `go`; waiting threads poll for up
 * to RPNN_SPIN_US microseconds (back-to-back calls find them awake), then sleep on a condition
 * variable. Whoever claims a job first runs it: the caller, done with its own share, claims
 * the jobs no worker has started (on a loaded machine a worker may not get a core for
 * milliseconds; a call is then no slower than on one thread). One call uses the pool at a
 * time (a concurrent call starts its own threads), so the library stays reentrant; a forked
 * child starts a new pool; the workers are stopped and joined when the library is unloaded. */
#if defined(RPNN_THREADS) && (defined(__GNUC__) || defined(__clang__)) && \\
    defined(__ATOMIC_ACQUIRE) && !defined(RPNN_NO_POOL)
#define RPNN_POOL 1
#include <sched.h>
#include <time.h>
#ifndef RPNN_SPIN_US
#define RPNN_SPIN_US 200
#endif
#if defined(__x86_64__) || defined(__i386__)
#define RPNN_PAUSE() __builtin_ia32_pause()
#else
#define RPNN_PAUSE() ((void)0)
#endif

typedef struct rpnn_worker {
    rpnn_job *job;
    unsigned claimed; /* atomic: 1 once the worker or the caller has taken `job` */
    unsigned go;      /* atomic: bumped by the caller when `job` is set */
    unsigned seen;    /* the worker's: the last `go` it saw */
} rpnn_worker;

static struct rpnn_pool {
    pthread_mutex_t use;  /* held by the call using the pool */
    pthread_mutex_t lock; /* with the condition variables, for sleeping */
    pthread_cond_t wake, done;
    unsigned left;        /* atomic: jobs of the call's workers not finished */
    unsigned stop;        /* atomic: the workers exit */
    int workers, at_fork;
    pthread_t tid[RPNN_MAX_THREADS];
    rpnn_worker worker[RPNN_MAX_THREADS];
} rpnn_pool = {.use = PTHREAD_MUTEX_INITIALIZER, .lock = PTHREAD_MUTEX_INITIALIZER,
               .wake = PTHREAD_COND_INITIALIZER, .done = PTHREAD_COND_INITIALIZER};

/* Microseconds on a monotonic clock (for the polling deadline only). */
static double rpnn_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec * 1e-3;
}

/* Polls until (*value == target) == equal or the pool stops: 1, or 0 after RPNN_SPIN_US.
 * After the first thousand polls it yields the core between polls: on a machine with more
 * runnable threads than cores, the thread it waits for may need this one's core. */
static int rpnn_poll(const unsigned *value, unsigned target, int equal)
{
    double deadline = 0.0;
    unsigned i;
    for (i = 1;; ++i) {
        if ((__atomic_load_n(value, __ATOMIC_ACQUIRE) == target) == equal ||
            __atomic_load_n(&rpnn_pool.stop, __ATOMIC_ACQUIRE))
            return 1;
        if ((i & 63) == 0) {
            double now = rpnn_now_us();
            if (deadline == 0.0)
                deadline = now + RPNN_SPIN_US;
            else if (now >= deadline)
                return 0;
        }
        if (i < 1024)
            RPNN_PAUSE();
        else
            sched_yield();
    }
}

static void *rpnn_worker_main(void *arg)
{
    rpnn_worker *self = (rpnn_worker *)arg;
    for (;;) {
        if (!rpnn_poll(&self->go, self->seen, 0)) {
            pthread_mutex_lock(&rpnn_pool.lock);
            while (__atomic_load_n(&self->go, __ATOMIC_ACQUIRE) == self->seen &&
                   !__atomic_load_n(&rpnn_pool.stop, __ATOMIC_ACQUIRE))
                pthread_cond_wait(&rpnn_pool.wake, &rpnn_pool.lock);
            pthread_mutex_unlock(&rpnn_pool.lock);
        }
        if (__atomic_load_n(&rpnn_pool.stop, __ATOMIC_ACQUIRE))
            return NULL;
        self->seen = __atomic_load_n(&self->go, __ATOMIC_ACQUIRE);
        if (__atomic_exchange_n(&self->claimed, 1, __ATOMIC_ACQ_REL) != 0)
            continue; /* the caller ran it */
        self->job->work(self->job);
        if (__atomic_sub_fetch(&rpnn_pool.left, 1, __ATOMIC_ACQ_REL) == 0) {
            pthread_mutex_lock(&rpnn_pool.lock);
            pthread_cond_signal(&rpnn_pool.done);
            pthread_mutex_unlock(&rpnn_pool.lock);
        }
    }
}

/* In a forked child the workers do not exist: forget them (the parent keeps its pool). */
static void rpnn_pool_forked(void)
{
    pthread_mutex_init(&rpnn_pool.use, NULL);
    pthread_mutex_init(&rpnn_pool.lock, NULL);
    pthread_cond_init(&rpnn_pool.wake, NULL);
    pthread_cond_init(&rpnn_pool.done, NULL);
    rpnn_pool.workers = 0;
}

/* Runs jobs[1..nt) on pool workers (started when first needed) and jobs[0] on the caller;
 * returns 0, having run nothing, when another call holds the pool. */
static int rpnn_run_pooled(rpnn_job *jobs, size_t nt)
{
    int k, n_jobs;
    if (pthread_mutex_trylock(&rpnn_pool.use) != 0)
        return 0;
    if (!rpnn_pool.at_fork)
        rpnn_pool.at_fork = pthread_atfork(NULL, NULL, rpnn_pool_forked) == 0 ? 1 : -1;
    while (rpnn_pool.workers + 1 < (int)nt) {
        rpnn_worker *w = &rpnn_pool.worker[rpnn_pool.workers];
        w->seen = __atomic_load_n(&w->go, __ATOMIC_ACQUIRE);
        __atomic_store_n(&w->claimed, 1, __ATOMIC_RELEASE);
        if (pthread_create(&rpnn_pool.tid[rpnn_pool.workers], NULL, rpnn_worker_main, w) != 0)
            break;
        ++rpnn_pool.workers;
    }
    n_jobs = rpnn_pool.workers + 1 < (int)nt ? rpnn_pool.workers + 1 : (int)nt;
    __atomic_store_n(&rpnn_pool.left, (unsigned)(n_jobs - 1), __ATOMIC_RELEASE);
    for (k = 1; k < n_jobs; ++k) {
        rpnn_pool.worker[k - 1].job = &jobs[k];
        __atomic_store_n(&rpnn_pool.worker[k - 1].claimed, 0, __ATOMIC_RELEASE);
        __atomic_add_fetch(&rpnn_pool.worker[k - 1].go, 1, __ATOMIC_ACQ_REL);
    }
    pthread_mutex_lock(&rpnn_pool.lock);
    pthread_cond_broadcast(&rpnn_pool.wake);
    pthread_mutex_unlock(&rpnn_pool.lock);
    jobs[0].work(&jobs[0]);
    for (k = n_jobs; k < (int)nt; ++k) /* workers that could not be started */
        jobs[k].work(&jobs[k]);
    for (k = 1; k < n_jobs; ++k) /* jobs no worker has taken yet */
        if (__atomic_exchange_n(&rpnn_pool.worker[k - 1].claimed, 1, __ATOMIC_ACQ_REL) == 0) {
            jobs[k].work(&jobs[k]);
            __atomic_sub_fetch(&rpnn_pool.left, 1, __ATOMIC_ACQ_REL);
        }
    if (!rpnn_poll(&rpnn_pool.left, 0, 1) || __atomic_load_n(&rpnn_pool.left,
                                                             __ATOMIC_ACQUIRE) != 0) {
        pthread_mutex_lock(&rpnn_pool.lock);
        while (__atomic_load_n(&rpnn_pool.left, __ATOMIC_ACQUIRE) != 0)
            pthread_cond_wait(&rpnn_pool.done, &rpnn_pool.lock);
        pthread_mutex_unlock(&rpnn_pool.lock);
    }
    pthread_mutex_unlock(&rpnn_pool.use);
    return 1;
}

__attribute__((destructor)) static void rpnn_pool_stop(void)
{
    int k;
    if (rpnn_pool.workers == 0)
        return;
    pthread_mutex_lock(&rpnn_pool.lock);
    __atomic_store_n(&rpnn_pool.stop, 1, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&rpnn_pool.wake);
    pthread_mutex_unlock(&rpnn_pool.lock);
    for (k = 0; k < rpnn_pool.workers; ++k)
        pthread_join(rpnn_pool.tid[k], NULL);
    rpnn_pool.workers = 0;
}
#endif

/* Contiguous frame ranges per thread: results do not depend on the thread count. A thread
 * gets at least RPNN_MIN_FRAMES_PER_THREAD frames (a few microseconds of work with the pool),
 * so n_threads is an upper bound; when that leaves one range (small batches), its layers
 * may split their work over the n_threads (rpnn_layer). */
static int rpnn_parallel(const rpnn_job *job, size_t n_frames, int n_threads)
{
    rpnn_job jobs[RPNN_MAX_THREADS];
    size_t t, nt = n_threads < 1 ? 1 : (size_t)n_threads;
    int status = 0;
    if (nt > RPNN_MAX_THREADS)
        nt = RPNN_MAX_THREADS;
    if (nt > n_frames / RPNN_MIN_FRAMES_PER_THREAD)
        nt = n_frames / RPNN_MIN_FRAMES_PER_THREAD;
    if (nt == 0 && n_frames > 0)
        nt = 1;
    if (nt == 0)
        return 0;
    for (t = 0; t < nt; ++t) {
        jobs[t] = *job;
        jobs[t].f0 = n_frames / nt * t + (t < n_frames % nt ? t : n_frames % nt);
        jobs[t].f1 = jobs[t].f0 + n_frames / nt + (t < n_frames % nt);
        jobs[t].status = 0;
        jobs[t].team = nt == 1 ? (n_threads > RPNN_MAX_THREADS ? RPNN_MAX_THREADS : n_threads)
                               : 1;
    }
    if (nt == 1)
        jobs[0].work(&jobs[0]);
#ifdef RPNN_POOL
    else if (!rpnn_run_pooled(jobs, nt))
        rpnn_run_started(jobs, nt);
#elif defined(RPNN_THREADS)
    else
        rpnn_run_started(jobs, nt);
#else
    else
        for (t = 0; t < nt; ++t)
            jobs[t].work(&jobs[t]);
#endif
    for (t = 0; t < nt; ++t)
        if (jobs[t].status != 0 && status == 0)
            status = jobs[t].status;
    return status;
}
"""

LAYER_BLOCK = """\
/* One matrix layer on a block (input x, and x1 the packed window input of an implicit
 * convolution or NULL): its vectors [0, nvec) x output rows [0, mh) split over up to
 * `team` threads of the pool, each share at least RPNN_LAYER_WORK weighted multiply-
 * accumulates of the layer's `work`: by vectors (groups of 4, the kernels' input group) when
 * there are at least two groups per thread, else by rows (groups of 16, the widest kernel's
 * row group). Every output is computed by the same operations whichever thread computes it,
 * so results do not depend on the split. Without the pool (or while another call holds it)
 * the shares run one after the other: starting threads per layer would cost more. */
static void rpnn_layer(void (*part)(rpnn_job *), const void *x, const void *x1, void *y,
                       size_t nvec, size_t mh, int level, int team, double work)
{
    rpnn_job jobs[RPNN_MAX_THREADS];
    size_t t, nt = team < 1 ? 1 : (size_t)team, units, vec_units = (nvec + 3) / 4;
    size_t row_units = (mh + 15) / 16;
    int by_rows;
    if (nt > RPNN_MAX_THREADS)
        nt = RPNN_MAX_THREADS;
    if ((double)nt * RPNN_LAYER_WORK > work)
        nt = (size_t)(work / RPNN_LAYER_WORK);
    by_rows = vec_units < 2 * nt && row_units > vec_units;
    units = by_rows ? row_units : vec_units;
    if (nt > units)
        nt = units;
    if (nt < 1)
        nt = 1;
    for (t = 0; t < nt; ++t) {
        size_t a = units * t / nt, b = units * (t + 1) / nt;
        jobs[t].in[0] = x;
        jobs[t].in[1] = x1;
        jobs[t].out[0] = y;
        jobs[t].f0 = by_rows ? 0 : a * 4;
        jobs[t].f1 = by_rows ? nvec : (b * 4 < nvec ? b * 4 : nvec);
        jobs[t].r0 = by_rows ? a * 16 : 0;
        jobs[t].r1 = by_rows ? (b * 16 < mh ? b * 16 : mh) : mh;
        jobs[t].status = 0;
        jobs[t].level = level;
        jobs[t].team = 1;
        jobs[t].work = part;
    }
#ifdef RPNN_POOL
    if (nt > 1 && rpnn_run_pooled(jobs, nt))
        return;
#endif
    for (t = 0; t < nt; ++t)
        part(&jobs[t]);
}
"""


def emit_c(module: ModuleOp, function: str | None = None) -> tuple[str, str]:
    """(header, source) of the C reference of `function`: its FPGA part and, when the host
    ops allow (`c_host.plan`), the whole network."""
    graph = extract(module, function)
    em = _Emitter(graph)
    em.emit()
    in_names = _port_names(len(graph.inputs), "input")
    out_names = _port_names(len(graph.outputs), "output")
    in_types = [em.ctype(i) for i in graph.inputs]
    out_types = [em.ctype(i) for i in graph.outputs]
    params = [f"const {t} *{n}" for t, n in zip(in_types, in_names, strict=True)]
    params += [f"{t} *{n}" for t, n in zip(out_types, out_names, strict=True)]
    host = c_host.plan(module, function, in_types, out_types)
    prototypes = ["int rpnn_kernel_level(void)",
                  f"int rpnn_forward({', '.join(params)}, size_t n_frames)",
                  f"int rpnn_forward_mt({', '.join(params)}, size_t n_frames, int n_threads)"]
    if isinstance(host, HostCode):
        f32_params = [f"const {p.ctype} *{n}" for p, n in zip(
            host.inputs, _port_names(len(host.inputs), "input"), strict=True)]
        f32_params += [f"{p.ctype} *{n}" for p, n in zip(
            host.outputs, _port_names(len(host.outputs), "output"), strict=True)]
        prototypes.append(f"int rpnn_forward_f32({', '.join(f32_params)}, size_t n_frames, "
                          "int n_threads)")
    header = _header(graph, em, prototypes, host)

    # ---- buffers and the FPGA part's block loop ----
    input_set = set(graph.inputs)
    buffered = [node_out for node in graph.nodes for node_out in node.outputs
                if em.root(node_out) == node_out and node_out not in input_set]
    block = _block_frames(graph, buffered)
    offsets: list[tuple[int | str, int]] = []
    total = 0
    for sid in buffered:
        s = graph.streams[sid]
        size = block * s.elems * np.dtype(em.ctype(sid).removesuffix("_t")).itemsize
        offsets.append((sid, total))
        total += (size + 63) // 64 * 64
    for name, words in em.scratch:
        offsets.append((name, total))
        total += (block * words * 8 + 63) // 64 * 64
    fpga_params = ", ".join(params)
    lines = [f"/* The FPGA part on n_frames frames, in blocks of {block}, with `arena` of "
             f"RPNN_ARENA bytes. */",
             f"#define RPNN_ARENA {max(total, 64)}",
             f"#define RPNN_BLOCK {block}",
             f"static void rpnn_fpga(unsigned char *arena, {fpga_params}, size_t n_frames, "
             "int level, int team)",
             "{", "    size_t f0, n;"]
    for sid, off in offsets:
        ctype, var = ("uint64_t", sid) if isinstance(sid, str) else (em.ctype(sid), f"b{sid}")
        lines.append(f"    {ctype} *{var} = ({ctype} *)(void *)(arena + {off});")
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
    lines.insert(lines.index("    size_t f0, n;") + 1,
                 "    (void)arena;\n    (void)level;\n    (void)team;")
    lines += ["    }", "}", ""]
    lines += _integer_entry(graph, in_names, out_names, in_types, out_types, params)
    if isinstance(host, HostCode):
        lines += _f32_entry(graph, host, in_types, out_types, prototypes[-1])

    ports = max(2, len(graph.inputs), len(graph.outputs))
    if isinstance(host, HostCode):
        ports = max(ports, len(host.inputs), len(host.outputs))
    parts = [
        "/* Generated by rpnn-opt -t rpnn-c (see rpnn.h and docs/backends.md). */\n"
        "#if !defined(_POSIX_C_SOURCE)\n#define _POSIX_C_SOURCE 200809L\n#endif\n"
        "#if defined(__clang__)\n#pragma STDC FP_CONTRACT OFF\n#endif\n"
        f'#include "{HEADER_NAME}"\n\n#include <stdlib.h>\n#include <string.h>\n'
        + ("#include <float.h>\n#include <math.h>\n" if isinstance(host, HostCode) else "")
        + "\n"
        f"#define RPNN_JOB_PORTS {ports}\n#ifndef RPNN_MIN_FRAMES_PER_THREAD\n"
        f"#define RPNN_MIN_FRAMES_PER_THREAD {_min_frames_per_thread(graph)}\n#endif\n"
        f"#ifndef RPNN_LAYER_WORK\n#define RPNN_LAYER_WORK {LAYER_WORK}\n#endif\n"
        + THREADS_BLOCK + "\n" + (LAYER_BLOCK + "\n" if em.split_layers else "")
        + ISA_BLOCK + "\n"
    ]
    if em.uses_popcount:
        parts.append(_popcount_block(any("rpnn_pack_bipolar_512(" in f for f in em.funcs))
                     + "\n")
    parts += [d + "\n" for d in em.data]
    parts += [f + "\n" for f in em.funcs]
    if isinstance(host, HostCode):
        parts += [d + "\n" for d in host.data]
    parts.append("\n".join(lines) + "\n")
    return header, "".join(parts)


def _integer_entry(graph: Graph, in_names: list[str], out_names: list[str],
                   in_types: list[str], out_types: list[str], params: list[str]) -> list[str]:
    """rpnn_forward / rpnn_forward_mt: the FPGA part, frames split over threads."""
    slices = [f"({t} *)job->out[{k}] + job->f0 * {graph.streams[sid].elems}"
              for k, (t, sid) in enumerate(zip(out_types, graph.outputs, strict=True))]
    args = [f"(const {t} *)job->in[{k}] + job->f0 * {graph.streams[sid].elems}"
            for k, (t, sid) in enumerate(zip(in_types, graph.inputs, strict=True))] + slices
    names = in_names + out_names
    checks = " || ".join(f"!{n}" for n in names)
    lines = [
        "static void rpnn_fpga_job(rpnn_job *job)",
        "{",
        "    unsigned char *arena = (unsigned char *)malloc(RPNN_ARENA);",
        "    if (!arena) {",
        "        job->status = -1;",
        "        return;",
        "    }",
        f"    rpnn_fpga(arena, {', '.join(args)}, job->f1 - job->f0, job->level, job->team);",
        "    free(arena);",
        "}",
        "",
        f"int rpnn_forward_mt({', '.join(params)}, size_t n_frames, int n_threads)",
        "{",
        "    rpnn_job job;",
        "    if (n_frames == 0)",
        "        return 0;",
        f"    if ({checks})",
        "        return -1;",
        "    memset(&job, 0, sizeof job);",
        "    job.work = rpnn_fpga_job;",
        "    job.level = rpnn_kernel_level();",
    ]
    lines += [f"    job.in[{k}] = {n};" for k, n in enumerate(in_names)]
    lines += [f"    job.out[{k}] = {n};" for k, n in enumerate(out_names)]
    lines += ["    return rpnn_parallel(&job, n_frames, n_threads);", "}", "",
              f"int rpnn_forward({', '.join(params)}, size_t n_frames)", "{",
              f"    return rpnn_forward_mt({', '.join(names)}, n_frames, 1);", "}", ""]
    return lines


def _f32_entry(graph: Graph, host: HostCode, in_types: list[str], out_types: list[str],
               prototype: str) -> list[str]:
    """rpnn_forward_f32: per block of frames, the host code before the FPGA on each frame,
    the FPGA part on the block, the host code after it on each frame."""
    args = [f"const {p.ctype} *a{k}" for k, p in enumerate(host.inputs)]
    ports_in = [f"{t} *p{k}" for k, t in enumerate(in_types)]
    ports_out = [f"const {t} *q{k}" for k, t in enumerate(out_types)]
    results = [f"{p.ctype} *o{k}" for k, p in enumerate(host.outputs)]

    lines = _pre_entry(host, args, ports_in, block_in := [graph.streams[s].elems
                                                           for s in graph.inputs])
    params = args + ports_out + results
    lines += [f"static void rpnn_post({', '.join(params + ['double *hd', 'int64_t *hi'])})",
              "{", "    size_t i, r;", "    int nan = 0;",
              "    (void)i;", "    (void)r;", "    (void)hd;", "    (void)hi;",
              "    (void)nan;"]
    lines += [f"    (void){p.split('*')[-1]};" for p in params]
    lines += [f"    {statement}" for statement in host.post]
    lines += ["}", ""]
    block_out = [graph.streams[s].elems for s in graph.outputs]
    sizes = [f"RPNN_BLOCK * {e} * sizeof({t})" for e, t in zip(
        block_in + block_out, in_types + out_types, strict=True)]
    lines += ["static void rpnn_f32_job(rpnn_job *job)", "{",
              "    size_t f, f0, n, k;",
              f"    size_t sizes[{len(sizes)}] = {{{', '.join(sizes)}}};",
              f"    size_t total = RPNN_ARENA + {max(host.doubles, 1)} * sizeof(double) + "
              f"{max(host.ints, 1)} * sizeof(int64_t);",
              "    unsigned char *mem, *at;"]
    lines += [f"    {t} *p{k};" for k, t in enumerate(in_types)]
    lines += [f"    {t} *q{k};" for k, t in enumerate(out_types)]
    lines += ["    double *hd;", "    int64_t *hi;",
              f"    for (k = 0; k < {len(sizes)}; ++k)",
              "        total += (sizes[k] + 63) / 64 * 64;",
              "    mem = (unsigned char *)malloc(total);",
              "    if (!mem) {", "        job->status = -1;", "        return;", "    }",
              "    at = mem + RPNN_ARENA;"]
    for k, t in enumerate(in_types):
        lines += [f"    p{k} = ({t} *)(void *)at;", f"    at += (sizes[{k}] + 63) / 64 * 64;"]
    for k, t in enumerate(out_types):
        j = len(in_types) + k
        lines += [f"    q{k} = ({t} *)(void *)at;", f"    at += (sizes[{j}] + 63) / 64 * 64;"]
    lines += ["    hd = (double *)(void *)at;",
              f"    hi = (int64_t *)(void *)(at + {max(host.doubles, 1)} * sizeof(double));",
              "    for (f0 = job->f0; f0 < job->f1; f0 += RPNN_BLOCK) {",
              "        n = job->f1 - f0 < RPNN_BLOCK ? job->f1 - f0 : RPNN_BLOCK;",
              "        int status;"]
    block_args = [f"(const {p.ctype} *)job->in[{k}] + f0 * {p.elems}"
                  for k, p in enumerate(host.inputs)]
    block_args += [f"p{k}" for k in range(len(block_in))] + ["hd", "hi", "n", "job->level"]
    lines += [f"        status = rpnn_pre_block({', '.join(block_args)});",
              "        if (status != 0) {", "            job->status = status;",
              "            free(mem);", "            return;", "        }",
              f"        rpnn_fpga(mem, {', '.join([f'p{k}' for k in range(len(in_types))] + [f'q{k}' for k in range(len(out_types))])}, n, job->level, job->team);",  # noqa: E501
              "        for (f = 0; f < n; ++f)"]
    frame_args = [f"(const {p.ctype} *)job->in[{k}] + (f0 + f) * {p.elems}"
                  for k, p in enumerate(host.inputs)]
    post_args = frame_args + [f"q{k} + f * {e}" for k, e in enumerate(block_out)]
    post_args += [f"({p.ctype} *)job->out[{k}] + (f0 + f) * {p.elems}"
                  for k, p in enumerate(host.outputs)]
    lines += [f"            rpnn_post({', '.join(post_args + ['hd', 'hi'])});", "    }",
              "    free(mem);", "}", ""]
    out_names = _port_names(len(host.outputs), "output")
    in_names = _port_names(len(host.inputs), "input")
    checks = " || ".join(f"!{n}" for n in in_names + out_names)
    lines += [prototype, "{", "    rpnn_job job;", "    if (n_frames == 0)",
              "        return 0;", f"    if ({checks})", "        return -1;",
              "    memset(&job, 0, sizeof job);", "    job.work = rpnn_f32_job;",
              "    job.level = rpnn_kernel_level();"]
    lines += [f"    job.in[{k}] = {n};" for k, n in enumerate(in_names)]
    lines += [f"    job.out[{k}] = {n};" for k, n in enumerate(out_names)]
    lines += ["    return rpnn_parallel(&job, n_frames, n_threads);", "}"]
    return lines


def _pre_entry(host: HostCode, args: list[str], ports_in: list[str],
               elems_in: list[int]) -> list[str]:
    """rpnn_pre (one frame: the fused host loops before the FPGA part) and rpnn_pre_block (n
    frames, compiled per kernel level like the kernels so the loops vectorise as wide as the
    CPU allows; the same IEEE operations at every level).  `hd`/`hi` are the per-frame
    scratch arrays, which only the op-by-op host code of an onnx-float function uses."""
    params = [f"{p}*restrict {n}" for p, n in (a.rsplit("*", 1) for a in args + ports_in)]
    names = [a.rsplit("*", 1)[1] for a in args + ports_in]
    scratch = ["double *hd", "int64_t *hi"]
    lines = [f"RPNN_VECTORIZE static inline int rpnn_pre({', '.join(params + scratch)})", "{",
             "    size_t i;", "    int nan = 0;", "    (void)nan;", "    (void)hd;",
             "    (void)hi;"]
    lines += [f"    (void){n};" for n in names]
    lines += [f"    {statement}" for statement in host.pre]
    lines += ["    return 0;", "}", ""]
    sizes = [p.elems for p in host.inputs] + elems_in
    call = ", ".join([f"{n} + f * {e}" for n, e in zip(names, sizes, strict=True)]
                     + ["hd", "hi"])
    block_params = ", ".join(args + ports_in + scratch)
    for level, attribute in enumerate(("", "RPNN_LEVEL1 ", "RPNN_LEVEL2 ")):
        lines += ["#ifdef RPNN_X86"] if level == 1 else []
        lines += [f"RPNN_VECTORIZE {attribute}static int rpnn_pre_k{level}({block_params}, "
                  "size_t n)", "{",
                  "    size_t f;", "    for (f = 0; f < n; ++f) {",
                  f"        int status = rpnn_pre({call});", "        if (status != 0)",
                  "            return status;", "    }", "    return 0;", "}", ""]
    lines += ["#endif", f"static int rpnn_pre_block({block_params}, size_t n, int level)",
              "{", "#ifdef RPNN_X86"]
    args_call = ", ".join(names + ["hd", "hi", "n"])
    lines += [f"    if (level >= {level})\n        return rpnn_pre_k{level}({args_call});"
              for level in (2, 1)]
    lines += ["#endif", "    (void)level;", f"    return rpnn_pre_k0({args_call});", "}", ""]
    return lines


def port_types(module: ModuleOp, function: str | None = None) -> tuple[list[Stream], list[Stream]]:
    """The streams of the entry point's inputs and outputs (for callers such as c_runner)."""
    graph = extract(module, function)
    return ([graph.streams[i] for i in graph.inputs], [graph.streams[i] for i in graph.outputs])


MAIN_NAME = "main.c"
MAKEFILE_NAME = "Makefile"
INTERFACE_NAME = "rpnn.json"
"""The entry points' ports, for `CReference.load` (`describe_interface`)."""


def describe_interface(module: ModuleOp, function: str | None = None) -> dict:
    """The ports of `rpnn_forward` (FPGA part: shape per frame, element type) and of
    `rpnn_forward_f32` (whole network: shape per frame, C type), or why there is none."""
    inputs, outputs = port_types(module, function)
    host = c_host.plan(module, function, [c_int_type(s.element_type) for s in inputs],
                       [c_int_type(s.element_type) for s in outputs])
    fpga = {"inputs": [{"shape": list(s.shape), "type": dtypes.type_str(s.element_type)}
                       for s in inputs],
            "outputs": [{"shape": list(s.shape), "type": dtypes.type_str(s.element_type)}
                        for s in outputs]}
    whole: dict | None = None
    if isinstance(host, HostCode):
        func_op = interp.find_function(module, function)
        shapes = ([list(a.type.get_shape())[1:] for a in func_op.body.block.args],
                  [list(r.get_shape())[1:] for r in func_op.function_type.outputs])
        whole = {kind: [{"shape": shape, "ctype": port.ctype}
                        for shape, port in zip(kind_shapes, ports, strict=True)]
                 for kind, kind_shapes, ports in (("inputs", shapes[0], host.inputs),
                                                  ("outputs", shapes[1], host.outputs))}
    return {"format": 1, "function": interp.find_function(module, function).sym_name.data,
            "fpga": fpga, "whole": whole,
            "unsupported": None if whole is not None else str(host)}


def _port_table(name: str, ports: list[tuple[str, int]]) -> str:
    """A static table of (element size, elements per frame) of each port."""
    rows = ", ".join(f"{{sizeof({ctype}), {elems}}}" for ctype, elems in ports) or "{0, 0}"
    return f"static const rpnn_port {name}[] = {{{rows}}};\n"


def _entry_call(function: str, ins: list[tuple[str, int]], outs: list[tuple[str, int]],
                threads: bool) -> str:
    args = [f"(const {t} *)data[{k}]" for k, (t, _) in enumerate(ins)]
    args += [f"({t} *)data[{len(ins) + k}]" for k, (t, _) in enumerate(outs)]
    return f"{function}({', '.join(args)}, frames{', threads' if threads else ''})"


def emit_main(module: ModuleOp, function: str | None = None) -> tuple[str, str]:
    """(main.c, Makefile): a command-line program running the C reference on files of frames.

        rpnn_main [-p] [-t THREADS] [-r REPEATS] IN... OUT...

    Files hold raw native-endian frames one after the other: by default the whole network's
    arguments and results (float for f32 tensors, int64_t for integers), with `-p` (or when
    there is no rpnn_forward_f32) the FPGA part's ports (their C element types). `-r N` times
    7 rounds of N calls and prints the best round's frames/s to stderr.
    """
    graph = extract(module, function)
    em = _Emitter(graph)
    fpga_in = [(em.ctype(i), graph.streams[i].elems) for i in graph.inputs]
    fpga_out = [(em.ctype(i), graph.streams[i].elems) for i in graph.outputs]
    host = c_host.plan(module, function, [t for t, _ in fpga_in], [t for t, _ in fpga_out])
    whole = isinstance(host, HostCode)
    f32_in = [(p.ctype, p.elems) for p in host.inputs] if whole else fpga_in
    f32_out = [(p.ctype, p.elems) for p in host.outputs] if whole else fpga_out
    whole_call = _entry_call("rpnn_forward_f32" if whole else "rpnn_forward_mt", f32_in,
                             f32_out, True)
    main = f"""\
/* Generated by rpnn-opt -t rpnn-c: runs the C reference on files of frames.
 *   rpnn_main [-p] [-t THREADS] [-r REPEATS] IN... OUT...
 * Files hold raw native-endian frames back to back: the whole network's arguments and results
 * (float for f32 tensors, int64_t for integers), or with -p the FPGA part's ports (their C
 * element types, see rpnn.h). -t splits the frames over threads, -r N times 7 rounds of N
 * calls and prints the best round's frames/s to stderr. Exit status: 0, 1 on bad usage or
 * files, 2 if the call fails. */
#if !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif
#include "rpnn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {{
    size_t size, elems;
}} rpnn_port;

{_port_table("whole_in", f32_in)}{_port_table("whole_out", f32_out)}\
{_port_table("fpga_in", fpga_in)}{_port_table("fpga_out", fpga_out)}
static int fail(const char *what, const char *name)
{{
    fprintf(stderr, "rpnn_main: %s%s%s\\n", what, name ? ": " : "", name ? name : "");
    return 1;
}}

static double now(void)
{{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}}

static int call(int fpga, void **data, size_t frames, int threads)
{{
    if (fpga)
        return {_entry_call("rpnn_forward_mt", fpga_in, fpga_out, True)};
    return {whole_call};
}}

int main(int argc, char **argv)
{{
    int fpga = {0 if whole else 1}, threads = 1, repeats = 0, a = 1, k, status = 0;
    size_t n_in, n_out, frames = 0;
    const rpnn_port *in, *out;
    void *data[{len(f32_in) + len(f32_out) + len(fpga_in) + len(fpga_out)}];
    for (; a < argc && argv[a][0] == '-'; ++a) {{
        if (!strcmp(argv[a], "-p"))
            fpga = 1;
        else if (!strcmp(argv[a], "-t") && a + 1 < argc)
            threads = atoi(argv[++a]);
        else if (!strcmp(argv[a], "-r") && a + 1 < argc)
            repeats = atoi(argv[++a]);
        else
            return fail("unknown option (usage: rpnn_main [-p] [-t THREADS] [-r REPEATS] "
                        "IN... OUT...)", argv[a]);
    }}
    in = fpga ? fpga_in : whole_in;
    out = fpga ? fpga_out : whole_out;
    n_in = fpga ? {len(fpga_in)} : {len(f32_in)};
    n_out = fpga ? {len(fpga_out)} : {len(f32_out)};
    if ((size_t)(argc - a) != n_in + n_out)
        return fail("wrong number of files (inputs then outputs)", NULL);
    for (k = 0; (size_t)k < n_in; ++k) {{
        FILE *f = fopen(argv[a + k], "rb");
        long bytes;
        size_t frame = in[k].size * in[k].elems, n;
        if (!f || fseek(f, 0, SEEK_END) != 0 || (bytes = ftell(f)) < 0 ||
            fseek(f, 0, SEEK_SET) != 0)
            return fail("cannot read", argv[a + k]);
        n = (size_t)bytes / frame;
        if ((size_t)bytes % frame != 0 || (k > 0 && n != frames))
            return fail("file size is not a whole number of frames (or differs)", argv[a + k]);
        frames = n;
        data[k] = malloc(bytes ? (size_t)bytes : 1);
        if (!data[k] || fread(data[k], 1, (size_t)bytes, f) != (size_t)bytes)
            return fail("cannot read", argv[a + k]);
        fclose(f);
    }}
    for (k = 0; (size_t)k < n_out; ++k) {{
        data[n_in + k] = malloc(frames * out[k].size * out[k].elems + 1);
        if (!data[n_in + k])
            return fail("out of memory", NULL);
    }}
    if (call(fpga, data, frames, threads) != 0)
        status = 2;
    if (repeats > 0 && status == 0) {{
        double best = 0.0;
        int round, r;
        for (round = 0; round < 7; ++round) {{
            double t0 = now(), rate;
            for (r = 0; r < repeats; ++r)
                call(fpga, data, frames, threads);
            rate = (double)frames * repeats / (now() - t0);
            best = rate > best ? rate : best;
        }}
        fprintf(stderr, "%.1f frames/s (best of 7 timings of %d calls, %d thread%s)\\n", best,
                repeats, threads, threads == 1 ? "" : "s");
    }}
    for (k = 0; (size_t)k < n_out && status == 0; ++k) {{
        FILE *f = fopen(argv[a + (int)n_in + k], "wb");
        size_t bytes = frames * out[k].size * out[k].elems;
        if (!f || fwrite(data[n_in + k], 1, bytes, f) != bytes || fclose(f) != 0)
            return fail("cannot write", argv[a + (int)n_in + k]);
    }}
    for (k = 0; (size_t)k < n_in + n_out; ++k)
        free(data[k]);
    return status;
}}
"""
    makefile = """\
# Generated by rpnn-opt -t rpnn-c. `make` builds rpnn_main (see main.c), `make librpnn.so`
# the shared library. Plain CFLAGS work everywhere (the kernels choose their instruction set
# at run time); RPNN_FLAGS are needed: threads, and float arithmetic exactly as written.
CC ?= cc
CFLAGS ?= -O2
RPNN_FLAGS = -std=c99 -pthread -ffp-contract=off
LDLIBS = -lm

rpnn_main: main.c rpnn.c rpnn.h
\t$(CC) $(RPNN_FLAGS) $(CFLAGS) main.c rpnn.c -o $@ $(LDFLAGS) $(LDLIBS)

librpnn.so: rpnn.c rpnn.h
\t$(CC) $(RPNN_FLAGS) $(CFLAGS) -shared -fPIC rpnn.c -o $@ $(LDFLAGS) $(LDLIBS)

clean:
\trm -f rpnn_main librpnn.so

.PHONY: clean
"""
    return main, makefile
