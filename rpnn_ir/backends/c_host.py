"""The host part of a dataflow-level function in C: what runs before and after the FPGA part.

`rpnn-c` emits, beside the integer entry point of the FPGA part, a whole-network entry point
`rpnn_forward_f32` (docs/backends.md) when every host op of the function is one this module
implements:

- before the FPGA (on each input frame): `rpnn.mul` / `rpnn.add` (with constants or values
  of the same shape), `rpnn.div` (by a constant), `rpnn.quant`, `rpnn.bipolar_quant`,
  `rpnn.transpose` (frame axes only), `rpnn.reshape`;
- after it (on each output frame): the same ops plus `rpnn.scale_bias` and `rpnn.topk`, and
  in a function marked ``rpnn.float_tail = "onnx"`` also f32 `rpnn.matmul` (by a constant),
  `rpnn.batchnorm` and `rpnn.relu`.

Arithmetic follows `rpnn_ir.interp` exactly: f32 values are carried in double (the
interpreter's float64), constants are written as C99 hexadecimal floating literals (exact),
each op is one IEEE operation in the interpreter's order (the file is compiled without
floating-point contraction), and results go out as float (the interpreter returns f32
results as float32).  In an "onnx" function every f32 result is rounded to float as it is
computed (a sum, product or quotient of two floats evaluated in double and rounded once is
the float operation's result), quantizers compute in float as qonnx does, and matmuls
repeat MLAS's single-row kernels in float arithmetic (`interp.onnx_matmul_m1`,
`interp.onnx_matmul_m1_transposed_b`).  `plan` returns None, with the reason, for a function
it cannot emit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.ir import Block, Operation, SSAValue

from rpnn_ir import dtypes, interp
from rpnn_ir.dialects import rpnn

HOST_OPS = (rpnn.MulOp, rpnn.AddOp, rpnn.DivOp, rpnn.QuantOp, rpnn.BipolarQuantOp,
            rpnn.TransposeOp, rpnn.ReshapeOp, rpnn.ScaleBiasOp, rpnn.TopKOp)
"""Host ops `rpnn_forward_f32` implements (besides constants and the stream boundary)."""
ONNX_HOST_OPS = (*HOST_OPS, rpnn.MatMulOp, rpnn.BatchNormOp, rpnn.ReluOp)
"""... and in a function with onnx float semantics."""
FUSED_OPS = (rpnn.MulOp, rpnn.AddOp, rpnn.DivOp, rpnn.QuantOp, rpnn.BipolarQuantOp,
             rpnn.TransposeOp, rpnn.ReshapeOp, rpnn.ScaleBiasOp)
"""Element-wise host ops, all those allowed before the FPGA part (inlined per element in
the fused loops; a function with onnx float semantics emits them op by op instead)."""


def _rounding(mode: str, body: str) -> str:
    return f"RPNN_VECTORIZE static double rpnn_round_{mode}(double v)\n{{\n{body}}}\n"


_HALF_EVEN = ("    /* v is clipped to a quantizer's range (|v| < 2^33): adding and subtracting\n"
              "     * 1.5 * 2^52 rounds it to an integer, half to even in the default rounding\n"
              "     * mode, like np.round (copysign keeps -0.0), without the library call\n"
              "     * nearbyint is on x86-64 without SSE4.1. Needs double arithmetic as written\n"
              "     * (FLT_EVAL_METHOD 0, no -ffast-math). */\n"
              "#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0\n"
              "    double shifted = v + 6755399441055744.0;\n"
              "    return copysign(shifted - 6755399441055744.0, v);\n"
              "#else\n"
              "    return nearbyint(v);\n"
              "#endif\n")
ROUNDING = {
    "round": _rounding("round", _HALF_EVEN),
    "half_even": _rounding("half_even", _HALF_EVEN),
    "ceil": _rounding("ceil", "    return ceil(v);\n"),
    "floor": _rounding("floor", "    return floor(v);\n"),
    "up": _rounding("up", "    return v < 0.0 ? -ceil(-v) : ceil(v);\n"),
    "down": _rounding("down", "    return trunc(v);\n"),
    "half_up": _rounding("half_up", "    double n = floor(fabs(v));\n"
                         "    n = fabs(v) - n >= 0.5 ? n + 1.0 : n;\n"
                         "    return v < 0.0 ? -n : n;\n"),
    "half_down": _rounding("half_down", "    double n = floor(fabs(v));\n"
                           "    n = fabs(v) - n > 0.5 ? n + 1.0 : n;\n"
                           "    return v < 0.0 ? -n : n;\n"),
}
ROUNDING["clip"] = """\
/* np.clip(v, lo, hi) (NaN stays NaN): the selections of SSE maxsd/minsd, which compilers use
 * for them (and vector max/min in the vectorised host loops, see RPNN_VECTORIZE). */
RPNN_VECTORIZE static double rpnn_clip(double v, double lo, double hi)
{
    v = lo > v ? lo : v;
    return hi < v ? hi : v;
}
"""
"""C helpers of `interp.round_mode` (values already clipped to the quantizer's range)."""


class Unsupported(Exception):
    """The function's host part has something the C host code does not implement."""


def _frame_shape(value: SSAValue) -> tuple[int, ...]:
    """The shape of one frame of a host tensor (declared batch 1 on axis 0)."""
    typ = value.type
    if not isinstance(typ, TensorType):
        raise Unsupported(f"host value of type {typ} is not a tensor")
    shape = tuple(typ.get_shape())
    if not shape or shape[0] != 1:
        raise Unsupported("host tensors need a leading batch dimension of 1")
    return shape[1:]


def _is_float(value: SSAValue) -> bool:
    typ = value.type
    assert isinstance(typ, TensorType)
    return dtypes.is_float(typ.element_type)


def _double(value: float) -> str:
    """An exact C99 literal of a double."""
    if not np.isfinite(value):
        raise Unsupported("a host constant is not finite")
    return float(value).hex()


def _float(value: float) -> str:
    """An exact C99 literal of a float (`value` must be an f32 number)."""
    if np.float64(np.float32(value)) != np.float64(value):
        raise Unsupported("a host constant of an onnx float op is not an f32 value")
    return _double(value) + "f"


@dataclass
class Port:
    """An argument or result of the whole-network entry point."""

    ctype: str  # float or int64_t
    elems: int


@dataclass
class HostCode:
    """C code of the host part of one function (see `plan`)."""

    inputs: list[Port]
    outputs: list[Port]
    data: list[str] = field(default_factory=list)
    pre: list[str] = field(default_factory=list)  # statements per input frame
    post: list[str] = field(default_factory=list)  # statements per output frame
    doubles: int = 0  # per-frame scratch (double) the statements use
    ints: int = 0  # per-frame scratch (int64_t)


class _HostEmitter:
    """Emits the per-frame statements; names: a<k> arguments, q<k> FPGA output ports,
    p<k> FPGA input ports, o<k> results, hd/hi scratch, h<n>_c constants."""

    def __init__(self, func_op: func.FuncOp, port_in: dict[SSAValue, int],
                 port_out: dict[SSAValue, int]):
        self.func_op = func_op
        self.onnx = interp.float_tail(func_op) == "onnx"  # f32 ops as onnxruntime rounds
        self.port_in = port_in  # tensor_to_stream input value -> FPGA input index
        self.port_out = port_out  # stream_to_tensor result -> FPGA output index
        self.refs: dict[SSAValue, str] = {}  # value -> C array expression of one frame
        self.constants: dict[SSAValue, np.ndarray] = {}
        self.code = HostCode([], [])
        self.count = 0
        self.rounding: set[str] = set()
        self.after = False  # emitting the post-FPGA statements
        self.pre_values: set[SSAValue] = set()  # scratch values of the pre-FPGA part

    # ---- values ------------------------------------------------------------------

    def element(self, value: SSAValue, shape: tuple[int, ...], index: str = "i") -> str:
        """C expression of element `index` of `value` broadcast to a frame of `shape`."""
        if value in self.constants:
            full = np.broadcast_to(self.constants[value], (1, *shape)) if (
                self.constants[value].ndim <= len(shape) + 1) else None
            if full is None:
                raise Unsupported("a host constant has more axes than its use")
            return self.table(full.reshape(-1), _is_float(value), index)
        if value not in self.refs:
            raise Unsupported("a host value is used where it is not computed")
        if self.after and value in self.pre_values:
            raise Unsupported("a value computed before the FPGA is used after it")
        if _frame_shape(value) != shape:
            raise Unsupported("host ops broadcasting between two computed values")
        return f"{self.refs[value]}[{index}]"

    def table(self, values: np.ndarray, is_float: bool, index: str) -> str:
        """A scalar literal, or a static table indexed by `index`."""
        lit = _double if is_float else (lambda v: f"INT64_C({int(v)})")
        if values.size and np.all(values == values[0]):
            return f"({lit(values[0])})"
        self.count += 1
        name = f"h{self.count}_c"
        ctype = "double" if is_float else "int64_t"
        body = ",\n".join("    " + ", ".join(lit(v) for v in values[k:k + 8])
                          for k in range(0, values.size, 8))
        self.code.data.append(f"static const {ctype} {name}[{values.size}] = {{\n{body}\n}};\n")
        return f"{name}[{index}]"

    def scratch(self, value: SSAValue) -> str:
        """A per-frame scratch array for `value`."""
        elems = int(np.prod(_frame_shape(value), dtype=np.int64))
        if _is_float(value):
            ref, self.code.doubles = f"(hd + {self.code.doubles})", self.code.doubles + elems
        else:
            ref, self.code.ints = f"(hi + {self.code.ints})", self.code.ints + elems
        self.refs[value] = ref
        return ref

    # ---- ops ---------------------------------------------------------------------

    def loop(self, out: list[str], value: SSAValue, expression: str) -> None:
        shape = _frame_shape(value)
        ref = self.scratch(value)
        elems = int(np.prod(shape, dtype=np.int64))
        out.append(f"for (i = 0; i < {elems}; ++i)\n        {ref}[i] = {expression};")

    def op(self, op: Operation, out: list[str]) -> None:
        if isinstance(op, rpnn.ConstantOp):
            self.constants[op.output] = dtypes.dense_to_numpy(op.value)
            return
        if not isinstance(op, ONNX_HOST_OPS if self.onnx else HOST_OPS):
            raise Unsupported(f"{op.name} on the host")
        result = op.results[0]
        shape = _frame_shape(result)
        if isinstance(op, rpnn.MulOp | rpnn.AddOp | rpnn.DivOp):
            symbol = {rpnn.MulOp: "*", rpnn.AddOp: "+", rpnn.DivOp: "/"}[type(op)]
            cast = "(double)" if _is_float(result) else "(int64_t)"
            a, b = self.element(op.lhs, shape), self.element(op.rhs, shape)
            self.loop(out, result, self.rounded(result, f"{cast}{a} {symbol} {cast}{b}"))
        elif isinstance(op, rpnn.MatMulOp):
            self.matmul(op, out)
        elif isinstance(op, rpnn.BatchNormOp):
            self.batchnorm(op, shape, out)
        elif isinstance(op, rpnn.ReluOp):
            self.loop(out, result, f"{self.element(op.input, shape)} > 0.0 ? "
                      f"{self.element(op.input, shape)} : 0.0")
        elif isinstance(op, rpnn.QuantOp):
            self.quant(op, shape, out)
        elif isinstance(op, rpnn.BipolarQuantOp):
            x = self.element(op.input, shape)
            if _is_float(result):
                scale = self.table(_broadcast(op.scale, shape), True, "i")
                self.loop(out, result, f"(2.0 * (double)({x} >= 0.0) - 1.0) * {scale}")
            else:
                self.loop(out, result, f"2 * (int64_t)({x} >= 0.0) - 1")
        elif isinstance(op, rpnn.TransposeOp):
            name = self.gather(op)
            self.loop(out, result, self.element(op.input, _frame_shape(op.input), f"{name}[i]"))
        elif isinstance(op, rpnn.ReshapeOp):
            self.loop(out, result, self.element(op.input, _frame_shape(op.input)))
        elif isinstance(op, rpnn.ScaleBiasOp):
            x = self.element(op.input, shape)
            if self.onnx:  # x * scale, then + bias, each rounded to float (f32 parameters)
                scale = self.table(_broadcast(op.scale, shape, True), True, "i")
                bias = self.table(_broadcast(op.bias, shape, True), True, "i")
                product = self.rounded(result, f"(double){x} * {scale}")
                self.loop(out, result, self.rounded(result, f"{product} + {bias}"))
            else:
                scale = self.table(_broadcast(op.scale, shape), True, "i")
                bias = self.table(_broadcast(op.bias, shape), True, "i")
                self.loop(out, result, f"(double){x} * {scale} + {bias}")
        else:
            assert isinstance(op, rpnn.TopKOp)
            self.topk(op, out)

    def rounded(self, value: SSAValue, expression: str) -> str:
        """`expression` rounded to float when `value` is an f32 value of an onnx function."""
        if self.onnx and _is_float(value):
            return f"(double)(float)({expression})"
        return expression

    def matmul(self, op: rpnn.MatMulOp, out: list[str]) -> None:
        """One frame of an f32 matmul by constant weights, in MLAS's single-row kernel order
        (interp.onnx_matmul_m1 / onnx_matmul_m1_transposed_b), in float arithmetic."""
        attr = op.attributes.get(interp.ORT_KERNEL_ATTR)
        kernel = attr.data if attr is not None else "m1"
        if kernel not in interp.ORT_KERNELS[:2]:
            raise Unsupported(f"rpnn.matmul with {interp.ORT_KERNEL_ATTR} = {kernel}")
        if op.weights not in self.constants:
            raise Unsupported("rpnn.matmul by non-constant weights on the host")
        x_shape = _frame_shape(op.input)
        if int(np.prod(x_shape[:-1], dtype=np.int64)) != 1:
            raise Unsupported("an f32 matmul of several rows per frame")
        w = self.constants[op.weights].astype(np.float64)
        depth, columns = w.shape
        self.count += 1
        weights = f"h{self.count}_c"
        flat = w.reshape(-1)
        body = ",\n".join("    " + ", ".join(_float(v) for v in flat[k:k + 8])
                          for k in range(0, flat.size, 8))
        self.code.data.append(f"static const float {weights}[{flat.size}] = {{\n{body}\n}};\n")
        if op.input in self.constants:
            raise Unsupported("rpnn.matmul of a constant on the host")
        x = f"&{self.element(op.input, x_shape, '0')}"
        ref = self.scratch(op.output)
        if kernel == "m1":
            out.append(_M1_KERNEL.format(x=x, w=weights, y=ref, K=depth, N=columns))
        else:
            out.append(_M1_TRANSPOSED_B_KERNEL.format(x=x, w=weights, y=ref, K=depth,
                                                      N=columns, fours=columns - columns % 4,
                                                      twos=columns - columns % 2))

    def batchnorm(self, op: rpnn.BatchNormOp, shape: tuple[int, ...], out: list[str]) -> None:
        """ORT's formula (interp._onnx_batchnorm): y = x * new_scale + new_bias in float."""
        def vec(attr) -> np.ndarray:
            return dtypes.dense_to_numpy(attr).astype(np.float32)

        inv_std = np.float32(1) / np.sqrt(vec(op.var) + np.float32(op.epsilon.value.data))
        new_scale = inv_std * vec(op.scale)
        new_bias = vec(op.bias) - vec(op.mean) * new_scale
        layout = (-1,) + (1,) * (len(shape) - 1)
        full = (*shape,)
        ns = self.table(np.broadcast_to(new_scale.reshape(layout), full).reshape(-1)
                        .astype(np.float64), True, "i")
        nb = self.table(np.broadcast_to(new_bias.reshape(layout), full).reshape(-1)
                        .astype(np.float64), True, "i")
        x = self.element(op.input, shape)
        self.loop(out, op.output, f"(double)((float)((float){x} * (float){ns}) + (float){nb})")

    def quant(self, op: rpnn.QuantOp, shape: tuple[int, ...], out: list[str]) -> None:
        """`interp.quantize`: v = x / scale + zp, clip, round, - zp (then * scale for f32)."""
        if self.onnx:
            self.quant_onnx(op, shape, out)
            return
        body: list[str] = []
        value = self.quant_value(op, shape, self.element(op.input, shape), "i", body)
        ref = self.scratch(op.output)
        elems = int(np.prod(shape, dtype=np.int64))
        lines = "".join(f"        {line}\n" for line in body)
        out.append(f"for (i = 0; i < {elems}; ++i) {{\n{lines}        {ref}[i] = {value};\n"
                   "    }\n    if (nan)\n        return -2;")

    # ---- the pre-FPGA part: one fused loop per FPGA input ------------------------------

    def fused(self, value: SSAValue, index: str, body: list[str], memo: dict) -> str:
        """C expression of element `index` of the pre-FPGA `value`, its ops inlined as
        statements appended to `body` (one loop per FPGA input, no scratch arrays: the
        compiler keeps each element in registers and can vectorise the chain)."""
        key = (value, index)
        if key in memo:
            return memo[key]
        if value in self.constants or value in self.refs:
            return self.element(value, _frame_shape(value), index)
        op = value.owner
        if not isinstance(op, FUSED_OPS):
            raise Unsupported(f"{op.name} before the FPGA part")
        shape = _frame_shape(value)

        def operand(v: SSAValue) -> str:
            if v in self.constants:
                return self.element(v, shape, index)
            if _frame_shape(v) != shape:
                raise Unsupported("host ops broadcasting between two computed values")
            return self.fused(v, index, body, memo)

        if isinstance(op, rpnn.ReshapeOp):
            memo[key] = self.fused(op.input, index, body, memo)
            return memo[key]
        if isinstance(op, rpnn.TransposeOp):
            memo[key] = self.fused(op.input, f"{self.gather(op)}[{index}]", body, memo)
            return memo[key]
        if isinstance(op, rpnn.MulOp | rpnn.AddOp | rpnn.DivOp):
            symbol = {rpnn.MulOp: "*", rpnn.AddOp: "+", rpnn.DivOp: "/"}[type(op)]
            cast = "(double)" if _is_float(value) else "(int64_t)"
            expression = f"{cast}{operand(op.lhs)} {symbol} {cast}{operand(op.rhs)}"
        elif isinstance(op, rpnn.QuantOp):
            expression = self.quant_value(op, shape, operand(op.input), index, body)
        elif isinstance(op, rpnn.BipolarQuantOp):
            x = operand(op.input)
            if _is_float(value):
                scale = self.table(_broadcast(op.scale, shape), True, index)
                expression = f"(2.0 * (double)({x} >= 0.0) - 1.0) * {scale}"
            else:
                expression = f"2 * (int32_t)({x} >= 0.0) - 1"
        else:
            assert isinstance(op, rpnn.ScaleBiasOp)
            scale = self.table(_broadcast(op.scale, shape), True, index)
            bias = self.table(_broadcast(op.bias, shape), True, index)
            expression = f"(double){operand(op.input)} * {scale} + {bias}"
        self.count += 1
        name = f"t{self.count}"
        body.append(f"{_temp_ctype(op)} {name} = {expression};")
        memo[key] = name
        return name

    def gather(self, op: rpnn.TransposeOp) -> str:
        """A static table: element i of the transposed frame is element table[i] of the
        input frame."""
        perm = rpnn._ints(op.perm)
        if perm[0] != 0:
            raise Unsupported("rpnn.transpose moving the batch axis")
        source = _frame_shape(op.input)
        gather = np.arange(int(np.prod(source))).reshape(source).transpose(
            [p - 1 for p in perm[1:]]).reshape(-1)
        self.count += 1
        name = f"h{self.count}_g"
        body = ",\n".join("    " + ", ".join(map(str, gather[k:k + 16]))
                          for k in range(0, gather.size, 16))
        self.code.data.append(f"static const uint32_t {name}[{gather.size}] = {{\n"
                              f"{body}\n}};\n")
        return name

    def quant_value(self, op: rpnn.QuantOp, shape: tuple[int, ...], x: str, index: str,
                    body: list[str]) -> str:
        """`interp.quantize` of element `x` as statements in `body` (NaN noted in `nan`);
        returns the result's expression."""
        scales = _broadcast(op.scale, shape)
        scale = self.table(scales, True, index)
        zero_point = self.table(_broadcast(op.zero_point, shape), True, index)
        lo, hi = op.int_range()
        mantissa, _ = np.frexp(scales)
        if np.all(scales == 1.0):
            v = x  # x / 1 is x
        elif np.all(mantissa == 0.5):
            # x / 2^k equals x * 2^-k exactly (both are the correctly rounded x * 2^-k)
            v = f"{x} * {self.table(1.0 / scales, True, index)}"
        else:
            v = f"{x} / {scale}"
        # (+/- 0 only changes the sign of zero, lost on integers)
        no_zero_point = (np.all(_broadcast(op.zero_point, shape) == 0)
                         and not _is_float(op.output))
        if not no_zero_point:
            v += f" + {zero_point}"
        self.count += 1
        name = f"v{self.count}"
        body.append(f"double {name} = {v};")
        body.append(f"nan |= {name} != {name};")
        if op.bit_width.value.data == 1 and op.signed:
            q = f"2.0 * (double)({name} >= 0.0) - 1.0"  # no data-dependent branch
        else:
            mode = op.rounding_mode.data.lower()
            self.rounding.update((mode, "clip"))
            q = f"rpnn_round_{mode}(rpnn_clip({name}, {lo}.0, {hi}.0))"
        if _is_float(op.output):
            return f"(({q}) - {zero_point}) * {scale}"
        return f"({_temp_ctype(op)})({q})" if no_zero_point else (
            f"({_temp_ctype(op)})(({q}) - {zero_point})")

    def to_stream(self, op: rpnn.TensorToStreamOp, ctype: str, out: list[str]) -> None:
        """The fused loop computing FPGA input `op` from the function's arguments (in an
        onnx function: a copy of the value its op-by-op statements computed)."""
        if self.onnx:
            shape = _frame_shape(op.input)
            elems = int(np.prod(shape, dtype=np.int64))
            out.append(f"for (i = 0; i < {elems}; ++i)\n        p{self.port_in[op.output]}[i] = "
                       f"({ctype}){self.element(op.input, shape)};")
            return
        if self.threshold_stream(op, ctype, out):
            return
        body: list[str] = []
        value = self.fused(op.input, "i", body, {})
        elems = int(np.prod(_frame_shape(op.input), dtype=np.int64))
        lines = "".join(f"        {line}\n" for line in body)
        out.append(f"for (i = 0; i < {elems}; ++i) {{\n{lines}"
                   f"        p{self.port_in[op.output]}[i] = ({ctype}){value};\n    }}")
        if any("nan |=" in line for line in body):
            out.append("if (nan)\n        return -2;")

    def threshold_stream(self, op: rpnn.TensorToStreamOp, ctype: str, out: list[str]) -> bool:
        """FPGA input `op` as float32 comparisons, when it is a monotone chain (`_monotone_chain`)
        from an f32 argument to a few integer levels: the chain, as the interpreter computes it
        in float64, is evaluated at compile time to find per element the least float32 input
        reaching each level (bisection over the ordered float32 values), so the loop is one
        float comparison per level (16 lanes with AVX-512) instead of the double arithmetic.
        Exact for every float32 input; NaN is still reported."""
        value, transposes = op.input, []
        while isinstance(value.owner, rpnn.ReshapeOp | rpnn.TransposeOp):
            if isinstance(value.owner, rpnn.TransposeOp):
                transposes.append(value.owner)
            value = value.owner.input
        chain = _monotone_chain(value)
        if chain is None:
            return False
        arg, ops, levels = chain
        elems = int(np.prod(_frame_shape(op.input), dtype=np.int64))
        if int(np.prod(_frame_shape(arg), dtype=np.int64)) != elems:
            return False  # the argument is broadcast
        thresholds = _level_thresholds(arg, ops, levels, self.constants, elems)
        if thresholds is None:
            return False
        index = "i"
        for transpose in transposes:  # outermost first
            index = f"{self.gather(transpose)}[{index}]"
        steps = np.diff(levels)
        body = [f"float x = {self.refs[arg]}[{index}];", f"int32_t q = {int(levels[0])};",
                "nan |= x != x;"]
        for k, t in enumerate(thresholds):
            table = _float_table(self, t, index)
            step = f" * {int(steps[k])}" if steps[k] != 1 else ""
            body.append(f"q += (int32_t)(x >= {table}){step};")
        lines = "".join(f"        {line}\n" for line in body)
        out.append(f"for (i = 0; i < {elems}; ++i) {{\n{lines}"
                   f"        p{self.port_in[op.output]}[i] = ({ctype})q;\n    }}")
        out.append("if (nan)\n        return -2;")
        return True

    def quant_onnx(self, op: rpnn.QuantOp, shape: tuple[int, ...], out: list[str]) -> None:
        """`interp.quantize(onnx=True)`: qonnx's Quant in float arithmetic."""
        x = self.element(op.input, shape)
        scale = self.table(_broadcast(op.scale, shape, True), True, "i")
        zero_point = self.table(_broadcast(op.zero_point, shape, True), True, "i")
        lo, hi = op.int_range()
        v = f"(float)((float)({x} / {scale}) + (float){zero_point})"
        mode = op.rounding_mode.data.lower()
        if op.bit_width.value.data == 1 and op.signed:
            q, clip = "2.0 * (double)(v >= 0.0f) - 1.0", ""
        else:
            clip = f"        v = (float)rpnn_clip(v, {lo}.0, {hi}.0);\n"
            self.rounding.add("clip")
            if mode in ("half_up", "half_down"):  # qonnx's formulas, the sum in float
                step = ("floor((double)(float)(fabs((double)v) + 0.5))" if mode == "half_up"
                        else "ceil((double)(float)(fabs((double)v) - 0.5))")
                q = f"(v < 0.0f ? -1.0 : v > 0.0f ? 1.0 : 0.0) * (double){step}"
            else:
                self.rounding.add(mode)
                q = f"rpnn_round_{mode}((double)v)"
        ref = self.scratch(op.output)
        elems = int(np.prod(shape, dtype=np.int64))
        store = (f"(double)(float)((q - {zero_point}) * {scale})" if _is_float(op.output)
                 else f"(int64_t)(q - {zero_point})")
        out.append(f"for (i = 0; i < {elems}; ++i) {{\n        float v = {v};\n"
                   f"        double q;\n        nan |= v != v;\n{clip}"
                   f"        q = {q};\n        {ref}[i] = {store};\n    }}\n"
                   "    if (nan)\n        return -2;")

    def topk(self, op: rpnn.TopKOp, out: list[str]) -> None:
        shape = _frame_shape(op.input)
        k, n = op.k.value.data, shape[-1]
        rows = int(np.prod(shape[:-1], dtype=np.int64))
        x = self.element(op.input, shape, "r * " + str(n) + " + j")
        ref = self.scratch(op.output)
        ctype = "double" if _is_float(op.input) else "int64_t"
        out.append(f"""\
for (r = 0; r < {rows}; ++r) {{
        size_t top[{k}], count = 0, j, p;
        {ctype} best[{k}];
        for (j = 0; j < {n}; ++j) {{
            {ctype} xj = {x};
            p = count < {k} ? count : {k};
            if (p == {k} && !(xj > best[{k} - 1]))
                continue;
            if (p == {k})
                p = {k} - 1;
            while (p > 0 && xj > best[p - 1]) {{
                top[p] = top[p - 1];
                best[p] = best[p - 1];
                --p;
            }}
            top[p] = j;
            best[p] = xj;
            if (count < {k})
                ++count;
        }}
        for (j = 0; j < {k}; ++j)
            {ref}[r * {k} + j] = (int64_t)top[j];
    }}""")


MAX_LEVELS = 16
"""Integer levels up to which an input quantizer becomes float comparisons."""


def _monotone_chain(value: SSAValue) -> tuple[SSAValue, list[Operation], np.ndarray] | None:
    """(f32 argument, ops, output levels) when `value` is an integer quantizer of an f32
    argument through ops that are each monotone non-decreasing in it: `rpnn.mul` by and
    `rpnn.div` by positive finite constants, `rpnn.add` of finite constants, `rpnn.reshape`,
    `rpnn.quant` with positive scales (then the integer output, up to MAX_LEVELS levels and
    one zero point) or `rpnn.bipolar_quant`; else None."""
    last = value.owner
    if _is_float(value) or not isinstance(last, rpnn.QuantOp | rpnn.BipolarQuantOp):
        return None
    if isinstance(last, rpnn.BipolarQuantOp):
        levels = np.array([-1.0, 1.0])
    else:
        zero_points = np.unique(dtypes.dense_to_numpy(last.zero_point))
        lo, hi = last.int_range()
        if (zero_points.size != 1 or np.any(dtypes.dense_to_numpy(last.scale) <= 0)
                or hi - lo + 1 > MAX_LEVELS):
            return None
        raw = np.array([-1.0, 1.0]) if last.bit_width.value.data == 1 and last.signed else (
            np.arange(lo, hi + 1, dtype=np.float64))
        levels = raw - float(zero_points[0])
        if np.any(levels != np.round(levels)):
            return None
    ops: list[Operation] = [last]
    current = last.operands[0]
    while not isinstance(current.owner, Block):
        op = current.owner
        if isinstance(op, rpnn.ReshapeOp):
            current = op.input
        elif isinstance(op, rpnn.MulOp | rpnn.AddOp | rpnn.DivOp) and _is_float(op.results[0]):
            kinds = [isinstance(v.owner, rpnn.ConstantOp) for v in op.operands]
            if kinds.count(True) != 1 or (isinstance(op, rpnn.DivOp) and not kinds[1]):
                return None
            constant = dtypes.dense_to_numpy(op.operands[kinds.index(True)].owner.value)
            if not np.all(np.isfinite(constant)) or (
                    isinstance(op, rpnn.MulOp | rpnn.DivOp) and np.any(constant <= 0)):
                return None
            current = op.operands[kinds.index(False)]
        else:
            return None
        ops.append(op)
    if not _is_float(current):
        return None
    return current, ops[::-1], levels


def _float32_of_key(keys: np.ndarray) -> np.ndarray:
    """float32 values of order keys (0 is +0.0, -1 is -0.0, consecutive keys are adjacent
    floats)."""
    bits = np.where(keys >= 0, keys, (-keys - 1) | 0x80000000).astype(np.uint32)
    return bits.view(np.float32)


def _level_thresholds(arg: SSAValue, ops: list[Operation], levels: np.ndarray,
                      constants: dict, elems: int) -> list[np.ndarray] | None:
    """Per level after the first, per element of the frame: the least float32 input whose
    output (the interpreter's ops in `ops`) reaches the level (-inf: every input; NaN:
    none)."""

    def evaluate(x: np.ndarray) -> np.ndarray:
        values = {arg: x.reshape(-1, *_frame_shape(arg)).astype(np.float64)}
        for op in ops:
            args = [values[v] if v in values else constants[v] for v in op.operands]
            values[op.results[0]] = interp.eval_op(op, args)[0]
        return values[ops[-1].results[0]].reshape(len(x), elems)

    inf = np.float32(np.inf)
    count = len(levels) - 1
    low = evaluate(np.full((1, elems), -inf, np.float32))[0]
    high = evaluate(np.full((1, elems), inf, np.float32))[0]
    lo = np.full((count, elems), -0x7F800001 - 1, np.int64)  # below -inf: "not reached"
    hi = np.full((count, elems), 0x7F800000, np.int64)  # +inf
    target = levels[1:, None]
    while np.any(hi - lo > 1):
        mid = (lo + hi) // 2
        reached = evaluate(_float32_of_key(mid)) >= target
        hi, lo = np.where(reached, mid, hi), np.where(reached, lo, mid)
    result = []
    for k in range(count):
        t = _float32_of_key(hi[k]).astype(np.float64)
        t[low >= levels[k + 1]] = -np.inf
        t[high < levels[k + 1]] = np.nan
        result.append(t)
    if np.any(np.isin(low, levels, invert=True)) or np.any(np.isin(high, levels, invert=True)):
        return None
    return result


def _float_table(em: _HostEmitter, values: np.ndarray, index: str) -> str:
    """A float literal, or a static float table indexed by `index` (exact: the values are
    float32)."""
    def literal(v: float) -> str:
        if np.isnan(v):
            return "NAN"
        if np.isinf(v):
            return "INFINITY" if v > 0 else "-INFINITY"
        return f"{float(v).hex()}f"

    if np.all(values == values[0]) or np.all(np.isnan(values)):
        return literal(values[0])
    em.count += 1
    name = f"h{em.count}_t"
    body = ",\n".join("    " + ", ".join(literal(v) for v in values[k:k + 8])
                      for k in range(0, values.size, 8))
    em.code.data.append(f"static const float {name}[{values.size}] = {{\n{body}\n}};\n")
    return f"{name}[{index}]"


def _temp_ctype(op: Operation) -> str:
    """C type of an element-wise result in the fused loops: double for f32; int32_t for
    quantizer outputs that fit it (vector double -> int32 conversions exist from SSE2 on,
    double -> int64 ones only with AVX-512DQ), else int64_t like the interpreter."""
    result = op.results[0]
    if _is_float(result):
        return "double"
    if isinstance(op, rpnn.BipolarQuantOp):
        return "int32_t"
    if isinstance(op, rpnn.QuantOp):
        lo, hi = op.int_range()
        zero_points = _broadcast(op.zero_point, _frame_shape(result))
        if lo - zero_points.max() > -(2**31) and hi - zero_points.min() < 2**31 - 1:
            return "int32_t"
    return "int64_t"


def _broadcast(attr, shape: tuple[int, ...], single: bool = False) -> np.ndarray:
    """A scale/bias/zero-point attribute broadcast to one frame, flat, in float64
    (`single`: its values rounded to f32 first)."""
    values = dtypes.dense_to_numpy(attr).astype(np.float32 if single else np.float64)
    values = values.astype(np.float64)
    if values.ndim > len(shape) + 1:
        raise Unsupported("a host parameter has more axes than its tensor")
    return np.broadcast_to(values, (1, *shape)).reshape(-1)


_M1_KERNEL = """\
{{
        const double *x = {x};
        size_t n, k;
        for (n = 0; n < {N}; ++n) {{
            float c = 0.0f, t;
            for (k = 0; k + 4 <= {K}; k += 4) {{
                t = (float)x[k] * {w}[k * {N} + n];
                t = t + (float)x[k + 1] * {w}[(k + 1) * {N} + n];
                t = t + (float)x[k + 2] * {w}[(k + 2) * {N} + n];
                t = t + (float)x[k + 3] * {w}[(k + 3) * {N} + n];
                c = t + c;
            }}
            if ({K} - k >= 2) {{
                t = (float)x[k] * {w}[k * {N} + n];
                t = t + (float)x[k + 1] * {w}[(k + 1) * {N} + n];
                c = t + c;
                k += 2;
            }}
            if ({K} - k >= 1)
                c = (float)x[k] * {w}[k * {N} + n] + c;
            {y}[n] = (double)c;
        }}
    }}"""
"""MLAS's SgemmKernelM1Avx for one frame: products of 4 (then 2, then 1) consecutive k
summed left to right, each partial sum added to the result (x: the frame's input row)."""

_M1_TRANSPOSED_B_KERNEL = """\
{{
        const double *x = {x};
        size_t n, k, j;
        for (n = 0; n < {N}; ++n) {{
            float l[8] = {{0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f}}, c;
            for (k = 0; k < {K}; k += 8)
                for (j = 0; j < 8; ++j) {{  /* past K: the kernel's masked lanes add +0 */
                    float p = k + j < {K} ? (float)x[k + j] * {w}[(k + j) * {N} + n] : 0.0f;
                    l[j] = l[j] + p;
                }}
            if (n < {fours})
                c = (((l[0] + l[1]) + l[2]) + l[3]) + (((l[4] + l[5]) + l[6]) + l[7]);
            else if (n < {twos})
                c = ((l[0] + l[2]) + (l[4] + l[6])) + ((l[1] + l[3]) + (l[5] + l[7]));
            else
                c = ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
            {y}[n] = (double)(c + 0.0f);
        }}
    }}"""
"""MLAS's SgemmKernelM1TransposeBAvx for one frame: eight lanes (k mod 8) of rounded
products, reduced in the order of the column's group of 4, 2 or 1 columns."""


def plan(module: ModuleOp, function: str | None, fpga_inputs: list[str],
         fpga_outputs: list[str]) -> HostCode | str:
    """The host code of `function`, or why there is none.

    `fpga_inputs` / `fpga_outputs` are the C element types of the FPGA ports in order.
    """
    func_op = interp.find_function(module, function)
    block = func_op.body.block
    port_in: dict[SSAValue, int] = {}
    port_out: dict[SSAValue, int] = {}
    for op in func_op.walk():
        if isinstance(op, rpnn.TensorToStreamOp):
            port_in[op.output] = len(port_in)
        elif isinstance(op, rpnn.StreamToTensorOp):
            port_out[op.output] = len(port_out)
    em = _HostEmitter(func_op, port_in, port_out)
    try:
        for k, arg in enumerate(block.args):
            shape = _frame_shape(arg)
            elems = int(np.prod(shape, dtype=np.int64))
            em.code.inputs.append(Port("float" if _is_float(arg) else "int64_t", elems))
            em.refs[arg] = f"a{k}"
        after = False  # past the first stream_to_tensor: the post-FPGA part
        for op in block.ops:
            if isinstance(op, func.ReturnOp):
                for k, value in enumerate(op.operands):
                    shape = _frame_shape(value)
                    elems = int(np.prod(shape, dtype=np.int64))
                    ctype = "float" if _is_float(value) else "int64_t"
                    em.code.outputs.append(Port(ctype, elems))
                    em.code.post.append(f"for (i = 0; i < {elems}; ++i)\n"
                                        f"        o{k}[i] = ({ctype}){em.element(value, shape)};")
                continue
            if isinstance(op, rpnn.TensorToStreamOp):
                if after:
                    raise Unsupported("host ops between two FPGA regions")
                em.to_stream(op, fpga_inputs[port_in[op.output]], em.code.pre)
                continue
            if isinstance(op, rpnn.StreamToTensorOp):
                after = True
                em.refs[op.output] = f"q{port_out[op.output]}"
                continue
            if any(isinstance(v.type, rpnn.StreamType) for v in (*op.operands, *op.results)) \
                    or isinstance(op, rpnn.PartitionOp):
                continue  # the FPGA part
            if not after and not em.onnx:  # emitted inside the fused loops of the inputs
                if isinstance(op, rpnn.ConstantOp):
                    em.constants[op.output] = dtypes.dense_to_numpy(op.value)
                elif not isinstance(op, FUSED_OPS):
                    raise Unsupported(f"{op.name} before the FPGA part")
                em.pre_values.update(op.results)
                continue
            em.after = after
            em.op(op, em.code.post if after else em.code.pre)
            if not after:
                em.pre_values.update(op.results)
    except Unsupported as e:
        return str(e)
    if len(port_out) != len(fpga_outputs) or len(port_in) != len(fpga_inputs):
        return "FPGA ports inside partitions"
    em.code.data.extend(ROUNDING[mode] for mode in sorted(em.rounding))
    return em.code
