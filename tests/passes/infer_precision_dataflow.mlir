// Input of tests/passes/test_infer_precision.py::test_bit_exact_dataflow (WEIGHTS and PAD are
// filled in by the test): every dataflow-level op that rpnn-infer-precision retypes.
func.func @df(%x: tensor<1x6x6x2xui2>) -> (tensor<1x2xui32>, tensor<1x4x4x4xsi32>) {
  %s = rpnn.tensor_to_stream %x : tensor<1x6x6x2xui2> -> !rpnn.stream<6x6x2xui2, 2>
  %o, %o2 = rpnn.partition(%s) device = "xc7z020" slr = 0 : (!rpnn.stream<6x6x2xui2, 2>) -> (!rpnn.stream<2xui32, 1>, !rpnn.stream<4x4x4xsi32, 4>) {
  ^bb0(%in: !rpnn.stream<6x6x2xui2, 2>):
    %p = rpnn.pad %in padding = [1, 1, 1, 1] value = PAD simd = 2 : !rpnn.stream<6x6x2xui2, 2> -> !rpnn.stream<8x8x2xui2, 2>
    %w = rpnn.swg %p kernel = [3, 3] stride = [1, 1] simd = 2 : !rpnn.stream<8x8x2xui2, 2> -> !rpnn.stream<6x6x18xui2, 2>
    %wts = rpnn.constant dense<WEIGHTS> : tensor<18x4xsi8>
    %th = rpnn.constant dense<[[-100, -2, 3, 5, 7, 100, 1000]]> : tensor<1x7xsi32>
    %m = rpnn.mvtu %w, %wts, %th pe = 4 simd = 2 acc = si32 out_bias = -1 resource = "lut" ram = "block" : !rpnn.stream<6x6x18xui2, 2>, tensor<18x4xsi8>, tensor<1x7xsi32> -> !rpnn.stream<6x6x4xsi8, 4>
    %ff = rpnn.fifo %m depth = 32 ram = "distributed" : !rpnn.stream<6x6x4xsi8, 4> -> !rpnn.stream<6x6x4xsi8, 4>
    %mp = rpnn.stream_maxpool %ff kernel = [3, 3] stride = [1, 1] pe = 4 : !rpnn.stream<6x6x4xsi8, 4> -> !rpnn.stream<4x4x4xsi8, 4>
    %d0, %d1 = rpnn.duplicate %mp : !rpnn.stream<4x4x4xsi8, 4> -> !rpnn.stream<4x4x4xsi8, 4>, !rpnn.stream<4x4x4xsi8, 4>
    %sum = rpnn.add_streams %d0, %d1 pe = 4 : !rpnn.stream<4x4x4xsi8, 4>, !rpnn.stream<4x4x4xsi8, 4> -> !rpnn.stream<4x4x4xsi32, 4>
    %e0, %e1 = rpnn.duplicate %sum : !rpnn.stream<4x4x4xsi32, 4> -> !rpnn.stream<4x4x4xsi32, 4>, !rpnn.stream<4x4x4xsi32, 4>
    %t2 = rpnn.constant dense<[[0, 4], [2, 100], [-50, 3], [1, 1]]> : tensor<4x2xsi32>
    %th2 = rpnn.thresholding %e0, %t2 pe = 4 : !rpnn.stream<4x4x4xsi32, 4>, tensor<4x2xsi32> -> !rpnn.stream<4x4x4xui8, 4>
    %sw2 = rpnn.swg %th2 kernel = [4, 4] stride = [1, 1] simd = 4 : !rpnn.stream<4x4x4xui8, 4> -> !rpnn.stream<1x1x64xui8, 4>
    %dww = rpnn.constant dense<2> : tensor<4x16xsi8>
    %dw = rpnn.depthwise %sw2, %dww pe = 4 simd = 1 acc = si32 resource = "lut" ram = "block" : !rpnn.stream<1x1x64xui8, 4>, tensor<4x16xsi8> -> !rpnn.stream<1x1x4xsi32, 4>
    %flat = rpnn.dwc %dw : !rpnn.stream<1x1x4xsi32, 4> -> !rpnn.stream<4xsi32, 1>
    %ls = rpnn.label_select %flat k = 2 pe = 1 : !rpnn.stream<4xsi32, 1> -> !rpnn.stream<2xui32, 1>
    rpnn.yield %ls, %e1 : !rpnn.stream<2xui32, 1>, !rpnn.stream<4x4x4xsi32, 4>
  }
  %r = rpnn.stream_to_tensor %o : !rpnn.stream<2xui32, 1> -> tensor<1x2xui32>
  %r2 = rpnn.stream_to_tensor %o2 : !rpnn.stream<4x4x4xsi32, 4> -> tensor<1x4x4x4xsi32>
  func.return %r, %r2 : tensor<1x2xui32>, tensor<1x4x4x4xsi32>
}
