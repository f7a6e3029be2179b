// RUN: rpnn-opt %s --split-input-file --verify-diagnostics -p 'rpnn-lower-to-dataflow{fifos=false}' | filecheck %s
// RUN: rpnn-opt %s --split-input-file --verify-diagnostics -p rpnn-lower-to-dataflow | filecheck %s --check-prefix=FIFO

// rpnn-lower-to-dataflow: integer level -> dataflow level at PE = SIMD = 1 (docs/passes.md).
// CHECK lines: without FIFOs (fifos=false); FIFO lines: the default, which ends with
// rpnn-insert-fifos (its own depths are tested in rpnn-insert-fifos.mlir).

// An MLP: matmul + multithreshold become one mvtu with the thresholds and out_bias; the last
// matmul an mvtu without thresholds; the float scale/bias stays on the host.
func.func @mlp(%x: tensor<1x4xf32>) -> tensor<1x3xf32> {
  %q = rpnn.quant %x scale = dense<5.000000e-01> : tensor<f32> zero_point = dense<0.000000e+00> : tensor<f32> bits = 2 signed rounding = "ROUND" : tensor<1x4xf32> -> tensor<1x4xsi2>
  %w = rpnn.constant dense<[[1, -1], [0, 1], [-1, -1], [1, 0]]> : tensor<4x2xsi2>
  %acc = rpnn.matmul %q, %w : tensor<1x4xsi2>, tensor<4x2xsi2> -> tensor<1x2xsi5>
  %t = rpnn.constant dense<[[-1, 0, 2], [0, 1, 1]]> : tensor<2x3xsi5>
  %y = rpnn.multithreshold %acc, %t out_bias = -1.0 : f32 : tensor<1x2xsi5>, tensor<2x3xsi5> -> tensor<1x2xsi3>
  %w2 = rpnn.constant dense<[[1, 0, -1], [1, 1, 1]]> : tensor<2x3xsi2>
  %acc2 = rpnn.matmul %y, %w2 : tensor<1x2xsi3>, tensor<2x3xsi2> -> tensor<1x3xsi5>
  %o = rpnn.scale_bias %acc2 scale = dense<2.500000e-01> : tensor<f32> bias = dense<0.000000e+00> : tensor<f32> : tensor<1x3xsi5> -> tensor<1x3xf32>
  func.return %o : tensor<1x3xf32>
}
// CHECK-LABEL: func.func @mlp(%x: tensor<1x4xf32>) -> tensor<1x3xf32> {
// CHECK-NEXT:    %q = rpnn.quant %x {{.*}} : tensor<1x4xf32> -> tensor<1x4xsi2>
// CHECK-NEXT:    %w = rpnn.constant dense<{{\[\[}}1, -1], [0, 1], [-1, -1], [1, 0]]> : tensor<4x2xsi2>
// CHECK-NEXT:    [[IN:%.*]] = rpnn.tensor_to_stream %q : tensor<1x4xsi2> -> !rpnn.stream<4xsi2, 1>
// CHECK-NEXT:    %t = rpnn.constant
// CHECK-NEXT:    %y = rpnn.mvtu [[IN]], %w, %t pe = 1 simd = 1 acc = si5 out_bias = -1 resource = "lut" ram = "auto" : !rpnn.stream<4xsi2, 1>, tensor<4x2xsi2>, tensor<2x3xsi5> -> !rpnn.stream<2xsi3, 1>
// CHECK-NEXT:    %w2 = rpnn.constant
// CHECK-NEXT:    %acc2 = rpnn.mvtu %y, %w2 pe = 1 simd = 1 acc = si5 resource = "lut" ram = "auto" : !rpnn.stream<2xsi3, 1>, tensor<2x3xsi2> -> !rpnn.stream<3xsi5, 1>
// CHECK-NEXT:    [[OUT:%.*]] = rpnn.stream_to_tensor %acc2 : !rpnn.stream<3xsi5, 1> -> tensor<1x3xsi5>
// CHECK-NEXT:    %o = rpnn.scale_bias [[OUT]] {{.*}} : tensor<1x3xsi5> -> tensor<1x3xf32>
// CHECK-NEXT:    func.return %o : tensor<1x3xf32>
// CHECK-NEXT:  }

// FIFO-LABEL: func.func @mlp
// FIFO:         %y = rpnn.mvtu
// FIFO-NEXT:    %w2 = rpnn.constant
// FIFO-NEXT:    [[F:%.*]] = rpnn.fifo %y depth = {{[0-9]+}} ram = "auto" : !rpnn.stream<2xsi3, 1> -> !rpnn.stream<2xsi3, 1>
// FIFO-NEXT:    %acc2 = rpnn.mvtu [[F]], %w2

// -----

// A padded convolution: NCHW -> NHWC transpose and the input port, rpnn.pad (value 0),
// rpnn.swg, and an mvtu whose weights W[o, c, kh, kw] (here o*8 + c*4 + kh*2 + kw - 8) are
// reordered to [(kh, kw, c), o]: row (kh, kw, c) = (0, 0, 0) holds [-8, 0], (0, 0, 1) holds
// [-4, 4], (0, 1, 0) holds [-7, 1]... The 4-D integer output goes back to NCHW on the host.
func.func @conv_pad(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xsi8> {
  %q = rpnn.quant %x scale = dense<1.0> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 2 rounding = "ROUND" : tensor<1x2x3x3xf32> -> tensor<1x2x3x3xui2>
  %w = rpnn.constant dense<[[[[-8, -7], [-6, -5]], [[-4, -3], [-2, -1]]], [[[0, 1], [2, 3]], [[4, 5], [6, 7]]]]> : tensor<2x2x2x2xsi4>
  %y = rpnn.conv2d %q, %w stride = [1, 1] padding = [1, 1, 0, 0] dilation = [1, 1] groups = 1 : tensor<1x2x3x3xui2>, tensor<2x2x2x2xsi4> -> tensor<1x2x3x3xsi8>
  func.return %y : tensor<1x2x3x3xsi8>
}
// CHECK-LABEL: func.func @conv_pad(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xsi8> {
// CHECK-NEXT:    %q = rpnn.quant
// CHECK-NEXT:    [[T:%.*]] = rpnn.transpose %q perm = [0, 2, 3, 1] : tensor<1x2x3x3xui2> -> tensor<1x3x3x2xui2>
// CHECK-NEXT:    [[IN:%.*]] = rpnn.tensor_to_stream [[T]] : tensor<1x3x3x2xui2> -> !rpnn.stream<3x3x2xui2, 1>
// CHECK-NEXT:    [[P:%.*]] = rpnn.pad [[IN]] padding = [1, 1, 0, 0] value = 0 simd = 1 : !rpnn.stream<3x3x2xui2, 1> -> !rpnn.stream<4x4x2xui2, 1>
// CHECK-NEXT:    [[S:%.*]] = rpnn.swg [[P]] kernel = [2, 2] stride = [1, 1] simd = 1 : !rpnn.stream<4x4x2xui2, 1> -> !rpnn.stream<3x3x8xui2, 1>
// CHECK-NEXT:    [[W:%.*]] = rpnn.constant dense<{{\[\[}}-8, 0], [-4, 4], [-7, 1], [-3, 5], [-6, 2], [-2, 6], [-5, 3], [-1, 7]]> : tensor<8x2xsi4>
// CHECK-NEXT:    %y = rpnn.mvtu [[S]], [[W]] pe = 1 simd = 1 acc = si8 resource = "lut" ram = "auto" : !rpnn.stream<3x3x8xui2, 1>, tensor<8x2xsi4> -> !rpnn.stream<3x3x2xsi8, 1>
// CHECK-NEXT:    [[O:%.*]] = rpnn.stream_to_tensor %y : !rpnn.stream<3x3x2xsi8, 1> -> tensor<1x3x3x2xsi8>
// CHECK-NEXT:    [[R:%.*]] = rpnn.transpose [[O]] perm = [0, 3, 1, 2] : tensor<1x3x3x2xsi8> -> tensor<1x2x3x3xsi8>
// CHECK-NEXT:    func.return [[R]] : tensor<1x2x3x3xsi8>
// CHECK-NEXT:  }

// FIFO-LABEL: func.func @conv_pad
// FIFO:         rpnn.pad
// FIFO-NEXT:    rpnn.fifo
// FIFO-NEXT:    rpnn.swg
// FIFO-NEXT:    rpnn.constant
// FIFO-NEXT:    rpnn.fifo
// FIFO-NEXT:    %y = rpnn.mvtu

// -----

// Depthwise (groups = C = O): swg + rpnn.depthwise with weights W[c, 0, kh, kw] -> [c, (kh, kw)],
// the multithreshold on its accumulator fused into it.
func.func @depthwise(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x2x2xui2> {
  %q = rpnn.quant %x scale = dense<1.0> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 2 rounding = "ROUND" : tensor<1x2x3x3xf32> -> tensor<1x2x3x3xui2>
  %w = rpnn.constant dense<[[[[1, -1], [0, 1]]], [[[-1, 0], [1, 1]]]]> : tensor<2x1x2x2xsi2>
  %acc = rpnn.conv2d %q, %w stride = [1, 1] padding = [0, 0, 0, 0] dilation = [1, 1] groups = 2 : tensor<1x2x3x3xui2>, tensor<2x1x2x2xsi2> -> tensor<1x2x2x2xsi4>
  %t = rpnn.constant dense<[[0, 2]]> : tensor<1x2xsi4>
  %y = rpnn.multithreshold %acc, %t : tensor<1x2x2x2xsi4>, tensor<1x2xsi4> -> tensor<1x2x2x2xui2>
  func.return %y : tensor<1x2x2x2xui2>
}
// CHECK-LABEL: func.func @depthwise
// CHECK:         [[IN:%.*]] = rpnn.tensor_to_stream {{%.*}} : tensor<1x3x3x2xui2> -> !rpnn.stream<3x3x2xui2, 1>
// CHECK-NEXT:    [[S:%.*]] = rpnn.swg [[IN]] kernel = [2, 2] stride = [1, 1] simd = 1 : !rpnn.stream<3x3x2xui2, 1> -> !rpnn.stream<2x2x8xui2, 1>
// CHECK-NEXT:    [[W:%.*]] = rpnn.constant dense<{{\[\[}}1, -1, 0, 1], [-1, 0, 1, 1]]> : tensor<2x4xsi2>
// CHECK-NEXT:    %t = rpnn.constant
// CHECK-NEXT:    %y = rpnn.depthwise [[S]], [[W]], %t pe = 1 simd = 1 acc = si4 resource = "lut" ram = "auto" : !rpnn.stream<2x2x8xui2, 1>, tensor<2x4xsi2>, tensor<1x2xsi4> -> !rpnn.stream<2x2x2xui2, 1>
// CHECK-NEXT:    [[O:%.*]] = rpnn.stream_to_tensor %y
// CHECK-NEXT:    [[R:%.*]] = rpnn.transpose [[O]] perm = [0, 3, 1, 2]
// CHECK-NEXT:    func.return [[R]]

// -----

// Max pooling and a stand-alone multithreshold: rpnn.stream_maxpool and rpnn.thresholding.
func.func @maxpool(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xui1> {
  %q = rpnn.quant %x scale = dense<1.0> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 2 rounding = "ROUND" : tensor<1x1x4x4xf32> -> tensor<1x1x4x4xui2>
  %p = rpnn.maxpool %q kernel = [2, 2] stride = [2, 2] padding = [0, 0, 0, 0] : tensor<1x1x4x4xui2> -> tensor<1x1x2x2xui2>
  %t = rpnn.constant dense<[[2]]> : tensor<1x1xui2>
  %y = rpnn.multithreshold %p, %t : tensor<1x1x2x2xui2>, tensor<1x1xui2> -> tensor<1x1x2x2xui1>
  func.return %y : tensor<1x1x2x2xui1>
}
// CHECK-LABEL: func.func @maxpool
// CHECK:         [[IN:%.*]] = rpnn.tensor_to_stream {{%.*}} : tensor<1x4x4x1xui2> -> !rpnn.stream<4x4x1xui2, 1>
// CHECK-NEXT:    %p = rpnn.stream_maxpool [[IN]] kernel = [2, 2] stride = [2, 2] pe = 1 : !rpnn.stream<4x4x1xui2, 1> -> !rpnn.stream<2x2x1xui2, 1>
// CHECK-NEXT:    %t = rpnn.constant
// CHECK-NEXT:    %y = rpnn.thresholding %p, %t pe = 1 : !rpnn.stream<2x2x1xui2, 1>, tensor<1x1xui2> -> !rpnn.stream<2x2x1xui1, 1>

// -----

// Flatten of a feature map: the stream holds it in (h, w, c) order, so a reshaping dwc
// [H, W, C] -> [H*W*C] and the next matmul's weight rows permuted from (c, h, w) order
// (row k = c*4 + h*2 + w holds [k, -k]) to (h, w, c) order (stream position p = h*4 + w*2 +
// c): rows 0, 4, 1, 5, 2, 6, 3, 7.  A 1x1 stride-1 convolution needs no swg.  topk ->
// rpnn.label_select.
func.func @flatten_topk(%x: tensor<1x2x2x2xf32>) -> tensor<1x1xui1> {
  %q = rpnn.quant %x scale = dense<1.0> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 2 rounding = "ROUND" : tensor<1x2x2x2xf32> -> tensor<1x2x2x2xui2>
  %w = rpnn.constant dense<[[[[1]], [[0]]], [[[0]], [[1]]]]> : tensor<2x2x1x1xsi2>
  %acc = rpnn.conv2d %q, %w stride = [1, 1] padding = [0, 0, 0, 0] dilation = [1, 1] groups = 1 : tensor<1x2x2x2xui2>, tensor<2x2x1x1xsi2> -> tensor<1x2x2x2xsi3>
  %t = rpnn.constant dense<[[1, 2, 3]]> : tensor<1x3xsi3>
  %y = rpnn.multithreshold %acc, %t : tensor<1x2x2x2xsi3>, tensor<1x3xsi3> -> tensor<1x2x2x2xui2>
  %f = rpnn.reshape %y : tensor<1x2x2x2xui2> -> tensor<1x8xui2>
  %w2 = rpnn.constant dense<[[0, 0], [1, -1], [2, -2], [3, -3], [4, -4], [5, -5], [6, -6], [7, -7]]> : tensor<8x2xsi4>
  %acc2 = rpnn.matmul %f, %w2 : tensor<1x8xui2>, tensor<8x2xsi4> -> tensor<1x2xsi8>
  %k = rpnn.topk %acc2 k = 1 : tensor<1x2xsi8> -> tensor<1x1xui1>
  func.return %k : tensor<1x1xui1>
}
// CHECK-LABEL: func.func @flatten_topk
// CHECK:         [[IN:%.*]] = rpnn.tensor_to_stream {{%.*}} : tensor<1x2x2x2xui2> -> !rpnn.stream<2x2x2xui2, 1>
// CHECK-NEXT:    [[W:%.*]] = rpnn.constant dense<{{\[\[}}1, 0], [0, 1]]> : tensor<2x2xsi2>
// CHECK-NEXT:    %t = rpnn.constant
// CHECK-NEXT:    %y = rpnn.mvtu [[IN]], [[W]], %t pe = 1 simd = 1 acc = si3 {{.*}} : !rpnn.stream<2x2x2xui2, 1>, tensor<2x2xsi2>, tensor<1x3xsi3> -> !rpnn.stream<2x2x2xui2, 1>
// CHECK-NEXT:    [[FLAT:%.*]] = rpnn.dwc %y : !rpnn.stream<2x2x2xui2, 1> -> !rpnn.stream<8xui2, 1>
// CHECK-NEXT:    [[W2:%.*]] = rpnn.constant dense<{{\[\[}}0, 0], [4, -4], [1, -1], [5, -5], [2, -2], [6, -6], [3, -3], [7, -7]]> : tensor<8x2xsi4>
// CHECK-NEXT:    %acc2 = rpnn.mvtu [[FLAT]], [[W2]] pe = 1 simd = 1 acc = si8 {{.*}} : !rpnn.stream<8xui2, 1>, tensor<8x2xsi4> -> !rpnn.stream<2xsi8, 1>
// CHECK-NEXT:    %k = rpnn.label_select %acc2 k = 1 pe = 1 : !rpnn.stream<2xsi8, 1> -> !rpnn.stream<1xui1, 1>
// CHECK-NEXT:    [[O:%.*]] = rpnn.stream_to_tensor %k : !rpnn.stream<1xui1, 1> -> tensor<1x1xui1>
// CHECK-NEXT:    func.return [[O]] : tensor<1x1xui1>

// -----

// A flatten in NHWC order (transpose, then reshape) matches the stream's order: the
// transpose disappears and the weights keep their order.
func.func @nhwc_flatten(%x: tensor<1x2x2x2xf32>) -> tensor<1x2xsi8> {
  %q = rpnn.quant %x scale = dense<1.0> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 2 rounding = "ROUND" : tensor<1x2x2x2xf32> -> tensor<1x2x2x2xui2>
  %p = rpnn.maxpool %q kernel = [1, 1] stride = [1, 1] padding = [0, 0, 0, 0] : tensor<1x2x2x2xui2> -> tensor<1x2x2x2xui2>
  %n = rpnn.transpose %p perm = [0, 2, 3, 1] : tensor<1x2x2x2xui2> -> tensor<1x2x2x2xui2>
  %f = rpnn.reshape %n : tensor<1x2x2x2xui2> -> tensor<1x8xui2>
  %w2 = rpnn.constant dense<[[0, 0], [1, -1], [2, -2], [3, -3], [4, -4], [5, -5], [6, -6], [7, -7]]> : tensor<8x2xsi4>
  %acc2 = rpnn.matmul %f, %w2 : tensor<1x8xui2>, tensor<8x2xsi4> -> tensor<1x2xsi8>
  func.return %acc2 : tensor<1x2xsi8>
}
// CHECK-LABEL: func.func @nhwc_flatten
// CHECK:         %p = rpnn.stream_maxpool
// CHECK-NEXT:    %w2 = rpnn.constant dense<{{\[\[}}0, 0], [1, -1], [2, -2], [3, -3], [4, -4], [5, -5], [6, -6], [7, -7]]> : tensor<8x2xsi4>
// CHECK-NEXT:    [[FLAT:%.*]] = rpnn.dwc %p : !rpnn.stream<2x2x2xui2, 1> -> !rpnn.stream<8xui2, 1>
// CHECK-NEXT:    %acc2 = rpnn.mvtu [[FLAT]], %w2
// CHECK-NOT:     rpnn.transpose
// CHECK:         func.return

// -----

// A residual: the shared stream gets rpnn.duplicate, the add becomes rpnn.add_streams.
func.func @residual(%x: tensor<1x4xf32>) -> tensor<1x4xui3> {
  %q = rpnn.quant %x scale = dense<1.0> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 2 rounding = "ROUND" : tensor<1x4xf32> -> tensor<1x4xui2>
  %w = rpnn.constant dense<1> : tensor<4x4xsi2>
  %acc = rpnn.matmul %q, %w : tensor<1x4xui2>, tensor<4x4xsi2> -> tensor<1x4xui4>
  %t = rpnn.constant dense<[[2, 4, 8]]> : tensor<1x3xui4>
  %b = rpnn.multithreshold %acc, %t : tensor<1x4xui4>, tensor<1x3xui4> -> tensor<1x4xui2>
  %s = rpnn.add %q, %b : tensor<1x4xui2>, tensor<1x4xui2> -> tensor<1x4xui3>
  func.return %s : tensor<1x4xui3>
}
// CHECK-LABEL: func.func @residual
// CHECK:         [[IN:%.*]] = rpnn.tensor_to_stream %q : tensor<1x4xui2> -> !rpnn.stream<4xui2, 1>
// CHECK-NEXT:    [[D0:%.*]], [[D1:%.*]] = rpnn.duplicate [[IN]] : !rpnn.stream<4xui2, 1> -> !rpnn.stream<4xui2, 1>, !rpnn.stream<4xui2, 1>
// CHECK-NEXT:    %t = rpnn.constant
// CHECK-NEXT:    %b = rpnn.mvtu [[D0]], %w, %t
// CHECK-NEXT:    %s = rpnn.add_streams [[D1]], %b pe = 1 : !rpnn.stream<4xui2, 1>, !rpnn.stream<4xui2, 1> -> !rpnn.stream<4xui3, 1>
// CHECK-NEXT:    [[O:%.*]] = rpnn.stream_to_tensor %s : !rpnn.stream<4xui3, 1> -> tensor<1x4xui3>

// -----

// An intermediate result used by the hardware and returned: duplicated, one copy leaves
// through rpnn.stream_to_tensor.  A host tensor that also goes to the hardware is returned
// as it is.
func.func @two_outputs(%x: tensor<1x4xui2>) -> (tensor<1x2xui1>, tensor<1x4xui1>, tensor<1x4xui2>) {
  %t = rpnn.constant dense<[[2]]> : tensor<1x1xui2>
  %y = rpnn.multithreshold %x, %t : tensor<1x4xui2>, tensor<1x1xui2> -> tensor<1x4xui1>
  %w = rpnn.constant dense<1> : tensor<4x2xsi2>
  %acc = rpnn.matmul %y, %w : tensor<1x4xui1>, tensor<4x2xsi2> -> tensor<1x2xsi4>
  %t2 = rpnn.constant dense<[[1]]> : tensor<1x1xsi4>
  %z = rpnn.multithreshold %acc, %t2 : tensor<1x2xsi4>, tensor<1x1xsi4> -> tensor<1x2xui1>
  func.return %z, %y, %x : tensor<1x2xui1>, tensor<1x4xui1>, tensor<1x4xui2>
}
// CHECK-LABEL: func.func @two_outputs(%x: tensor<1x4xui2>) -> (tensor<1x2xui1>, tensor<1x4xui1>, tensor<1x4xui2>) {
// CHECK-NEXT:    %t = rpnn.constant
// CHECK-NEXT:    [[IN:%.*]] = rpnn.tensor_to_stream %x : tensor<1x4xui2> -> !rpnn.stream<4xui2, 1>
// CHECK-NEXT:    %y = rpnn.thresholding [[IN]], %t pe = 1 : !rpnn.stream<4xui2, 1>, tensor<1x1xui2> -> !rpnn.stream<4xui1, 1>
// CHECK-NEXT:    [[Y0:%.*]], [[Y1:%.*]] = rpnn.duplicate %y : !rpnn.stream<4xui1, 1> -> !rpnn.stream<4xui1, 1>, !rpnn.stream<4xui1, 1>
// CHECK-NEXT:    %w = rpnn.constant
// CHECK-NEXT:    %t2 = rpnn.constant
// CHECK-NEXT:    %z = rpnn.mvtu [[Y0]], %w, %t2
// CHECK-NEXT:    [[Z:%.*]] = rpnn.stream_to_tensor %z : !rpnn.stream<2xui1, 1> -> tensor<1x2xui1>
// CHECK-NEXT:    [[Y:%.*]] = rpnn.stream_to_tensor [[Y1]] : !rpnn.stream<4xui1, 1> -> tensor<1x4xui1>
// CHECK-NEXT:    func.return [[Z]], [[Y]], %x : tensor<1x2xui1>, tensor<1x4xui1>, tensor<1x4xui2>

// -----

// What it refuses, each as one line naming the op and why.

// Grouped convolutions other than depthwise.
func.func @grouped(%x: tensor<1x4x3x3xui2>) -> tensor<1x4x3x3xsi4> {
  %w = rpnn.constant dense<1> : tensor<4x2x1x1xsi2>
  %y = rpnn.conv2d %x, %w stride = [1, 1] padding = [0, 0, 0, 0] dilation = [1, 1] groups = 2 : tensor<1x4x3x3xui2>, tensor<4x2x1x1xsi2> -> tensor<1x4x3x3xsi4>
  func.return %y : tensor<1x4x3x3xsi4>
}
// CHECK: cannot lower rpnn.conv2d (%y): groups = 2 is not supported (only 1, or depthwise: groups = C = O; here C = 4, O = 4)

// -----

func.func @dilated(%x: tensor<1x1x5x5xui2>) -> tensor<1x1x1x1xsi6> {
  %w = rpnn.constant dense<1> : tensor<1x1x3x3xsi2>
  %y = rpnn.conv2d %x, %w stride = [1, 1] padding = [0, 0, 0, 0] dilation = [2, 2] groups = 1 : tensor<1x1x5x5xui2>, tensor<1x1x3x3xsi2> -> tensor<1x1x1x1xsi6>
  func.return %y : tensor<1x1x1x1xsi6>
}
// CHECK: cannot lower rpnn.conv2d (%y): dilation [2, 2] is not supported (only 1)

// -----

func.func @pool_pad(%x: tensor<1x1x4x4xui2>) -> tensor<1x1x3x3xui2> {
  %y = rpnn.maxpool %x kernel = [2, 2] stride = [2, 2] padding = [1, 1, 1, 1] : tensor<1x1x4x4xui2> -> tensor<1x1x3x3xui2>
  func.return %y : tensor<1x1x3x3xui2>
}
// CHECK: cannot lower rpnn.maxpool (%y): padding [1, 1, 1, 1] is not supported by rpnn.stream_maxpool (only 0)

// -----

func.func @scaled(%x: tensor<1x4xui2>) -> tensor<1x4xui3> {
  %t = rpnn.constant dense<[[1, 2]]> : tensor<1x2xui2>
  %y = rpnn.multithreshold %x, %t out_scale = 2.0 : f32 : tensor<1x4xui2>, tensor<1x2xui2> -> tensor<1x4xui3>
  func.return %y : tensor<1x4xui3>
}
// CHECK: cannot lower rpnn.multithreshold (%y): out_scale 2.0 is not supported by the units (they count thresholds: out_scale 1, or 2 with out_bias -1 for a bipolar result)

// -----

// An integer op with no unit on a hardware result.
func.func @relu(%x: tensor<1x4xsi2>) -> tensor<1x2xsi4> {
  %w = rpnn.constant dense<1> : tensor<4x2xsi2>
  %acc = rpnn.matmul %x, %w : tensor<1x4xsi2>, tensor<4x2xsi2> -> tensor<1x2xsi4>
  %r = rpnn.relu %acc : tensor<1x2xsi4> -> tensor<1x2xsi4>
  func.return %r : tensor<1x2xsi4>
}
// CHECK: cannot lower rpnn.relu (%r): it takes an integer tensor computed in hardware and has no dataflow unit (only rpnn.scale_bias and func.return take the hardware's results, on the host)

// -----

// A bias left over (streamlining folds biases into thresholds).
func.func @bias(%x: tensor<1x4xsi2>) -> tensor<1x2xsi5> {
  %w = rpnn.constant dense<1> : tensor<4x2xsi2>
  %acc = rpnn.matmul %x, %w : tensor<1x4xsi2>, tensor<4x2xsi2> -> tensor<1x2xsi4>
  %c = rpnn.constant dense<[3, -3]> : tensor<2xsi3>
  %b = rpnn.add %acc, %c : tensor<1x2xsi4>, tensor<2xsi3> -> tensor<1x2xsi5>
  func.return %b : tensor<1x2xsi5>
}
// CHECK: cannot lower rpnn.add (%b): only the sum of two streams of one shape (a residual) has a unit, no broadcasting

// -----

// Labels of a flattened feature map are not in order on the stream.
func.func @labels_out_of_order(%x: tensor<1x2x2x2xui2>) -> tensor<1x1xui3> {
  %p = rpnn.maxpool %x kernel = [1, 1] stride = [1, 1] padding = [0, 0, 0, 0] : tensor<1x2x2x2xui2> -> tensor<1x2x2x2xui2>
  %f = rpnn.reshape %p : tensor<1x2x2x2xui2> -> tensor<1x8xui2>
  %k = rpnn.topk %f k = 1 : tensor<1x8xui2> -> tensor<1x1xui3>
  func.return %k : tensor<1x1xui3>
}
// CHECK: cannot lower rpnn.topk (%k): its labels are not in order on the stream (a flattened feature map streams in (h, w, c) order; a matmul in between would take it in any order)

// -----

// rpnn.add_streams must hold every sum of its operand types.
func.func @narrow_sum(%x: tensor<1x4xui2>) -> tensor<1x4xui2> {
  %s = rpnn.add %x, %x : tensor<1x4xui2>, tensor<1x4xui2> -> tensor<1x4xui2>
  func.return %s : tensor<1x4xui2>
}
// CHECK: cannot lower rpnn.add (%s): rpnn.add_streams needs a result type holding every sum [0, 6], not ui2
