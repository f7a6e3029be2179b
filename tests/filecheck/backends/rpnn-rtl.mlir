// RUN: rpnn-opt %s -t rpnn-rtl | filecheck %s
// RUN: rpnn-opt %s -t 'rpnn-rtl{top="net"}' | filecheck %s --check-prefix=TOP

// Without out-dir the target prints the top module: ports, one instance per unit with its
// parameters, ROM files and the IR's FIFO depth.

func.func @main(%x: tensor<1x4x4x2xui2>) -> tensor<1x1xui4> {
  %s = rpnn.tensor_to_stream %x : tensor<1x4x4x2xui2> -> !rpnn.stream<4x4x2xui2, 2>
  %p = rpnn.pad %s padding = [1, 1, 1, 1] value = 0 simd = 2 : !rpnn.stream<4x4x2xui2, 2> -> !rpnn.stream<6x6x2xui2, 2>
  %w = rpnn.swg %p kernel = [3, 3] stride = [1, 1] simd = 2 : !rpnn.stream<6x6x2xui2, 2> -> !rpnn.stream<4x4x18xui2, 2>
  %k = rpnn.constant dense<[[1, -2, -2, -2], [-2, 1, 1, 0], [-2, -2, -1, -1], [0, -1, -1, -2], [0, 0, -2, -2], [-1, -1, 1, 0], [-1, -1, 0, 0], [-2, 0, 1, 1], [1, -1, -1, 0], [0, 0, 1, -1], [1, -2, -2, 1], [1, -1, -2, -1], [-2, 1, 0, 0], [-2, -1, -2, 1], [-1, -2, -1, 0], [0, -1, -1, -2], [0, 0, 0, 1], [1, -2, 0, 0]]> : tensor<18x4xsi2>
  %t = rpnn.constant dense<[[-2, 0, 3], [-1, 1, 2], [0, 0, 4], [-3, -1, 1]]> : tensor<4x3xsi4>
  %c = rpnn.mvtu %w, %k, %t pe = 2 simd = 2 acc = si8 resource = "dsp" ram = "block" : !rpnn.stream<4x4x18xui2, 2>, tensor<18x4xsi2>, tensor<4x3xsi4> -> !rpnn.stream<4x4x4xui2, 2>
  %f = rpnn.fifo %c depth = 32 ram = "distributed" : !rpnn.stream<4x4x4xui2, 2> -> !rpnn.stream<4x4x4xui2, 2>
  %m = rpnn.stream_maxpool %f kernel = [2, 2] stride = [2, 2] pe = 2 : !rpnn.stream<4x4x4xui2, 2> -> !rpnn.stream<2x2x4xui2, 2>
  %v = rpnn.dwc %m : !rpnn.stream<2x2x4xui2, 2> -> !rpnn.stream<16xui2, 4>
  %l = rpnn.label_select %v k = 1 pe = 4 : !rpnn.stream<16xui2, 4> -> !rpnn.stream<1xui4, 1>
  %y = rpnn.stream_to_tensor %l : !rpnn.stream<1xui4, 1> -> tensor<1x1xui4>
  func.return %y : tensor<1x1xui4>
}


// AXI-stream style ports padded to whole bytes (2 x ui2 = 4 bits -> 8); the stream inside
// carries exactly its word.
// CHECK:      module rpnn_top (
// CHECK-NEXT:     input  wire clk,
// CHECK-NEXT:     input  wire rst,
// CHECK-NEXT:     input  wire [7:0] in0_tdata,
// CHECK-NEXT:     input  wire in0_tvalid,
// CHECK-NEXT:     output wire in0_tready,
// CHECK-NEXT:     output wire [7:0] out0_tdata,
// CHECK:          assign s0_data = in0_tdata[3:0];
// Pad with its fill word, sliding window, MVU with block-RAM weights (W_STYLE 1) and
// thresholds from $readmemh files, the IR's FIFO depth in distributed RAM (STYLE 2).
// CHECK:      rpnn_pad #(.H(4), .W(4), .CW(1), .TOP(1), .LEFT(1), .BOTTOM(1), .RIGHT(1), .WB(4), .FILL(4'h0)) l0_p (
// CHECK:      rpnn_window #(.POOL(0), .H(6), .W(6), .CW(1), .KH(3), .KW(3), .SH(1), .SW(1), .WB(4)) l1_w (
// CHECK:      rpnn_mvu #(.DEPTHWISE(0), .INNER(9), .OUTER(2), .SIMD(2), .PE(2), {{.*}} .T(3), .TB(4), .T_SIGNED(1), .T_FILE("mem/l2_c_t.hex"), {{.*}} .W_FILE("mem/l2_c_w.hex"), .W_STYLE(1), .USE_DSP(1)) l2_c (
// CHECK:      rpnn_fifo #(.DEPTH(32), .WB(4), .STYLE(2)) l3_f (
// CHECK:      rpnn_window #(.POOL(1), {{.*}} .PE(2), .EB(2), .E_SIGNED(0), .E_BIPOLAR(0)) l4_m (
// CHECK:      rpnn_dwc #(.IW(2), .OW(4), .B(2)) l5_v (
// CHECK:      rpnn_label_select #(.L(16), .PE(4), .K(1), .OWD(1), {{.*}} .OB(4)) l6_l (
// CHECK:      assign out0_tdata = {4'b0, s7_data};
// CHECK:      endmodule

// TOP:        module net (
