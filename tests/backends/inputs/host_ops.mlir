func.func @main(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %q = rpnn.quant %x scale = dense<1.0> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 3 signed rounding = "ROUND" : tensor<1x4xf32> -> tensor<1x4xsi3>
  %s = rpnn.tensor_to_stream %q : tensor<1x4xsi3> -> !rpnn.stream<4xsi3, 2>
  %w = rpnn.constant dense<[[1, -1], [0, 1], [1, 1], [-1, 0]]> : tensor<4x2xsi2>
  %p = rpnn.partition(%s) device = "xc7z020" slr = 0 : (!rpnn.stream<4xsi3, 2>) -> !rpnn.stream<2xsi6, 1> {
  ^bb0(%a: !rpnn.stream<4xsi3, 2>):
    %w2 = rpnn.constant dense<[[1, -1], [0, 1], [1, 1], [-1, 0]]> : tensor<4x2xsi2>
    %y = rpnn.mvtu %a, %w2 pe = 1 simd = 2 acc = si6 resource = "lut" ram = "auto" : !rpnn.stream<4xsi3, 2>, tensor<4x2xsi2> -> !rpnn.stream<2xsi6, 1>
    rpnn.yield %y : !rpnn.stream<2xsi6, 1>
  }
  %t = rpnn.stream_to_tensor %p : !rpnn.stream<2xsi6, 1> -> tensor<1x2xsi6>
  %f = rpnn.scale_bias %t scale = dense<0.5> : tensor<f32> bias = dense<0.25> : tensor<f32> : tensor<1x2xsi6> -> tensor<1x2xf32>
  func.return %f : tensor<1x2xf32>
}
