// RUN: rpnn-opt %s --split-input-file -p rpnn-insert-fifos | filecheck %s
// RUN: rpnn-opt %s --split-input-file -p rpnn-insert-fifos | rpnn-opt --split-input-file -p rpnn-insert-fifos | filecheck %s
// RUN: rpnn-opt %s --split-input-file -p 'rpnn-insert-fifos{scale=0}' | filecheck %s --check-prefix=JOIN
// RUN: rpnn-opt %s --split-input-file -p 'rpnn-insert-fifos{min-depth=1}' | filecheck %s --check-prefix=MIN1
// RUN: rpnn-opt %s --split-input-file -p 'rpnn-insert-fifos{depth=16 ram="distributed"}' | filecheck %s --check-prefix=FIXED
// RUN: not rpnn-opt %s --split-input-file -p 'rpnn-insert-fifos{min-depth=0}' 2>&1 | filecheck %s --check-prefix=BAD-MIN
// RUN: not rpnn-opt %s --split-input-file -p 'rpnn-insert-fifos{ram="flash"}' 2>&1 | filecheck %s --check-prefix=BAD-RAM

// rpnn-insert-fifos (docs/passes.md): word widths, width converters and FIFO depths from the
// cycle model.  The second RUN line checks that re-running the pass changes nothing: it
// removes the FIFOs and pure width converters it finds and computes them again.  JOIN lines
// (scale=0): only the join term of residual branches is left.  MIN1 lines (min-depth=1): the
// computed depths below 2.  FIXED lines: one depth for every FIFO.

// BAD-MIN: error: pass 'rpnn-insert-fifos' failed: min-depth (0) must be at least 1
// BAD-RAM: error: pass 'rpnn-insert-fifos' failed: ram 'flash' must be one of auto, block, distributed, ultra

// A chain at PE = SIMD = 1.  Cycles per frame (cost-model.md): A = (MH/PE)(MW/SIMD) = 4*2 = 8,
// B = 6*4 = 24, the thresholding 6: the pipeline period is P = 24.  A -> B (W = 4 words per
// frame): A writes word by word (burst 1), B reads its input vector in one burst of
// MW/SIMD = 4 words: depth = ceil((1 + 4) * (1 - 4/24)) = ceil(25/6) = 5.  B -> thresholding
// (W = 6): ceil((1 + 1) * (1 - 6/24)) = 2.  No FIFO at the ports.
func.func @chain(%x: tensor<1x2xui2>) -> tensor<1x6xui1> {
  %s = rpnn.tensor_to_stream %x : tensor<1x2xui2> -> !rpnn.stream<2xui2, 1>
  %wa = rpnn.constant dense<1> : tensor<2x4xsi2>
  %a = rpnn.mvtu %s, %wa pe = 1 simd = 1 acc = si4 resource = "lut" ram = "auto" : !rpnn.stream<2xui2, 1>, tensor<2x4xsi2> -> !rpnn.stream<4xsi4, 1>
  %wb = rpnn.constant dense<1> : tensor<4x6xsi2>
  %b = rpnn.mvtu %a, %wb pe = 1 simd = 1 acc = si6 resource = "lut" ram = "auto" : !rpnn.stream<4xsi4, 1>, tensor<4x6xsi2> -> !rpnn.stream<6xsi6, 1>
  %t = rpnn.constant dense<0> : tensor<1x1xsi6>
  %c = rpnn.thresholding %b, %t pe = 1 : !rpnn.stream<6xsi6, 1>, tensor<1x1xsi6> -> !rpnn.stream<6xui1, 1>
  %y = rpnn.stream_to_tensor %c : !rpnn.stream<6xui1, 1> -> tensor<1x6xui1>
  func.return %y : tensor<1x6xui1>
}
// CHECK-LABEL: func.func @chain
// CHECK:         %s = rpnn.tensor_to_stream %x : tensor<1x2xui2> -> !rpnn.stream<2xui2, 1>
// CHECK-NEXT:    %wa = rpnn.constant
// CHECK-NEXT:    %a = rpnn.mvtu %s, %wa
// CHECK-NEXT:    %wb = rpnn.constant
// CHECK-NEXT:    [[F0:%.*]] = rpnn.fifo %a depth = 5 ram = "auto" : !rpnn.stream<4xsi4, 1> -> !rpnn.stream<4xsi4, 1>
// CHECK-NEXT:    %b = rpnn.mvtu [[F0]], %wb
// CHECK-NEXT:    %t = rpnn.constant
// CHECK-NEXT:    [[F1:%.*]] = rpnn.fifo %b depth = 2 ram = "auto" : !rpnn.stream<6xsi6, 1> -> !rpnn.stream<6xsi6, 1>
// CHECK-NEXT:    %c = rpnn.thresholding [[F1]], %t
// CHECK-NEXT:    %y = rpnn.stream_to_tensor %c

// JOIN-LABEL:  func.func @chain
// JOIN:          rpnn.fifo %a depth = 2
// JOIN:          rpnn.fifo %b depth = 2
// FIXED-LABEL: func.func @chain
// FIXED:         rpnn.fifo %a depth = 16 ram = "distributed"
// FIXED:         rpnn.fifo %b depth = 16 ram = "distributed"

// -----

// Words differ: A writes PE = 2 elements per word, B reads SIMD = 4.  The stale FIFO (depth
// 99) and the two width converters 2 -> 1 -> 4 are replaced by one dwc 2 -> 4 and a FIFO in
// B's words (W = 1 word per frame; A = (4/2)*(2/1) = 4 cycles, B = (6/3)*(4/4) = 2, P = 4):
// ceil((1 + 1) * (1 - 1/4)) = 2.
func.func @words(%x: tensor<1x2xui2>) -> tensor<1x6xsi6> {
  %s = rpnn.tensor_to_stream %x : tensor<1x2xui2> -> !rpnn.stream<2xui2, 1>
  %wa = rpnn.constant dense<1> : tensor<2x4xsi2>
  %a = rpnn.mvtu %s, %wa pe = 2 simd = 1 acc = si4 resource = "lut" ram = "auto" : !rpnn.stream<2xui2, 1>, tensor<2x4xsi2> -> !rpnn.stream<4xsi4, 2>
  %f = rpnn.fifo %a depth = 99 ram = "block" : !rpnn.stream<4xsi4, 2> -> !rpnn.stream<4xsi4, 2>
  %d = rpnn.dwc %f : !rpnn.stream<4xsi4, 2> -> !rpnn.stream<4xsi4, 1>
  %e = rpnn.dwc %d : !rpnn.stream<4xsi4, 1> -> !rpnn.stream<4xsi4, 4>
  %wb = rpnn.constant dense<1> : tensor<4x6xsi2>
  %b = rpnn.mvtu %e, %wb pe = 3 simd = 4 acc = si6 resource = "lut" ram = "auto" : !rpnn.stream<4xsi4, 4>, tensor<4x6xsi2> -> !rpnn.stream<6xsi6, 3>
  %y = rpnn.stream_to_tensor %b : !rpnn.stream<6xsi6, 3> -> tensor<1x6xsi6>
  func.return %y : tensor<1x6xsi6>
}
// CHECK-LABEL: func.func @words
// CHECK:         %a = rpnn.mvtu %s, %wa pe = 2 simd = 1 {{.*}} -> !rpnn.stream<4xsi4, 2>
// CHECK-NEXT:    %wb = rpnn.constant
// CHECK-NEXT:    [[D:%.*]] = rpnn.dwc %a : !rpnn.stream<4xsi4, 2> -> !rpnn.stream<4xsi4, 4>
// CHECK-NEXT:    [[F:%.*]] = rpnn.fifo [[D]] depth = 2 ram = "auto" : !rpnn.stream<4xsi4, 4> -> !rpnn.stream<4xsi4, 4>
// CHECK-NEXT:    %b = rpnn.mvtu [[F]], %wb pe = 3 simd = 4
// CHECK-NOT:     rpnn.dwc
// CHECK:         func.return

// -----

// A residual (P = 16, the mvtu; W = 4 words on every edge, 1 - W/P = 3/4).  Duplicate ->
// mvtu: ceil((1 + 4) * 3/4) = 4.  The skip branch must also hold what the mvtu swallows
// before its first output, the whole input vector: join term 4, + ceil((1 + 1) * 3/4) = 6.
// mvtu -> add: the skip branch trails the fork by one word: 1 + 2 = 3.
func.func @residual(%x: tensor<1x4xui2>) -> tensor<1x4xui3> {
  %s = rpnn.tensor_to_stream %x : tensor<1x4xui2> -> !rpnn.stream<4xui2, 1>
  %d0, %d1 = rpnn.duplicate %s : !rpnn.stream<4xui2, 1> -> !rpnn.stream<4xui2, 1>, !rpnn.stream<4xui2, 1>
  %w = rpnn.constant dense<1> : tensor<4x4xsi2>
  %t = rpnn.constant dense<[[2, 4, 8]]> : tensor<1x3xui4>
  %b = rpnn.mvtu %d0, %w, %t pe = 1 simd = 1 acc = ui4 resource = "lut" ram = "auto" : !rpnn.stream<4xui2, 1>, tensor<4x4xsi2>, tensor<1x3xui4> -> !rpnn.stream<4xui2, 1>
  %r = rpnn.add_streams %d1, %b pe = 1 : !rpnn.stream<4xui2, 1>, !rpnn.stream<4xui2, 1> -> !rpnn.stream<4xui3, 1>
  %y = rpnn.stream_to_tensor %r : !rpnn.stream<4xui3, 1> -> tensor<1x4xui3>
  func.return %y : tensor<1x4xui3>
}
// CHECK-LABEL: func.func @residual
// CHECK:         %d0, %d1 = rpnn.duplicate %s
// CHECK-NEXT:    %w = rpnn.constant
// CHECK-NEXT:    %t = rpnn.constant
// CHECK-NEXT:    [[F0:%.*]] = rpnn.fifo %d0 depth = 4 ram = "auto"
// CHECK-NEXT:    %b = rpnn.mvtu [[F0]], %w, %t
// CHECK-NEXT:    [[F1:%.*]] = rpnn.fifo %d1 depth = 6 ram = "auto"
// CHECK-NEXT:    [[F2:%.*]] = rpnn.fifo %b depth = 3 ram = "auto"
// CHECK-NEXT:    %r = rpnn.add_streams [[F1]], [[F2]] pe = 1

// JOIN-LABEL:  func.func @residual
// JOIN:          rpnn.fifo %d0 depth = 2
// JOIN:          rpnn.fifo %d1 depth = 4
// JOIN:          rpnn.fifo %b depth = 2

// -----

// A residual around a padded 3x3 convolution on a 4x4 image.  The skip FIFO holds the
// input the long branch needs before its first output: the swg reads kernel rows whole
// (cost-model.md), so its first window needs padded rows 0-2, i.e. the pad's output up to
// padded pixel (2, 5), i.e. input rows 0 and 1: 8 words = (k - 1) rows (the top padding row
// is free).  Later outputs trail less.  Cycles: duplicate 16, pad (C/SIMD)*6*6 = 36, swg
// 6*3 + 4*max(4*9, 6) = 162 = P, mvtu 9*16 = 144, add 16.  Bursts: the pad writes its
// longest run of padding, 7 words (bottom-right corner + bottom row); the swg fills 3 rows,
// 18 words, and writes rows of windows, 4*9 = 36 words; the mvtu reads vectors of 9.
// dup -> pad: ceil(2 * (1 - 16/162)) = 2; pad -> swg: ceil((7 + 18) * (1 - 36/162)) = 20;
// swg -> mvtu: ceil((36 + 9) * (1 - 144/162)) = 5; skip: 8 + ceil(2 * (1 - 16/162)) = 10;
// mvtu -> add: 1 + 2 = 3.
func.func @conv_residual(%x: tensor<1x4x4x1xui2>) -> tensor<1x4x4x1xui3> {
  %s = rpnn.tensor_to_stream %x : tensor<1x4x4x1xui2> -> !rpnn.stream<4x4x1xui2, 1>
  %d0, %d1 = rpnn.duplicate %s : !rpnn.stream<4x4x1xui2, 1> -> !rpnn.stream<4x4x1xui2, 1>, !rpnn.stream<4x4x1xui2, 1>
  %p = rpnn.pad %d0 padding = [1, 1, 1, 1] value = 0 simd = 1 : !rpnn.stream<4x4x1xui2, 1> -> !rpnn.stream<6x6x1xui2, 1>
  %g = rpnn.swg %p kernel = [3, 3] stride = [1, 1] simd = 1 : !rpnn.stream<6x6x1xui2, 1> -> !rpnn.stream<4x4x9xui2, 1>
  %w = rpnn.constant dense<1> : tensor<9x1xsi2>
  %t = rpnn.constant dense<[[1, 5, 9]]> : tensor<1x3xui5>
  %b = rpnn.mvtu %g, %w, %t pe = 1 simd = 1 acc = ui5 resource = "lut" ram = "auto" : !rpnn.stream<4x4x9xui2, 1>, tensor<9x1xsi2>, tensor<1x3xui5> -> !rpnn.stream<4x4x1xui2, 1>
  %r = rpnn.add_streams %d1, %b pe = 1 : !rpnn.stream<4x4x1xui2, 1>, !rpnn.stream<4x4x1xui2, 1> -> !rpnn.stream<4x4x1xui3, 1>
  %y = rpnn.stream_to_tensor %r : !rpnn.stream<4x4x1xui3, 1> -> tensor<1x4x4x1xui3>
  func.return %y : tensor<1x4x4x1xui3>
}
// CHECK-LABEL: func.func @conv_residual
// CHECK:         %d0, %d1 = rpnn.duplicate %s
// CHECK-NEXT:    [[F0:%.*]] = rpnn.fifo %d0 depth = 2 ram = "auto"
// CHECK-NEXT:    %p = rpnn.pad [[F0]]
// CHECK-NEXT:    [[F1:%.*]] = rpnn.fifo %p depth = 20 ram = "auto"
// CHECK-NEXT:    %g = rpnn.swg [[F1]]
// CHECK:         [[F2:%.*]] = rpnn.fifo %g depth = 5 ram = "auto"
// CHECK-NEXT:    %b = rpnn.mvtu [[F2]], %w, %t
// CHECK-NEXT:    [[F3:%.*]] = rpnn.fifo %d1 depth = 10 ram = "auto"
// CHECK-NEXT:    [[F4:%.*]] = rpnn.fifo %b depth = 3 ram = "auto"
// CHECK-NEXT:    %r = rpnn.add_streams [[F3]], [[F4]] pe = 1

// JOIN-LABEL:  func.func @conv_residual
// JOIN:          rpnn.fifo %d0 depth = 2
// JOIN:          rpnn.fifo %p depth = 2
// JOIN:          rpnn.fifo %g depth = 2
// JOIN:          rpnn.fifo %d1 depth = 8
// JOIN:          rpnn.fifo %b depth = 2

// -----

// The free ends follow their consumers: the input port drops the width converter and
// takes the maxpool's word (1); the duplicate runs at the one word a consumer asks for (the
// thresholding's PE = 2; the reshaping dwc and the output port take any word), with a dwc
// before it; the reshaping dwc (a flatten) writes the mvtu's SIMD = 4, so the pure
// converter after it goes.  Duplicate -> thresholding: W = 4 words, P = 8 (the maxpool):
// ceil(2 * (1 - 4/8)) = 1, raised to min-depth 2 (MIN1 lines: 1).
func.func @free_ends(%x: tensor<1x2x2x2xui2>) -> (tensor<1x2xsi6>, tensor<1x2x2x2xui2>, tensor<1x2x2x2xui2>) {
  %s = rpnn.tensor_to_stream %x : tensor<1x2x2x2xui2> -> !rpnn.stream<2x2x2xui2, 2>
  %s1 = rpnn.dwc %s : !rpnn.stream<2x2x2xui2, 2> -> !rpnn.stream<2x2x2xui2, 1>
  %p = rpnn.stream_maxpool %s1 kernel = [1, 1] stride = [1, 1] pe = 1 : !rpnn.stream<2x2x2xui2, 1> -> !rpnn.stream<2x2x2xui2, 1>
  %d0, %d1, %d2 = rpnn.duplicate %p : !rpnn.stream<2x2x2xui2, 1> -> !rpnn.stream<2x2x2xui2, 1>, !rpnn.stream<2x2x2xui2, 1>, !rpnn.stream<2x2x2xui2, 1>
  %e1 = rpnn.dwc %d1 : !rpnn.stream<2x2x2xui2, 1> -> !rpnn.stream<2x2x2xui2, 2>
  %t = rpnn.constant dense<1> : tensor<1x1xui2>
  %a = rpnn.thresholding %e1, %t pe = 2 : !rpnn.stream<2x2x2xui2, 2>, tensor<1x1xui2> -> !rpnn.stream<2x2x2xui2, 2>
  %flat = rpnn.dwc %d0 : !rpnn.stream<2x2x2xui2, 1> -> !rpnn.stream<8xui2, 1>
  %flat4 = rpnn.dwc %flat : !rpnn.stream<8xui2, 1> -> !rpnn.stream<8xui2, 4>
  %w = rpnn.constant dense<1> : tensor<8x2xsi2>
  %m = rpnn.mvtu %flat4, %w pe = 1 simd = 4 acc = si6 resource = "lut" ram = "auto" : !rpnn.stream<8xui2, 4>, tensor<8x2xsi2> -> !rpnn.stream<2xsi6, 1>
  %y = rpnn.stream_to_tensor %m : !rpnn.stream<2xsi6, 1> -> tensor<1x2xsi6>
  %z = rpnn.stream_to_tensor %a : !rpnn.stream<2x2x2xui2, 2> -> tensor<1x2x2x2xui2>
  %v = rpnn.stream_to_tensor %d2 : !rpnn.stream<2x2x2xui2, 1> -> tensor<1x2x2x2xui2>
  func.return %y, %z, %v : tensor<1x2xsi6>, tensor<1x2x2x2xui2>, tensor<1x2x2x2xui2>
}
// CHECK-LABEL: func.func @free_ends
// CHECK:         %s = rpnn.tensor_to_stream %x : tensor<1x2x2x2xui2> -> !rpnn.stream<2x2x2xui2, 1>
// CHECK-NEXT:    %p = rpnn.stream_maxpool %s {{.*}} -> !rpnn.stream<2x2x2xui2, 1>
// CHECK-NEXT:    [[D:%.*]] = rpnn.dwc %p : !rpnn.stream<2x2x2xui2, 1> -> !rpnn.stream<2x2x2xui2, 2>
// CHECK-NEXT:    [[F:%.*]] = rpnn.fifo [[D]] depth = 2
// CHECK-NEXT:    %d0, %d1, %d2 = rpnn.duplicate [[F]] : !rpnn.stream<2x2x2xui2, 2> -> !rpnn.stream<2x2x2xui2, 2>, !rpnn.stream<2x2x2xui2, 2>, !rpnn.stream<2x2x2xui2, 2>
// CHECK:         %a = rpnn.thresholding {{%.*}}, %t pe = 2
// CHECK-NEXT:    %flat = rpnn.dwc %d0 : !rpnn.stream<2x2x2xui2, 2> -> !rpnn.stream<8xui2, 4>
// CHECK-NEXT:    %w = rpnn.constant
// CHECK-NEXT:    [[F2:%.*]] = rpnn.fifo %flat depth = 3 ram = "auto" : !rpnn.stream<8xui2, 4> -> !rpnn.stream<8xui2, 4>
// CHECK-NEXT:    %m = rpnn.mvtu [[F2]], %w pe = 1 simd = 4
// CHECK:         %v = rpnn.stream_to_tensor %d2 : !rpnn.stream<2x2x2xui2, 2> -> tensor<1x2x2x2xui2>

// MIN1-LABEL:  func.func @free_ends
// MIN1:          rpnn.fifo %d1 depth = 1
