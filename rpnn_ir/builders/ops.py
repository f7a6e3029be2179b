"""One builder method per rpnn op: the single place where modules are assembled op by op.

    fn = FunctionBuilder(tensor([1, 4], F32))
    q = fn.quant(fn.args[0], scale=0.5, bits=4, signed=True)
    module = fn.finish(q)

Every level is here (graph, integer and dataflow): the example networks, the dataflow
network builders, the hypothesis strategies, the tests and the benchmarks all call these
methods instead of constructing ops by hand, so an op's properties are spelled once.  Each
method takes the result element type explicitly where the op has a choice (accumulator and
output types) and computes result shapes itself.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    FloatAttr,
    FunctionType,
    IntegerAttr,
    ModuleOp,
    StringAttr,
    TensorType,
    f32,
    i64,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue

from rpnn_ir import dtypes
from rpnn_ir.dialects import rpnn

F32 = f32
BIPOLAR = rpnn.BipolarType()


# --------------------------------------------------------------------------- types and attributes


def si(width: int) -> Attribute:
    """The signed integer type of `width` bits."""
    return dtypes.int_type(width, signed=True)


def ui(width: int) -> Attribute:
    """The unsigned integer type of `width` bits."""
    return dtypes.int_type(width, signed=False)


def tensor(shape: Sequence[int], element_type: Attribute) -> TensorType:
    return TensorType(element_type, list(shape))


def stream(shape: Sequence[int], element_type: Attribute, word: int = 1) -> rpnn.StreamType:
    return rpnn.StreamType(list(shape), element_type, word)


def ints(values: Sequence[int]) -> DenseArrayBase:
    """An i64 dense array property (kernel, stride, padding, perm)."""
    return DenseArrayBase.from_list(i64, [int(v) for v in values])


def i64_attr(value: int) -> IntegerAttr:
    return IntegerAttr(int(value), i64)


def dense_f32(values: np.ndarray | float | Sequence[float]) -> DenseIntOrFPElementsAttr:
    """An f32 dense attribute from raw bytes; a Python scalar gives a rank-0 `tensor<f32>`."""
    return dtypes.numpy_to_dense(np.asarray(values, dtype=np.float32), f32)


def shape_of(value: SSAValue) -> tuple[int, ...]:
    """The shape of a tensor or stream value."""
    return tuple(value.type.get_shape())  # type: ignore[attr-defined]


def elt_of(value: SSAValue) -> Attribute:
    """The element type of a tensor or stream value."""
    return value.type.element_type  # type: ignore[attr-defined]


def window_out(size: int, kernel: int, stride: int, pad: int = 0, dilation: int = 1) -> int:
    """Output size of a sliding window along one axis (ONNX Conv/MaxPool, floor mode)."""
    return (size + pad - dilation * (kernel - 1) - 1) // stride + 1


def random_values(rng: np.random.Generator, elt: Attribute, shape: Sequence[int],
                  narrow: bool = False) -> np.ndarray:
    """Uniform random int64 values of an integer-like type (bipolar: +-1).

    With `narrow`, a signed type loses its most negative value (ternary at 2 bits), as the
    weight quantizers of BNN-PYNQ and Brevitas produce."""
    if dtypes.is_bipolar(elt):
        return rng.choice(np.array([-1, 1], dtype=np.int64), size=tuple(shape))
    lo, hi = dtypes.element_range(elt)
    if narrow and lo < 0:
        lo = -hi
    return rng.integers(lo, hi + 1, size=tuple(shape), dtype=np.int64)


def dot_bounds(x: tuple[int, int], w: np.ndarray, axis: int) -> tuple[int, int]:
    """Exact [min, max] over the dot products of `w` along `axis` with inputs in `x`.

    The bounds the accumulator type of a dense or depthwise layer must hold for these
    weights (each weight meets the input extreme that pushes its product out furthest)."""
    lo, hi = x
    pos, neg = np.maximum(w, 0), np.minimum(w, 0)
    return (int((pos * lo + neg * hi).sum(axis=axis).min()),
            int((pos * hi + neg * lo).sum(axis=axis).max()))


def divisors(n: int) -> list[int]:
    """The legal foldings (PE, SIMD, word sizes) of a dimension of `n` elements."""
    return [d for d in range(1, n + 1) if n % d == 0]


# --------------------------------------------------------------------------- the builder


class FunctionBuilder:
    """The body of one function under construction; `finish` wraps it in a verified module."""

    def __init__(self, *arg_types: Attribute):
        self.arg_types = list(arg_types)
        self.block = Block(arg_types=self.arg_types)

    @classmethod
    def on_block(cls, block: Block) -> FunctionBuilder:
        """Builders appending to an existing block (the body of a region)."""
        fn = cls.__new__(cls)
        fn.arg_types = [arg.type for arg in block.args]
        fn.block = block
        return fn

    @property
    def args(self) -> tuple[SSAValue, ...]:
        return tuple(self.block.args)

    def add_arg(self, typ: Attribute, name: str | None = None) -> SSAValue:
        """A new function argument of type `typ` (after the existing ones)."""
        self.arg_types.append(typ)
        arg = self.block.insert_arg(typ, len(self.block.args))
        if name is not None:
            arg.name_hint = name
        return arg

    def add(self, op: Operation) -> SSAValue:
        """Append `op`; return its first result."""
        self.block.add_op(op)
        return op.results[0]

    def finish(self, *results: SSAValue, name: str = "main") -> ModuleOp:
        """Return `results`, wrap the function in a module and verify it."""
        self.block.add_op(func.ReturnOp(*results))
        ftype = FunctionType.from_lists(self.arg_types, [r.type for r in results])
        module = ModuleOp([func.FuncOp(name, ftype, Region(self.block))])
        module.verify()
        return module

    # ------------------------------------------------------------------ graph and integer level

    def const(self, values: np.ndarray, element_type: Attribute) -> SSAValue:
        values = np.asarray(values)
        if element_type == F32:
            values = values.astype(np.float32)
        return self.add(rpnn.ConstantOp.from_numpy(values, element_type))

    def quant(self, x: SSAValue, *, scale, bits: int, signed: bool, zero_point=0.0,
              narrow: bool = False, mode: str = "ROUND", out: Attribute = F32) -> SSAValue:
        return self.add(rpnn.QuantOp.from_params(
            x, tensor(shape_of(x), out), scale=scale, bits=bits, signed=signed, narrow=narrow,
            zero_point=zero_point, rounding=mode))

    def trunc(self, x: SSAValue, *, scale, zero_point=0.0, shift: int, out_scale=None,
              out_zero_point=None, bits: int | None = None, signed: bool = False,
              narrow: bool = False, mode: str = "FLOOR") -> SSAValue:
        """rpnn.trunc; out_scale and out_zero_point default to scale and zero_point (v1)."""
        return self.add(rpnn.TruncOp.from_params(
            x, tensor(shape_of(x), F32), scale=scale, zero_point=zero_point, shift=shift,
            out_scale=scale if out_scale is None else out_scale,
            out_zero_point=zero_point if out_zero_point is None else out_zero_point,
            bits=bits, signed=signed, narrow=narrow, rounding=mode))

    def bipolar_quant(self, x: SSAValue, scale, out: Attribute = F32) -> SSAValue:
        return self.add(rpnn.BipolarQuantOp(
            operands=[x], result_types=[tensor(shape_of(x), out)],
            properties={"scale": dense_f32(scale)}))

    def matmul(self, x: SSAValue, w: SSAValue, out: Attribute) -> SSAValue:
        shape = (*shape_of(x)[:-1], shape_of(w)[1])
        return self.add(rpnn.MatMulOp(operands=[x, w], result_types=[tensor(shape, out)]))

    def conv2d(self, x: SSAValue, w: SSAValue, out: Attribute, stride=(1, 1),
               padding=(0, 0, 0, 0), dilation=(1, 1), groups: int = 1) -> SSAValue:
        n, _, h, wd = shape_of(x)
        o, _, kh, kw = shape_of(w)
        oh = window_out(h, kh, stride[0], padding[0] + padding[2], dilation[0])
        ow = window_out(wd, kw, stride[1], padding[1] + padding[3], dilation[1])
        return self.add(rpnn.Conv2dOp(
            operands=[x, w], result_types=[tensor([n, o, oh, ow], out)],
            properties={"stride": ints(stride), "padding": ints(padding),
                        "dilation": ints(dilation), "groups": i64_attr(groups)}))

    def binary(self, op_type: type[Operation], a: SSAValue, b: SSAValue,
               out: Attribute) -> SSAValue:
        """An element-wise op of two broadcast operands (rpnn.add, rpnn.mul, rpnn.div)."""
        shape = np.broadcast_shapes(shape_of(a), shape_of(b))
        return self.add(op_type(operands=[a, b], result_types=[tensor(shape, out)]))

    def relu(self, x: SSAValue, out: Attribute | None = None) -> SSAValue:
        return self.add(rpnn.ReluOp(operands=[x],
                                    result_types=[tensor(shape_of(x), out or elt_of(x))]))

    def batchnorm(self, x: SSAValue, scale, bias, mean, var, epsilon: float) -> SSAValue:
        return self.add(rpnn.BatchNormOp(
            operands=[x], result_types=[x.type],
            properties={"scale": dense_f32(scale), "bias": dense_f32(bias),
                        "mean": dense_f32(mean), "var": dense_f32(var),
                        "epsilon": FloatAttr(epsilon, f32)}))

    def maxpool(self, x: SSAValue, kernel, stride, padding=(0, 0, 0, 0)) -> SSAValue:
        n, c, h, w = shape_of(x)
        oh = window_out(h, kernel[0], stride[0], padding[0] + padding[2])
        ow = window_out(w, kernel[1], stride[1], padding[1] + padding[3])
        return self.add(rpnn.MaxPoolOp(
            operands=[x], result_types=[tensor([n, c, oh, ow], elt_of(x))],
            properties={"kernel": ints(kernel), "stride": ints(stride),
                        "padding": ints(padding)}))

    def reshape(self, x: SSAValue, shape: Sequence[int]) -> SSAValue:
        return self.add(rpnn.ReshapeOp(operands=[x], result_types=[tensor(shape, elt_of(x))]))

    def transpose(self, x: SSAValue, perm: Sequence[int]) -> SSAValue:
        shape = [shape_of(x)[p] for p in perm]
        return self.add(rpnn.TransposeOp(operands=[x], result_types=[tensor(shape, elt_of(x))],
                                         properties={"perm": ints(perm)}))

    def multithreshold(self, x: SSAValue, t: SSAValue, out: Attribute,
                       out_scale: float | None = None,
                       out_bias: float | None = None) -> SSAValue:
        props: dict[str, Attribute] = {}
        if out_scale is not None:
            props["out_scale"] = FloatAttr(out_scale, f32)
        if out_bias is not None:
            props["out_bias"] = FloatAttr(out_bias, f32)
        return self.add(rpnn.MultiThresholdOp(
            operands=[x, t], result_types=[tensor(shape_of(x), out)], properties=props))

    def scale_bias(self, x: SSAValue, scale, bias) -> SSAValue:
        return self.add(rpnn.ScaleBiasOp(
            operands=[x], result_types=[tensor(shape_of(x), F32)],
            properties={"scale": dense_f32(scale), "bias": dense_f32(bias)}))

    def topk(self, x: SSAValue, k: int, out: Attribute) -> SSAValue:
        shape = (*shape_of(x)[:-1], k)
        return self.add(rpnn.TopKOp(operands=[x], result_types=[tensor(shape, out)],
                                    properties={"k": i64_attr(k)}))

    # ------------------------------------------------------------------ dataflow level

    def to_stream(self, x: SSAValue, word: int = 1) -> SSAValue:
        typ = stream(shape_of(x)[1:], elt_of(x), word)
        return self.add(rpnn.TensorToStreamOp(operands=[x], result_types=[typ]))

    def to_tensor(self, s: SSAValue, batch: int = 1) -> SSAValue:
        typ = tensor([batch, *shape_of(s)], elt_of(s))
        return self.add(rpnn.StreamToTensorOp(operands=[s], result_types=[typ]))

    def _unit(self, op_type: type[Operation], s: SSAValue, w: SSAValue, t: SSAValue | None,
              out_shape: Sequence[int], acc: Attribute, out: Attribute | None, *, pe: int = 1,
              simd: int = 1, out_bias: int | None = None, resource: str = "lut",
              ram_style: str = "auto") -> SSAValue:
        """An MVTU or depthwise unit: without thresholds `t` it outputs the accumulator."""
        out_elt = acc if t is None else out
        props: dict[str, Attribute] = {
            "pe": i64_attr(pe), "simd": i64_attr(simd), "acc_type": acc,
            "resource_type": StringAttr(resource), "ram_style": StringAttr(ram_style),
        }
        if out_bias is not None:
            props["out_bias"] = i64_attr(out_bias)
        return self.add(op_type(operands=[s, w, t],
                                result_types=[stream(out_shape, out_elt, pe)],
                                properties=props))

    def mvtu(self, s: SSAValue, w: SSAValue, acc: Attribute, t: SSAValue | None = None,
             out: Attribute | None = None, **unit) -> SSAValue:
        """rpnn.mvtu with weights `w` [MW, MH]; `unit`: pe, simd, out_bias, resource,
        ram_style (defaults 1, 1, none, "lut", "auto")."""
        out_shape = (*shape_of(s)[:-1], shape_of(w)[1])
        return self._unit(rpnn.MVTUOp, s, w, t, out_shape, acc, out, **unit)

    def depthwise(self, s: SSAValue, w: SSAValue, acc: Attribute, t: SSAValue | None = None,
                  out: Attribute | None = None, **unit) -> SSAValue:
        """rpnn.depthwise with weights `w` [channels, taps]; `unit` as for `mvtu`."""
        out_shape = (*shape_of(s)[:-1], shape_of(w)[0])
        return self._unit(rpnn.DepthwiseOp, s, w, t, out_shape, acc, out, **unit)

    def thresholding(self, s: SSAValue, t: SSAValue, out: Attribute, pe: int = 1,
                     out_bias: int | None = None) -> SSAValue:
        props: dict[str, Attribute] = {"pe": i64_attr(pe)}
        if out_bias is not None:
            props["out_bias"] = i64_attr(out_bias)
        return self.add(rpnn.ThresholdingOp(
            operands=[s, t], result_types=[stream(shape_of(s), out, pe)],
            properties=props))

    def swg(self, s: SSAValue, kernel, stride, simd: int = 1) -> SSAValue:
        h, w, c = shape_of(s)
        shape = (window_out(h, kernel[0], stride[0]), window_out(w, kernel[1], stride[1]),
                 kernel[0] * kernel[1] * c)
        return self.add(rpnn.SWGOp(
            operands=[s], result_types=[stream(shape, elt_of(s), simd)],
            properties={"kernel": ints(kernel), "stride": ints(stride),
                        "simd": i64_attr(simd)}))

    def stream_maxpool(self, s: SSAValue, kernel, stride, pe: int = 1) -> SSAValue:
        h, w, c = shape_of(s)
        shape = (window_out(h, kernel[0], stride[0]), window_out(w, kernel[1], stride[1]), c)
        return self.add(rpnn.StreamMaxPoolOp(
            operands=[s], result_types=[stream(shape, elt_of(s), pe)],
            properties={"kernel": ints(kernel), "stride": ints(stride), "pe": i64_attr(pe)}))

    def pad(self, s: SSAValue, padding, value: int, simd: int = 1) -> SSAValue:
        h, w, c = shape_of(s)
        shape = (h + padding[0] + padding[2], w + padding[1] + padding[3], c)
        return self.add(rpnn.PadOp(
            operands=[s], result_types=[stream(shape, elt_of(s), simd)],
            properties={"padding": ints(padding), "value": i64_attr(value),
                        "simd": i64_attr(simd)}))

    def add_streams(self, a: SSAValue, b: SSAValue, out: Attribute, pe: int = 1) -> SSAValue:
        return self.add(rpnn.AddStreamsOp(
            operands=[a, b], result_types=[stream(shape_of(a), out, pe)],
            properties={"pe": i64_attr(pe)}))

    def label_select(self, s: SSAValue, k: int, out: Attribute, pe: int = 1) -> SSAValue:
        return self.add(rpnn.LabelSelectOp(
            operands=[s], result_types=[stream([k], out, 1)],
            properties={"k": i64_attr(k), "pe": i64_attr(pe)}))

    def duplicate(self, s: SSAValue, copies: int = 2) -> tuple[SSAValue, ...]:
        op = rpnn.DuplicateOp(operands=[s], result_types=[[s.type] * copies])
        self.block.add_op(op)
        return tuple(op.results)

    def dwc(self, s: SSAValue, word: int, shape: Sequence[int] | None = None) -> SSAValue:
        """A width converter to `word` elements per word (and a new `shape`: a flatten)."""
        typ = stream(shape_of(s) if shape is None else shape, elt_of(s), word)
        return self.add(rpnn.DWCOp(operands=[s], result_types=[typ]))

    def fifo(self, s: SSAValue, depth: int = 2, ram_style: str = "auto") -> SSAValue:
        return self.add(rpnn.FIFOOp(
            operands=[s], result_types=[s.type],
            properties={"depth": i64_attr(depth), "ram_style": StringAttr(ram_style)}))
