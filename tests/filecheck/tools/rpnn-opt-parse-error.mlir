// RUN: not rpnn-opt %s 2>&1 | filecheck %s
// RUN: rpnn-opt %s --parsing-diagnostics | filecheck %s --check-prefix=DIAG

// A malformed file: one error line naming the place, no traceback. With
// --parsing-diagnostics (xDSL's testing mode) the diagnostic block goes to stdout instead.

func.func @f(%a: i32) -> i32 {
  func.return %a, : i32
}

// CHECK-NOT:   Traceback
// CHECK:       rpnn-opt-parse-error.mlir:8:19: error: operand expected
// CHECK-EMPTY:
// CHECK-NOT:   {{.}}

// DIAG:       rpnn-opt-parse-error.mlir:8:19
// DIAG-NEXT:  func.return %a, : i32
// DIAG-NEXT:  ^
// DIAG-NEXT:  operand expected
