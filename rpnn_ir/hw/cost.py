"""Hardware cost and cycle formulas of the dataflow units (docs/cost-model.md).

Every function here is a small closed formula with the source of its constants in its
docstring; docs/cost-model.md lists them all in one table.  Most come from the FINN-R cost
model as implemented in the open-source FINN compiler (Blott et al., ACM TRETS 2018;
``Xilinx/finn``, ``src/finn/custom_op/fpgadataflow/``); where rpnn departs from FINN or adds a
unit FINN does not estimate, the docstring says so ("rpnn").

Units of measure: LUTs (6-input LUTs), BRAM18 (RAMB18 halves of a 36 Kb block RAM), URAM
(288 Kb UltraRAM blocks), DSP (DSP48 slices), cycles of the design clock per frame.

Notation (as in FINN-R): MW x MH weight matrix (inputs x outputs), P = PE (outputs in
parallel), Q = SIMD (inputs in parallel per PE), W = weight bits, A = input bits, N = input
vectors per frame (output pixels of a convolution, 1 for a fully connected layer).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# --------------------------------------------------------------------------- constants

HLS_BASE_LUT = 300
"""c0 of FINN-R's MVTU LUT model: fixed control/interface cost of one HLS unit (FINN MVAU and
ConvolutionInputGenerator ``lut_estimation``)."""

LUT_OVERHEAD = 1.1
"""c1 of FINN-R's MVTU LUT model: synthesis overhead factor on the per-PE datapath (FINN MVAU
``lut_estimation``)."""

LUTRAM_MAX_DEPTH = 128
"""Memories of at most this depth are built from LUTs when the style is ``auto`` (FINN MVAU:
``calc_wmem() <= 128`` -> LUTRAM; reference notes: "Small memories (depth <= 128) go to
LUTRAM").  rpnn applies the same rule to threshold, SWG, pooling and FIFO buffers."""

LUTRAM_DEPTH = 64
"""Bits of depth one LUT stores as distributed RAM (RAM64X1S; FINN's ``ceil(depth / 64)``)."""

URAM_WIDTH = 72
URAM_DEPTH = 4096
"""An UltraRAM block is 4096 x 72 bits (FINN ``uram_estimation``: ceil(width/72) *
ceil(depth/4096))."""

DSP_OPERAND_BITS = 48
"""FINN MVAU ``dsp_estimation``: P * Q * ceil((W + A) / 48) DSP48 slices."""

SRL_DEPTH = 32
"""FINN StreamingFIFO ``lut_estimation``: a shift-register FIFO costs ceil(depth/32) *
ceil(width/2) LUTs (SRLC32E, two bits per LUT6_2) plus 2 * ceil(log2 depth) address LUTs."""

PIPELINE_REGISTER_DEPTH = 1
"""rpnn assumption: every unit registers its output (one cycle from input to output word)."""

FP32_MUL_DSP = (3, 100)
"""(DSP48, LUT) of an IEEE single-precision multiplier with full DSP usage: about 3 DSP48 and
100 LUTs, from the resource tables of the Xilinx Floating-Point Operator LogiCORE (PG060).
Approximate: the exact figure depends on family, latency and speed grade."""

FP32_ADD_DSP = (2, 200)
"""(DSP48, LUT) of a single-precision adder with full DSP usage: about 2 DSP48 and 200 LUTs,
from PG060's resource tables (approximate, as above)."""

FP32_MUL_LOGIC = (0, 600)
"""(DSP48, LUT) of a single-precision multiplier in logic only: about 600 LUTs (PG060's "no
DSP usage" configuration; approximate)."""

FP32_ADD_LOGIC = (0, 400)
"""(DSP48, LUT) of a single-precision adder in logic only: about 400 LUTs (PG060's "no DSP
usage" configuration; approximate)."""

FP32_BITS = 32


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Resources:
    """LUT, BRAM18, URAM and DSP counts of a unit or a design."""

    lut: int = 0
    bram18: int = 0
    uram: int = 0
    dsp: int = 0

    def __add__(self, other: Resources) -> Resources:
        return Resources(self.lut + other.lut, self.bram18 + other.bram18,
                         self.uram + other.uram, self.dsp + other.dsp)

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (self.lut, self.bram18, self.uram, self.dsp)

    def as_dict(self) -> dict[str, int]:
        return {"lut": self.lut, "bram18": self.bram18, "uram": self.uram, "dsp": self.dsp}


@dataclass(frozen=True)
class UnitCost:
    """Resources and timing of one unit.

    `cycles` is the unit's cycles per frame (its frame initiation interval when it runs
    alone; every unit is pipelined at one word per cycle).  The latency model
    (docs/cost-model.md, "Latency") also needs: `need`, the input words it must have read
    before it can write its first output word; `depth`, the pipeline cycles from that input
    word to the output word; `tail`, the cycles it still works after its last input word
    arrived (a fully connected layer computes its remaining output neurons then).
    """

    res: Resources
    cycles: int
    need: int = 1
    depth: int = PIPELINE_REGISTER_DEPTH
    tail: int = 1
    ff: int = 0
    """Flip-flops (`unit_ff`; kept apart from `res`, the resources the folder budgets)."""


# --------------------------------------------------------------------------- memories


RAMB18_ASPECTS = ((512, 36), (1024, 18), (2048, 9), (4096, 4), (8192, 2), (16384, 1))
"""(depth, width) of a RAMB18 in simple dual port mode (Xilinx UG473); a RAMB36 is one of
these twice as wide (512 x 72 ... 16K x 2) or 32K x 1."""

RAMB36_MAX_DEPTH = 32768
"""The deepest RAMB36 configuration, 32K x 1 (UG473); deeper memories cascade."""


def bram18_timing(depth: int, width: int) -> int:
    """RAMB18 equivalents of a `depth` x `width` memory as Vivado synthesis decomposes it by
    default (rpnn, derived from the vendor's description).

    Vivado's default is the *timing-efficient* decomposition: a memory too large for one
    primitive is built from primitives side by side, each in the configuration whose depth
    covers the whole memory, so no address decoding is needed ("a RAM specified as 2K x 36
    would often be configured as two 2K x 18 block RAMs arranged side by side"; the
    power-efficient 1K x 36 cascade only with RAM_DECOMP = power: Xilinx UG912, RAM_DECOMP).
    So: the shallowest aspect with depth >= `depth`, ceil(width / its width) RAMB18s, or
    RAMB36s of twice the width (whichever needs fewer RAMB18 equivalents); deeper than 16K,
    RAMB36s at 32K x 1, one per bit (cascaded beyond 32K: ceil(depth/32K) per bit).
    FINN's estimate (MVAU ``bram_estimation``) instead packs depth-wise, e.g. 18432 x 32 in
    36 RAMB18 where this gives 64; rpnn's HLS models count this way, since Vivado builds the
    memories of both backends.
    """
    if depth <= 0 or width <= 0:
        return 0
    for aspect_depth, aspect_width in RAMB18_ASPECTS:
        if depth <= aspect_depth:
            return min(math.ceil(width / aspect_width),
                       2 * math.ceil(width / (2 * aspect_width)))
    return 2 * width * math.ceil(depth / RAMB36_MAX_DEPTH)


@dataclass(frozen=True)
class BlockMemory:
    """`count` memories of `depth` x `width` bits that a design puts in block RAM; `ports`:
    the read ports it would need as LUTRAM (1, or 2 for a dual-port RAM)."""

    count: int
    depth: int
    width: int
    ports: int = 1


def capped_block_ram(memories: list[BlockMemory], capacity: int) -> tuple[int, int]:
    """(RAMB18, LUTs) of `memories` when synthesis may use at most `capacity` RAMB18
    (rpnn; the rule from the vendor's documentation, the order an assumption).

    Vivado synthesis infers at most the part's block RAM: ``synth_design -max_bram`` (UG835;
    UG901, "Synthesis Settings") defaults to -1, the part's own count (the option's wording
    is not re-read here: the copies at hand show it only in the command syntax); the
    memories beyond it are built from LUTs. Which ones is not
    documented; rpnn moves the least-filled memories first (fewest bits per RAMB18 of
    `bram18_timing`), each to `lutram_luts` with its ports, until the rest fits, which
    spends the fewest LUTs per freed block.  Below the capacity nothing moves: (sum, 0).
    """
    singles = [BlockMemory(1, m.depth, m.width, m.ports) for m in memories
               for _ in range(m.count)]
    total = sum(bram18_timing(m.depth, m.width) for m in singles)
    luts = 0
    for m in sorted(singles, key=lambda m: m.depth * m.width / bram18_timing(m.depth, m.width)):
        if total <= capacity:
            break
        total -= bram18_timing(m.depth, m.width)
        luts += lutram_luts(m.depth, m.width, m.ports)
    return total, luts


def uram_count(depth: int, width: int) -> int:
    """UltraRAM blocks: ceil(width/72) * ceil(depth/4096) (FINN ``uram_estimation``)."""
    if depth <= 0 or width <= 0:
        return 0
    return math.ceil(width / URAM_WIDTH) * math.ceil(depth / URAM_DEPTH)


def lutram_luts(depth: int, width: int, ports: int = 1) -> int:
    """LUTs of a distributed RAM: width * ceil(depth/64) (FINN's c2 term, RAM64X1S).

    `ports` = 2: a dual-port RAM (one read/write and one read port, as a ``RAM_2P_LUTRAM``
    core of Vivado HLS asks for): every bit is stored twice, RAM64X1D, 2 LUTs per bit and 64
    words (Xilinx UG474, "Distributed RAM").
    """
    if depth <= 0 or width <= 0:
        return 0
    return ports * width * math.ceil(depth / LUTRAM_DEPTH)


def memory_kind(ram_style: str, depth: int) -> str:
    """Where a memory of `depth` words goes: ``lutram``, ``bram`` or ``uram``.

    ``distributed`` -> LUTRAM, ``block`` -> BRAM, ``ultra`` -> URAM; ``auto`` -> LUTRAM up to
    `LUTRAM_MAX_DEPTH` words, BRAM above (FINN's rule for embedded weight memories).
    """
    if ram_style == "distributed":
        return "lutram"
    if ram_style == "block":
        return "bram"
    if ram_style == "ultra":
        return "uram"
    if ram_style == "auto":
        return "lutram" if depth <= LUTRAM_MAX_DEPTH else "bram"
    raise ValueError(f"unknown ram style '{ram_style}'")


def memory_resources(depth: int, width: int, ram_style: str) -> Resources:
    """Resources of a `depth` x `width` memory in the given style (see `memory_kind`)."""
    kind = memory_kind(ram_style, depth)
    if kind == "lutram":
        return Resources(lut=lutram_luts(depth, width))
    if kind == "bram":
        return Resources(bram18=bram18_timing(depth, width))
    return Resources(uram=uram_count(depth, width))


# --------------------------------------------------------------------------- MVTU


def mvtu_cycles(mw: int, mh: int, pe: int, simd: int, n: int = 1) -> int:
    """(MH/PE) * (MW/SIMD) * N: one weight word per cycle (FINN-R; FINN MVAU)."""
    return (mh // pe) * (mw // simd) * n


def multibit_mac_luts(simd: int, w_bits: int, a_bits: int, dsp: bool = False) -> int:
    """LUTs of one PE's SIMD multipliers and adder tree (FINN-R, FINN MVAU).

    mult = 0 with DSP multipliers, else Q * (2*ceil((W+A)/6) - 1) * (W+A);
    adder tree = (W+A) * (2Q - 1).
    """
    wa = w_bits + a_bits
    mult = 0 if dsp else simd * (2 * math.ceil(wa / 6) - 1) * wa
    return mult + wa * (2 * simd - 1)


def xnor_popcount_luts(simd: int) -> int:
    """LUTs of one PE's XNOR-popcount over SIMD bipolar products (rpnn, derived).

    A counter of n bits needs n - nu(n) full adders (nu = ones in the binary expansion of n;
    Swartzlander, "Parallel counters", 1973), one LUT6_2 each on 7-series/UltraScale (two
    outputs of up to 5 shared inputs, Xilinx UG474).  The XNORs fold into the first row of
    adders, whose 6 inputs (3 weight/activation pairs) no longer fit one LUT6_2: one extra LUT
    per 3 inputs.  Total: Q - nu(Q) + ceil(Q/3).  The multi-bit formula at W = A = 1 gives
    about 6Q, more than the whole BNN-PYNQ LFC-W1A1 measured (docs/cost-model.md).
    """
    return simd - bin(simd).count("1") + math.ceil(simd / 3)


def adder_tree_luts(operands: int, bits: int) -> int:
    """LUTs of a balanced tree adding `operands` values of `bits` bits (rpnn, derived).

    A two-operand adder of b-bit values is one LUT per bit on the carry chain and yields
    b + 1 bits (Xilinx UG474, CARRY4/CARRY8 with one LUT6 per bit); level l of the tree has
    floor(n_l / 2) adders of b + l bits, an odd operand passing to the next level.
    """
    luts, n, b = 0, operands, bits
    while n > 1:
        luts += (n // 2) * b
        n, b = (n + 1) // 2, b + 1
    return luts


def mac_luts(simd: int, w_bits: int, a_bits: int, *, sign: bool = False,
             dsp: bool = False) -> int:
    """LUTs of one PE's SIMD products and their adder tree, as rpnn's units build them
    (rpnn, derived; replaces FINN-R's compute term, `multibit_mac_luts`).

    - `sign` (one operand bipolar, the other of b bits): each product is +-x, b + 1 bits,
      no multiplier: the inversion folds into the first adder level's LUTs and the +1 of
      each negation into its carry-ins, except one per adder pair: a counter of
      floor(Q/2) bits adds those (n - nu(n) LUTs, as `xnor_popcount_luts`).
    - otherwise W x A products: with W + A <= 6 inputs each of the W + A product bits is
      one LUT6; wider products as FINN-R, (2*ceil((W+A)/6) - 1)*(W+A) LUTs; none with
      `dsp` (the multiplier is a DSP48).  The tree adds Q values of W + A bits.
    """
    if sign:
        half = simd // 2
        return adder_tree_luts(simd, w_bits + a_bits) + half - bin(half).count("1")
    wa = w_bits + a_bits
    per_lane = 0 if dsp else (wa if wa <= 6 else (2 * math.ceil(wa / 6) - 1) * wa)
    return simd * per_lane + adder_tree_luts(simd, wa)


@dataclass(frozen=True)
class HlsTemplates:
    """What an HLS template library emits, where it changes the cost of a compute unit.

    `per_pe_memories`: weights and thresholds as one memory per PE (and per threshold), as
    ARRAY_PARTITION complete dim=1 (and dim=3) makes them (finn-hlslib, BNN-PYNQ's
    ``top.cpp``), or one memory of the PEs' words side by side (rpnn's ``rpnn-hls``:
    ARRAY_RESHAPE complete dim=1).  `lutram_max_bits`: ``auto`` memories of at most this
    many bits go to LUTRAM (None: the `LUTRAM_MAX_DEPTH` rule, which rpnn-hls binds
    explicitly).  `acc_bits`, `threshold_bits`: the widths the templates emit (None: the
    op's acc_type and threshold type, as rpnn-hls emits them).
    """

    name: str
    per_pe_memories: bool = False
    lutram_max_bits: int | None = None
    acc_bits: int | None = None
    threshold_bits: int | None = None
    input_registers: bool = False
    """The MVTU's input vector buffer (SF words of SIMD*A bits, kept for the NF neuron
    folds): registers read through an SF:1 multiplexer (finn-hlslib: ARRAY_PARTITION
    complete), or a memory (rpnn-hls: ``vector[SF]``, left to HLS, priced by the 128-word
    rule)."""

    def input_buffer(self, sf: int, bits: int) -> tuple[Resources, int]:
        """(resources, flip-flops) of an MVTU's input vector buffer of `sf` words of `bits`.

        Registers: sf*bits flip-flops and bits*ceil(sf/4) LUTs of multiplexer (a LUT6 is a
        4:1 multiplexer, the slice's F7/F8 multiplexers combine four into 16:1; UG474);
        nothing when sf = 1.  Memory: `memory_resources` of sf x bits, ``auto``.
        """
        if sf <= 1:
            return Resources(), 0
        if self.input_registers:
            return Resources(lut=bits * math.ceil(sf / 4)), sf * bits
        return memory_resources(sf, bits, "auto"), 0

    def kind(self, ram_style: str, depth: int, width: int) -> str:
        """Memory kind of a `depth` x `width` array in `ram_style`."""
        if ram_style == "auto" and self.lutram_max_bits is not None:
            return "lutram" if depth * width <= self.lutram_max_bits else "bram"
        return memory_kind(ram_style, depth)

    def memories(self, count: int, depth: int, width: int, ram_style: str) -> Resources:
        """`count` memories of `depth` x `width` (one per PE), or one of `count` * `width`."""
        if not self.per_pe_memories:
            count, width = 1, count * width
        kind = self.kind(ram_style, depth, width)
        if kind == "lutram":
            one = Resources(lut=lutram_luts(depth, width))
        elif kind == "bram":
            one = Resources(bram18=self.bram18(depth, width))
        else:
            one = Resources(uram=uram_count(depth, width))
        return Resources(one.lut * count, one.bram18 * count, one.uram * count)

    def bram18(self, depth: int, width: int) -> int:
        """RAMB18s of one `depth` x `width` block RAM under these templates' synthesis."""
        return bram18_timing(depth, width)


RPNN_HLS = HlsTemplates("rpnn-hls")
"""rpnn's own templates (``rpnn_ir/backends/hls/rpnn_hls.hpp``): one reshaped memory per
array, memory kinds bound from this model, widths from the IR."""

FINN_HLSLIB = HlsTemplates("finn-hlslib (BNN-PYNQ)", per_pe_memories=True,
                           lutram_max_bits=1024, acc_bits=16, threshold_bits=16,
                           input_registers=True)
"""BNN-PYNQ's templates (Xilinx/BNN-PYNQ ``bnn/src/library/hls``, ``network/*/hw/top.cpp``):
per-PE weight and threshold arrays (ARRAY_PARTITION dim=1, thresholds also dim=3), 16-bit
accumulators and thresholds (``ThresholdsActivation<..., ap_int<16>, ...>``), arrays left
to Vivado HLS's automatic binding: LUTRAM up to 1024 bits (rpnn's reading of the published
CNV-W1A1 utilisation: its 1,578 LUTs of distributed RAM match the 16-bit thresholds of
depth <= 64, its block RAM the per-PE weights; see docs/cost-model.md), block RAM as
Vivado decomposes it by default (`bram18_timing`; the published syntheses were Vivado's)."""

HLS_BASE_FF = 100
"""Flip-flops of an HLS unit's control (loop counters, pipeline valid bits, handshakes):
rpnn assumption, not calibrated."""


def register_ff(word_bits: int) -> int:
    """Flip-flops of a streaming unit other than an MVTU: its output register and control,
    HLS_BASE_FF + the word's bits (rpnn assumption, not calibrated)."""
    return HLS_BASE_FF + word_bits


def mvtu_ff(pe: int, simd: int, *, a_bits: int, acc_bits: int, out_bits: int,
            compute_luts: int) -> int:
    """Flip-flops of an MVTU (rpnn assumption, derived; docs/cost-model.md).

    HLS_BASE_FF + the input word (SIMD*A) + per PE: the accumulator, the output bits, and
    a register after every second adder level of the SIMD tree (at 100-300 MHz two adder
    levels fit a cycle), taken as half the tree's LUTs.
    """
    return HLS_BASE_FF + simd * a_bits + pe * (acc_bits + out_bits + compute_luts // 2)


def mvtu_resources(
    mw: int, mh: int, pe: int, simd: int, *, w_bits: int, a_bits: int, acc_bits: int,
    n_thresholds: int = 0, threshold_bits: int = 0, xnor: bool = False, dsp: bool = False,
    ram_style: str = "auto", sign: bool = False, templates: HlsTemplates = RPNN_HLS,
    input_buffer: bool = True,
) -> Resources:
    """Resources of an MVTU (FINN-R's structure as in FINN MVAU, with rpnn's changes).

    LUT = 300 + 1.1 * P * (compute + acc + comp + thr) + weights-in-LUTRAM, with
    compute = `mac_luts` (`xnor_popcount_luts` when inputs and weights are both bipolar;
    rpnn: derived adder trees instead of FINN-R's multi-bit formula), acc = accumulator
    bits, comp = T * tbits threshold comparators and thr = T * tbits * ceil(TMEM/64)
    thresholds in LUTRAM (FINN writes (2^B - 1) * acc for T * tbits; rpnn uses the actual
    threshold count and width).  acc and tbits are the widths the `templates` emit (rpnn-hls:
    the op's types).  Weights: depth WMEM = MW*MH/(P*Q), P*Q*W bits, one memory or P
    memories of Q*W bits (`HlsTemplates.per_pe_memories`); thresholds: depth TMEM = MH/P,
    P*T*tbits, one memory or P*T memories of tbits; ``ultra`` puts thresholds in BRAM.
    DSP = P*Q*ceil((W+A)/48) with DSP multipliers (never for XNOR-popcount or a sign).
    With `input_buffer` (the MVTU; not the depthwise unit, which reads every word once) the
    input vector buffer of SF = MW/Q words of Q*A bits (`HlsTemplates.input_buffer`).
    """
    acc_bits = templates.acc_bits or acc_bits
    threshold_bits = templates.threshold_bits or threshold_bits
    wmem = mw * mh // (pe * simd)
    tmem = mh // pe
    compute = (xnor_popcount_luts(simd) if xnor
               else mac_luts(simd, w_bits, a_bits, sign=sign, dsp=dsp))
    per_pe = compute + acc_bits
    thresholds = Resources()
    if n_thresholds > 0:
        per_pe += n_thresholds * threshold_bits
        t_style = "block" if ram_style == "ultra" else ram_style
        if templates.per_pe_memories:
            thresholds = templates.memories(pe * n_thresholds, tmem, threshold_bits, t_style)
        else:
            thresholds = templates.memories(pe, tmem, n_thresholds * threshold_bits, t_style)
        per_pe += thresholds.lut // pe  # LUTRAM thresholds count with the PE's datapath
        thresholds = Resources(bram18=thresholds.bram18, uram=thresholds.uram)
    lut = int(HLS_BASE_LUT + LUT_OVERHEAD * pe * per_pe)
    weights = templates.memories(pe, wmem, simd * w_bits, ram_style)
    dsps = (pe * simd * math.ceil((w_bits + a_bits) / DSP_OPERAND_BITS)
            if dsp and not (xnor or sign) else 0)
    vector = templates.input_buffer(mw // simd, simd * a_bits)[0] if input_buffer else Resources()
    return Resources(lut=lut, dsp=dsps) + weights + thresholds + vector


def mvtu_cost(
    mw: int, mh: int, pe: int, simd: int, n: int = 1, *, w_bits: int, a_bits: int,
    acc_bits: int, n_thresholds: int = 0, threshold_bits: int = 0, xnor: bool = False,
    dsp: bool = False, ram_style: str = "auto", sign: bool = False, out_bits: int = 0,
    templates: HlsTemplates = RPNN_HLS,
) -> UnitCost:
    """Resources, cycles and latency parameters of an MVTU.

    Latency (rpnn): the first PE outputs need one whole input vector (MW/SIMD words); after the
    last input word the unit still computes the other MH/PE - 1 neuron folds of the last
    vector from its input buffer.  Pipeline depth: input register, adder tree of
    ceil(log2 SIMD) levels, accumulator, threshold compare (3 + ceil(log2 SIMD)).
    `out_bits`: bits of one output element (for the flip-flops, `mvtu_ff`).
    """
    res = mvtu_resources(mw, mh, pe, simd, w_bits=w_bits, a_bits=a_bits, acc_bits=acc_bits,
                         n_thresholds=n_thresholds, threshold_bits=threshold_bits, xnor=xnor,
                         dsp=dsp, ram_style=ram_style, sign=sign, templates=templates)
    compute = (xnor_popcount_luts(simd) if xnor
               else mac_luts(simd, w_bits, a_bits, sign=sign, dsp=dsp))
    ff = mvtu_ff(pe, simd, a_bits=a_bits, acc_bits=templates.acc_bits or acc_bits,
                 out_bits=out_bits, compute_luts=compute)
    ff += templates.input_buffer(mw // simd, simd * a_bits)[1]
    sf, nf = mw // simd, mh // pe
    return UnitCost(res, mvtu_cycles(mw, mh, pe, simd, n), need=sf,
                    depth=3 + math.ceil(math.log2(simd)), tail=(nf - 1) * sf + 1, ff=ff)


def depthwise_cost(
    channels: int, taps: int, pe: int, simd: int, n: int = 1, *, w_bits: int, a_bits: int,
    acc_bits: int, n_thresholds: int = 0, threshold_bits: int = 0, xnor: bool = False,
    dsp: bool = False, ram_style: str = "auto", sign: bool = False, out_bits: int = 0,
    templates: HlsTemplates = RPNN_HLS,
) -> UnitCost:
    """A depthwise (vector-vector) unit: the MVTU formulas with MW = K*K taps, MH = C.

    Cycles (C*K*K / (PE*SIMD)) * OH*OW (FINN VVAU); weights C*K*K / (PE*SIMD) deep and
    PE*SIMD*W wide; thresholds C/PE deep.  Each input word is used once, so the first output
    needs the first pixel's whole window (C*K*K/(PE*SIMD) words) and the tail is short.
    """
    res = mvtu_resources(taps, channels, pe, simd, w_bits=w_bits, a_bits=a_bits,
                         acc_bits=acc_bits, n_thresholds=n_thresholds,
                         threshold_bits=threshold_bits, xnor=xnor, dsp=dsp, ram_style=ram_style,
                         sign=sign, templates=templates, input_buffer=False)
    compute = (xnor_popcount_luts(simd) if xnor
               else mac_luts(simd, w_bits, a_bits, sign=sign, dsp=dsp))
    ff = mvtu_ff(pe, pe * simd, a_bits=a_bits, acc_bits=templates.acc_bits or acc_bits,
                 out_bits=out_bits, compute_luts=compute)
    words = (channels // pe) * (taps // simd)
    return UnitCost(res, mvtu_cycles(taps, channels, pe, simd, n), need=words,
                    depth=3 + math.ceil(math.log2(simd)), tail=1, ff=ff)


# --------------------------------------------------------------------------- other units


def thresholding_cost(channels: int, pe: int, n: int, *, n_thresholds: int,
                      threshold_bits: int, ram_style: str = "auto") -> UnitCost:
    """Stand-alone thresholding (FINN Thresholding_hls, generalised to T thresholds).

    LUT = P*T*tbits comparators + P*T*tbits*ceil(TMEM/64) with thresholds in LUTRAM (FINN:
    A*P + P*A*ceil(TMEM/64), i.e. T = 1, tbits = A); BRAM by `bram18_timing` for a TMEM x
    P*T*tbits memory.  A TMEM of 1 keeps the thresholds in the comparators (FINN: no memory
    when tmem <= 1).  Cycles N*C/PE.
    """
    tmem = channels // pe
    width = pe * n_thresholds * threshold_bits
    res = Resources(lut=width)
    if tmem > 1:
        kind = memory_kind("block" if ram_style == "ultra" else ram_style, tmem)
        if kind == "lutram":
            res = res + Resources(lut=width * math.ceil(tmem / LUTRAM_DEPTH))
        else:
            res = res + Resources(bram18=bram18_timing(tmem, width))
    return UnitCost(res, n * channels // pe)


def swg_cycles(ifm_h: int, ifm_w: int, channels: int, kernel: tuple[int, int],
               stride: tuple[int, int], simd: int) -> int:
    """Sliding window generator cycles (FINN ConvolutionInputGenerator, 2D).

    ifm_w*k*(C/SIMD) + ofm_h * max(ofm_w*k*k*C/SIMD, stride*ifm_w*C/SIMD) for a square kernel;
    rpnn writes kh for the first k, kh*kw for k*k and stride_h for stride.
    """
    kh, kw = kernel
    sh, sw = stride
    ofm_h = (ifm_h - kh) // sh + 1
    ofm_w = (ifm_w - kw) // sw + 1
    fold = channels // simd
    return ifm_w * kh * fold + ofm_h * max(ofm_w * kh * kw * fold, sh * ifm_w * fold)


def swg_ram_width(depth: int) -> int:
    """RAMB18 port width FINN's SWG estimate assumes for a line buffer `depth` words deep:
    36/18/9/4/2/1 bits up to 512/1024/2048/4096/8192/more words."""
    for limit, width in ((512, 36), (1024, 18), (2048, 9), (4096, 4), (8192, 2)):
        if depth <= limit:
            return width
    return 1


def swg_cost(ifm_h: int, ifm_w: int, channels: int, kernel: tuple[int, int],
             stride: tuple[int, int], simd: int, bits: int, ram_style: str = "auto") -> UnitCost:
    """Sliding window generator (FINN ConvolutionInputGenerator estimates).

    Buffer: kh + stride_h rows of ifm_w*C/SIMD words of SIMD*bits.  LUTRAM: 300 +
    (k + stride) * SIMD*bits * ceil(ifm_w*C/SIMD/64); BRAM: (k + stride) *
    ceil(SIMD*bits/ram_width) * ceil(depth/ram_depth) with ram_width 36/18/9/4/2/1 for depth
    <= 512/1024/2048/4096/8192/more, plus the 300 LUT base.  FINN counts ``auto`` as BRAM;
    rpnn applies the LUTRAM_MAX_DEPTH rule.  Latency: the first window needs kh - 1 rows and
    kw pixels; after the last input word the last window is still written.
    """
    kh, kw = kernel
    sh, _ = stride
    depth = ifm_w * channels // simd
    width = simd * bits
    rows = kh + sh
    kind = memory_kind(ram_style, depth)
    if kind == "lutram":
        res = Resources(lut=HLS_BASE_LUT + rows * width * math.ceil(depth / LUTRAM_DEPTH))
    elif kind == "uram":
        res = Resources(lut=HLS_BASE_LUT, uram=rows * uram_count(depth, width))
    else:
        ram_width = swg_ram_width(depth)
        ram_depth = {36: 512, 18: 1024, 9: 2048, 4: 4096, 2: 8192, 1: 16384}[ram_width]
        res = Resources(lut=HLS_BASE_LUT, bram18=rows * math.ceil(width / ram_width)
                        * math.ceil(depth / ram_depth))
    fold = channels // simd
    cycles = swg_cycles(ifm_h, ifm_w, channels, kernel, stride, simd)
    return UnitCost(res, cycles, need=((kh - 1) * ifm_w + kw) * fold, tail=kh * kw * fold)


def pad_cost(out_h: int, out_w: int, channels: int, simd: int, bits: int,
             padding: tuple[int, int, int, int]) -> UnitCost:
    """Padding unit (rpnn, derived; FINN FMPadding has no resource estimate).

    LUT = SIMD*bits (one 2:1 mux LUT per output bit) + 2 * (bits of the row, column and
    channel-fold counters).  Cycles (C/SIMD)*OH*OW (FINN FMPadding).  It writes the top and
    left padding before reading anything; after its last input word it writes the right and
    bottom padding.
    """
    top, left, bottom, right = padding
    fold = channels // simd
    counters = sum(max(1, math.ceil(math.log2(v + 1))) for v in (out_h, out_w, fold))
    need = 0 if top > 0 or left > 0 else 1
    return UnitCost(Resources(lut=simd * bits + 2 * counters), fold * out_h * out_w,
                    need=need, tail=(bottom * out_w + right) * fold + 1)


def maxpool_cost(ifm_h: int, ifm_w: int, channels: int, kernel: tuple[int, int],
                 stride: tuple[int, int], pe: int, bits: int) -> UnitCost:
    """Streaming max pool (rpnn, derived; FINN marks its own cycle formula inaccurate).

    It reads every input word once: cycles H*W*C/PE (rpnn's template, checked against its
    C-simulation loop counts).  Datapath 2*PE*bits LUTs (a comparator and a mux per bit).
    Buffers, as the template has them: kh - 1 rows of window-row maxima, OW*C/PE words of
    PE*bits each, and kw - 1 pixels, C/PE words each, one memory per row and per pixel, in
    LUTRAM or BRAM by LUTRAM_MAX_DEPTH (for 2x2 pools: one row and one pixel).  The first
    output needs kh - 1 rows and kw pixels.
    """
    kh, kw = kernel
    ofm_w = (ifm_w - kw) // stride[1] + 1
    fold = channels // pe
    width = pe * bits
    rows = memory_resources(ofm_w * fold, width, "auto")
    pixels = memory_resources(fold, width, "auto")
    res = Resources(lut=2 * pe * bits)
    for _ in range(kh - 1):
        res = res + rows
    for _ in range(kw - 1):
        res = res + pixels
    return UnitCost(res, ifm_h * ifm_w * fold, need=((kh - 1) * ifm_w + kw) * fold)


def finn_maxpool_resources(img_dim: int, pool: int, channels: int, bits: int,
                           row_in_bram: bool = False) -> Resources:
    """finn-hlslib's (BNN-PYNQ's) streaming max pool of a square `img_dim` image, all
    `channels` in parallel (Xilinx/BNN-PYNQ ``bnn/src/library/hls/maxpool.h``; rpnn,
    derived from the source).

    One pooled row is buffered, img_dim/pool entries, in LUTRAM (`lutram_luts`):
    - 1 bit (``StreamingMaxPool``): one memory of ``ap_uint<channels>`` (in block RAM with
      `row_in_bram`: `bram18_timing`), and per channel one LUT ORing the pool's inputs into
      the buffered value: channels LUTs;
    - wider (``StreamingMaxPool_Precision``): ``buf[img_dim/pool][channels]`` partitioned by
      channel (ARRAY_PARTITION dim=2), `channels` memories of `bits`, and per channel a
      comparator and a multiplexer of `bits` each (one LUT per bit on the carry chain and per
      mux bit, UG474): 2 * bits * channels LUTs.
    """
    entries = img_dim // pool
    if bits == 1 and row_in_bram:
        return Resources(lut=channels, bram18=bram18_timing(entries, channels))
    if bits == 1:
        return Resources(lut=channels + lutram_luts(entries, channels))
    return Resources(lut=2 * bits * channels + channels * lutram_luts(entries, bits))


def add_streams_cost(n: int, channels: int, pe: int, out_bits: int) -> UnitCost:
    """Element-wise adder (rpnn, derived): PE*out_bits LUTs (one LUT per sum bit on the carry
    chain, UG474); cycles N*C/PE (FINN AddStreams)."""
    return UnitCost(Resources(lut=pe * out_bits), n * channels // pe)


def label_select_cost(labels: int, k: int, pe: int, bits: int, out_word: int = 1) -> UnitCost:
    """Top-k label selection (rpnn, derived; FINN LabelSelect has no LUT estimate).

    PE*k*bits LUTs of comparators against the k kept values + k*(bits + index bits) for the
    sorted register list.  Cycles labels/PE + k/out_word: it reads the labels, PE a cycle
    (FINN LabelSelect), then writes the k indices, `out_word` a cycle (rpnn's template;
    checked against its C-simulation loop counts).
    """
    index_bits = max(1, math.ceil(math.log2(labels)))
    lut = pe * k * bits + k * (bits + index_bits)
    writes = k // out_word
    return UnitCost(Resources(lut=lut), labels // pe + writes, need=labels // pe, tail=writes)


def duplicate_cost(words: int) -> UnitCost:
    """Stream duplication (rpnn): wiring and handshakes, counted as 0 LUTs; one word per
    cycle."""
    return UnitCost(Resources(), words)


def dwc_luts(in_bits: int, out_bits: int) -> int:
    """LUTs of a data width converter (FINN StreamingDataWidthConverter ``lut_estimation``).

    Through the least common multiple intw of the two widths: for each side whose width
    differs from intw, ceil(|log2(width/intw)|) counter LUTs plus that width's bits of
    shift-register control.  Equal widths cost nothing.
    """
    if in_bits == out_bits:
        return 0
    intw = math.lcm(in_bits, out_bits)
    luts = 0
    if in_bits != intw:
        luts += abs(math.ceil(math.log2(in_bits / intw))) + intw
    if intw != out_bits:
        luts += abs(math.ceil(math.log2(intw / out_bits))) + out_bits
    return luts


def dwc_cost(elements: int, in_word: int, out_word: int, bits: int) -> UnitCost:
    """A width converter re-cutting `elements` from words of `in_word` to `out_word` elements.

    Cycles max(input words, output words) (rpnn: it reads and writes concurrently; FINN's
    ``get_exp_cycles`` adds them).  The first output word needs ceil(out/in) input words; a
    down-conversion still writes in/out words after its last input word.
    """
    in_words, out_words = elements // in_word, elements // out_word
    return UnitCost(Resources(lut=dwc_luts(in_word * bits, out_word * bits)),
                    max(in_words, out_words), need=math.ceil(out_word / in_word),
                    tail=math.ceil(in_word / out_word))


def fifo_cost(depth: int, width: int, words: int, ram_style: str = "auto") -> UnitCost:
    """A FIFO of `depth` words of `width` bits (FINN StreamingFIFO estimates).

    LUT = 2*ceil(log2 depth) address LUTs, + ceil(depth/32)*ceil(width/2) as a shift-register
    or LUTRAM FIFO; BRAM by `bram18_timing` and URAM by ceil(width/72)*ceil(depth/4096), the
    depth rounded up to a power of two (vendor FIFOs).  ``auto``: LUTs up to
    LUTRAM_MAX_DEPTH.  Cycles: one word per cycle.
    """
    address = 2 * math.ceil(math.log2(depth)) if depth > 1 else 0
    rounded = 1 << max(0, (depth - 1).bit_length())
    kind = memory_kind(ram_style, depth)
    if kind == "lutram":
        res = Resources(lut=address + math.ceil(depth / SRL_DEPTH) * math.ceil(width / 2))
    elif kind == "bram":
        res = Resources(lut=address, bram18=bram18_timing(rounded, width))
    else:
        res = Resources(lut=address, uram=uram_count(rounded, width))
    return UnitCost(res, words)


def axis_port_resources(bits: int) -> tuple[Resources, int]:
    """(resources, flip-flops) of one AXI-stream port of an rpnn-hls top function, `bits`
    wide (rounded up to whole bytes as rpnn-hls declares it).

    Vitis HLS registers an ``axis`` port in both directions by default (UG1399, "AXI4-Stream
    Interfaces", ``register_mode=both``): a register slice of two data registers and a
    mux, taken as 2*bits + 4 flip-flops and bits + 4 LUTs (rpnn assumption, not checked
    against a synthesis).  No block RAM, no DSP.
    """
    bits = (bits + 7) // 8 * 8
    return Resources(lut=bits + 4), 2 * bits + 4


def stream_port_cost(words: int) -> UnitCost:
    """A host port (tensor_to_stream / stream_to_tensor): no fabric cost in this model, one
    word per cycle."""
    return UnitCost(Resources(), words, need=0 if words else 1, depth=0, tail=0)


# --------------------------------------------------------------------------- float layers


def float_mac_resources(resource: str = "dsp") -> tuple[Resources, Resources]:
    """(multiplier, adder) of IEEE single precision, from PG060 (approximate): with
    ``resource = "dsp"`` 3 DSP + 100 LUT and 2 DSP + 200 LUT, with ``"lut"`` 600 and 400 LUTs.
    """
    mul, add = (FP32_MUL_DSP, FP32_ADD_DSP) if resource == "dsp" else (FP32_MUL_LOGIC,
                                                                          FP32_ADD_LOGIC)
    return Resources(lut=mul[1], dsp=mul[0]), Resources(lut=add[1], dsp=add[0])


def float_mvtu_cost(mw: int, mh: int, pe: int, simd: int, n: int = 1, *,
                    resource: str = "dsp", ram_style: str = "auto") -> UnitCost:
    """A float32 matrix-vector unit, for comparing precisions the paper's way (rpnn).

    The dialect keeps dataflow units integer-only (an f32 ``rpnn.mvtu`` does not verify), so a
    float layer exists only in this model: per PE, SIMD multipliers, an adder tree of SIMD - 1
    adders and one accumulating adder (`float_mac_resources`), plus a ReLU of 32 LUTs (a
    sign-controlled 32-bit mux) and the 300-LUT HLS base; weights MW*MH/(PE*SIMD) deep and
    PE*SIMD*32 bits wide as for `mvtu_resources`.  Cycles as an integer MVTU, assuming the
    accumulator reaches II = 1 by interleaving the MH/PE independent output rows over the
    adder's latency.
    """
    mul, add = float_mac_resources(resource)
    per_pe_lut = simd * mul.lut + simd * add.lut + FP32_BITS
    per_pe_dsp = simd * mul.dsp + simd * add.dsp
    weights = memory_resources(mw * mh // (pe * simd), pe * simd * FP32_BITS, ram_style)
    res = Resources(lut=HLS_BASE_LUT + pe * per_pe_lut, dsp=pe * per_pe_dsp) + weights
    sf, nf = mw // simd, mh // pe
    return UnitCost(res, mvtu_cycles(mw, mh, pe, simd, n), need=sf,
                    depth=3 + math.ceil(math.log2(simd)), tail=(nf - 1) * sf + 1)
