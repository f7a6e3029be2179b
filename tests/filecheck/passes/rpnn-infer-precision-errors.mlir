// RUN: rpnn-opt %s --split-input-file --verify-diagnostics -p rpnn-infer-precision | filecheck %s
// RUN: not rpnn-opt %s -p 'rpnn-infer-precision{weights=typo}' 2>&1 | filecheck %s --check-prefix=OPTION

// What rpnn-infer-precision refuses, each as one line naming the op.

// OPTION: error: pass 'rpnn-infer-precision' failed: option weights=typo must be one of actual, worst-case

// A range no 32-bit type can hold: 4 x (2^32 - 1) x 1000.
func.func @too_wide(%x: tensor<1x4xui32>) -> tensor<1x1xsi32> {
  %w = rpnn.constant dense<1000> : tensor<4x1xsi16>
  %acc = rpnn.matmul %x, %w : tensor<1x4xui32>, tensor<4x1xsi16> -> tensor<1x1xsi32>
  func.return %acc : tensor<1x1xsi32>
}
// CHECK: rpnn.matmul (%acc): values in [0, 17179869180000] need 44 bits; integer types hold at most 32

// -----

// si32 + si32 needs 33 bits.
func.func @sum_too_wide(%a: tensor<1x4xsi32>, %b: tensor<1x4xsi32>) -> tensor<1x4xsi32> {
  %s = rpnn.add %a, %b : tensor<1x4xsi32>, tensor<1x4xsi32> -> tensor<1x4xsi32>
  func.return %s : tensor<1x4xsi32>
}
// CHECK: rpnn.add (%s): values in [-4294967296, 4294967294] need 33 bits; integer types hold at most 32

// -----

// An op the pass does not know fixes the type of what it uses: here an si4 accumulator that
// cannot hold [-784, 784].
func.func @fixed_by_unknown_op(%x: tensor<1x784x!rpnn.bipolar>) {
  %w = rpnn.constant dense<1> : tensor<784x4xsi2> -> tensor<784x4x!rpnn.bipolar>
  %acc = rpnn.matmul %x, %w : tensor<1x784x!rpnn.bipolar>, tensor<784x4x!rpnn.bipolar> -> tensor<1x4xsi4>
  "test.op"(%acc) : (tensor<1x4xsi4>) -> ()
  func.return
}
// CHECK: rpnn.matmul (%acc): values in [-784, 784] do not fit si4, the type fixed by test.op (an op this pass does not know)
