"""The RTL cost model (rpnn_ir.hw.cost_rtl, rpnn-cost{backend=rtl}) on hand-computed cases,
its IR -> Verilog parameters against the rpnn-rtl emitter, and one fresh Yosys synthesis."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from xdsl.utils.exceptions import PassFailedException

from rpnn_ir import api
from rpnn_ir.backends import rtl
from rpnn_ir.hw import cost_rtl
from rpnn_ir.hw.cost_rtl import bram_tiling, features, lutram_luts, map_memory, predict
from rpnn_ir.hw.dataflow_model import functions_with_dataflow
from rpnn_ir.hw.devices import load_devices
from rpnn_ir.passes.cost import CostPass

ALL_UNITS = (Path(__file__).parent / "all_units.mlir").read_text()
RTL_TOLERANCE = {"lut": 0.15, "ff": 0.09}
"""The MVTU's held-out 90th-percentile |model/Yosys - 1| that docs/cost-model.md ("RTL
model", measured error) documents."""


def test_bram_tiling_takes_the_cheapest_primitive():
    # 1024 x 8: one RAMB18 as 2K x 9 (cost 129)
    assert bram_tiling(1024, 8) == (129, 1)
    # 512 x 72: one RAMB36 as 512 x 72 (257) beats two RAMB18 as 512 x 36 (258)
    assert bram_tiling(512, 72) == (257, 2)
    # 4096 x 1: one RAMB18 as 16K x 1
    assert bram_tiling(4096, 1) == (129, 1)
    # 512 x 128: RAMB36 512 x 72 twice (514) vs RAMB18 512 x 36 four times (516)
    assert bram_tiling(512, 128) == (514, 4)
    # 8192 x 32 with the parity bits as data: ceil(262144 / 18432) = 15 RAMB18 (Yosys: 15)
    assert bram_tiling(8192, 32) == (15 * 129, 15)


def test_lutram_tiles():
    # 63 x 8, write and read ports apart: RAM64M holds 64 x 3 -> 3 of them, 12 LUTs
    assert lutram_luts(63, 8, "sdp") == 12
    # 128 x 32, one address: two RAM128X1S per 2 bits -> 16 tiles of 4 LUTs
    assert lutram_luts(128, 32, "sp") == 64
    # 32 x 40 in one address: RAM32M as 32 x 8 -> 5 tiles
    assert lutram_luts(32, 40, "sp") == 20


def test_memory_mapping_follows_yosys_costs():
    # RAM 1024 x 8: logic 8192, LUT RAM 16 x 3 tiles (384), BRAM 129 -> block RAM
    assert map_memory(1024, 8, rom=False) == cost_rtl.Memory("bram", bram18=1)
    # RAM 63 x 8: LUT RAM (3 tiles, cost 24) beats BRAM (129) and logic (504)
    assert map_memory(63, 8, rom=False) == cost_rtl.Memory("lutram", lut_mem=12)
    # ROM 16 x 128: no LUT RAM for ROMs; logic 2048/16 = 128 < BRAM 514
    assert map_memory(16, 128, rom=True) == cost_rtl.Memory("logic", bits=2048)
    # ROM 1024 x 32: logic 2048 > one RAMB36 (257)
    assert map_memory(1024, 32, rom=True).bram18 == 2
    # ram_style = "block" forces block RAM even for four words
    assert map_memory(4, 8, rom=True, style="block").bram18 == 1
    # one word is a register
    assert map_memory(1, 64, rom=False).kind == "logic"


def _mvu(**kw) -> dict:
    p = {"DEPTHWISE": 0, "INNER": 8, "OUTER": 4, "SIMD": 8, "PE": 4, "IB": 1, "I_SIGNED": 0,
         "I_BIPOLAR": 1, "WB": 1, "W_SIGNED": 0, "W_BIPOLAR": 1, "AB": 8, "A_SIGNED": 1,
         "OB": 1, "O_BIPOLAR": 1, "T": 1, "TB": 8, "T_SIGNED": 1, "W_STYLE": 0}
    p.update(kw)
    return p


def test_mvu_terms_by_hand():
    lut, ff, mem, dsp = features("mvtu", _mvu())
    assert lut["xnor_popcount"] == 32 and lut["mul_lut"] == 0 and lut["negate"] == 0
    assert lut["accumulate"] == 4 * 8 and lut["accumulate_dsp"] == 0
    assert lut["threshold"] == 4 * 1 * 8             # PE * T * max(AB, TB)
    # the popcount's depth: PE * SIMD lanes x clog2(SIMD) levels; no adder-tree depth; a
    # tree of 64 operands counts as 4 levels (`tree_levels`)
    assert lut["xnor_depth"] == 32 * 3 and lut["add_depth"] == 0
    assert features("mvtu", _mvu(SIMD=64))[0]["xnor_depth"] == 4 * 64 * 4
    # integer products (ui2 x si2, in LUTs): the adder tree x clog2(SIMD)
    ints = features("mvtu", _mvu(IB=2, I_BIPOLAR=0, WB=2, W_SIGNED=1, W_BIPOLAR=0,
                                 USE_DSP=0))[0]
    assert ints["add_depth"] == ints["add_tree"] * 3 > 0 and ints["xnor_depth"] == 0
    # threshold ROMs kept apart by rpnn_rtl.v (more than 32 words, more than one threshold
    # a channel): the MVTU's threshold register keeps all PE*T*TB bits (15 x 8 bits for
    # 4 PEs), where a flat ROM's keeps its distinct varying columns (at most 2^4 = 16)
    assert not cost_rtl.threshold_rom_apart(4, 1) and not cost_rtl.threshold_rom_apart(32, 15)
    assert not cost_rtl.threshold_rom_apart(64, 1) and cost_rtl.threshold_rom_apart(64, 3)
    apart = features("mvtu", _mvu(OUTER=64, T=15, OB=4, O_BIPOLAR=0))[1]
    assert apart["thr_regs"] == 4 * 15 * 8
    assert features("mvtu", _mvu(OUTER=4, T=15, OB=4, O_BIPOLAR=0))[1]["thr_regs"] == 16
    # weights 32 words x 32 bits in logic (cost 64 < 2 * 129): a LUT per 64 words of each
    # of the 32 columns -> 32; thresholds 4 words x 32 bits: only 2^4 = 16 distinct
    # functions of the address, one LUT each
    assert lut["rom_weights_xnor"] == 32 and lut["rom_thresholds"] == 16
    # a weight ROM of more than 32 words is apart (its own hierarchy in rpnn_rtl.v): 64
    # tiles x 32 bits in logic cost the same 32 LUTs (a LUT6 a column), and the XNORs read
    # its register as they read block RAM
    assert not cost_rtl.weight_rom_apart(32) and cost_rtl.weight_rom_apart(33)
    deep = features("mvtu", _mvu(OUTER=8))[0]
    assert deep["rom_weights_xnor"] == 32
    assert deep["xnor_popcount_bram"] == 32 and deep["xnor_popcount"] == 0
    assert cost_rtl.rom_logic_luts(256, 48) == 4 * 48 and cost_rtl.rom_logic_luts(65, 9) == 18
    assert cost_rtl.rom_logic_luts(1, 9) == 0
    # the stored input vector is read for OUTER > 1 only: then a select of 8 bits
    assert lut["input_mux"] == 8 and "vec" in cost_rtl.mvu_memories(_mvu())
    assert "vec" not in cost_rtl.mvu_memories(_mvu(OUTER=1))
    assert features("mvtu", _mvu(OUTER=1))[0]["input_mux"] == 0
    # one tile per dot product: no accumulation
    assert features("mvtu", _mvu(INNER=1))[0]["accumulate"] == 0
    assert mem.bram18 == 0 and dsp == 0
    # registers: input word and vector word, accumulator and last sum, output; ROM outputs
    # merged to their distinct columns (thresholds: 4 words -> at most 16)
    assert ff["regs"] == 8 + 8 + 2 * 4 * 8 + 4 * 1
    # depthwise: the accumulators are the memory "acc", only the last sum is a register
    dw = _mvu(DEPTHWISE=1, SIMD=3, INNER=2, OUTER=3)
    assert features("depthwise", dw)[1]["regs"] == 4 * 3 + 4 * 1 + 4 * 8
    assert ff["rom_regs"] == 32 + 16 and ff["thr_regs"] == 16
    # W4A4: a 5-bit x 4-bit product of 9 bits goes to a DSP48 per lane
    lut, _, _, dsp = features("mvtu", _mvu(IB=4, I_BIPOLAR=0, WB=4, W_SIGNED=1, W_BIPOLAR=0,
                                            AB=12, TB=12))
    assert dsp == 32 and lut["mul_lut"] == 0
    # the tree after the DSPs: PE * (SIMD - 1) additions of the product's 4 + 4 bits, and
    # its depth (UltraScale+ fits a cost per level, 7-series none) of clog2(8) = 3 levels
    assert lut["add_tree_dsp"] == 4 * 7 * 8 and lut["add_depth_dsp"] == 4 * 7 * 8 * 3
    assert lut["add_tree"] == lut["add_depth"] == 0
    # ... but not when only 8 of the product's bits reach the accumulator
    assert features("mvtu", _mvu(IB=4, I_BIPOLAR=0, WB=4, W_SIGNED=1, W_BIPOLAR=0,
                                 AB=8, TB=8))[3] == 0
    # W2A2: 3 x 2 bits stays in LUTs
    w2a2 = _mvu(IB=2, I_BIPOLAR=0, WB=2, W_SIGNED=1, W_BIPOLAR=0)
    lut, _, _, dsp = features("mvtu", w2a2)
    assert dsp == 0 and lut["mul_lut"] == 32 * 2 * 2
    # adder tree: PE * (SIMD - 1) additions of the product's IB + WB bits
    assert lut["add_tree"] == 4 * 7 * 4 and lut["shift_add"] == 0
    # resource "lut": shift-and-add, b the signed 2-bit weight (WB <= IB) decoded to 3 bits
    # whose top is a sign copy: 3 shifted copies of the input's 2 significant bits, two
    # additions of 2 bits per lane; no DSP even for a 9-bit product
    lut, _, _, dsp = features("mvtu", {**w2a2, "USE_DSP": 0})
    assert lut["shift_add"] == 32 * 2 * 2 and lut["mul_lut"] == 0 and dsp == 0
    assert features("mvtu", {**w2a2, "IB": 4, "WB": 4, "USE_DSP": 0})[3] == 0
    # b the 2-bit unsigned input (IB < WB): its decoded top bit is 0, two copies of the
    # weight's 4 bits, one addition; a signed 2-bit input: three copies, two additions
    shift = {**w2a2, "WB": 4, "USE_DSP": 0}
    assert features("mvtu", shift)[0]["shift_add"] == 32 * 1 * 4
    assert features("mvtu", {**shift, "I_SIGNED": 1})[0]["shift_add"] == 32 * 2 * 4
    # bipolar weights x 2-bit inputs: the negated input (PW = IB + 1 + WB + 1 = 5 bits) is
    # shared by the 4 PEs
    lut = features("mvtu", _mvu(IB=2, I_BIPOLAR=0))[0]
    assert lut["negate"] == 8 * 5 and lut["negate_select"] == 32 * 5
    # ... of 8-bit inputs (PW = 9 + 2 = 11 bits): the selects are a term of their own, ABC
    # cannot merge them into the adders' LUTs
    lut = features("mvtu", _mvu(IB=8, I_BIPOLAR=0))[0]
    assert lut["negate_select"] == 0 and lut["negate_select_wide"] == 32 * 11
    # weights forced to block RAM: 32 words of 32 bits in one RAMB18
    assert features("mvtu", _mvu(W_STYLE=1))[2].bram18 == 1


def test_mvu_structure_rules_by_hand():
    # bipolar inputs x 4-bit weights: the adder tree adds the 4 + 1 significant bits of
    # +-w (-(-8) = 8 needs the fifth), not the input's: PE * (SIMD - 1) * 5
    sign = _mvu(I_BIPOLAR=1, WB=4, W_SIGNED=1, W_BIPOLAR=0)
    assert features("mvtu", sign)[0]["add_tree"] == 4 * 7 * 5
    # ... and the products' sign-extension bits up to AB = 8: 8 - 5 a lane after the first
    assert features("mvtu", sign)[0]["add_sign_bits"] == 4 * 7 * 3
    # x * (+-1) of 2-bit inputs, SIMD 8 (PW = 3 + 2 = 5): the sum is a chain of adders of
    # their own widths from AB = 5 + 8 = 13 on (`sum_chain`), its own constants, and no
    # sign-extension bits; at AB = 12 the whole sum is mapped at 12 bits
    x_pm = _mvu(IB=2, I_BIPOLAR=0)
    assert not cost_rtl.sum_chain({**x_pm, "AB": 12}) and cost_rtl.sum_chain({**x_pm, "AB": 13})
    lut = features("mvtu", {**x_pm, "AB": 12, "TB": 12})[0]
    assert (lut["add_tree"], lut["add_tree_chain"], lut["add_sign_bits"]) == (84, 0, 4 * 7 * 9)
    lut = features("mvtu", {**x_pm, "AB": 13, "TB": 13})[0]
    assert (lut["add_tree"], lut["add_tree_chain"], lut["add_sign_bits"]) == (0, 84, 0)
    assert lut["add_depth_chain"] == 84 * 3 and lut["add_depth"] == 0
    # depthwise with one tap fold (OUTER = 1): each dot product is one tile, the
    # accumulators are never read and Yosys removes them; with OUTER = 3 they are a memory
    # bipolar inputs x si4 weights: +-w per lane, 4 - 1 inverters before the adders;
    # from a flat ROM of 4 words the ROM's LUTs take the sign
    signed = features("mvtu", _mvu(WB=4, W_SIGNED=1, W_BIPOLAR=0))[0]
    assert signed["sign_invert"] == 4 * 8 * 3 and signed["negate"] == 0
    tiny = _mvu(WB=4, W_SIGNED=1, W_BIPOLAR=0, INNER=2, OUTER=2)
    assert cost_rtl.mvu_memories(tiny)["w"][2].kind == "logic"
    assert features("mvtu", tiny)[0]["sign_invert"] == 0
    dw = _mvu(DEPTHWISE=1, SIMD=3, INNER=2, OUTER=1)
    assert "acc" not in cost_rtl.mvu_memories(dw)
    assert "acc" in cost_rtl.mvu_memories({**dw, "OUTER": 3})
    # an activation of a 4-bit sum against constant thresholds (one neuron fold) is a
    # truth table: PE * OB LUTs; with 2 threshold words 4 + 2 inputs still fit a LUT6,
    # with 4 words not (comparators)
    small = _mvu(IB=2, I_BIPOLAR=0, W_SIGNED=1, AB=4, TB=4, T=3, OB=2, O_BIPOLAR=0, OUTER=1)
    lut = features("mvtu", small)[0]
    assert lut["threshold_table"] == 4 * 2 and lut["threshold_const"] == 0
    assert features("mvtu", {**small, "OUTER": 2})[0]["threshold_table"] == 4 * 2
    lut = features("mvtu", {**small, "OUTER": 4})[0]
    assert lut["threshold_table"] == 0 and lut["threshold"] == 4 * 3 * 4
    # registers: with one neuron fold the MVTU's stored-vector word s1_vec is unused (8
    # bits fewer); a W4A4 depthwise unit's input register (PE * SIMD * IB = 4 * 3 * 4)
    # can be the DSP48s' A/B registers (its own term, dsp_in_regs); the others: output and
    # last sum, no accumulator register
    assert features("mvtu", _mvu(OUTER=1))[1]["regs"] == 8 + 2 * 4 * 8 + 4 * 1
    # counters: i of 8 values (3 bits), o of 4 (2), the tile counter of 32 (5); with one
    # neuron fold o stays 0 and Yosys removes it (the Verilog declares it with one bit)
    assert features("mvtu", _mvu())[1]["control"] == 3 + 2 + 5
    lut, ff, _, _ = features("mvtu", _mvu(OUTER=1))
    assert ff["control"] == lut["control"] == 3 + 0 + 3
    w4a4 = _mvu(DEPTHWISE=1, SIMD=3, INNER=2, OUTER=3, IB=4, I_BIPOLAR=0, WB=4,
                W_SIGNED=1, W_BIPOLAR=0, AB=12, TB=12)
    lut, ff, _, dsp = features("depthwise", w4a4)
    assert lut["accumulate_dsp"] == 4 * 12 and lut["accumulate"] == 0  # 3 tap folds
    # one lane: the accumulator adds a DSP's product directly, its own (family) term
    lane = features("depthwise", {**w4a4, "SIMD": 1})[0]
    assert (lane["accumulate_dsp"], lane["accumulate_dsp_lane"]) == (0, 4 * 12)
    assert lut["accumulate_dsp_lane"] == 0
    assert dsp == 12 and ff["regs"] == 0 and ff["regs_dsp"] == 4 * 1 + 4 * 12
    assert ff["dsp_in_regs"] == 4 * 3 * 4
    # constant weights (one tile) of 2-bit inputs x bipolar weights: no negation or select,
    # a sum of the 8 lanes' 2 + 1 significant bits per PE (`const_tree`: PE * (SIMD - 1)
    # additions; x * (+-1) in an MVTU has its own constants)
    lut = features("mvtu", _mvu(IB=2, I_BIPOLAR=0, INNER=1, OUTER=1))[0]
    assert lut["const_tree_pm_weights"] == 4 * 7 * 3 and "const_tree" not in lut
    assert lut["add_tree"] == lut["negate"] == 0
    assert lut["const_depth_pm_weights"] == 4 * 7 * 3 * 3  # clog2(SIMD) = 3 levels
    assert lut["negate_select"] == 0 and lut["sign_invert"] == 0
    # ... and (+-1) * w its own: each lane's bits are copies of one input bit
    pm_inputs = features("mvtu", _mvu(WB=4, W_BIPOLAR=0, W_SIGNED=1, INNER=1, OUTER=1))[0]
    assert pm_inputs["const_tree_pm_inputs"] == 4 * 7 * 5
    assert "const_tree_pm_weights" not in pm_inputs
    # one word of integer weights whose values the model has: the sum is counted off them.
    # WB = 2 as rpnn_dot decodes it, 3 bits: -1 = 111, -2 = 110, 0, 1 = 001 hold 6 ones
    # (Yosys adds a copy of x for each, the sign bit's inverted); w and -w differ in 2, 1,
    # 0, 2 bits
    counts = cost_rtl.weight_value_counts(np.array([[-1, -2, 0, 1]]), 2)
    assert counts == {"W_ONES": 6, "W_FLIPS": 5}
    w2a2 = _mvu(IB=2, I_BIPOLAR=0, WB=2, W_SIGNED=1, W_BIPOLAR=0, INNER=1, OUTER=1)
    lut = features("mvtu", {**w2a2, "W_ONES": 40, "W_FLIPS": 30})[0]
    assert lut["const_tree_products"] == 2 * (40 - 4)  # IB bits a copy, the first of a PE free
    assert lut["const_depth_products"] == 2 * 36 * 3 and "const_tree" not in lut
    assert "const_tree_products" not in features("mvtu", w2a2)[0]  # values unknown
    pm = _mvu(WB=4, W_BIPOLAR=0, W_SIGNED=1, INNER=1, OUTER=1, W_FLIPS=50)
    assert features("mvtu", pm)[0]["const_tree_pm_inputs"] == 50 - 4
    assert features("depthwise", {**pm, "DEPTHWISE": 1})[0]["const_tree_pm_inputs_dw"] == 46
    # a depthwise unit's constant-weight sums share one pair of constants
    dw = features("depthwise", _mvu(DEPTHWISE=1, IB=2, I_BIPOLAR=0, INNER=1, OUTER=1))[0]
    assert dw["const_tree"] == 4 * 7 * 3 and "const_tree_pm_weights" not in dw
    # W1A1 with constant weights: a popcount of each PE's 8 input bits
    lut = features("mvtu", _mvu(INNER=1, OUTER=1))[0]
    assert lut["const_tree"] == 4 * 7 and lut["xnor_popcount"] == 0
    # 8-bit inputs x constant bipolar weights: the negated input words (SIMD * PW = 8 *
    # 11) stay, ABC does not merge them into the sum; the selects go
    lut = features("mvtu", _mvu(IB=8, I_BIPOLAR=0, INNER=1, OUTER=1))[0]
    assert lut["negate"] == 8 * 11 and lut["negate_select_wide"] == 0
    assert lut["const_tree_pm_weights"] == 4 * 7 * 9
    # a 2-word weight table of W1A1 whose 32 lanes keep 12 non-constant bit columns
    # (W_WIDTH): 20 of 32 weight bits are constants, so 5/8 of the datapath is the
    # constant-weight sum and 3/8 the XNOR-popcount
    two = _mvu(INNER=2, OUTER=1, W_WIDTH=12)
    assert cost_rtl.constant_weight_share(two) == 20 / 32
    lut = features("mvtu", two)[0]
    assert lut["xnor_popcount"] == 32 * 3 / 8 and lut["xnor_depth"] == 32 * 3 * 3 / 8
    assert lut["const_tree"] == 4 * 7 * 5 / 8 and lut["const_depth"] == 4 * 7 * 3 * 5 / 8
    # no table given (a parameter-only estimate): every weight bit varies
    assert cost_rtl.constant_weight_share(_mvu()) == 0
    assert cost_rtl.constant_weight_share(_mvu(INNER=1, OUTER=1)) == 1
    assert "const_tree" not in features("mvtu", _mvu())[0]
    # bipolar weights in a depthwise unit: every lane negates its own input (PE * SIMD *
    # PW = 4 * 3 * 5), an MVTU's PEs share one negated word (SIMD * PW)
    dw_sign = _mvu(DEPTHWISE=1, SIMD=3, INNER=2, OUTER=3, IB=2, I_BIPOLAR=0)
    assert features("depthwise", dw_sign)[0]["negate"] == 4 * 3 * 5
    assert features("mvtu", {**dw_sign, "DEPTHWISE": 0})[0]["negate"] == 3 * 5
    # as an MVTU its input word (SIMD * IB = 12 bits) feeds PE = 4 multipliers per bit:
    # it stays in flip-flops, with the vector word, output, accumulator and last sum
    _, ff, _, _ = features("mvtu", {**w4a4, "DEPTHWISE": 0})
    assert ff["regs_dsp"] == 3 * 4 + 3 * 4 + 4 * 1 + 2 * 4 * 12 and ff["dsp_in_regs"] == 0


def test_plumbing_and_threshold_terms_by_hand():
    # width converter from 32 to 2 elements of 4 bits: each of the 8 output bits a 16:1
    # mux, a tree of five 4:1 LUT6 multiplexers; 2 -> 16: the first 7 parts of 8 bits are
    # loaded a LUT per bit
    assert cost_rtl.mux_luts(16) == 5 and cost_rtl.mux_luts(4) == 1
    assert cost_rtl.mux_luts(8) == 3 and cost_rtl.mux_luts(1) == 0
    assert features("dwc", {"IW": 32, "OW": 2, "B": 4})[0]["data"] == 8 * 5
    assert features("dwc", {"IW": 2, "OW": 16, "B": 4})[0]["data"] == 7 * 8
    # top 3 of 100 labels, 10 a word, 16-bit values: per element and slot an 18-bit
    # compare and selects of value and 8-bit index, and each slot's own decisions against
    # the 3-bit count of filled slots; output: one of 3 index slots
    lut, ff, _, _ = features("label_select", {"L": 100, "PE": 10, "K": 3, "OWD": 1,
                                              "IB": 16, "I_SIGNED": 1, "I_BIPOLAR": 0,
                                              "OB": 8})
    assert lut["compare"] == 10 * 3 * 18 and lut["select"] == 10 * 2 * (18 + 8)
    assert lut["select_first"] == 10 * (18 + 8)  # the first slot: 2-way, nothing shifts in
    assert lut["slots"] == 10 * 3 * 3 and lut["output"] == 8 * 1
    # registers: 3 slots of the 16 value bits (the 2 extension bits merge) and 8 index
    # bits; the output word's 8 bits are all index bits
    assert ff["datapath"] == 3 * (16 + 8) + 8
    # 2 labels: a 3-bit index in a 16-bit output word, 13 constant bits
    small = {"L": 2, "PE": 1, "K": 1, "OWD": 1, "IB": 8, "I_SIGNED": 1, "I_BIPOLAR": 0,
             "OB": 16}
    assert features("label_select", small)[1]["datapath"] == 1 * (8 + 3) + 3
    # one insertion a cycle: the first slot's select is the registers' clock enable, the
    # other two slots keep theirs (shift down or take the new value)
    one = features("label_select", {**small, "K": 3, "L": 10})[0]
    assert one["select"] == (3 - 1) * (10 + 5) and one["compare"] == 3 * 10
    assert one["select_first"] == 0
    assert features("label_select", small)[0]["select"] == 0
    # thresholding of 4-bit inputs with two threshold words: a truth table per output bit
    th = {"CF": 2, "PE": 8, "IB": 4, "I_SIGNED": 1, "OB": 2, "O_BIPOLAR": 0, "T": 3,
          "TB": 4, "T_SIGNED": 1, "OUT_BIAS": 0}
    lut = features("thresholding", th)[0]
    assert lut["threshold_table"] == 8 * 2 and lut["threshold"] == 0
    lut = features("thresholding", {**th, "CF": 4})[0]
    assert lut["threshold_table"] == 0 and lut["threshold"] == 8 * 3 * 4
    # one channel fold of 12-bit inputs: constant thresholds, 15 sorted ones share about
    # clog2(16) = 4 leading bits: 15 * (14 - 4) bits compared per channel
    lut = features("thresholding", {**th, "CF": 1, "IB": 12, "TB": 12, "T": 15, "OB": 4})[0]
    assert lut["threshold_const"] == 8 * 15 * (14 - 4) and lut["threshold"] == 0
    assert cost_rtl.const_comparator_bits(1, 9) == 8
    # a truth table of 3 thresholds: a LUT per output bit and per level of the count
    # (clog2(3 + 1) = 2 levels)
    lut = features("thresholding", th)[0]
    assert lut["threshold_table"] == 8 * 2 and lut["table_levels"] == 8 * 2 * 2


def test_ultrascale_family():
    # UltraRAM for a FIFO asking for it on UltraScale+: 72 x 4096 a primitive
    p = {"DEPTH": 5000, "WB": 80, "STYLE": 3}
    assert predict("fifo", p, family="xcup")["uram"] == 2 * 2
    assert predict("fifo", p, family="xcup")["bram18"] == 0
    # 7-series has none: block RAM
    assert predict("fifo", p)["uram"] == 0 and predict("fifo", p)["bram18"] > 0
    devices = load_devices()
    assert cost_rtl.family_for(devices["xc7z020"]) == "xc7"
    assert cost_rtl.family_for(devices["xczu7ev"]) == "xcup"
    assert cost_rtl.family_for(devices["xcu250"]) == "xcup"
    assert cost_rtl.constants_file("xcu") == cost_rtl.constants_file("xcup")


def test_fifo_and_window_memories():
    # FIFO of depth 1025, 8 bits: 1024 words in memory -> one RAMB18, no output FFs
    lut, ff, mem, _ = features("fifo", {"DEPTH": 1025, "WB": 8, "STYLE": 0})
    assert mem.bram18 == 1 and ff["datapath"] == 0
    # distributed FIFO of 64 words of 8 bits: 63 in three RAM64M
    assert features("fifo", {"DEPTH": 64, "WB": 8, "STYLE": 2})[2].lut_mem == 12
    # 3x3 window on a 32-wide row of 16 words: ring of 4 rows = 2048 words of 16 bits
    p = {"POOL": 0, "H": 32, "W": 32, "CW": 16, "KH": 3, "KW": 3, "SH": 1, "SW": 1,
         "WB": 16}
    assert cost_rtl.window_geometry(p) == (4, 2048)
    assert features("swg", p)[2].bram18 == 2   # 2K x 9 twice (one RAMB36 = 2 alike)
    # registers: in block RAM the word read is the RAM's output register, only the output
    # word is in flip-flops; a small ring (2 rows of 4 words, LUT RAM) adds the word read,
    # pooling also the running maximum
    assert features("swg", p)[1]["datapath"] == 16
    small = {**p, "H": 4, "W": 4, "CW": 1, "KH": 2, "KW": 2, "SH": 2, "SW": 2}
    assert features("swg", small)[2].kind == "lutram"
    assert features("swg", small)[1]["datapath"] == 2 * 16
    pool = {**small, "POOL": 1, "PE": 4, "EB": 4, "E_SIGNED": 0, "E_BIPOLAR": 0}
    assert features("maxpool", pool)[1]["datapath"] == 3 * 16
    # max pool LUTs: 4 compares of 4 + 2 bits, a select per word bit; elements of 2 bits
    # or bipolar: compare and select fit a LUT6 (2 * EB + 1 inputs), no compare apart
    lut = features("maxpool", pool)[0]
    assert lut["pool_compare"] == 4 * 6 and lut["pool_select"] == 16
    assert features("maxpool", {**pool, "EB": 1, "E_BIPOLAR": 1})[0]["pool_compare"] == 0
    assert features("maxpool", {**pool, "EB": 2})[0]["pool_compare"] == 0
    # counters wrapping at a modulus that is not a power of two: a 4 x 4 x 1 ring of 2
    # rows wraps by itself; a 12-wide row of 3 words (36 words, 6 bits), 3 words (2 bits)
    # and 5 output columns (3 bits) do not
    assert features("swg", small)[0]["wrap"] == 0
    odd = {**small, "W": 12, "H": 12, "CW": 3}
    assert features("swg", odd)[0]["wrap"] == 6 + 2 + 3 + 3  # row words, cw, ow, oh
    # ring rows: 4 (3 x 3, stride 1) reduce the row slots by their top bit; 5 (stride 2)
    # by a compare and subtract of 3 + 1 bits each, twice; the ring's address counted by
    # where it goes: block RAM's address register (2,048 words: 11 bits) or the LUT RAM's
    # read multiplexer (4 rows of 4 words: 4 bits)
    assert features("swg", p)[0]["ring_mod"] == 0
    assert features("swg", {**p, "SH": 2, "SW": 2})[0]["ring_mod"] == 2 * (3 + 1)
    lut, small_lut = features("swg", p)[0], features("swg", small)[0]
    assert (lut["address_bram"], lut["address"]) == (11, 0)
    assert (small_lut["address_bram"], small_lut["address"]) == (0, 4)
    # padding: the border word is the output register's reset or set, no LUT per data bit
    pad = {"H": 4, "W": 4, "CW": 1, "TOP": 1, "LEFT": 1, "BOTTOM": 1, "RIGHT": 1, "WB": 64,
           "FILL": "0"}
    lut, ff, _, _ = features("pad", pad)
    assert "data" not in lut and ff["datapath"] == 64
    # 6 x 6 output words: both counters (3 bits) wrap at a modulus that is not a power of
    # two; a 30 x 30 input padded to 32 x 32 wraps by itself
    assert lut["wrap"] == 3 + 3
    assert features("pad", {**pad, "H": 30, "W": 30})[0]["wrap"] == 0


def test_predict_is_the_fitted_sum():
    p = _mvu()
    lut_terms, ff_terms, mem, _ = features("mvtu", p)
    c = cost_rtl.constants()[cost_rtl.group("mvtu")]
    expect = sum(c["lut"].get(k, 0) * v for k, v in lut_terms.items()) + mem.lut_mem
    assert predict("mvtu", p)["lut"] == round(expect)
    assert predict("mvtu", p)["ff"] == round(sum(c["ff"].get(k, 0) * v
                                                 for k, v in ff_terms.items()))


def test_constants_have_provenance():
    data = json.loads(cost_rtl.CONSTANTS_FILE.read_text())
    prov = data["provenance"]
    assert "Yosys" in prov["tool"] and prov["train_points"] > 0
    assert {"date", "grid", "command", "family"} <= set(prov)


def test_unit_params_match_the_rtl_emitter():
    """What the model thinks rpnn-rtl writes is what rpnn-rtl writes."""
    module = api.parse(ALL_UNITS)
    info = json.loads(rtl.emit_rtl(module, rtl.RtlTarget(function="dataflow_level"),
                                   with_testbench=False)["rtl.json"])
    emitted = [{k: v for k, v in u["params"].items()
                if "FILE" not in k and k not in ("FILL", "OUT_BIAS")} for u in info["units"]]
    graph = next(g for f, g in functions_with_dataflow(module)
                 if f.sym_name.data == "dataflow_level")
    modelled = [p for u in graph.units for _, p in cost_rtl.unit_params(u)]
    assert modelled == emitted


def test_rpnn_cost_backend_rtl(tmp_path):
    module = api.parse(ALL_UNITS)
    out = tmp_path / "r.json"
    CostPass(device="xczu7ev", json=True, report=str(out), backend="rtl").apply(
        api.context(), module)
    report = json.loads(out.read_text())["functions"][0]
    assert report["model"] == "rtl" and report["ff"] == sum(u["ff"] for u in report["units"])
    assert report["rtl_family"] == "xcup"  # a Zynq UltraScale+: its own constants
    assert report["ff"] > 0 and report["total"]["lut"] > 0
    hls = tmp_path / "h.json"
    CostPass(device="xczu7ev", json=True, report=str(hls)).apply(api.context(),
                                                                 api.parse(ALL_UNITS))
    hls_report = json.loads(hls.read_text())["functions"][0]
    assert hls_report["model"] == "hls"  # the HLS model estimates FFs too (docs/cost-model.md)
    assert hls_report["ff"] == sum(u["ff"] for u in hls_report["units"])
    # same cycles: the RTL units run at the HLS model's rates
    assert [u["cycles"] for u in report["units"]] == [u["cycles"] for u in hls_report["units"]]
    with pytest.raises(PassFailedException, match="backend 'vhdl' is not one of hls, rtl"):
        CostPass(backend="vhdl").apply(api.context(), api.parse(ALL_UNITS))


SMALL_MVTU = _mvu(PE=2, SIMD=8, INNER=4, OUTER=4)
"""A W1A1 MVTU of 32 x 8 weights: one Yosys run of a few seconds."""


def test_a_fresh_yosys_synthesis_matches_the_model(yosys):
    """The model against Yosys now (not the stored sweep): BRAM and DSP exact, LUT and FF
    within the error documented in docs/cost-model.md (RTL_TOLERANCE). Measured when the
    constants were fitted (1,512 training points): LUT 111 vs 116, FF 93 vs 96."""
    from rpnn_ir.backends import rtl_units

    measured = rtl_units.synthesize_unit("rpnn_mvu", SMALL_MVTU)
    # the model reads the ROMs' contents (the columns of those held in logic)
    model = predict("mvtu", {**SMALL_MVTU, **rtl_units.rom_columns("rpnn_mvu", SMALL_MVTU)})
    assert (model["bram18"], model["dsp"]) == (measured["bram18"], measured["dsp"])
    for key in ("lut", "ff"):
        assert abs(model[key] / measured[key] - 1) <= RTL_TOLERANCE[key], (key, model, measured)


def test_rom_columns_and_addresses_by_hand():
    """ROMs in logic by their contents and by where their address comes from."""

    from rpnn_ir.builders.ops import si

    # columns: [0,1,1] twice, [1,0,0], and two constant ones: 2 distinct varying columns
    bits = np.array([[0, 0, 1, 1, 0], [1, 1, 0, 1, 0], [1, 1, 0, 1, 0]], dtype=np.uint8)
    assert cost_rtl.varying_columns(bits) == 2
    assert cost_rtl.varying_columns(np.ones((4, 3), dtype=np.uint8)) == 0
    # the same table as ints (bit 0 first) and as 2-bit signed elements [words, 2 slots]
    assert cost_rtl.word_bits([0b01100, 0b01011, 0b01011], 5).tolist() == bits.tolist()
    table = np.array([[1, -2], [-1, 0]])  # 01 10 / 11 00 in two's complement
    got = cost_rtl.element_bits(table, si(2))
    assert sorted(map(tuple, got.T.tolist())) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    # the model takes the counted columns in place of the bound min(width, 2^depth)
    p = _mvu()  # weights 32 words x 32 bits, thresholds 4 words x 32 bits, in logic
    assert features("mvtu", p)[1]["rom_regs"] == 32 + 16
    assert features("mvtu", {**p, "W_COLUMNS": 5, "T_COLUMNS": 3})[1]["rom_regs"] == 5 + 3
    assert features("mvtu", {**p, "W_COLUMNS": 5})[0]["rom_weights_xnor"] == 5 * 1
    # a column that is an address bit or its complement is the address register: no LUT,
    # but its flip-flop counts. Over 4 words: [0,1,0,1] is bit 0, [1,1,0,0] bit 1 inverted,
    # [0,1,1,0] their XOR (a LUT); [0,0,0,1] twice; over 3 words [0,1,0] is bit 0 (word 3
    # unused), [1,0,0] is not a literal
    four = np.array([[0, 1, 0, 0, 0], [1, 1, 1, 0, 0], [0, 0, 1, 0, 0], [1, 0, 0, 1, 1]],
                    dtype=np.uint8)
    assert (cost_rtl.varying_columns(four), cost_rtl.literal_columns(four)) == (4, 2)
    three = np.array([[0, 1], [1, 0], [0, 0]], dtype=np.uint8)
    assert (cost_rtl.varying_columns(three), cost_rtl.literal_columns(three)) == (2, 1)
    lut, ff, _, _ = features("mvtu", {**p, "W_COLUMNS": 5, "W_LITERALS": 2})
    assert (lut["rom_weights_xnor"], ff["rom_regs"]) == (3 * 1, 5 + 16)
    # whether the address is a counter (an MVTU, a depthwise unit with one tap fold) or an
    # adder's output (a depthwise unit's tile + o), LUT6 and MUXF7/F8: a LUT per 64 words of
    # each column (4 x 64 words -> 4 per column)
    dw = _mvu(DEPTHWISE=1, SIMD=3, PE=2, INNER=4, OUTER=64, W_COLUMNS=6)
    assert features("depthwise", dw)[0]["rom_weights_xnor"] == 6 * 4
    lut = features("depthwise", {**dw, "INNER": 256, "OUTER": 1})[0]
    assert lut["rom_weights_xnor"] == 6 * 4


def test_mvu_counters_and_memories_by_hand():
    # folds that are not powers of two: i (49 folds, 6 bits), o (3, 2 bits) and the MVTU's
    # tile counter (147 tiles, 8 bits) keep their compare and reset select
    p = _mvu(INNER=49, OUTER=3)
    assert features("mvtu", p)[0]["wrap"] == 6 + 2 + 8
    assert features("mvtu", _mvu())[0]["wrap"] == 0
    # a depthwise unit's accumulators in block RAM (1,024 channel folds of PE * AB = 64
    # bits): a bypass register and a select per bit; none in LUT RAM (8 folds)
    dw = _mvu(DEPTHWISE=1, SIMD=3, INNER=1024, OUTER=2, AB=16, TB=16)
    assert cost_rtl.mvu_memories(dw)["acc"][2].kind == "bram"
    lut, ff, _, _ = features("depthwise", dw)
    assert lut["acc_bypass"] == ff["acc_bypass"] == 4 * 16
    small = {**dw, "INNER": 8}
    assert cost_rtl.mvu_memories(small)["acc"][2].kind == "lutram"
    assert features("depthwise", small)[1]["acc_bypass"] == 0
    # constant weights into DSPs: an MVTU's input register stays in flip-flops, a depthwise
    # unit's is packed as with variable weights (measured on the 7-series sweep)
    w4a4 = _mvu(IB=4, I_BIPOLAR=0, WB=4, W_SIGNED=1, W_BIPOLAR=0, AB=12, TB=12, PE=1,
                OUTER=1)
    assert features("mvtu", w4a4)[1]["dsp_in_regs"] == 8 * 4
    ff = features("mvtu", {**w4a4, "INNER": 1})[1]
    assert ff["dsp_in_regs"] == 0 and ff["regs_dsp"] >= 8 * 4
    ff = features("depthwise", {**w4a4, "DEPTHWISE": 1, "INNER": 1, "PE": 2, "SIMD": 3})[1]
    assert ff["dsp_in_regs"] == 2 * 3 * 4 and ff["regs_dsp"] == 2 * 1 + 2 * 12


def test_rom_width_without_constant_columns_by_hand():
    """Yosys maps a ROM at its non-constant columns (`mapped_width`): 16-bit thresholds
    that never leave 0..255 keep 8 varying bits each, so a 512-word ROM of 2 PEs x 3 of
    them is 512 x 48 (2 RAMB18), not the 512 x 96 (3 RAMB18) of its parameters."""

    from rpnn_ir.builders.ops import si

    bits = np.array([[0, 1, 1, 0], [0, 0, 1, 1], [0, 1, 1, 1]], dtype=np.uint8)
    assert cost_rtl.mapped_width(bits) == 2  # columns 0 and 2 are constant
    th = {"PE": 2, "T": 3, "TB": 16, "CF": 512, "IB": 16, "OB": 2}
    assert predict("thresholding", th)["bram18"] == bram_tiling(512, 96)[1] == 3
    rng = np.random.default_rng(0)
    values = np.sort(rng.integers(0, 256, (512, 2, 3)), axis=-1).reshape(512, 6)
    got = cost_rtl.content_params("thresholding", th, None,
                                  cost_rtl.element_bits(values, si(16)))
    assert got["T_WIDTH"] == 6 * 8
    assert predict("thresholding", {**th, **got})["bram18"] == bram_tiling(512, 48)[1] == 2
    # a single word is no ROM (registers of constants): no width parameter
    assert "W_WIDTH" not in cost_rtl.content_params("mvtu", _mvu(INNER=1, OUTER=1),
                                                    bits[:1], None)


def _thresholding_module(values) -> str:
    """A function of one thresholding unit (PE 2) over 1,024 si16 channels with thresholds
    `values` [1024, 3]."""
    rows = ", ".join("[" + ", ".join(map(str, r)) + "]" for r in values.tolist())
    return f"""
func.func @main(%x: tensor<1x1024xsi16>) -> tensor<1x1024xui2> {{
  %s = rpnn.tensor_to_stream %x : tensor<1x1024xsi16> -> !rpnn.stream<1024xsi16, 2>
  %t = rpnn.constant dense<[{rows}]> : tensor<1024x3xsi16>
  %y = rpnn.thresholding %s, %t pe = 2 : !rpnn.stream<1024xsi16, 2>, tensor<1024x3xsi16> \
-> !rpnn.stream<1024xui2, 2>
  %r = rpnn.stream_to_tensor %y : !rpnn.stream<1024xui2, 2> -> tensor<1x1024xui2>
  func.return %r : tensor<1x1024xui2>
}}
"""


def test_constant_rom_columns_leave_block_ram_in_yosys(tmp_path, yosys):
    """The IR's thresholds decide the block RAMs, as Yosys counts them: thresholds in
    0..255 (8 of 16 bits constant: 512 x 48 bits, 2 RAMB18) and in the full si16 range
    (512 x 96, 3), the same unit otherwise. Without the constant columns dropped the
    model said 3 for both."""

    from rpnn_ir.backends import rtl_synth
    from rpnn_ir.backends.c_reference import write_files

    rng = np.random.default_rng(1)
    found = {}
    for name, hi in (("narrow", 256), ("full", 1 << 15)):
        values = np.sort(rng.integers(-hi if name == "full" else 0, hi, (1024, 3)), axis=1)
        module = api.parse(_thresholding_module(values))
        ((_, graph),) = list(functions_with_dataflow(module))
        (unit,) = [u for u in graph.units if u.kind == "thresholding"]
        model = cost_rtl.rtl_unit_cost(unit, "xc7")
        directory = tmp_path / name
        write_files(directory, rtl.emit_rtl(module, rtl.RtlTarget(), with_testbench=False))
        report = rtl_synth.synthesize_design(directory, "xc7", units=True, whole=False)
        (synth,) = [u for u in report["units"] if u["kind"] == "thresholding"]
        found[name] = (model.cost.res.bram18, synth["bram18"])
    assert found["narrow"][0] == found["narrow"][1] < found["full"][0] == found["full"][1]
