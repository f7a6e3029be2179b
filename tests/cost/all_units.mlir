// Every dataflow unit, with partitions, FIFOs, duplicates and width converters (adapted from
// tests/filecheck/dialects/rpnn/ops.mlir).  Used by tests/cost/test_cost_pass.py and
// tests/cost/test_fold.py.

func.func @dataflow_level(%x: tensor<1x8x8x3xui4>) -> tensor<1x2x2x16xsi2> {
  %s = rpnn.tensor_to_stream %x : tensor<1x8x8x3xui4> -> !rpnn.stream<8x8x3xui4, 3>
  %o = rpnn.partition(%s) device = "xczu7ev" slr = 0 : (!rpnn.stream<8x8x3xui4, 3>) -> !rpnn.stream<2x2x16xsi2, 4> {
  ^bb0(%in: !rpnn.stream<8x8x3xui4, 3>):
    %p = rpnn.pad %in padding = [1, 1, 1, 1] value = 0 simd = 3 : !rpnn.stream<8x8x3xui4, 3> -> !rpnn.stream<10x10x3xui4, 3>
    %w = rpnn.swg %p kernel = [3, 3] stride = [1, 1] simd = 3 : !rpnn.stream<10x10x3xui4, 3> -> !rpnn.stream<8x8x27xui4, 3>
    %wts = rpnn.constant dense<1> : tensor<27x16xsi2>
    %th = rpnn.constant dense<[[0, 10, 20]]> : tensor<1x3xsi16>
    %m = rpnn.mvtu %w, %wts, %th pe = 4 simd = 3 acc = si16 out_bias = -1 resource = "lut" ram = "block" : !rpnn.stream<8x8x27xui4, 3>, tensor<27x16xsi2>, tensor<1x3xsi16> -> !rpnn.stream<8x8x16xsi3, 4>
    %ff = rpnn.fifo %m depth = 32 ram = "distributed" : !rpnn.stream<8x8x16xsi3, 4> -> !rpnn.stream<8x8x16xsi3, 4>
    %mp = rpnn.stream_maxpool %ff kernel = [2, 2] stride = [2, 2] pe = 4 : !rpnn.stream<8x8x16xsi3, 4> -> !rpnn.stream<4x4x16xsi3, 4>
    %d0, %d1 = rpnn.duplicate %mp : !rpnn.stream<4x4x16xsi3, 4> -> !rpnn.stream<4x4x16xsi3, 4>, !rpnn.stream<4x4x16xsi3, 4>
    %wa = rpnn.swg %d0 kernel = [3, 3] stride = [1, 1] simd = 4 : !rpnn.stream<4x4x16xsi3, 4> -> !rpnn.stream<2x2x144xsi3, 4>
    %dwt = rpnn.constant dense<-1> : tensor<16x9xsi2>
    %da = rpnn.depthwise %wa, %dwt pe = 4 simd = 1 acc = si8 resource = "dsp" ram = "auto" : !rpnn.stream<2x2x144xsi3, 4>, tensor<16x9xsi2> -> !rpnn.stream<2x2x16xsi8, 4>
    %d16 = rpnn.dwc %d1 : !rpnn.stream<4x4x16xsi3, 4> -> !rpnn.stream<4x4x16xsi3, 16>
    %wb = rpnn.swg %d16 kernel = [3, 3] stride = [1, 1] simd = 16 : !rpnn.stream<4x4x16xsi3, 16> -> !rpnn.stream<2x2x144xsi3, 16>
    %wbw = rpnn.dwc %wb : !rpnn.stream<2x2x144xsi3, 16> -> !rpnn.stream<2x2x144xsi3, 48>
    %dwb = rpnn.constant dense<1> : tensor<16x9xsi2> -> tensor<16x9x!rpnn.bipolar>
    %tb = rpnn.constant dense<0> : tensor<16x1xsi8>
    %db = rpnn.depthwise %wbw, %dwb, %tb pe = 16 simd = 3 acc = si8 resource = "lut" ram = "ultra" : !rpnn.stream<2x2x144xsi3, 48>, tensor<16x9x!rpnn.bipolar>, tensor<16x1xsi8> -> !rpnn.stream<2x2x16x!rpnn.bipolar, 16>
    %dbn = rpnn.dwc %db : !rpnn.stream<2x2x16x!rpnn.bipolar, 16> -> !rpnn.stream<2x2x16x!rpnn.bipolar, 4>
    %sum = rpnn.add_streams %da, %dbn pe = 4 : !rpnn.stream<2x2x16xsi8, 4>, !rpnn.stream<2x2x16x!rpnn.bipolar, 4> -> !rpnn.stream<2x2x16xsi9, 4>
    %tt = rpnn.constant dense<[[-4, 4]]> : tensor<1x2xsi9>
    %y = rpnn.thresholding %sum, %tt pe = 4 out_bias = -1 : !rpnn.stream<2x2x16xsi9, 4>, tensor<1x2xsi9> -> !rpnn.stream<2x2x16xsi2, 4>
    rpnn.yield %y : !rpnn.stream<2x2x16xsi2, 4>
  }
  %r = rpnn.stream_to_tensor %o : !rpnn.stream<2x2x16xsi2, 4> -> tensor<1x2x2x16xsi2>
  func.return %r : tensor<1x2x2x16xsi2>
}

func.func @classifier(%v: tensor<1x64xui2>) -> tensor<1x3xui4> {
  %s = rpnn.tensor_to_stream %v : tensor<1x64xui2> -> !rpnn.stream<64xui2, 8>
  %o = rpnn.partition(%s) device = "xcu250" slr = 1 : (!rpnn.stream<64xui2, 8>) -> !rpnn.stream<3xui4, 1> {
  ^bb0(%in: !rpnn.stream<64xui2, 8>):
    %w = rpnn.constant dense<1> : tensor<64x10xsi2> -> tensor<64x10x!rpnn.bipolar>
    %acc = rpnn.mvtu %in, %w pe = 2 simd = 8 acc = si16 resource = "lut" ram = "distributed" : !rpnn.stream<64xui2, 8>, tensor<64x10x!rpnn.bipolar> -> !rpnn.stream<10xsi16, 2>
    %th = rpnn.constant dense<[[-8, 0, 8]]> : tensor<1x3xsi16>
    %t = rpnn.thresholding %acc, %th pe = 2 : !rpnn.stream<10xsi16, 2>, tensor<1x3xsi16> -> !rpnn.stream<10xui2, 2>
    %l = rpnn.label_select %t k = 3 pe = 2 : !rpnn.stream<10xui2, 2> -> !rpnn.stream<3xui4, 1>
    rpnn.yield %l : !rpnn.stream<3xui4, 1>
  }
  %r = rpnn.stream_to_tensor %o : !rpnn.stream<3xui4, 1> -> tensor<1x3xui4>
  func.return %r : tensor<1x3xui4>
}

func.func @stream_ports(%a: !rpnn.stream<4x4x8xui2, 8>) -> !rpnn.stream<4x4x4x!rpnn.bipolar, 2> {
  %o = rpnn.partition(%a) device = "unknown-part" slr = 0 : (!rpnn.stream<4x4x8xui2, 8>) -> !rpnn.stream<4x4x4x!rpnn.bipolar, 2> {
  ^bb0(%ia: !rpnn.stream<4x4x8xui2, 8>):
    %w = rpnn.constant dense<"0x01FF01FFFF01FF0101010101FFFFFFFF01FF01FFFF01FF0101010101FFFFFFFF"> : tensor<8x4xsi2> -> tensor<8x4x!rpnn.bipolar>
    %t = rpnn.constant dense<[[0], [1], [2], [3]]> : tensor<4x1xsi8>
    %m = rpnn.mvtu %ia, %w, %t pe = 2 simd = 8 acc = si8 resource = "dsp" ram = "block" : !rpnn.stream<4x4x8xui2, 8>, tensor<8x4x!rpnn.bipolar>, tensor<4x1xsi8> -> !rpnn.stream<4x4x4x!rpnn.bipolar, 2>
    rpnn.yield %m : !rpnn.stream<4x4x4x!rpnn.bipolar, 2>
  }
  func.return %o : !rpnn.stream<4x4x4x!rpnn.bipolar, 2>
}
