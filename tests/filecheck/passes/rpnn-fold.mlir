// RUN: rpnn-opt %s -p 'rpnn-fold{target-fps=10000000 report="%t.target"}' | filecheck %s --check-prefix=TARGET
// RUN: filecheck %s --check-prefix=TARGET-REPORT < %t.target
// RUN: rpnn-opt %s -p 'rpnn-fold{device=xc7z020 lut-fraction=0.027 report="%t.budget"}' | filecheck %s --check-prefix=BUDGET
// RUN: filecheck %s --check-prefix=BUDGET-REPORT < %t.budget
// RUN: rpnn-opt %s -p 'rpnn-fold{target-fps=10000000},rpnn-cost' 2>/dev/null | filecheck %s --check-prefix=COST
// RUN: not rpnn-opt %s -p 'rpnn-fold{target-fps=200000000}' 2>&1 | filecheck %s --check-prefix=FAST
// RUN: not rpnn-opt %s -p 'rpnn-fold{lut-fraction=0.005}' 2>&1 | filecheck %s --check-prefix=SMALL

// A 12-6-8 MLP with a FIFO and a label select, fully folded (PE = SIMD = 1) before the pass.

func.func @mlp(%x: tensor<1x12xui2>) -> tensor<1x1xui3> {
  %s = rpnn.tensor_to_stream %x : tensor<1x12xui2> -> !rpnn.stream<12xui2, 1>
  %w0 = rpnn.constant dense<1> : tensor<12x6xsi2>
  %t0 = rpnn.constant dense<[[0, 1, 2]]> : tensor<1x3xsi7>
  %a = rpnn.mvtu %s, %w0, %t0 pe = 1 simd = 1 acc = si7 resource = "lut" ram = "auto" : !rpnn.stream<12xui2, 1>, tensor<12x6xsi2>, tensor<1x3xsi7> -> !rpnn.stream<6xui2, 1>
  %f = rpnn.fifo %a depth = 2 ram = "auto" : !rpnn.stream<6xui2, 1> -> !rpnn.stream<6xui2, 1>
  %w1 = rpnn.constant dense<1> : tensor<6x8xsi2>
  %b = rpnn.mvtu %f, %w1 pe = 1 simd = 1 acc = si6 resource = "lut" ram = "auto" : !rpnn.stream<6xui2, 1>, tensor<6x8xsi2> -> !rpnn.stream<8xsi6, 1>
  %l = rpnn.label_select %b k = 1 pe = 1 : !rpnn.stream<8xsi6, 1> -> !rpnn.stream<1xui3, 1>
  %o = rpnn.stream_to_tensor %l : !rpnn.stream<1xui3, 1> -> tensor<1x1xui3>
  func.return %o : tensor<1x1xui3>
}

// Target 10 M frames/s at 100 MHz: every unit within 10 cycles, each at its cheapest
// folding.  The host port takes the first layer's SIMD; the FIFO carries the first layer's
// PE; a width converter adapts it to the second layer's SIMD.
// TARGET:      %s = rpnn.tensor_to_stream %x : tensor<1x12xui2> -> !rpnn.stream<12xui2, 12>
// TARGET:      %a = rpnn.mvtu %s, %w0, %t0 pe = 1 simd = 12 acc = si7 resource = "lut" ram = "auto" : !rpnn.stream<12xui2, 12>, tensor<12x6xsi2>, tensor<1x3xsi7> -> !rpnn.stream<6xui2, 1>
// TARGET-NEXT: %f = rpnn.fifo %a depth = 2 ram = "auto" : !rpnn.stream<6xui2, 1> -> !rpnn.stream<6xui2, 1>
// TARGET:      %0 = rpnn.dwc %f : !rpnn.stream<6xui2, 1> -> !rpnn.stream<6xui2, 6>
// TARGET-NEXT: %b = rpnn.mvtu %0, %w1 pe = 1 simd = 6 acc = si6 resource = "lut" ram = "auto" : !rpnn.stream<6xui2, 6>, tensor<6x8xsi2> -> !rpnn.stream<8xsi6, 1>
// TARGET-NEXT: %l = rpnn.label_select %b k = 1 pe = 1 : !rpnn.stream<8xsi6, 1> -> !rpnn.stream<1xui3, 1>

// TARGET-REPORT:      rpnn-fold: @mlp on xc7z020 at 100 MHz, target 1e+07 frames/s
// TARGET-REPORT-NEXT:   #1 rpnn.mvtu (%a)                  pe=1 simd=12 ram=auto                6 cycles  LUT     487  BRAM18    0  URAM   0  DSP    0
// TARGET-REPORT-NEXT:   #3 rpnn.mvtu (%b)                  pe=1 simd=6 ram=auto                 8 cycles  LUT     370  BRAM18    0  URAM   0  DSP    0
// TARGET-REPORT-NEXT:   #4 rpnn.label_select (%l)          pe=1                                 9 cycles  LUT      15  BRAM18    0  URAM   0  DSP    0
// TARGET-REPORT-NEXT:   result: 9 cycles/frame = 11.11 M frames/s; LUT 886, BRAM18 0, URAM 0, DSP 0 (units and 1 inserted width converter(s))
// TARGET-REPORT:        target 1e+07 frames/s at 100 MHz: every unit within 10 cycles per frame, each at its cheapest folding (balanced pipeline)
// TARGET-REPORT-NEXT:   bottleneck: #4 rpnn.label_select (%l) with 9 cycles (11111111.1 frames/s)

// Budget 2.7% of the xc7z020's LUTs (1436): the fastest design that fits, then the cheapest.
// BUDGET:      %s = rpnn.tensor_to_stream %x : tensor<1x12xui2> -> !rpnn.stream<12xui2, 12>
// BUDGET:      %a = rpnn.mvtu %s, %w0, %t0 pe = 2 simd = 12
// BUDGET:      %b = rpnn.mvtu %f, %w1 pe = 8 simd = 2 acc = si6 resource = "lut" ram = "auto" : !rpnn.stream<6xui2, 2>, tensor<6x8xsi2> -> !rpnn.stream<8xsi6, 8>
// BUDGET-NEXT: %l = rpnn.label_select %b k = 1 pe = 8 : !rpnn.stream<8xsi6, 8> -> !rpnn.stream<1xui3, 1>
// BUDGET-NOT:  rpnn.dwc

// BUDGET-REPORT:      budget lut <= 1436, bram18 <= 280, uram <= 0, dsp <= 220
// BUDGET-REPORT:      result: 3 cycles/frame = 33.33 M frames/s; LUT 1226, BRAM18 0, URAM 0, DSP 0 (units and 0 inserted width converter(s)); of the budget: lut 85.4%, bram18 0.0%, dsp 0.0%
// BUDGET-REPORT:      limiting resource: lut (the next faster bottleneck, 2 cycles, needs at least 1501 lut)

// COST: rpnn.design_cost = {device = "xc7z020", clock_mhz = 1.000000e+02 : f64, fps = 1111111{{.*}} : f64, max_cycles = 9 : i64

// FAST: error: pass 'rpnn-fold' failed: @mlp: 2e+08 frames/s at 100 MHz needs at most 0 cycles per frame, but #4 rpnn.label_select (%l) needs at least 2 cycles fully unfolded (at most 50000000.0 frames/s)

// SMALL: error: pass 'rpnn-fold' failed: @mlp: no folding fits the budget, not even the most folded one: lut needs 694 > 266
