"""The `rpnn` dialect: quantized tensors and streaming dataflow for FPGA neural networks.

Three levels share this dialect (docs/ops.md lists every op; docs/semantics.md defines what
each computes, and `rpnn_ir.interp` is the executable form of that definition):

- graph level: f32 tensors with QONNX semantics (`rpnn.quant`, `rpnn.conv2d`, ...);
- integer level: the same compute ops on `siN`/`uiN`/`!rpnn.bipolar` tensors, each result
  type being the op's explicit accumulator or output type;
- dataflow level: `!rpnn.stream` values between hardware units (`rpnn.mvtu`, `rpnn.swg`, ...)
  folded by PE/SIMD, grouped into `rpnn.partition` regions.

Tensors use the builtin `tensor` type; graph and integer levels are NCHW (channels on axis 1),
streams are NHWC without the batch axis (channels last).  Verifiers read types and
properties (a few check the values of their own small scale/zero-point properties, and
`rpnn.constant` takes a numpy min/max over its raw bytes); they never look at the values of
constants passed in as operands, so verification stays fast on large networks.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from xdsl.dialects.builtin import (
    I64,
    ArrayAttr,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    Float32Type,
    Float64Type,
    FloatAttr,
    IntAttr,
    IntegerAttr,
    IntegerType,
    StringAttr,
    TensorType,
    UnitAttr,
)
from xdsl.ir import Attribute, Dialect, ParametrizedAttribute, SSAValue, TypeAttribute
from xdsl.irdl import (
    IRDLOperation,
    irdl_attr_definition,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    opt_prop_def,
    prop_def,
    region_def,
    result_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.parser import AttrParser, Parser
from xdsl.printer import Printer
from xdsl.traits import HasParent, IsolatedFromAbove, IsTerminator, Pure
from xdsl.utils.exceptions import VerifyException

from rpnn_ir import dtypes

# --------------------------------------------------------------------------- types


@irdl_attr_definition
class BipolarType(ParametrizedAttribute, TypeAttribute):
    """One bit holding -1 or +1 (bit 0 encodes -1, bit 1 encodes +1)."""

    name = "rpnn.bipolar"

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> tuple[Attribute, ...]:
        if parser.parse_optional_punctuation("<") is not None:
            parser.raise_error("!rpnn.bipolar takes no parameters")
        return ()


@irdl_attr_definition
class StreamType(ParametrizedAttribute, TypeAttribute):
    """A tensor of one frame sent as a sequence of words of `word` elements.

    `!rpnn.stream<8x8x64xui2, 16>`: an 8x8 image of 64 channels (NHWC, no batch axis),
    16 elements (32 bits) per word, words in row-major order of the shape.
    """

    name = "rpnn.stream"
    shape: ArrayAttr[IntAttr]
    element_type: Attribute
    word: IntAttr

    def __init__(self, shape: Sequence[int], element_type: Attribute, word: int):
        super().__init__(ArrayAttr(IntAttr(d) for d in shape), element_type, IntAttr(word))

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> tuple[Attribute, ...]:
        with parser.in_angle_brackets():
            dims, element_type = parser.parse_ranked_shape()
            parser.parse_punctuation(",")
            word = parser.parse_integer(allow_boolean=False, allow_negative=False)
        return ArrayAttr(IntAttr(d) for d in dims), element_type, IntAttr(word)

    def print_parameters(self, printer: Printer) -> None:
        with printer.in_angle_brackets():
            for dim in self.get_shape():
                printer.print_string(f"{dim}x")
            printer.print_attribute(self.element_type)
            printer.print_string(f", {self.word.data}")

    def get_shape(self) -> tuple[int, ...]:
        return tuple(d.data for d in self.shape.data)

    @property
    def channels(self) -> int:
        """Length of the innermost (fastest) axis."""
        return self.get_shape()[-1]

    @property
    def words_per_frame(self) -> int:
        return int(np.prod(self.get_shape(), dtype=np.int64)) // self.word.data

    def verify(self) -> None:
        shape = self.get_shape()
        if not shape or any(d <= 0 for d in shape):
            raise VerifyException(
                f"stream shape {list(shape)} must have at least one dimension, all positive"
            )
        if not dtypes.is_data_type(self.element_type):
            raise VerifyException(
                f"stream element type {self.element_type} must be siN/uiN (1-32 bits), "
                "!rpnn.bipolar or f32"
            )
        word = self.word.data
        if word <= 0 or shape[-1] % word:
            raise VerifyException(
                f"stream word of {word} elements must divide the innermost dimension "
                f"({shape[-1]})"
            )


# --------------------------------------------------------------------------- helpers

ROUNDING_MODES = ("ROUND", "HALF_EVEN", "CEIL", "FLOOR", "UP", "DOWN", "HALF_UP", "HALF_DOWN")
RESOURCE_TYPES = ("lut", "dsp")
RAM_STYLES = ("auto", "block", "distributed", "ultra")


def _fail(op: IRDLOperation, message: str) -> None:
    raise VerifyException(f"{op.name}: {message}")


def _shape(value: SSAValue | Attribute) -> tuple[int, ...]:
    typ = value.type if isinstance(value, SSAValue) else value
    assert isinstance(typ, TensorType | StreamType)
    return tuple(typ.get_shape())


def _elt(value: SSAValue) -> Attribute:
    typ = value.type
    assert isinstance(typ, TensorType | StreamType)
    return typ.element_type


def _ints(attr: DenseArrayBase) -> tuple[int, ...]:
    return tuple(int(v) for v in attr.get_values())


def _i64(value: int) -> IntegerAttr:
    return IntegerAttr(value, 64)


def _i64_array(values: Sequence[int]) -> DenseArrayBase:
    return DenseArrayBase.from_list(IntegerType(64), list(values))


def _check_dense_tensors(op: IRDLOperation) -> None:
    """Every dense property is a tensor (a `vector` typed one has no place in the dialect)."""
    for name, attr in op.properties.items():
        if isinstance(attr, DenseIntOrFPElementsAttr) and not isinstance(attr.type, TensorType):
            _fail(op, f"{name} must be a dense attribute of tensor type, not {attr.type}")


def _check_data_types(op: IRDLOperation) -> None:
    """Every tensor/stream operand and result carries a supported element type."""
    _check_dense_tensors(op)
    for value in (*op.operands, *op.results):
        if isinstance(value.type, TensorType) and not dtypes.is_data_type(_elt(value)):
            _fail(
                op,
                f"element type {_elt(value)} is not a data type "
                "(siN/uiN of 1-32 bits, !rpnn.bipolar or f32)",
            )


def _check_same_level(op: IRDLOperation, inputs: Sequence[SSAValue], output: SSAValue) -> None:
    """Graph level: all f32.  Integer level: integer-like inputs, an siN/uiN result."""
    kinds = {dtypes.is_float(_elt(v)) for v in inputs}
    if len(kinds) > 1:
        _fail(op, "operands mix f32 and integer element types")
    if kinds == {True}:
        if not dtypes.is_float(_elt(output)):
            _fail(op, f"f32 operands give an f32 result, not {dtypes.type_str(_elt(output))}")
    elif not dtypes.is_int(_elt(output)):
        _fail(
            op,
            "integer operands give an siN/uiN result (the accumulator type), not "
            f"{dtypes.type_str(_elt(output))}",
        )


def _check_broadcast(op: IRDLOperation, what: str, shape: Sequence[int], to: Sequence[int]):
    """`shape` broadcasts (numpy rules) to exactly `to`."""
    try:
        result = np.broadcast_shapes(tuple(shape), tuple(to))
    except ValueError:
        result = None
    if result != tuple(to):
        _fail(op, f"{what} of shape {list(shape)} does not broadcast to {list(to)}")


def _check_float_params(op: IRDLOperation,
                        params: Sequence[tuple[str, DenseIntOrFPElementsAttr]]) -> None:
    """f32 dense parameters broadcasting to the input (`op.input`); scales positive, finite."""
    for what, attr in params:
        if not dtypes.is_float(attr.get_element_type()):
            _fail(op, f"{what} must be an f32 dense attribute")
        _check_broadcast(op, what, _shape(attr.type), _shape(op.input))
        values = dtypes.dense_to_numpy(attr)
        if "scale" in what and not np.all(np.isfinite(values) & (values > 0)):
            _fail(op, f"{what} must be positive and finite")


def _check_positive(op: IRDLOperation, **fields: int) -> None:
    for field, value in fields.items():
        if value <= 0:
            _fail(op, f"{field} ({value}) must be positive")


def _check_divides(op: IRDLOperation, what: str, total: int, part_name: str, part: int):
    if part <= 0 or total % part:
        _fail(op, f"{what} ({total}) must be divisible by {part_name} ({part})")


def _check_word(op: IRDLOperation, value: SSAValue, field: str, expected: int) -> None:
    typ = value.type
    assert isinstance(typ, StreamType)
    if typ.word.data != expected:
        _fail(op, f"stream word ({typ.word.data}) must equal {field} ({expected})")


def _window_out(size: int, kernel: int, stride: int, pad: int = 0, dilation: int = 1) -> int:
    return (size + pad - dilation * (kernel - 1) - 1) // stride + 1


def _check_choice(op: IRDLOperation, field: str, value: str, choices: Sequence[str]) -> None:
    if value not in choices:
        _fail(op, f"{field} '{value}' must be one of {', '.join(choices)}")


# --------------------------------------------------------------------------- constants


@irdl_op_definition
class ConstantOp(IRDLOperation):
    """A constant tensor (weights, thresholds).

    `rpnn.constant dense<"0x..."> : tensor<4x3xsi4>`; a bipolar tensor stores -1/+1 in an
    `si2` dense attribute:
    `rpnn.constant dense<...> : tensor<4x3xsi2> -> tensor<4x3x!rpnn.bipolar>`.
    """

    name = "rpnn.constant"
    value = prop_def(DenseIntOrFPElementsAttr)
    output = result_def(TensorType)
    traits = traits_def(Pure())

    def __init__(self, value: DenseIntOrFPElementsAttr, result_type: TensorType | None = None):
        super().__init__(properties={"value": value}, result_types=[result_type or value.type])

    @classmethod
    def from_numpy(cls, values: np.ndarray, element_type: Attribute) -> ConstantOp:
        """Constant of `element_type` (bipolar included) holding `values`."""
        if dtypes.is_bipolar(element_type):
            storage = dtypes.numpy_to_dense(values, dtypes.int_type(2, signed=True))
            return cls(storage, TensorType(element_type, list(values.shape)))
        return cls(dtypes.numpy_to_dense(values, element_type))

    @classmethod
    def parse(cls, parser: Parser) -> ConstantOp:
        start = parser.pos
        value = parser.parse_attribute()
        if not isinstance(value, DenseIntOrFPElementsAttr):
            # Point at the attribute (its first line), not at the token after it.
            text = parser.lexer.input.content[start : parser.pos].split("\n")[0]
            end = start + len(text.split("//")[0].rstrip())
            parser.raise_error(
                "rpnn.constant expects a dense attribute, e.g. dense<...>", start, end
            )
        result_type = None
        if parser.parse_optional_punctuation("->"):
            result_type = parser.parse_type()
        attrs = parser.parse_optional_attr_dict()
        op = cls(value, result_type)
        op.attributes.update(attrs)
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_attribute(self.value)
        if self.output.type != self.value.type:
            printer.print_string(" -> ")
            printer.print_attribute(self.output.type)
        printer.print_op_attributes(self.attributes)

    def verify_(self) -> None:
        _check_dense_tensors(self)
        out = self.output.type
        assert isinstance(out, TensorType)
        storage = self.value.type
        assert isinstance(storage, TensorType)
        if tuple(out.get_shape()) != tuple(storage.get_shape()):
            _fail(self, f"value shape {list(storage.get_shape())} differs from result shape "
                  f"{list(out.get_shape())}")
        if dtypes.is_bipolar(out.element_type):
            if storage.element_type != dtypes.int_type(2, signed=True):
                _fail(self, "a bipolar constant stores its -1/+1 values as si2")
            if not dtypes.fits(out.element_type, dtypes.dense_to_numpy(self.value)):
                _fail(self, "bipolar constant values must be -1 or +1")
        elif storage != out:
            _fail(self, f"value type {storage} differs from result type {out}")
        elif not dtypes.is_data_type(out.element_type):
            _fail(self, f"element type {out.element_type} is not a data type")
        elif dtypes.is_int(out.element_type) and not dtypes.fits(
            out.element_type, dtypes.dense_to_numpy(self.value)
        ):
            lo, hi = dtypes.element_range(out.element_type)
            _fail(self, f"values exceed the range [{lo}, {hi}] of "
                  f"{dtypes.type_str(out.element_type)}")


# --------------------------------------------------------------------------- graph level


@irdl_op_definition
class QuantOp(IRDLOperation):
    """QONNX Quant: scale, add zero point, clamp, round, subtract zero point, rescale.

    With an f32 result it is QONNX's fake quantizer; with an integer result it yields the
    integer `q - zero_point` (the value before rescaling), which is how the integer level
    enters from a float input.
    """

    name = "rpnn.quant"
    input = operand_def(TensorType)
    output = result_def(TensorType)
    scale = prop_def(DenseIntOrFPElementsAttr)
    zero_point = prop_def(DenseIntOrFPElementsAttr)
    bit_width = prop_def(IntegerAttr[I64])
    signed = opt_prop_def(UnitAttr)
    narrow = opt_prop_def(UnitAttr)
    rounding_mode = prop_def(StringAttr)
    traits = traits_def(Pure())
    assembly_format = (
        "$input `scale` `=` $scale `zero_point` `=` $zero_point `bits` `=` $bit_width "
        "(`signed` $signed^)? (`narrow` $narrow^)? `rounding` `=` $rounding_mode attr-dict "
        "`:` type($input) `->` type($output)"
    )

    @classmethod
    def from_params(cls, input: SSAValue, result_type: Attribute, *, scale: np.ndarray | float,
              bits: int, signed: bool, narrow: bool, zero_point: np.ndarray | float = 0.0,
              rounding: str = "ROUND") -> QuantOp:
        """A quantizer whose f32 scale and zero point are given as numbers or arrays."""
        properties: dict[str, Attribute] = {
            "scale": dtypes.numpy_to_dense(np.asarray(scale, np.float32), Float32Type()),
            "zero_point": dtypes.numpy_to_dense(np.asarray(zero_point, np.float32),
                                                Float32Type()),
            "bit_width": _i64(bits),
            "rounding_mode": StringAttr(rounding),
        }
        if signed:
            properties["signed"] = UnitAttr()
        if narrow:
            properties["narrow"] = UnitAttr()
        return cls.create(operands=[input], result_types=[result_type], properties=properties)

    def int_range(self) -> tuple[int, int]:
        """[min_int, max_int] of the quantizer, before the zero point is subtracted."""
        bits = self.bit_width.value.data
        if bits == 1 and self.signed:
            return -1, 1
        narrow = int(self.narrow is not None)
        if self.signed:
            return -(1 << (bits - 1)) + narrow, (1 << (bits - 1)) - 1
        return 0, (1 << bits) - 1 - narrow

    def verify_(self) -> None:
        _check_data_types(self)
        if not dtypes.is_float(_elt(self.input)):
            _fail(self, "input must be an f32 tensor")
        bits = self.bit_width.value.data
        if not 1 <= bits <= dtypes.MAX_INT_BITS:
            _fail(self, f"bit width ({bits}) must be between 1 and {dtypes.MAX_INT_BITS}")
        if bits == 1 and not self.signed and self.narrow:
            _fail(self, "an unsigned narrow 1-bit quantizer can only give 0")
        _check_choice(self, "rounding mode", self.rounding_mode.data, ROUNDING_MODES)
        if _shape(self.output) != _shape(self.input):
            _fail(self, "result shape must equal input shape")
        _check_float_params(self, (("scale", self.scale), ("zero point", self.zero_point)))
        out = _elt(self.output)
        if dtypes.is_float(out):
            return
        zero_point = dtypes.dense_to_numpy(self.zero_point)
        if not np.all(np.isfinite(zero_point) & (zero_point == np.round(zero_point))):
            _fail(self, "an integer result needs an integral zero point")
        lo, hi = self.int_range()
        lo, hi = lo - int(zero_point.max()), hi - int(zero_point.min())
        if dtypes.is_bipolar(out):
            if not (bits == 1 and self.signed) or (lo, hi) != (-1, 1):
                _fail(self, "a !rpnn.bipolar result needs a signed 1-bit quantizer with zero "
                      "point 0")
        elif bits == 1 and self.signed:
            _fail(self, "a signed 1-bit quantizer is bipolar: its integer result must be "
                  "!rpnn.bipolar")
        elif not dtypes.contains(out, lo, hi):
            _fail(self, f"result type {dtypes.type_str(out)} cannot hold the quantized range "
                  f"[{lo}, {hi}]")


@irdl_op_definition
class TruncOp(IRDLOperation):
    """QONNX Trunc: quantize, divide by 2^shift, optionally clamp, round, rescale (f32).

    QONNX Trunc v1 is out_scale = scale and out_zero_point = zero_point, without a clamp;
    Trunc v2 is out_scale = output_scale and out_zero_point = zero_point / 2^shift, with the
    clamp `bits` (and `signed`, `narrow`).
    """

    name = "rpnn.trunc"
    input = operand_def(TensorType)
    output = result_def(TensorType)
    scale = prop_def(DenseIntOrFPElementsAttr)
    zero_point = prop_def(DenseIntOrFPElementsAttr)
    shift = prop_def(IntegerAttr[I64])
    out_scale = prop_def(DenseIntOrFPElementsAttr)
    out_zero_point = prop_def(DenseIntOrFPElementsAttr)
    bit_width = opt_prop_def(IntegerAttr[I64])
    signed = opt_prop_def(UnitAttr)
    narrow = opt_prop_def(UnitAttr)
    rounding_mode = prop_def(StringAttr)
    traits = traits_def(Pure())
    assembly_format = (
        "$input `scale` `=` $scale `zero_point` `=` $zero_point `shift` `=` $shift "
        "`out_scale` `=` $out_scale `out_zero_point` `=` $out_zero_point "
        "(`bits` `=` $bit_width^)? (`signed` $signed^)? (`narrow` $narrow^)? "
        "`rounding` `=` $rounding_mode attr-dict `:` type($input) `->` type($output)"
    )

    @classmethod
    def from_params(cls, input: SSAValue, result_type: Attribute, *, scale: np.ndarray | float,
                    zero_point: np.ndarray | float, shift: int,
                    out_scale: np.ndarray | float, out_zero_point: np.ndarray | float,
                    bits: int | None = None, signed: bool = False, narrow: bool = False,
                    rounding: str = "FLOOR") -> TruncOp:
        """A truncation whose f32 parameters are given as numbers or arrays."""
        properties: dict[str, Attribute] = {
            name: dtypes.numpy_to_dense(np.asarray(value, np.float32), Float32Type())
            for name, value in (("scale", scale), ("zero_point", zero_point),
                                ("out_scale", out_scale), ("out_zero_point", out_zero_point))
        }
        properties["shift"] = _i64(shift)
        properties["rounding_mode"] = StringAttr(rounding)
        if bits is not None:
            properties["bit_width"] = _i64(bits)
        if signed:
            properties["signed"] = UnitAttr()
        if narrow:
            properties["narrow"] = UnitAttr()
        return cls.create(operands=[input], result_types=[result_type], properties=properties)

    def clamp_range(self) -> tuple[int, int] | None:
        """[min_int, max_int] of the clamp (QONNX's min_int/max_int), None without `bits`."""
        if self.bit_width is None:
            return None
        bits = self.bit_width.value.data
        narrow = int(self.narrow is not None)
        if self.signed:
            return -(1 << (bits - 1)) + narrow, (1 << (bits - 1)) - 1
        return 0, (1 << bits) - 1 - narrow

    def verify_(self) -> None:
        _check_data_types(self)
        if not dtypes.is_float(_elt(self.input)):
            _fail(self, "input must be an f32 tensor")
        if not dtypes.is_float(_elt(self.output)):
            _fail(self, f"result must be f32, not {dtypes.type_str(_elt(self.output))}")
        if _shape(self.output) != _shape(self.input):
            _fail(self, "result shape must equal input shape")
        shift = self.shift.value.data
        if shift < 0:
            _fail(self, f"shift ({shift}) must be non-negative")
        if self.bit_width is None:
            if self.signed or self.narrow:
                _fail(self, "signed and narrow need a clamp bit width (bits)")
        elif not 1 <= (bits := self.bit_width.value.data) <= dtypes.MAX_INT_BITS:
            _fail(self, f"bit width ({bits}) must be between 1 and {dtypes.MAX_INT_BITS}")
        _check_choice(self, "rounding mode", self.rounding_mode.data, ROUNDING_MODES)
        _check_float_params(self, (("scale", self.scale), ("zero point", self.zero_point),
                                   ("out scale", self.out_scale),
                                   ("out zero point", self.out_zero_point)))


@irdl_op_definition
class BipolarQuantOp(IRDLOperation):
    """QONNX BipolarQuant: +scale where x >= 0, -scale elsewhere (bipolar result: +1/-1)."""

    name = "rpnn.bipolar_quant"
    input = operand_def(TensorType)
    output = result_def(TensorType)
    scale = prop_def(DenseIntOrFPElementsAttr)
    traits = traits_def(Pure())
    assembly_format = (
        "$input `scale` `=` $scale attr-dict `:` type($input) `->` type($output)"
    )

    def verify_(self) -> None:
        _check_data_types(self)
        if not dtypes.is_float(_elt(self.input)):
            _fail(self, "input must be an f32 tensor")
        if _shape(self.output) != _shape(self.input):
            _fail(self, "result shape must equal input shape")
        if not (dtypes.is_float(_elt(self.output)) or dtypes.is_bipolar(_elt(self.output))):
            _fail(self, "result element type must be f32 or !rpnn.bipolar")
        if not dtypes.is_float(self.scale.get_element_type()):
            _fail(self, "scale must be an f32 dense attribute")
        _check_broadcast(self, "scale", _shape(self.scale.type), _shape(self.input))
        scale = dtypes.dense_to_numpy(self.scale)
        if not np.all(np.isfinite(scale) & (scale > 0)):
            _fail(self, "scale must be positive and finite")


@irdl_op_definition
class MatMulOp(IRDLOperation):
    """x[..., K] @ weights[K, M]; at the integer level the result type is the accumulator."""

    name = "rpnn.matmul"
    input = operand_def(TensorType)
    weights = operand_def(TensorType)
    output = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = (
        "$input `,` $weights attr-dict `:` type($input) `,` type($weights) `->` type($output)"
    )

    def verify_(self) -> None:
        _check_data_types(self)
        _check_same_level(self, (self.input, self.weights), self.output)
        x, w = _shape(self.input), _shape(self.weights)
        if len(w) != 2 or not x:
            _fail(self, f"weights must be 2-D [K, M] and input at least 1-D, got weights "
                  f"{list(w)} and input {list(x)}")
        if x[-1] != w[0]:
            _fail(self, f"input inner dimension ({x[-1]}) must equal weight rows K ({w[0]})")
        if _shape(self.output) != (*x[:-1], w[1]):
            _fail(self, f"result shape must be {[*x[:-1], w[1]]}")


@irdl_op_definition
class Conv2dOp(IRDLOperation):
    """2-D convolution, NCHW input, OIHW weights, zero padding [top, left, bottom, right]."""

    name = "rpnn.conv2d"
    input = operand_def(TensorType)
    weights = operand_def(TensorType)
    output = result_def(TensorType)
    stride = prop_def(DenseArrayBase[I64])
    padding = prop_def(DenseArrayBase[I64])
    dilation = prop_def(DenseArrayBase[I64])
    groups = prop_def(IntegerAttr[I64])
    traits = traits_def(Pure())
    assembly_format = (
        "$input `,` $weights `stride` `=` $stride `padding` `=` $padding `dilation` `=` "
        "$dilation `groups` `=` $groups attr-dict `:` type($input) `,` type($weights) `->` "
        "type($output)"
    )

    def verify_(self) -> None:
        _check_data_types(self)
        _check_same_level(self, (self.input, self.weights), self.output)
        x, w = _shape(self.input), _shape(self.weights)
        if len(x) != 4 or len(w) != 4:
            _fail(self, "input must be NCHW and weights OIHW (4-D)")
        stride, dilation, padding = (
            _ints(self.stride), _ints(self.dilation), _ints(self.padding)
        )
        if len(stride) != 2 or len(dilation) != 2 or len(padding) != 4:
            _fail(self, "stride and dilation take 2 values, padding 4 (top, left, bottom, right)")
        _check_positive(self, stride_h=stride[0], stride_w=stride[1],
                        dilation_h=dilation[0], dilation_w=dilation[1])
        if min(padding) < 0:
            _fail(self, f"padding {list(padding)} must not be negative")
        groups = self.groups.value.data
        _check_divides(self, "input channels", x[1], "groups", groups)
        _check_divides(self, "output channels", w[0], "groups", groups)
        if w[1] * groups != x[1]:
            _fail(self, f"weights take {w[1]} channels per group but the input has "
                  f"{x[1]} channels in {groups} groups")
        if dtypes.is_bipolar(_elt(self.input)) and any(padding):
            _fail(self, "a bipolar input has no zero to pad with: pad it before quantizing")
        oh = _window_out(x[2], w[2], stride[0], padding[0] + padding[2], dilation[0])
        ow = _window_out(x[3], w[3], stride[1], padding[1] + padding[3], dilation[1])
        if oh <= 0 or ow <= 0:
            _fail(self, "kernel is larger than the padded input")
        if _shape(self.output) != (x[0], w[0], oh, ow):
            _fail(self, f"result shape must be {[x[0], w[0], oh, ow]}")


class _ElementwiseBinary(IRDLOperation):
    lhs = operand_def(TensorType)
    rhs = operand_def(TensorType)
    output = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = (
        "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($output)"
    )

    def verify_(self) -> None:
        _check_data_types(self)
        _check_same_level(self, (self.lhs, self.rhs), self.output)
        try:
            shape = np.broadcast_shapes(_shape(self.lhs), _shape(self.rhs))
        except ValueError:
            _fail(self, f"shapes {list(_shape(self.lhs))} and {list(_shape(self.rhs))} "
                  "do not broadcast")
        if _shape(self.output) != shape:
            _fail(self, f"result shape must be the broadcast shape {list(shape)}")


@irdl_op_definition
class AddOp(_ElementwiseBinary):
    """Element-wise sum with numpy broadcasting (biases, residual connections)."""

    name = "rpnn.add"


@irdl_op_definition
class MulOp(_ElementwiseBinary):
    """Element-wise product with numpy broadcasting (scales)."""

    name = "rpnn.mul"


@irdl_op_definition
class DivOp(_ElementwiseBinary):
    """Element-wise quotient with numpy broadcasting, graph level only (ONNX Div)."""

    name = "rpnn.div"

    def verify_(self) -> None:
        super().verify_()
        if not dtypes.is_float(_elt(self.output)):
            _fail(self, "operands and result must be f32 tensors (graph level only)")


@irdl_op_definition
class BatchNormOp(IRDLOperation):
    """Inference batch norm on axis 1: (x - mean) / sqrt(var + epsilon) * scale + bias."""

    name = "rpnn.batchnorm"
    input = operand_def(TensorType)
    output = result_def(TensorType)
    scale = prop_def(DenseIntOrFPElementsAttr)
    bias = prop_def(DenseIntOrFPElementsAttr)
    mean = prop_def(DenseIntOrFPElementsAttr)
    var = prop_def(DenseIntOrFPElementsAttr)
    epsilon = prop_def(FloatAttr)
    traits = traits_def(Pure())
    assembly_format = (
        "$input `scale` `=` $scale `bias` `=` $bias `mean` `=` $mean `var` `=` $var "
        "`epsilon` `=` $epsilon attr-dict `:` type($input) `->` type($output)"
    )

    def verify_(self) -> None:
        _check_data_types(self)
        x = _shape(self.input)
        if not (dtypes.is_float(_elt(self.input)) and dtypes.is_float(_elt(self.output))):
            _fail(self, "input and result must be f32 tensors")
        if len(x) < 2 or _shape(self.output) != x:
            _fail(self, "input must have a channel axis (rank >= 2) and the result its shape")
        for what, attr in (("scale", self.scale), ("bias", self.bias), ("mean", self.mean),
                           ("var", self.var)):
            if _shape(attr.type) != (x[1],) or not dtypes.is_float(attr.get_element_type()):
                _fail(self, f"{what} must be an f32 vector of {x[1]} channels")
        if np.any(dtypes.dense_to_numpy(self.var) + self.epsilon.value.data <= 0):
            _fail(self, "var + epsilon must be positive")


@irdl_op_definition
class ReluOp(IRDLOperation):
    """max(x, 0)."""

    name = "rpnn.relu"
    input = operand_def(TensorType)
    output = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$input attr-dict `:` type($input) `->` type($output)"

    def verify_(self) -> None:
        _check_data_types(self)
        _check_same_level(self, (self.input,), self.output)
        if _shape(self.output) != _shape(self.input):
            _fail(self, "result shape must equal input shape")


@irdl_op_definition
class MaxPoolOp(IRDLOperation):
    """2-D max pooling on NCHW; padding [top, left, bottom, right] never wins the max."""

    name = "rpnn.maxpool"
    input = operand_def(TensorType)
    output = result_def(TensorType)
    kernel = prop_def(DenseArrayBase[I64])
    stride = prop_def(DenseArrayBase[I64])
    padding = prop_def(DenseArrayBase[I64])
    traits = traits_def(Pure())
    assembly_format = (
        "$input `kernel` `=` $kernel `stride` `=` $stride `padding` `=` $padding attr-dict "
        "`:` type($input) `->` type($output)"
    )

    def verify_(self) -> None:
        _check_data_types(self)
        x = _shape(self.input)
        kernel, stride, padding = _ints(self.kernel), _ints(self.stride), _ints(self.padding)
        if len(x) != 4:
            _fail(self, "input must be NCHW (4-D)")
        if len(kernel) != 2 or len(stride) != 2 or len(padding) != 4:
            _fail(self, "kernel and stride take 2 values, padding 4 (top, left, bottom, right)")
        _check_positive(self, kernel_h=kernel[0], kernel_w=kernel[1],
                        stride_h=stride[0], stride_w=stride[1])
        if min(padding) < 0:
            _fail(self, f"padding {list(padding)} must not be negative")
        if max(padding[0], padding[2]) >= kernel[0] or max(padding[1], padding[3]) >= kernel[1]:
            _fail(self, f"padding {list(padding)} must be smaller than the kernel {list(kernel)}")
        if _elt(self.output) != _elt(self.input):
            _fail(self, "result element type must equal the input's")
        oh = _window_out(x[2], kernel[0], stride[0], padding[0] + padding[2])
        ow = _window_out(x[3], kernel[1], stride[1], padding[1] + padding[3])
        if oh <= 0 or ow <= 0:
            _fail(self, "kernel is larger than the padded input")
        if _shape(self.output) != (x[0], x[1], oh, ow):
            _fail(self, f"result shape must be {[x[0], x[1], oh, ow]}")


@irdl_op_definition
class ReshapeOp(IRDLOperation):
    """Row-major reshape (ONNX Reshape and Flatten)."""

    name = "rpnn.reshape"
    input = operand_def(TensorType)
    output = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$input attr-dict `:` type($input) `->` type($output)"

    def verify_(self) -> None:
        _check_data_types(self)
        if _elt(self.output) != _elt(self.input):
            _fail(self, "result element type must equal the input's")
        n_in = int(np.prod(_shape(self.input), dtype=np.int64))
        n_out = int(np.prod(_shape(self.output), dtype=np.int64))
        if n_in != n_out:
            _fail(self, f"input has {n_in} elements but the result {n_out}")


@irdl_op_definition
class TransposeOp(IRDLOperation):
    """Axis permutation: result axis i is input axis perm[i]."""

    name = "rpnn.transpose"
    input = operand_def(TensorType)
    output = result_def(TensorType)
    perm = prop_def(DenseArrayBase[I64])
    traits = traits_def(Pure())
    assembly_format = (
        "$input `perm` `=` $perm attr-dict `:` type($input) `->` type($output)"
    )

    def verify_(self) -> None:
        _check_data_types(self)
        x, perm = _shape(self.input), _ints(self.perm)
        if sorted(perm) != list(range(len(x))):
            _fail(self, f"perm {list(perm)} is not a permutation of the {len(x)} axes")
        if _elt(self.output) != _elt(self.input):
            _fail(self, "result element type must equal the input's")
        if _shape(self.output) != tuple(x[p] for p in perm):
            _fail(self, f"result shape must be {[x[p] for p in perm]}")


def _check_thresholds(op: IRDLOperation, thresholds: SSAValue, channels: int) -> int:
    """Thresholds are [channels or 1, T]; returns T."""
    shape = _shape(thresholds)
    if len(shape) != 2 or shape[0] not in (1, channels) or shape[1] < 1:
        _fail(op, f"thresholds must be [{channels} or 1, T >= 1], got {list(shape)}")
    return shape[1]


def _check_threshold_output(op: IRDLOperation, output: Attribute, steps: int, scale: float,
                            bias: float) -> None:
    """An integer result must hold every out_scale * count + out_bias, count in [0, steps]."""
    if dtypes.is_float(output):
        return
    if dtypes.is_bipolar(output):
        if steps != 1:
            _fail(op, f"a bipolar result needs exactly one threshold per channel, got {steps}")
        if (scale, bias) != (2.0, -1.0):
            _fail(op, "a bipolar result needs out_scale 2 and out_bias -1")
        return
    if not (float(scale).is_integer() and float(bias).is_integer()):
        _fail(op, f"an integer result needs integral out_scale and out_bias, got {scale}, {bias}")
    ends = (int(bias), int(bias + scale * steps))
    if not dtypes.contains(output, min(ends), max(ends)):
        _fail(op, f"result type {dtypes.type_str(output)} cannot hold outputs "
              f"[{min(ends)}, {max(ends)}]")


@irdl_op_definition
class MultiThresholdOp(IRDLOperation):
    """out_scale * (number of thresholds[c] <= x) + out_bias, channel c on axis 1."""

    name = "rpnn.multithreshold"
    input = operand_def(TensorType)
    thresholds = operand_def(TensorType)
    output = result_def(TensorType)
    out_scale = opt_prop_def(FloatAttr)
    out_bias = opt_prop_def(FloatAttr)
    traits = traits_def(Pure())
    assembly_format = (
        "$input `,` $thresholds (`out_scale` `=` $out_scale^)? (`out_bias` `=` $out_bias^)? "
        "attr-dict `:` type($input) `,` type($thresholds) `->` type($output)"
    )

    @property
    def scale_value(self) -> float:
        return 1.0 if self.out_scale is None else self.out_scale.value.data

    @property
    def bias_value(self) -> float:
        return 0.0 if self.out_bias is None else self.out_bias.value.data

    def verify_(self) -> None:
        _check_data_types(self)
        x = _shape(self.input)
        if len(x) < 2 or _shape(self.output) != x:
            _fail(self, "input must have a channel axis (rank >= 2) and the result its shape")
        if dtypes.is_float(_elt(self.input)) != dtypes.is_float(_elt(self.thresholds)):
            _fail(self, "input and thresholds must both be f32 or both integer")
        if dtypes.is_bipolar(_elt(self.thresholds)):
            _fail(self, "thresholds must be f32 or siN/uiN")
        steps = _check_thresholds(self, self.thresholds, x[1])
        _check_threshold_output(self, _elt(self.output), steps, self.scale_value,
                                self.bias_value)


@irdl_op_definition
class ScaleBiasOp(IRDLOperation):
    """x * scale + bias, an f32 result: the float scale and bias a network's output keeps.

    scale and bias may be f64 so that streamlining can fold several f32 factors into one
    without rounding them.
    """

    name = "rpnn.scale_bias"
    input = operand_def(TensorType)
    output = result_def(TensorType)
    scale = prop_def(DenseIntOrFPElementsAttr)
    bias = prop_def(DenseIntOrFPElementsAttr)
    traits = traits_def(Pure())
    assembly_format = (
        "$input `scale` `=` $scale `bias` `=` $bias attr-dict `:` type($input) `->` "
        "type($output)"
    )

    def verify_(self) -> None:
        _check_data_types(self)
        if not dtypes.is_float(_elt(self.output)) or _shape(self.output) != _shape(self.input):
            _fail(self, "result must be an f32 tensor of the input's shape")
        for what, attr in (("scale", self.scale), ("bias", self.bias)):
            if not isinstance(attr.get_element_type(), Float32Type | Float64Type):
                _fail(self, f"{what} must be an f32 or f64 dense attribute")
            _check_broadcast(self, what, _shape(attr.type), _shape(self.input))


@irdl_op_definition
class TopKOp(IRDLOperation):
    """Indices of the k largest values on the last axis, largest first, ties to lower index.

    ArgMax is `k = 1`.
    """

    name = "rpnn.topk"
    input = operand_def(TensorType)
    output = result_def(TensorType)
    k = prop_def(IntegerAttr[I64])
    traits = traits_def(Pure())
    assembly_format = "$input `k` `=` $k attr-dict `:` type($input) `->` type($output)"

    def verify_(self) -> None:
        _check_data_types(self)
        x, k = _shape(self.input), self.k.value.data
        if not x or not 1 <= k <= x[-1]:
            _fail(self, f"k ({k}) must be between 1 and the last dimension ({x[-1] if x else 0})")
        if _shape(self.output) != (*x[:-1], k):
            _fail(self, f"result shape must be {[*x[:-1], k]}")
        out = _elt(self.output)
        if not dtypes.is_int(out) or not dtypes.contains(out, 0, x[-1] - 1):
            _fail(self, f"result type must be siN/uiN holding indices 0..{x[-1] - 1}")


# --------------------------------------------------------------------------- dataflow level


@irdl_op_definition
class TensorToStreamOp(IRDLOperation):
    """Frames of a tensor [N, *shape] become a stream of `shape` (the FPGA's input port)."""

    name = "rpnn.tensor_to_stream"
    input = operand_def(TensorType)
    output = result_def(StreamType)
    traits = traits_def(Pure())
    assembly_format = "$input attr-dict `:` type($input) `->` type($output)"

    def verify_(self) -> None:
        _check_data_types(self)
        x, s = _shape(self.input), _shape(self.output)
        if x[1:] != s or _elt(self.input) != _elt(self.output):
            _fail(self, f"tensor {list(x)} must be [N, {', '.join(map(str, s))}] of the "
                  "stream's element type")


@irdl_op_definition
class StreamToTensorOp(IRDLOperation):
    """A stream of `shape` collected into a tensor [N, *shape] (the FPGA's output port)."""

    name = "rpnn.stream_to_tensor"
    input = operand_def(StreamType)
    output = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$input attr-dict `:` type($input) `->` type($output)"

    def verify_(self) -> None:
        _check_data_types(self)
        s, x = _shape(self.input), _shape(self.output)
        if x[1:] != s or _elt(self.input) != _elt(self.output):
            _fail(self, f"tensor {list(x)} must be [N, {', '.join(map(str, s))}] of the "
                  "stream's element type")


class _ComputeUnit(IRDLOperation):
    """Shared fields of the units that multiply by constant weights and may threshold."""

    input = operand_def(StreamType)
    weights = operand_def(TensorType)
    thresholds = opt_operand_def(TensorType)
    output = result_def(StreamType)
    pe = prop_def(IntegerAttr[I64])
    simd = prop_def(IntegerAttr[I64])
    acc_type = prop_def(TypeAttribute)
    out_bias = opt_prop_def(IntegerAttr[I64])
    resource_type = prop_def(StringAttr)
    ram_style = prop_def(StringAttr)
    traits = traits_def(Pure())
    assembly_format = (
        "$input `,` $weights (`,` $thresholds^)? `pe` `=` $pe `simd` `=` $simd `acc` `=` "
        "$acc_type (`out_bias` `=` $out_bias^)? `resource` `=` $resource_type `ram` `=` "
        "$ram_style attr-dict `:` type($input) `,` type($weights) (`,` type($thresholds)^)? "
        "`->` type($output)"
    )

    @property
    def bias_value(self) -> int:
        return 0 if self.out_bias is None else self.out_bias.value.data

    def _verify_common(self, channels_out: int) -> None:
        """Checks of the element types, styles and the threshold/accumulator output."""
        _check_data_types(self)
        _check_choice(self, "resource", self.resource_type.data, RESOURCE_TYPES)
        _check_choice(self, "ram", self.ram_style.data, RAM_STYLES)
        _check_positive(self, PE=self.pe.value.data, SIMD=self.simd.value.data)
        acc = self.acc_type
        if not dtypes.is_int(acc) or not dtypes.is_data_type(acc):
            _fail(self, f"accumulator type {acc} must be siN/uiN of 1-32 bits")
        if not (dtypes.is_integer_like(_elt(self.input))
                and dtypes.is_integer_like(_elt(self.weights))):
            _fail(self, "input and weights must be integer (siN/uiN/!rpnn.bipolar)")
        out = _elt(self.output)
        if self.thresholds is None:
            if out != acc:
                _fail(self, f"without thresholds the output type ({dtypes.type_str(out)}) "
                      f"must be the accumulator type ({dtypes.type_str(acc)})")
            if self.out_bias is not None:
                _fail(self, "out_bias needs thresholds")
            return
        if not dtypes.is_int(_elt(self.thresholds)):
            _fail(self, "thresholds must be siN/uiN")
        if dtypes.is_float(out):
            _fail(self, "with thresholds the output must be siN/uiN or !rpnn.bipolar, not f32")
        steps = _check_thresholds(self, self.thresholds, channels_out)
        if dtypes.is_bipolar(out) and self.out_bias is not None:
            _fail(self, "a bipolar output maps 0/1 thresholds crossed to -1/+1: no out_bias")
        bias = -1.0 if dtypes.is_bipolar(out) else float(self.bias_value)
        scale = 2.0 if dtypes.is_bipolar(out) else 1.0
        _check_threshold_output(self, out, steps, scale, bias)


@irdl_op_definition
class MVTUOp(_ComputeUnit):
    """Matrix-vector-threshold unit: y = thresholds(x[..., MW] @ weights[MW, MH]).

    PE rows and SIMD columns of the weight matrix are processed per cycle; the input word is
    SIMD elements, the output word PE elements.  Without thresholds the output is the
    accumulator.  Leading stream axes (output pixels of a convolution) are independent vectors.
    """

    name = "rpnn.mvtu"

    def verify_(self) -> None:
        w = _shape(self.weights)
        if len(w) != 2:
            _fail(self, f"weights must be [MW, MH], got {list(w)}")
        mw, mh = w
        self._verify_common(mh)
        x, y = _shape(self.input), _shape(self.output)
        if x[-1] != mw:
            _fail(self, f"input vector length ({x[-1]}) must equal MW ({mw})")
        if y != (*x[:-1], mh):
            _fail(self, f"output shape must be {[*x[:-1], mh]}")
        pe, simd = self.pe.value.data, self.simd.value.data
        _check_divides(self, "MW", mw, "SIMD", simd)
        _check_divides(self, "MH", mh, "PE", pe)
        _check_word(self, self.input, "SIMD", simd)
        _check_word(self, self.output, "PE", pe)


@irdl_op_definition
class DepthwiseOp(_ComputeUnit):
    """Depthwise (vector-vector) unit after a sliding window: one K*K filter per channel.

    Input [OH, OW, K*K*C] in (kh, kw, c) order from `rpnn.swg`, weights [C, K*K], output
    [OH, OW, C].  PE channels and SIMD kernel positions per cycle; the input word is PE*SIMD
    elements (so SIMD > 1 needs PE = C: the word must be contiguous in (kh, kw, c) order).
    """

    name = "rpnn.depthwise"

    def verify_(self) -> None:
        w = _shape(self.weights)
        if len(w) != 2:
            _fail(self, f"weights must be [C, K*K], got {list(w)}")
        channels, taps = w
        self._verify_common(channels)
        x, y = _shape(self.input), _shape(self.output)
        if x[-1] != channels * taps:
            _fail(self, f"input vector length ({x[-1]}) must be C*K*K ({channels * taps})")
        if y != (*x[:-1], channels):
            _fail(self, f"output shape must be {[*x[:-1], channels]}")
        pe, simd = self.pe.value.data, self.simd.value.data
        _check_divides(self, "C", channels, "PE", pe)
        _check_divides(self, "K*K", taps, "SIMD", simd)
        if simd > 1 and pe != channels:
            _fail(self, f"SIMD ({simd}) > 1 needs PE equal to C ({channels})")
        _check_word(self, self.input, "PE*SIMD", pe * simd)
        _check_word(self, self.output, "PE", pe)


@irdl_op_definition
class ThresholdingOp(IRDLOperation):
    """Stand-alone multi-threshold on a stream, channels last, PE channels per cycle."""

    name = "rpnn.thresholding"
    input = operand_def(StreamType)
    thresholds = operand_def(TensorType)
    output = result_def(StreamType)
    pe = prop_def(IntegerAttr[I64])
    out_bias = opt_prop_def(IntegerAttr[I64])
    traits = traits_def(Pure())
    assembly_format = (
        "$input `,` $thresholds `pe` `=` $pe (`out_bias` `=` $out_bias^)? attr-dict `:` "
        "type($input) `,` type($thresholds) `->` type($output)"
    )

    @property
    def bias_value(self) -> int:
        return 0 if self.out_bias is None else self.out_bias.value.data

    def verify_(self) -> None:
        _check_data_types(self)
        x, y = _shape(self.input), _shape(self.output)
        if y != x:
            _fail(self, "output shape must equal input shape")
        if not dtypes.is_int(_elt(self.input)) or not dtypes.is_int(_elt(self.thresholds)):
            _fail(self, "input and thresholds must be siN/uiN")
        if dtypes.is_float(_elt(self.output)):
            _fail(self, "output must be siN/uiN or !rpnn.bipolar, not f32")
        pe = self.pe.value.data
        _check_divides(self, "channels", x[-1], "PE", pe)
        _check_word(self, self.input, "PE", pe)
        _check_word(self, self.output, "PE", pe)
        steps = _check_thresholds(self, self.thresholds, x[-1])
        out = _elt(self.output)
        if dtypes.is_bipolar(out) and self.out_bias is not None:
            _fail(self, "a bipolar output maps 0/1 thresholds crossed to -1/+1: no out_bias")
        bipolar = dtypes.is_bipolar(out)
        _check_threshold_output(self, out, steps, 2.0 if bipolar else 1.0,
                                -1.0 if bipolar else float(self.bias_value))


@irdl_op_definition
class SWGOp(IRDLOperation):
    """Sliding-window generator: [H, W, C] -> [OH, OW, KH*KW*C], window in (kh, kw, c) order."""

    name = "rpnn.swg"
    input = operand_def(StreamType)
    output = result_def(StreamType)
    kernel = prop_def(DenseArrayBase[I64])
    stride = prop_def(DenseArrayBase[I64])
    simd = prop_def(IntegerAttr[I64])
    traits = traits_def(Pure())
    assembly_format = (
        "$input `kernel` `=` $kernel `stride` `=` $stride `simd` `=` $simd attr-dict `:` "
        "type($input) `->` type($output)"
    )

    def verify_(self) -> None:
        x, y = _shape(self.input), _shape(self.output)
        kernel, stride = _ints(self.kernel), _ints(self.stride)
        if len(x) != 3 or len(kernel) != 2 or len(stride) != 2:
            _fail(self, "input must be [H, W, C]; kernel and stride take 2 values")
        _check_positive(self, kernel_h=kernel[0], kernel_w=kernel[1],
                        stride_h=stride[0], stride_w=stride[1])
        if _elt(self.output) != _elt(self.input):
            _fail(self, "output element type must equal the input's")
        simd = self.simd.value.data
        _check_divides(self, "channels", x[2], "SIMD", simd)
        _check_word(self, self.input, "SIMD", simd)
        _check_word(self, self.output, "SIMD", simd)
        oh, ow = _window_out(x[0], kernel[0], stride[0]), _window_out(x[1], kernel[1], stride[1])
        if oh <= 0 or ow <= 0:
            _fail(self, f"kernel {list(kernel)} is larger than the input {list(x[:2])}")
        expected = (oh, ow, kernel[0] * kernel[1] * x[2])
        if y != expected:
            _fail(self, f"output shape must be {list(expected)}")


@irdl_op_definition
class StreamMaxPoolOp(IRDLOperation):
    """Streaming max pool on [H, W, C] (no padding), PE channels per cycle."""

    name = "rpnn.stream_maxpool"
    input = operand_def(StreamType)
    output = result_def(StreamType)
    kernel = prop_def(DenseArrayBase[I64])
    stride = prop_def(DenseArrayBase[I64])
    pe = prop_def(IntegerAttr[I64])
    traits = traits_def(Pure())
    assembly_format = (
        "$input `kernel` `=` $kernel `stride` `=` $stride `pe` `=` $pe attr-dict `:` "
        "type($input) `->` type($output)"
    )

    def verify_(self) -> None:
        x, y = _shape(self.input), _shape(self.output)
        kernel, stride = _ints(self.kernel), _ints(self.stride)
        if len(x) != 3 or len(kernel) != 2 or len(stride) != 2:
            _fail(self, "input must be [H, W, C]; kernel and stride take 2 values")
        _check_positive(self, kernel_h=kernel[0], kernel_w=kernel[1],
                        stride_h=stride[0], stride_w=stride[1])
        if _elt(self.output) != _elt(self.input) or dtypes.is_float(_elt(self.input)):
            _fail(self, "input and output must have the same integer element type")
        pe = self.pe.value.data
        _check_divides(self, "channels", x[2], "PE", pe)
        _check_word(self, self.input, "PE", pe)
        _check_word(self, self.output, "PE", pe)
        oh, ow = _window_out(x[0], kernel[0], stride[0]), _window_out(x[1], kernel[1], stride[1])
        if oh <= 0 or ow <= 0:
            _fail(self, f"kernel {list(kernel)} is larger than the input {list(x[:2])}")
        if y != (oh, ow, x[2]):
            _fail(self, f"output shape must be {[oh, ow, x[2]]}")


@irdl_op_definition
class DWCOp(IRDLOperation):
    """Data width converter: the same frame, re-cut into words of another size.

    The element sequence (row-major) is unchanged, so the output may also view it with
    another shape of the same size (a flatten between a convolution and a dense layer).
    """

    name = "rpnn.dwc"
    input = operand_def(StreamType)
    output = result_def(StreamType)
    traits = traits_def(Pure())
    assembly_format = "$input attr-dict `:` type($input) `->` type($output)"

    def verify_(self) -> None:
        n_in = int(np.prod(_shape(self.input), dtype=np.int64))
        n_out = int(np.prod(_shape(self.output), dtype=np.int64))
        if n_in != n_out or _elt(self.output) != _elt(self.input):
            _fail(self, f"input ({n_in} elements) and output ({n_out} elements) must have the "
                  "same size and element type")


@irdl_op_definition
class FIFOOp(IRDLOperation):
    """A FIFO of `depth` words between two units."""

    name = "rpnn.fifo"
    input = operand_def(StreamType)
    output = result_def(StreamType)
    depth = prop_def(IntegerAttr[I64])
    ram_style = prop_def(StringAttr)
    traits = traits_def(Pure())
    assembly_format = (
        "$input `depth` `=` $depth `ram` `=` $ram_style attr-dict `:` type($input) `->` "
        "type($output)"
    )

    def verify_(self) -> None:
        if self.output.type != self.input.type:
            _fail(self, "output type must equal input type")
        _check_positive(self, depth=self.depth.value.data)
        _check_choice(self, "ram", self.ram_style.data, RAM_STYLES)


@irdl_op_definition
class DuplicateOp(IRDLOperation):
    """Copies one stream to several consumers (residual branches)."""

    name = "rpnn.duplicate"
    input = operand_def(StreamType)
    outputs = var_result_def(StreamType)
    traits = traits_def(Pure())
    assembly_format = "$input attr-dict `:` type($input) `->` type($outputs)"

    def verify_(self) -> None:
        if len(self.outputs) < 2:
            _fail(self, f"needs at least 2 outputs, got {len(self.outputs)}")
        if any(out.type != self.input.type for out in self.outputs):
            _fail(self, "every output type must equal the input type")


@irdl_op_definition
class AddStreamsOp(IRDLOperation):
    """Element-wise sum of two streams of one shape, PE channels per cycle."""

    name = "rpnn.add_streams"
    lhs = operand_def(StreamType)
    rhs = operand_def(StreamType)
    output = result_def(StreamType)
    pe = prop_def(IntegerAttr[I64])
    traits = traits_def(Pure())
    assembly_format = (
        "$lhs `,` $rhs `pe` `=` $pe attr-dict `:` type($lhs) `,` type($rhs) `->` type($output)"
    )

    def verify_(self) -> None:
        shape = _shape(self.lhs)
        if _shape(self.rhs) != shape or _shape(self.output) != shape:
            _fail(self, "operands and output must have the same shape")
        if not all(dtypes.is_integer_like(_elt(v)) for v in (self.lhs, self.rhs)):
            _fail(self, "operands must be integer streams")
        if not dtypes.is_int(_elt(self.output)):
            _fail(self, "output must be siN/uiN")
        lo_l, hi_l = dtypes.element_range(_elt(self.lhs))
        lo_r, hi_r = dtypes.element_range(_elt(self.rhs))
        if not dtypes.contains(_elt(self.output), lo_l + lo_r, hi_l + hi_r):
            _fail(self, f"output type {dtypes.type_str(_elt(self.output))} cannot hold sums "
                  f"[{lo_l + lo_r}, {hi_l + hi_r}]")
        pe = self.pe.value.data
        _check_divides(self, "channels", shape[-1], "PE", pe)
        for value in (self.lhs, self.rhs, self.output):
            _check_word(self, value, "PE", pe)


@irdl_op_definition
class LabelSelectOp(IRDLOperation):
    """Indices of the k largest of L values, largest first, ties to the lower index."""

    name = "rpnn.label_select"
    input = operand_def(StreamType)
    output = result_def(StreamType)
    k = prop_def(IntegerAttr[I64])
    pe = prop_def(IntegerAttr[I64])
    traits = traits_def(Pure())
    assembly_format = (
        "$input `k` `=` $k `pe` `=` $pe attr-dict `:` type($input) `->` type($output)"
    )

    def verify_(self) -> None:
        x, k = _shape(self.input), self.k.value.data
        if len(x) != 1:
            _fail(self, f"input must be a vector of labels, got shape {list(x)}")
        if not dtypes.is_integer_like(_elt(self.input)):
            _fail(self, "input must be an integer stream")
        if not 1 <= k <= x[0]:
            _fail(self, f"k ({k}) must be between 1 and the number of labels ({x[0]})")
        pe = self.pe.value.data
        _check_divides(self, "labels", x[0], "PE", pe)
        _check_word(self, self.input, "PE", pe)
        out = _elt(self.output)
        if _shape(self.output) != (k,) or not dtypes.is_int(out):
            _fail(self, f"output must be a stream of {k} siN/uiN indices")
        if not dtypes.contains(out, 0, x[0] - 1):
            _fail(self, f"output type {dtypes.type_str(out)} cannot hold label {x[0] - 1}")


@irdl_op_definition
class PadOp(IRDLOperation):
    """Pads [H, W, C] by [top, left, bottom, right] pixels of `value`."""

    name = "rpnn.pad"
    input = operand_def(StreamType)
    output = result_def(StreamType)
    padding = prop_def(DenseArrayBase[I64])
    value = prop_def(IntegerAttr[I64])
    simd = prop_def(IntegerAttr[I64])
    traits = traits_def(Pure())
    assembly_format = (
        "$input `padding` `=` $padding `value` `=` $value `simd` `=` $simd attr-dict `:` "
        "type($input) `->` type($output)"
    )

    def verify_(self) -> None:
        x, y, padding = _shape(self.input), _shape(self.output), _ints(self.padding)
        if len(x) != 3 or len(padding) != 4 or min(padding) < 0:
            _fail(self, "input must be [H, W, C] and padding 4 non-negative values")
        elt = _elt(self.input)
        if _elt(self.output) != elt or not dtypes.is_integer_like(elt):
            _fail(self, "input and output must have the same integer element type")
        value = self.value.value.data
        if not dtypes.fits(elt, np.array([value])):
            _fail(self, f"pad value {value} is not a value of {dtypes.type_str(elt)}")
        simd = self.simd.value.data
        _check_divides(self, "channels", x[2], "SIMD", simd)
        _check_word(self, self.input, "SIMD", simd)
        _check_word(self, self.output, "SIMD", simd)
        expected = (x[0] + padding[0] + padding[2], x[1] + padding[1] + padding[3], x[2])
        if y != expected:
            _fail(self, f"output shape must be {list(expected)}")


@irdl_op_definition
class PartitionOp(IRDLOperation):
    """The units placed on one device, or on one super logic region of it when `slr` is
    given (without it the partition may use the whole device); streams cross its border."""

    name = "rpnn.partition"
    inputs = var_operand_def(StreamType)
    outputs = var_result_def(StreamType)
    device = prop_def(StringAttr)
    slr = opt_prop_def(IntegerAttr[I64])
    body = region_def("single_block")
    traits = traits_def(IsolatedFromAbove())
    assembly_format = (
        "`(` $inputs `)` `device` `=` $device (`slr` `=` $slr^)? attr-dict `:` "
        "functional-type($inputs, $outputs) $body"
    )

    def verify_(self) -> None:
        if self.slr is not None and self.slr.value.data < 0:
            _fail(self, f"slr ({self.slr.value.data}) must not be negative")
        block = self.body.block
        arg_types = [arg.type for arg in block.args]
        if arg_types != [v.type for v in self.inputs]:
            _fail(self, "block arguments must match the input stream types")
        terminator = block.last_op
        if not isinstance(terminator, YieldOp):
            _fail(self, "body must end with rpnn.yield")
        assert isinstance(terminator, YieldOp)
        if [v.type for v in terminator.values] != [r.type for r in self.outputs]:
            _fail(self, "rpnn.yield operands must match the result types")


@irdl_op_definition
class YieldOp(IRDLOperation):
    """Returns the streams leaving an `rpnn.partition`."""

    name = "rpnn.yield"
    values = var_operand_def(StreamType)
    traits = traits_def(IsTerminator(), HasParent(PartitionOp), Pure())
    assembly_format = "($values^ `:` type($values))? attr-dict"


RPNN = Dialect(
    "rpnn",
    [
        ConstantOp,
        QuantOp,
        TruncOp,
        BipolarQuantOp,
        MatMulOp,
        Conv2dOp,
        AddOp,
        MulOp,
        DivOp,
        BatchNormOp,
        ReluOp,
        MaxPoolOp,
        ReshapeOp,
        TransposeOp,
        MultiThresholdOp,
        ScaleBiasOp,
        TopKOp,
        TensorToStreamOp,
        StreamToTensorOp,
        MVTUOp,
        DepthwiseOp,
        ThresholdingOp,
        SWGOp,
        StreamMaxPoolOp,
        DWCOp,
        FIFOOp,
        DuplicateOp,
        AddStreamsOp,
        LabelSelectOp,
        PadOp,
        PartitionOp,
        YieldOp,
    ],
    [BipolarType, StreamType],
)
