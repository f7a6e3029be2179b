// RUN: rpnn-opt %s -p 'rpnn-pipeline{quiet}' | filecheck %s
// RUN: rpnn-opt %s -p 'rpnn-pipeline{quiet fold=false}' | filecheck %s --check-prefix=NOFOLD
// RUN: rpnn-opt %s -p 'rpnn-pipeline{quiet}' > %t.a
// RUN: rpnn-opt %s -p 'rpnn-streamline,rpnn-infer-precision,rpnn-lower-to-dataflow{fifos=false},rpnn-fold{report="/dev/null"},rpnn-insert-fifos,rpnn-cost{report="/dev/null"}' > %t.b
// RUN: diff %t.a %t.b
// RUN: not rpnn-opt %s -p 'rpnn-pipeline{device=nosuchpart}' 2>&1 | filecheck %s --check-prefix=ERR
// RUN: rpnn-opt %s -p 'rpnn-pipeline{devices="xczu7ev*2" report="%t.devices"}' | filecheck %s --check-prefix=DEVICES
// RUN: filecheck %s --check-prefix=DEVICES-REPORT < %t.devices

// A 2-bit 8-4 layer with a float tail: the pipeline streamlines it into an integer mvtu with
// thresholds, narrows the types, folds it fully (it fits easily) and costs it.

func.func @main(%x: tensor<1x8xf32>) -> tensor<1x2xf32> {
  %w = rpnn.constant dense<[[0.5, -0.5, 0.0, 0.5], [-0.5, 0.5, 0.5, 0.0], [0.0, 0.5, -0.5, 0.5], [0.5, 0.0, 0.5, -0.5], [0.5, 0.5, 0.0, 0.0], [0.0, -0.5, 0.5, 0.5], [-0.5, 0.0, 0.0, 0.5], [0.5, 0.5, 0.5, 0.5]]> : tensor<8x4xf32>
  %qx = rpnn.quant %x scale = dense<0.25> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 2 signed rounding = "ROUND" : tensor<1x8xf32> -> tensor<1x8xf32>
  %qw = rpnn.quant %w scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 2 signed narrow rounding = "ROUND" : tensor<8x4xf32> -> tensor<8x4xf32>
  %y = rpnn.matmul %qx, %qw : tensor<1x8xf32>, tensor<8x4xf32> -> tensor<1x4xf32>
  %a = rpnn.quant %y scale = dense<0.125> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 2 rounding = "ROUND" : tensor<1x4xf32> -> tensor<1x4xf32>
  %w2 = rpnn.constant dense<[[0.5, -0.5], [0.5, 0.5], [-0.5, 0.5], [0.0, 0.5]]> : tensor<4x2xf32>
  %qw2 = rpnn.quant %w2 scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 2 signed narrow rounding = "ROUND" : tensor<4x2xf32> -> tensor<4x2xf32>
  %z = rpnn.matmul %a, %qw2 : tensor<1x4xf32>, tensor<4x2xf32> -> tensor<1x2xf32>
  func.return %z : tensor<1x2xf32>
}

// The input quantizer keeps x's scale 1/4; weights become ternary si2.  acc * (1/4 * 1/2) / (1/8)
// is acc itself, so the unsigned 2-bit ROUND activation thresholds are exactly 1, 2, 3.
// CHECK:      func.func @main(%x: tensor<1x8xf32>) -> tensor<1x2xf32> attributes {rpnn.design_cost = {device = "xc7z020", clock_mhz = 1.000000e+02 : f64, fps = 1.000000e+08 : f64, max_cycles = 1 : i64
// CHECK:      %qx = rpnn.quant %x {{.*}} bits = 2 signed rounding = "ROUND" : tensor<1x8xf32> -> tensor<1x8xsi2>
// CHECK:      %qw = rpnn.constant dense<{{\[\[}}1, -1, 0, 1], [-1, 1, 1, 0], {{.*}}]> : tensor<8x4xsi2>
// CHECK:      rpnn.tensor_to_stream %qx {{.*}} : tensor<1x8xsi2> -> !rpnn.stream<8xsi2, 8>
// CHECK:      %a_th = rpnn.constant dense<{{\[\[}}1, 2, 3]]> : tensor<1x3xsi5>
// CHECK:      %a = rpnn.mvtu %{{.*}}, %qw, %a_th pe = 4 simd = 8 acc = si5 resource = "lut" ram = "auto" {rpnn.cost = {{.*}}} : !rpnn.stream<8xsi2, 8>, tensor<8x4xsi2>, tensor<1x3xsi5> -> !rpnn.stream<4xui2, 4>
// CHECK:      rpnn.fifo %a depth = 2
// CHECK:      %z = rpnn.mvtu {{.*}} pe = 2 simd = 4 acc = si5 {{.*}} -> !rpnn.stream<2xsi5, 2>
// CHECK:      rpnn.stream_to_tensor
// CHECK-NEXT: rpnn.scale_bias %{{.*}} scale = dense<6.250000e-02> : tensor<f64> bias = dense<0.000000e+00> : tensor<f64> : tensor<1x2xsi5> -> tensor<1x2xf32>

// NOFOLD: rpnn.mvtu {{.*}} pe = 1 simd = 1 acc = si5 {{.*}} cycles = 32 : i64
// NOFOLD: rpnn.mvtu {{.*}} pe = 1 simd = 1 acc = si5 {{.*}} cycles = 8 : i64

// ERR: error: pass 'rpnn-pipeline' failed: unknown device 'nosuchpart' (known: xc7z020, xcu250, xcu280, xczu3eg, xczu7ev; add parts with devices-file=)

// Fold and partition together over two ZCU104s: fully unfolded (1 cycle per frame) the two
// layers still fit one part, so nothing is gained over one (1.00x); balance puts one layer
// on each card.
// DEVICES:      func.func @main
// DEVICES-SAME: rpnn.joint_fold = {partitions = 2 : i64, fps = 2.000000e+08 : f64, fps_one = 2.000000e+08 : f64, one = "xczu7ev#0 SLR0"}
// DEVICES:      rpnn.partition({{.*}}) device = "xczu7ev" slr = 0 {card = 0 : i64}
// DEVICES:      rpnn.mvtu
// DEVICES:      rpnn.partition({{.*}}) device = "xczu7ev" slr = 0 {card = 1 : i64}
// DEVICES:      rpnn.mvtu
// DEVICES-REPORT: fold and partition: 200 M frames/s on 2 partitions vs 200 M frames/s on one (xczu7ev#0 SLR0) = 1.00x
// DEVICES-REPORT: crossing partition 0 -> 1: device link
