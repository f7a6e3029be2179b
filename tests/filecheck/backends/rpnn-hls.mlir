// RUN: rpnn-opt %s -t rpnn-hls | filecheck %s
// RUN: rpnn-opt %s -t 'rpnn-hls{control="axilite" top="net"}' | filecheck %s --check-prefix=AXI

// Without out-dir the target prints the top-level .cpp: pragmas, template arguments, depths.
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

// CHECK:      #include "rpnn_top.hpp"
// CHECK-NEXT: #include "rpnn_top_params.hpp"
// AXI ports padded to whole bytes: 2 x ui2 = 4 bits -> 8.
// CHECK:      void rpnn_top(hls::stream<ap_uint<8> > &in0, hls::stream<ap_uint<8> > &out0) {
// CHECK-NEXT: #pragma HLS INTERFACE axis port=in0
// CHECK-NEXT: #pragma HLS INTERFACE axis port=out0
// CHECK-NEXT: #pragma HLS INTERFACE ap_ctrl_none port=return
// CHECK-NEXT: #pragma HLS DATAFLOW
// Weights and thresholds: one memory per array (the PE words side by side, exactly as wide as
// the cost model prices it), ram = "block" -> BRAM (thresholds follow the weights' style).
// CHECK-NEXT: #pragma HLS ARRAY_RESHAPE variable=l2_c_w complete dim=1
// CHECK-NEXT: #pragma HLS BIND_STORAGE variable=l2_c_w type=rom_2p impl=bram
// CHECK-NEXT: #pragma HLS ARRAY_RESHAPE variable=l2_c_t complete dim=1
// CHECK-NEXT: #pragma HLS BIND_STORAGE variable=l2_c_t type=rom_2p impl=bram
// Every channel has an explicit FIFO implementation: shift registers for the depth-2 ones.
// CHECK:      hls::stream<ap_uint<4> > s2("s2");
// CHECK-NEXT: #pragma HLS STREAM variable=s2 depth=2
// CHECK-NEXT: #pragma HLS BIND_STORAGE variable=s2 type=fifo impl=srl
// The rpnn.fifo becomes the depth (and storage) of the channel after the MVTU.
// CHECK-NEXT: hls::stream<ap_uint<4> > s3("s3");
// CHECK-NEXT: #pragma HLS STREAM variable=s3 depth=32
// CHECK-NEXT: #pragma HLS BIND_STORAGE variable=s3 type=fifo impl=lutram
// CHECK:      hls::stream<ap_uint<8> > s6("s6");
// One call per unit, in dataflow order, with the unit's folding as template arguments, each
// labelled for the C-simulation iteration counts (RPNN_UNIT is empty for synthesis). Line
// buffers carry the model's memory kind (6 and 4x2 words: LUTRAM).
// CHECK:      RPNN_UNIT("in0")
// CHECK-NEXT: rpnn::repack<16, 8, 4>(in0, s0);
// CHECK-NEXT: RPNN_UNIT("l0_p")
// CHECK-NEXT: rpnn::pad<4, 4, 1, 1, 1, 1, 1, 4>(s0, s1, ap_uint<4>(0x0ULL));
// CHECK-NEXT: RPNN_UNIT("l1_w")
// CHECK-NEXT: rpnn::swg<6, 6, 1, 3, 3, 1, 1, 4, rpnn::MemLutram>(s1, s2);
// CHECK-NEXT: RPNN_UNIT("l2_c")
// CHECK-NEXT: rpnn::mvtu<16, 18, 4, 2, 2, rpnn::UInt<2>, rpnn::SInt<2>, rpnn::SInt<8>, rpnn::UInt<2>, 3, rpnn::SInt<4>, 0, rpnn::ResDsp>(s2, s3, l2_c_w, l2_c_t);
// CHECK-NEXT: RPNN_UNIT("l4_m")
// CHECK-NEXT: rpnn::stream_maxpool<4, 4, 2, 2, 2, 2, 2, 2, rpnn::UInt<2>, rpnn::MemLutram, rpnn::MemLutram>(s3, s5);
// CHECK-NEXT: RPNN_UNIT("l5_v")
// CHECK-NEXT: rpnn::dwc<16, 2, 4, 2>(s5, s6);
// CHECK-NEXT: RPNN_UNIT("l6_l")
// CHECK-NEXT: rpnn::label_select<16, 4, 1, 1, rpnn::UInt<2>, rpnn::UInt<4>>(s6, s7);
// CHECK-NEXT: RPNN_UNIT("out0")
// CHECK-NEXT: rpnn::repack<1, 4, 8>(s7, out0);
// CHECK-NEXT: }

// AXI:      #include "net.hpp"
// AXI:      void net(
// AXI:      #pragma HLS INTERFACE s_axilite port=return
// AXI-NOT:  ap_ctrl_none
