// RUN: not rpnn-opt %s -p no-such-pass 2>&1 | filecheck %s --check-prefix=PASS
// RUN: not rpnn-opt %s -p 'canonicalize{no-such-option=1}' 2>&1 | filecheck %s --check-prefix=OPTION
// RUN: not rpnn-opt %s -p 'convert-scf-to-openmp{chunk=abc}' 2>&1 | filecheck %s --check-prefix=VALUE
// RUN: not rpnn-opt %s -p 'canonicalize{' 2>&1 | filecheck %s --check-prefix=PIPELINE
// RUN: not rpnn-opt %s -t no-such-target 2>&1 | filecheck %s --check-prefix=TARGET
// RUN: not rpnn-opt %s -t 'mlir{no-such-option=1}' 2>&1 | filecheck %s --check-prefix=TARGET-OPTION
// RUN: not rpnn-opt %s --no-such-flag 2>&1 | filecheck %s --check-prefix=FLAG
// RUN: not rpnn-opt %s.does-not-exist.mlir 2>&1 | filecheck %s --check-prefix=MISSING
// RUN: rpnn-opt %s -p canonicalize,cse | filecheck %s --check-prefix=OK

// Command-line mistakes: one line naming the culprit and where to look, no traceback,
// reported before the input is read.

func.func @f(%a: i32) -> i32 {
  %c = arith.constant 0 : i32
  %r = arith.addi %a, %c : i32
  func.return %r : i32
}

// PASS:       error: unknown pass 'no-such-pass' (see rpnn-opt --help for the list)
// PASS-NOT:   {{.}}

// OPTION:     error: unknown option 'no-such-option' for pass 'canonicalize' (valid options: none)
// OPTION-NOT: {{.}}

// VALUE:      error: invalid options for pass 'convert-scf-to-openmp{chunk="abc"}': Incompatible types{{.*}}
// VALUE-NOT:  {{.}}

// PIPELINE:     error: malformed pass pipeline 'canonicalize{' at column 14: Expected argument name here
// PIPELINE-NOT: {{.}}

// TARGET:     error: argument -t/--target: invalid choice: 'no-such-target' (choose from {{.*}}mlir{{.*}}); see rpnn-opt --help
// TARGET-NOT: {{.}}

// TARGET-OPTION:     error: unknown option 'no-such-option' for target 'mlir' (valid options: print-generic-format, {{.*}})
// TARGET-OPTION-NOT: {{.}}

// FLAG:       error: unrecognized arguments: --no-such-flag; see rpnn-opt --help
// FLAG-NOT:   {{.}}

// MISSING:     error: input file '{{.*}}rpnn-opt-bad-command-line.mlir.does-not-exist.mlir' not found (check the path)
// MISSING-NOT: {{.}}

// OK:         func.func @f(%a: i32) -> i32 {
// OK-NEXT:      func.return %a : i32
