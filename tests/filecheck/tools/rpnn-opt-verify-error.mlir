// RUN: not rpnn-opt %s 2>&1 | filecheck %s
// RUN: rpnn-opt %s --verify-diagnostics | filecheck %s --check-prefix=DIAG

// A verifier error: one line with the failing op and its position in this file.

func.func @f(%a: i32) -> i64 {
  func.return %a : i32
}

// CHECK-NOT:   Traceback
// CHECK:       rpnn-opt-verify-error.mlir:7:3: error: 'func.return' op: Expected arguments to have the same types as the function output types: expected [i64], got [i32]
// CHECK-NOT:   {{.}}

// --verify-diagnostics keeps xdsl-opt's behaviour: message and annotated IR, exit status 0.
// DIAG:        Expected arguments to have the same types as the function output types: expected [i64], got [i32]
// DIAG:        "func.return"(%a) : (i32) -> ()
// DIAG-NEXT:   ^^^^
// DIAG-NEXT:   | Operation does not verify: Expected arguments
