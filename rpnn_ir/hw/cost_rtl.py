"""RTL cost model: what each `-t rpnn-rtl` unit costs after Yosys `synth_xilinx`.

`rpnn-cost{backend=rtl}` uses it (docs/cost-model.md, "RTL model"). Every unit of the
Verilog library (rpnn_ir/backends/rtl/rpnn_rtl.v) is described by the Verilog parameters
`-t rpnn-rtl` gives it (`unit_params`, mirroring rpnn_ir/backends/rtl.py). Its cost, for a
Yosys family (7-series `xc7`, UltraScale+ `xcup`; `family_for` a device), is:

- memories (`map_memory`): which primitive Yosys' `memory_libmap` picks for each array of
  the unit (logic, LUT RAM, block RAM or UltraRAM, by the costs of Yosys' Xilinx memory
  libraries of the family and the ram_style/rom_style attributes), the block RAM and
  UltraRAM counts from the primitive's geometry (exact) and the LUTs of LUT RAM primitives;
- LUT and FF: a sum of physically motivated terms (`features`: products of PE, SIMD and
  bits for the datapath, register bits counted off the Verilog, counter widths, logic-mapped
  memories, multiplexers) times constants fitted on a Yosys sweep
  (benchmarks/rtl_calibrate.py), read from `data/rtl_cost_<family>.json` with their
  provenance;
- DSP: the multipliers Yosys maps to DSP48 slices, by the operand widths (`mult_to_dsp`).

Lower layers only: this module reads the IR through `rpnn_ir.hw.dataflow_model` and never
imports a backend.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from xdsl.dialects.builtin import IntegerType, Signedness, TensorType

from rpnn_ir import dtypes
from rpnn_ir.dialects import rpnn
from rpnn_ir.hw import rom_layout
from rpnn_ir.hw.cost import Resources, UnitCost
from rpnn_ir.hw.dataflow_model import Unit, evaluate
from rpnn_ir.hw.devices import Device, yosys_family

DATA = Path(__file__).parent / "data"
FAMILY_CONSTANTS = {"xc7": "xc7", "xcup": "xcup", "xcu": "xcup"}
"""Yosys family -> the family whose fitted constants it uses: UltraScale (xcu, not swept)
those of UltraScale+ (the same CLB with CARRY8, the same DSP48E2; it has no UltraRAM)."""


def constants_file(family: str = "xc7") -> Path:
    """The fitted constants of a Yosys family (`data/rtl_cost_<family>.json`)."""
    return DATA / f"rtl_cost_{FAMILY_CONSTANTS.get(family, family)}.json"


CONSTANTS_FILE = constants_file("xc7")
URAM_SHAPE = (72, 4096)
"""(width, depth) of an URAM288 with two ports (Yosys share/xilinx/urams.txt; UG573)."""

LOGIC_COST_ROM = 1 / 16
"""Yosys memory_libmap: cost of one ROM bit in soft logic (`-logic-cost-rom` default)."""
LOGIC_COST_RAM = 1.0
"""Yosys memory_libmap: cost of one RAM bit in soft logic (`-logic-cost-ram` default)."""
RAMB18_COST, RAMB36_COST = 129, 257
"""Yosys share/xilinx/brams_xc4v.txt (7-series and UltraScale): cost of a RAMB18/RAMB36."""
LUTRAM_COST = 8
"""Yosys share/xilinx/lutrams_xc5v.txt: cost of one RAM32M/RAM64M LUT RAM primitive."""
RAMB18_SHAPES = ((1, 16384), (2, 8192), (4, 4096), (9, 2048), (18, 1024), (36, 512))
RAMB36_SHAPES = ((1, 32768), (2, 16384), (4, 8192), (9, 4096), (18, 2048), (36, 1024),
                 (72, 512))
"""(width, depth) of RAMB18 / RAMB36 in simple dual-port mode (Xilinx UG473)."""
RAMB18_BITS = 18432
"""Bits of a RAMB18 with its parity bits (UG473)."""
LUTRAM_SHAPES = {
    "sdp": ((6, 32), (3, 64)),
    "sp": ((8, 32), (4, 64), (2, 128), (1, 256)),
}
"""(width, depth) of four LUTs of LUT RAM (Yosys share/xilinx/lutrams_xc5v.txt; UG474): with
a write port and a read port at another address ("sdp": RAM32M, RAM64M), or one address for
both ("sp": RAM32M, RAM64M, two RAM128X1S, RAM256X1S)."""
LUTRAM_PRIMITIVE_LUTS = 4
"""LUTs of one LUT RAM tile of LUTRAM_SHAPES, which Yosys' library costs LUTRAM_COST."""
LUTRAM_XCU = ({"sdp": ((14, 32), (7, 64)), "sp": ((16, 32), (8, 64), (4, 128), (2, 256))},
              8, 16)
"""UltraScale(+) LUT RAM (Yosys share/xilinx/lutrams_xcu.txt; UG574): (shapes as
LUTRAM_SHAPES, LUTs per tile, cost per tile): eight LUTs of RAM32M16 (32x14 with two
addresses) or RAM64M8 (64x7), or single-port 32x16 ... 256x2."""


def lutram_library(family: str = "xc7") -> tuple[dict, int, int]:
    """(shapes, LUTs per tile, cost per tile) of a family's LUT RAM."""
    if family in ("xcu", "xcup"):
        return LUTRAM_XCU
    return LUTRAM_SHAPES, LUTRAM_PRIMITIVE_LUTS, LUTRAM_COST
DSP_MIN_OPERAND, DSP_MIN_PRODUCT = 2, 9
"""Yosys synth_xilinx maps a multiplication to a DSP48 when both operands have at least 2
bits and the product at least 9 (its mul2dsp thresholds; checked on the sweep)."""
STYLES = {0: "auto", 1: "block", 2: "distributed", 3: "ultra"}


# --------------------------------------------------------------------------- memories


@dataclass(frozen=True)
class Memory:
    """Where Yosys puts one memory array, and what that costs outside the fitted terms."""

    kind: str  # "logic", "lutram", "bram", "uram"; "mixed" (a unit's arrays summed), "none"
    bram18: int = 0
    uram: int = 0
    lut_mem: int = 0
    bits: int = 0
    """Bits held in soft logic (kind "logic"): flip-flops and read multiplexers."""
    mux: int = 0
    """LUT RAM or UltraRAM deeper than one tile: the read multiplexers' and write enables'
    LUTs (`lutram_mux_luts`)."""


def bram_tiling(depth: int, width: int) -> tuple[int, int]:
    """(cost, RAMB18 equivalents) of the cheapest single-shape RAMB18 or RAMB36 tiling."""
    best: tuple[int, int] | None = None
    for shapes, cost, size in ((RAMB18_SHAPES, RAMB18_COST, 1), (RAMB36_SHAPES, RAMB36_COST, 2)):
        for w, d in shapes:
            n = math.ceil(width / w) * math.ceil(depth / d)
            option = (n * cost, n * size)
            best = option if best is None or option < best else best
    # Yosys also stores data in the parity bits (9/18/36-bit widths) across words of deep
    # memories: then only the capacity with parity bounds the count
    if depth >= 4096:
        n = max(math.ceil(depth * width / RAMB18_BITS), math.ceil(width / 36))
        best = min(best, (n * RAMB18_COST, n))
    assert best is not None
    return best


def mux_luts(n: int) -> int:
    """LUTs of one bit of an n:1 multiplexer as ABC builds it: a tree of 4:1 multiplexers
    (a LUT6 each: 4 data and 2 select inputs), no MUXF7/F8 (checked on the dwc sweep)."""
    total = 0
    while n > 1:
        n = math.ceil(n / 4)
        total += n
    return total


def lutram_mux_luts(depth: int, width: int, ports: str = "sdp", family: str = "xc7") -> int:
    """LUTs selecting among the LUT RAM tiles of the cheapest tiling when it is deeper than
    one tile: a `mux_luts` multiplexer per data bit and a write-enable decoder per row of
    tiles."""
    _, d = min(lutram_library(family)[0][ports],
               key=lambda shape: math.ceil(width / shape[0]) * math.ceil(depth / shape[1]))
    n = math.ceil(depth / d)
    return width * mux_luts(n) + (n if n > 1 else 0)  # and a write enable per tile row


def lutram_cost(depth: int, width: int, ports: str = "sdp", family: str = "xc7") -> float:
    """Yosys' cost of the cheapest LUT RAM tiling: its tiles' cost scaled by the fraction of
    their width the data uses (the libraries' `widthscale`), plus `lutram_depth_cost` per
    data bit and tile beyond the first in depth."""
    shapes, _, cost = lutram_library(family)
    extra = memory_constant("lutram_depth_cost", family)
    return min(math.ceil(width / w) * math.ceil(depth / d) * cost
               * width / (math.ceil(width / w) * w)
               + extra * width * (math.ceil(depth / d) - 1) for w, d in shapes[ports])


def lutram_luts(depth: int, width: int, ports: str = "sdp", family: str = "xc7") -> int:
    """LUTs of the cheapest LUT RAM tiling (`ports` "sdp" or "sp", `lutram_library`)."""
    shapes, luts, _ = lutram_library(family)
    return min(math.ceil(width / w) * math.ceil(depth / d) for w, d in shapes[ports]) * luts


_FITTING: list[dict] = []
"""While `fit_constants` searches them: the memory constants to use."""
MEMORY_DEFAULTS = {"rom_bram_ratio": 1.0, "lutram_depth_cost": 0.0}
"""Fitted memory-mapping constants before any fit: `rom_bram_ratio`, how much dearer than
`bram_tiling`'s cost an automatic ROM's block RAMs are to Yosys (it also weighs port and
mux options this model does not enumerate); `lutram_depth_cost`, what Yosys adds per data
bit and LUT RAM tile beyond the first in depth (their read multiplexer)."""


def memory_constant(name: str, family: str = "xc7") -> float:
    """A fitted memory-mapping constant of a family (`MEMORY_DEFAULTS`)."""
    if _FITTING:
        return _FITTING[-1][name]
    if not constants_file(family).exists():
        return MEMORY_DEFAULTS[name]
    return constants(family).get("memory", {}).get(name, MEMORY_DEFAULTS[name])


def map_memory(depth: int, width: int, *, rom: bool, style: str = "auto",
               ports: str = "sdp", family: str = "xc7") -> Memory:
    """The mapping Yosys' memory_libmap chooses for a `depth` x `width` array.

    ROMs cannot go to LUT RAM (the library prunes them); `style` "block" forces block RAM,
    "ultra" UltraRAM on UltraScale+ (a RAM: UltraRAM cannot be initialised; elsewhere
    block RAM), "distributed" LUT RAM (a "distributed" ROM makes
    Yosys fail; it is costed as logic); "auto" takes the cheapest
    of soft logic (LOGIC_COST_* per bit), LUT RAM and block RAM. Arrays of one word are
    registers.
    """
    if depth <= 1 or width == 0:
        return Memory("logic", bits=depth * width)
    bram_cost, bram18 = bram_tiling(depth, width)
    if style == "ultra" and family == "xcup" and not rom:
        deep = math.ceil(depth / URAM_SHAPE[1])  # in depth: a read multiplexer as LUT RAM's
        return Memory("uram", uram=math.ceil(width / URAM_SHAPE[0]) * deep,
                      mux=width * mux_luts(deep) + (deep if deep > 1 else 0))
    if style in ("block", "ultra"):
        return Memory("bram", bram18=bram18)
    lut_ram = None if rom else Memory(
        "lutram", lut_mem=lutram_luts(depth, width, ports, family),
        mux=lutram_mux_luts(depth, width, ports, family))
    if style == "distributed":  # a ROM: rpnn_rtl.v asks Yosys for logic
        return lut_ram or Memory("logic", bits=depth * width)
    logic_cost = depth * width * (LOGIC_COST_ROM if rom else LOGIC_COST_RAM)
    options = [(logic_cost, Memory("logic", bits=depth * width)),
               (bram_cost * (memory_constant("rom_bram_ratio", family) if rom else 1.0),
                Memory("bram", bram18=bram18))]
    if lut_ram is not None:
        options.append((lutram_cost(depth, width, ports, family), lut_ram))
    return min(options, key=lambda o: o[0])[1]


# --------------------------------------------------------------------------- features


def clog2(n: int) -> int:
    """Verilog $clog2."""
    return max(0, (n - 1).bit_length())


def _w(n: int) -> int:
    """Width of a counter up to n - 1 as the library declares it ($clog2(max(n, 2)))."""
    return clog2(max(n, 2))


def mvu_memories(p: dict, family: str = "xc7") -> dict[str, tuple[int, int, Memory]]:
    """name -> (depth, width, mapping) of the arrays of an rpnn_mvu."""
    dw = p["DEPTHWISE"]
    tiles = p["INNER"] * p["OUTER"]
    w_width = p.get("W_WIDTH", p["PE"] * p["SIMD"] * p["WB"])
    mems = {"w": (tiles, w_width, map_memory(tiles, w_width, rom=True, family=family,
                                              style=STYLES[p.get("W_STYLE", 0)]))}
    if p["T"] > 0:
        depth = p["INNER"] if dw else p["OUTER"]
        width = p.get("T_WIDTH", p["PE"] * p["T"] * p["TB"])
        mems["t"] = (depth, width, map_memory(depth, width, rom=True, family=family))
    if not dw:
        if p["OUTER"] > 1:  # with one neuron fold the vector is never read again
            width = p["SIMD"] * p["IB"]
            mems["vec"] = (p["INNER"], width, map_memory(p["INNER"], width, rom=False,
                                                         ports="sp", family=family))
    elif p["OUTER"] > 1:  # with one tap fold the accumulators are never read: Yosys
        # removes them
        width = p["PE"] * p["AB"]
        mems["acc"] = (p["INNER"], width, map_memory(p["INNER"], width, rom=False,
                                                     family=family))
    return mems


def mult_to_dsp(p: dict) -> bool:
    """Whether Yosys maps an MVU lane's product to a DSP48: a real multiplication (neither
    operand bipolar) whose operands reach DSP_MIN_OPERAND bits and product DSP_MIN_PRODUCT.
    The operands as Yosys sees them after `wreduce`: the input zero-extended to IB + 1
    signed bits, the signed weight at its WB bits (rpnn_dot's extra sign bit is redundant),
    the product at the accumulator's AB bits when narrower (its higher bits are unused)."""
    if p["I_BIPOLAR"] or p["W_BIPOLAR"]:
        return False
    xw, ww = p["IB"] + (0 if p["I_SIGNED"] else 1), p["WB"] + (0 if p["W_SIGNED"] else 1)
    # only the accumulator's AB low bits of each product are used: `wreduce` narrows the
    # product to them
    return min(xw, ww) >= DSP_MIN_OPERAND and min(xw + ww, p["AB"]) >= DSP_MIN_PRODUCT


def datapath(p: dict) -> str:
    """An MVU lane's product as rpnn_dot builds it: "xnor" (bipolar x bipolar), "sign"
    (bipolar x integer: a conditional negation), "dsp" (`*` Yosys maps to a DSP48), "mul"
    (`*` too narrow for a DSP: LUT logic), "shift" (resource "lut": shift-and-add)."""
    if p["I_BIPOLAR"] and p["W_BIPOLAR"]:
        return "xnor"
    if p["I_BIPOLAR"] or p["W_BIPOLAR"]:
        return "sign"
    if not p.get("USE_DSP", 1):
        return "shift"
    return "dsp" if mult_to_dsp(p) else "mul"


def distinct_columns(depth: int, width: int) -> int:
    """Distinct bit columns of a `depth` x `width` constant table: at most 2^depth."""
    return min(width, 1 << min(depth, 30))


def _varying(bits: np.ndarray) -> np.ndarray:
    """The columns of a 0/1 table [words, bits] that are not constant."""
    ones = bits.sum(axis=0)
    return bits[:, (ones > 0) & (ones < bits.shape[0])]


def _distinct_varying(bits: np.ndarray) -> np.ndarray:
    """The distinct columns of a 0/1 table [words, bits] that are not constant, one a row."""
    varying = _varying(bits)
    return np.unique(varying.T, axis=0) if varying.shape[1] else np.zeros((0, len(bits)))


def varying_columns(bits: np.ndarray) -> int:
    """Distinct columns of a 0/1 table [words, bits] that are not constant: what Yosys keeps
    of a ROM held in logic (opt_merge merges equal flip-flops and LUT functions, a constant
    column is no logic at all)."""
    return len(_distinct_varying(bits))


def literal_columns(bits: np.ndarray) -> int:
    """Of the distinct varying columns of a 0/1 table [words, bits] (`varying_columns`),
    those that read as a bit of the word's address or its complement (`address_literals`)."""
    return int(address_literals(_distinct_varying(bits)).sum())


def address_literals(columns: np.ndarray) -> np.ndarray:
    """For each of a ROM's bit columns [columns, words] (over its words 0, 1, ...), whether
    it is bit k of the address or its complement for some k: the ROM's address register
    itself or that bit inverted, which needs no LUT of its own (an MVU's ROMs:
    `_mvu_features`)."""
    words = columns.shape[1]
    shifts = np.arange(max(1, (words - 1).bit_length()))
    address = (np.arange(words)[None, :] >> shifts[:, None]) & 1   # [address bits, words]
    same = (columns[:, None, :] == address[None]).all(axis=2)
    inverse = (columns[:, None, :] != address[None]).all(axis=2)
    return (same | inverse).any(axis=1)


def mapped_width(bits: np.ndarray) -> int:
    """Columns of a 0/1 table [words, bits] that are not constant: the width Yosys maps a
    ROM at (its constant bit columns are dropped before memory_libmap). Measured: a
    thresholding ROM of 256 x 7,680 bits whose sorted thresholds leave 154 constant sign
    columns took 105 RAMB36, 7,526 / 72 bits, not 107."""
    return _varying(bits).shape[1]


def word_bits(words, width: int) -> np.ndarray:
    """A ROM given as one int per word of `width` bits, as a 0/1 table [words, width]."""
    nbytes = max(1, (width + 7) // 8)
    raw = b"".join(int(w).to_bytes(nbytes, "little") for w in words)
    return np.unpackbits(np.frombuffer(raw, dtype=np.uint8).reshape(len(words), nbytes),
                         axis=1, bitorder="little")[:, :width]


def word_values(bits: np.ndarray, width: int, signed: bool) -> np.ndarray:
    """Element values [words, elements] of a ROM as a 0/1 table [words, bits] whose element
    k is bits k*width ... k*width + width - 1 (`word_bits` of the words `-t rpnn-rtl`
    writes), two's complement when `signed`."""
    planes = bits.reshape(len(bits), -1, width).astype(np.int64)
    values = (planes << np.arange(width)).sum(axis=2)
    return np.where(values >> (width - 1), values - (1 << width), values) if signed \
        else values


def element_bits(values: np.ndarray, element_type) -> np.ndarray:
    """A ROM given as element values [words, slots] of `element_type` (two's complement;
    bipolar +1 is a 1 bit), as a 0/1 table [words, slots * bits] (columns in some order)."""
    values = np.asarray(values, dtype=np.int64)
    if dtypes.is_bipolar(element_type):
        return (values > 0).astype(np.uint8)
    planes = [(values >> b) & 1 for b in range(_bits(element_type))]
    return np.concatenate(planes, axis=1).astype(np.uint8)


def rom_logic_luts(depth: int, width: int, columns: int | None = None) -> float:
    """LUTs of a ROM in soft logic before the fitted constant: a LUT per 64 words of each
    distinct bit column (at most 2^depth: Yosys merges equal ones). Yosys moves the read
    register to the address and builds each output bit as a multiplexer of constants,
    which ABC maps as LUT6s joined by MUXF7/MUXF8s, merged with the logic the ROM feeds.
    That holds because rpnn_rtl.v's ROM addresses are registers counted without a carry
    chain (rpnn_inc) or an adder's output: read at a counter whose increment is a carry
    chain, abc9 maps the same ROM at about a LUT per 16 words (measured on one 256 x 64
    ROM of random words: 971 LUTs against 248)."""
    if depth <= 1:
        return 0.0
    if columns is None:
        columns = distinct_columns(depth, width)
    return float(columns * math.ceil(depth / 64))


def ram_read_luts(depth: int, width: int, mem: Memory) -> int:
    """LUTs of a RAM held in flip-flops (`mem.kind` "logic"): a read multiplexer of
    `depth` words per data bit and a write enable per word."""
    if mem.kind != "logic" or depth <= 1:
        return 0
    return width * mux_luts(depth) + depth


def const_comparator_bits(t: int, cw: int) -> int:
    """Bits compared by T comparators of a CW-bit value against constant thresholds: sorted
    constants share their leading bits (a binary search needs about clog2(T + 1) of them
    once), so each compares about CW - clog2(T + 1) bits (the cross-validated choice over
    T * CW; thresholds read from a ROM are generic comparators of max(IB, TB) bits)."""
    return t * (cw - clog2(t + 1))


def const_search_bits(t: int, cw: int) -> int:
    """The other half of T comparators against sorted constant thresholds: each of the
    count's clog2(T + 1) bits is a decision over the whole CW-bit value (a level of the
    binary search). With `const_comparator_bits` beside it, cross-validated LUT p90 on 724
    7-series training points 23.1% -> 22.1% (MVTU 27.4% -> 25.4%, thresholding 20.0% ->
    16.3%): alone, the comparators had T = 1 units too small and T = 15 ones too large."""
    return cw * clog2(t + 1)


TREE_LEVELS = 4
"""The most adder-tree levels the depth terms count (`tree_levels`)."""


def tree_levels(simd: int) -> int:
    """Levels of a SIMD-operand adder tree as the depth terms count them: abc9 maps for
    delay first, so a deeper tree costs more per bit, but no more beyond TREE_LEVELS (16
    operands). Chosen by cross-validation on 724 7-series training points over clog2(SIMD)
    uncapped (LUT p90 21.3% -> 20.4%, mean 9.5% -> 9.2%; caps of 3 and 5: 20.6%, 20.5%):
    uncapped, the widest units were 8-30% over (an XNOR MVTU of PE 8 x SIMD 784: 28,433
    for Yosys' 21,817 out of fold)."""
    return min(clog2(simd), TREE_LEVELS)


def threshold_rom_apart(depth: int, t: int) -> bool:
    """Whether rpnn_rtl.v keeps a threshold ROM in its own hierarchy (keep_hierarchy): more
    than 32 words (beyond a LUT5's address) and more than one threshold a channel.
    Flattened, abc9 built such ROMs from address decoders at about 3 LUTs a column (an
    MVTU of 8 PEs x 15 thresholds, 64 words: 7,039 LUT flat, 3,185 apart); apart they
    map like any ROM (`rom_logic_luts`), but their constant and equal columns no longer
    simplify what they feed: the MVTU's threshold register keeps every bit."""
    return depth > 32 and t > 1


def weight_rom_apart(depth: int) -> bool:
    """Whether rpnn_rtl.v keeps an MVU's weight ROM in its own hierarchy (keep_hierarchy):
    more than 32 words. Flattened with the XNORs or products it feeds, abc9 mapped large
    ones from address decoders (an XNOR MVTU of PE 32 x SIMD 64, 128 words: 17,297 LUT
    flat, 9,751 apart); apart a ROM in logic maps like any ROM (`rom_logic_luts`) and the
    datapath reads its register as it reads block RAM (the XNOR no longer merges into the
    ROM's LUTs)."""
    return depth > 32


def activation_table(value_bits: int, t_depth: int) -> bool:
    """Whether an activation against thresholds is a truth table, one LUT per output bit:
    its inputs fit a LUT6, the value's bits and those of the threshold register (constants
    when one threshold word, one address-driven bit and its complement for two: Yosys merges
    equal flip-flops)."""
    return t_depth <= 2 and value_bits + 2 * (max(t_depth, 1) - 1) <= 6


DATAPATH_TERMS = ("xnor_popcount", "xnor_popcount_bram", "negate", "negate_select",
                  "negate_select_wide", "sign_invert", "mul_lut", "shift_add", "add_tree",
                  "add_depth", "add_tree_chain", "add_depth_chain", "add_sign_bits",
                  "xnor_depth")
"""The MVU's product and adder-tree terms: what a constant weight bit takes away."""


def sum_chain(p: dict) -> bool:
    """Whether Yosys maps rpnn_dot's sum of SIMD products (PW = IB + WB + 2 bits each,
    sign-extended to SW bits, the low AB bits kept) as a chain of adders each as wide as
    its partial sum: when AB >= PW + SIMD. Narrower, the whole sum is mapped at AB bits,
    the products' sign-extension bits summed with the rest (measured on 7-series, x * (+-1)
    of 2-bit inputs, SIMD 8, 4 PEs, 2 words: AB = 6, 9, 11, 12 -> 204, 256, 288, 307 LUT;
    AB = 13, 15, 24 -> 212, 220, 256; SIMD 4 switches between AB 8 and 9, SIMD 2 between 6
    and 7, 4-bit inputs at SIMD 8 between 14 and 16). Cross-validated LUT p90 with the sign
    bits below it as a term (`add_sign_bits`) and the chain's own constants, 1,512 7-series
    training points, two sets of 5 x 5 folds: MVTU 14.8% -> 14.0% and 14.9% -> 14.2%,
    depthwise 17.6% -> 17.4% and 18.1% -> 17.7%; UltraScale+ MVTU 14.6% -> 14.1%, depthwise
    17.6% -> 17.2%. The same split for the sum after DSPs was worse (MVTU 14.3%, depthwise
    17.6% on 7-series)."""
    return p["SIMD"] > 1 and p["AB"] >= p["IB"] + p["WB"] + 2 + p["SIMD"]


def constant_weight_share(p: dict) -> float:
    """The share of the weight table's bits that are constant: all of them for one word;
    else 1 - W_WIDTH / (PE * SIMD * WB), W_WIDTH the table's non-constant columns
    (`mapped_width`), which Yosys drops before it maps the ROM, in logic or block RAM, so
    the products they feed become constant-weight products. Random tables of 2 words keep
    about half their bits, of 4 words 7/8, of 8 or more nearly all. Priced as that share
    of the datapath being a constant-weight sum, cross-validated LUT p90 on 790 7-series
    training points 19.4% -> 17.9% (MVTU 20.9% -> 18.6%, depthwise 22.9% -> 20.3%;
    applied to logic ROMs only, 18.2%): units of 2- and 4-word ROMs had been up to 54%
    over."""
    if p["INNER"] * p["OUTER"] <= 1:
        return 1.0
    full = p["PE"] * p["SIMD"] * p["WB"]
    return max(0.0, 1.0 - p.get("W_WIDTH", full) / full)


def shift_add_bits(p: dict) -> int:
    """Bits one lane's shift-and-add product adds, as rpnn_dot builds it (resource "lut"):
    b, the narrower decoded operand (the weight when WB <= IB, else the input), selects
    shifted copies of a, the other; each of b's bits after the first adds a's significant
    bits (IB or WB: its decoded top bit is a sign copy or 0). A signed b's decoded top bit
    is a copy of its sign and adds one more (negated) copy; an unsigned b's is 0 and adds
    none. In place of NB - 1 additions of PW bits (NB = min(IB, WB) + 1), cross-validated
    LUT p90 on 1,195 7-series training points, two sets of 5 x 5 folds: MVTU 17.1% ->
    15.7% and 16.9% -> 15.8%, depthwise 18.7% -> 15.8% and 19.0% -> 16.3%; 2-bit inputs
    had been 14% over (their 3-bit decoded input has a constant top bit: one addition, not
    two of PW bits), 8-bit ones 13% under."""
    if p["WB"] <= p["IB"]:
        b_bits, b_signed, a_bits = p["WB"], p["W_SIGNED"], p["IB"]
    else:
        b_bits, b_signed, a_bits = p["IB"], p["I_SIGNED"], p["WB"]
    return (b_bits + b_signed - 1) * a_bits


def constant_sum_bits(p: dict, kind: str) -> tuple[str, float] | None:
    """(term suffix, bits) of the sum an MVU with one weight word (constant weights) adds,
    counted off the weights' values, or None where the shared estimate stands (other
    datapaths, several words, values unknown).

    x * w in LUTs (`*`, or shift-and-add whose narrower operand is the weight): Yosys'
    maccmap adds a copy of x (its IB bits) for each 1 of the weight's WB + 1-bit two's
    complement, the sign bit's as an inverted copy (-1 costs three copies, -2 two, 0 none):
    `W_ONES` over all lanes, less one a PE (the first copy is no addition), own constants
    `const_tree_products`. (+-1) * w: a lane's bits are the input bit x, its inversion or
    constants, where w and -w differ: `W_FLIPS` over all lanes, less one a PE (MVTU
    `const_tree_pm_inputs`, depthwise `const_tree_pm_inputs_dw`). In place of PE * (SIMD -
    1) * the product's bits, cross-validated LUT p90 on 1,512 7-series training points,
    two sets of 5 x 5 folds, with the counters' LUTs at $clog2 (`_mvu_features`): MVTU 16.1%
    -> 15.3% and 16.0% -> 15.2%, depthwise 19.9% -> 17.4% and 19.4% -> 17.7%; constant-
    weight x * w units had been 15% under (negative weights cost more copies)."""
    if p["INNER"] * p["OUTER"] > 1 or p["W_BIPOLAR"]:
        return None
    if (kind == "mul" or (kind == "shift" and p["WB"] <= p["IB"])) and "W_ONES" in p:
        return "_products", p["IB"] * max(p["W_ONES"] - p["PE"], 0)
    if kind == "sign" and "W_FLIPS" in p:
        return ("_pm_inputs_dw" if p["DEPTHWISE"] else "_pm_inputs",
                max(p["W_FLIPS"] - p["PE"], 0))
    return None


def weight_value_counts(values: np.ndarray, wb: int) -> dict[str, int]:
    """W_ONES and W_FLIPS (`constant_sum_bits`) of weight values [words, lanes] of WB bits
    (as rpnn_dot decodes them, WB + 1 bits in two's complement)."""
    v = np.asarray(values, dtype=np.int64)
    bits = np.arange(wb + 1)
    return {"W_ONES": int(((v[..., None] >> bits) & 1).sum()),
            "W_FLIPS": int((((v ^ -v)[..., None] >> bits) & 1).sum())}


def _mvu_features(p: dict, family: str = "xc7") -> tuple[dict, dict, Memory, int]:
    pe, simd, ab = p["PE"], p["SIMD"], p["AB"]
    lanes = pe * simd
    kind = datapath(p)
    xnor, negate, dsp = kind == "xnor", kind == "sign", kind == "dsp"
    pw = p["IB"] + p["WB"] + 2
    shift_adds = shift_add_bits(p) if kind == "shift" else 0
    const_w = p["INNER"] * p["OUTER"] <= 1
    # the bits entering a lane's adder tree: the product's significant bits, sign extension
    # adds nothing to them: x * (+-1) the input's and one more (-x of an unsigned or the
    # most negative signed x needs it), (+-1) * w the weight's and one, x * w both
    # operands' (unsigned x signed or signed x signed: IB + WB bits hold every product).
    # In place of two more bits each, cross-validated LUT p90 on 1,195 7-series training
    # points, two sets of 5 x 5 folds: MVTU 15.7% -> 15.2% and 15.8% -> 15.3%, all 15.8%
    # -> 15.6% and 15.9% -> 15.6% (depthwise 15.8% -> 16.0%, 16.3% both)
    in_bits = ((p["IB"] if p["W_BIPOLAR"] else p["WB"]) + 1 if negate
               else p["IB"] + p["WB"])
    mems = mvu_memories(p, family)
    t, tb = p["T"], p["TB"]
    cw = max(ab, tb, p["OB"]) + 2
    w_mem = mems["w"][2]
    w_kind = w_mem.kind
    w_apart = w_kind == "logic" and weight_rom_apart(p["INNER"] * p["OUTER"])
    # a weight ROM apart feeds the datapath from its register, as block RAM does
    w_feed = "bram" if w_apart else w_kind
    w_depth = mems["w"][0]
    t_depth = mems["t"][0] if "t" in mems else 0
    table = t > 0 and activation_table(ab, t_depth)
    w_cols = p.get("W_COLUMNS", distinct_columns(*mems["w"][:2]))
    t_cols = p.get("T_COLUMNS", distinct_columns(*mems["t"][:2])) if "t" in mems else 0
    # a ROM column that is an address bit or its complement (`literal_columns`) is the
    # address register: no LUT, but its flip-flop is counted (cross-validated LUT p90 on
    # 1,512 7-series training points, two sets of 5 x 5 folds: MVTU 15.3% -> 14.8% and
    # 15.5% -> 14.9%, depthwise 17.4% -> 17.6% and 17.6% -> 18.1% with mean |error| 9.4% ->
    # 9.1% and 9.3% -> 9.0%; UltraScale+ MVTU 15.1% -> 14.6%, depthwise 18.0% -> 17.6%: units
    # of ROMs of a few words had been ~10% over; without the flip-flops held-out FF p90 rose
    # 9.0% -> 10.7% on 7-series MVTUs). The thresholding unit's are counted in full: there
    # the cross-validated LUT p90 went 16.7% -> 23.6%
    w_luts = w_cols - p.get("W_LITERALS", 0)
    t_luts = t_cols - p.get("T_LITERALS", 0)
    w_rom = rom_logic_luts(*mems["w"][:2], w_luts) if mems["w"][2].kind == "logic" else 0.0
    t_rom = rom_logic_luts(*mems["t"][:2], t_luts) \
        if "t" in mems and mems["t"][2].kind == "logic" else 0.0
    t_apart = threshold_rom_apart(t_depth, t)
    logic_ram = sum(m.bits for k, (_, _, m) in mems.items() if k in ("vec", "acc"))
    logic_ram_read = sum(ram_read_luts(d, w, m) for k, (d, w, m) in mems.items()
                         if k in ("vec", "acc"))
    # the counters i, o and the tile counter (and a depthwise unit's accumulator address),
    # each $clog2 of its count: the Verilog declares a counter of one value with one bit,
    # which stays 0 and Yosys removes. Cross-validated FF p90 on 1,195 7-series training
    # points, in place of a bit for each: depthwise 10.8% -> 8.9%, MVTU 4.0% -> 3.8%; LUT
    # p90 then within 0.2 points (held out it rose, depthwise 15.2% -> 16.6%), but on 1,512
    # training points with the constant-weight units of the fifth calibration (a handful
    # of LUTs of handshake where those bits were a third of the estimate) and the counted
    # constant sums (`constant_sum_bits`): depthwise 19.2% -> 17.4% and 18.8% -> 17.7%, MVTU
    # 15.7% -> 15.3% and 15.5% -> 15.2%
    counting = clog2(p["INNER"]) + clog2(p["OUTER"]) + clog2(p["INNER"] * p["OUTER"])
    # counters wrapping at a modulus that is not a power of two (`_window_features`): i,
    # o, and the MVTU's tile counter
    wraps = sum(_w(n) for n in (p["INNER"], p["OUTER"],
                                p["INNER"] * p["OUTER"] if not p["DEPTHWISE"] else 1)
                if n & (n - 1))
    # a depthwise unit's accumulators in block RAM or UltraRAM: the Verilog reads them
    # asynchronously at a registered address written the cycle before, which Yosys turns
    # into a synchronous read port made transparent by a bypass: a register of the written
    # word and a select per bit
    acc_bypass = pe * ab if "acc" in mems and mems["acc"][2].kind in ("bram", "uram") else 0
    xb = (pe if p["DEPTHWISE"] else 1) * simd * p["IB"]
    # the accumulator adds only when a dot product spans several tiles
    accumulates = (p["OUTER"] if p["DEPTHWISE"] else p["INNER"]) > 1
    tree = pe * (simd - 1) * in_bits
    # rpnn_dot adds its SIMD products one after another at SW bits, each sign-extended, and
    # keeps the low AB bits (`sum_chain`): the width the sum is mapped at changes the cost
    chain = not (xnor or dsp) and sum_chain(p)
    lut = {
        # XNOR-popcount: with weights from block RAM (or a ROM kept apart, `w_feed`) every
        # lane is a variable XNOR; from a flat logic ROM ABC merges part of it into the
        # ROM's LUTs; with constant weights (one word) the XNOR is an inversion, a popcount
        # is left (`const_tree` below)
        "xnor_popcount": lanes if xnor and w_feed != "bram" else 0,
        "xnor_popcount_bram": lanes if xnor and w_feed == "bram" else 0,
        # x * (+-1) (bipolar weights): the negated input word, shared by the PEs of an MVTU
        # (one per SIMD lane; a depthwise lane has its own input), and a PW-bit select per
        # lane, which ABC merges into the adder tree's LUTs when the input has at most 2
        # bits (when chosen, fitted 0.08 a bit against 0.48 for wider inputs; cross-
        # validated LUT p90 19.6% -> 19.4% on 790 training points, x * (+-1) of 8-bit
        # inputs had been ~20% under and of 2-bit ones over)
        "negate_select": lanes * pw if negate and p["W_BIPOLAR"] and p["IB"] <= 2 else 0,
        "negate_select_wide": lanes * pw if negate and p["W_BIPOLAR"] and p["IB"] > 2 else 0,
        "negate": (lanes if p["DEPTHWISE"] else simd) * pw if negate and p["W_BIPOLAR"]
        else 0,
        # (+-1) * w (bipolar inputs): +-w per lane; Yosys leaves WB - 1 inverters (INV
        # cells, LUT1s) per lane before the adders' carry chains unless the weights are a
        # flat ROM of at most 4 words, whose LUTs take the sign (INV cells counted on the
        # 7-series sweep against PE * SIMD * (WB - 1): 5,760 / 5,759 with the weights in
        # block RAM, 2,815 / 2,824 in a ROM kept apart, 2,271 / 2,473 in a flat ROM of 5
        # to 32 words, 105 / 962 of at most 4 words); in place of PE * SIMD * PW apart
        # for weights in logic and in block RAM, cross-validated LUT p90 21.5% -> 21.3%,
        # and 20.1% -> 19.3% with the small ROMs' exception
        "sign_invert": lanes * (p["WB"] - 1)
        if negate and p["I_BIPOLAR"] and not (w_feed == "logic" and w_depth <= 4) else 0,
        "mul_lut": lanes * p["IB"] * p["WB"] if kind == "mul" else 0,
        "shift_add": lanes * shift_adds,
        "add_tree": tree if not (xnor or dsp or chain) else 0,
        "add_tree_chain": tree if chain else 0,
        # ... below that width the products' sign-extension bits up to AB are summed too
        "add_sign_bits": pe * (simd - 1) * max(0, ab - in_bits)
        if not (xnor or dsp or chain) and simd > 1 else 0,
        # abc9 maps for delay first: an adder tree (an XNOR unit's popcount) costs more
        # per bit the deeper it is, `tree_levels` (cross-validated: 32.8% -> 30.8% LUT
        # p90 on the MVU and thresholding training points; the largest units were ~20%
        # under before)
        "add_depth": tree * tree_levels(simd) if not (xnor or dsp or chain) else 0,
        "add_depth_chain": tree * tree_levels(simd) if chain else 0,
        "xnor_depth": lanes * tree_levels(simd) if xnor else 0,
        "add_tree_dsp": tree if dsp else 0,
        # ... and with the products in DSPs, a family term: on UltraScale+ (DSP48E2) the
        # tree after the DSPs costs more per level (cross-validated LUT p90 on 775 training
        # points 18.3% -> 16.0%, MVTU 20.7% -> 17.4%: units of many lanes and few PEs had
        # been ~20% under, of many PEs and 2 lanes over); on 7-series no change
        "add_depth_dsp": tree * tree_levels(simd) if dsp else 0,
        # with the products in DSPs Yosys packs part of the accumulator into their P
        # registers, differently per DSP generation: own constants, refitted per family
        # (cross-validated LUT p90 19.3% -> 18.4% on 7-series, 19.2% -> 18.6% on
        # UltraScale+)
        "accumulate": pe * ab if accumulates and not dsp else 0,
        "accumulate_dsp": pe * ab if accumulates and dsp and simd > 1 else 0,
        # ... and with one lane the accumulator adds a DSP's product directly: DSP48E1s
        # take it into their post-adder (P = C + A * B, a LUT a bit left to clear C), on
        # UltraScale+ Yosys leaves it in the fabric (a carry chain, and at times a LUT a
        # bit more to clear the accumulator apart from the sum). Own family constants:
        # cross-validated LUT p90 on 1,518 UltraScale+ training points, two sets of 5 x 5
        # folds, MVTU 14.2% -> 14.0% and 14.1% -> 13.9%, depthwise 17.2% -> 16.7% and
        # 16.7% -> 16.5%; 7-series unchanged
        "accumulate_dsp_lane": pe * ab if accumulates and dsp and simd == 1 else 0,
        # comparators against thresholds that change with the output fold (a carry chain
        # of max(AB, TB) bits; as PE * T * (max(AB, TB, OB) + 2) small sums' comparators
        # came out too large: cross-validated with `const_depth` 22.1% -> 21.5% LUT p90
        # on 724 training points), or constants; an activation whose inputs fit a LUT6 is
        # a truth table (`activation_table`)
        "threshold": pe * t * max(ab, tb) if t_depth > 1 and not table else 0,
        "threshold_const": pe * const_comparator_bits(t, cw) if t_depth <= 1 and not table
        else 0,
        "threshold_const_levels": pe * const_search_bits(t, cw) if t_depth <= 1 and not table
        else 0,
        "threshold_table": pe * p["OB"] if table else 0,
        # ABC builds a truth table of T thresholds at about a LUT per output bit and a
        # half per level of the count (measured 1.1, 1.5, 2.1 per bit for T = 1, 3, 15)
        "table_levels": pe * p["OB"] * clog2(t + 1) if table else 0,
        # weight ROM in logic: ABC merges it with the XNORs (no MUXF7/F8 then), feeds
        # DSP48 inputs or multipliers from it (kept apart, `weight_rom_apart`, it maps
        # alone; own constants for those were no better: cross-validated 25.0% both, MVTU
        # 29.9% against 29.4%)
        "rom_weights_xnor": w_rom if xnor else 0.0,
        "rom_weights_dsp": w_rom if dsp else 0.0,
        "rom_weights": w_rom if not (xnor or dsp) else 0.0,
        "rom_thresholds": t_rom,
        "ram_logic": logic_ram_read,
        "lutram_mux": sum(m.mux for _, _, m in mems.values()),
        # MVTU: the stage-1 input is the incoming word or the stored vector (OUTER > 1)
        "input_mux": xb if not p["DEPTHWISE"] and p["OUTER"] > 1 else 0,
        "acc_bypass": acc_bypass,
        "control": counting,
        "wrap": wraps,
        "const": 1,
    }
    t_logic = "t" in mems and mems["t"][2].kind == "logic"
    # the Verilog's registers: input word(s) (the MVTU's stored-vector word s1_vec only
    # when OUTER > 1), output word, the last sum (s2_acc) and the MVTU's accumulator (a
    # depthwise unit's accumulators are the memory "acc"); an input register feeding one
    # multiplier per bit (depthwise, or an MVTU with one PE and one neuron fold) can be
    # the DSP48s' A/B registers: its own term (`dsp_in_regs`), which Yosys packs on
    # 7-series (constant about 0) and mostly not on UltraScale+ (a family term); of an
    # MVTU with constant weights it stays flip-flops, of a depthwise unit it is packed as
    # with variable weights (7-series FF |error| on the 14 constant-weight DSP depthwise
    # points, all training and held out, p90 172% -> 6%, mean 79% -> 2%; cross-validated FF
    # p90 on 1,512 training points depthwise 11.9% -> 8.8%, MVTU 9.9% -> 4.5%: the shared
    # regs_dsp constant no longer bends to them)
    vec_reg = not p["DEPTHWISE"] and p["OUTER"] > 1
    dsp_in = dsp and (p["DEPTHWISE"] or (pe == 1 and not vec_reg and not const_w))
    regs = ((0 if dsp_in else xb) + (xb if vec_reg else 0) + pe * p["OB"] + pe * ab
            + (pe * ab if accumulates and not p["DEPTHWISE"] else 0))
    ff = {
        # the Verilog's registers (`regs`); a ROM in logic holds at most 2^depth distinct
        # bit columns (Yosys merges equal flip-flops), one in block RAM keeps its output
        # register in the RAM
        "regs": regs if not dsp else 0,
        # into DSP48s Yosys packs the input (A/B) and accumulator (P) registers
        "regs_dsp": regs if dsp else 0,
        "dsp_in_regs": xb if dsp_in else 0,
        "rom_regs": (w_cols if w_kind == "logic" else 0) + (t_cols if t_logic else 0),
        "thr_regs": t_cols if t_logic and not t_apart else pe * t * tb,
        "ram_logic": logic_ram,
        "acc_bypass": acc_bypass,
        "control": counting + (clog2(p["INNER"]) if p["DEPTHWISE"] else 0),
        "const": 1,
    }
    fixed = constant_weight_share(p)
    if fixed and kind != "dsp":
        # constant weights: each product is the input shifted, negated or dropped (XNOR:
        # the input bit or its inversion), the negations fold into the sum's constant, and
        # what is left is a sum of the input's bits (`const_tree`) in place of the products
        # and the adder tree (XNOR: a popcount); of a table with constant bit columns (few
        # words) that share of the datapath (`constant_weight_share`)
        # x * (-1) of a wide input stays a negation (0 - x, shared by the PEs as with
        # variable weights) that ABC does not merge into the sum (cross-validated LUT p90
        # 17.9% -> 17.5%, MVTU 18.7% -> 17.8%: 8-bit x * (+-1) units of constant weights
        # had been ~40% under)
        kept = {"negate"} if negate and p["W_BIPOLAR"] and p["IB"] > 2 else set()
        for name in DATAPATH_TERMS:
            if name not in kept:
                lut[name] *= 1 - fixed
        # an MVTU's sum of x * (+-1) (whole inputs, some inverted) and of (+-1) * w (each
        # bit a copy of one input bit, masked by the weight's bits) map differently from a
        # popcount or a sum of shifted inputs: own constants (cross-validated LUT p90 on
        # 1,195 7-series training points, two sets of 5 x 5 folds: MVTU 17.7% -> 17.1% and
        # 17.6% -> 16.9%, all 17.2% -> 16.9%, 17.1% -> 16.8%); a depthwise unit's keep the
        # shared ones (split too, its p90 went 18.5% -> 18.7%: few constant-weight
        # depthwise units to fit them on)
        # one weight word whose values the model has (`W_ONES`, `W_FLIPS`): what the sum
        # adds is counted off them (`constant_sum_bits`)
        suffix, tree_bits = constant_sum_bits(p, kind) or (
            ("_pm_weights" if p["W_BIPOLAR"] else "_pm_inputs")
            if negate and not p["DEPTHWISE"] else "",
            fixed * pe * (simd - 1) * (1 if xnor else in_bits))
        lut["const_tree" + suffix] = tree_bits
        # its levels, as `add_depth` for the adder tree
        lut["const_depth" + suffix] = tree_bits * tree_levels(simd)
    bram = sum(m.bram18 for _, _, m in mems.values())
    lut_mem = sum(m.lut_mem for _, _, m in mems.values())
    return lut, ff, Memory("mixed", bram18=bram, lut_mem=lut_mem), lanes if dsp else 0


def _thresholding_features(p: dict, family: str = "xc7") -> tuple[dict, dict, Memory, int]:
    pe, t, tb = p["PE"], p["T"], p["TB"]
    width = p.get("T_WIDTH", pe * t * tb)
    mem = map_memory(p["CF"], width, rom=True, family=family)
    cw = max(p["IB"], tb, p["OB"]) + 2
    t_cols = p.get("T_COLUMNS", distinct_columns(p["CF"], width))
    logic_rom = rom_logic_luts(p["CF"], width, t_cols) if mem.kind == "logic" else 0
    table = activation_table(p["IB"], p["CF"])
    # thresholds from the ROM (CF > 1) are generic comparators; one channel fold's are
    # constants (`const_comparator_bits`), which ABC maps apart: their own constant
    const = p["CF"] <= 1
    generic = not table and not const
    # comparators as the MVU's (`_mvu_features`)
    lut = {"threshold": pe * t * max(p["IB"], tb) if generic else 0,
           "threshold_const": pe * const_comparator_bits(t, cw) if not table and const else 0,
           "threshold_const_levels": pe * const_search_bits(t, cw) if not table and const
           else 0,
           "table_levels": pe * p["OB"] * clog2(t + 1) if table else 0,
           "threshold_table": pe * p["OB"] if table else 0,
           "rom_logic": logic_rom, "control": _w(p["CF"]), "const": 1}
    ff = {"datapath": pe * (p["IB"] + p["OB"]),
          "rom_regs": t_cols if mem.kind == "logic" else 0,
          "control": _w(p["CF"]), "const": 1}
    return lut, ff, mem, 0


def window_geometry(p: dict) -> tuple[int, int]:
    """(ring rows R, ring depth in words) of an rpnn_window."""
    rows = min(p["KH"] + p["SH"], p["H"])
    return rows, rows * p["W"] * p["CW"]


def _window_features(p: dict, family: str = "xc7") -> tuple[dict, dict, Memory, int]:
    rows, depth = window_geometry(p)
    wb = p["WB"]
    mem = map_memory(depth, wb, rom=False, family=family)
    oh = (p["H"] - p["KH"]) // p["SH"] + 1
    ow = (p["W"] - p["KW"]) // p["SW"] + 1
    rowwords = p["W"] * p["CW"]
    # the Verilog's counters: filled rows, write slot and reader's first slot (RW bits),
    # write column and column base (CLW), oh, ow, kh, kw, cw
    counters = (3 * (_w(rows) + 1) + 2 * _w(rowwords) + clog2(oh + 2) + _w(ow) + _w(p["KH"])
                + _w(p["KW"]) + _w(p["CW"]))
    address = _w(depth)
    pool = p["POOL"]
    # counters wrapping at a modulus that is not a power of two (ring rows, row words, cw,
    # kw, kh, ow, oh): their compare and reset select stay; at a power of two the increment
    # wraps by itself and ABC drops them
    wraps = sum(_w(n) for n in (rows, rowwords, p["CW"], p["KW"], p["KH"], ow, oh)
                if n & (n - 1))
    # the ring's row slots, lslot + kh and lslot + freed, are reduced modulo R by a
    # compare and subtract each (free when R is a power of two: its top bit); with the
    # ring in block RAM (or UltraRAM) the read address goes to the RAM's address
    # register, in LUT RAM it selects the read multiplexer: own constants
    # (cross-validated SWG LUT p90 17.3% -> 13.4% on 724 7-series training points, 14.3%
    # -> 13.4% on the 504 before)
    ring_mod = 2 * (_w(rows) + 1) if rows & (rows - 1) else 0
    lut = {"control": counters, "wrap": wraps, "ring_mod": ring_mod,
           "address": address if mem.kind not in ("bram", "uram") else 0,
           "address_bram": address if mem.kind in ("bram", "uram") else 0,
           # max pool: the select of the word read or the running maximum per bit and,
           # apart, a compare of EB + 2 bits per element (a carry chain) unless the compare
           # and the select fit a LUT6 together (2 * EB + 1 inputs per bit: EB <= 2)
           "pool_compare": p["PE"] * (p["EB"] + 2) if pool and 2 * p["EB"] + 1 > 6 else 0,
           "pool_select": wb if pool else 0,
           "ram_logic": ram_read_luts(depth, wb, mem), "lutram_mux": mem.mux, "const": 1}
    # registers: the word read (rdata; in block RAM its output register), the output word
    # and, pooling, the running maximum
    regs = wb * (1 + pool + (0 if mem.kind in ("bram", "uram") else 1))
    ff = {"datapath": regs, "control": counters, "ram_logic": mem.bits, "const": 1}
    return lut, ff, mem, 0


def _pad_features(p: dict, family: str = "xc7") -> tuple[dict, dict, Memory, int]:
    counters = clog2(p["H"] + p["TOP"] + p["BOTTOM"] + 1) \
        + clog2(p["W"] + p["LEFT"] + p["RIGHT"] + 1) + _w(p["CW"])
    # the output word takes the input or FILL: the flip-flops' clock enable and synchronous
    # reset or set (FDRE/FDSE) do it, no LUT per bit
    oh = p["H"] + p["TOP"] + p["BOTTOM"]
    ow = p["W"] + p["LEFT"] + p["RIGHT"]
    # counters wrapping at a modulus that is not a power of two: their compare and reset
    # select stay (`_window_features`)
    wraps = sum(width for n, width in ((oh, clog2(oh + 1)), (ow, clog2(ow + 1)),
                                       (p["CW"], _w(p["CW"]))) if n & (n - 1))
    lut = {"control": counters, "wrap": wraps, "const": 1}
    ff = {"datapath": p["WB"], "control": counters, "const": 1}
    return lut, ff, Memory("none"), 0


def _dwc_features(p: dict, family: str = "xc7") -> tuple[dict, dict, Memory, int]:
    iw, ow, b = p["IW"], p["OW"], p["B"]
    down = iw >= ow
    ratio = iw // ow if down else ow // iw
    # down: each output bit selects one of `ratio` parts of the held word; up: each bit of
    # the first ratio - 1 parts is loaded when its part comes (a LUT per bit; the last part
    # goes straight to the output register)
    lut = {"data": ow * b * mux_luts(ratio) if down else (ratio - 1) * iw * b,
           "control": _w(ratio), "const": 1}
    ff = {"datapath": iw * b + ow * b if down else 2 * ow * b - iw * b,
          "control": _w(ratio), "const": 1}
    return lut, ff, Memory("none"), 0


def fifo_geometry(p: dict) -> tuple[int, int]:
    """(memory depth, pointer bits) of an rpnn_fifo: DEPTH - 1 words besides the output
    register."""
    md = max(p["DEPTH"] - 1, 1)
    return md, _w(md)


def _fifo_features(p: dict, family: str = "xc7") -> tuple[dict, dict, Memory, int]:
    wb = p["WB"]
    if p["DEPTH"] == 1:
        return {"const": 1}, {"datapath": wb, "const": 1}, Memory("none"), 0
    md, pw = fifo_geometry(p)
    mem = map_memory(md, wb, rom=False, style=STYLES[p.get("STYLE", 0)], family=family)
    count = clog2(p["DEPTH"] + 1)
    lut = {"control": 2 * pw + count, "ram_logic": ram_read_luts(md, wb, mem),
           "lutram_mux": mem.mux,
           "const": 1}
    ff = {"datapath": wb if mem.kind not in ("bram", "uram") else 0, "control": 2 * pw + count,
          "ram_logic": mem.bits, "const": 1}
    return lut, ff, mem, 0


def _broadcast_features(p: dict, family: str = "xc7") -> tuple[dict, dict, Memory, int]:
    return ({"control": p["N"], "const": 1},
            {"datapath": p["WB"], "control": p["N"], "const": 1}, Memory("none"), 0)


def _add_features(p: dict, family: str = "xc7") -> tuple[dict, dict, Memory, int]:
    lut = {"add": p["PE"] * max(p["AB"], p["BB"]), "const": 1}
    ff = {"datapath": p["PE"] * p["OB"], "const": 1}
    return lut, ff, Memory("none"), 0


def _label_features(p: dict, family: str = "xc7") -> tuple[dict, dict, Memory, int]:
    vw, xw = p["IB"] + 2, clog2(p["L"] + 1) + 1
    k, pe, owd = p["K"], p["PE"], p["OWD"]
    nw = p["L"] // pe
    cnw = clog2(k + 1) + 1  # the Verilog's count of filled slots
    counters = cnw + clog2(nw + 1) + clog2(k // owd + 1)
    # per inserted element and slot: a VW-bit compare (a carry chain) and a select of value
    # and index: 3-way (stays, shifts down, takes the new one) but 2-way for the first
    # slot, which nothing shifts into (`select_first`: cross-validated LUT p90 19.8% ->
    # 17.1%, mean 8.6% -> 7.3% on 59 7-series training points; fitted 0.75 a bit against
    # 1.12 for the 3-way ones); apart: they map differently; the slot's own decisions
    # whatever the value's width (filled yet: its index against the CNW-bit count, kept,
    # shifted down; cross-validated LUT p90 24.7% -> 22.6% as a term PE * K, 20.1% ->
    # 17.6% scaled by CNW on 724 training points); and the output's select of one of K/OWD
    # index slots. With one insertion a cycle (PE = 1) the first slot's select is a clock
    # enable (keep or take the new value), which Yosys' opt_dff makes the flip-flops' CE
    # (K = 1, 18-bit values: 23 LUTs, no LUT per register bit); cross-validated LUT mean
    # 9.4% -> 8.1% on 44 7-series training points, held out p90 21.5% -> 10.1%
    first = 0 if pe == 1 else pe
    lut = {"compare": pe * k * vw, "select": pe * (k - 1) * (vw + xw),
           "select_first": first * (vw + xw), "slots": pe * k * cnw,
           "output": owd * min(xw, p["OB"]) * mux_luts(k // owd),
           "control": counters, "const": 1}
    # registers: K value slots (the decoded value's two extension bits are copies of its
    # top bit or zero: Yosys merges or removes them, IB bits stay) and index slots; the
    # output word holds a zero-extended index (its bits above the index are constants)
    ff = {"datapath": k * (p["IB"] + xw) + owd * min(xw, p["OB"]), "control": counters,
          "const": 1}
    return lut, ff, Memory("none"), 0


GROUPS = {"mvtu": "mvu", "depthwise": "mvu", "swg": "window", "maxpool": "window"}
"""Unit types sharing one Verilog module share their fitted constants."""
def group(unit: str) -> str:
    """The constants' key of a unit type."""
    return GROUPS.get(unit, unit)


FEATURES = {
    "mvtu": _mvu_features, "depthwise": _mvu_features,
    "thresholding": _thresholding_features, "swg": _window_features,
    "maxpool": _window_features, "pad": _pad_features, "dwc": _dwc_features,
    "fifo": _fifo_features, "duplicate": _broadcast_features,
    "add_streams": _add_features, "label_select": _label_features,
}
"""Unit type -> features(params): (LUT terms, FF terms, memories, DSPs)."""


def features(unit: str, params: dict,
             family: str = "xc7") -> tuple[dict, dict, Memory, int]:
    """LUT and FF terms, memory mapping and DSP count of one unit with `params` when
    synthesised for Yosys family `family`."""
    return FEATURES[unit](params, family)


# --------------------------------------------------------------------------- constants


@cache
def calibration(family: str = "xc7") -> dict:
    """The fitted constants of a family with their provenance (`data/rtl_cost_<family>.json`,
    written by benchmarks/rtl_calibrate.py fit)."""
    return json.loads(constants_file(family).read_text())


def constants(family: str = "xc7") -> dict:
    """The fitted constants of a family (`calibration`)."""
    return calibration(family)["constants"]


def _dot(terms: dict, coef: dict) -> float:
    return sum(coef.get(name, 0.0) * value for name, value in terms.items())


def predict(unit: str, params: dict, coef: dict | None = None,
            family: str = "xc7") -> dict[str, int]:
    """LUT (logic + LUT RAM), FF, BRAM18, URAM and DSP of one unit with `params` for Yosys
    family `family` (its fitted constants unless `coef` is given)."""
    coef = coef or constants(family)
    lut_terms, ff_terms, mem, dsp = features(unit, params, family)
    # a unit type the family's sweep has no training points of: the 7-series constants
    # (the same LUT6 and flip-flops; memories and DSPs are counted per family above)
    c = coef[group(unit)] if group(unit) in coef else constants("xc7")[group(unit)]
    return {"lut": round(_dot(lut_terms, c["lut"]) + mem.lut_mem),
            "ff": round(_dot(ff_terms, c["ff"])), "bram18": mem.bram18, "uram": mem.uram,
            "dsp": dsp}


REL_FLOOR = 20.0
"""The fit weighs each point by 1 / max(count, REL_FLOOR): relative error, without letting
units of a handful of LUTs dominate."""


def _nnls_fit(rows: list[tuple[dict, float]], fixed: dict[str, float] | None = None,
              free: frozenset[str] | None = None) -> dict[str, float]:
    """Non-negative least squares on the relative error: sum (pred/y - 1)^2; with `free`,
    only those terms are fitted and the others keep their `fixed` constants."""
    from scipy.optimize import nnls

    fixed = fixed or {}
    names = sorted({name for terms, _ in rows for name in terms})
    fit = [n for n in names if free is None or n in free]
    if not fit:
        return {n: fixed.get(n, 0.0) for n in names}
    a = np.array([[terms.get(n, 0.0) for n in fit] for terms, _ in rows], dtype=float)
    y = np.array([target for _, target in rows], dtype=float)
    known = np.array([sum(fixed.get(n, 0.0) * v for n, v in terms.items() if n not in fit)
                      for terms, _ in rows], dtype=float)
    scale = 1.0 / np.maximum(y, REL_FLOOR)
    x, _ = nnls(a.reshape(len(rows), len(fit)) * scale[:, None], (y - known) * scale)
    out = {n: fixed.get(n, 0.0) for n in names if n not in fit}
    out.update({n: round(float(v), 5) for n, v in zip(fit, x, strict=True)})
    return out


def fit_constants(rows: list[dict], family: str = "xc7") -> dict:
    """Constants fitted on sweep rows ({"unit", "params", "lut", "lut_mem", "ff", ...}) of
    Yosys family `family`."""
    out: dict = {"memory": _fit_memory(rows, family)}
    _FITTING.append(out["memory"])
    try:
        out.update(_fit_units(rows, family))
    finally:
        _FITTING.pop()
    return out


def _fit_memory(rows: list[dict], family: str) -> dict[str, float]:
    """The memory constants (`MEMORY_DEFAULTS`) with the fewest wrong BRAM18 and LUT RAM
    counts, one after the other (the ROM ratio decides ROMs, the depth cost RAMs), the
    smallest of equals."""
    chosen = dict(MEMORY_DEFAULTS)
    for name, values in (("rom_bram_ratio", (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 6.0, 8.0)),
                         ("lutram_depth_cost", (0.0, 0.05, 0.1, 0.25, 0.5, 1.0))):
        best: tuple[int, float] | None = None
        for value in values:
            _FITTING.append({**chosen, name: value})
            try:
                wrong = sum(m.bram18 != r["bram18"] or m.lut_mem != r["lut_mem"]
                            for r in rows
                            for m in [features(r["unit"], r["params"], family)[2]])
            finally:
                _FITTING.pop()
            if best is None or wrong < best[0]:
                best = (wrong, value)
        assert best is not None
        chosen[name] = best[1]
    return chosen


MIN_FAMILY_POINTS = 8
"""A family other than 7-series gets its own constants for a unit type from this many
training points on; below, `predict` uses the 7-series ones."""
FAMILY_TERMS = frozenset({"add_tree_dsp", "add_depth_dsp", "rom_weights_dsp",
                          "accumulate_dsp", "accumulate_dsp_lane", "regs_dsp",
                          "dsp_in_regs"})
"""The terms a family other than 7-series refits on its own sweep; the others keep their
7-series constants. The LUT6 fabric is the same: on the configurations swept for both,
Yosys' LUT and FF counts agree to within a few percent except where products go to DSPs
(DSP48E2 on UltraScale: Yosys packs fewer adders and registers into them)."""


def _fit_units(rows: list[dict], family: str) -> dict:
    out: dict = {}
    for unit in sorted({group(r["unit"]) for r in rows}):
        mine = [r for r in rows if group(r["unit"]) == unit]
        if not mine or (family != "xc7" and len(mine) < MIN_FAMILY_POINTS):
            continue
        lut_rows, ff_rows = [], []
        for r in mine:
            lut_terms, ff_terms, mem, _ = features(r["unit"], r["params"], family)
            lut_rows.append((lut_terms, max(r["lut"] - mem.lut_mem, 0)))
            ff_rows.append((ff_terms, r["ff"]))
        if family == "xc7":
            out[unit] = {"lut": _nnls_fit(lut_rows), "ff": _nnls_fit(ff_rows)}
        else:
            base = constants("xc7")[unit]
            out[unit] = {"lut": _nnls_fit(lut_rows, base["lut"], FAMILY_TERMS),
                         "ff": _nnls_fit(ff_rows, base["ff"], FAMILY_TERMS)}
        out[unit]["points"] = len(mine)
    return out


# --------------------------------------------------------------------------- IR -> RTL


def _bits(element_type) -> int:
    return 1 if dtypes.is_bipolar(element_type) else element_type.width.data


def _signed(element_type) -> int:
    return int(isinstance(element_type, IntegerType)
               and element_type.signedness.data == Signedness.SIGNED)


def _elt(prefix: str, element_type) -> dict[str, int]:
    return {f"{prefix}B": _bits(element_type), f"{prefix}_SIGNED": _signed(element_type),
            f"{prefix}_BIPOLAR": int(dtypes.is_bipolar(element_type))}


def _thresholds(op) -> dict[str, int]:
    if op.thresholds is None:
        return {"T": 0, "TB": 1, "T_SIGNED": 1}
    assert isinstance(op.thresholds.type, TensorType)
    elt = op.thresholds.type.element_type
    return {"T": op.thresholds.type.get_shape()[1], "TB": _bits(elt), "T_SIGNED": _signed(elt)}


def _stream(value) -> rpnn.StreamType:
    assert isinstance(value.type, rpnn.StreamType)
    return value.type


def unit_params(unit: Unit) -> list[tuple[str, dict]]:
    """The RTL units `-t rpnn-rtl` writes for one dataflow unit, as (unit type, Verilog
    parameters) (rpnn_ir/backends/rtl.py's emitter: a width converter between words that do
    not divide each other is two converters through their gcd; a reshape-only converter and
    the host ports are wires; a stream read by several units or ports gets a broadcast)."""
    fan_outs = [("duplicate", {"N": len(users), "WB": _stream(result).word.data
                               * _bits(_stream(result).element_type)})
                for result, users in zip(unit.op.results, unit.consumers, strict=True)
                if len(users) > 1]
    return _own_params(unit) + fan_outs


def _own_params(unit: Unit) -> list[tuple[str, dict]]:
    op, kind = unit.op, unit.kind
    if kind in ("mvtu", "depthwise"):
        x, y = _stream(op.input), _stream(op.output)
        pe, simd = op.pe.value.data, op.simd.value.data
        a, b = op.weights.type.get_shape()
        inner, outer = (a // simd, b // pe) if kind == "mvtu" else (a // pe, b // simd)
        params = {"DEPTHWISE": int(kind == "depthwise"), "INNER": inner, "OUTER": outer,
                  "SIMD": simd, "PE": pe, **_elt("I", x.element_type),
                  **_elt("W", op.weights.type.element_type), "AB": _bits(op.acc_type),
                  "A_SIGNED": _signed(op.acc_type), "OB": _bits(y.element_type),
                  "O_BIPOLAR": int(dtypes.is_bipolar(y.element_type)), **_thresholds(op),
                  "W_STYLE": {"block": 1, "distributed": 2, "ultra": 1}.get(
                      op.ram_style.data, 0),
                  "USE_DSP": int(op.resource_type.data == "dsp")}
        return [(kind, params)]
    if kind == "thresholding":
        x, y = _stream(op.input), _stream(op.output)
        pe = op.pe.value.data
        return [(kind, {"CF": x.channels // pe, "PE": pe, "IB": _bits(x.element_type),
                        "I_SIGNED": _signed(x.element_type), "OB": _bits(y.element_type),
                        "O_BIPOLAR": int(dtypes.is_bipolar(y.element_type)),
                        **_thresholds(op)})]
    if kind in ("swg", "maxpool"):
        x = _stream(op.input)
        h, w, c = x.get_shape()
        (kh, kw), (sh, sw) = op.kernel.get_values(), op.stride.get_values()
        word, bits = x.word.data, _bits(x.element_type)
        params = {"POOL": int(kind == "maxpool"), "H": h, "W": w, "CW": c // word,
                  "KH": int(kh), "KW": int(kw), "SH": int(sh), "SW": int(sw), "WB": word * bits}
        if kind == "maxpool":
            params.update({"PE": word, **_elt("E", x.element_type)})
        return [(kind, params)]
    if kind == "pad":
        x = _stream(op.input)
        h, w, c = x.get_shape()
        top, left, bottom, right = (int(v) for v in op.padding.get_values())
        return [(kind, {"H": h, "W": w, "CW": c // x.word.data, "TOP": top, "LEFT": left,
                        "BOTTOM": bottom, "RIGHT": right,
                        "WB": x.word.data * _bits(x.element_type)})]
    if kind == "dwc":
        x, y = _stream(op.operands[0]), _stream(op.results[0])
        iw, ow, bits = x.word.data, y.word.data, _bits(x.element_type)
        if iw == ow:
            return []
        if iw % ow == 0 or ow % iw == 0:
            return [("dwc", {"IW": iw, "OW": ow, "B": bits})]
        g = math.gcd(iw, ow)
        return [("dwc", {"IW": iw, "OW": g, "B": bits}), ("dwc", {"IW": g, "OW": ow, "B": bits})]
    if kind == "fifo":
        x = _stream(op.input)
        return [(kind, {"DEPTH": op.depth.value.data, "WB": x.word.data * _bits(x.element_type),
                        "STYLE": {"block": 1, "distributed": 2, "ultra": 3}.get(
                            op.ram_style.data, 0)})]
    if kind == "duplicate":
        x = _stream(op.operands[0])
        return [(kind, {"N": len(op.results), "WB": x.word.data * _bits(x.element_type)})]
    if kind == "add":
        a, b = (_stream(v).element_type for v in op.operands)
        y = _stream(op.output)
        return [("add_streams", {"PE": y.word.data, **_elt("A", a), **_elt("B", b),
                                 "OB": _bits(y.element_type),
                                 "O_BIPOLAR": int(dtypes.is_bipolar(y.element_type))})]
    if kind == "label_select":
        x, y = _stream(op.input), _stream(op.output)
        return [(kind, {"L": math.prod(x.get_shape()), "PE": x.word.data,
                        "K": op.k.value.data, "OWD": y.word.data, "IB": _bits(x.element_type),
                        "I_SIGNED": _signed(x.element_type), "OB": _bits(y.element_type)})]
    return []  # host ports: wires


@dataclass(frozen=True)
class RtlCost:
    """A unit's RTL cost: resources, flip-flops, and the timing of the HLS model (the RTL
    units keep its cycles: benchmarks/rtl_sim.py, issue 13)."""

    cost: UnitCost
    ff: int


def family_for(device: Device) -> str:
    """The Yosys family whose constants cost a design for `device`: its part's
    (`devices.yosys_family`), 7-series for parts Yosys has none for."""
    return yosys_family(device.name, device) or "xc7"


def _constant_values(value) -> np.ndarray | None:
    """The values of an rpnn.constant operand (None when it is computed)."""
    owner = value.owner
    if not isinstance(owner, rpnn.ConstantOp):
        return None
    return np.asarray(dtypes.dense_to_numpy(owner.value), dtype=np.int64)


def weight_table(unit: Unit, kind: str, params: dict) -> np.ndarray | None:
    """The weight ROM of an MVTU or depthwise unit as element values [words, PE*SIMD], word
    by word as `-t rpnn-rtl` fills it (`rom_layout`); None when the weights are not IR
    constants."""
    w = _constant_values(unit.op.weights)
    if w is None:
        return None
    tile = (rom_layout.mvtu_weight_tiles if kind == "mvtu"
            else rom_layout.depthwise_weight_tiles)
    tiles = tile(w, params["PE"], params["SIMD"])  # [PE, outer word, inner word, SIMD]
    return tiles.transpose(1, 2, 0, 3).reshape(tiles.shape[1] * tiles.shape[2], -1)


def threshold_table(unit: Unit, kind: str, params: dict) -> np.ndarray | None:
    """The threshold ROM as element values [channels / PE, PE*T], word by word as `-t
    rpnn-rtl` fills it (`rom_layout`); None without thresholds or when they are computed."""
    if params.get("T", 0) == 0:
        return None
    t = _constant_values(unit.op.thresholds)
    if t is None:
        return None
    words = {"mvtu": params.get("OUTER"), "depthwise": params.get("INNER"),
             "thresholding": params.get("CF")}[kind]
    tiles = rom_layout.threshold_tiles(t, words * params["PE"], params["PE"])
    return tiles.transpose(1, 0, 2).reshape(words, -1)


def logic_roms(kind: str, params: dict, family: str = "xc7") -> set[str]:
    """Which of a unit's ROMs ("w" weights, "t" thresholds) Yosys holds in logic: those
    whose contents the model reads (`rom_columns`, `rtl_units.rom_columns`)."""
    if kind in ("mvtu", "depthwise"):
        return {key for key, (_, _, mem) in mvu_memories(params, family).items()
                if key in ("w", "t") and mem.kind == "logic"}
    if kind == "thresholding" and params["T"] > 0:
        width = params.get("T_WIDTH", params["PE"] * params["T"] * params["TB"])
        if map_memory(params["CF"], width, rom=True, family=family).kind == "logic":
            return {"t"}
    return set()


def rom_columns(unit: Unit, kind: str, params: dict, family: str = "xc7") -> dict[str, int]:
    """The parameters `predict` reads from a unit's ROM contents (`content_params`), from
    the IR's constants (`weight_table`, `threshold_table`); without them `predict` uses
    the full widths and the bound `distinct_columns`."""
    w = weight_table(unit, kind, params) if kind in ("mvtu", "depthwise") else None
    t = threshold_table(unit, kind, params)
    return content_params(
        kind, params,
        None if w is None else element_bits(w, unit.op.weights.type.element_type),
        None if t is None else element_bits(t, unit.op.thresholds.type.element_type),
        family, w)


CONTENT_PARAMS = ("W_WIDTH", "T_WIDTH", "W_COLUMNS", "T_COLUMNS", "W_LITERALS",
                  "T_LITERALS", "W_ONES", "W_FLIPS")
"""The parameters `content_params` derives from ROM contents (not Verilog parameters)."""


def content_params(kind: str, params: dict, w_bits: np.ndarray | None,
                   t_bits: np.ndarray | None, family: str = "xc7",
                   w_values: np.ndarray | None = None) -> dict[str, int]:
    """W_WIDTH / T_WIDTH: the weight and threshold ROMs' non-constant columns
    (`mapped_width`, ROMs of more than one word), and W_COLUMNS / T_COLUMNS: the varying
    distinct columns (`varying_columns`) of those Yosys holds in logic (`logic_roms`,
    decided at the mapped widths), from the ROMs as 0/1 tables [words, bits]; W_ONES /
    W_FLIPS (`weight_value_counts`) of an MVU's integer weights of one word, from their
    values [words, lanes] (`w_values`)."""
    out: dict[str, int] = {}
    if (w_values is not None and kind in ("mvtu", "depthwise") and len(w_values) == 1
            and not params["W_BIPOLAR"]):
        out.update(weight_value_counts(w_values, params["WB"]))
    for key, bits in (("W", w_bits), ("T", t_bits)):
        if bits is not None and bits.shape[0] > 1:
            out[f"{key}_WIDTH"] = mapped_width(bits)
    logic = logic_roms(kind, {**params, **out}, family)
    for key, bits in (("W", w_bits), ("T", t_bits)):
        if bits is not None and key.lower() in logic:
            out[f"{key}_COLUMNS"] = varying_columns(bits)
            if kind in ("mvtu", "depthwise"):
                out[f"{key}_LITERALS"] = literal_columns(bits)
    return out


def rtl_unit_cost(unit: Unit, family: str = "xc7") -> RtlCost:
    """The RTL model's cost of one dataflow unit with its current folding, synthesised for
    Yosys family `family` (ROMs in logic by their contents: `rom_columns`)."""
    timing = evaluate(unit)
    total = {"lut": 0, "ff": 0, "bram18": 0, "uram": 0, "dsp": 0}
    for kind, params in unit_params(unit):
        params = {**params, **rom_columns(unit, kind, params, family)}
        for key, value in predict(kind, params, family=family).items():
            total[key] += value
    res = Resources(total["lut"], total["bram18"], total["uram"], total["dsp"])
    return RtlCost(UnitCost(res, timing.cycles, timing.need, timing.depth, timing.tail),
                   total["ff"])
