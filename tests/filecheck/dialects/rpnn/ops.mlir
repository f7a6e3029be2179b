// RUN: rpnn-opt %s | rpnn-opt | filecheck %s
// RUN: rpnn-opt %s --print-op-generic | rpnn-opt | filecheck %s
// RUN: rpnn-opt %s --print-op-generic | rpnn-opt --print-op-generic | filecheck %s --check-prefix=GENERIC

// Valid uses of every rpnn op and of both rpnn types, at the three levels of the dialect.
// Each op is followed by the exact text it prints as: the custom form round-trips (first RUN
// line) and the generic form parses back to the same custom text (second RUN line).  The
// GENERIC lines at the end check that the generic form round-trips too.

// CHECK: builtin.module {

// ---- Graph level: f32 tensors with QONNX semantics.

func.func @graph_level(%x: tensor<1x3x8x8xf32>) -> tensor<1x1xui4> {
// CHECK-LABEL: func.func @graph_level(%x: tensor<1x3x8x8xf32>) -> tensor<1x1xui4> {
  %q = rpnn.quant %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 4 signed narrow rounding = "ROUND" : tensor<1x3x8x8xf32> -> tensor<1x3x8x8xf32>
  // CHECK-NEXT: %q = rpnn.quant %x scale = dense<5.000000e-01> : tensor<f32> zero_point = dense<0.000000e+00> : tensor<f32> bits = 4 signed narrow rounding = "ROUND" : tensor<1x3x8x8xf32> -> tensor<1x3x8x8xf32>
  %bq = rpnn.bipolar_quant %x scale = dense<1.0> : tensor<f32> : tensor<1x3x8x8xf32> -> tensor<1x3x8x8xf32>
  // CHECK-NEXT: %bq = rpnn.bipolar_quant %x scale = dense<1.000000e+00> : tensor<f32> : tensor<1x3x8x8xf32> -> tensor<1x3x8x8xf32>
  %tr = rpnn.trunc %x scale = dense<0.25> : tensor<f32> zero_point = dense<0.0> : tensor<f32> shift = 2 out_scale = dense<1.0> : tensor<f32> out_zero_point = dense<0.0> : tensor<f32> bits = 4 signed narrow rounding = "FLOOR" : tensor<1x3x8x8xf32> -> tensor<1x3x8x8xf32>
  // CHECK-NEXT: %tr = rpnn.trunc %x scale = dense<2.500000e-01> : tensor<f32> zero_point = dense<0.000000e+00> : tensor<f32> shift = 2 out_scale = dense<1.000000e+00> : tensor<f32> out_zero_point = dense<0.000000e+00> : tensor<f32> bits = 4 signed narrow rounding = "FLOOR" : tensor<1x3x8x8xf32> -> tensor<1x3x8x8xf32>
  %tr1 = rpnn.trunc %x scale = dense<0.5> : tensor<f32> zero_point = dense<2.0> : tensor<f32> shift = 3 out_scale = dense<0.5> : tensor<f32> out_zero_point = dense<2.0> : tensor<f32> rounding = "ROUND" : tensor<1x3x8x8xf32> -> tensor<1x3x8x8xf32>
  // CHECK-NEXT: %tr1 = rpnn.trunc %x scale = dense<5.000000e-01> : tensor<f32> zero_point = dense<2.000000e+00> : tensor<f32> shift = 3 out_scale = dense<5.000000e-01> : tensor<f32> out_zero_point = dense<2.000000e+00> : tensor<f32> rounding = "ROUND" : tensor<1x3x8x8xf32> -> tensor<1x3x8x8xf32>
  %w = rpnn.constant dense<0.25> : tensor<4x3x3x3xf32>
  // CHECK-NEXT: %w = rpnn.constant dense<2.500000e-01> : tensor<4x3x3x3xf32>
  %c = rpnn.conv2d %q, %w stride = [1, 1] padding = [1, 1, 1, 1] dilation = [1, 1] groups = 1 : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<1x4x8x8xf32>
  // CHECK-NEXT: %c = rpnn.conv2d %q, %w stride = [1, 1] padding = [1, 1, 1, 1] dilation = [1, 1] groups = 1 : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<1x4x8x8xf32>
  %bn = rpnn.batchnorm %c scale = dense<1.0> : tensor<4xf32> bias = dense<[0.0, 0.5, -0.5, 1.0]> : tensor<4xf32> mean = dense<0.0> : tensor<4xf32> var = dense<1.0> : tensor<4xf32> epsilon = 1.0e-05 : f32 : tensor<1x4x8x8xf32> -> tensor<1x4x8x8xf32>
  // CHECK-NEXT: %bn = rpnn.batchnorm %c scale = dense<1.000000e+00> : tensor<4xf32> bias = dense<[0.000000e+00, 5.000000e-01, -5.000000e-01, 1.000000e+00]> : tensor<4xf32> mean = dense<0.000000e+00> : tensor<4xf32> var = dense<1.000000e+00> : tensor<4xf32> epsilon = 1.000000e-05 : f32 : tensor<1x4x8x8xf32> -> tensor<1x4x8x8xf32>
  %r = rpnn.relu %bn : tensor<1x4x8x8xf32> -> tensor<1x4x8x8xf32>
  // CHECK-NEXT: %r = rpnn.relu %bn : tensor<1x4x8x8xf32> -> tensor<1x4x8x8xf32>
  %b = rpnn.constant dense<[[[[0.1]], [[0.2]], [[0.3]], [[0.4]]]]> : tensor<1x4x1x1xf32>
  // CHECK-NEXT: %b = rpnn.constant dense<{{\[\[\[\[}}1.000000e-01]], {{\[\[}}2.000000e-01]], {{\[\[}}3.000000e-01]], {{\[\[}}4.000000e-01]]]]> : tensor<1x4x1x1xf32>
  %a = rpnn.add %r, %b : tensor<1x4x8x8xf32>, tensor<1x4x1x1xf32> -> tensor<1x4x8x8xf32>
  // CHECK-NEXT: %a = rpnn.add %r, %b : tensor<1x4x8x8xf32>, tensor<1x4x1x1xf32> -> tensor<1x4x8x8xf32>
  %s = rpnn.constant dense<2.0> : tensor<f32>
  // CHECK-NEXT: %s = rpnn.constant dense<2.000000e+00> : tensor<f32>
  %m = rpnn.mul %a, %s : tensor<1x4x8x8xf32>, tensor<f32> -> tensor<1x4x8x8xf32>
  // CHECK-NEXT: %m = rpnn.mul %a, %s : tensor<1x4x8x8xf32>, tensor<f32> -> tensor<1x4x8x8xf32>
  %dv = rpnn.div %m, %s : tensor<1x4x8x8xf32>, tensor<f32> -> tensor<1x4x8x8xf32>
  // CHECK-NEXT: %dv = rpnn.div %m, %s : tensor<1x4x8x8xf32>, tensor<f32> -> tensor<1x4x8x8xf32>
  %p = rpnn.maxpool %m kernel = [2, 2] stride = [2, 2] padding = [0, 0, 0, 0] : tensor<1x4x8x8xf32> -> tensor<1x4x4x4xf32>
  // CHECK-NEXT: %p = rpnn.maxpool %m kernel = [2, 2] stride = [2, 2] padding = [0, 0, 0, 0] : tensor<1x4x8x8xf32> -> tensor<1x4x4x4xf32>
  %t = rpnn.transpose %p perm = [0, 2, 3, 1] : tensor<1x4x4x4xf32> -> tensor<1x4x4x4xf32>
  // CHECK-NEXT: %t = rpnn.transpose %p perm = [0, 2, 3, 1] : tensor<1x4x4x4xf32> -> tensor<1x4x4x4xf32>
  %f = rpnn.reshape %t : tensor<1x4x4x4xf32> -> tensor<1x64xf32>
  // CHECK-NEXT: %f = rpnn.reshape %t : tensor<1x4x4x4xf32> -> tensor<1x64xf32>
  %fw = rpnn.constant dense<0.5> : tensor<64x10xf32>
  // CHECK-NEXT: %fw = rpnn.constant dense<5.000000e-01> : tensor<64x10xf32>
  %mm = rpnn.matmul %f, %fw : tensor<1x64xf32>, tensor<64x10xf32> -> tensor<1x10xf32>
  // CHECK-NEXT: %mm = rpnn.matmul %f, %fw : tensor<1x64xf32>, tensor<64x10xf32> -> tensor<1x10xf32>
  %th = rpnn.constant dense<[[-1.0, 0.0, 1.0]]> : tensor<1x3xf32>
  // CHECK-NEXT: %th = rpnn.constant dense<{{\[\[}}-1.000000e+00, 0.000000e+00, 1.000000e+00]]> : tensor<1x3xf32>
  %mt = rpnn.multithreshold %mm, %th out_scale = 2.0 : f32 out_bias = -3.0 : f32 : tensor<1x10xf32>, tensor<1x3xf32> -> tensor<1x10xf32>
  // CHECK-NEXT: %mt = rpnn.multithreshold %mm, %th out_scale = 2.000000e+00 : f32 out_bias = -3.000000e+00 : f32 : tensor<1x10xf32>, tensor<1x3xf32> -> tensor<1x10xf32>
  %sb = rpnn.scale_bias %mt scale = dense<0.5> : tensor<f32> bias = dense<0.0> : tensor<10xf32> : tensor<1x10xf32> -> tensor<1x10xf32>
  // CHECK-NEXT: %sb = rpnn.scale_bias %mt scale = dense<5.000000e-01> : tensor<f32> bias = dense<0.000000e+00> : tensor<10xf32> : tensor<1x10xf32> -> tensor<1x10xf32>
  %k = rpnn.topk %sb k = 1 : tensor<1x10xf32> -> tensor<1x1xui4>
  // CHECK-NEXT: %k = rpnn.topk %sb k = 1 : tensor<1x10xf32> -> tensor<1x1xui4>
  func.return %k : tensor<1x1xui4>
  // CHECK-NEXT: func.return %k : tensor<1x1xui4>
}
// CHECK-NEXT: }

// ---- Integer level: siN/uiN/!rpnn.bipolar tensors; the result type is the accumulator.

func.func @integer_level(%x: tensor<1x3x8x8xf32>) -> (tensor<1x3xui4>, tensor<1x10x!rpnn.bipolar>, tensor<1x10xsi2>) {
// CHECK-LABEL: func.func @integer_level(%x: tensor<1x3x8x8xf32>) -> (tensor<1x3xui4>, tensor<1x10x!rpnn.bipolar>, tensor<1x10xsi2>) {
  %q = rpnn.quant %x scale = dense<0.25> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 4 signed rounding = "HALF_EVEN" : tensor<1x3x8x8xf32> -> tensor<1x3x8x8xsi4>
  // CHECK-NEXT: %q = rpnn.quant %x scale = dense<2.500000e-01> : tensor<f32> zero_point = dense<0.000000e+00> : tensor<f32> bits = 4 signed rounding = "HALF_EVEN" : tensor<1x3x8x8xf32> -> tensor<1x3x8x8xsi4>
  %qu = rpnn.quant %x scale = dense<[[[[0.5]], [[0.25]], [[0.125]]]]> : tensor<1x3x1x1xf32> zero_point = dense<2.0> : tensor<f32> bits = 3 rounding = "FLOOR" : tensor<1x3x8x8xf32> -> tensor<1x3x8x8xsi4>
  // CHECK-NEXT: %qu = rpnn.quant %x scale = dense<{{\[\[\[\[}}5.000000e-01]], {{\[\[}}2.500000e-01]], {{\[\[}}1.250000e-01]]]]> : tensor<1x3x1x1xf32> zero_point = dense<2.000000e+00> : tensor<f32> bits = 3 rounding = "FLOOR" : tensor<1x3x8x8xf32> -> tensor<1x3x8x8xsi4>
  %qb = rpnn.quant %x scale = dense<1.0> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 1 signed rounding = "ROUND" : tensor<1x3x8x8xf32> -> tensor<1x3x8x8x!rpnn.bipolar>
  // CHECK-NEXT: %qb = rpnn.quant %x scale = dense<1.000000e+00> : tensor<f32> zero_point = dense<0.000000e+00> : tensor<f32> bits = 1 signed rounding = "ROUND" : tensor<1x3x8x8xf32> -> tensor<1x3x8x8x!rpnn.bipolar>
  %bq = rpnn.bipolar_quant %x scale = dense<1.0> : tensor<1x3x1x1xf32> : tensor<1x3x8x8xf32> -> tensor<1x3x8x8x!rpnn.bipolar>
  // CHECK-NEXT: %bq = rpnn.bipolar_quant %x scale = dense<1.000000e+00> : tensor<1x3x1x1xf32> : tensor<1x3x8x8xf32> -> tensor<1x3x8x8x!rpnn.bipolar>
  %wh = rpnn.constant dense<"0x01FF02FE0300FD04FC0507F9"> : tensor<4x3xsi4>
  // CHECK-NEXT: %wh = rpnn.constant dense<{{\[\[}}1, -1, 2], [-2, 3, 0], [-3, 4, -4], [5, 7, -7]]> : tensor<4x3xsi4>
  %w = rpnn.reshape %wh : tensor<4x3xsi4> -> tensor<4x3x1x1xsi4>
  // CHECK-NEXT: %w = rpnn.reshape %wh : tensor<4x3xsi4> -> tensor<4x3x1x1xsi4>
  %c = rpnn.conv2d %q, %w stride = [1, 1] padding = [0, 0, 0, 0] dilation = [1, 1] groups = 1 : tensor<1x3x8x8xsi4>, tensor<4x3x1x1xsi4> -> tensor<1x4x8x8xsi12>
  // CHECK-NEXT: %c = rpnn.conv2d %q, %w stride = [1, 1] padding = [0, 0, 0, 0] dilation = [1, 1] groups = 1 : tensor<1x3x8x8xsi4>, tensor<4x3x1x1xsi4> -> tensor<1x4x8x8xsi12>
  %wb = rpnn.constant dense<[1, -1, -1, 1, 1, 1, -1, -1, 1, -1, 1, -1]> : tensor<12xsi2> -> tensor<12x!rpnn.bipolar>
  // CHECK-NEXT: %wb = rpnn.constant dense<[1, -1, -1, 1, 1, 1, -1, -1, 1, -1, 1, -1]> : tensor<12xsi2> -> tensor<12x!rpnn.bipolar>
  %wg = rpnn.reshape %wb : tensor<12x!rpnn.bipolar> -> tensor<3x1x2x2x!rpnn.bipolar>
  // CHECK-NEXT: %wg = rpnn.reshape %wb : tensor<12x!rpnn.bipolar> -> tensor<3x1x2x2x!rpnn.bipolar>
  %cg = rpnn.conv2d %bq, %wg stride = [2, 2] padding = [0, 0, 0, 0] dilation = [1, 1] groups = 3 : tensor<1x3x8x8x!rpnn.bipolar>, tensor<3x1x2x2x!rpnn.bipolar> -> tensor<1x3x4x4xsi4>
  // CHECK-NEXT: %cg = rpnn.conv2d %bq, %wg stride = [2, 2] padding = [0, 0, 0, 0] dilation = [1, 1] groups = 3 : tensor<1x3x8x8x!rpnn.bipolar>, tensor<3x1x2x2x!rpnn.bipolar> -> tensor<1x3x4x4xsi4>
  %r = rpnn.relu %c : tensor<1x4x8x8xsi12> -> tensor<1x4x8x8xsi12>
  // CHECK-NEXT: %r = rpnn.relu %c : tensor<1x4x8x8xsi12> -> tensor<1x4x8x8xsi12>
  %bias = rpnn.constant dense<[1, -2, 3, -4]> : tensor<4xsi8>
  // CHECK-NEXT: %bias = rpnn.constant dense<[1, -2, 3, -4]> : tensor<4xsi8>
  %bias4 = rpnn.reshape %bias : tensor<4xsi8> -> tensor<1x4x1x1xsi8>
  // CHECK-NEXT: %bias4 = rpnn.reshape %bias : tensor<4xsi8> -> tensor<1x4x1x1xsi8>
  %a = rpnn.add %r, %bias4 : tensor<1x4x8x8xsi12>, tensor<1x4x1x1xsi8> -> tensor<1x4x8x8xsi13>
  // CHECK-NEXT: %a = rpnn.add %r, %bias4 : tensor<1x4x8x8xsi12>, tensor<1x4x1x1xsi8> -> tensor<1x4x8x8xsi13>
  %s = rpnn.constant dense<3> : tensor<ui2>
  // CHECK-NEXT: %s = rpnn.constant dense<3> : tensor<ui2>
  %m = rpnn.mul %a, %s : tensor<1x4x8x8xsi13>, tensor<ui2> -> tensor<1x4x8x8xsi16>
  // CHECK-NEXT: %m = rpnn.mul %a, %s : tensor<1x4x8x8xsi13>, tensor<ui2> -> tensor<1x4x8x8xsi16>
  %p = rpnn.maxpool %m kernel = [2, 2] stride = [2, 2] padding = [0, 0, 1, 1] : tensor<1x4x8x8xsi16> -> tensor<1x4x4x4xsi16>
  // CHECK-NEXT: %p = rpnn.maxpool %m kernel = [2, 2] stride = [2, 2] padding = [0, 0, 1, 1] : tensor<1x4x8x8xsi16> -> tensor<1x4x4x4xsi16>
  %th = rpnn.constant dense<[-8, 0, 8]> : tensor<3xsi16>
  // CHECK-NEXT: %th = rpnn.constant dense<[-8, 0, 8]> : tensor<3xsi16>
  %th4 = rpnn.reshape %th : tensor<3xsi16> -> tensor<1x3xsi16>
  // CHECK-NEXT: %th4 = rpnn.reshape %th : tensor<3xsi16> -> tensor<1x3xsi16>
  %mt = rpnn.multithreshold %p, %th4 : tensor<1x4x4x4xsi16>, tensor<1x3xsi16> -> tensor<1x4x4x4xui2>
  // CHECK-NEXT: %mt = rpnn.multithreshold %p, %th4 : tensor<1x4x4x4xsi16>, tensor<1x3xsi16> -> tensor<1x4x4x4xui2>
  %t = rpnn.transpose %mt perm = [0, 2, 3, 1] : tensor<1x4x4x4xui2> -> tensor<1x4x4x4xui2>
  // CHECK-NEXT: %t = rpnn.transpose %mt perm = [0, 2, 3, 1] : tensor<1x4x4x4xui2> -> tensor<1x4x4x4xui2>
  %f = rpnn.reshape %t : tensor<1x4x4x4xui2> -> tensor<1x64xui2>
  // CHECK-NEXT: %f = rpnn.reshape %t : tensor<1x4x4x4xui2> -> tensor<1x64xui2>
  %fw = rpnn.constant dense<1> : tensor<64x10xsi2> -> tensor<64x10x!rpnn.bipolar>
  // CHECK-NEXT: %fw = rpnn.constant dense<1> : tensor<64x10xsi2> -> tensor<64x10x!rpnn.bipolar>
  %mm = rpnn.matmul %f, %fw : tensor<1x64xui2>, tensor<64x10x!rpnn.bipolar> -> tensor<1x10xsi16>
  // CHECK-NEXT: %mm = rpnn.matmul %f, %fw : tensor<1x64xui2>, tensor<64x10x!rpnn.bipolar> -> tensor<1x10xsi16>
  %k = rpnn.topk %mm k = 3 : tensor<1x10xsi16> -> tensor<1x3xui4>
  // CHECK-NEXT: %k = rpnn.topk %mm k = 3 : tensor<1x10xsi16> -> tensor<1x3xui4>
  %t1 = rpnn.constant dense<0> : tensor<10x1xsi16>
  // CHECK-NEXT: %t1 = rpnn.constant dense<0> : tensor<10x1xsi16>
  %mb = rpnn.multithreshold %mm, %t1 out_scale = 2.0 : f32 out_bias = -1.0 : f32 : tensor<1x10xsi16>, tensor<10x1xsi16> -> tensor<1x10x!rpnn.bipolar>
  // CHECK-NEXT: %mb = rpnn.multithreshold %mm, %t1 out_scale = 2.000000e+00 : f32 out_bias = -1.000000e+00 : f32 : tensor<1x10xsi16>, tensor<10x1xsi16> -> tensor<1x10x!rpnn.bipolar>
  %t3 = rpnn.constant dense<[[-4, 0, 4]]> : tensor<1x3xsi16>
  // CHECK-NEXT: %t3 = rpnn.constant dense<{{\[\[}}-4, 0, 4]]> : tensor<1x3xsi16>
  %ms = rpnn.multithreshold %mm, %t3 out_bias = -2.0 : f32 : tensor<1x10xsi16>, tensor<1x3xsi16> -> tensor<1x10xsi2>
  // CHECK-NEXT: %ms = rpnn.multithreshold %mm, %t3 out_bias = -2.000000e+00 : f32 : tensor<1x10xsi16>, tensor<1x3xsi16> -> tensor<1x10xsi2>
  func.return %k, %mb, %ms : tensor<1x3xui4>, tensor<1x10x!rpnn.bipolar>, tensor<1x10xsi2>
  // CHECK-NEXT: func.return %k, %mb, %ms : tensor<1x3xui4>, tensor<1x10x!rpnn.bipolar>, tensor<1x10xsi2>
}
// CHECK-NEXT: }

// ---- Dataflow level: !rpnn.stream values between units in rpnn.partition regions.

func.func @dataflow_level(%x: tensor<1x8x8x3xui4>) -> tensor<1x2x2x16xsi2> {
// CHECK-LABEL: func.func @dataflow_level(%x: tensor<1x8x8x3xui4>) -> tensor<1x2x2x16xsi2> {
  %s = rpnn.tensor_to_stream %x : tensor<1x8x8x3xui4> -> !rpnn.stream<8x8x3xui4, 3>
  // CHECK-NEXT: %s = rpnn.tensor_to_stream %x : tensor<1x8x8x3xui4> -> !rpnn.stream<8x8x3xui4, 3>
  %o = rpnn.partition(%s) device = "xc7z020clg400-1" slr = 0 : (!rpnn.stream<8x8x3xui4, 3>) -> !rpnn.stream<2x2x16xsi2, 4> {
  // CHECK-NEXT: %o = rpnn.partition(%s) device = "xc7z020clg400-1" slr = 0 : (!rpnn.stream<8x8x3xui4, 3>) -> !rpnn.stream<2x2x16xsi2, 4> {
  ^bb0(%in: !rpnn.stream<8x8x3xui4, 3>):
  // CHECK-NEXT: ^bb0(%in: !rpnn.stream<8x8x3xui4, 3>):
    %p = rpnn.pad %in padding = [1, 1, 1, 1] value = 0 simd = 3 : !rpnn.stream<8x8x3xui4, 3> -> !rpnn.stream<10x10x3xui4, 3>
    // CHECK-NEXT: %p = rpnn.pad %in padding = [1, 1, 1, 1] value = 0 simd = 3 : !rpnn.stream<8x8x3xui4, 3> -> !rpnn.stream<10x10x3xui4, 3>
    %w = rpnn.swg %p kernel = [3, 3] stride = [1, 1] simd = 3 : !rpnn.stream<10x10x3xui4, 3> -> !rpnn.stream<8x8x27xui4, 3>
    // CHECK-NEXT: %w = rpnn.swg %p kernel = [3, 3] stride = [1, 1] simd = 3 : !rpnn.stream<10x10x3xui4, 3> -> !rpnn.stream<8x8x27xui4, 3>
    %wts = rpnn.constant dense<1> : tensor<27x16xsi2>
    // CHECK-NEXT: %wts = rpnn.constant dense<1> : tensor<27x16xsi2>
    %th = rpnn.constant dense<[[0, 10, 20]]> : tensor<1x3xsi16>
    // CHECK-NEXT: %th = rpnn.constant dense<{{\[\[}}0, 10, 20]]> : tensor<1x3xsi16>
    %m = rpnn.mvtu %w, %wts, %th pe = 4 simd = 3 acc = si16 out_bias = -1 resource = "lut" ram = "block" : !rpnn.stream<8x8x27xui4, 3>, tensor<27x16xsi2>, tensor<1x3xsi16> -> !rpnn.stream<8x8x16xsi3, 4>
    // CHECK-NEXT: %m = rpnn.mvtu %w, %wts, %th pe = 4 simd = 3 acc = si16 out_bias = -1 resource = "lut" ram = "block" : !rpnn.stream<8x8x27xui4, 3>, tensor<27x16xsi2>, tensor<1x3xsi16> -> !rpnn.stream<8x8x16xsi3, 4>
    %ff = rpnn.fifo %m depth = 32 ram = "distributed" : !rpnn.stream<8x8x16xsi3, 4> -> !rpnn.stream<8x8x16xsi3, 4>
    // CHECK-NEXT: %ff = rpnn.fifo %m depth = 32 ram = "distributed" : !rpnn.stream<8x8x16xsi3, 4> -> !rpnn.stream<8x8x16xsi3, 4>
    %mp = rpnn.stream_maxpool %ff kernel = [2, 2] stride = [2, 2] pe = 4 : !rpnn.stream<8x8x16xsi3, 4> -> !rpnn.stream<4x4x16xsi3, 4>
    // CHECK-NEXT: %mp = rpnn.stream_maxpool %ff kernel = [2, 2] stride = [2, 2] pe = 4 : !rpnn.stream<8x8x16xsi3, 4> -> !rpnn.stream<4x4x16xsi3, 4>
    %d0, %d1 = rpnn.duplicate %mp : !rpnn.stream<4x4x16xsi3, 4> -> !rpnn.stream<4x4x16xsi3, 4>, !rpnn.stream<4x4x16xsi3, 4>
    // CHECK-NEXT: %d0, %d1 = rpnn.duplicate %mp : !rpnn.stream<4x4x16xsi3, 4> -> !rpnn.stream<4x4x16xsi3, 4>, !rpnn.stream<4x4x16xsi3, 4>
    %wa = rpnn.swg %d0 kernel = [3, 3] stride = [1, 1] simd = 4 : !rpnn.stream<4x4x16xsi3, 4> -> !rpnn.stream<2x2x144xsi3, 4>
    // CHECK-NEXT: %wa = rpnn.swg %d0 kernel = [3, 3] stride = [1, 1] simd = 4 : !rpnn.stream<4x4x16xsi3, 4> -> !rpnn.stream<2x2x144xsi3, 4>
    %dwt = rpnn.constant dense<-1> : tensor<16x9xsi2>
    // CHECK-NEXT: %dwt = rpnn.constant dense<-1> : tensor<16x9xsi2>
    %da = rpnn.depthwise %wa, %dwt pe = 4 simd = 1 acc = si8 resource = "dsp" ram = "auto" : !rpnn.stream<2x2x144xsi3, 4>, tensor<16x9xsi2> -> !rpnn.stream<2x2x16xsi8, 4>
    // CHECK-NEXT: %da = rpnn.depthwise %wa, %dwt pe = 4 simd = 1 acc = si8 resource = "dsp" ram = "auto" : !rpnn.stream<2x2x144xsi3, 4>, tensor<16x9xsi2> -> !rpnn.stream<2x2x16xsi8, 4>
    %d16 = rpnn.dwc %d1 : !rpnn.stream<4x4x16xsi3, 4> -> !rpnn.stream<4x4x16xsi3, 16>
    // CHECK-NEXT: %d16 = rpnn.dwc %d1 : !rpnn.stream<4x4x16xsi3, 4> -> !rpnn.stream<4x4x16xsi3, 16>
    %wb = rpnn.swg %d16 kernel = [3, 3] stride = [1, 1] simd = 16 : !rpnn.stream<4x4x16xsi3, 16> -> !rpnn.stream<2x2x144xsi3, 16>
    // CHECK-NEXT: %wb = rpnn.swg %d16 kernel = [3, 3] stride = [1, 1] simd = 16 : !rpnn.stream<4x4x16xsi3, 16> -> !rpnn.stream<2x2x144xsi3, 16>
    %wbw = rpnn.dwc %wb : !rpnn.stream<2x2x144xsi3, 16> -> !rpnn.stream<2x2x144xsi3, 48>
    // CHECK-NEXT: %wbw = rpnn.dwc %wb : !rpnn.stream<2x2x144xsi3, 16> -> !rpnn.stream<2x2x144xsi3, 48>
    %dwb = rpnn.constant dense<1> : tensor<16x9xsi2> -> tensor<16x9x!rpnn.bipolar>
    // CHECK-NEXT: %dwb = rpnn.constant dense<1> : tensor<16x9xsi2> -> tensor<16x9x!rpnn.bipolar>
    %tb = rpnn.constant dense<0> : tensor<16x1xsi8>
    // CHECK-NEXT: %tb = rpnn.constant dense<0> : tensor<16x1xsi8>
    %db = rpnn.depthwise %wbw, %dwb, %tb pe = 16 simd = 3 acc = si8 resource = "lut" ram = "ultra" : !rpnn.stream<2x2x144xsi3, 48>, tensor<16x9x!rpnn.bipolar>, tensor<16x1xsi8> -> !rpnn.stream<2x2x16x!rpnn.bipolar, 16>
    // CHECK-NEXT: %db = rpnn.depthwise %wbw, %dwb, %tb pe = 16 simd = 3 acc = si8 resource = "lut" ram = "ultra" : !rpnn.stream<2x2x144xsi3, 48>, tensor<16x9x!rpnn.bipolar>, tensor<16x1xsi8> -> !rpnn.stream<2x2x16x!rpnn.bipolar, 16>
    %dbn = rpnn.dwc %db : !rpnn.stream<2x2x16x!rpnn.bipolar, 16> -> !rpnn.stream<2x2x16x!rpnn.bipolar, 4>
    // CHECK-NEXT: %dbn = rpnn.dwc %db : !rpnn.stream<2x2x16x!rpnn.bipolar, 16> -> !rpnn.stream<2x2x16x!rpnn.bipolar, 4>
    %sum = rpnn.add_streams %da, %dbn pe = 4 : !rpnn.stream<2x2x16xsi8, 4>, !rpnn.stream<2x2x16x!rpnn.bipolar, 4> -> !rpnn.stream<2x2x16xsi9, 4>
    // CHECK-NEXT: %sum = rpnn.add_streams %da, %dbn pe = 4 : !rpnn.stream<2x2x16xsi8, 4>, !rpnn.stream<2x2x16x!rpnn.bipolar, 4> -> !rpnn.stream<2x2x16xsi9, 4>
    %tt = rpnn.constant dense<[[-4, 4]]> : tensor<1x2xsi9>
    // CHECK-NEXT: %tt = rpnn.constant dense<{{\[\[}}-4, 4]]> : tensor<1x2xsi9>
    %y = rpnn.thresholding %sum, %tt pe = 4 out_bias = -1 : !rpnn.stream<2x2x16xsi9, 4>, tensor<1x2xsi9> -> !rpnn.stream<2x2x16xsi2, 4>
    // CHECK-NEXT: %y = rpnn.thresholding %sum, %tt pe = 4 out_bias = -1 : !rpnn.stream<2x2x16xsi9, 4>, tensor<1x2xsi9> -> !rpnn.stream<2x2x16xsi2, 4>
    rpnn.yield %y : !rpnn.stream<2x2x16xsi2, 4>
    // CHECK-NEXT: rpnn.yield %y : !rpnn.stream<2x2x16xsi2, 4>
  }
  // CHECK-NEXT: }
  %r = rpnn.stream_to_tensor %o : !rpnn.stream<2x2x16xsi2, 4> -> tensor<1x2x2x16xsi2>
  // CHECK-NEXT: %r = rpnn.stream_to_tensor %o : !rpnn.stream<2x2x16xsi2, 4> -> tensor<1x2x2x16xsi2>
  func.return %r : tensor<1x2x2x16xsi2>
  // CHECK-NEXT: func.return %r : tensor<1x2x2x16xsi2>
}
// CHECK-NEXT: }

func.func @classifier(%v: tensor<1x64xui2>) -> tensor<1x3xui4> {
// CHECK-LABEL: func.func @classifier(%v: tensor<1x64xui2>) -> tensor<1x3xui4> {
  %s = rpnn.tensor_to_stream %v : tensor<1x64xui2> -> !rpnn.stream<64xui2, 8>
  // CHECK-NEXT: %s = rpnn.tensor_to_stream %v : tensor<1x64xui2> -> !rpnn.stream<64xui2, 8>
  %o = rpnn.partition(%s) device = "xcu250-figd2104-2L-e" slr = 1 : (!rpnn.stream<64xui2, 8>) -> !rpnn.stream<3xui4, 1> {
  // CHECK-NEXT: %o = rpnn.partition(%s) device = "xcu250-figd2104-2L-e" slr = 1 : (!rpnn.stream<64xui2, 8>) -> !rpnn.stream<3xui4, 1> {
  ^bb0(%in: !rpnn.stream<64xui2, 8>):
  // CHECK-NEXT: ^bb0(%in: !rpnn.stream<64xui2, 8>):
    %w = rpnn.constant dense<1> : tensor<64x10xsi2> -> tensor<64x10x!rpnn.bipolar>
    // CHECK-NEXT: %w = rpnn.constant dense<1> : tensor<64x10xsi2> -> tensor<64x10x!rpnn.bipolar>
    %acc = rpnn.mvtu %in, %w pe = 2 simd = 8 acc = si16 resource = "lut" ram = "distributed" : !rpnn.stream<64xui2, 8>, tensor<64x10x!rpnn.bipolar> -> !rpnn.stream<10xsi16, 2>
    // CHECK-NEXT: %acc = rpnn.mvtu %in, %w pe = 2 simd = 8 acc = si16 resource = "lut" ram = "distributed" : !rpnn.stream<64xui2, 8>, tensor<64x10x!rpnn.bipolar> -> !rpnn.stream<10xsi16, 2>
    %th = rpnn.constant dense<[[-8, 0, 8]]> : tensor<1x3xsi16>
    // CHECK-NEXT: %th = rpnn.constant dense<{{\[\[}}-8, 0, 8]]> : tensor<1x3xsi16>
    %t = rpnn.thresholding %acc, %th pe = 2 : !rpnn.stream<10xsi16, 2>, tensor<1x3xsi16> -> !rpnn.stream<10xui2, 2>
    // CHECK-NEXT: %t = rpnn.thresholding %acc, %th pe = 2 : !rpnn.stream<10xsi16, 2>, tensor<1x3xsi16> -> !rpnn.stream<10xui2, 2>
    %l = rpnn.label_select %t k = 3 pe = 2 : !rpnn.stream<10xui2, 2> -> !rpnn.stream<3xui4, 1>
    // CHECK-NEXT: %l = rpnn.label_select %t k = 3 pe = 2 : !rpnn.stream<10xui2, 2> -> !rpnn.stream<3xui4, 1>
    rpnn.yield %l : !rpnn.stream<3xui4, 1>
    // CHECK-NEXT: rpnn.yield %l : !rpnn.stream<3xui4, 1>
  }
  // CHECK-NEXT: }
  %r = rpnn.stream_to_tensor %o : !rpnn.stream<3xui4, 1> -> tensor<1x3xui4>
  // CHECK-NEXT: %r = rpnn.stream_to_tensor %o : !rpnn.stream<3xui4, 1> -> tensor<1x3xui4>
  func.return %r : tensor<1x3xui4>
  // CHECK-NEXT: func.return %r : tensor<1x3xui4>
}
// CHECK-NEXT: }

// ---- A partition with two inputs and two results; mvtu and depthwise with thresholds.

func.func @units(%a: !rpnn.stream<4x4x8xui2, 8>, %b: !rpnn.stream<2x2x72xsi4, 8>) -> (!rpnn.stream<4x4x4x!rpnn.bipolar, 2>, !rpnn.stream<2x2x8xui3, 8>) {
// CHECK-LABEL: func.func @units(%a: !rpnn.stream<4x4x8xui2, 8>, %b: !rpnn.stream<2x2x72xsi4, 8>) -> (!rpnn.stream<4x4x4x!rpnn.bipolar, 2>, !rpnn.stream<2x2x8xui3, 8>) {
  %o0, %o1 = rpnn.partition(%a, %b) device = "xc7z020clg400-1" slr = 0 : (!rpnn.stream<4x4x8xui2, 8>, !rpnn.stream<2x2x72xsi4, 8>) -> (!rpnn.stream<4x4x4x!rpnn.bipolar, 2>, !rpnn.stream<2x2x8xui3, 8>) {
  // CHECK-NEXT: %o0, %o1 = rpnn.partition(%a, %b) device = "xc7z020clg400-1" slr = 0 : (!rpnn.stream<4x4x8xui2, 8>, !rpnn.stream<2x2x72xsi4, 8>) -> (!rpnn.stream<4x4x4x!rpnn.bipolar, 2>, !rpnn.stream<2x2x8xui3, 8>) {
  ^bb0(%ia: !rpnn.stream<4x4x8xui2, 8>, %ib: !rpnn.stream<2x2x72xsi4, 8>):
  // CHECK-NEXT: ^bb0(%ia: !rpnn.stream<4x4x8xui2, 8>, %ib: !rpnn.stream<2x2x72xsi4, 8>):
    %w = rpnn.constant dense<"0x01FF01FFFF01FF0101010101FFFFFFFF01FF01FFFF01FF0101010101FFFFFFFF"> : tensor<8x4xsi2> -> tensor<8x4x!rpnn.bipolar>
    // CHECK-NEXT: %w = rpnn.constant dense<{{\[\[}}1, -1, 1, -1], [-1, 1, -1, 1], [1, 1, 1, 1], [-1, -1, -1, -1], [1, -1, 1, -1], [-1, 1, -1, 1], [1, 1, 1, 1], [-1, -1, -1, -1]]> : tensor<8x4xsi2> -> tensor<8x4x!rpnn.bipolar>
    %t = rpnn.constant dense<[[0], [1], [2], [3]]> : tensor<4x1xsi8>
    // CHECK-NEXT: %t = rpnn.constant dense<{{\[\[}}0], [1], [2], [3]]> : tensor<4x1xsi8>
    %m = rpnn.mvtu %ia, %w, %t pe = 2 simd = 8 acc = si8 resource = "dsp" ram = "block" : !rpnn.stream<4x4x8xui2, 8>, tensor<8x4x!rpnn.bipolar>, tensor<4x1xsi8> -> !rpnn.stream<4x4x4x!rpnn.bipolar, 2>
    // CHECK-NEXT: %m = rpnn.mvtu %ia, %w, %t pe = 2 simd = 8 acc = si8 resource = "dsp" ram = "block" : !rpnn.stream<4x4x8xui2, 8>, tensor<8x4x!rpnn.bipolar>, tensor<4x1xsi8> -> !rpnn.stream<4x4x4x!rpnn.bipolar, 2>
    %dw = rpnn.constant dense<2> : tensor<8x9xsi4>
    // CHECK-NEXT: %dw = rpnn.constant dense<2> : tensor<8x9xsi4>
    %dt = rpnn.constant dense<[[-10, 0, 10]]> : tensor<1x3xsi16>
    // CHECK-NEXT: %dt = rpnn.constant dense<{{\[\[}}-10, 0, 10]]> : tensor<1x3xsi16>
    %d = rpnn.depthwise %ib, %dw, %dt pe = 8 simd = 1 acc = si16 out_bias = 2 resource = "lut" ram = "auto" : !rpnn.stream<2x2x72xsi4, 8>, tensor<8x9xsi4>, tensor<1x3xsi16> -> !rpnn.stream<2x2x8xui3, 8>
    // CHECK-NEXT: %d = rpnn.depthwise %ib, %dw, %dt pe = 8 simd = 1 acc = si16 out_bias = 2 resource = "lut" ram = "auto" : !rpnn.stream<2x2x72xsi4, 8>, tensor<8x9xsi4>, tensor<1x3xsi16> -> !rpnn.stream<2x2x8xui3, 8>
    rpnn.yield %m, %d : !rpnn.stream<4x4x4x!rpnn.bipolar, 2>, !rpnn.stream<2x2x8xui3, 8>
    // CHECK-NEXT: rpnn.yield %m, %d : !rpnn.stream<4x4x4x!rpnn.bipolar, 2>, !rpnn.stream<2x2x8xui3, 8>
  }
  // CHECK-NEXT: }
  func.return %o0, %o1 : !rpnn.stream<4x4x4x!rpnn.bipolar, 2>, !rpnn.stream<2x2x8xui3, 8>
  // CHECK-NEXT: func.return %o0, %o1 : !rpnn.stream<4x4x4x!rpnn.bipolar, 2>, !rpnn.stream<2x2x8xui3, 8>
}
// CHECK-NEXT: }

// ---- Custom-format corner cases: discardable attributes after rpnn.constant's types and in a
// declarative format, a partition with neither inputs nor results (bare rpnn.yield), a width
// converter that also flattens its stream.

func.func @corner_cases(%x: tensor<1x3xsi4>, %s: !rpnn.stream<2x2x16xsi2, 4>) {
// CHECK-LABEL: func.func @corner_cases(%x: tensor<1x3xsi4>, %s: !rpnn.stream<2x2x16xsi2, 4>) {
  %c = rpnn.constant dense<"0x0102FF"> : tensor<3xsi4> {rpnn.note = "hex"}
  // CHECK-NEXT: %c = rpnn.constant dense<[1, 2, -1]> : tensor<3xsi4> {rpnn.note = "hex"}
  %b = rpnn.constant dense<[1, -1]> : tensor<2xsi2> -> tensor<2x!rpnn.bipolar> {unit_attr}
  // CHECK-NEXT: %b = rpnn.constant dense<[1, -1]> : tensor<2xsi2> -> tensor<2x!rpnn.bipolar> {unit_attr}
  %r = rpnn.relu %x {tag = 7 : i64} : tensor<1x3xsi4> -> tensor<1x3xsi4>
  // CHECK-NEXT: %r = rpnn.relu %x {tag = 7 : i64} : tensor<1x3xsi4> -> tensor<1x3xsi4>
  %f = rpnn.dwc %s : !rpnn.stream<2x2x16xsi2, 4> -> !rpnn.stream<64xsi2, 8>
  // CHECK-NEXT: %f = rpnn.dwc %s : !rpnn.stream<2x2x16xsi2, 4> -> !rpnn.stream<64xsi2, 8>
  rpnn.partition() device = "xc7z020clg400-1" slr = 0 : () -> () {
  // CHECK-NEXT: rpnn.partition() device = "xc7z020clg400-1" slr = 0 : () -> () {
    rpnn.yield
    // CHECK-NEXT: rpnn.yield
  }
  // CHECK-NEXT: }
  func.return
  // CHECK-NEXT: func.return
}
// CHECK-NEXT: }

// ---- The generic form round-trips as well (third RUN line).

// GENERIC:      "rpnn.quant"(%x) <{scale = dense<5.000000e-01> : tensor<f32>, zero_point = dense<0.000000e+00> : tensor<f32>, bit_width = 4 : i64, signed, narrow, rounding_mode = "ROUND"}> : (tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xf32>
// GENERIC:      %tr = "rpnn.trunc"(%x) <{scale = dense<2.500000e-01> : tensor<f32>, zero_point = dense<0.000000e+00> : tensor<f32>, shift = 2 : i64, out_scale = dense<1.000000e+00> : tensor<f32>, out_zero_point = dense<0.000000e+00> : tensor<f32>, bit_width = 4 : i64, signed, narrow, rounding_mode = "FLOOR"}> : (tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xf32>
// GENERIC:      "rpnn.conv2d"(%q, %w) <{stride = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilation = array<i64: 1, 1>, groups = 1 : i64}> : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
// GENERIC:      %mt = "rpnn.multithreshold"(%mm, %th) <{out_scale = 2.000000e+00 : f32, out_bias = -3.000000e+00 : f32}> : (tensor<1x10xf32>, tensor<1x3xf32>) -> tensor<1x10xf32>
// GENERIC:      %fw = "rpnn.constant"() <{value = dense<1> : tensor<64x10xsi2>}> : () -> tensor<64x10x!rpnn.bipolar>
// GENERIC:      %o = "rpnn.partition"(%s) <{device = "xc7z020clg400-1", slr = 0 : i64}> ({
// GENERIC-NEXT: ^bb0(%in: !rpnn.stream<8x8x3xui4, 3>):
// GENERIC:      %m = "rpnn.mvtu"(%w, %wts, %th) <{pe = 4 : i64, simd = 3 : i64, acc_type = si16, out_bias = -1 : i64, resource_type = "lut", ram_style = "block"}> : (!rpnn.stream<8x8x27xui4, 3>, tensor<27x16xsi2>, tensor<1x3xsi16>) -> !rpnn.stream<8x8x16xsi3, 4>
// GENERIC:      %d0, %d1 = "rpnn.duplicate"(%mp) : (!rpnn.stream<4x4x16xsi3, 4>) -> (!rpnn.stream<4x4x16xsi3, 4>, !rpnn.stream<4x4x16xsi3, 4>)
// GENERIC:      "rpnn.yield"(%y) : (!rpnn.stream<2x2x16xsi2, 4>) -> ()
// GENERIC-NEXT: }) : (!rpnn.stream<8x8x3xui4, 3>) -> !rpnn.stream<2x2x16xsi2, 4>
// GENERIC:      %acc = "rpnn.mvtu"(%in, %w) <{pe = 2 : i64, simd = 8 : i64, acc_type = si16, resource_type = "lut", ram_style = "distributed"}> : (!rpnn.stream<64xui2, 8>, tensor<64x10x!rpnn.bipolar>) -> !rpnn.stream<10xsi16, 2>
// GENERIC:      %c = "rpnn.constant"() <{value = dense<[1, 2, -1]> : tensor<3xsi4>}> {rpnn.note = "hex"} : () -> tensor<3xsi4>
// GENERIC:      "rpnn.partition"() <{device = "xc7z020clg400-1", slr = 0 : i64}> ({
// GENERIC-NEXT:   "rpnn.yield"() : () -> ()
// GENERIC-NEXT: }) : () -> ()
