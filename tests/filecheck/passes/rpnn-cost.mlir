// RUN: rpnn-opt %s -p 'rpnn-cost{report="%t.txt"}' | filecheck %s
// RUN: filecheck %s --check-prefix=TABLE < %t.txt
// RUN: rpnn-opt %s -p 'rpnn-cost{json report="%t.json"}' > /dev/null
// RUN: filecheck %s --check-prefix=JSON < %t.json
// RUN: rpnn-opt %s -p 'rpnn-cost{device=xczu3eg}' 2>/dev/null | rpnn-opt | filecheck %s --check-prefix=U96
// RUN: rpnn-opt %s -p 'rpnn-cost{clock-mhz=250}' 2>&1 >/dev/null | filecheck %s --check-prefix=CLOCK
// RUN: not rpnn-opt %s -p 'rpnn-cost{device=xc9}' 2>&1 | filecheck %s --check-prefix=ERR
// RUN: not rpnn-opt %s -p 'rpnn-cost{stream-sim=maybe}' 2>&1 | filecheck %s --check-prefix=SIMERR
// RUN: rpnn-opt %s -p 'rpnn-cost{stream-sim=false}' 2>&1 >/dev/null | filecheck %s --check-prefix=NOSIM
// RUN: rpnn-opt %s -p 'rpnn-cost{backend=rtl}' 2>&1 >/dev/null | filecheck %s --check-prefix=RTL
// RUN: not rpnn-opt %s -p 'rpnn-cost{backend=vhdl}' 2>&1 | filecheck %s --check-prefix=BACKEND

// Hand-computed costs (docs/cost-model.md):
// mvtu MW 8, MH 4, PE 2, SIMD 2, W = A = 2, acc 6 bits, 3 thresholds of 6 bits:
//   per PE: multipliers 2 lanes * 4 product bits (one LUT6 each) = 8, adder tree of 2
//   4-bit values 4, acc 6, comparators 3*6 = 18, thresholds in LUTRAM 18*ceil(2/64) = 18
//   -> 54; LUT = int(300 + 1.1*2*54) = 418, + weights (WMEM 8 <= 128, 8 bits wide) in
//   LUTRAM 8, + the input vector buffer (SF 4 words of 4 bits) in LUTRAM 4 = 430; cycles (4/2)*(8/2) = 8; first output after 4 input words (cycle 3) + depth 4.
// fifo depth 2 of 4 bits: 2*ceil(log2 2) + ceil(2/32)*ceil(4/2) = 4 LUT; 2 words.
// label_select 4 labels, k 1, PE 2, 2 bits: 2*1*2 + 1*(2 + 2) = 8 LUT; 2 cycles reading + 1
//   writing the index, 1 after the last input word.
// Design: bottleneck 8 cycles -> 12.5 M frames/s at 100 MHz; latency 19 cycles.
// Stream simulation (docs/cost-model.md): the mvtu reads its 4 words at edges 0-3 and sets
//   its outputs 2 edges after slots 3 and 7 (edges 5, 9); the fifo pushes them an edge later
//   (6, 10) and sets its output register the next (7, 11); label_select reads them (8, 12),
//   writes its index at 13, the port takes it at 14: frame done after 15 cycles; then one
//   frame every 8 cycles (the bottleneck).
// Flip-flops (estimates): mvtu 100 + SIMD*A 4 + PE 2 * (acc 6 + out 2 + tree LUTs 12 / 2)
//   = 132; fifo 100 + its 4-bit word = 104; label_select 100 + 2 = 102: 338.
// I/O: 4-bit input and 2-bit output words in 8-bit AXI-stream ports: LUT 8 + 4 each,
//   FF 2*8 + 4 each: 24 LUT, 40 FF.

func.func @net(%x: tensor<1x8xui2>) -> tensor<1x1xui2> {
  %s = rpnn.tensor_to_stream %x : tensor<1x8xui2> -> !rpnn.stream<8xui2, 2>
  %w = rpnn.constant dense<1> : tensor<8x4xsi2>
  %t = rpnn.constant dense<[[0, 1, 2]]> : tensor<1x3xsi6>
  %m = rpnn.mvtu %s, %w, %t pe = 2 simd = 2 acc = si6 resource = "lut" ram = "auto" : !rpnn.stream<8xui2, 2>, tensor<8x4xsi2>, tensor<1x3xsi6> -> !rpnn.stream<4xui2, 2>
  %f = rpnn.fifo %m depth = 2 ram = "auto" : !rpnn.stream<4xui2, 2> -> !rpnn.stream<4xui2, 2>
  %l = rpnn.label_select %f k = 1 pe = 2 : !rpnn.stream<4xui2, 2> -> !rpnn.stream<1xui2, 1>
  %o = rpnn.stream_to_tensor %l : !rpnn.stream<1xui2, 1> -> tensor<1x1xui2>
  func.return %o : tensor<1x1xui2>
}

// CHECK:      func.func @net(%x: tensor<1x8xui2>) -> tensor<1x1xui2> attributes {rpnn.design_cost = {device = "xc7z020", clock_mhz = 1.000000e+02 : f64, fps = 1.250000e+07 : f64, max_cycles = 8 : i64, latency_cycles = 19 : i64, lut = 442 : i64, bram18 = 0 : i64, uram = 0 : i64, dsp = 0 : i64}} {
// CHECK-NEXT:   %s = rpnn.tensor_to_stream %x {rpnn.cost = {lut = 0 : i64, bram18 = 0 : i64, uram = 0 : i64, dsp = 0 : i64, cycles = 4 : i64, ii = 1 : i64, first_out = 0 : i64, last_out = 3 : i64}}
// CHECK:        %m = rpnn.mvtu %s, %w, %t pe = 2 simd = 2 acc = si6 resource = "lut" ram = "auto" {rpnn.cost = {lut = 430 : i64, bram18 = 0 : i64, uram = 0 : i64, dsp = 0 : i64, cycles = 8 : i64, ii = 1 : i64, first_out = 7 : i64, last_out = 14 : i64}}
// CHECK-NEXT:   %f = rpnn.fifo %m depth = 2 ram = "auto" {rpnn.cost = {lut = 4 : i64, bram18 = 0 : i64, uram = 0 : i64, dsp = 0 : i64, cycles = 2 : i64, ii = 1 : i64, first_out = 8 : i64, last_out = 15 : i64}}
// CHECK-NEXT:   %l = rpnn.label_select %f k = 1 pe = 2 {rpnn.cost = {lut = 8 : i64, bram18 = 0 : i64, uram = 0 : i64, dsp = 0 : i64, cycles = 3 : i64, ii = 1 : i64, first_out = 16 : i64, last_out = 18 : i64}}
// CHECK-NEXT:   %o = rpnn.stream_to_tensor %l {rpnn.cost = {lut = 0 : i64, bram18 = 0 : i64, uram = 0 : i64, dsp = 0 : i64, cycles = 1 : i64, ii = 1 : i64, first_out = 16 : i64, last_out = 18 : i64}}

// TABLE:      rpnn-cost: @net on xc7z020 at 100 MHz
// TABLE-NEXT:   # unit                     pe simd ram              LUT BRAM18  URAM   DSP    cycles   1st out  last out  layer
// TABLE:        1 mvtu*                     2    2 auto:lutram      430      0     0     0         8         7        14  m
// TABLE-NEXT:   2 fifo                             auto:lutram        4      0     0     0         2         8        15  f
// TABLE:          total                                             442      0     0     0
// TABLE-NEXT: cycles: cycles per frame (the unit's initiation interval); 1st out / last out: cycle of the unit's first / last
// TABLE:      bottleneck (*): #1 with 8 cycles/frame -> 12.5 M frames/s at 100 MHz
// TABLE-NEXT: with the FIFO depths (stream simulation, 3 frames): 8 cycles/frame -> 12.5 M frames/s (as the bottleneck); first frame out after 15 cycles
// TABLE-NEXT: flip-flops (hls model): 338 (units; estimate, docs/cost-model.md)
// TABLE-NEXT: I/O, not in the total: 2 AXI-stream port(s) (in 8 bits, out 8 bits) with register slices: LUT 24, FF 40; no DMA master
// TABLE-NEXT: latency: 19 cycles = 0.19 us (FINN's sum of cycles along the longest path: 18)
// TABLE-NEXT: utilisation of xc7z020: LUT 0.8%, BRAM18 0.0%, URAM -, DSP 0.0%; limiting: lut

// JSON:       "name": "xc7z020"
// JSON:       "op": "rpnn.mvtu"
// JSON:       "pe": 2,
// JSON-NEXT:  "simd": 2,
// JSON-NEXT:  "ram": "auto",
// JSON-NEXT:  "lut": 430,
// JSON:       "ff": 132,
// JSON:       "max_cycles": 8,
// JSON:       "fps": 12500000.0,
// JSON:       "bottleneck": [
// JSON-NEXT:    1
// JSON:       "latency_cycles": 19,

// U96:        rpnn.design_cost = {device = "xczu3eg", clock_mhz = 3.000000e+02 : f64, fps = 3.750000e+07 : f64

// CLOCK:      bottleneck (*): #1 with 8 cycles/frame -> 31.25 M frames/s at 250 MHz

// ERR:        error: pass 'rpnn-cost' failed: unknown device 'xc9' (known: xc7z020, xcu250, xcu280, xczu3eg, xczu7ev; add parts with devices-file=)

// SIMERR:     stream-sim must be auto, true or false, got 'maybe'

// NOSIM:      bottleneck (*): #1 with 8 cycles/frame
// NOSIM-NEXT: flip-flops (hls model): 338

// The RTL model (docs/cost-model.md, "RTL model") adds flip-flops; a backend it does not know
// is refused in one line.
// RTL:         flip-flops (rtl model): {{[0-9]+}}
// BACKEND:     error: pass 'rpnn-cost' failed: backend 'vhdl' is not one of hls, rtl
