// RUN: rpnn-opt %s --split-input-file --parsing-diagnostics | filecheck %s --match-full-lines

// Syntax errors in the rpnn types and custom formats: each split prints xDSL's parse
// diagnostic (location, source line, carets, message).  Verifier errors are in invalid.mlir.

// ---- !rpnn.stream<shape x element, word>

%s = "test.op"() : () -> !rpnn.stream<4xsi4>
// CHECK:      {{.*}}parse-errors.mlir:8:44
// CHECK-NEXT: %s = "test.op"() : () -> !rpnn.stream<4xsi4>
// CHECK-NEXT: ^
// CHECK-NEXT: Expected ','

// -----

%s = "test.op"() : () -> !rpnn.stream<4xsi4, -1>
// CHECK:      {{.*}}parse-errors.mlir:16:46
// CHECK-NEXT: %s = "test.op"() : () -> !rpnn.stream<4xsi4, -1>
// CHECK-NEXT: ^
// CHECK-NEXT: Expected integer literal

// -----

%s = "test.op"() : () -> !rpnn.stream<4xsi4, true>
// CHECK:      {{.*}}parse-errors.mlir:24:46
// CHECK-NEXT: %s = "test.op"() : () -> !rpnn.stream<4xsi4, true>
// CHECK-NEXT: ^^^^
// CHECK-NEXT: Expected integer literal

// -----

%s = "test.op"() : () -> !rpnn.stream<4xsi4, 2.0>
// CHECK:      {{.*}}parse-errors.mlir:32:46
// CHECK-NEXT: %s = "test.op"() : () -> !rpnn.stream<4xsi4, 2.0>
// CHECK-NEXT: ^^^
// CHECK-NEXT: Expected integer literal

// -----

%s = "test.op"() : () -> !rpnn.stream<4x4, 1>
// CHECK:      {{.*}}parse-errors.mlir:40:42
// CHECK-NEXT: %s = "test.op"() : () -> !rpnn.stream<4x4, 1>
// CHECK-NEXT: ^
// CHECK-NEXT: Expected 'x' in shape delimiter, got COMMA

// -----

%s = "test.op"() : () -> !rpnn.stream<4xsi4, 4, 1>
// CHECK:      {{.*}}parse-errors.mlir:48:47
// CHECK-NEXT: %s = "test.op"() : () -> !rpnn.stream<4xsi4, 4, 1>
// CHECK-NEXT: ^
// CHECK-NEXT: '>' expected

// ---- rpnn.constant (custom parser)

// -----

%c = rpnn.constant [1, 2]
// CHECK:      {{.*}}parse-errors.mlir:58:20
// CHECK-NEXT: %c = rpnn.constant [1, 2]
// CHECK-NEXT: ^^^^^^
// CHECK-NEXT: rpnn.constant expects a dense attribute, e.g. dense<...>

// -----

%c = rpnn.constant 3 : si4 -> tensor<si4>
// CHECK:      {{.*}}parse-errors.mlir:66:20
// CHECK-NEXT: %c = rpnn.constant 3 : si4 -> tensor<si4>
// CHECK-NEXT: ^^^^^^^
// CHECK-NEXT: rpnn.constant expects a dense attribute, e.g. dense<...>

// -----

%c = rpnn.constant dense<1> : tensor<2xsi2> -> {a}
// CHECK:      {{.*}}parse-errors.mlir:74:48
// CHECK-NEXT: %c = rpnn.constant dense<1> : tensor<2xsi2> -> {a}
// CHECK-NEXT: ^
// CHECK-NEXT: type expected

// ---- declarative formats

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.quant %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 4 : tensor<1x4xf32> -> tensor<1x4xf32>
// CHECK:      {{.*}}parse-errors.mlir:85:100
// CHECK-NEXT: %y = rpnn.quant %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 4 : tensor<1x4xf32> -> tensor<1x4xf32>
// CHECK-NEXT: ^
// CHECK-NEXT: Expected 'rounding'

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.quant %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 4 rounding = "ROUND" signed : tensor<1x4xf32> -> tensor<1x4xf32>
// CHECK:      {{.*}}parse-errors.mlir:94:119
// CHECK-NEXT: %y = rpnn.quant %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 4 rounding = "ROUND" signed : tensor<1x4xf32> -> tensor<1x4xf32>
// CHECK-NEXT: ^^^^^^
// CHECK-NEXT: Expected ':'

// -----

%x, %w = "test.op"() : () -> (!rpnn.stream<16xui2, 4>, tensor<16x8xsi2>)
%y = rpnn.mvtu %x, %w simd = 4 acc = si8 resource = "lut" ram = "auto" : !rpnn.stream<16xui2, 4>, tensor<16x8xsi2> -> !rpnn.stream<8xsi8, 2>
// CHECK:      {{.*}}parse-errors.mlir:103:23
// CHECK-NEXT: %y = rpnn.mvtu %x, %w simd = 4 acc = si8 resource = "lut" ram = "auto" : !rpnn.stream<16xui2, 4>, tensor<16x8xsi2> -> !rpnn.stream<8xsi8, 2>
// CHECK-NEXT: ^^^^
// CHECK-NEXT: Expected 'pe'

// -----

%b = "test.op"() : () -> !rpnn.bipolar<1>
// CHECK:      {{.*}}parse-errors.mlir:111:40
// CHECK-NEXT: %b = "test.op"() : () -> !rpnn.bipolar<1>
// CHECK-NEXT: ^
// CHECK-NEXT: !rpnn.bipolar takes no parameters

// -----

// A value outside the element type is reported where the op starts, not as a traceback.
%c = rpnn.constant dense<8> : tensor<2xsi4>
// CHECK:      {{.*}}parse-errors.mlir:120:1
// CHECK-NEXT: %c = rpnn.constant dense<8> : tensor<2xsi4>
// CHECK-NEXT: ^^
// CHECK-NEXT: Integer value 8 is out of range for type si4 which supports values in the range [-8, 8)
