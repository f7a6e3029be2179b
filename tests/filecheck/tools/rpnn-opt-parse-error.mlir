// RUN: not rpnn-opt %s 2>&1 | filecheck %s
// RUN: rpnn-opt %s --parsing-diagnostics | filecheck %s

// A malformed file: xDSL's diagnostic (location, source line, caret, message), no traceback.

func.func @f(%a: i32) -> i32 {
  func.return %a, : i32
}

// CHECK-NOT:   Traceback
// CHECK:       rpnn-opt-parse-error.mlir:7:19
// CHECK-NEXT:  func.return %a, : i32
// CHECK-NEXT:  ^
// CHECK-NEXT:  operand expected
// CHECK-NOT:   Traceback
