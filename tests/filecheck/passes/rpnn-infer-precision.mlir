// RUN: rpnn-opt %s -p rpnn-infer-precision | filecheck %s
// RUN: rpnn-opt %s -p 'rpnn-infer-precision{weights=worst-case}' | filecheck %s --check-prefix=WORST
// RUN: rpnn-opt %s -p rpnn-infer-precision | rpnn-opt -p rpnn-infer-precision | filecheck %s

// rpnn-infer-precision: exact interval analysis from the input types and the actual weights,
// then the narrowest sound type for every integer result (docs/passes.md).  The third RUN
// line checks that the pass is idempotent.  WORST lines: with weights=worst-case, weights keep
// their types and the analysis assumes any value of them.

// LFC's first layer: 784 bipolar inputs times 784x1024 bipolar weights (all +1 here) gives
// exactly [-784, 784]: si11.  Bipolar weights stay bipolar (a splat stays a splat).
func.func @lfc_layer(%x: tensor<1x784xf32>) -> tensor<1x1024x!rpnn.bipolar> {
// CHECK-LABEL: func.func @lfc_layer(%x: tensor<1x784xf32>) -> tensor<1x1024x!rpnn.bipolar> {
// WORST-LABEL: func.func @lfc_layer
  %q = rpnn.bipolar_quant %x scale = dense<1.0> : tensor<f32> : tensor<1x784xf32> -> tensor<1x784x!rpnn.bipolar>
  // CHECK-NEXT: %q = rpnn.bipolar_quant %x scale = dense<1.000000e+00> : tensor<f32> : tensor<1x784xf32> -> tensor<1x784x!rpnn.bipolar>
  %w = rpnn.constant dense<1> : tensor<784x1024xsi2> -> tensor<784x1024x!rpnn.bipolar>
  // CHECK-NEXT: %w = rpnn.constant dense<1> : tensor<784x1024xsi2> -> tensor<784x1024x!rpnn.bipolar>
  %acc = rpnn.matmul %q, %w : tensor<1x784x!rpnn.bipolar>, tensor<784x1024x!rpnn.bipolar> -> tensor<1x1024xsi32>
  // CHECK-NEXT: %acc = rpnn.matmul %q, %w : tensor<1x784x!rpnn.bipolar>, tensor<784x1024x!rpnn.bipolar> -> tensor<1x1024xsi11>
  // WORST:      %w = rpnn.constant dense<1> : tensor<784x1024xsi2> -> tensor<784x1024x!rpnn.bipolar>
  // WORST-NEXT: %acc = rpnn.matmul %q, %w : tensor<1x784x!rpnn.bipolar>, tensor<784x1024x!rpnn.bipolar> -> tensor<1x1024xsi11>
  %t = rpnn.constant dense<[[2]]> : tensor<1x1xsi32>
  // CHECK-NEXT: %t = rpnn.constant dense<2> : tensor<1x1xsi11>
  %y = rpnn.multithreshold %acc, %t out_scale = 2.0 : f32 out_bias = -1.0 : f32 : tensor<1x1024xsi32>, tensor<1x1xsi32> -> tensor<1x1024x!rpnn.bipolar>
  // CHECK-NEXT: %y = rpnn.multithreshold %acc, %t out_scale = 2.000000e+00 : f32 out_bias = -1.000000e+00 : f32 : tensor<1x1024xsi11>, tensor<1x1xsi11> -> tensor<1x1024x!rpnn.bipolar>
  func.return %y : tensor<1x1024x!rpnn.bipolar>
  // CHECK-NEXT: func.return %y : tensor<1x1024x!rpnn.bipolar>
}

// ui2 inputs times weights of -2..1:
//   column 0, w = [1, -1, 1, -2]: max = 3*(1+1) = 6, min = -3*(1+2) = -9
//   column 1, w = [-2, 1, 0, -1]: max = 3*1 = 3,     min = -3*(2+1) = -9
// so the accumulator is si5 and the weights si2.  Thresholds are clipped per channel to
// [lo, hi + 1]: row 0 to [-9, 7], row 1 to [-9, 4]:
//   [-20, -9, 0, 6, 7, 50] -> [-9, -9, 0, 6, 7, 7]    (2 always crossed, 2 never)
//   [-9, -8, 3, 4, 5, 6]   -> [-9, -8, 3, 4, 4, 4]    (1 always crossed, 3 never)
// One always-crossed threshold per row becomes out_bias 1, two never-crossed ones go; the
// thresholds keep the accumulator's type (si5).  Outputs reach [1, 4]: ui3.
// Worst case: any si8 weight, 4 inputs of [0, 3]: [4*3*-128, 4*3*127] = [-1536, 1524], si12;
// no threshold is outside that range.
func.func @small(%x: tensor<1x4xui2>) -> (tensor<1x2xsi16>, tensor<1x2xsi8>, tensor<1x1xsi32>) {
// CHECK-LABEL: func.func @small(%x: tensor<1x4xui2>) -> (tensor<1x2xsi5>, tensor<1x2xui3>, tensor<1x1xui1>) {
// WORST-LABEL: func.func @small(%x: tensor<1x4xui2>) -> (tensor<1x2xsi12>, tensor<1x2xui3>, tensor<1x1xui1>) {
// WORST-NEXT:    %w = rpnn.constant dense<{{\[\[}}1, -2], [-1, 1], [1, 0], [-2, -1]]> : tensor<4x2xsi8>
// WORST-NEXT:    %acc = rpnn.matmul %x, %w : tensor<1x4xui2>, tensor<4x2xsi8> -> tensor<1x2xsi12>
// WORST-NEXT:    %th = rpnn.constant dense<{{\[\[}}-20, -9, 0, 6, 7, 50], [-9, -8, 3, 4, 5, 6]]> : tensor<2x6xsi12>
// WORST-NEXT:    %y = rpnn.multithreshold %acc, %th : tensor<1x2xsi12>, tensor<2x6xsi12> -> tensor<1x2xui3>
  %w = rpnn.constant dense<[[1, -2], [-1, 1], [1, 0], [-2, -1]]> : tensor<4x2xsi8>
  // CHECK-NEXT: %w = rpnn.constant dense<{{\[\[}}1, -2], [-1, 1], [1, 0], [-2, -1]]> : tensor<4x2xsi2>
  %acc = rpnn.matmul %x, %w : tensor<1x4xui2>, tensor<4x2xsi8> -> tensor<1x2xsi16>
  // CHECK-NEXT: %acc = rpnn.matmul %x, %w : tensor<1x4xui2>, tensor<4x2xsi2> -> tensor<1x2xsi5>
  %th = rpnn.constant dense<[[-20, -9, 0, 6, 7, 50], [-9, -8, 3, 4, 5, 6]]> : tensor<2x6xsi32>
  // CHECK-NEXT: %th = rpnn.constant dense<{{\[\[}}-9, 0, 6], [-8, 3, 4]]> : tensor<2x3xsi5>
  %y = rpnn.multithreshold %acc, %th : tensor<1x2xsi16>, tensor<2x6xsi32> -> tensor<1x2xsi8>
  // CHECK-NEXT: %y = rpnn.multithreshold %acc, %th out_bias = 1.000000e+00 : f32 : tensor<1x2xsi5>, tensor<2x3xsi5> -> tensor<1x2xui3>
  %k = rpnn.topk %acc k = 1 : tensor<1x2xsi16> -> tensor<1x1xsi32>
  // CHECK-NEXT: %k = rpnn.topk %acc k = 1 : tensor<1x2xsi5> -> tensor<1x1xui1>
  func.return %acc, %y, %k : tensor<1x2xsi16>, tensor<1x2xsi8>, tensor<1x1xsi32>
  // CHECK-NEXT: func.return %acc, %y, %k : tensor<1x2xsi5>, tensor<1x2xui3>, tensor<1x1xui1>
}

// Zero padding: an input in [1, 4] (ui2 quantizer, zero point -1) under a 3x3 filter of -1
// gives [-36, -9] inside the image but only [-16, -4] in a corner, so channel 0 is
// [-36, -4] and channel 1 (a filter of +1) [4, 36]: si7.  Row 0 clips to [-36, -3] (-2 is
// never crossed: the padded border is part of the analysis), row 1 to [4, 37].  Each row has
// one always-crossed threshold: they become out_bias 1.
// Worst case: any si4 weight w in [-8, 7] times x in [1, 4], 9 taps: [-288, 252], si10.
func.func @padded_conv(%x: tensor<1x1x4x4xf32>) -> (tensor<1x2x4x4xsi32>, tensor<1x2x2x2xsi32>) {
// CHECK-LABEL: func.func @padded_conv(%x: tensor<1x1x4x4xf32>) -> (tensor<1x2x4x4xui6>, tensor<1x2x2x2xui2>) {
// WORST-LABEL: func.func @padded_conv
// WORST:         %acc = rpnn.conv2d {{.*}} : tensor<1x1x4x4xui3>, tensor<2x1x3x3xsi4> -> tensor<1x2x4x4xsi10>
// WORST-NEXT:    %th = rpnn.constant dense<{{\[\[}}-40, -10, -2], [-50, 10, 20]]> : tensor<2x3xsi10>
  %q = rpnn.quant %x scale = dense<1.0> : tensor<f32> zero_point = dense<-1.0> : tensor<f32> bits = 2 rounding = "ROUND" : tensor<1x1x4x4xf32> -> tensor<1x1x4x4xsi8>
  // CHECK-NEXT: %q = rpnn.quant %x scale = dense<1.000000e+00> : tensor<f32> zero_point = dense<-1.000000e+00> : tensor<f32> bits = 2 rounding = "ROUND" : tensor<1x1x4x4xf32> -> tensor<1x1x4x4xui3>
  %w = rpnn.constant dense<[[[[-1, -1, -1], [-1, -1, -1], [-1, -1, -1]]], [[[1, 1, 1], [1, 1, 1], [1, 1, 1]]]]> : tensor<2x1x3x3xsi4>
  // CHECK-NEXT: %w = rpnn.constant dense<{{\[\[}}{{\[\[}}-1, -1, -1], [-1, -1, -1], [-1, -1, -1]]], {{\[\[}}[1, 1, 1], [1, 1, 1], [1, 1, 1]]]]> : tensor<2x1x3x3xsi2>
  %acc = rpnn.conv2d %q, %w stride = [1, 1] padding = [1, 1, 1, 1] dilation = [1, 1] groups = 1 : tensor<1x1x4x4xsi8>, tensor<2x1x3x3xsi4> -> tensor<1x2x4x4xsi32>
  // CHECK-NEXT: %acc = rpnn.conv2d %q, %w stride = [1, 1] padding = [1, 1, 1, 1] dilation = [1, 1] groups = 1 : tensor<1x1x4x4xui3>, tensor<2x1x3x3xsi2> -> tensor<1x2x4x4xsi7>
  %th = rpnn.constant dense<[[-40, -10, -2], [-50, 10, 20]]> : tensor<2x3xsi32>
  // CHECK-NEXT: %th = rpnn.constant dense<{{\[\[}}-10, -3], [10, 20]]> : tensor<2x2xsi7>
  %y = rpnn.multithreshold %acc, %th : tensor<1x2x4x4xsi32>, tensor<2x3xsi32> -> tensor<1x2x4x4xsi32>
  // CHECK-NEXT: %y = rpnn.multithreshold %acc, %th out_bias = 1.000000e+00 : f32 : tensor<1x2x4x4xsi7>, tensor<2x2xsi7> -> tensor<1x2x4x4xui2>
  %p = rpnn.maxpool %y kernel = [2, 2] stride = [2, 2] padding = [0, 0, 0, 0] : tensor<1x2x4x4xsi32> -> tensor<1x2x2x2xsi32>
  // CHECK-NEXT: %p = rpnn.maxpool %y kernel = [2, 2] stride = [2, 2] padding = [0, 0, 0, 0] : tensor<1x2x4x4xui2> -> tensor<1x2x2x2xui2>
  %r = rpnn.relu %acc : tensor<1x2x4x4xsi32> -> tensor<1x2x4x4xsi32>
  // CHECK-NEXT: %r = rpnn.relu %acc : tensor<1x2x4x4xsi7> -> tensor<1x2x4x4xui6>
  %b = rpnn.constant dense<[[[[3]], [[-3]]]]> : tensor<1x2x1x1xsi32>
  // CHECK-NEXT: %b = rpnn.constant dense<{{\[\[}}{{\[\[}}3]], {{\[\[}}-3]]]]> : tensor<1x2x1x1xsi3>
  %a = rpnn.add %r, %b : tensor<1x2x4x4xsi32>, tensor<1x2x1x1xsi32> -> tensor<1x2x4x4xsi32>
  // CHECK-NEXT: %a = rpnn.add %r, %b : tensor<1x2x4x4xui6>, tensor<1x2x1x1xsi3> -> tensor<1x2x4x4xui6>
  %t = rpnn.transpose %p perm = [0, 1, 3, 2] : tensor<1x2x2x2xsi32> -> tensor<1x2x2x2xsi32>
  // CHECK-NEXT: %t = rpnn.transpose %p perm = [0, 1, 3, 2] : tensor<1x2x2x2xui2> -> tensor<1x2x2x2xui2>
  func.return %a, %t : tensor<1x2x4x4xsi32>, tensor<1x2x2x2xsi32>
  // CHECK-NEXT: func.return %a, %t : tensor<1x2x4x4xui6>, tensor<1x2x2x2xui2>
}

// Dataflow level: the weights and thresholds of @small in an mvtu (out_bias -3 + 1 = -2,
// outputs [-2, 1]: si2) and in a second mvtu without thresholds, whose output type is its
// accumulator type; the types cross the partition boundary.
func.func @dataflow(%x: tensor<1x4xui2>) -> (tensor<1x2xsi8>, tensor<1x2xsi32>) {
// CHECK-LABEL: func.func @dataflow(%x: tensor<1x4xui2>) -> (tensor<1x2xsi2>, tensor<1x2xsi5>) {
// WORST-LABEL: func.func @dataflow
// WORST:           %m = rpnn.mvtu %d0, %w, %th pe = 1 simd = 2 acc = si12 out_bias = -3 {{.*}} -> !rpnn.stream<2xsi3, 1>
// WORST-NEXT:      %a = rpnn.mvtu %d1, %w pe = 2 simd = 2 acc = si12 {{.*}} -> !rpnn.stream<2xsi12, 2>
  %s = rpnn.tensor_to_stream %x : tensor<1x4xui2> -> !rpnn.stream<4xui2, 2>
  // CHECK-NEXT: %s = rpnn.tensor_to_stream %x : tensor<1x4xui2> -> !rpnn.stream<4xui2, 2>
  %o, %o2 = rpnn.partition(%s) device = "xc7z020" slr = 0 : (!rpnn.stream<4xui2, 2>) -> (!rpnn.stream<2xsi8, 1>, !rpnn.stream<2xsi32, 2>) {
  // CHECK-NEXT: %o, %o2 = rpnn.partition(%s) device = "xc7z020" slr = 0 : (!rpnn.stream<4xui2, 2>) -> (!rpnn.stream<2xsi2, 1>, !rpnn.stream<2xsi5, 2>) {
  ^bb0(%in: !rpnn.stream<4xui2, 2>):
  // CHECK-NEXT: ^bb0(%in: !rpnn.stream<4xui2, 2>):
    %d0, %d1 = rpnn.duplicate %in : !rpnn.stream<4xui2, 2> -> !rpnn.stream<4xui2, 2>, !rpnn.stream<4xui2, 2>
    // CHECK-NEXT: %d0, %d1 = rpnn.duplicate %in : !rpnn.stream<4xui2, 2> -> !rpnn.stream<4xui2, 2>, !rpnn.stream<4xui2, 2>
    %w = rpnn.constant dense<[[1, -2], [-1, 1], [1, 0], [-2, -1]]> : tensor<4x2xsi8>
    // CHECK-NEXT: %w = rpnn.constant dense<{{\[\[}}1, -2], [-1, 1], [1, 0], [-2, -1]]> : tensor<4x2xsi2>
    %th = rpnn.constant dense<[[-20, -9, 0, 6, 7, 50], [-9, -8, 3, 4, 5, 6]]> : tensor<2x6xsi32>
    // CHECK-NEXT: %th = rpnn.constant dense<{{\[\[}}-9, 0, 6], [-8, 3, 4]]> : tensor<2x3xsi5>
    %m = rpnn.mvtu %d0, %w, %th pe = 1 simd = 2 acc = si32 out_bias = -3 resource = "lut" ram = "block" : !rpnn.stream<4xui2, 2>, tensor<4x2xsi8>, tensor<2x6xsi32> -> !rpnn.stream<2xsi8, 1>
    // CHECK-NEXT: %m = rpnn.mvtu %d0, %w, %th pe = 1 simd = 2 acc = si5 out_bias = -2 resource = "lut" ram = "block" : !rpnn.stream<4xui2, 2>, tensor<4x2xsi2>, tensor<2x3xsi5> -> !rpnn.stream<2xsi2, 1>
    %a = rpnn.mvtu %d1, %w pe = 2 simd = 2 acc = si32 resource = "lut" ram = "block" : !rpnn.stream<4xui2, 2>, tensor<4x2xsi8> -> !rpnn.stream<2xsi32, 2>
    // CHECK-NEXT: %a = rpnn.mvtu %d1, %w pe = 2 simd = 2 acc = si5 resource = "lut" ram = "block" : !rpnn.stream<4xui2, 2>, tensor<4x2xsi2> -> !rpnn.stream<2xsi5, 2>
    %f = rpnn.fifo %a depth = 2 ram = "auto" : !rpnn.stream<2xsi32, 2> -> !rpnn.stream<2xsi32, 2>
    // CHECK-NEXT: %f = rpnn.fifo %a depth = 2 ram = "auto" : !rpnn.stream<2xsi5, 2> -> !rpnn.stream<2xsi5, 2>
    rpnn.yield %m, %f : !rpnn.stream<2xsi8, 1>, !rpnn.stream<2xsi32, 2>
    // CHECK-NEXT: rpnn.yield %m, %f : !rpnn.stream<2xsi2, 1>, !rpnn.stream<2xsi5, 2>
  }
  // CHECK-NEXT: }
  %r = rpnn.stream_to_tensor %o : !rpnn.stream<2xsi8, 1> -> tensor<1x2xsi8>
  // CHECK-NEXT: %r = rpnn.stream_to_tensor %o : !rpnn.stream<2xsi2, 1> -> tensor<1x2xsi2>
  %r2 = rpnn.stream_to_tensor %o2 : !rpnn.stream<2xsi32, 2> -> tensor<1x2xsi32>
  // CHECK-NEXT: %r2 = rpnn.stream_to_tensor %o2 : !rpnn.stream<2xsi5, 2> -> tensor<1x2xsi5>
  func.return %r, %r2 : tensor<1x2xsi8>, tensor<1x2xsi32>
  // CHECK-NEXT: func.return %r, %r2 : tensor<1x2xsi2>, tensor<1x2xsi5>
}
