// RUN: not rpnn-opt %s -p no-such-pass 2>&1 | filecheck %s --check-prefix=PASS
// RUN: not rpnn-opt %s -p rpnn-fld 2>&1 | filecheck %s --check-prefix=PASS-TYPO
// RUN: not rpnn-opt %s -p 'canonicalize{no-such-option=1}' 2>&1 | filecheck %s --check-prefix=OPTION
// RUN: not rpnn-opt %s -p 'rpnn-fold{lut-frac=0.5}' 2>&1 | filecheck %s --check-prefix=OPTION-TYPO
// RUN: not rpnn-opt %s -p 'rpnn-fold{report=out/r.txt}' 2>&1 | filecheck %s --check-prefix=UNQUOTED-PASS
// RUN: not rpnn-opt %s -t 'rpnn-hls{out-dir=build/x}' 2>&1 | filecheck %s --check-prefix=UNQUOTED-TARGET
// RUN: not rpnn-opt %s -p 'convert-scf-to-openmp{chunk=abc}' 2>&1 | filecheck %s --check-prefix=VALUE
// RUN: not rpnn-opt %s -p 'canonicalize{' 2>&1 | filecheck %s --check-prefix=PIPELINE
// RUN: not rpnn-opt %s -t no-such-target 2>&1 | filecheck %s --check-prefix=TARGET
// RUN: not rpnn-opt %s -t rpnn-hsl 2>&1 | filecheck %s --check-prefix=TARGET-TYPO
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

// PASS:       error: unknown pass 'no-such-pass' (see rpnn-opt --list-passes)
// PASS-NOT:   {{.}}

// PASS-TYPO:     error: unknown pass 'rpnn-fld'; did you mean 'rpnn-fold'? (see rpnn-opt --list-passes)
// PASS-TYPO-NOT: {{.}}

// OPTION:     error: unknown option 'no-such-option' for pass 'canonicalize' (valid options: none)
// OPTION-NOT: {{.}}

// OPTION-TYPO:     error: unknown option 'lut-frac' for pass 'rpnn-fold'; did you mean 'lut-fraction'? (valid options: target-fps, {{.*}})
// OPTION-TYPO-NOT: {{.}}

// UNQUOTED-PASS:     error: malformed pass pipeline 'rpnn-fold{report=out/r.txt}' at column 21: Unknown token; quote the value: report="out/r.txt" (and the whole spec in single quotes for the shell)
// UNQUOTED-PASS-NOT: {{.}}

// UNQUOTED-TARGET:     error: malformed target or frontend spec 'rpnn-hls{out-dir=build/x}' at column 23: Unknown token; quote the value: out-dir="build/x" (and the whole spec in single quotes for the shell)
// UNQUOTED-TARGET-NOT: {{.}}

// VALUE:      error: invalid options for pass 'convert-scf-to-openmp{chunk="abc"}': Incompatible types{{.*}}
// VALUE-NOT:  {{.}}

// PIPELINE:     error: malformed pass pipeline 'canonicalize{' at column 14: Expected argument name here
// PIPELINE-NOT: {{.}}

// TARGET:     error: argument -t/--target: invalid choice: 'no-such-target' (choose from {{.*}}mlir{{.*}}); see rpnn-opt --help
// TARGET-NOT: {{.}}

// TARGET-TYPO:     error: argument -t/--target: invalid choice: 'rpnn-hsl'; did you mean 'rpnn-hls'? (choose from {{.*}}rpnn-hls{{.*}}); see rpnn-opt --help
// TARGET-TYPO-NOT: {{.}}

// TARGET-OPTION:     error: unknown option 'no-such-option' for target 'mlir' (valid options: print-generic-format, {{.*}})
// TARGET-OPTION-NOT: {{.}}

// FLAG:       error: unrecognized arguments: --no-such-flag; see rpnn-opt --help
// FLAG-NOT:   {{.}}

// MISSING:     error: input file '{{.*}}rpnn-opt-bad-command-line.mlir.does-not-exist.mlir' not found (check the path)
// MISSING-NOT: {{.}}

// OK:         func.func @f(%a: i32) -> i32 {
// OK-NEXT:      func.return %a : i32
