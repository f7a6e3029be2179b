// RUN: rpnn-opt --list-passes | filecheck %s

// rpnn's passes first (rpnn-pipeline leading), each with its options, defaults and help;
// then rpnn's targets; then xDSL's pass names. No input is read.

// CHECK:      rpnn passes (-p 'name{option=value ...}'; a path or other text needs quotes: out-dir="build/x"):
// CHECK-EMPTY:
// CHECK-NEXT: rpnn-pipeline  Graph level to a folded, costed dataflow design.
// CHECK-NEXT:     device=xc7z020               Part to fold for and cost against
// CHECK-NEXT:                                  {{.*}}
// CHECK:          target-fps=0.0               Frames/s to reach at least cost; 0: the fastest design
// CHECK:          lut-fraction=0.85            Share (0..1) of the device's LUTs
// CHECK:          allow-over-budget=false      Keep a design over its budget
// CHECK:          fold=true                    `fold=false` keeps PE = SIMD = 1
// CHECK:      rpnn-fold  Fold every dataflow function to a target frame rate or a device budget.
// CHECK:          count-fifos=false            Count the FIFOs already in the IR
// CHECK:      rpnn-insert-fifos  Width converters and FIFOs between dataflow units
// CHECK-NEXT:     min-depth=2                  Smallest FIFO depth (words).
// CHECK:      rpnn-streamline  Graph level -> integer level
// CHECK-NEXT:     acc-width=32
// CHECK:      rpnn targets (-t 'name{option=value ...}'):
// CHECK:      rpnn-hls  Emit a Vitis HLS project
// CHECK:          tb-frames=4
// CHECK:      xDSL passes (options: see xDSL's documentation):
// CHECK-NEXT:     apply-{{.*}}
// CHECK:          {{.*}} canonicalize,
// CHECK:          {{.*}} cse,
// CHECK-NOT:  rpnn-
