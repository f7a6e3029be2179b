func.func @main(%x: tensor<1x2x3x2xf32>) -> (tensor<1x5xf32>, tensor<1x2xsi8>) {
  %c = rpnn.constant dense<[[[[1.5]], [[-0.75]]]]> : tensor<1x2x1x1xf32>
  %h = rpnn.constant dense<0.125> : tensor<f32>
  %m = rpnn.mul %x, %c : tensor<1x2x3x2xf32>, tensor<1x2x1x1xf32> -> tensor<1x2x3x2xf32>
  %a = rpnn.add %m, %h : tensor<1x2x3x2xf32>, tensor<f32> -> tensor<1x2x3x2xf32>
  %q = rpnn.quant %a scale = dense<0.25> : tensor<f32> zero_point = dense<1.0> : tensor<f32> bits = 3 rounding = "MODE" : tensor<1x2x3x2xf32> -> tensor<1x2x3x2xsi4>
  %t = rpnn.transpose %q perm = [0, 2, 3, 1] : tensor<1x2x3x2xsi4> -> tensor<1x3x2x2xsi4>
  %r = rpnn.reshape %t : tensor<1x3x2x2xsi4> -> tensor<1x12xsi4>
  %s = rpnn.tensor_to_stream %r : tensor<1x12xsi4> -> !rpnn.stream<12xsi4, 1>
  %w = rpnn.constant dense<[[1, -1, 0, 1, 1], [0, 1, 1, -1, 0], [1, 1, -2, 0, 1], [-1, 0, 1, 1, 1], [1, 0, 0, 1, -1], [0, -1, 1, 1, 0], [1, 1, 1, 0, 0], [-2, 0, 1, 0, 1], [0, 1, 0, 1, 1], [1, -1, 1, -1, 1], [0, 0, 1, 1, -2], [1, 1, 0, 0, 1]]> : tensor<12x5xsi2>
  %y = rpnn.mvtu %s, %w pe = 1 simd = 1 acc = si8 resource = "lut" ram = "auto" : !rpnn.stream<12xsi4, 1>, tensor<12x5xsi2> -> !rpnn.stream<5xsi8, 1>
  %o = rpnn.stream_to_tensor %y : !rpnn.stream<5xsi8, 1> -> tensor<1x5xsi8>
  %f = rpnn.scale_bias %o scale = dense<[0.5, 0.1, -0.3, 0.5, 1.0e-3]> : tensor<5xf64> bias = dense<0.3> : tensor<f64> : tensor<1x5xsi8> -> tensor<1x5xf32>
  %k = rpnn.topk %f k = 2 : tensor<1x5xf32> -> tensor<1x2xsi8>
  func.return %f, %k : tensor<1x5xf32>, tensor<1x2xsi8>
}
