// RUN: rpnn-opt %s -p rpnn-streamline | filecheck %s
// RUN: rpnn-opt %s -p rpnn-streamline | rpnn-opt | filecheck %s
// RUN: not rpnn-opt %s -p 'rpnn-streamline{acc-width=4}' 2>&1 | filecheck %s --check-prefix=ERR

// Thresholds are exact integers.  In @rounding_modes x is quantized to 4-bit integers X
// (scale 1) and every weight is 1, so acc = sum(X) in [-32, 28]; each activation quantizer
// (signed 2-bit, q in [-2, 1]) sees v = acc / 2, which is a tie x.5 at every odd accumulator.
// Level j (q >= j) is crossed when v >= t (or v > t), i.e. acc >= 2t (or acc >= 2t + 1):
//   ROUND / HALF_EVEN  t = j - 1/2, strict for odd j (a tie goes to the even neighbour)
//   HALF_UP            t = j - 1/2, strict for j <= 0 (ties away from zero)
//   HALF_DOWN          t = j - 1/2, strict for j >= 1 (ties toward zero)
//   CEIL  t = j - 1 strict;  FLOOR  t = j;  UP / DOWN: CEIL / FLOOR above zero, swapped below.
// E.g. ROUND: acc = -3 (v = -1.5) gives -2, acc = -1 (v = -0.5) gives 0, acc = 1 gives 0,
// acc = 2 gives 1: thresholds [-2, -1, 2].  The output is -2 + #{t <= acc} (out_bias = min_int).

func.func @rounding_modes(%x: tensor<1x4xf32>) -> (tensor<1x1xf32>, tensor<1x1xf32>, tensor<1x1xf32>, tensor<1x1xf32>, tensor<1x1xf32>, tensor<1x1xf32>, tensor<1x1xf32>, tensor<1x1xf32>) {
  %xq = rpnn.quant %x scale = dense<1.0> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 4 signed rounding = "ROUND" : tensor<1x4xf32> -> tensor<1x4xf32>
  %w = rpnn.constant dense<1.0> : tensor<4x1xf32>
  %wq = rpnn.quant %w scale = dense<1.0> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 2 signed narrow rounding = "ROUND" : tensor<4x1xf32> -> tensor<4x1xf32>
  %acc = rpnn.matmul %xq, %wq : tensor<1x4xf32>, tensor<4x1xf32> -> tensor<1x1xf32>
  %half = rpnn.constant dense<0.5> : tensor<f32>
  %v = rpnn.mul %acc, %half : tensor<1x1xf32>, tensor<f32> -> tensor<1x1xf32>
  %round = rpnn.quant %v scale = dense<1.0> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 2 signed rounding = "ROUND" : tensor<1x1xf32> -> tensor<1x1xf32>
  %even = rpnn.quant %v scale = dense<1.0> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 2 signed rounding = "HALF_EVEN" : tensor<1x1xf32> -> tensor<1x1xf32>
  %half_up = rpnn.quant %v scale = dense<1.0> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 2 signed rounding = "HALF_UP" : tensor<1x1xf32> -> tensor<1x1xf32>
  %half_down = rpnn.quant %v scale = dense<1.0> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 2 signed rounding = "HALF_DOWN" : tensor<1x1xf32> -> tensor<1x1xf32>
  %ceil = rpnn.quant %v scale = dense<1.0> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 2 signed rounding = "CEIL" : tensor<1x1xf32> -> tensor<1x1xf32>
  %floor = rpnn.quant %v scale = dense<1.0> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 2 signed rounding = "FLOOR" : tensor<1x1xf32> -> tensor<1x1xf32>
  %up = rpnn.quant %v scale = dense<1.0> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 2 signed rounding = "UP" : tensor<1x1xf32> -> tensor<1x1xf32>
  %down = rpnn.quant %v scale = dense<1.0> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 2 signed rounding = "DOWN" : tensor<1x1xf32> -> tensor<1x1xf32>
  func.return %round, %even, %half_up, %half_down, %ceil, %floor, %up, %down : tensor<1x1xf32>, tensor<1x1xf32>, tensor<1x1xf32>, tensor<1x1xf32>, tensor<1x1xf32>, tensor<1x1xf32>, tensor<1x1xf32>, tensor<1x1xf32>
}
// CHECK-LABEL: func.func @rounding_modes
// CHECK-NEXT:    %xq = rpnn.quant %x {{.*}} bits = 4 signed rounding = "ROUND" : tensor<1x4xf32> -> tensor<1x4xsi4>
// CHECK-NEXT:    %wq = rpnn.constant dense<1> : tensor<4x1xsi2>
// CHECK-NEXT:    %acc = rpnn.matmul %xq, %wq : tensor<1x4xsi4>, tensor<4x1xsi2> -> tensor<1x1xsi32>
// CHECK-NEXT:    %round_th = rpnn.constant dense<{{\[\[}}-2, -1, 2]]> : tensor<1x3xsi3>
// CHECK-NEXT:    %round = rpnn.multithreshold %acc, %round_th out_bias = -2.000000e+00 : f32 : tensor<1x1xsi32>, tensor<1x3xsi3> -> tensor<1x1xsi2>
// CHECK-NEXT:    %even_th = rpnn.constant dense<{{\[\[}}-2, -1, 2]]> : tensor<1x3xsi3>
// CHECK-NEXT:    %even = rpnn.multithreshold %acc, %even_th out_bias = -2.000000e+00 : f32
// CHECK-NEXT:    %half_up_th = rpnn.constant dense<{{\[\[}}-2, 0, 1]]> : tensor<1x3xsi2>
// CHECK-NEXT:    %half_up = rpnn.multithreshold %acc, %half_up_th out_bias = -2.000000e+00 : f32
// CHECK-NEXT:    %half_down_th = rpnn.constant dense<{{\[\[}}-3, -1, 2]]> : tensor<1x3xsi3>
// CHECK-NEXT:    %half_down = rpnn.multithreshold %acc, %half_down_th out_bias = -2.000000e+00 : f32
// CHECK-NEXT:    %ceil_th = rpnn.constant dense<{{\[\[}}-3, -1, 1]]> : tensor<1x3xsi3>
// CHECK-NEXT:    %ceil = rpnn.multithreshold %acc, %ceil_th
// CHECK-NEXT:    %floor_th = rpnn.constant dense<{{\[\[}}-2, 0, 2]]> : tensor<1x3xsi3>
// CHECK-NEXT:    %floor = rpnn.multithreshold %acc, %floor_th
// CHECK-NEXT:    %up_th = rpnn.constant dense<{{\[\[}}-2, 0, 1]]> : tensor<1x3xsi2>
// CHECK-NEXT:    %up = rpnn.multithreshold %acc, %up_th
// CHECK-NEXT:    %down_th = rpnn.constant dense<{{\[\[}}-3, -1, 2]]> : tensor<1x3xsi3>
// CHECK-NEXT:    %down = rpnn.multithreshold %acc, %down_th
// The integer outputs leave as q * scale (here scale 1).
// CHECK-NEXT:    %round_1 = rpnn.scale_bias %round scale = dense<1.000000e+00> : tensor<f64> bias = dense<0.000000e+00> : tensor<f64> : tensor<1x1xsi2> -> tensor<1x1xf32>

// An unsigned quantizer with ROUND over three levels.  The bias and the scale fold too:
// v = (acc + 1) / 4 / 0.5 = (acc + 1) / 2, so the ties at acc = 0, 2, 4 (v = 0.5, 1.5, 2.5)
// round to 0, 2, 2: thresholds 1, 2, 5.
func.func @unsigned_round(%x: tensor<1x4xf32>) -> tensor<1x1xf32> {
  %xq = rpnn.quant %x scale = dense<1.0> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 4 signed rounding = "ROUND" : tensor<1x4xf32> -> tensor<1x4xf32>
  %w = rpnn.constant dense<1.0> : tensor<4x1xf32>
  %wq = rpnn.quant %w scale = dense<1.0> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 2 signed narrow rounding = "ROUND" : tensor<4x1xf32> -> tensor<4x1xf32>
  %acc = rpnn.matmul %xq, %wq : tensor<1x4xf32>, tensor<4x1xf32> -> tensor<1x1xf32>
  %one = rpnn.constant dense<1.0> : tensor<1xf32>
  %biased = rpnn.add %one, %acc : tensor<1xf32>, tensor<1x1xf32> -> tensor<1x1xf32>
  %quarter = rpnn.constant dense<0.25> : tensor<f32>
  %v = rpnn.mul %biased, %quarter : tensor<1x1xf32>, tensor<f32> -> tensor<1x1xf32>
  %q = rpnn.quant %v scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 2 rounding = "ROUND" : tensor<1x1xf32> -> tensor<1x1xf32>
  func.return %q : tensor<1x1xf32>
}
// CHECK-LABEL: func.func @unsigned_round
// CHECK:         %q_th = rpnn.constant dense<{{\[\[}}1, 2, 5]]> : tensor<1x3xui3>
// CHECK-NEXT:    %q = rpnn.multithreshold %acc, %q_th : tensor<1x1xsi32>, tensor<1x3xui3> -> tensor<1x1xui2>
// CHECK-NEXT:    %q_1 = rpnn.scale_bias %q scale = dense<5.000000e-01> : tensor<f64>

// A negative batch-norm scale makes channel 1 decrease with the accumulator: its weight column is
// negated so that its thresholds count upward.  BN with var 1, epsilon 0: channel 0 keeps acc,
// channel 1 is -0.5 * acc + 0.25 = 0.5 * acc' + 0.25 with acc' = -acc, FLOOR level j at
// acc' >= 2j - 0.5, i.e. 2j.  Channel 2 has scale 0: a constant 1.25, so level 1 is always
// crossed (threshold at the accumulator's lower bound -32) and levels 2, 3 never (28 + 1).
func.func @negative_batchnorm(%x: tensor<1x4xf32>) -> tensor<1x3xf32> {
  %xq = rpnn.quant %x scale = dense<1.0> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 4 signed rounding = "ROUND" : tensor<1x4xf32> -> tensor<1x4xf32>
  %w = rpnn.constant dense<1.0> : tensor<4x3xf32>
  %wq = rpnn.quant %w scale = dense<1.0> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 2 signed narrow rounding = "ROUND" : tensor<4x3xf32> -> tensor<4x3xf32>
  %acc = rpnn.matmul %xq, %wq : tensor<1x4xf32>, tensor<4x3xf32> -> tensor<1x3xf32>
  %bn = rpnn.batchnorm %acc scale = dense<[1.0, -0.5, 0.0]> : tensor<3xf32> bias = dense<[0.0, 0.25, 1.25]> : tensor<3xf32> mean = dense<0.0> : tensor<3xf32> var = dense<1.0> : tensor<3xf32> epsilon = 0.0 : f32 : tensor<1x3xf32> -> tensor<1x3xf32>
  %q = rpnn.quant %bn scale = dense<1.0> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 2 rounding = "FLOOR" : tensor<1x3xf32> -> tensor<1x3xf32>
  func.return %q : tensor<1x3xf32>
}
// CHECK-LABEL: func.func @negative_batchnorm
// CHECK:         %wq = rpnn.constant dense<{{\[\[}}1, -1, 1], [1, -1, 1], [1, -1, 1], [1, -1, 1]]> : tensor<4x3xsi2>
// CHECK-NEXT:    %acc = rpnn.matmul %xq, %wq : tensor<1x4xsi4>, tensor<4x3xsi2> -> tensor<1x3xsi32>
// CHECK-NEXT:    %q_th = rpnn.constant dense<{{\[\[}}1, 2, 3], [2, 4, 6], [-32, 29, 29]]> : tensor<3x3xsi6>
// CHECK-NEXT:    %q = rpnn.multithreshold %acc, %q_th : tensor<1x3xsi32>, tensor<3x3xsi6> -> tensor<1x3xui2>

// Bipolar activations and weights: acc in {-4, -2, 0, 2, 4}; the output quantizer gives +1 where
// acc + bias >= 0 (zero included): channel 0 (bias -2) at acc >= 2 (a tie at acc = 2), channel 1
// (bias 1) at acc >= -1.  One threshold per channel, out_scale 2 and out_bias -1.
func.func @bipolar(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %xq = rpnn.bipolar_quant %x scale = dense<1.0> : tensor<f32> : tensor<1x4xf32> -> tensor<1x4xf32>
  %w = rpnn.constant dense<[[1.0, -1.0], [-0.5, 2.0], [0.0, 0.25], [3.0, -3.0]]> : tensor<4x2xf32>
  %wq = rpnn.bipolar_quant %w scale = dense<1.0> : tensor<f32> : tensor<4x2xf32> -> tensor<4x2xf32>
  %acc = rpnn.matmul %xq, %wq : tensor<1x4xf32>, tensor<4x2xf32> -> tensor<1x2xf32>
  %b = rpnn.constant dense<[-2.0, 1.0]> : tensor<2xf32>
  %y = rpnn.add %acc, %b : tensor<1x2xf32>, tensor<2xf32> -> tensor<1x2xf32>
  %q = rpnn.bipolar_quant %y scale = dense<0.5> : tensor<f32> : tensor<1x2xf32> -> tensor<1x2xf32>
  func.return %q : tensor<1x2xf32>
}
// CHECK-LABEL: func.func @bipolar
// CHECK-NEXT:    %xq = rpnn.bipolar_quant %x scale = dense<1.000000e+00> : tensor<f32> : tensor<1x4xf32> -> tensor<1x4x!rpnn.bipolar>
// CHECK-NEXT:    %wq = rpnn.constant dense<{{\[\[}}1, -1], [-1, 1], [1, 1], [1, -1]]> : tensor<4x2xsi2> -> tensor<4x2x!rpnn.bipolar>
// CHECK-NEXT:    %acc = rpnn.matmul %xq, %wq : tensor<1x4x!rpnn.bipolar>, tensor<4x2x!rpnn.bipolar> -> tensor<1x2xsi32>
// CHECK-NEXT:    %q_th = rpnn.constant dense<{{\[\[}}2], [-1]]> : tensor<2x1xsi3>
// CHECK-NEXT:    %q = rpnn.multithreshold %acc, %q_th out_scale = 2.000000e+00 : f32 out_bias = -1.000000e+00 : f32 : tensor<1x2xsi32>, tensor<2x1xsi3> -> tensor<1x2x!rpnn.bipolar>
// CHECK-NEXT:    %q_1 = rpnn.scale_bias %q scale = dense<5.000000e-01> : tensor<f64>

// The float tail: the last layer's scales and bias become one rpnn.scale_bias on the accumulator
// (scale 0.5 * [0.25, 0.5, 1], bias [0.125, -0.25, 1]); rpnn.topk stays after it.
func.func @float_tail(%x: tensor<1x4xf32>) -> (tensor<1x3xf32>, tensor<1x1xui2>) {
  %xq = rpnn.quant %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 4 signed rounding = "ROUND" : tensor<1x4xf32> -> tensor<1x4xf32>
  %w = rpnn.constant dense<[[0.5, -1.0, 2.0], [0.25, 0.5, -1.0], [1.0, 1.0, 1.0], [-0.5, 0.0, 3.0]]> : tensor<4x3xf32>
  %wq = rpnn.quant %w scale = dense<[[0.25, 0.5, 1.0]]> : tensor<1x3xf32> zero_point = dense<0.0> : tensor<f32> bits = 3 signed rounding = "ROUND" : tensor<4x3xf32> -> tensor<4x3xf32>
  %acc = rpnn.matmul %xq, %wq : tensor<1x4xf32>, tensor<4x3xf32> -> tensor<1x3xf32>
  %b = rpnn.constant dense<[0.125, -0.25, 1.0]> : tensor<3xf32>
  %y = rpnn.add %acc, %b : tensor<1x3xf32>, tensor<3xf32> -> tensor<1x3xf32>
  %label = rpnn.topk %y k = 1 : tensor<1x3xf32> -> tensor<1x1xui2>
  func.return %y, %label : tensor<1x3xf32>, tensor<1x1xui2>
}
// CHECK-LABEL: func.func @float_tail
// CHECK:         %wq = rpnn.constant dense<{{\[\[}}2, -2, 2], [1, 1, -1], [3, 2, 1], [-2, 0, 3]]> : tensor<4x3xsi3>
// CHECK-NEXT:    %acc = rpnn.matmul %xq, %wq : tensor<1x4xsi4>, tensor<4x3xsi3> -> tensor<1x3xsi32>
// CHECK-NEXT:    %y = rpnn.scale_bias %acc scale = dense<[1.250000e-01, 2.500000e-01, 5.000000e-01]> : tensor<3xf64> bias = dense<[1.250000e-01, -2.500000e-01, 1.000000e+00]> : tensor<3xf64> : tensor<1x3xsi32> -> tensor<1x3xf32>
// CHECK-NEXT:    %label = rpnn.topk %y k = 1 : tensor<1x3xf32> -> tensor<1x1xui2>
// CHECK-NEXT:    func.return %y, %label : tensor<1x3xf32>, tensor<1x1xui2>

// With one positive scale and one bias for all labels the order is the accumulator's: topk
// ranks the integers.
func.func @integer_topk(%x: tensor<1x4xf32>) -> tensor<1x2xui2> {
  %xq = rpnn.quant %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 4 signed rounding = "ROUND" : tensor<1x4xf32> -> tensor<1x4xf32>
  %w = rpnn.constant dense<[[0.5, -1.0, 2.0], [0.25, 0.5, -1.0], [1.0, 1.0, 1.0], [-0.5, 0.0, 3.0]]> : tensor<4x3xf32>
  %wq = rpnn.quant %w scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 3 signed rounding = "ROUND" : tensor<4x3xf32> -> tensor<4x3xf32>
  %acc = rpnn.matmul %xq, %wq : tensor<1x4xf32>, tensor<4x3xf32> -> tensor<1x3xf32>
  %b = rpnn.constant dense<-3.0> : tensor<f32>
  %y = rpnn.add %acc, %b : tensor<1x3xf32>, tensor<f32> -> tensor<1x3xf32>
  %labels = rpnn.topk %y k = 2 : tensor<1x3xf32> -> tensor<1x2xui2>
  func.return %labels : tensor<1x2xui2>
}
// CHECK-LABEL: func.func @integer_topk
// CHECK:         %acc = rpnn.matmul %xq, %wq : tensor<1x4xsi4>, tensor<4x3xsi3> -> tensor<1x3xsi32>
// CHECK-NEXT:    %labels = rpnn.topk %acc k = 2 : tensor<1x3xsi32> -> tensor<1x2xui2>
// CHECK-NEXT:    func.return %labels : tensor<1x2xui2>

// A small conv net: conv -> batchnorm -> relu -> quant -> maxpool -> flatten -> matmul ->
// batchnorm.  Max pooling and the flatten commute with the positive scale and run on integers.
// Channel 0: acc * 0.25 * 0.5 * (2 / sqrt(4)) + 0.5 over the step 0.125 is v = acc + 4, HALF_UP
// level j at acc >= j - 4.  Channel 1 (negative BN scale, negated filter): v = acc' / 2 + 2.5,
// level j at acc' >= 2j - 6.  The last batch norm's negative channel is negated too, leaving
// positive scales 0.125 * [1, 2] for rpnn.scale_bias.
func.func @conv_net(%x: tensor<1x1x4x4xf32>) -> tensor<1x2xf32> {
  %xq = rpnn.quant %x scale = dense<0.25> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 4 rounding = "ROUND" : tensor<1x1x4x4xf32> -> tensor<1x1x4x4xf32>
  %w = rpnn.constant dense<[[[[1.0, -1.0], [0.5, 0.0]]], [[[-1.0, 1.0], [1.0, 1.0]]]]> : tensor<2x1x2x2xf32>
  %wq = rpnn.quant %w scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 3 signed narrow rounding = "ROUND" : tensor<2x1x2x2xf32> -> tensor<2x1x2x2xf32>
  %c = rpnn.conv2d %xq, %wq stride = [1, 1] padding = [1, 1, 0, 0] dilation = [1, 1] groups = 1 : tensor<1x1x4x4xf32>, tensor<2x1x2x2xf32> -> tensor<1x2x4x4xf32>
  %bn = rpnn.batchnorm %c scale = dense<[2.0, -1.0]> : tensor<2xf32> bias = dense<[0.5, 0.25]> : tensor<2xf32> mean = dense<[0.0, 0.125]> : tensor<2xf32> var = dense<4.0> : tensor<2xf32> epsilon = 0.0 : f32 : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  %r = rpnn.relu %bn : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  %a = rpnn.quant %r scale = dense<0.125> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 2 rounding = "HALF_UP" : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  %p = rpnn.maxpool %a kernel = [2, 2] stride = [2, 2] padding = [0, 0, 0, 0] : tensor<1x2x4x4xf32> -> tensor<1x2x2x2xf32>
  %f = rpnn.reshape %p : tensor<1x2x2x2xf32> -> tensor<1x8xf32>
  %w2 = rpnn.constant dense<0.75> : tensor<8x2xf32>
  %w2q = rpnn.quant %w2 scale = dense<1.0> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 1 signed rounding = "ROUND" : tensor<8x2xf32> -> tensor<8x2xf32>
  %m = rpnn.matmul %f, %w2q : tensor<1x8xf32>, tensor<8x2xf32> -> tensor<1x2xf32>
  %bn2 = rpnn.batchnorm %m scale = dense<[1.0, -2.0]> : tensor<2xf32> bias = dense<0.0> : tensor<2xf32> mean = dense<0.0> : tensor<2xf32> var = dense<1.0> : tensor<2xf32> epsilon = 0.0 : f32 : tensor<1x2xf32> -> tensor<1x2xf32>
  func.return %bn2 : tensor<1x2xf32>
}
// CHECK-LABEL: func.func @conv_net
// CHECK-NEXT:    %xq = rpnn.quant %x {{.*}} -> tensor<1x1x4x4xui4>
// CHECK-NEXT:    %wq = rpnn.constant dense<{{\[\[\[\[}}2, -2], [1, 0]]], {{\[\[\[}}2, -2], [-2, -2]]]]> : tensor<2x1x2x2xsi3>
// CHECK-NEXT:    %c = rpnn.conv2d %xq, %wq stride = [1, 1] padding = [1, 1, 0, 0] dilation = [1, 1] groups = 1 : tensor<1x1x4x4xui4>, tensor<2x1x2x2xsi3> -> tensor<1x2x4x4xsi32>
// CHECK-NEXT:    %a_th = rpnn.constant dense<{{\[\[}}-3, -2, -1], [-4, -2, 0]]> : tensor<2x3xsi3>
// CHECK-NEXT:    %a = rpnn.multithreshold %c, %a_th : tensor<1x2x4x4xsi32>, tensor<2x3xsi3> -> tensor<1x2x4x4xui2>
// CHECK-NEXT:    %p = rpnn.maxpool %a kernel = [2, 2] stride = [2, 2] padding = [0, 0, 0, 0] : tensor<1x2x4x4xui2> -> tensor<1x2x2x2xui2>
// CHECK-NEXT:    %f = rpnn.reshape %p : tensor<1x2x2x2xui2> -> tensor<1x8xui2>
// CHECK-NEXT:    %w2q = rpnn.constant dense<{{\[\[}}1, -1], [1, -1], [1, -1], [1, -1], [1, -1], [1, -1], [1, -1], [1, -1]]> : tensor<8x2xsi2> -> tensor<8x2x!rpnn.bipolar>
// CHECK-NEXT:    %m = rpnn.matmul %f, %w2q : tensor<1x8xui2>, tensor<8x2x!rpnn.bipolar> -> tensor<1x2xsi32>
// CHECK-NEXT:    %bn2 = rpnn.scale_bias %m scale = dense<[1.250000e-01, 2.500000e-01]> : tensor<2xf64> bias = dense<0.000000e+00> : tensor<f64> : tensor<1x2xsi32> -> tensor<1x2xf32>
// CHECK-NEXT:    func.return %bn2 : tensor<1x2xf32>

// ERR: error: pass 'rpnn-streamline' failed: rpnn.matmul (%acc): accumulator bound 32 exceeds si4
// ERR-NOT: Traceback
