func.func @main(%x: tensor<1x4xsi3>) -> tensor<1x4xsi3> {
  %s = rpnn.tensor_to_stream %x : tensor<1x4xsi3> -> !rpnn.stream<4xsi3, 1>
  %t = rpnn.stream_to_tensor %s : !rpnn.stream<4xsi3, 1> -> tensor<1x4xsi3>
  %r = rpnn.reshape %t : tensor<1x4xsi3> -> tensor<1x4xsi3>
  %s2 = rpnn.tensor_to_stream %r : tensor<1x4xsi3> -> !rpnn.stream<4xsi3, 1>
  %t2 = rpnn.stream_to_tensor %s2 : !rpnn.stream<4xsi3, 1> -> tensor<1x4xsi3>
  func.return %t2 : tensor<1x4xsi3>
}
