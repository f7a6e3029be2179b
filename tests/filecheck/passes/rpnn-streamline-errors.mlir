// RUN: not rpnn-opt %s -p rpnn-streamline 2>&1 | filecheck %s --check-prefix=ERR
// RUN: rpnn-opt %s -p rpnn-streamline --split-input-file --verify-diagnostics | filecheck %s

// What rpnn-streamline rejects: each chunk fails with one line naming the op, its result and
// the reason.  Without --split-input-file the first failure ends the run with that one line.

// ERR: error: pass 'rpnn-streamline' failed: rpnn.quant (%wq): weights with a nonzero zero point are not supported
// ERR-NOT: Traceback

func.func @weight_zero_point(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %xq = rpnn.quant %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 4 signed rounding = "ROUND" : tensor<1x4xf32> -> tensor<1x4xf32>
  %w = rpnn.constant dense<0.5> : tensor<4x2xf32>
  %wq = rpnn.quant %w scale = dense<0.5> : tensor<f32> zero_point = dense<1.0> : tensor<f32> bits = 4 signed rounding = "ROUND" : tensor<4x2xf32> -> tensor<4x2xf32>
  %y = rpnn.matmul %xq, %wq : tensor<1x4xf32>, tensor<4x2xf32> -> tensor<1x2xf32>
  func.return %y : tensor<1x2xf32>
}
// CHECK: rpnn.quant (%wq): weights with a nonzero zero point are not supported

// -----

func.func @channel_scale_into_matmul(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %xq = rpnn.quant %x scale = dense<[0.5, 0.25]> : tensor<2xf32> zero_point = dense<0.0> : tensor<f32> bits = 4 signed rounding = "ROUND" : tensor<1x2xf32> -> tensor<1x2xf32>
  %w = rpnn.constant dense<0.5> : tensor<2x2xf32>
  %wq = rpnn.quant %w scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 4 signed rounding = "ROUND" : tensor<2x2xf32> -> tensor<2x2xf32>
  %y = rpnn.matmul %xq, %wq : tensor<1x2xf32>, tensor<2x2xf32> -> tensor<1x2xf32>
  func.return %y : tensor<1x2xf32>
}
// CHECK: rpnn.matmul (%y): the scale of input %xq (rpnn.quant) varies along the reduction axis (per-channel activation scale feeding a matmul over those channels)

// -----

func.func @no_quantizer_between_layers(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %xq = rpnn.quant %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 4 signed rounding = "ROUND" : tensor<1x2xf32> -> tensor<1x2xf32>
  %w = rpnn.constant dense<0.5> : tensor<2x2xf32>
  %wq = rpnn.quant %w scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 4 signed rounding = "ROUND" : tensor<2x2xf32> -> tensor<2x2xf32>
  %h = rpnn.matmul %xq, %wq : tensor<1x2xf32>, tensor<2x2xf32> -> tensor<1x2xf32>
  %bn = rpnn.batchnorm %h scale = dense<1.0> : tensor<2xf32> bias = dense<0.5> : tensor<2xf32> mean = dense<0.0> : tensor<2xf32> var = dense<1.0> : tensor<2xf32> epsilon = 0.0 : f32 : tensor<1x2xf32> -> tensor<1x2xf32>
  %y = rpnn.matmul %bn, %wq : tensor<1x2xf32>, tensor<2x2xf32> -> tensor<1x2xf32>
  func.return %y : tensor<1x2xf32>
}
// CHECK: rpnn.matmul (%y): input %bn (rpnn.batchnorm) is a float value with no activation quantizer before this layer

// -----

func.func @unquantized_weights(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %xq = rpnn.quant %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 4 signed rounding = "ROUND" : tensor<1x2xf32> -> tensor<1x2xf32>
  %w = rpnn.constant dense<0.5> : tensor<2x2xf32>
  %y = rpnn.matmul %xq, %w : tensor<1x2xf32>, tensor<2x2xf32> -> tensor<1x2xf32>
  func.return %y : tensor<1x2xf32>
}
// CHECK: rpnn.matmul (%y): weights %w (rpnn.constant) are not quantized (no rpnn.quant of a constant)

// -----

func.func @unquantized_input(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = rpnn.constant dense<0.5> : tensor<2x2xf32>
  %wq = rpnn.quant %w scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 4 signed rounding = "ROUND" : tensor<2x2xf32> -> tensor<2x2xf32>
  %y = rpnn.matmul %x, %wq : tensor<1x2xf32>, tensor<2x2xf32> -> tensor<1x2xf32>
  func.return %y : tensor<1x2xf32>
}
// CHECK: rpnn.matmul (%y): input %x (function argument) is not quantized

// -----

func.func @relu_in_float_tail(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %xq = rpnn.quant %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 4 signed rounding = "ROUND" : tensor<1x2xf32> -> tensor<1x2xf32>
  %w = rpnn.constant dense<0.5> : tensor<2x2xf32>
  %wq = rpnn.quant %w scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 4 signed rounding = "ROUND" : tensor<2x2xf32> -> tensor<2x2xf32>
  %h = rpnn.matmul %xq, %wq : tensor<1x2xf32>, tensor<2x2xf32> -> tensor<1x2xf32>
  %y = rpnn.relu %h : tensor<1x2xf32> -> tensor<1x2xf32>
  func.return %y : tensor<1x2xf32>
}
// CHECK: func.return: the float output %y ends in a relu or clamp after its last layer, which rpnn.scale_bias cannot express

// -----

func.func @residual_scales_differ(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %a = rpnn.quant %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 4 signed rounding = "ROUND" : tensor<1x2xf32> -> tensor<1x2xf32>
  %b = rpnn.quant %x scale = dense<0.25> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 4 signed rounding = "ROUND" : tensor<1x2xf32> -> tensor<1x2xf32>
  %y = rpnn.add %a, %b : tensor<1x2xf32>, tensor<1x2xf32> -> tensor<1x2xf32>
  func.return %y : tensor<1x2xf32>
}
// CHECK: rpnn.add (%y): residual operands %a and %b carry different scales

// -----

func.func @decreasing_without_layer(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %a = rpnn.quant %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 4 signed rounding = "ROUND" : tensor<1x2xf32> -> tensor<1x2xf32>
  %m = rpnn.constant dense<-1.0> : tensor<f32>
  %n = rpnn.mul %a, %m : tensor<1x2xf32>, tensor<f32> -> tensor<1x2xf32>
  %y = rpnn.quant %n scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 4 signed rounding = "ROUND" : tensor<1x2xf32> -> tensor<1x2xf32>
  func.return %y : tensor<1x2xf32>
}
// CHECK: rpnn.quant (%y): the quantizer input decreases with %a (rpnn.quant) (a negative factor) and only a linear layer's accumulator can be negated

// -----

func.func @padded_bipolar_input(%x: tensor<1x1x3x3xf32>) -> tensor<1x1x3x3xf32> {
  %xq = rpnn.bipolar_quant %x scale = dense<1.0> : tensor<f32> : tensor<1x1x3x3xf32> -> tensor<1x1x3x3xf32>
  %w = rpnn.constant dense<1.0> : tensor<1x1x3x3xf32>
  %wq = rpnn.bipolar_quant %w scale = dense<1.0> : tensor<f32> : tensor<1x1x3x3xf32> -> tensor<1x1x3x3xf32>
  %y = rpnn.conv2d %xq, %wq stride = [1, 1] padding = [1, 1, 1, 1] dilation = [1, 1] groups = 1 : tensor<1x1x3x3xf32>, tensor<1x1x3x3xf32> -> tensor<1x1x3x3xf32>
  func.return %y : tensor<1x1x3x3xf32>
}
// CHECK: rpnn.conv2d (%y): zero padding of a bipolar input cannot be expressed on integers (bipolar has no zero)

// -----

func.func @float_multithreshold(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %t = rpnn.constant dense<[[0.5]]> : tensor<1x1xf32>
  %y = rpnn.multithreshold %x, %t : tensor<1x2xf32>, tensor<1x1xf32> -> tensor<1x2xf32>
  func.return %y : tensor<1x2xf32>
}
// CHECK: rpnn.multithreshold (%y): has no integer-level form (op not supported by rpnn-streamline)

// -----

func.func @trunc(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %xq = rpnn.quant %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 8 signed rounding = "ROUND" : tensor<1x2xf32> -> tensor<1x2xf32>
  %y = rpnn.trunc %xq scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> shift = 4 out_scale = dense<0.5> : tensor<f32> out_zero_point = dense<0.0> : tensor<f32> rounding = "FLOOR" : tensor<1x2xf32> -> tensor<1x2xf32>
  func.return %y : tensor<1x2xf32>
}
// CHECK: rpnn.trunc (%y): has no integer-level form (op not supported by rpnn-streamline)
