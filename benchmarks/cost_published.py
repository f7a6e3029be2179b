"""The HLS cost model against the published BNN-PYNQ syntheses, and the stream simulation
against Verilator (issue 14, items 3 and 4).

    python benchmarks/cost_published.py                      # both sections
    python benchmarks/cost_published.py --section resources  # the five published designs
    python benchmarks/cost_published.py --section cycles     # Verilator vs stream_sim (minutes)

**resources.** BNN-PYNQ's LFC-W1A1, LFC-W1A2, CNV-W1A1, CNV-W1A2 and CNV-W2A2 as Vivado
2018.2 placed them on the xc7z020 (Xilinx/BNN-PYNQ ``bnn/src/network/<net>/README.md``: whole
block designs, accelerator + Zynq PS wrapper + two AXI interconnects), beside rpnn's HLS model
of the same topologies with their ``hw/config.h`` foldings (built by
`rpnn_ir.builders.dataflow_nets`, LFC padded to MW 832 and MH 64, CNV's last layer to MH 64)
under the templates BNN-PYNQ used (`rpnn_ir.hw.cost.FINN_HLSLIB`: per-PE memories, 16-bit
accumulators and thresholds, NumTH = A thresholds per channel as ``ThresholdsActivation<...,
API, ...>`` declares, its stream depths from ``top.cpp``), plus the shell:

- BRAM (derived): the accelerator's AXI master (``m_axi`` bundle ``hostmem``, a read and a
  write buffer of 512 x 64 bits: 2 RAMB18 each) and, in LFC, the two 1024 x 64 DMA streams
  (``memInStrm``, ``memOutStrm``);
- LUT, FF and DSP (fitted): one constant each for the PS wrapper, the interconnects, the
  AXI-lite slave and the DMA loops, the mean residual of LFC-W1A1 and CNV-W1A1 only (printed);
  CNV's sliding-window units' index arithmetic (`SWG_DSP` each, fitted on CNV-W1A1).

Block RAM is capped at the xc7z020's 280 RAMB18 as Vivado synthesis does by default
(`cost.capped_block_ram`; binds on CNV-W2A2 only).  Besides the totals it prints the LUTs of
distributed RAM against the published "LUT as Distributed RAM".

Nothing is fitted on LFC-W1A2, CNV-W1A2 or CNV-W2A2: they validate.  Goal (issue 14): LUT and
BRAM within 15%, the W1A1 -> W1A2 and W1A1 -> W2A2 steps within 25%.

**cycles.** LFC-W1A1 (with rpnn-insert-fifos' depths and with BNN-PYNQ's 16/8/16), CNV-W1A1
and CNV-W2A2 in Verilator (`-t rpnn-rtl`, no back-pressure) beside `rpnn_ir.hw.stream_sim` and
the bottleneck figure: steady-state cycles per frame and first-frame latency.  Goal: frames/s
within 2%, latency within 10%.  Each Verilator build takes one to four minutes.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from xdsl.dialects.builtin import IntegerAttr, ModuleOp, TensorType, i64

import rpnn_ir
from rpnn_ir import dtypes
from rpnn_ir.builders.dataflow_nets import (
    BNN_PYNQ_CNV_W1A1_FOLDING,
    BNN_PYNQ_CNV_W2A2_FOLDING,
    BNN_PYNQ_LFC_FOLDING,
    build_cnv,
    build_lfc,
)
from rpnn_ir.dialects import rpnn
from rpnn_ir.hw import cost
from rpnn_ir.hw.cost import FINN_HLSLIB, BlockMemory, HlsTemplates, Resources
from rpnn_ir.hw.dataflow_model import DataflowGraph, Unit, element_bits, evaluate
from rpnn_ir.hw.dataflow_model import functions_with_dataflow as dataflow_functions
from rpnn_ir.hw.stream_sim import simulate

# --------------------------------------------------------------------------- published


@dataclass(frozen=True)
class Published:
    """Post-implementation utilisation (Vivado 2018.2, xc7z020, Xilinx/BNN-PYNQ
    ``bnn/src/network/<net>/README.md``)."""

    lut: int
    ff: int
    ramb36: int
    ramb18: int
    dsp: int
    lutram: int
    """Of `lut`: LUT as Distributed RAM."""

    @property
    def bram18(self) -> int:
        """RAMB18 equivalents: 2 per RAMB36."""
        return 2 * self.ramb36 + self.ramb18


PUBLISHED = {
    "LFC-W1A1": Published(28360, 33470, 6, 208, 4, 2314),
    "LFC-W1A2": Published(48981, 45338, 6, 208, 4, 4362),
    "CNV-W1A1": Published(26072, 41312, 76, 96, 24, 1578),
    "CNV-W1A2": Published(40321, 56276, 90, 83, 26, 3370),
    "CNV-W2A2": Published(37302, 51386, 138, 4, 32, 6970),
}
FITTED_ON = ("LFC-W1A1", "CNV-W1A1")
XC7Z020_BRAM18 = 280
"""RAMB18s of the xc7z020 (140 RAMB36; DS190)."""

LFC_STREAMS = ((1024, 64), (1024, 64))
"""LFC's DMA streams ``memInStrm``/``memOutStrm`` (depth, bits; lfc*/hw/top.cpp), in the
shell; its inter-layer streams are 512/PE deep (16/8/16) and PE*A bits wide."""
CNV_STREAMS = ((128, 24), (128, 64), (128, 64), (128, 128), (81, 128), (128, 64), (3, 64),
               (1, 256), (1, 256))
"""CNV's streams with a depth pragma (depth, bits; cnv*/hw/top.cpp, the same in the three)."""

MAXI_BUFFERS = ((512, 64), (512, 64))
"""The AXI master's read and write buffers (rpnn's reading of Vivado HLS's m_axi adapter:
512 x 64 bits each, one RAMB36; with LFC's two 1024 x 64 streams the 6 RAMB36 of LFC)."""

SWG_DSP = 3
"""DSP48s of one finn-hlslib sliding-window unit (its index products), fitted on CNV-W1A1:
(24 - 4 of LFC's shell) / 6 units, rounded down."""


SWG_RAM_STYLE = "block"
"""The sliding windows' line buffers (``inputBuf``, one memory per block: ARRAY_PARTITION
dim=1, ``RESOURCE core=RAM_2P``, slidingwindow.h) are block RAM even where they hold 640 to
896 bits: read from CNV-W1A1's published distributed RAM (1,578 LUTs), which the 16-bit
threshold memories alone fill to 1,472; as LUTRAM the four buffers of at most 1,024 bits
would add 352 (RAM32M/RAM64M, 4 LUTs per 6 or 3 bits; UG474)."""


POOL_ROW_IN_BRAM = True
"""The 1-bit max pool's row buffer (``ap_uint<C> buf[ImgDim/PoolDim]``, read and written in
the same pipelined loop like the windows' buffers) is block RAM, for the same reason as
`SWG_RAM_STYLE`: as LUTRAM its 896 + 640 bits would add 192 LUTs that CNV-W1A1's published
distributed RAM has no room for.  The 2-bit pool's per-channel buffers (2 bits x 14 or 5
entries) stay LUTRAM by the 1024-bit rule."""


@dataclass(frozen=True)
class Design:
    name: str
    build: Callable[[], ModuleOp]
    w_bits: int
    a_bits: int
    lutram_layers: tuple[int, ...] = ()
    """Layers whose weights ``top.cpp`` binds to LUTRAM (``#pragma HLS RESOURCE ...
    core=RAM_2P_LUTRAM``): CNV-W2A2's ``weights1``."""
    lutram_thresholds: tuple[int, ...] = ()
    """Layers whose thresholds ``top.cpp`` binds the same way: CNV-W2A2's ``threshs4``."""
    first_bits: int = 16
    """Accumulator and threshold bits of the first layer: CNV's ``threshs0`` is
    ``ThresholdsActivation<..., ap_fixed<24, 16>, ...>`` (cnv*/hw/top.cpp), 24 bits."""
    last_thresholds: int = 0
    """Thresholds per neuron of the last layer, which rpnn's network leaves unthresholded
    (it selects the label from the accumulators): LFC's ``threshs3`` has one
    (``lfc*/hw/top.cpp``, L3_API = 1, output ``Slice<ap_int<1>>`` in LFC-W1A2)."""


def designs() -> list[Design]:
    """The five BNN-PYNQ designs with their published foldings and paddings."""
    def lfc(w: int, a: int) -> Callable[[], ModuleOp]:
        # the image is binarised in both LFCs (lfcW1A2/hw/top.cpp: L0 reads Recast<Binary>)
        return lambda: build_lfc(w, a, BNN_PYNQ_LFC_FOLDING, in_features=832, last_mh=64,
                                 input_bits=1)

    def cnv(w: int, a: int) -> Callable[[], ModuleOp]:
        folding = BNN_PYNQ_CNV_W1A1_FOLDING if w == 1 else BNN_PYNQ_CNV_W2A2_FOLDING
        return lambda: build_cnv(w, a, folding, last_mh=64)

    return [Design("LFC-W1A1", lfc(1, 1), 1, 1, last_thresholds=1),
            Design("LFC-W1A2", lfc(1, 2), 1, 2, last_thresholds=1),
            Design("CNV-W1A1", cnv(1, 1), 1, 1, first_bits=24),
            Design("CNV-W1A2", cnv(1, 2), 1, 2, first_bits=24),
            Design("CNV-W2A2", cnv(2, 2), 2, 2, lutram_layers=(1,), lutram_thresholds=(4,),
                   first_bits=24)]


def graph(module: ModuleOp) -> DataflowGraph:
    ((_, g),) = list(dataflow_functions(module))
    return g


# --------------------------------------------------------------------------- the model


@dataclass
class Estimate:
    res: Resources
    ff: int
    lutram: int = 0
    """Of `res.lut`: the MVTUs' weight and threshold memories and the pools' buffers in
    LUTRAM (as `cost.lutram_luts` prices them, before FINN-R's 1.1 on thresholds)."""
    block: tuple[BlockMemory, ...] = ()
    """The memories behind `res.bram18` (for `cost.capped_block_ram`)."""


def finn_hlslib_unit(unit: Unit, a_bits: int, ram_style: str = "auto", *,
                     templates: HlsTemplates = FINN_HLSLIB,
                     n_thresholds: int | None = None) -> Estimate:
    """One unit as BNN-PYNQ's templates build it (`cost.FINN_HLSLIB`); `a_bits`: the
    design's activation bits (NumTH = A thresholds per channel); `ram_style`: an MVTU's
    memories (``distributed`` where ``top.cpp`` binds them to LUTRAM); `templates`: an
    MVTU's widths where ``top.cpp`` declares others; `n_thresholds`: an MVTU's thresholds
    per channel where BNN-PYNQ thresholds a layer rpnn's network does not."""
    op = unit.op
    if unit.kind == "maxpool":
        x = op.operands[0].type
        assert isinstance(x, rpnn.StreamType)
        h, _, ch = x.get_shape()
        pool = int(op.kernel.get_values()[0])  # type: ignore[attr-defined]
        bits = element_bits(x.element_type)
        res = cost.finn_maxpool_resources(h, pool, ch, bits, row_in_bram=POOL_ROW_IN_BRAM)
        lutram = res.lut - (ch if bits == 1 else 2 * bits * ch)
        block = (BlockMemory(1, h // pool, ch, ports=2),) if res.bram18 else ()
        return Estimate(res, evaluate(unit).ff, lutram, block)
    if unit.kind == "mvtu":
        assert isinstance(op, rpnn.MVTUOp) and isinstance(op.weights.type, TensorType)
        x = op.input.type
        assert isinstance(x, rpnn.StreamType)
        w_elt, x_elt = op.weights.type.element_type, x.element_type
        mw, mh = op.weights.type.get_shape()
        out = op.output.type
        assert isinstance(out, rpnn.StreamType)
        w_bip, x_bip = dtypes.is_bipolar(w_elt), dtypes.is_bipolar(x_elt)
        n_thr = (0 if op.thresholds is None else a_bits) if n_thresholds is None \
            else n_thresholds
        c = cost.mvtu_cost(mw, mh, op.pe.value.data, op.simd.value.data,
                           math.prod(x.get_shape()[:-1]), w_bits=element_bits(w_elt),
                           a_bits=element_bits(x_elt), acc_bits=16, n_thresholds=n_thr,
                           threshold_bits=16, xnor=w_bip and x_bip, sign=w_bip != x_bip,
                           out_bits=element_bits(out.element_type), ram_style=ram_style,
                           templates=templates)
        pe, simd = op.pe.value.data, op.simd.value.data
        weights = templates.memories(pe, mw * mh // (pe * simd),
                                     simd * element_bits(w_elt), ram_style)
        tbits = templates.threshold_bits or 16
        thresholds = templates.memories(pe * n_thr, mh // pe, tbits, ram_style)
        wmem, wbits = mw * mh // (pe * simd), simd * element_bits(w_elt)
        block = tuple(BlockMemory(n, depth, bits) for n, depth, bits in
                      ((pe, wmem, wbits), (pe * n_thr, mh // pe, tbits))
                      if n and templates.kind(ram_style, depth, bits) == "bram")
        return Estimate(c.res, c.ff, weights.lut + thresholds.lut, block)
    if unit.kind == "swg":
        x = op.operands[0].type
        assert isinstance(x, rpnn.StreamType)
        h, w, ch = x.get_shape()
        kh = int(op.kernel.get_values()[0])  # type: ignore[attr-defined]
        sh = int(op.stride.get_values()[0])  # type: ignore[attr-defined]
        simd = op.simd.value.data  # type: ignore[attr-defined]
        depth, width = w * ch // simd, simd * element_bits(x.element_type)
        buffer = FINN_HLSLIB.memories(kh + sh, depth, width, SWG_RAM_STYLE)
        c = evaluate(unit)
        return Estimate(Resources(lut=cost.HLS_BASE_LUT, dsp=SWG_DSP) + buffer, c.ff, 0,
                        (BlockMemory(kh + sh, depth, width, ports=2),))
    c = evaluate(unit)
    return Estimate(c.res, c.ff)


def stream_fifos(streams: tuple[tuple[int, int], ...]) -> Estimate:
    """HLS streams of (depth, bits), bound like the other arrays (1024-bit LUTRAM rule)."""
    res, ff, block = Resources(), 0, []
    for depth, bits in streams:
        kind = FINN_HLSLIB.kind("auto", depth, bits)
        c = cost.fifo_cost(depth, bits, depth, "distributed" if kind == "lutram" else "block")
        res, ff = res + c.res, ff + cost.register_ff(bits)
        if kind == "bram":
            block.append(BlockMemory(1, 1 << (depth - 1).bit_length(), bits, ports=2))
    return Estimate(res, ff, 0, tuple(block))


def second_ports(unit: Unit, a_bits: int, weights: bool, thresholds: bool) -> int:
    """LUTs a ``RAM_2P_LUTRAM`` binding adds to an MVTU's per-PE weight or threshold
    memories over the single-port LUTRAM the model prices: each bit stored a second time for
    the second read port (`cost.lutram_luts` with ports = 2; UG474's RAM64X1D)."""
    op = unit.op
    assert isinstance(op, rpnn.MVTUOp) and isinstance(op.weights.type, TensorType)
    mw, mh = op.weights.type.get_shape()
    pe, simd = op.pe.value.data, op.simd.value.data
    extra = 0
    if weights:
        depth, width = mw * mh // (pe * simd), simd * element_bits(op.weights.type.element_type)
        extra += pe * (cost.lutram_luts(depth, width, 2) - cost.lutram_luts(depth, width))
    if thresholds and op.thresholds is not None:
        tmem, tbits = mh // pe, FINN_HLSLIB.threshold_bits or 0
        assert FINN_HLSLIB.kind("auto", tmem, tbits) == "lutram"
        extra += pe * a_bits * (cost.lutram_luts(tmem, tbits, 2) - cost.lutram_luts(tmem, tbits))
    return extra


def accelerator(design: Design) -> Estimate:
    """The accelerator without the shell: units and streams."""
    g = graph(design.build())
    res, ff, luts, block = Resources(), 0, 0, ()
    mvtus = [u for u in g.units if u.kind == "mvtu"]
    for unit in g.units:
        index = mvtus.index(unit) if unit.kind == "mvtu" else -1
        lutram = index in design.lutram_layers
        templates = FINN_HLSLIB if index != 0 else replace(
            FINN_HLSLIB, acc_bits=design.first_bits, threshold_bits=design.first_bits)
        last = index == len(mvtus) - 1 and design.last_thresholds > 0
        e = finn_hlslib_unit(unit, design.a_bits, "distributed" if lutram else "auto",
                             templates=templates,
                             n_thresholds=design.last_thresholds if last else None)
        if lutram or index in design.lutram_thresholds:
            extra = second_ports(unit, design.a_bits, lutram, index in design.lutram_thresholds)
            e = replace(e, res=e.res + Resources(lut=extra), lutram=e.lutram + extra)
        res, ff, luts, block = res + e.res, ff + e.ff, luts + e.lutram, block + e.block
    if design.name.startswith("LFC"):
        inter = tuple((512 // pe, pe * design.a_bits) for _, pe in BNN_PYNQ_LFC_FOLDING[:3])
        streams = stream_fifos(inter)
    else:
        streams = stream_fifos(CNV_STREAMS)
    block += streams.block
    assert sum(cost.bram18_timing(m.depth, m.width) * m.count for m in block) \
        == res.bram18 + streams.res.bram18, "the block RAM list misses a memory"
    return Estimate(res + streams.res, ff + streams.ff, luts, block)


def shell_bram(design: Design) -> int:
    """RAMB18 of the shell: the AXI master's buffers, and LFC's DMA streams."""
    buffers = MAXI_BUFFERS + (LFC_STREAMS if design.name.startswith("LFC") else ())
    return sum(cost.bram18_timing(depth, bits) for depth, bits in buffers)


def fit_shell(estimates: dict[str, Estimate]) -> tuple[int, int, int]:
    """(LUT, FF, DSP) of the shell: the mean residual over `FITTED_ON` (DSP: LFC's, where
    no unit has any)."""
    lut = round(sum(PUBLISHED[n].lut - estimates[n].res.lut for n in FITTED_ON) / 2)
    ff = round(sum(PUBLISHED[n].ff - estimates[n].ff for n in FITTED_ON) / 2)
    return lut, ff, PUBLISHED["LFC-W1A1"].dsp - estimates["LFC-W1A1"].res.dsp


def rpnn_hls(design: Design) -> Resources:
    """The same network costed as rpnn-hls would emit it (rpnn's default model, no shell)."""
    total = Resources()
    for unit in graph(design.build()).units:
        total = total + evaluate(unit).res
    return total


def section_resources() -> list[str]:
    """Published vs model, per design and per precision step."""
    ds = designs()
    accel = {d.name: accelerator(d) for d in ds}
    shell_lut, shell_ff, shell_dsp = fit_shell(accel)
    lines = ["resources: BNN-PYNQ on xc7z020 (Vivado 2018.2, whole block design) vs rpnn's HLS "
             "model (finn-hlslib templates + shell)",
             f"shell fitted on {' and '.join(FITTED_ON)} only: LUT {shell_lut}, FF {shell_ff}, "
             f"DSP {shell_dsp}; BRAM18 derived (AXI master buffers, LFC's DMA streams)"]
    head = (f"{'design':<9} {'LUT pub':>8} {'model':>7} {'ratio':>6} {'BRAM18 pub':>10} "
            f"{'model':>6} {'ratio':>6} {'FF pub':>7} {'model':>7} {'DSP pub':>7} {'model':>5} "
            f"{'rpnn-hls LUT':>12} {'BRAM18':>6}  role")
    lines += [head, "-" * len(head)]
    model: dict[str, tuple[int, int]] = {}
    moved: dict[str, int] = {}
    capped: list[str] = []
    for d in ds:
        p, e = PUBLISHED[d.name], accel[d.name]
        bram = e.res.bram18 + shell_bram(d)
        moved[d.name] = 0
        if bram > XC7Z020_BRAM18:
            kept, moved[d.name] = cost.capped_block_ram(list(e.block),
                                                        XC7Z020_BRAM18 - shell_bram(d))
            capped.append(f"  {d.name}: {bram} RAMB18 asked, {XC7Z020_BRAM18} on the part: "
                          f"{bram - kept - shell_bram(d)} RAMB18 of its least-filled memories "
                          f"built as {moved[d.name]} LUTs of LUTRAM instead")
            bram = kept + shell_bram(d)
        lut = e.res.lut + moved[d.name] + shell_lut
        ff = e.ff + shell_ff
        dsp = e.res.dsp + shell_dsp
        model[d.name] = (lut, bram)
        own = rpnn_hls(d)
        role = "fitted (shell)" if d.name in FITTED_ON else "validation"
        lines.append(f"{d.name:<9} {p.lut:>8} {lut:>7} {lut / p.lut:>6.2f} {p.bram18:>10} "
                     f"{bram:>6} {bram / p.bram18:>6.2f} {p.ff:>7} {ff:>7} {p.dsp:>7} {dsp:>5} "
                     f"{own.lut:>12} {own.bram18:>6}  {role}")
    lines.append("of the LUTs, distributed RAM: published 'LUT as Distributed RAM' (whole "
                 "design) vs the model's LUTRAM weights, thresholds and pool buffers "
                 "(accelerator):")
    for d in ds:
        pub_ram, own_ram = PUBLISHED[d.name].lutram, accel[d.name].lutram + moved[d.name]
        lines.append(f"  {d.name:<9} {pub_ram:>6} {own_ram:>6} {own_ram / pub_ram:>6.2f}")
    if capped:
        lines.append("block RAM capped at the part's (Vivado synthesis' default -max_bram; "
                     "cost.capped_block_ram):")
        lines += capped
    lines.append("precision steps (model delta / published delta; goal within 25%):")
    for a, b in (("LFC-W1A1", "LFC-W1A2"), ("CNV-W1A1", "CNV-W1A2"), ("CNV-W1A1", "CNV-W2A2")):
        pub = PUBLISHED[b].lut - PUBLISHED[a].lut
        mod = model[b][0] - model[a][0]
        pub_b = PUBLISHED[b].bram18 - PUBLISHED[a].bram18
        mod_b = model[b][1] - model[a][1]
        lines.append(f"  {a} -> {b}: LUT +{pub} published, +{mod} model ({mod / pub:.2f}); "
                     f"BRAM18 {pub_b:+d} published, {mod_b:+d} model")
    errors = [abs(model[n][0] / PUBLISHED[n].lut - 1) for n in PUBLISHED if n not in FITTED_ON]
    brams = [abs(model[n][1] / PUBLISHED[n].bram18 - 1) for n in PUBLISHED
             if n not in FITTED_ON]
    lines.append(f"validation designs: worst |LUT ratio - 1| {max(errors):.1%}, worst |BRAM "
                 f"ratio - 1| {max(brams):.1%} (goal 15%)")
    return lines


# --------------------------------------------------------------------------- cycles


def lfc_w1a1(depths: tuple[int, ...] | None = None) -> ModuleOp:
    """LFC-W1A1 with rpnn-insert-fifos' FIFOs, or the inter-layer ones cut to `depths`."""
    module = rpnn_ir.compile(build_lfc(1, 1, BNN_PYNQ_LFC_FOLDING, in_features=832,
                                       last_mh=64), "rpnn-insert-fifos").module
    if depths is not None:
        fifos = [op for op in module.walk() if isinstance(op, rpnn.FIFOOp)]
        for op, depth in zip(fifos, depths, strict=False):
            op.depth = IntegerAttr(depth, i64)
    return module


def cnv_fifos(w: int) -> ModuleOp:
    folding = BNN_PYNQ_CNV_W1A1_FOLDING if w == 1 else BNN_PYNQ_CNV_W2A2_FOLDING
    return rpnn_ir.compile(build_cnv(w, w, folding, last_mh=64), "rpnn-insert-fifos").module


CYCLE_DESIGNS: dict[str, Callable[[], ModuleOp]] = {
    "LFC-W1A1 (rpnn FIFOs)": lfc_w1a1,
    "LFC-W1A1 (FIFOs 16/8/16)": lambda: lfc_w1a1((16, 8, 16)),
    "CNV-W1A1 (rpnn FIFOs)": lambda: cnv_fifos(1),
    "CNV-W2A2 (rpnn FIFOs)": lambda: cnv_fifos(2),
}


def section_cycles(frames: int = 4) -> list[str]:
    """Verilator vs the stream simulation vs the bottleneck."""
    from rpnn_ir.backends import rtl_sim

    lines = [f"cycles: -t rpnn-rtl in Verilator ({frames} frames, no back-pressure) vs "
             "rpnn_ir.hw.stream_sim vs the bottleneck (goal: frames/s within 2%, latency 10%)",
             f"{'design':<26} {'Verilator c/f':>13} {'sim c/f':>8} {'err':>7} "
             f"{'bottleneck':>10} {'Verilator lat':>13} {'sim lat':>8} {'err':>7} "
             f"{'sim s':>6} {'build s':>7}"]
    for name, build in CYCLE_DESIGNS.items():
        module = build()
        g = graph(module)
        start = time.perf_counter()
        predicted = simulate(g, frames)
        sim_s = time.perf_counter() - start
        start = time.perf_counter()
        with rtl_sim.RtlSim.build([module], frames=frames) as sim:
            (measured,) = sim.run()
        build_s = time.perf_counter() - start
        if not measured.passed:
            lines.append(f"{name:<26} Verilator FAILED:\n{measured.log}")
            continue
        bottleneck = max(evaluate(u).cycles for u in g.units)
        cpf, lat = measured.cycles_per_frame, measured.latency
        lines.append(
            f"{name:<26} {cpf:>13.0f} {predicted.cycles_per_frame:>8.0f} "
            f"{predicted.cycles_per_frame / cpf - 1:>+7.2%} {bottleneck:>10} {lat:>13} "
            f"{predicted.latency:>8} {predicted.latency / lat - 1:>+7.2%} {sim_s:>6.1f} "
            f"{build_s:>7.0f}")
        sys.stdout.flush()
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--section", choices=("resources", "cycles", "all"), default="all")
    parser.add_argument("--frames", type=int, default=4)
    args = parser.parse_args(argv)
    if args.section in ("resources", "all"):
        print("\n".join(section_resources()))
        sys.stdout.flush()
    if args.section in ("cycles", "all"):
        print("\n".join(section_cycles(args.frames)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
