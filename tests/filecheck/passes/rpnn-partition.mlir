// RUN: rpnn-opt %s -p 'rpnn-partition{devices=xcu250 lut-fraction=0.02 report="%t.slr"}' | filecheck %s
// RUN: filecheck %s --check-prefix=REPORT < %t.slr
// RUN: rpnn-opt %s -p 'rpnn-partition{devices=xcu250 lut-fraction=0.02}' 2>/dev/null | rpnn-opt -p 'rpnn-partition{devices=xcu250 lut-fraction=0.02}' 2>/dev/null | filecheck %s
// RUN: rpnn-opt %s -p 'rpnn-partition{devices="xczu7ev*2" lut-fraction=0.02 json report="%t.json"}' | filecheck %s --check-prefix=CARDS
// RUN: filecheck %s --check-prefix=JSON < %t.json
// RUN: rpnn-opt %s -p 'rpnn-partition{devices=xcu250 lut-fraction=0.02 report="%t.r"},rpnn-cost{device=xcu250 report="%t.cost"}' > %t.ir
// RUN: filecheck %s --check-prefix=COST < %t.cost
// RUN: rpnn-opt %s -p 'rpnn-partition{devices=xcu250 lut-fraction=0.02 report="%t.r2"}' -t rpnn-hls | filecheck %s --check-prefix=HLS
// RUN: rpnn-opt %s -p 'rpnn-partition{devices=xcu250 objective=min-cut}' 2>/dev/null | filecheck %s --check-prefix=MINCUT
// RUN: not rpnn-opt %s -p 'rpnn-partition{devices=xcu250 lut-fraction=0.0035}' 2>&1 | filecheck %s --check-prefix=BIG
// RUN: rpnn-opt %s -p 'rpnn-partition{devices="xcu250*3" slrs=false lut-fraction=0.001 report="%t.wr"},rpnn-cost{device=xcu250 report="%t.wcost"}' | filecheck %s --check-prefix=WHOLE
// RUN: filecheck %s --check-prefix=WHOLEREP < %t.wr
// RUN: filecheck %s --check-prefix=WHOLECOST < %t.wcost
// RUN: rpnn-opt %s -p 'rpnn-partition{devices="xcu250*3" slrs=false lut-fraction=0.001 report="%t.wr2"}' -t rpnn-hls | filecheck %s --check-prefix=WHOLEHLS
// RUN: not rpnn-opt %s -p 'rpnn-partition{devices=xcu250,xcu250 slrs=false lut-fraction=0.0015 link-gbps=0.1}' 2>&1 | filecheck %s --check-prefix=LINK
// RUN: not rpnn-opt %s -p 'rpnn-partition{devices="xczu7ev*x"}' 2>&1 | filecheck %s --check-prefix=SPEC
// RUN: not rpnn-opt %s -p 'rpnn-partition' 2>&1 | filecheck %s --check-prefix=NODEV

// Three layers: two of 1,623 LUTs (rpnn-cost's figures at PE = SIMD = 8), one of 510 and a
// label select of 34.  With 2% of an xcu250 SLR (8,640 LUTs) the two big layers cannot share
// an SLR, so the best largest share is 1623 / 8640 = 18.8%: one big layer per SLR; the tail
// (544 LUTs) cannot join either (1623 + 544 > 1623), so it takes a third SLR; the fourth SLR
// stays empty and gets no partition.  Each cut stream is 8 x ui2 = 16 bits + 2 handshake
// wires = 18 SLLs.

func.func @mlp(%x: tensor<1x64xui2>) -> tensor<1x1xui4> {
  %s = rpnn.tensor_to_stream %x : tensor<1x64xui2> -> !rpnn.stream<64xui2, 8>
  %w0 = rpnn.constant dense<1> : tensor<64x64xsi2>
  %t0 = rpnn.constant dense<[[0, 1, 2]]> : tensor<1x3xsi10>
  %a = rpnn.mvtu %s, %w0, %t0 pe = 8 simd = 8 acc = si10 resource = "lut" ram = "auto" : !rpnn.stream<64xui2, 8>, tensor<64x64xsi2>, tensor<1x3xsi10> -> !rpnn.stream<64xui2, 8>
  %w1 = rpnn.constant dense<1> : tensor<64x64xsi2>
  %t1 = rpnn.constant dense<[[0, 1, 2]]> : tensor<1x3xsi10>
  %b = rpnn.mvtu %a, %w1, %t1 pe = 8 simd = 8 acc = si10 resource = "lut" ram = "auto" : !rpnn.stream<64xui2, 8>, tensor<64x64xsi2>, tensor<1x3xsi10> -> !rpnn.stream<64xui2, 8>
  %w2 = rpnn.constant dense<1> : tensor<64x10xsi2>
  %c = rpnn.mvtu %b, %w2 pe = 2 simd = 8 acc = si10 resource = "lut" ram = "auto" : !rpnn.stream<64xui2, 8>, tensor<64x10xsi2> -> !rpnn.stream<10xsi10, 2>
  %l = rpnn.label_select %c k = 1 pe = 2 : !rpnn.stream<10xsi10, 2> -> !rpnn.stream<1xui4, 1>
  %o = rpnn.stream_to_tensor %l : !rpnn.stream<1xui4, 1> -> tensor<1x1xui4>
  func.return %o : tensor<1x1xui4>
}

// CHECK:      %s = rpnn.tensor_to_stream %x
// CHECK-NEXT: %a = rpnn.partition(%s) device = "xcu250" slr = 0 {card = 0 : i64} : (!rpnn.stream<64xui2, 8>) -> !rpnn.stream<64xui2, 8> {
// CHECK-NEXT: ^bb0(%[[IN0:.*]]: !rpnn.stream<64xui2, 8>):
// CHECK-NEXT:   %w0 = rpnn.constant
// CHECK-NEXT:   %t0 = rpnn.constant
// CHECK-NEXT:   %[[A:.*]] = rpnn.mvtu %[[IN0]], %w0, %t0
// CHECK-NEXT:   rpnn.yield %[[A]] : !rpnn.stream<64xui2, 8>
// CHECK-NEXT: }
// CHECK-NEXT: %b = rpnn.partition(%a) device = "xcu250" slr = 1 {card = 0 : i64}
// CHECK:        rpnn.mvtu
// CHECK-NEXT:   rpnn.yield
// CHECK-NEXT: }
// CHECK-NEXT: %l = rpnn.partition(%b) device = "xcu250" slr = 2 {card = 0 : i64} : (!rpnn.stream<64xui2, 8>) -> !rpnn.stream<1xui4, 1> {
// CHECK:        rpnn.mvtu
// CHECK:        rpnn.label_select
// CHECK-NEXT:   rpnn.yield
// CHECK-NEXT: }
// CHECK-NEXT: %o = rpnn.stream_to_tensor %l
// CHECK-NEXT: func.return %o

// REPORT:      rpnn-partition: @mlp: largest share 18.8%, 36 wires cut, exact (dynamic programming over contiguous cuts)
// REPORT-NEXT:   xcu250#0 SLR0:   1 units  lut     1623 ( 18.8%)
// REPORT-NEXT:   xcu250#0 SLR1:   1 units  lut     1623 ( 18.8%)
// REPORT-NEXT:   xcu250#0 SLR2:   2 units  lut      544 (  6.3%)
// REPORT-NEXT:   xcu250#0 SLR0 -> xcu250#0 SLR1: 18 of 23040 SLLs
// REPORT-NEXT:   xcu250#0 SLR1 -> xcu250#0 SLR2: 18 of 23040 SLLs
// REPORT-NEXT:   xcu250#0 SLR2 -> xcu250#0 SLR3: 0 of 23040 SLLs

// rpnn-cost's partition table: the SLLs used on each SLR boundary.
// COST:      partition 0 (xcu250, SLR 0): LUT 1623,
// COST:      partition 2 (xcu250, SLR 2): LUT 544,
// COST:      crossing partition 0 -> 1: 18 of 23,040 SLLs on each of 1 SLR boundary(ies)
// COST-NEXT: crossing partition 1 -> 2: 18 of 23,040 SLLs on each of 1 SLR boundary(ies)

// rpnn-hls: one kernel per partition, linked by a Vitis connectivity file.
// HLS:      // ---- p0_xcu250_slr0/rpnn_top_p0.cpp
// HLS:      void rpnn_top_p0(hls::stream<ap_uint<16> > &in0, hls::stream<ap_uint<16> > &out0) {
// HLS:      // ---- p1_xcu250_slr1/rpnn_top_p1.cpp
// HLS:      // ---- p2_xcu250_slr2/rpnn_top_p2.cpp
// HLS:      void rpnn_top_p2(hls::stream<ap_uint<16> > &in0, hls::stream<ap_uint<8> > &out0) {
// HLS:      // ---- connectivity.cfg
// HLS:      # AXI-stream ports left open (host DMA, or other cards: see netlist.json): rpnn_top_p0_1.in0, rpnn_top_p2_1.out0
// HLS-NEXT: [connectivity]
// HLS-NEXT: nk=rpnn_top_p0:1:rpnn_top_p0_1
// HLS-NEXT: nk=rpnn_top_p1:1:rpnn_top_p1_1
// HLS-NEXT: nk=rpnn_top_p2:1:rpnn_top_p2_1
// HLS-NEXT: slr=rpnn_top_p0_1:SLR0
// HLS-NEXT: slr=rpnn_top_p1_1:SLR1
// HLS-NEXT: slr=rpnn_top_p2_1:SLR2
// HLS-NEXT: stream_connect=rpnn_top_p0_1.out0:rpnn_top_p1_1.in0
// HLS-NEXT: stream_connect=rpnn_top_p1_1.out0:rpnn_top_p2_1.in0

// Two ZCU104s, 2% of 230,400 LUTs = 4,608 each: a big layer fits with the tail but not with
// the other big layer; the fewest wires cut at that optimum is one 16-bit stream: 8 words of
// 16 bits per frame at 200 MHz / 64 cycles = 3.125 M frames/s = 0.4 Gb/s on the link.
// CARDS:      rpnn.partition(%s) device = "xczu7ev" slr = 0 {card = 0 : i64}
// CARDS:      rpnn.partition(%a) device = "xczu7ev" slr = 0 {card = 1 : i64}
// CARDS-NOT:  rpnn.partition
// JSON:       "method": "dp"
// JSON:       "wires_cut": 18
// JSON:       "kind": "link",
// JSON-NEXT:  "load": 0.4,
// JSON-NEXT:  "capacity": 10.0

// Minimum cut without a balance target: everything in the first SLR, nothing cut.
// MINCUT:     rpnn.partition(%s) device = "xcu250" slr = 0
// MINCUT-NOT: rpnn.partition

// BIG: error: pass 'rpnn-partition' failed: @mlp: unit #1 rpnn.mvtu (%a) needs lut 1,623, more than any partition has (largest: 1,512)
// LINK: error: pass 'rpnn-partition' failed: @mlp: no partition over 2 partition(s): stream #1 rpnn.mvtu (%a) needs 0.4 Gb/s (largest link: 0.1)
// SPEC: devices entry 'xczu7ev*x' must be a part name or part*N
// NODEV: devices= is required

// slrs=false: each partition has a whole device, so it names no SLR; rpnn-cost measures it
// against the whole part (1,623 of 1,728,000 LUTs = 0.1%, not a quarter of it), and rpnn-hls
// pins no kernel to an SLR (one card each: the cards are linked by netlist.json).
// WHOLE:      %a = rpnn.partition(%s) device = "xcu250" {card = 0 : i64}
// WHOLE:      %b = rpnn.partition(%a) device = "xcu250" {card = 1 : i64}
// WHOLE:      %l = rpnn.partition(%b) device = "xcu250" {card = 2 : i64}
// WHOLEREP:      xcu250#0:   1 units  lut     1623 ( 93.9%)
// WHOLEREP:      xcu250#0 -> xcu250#1: 0.4 of 10 Gb/s
// WHOLECOST:     partition 0 (xcu250): LUT 1623, BRAM18 0, URAM 0, DSP 0, max 64 cycles; of xcu250: lut 0.1%,
// WHOLEHLS:      // ---- p0_xcu250/rpnn_top_p0.cpp
// WHOLEHLS:      // ---- connectivity_card0.cfg
// WHOLEHLS:      [connectivity]
// WHOLEHLS-NEXT: nk=rpnn_top_p0:1:rpnn_top_p0_1
// WHOLEHLS-NOT:  slr=
