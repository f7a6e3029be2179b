// RUN: rpnn-opt %s -p 'rpnn-streamline{float-tail=onnx}' | filecheck %s
// RUN: rpnn-opt %s -p 'rpnn-streamline{float-tail=onnx}' | rpnn-opt | filecheck %s
// RUN: rpnn-opt %s -p rpnn-streamline | filecheck %s --check-prefix=REAL
// RUN: not rpnn-opt %s -p 'rpnn-streamline{float-tail=ieee}' 2>&1 | filecheck %s --check-prefix=ERR

// float-tail=onnx keeps the float ops after the last activation quantizer as f32 ops, fed
// by the quantizer's integers dequantized by one rpnn.scale_bias (q * 0.1 rounded once, as
// qonnx's Quant computes it), with the weight quantizer's output as an f32 constant, and
// marks the function: the interpreter and the C reference then round each of them as
// onnxruntime does.  The default (real) folds the same tail into one rpnn.scale_bias.

func.func @host_tail(%x: tensor<1x4xf32>) -> tensor<1x3xf32> {
  %xq = rpnn.quant %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 4 signed rounding = "ROUND" : tensor<1x4xf32> -> tensor<1x4xf32>
  %w = rpnn.constant dense<[[1.0, -1.0], [0.5, 1.0], [-1.0, 0.25], [1.0, 1.0]]> : tensor<4x2xf32>
  %wq = rpnn.quant %w scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 2 signed narrow rounding = "ROUND" : tensor<4x2xf32> -> tensor<4x2xf32>
  %acc = rpnn.matmul %xq, %wq : tensor<1x4xf32>, tensor<4x2xf32> -> tensor<1x2xf32>
  %a = rpnn.quant %acc scale = dense<0.1> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 3 rounding = "ROUND" : tensor<1x2xf32> -> tensor<1x2xf32>
  %w2 = rpnn.constant dense<[[0.3, -0.7, 0.2], [0.1, 0.3, -0.6]]> : tensor<2x3xf32>
  %w2q = rpnn.quant %w2 scale = dense<[[0.1, 0.3, 0.2]]> : tensor<1x3xf32> zero_point = dense<0.0> : tensor<f32> bits = 4 signed narrow rounding = "ROUND" : tensor<2x3xf32> -> tensor<2x3xf32>
  %y = rpnn.matmul %a, %w2q {rpnn.ort_kernel = "m1_transposed_b"} : tensor<1x2xf32>, tensor<2x3xf32> -> tensor<1x3xf32>
  %b = rpnn.constant dense<[[0.5, -0.25, 1.0]]> : tensor<1x3xf32>
  %yb = rpnn.add %y, %b : tensor<1x3xf32>, tensor<1x3xf32> -> tensor<1x3xf32>
  %c = rpnn.constant dense<3.0> : tensor<f32>
  %out = rpnn.div %yb, %c : tensor<1x3xf32>, tensor<f32> -> tensor<1x3xf32>
  func.return %out : tensor<1x3xf32>
}

// CHECK-LABEL: func.func @host_tail(%x: tensor<1x4xf32>) -> tensor<1x3xf32> attributes {rpnn.float_tail = "onnx"} {
// CHECK:         %acc = rpnn.matmul %xq, %wq : tensor<1x4xsi4>, tensor<4x2xsi2> -> tensor<1x2xsi32>
// CHECK:         %a = rpnn.multithreshold %acc, %a_th : tensor<1x2xsi32>, tensor<1x7xui2> -> tensor<1x2xui3>
// CHECK-NEXT:    %a_1 = rpnn.scale_bias %a scale = dense<0.10000000149011612> : tensor<f64> bias = dense<0.000000e+00> : tensor<f64> : tensor<1x2xui3> -> tensor<1x2xf32>
// CHECK-NEXT:    %w2q = rpnn.constant dense<{{.*}}> : tensor<2x3xf32>
// CHECK-NEXT:    %y = rpnn.matmul %a_1, %w2q {rpnn.ort_kernel = "m1_transposed_b"} : tensor<1x2xf32>, tensor<2x3xf32> -> tensor<1x3xf32>
// CHECK-NEXT:    %b = rpnn.constant dense<{{.*}}> : tensor<1x3xf32>
// CHECK-NEXT:    %yb = rpnn.add %y, %b : tensor<1x3xf32>, tensor<1x3xf32> -> tensor<1x3xf32>
// CHECK-NEXT:    %c = rpnn.constant dense<3.000000e+00> : tensor<f32>
// CHECK-NEXT:    %out = rpnn.div %yb, %c : tensor<1x3xf32>, tensor<f32> -> tensor<1x3xf32>
// CHECK-NEXT:    func.return %out : tensor<1x3xf32>

// REAL-LABEL: func.func @host_tail(%x: tensor<1x4xf32>) -> tensor<1x3xf32> {
// REAL:         %y = rpnn.matmul %a, %w2q : tensor<1x2xui3>, tensor<2x3xsi4> -> tensor<1x3xsi32>
// REAL-NEXT:    %out = rpnn.scale_bias %y scale = dense<[0.0033333334326744088, 0.010000000546375917, 0.0066666668653488177]> : tensor<3xf64> bias = dense<[0.16666666666666666, -0.083333333333333329, 0.33333333333333331]> : tensor<3xf64> : tensor<1x3xsi32> -> tensor<1x3xf32>
// REAL-NEXT:    func.return %out : tensor<1x3xf32>

// A last layer whose f32 evaluation is exact in any order (power-of-two scales, sums below
// 2^24 units) stays an integer layer (hardware); its exact rpnn.scale_bias feeds the f32 ops.

func.func @exact_last_layer(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %xq = rpnn.quant %x scale = dense<0.25> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 4 signed rounding = "ROUND" : tensor<1x4xf32> -> tensor<1x4xf32>
  %w = rpnn.constant dense<[[1.0, -1.0], [0.5, 1.0], [-1.0, 0.25], [1.0, 1.0]]> : tensor<4x2xf32>
  %wq = rpnn.quant %w scale = dense<[[0.5, 0.125]]> : tensor<1x2xf32> zero_point = dense<0.0> : tensor<f32> bits = 4 signed narrow rounding = "ROUND" : tensor<4x2xf32> -> tensor<4x2xf32>
  %y = rpnn.matmul %xq, %wq : tensor<1x4xf32>, tensor<4x2xf32> -> tensor<1x2xf32>
  %m = rpnn.constant dense<[[1.5, -0.3]]> : tensor<1x2xf32>
  %s = rpnn.constant dense<[[0.7, 2.0]]> : tensor<1x2xf32>
  %d = rpnn.add %y, %m : tensor<1x2xf32>, tensor<1x2xf32> -> tensor<1x2xf32>
  %out = rpnn.div %d, %s : tensor<1x2xf32>, tensor<1x2xf32> -> tensor<1x2xf32>
  func.return %out : tensor<1x2xf32>
}

// CHECK-LABEL: func.func @exact_last_layer(%x: tensor<1x4xf32>) -> tensor<1x2xf32> attributes {rpnn.float_tail = "onnx"} {
// CHECK:         %y = rpnn.matmul %xq, %wq : tensor<1x4xsi4>, tensor<4x2xsi4> -> tensor<1x2xsi32>
// CHECK-NEXT:    %y_1 = rpnn.scale_bias %y scale = dense<[1.250000e-01, 3.125000e-02]> : tensor<2xf64> bias = dense<0.000000e+00> : tensor<f64> : tensor<1x2xsi32> -> tensor<1x2xf32>
// CHECK:         %d = rpnn.add %y_1, %m : tensor<1x2xf32>, tensor<1x2xf32> -> tensor<1x2xf32>
// CHECK:         %out = rpnn.div %d, %s : tensor<1x2xf32>, tensor<1x2xf32> -> tensor<1x2xf32>

// REAL-LABEL: func.func @exact_last_layer(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
// REAL:         %out = rpnn.scale_bias %y scale = {{.*}} : tensor<1x2xsi32> -> tensor<1x2xf32>

// ERR: error: pass 'rpnn-streamline' failed: rpnn-streamline: float-tail=ieee must be one of real, onnx
