// RUN: rpnn-opt %s --split-input-file --verify-diagnostics | filecheck %s
// RUN: not rpnn-opt %s --split-input-file 2>&1 | filecheck %s --check-prefix=FIRST-ERROR

// Each chunk is parsed and verified on its own; error lines count from the top of the file.
// (The separator is matched as `// {{-----}}` below: the literal would split this file.)

func.func @ok(%a: i32) -> i32 {
  %c = arith.constant 0 : i32
  %r = arith.addi %a, %c : i32
  func.return %r : i32
}

// CHECK:       func.func @ok(%a: i32) -> i32 {
// CHECK-NEXT:    %c = arith.constant 0 : i32

// Without --verify-diagnostics the first bad chunk stops the run, after the good ones.
// FIRST-ERROR:      func.func @ok(%a: i32) -> i32 {
// FIRST-ERROR:      // {{-----}}
// FIRST-ERROR-NEXT: rpnn-opt-split-input-file.mlir:25:3: error: 'arith.addi' op: result 'result' at position 0 does not verify: attribute i32 expected from variable 'T', but got i64
// FIRST-ERROR-NOT:  {{.}}

// -----

func.func @bad_result_type(%a: i32) -> i32 {
  %r = "arith.addi"(%a, %a) : (i32, i32) -> i64
  func.return %a : i32
}

// CHECK:       // {{-----}}
// CHECK-NEXT:  result 'result' at position 0 does not verify:
// CHECK-NEXT:  attribute i32 expected from variable 'T', but got i64

// -----

func.func @bad_return(%a: i32) -> i64 {
  func.return %a : i32
}

// CHECK:       // {{-----}}
// CHECK-NEXT:  Expected arguments to have the same types as the function output types: expected [i64], got [i32]

// -----

%c = arith.constant 300 : i8

// CHECK:       // {{-----}}
// CHECK-NEXT:  Integer value 300 is out of range for type i8

// -----

func.func @ok_again() {
  func.return
}

// CHECK:       // {{-----}}
// CHECK-NEXT:  builtin.module {
// CHECK-NEXT:    func.func @ok_again() {
