"""Every formula of rpnn_ir.hw.cost on hand-computed cases (docs/cost-model.md).

Each expected number is worked out in the comment next to it from the formula's docstring,
not from the code.
"""

from __future__ import annotations

import json

import pytest

from rpnn_ir import api, dtypes
from rpnn_ir.builders.dataflow_nets import (
    BNN_PYNQ_CNV_W1A1_FOLDING,
    BNN_PYNQ_CNV_W2A2_FOLDING,
    BNN_PYNQ_LFC_FOLDING,
    build_chain,
    build_cnv,
    build_lfc,
)
from rpnn_ir.hw import cost
from rpnn_ir.hw.dataflow_model import (
    DataflowGraph,
    element_bits,
    evaluate,
    functions_with_dataflow,
    schedule,
)
from rpnn_ir.hw.devices import (
    DeviceError,
    builtin_devices,
    family_of_part,
    get_device,
    load_devices,
)

# --------------------------------------------------------------------------- memories


@pytest.mark.parametrize(("depth", "width", "expected"), [
    (2048, 36, 4),      # UG912's example: two 2K x 18 RAMB36 side by side = 4 RAMB18
    (36, 32, 1),        # 512 x 36 RAMB18
    (416, 64, 2),       # 2 x 512 x 36 (or one 512 x 72 RAMB36): BNN-PYNQ LFC layer 0
    (2304, 32, 8),      # depth 4K: ceil(32/4) = 8 RAMB18, or 2 * ceil(32/9) = 8
    (1024, 64, 4),      # 1K x 18: ceil(64/18) = 4; RAMB36 1K x 36: 2 * 2 = 4
    (8192, 3, 2),       # 8K x 2: ceil(3/2) = 2; RAMB36 8K x 4: 2 * 1 = 2
    (16384, 3, 3),      # 16K x 1: 3; RAMB36 16K x 2: 2 * 2 = 4 -> 3
    (18432, 32, 64),    # deeper than 16K: RAMB36 32K x 1, one per bit: 2 * 32
    (73728, 16, 96),    # cascaded: ceil(73728/32768) = 3 per bit: 2 * 16 * 3
    (16384, 1, 1),      # 16K x 1
    (16385, 1, 2),      # one RAMB36 32K x 1
    (600, 36, 2),       # 1K x 18: 2; RAMB36 1K x 36: 2 * 1
    (64, 2048, 57),     # 512 x 36: ceil(2048/36) = 57; RAMB36 512 x 72: 2 * 29 = 58
    (10, 0, 0),
    (0, 8, 0),
])
def test_bram18_timing_decomposition(depth, width, expected):
    assert cost.bram18_timing(depth, width) == expected


def test_both_profiles_count_block_ram_as_vivado_builds_it():
    # 18432 x 32: RAMB36 32K x 1 per bit = 64 RAMB18 (FINN's depth-packed table said 36)
    assert cost.RPNN_HLS.memories(1, 18432, 32, "block").bram18 == 64
    assert cost.FINN_HLSLIB.memories(1, 18432, 32, "block").bram18 == 64
    # 4 PEs of 512 x 9: one 512 x 36 memory in rpnn-hls, four RAMB18 per PE in finn-hlslib
    assert cost.RPNN_HLS.memories(4, 512, 9, "block").bram18 == 1
    assert cost.FINN_HLSLIB.memories(4, 512, 9, "block").bram18 == 4
    # thresholds and FIFOs too: 2048 x 9 is one RAMB18 (2K x 9), 4096 words of 4 bits one
    assert cost.memory_resources(2048, 9, "block").bram18 == 1
    assert cost.fifo_cost(4000, 4, 1, "block").res.bram18 == 1


def test_block_ram_capped_at_the_part():
    # three memories: 2 x (32 x 24: 768 bits in 1 RAMB18, 4% full) and 18432 x 32 (64)
    memories = [cost.BlockMemory(2, 32, 24, ports=2), cost.BlockMemory(1, 18432, 32)]
    assert cost.capped_block_ram(memories, 100) == (66, 0)       # fits: nothing moves
    # capacity 65: the least-filled one moves, 2 * 24 * ceil(32/64) = 48 LUTs
    assert cost.capped_block_ram(memories, 65) == (65, 48)
    # capacity 64: both small ones move: 96 LUTs
    assert cost.capped_block_ram(memories, 64) == (64, 96)
    # capacity 10: the big one too, 32 * ceil(18432/64) = 9216 LUTs
    assert cost.capped_block_ram(memories, 10) == (0, 96 + 9216)


def test_uram_and_lutram():
    assert cost.uram_count(4096, 72) == 1
    assert cost.uram_count(4097, 72) == 2          # ceil(4097/4096) * 1
    assert cost.uram_count(100, 73) == 2           # 1 * ceil(73/72)
    assert cost.lutram_luts(64, 8) == 8            # 8 * ceil(64/64)
    assert cost.lutram_luts(65, 8) == 16           # 8 * ceil(65/64)
    assert cost.lutram_luts(144, 32, 2) == 192     # dual port: 2 * 32 * ceil(144/64)


def test_memory_kind_rule():
    assert cost.memory_kind("auto", 128) == "lutram"
    assert cost.memory_kind("auto", 129) == "bram"
    assert cost.memory_kind("distributed", 10000) == "lutram"
    assert cost.memory_kind("block", 2) == "bram"
    assert cost.memory_kind("ultra", 2) == "uram"
    with pytest.raises(ValueError):
        cost.memory_kind("registers", 2)
    assert cost.memory_resources(129, 36, "auto") == cost.Resources(bram18=1)
    assert cost.memory_resources(100, 36, "auto") == cost.Resources(lut=72)
    assert cost.memory_resources(100, 36, "ultra") == cost.Resources(uram=1)


# --------------------------------------------------------------------------- MVTU


def test_mvtu_cycles():
    # (MH/PE) * (MW/SIMD) * N
    assert cost.mvtu_cycles(832, 1024, 32, 64) == 32 * 13 == 416  # BNN-PYNQ LFC L0
    assert cost.mvtu_cycles(27, 64, 16, 3, 900) == 4 * 9 * 900 == 32400
    assert cost.mvtu_cycles(256, 512, 1, 4) == 512 * 64 == 32768


def test_multibit_mac_luts():
    # W=A=2, Q=4: mult 4*(2*ceil(4/6)-1)*4 = 16, adder 4*(2*4-1) = 28
    assert cost.multibit_mac_luts(4, 2, 2) == 44
    assert cost.multibit_mac_luts(4, 2, 2, dsp=True) == 28
    # W=A=4, Q=2: mult 2*(2*ceil(8/6)-1)*8 = 48, adder 8*3 = 24
    assert cost.multibit_mac_luts(2, 4, 4) == 72
    # W=A=8, Q=1: mult 1*(2*3-1)*16 = 80, adder 16*1 = 16
    assert cost.multibit_mac_luts(1, 8, 8) == 96


@pytest.mark.parametrize(("simd", "expected"), [
    (1, 1),     # 1 - 1 + ceil(1/3)
    (3, 2),     # 3 - 2 + 1
    (32, 42),   # 32 - 1 + 11
    (64, 85),   # 64 - 1 + 22
])
def test_xnor_popcount_luts(simd, expected):
    assert cost.xnor_popcount_luts(simd) == expected


def test_xnor_is_cheaper_than_multibit_at_one_bit():
    for simd in (1, 2, 8, 32, 64):
        assert cost.xnor_popcount_luts(simd) < cost.multibit_mac_luts(simd, 1, 1)


def test_adder_tree_luts():
    # 8 values of 4 bits: 4 adders of 4 bits, 2 of 5, 1 of 6 = 16 + 10 + 6
    assert cost.adder_tree_luts(8, 4) == 32
    # 3 values of 3 bits: 1 adder of 3 bits (one value passes), then 1 of 4
    assert cost.adder_tree_luts(3, 3) == 7
    assert cost.adder_tree_luts(1, 8) == 0


def test_mac_luts():
    # W = A = 2, Q = 8: 4 LUT6 per product (4 bits of 4 inputs each) = 32, tree 32
    assert cost.mac_luts(8, 2, 2) == 64
    assert cost.mac_luts(8, 2, 2, dsp=True) == 32
    # W = A = 4, Q = 2: 8 inputs > 6: FINN-R's (2*2 - 1)*8 = 24 per product, tree 8
    assert cost.mac_luts(2, 4, 4) == 2 * 24 + 8
    # bipolar weights x 2-bit inputs, Q = 32: +-x of 3 bits, no multiplier; tree of 32
    # 3-bit values 16*3 + 8*4 + 4*5 + 2*6 + 7 = 119; 16 negation carries left after the
    # 16 first-level carry-ins: 16 - nu(16) = 15
    assert cost.mac_luts(32, 1, 2, sign=True) == 119 + 15


def test_mvtu_resources_lutram():
    # MW 64, MH 32, PE 4, SIMD 8, W = A = 2, acc 9 bits, 3 thresholds of 9 bits.
    # compute = mac_luts(8, 2, 2) = 64; per PE = 64 + 9 (acc) + 27 (comparators)
    # + 27 * ceil(TMEM 8 / 64) (thresholds in LUTRAM) = 127;
    # LUT = int(300 + 1.1 * 4 * 127) = 858; weights WMEM 64 <= 128 -> LUTRAM of
    # width 4*8*2 = 64: 64 * ceil(64/64) = 64; the input vector buffer, SF = 8 words of
    # 8*2 = 16 bits, in LUTRAM: 16.  Total 938 LUT, no BRAM.
    res = cost.mvtu_resources(64, 32, 4, 8, w_bits=2, a_bits=2, acc_bits=9, n_thresholds=3,
                              threshold_bits=9)
    assert res == cost.Resources(lut=938)
    # finn-hlslib keeps the vector in registers: 8 * 16 = 128 FF and a 8:1 multiplexer of
    # 16 bits, 16 * ceil(8/4) = 32 LUTs
    assert cost.FINN_HLSLIB.input_buffer(8, 16) == (cost.Resources(lut=32), 128)


def test_per_pe_memories_reproduce_bnn_pynq_lfc_bram():
    # BNN-PYNQ's LFC (lfcW1A1/hw/config.h): weights per PE, WMEM x SIMD bits:
    # 32 x (416 x 64) -> 2 RAMB18 each, 64 x (512 x 32) -> 1, 32 x (512 x 64) -> 2,
    # 16 x (512 x 8) -> 1: 64 + 64 + 64 + 16 = 208, the published RAMB18 count; one
    # reshaped memory per layer (rpnn-hls) needs 57 + 57 + 57 + 4 = 175.
    layers = [(832, 1024, 32, 64), (1024, 1024, 64, 32), (1024, 1024, 32, 64), (1024, 64, 16, 8)]
    for templates, expected in ((cost.FINN_HLSLIB, 208), (cost.RPNN_HLS, 175)):
        total = sum(cost.mvtu_resources(mw, mh, pe, simd, w_bits=1, a_bits=1, acc_bits=16,
                                        n_thresholds=1, threshold_bits=16, xnor=True,
                                        templates=templates).bram18
                    for mw, mh, pe, simd in layers)
        assert total == expected


def test_mvtu_resources_bram_and_dsp():
    # Same layer with ram = block (the 16 LUTs of the input buffer stay LUTRAM):
    # weights 64 x 64 -> ceil(64/512)*ceil(64/36) = 2 BRAM18;
    # thresholds 8 x (4*3*9 = 108) -> ceil(8/512)*ceil(108/36) = 3 BRAM18;
    # LUT = int(300 + 1.1 * 4 * (64 + 9 + 27)) = 740.
    res = cost.mvtu_resources(64, 32, 4, 8, w_bits=2, a_bits=2, acc_bits=9, n_thresholds=3,
                              threshold_bits=9, ram_style="block")
    assert res == cost.Resources(lut=740 + 16, bram18=5)
    # DSP multipliers: compute = adder tree only (32); DSP = 4*8*ceil(4/48) = 32.
    # LUT = int(300 + 1.1 * 4 * (32 + 9 + 27)) = 599; thresholds 3 BRAM18, weights 2.
    res = cost.mvtu_resources(64, 32, 4, 8, w_bits=2, a_bits=2, acc_bits=9, n_thresholds=3,
                              threshold_bits=9, ram_style="block", dsp=True)
    assert res == cost.Resources(lut=599 + 16, bram18=5, dsp=32)
    # URAM for weights: ceil(64/72) * ceil(64/4096) = 1; thresholds stay in BRAM.
    res = cost.mvtu_resources(64, 32, 4, 8, w_bits=2, a_bits=2, acc_bits=9, n_thresholds=3,
                              threshold_bits=9, ram_style="ultra")
    assert res == cost.Resources(lut=740 + 16, bram18=3, uram=1)


def test_mvtu_resources_xnor():
    # Bipolar x bipolar, MW 64, MH 32, PE 4, SIMD 8, acc 8, one 8-bit threshold:
    # popcount 8 - 1 + 3 = 10; per PE 10 + 8 + 8 + 8*ceil(8/64) = 34;
    # LUT = int(300 + 1.1*4*34) = 449; weights 64 x 32 bits in LUTRAM: 32; input vector
    # 8 words of 8 bits in LUTRAM: 8.  DSP never.
    res = cost.mvtu_resources(64, 32, 4, 8, w_bits=1, a_bits=1, acc_bits=8, n_thresholds=1,
                              threshold_bits=8, xnor=True, dsp=True)
    assert res == cost.Resources(lut=489)


def test_mvtu_timing_parameters():
    c = cost.mvtu_cost(64, 32, 4, 8, 10, w_bits=2, a_bits=2, acc_bits=9)
    assert c.cycles == 8 * 8 * 10
    assert c.need == 8                 # one input vector: MW/SIMD words
    assert c.depth == 3 + 3            # 3 + ceil(log2 8)
    assert c.tail == (8 - 1) * 8 + 1   # the other MH/PE - 1 neuron folds of the last vector


def test_depthwise_cost():
    # C 16, K*K 9, PE 16, SIMD 3, 4 pixels: cycles (16/16)*(9/3)*4 = 12; weights
    # 16*9/(16*3) = 3 deep, 16*3*4 = 192 bits wide -> LUTRAM 192.
    c = cost.depthwise_cost(16, 9, 16, 3, 4, w_bits=4, a_bits=4, acc_bits=10)
    assert c.cycles == 12
    # compute = mac_luts(3, 4, 4) = 3 * (2*2 - 1)*8 + tree (8 + 9) = 89; per PE 89 + 10;
    # LUT = int(300 + 1.1 * 16 * 99) = 2042, + 192
    assert c.res == cost.Resources(lut=2042 + 192)
    assert c.need == 3


# --------------------------------------------------------------------------- other units


def test_thresholding_cost():
    # C 64, PE 8, 10 pixels, 3 thresholds of 8 bits: width 8*3*8 = 192 comparator LUTs,
    # TMEM 8 -> LUTRAM 192 * ceil(8/64) = 192.  Cycles 10*64/8 = 80.
    c = cost.thresholding_cost(64, 8, 10, n_thresholds=3, threshold_bits=8)
    assert c.res == cost.Resources(lut=384) and c.cycles == 80
    # TMEM 1: thresholds in the comparators, no memory
    c = cost.thresholding_cost(8, 8, 1, n_thresholds=3, threshold_bits=8)
    assert c.res == cost.Resources(lut=192)
    # TMEM 256 > 128: BRAM for 256 x 24 bits -> ceil(256/512) * ceil(24/36) = 1
    c = cost.thresholding_cost(256, 1, 1, n_thresholds=3, threshold_bits=8)
    assert c.res == cost.Resources(lut=24, bram18=1)


def test_swg_cycles():
    # CNV layer 0: 32*3*1 + 30*max(30*9*1, 1*32*1) = 96 + 8100
    assert cost.swg_cycles(32, 32, 3, (3, 3), (1, 1), 3) == 8196
    # non-square 6x8 input, kernel 3x2, stride 2: ofm (6-3)//2+1 = 2 by (8-2)//2+1 = 4,
    # fold 2: 8*3*2 + 2*max(4*6*2, 2*8*2) = 48 + 96
    assert cost.swg_cycles(6, 8, 4, (3, 2), (2, 2), 2) == 144


def test_swg_resources():
    # depth 30*64/16 = 120 <= 128: LUTRAM, 300 + (3+1) * 16*2 * ceil(120/64) = 556
    c = cost.swg_cost(30, 30, 64, (3, 3), (1, 1), 16, 2)
    assert c.res == cost.Resources(lut=556)
    assert c.need == (2 * 30 + 3) * 4     # two rows and three pixels of 64/16 words
    # depth 32*256/2 = 4096: 4-bit ports, (3+1) * ceil(2/4) * ceil(4096/4096) = 4 BRAM18
    c = cost.swg_cost(32, 32, 256, (3, 3), (1, 1), 2, 1)
    assert c.res == cost.Resources(lut=300, bram18=4)
    assert cost.swg_ram_width(512) == 36 and cost.swg_ram_width(9000) == 1


def test_pad_maxpool_add_label_select():
    # pad 8x8x4 out, SIMD 2, 4 bits, padding [1,1,1,1]: LUT 2*4 + 2*(4 + 4 + 2) = 28
    # (counters: ceil(log2 9) = 4, 4, ceil(log2 3) = 2); cycles 2*8*8 = 128
    c = cost.pad_cost(8, 8, 4, 2, 4, (1, 1, 1, 1))
    assert c.res == cost.Resources(lut=28) and c.cycles == 128
    assert c.need == 0 and c.tail == (1 * 8 + 1) * 2 + 1
    # maxpool 28x28x64, k 2, PE 16, 2 bits: LUT 2*16*2 = 64 + one row buffer 14*4 = 56
    # words of 32 bits in LUTRAM (32) + one pixel buffer of 4 words of 32 bits (32);
    # cycles 28*28*4
    c = cost.maxpool_cost(28, 28, 64, (2, 2), (2, 2), 16, 2)
    assert c.res == cost.Resources(lut=128) and c.cycles == 3136
    # 3x3 stride 2 on 9x9x130, PE 1, 8 bits: 2 rows of 4*130 = 520 words (BRAM: 1 RAMB18
    # each at 8 bits) + 2 pixels of 130 words (BRAM, 1 each) + 16 LUT
    c = cost.maxpool_cost(9, 9, 130, (3, 3), (2, 2), 1, 8)
    assert c.res == cost.Resources(lut=16, bram18=4) and c.cycles == 9 * 9 * 130
    # add: PE 4 x 5 bits; cycles 10 * 16 / 4
    c = cost.add_streams_cost(10, 16, 4, 5)
    assert c.res == cost.Resources(lut=20) and c.cycles == 40
    # label select 10 labels, k 1, PE 2, 16 bits: 2*1*16 + 1*(16 + 4) = 52; cycles 5 reading
    # + 1 writing the index
    c = cost.label_select_cost(10, 1, 2, 16)
    assert c.res == cost.Resources(lut=52) and c.cycles == 6 and c.need == 5
    # k 4 written 2 a word: 5 + 2 cycles, 2 after the last input
    c = cost.label_select_cost(10, 4, 2, 16, out_word=2)
    assert c.cycles == 7 and c.tail == 2


@pytest.mark.parametrize(("in_bits", "out_bits", "expected"), [
    (8, 8, 0),
    (8, 32, 34),    # lcm 32: |ceil(log2(8/32))| + 32
    (32, 8, 10),    # lcm 32 = in: |ceil(log2(32/8))| + 8
    (12, 8, 35),    # lcm 24: (1 + 24) + (2 + 8)
])
def test_dwc_luts(in_bits, out_bits, expected):
    assert cost.dwc_luts(in_bits, out_bits) == expected


def test_dwc_cost_timing():
    c = cost.dwc_cost(64, 2, 8, 4)
    assert c.cycles == 32 and c.need == 4 and c.tail == 1   # up-conversion
    c = cost.dwc_cost(64, 8, 2, 4)
    assert c.cycles == 32 and c.need == 1 and c.tail == 4   # down-conversion


def test_fifo_cost():
    # depth 2, 32 bits, auto -> SRL: 2*ceil(log2 2) + ceil(2/32) * ceil(32/2) = 2 + 16
    assert cost.fifo_cost(2, 32, 100).res == cost.Resources(lut=18)
    # depth 1000 -> 1024, 36 bits, BRAM: ceil(1024/1024) * ceil(36/18) = 2; LUT 2*10
    assert cost.fifo_cost(1000, 36, 100).res == cost.Resources(lut=20, bram18=2)
    # ultra: depth 5000 -> 8192: ceil(72/72) * ceil(8192/4096) = 2 URAM; LUT 2*13
    assert cost.fifo_cost(5000, 72, 100, "ultra").res == cost.Resources(lut=26, uram=2)
    # depth 1: no address LUTs, ceil(1/32) * ceil(8/2) = 4
    assert cost.fifo_cost(1, 8, 7).res == cost.Resources(lut=4)
    assert cost.fifo_cost(1, 8, 7).cycles == 7


# --------------------------------------------------------------------------- float


def test_float_mvtu_cost():
    # MW 64, MH 32, PE 2, SIMD 4 with DSP operators (PG060: mul 3 DSP + 100 LUT, add 2 DSP
    # + 200 LUT): per PE 4*100 + 4*200 + 32 = 1232 LUT and 4*3 + 4*2 = 20 DSP; weights
    # 64*32/8 = 256 deep (BRAM), 2*4*32 = 256 bits: ceil(256/512) * ceil(256/36) = 8.
    c = cost.float_mvtu_cost(64, 32, 2, 4)
    assert c.res == cost.Resources(lut=300 + 2 * 1232, bram18=8, dsp=40)
    assert c.cycles == 16 * 16
    # logic only: per PE 4*600 + 4*400 + 32 = 4032 LUT
    c = cost.float_mvtu_cost(64, 32, 2, 4, resource="lut")
    assert c.res == cost.Resources(lut=300 + 2 * 4032, bram18=8)


def test_precision_ordering_of_one_layer():
    """The paper's comparison on one 256x256 layer at PE 8, SIMD 8: fewer bits cost fewer
    LUTs, and float32 costs more than W1A1..W4A4 (in LUTs, or in DSPs).  W8A8 with 255
    thresholds of 24 bits per output costs more LUTs than float in logic: FINN-R's
    comparator-per-threshold activation (docs/cost-model.md)."""
    luts = []
    for bits in (1, 2, 4, 8):
        res = cost.mvtu_resources(256, 256, 8, 8, w_bits=bits, a_bits=bits,
                                  acc_bits=bits * 2 + 8, n_thresholds=(1 << bits) - 1,
                                  threshold_bits=bits * 2 + 8, xnor=bits == 1)
        luts.append(res.lut)
    assert luts == sorted(luts)
    float_lut = cost.float_mvtu_cost(256, 256, 8, 8, resource="lut").res.lut
    assert luts[2] < float_lut < luts[3]
    assert cost.float_mvtu_cost(256, 256, 8, 8).res.dsp == 8 * 8 * 5


# --------------------------------------------------------------------------- devices


def test_builtin_devices():
    devices = builtin_devices()
    assert set(devices) >= {"xc7z020", "xczu3eg", "xczu7ev", "xcu250", "xcu280"}
    z = devices["xc7z020"]
    assert (z.lut, z.bram18, z.bram36, z.uram, z.dsp, z.slrs) == (53200, 280, 140, 0, 220, 1)
    assert devices["xczu7ev"].uram == 96 and devices["xcu250"].slrs == 4
    assert devices["xcu250"].bram18 == 2 * 2688
    assert devices["xczu3eg"].clock_mhz == 300.0 and z.clock_mhz == 100.0
    assert devices["xcu280"].per_slr().lut == 1304000 // 3


def test_user_devices(tmp_path):
    toml = tmp_path / "parts.toml"
    toml.write_text('[devices.tiny]\nlut = 1000\nbram18 = 10\ndsp = 4\nclock_mhz = 50\n'
                    '[devices.xc7z020]\nlut = 1\nbram36 = 1\ndsp = 1\n')
    devices = load_devices(toml)
    assert devices["tiny"].bram18 == 10 and devices["tiny"].clock_mhz == 50.0
    assert devices["xc7z020"].lut == 1                      # overridden by name
    js = tmp_path / "parts.json"
    js.write_text(json.dumps({"devices": {"j": {"lut": 5, "bram36": 2, "dsp": 0}}}))
    assert get_device("j", js).bram18 == 4
    bad = tmp_path / "bad.toml"
    bad.write_text("[devices.x]\nlut = 1\n")
    with pytest.raises(DeviceError, match="lacks dsp, bram36"):
        load_devices(bad)
    bad.write_text("[devices.x]\nlut = 1\ndsp = 1\nbram36 = 1\nluts = 3\n")
    with pytest.raises(DeviceError, match="unknown field"):
        load_devices(bad)
    with pytest.raises(DeviceError, match="unknown device 'nope'"):
        get_device("nope")


def test_device_families_and_uram_for_constants(tmp_path):
    """Only parts whose bitstream initialises UltraRAM may hold constant weights there:
    UltraScale+ cannot (UG901), Versal can (AM007)."""
    devices = builtin_devices()
    assert {name: (d.family, d.uram_for_constants) for name, d in devices.items()} == {
        "xc7z020": ("zynq7000", False), "xczu3eg": ("ultrascale", False),
        "xczu7ev": ("ultrascale", False), "xcu250": ("ultrascale", False),
        "xcu280": ("ultrascale", False)}
    assert family_of_part("xczu7ev-ffvc1156-2-e").name == "ultrascale"
    assert family_of_part("XCU280-FSVH2892-2L-E").name == "ultrascale"
    assert family_of_part("xc7z020clg400-1").name == "zynq7000"
    versal = family_of_part("xcvc1902-vsva2197-2MP-e-S")
    assert versal.name == "versal" and versal.uram_init and "AM007" in versal.uram_source
    assert family_of_part("xc9500") is None
    toml = tmp_path / "parts.toml"
    toml.write_text('[families.mine]\nuram_init = true\n'
                    '[devices.a]\nfamily = "versal"\nlut = 1\nbram36 = 1\nuram = 4\ndsp = 1\n'
                    '[devices.b]\nfamily = "mine"\nlut = 1\nbram36 = 1\nuram = 4\ndsp = 1\n'
                    '[devices.c]\nlut = 1\nbram36 = 1\nuram = 4\ndsp = 1\n'
                    '[devices.d]\nfamily = "ultrascale"\nuram_init = true\nlut = 1\n'
                    'bram36 = 1\nuram = 4\ndsp = 1\n')
    parts = load_devices(toml)
    assert [parts[n].uram_for_constants for n in "abcd"] == [True, True, False, True]
    toml.write_text('[devices.a]\nfamily = "nope"\nlut = 1\nbram36 = 1\ndsp = 1\n')
    with pytest.raises(DeviceError, match="unknown family 'nope'"):
        load_devices(toml)
    toml.write_text('[families.f]\npart_prefixes = "xc"\n[devices.a]\nlut = 1\n'
                    'bram36 = 1\ndsp = 1\n')
    with pytest.raises(DeviceError, match="part_prefixes must be a list"):
        load_devices(toml)


# --------------------------------------------------------------------------- IR + latency

PIPE = """
func.func @f(%x: tensor<1x8xui3>) -> tensor<1x8xui2> {
  %s = rpnn.tensor_to_stream %x : tensor<1x8xui3> -> !rpnn.stream<8xui3, 2>
  %t = rpnn.constant dense<[[1, 2, 3]]> : tensor<1x3xui3>
  %y = rpnn.thresholding %s, %t pe = 2 : !rpnn.stream<8xui3, 2>, tensor<1x3xui3>
       -> !rpnn.stream<8xui2, 2>
  %o = rpnn.stream_to_tensor %y : !rpnn.stream<8xui2, 2> -> tensor<1x8xui2>
  func.return %o : tensor<1x8xui2>
}
"""


def _graph(module) -> DataflowGraph:
    ((_, graph),) = list(functions_with_dataflow(module))
    return graph


def test_schedule_by_hand():
    # source: words 0..3 at cycles 0..3; thresholding (need 1, depth 1, 4 cycles, tail 1):
    # first = 0 + 1 = 1, last = max(1 + 4 - 1, 3 + 1) = 4; sink: first = 1, last = 4;
    # latency = 5.  FINN's sum: 4 + 4 + 4 = 12 (source 4 words, unit 4, sink 4 words).
    graph = _graph(api.parse(PIPE))
    costs = {u: evaluate(u) for u in graph.units}
    sched = schedule(graph, costs)
    assert [sched.first[u] for u in graph.units] == [0, 1, 1]
    assert [sched.last[u] for u in graph.units] == [3, 4, 4]
    assert sched.latency == 5 and sched.sum_latency == 12


def test_schedule_fully_connected_barrier():
    # Two FC layers 4 -> 4 -> 2, PE = SIMD = 1 (16 and 8 cycles).  The second needs the
    # first's whole output vector (4 words): the pipeline latency is then close to the sum
    # of the two frame times, which is where FINN's sum is right.
    module = build_chain([4, 2], 2, 2, 4)
    graph = _graph(module)
    costs = {u: evaluate(u) for u in graph.units}
    sched = schedule(graph, costs)
    m1, m2 = [u for u in graph.units if u.kind == "mvtu"]
    assert costs[m1].cycles == 16 and costs[m2].cycles == 8
    # m1: first = arrival of source word 4 (cycle 3) + depth 3 = 6; last = max(6 + 15,
    # 3 + tail 13) = 21.  m2: needs 4 words of m1 (its last, cycle 21) + depth 3 = 24;
    # last = max(24 + 7, 21 + (2-1)*4 + 1) = 31.
    assert (sched.first[m1], sched.last[m1]) == (6, 21)
    assert (sched.first[m2], sched.last[m2]) == (24, 31)
    assert sched.latency == 32


def test_schedule_beats_finn_sum_on_pixel_pipelines():
    module = build_cnv(1, 1, BNN_PYNQ_CNV_W1A1_FOLDING, last_mh=64)
    graph = _graph(module)
    sched = schedule(graph, {u: evaluate(u) for u in graph.units})
    assert sched.latency < 0.6 * sched.sum_latency


# --------------------------------------------------------------------------- BNN-PYNQ


def _max_cycles(module) -> tuple[int, list[int]]:
    graph = _graph(module)
    cycles = [evaluate(u).cycles for u in graph.units if u.kind == "mvtu"]
    return max(evaluate(u).cycles for u in graph.units), cycles


def test_bnn_pynq_cnv_w1a1_bottleneck():
    """Published folding -> published bottleneck: 32,768 cycles (FC layers 6 and 7)."""
    worst, per_layer = _max_cycles(build_cnv(1, 1, BNN_PYNQ_CNV_W1A1_FOLDING, last_mh=64))
    assert per_layer == [32400, 28224, 20736, 28800, 20736, 18432, 32768, 32768, 8192]
    assert worst == 32768
    # the measured frame rates of the reference notes: ~3,020 at 100 MHz, ~9,150 at 300
    assert 100e6 / worst == pytest.approx(3020, rel=0.02)
    assert 300e6 / worst == pytest.approx(9150, rel=0.02)


def test_bnn_pynq_cnv_w2a2_bottleneck():
    """Published folding -> published bottleneck: 115,200 cycles (convolution 4)."""
    worst, per_layer = _max_cycles(build_cnv(2, 2, BNN_PYNQ_CNV_W2A2_FOLDING, last_mh=64))
    assert per_layer == [64800, 112896, 82944, 115200, 82944, 73728, 65536, 65536, 8192]
    assert worst == 115200
    assert 300e6 / worst == pytest.approx(2580, rel=0.02)


def test_bnn_pynq_lfc_bottleneck_and_size():
    module = build_lfc(1, 1, BNN_PYNQ_LFC_FOLDING, in_features=832, last_mh=64)
    worst, per_layer = _max_cycles(module)
    assert per_layer == [416, 512, 512, 512] and worst == 512
    graph = _graph(module)
    total = cost.Resources()
    for unit in graph.units:
        total = total + evaluate(unit).res
    # Vivado's report for BNN-PYNQ LFC on the PYNQ-Z1 (lfc-pynq README): 30,249 LUTs for
    # the whole design (with DMA, interconnect and FIFOs), 6 RAMB36 + 212 RAMB18.  The model
    # of the accelerator alone must stay below the LUTs and near the block RAM.
    assert 10000 < total.lut < 30249
    assert 150 <= total.bram18 <= 224


def test_finn_maxpool_by_hand():
    # CNV pool 1 at 1 bit: 28/2 = 14 entries of 64 bits: 64 * ceil(14/64) = 64 LUTRAM + 64 ORs
    assert cost.finn_maxpool_resources(28, 2, 64, 1) == cost.Resources(lut=128)
    # the same row in block RAM: 14 x 64 at 512 x 36 -> 2 RAMB18 (or one 512 x 72 RAMB36)
    assert cost.finn_maxpool_resources(28, 2, 64, 1, row_in_bram=True) == cost.Resources(
        lut=64, bram18=2)
    # at 2 bits: 64 memories of 14 x 2 bits (2 LUTs each) + 64 * (2 + 2) compare/mux LUTs
    assert cost.finn_maxpool_resources(28, 2, 64, 2) == cost.Resources(lut=128 + 256)
    # pool 2: 10/2 = 5 entries, 128 channels at 2 bits: 256 + 512
    assert cost.finn_maxpool_resources(10, 2, 128, 2) == cost.Resources(lut=768)


def test_lfc_w1a2_reads_a_binarised_image():
    # BNN-PYNQ's LFC-W1A2 (lfcW1A2/hw/top.cpp): layer 0 reads Recast<Binary>, the others
    # 2-bit activations; its first layer is then XNOR-popcount as in LFC-W1A1
    module = build_lfc(1, 2, BNN_PYNQ_LFC_FOLDING, in_features=832, last_mh=64, input_bits=1)
    mvtus = [u for u in _graph(module).units if u.kind == "mvtu"]
    first, second = (u.op.input.type.element_type for u in mvtus[:2])
    assert dtypes.is_bipolar(first) and element_bits(second) == 2
    default = build_lfc(1, 2, BNN_PYNQ_LFC_FOLDING, in_features=832, last_mh=64)
    first = next(u for u in _graph(default).units if u.kind == "mvtu").op.input.type
    assert element_bits(first.element_type) == 2


def test_flip_flops_and_io_by_hand():
    # MVTU PE 4, SIMD 8, A 2, acc 9, 2-bit outputs, tree of 64 LUTs:
    # 100 + 8*2 + 4*(9 + 2 + 32) = 288
    assert cost.mvtu_ff(4, 8, a_bits=2, acc_bits=9, out_bits=2, compute_luts=64) == 288
    assert cost.register_ff(24) == 124
    # a 12-bit AXI-stream port is declared 16 bits wide: 20 LUT, 36 FF
    assert cost.axis_port_resources(12) == (cost.Resources(lut=20), 36)
    c = cost.mvtu_cost(64, 32, 4, 8, w_bits=2, a_bits=2, acc_bits=9, n_thresholds=3,
                       threshold_bits=9, out_bits=2)
    assert c.ff == 288  # mac_luts(8, 2, 2) = 64
