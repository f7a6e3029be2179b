// RUN: rpnn-opt %s --split-input-file --verify-diagnostics | filecheck %s --match-full-lines

// One case per verifier message of the rpnn dialect (rpnn_ir/dialects/rpnn.py): every `_fail`
// call site, every call of a shared check, and every error of the types' `verify`.  Each CHECK
// line is the whole first line xDSL prints for the failing split; the split's IR follows it in
// the diagnostic, so a case that unexpectedly verifies prints its IR instead and fails the test.
// Parse errors (malformed stream types, a non-dense constant) are in parse-errors.mlir.

// ---- !rpnn.stream

%s = "test.op"() : () -> !rpnn.stream<0x4xui4, 1>
// CHECK: stream shape [0, 4] must have at least one dimension, all positive

// -----

%s = "test.op"() : () -> !rpnn.stream<ui4, 1>
// CHECK: stream shape [] must have at least one dimension, all positive

// -----

%s = "test.op"() : () -> !rpnn.stream<4xi4, 1>
// CHECK: stream element type i4 must be siN/uiN (1-32 bits), !rpnn.bipolar or f32

// -----

%s = "test.op"() : () -> !rpnn.stream<4xsi33, 1>
// CHECK: stream element type si33 must be siN/uiN (1-32 bits), !rpnn.bipolar or f32

// -----

%s = "test.op"() : () -> !rpnn.stream<4x6xsi4, 4>
// CHECK: stream word of 4 elements must divide the innermost dimension (6)

// -----

%s = "test.op"() : () -> !rpnn.stream<4xsi4, 0>
// CHECK: stream word of 0 elements must divide the innermost dimension (4)

// ---- checks shared by the tensor ops

// -----

%x = "test.op"() : () -> tensor<1x4xi8>
%y = rpnn.relu %x : tensor<1x4xi8> -> tensor<1x4xi8>
// CHECK: rpnn.relu: element type i8 is not a data type (siN/uiN of 1-32 bits, !rpnn.bipolar or f32)

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.relu %x : tensor<1x4xf32> -> tensor<1x4xf64>
// CHECK: rpnn.relu: element type f64 is not a data type (siN/uiN of 1-32 bits, !rpnn.bipolar or f32)

// -----

%x, %b = "test.op"() : () -> (tensor<1x4xf32>, tensor<4xsi8>)
%y = rpnn.add %x, %b : tensor<1x4xf32>, tensor<4xsi8> -> tensor<1x4xf32>
// CHECK: rpnn.add: operands mix f32 and integer element types

// -----

%x, %w = "test.op"() : () -> (tensor<1x4xf32>, tensor<4x3xf32>)
%y = rpnn.matmul %x, %w : tensor<1x4xf32>, tensor<4x3xf32> -> tensor<1x3xsi8>
// CHECK: rpnn.matmul: f32 operands give an f32 result, not si8

// -----

%x, %w = "test.op"() : () -> (tensor<1x3x4x4xsi4>, tensor<2x3x1x1xsi4>)
%y = rpnn.conv2d %x, %w stride = [1, 1] padding = [0, 0, 0, 0] dilation = [1, 1] groups = 1 : tensor<1x3x4x4xsi4>, tensor<2x3x1x1xsi4> -> tensor<1x2x4x4xf32>
// CHECK: rpnn.conv2d: integer operands give an siN/uiN result (the accumulator type), not f32

// -----

%x = "test.op"() : () -> tensor<1x4x!rpnn.bipolar>
%y = rpnn.relu %x : tensor<1x4x!rpnn.bipolar> -> tensor<1x4x!rpnn.bipolar>
// CHECK: rpnn.relu: integer operands give an siN/uiN result (the accumulator type), not !rpnn.bipolar

// ---- the element-type check, once per op that runs it (each op's message has its own name)

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.bipolar_quant %x scale = dense<1.0> : tensor<f32> : tensor<1x4xf32> -> tensor<1x4xi1>
// CHECK: rpnn.bipolar_quant: element type i1 is not a data type (siN/uiN of 1-32 bits, !rpnn.bipolar or f32)

// -----

%x, %w = "test.op"() : () -> (tensor<1x4xsi4>, tensor<4x3xsi4>)
%y = rpnn.matmul %x, %w : tensor<1x4xsi4>, tensor<4x3xsi4> -> tensor<1x3xsi64>
// CHECK: rpnn.matmul: element type si64 is not a data type (siN/uiN of 1-32 bits, !rpnn.bipolar or f32)

// -----

%x, %w = "test.op"() : () -> (tensor<1x3x4x4xbf16>, tensor<2x3x1x1xbf16>)
%y = rpnn.conv2d %x, %w stride = [1, 1] padding = [0, 0, 0, 0] dilation = [1, 1] groups = 1 : tensor<1x3x4x4xbf16>, tensor<2x3x1x1xbf16> -> tensor<1x2x4x4xbf16>
// CHECK: rpnn.conv2d: element type bf16 is not a data type (siN/uiN of 1-32 bits, !rpnn.bipolar or f32)

// -----

%a, %b = "test.op"() : () -> (tensor<4xsi4>, tensor<4xindex>)
%y = rpnn.mul %a, %b : tensor<4xsi4>, tensor<4xindex> -> tensor<4xsi8>
// CHECK: rpnn.mul: element type index is not a data type (siN/uiN of 1-32 bits, !rpnn.bipolar or f32)

// -----

%x = "test.op"() : () -> tensor<1x4xf16>
%y = rpnn.batchnorm %x scale = dense<1.0> : tensor<4xf32> bias = dense<0.0> : tensor<4xf32> mean = dense<0.0> : tensor<4xf32> var = dense<1.0> : tensor<4xf32> epsilon = 1.0e-05 : f32 : tensor<1x4xf16> -> tensor<1x4xf16>
// CHECK: rpnn.batchnorm: element type f16 is not a data type (siN/uiN of 1-32 bits, !rpnn.bipolar or f32)

// -----

%x = "test.op"() : () -> tensor<1x4x8x8xi8>
%y = rpnn.maxpool %x kernel = [2, 2] stride = [2, 2] padding = [0, 0, 0, 0] : tensor<1x4x8x8xi8> -> tensor<1x4x4x4xi8>
// CHECK: rpnn.maxpool: element type i8 is not a data type (siN/uiN of 1-32 bits, !rpnn.bipolar or f32)

// -----

%x = "test.op"() : () -> tensor<1x4x8xsi0>
%y = rpnn.reshape %x : tensor<1x4x8xsi0> -> tensor<1x32xsi0>
// CHECK: rpnn.reshape: element type si0 is not a data type (siN/uiN of 1-32 bits, !rpnn.bipolar or f32)

// -----

%x = "test.op"() : () -> tensor<1x2x3xf64>
%y = rpnn.transpose %x perm = [2, 0, 1] : tensor<1x2x3xf64> -> tensor<3x1x2xf64>
// CHECK: rpnn.transpose: element type f64 is not a data type (siN/uiN of 1-32 bits, !rpnn.bipolar or f32)

// -----

%x, %t = "test.op"() : () -> (tensor<1x4xsi8>, tensor<1x3xi8>)
%y = rpnn.multithreshold %x, %t : tensor<1x4xsi8>, tensor<1x3xi8> -> tensor<1x4xui2>
// CHECK: rpnn.multithreshold: element type i8 is not a data type (siN/uiN of 1-32 bits, !rpnn.bipolar or f32)

// -----

%x = "test.op"() : () -> tensor<1x10xf32>
%y = rpnn.topk %x k = 1 : tensor<1x10xf32> -> tensor<1x1xindex>
// CHECK: rpnn.topk: element type index is not a data type (siN/uiN of 1-32 bits, !rpnn.bipolar or f32)

// -----

%x = "test.op"() : () -> tensor<1x16xi4>
%s = rpnn.tensor_to_stream %x : tensor<1x16xi4> -> !rpnn.stream<16xsi4, 4>
// CHECK: rpnn.tensor_to_stream: element type i4 is not a data type (siN/uiN of 1-32 bits, !rpnn.bipolar or f32)

// -----

%x, %t = "test.op"() : () -> (!rpnn.stream<2x2x8xsi8, 4>, tensor<8x3xi8>)
%y = rpnn.thresholding %x, %t pe = 4 : !rpnn.stream<2x2x8xsi8, 4>, tensor<8x3xi8> -> !rpnn.stream<2x2x8xui2, 4>
// CHECK: rpnn.thresholding: element type i8 is not a data type (siN/uiN of 1-32 bits, !rpnn.bipolar or f32)

// -----

%x, %w = "test.op"() : () -> (!rpnn.stream<2x2x36xsi4, 4>, tensor<4x9xsi4>)
%y = rpnn.depthwise %x, %w pe = 4 simd = 1 acc = f32 resource = "lut" ram = "auto" : !rpnn.stream<2x2x36xsi4, 4>, tensor<4x9xsi4> -> !rpnn.stream<2x2x4xf32, 4>
// CHECK: rpnn.depthwise: accumulator type f32 must be siN/uiN of 1-32 bits

// ---- rpnn.constant

// -----

%c = rpnn.constant dense<1> : vector<2xsi4> -> tensor<2xsi4>
// CHECK: rpnn.constant: value must be a dense attribute of tensor type, not vector<2xsi4>

// -----

%c = rpnn.constant dense<1> : tensor<2xsi2> -> tensor<3x!rpnn.bipolar>
// CHECK: rpnn.constant: value shape [2] differs from result shape [3]

// -----

%c = rpnn.constant dense<1> : tensor<2xsi4> -> tensor<2x!rpnn.bipolar>
// CHECK: rpnn.constant: a bipolar constant stores its -1/+1 values as si2

// -----

%c = rpnn.constant dense<[1, 0, -1]> : tensor<3xsi2> -> tensor<3x!rpnn.bipolar>
// CHECK: rpnn.constant: bipolar constant values must be -1 or +1

// -----

%c = rpnn.constant dense<1> : tensor<2xsi4> -> tensor<2xsi8>
// CHECK: rpnn.constant: value type tensor<2xsi4> differs from result type tensor<2xsi8>

// -----

%c = rpnn.constant dense<1> : tensor<2xi8>
// CHECK: rpnn.constant: element type i8 is not a data type

// -----

%c = rpnn.constant dense<"0x0807"> : tensor<2xsi4>
// CHECK: rpnn.constant: values exceed the range [-8, 7] of si4

// -----

%c = rpnn.constant dense<"0x0110"> : tensor<2xui4>
// CHECK: rpnn.constant: values exceed the range [0, 15] of ui4

// ---- rpnn.quant

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.quant %x scale = dense<0.5> : vector<1xf32> zero_point = dense<0.0> : tensor<f32> bits = 4 rounding = "ROUND" : tensor<1x4xf32> -> tensor<1x4xf32>
// CHECK: rpnn.quant: scale must be a dense attribute of tensor type, not vector<1xf32>

// -----

%x = "test.op"() : () -> tensor<1x4xsi8>
%y = rpnn.quant %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 4 rounding = "ROUND" : tensor<1x4xsi8> -> tensor<1x4xf32>
// CHECK: rpnn.quant: input must be an f32 tensor

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.quant %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 0 rounding = "ROUND" : tensor<1x4xf32> -> tensor<1x4xf32>
// CHECK: rpnn.quant: bit width (0) must be between 1 and 32

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.quant %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 33 signed rounding = "ROUND" : tensor<1x4xf32> -> tensor<1x4xf32>
// CHECK: rpnn.quant: bit width (33) must be between 1 and 32

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.quant %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 1 narrow rounding = "ROUND" : tensor<1x4xf32> -> tensor<1x4xf32>
// CHECK: rpnn.quant: an unsigned narrow 1-bit quantizer can only give 0

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.quant %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 4 rounding = "NEAREST" : tensor<1x4xf32> -> tensor<1x4xf32>
// CHECK: rpnn.quant: rounding mode 'NEAREST' must be one of ROUND, HALF_EVEN, CEIL, FLOOR, UP, DOWN, HALF_UP, HALF_DOWN

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.quant %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 4 rounding = "ROUND" : tensor<1x4xf32> -> tensor<4xf32>
// CHECK: rpnn.quant: result shape must equal input shape

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.quant %x scale = dense<1> : tensor<si8> zero_point = dense<0.0> : tensor<f32> bits = 4 rounding = "ROUND" : tensor<1x4xf32> -> tensor<1x4xf32>
// CHECK: rpnn.quant: scale must be an f32 dense attribute

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.quant %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f64> bits = 4 rounding = "ROUND" : tensor<1x4xf32> -> tensor<1x4xf32>
// CHECK: rpnn.quant: zero point must be an f32 dense attribute

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.quant %x scale = dense<0.5> : tensor<3xf32> zero_point = dense<0.0> : tensor<f32> bits = 4 rounding = "ROUND" : tensor<1x4xf32> -> tensor<1x4xf32>
// CHECK: rpnn.quant: scale of shape [3] does not broadcast to [1, 4]

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.quant %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<1x4x1xf32> bits = 4 rounding = "ROUND" : tensor<1x4xf32> -> tensor<1x4xf32>
// CHECK: rpnn.quant: zero point of shape [1, 4, 1] does not broadcast to [1, 4]

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.quant %x scale = dense<[0.5, 0.0, 1.0, 1.0]> : tensor<4xf32> zero_point = dense<0.0> : tensor<f32> bits = 4 rounding = "ROUND" : tensor<1x4xf32> -> tensor<1x4xf32>
// CHECK: rpnn.quant: scale must be positive and finite

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.quant %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.5> : tensor<f32> bits = 4 rounding = "ROUND" : tensor<1x4xf32> -> tensor<1x4xsi8>
// CHECK: rpnn.quant: an integer result needs an integral zero point

// -----

// An infinite zero point (bytes of f32 +inf) is not integral either.
%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.quant %x scale = dense<0.5> : tensor<f32> zero_point = dense<"0x0000807F"> : tensor<f32> bits = 4 rounding = "ROUND" : tensor<1x4xf32> -> tensor<1x4xsi8>
// CHECK: rpnn.quant: an integer result needs an integral zero point

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.quant %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 4 signed rounding = "ROUND" : tensor<1x4xf32> -> tensor<1x4x!rpnn.bipolar>
// CHECK: rpnn.quant: a !rpnn.bipolar result needs a signed 1-bit quantizer with zero point 0

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.quant %x scale = dense<0.5> : tensor<f32> zero_point = dense<1.0> : tensor<f32> bits = 1 signed rounding = "ROUND" : tensor<1x4xf32> -> tensor<1x4x!rpnn.bipolar>
// CHECK: rpnn.quant: a !rpnn.bipolar result needs a signed 1-bit quantizer with zero point 0

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.quant %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 1 signed rounding = "ROUND" : tensor<1x4xf32> -> tensor<1x4xsi2>
// CHECK: rpnn.quant: a signed 1-bit quantizer is bipolar: its integer result must be !rpnn.bipolar

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.quant %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> bits = 4 signed rounding = "ROUND" : tensor<1x4xf32> -> tensor<1x4xsi3>
// CHECK: rpnn.quant: result type si3 cannot hold the quantized range [-8, 7]

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.quant %x scale = dense<0.5> : tensor<f32> zero_point = dense<[0.0, 1.0, 2.0, 0.0]> : tensor<4xf32> bits = 2 rounding = "FLOOR" : tensor<1x4xf32> -> tensor<1x4xui2>
// CHECK: rpnn.quant: result type ui2 cannot hold the quantized range [-2, 3]

// ---- rpnn.trunc

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.trunc %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> shift = 1 out_scale = dense<1.0> : tensor<f32> out_zero_point = dense<0.0> : tensor<f32> rounding = "FLOOR" : tensor<1x4xf32> -> tensor<1x4xf16>
// CHECK: rpnn.trunc: element type f16 is not a data type (siN/uiN of 1-32 bits, !rpnn.bipolar or f32)

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.trunc %x scale = dense<0.5> : vector<1xf32> zero_point = dense<0.0> : tensor<f32> shift = 1 out_scale = dense<1.0> : tensor<f32> out_zero_point = dense<0.0> : tensor<f32> rounding = "FLOOR" : tensor<1x4xf32> -> tensor<1x4xf32>
// CHECK: rpnn.trunc: scale must be a dense attribute of tensor type, not vector<1xf32>

// -----

%x = "test.op"() : () -> tensor<1x4xsi8>
%y = rpnn.trunc %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> shift = 1 out_scale = dense<1.0> : tensor<f32> out_zero_point = dense<0.0> : tensor<f32> rounding = "FLOOR" : tensor<1x4xsi8> -> tensor<1x4xf32>
// CHECK: rpnn.trunc: input must be an f32 tensor

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.trunc %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> shift = 1 out_scale = dense<1.0> : tensor<f32> out_zero_point = dense<0.0> : tensor<f32> rounding = "FLOOR" : tensor<1x4xf32> -> tensor<1x4xsi8>
// CHECK: rpnn.trunc: result must be f32, not si8

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.trunc %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> shift = 1 out_scale = dense<1.0> : tensor<f32> out_zero_point = dense<0.0> : tensor<f32> rounding = "FLOOR" : tensor<1x4xf32> -> tensor<4xf32>
// CHECK: rpnn.trunc: result shape must equal input shape

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.trunc %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> shift = -1 out_scale = dense<1.0> : tensor<f32> out_zero_point = dense<0.0> : tensor<f32> rounding = "FLOOR" : tensor<1x4xf32> -> tensor<1x4xf32>
// CHECK: rpnn.trunc: shift (-1) must be non-negative

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.trunc %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> shift = 1 out_scale = dense<1.0> : tensor<f32> out_zero_point = dense<0.0> : tensor<f32> signed rounding = "FLOOR" : tensor<1x4xf32> -> tensor<1x4xf32>
// CHECK: rpnn.trunc: signed and narrow need a clamp bit width (bits)

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.trunc %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> shift = 1 out_scale = dense<1.0> : tensor<f32> out_zero_point = dense<0.0> : tensor<f32> bits = 0 rounding = "FLOOR" : tensor<1x4xf32> -> tensor<1x4xf32>
// CHECK: rpnn.trunc: bit width (0) must be between 1 and 32

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.trunc %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> shift = 1 out_scale = dense<1.0> : tensor<f32> out_zero_point = dense<0.0> : tensor<f32> bits = 33 signed rounding = "FLOOR" : tensor<1x4xf32> -> tensor<1x4xf32>
// CHECK: rpnn.trunc: bit width (33) must be between 1 and 32

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.trunc %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> shift = 1 out_scale = dense<1.0> : tensor<f32> out_zero_point = dense<0.0> : tensor<f32> rounding = "NEAREST" : tensor<1x4xf32> -> tensor<1x4xf32>
// CHECK: rpnn.trunc: rounding mode 'NEAREST' must be one of ROUND, HALF_EVEN, CEIL, FLOOR, UP, DOWN, HALF_UP, HALF_DOWN

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.trunc %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> shift = 1 out_scale = dense<1> : tensor<si8> out_zero_point = dense<0.0> : tensor<f32> rounding = "FLOOR" : tensor<1x4xf32> -> tensor<1x4xf32>
// CHECK: rpnn.trunc: out scale must be an f32 dense attribute

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.trunc %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> shift = 1 out_scale = dense<1.0> : tensor<f32> out_zero_point = dense<0.0> : tensor<3xf32> rounding = "FLOOR" : tensor<1x4xf32> -> tensor<1x4xf32>
// CHECK: rpnn.trunc: out zero point of shape [3] does not broadcast to [1, 4]

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.trunc %x scale = dense<[0.5, 0.0, 1.0, 1.0]> : tensor<4xf32> zero_point = dense<0.0> : tensor<f32> shift = 1 out_scale = dense<1.0> : tensor<f32> out_zero_point = dense<0.0> : tensor<f32> rounding = "FLOOR" : tensor<1x4xf32> -> tensor<1x4xf32>
// CHECK: rpnn.trunc: scale must be positive and finite

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.trunc %x scale = dense<0.5> : tensor<f32> zero_point = dense<0.0> : tensor<f32> shift = 1 out_scale = dense<-1.0> : tensor<f32> out_zero_point = dense<0.0> : tensor<f32> rounding = "FLOOR" : tensor<1x4xf32> -> tensor<1x4xf32>
// CHECK: rpnn.trunc: out scale must be positive and finite

// ---- rpnn.bipolar_quant

// -----

%x = "test.op"() : () -> tensor<1x4xsi8>
%y = rpnn.bipolar_quant %x scale = dense<1.0> : tensor<f32> : tensor<1x4xsi8> -> tensor<1x4x!rpnn.bipolar>
// CHECK: rpnn.bipolar_quant: input must be an f32 tensor

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.bipolar_quant %x scale = dense<1.0> : tensor<f32> : tensor<1x4xf32> -> tensor<1x2x!rpnn.bipolar>
// CHECK: rpnn.bipolar_quant: result shape must equal input shape

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.bipolar_quant %x scale = dense<1.0> : tensor<f32> : tensor<1x4xf32> -> tensor<1x4xsi2>
// CHECK: rpnn.bipolar_quant: result element type must be f32 or !rpnn.bipolar

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.bipolar_quant %x scale = dense<1.0> : tensor<f16> : tensor<1x4xf32> -> tensor<1x4xf32>
// CHECK: rpnn.bipolar_quant: scale must be an f32 dense attribute

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.bipolar_quant %x scale = dense<[1.0, 2.0]> : tensor<2xf32> : tensor<1x4xf32> -> tensor<1x4xf32>
// CHECK: rpnn.bipolar_quant: scale of shape [2] does not broadcast to [1, 4]

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.bipolar_quant %x scale = dense<-1.0> : tensor<f32> : tensor<1x4xf32> -> tensor<1x4xf32>
// CHECK: rpnn.bipolar_quant: scale must be positive and finite

// ---- rpnn.matmul

// -----

%x, %w = "test.op"() : () -> (tensor<1x4xf32>, tensor<4x3x1xf32>)
%y = rpnn.matmul %x, %w : tensor<1x4xf32>, tensor<4x3x1xf32> -> tensor<1x3xf32>
// CHECK: rpnn.matmul: weights must be 2-D [K, M] and input at least 1-D, got weights [4, 3, 1] and input [1, 4]

// -----

%x, %w = "test.op"() : () -> (tensor<f32>, tensor<4x3xf32>)
%y = rpnn.matmul %x, %w : tensor<f32>, tensor<4x3xf32> -> tensor<3xf32>
// CHECK: rpnn.matmul: weights must be 2-D [K, M] and input at least 1-D, got weights [4, 3] and input []

// -----

%x, %w = "test.op"() : () -> (tensor<1x4xsi4>, tensor<5x3x!rpnn.bipolar>)
%y = rpnn.matmul %x, %w : tensor<1x4xsi4>, tensor<5x3x!rpnn.bipolar> -> tensor<1x3xsi8>
// CHECK: rpnn.matmul: input inner dimension (4) must equal weight rows K (5)

// -----

%x, %w = "test.op"() : () -> (tensor<1x4xf32>, tensor<4x3xf32>)
%y = rpnn.matmul %x, %w : tensor<1x4xf32>, tensor<4x3xf32> -> tensor<1x4xf32>
// CHECK: rpnn.matmul: result shape must be [1, 3]

// ---- rpnn.conv2d

// -----

%x, %w = "test.op"() : () -> (tensor<3x8x8xf32>, tensor<4x3x3x3xf32>)
%y = rpnn.conv2d %x, %w stride = [1, 1] padding = [0, 0, 0, 0] dilation = [1, 1] groups = 1 : tensor<3x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<4x6x6xf32>
// CHECK: rpnn.conv2d: input must be NCHW and weights OIHW (4-D)

// -----

%x, %w = "test.op"() : () -> (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>)
%y = rpnn.conv2d %x, %w stride = [1] padding = [0, 0, 0, 0] dilation = [1, 1] groups = 1 : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<1x4x6x6xf32>
// CHECK: rpnn.conv2d: stride and dilation take 2 values, padding 4 (top, left, bottom, right)

// -----

%x, %w = "test.op"() : () -> (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>)
%y = rpnn.conv2d %x, %w stride = [0, 1] padding = [0, 0, 0, 0] dilation = [1, 1] groups = 1 : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<1x4x6x6xf32>
// CHECK: rpnn.conv2d: stride_h (0) must be positive

// -----

%x, %w = "test.op"() : () -> (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>)
%y = rpnn.conv2d %x, %w stride = [1, 1] padding = [0, 0, 0, 0] dilation = [1, -1] groups = 1 : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<1x4x6x6xf32>
// CHECK: rpnn.conv2d: dilation_w (-1) must be positive

// -----

%x, %w = "test.op"() : () -> (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>)
%y = rpnn.conv2d %x, %w stride = [1, 1] padding = [0, -1, 0, 0] dilation = [1, 1] groups = 1 : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<1x4x6x6xf32>
// CHECK: rpnn.conv2d: padding [0, -1, 0, 0] must not be negative

// -----

%x, %w = "test.op"() : () -> (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>)
%y = rpnn.conv2d %x, %w stride = [1, 1] padding = [0, 0, 0, 0] dilation = [1, 1] groups = 2 : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<1x4x6x6xf32>
// CHECK: rpnn.conv2d: input channels (3) must be divisible by groups (2)

// -----

%x, %w = "test.op"() : () -> (tensor<1x4x8x8xf32>, tensor<3x2x3x3xf32>)
%y = rpnn.conv2d %x, %w stride = [1, 1] padding = [0, 0, 0, 0] dilation = [1, 1] groups = 2 : tensor<1x4x8x8xf32>, tensor<3x2x3x3xf32> -> tensor<1x3x6x6xf32>
// CHECK: rpnn.conv2d: output channels (3) must be divisible by groups (2)

// -----

%x, %w = "test.op"() : () -> (tensor<1x3x8x8xf32>, tensor<4x2x3x3xf32>)
%y = rpnn.conv2d %x, %w stride = [1, 1] padding = [0, 0, 0, 0] dilation = [1, 1] groups = 1 : tensor<1x3x8x8xf32>, tensor<4x2x3x3xf32> -> tensor<1x4x6x6xf32>
// CHECK: rpnn.conv2d: weights take 2 channels per group but the input has 3 channels in 1 groups

// -----

%x, %w = "test.op"() : () -> (tensor<1x3x8x8x!rpnn.bipolar>, tensor<4x3x3x3x!rpnn.bipolar>)
%y = rpnn.conv2d %x, %w stride = [1, 1] padding = [1, 1, 1, 1] dilation = [1, 1] groups = 1 : tensor<1x3x8x8x!rpnn.bipolar>, tensor<4x3x3x3x!rpnn.bipolar> -> tensor<1x4x8x8xsi8>
// CHECK: rpnn.conv2d: a bipolar input has no zero to pad with: pad it before quantizing

// -----

%x, %w = "test.op"() : () -> (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>)
%y = rpnn.conv2d %x, %w stride = [1, 1] padding = [0, 0, 0, 0] dilation = [4, 1] groups = 1 : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<1x4x1x6xf32>
// CHECK: rpnn.conv2d: kernel is larger than the padded input

// -----

%x, %w = "test.op"() : () -> (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>)
%y = rpnn.conv2d %x, %w stride = [1, 1] padding = [1, 1, 1, 1] dilation = [1, 1] groups = 1 : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<1x4x6x6xf32>
// CHECK: rpnn.conv2d: result shape must be [1, 4, 8, 8]

// ---- rpnn.add, rpnn.mul, rpnn.div

// -----

%a, %b = "test.op"() : () -> (tensor<1x4xf32>, tensor<3xf32>)
%y = rpnn.add %a, %b : tensor<1x4xf32>, tensor<3xf32> -> tensor<1x4xf32>
// CHECK: rpnn.add: shapes [1, 4] and [3] do not broadcast

// -----

%a, %b = "test.op"() : () -> (tensor<2x1xsi4>, tensor<4xui2>)
%y = rpnn.mul %a, %b : tensor<2x1xsi4>, tensor<4xui2> -> tensor<2x1xsi8>
// CHECK: rpnn.mul: result shape must be the broadcast shape [2, 4]

// -----

%a, %b = "test.op"() : () -> (tensor<1x4xsi4>, tensor<4xsi4>)
%y = rpnn.div %a, %b : tensor<1x4xsi4>, tensor<4xsi4> -> tensor<1x4xsi8>
// CHECK: rpnn.div: operands and result must be f32 tensors (graph level only)

// ---- rpnn.batchnorm

// -----

%x = "test.op"() : () -> tensor<1x4xsi8>
%y = rpnn.batchnorm %x scale = dense<1.0> : tensor<4xf32> bias = dense<0.0> : tensor<4xf32> mean = dense<0.0> : tensor<4xf32> var = dense<1.0> : tensor<4xf32> epsilon = 1.0e-05 : f32 : tensor<1x4xsi8> -> tensor<1x4xsi8>
// CHECK: rpnn.batchnorm: input and result must be f32 tensors

// -----

%x = "test.op"() : () -> tensor<4xf32>
%y = rpnn.batchnorm %x scale = dense<1.0> : tensor<4xf32> bias = dense<0.0> : tensor<4xf32> mean = dense<0.0> : tensor<4xf32> var = dense<1.0> : tensor<4xf32> epsilon = 1.0e-05 : f32 : tensor<4xf32> -> tensor<4xf32>
// CHECK: rpnn.batchnorm: input must have a channel axis (rank >= 2) and the result its shape

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.batchnorm %x scale = dense<1.0> : tensor<3xf32> bias = dense<0.0> : tensor<4xf32> mean = dense<0.0> : tensor<4xf32> var = dense<1.0> : tensor<4xf32> epsilon = 1.0e-05 : f32 : tensor<1x4xf32> -> tensor<1x4xf32>
// CHECK: rpnn.batchnorm: scale must be an f32 vector of 4 channels

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.batchnorm %x scale = dense<1.0> : tensor<4xf32> bias = dense<0.0> : tensor<1x4xf32> mean = dense<0.0> : tensor<4xf32> var = dense<1.0> : tensor<4xf32> epsilon = 1.0e-05 : f32 : tensor<1x4xf32> -> tensor<1x4xf32>
// CHECK: rpnn.batchnorm: bias must be an f32 vector of 4 channels

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.batchnorm %x scale = dense<1.0> : tensor<4xf32> bias = dense<0.0> : tensor<4xf32> mean = dense<0> : tensor<4xsi8> var = dense<1.0> : tensor<4xf32> epsilon = 1.0e-05 : f32 : tensor<1x4xf32> -> tensor<1x4xf32>
// CHECK: rpnn.batchnorm: mean must be an f32 vector of 4 channels

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.batchnorm %x scale = dense<1.0> : tensor<4xf32> bias = dense<0.0> : tensor<4xf32> mean = dense<0.0> : tensor<4xf32> var = dense<1.0> : tensor<4xf64> epsilon = 1.0e-05 : f32 : tensor<1x4xf32> -> tensor<1x4xf32>
// CHECK: rpnn.batchnorm: var must be an f32 vector of 4 channels

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.batchnorm %x scale = dense<1.0> : tensor<4xf32> bias = dense<0.0> : tensor<4xf32> mean = dense<0.0> : tensor<4xf32> var = dense<[1.0, 0.0, -1.0, 1.0]> : tensor<4xf32> epsilon = 1.0e-05 : f32 : tensor<1x4xf32> -> tensor<1x4xf32>
// CHECK: rpnn.batchnorm: var + epsilon must be positive

// ---- rpnn.relu

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.relu %x : tensor<1x4xf32> -> tensor<4xf32>
// CHECK: rpnn.relu: result shape must equal input shape

// ---- rpnn.maxpool

// -----

%x = "test.op"() : () -> tensor<4x8x8xf32>
%y = rpnn.maxpool %x kernel = [2, 2] stride = [2, 2] padding = [0, 0, 0, 0] : tensor<4x8x8xf32> -> tensor<4x4x4xf32>
// CHECK: rpnn.maxpool: input must be NCHW (4-D)

// -----

%x = "test.op"() : () -> tensor<1x4x8x8xf32>
%y = rpnn.maxpool %x kernel = [2, 2] stride = [2, 2] padding = [0, 0] : tensor<1x4x8x8xf32> -> tensor<1x4x4x4xf32>
// CHECK: rpnn.maxpool: kernel and stride take 2 values, padding 4 (top, left, bottom, right)

// -----

%x = "test.op"() : () -> tensor<1x4x8x8xf32>
%y = rpnn.maxpool %x kernel = [2, 0] stride = [2, 2] padding = [0, 0, 0, 0] : tensor<1x4x8x8xf32> -> tensor<1x4x4x4xf32>
// CHECK: rpnn.maxpool: kernel_w (0) must be positive

// -----

%x = "test.op"() : () -> tensor<1x4x8x8xf32>
%y = rpnn.maxpool %x kernel = [2, 2] stride = [2, 2] padding = [-1, 0, 0, 0] : tensor<1x4x8x8xf32> -> tensor<1x4x4x4xf32>
// CHECK: rpnn.maxpool: padding [-1, 0, 0, 0] must not be negative

// -----

%x = "test.op"() : () -> tensor<1x4x8x8xf32>
%y = rpnn.maxpool %x kernel = [2, 2] stride = [2, 2] padding = [0, 2, 0, 0] : tensor<1x4x8x8xf32> -> tensor<1x4x4x5xf32>
// CHECK: rpnn.maxpool: padding [0, 2, 0, 0] must be smaller than the kernel [2, 2]

// -----

%x = "test.op"() : () -> tensor<1x4x8x8xsi4>
%y = rpnn.maxpool %x kernel = [2, 2] stride = [2, 2] padding = [0, 0, 0, 0] : tensor<1x4x8x8xsi4> -> tensor<1x4x4x4xsi8>
// CHECK: rpnn.maxpool: result element type must equal the input's

// -----

%x = "test.op"() : () -> tensor<1x4x8x8xf32>
%y = rpnn.maxpool %x kernel = [9, 2] stride = [1, 1] padding = [0, 0, 0, 0] : tensor<1x4x8x8xf32> -> tensor<1x4x1x7xf32>
// CHECK: rpnn.maxpool: kernel is larger than the padded input

// -----

%x = "test.op"() : () -> tensor<1x4x8x8xf32>
%y = rpnn.maxpool %x kernel = [2, 2] stride = [2, 2] padding = [0, 0, 0, 0] : tensor<1x4x8x8xf32> -> tensor<1x4x8x8xf32>
// CHECK: rpnn.maxpool: result shape must be [1, 4, 4, 4]

// ---- rpnn.reshape

// -----

%x = "test.op"() : () -> tensor<1x4x8xsi4>
%y = rpnn.reshape %x : tensor<1x4x8xsi4> -> tensor<1x32xui4>
// CHECK: rpnn.reshape: result element type must equal the input's

// -----

%x = "test.op"() : () -> tensor<1x4x8xsi4>
%y = rpnn.reshape %x : tensor<1x4x8xsi4> -> tensor<1x30xsi4>
// CHECK: rpnn.reshape: input has 32 elements but the result 30

// ---- rpnn.transpose

// -----

%x = "test.op"() : () -> tensor<1x2x3xf32>
%y = rpnn.transpose %x perm = [0, 1, 1] : tensor<1x2x3xf32> -> tensor<1x2x2xf32>
// CHECK: rpnn.transpose: perm [0, 1, 1] is not a permutation of the 3 axes

// -----

%x = "test.op"() : () -> tensor<1x2x3xf32>
%y = rpnn.transpose %x perm = [2, 0, 1] : tensor<1x2x3xf32> -> tensor<3x1x2xsi8>
// CHECK: rpnn.transpose: result element type must equal the input's

// -----

%x = "test.op"() : () -> tensor<1x2x3xf32>
%y = rpnn.transpose %x perm = [2, 0, 1] : tensor<1x2x3xf32> -> tensor<3x2x1xf32>
// CHECK: rpnn.transpose: result shape must be [3, 1, 2]

// ---- rpnn.multithreshold

// -----

%x, %t = "test.op"() : () -> (tensor<4xsi8>, tensor<1x3xsi8>)
%y = rpnn.multithreshold %x, %t : tensor<4xsi8>, tensor<1x3xsi8> -> tensor<4xui2>
// CHECK: rpnn.multithreshold: input must have a channel axis (rank >= 2) and the result its shape

// -----

%x, %t = "test.op"() : () -> (tensor<1x4xf32>, tensor<1x3xsi8>)
%y = rpnn.multithreshold %x, %t : tensor<1x4xf32>, tensor<1x3xsi8> -> tensor<1x4xui2>
// CHECK: rpnn.multithreshold: input and thresholds must both be f32 or both integer

// -----

%x, %t = "test.op"() : () -> (tensor<1x4xsi8>, tensor<1x1x!rpnn.bipolar>)
%y = rpnn.multithreshold %x, %t : tensor<1x4xsi8>, tensor<1x1x!rpnn.bipolar> -> tensor<1x4xui1>
// CHECK: rpnn.multithreshold: thresholds must be f32 or siN/uiN

// -----

%x, %t = "test.op"() : () -> (tensor<1x4xsi8>, tensor<3x2xsi8>)
%y = rpnn.multithreshold %x, %t : tensor<1x4xsi8>, tensor<3x2xsi8> -> tensor<1x4xui2>
// CHECK: rpnn.multithreshold: thresholds must be [4 or 1, T >= 1], got [3, 2]

// -----

%x, %t = "test.op"() : () -> (tensor<1x4xsi8>, tensor<4x2xsi8>)
%y = rpnn.multithreshold %x, %t out_scale = 2.0 : f32 out_bias = -1.0 : f32 : tensor<1x4xsi8>, tensor<4x2xsi8> -> tensor<1x4x!rpnn.bipolar>
// CHECK: rpnn.multithreshold: a bipolar result needs exactly one threshold per channel, got 2

// -----

%x, %t = "test.op"() : () -> (tensor<1x4xf32>, tensor<4x1xf32>)
%y = rpnn.multithreshold %x, %t : tensor<1x4xf32>, tensor<4x1xf32> -> tensor<1x4x!rpnn.bipolar>
// CHECK: rpnn.multithreshold: a bipolar result needs out_scale 2 and out_bias -1

// -----

%x, %t = "test.op"() : () -> (tensor<1x4xf32>, tensor<1x3xf32>)
%y = rpnn.multithreshold %x, %t out_scale = 0.5 : f32 : tensor<1x4xf32>, tensor<1x3xf32> -> tensor<1x4xui2>
// CHECK: rpnn.multithreshold: an integer result needs integral out_scale and out_bias, got 0.5, 0.0

// -----

// An infinite out_scale (f32 +inf written as hex) is not integral either.
%x, %t = "test.op"() : () -> (tensor<1x4xsi8>, tensor<1x3xsi8>)
%y = rpnn.multithreshold %x, %t out_scale = 0x7F800000 : f32 : tensor<1x4xsi8>, tensor<1x3xsi8> -> tensor<1x4xui2>
// CHECK: rpnn.multithreshold: an integer result needs integral out_scale and out_bias, got inf, 0.0

// -----

%x, %t = "test.op"() : () -> (tensor<1x4xsi8>, tensor<1x3xsi8>)
%y = rpnn.multithreshold %x, %t out_bias = -1.0 : f32 : tensor<1x4xsi8>, tensor<1x3xsi8> -> tensor<1x4xui2>
// CHECK: rpnn.multithreshold: result type ui2 cannot hold outputs [-1, 2]

// ---- rpnn.scale_bias

// -----

%x = "test.op"() : () -> tensor<1x4xsi8>
%y = rpnn.scale_bias %x scale = dense<0.5> : tensor<f32> bias = dense<0.0> : tensor<f32> : tensor<1x4xsi8> -> tensor<1x4xsi8>
// CHECK: rpnn.scale_bias: result must be an f32 tensor of the input's shape

// -----

%x = "test.op"() : () -> tensor<1x4xsi8>
%y = rpnn.scale_bias %x scale = dense<2> : tensor<si8> bias = dense<0.0> : tensor<f32> : tensor<1x4xsi8> -> tensor<1x4xf32>
// CHECK: rpnn.scale_bias: scale must be an f32 or f64 dense attribute

// -----

%x = "test.op"() : () -> tensor<1x4xsi8>
%y = rpnn.scale_bias %x scale = dense<0.5> : tensor<f64> bias = dense<0.0> : tensor<f16> : tensor<1x4xsi8> -> tensor<1x4xf32>
// CHECK: rpnn.scale_bias: bias must be an f32 or f64 dense attribute

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.scale_bias %x scale = dense<0.5> : tensor<2x1xf32> bias = dense<0.0> : tensor<f32> : tensor<1x4xf32> -> tensor<1x4xf32>
// CHECK: rpnn.scale_bias: scale of shape [2, 1] does not broadcast to [1, 4]

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.scale_bias %x scale = dense<0.5> : tensor<f32> bias = dense<0.0> : tensor<5xf32> : tensor<1x4xf32> -> tensor<1x4xf32>
// CHECK: rpnn.scale_bias: bias of shape [5] does not broadcast to [1, 4]

// -----

%x = "test.op"() : () -> tensor<1x4xf32>
%y = rpnn.scale_bias %x scale = dense<0.5> : tensor<f32> bias = dense<0.0> : vector<4xf32> : tensor<1x4xf32> -> tensor<1x4xf32>
// CHECK: rpnn.scale_bias: bias must be a dense attribute of tensor type, not vector<4xf32>

// ---- rpnn.topk

// -----

%x = "test.op"() : () -> tensor<1x10xf32>
%y = rpnn.topk %x k = 0 : tensor<1x10xf32> -> tensor<1x0xui4>
// CHECK: rpnn.topk: k (0) must be between 1 and the last dimension (10)

// -----

%x = "test.op"() : () -> tensor<1x10xf32>
%y = rpnn.topk %x k = 3 : tensor<1x10xf32> -> tensor<1x1xui4>
// CHECK: rpnn.topk: result shape must be [1, 3]

// -----

%x = "test.op"() : () -> tensor<1x10xsi8>
%y = rpnn.topk %x k = 1 : tensor<1x10xsi8> -> tensor<1x1xsi4>
// CHECK: rpnn.topk: result type must be siN/uiN holding indices 0..9

// ---- rpnn.tensor_to_stream, rpnn.stream_to_tensor

// -----

%x = "test.op"() : () -> tensor<1x8x8x3xui4>
%s = rpnn.tensor_to_stream %x : tensor<1x8x8x3xui4> -> !rpnn.stream<8x8x4xui4, 4>
// CHECK: rpnn.tensor_to_stream: tensor [1, 8, 8, 3] must be [N, 8, 8, 4] of the stream's element type

// -----

%s = "test.op"() : () -> !rpnn.stream<10xsi8, 2>
%x = rpnn.stream_to_tensor %s : !rpnn.stream<10xsi8, 2> -> tensor<1x10xsi16>
// CHECK: rpnn.stream_to_tensor: tensor [1, 10] must be [N, 10] of the stream's element type

// -----

%s = "test.op"() : () -> !rpnn.stream<10xsi8, 2>
%x = rpnn.stream_to_tensor %s : !rpnn.stream<10xsi8, 2> -> tensor<1x10xi8>
// CHECK: rpnn.stream_to_tensor: element type i8 is not a data type (siN/uiN of 1-32 bits, !rpnn.bipolar or f32)

// ---- rpnn.mvtu (and the checks it shares with rpnn.depthwise)

// -----

%x, %w = "test.op"() : () -> (!rpnn.stream<16xui2, 4>, tensor<16x8x1xsi2>)
%y = rpnn.mvtu %x, %w pe = 2 simd = 4 acc = si8 resource = "lut" ram = "auto" : !rpnn.stream<16xui2, 4>, tensor<16x8x1xsi2> -> !rpnn.stream<8xsi8, 2>
// CHECK: rpnn.mvtu: weights must be [MW, MH], got [16, 8, 1]

// -----

%x, %w = "test.op"() : () -> (!rpnn.stream<16xui2, 4>, tensor<16x8xi2>)
%y = rpnn.mvtu %x, %w pe = 2 simd = 4 acc = si8 resource = "lut" ram = "auto" : !rpnn.stream<16xui2, 4>, tensor<16x8xi2> -> !rpnn.stream<8xsi8, 2>
// CHECK: rpnn.mvtu: element type i2 is not a data type (siN/uiN of 1-32 bits, !rpnn.bipolar or f32)

// -----

%x, %w = "test.op"() : () -> (!rpnn.stream<16xui2, 4>, tensor<16x8xsi2>)
%y = rpnn.mvtu %x, %w pe = 2 simd = 4 acc = si8 resource = "bram" ram = "auto" : !rpnn.stream<16xui2, 4>, tensor<16x8xsi2> -> !rpnn.stream<8xsi8, 2>
// CHECK: rpnn.mvtu: resource 'bram' must be one of lut, dsp

// -----

%x, %w = "test.op"() : () -> (!rpnn.stream<16xui2, 4>, tensor<16x8xsi2>)
%y = rpnn.mvtu %x, %w pe = 2 simd = 4 acc = si8 resource = "lut" ram = "huge" : !rpnn.stream<16xui2, 4>, tensor<16x8xsi2> -> !rpnn.stream<8xsi8, 2>
// CHECK: rpnn.mvtu: ram 'huge' must be one of auto, block, distributed, ultra

// -----

%x, %w = "test.op"() : () -> (!rpnn.stream<16xui2, 4>, tensor<16x8xsi2>)
%y = rpnn.mvtu %x, %w pe = 0 simd = 4 acc = si8 resource = "lut" ram = "auto" : !rpnn.stream<16xui2, 4>, tensor<16x8xsi2> -> !rpnn.stream<8xsi8, 2>
// CHECK: rpnn.mvtu: PE (0) must be positive

// -----

%x, %w = "test.op"() : () -> (!rpnn.stream<16xui2, 4>, tensor<16x8xsi2>)
%y = rpnn.mvtu %x, %w pe = 2 simd = -4 acc = si8 resource = "lut" ram = "auto" : !rpnn.stream<16xui2, 4>, tensor<16x8xsi2> -> !rpnn.stream<8xsi8, 2>
// CHECK: rpnn.mvtu: SIMD (-4) must be positive

// -----

%x, %w = "test.op"() : () -> (!rpnn.stream<16xui2, 4>, tensor<16x8xsi2>)
%y = rpnn.mvtu %x, %w pe = 2 simd = 4 acc = i8 resource = "lut" ram = "auto" : !rpnn.stream<16xui2, 4>, tensor<16x8xsi2> -> !rpnn.stream<8xsi8, 2>
// CHECK: rpnn.mvtu: accumulator type i8 must be siN/uiN of 1-32 bits

// -----

%x, %w = "test.op"() : () -> (!rpnn.stream<16xui2, 4>, tensor<16x8xsi2>)
%y = rpnn.mvtu %x, %w pe = 2 simd = 4 acc = si64 resource = "lut" ram = "auto" : !rpnn.stream<16xui2, 4>, tensor<16x8xsi2> -> !rpnn.stream<8xsi8, 2>
// CHECK: rpnn.mvtu: accumulator type si64 must be siN/uiN of 1-32 bits

// -----

%x, %w = "test.op"() : () -> (!rpnn.stream<16xf32, 4>, tensor<16x8xsi2>)
%y = rpnn.mvtu %x, %w pe = 2 simd = 4 acc = si8 resource = "lut" ram = "auto" : !rpnn.stream<16xf32, 4>, tensor<16x8xsi2> -> !rpnn.stream<8xsi8, 2>
// CHECK: rpnn.mvtu: input and weights must be integer (siN/uiN/!rpnn.bipolar)

// -----

%x, %w = "test.op"() : () -> (!rpnn.stream<16xui2, 4>, tensor<16x8xsi2>)
%y = rpnn.mvtu %x, %w pe = 2 simd = 4 acc = si8 resource = "lut" ram = "auto" : !rpnn.stream<16xui2, 4>, tensor<16x8xsi2> -> !rpnn.stream<8xsi16, 2>
// CHECK: rpnn.mvtu: without thresholds the output type (si16) must be the accumulator type (si8)

// -----

%x, %w = "test.op"() : () -> (!rpnn.stream<16xui2, 4>, tensor<16x8xsi2>)
%y = rpnn.mvtu %x, %w pe = 2 simd = 4 acc = si8 out_bias = 1 resource = "lut" ram = "auto" : !rpnn.stream<16xui2, 4>, tensor<16x8xsi2> -> !rpnn.stream<8xsi8, 2>
// CHECK: rpnn.mvtu: out_bias needs thresholds

// -----

%x, %w, %t = "test.op"() : () -> (!rpnn.stream<16xui2, 4>, tensor<16x8xsi2>, tensor<1x3xf32>)
%y = rpnn.mvtu %x, %w, %t pe = 2 simd = 4 acc = si8 resource = "lut" ram = "auto" : !rpnn.stream<16xui2, 4>, tensor<16x8xsi2>, tensor<1x3xf32> -> !rpnn.stream<8xui2, 2>
// CHECK: rpnn.mvtu: thresholds must be siN/uiN

// -----

%x, %w, %t = "test.op"() : () -> (!rpnn.stream<16xui2, 4>, tensor<16x8xsi2>, tensor<1x3xsi8>)
%y = rpnn.mvtu %x, %w, %t pe = 2 simd = 4 acc = si8 resource = "lut" ram = "auto" : !rpnn.stream<16xui2, 4>, tensor<16x8xsi2>, tensor<1x3xsi8> -> !rpnn.stream<8xf32, 2>
// CHECK: rpnn.mvtu: with thresholds the output must be siN/uiN or !rpnn.bipolar, not f32

// -----

%x, %w, %t = "test.op"() : () -> (!rpnn.stream<16xui2, 4>, tensor<16x8xsi2>, tensor<8x0xsi8>)
%y = rpnn.mvtu %x, %w, %t pe = 2 simd = 4 acc = si8 resource = "lut" ram = "auto" : !rpnn.stream<16xui2, 4>, tensor<16x8xsi2>, tensor<8x0xsi8> -> !rpnn.stream<8xui2, 2>
// CHECK: rpnn.mvtu: thresholds must be [8 or 1, T >= 1], got [8, 0]

// -----

%x, %w, %t = "test.op"() : () -> (!rpnn.stream<16xui2, 4>, tensor<16x8xsi2>, tensor<8x1xsi8>)
%y = rpnn.mvtu %x, %w, %t pe = 2 simd = 4 acc = si8 out_bias = -1 resource = "lut" ram = "auto" : !rpnn.stream<16xui2, 4>, tensor<16x8xsi2>, tensor<8x1xsi8> -> !rpnn.stream<8x!rpnn.bipolar, 2>
// CHECK: rpnn.mvtu: a bipolar output maps 0/1 thresholds crossed to -1/+1: no out_bias

// -----

%x, %w, %t = "test.op"() : () -> (!rpnn.stream<16xui2, 4>, tensor<16x8xsi2>, tensor<8x2xsi8>)
%y = rpnn.mvtu %x, %w, %t pe = 2 simd = 4 acc = si8 resource = "lut" ram = "auto" : !rpnn.stream<16xui2, 4>, tensor<16x8xsi2>, tensor<8x2xsi8> -> !rpnn.stream<8x!rpnn.bipolar, 2>
// CHECK: rpnn.mvtu: a bipolar result needs exactly one threshold per channel, got 2

// -----

%x, %w, %t = "test.op"() : () -> (!rpnn.stream<16xui2, 4>, tensor<16x8xsi2>, tensor<1x3xsi8>)
%y = rpnn.mvtu %x, %w, %t pe = 2 simd = 4 acc = si8 out_bias = 1 resource = "lut" ram = "auto" : !rpnn.stream<16xui2, 4>, tensor<16x8xsi2>, tensor<1x3xsi8> -> !rpnn.stream<8xui2, 2>
// CHECK: rpnn.mvtu: result type ui2 cannot hold outputs [1, 4]

// -----

%x, %w = "test.op"() : () -> (!rpnn.stream<12xui2, 4>, tensor<16x8xsi2>)
%y = rpnn.mvtu %x, %w pe = 2 simd = 4 acc = si8 resource = "lut" ram = "auto" : !rpnn.stream<12xui2, 4>, tensor<16x8xsi2> -> !rpnn.stream<8xsi8, 2>
// CHECK: rpnn.mvtu: input vector length (12) must equal MW (16)

// -----

%x, %w = "test.op"() : () -> (!rpnn.stream<3x16xui2, 4>, tensor<16x8xsi2>)
%y = rpnn.mvtu %x, %w pe = 2 simd = 4 acc = si8 resource = "lut" ram = "auto" : !rpnn.stream<3x16xui2, 4>, tensor<16x8xsi2> -> !rpnn.stream<8xsi8, 2>
// CHECK: rpnn.mvtu: output shape must be [3, 8]

// -----

%x, %w = "test.op"() : () -> (!rpnn.stream<16xui2, 4>, tensor<16x8xsi2>)
%y = rpnn.mvtu %x, %w pe = 2 simd = 3 acc = si8 resource = "lut" ram = "auto" : !rpnn.stream<16xui2, 4>, tensor<16x8xsi2> -> !rpnn.stream<8xsi8, 2>
// CHECK: rpnn.mvtu: MW (16) must be divisible by SIMD (3)

// -----

%x, %w = "test.op"() : () -> (!rpnn.stream<16xui2, 4>, tensor<16x8xsi2>)
%y = rpnn.mvtu %x, %w pe = 3 simd = 4 acc = si8 resource = "lut" ram = "auto" : !rpnn.stream<16xui2, 4>, tensor<16x8xsi2> -> !rpnn.stream<8xsi8, 2>
// CHECK: rpnn.mvtu: MH (8) must be divisible by PE (3)

// -----

%x, %w = "test.op"() : () -> (!rpnn.stream<16xui2, 2>, tensor<16x8xsi2>)
%y = rpnn.mvtu %x, %w pe = 2 simd = 4 acc = si8 resource = "lut" ram = "auto" : !rpnn.stream<16xui2, 2>, tensor<16x8xsi2> -> !rpnn.stream<8xsi8, 2>
// CHECK: rpnn.mvtu: stream word (2) must equal SIMD (4)

// -----

%x, %w = "test.op"() : () -> (!rpnn.stream<16xui2, 4>, tensor<16x8xsi2>)
%y = rpnn.mvtu %x, %w pe = 2 simd = 4 acc = si8 resource = "lut" ram = "auto" : !rpnn.stream<16xui2, 4>, tensor<16x8xsi2> -> !rpnn.stream<8xsi8, 4>
// CHECK: rpnn.mvtu: stream word (4) must equal PE (2)

// ---- rpnn.depthwise

// -----

%x, %w = "test.op"() : () -> (!rpnn.stream<2x2x36xsi4, 4>, tensor<36xsi4>)
%y = rpnn.depthwise %x, %w pe = 4 simd = 1 acc = si16 resource = "lut" ram = "auto" : !rpnn.stream<2x2x36xsi4, 4>, tensor<36xsi4> -> !rpnn.stream<2x2x4xsi16, 4>
// CHECK: rpnn.depthwise: weights must be [C, K*K], got [36]

// -----

%x, %w = "test.op"() : () -> (!rpnn.stream<2x2x36xsi4, 4>, tensor<4x9xsi4>)
%y = rpnn.depthwise %x, %w pe = 4 simd = 1 acc = si16 resource = "lut" ram = "auto" : !rpnn.stream<2x2x36xsi4, 4>, tensor<4x9xsi4> -> !rpnn.stream<2x2x4xsi8, 4>
// CHECK: rpnn.depthwise: without thresholds the output type (si8) must be the accumulator type (si16)

// -----

%x, %w, %t = "test.op"() : () -> (!rpnn.stream<2x2x36xsi4, 4>, tensor<4x9xsi4>, tensor<2x3xsi16>)
%y = rpnn.depthwise %x, %w, %t pe = 4 simd = 1 acc = si16 resource = "lut" ram = "auto" : !rpnn.stream<2x2x36xsi4, 4>, tensor<4x9xsi4>, tensor<2x3xsi16> -> !rpnn.stream<2x2x4xui2, 4>
// CHECK: rpnn.depthwise: thresholds must be [4 or 1, T >= 1], got [2, 3]

// -----

%x, %w = "test.op"() : () -> (!rpnn.stream<2x2x32xsi4, 4>, tensor<4x9xsi4>)
%y = rpnn.depthwise %x, %w pe = 4 simd = 1 acc = si16 resource = "lut" ram = "auto" : !rpnn.stream<2x2x32xsi4, 4>, tensor<4x9xsi4> -> !rpnn.stream<2x2x4xsi16, 4>
// CHECK: rpnn.depthwise: input vector length (32) must be C*K*K (36)

// -----

%x, %w = "test.op"() : () -> (!rpnn.stream<2x2x36xsi4, 4>, tensor<4x9xsi4>)
%y = rpnn.depthwise %x, %w pe = 4 simd = 1 acc = si16 resource = "lut" ram = "auto" : !rpnn.stream<2x2x36xsi4, 4>, tensor<4x9xsi4> -> !rpnn.stream<4x4xsi16, 4>
// CHECK: rpnn.depthwise: output shape must be [2, 2, 4]

// -----

%x, %w = "test.op"() : () -> (!rpnn.stream<2x2x36xsi4, 4>, tensor<4x9xsi4>)
%y = rpnn.depthwise %x, %w pe = 3 simd = 1 acc = si16 resource = "lut" ram = "auto" : !rpnn.stream<2x2x36xsi4, 4>, tensor<4x9xsi4> -> !rpnn.stream<2x2x4xsi16, 4>
// CHECK: rpnn.depthwise: C (4) must be divisible by PE (3)

// -----

%x, %w = "test.op"() : () -> (!rpnn.stream<2x2x36xsi4, 4>, tensor<4x9xsi4>)
%y = rpnn.depthwise %x, %w pe = 4 simd = 2 acc = si16 resource = "lut" ram = "auto" : !rpnn.stream<2x2x36xsi4, 4>, tensor<4x9xsi4> -> !rpnn.stream<2x2x4xsi16, 4>
// CHECK: rpnn.depthwise: K*K (9) must be divisible by SIMD (2)

// -----

%x, %w = "test.op"() : () -> (!rpnn.stream<2x2x36xsi4, 6>, tensor<4x9xsi4>)
%y = rpnn.depthwise %x, %w pe = 2 simd = 3 acc = si16 resource = "lut" ram = "auto" : !rpnn.stream<2x2x36xsi4, 6>, tensor<4x9xsi4> -> !rpnn.stream<2x2x4xsi16, 2>
// CHECK: rpnn.depthwise: SIMD (3) > 1 needs PE equal to C (4)

// -----

%x, %w = "test.op"() : () -> (!rpnn.stream<2x2x36xsi4, 4>, tensor<4x9xsi4>)
%y = rpnn.depthwise %x, %w pe = 4 simd = 3 acc = si16 resource = "lut" ram = "auto" : !rpnn.stream<2x2x36xsi4, 4>, tensor<4x9xsi4> -> !rpnn.stream<2x2x4xsi16, 4>
// CHECK: rpnn.depthwise: stream word (4) must equal PE*SIMD (12)

// -----

%x, %w = "test.op"() : () -> (!rpnn.stream<2x2x36xsi4, 2>, tensor<4x9xsi4>)
%y = rpnn.depthwise %x, %w pe = 2 simd = 1 acc = si16 resource = "lut" ram = "auto" : !rpnn.stream<2x2x36xsi4, 2>, tensor<4x9xsi4> -> !rpnn.stream<2x2x4xsi16, 4>
// CHECK: rpnn.depthwise: stream word (4) must equal PE (2)

// ---- rpnn.thresholding

// -----

%x, %t = "test.op"() : () -> (!rpnn.stream<2x2x8xsi8, 4>, tensor<8x3xsi8>)
%y = rpnn.thresholding %x, %t pe = 4 : !rpnn.stream<2x2x8xsi8, 4>, tensor<8x3xsi8> -> !rpnn.stream<4x8xui2, 4>
// CHECK: rpnn.thresholding: output shape must equal input shape

// -----

%x, %t = "test.op"() : () -> (!rpnn.stream<2x2x8x!rpnn.bipolar, 4>, tensor<8x1xsi8>)
%y = rpnn.thresholding %x, %t pe = 4 : !rpnn.stream<2x2x8x!rpnn.bipolar, 4>, tensor<8x1xsi8> -> !rpnn.stream<2x2x8xui1, 4>
// CHECK: rpnn.thresholding: input and thresholds must be siN/uiN

// -----

%x, %t = "test.op"() : () -> (!rpnn.stream<2x2x8xsi8, 4>, tensor<8x3xsi8>)
%y = rpnn.thresholding %x, %t pe = 4 : !rpnn.stream<2x2x8xsi8, 4>, tensor<8x3xsi8> -> !rpnn.stream<2x2x8xf32, 4>
// CHECK: rpnn.thresholding: output must be siN/uiN or !rpnn.bipolar, not f32

// -----

%x, %t = "test.op"() : () -> (!rpnn.stream<2x2x8xsi8, 4>, tensor<8x3xsi8>)
%y = rpnn.thresholding %x, %t pe = 3 : !rpnn.stream<2x2x8xsi8, 4>, tensor<8x3xsi8> -> !rpnn.stream<2x2x8xui2, 4>
// CHECK: rpnn.thresholding: channels (8) must be divisible by PE (3)

// -----

%x, %t = "test.op"() : () -> (!rpnn.stream<2x2x8xsi8, 2>, tensor<8x3xsi8>)
%y = rpnn.thresholding %x, %t pe = 4 : !rpnn.stream<2x2x8xsi8, 2>, tensor<8x3xsi8> -> !rpnn.stream<2x2x8xui2, 4>
// CHECK: rpnn.thresholding: stream word (2) must equal PE (4)

// -----

%x, %t = "test.op"() : () -> (!rpnn.stream<2x2x8xsi8, 4>, tensor<8x3xsi8>)
%y = rpnn.thresholding %x, %t pe = 4 : !rpnn.stream<2x2x8xsi8, 4>, tensor<8x3xsi8> -> !rpnn.stream<2x2x8xui2, 8>
// CHECK: rpnn.thresholding: stream word (8) must equal PE (4)

// -----

%x, %t = "test.op"() : () -> (!rpnn.stream<2x2x8xsi8, 4>, tensor<4x3xsi8>)
%y = rpnn.thresholding %x, %t pe = 4 : !rpnn.stream<2x2x8xsi8, 4>, tensor<4x3xsi8> -> !rpnn.stream<2x2x8xui2, 4>
// CHECK: rpnn.thresholding: thresholds must be [8 or 1, T >= 1], got [4, 3]

// -----

%x, %t = "test.op"() : () -> (!rpnn.stream<2x2x8xsi8, 4>, tensor<8x1xsi8>)
%y = rpnn.thresholding %x, %t pe = 4 out_bias = 0 : !rpnn.stream<2x2x8xsi8, 4>, tensor<8x1xsi8> -> !rpnn.stream<2x2x8x!rpnn.bipolar, 4>
// CHECK: rpnn.thresholding: a bipolar output maps 0/1 thresholds crossed to -1/+1: no out_bias

// -----

%x, %t = "test.op"() : () -> (!rpnn.stream<2x2x8xsi8, 4>, tensor<8x3xsi8>)
%y = rpnn.thresholding %x, %t pe = 4 : !rpnn.stream<2x2x8xsi8, 4>, tensor<8x3xsi8> -> !rpnn.stream<2x2x8x!rpnn.bipolar, 4>
// CHECK: rpnn.thresholding: a bipolar result needs exactly one threshold per channel, got 3

// -----

%x, %t = "test.op"() : () -> (!rpnn.stream<2x2x8xsi8, 4>, tensor<8x3xsi8>)
%y = rpnn.thresholding %x, %t pe = 4 out_bias = -2 : !rpnn.stream<2x2x8xsi8, 4>, tensor<8x3xsi8> -> !rpnn.stream<2x2x8xui2, 4>
// CHECK: rpnn.thresholding: result type ui2 cannot hold outputs [-2, 1]

// ---- rpnn.swg

// -----

%x = "test.op"() : () -> !rpnn.stream<4x32xui2, 4>
%y = rpnn.swg %x kernel = [3, 3] stride = [1, 1] simd = 4 : !rpnn.stream<4x32xui2, 4> -> !rpnn.stream<2x2x72xui2, 4>
// CHECK: rpnn.swg: input must be [H, W, C]; kernel and stride take 2 values

// -----

%x = "test.op"() : () -> !rpnn.stream<4x4x8xui2, 4>
%y = rpnn.swg %x kernel = [0, 3] stride = [1, 1] simd = 4 : !rpnn.stream<4x4x8xui2, 4> -> !rpnn.stream<2x2x72xui2, 4>
// CHECK: rpnn.swg: kernel_h (0) must be positive

// -----

%x = "test.op"() : () -> !rpnn.stream<4x4x8xui2, 4>
%y = rpnn.swg %x kernel = [3, 3] stride = [1, 0] simd = 4 : !rpnn.stream<4x4x8xui2, 4> -> !rpnn.stream<2x2x72xui2, 4>
// CHECK: rpnn.swg: stride_w (0) must be positive

// -----

%x = "test.op"() : () -> !rpnn.stream<4x4x8xui2, 4>
%y = rpnn.swg %x kernel = [3, 3] stride = [1, 1] simd = 4 : !rpnn.stream<4x4x8xui2, 4> -> !rpnn.stream<2x2x72xsi2, 4>
// CHECK: rpnn.swg: output element type must equal the input's

// -----

%x = "test.op"() : () -> !rpnn.stream<4x4x8xui2, 4>
%y = rpnn.swg %x kernel = [3, 3] stride = [1, 1] simd = 3 : !rpnn.stream<4x4x8xui2, 4> -> !rpnn.stream<2x2x72xui2, 4>
// CHECK: rpnn.swg: channels (8) must be divisible by SIMD (3)

// -----

%x = "test.op"() : () -> !rpnn.stream<4x4x8xui2, 2>
%y = rpnn.swg %x kernel = [3, 3] stride = [1, 1] simd = 4 : !rpnn.stream<4x4x8xui2, 2> -> !rpnn.stream<2x2x72xui2, 4>
// CHECK: rpnn.swg: stream word (2) must equal SIMD (4)

// -----

%x = "test.op"() : () -> !rpnn.stream<4x4x8xui2, 4>
%y = rpnn.swg %x kernel = [3, 3] stride = [1, 1] simd = 4 : !rpnn.stream<4x4x8xui2, 4> -> !rpnn.stream<2x2x72xui2, 8>
// CHECK: rpnn.swg: stream word (8) must equal SIMD (4)

// -----

%x = "test.op"() : () -> !rpnn.stream<4x4x8xui2, 4>
%y = rpnn.swg %x kernel = [5, 3] stride = [1, 1] simd = 4 : !rpnn.stream<4x4x8xui2, 4> -> !rpnn.stream<1x2x120xui2, 4>
// CHECK: rpnn.swg: kernel [5, 3] is larger than the input [4, 4]

// -----

%x = "test.op"() : () -> !rpnn.stream<4x4x8xui2, 4>
%y = rpnn.swg %x kernel = [3, 3] stride = [1, 1] simd = 4 : !rpnn.stream<4x4x8xui2, 4> -> !rpnn.stream<2x2x8xui2, 4>
// CHECK: rpnn.swg: output shape must be [2, 2, 72]

// ---- rpnn.stream_maxpool

// -----

%x = "test.op"() : () -> !rpnn.stream<4x4x8xsi4, 4>
%y = rpnn.stream_maxpool %x kernel = [2] stride = [2, 2] pe = 4 : !rpnn.stream<4x4x8xsi4, 4> -> !rpnn.stream<2x2x8xsi4, 4>
// CHECK: rpnn.stream_maxpool: input must be [H, W, C]; kernel and stride take 2 values

// -----

%x = "test.op"() : () -> !rpnn.stream<4x4x8xsi4, 4>
%y = rpnn.stream_maxpool %x kernel = [2, 2] stride = [0, 2] pe = 4 : !rpnn.stream<4x4x8xsi4, 4> -> !rpnn.stream<2x2x8xsi4, 4>
// CHECK: rpnn.stream_maxpool: stride_h (0) must be positive

// -----

%x = "test.op"() : () -> !rpnn.stream<4x4x8xf32, 4>
%y = rpnn.stream_maxpool %x kernel = [2, 2] stride = [2, 2] pe = 4 : !rpnn.stream<4x4x8xf32, 4> -> !rpnn.stream<2x2x8xf32, 4>
// CHECK: rpnn.stream_maxpool: input and output must have the same integer element type

// -----

%x = "test.op"() : () -> !rpnn.stream<4x4x8xsi4, 4>
%y = rpnn.stream_maxpool %x kernel = [2, 2] stride = [2, 2] pe = 3 : !rpnn.stream<4x4x8xsi4, 4> -> !rpnn.stream<2x2x8xsi4, 4>
// CHECK: rpnn.stream_maxpool: channels (8) must be divisible by PE (3)

// -----

%x = "test.op"() : () -> !rpnn.stream<4x4x8xsi4, 8>
%y = rpnn.stream_maxpool %x kernel = [2, 2] stride = [2, 2] pe = 4 : !rpnn.stream<4x4x8xsi4, 8> -> !rpnn.stream<2x2x8xsi4, 4>
// CHECK: rpnn.stream_maxpool: stream word (8) must equal PE (4)

// -----

%x = "test.op"() : () -> !rpnn.stream<4x4x8xsi4, 4>
%y = rpnn.stream_maxpool %x kernel = [2, 2] stride = [2, 2] pe = 4 : !rpnn.stream<4x4x8xsi4, 4> -> !rpnn.stream<2x2x8xsi4, 2>
// CHECK: rpnn.stream_maxpool: stream word (2) must equal PE (4)

// -----

%x = "test.op"() : () -> !rpnn.stream<4x4x8xsi4, 4>
%y = rpnn.stream_maxpool %x kernel = [5, 5] stride = [1, 1] pe = 4 : !rpnn.stream<4x4x8xsi4, 4> -> !rpnn.stream<1x1x8xsi4, 4>
// CHECK: rpnn.stream_maxpool: kernel [5, 5] is larger than the input [4, 4]

// -----

%x = "test.op"() : () -> !rpnn.stream<4x4x8xsi4, 4>
%y = rpnn.stream_maxpool %x kernel = [2, 2] stride = [2, 2] pe = 4 : !rpnn.stream<4x4x8xsi4, 4> -> !rpnn.stream<2x2x4xsi4, 4>
// CHECK: rpnn.stream_maxpool: output shape must be [2, 2, 8]

// ---- rpnn.dwc, rpnn.fifo, rpnn.duplicate

// -----

%x = "test.op"() : () -> !rpnn.stream<4x8xsi4, 4>
%y = rpnn.dwc %x : !rpnn.stream<4x8xsi4, 4> -> !rpnn.stream<30xsi4, 2>
// CHECK: rpnn.dwc: input (32 elements) and output (30 elements) must have the same size and element type

// -----

%x = "test.op"() : () -> !rpnn.stream<4x8xsi4, 4>
%y = rpnn.dwc %x : !rpnn.stream<4x8xsi4, 4> -> !rpnn.stream<32xui4, 8>
// CHECK: rpnn.dwc: input (32 elements) and output (32 elements) must have the same size and element type

// -----

%x = "test.op"() : () -> !rpnn.stream<4x8xsi4, 4>
%y = rpnn.fifo %x depth = 16 ram = "auto" : !rpnn.stream<4x8xsi4, 4> -> !rpnn.stream<4x8xsi4, 8>
// CHECK: rpnn.fifo: output type must equal input type

// -----

%x = "test.op"() : () -> !rpnn.stream<4x8xsi4, 4>
%y = rpnn.fifo %x depth = 0 ram = "auto" : !rpnn.stream<4x8xsi4, 4> -> !rpnn.stream<4x8xsi4, 4>
// CHECK: rpnn.fifo: depth (0) must be positive

// -----

%x = "test.op"() : () -> !rpnn.stream<4x8xsi4, 4>
%y = rpnn.fifo %x depth = 16 ram = "srl" : !rpnn.stream<4x8xsi4, 4> -> !rpnn.stream<4x8xsi4, 4>
// CHECK: rpnn.fifo: ram 'srl' must be one of auto, block, distributed, ultra

// -----

%x = "test.op"() : () -> !rpnn.stream<4x8xsi4, 4>
%y = rpnn.duplicate %x : !rpnn.stream<4x8xsi4, 4> -> !rpnn.stream<4x8xsi4, 4>
// CHECK: rpnn.duplicate: needs at least 2 outputs, got 1

// -----

%x = "test.op"() : () -> !rpnn.stream<4x8xsi4, 4>
%y, %z = rpnn.duplicate %x : !rpnn.stream<4x8xsi4, 4> -> !rpnn.stream<4x8xsi4, 4>, !rpnn.stream<4x8xsi4, 8>
// CHECK: rpnn.duplicate: every output type must equal the input type

// ---- rpnn.add_streams

// -----

%a, %b = "test.op"() : () -> (!rpnn.stream<2x8xsi4, 4>, !rpnn.stream<16xsi4, 4>)
%y = rpnn.add_streams %a, %b pe = 4 : !rpnn.stream<2x8xsi4, 4>, !rpnn.stream<16xsi4, 4> -> !rpnn.stream<2x8xsi5, 4>
// CHECK: rpnn.add_streams: operands and output must have the same shape

// -----

%a, %b = "test.op"() : () -> (!rpnn.stream<2x8xf32, 4>, !rpnn.stream<2x8xsi4, 4>)
%y = rpnn.add_streams %a, %b pe = 4 : !rpnn.stream<2x8xf32, 4>, !rpnn.stream<2x8xsi4, 4> -> !rpnn.stream<2x8xsi5, 4>
// CHECK: rpnn.add_streams: operands must be integer streams

// -----

%a, %b = "test.op"() : () -> (!rpnn.stream<2x8x!rpnn.bipolar, 4>, !rpnn.stream<2x8x!rpnn.bipolar, 4>)
%y = rpnn.add_streams %a, %b pe = 4 : !rpnn.stream<2x8x!rpnn.bipolar, 4>, !rpnn.stream<2x8x!rpnn.bipolar, 4> -> !rpnn.stream<2x8x!rpnn.bipolar, 4>
// CHECK: rpnn.add_streams: output must be siN/uiN

// -----

%a, %b = "test.op"() : () -> (!rpnn.stream<2x8xsi4, 4>, !rpnn.stream<2x8xui3, 4>)
%y = rpnn.add_streams %a, %b pe = 4 : !rpnn.stream<2x8xsi4, 4>, !rpnn.stream<2x8xui3, 4> -> !rpnn.stream<2x8xsi4, 4>
// CHECK: rpnn.add_streams: output type si4 cannot hold sums [-8, 14]

// -----

%a, %b = "test.op"() : () -> (!rpnn.stream<2x8xsi4, 4>, !rpnn.stream<2x8xsi4, 4>)
%y = rpnn.add_streams %a, %b pe = 3 : !rpnn.stream<2x8xsi4, 4>, !rpnn.stream<2x8xsi4, 4> -> !rpnn.stream<2x8xsi5, 4>
// CHECK: rpnn.add_streams: channels (8) must be divisible by PE (3)

// -----

%a, %b = "test.op"() : () -> (!rpnn.stream<2x8xsi4, 4>, !rpnn.stream<2x8xsi4, 2>)
%y = rpnn.add_streams %a, %b pe = 4 : !rpnn.stream<2x8xsi4, 4>, !rpnn.stream<2x8xsi4, 2> -> !rpnn.stream<2x8xsi5, 4>
// CHECK: rpnn.add_streams: stream word (2) must equal PE (4)

// ---- rpnn.label_select

// -----

%x = "test.op"() : () -> !rpnn.stream<2x5xsi8, 5>
%y = rpnn.label_select %x k = 3 pe = 5 : !rpnn.stream<2x5xsi8, 5> -> !rpnn.stream<3xui4, 1>
// CHECK: rpnn.label_select: input must be a vector of labels, got shape [2, 5]

// -----

%x = "test.op"() : () -> !rpnn.stream<10xf32, 2>
%y = rpnn.label_select %x k = 3 pe = 2 : !rpnn.stream<10xf32, 2> -> !rpnn.stream<3xui4, 1>
// CHECK: rpnn.label_select: input must be an integer stream

// -----

%x = "test.op"() : () -> !rpnn.stream<10xsi8, 2>
%y = rpnn.label_select %x k = 11 pe = 2 : !rpnn.stream<10xsi8, 2> -> !rpnn.stream<11xui4, 1>
// CHECK: rpnn.label_select: k (11) must be between 1 and the number of labels (10)

// -----

%x = "test.op"() : () -> !rpnn.stream<10xsi8, 2>
%y = rpnn.label_select %x k = 3 pe = 3 : !rpnn.stream<10xsi8, 2> -> !rpnn.stream<3xui4, 1>
// CHECK: rpnn.label_select: labels (10) must be divisible by PE (3)

// -----

%x = "test.op"() : () -> !rpnn.stream<10xsi8, 5>
%y = rpnn.label_select %x k = 3 pe = 2 : !rpnn.stream<10xsi8, 5> -> !rpnn.stream<3xui4, 1>
// CHECK: rpnn.label_select: stream word (5) must equal PE (2)

// -----

%x = "test.op"() : () -> !rpnn.stream<10xsi8, 2>
%y = rpnn.label_select %x k = 3 pe = 2 : !rpnn.stream<10xsi8, 2> -> !rpnn.stream<1xui4, 1>
// CHECK: rpnn.label_select: output must be a stream of 3 siN/uiN indices

// -----

%x = "test.op"() : () -> !rpnn.stream<10xsi8, 2>
%y = rpnn.label_select %x k = 3 pe = 2 : !rpnn.stream<10xsi8, 2> -> !rpnn.stream<3xui3, 1>
// CHECK: rpnn.label_select: output type ui3 cannot hold label 9

// ---- rpnn.pad

// -----

%x = "test.op"() : () -> !rpnn.stream<4x4x8xui2, 4>
%y = rpnn.pad %x padding = [1, 1, 1] value = 0 simd = 4 : !rpnn.stream<4x4x8xui2, 4> -> !rpnn.stream<6x6x8xui2, 4>
// CHECK: rpnn.pad: input must be [H, W, C] and padding 4 non-negative values

// -----

%x = "test.op"() : () -> !rpnn.stream<4x4x8xui2, 4>
%y = rpnn.pad %x padding = [1, 1, -1, 1] value = 0 simd = 4 : !rpnn.stream<4x4x8xui2, 4> -> !rpnn.stream<4x6x8xui2, 4>
// CHECK: rpnn.pad: input must be [H, W, C] and padding 4 non-negative values

// -----

%x = "test.op"() : () -> !rpnn.stream<4x4x8xf32, 4>
%y = rpnn.pad %x padding = [1, 1, 1, 1] value = 0 simd = 4 : !rpnn.stream<4x4x8xf32, 4> -> !rpnn.stream<6x6x8xf32, 4>
// CHECK: rpnn.pad: input and output must have the same integer element type

// -----

%x = "test.op"() : () -> !rpnn.stream<4x4x8x!rpnn.bipolar, 4>
%y = rpnn.pad %x padding = [1, 1, 1, 1] value = 0 simd = 4 : !rpnn.stream<4x4x8x!rpnn.bipolar, 4> -> !rpnn.stream<6x6x8x!rpnn.bipolar, 4>
// CHECK: rpnn.pad: pad value 0 is not a value of !rpnn.bipolar

// -----

%x = "test.op"() : () -> !rpnn.stream<4x4x8xui2, 4>
%y = rpnn.pad %x padding = [1, 1, 1, 1] value = 4 simd = 4 : !rpnn.stream<4x4x8xui2, 4> -> !rpnn.stream<6x6x8xui2, 4>
// CHECK: rpnn.pad: pad value 4 is not a value of ui2

// -----

%x = "test.op"() : () -> !rpnn.stream<4x4x8xui2, 4>
%y = rpnn.pad %x padding = [1, 1, 1, 1] value = 0 simd = 3 : !rpnn.stream<4x4x8xui2, 4> -> !rpnn.stream<6x6x8xui2, 4>
// CHECK: rpnn.pad: channels (8) must be divisible by SIMD (3)

// -----

%x = "test.op"() : () -> !rpnn.stream<4x4x8xui2, 8>
%y = rpnn.pad %x padding = [1, 1, 1, 1] value = 0 simd = 4 : !rpnn.stream<4x4x8xui2, 8> -> !rpnn.stream<6x6x8xui2, 4>
// CHECK: rpnn.pad: stream word (8) must equal SIMD (4)

// -----

%x = "test.op"() : () -> !rpnn.stream<4x4x8xui2, 4>
%y = rpnn.pad %x padding = [1, 1, 1, 1] value = 0 simd = 4 : !rpnn.stream<4x4x8xui2, 4> -> !rpnn.stream<6x6x8xui2, 2>
// CHECK: rpnn.pad: stream word (2) must equal SIMD (4)

// -----

%x = "test.op"() : () -> !rpnn.stream<4x4x8xui2, 4>
%y = rpnn.pad %x padding = [1, 2, 0, 0] value = 0 simd = 4 : !rpnn.stream<4x4x8xui2, 4> -> !rpnn.stream<6x6x8xui2, 4>
// CHECK: rpnn.pad: output shape must be [5, 6, 8]

// ---- rpnn.partition, rpnn.yield

// -----

%x = "test.op"() : () -> !rpnn.stream<8xsi4, 4>
%y = rpnn.partition(%x) device = "xc7z020clg400-1" slr = -1 : (!rpnn.stream<8xsi4, 4>) -> !rpnn.stream<8xsi4, 4> {
^bb0(%in: !rpnn.stream<8xsi4, 4>):
  rpnn.yield %in : !rpnn.stream<8xsi4, 4>
}
// CHECK: rpnn.partition: slr (-1) must not be negative

// -----

%x = "test.op"() : () -> !rpnn.stream<8xsi4, 4>
%y = rpnn.partition(%x) device = "xc7z020clg400-1" slr = 0 : (!rpnn.stream<8xsi4, 4>) -> !rpnn.stream<8xsi4, 4> {
^bb0(%in: !rpnn.stream<8xsi4, 8>):
  %d = rpnn.dwc %in : !rpnn.stream<8xsi4, 8> -> !rpnn.stream<8xsi4, 4>
  rpnn.yield %d : !rpnn.stream<8xsi4, 4>
}
// CHECK: rpnn.partition: block arguments must match the input stream types

// -----

%x = "test.op"() : () -> !rpnn.stream<8xsi4, 4>
rpnn.partition(%x) device = "xc7z020clg400-1" slr = 0 : (!rpnn.stream<8xsi4, 4>) -> () {
^bb0(%in: !rpnn.stream<8xsi4, 4>):
  %f = rpnn.fifo %in depth = 2 ram = "auto" : !rpnn.stream<8xsi4, 4> -> !rpnn.stream<8xsi4, 4>
}
// CHECK: Operation rpnn.fifo terminates block in single-block region but is not a terminator

// -----

// Without a terminator xDSL objects first (above); another terminator reaches rpnn's check.
%x = "test.op"() : () -> !rpnn.stream<8xsi4, 4>
rpnn.partition(%x) device = "xc7z020clg400-1" slr = 0 : (!rpnn.stream<8xsi4, 4>) -> () {
^bb0(%in: !rpnn.stream<8xsi4, 4>):
  "test.termop"() : () -> ()
}
// CHECK: rpnn.partition: body must end with rpnn.yield

// -----

%x = "test.op"() : () -> !rpnn.stream<8xsi4, 4>
%y = rpnn.partition(%x) device = "xc7z020clg400-1" slr = 0 : (!rpnn.stream<8xsi4, 4>) -> !rpnn.stream<8xsi4, 2> {
^bb0(%in: !rpnn.stream<8xsi4, 4>):
  rpnn.yield %in : !rpnn.stream<8xsi4, 4>
}
// CHECK: rpnn.partition: rpnn.yield operands must match the result types

// -----

%x = "test.op"() : () -> !rpnn.stream<8xsi4, 4>
rpnn.yield %x : !rpnn.stream<8xsi4, 4>
// CHECK: 'rpnn.yield' expects parent op 'rpnn.partition'
