"""rpnn-lower-to-dataflow: the integer level to the dataflow level (docs/passes.md).

Every integer tensor that hardware computes on becomes a stream; every compute op on it a
unit at PE = SIMD = 1 (folding is a later pass):

- the input quantizer's integer tensor: `rpnn.transpose` to channels last (NCHW -> NHWC) and
  `rpnn.tensor_to_stream`;
- `rpnn.matmul` (+ the `rpnn.multithreshold` on its accumulator) -> one `rpnn.mvtu`;
- `rpnn.conv2d` -> [`rpnn.pad`] + `rpnn.swg` + `rpnn.mvtu` (weights reordered to
  [(kh, kw, c), o]) or, depthwise, + `rpnn.depthwise` (weights [C, KH*KW]);
- `rpnn.maxpool` -> `rpnn.stream_maxpool`; a stand-alone multithreshold -> `rpnn.thresholding`;
  a residual `rpnn.add` -> `rpnn.add_streams` (the shared stream gets `rpnn.duplicate`);
  `rpnn.topk` -> `rpnn.label_select`;
- `rpnn.reshape` / `rpnn.transpose` only change how the tensor's elements sit on the stream
  (its *layout*, below): no unit. A consumer that needs another stream shape gets a reshaping
  `rpnn.dwc`; a matmul after a flatten takes its weight rows in the stream's (h, w, c) order;
- values leaving the hardware (function results, the float tail such as `rpnn.scale_bias`)
  go through `rpnn.stream_to_tensor` and, on the host, the transposes back to the tensor's
  layout.

At the end `rpnn-insert-fifos` sizes word widths and FIFOs (option `fifos=false` skips it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import Float32Type, ModuleOp, StringAttr, TensorType
from xdsl.ir import Attribute, Block, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException

from rpnn_ir import dtypes, interp
from rpnn_ir.dialects import rpnn
from rpnn_ir.passes.insert_fifos import InsertFifosPass, insert_duplicates


def graph_level_op(function: func.FuncOp) -> Operation | None:
    """An op showing that `function` is still at the graph level (not streamlined): a
    matmul or convolution on f32 tensors, or a fake (f32 -> f32) quantizer.  None at the
    integer and dataflow levels, where they compute on integers (a function rpnn-streamline
    marked with `rpnn.float_tail = "onnx"` keeps f32 ops in its float tail on purpose)."""
    if function.attributes.get(interp.FLOAT_TAIL_ATTR) is not None:
        return None
    for op in function.walk():
        if isinstance(op, rpnn.MatMulOp | rpnn.Conv2dOp | rpnn.QuantOp):
            typ = op.results[0].type
            if isinstance(typ, TensorType) and isinstance(typ.element_type, Float32Type):
                return op
    return None


# --------------------------------------------------------------------------- layouts


@dataclass(frozen=True)
class Layout:
    """Where the elements of one tensor frame sit on a stream.

    The tensor frame (the tensor without its batch axis, shape `frame`) equals
    ``stream_frame.reshape(view).transpose(perm).reshape(frame)``, the stream frame being read
    in row-major order.  A 4-D NCHW tensor on an NHWC stream has view (H, W, C) and perm
    (2, 0, 1); flattening it only changes `frame`.
    """

    frame: tuple[int, ...]
    view: tuple[int, ...]
    perm: tuple[int, ...]

    @staticmethod
    def identity(frame: tuple[int, ...]) -> Layout:
        return Layout(frame, frame, tuple(range(len(frame))))

    @staticmethod
    def channels_last(frame: tuple[int, ...]) -> Layout:
        """Frame (C, *spatial) held as a stream (*spatial, C) (NCHW -> NHWC)."""
        if len(frame) < 2:
            return Layout.identity(frame)
        return Layout(frame, (*frame[1:], frame[0]), (len(frame) - 1, *range(len(frame) - 1)))

    def index(self) -> np.ndarray:
        """For each element of the tensor frame, its position in the stream frame."""
        size = int(np.prod(self.view, dtype=np.int64))
        return np.arange(size).reshape(self.view).transpose(self.perm).reshape(self.frame)

    def same_order(self, other: Layout) -> bool:
        return self.frame == other.frame and np.array_equal(self.index(), other.index())

    def is_identity(self) -> bool:
        return self.same_order(Layout.identity(self.frame))

    def reshaped(self, frame: tuple[int, ...]) -> Layout:
        if self.perm == tuple(range(len(self.perm))):
            return Layout.identity(frame)
        return Layout(frame, self.view, self.perm)

    def transposed(self, axes: tuple[int, ...]) -> Layout | None:
        """The layout of the frame transposed by `axes`, or None if it cannot be tracked."""
        if tuple(self.view[p] for p in self.perm) != self.frame:
            return None
        return Layout(tuple(self.frame[a] for a in axes), self.view,
                      tuple(self.perm[a] for a in axes))


@dataclass(frozen=True)
class _Streamed:
    """An integer tensor of the input program and the stream that now carries it."""

    stream: SSAValue
    layout: Layout

    @property
    def shape(self) -> tuple[int, ...]:
        typ = self.stream.type
        assert isinstance(typ, rpnn.StreamType)
        return typ.get_shape()


# --------------------------------------------------------------------------- helpers


def _shape(value: SSAValue) -> tuple[int, ...]:
    typ = value.type
    assert isinstance(typ, TensorType | rpnn.StreamType)
    return tuple(typ.get_shape())


def _elt(value: SSAValue) -> Attribute:
    typ = value.type
    assert isinstance(typ, TensorType | rpnn.StreamType)
    return typ.element_type


def _is_integer(value: SSAValue) -> bool:
    return isinstance(value.type, TensorType) and dtypes.is_integer_like(_elt(value))


def _describe(op: Operation) -> str:
    """`rpnn.conv2d (%y)`, or with the types when the result has no name, for errors."""
    if op.results and op.results[0].name_hint:
        return f"{op.name} (%{op.results[0].name_hint})"
    ins = ", ".join(str(v.type) for v in op.operands)
    outs = ", ".join(str(v.type) for v in op.results)
    return f"{op.name} ({ins} -> {outs})"


def _fail(op: Operation, why: str) -> PassFailedException:
    return PassFailedException(f"cannot lower {_describe(op)}: {why}")


def _stream_type(shape, element_type: Attribute) -> rpnn.StreamType:
    return rpnn.StreamType([int(d) for d in shape], element_type, 1)


def _tensor_type(shape, element_type: Attribute) -> TensorType:
    return TensorType(element_type, [int(d) for d in shape])


def _unit_properties(**ints: int) -> dict[str, Attribute]:
    return {name: rpnn._i64(value) for name, value in ints.items()}


# --------------------------------------------------------------------------- the lowering


class _FunctionLowering:
    """Lowers the ops of one block in program order; new ops go before the op being lowered."""

    def __init__(self, block: Block):
        self.block = block
        self.streams: dict[SSAValue, _Streamed] = {}
        self.entries: set[SSAValue] = set()  # host tensors sent to the hardware
        self.host_tensors: dict[SSAValue, SSAValue] = {}
        self.reshapes: dict[tuple[SSAValue, tuple[int, ...]], SSAValue] = {}
        self.lowered: list[Operation] = []
        self.fused: set[Operation] = set()
        self.here: Operation | None = None

    # ---- building ----------------------------------------------------------------------

    def insert(self, op: Operation, before: Operation | None = None,
               carries: SSAValue | None = None) -> SSAValue:
        """Insert `op` before `before` (default: the op being lowered); its result is named
        after the tensor it `carries`, if any."""
        anchor = before or self.here
        assert anchor is not None
        self.block.insert_op_before(op, anchor)
        if carries is not None:
            op.results[0].name_hint = carries.name_hint
        return op.results[0]

    def constant(self, values: np.ndarray, element_type: Attribute) -> SSAValue:
        return self.insert(rpnn.ConstantOp.from_numpy(np.ascontiguousarray(values),
                                                      element_type))

    def constant_values(self, value: SSAValue, user: Operation, what: str) -> np.ndarray:
        owner = value.owner
        if not isinstance(owner, rpnn.ConstantOp):
            raise _fail(user, f"its {what} must be an rpnn.constant to be reordered for "
                        "the stream")
        return np.asarray(dtypes.dense_to_numpy(owner.value), dtype=np.int64)

    # ---- streams -----------------------------------------------------------------------

    def stream_of(self, value: SSAValue, user: Operation) -> _Streamed:
        """The stream carrying `value`, creating the input port for a host tensor."""
        if value in self.streams:
            return self.streams[value]
        if isinstance(value.owner, rpnn.ConstantOp):
            raise _fail(user, "a constant data operand has no stream (streamlining should "
                        "have folded it)")
        shape = _shape(value)
        if len(shape) < 2:
            raise _fail(user, f"its input {value.type} has no batch axis to stream over")
        layout = Layout.channels_last(shape[1:])
        tensor = value
        if len(shape) > 2:  # NCHW -> NHWC on the host, before the input port
            perm = (0, *range(2, len(shape)), 1)
            tensor = self.insert(rpnn.TransposeOp(
                operands=[value], result_types=[_tensor_type([shape[0], *layout.view],
                                                             _elt(value))],
                properties={"perm": rpnn._i64_array(perm)}))
        stream = self.insert(rpnn.TensorToStreamOp(
            operands=[tensor], result_types=[_stream_type(layout.view, _elt(value))]))
        streamed = _Streamed(stream, layout)
        self.streams[value] = streamed
        self.entries.add(value)
        return streamed

    def as_shape(self, streamed: _Streamed, shape: tuple[int, ...]) -> SSAValue:
        """The stream viewed with `shape` (same element order): a reshaping dwc if needed."""
        if streamed.shape == shape:
            return streamed.stream
        key = (streamed.stream, shape)
        if key not in self.reshapes:
            self.reshapes[key] = self.insert(rpnn.DWCOp(
                operands=[streamed.stream],
                result_types=[_stream_type(shape, _elt(streamed.stream))]))
        return self.reshapes[key]

    def channels_last(self, streamed: _Streamed, user: Operation) -> SSAValue:
        """The stream of a (C, *spatial) frame in (*spatial, C) order, or an error."""
        wanted = Layout.channels_last(streamed.layout.frame)
        if not streamed.layout.same_order(wanted):
            raise _fail(user, "its input is not in channels-last order on the stream (the "
                        "dataflow level has no unit that transposes a stream)")
        return self.as_shape(streamed, wanted.view)

    def materialize(self, value: SSAValue) -> SSAValue:
        """`value` as a host tensor: rpnn.stream_to_tensor, then the layout undone."""
        if value in self.host_tensors:
            return self.host_tensors[value]
        streamed = self.streams[value]
        batch = _shape(value)[0]
        element_type = _elt(value)
        layout = streamed.layout
        current = self.insert(rpnn.StreamToTensorOp(
            operands=[streamed.stream],
            result_types=[_tensor_type([batch, *streamed.shape], element_type)]))
        shape = streamed.shape
        if shape != layout.view:
            current = self.insert(rpnn.ReshapeOp(
                operands=[current],
                result_types=[_tensor_type([batch, *layout.view], element_type)]))
            shape = layout.view
        if layout.perm != tuple(range(len(layout.perm))):
            shape = tuple(shape[p] for p in layout.perm)
            current = self.insert(rpnn.TransposeOp(
                operands=[current], result_types=[_tensor_type([batch, *shape], element_type)],
                properties={"perm": rpnn._i64_array((0, *(p + 1 for p in layout.perm)))}))
        if shape != layout.frame:
            current = self.insert(rpnn.ReshapeOp(
                operands=[current],
                result_types=[_tensor_type([batch, *layout.frame], element_type)]))
        self.host_tensors[value] = current
        return current

    # ---- driver ------------------------------------------------------------------------

    def run(self) -> None:
        for op in list(self.block.ops):
            if op in self.fused:
                continue
            self.here = op
            self.lower(op)
        operands = {v for op in self.lowered for v in op.operands}
        position = {op: i for i, op in enumerate(self.block.ops)}
        for op in sorted(self.lowered, key=position.__getitem__, reverse=True):
            self.block.erase_op(op)
        for value in operands:
            owner = value.owner
            if isinstance(owner, rpnn.ConstantOp) and owner.output.first_use is None:
                self.block.erase_op(owner)
        insert_duplicates(self.block)

    def lower(self, op: Operation) -> None:
        streamed_operands = [v for v in op.operands
                             if v in self.streams and v not in self.entries]
        if isinstance(op, rpnn.MatMulOp) and _is_integer(op.output):
            self.matmul(op)
        elif isinstance(op, rpnn.Conv2dOp) and _is_integer(op.output):
            self.conv2d(op)
        elif isinstance(op, rpnn.MultiThresholdOp) and _is_integer(op.input):
            self.thresholding(op)
        elif isinstance(op, rpnn.MaxPoolOp) and _is_integer(op.input):
            self.maxpool(op)
        elif isinstance(op, rpnn.AddOp) and _is_integer(op.output):
            self.add(op)
        elif isinstance(op, rpnn.TopKOp) and _is_integer(op.input):
            self.topk(op)
        elif isinstance(op, rpnn.ReshapeOp) and streamed_operands:
            self.reshape(op)
        elif isinstance(op, rpnn.TransposeOp) and streamed_operands:
            self.transpose(op)
        elif streamed_operands:
            if not isinstance(op, func.ReturnOp | rpnn.ScaleBiasOp):
                raise _fail(op, "it takes an integer tensor computed in hardware and has "
                            "no dataflow unit (only rpnn.scale_bias and func.return take "
                            "the hardware's results, on the host)")
            for index, operand in enumerate(op.operands):
                if operand in streamed_operands:
                    op.operands[index] = self.materialize(operand)
            return
        else:
            return  # a host op: the float head, quantizers, constants, the float tail
        self.lowered.append(op)

    # ---- compute ops -------------------------------------------------------------------

    def fusable_threshold(self, value: SSAValue) -> rpnn.MultiThresholdOp | None:
        """The multithreshold that is the only user of an accumulator, if any."""
        use = value.first_use
        if use is None or not value.has_one_use():
            return None
        user = use.operation
        if isinstance(user, rpnn.MultiThresholdOp) and use.index == 0 \
                and user.parent_block() is self.block:
            return user
        return None

    @staticmethod
    def threshold_output(op: rpnn.MultiThresholdOp) -> tuple[Attribute, int | None]:
        """The output element type and out_bias of the unit computing `op`."""
        out = _elt(op.output)
        if dtypes.is_float(out):
            raise _fail(op, "an f32 result of thresholds has no dataflow unit")
        if dtypes.is_bipolar(out):
            return out, None
        if op.scale_value != 1.0:
            raise _fail(op, f"out_scale {op.scale_value} is not supported by the units "
                        "(they count thresholds: out_scale 1, or 2 with out_bias -1 for "
                        "a bipolar result)")
        bias = int(op.bias_value)
        return out, (bias or None)

    def compute_unit(self, unit_type: type[rpnn._ComputeUnit], op: Operation,
                     stream: SSAValue, weights: SSAValue, out_shape: tuple[int, ...],
                     layout: Layout, fuse: bool) -> None:
        """The unit for `op` (+ the multithreshold on its result when `fuse`)."""
        acc = _elt(op.results[0])
        props = _unit_properties(pe=1, simd=1)
        props.update(acc_type=acc, resource_type=StringAttr("lut"),
                     ram_style=StringAttr("auto"))
        threshold = self.fusable_threshold(op.results[0]) if fuse else None
        operands: list[SSAValue | None] = [stream, weights, None]
        out_elt, result = acc, op.results[0]
        before = None
        if threshold is not None:
            out_elt, bias = self.threshold_output(threshold)
            if bias is not None:
                props["out_bias"] = rpnn._i64(bias)
            operands[2] = threshold.thresholds
            result = threshold.output
            before = threshold  # its thresholds may be defined after `op`
            self.fused.add(threshold)
            self.lowered.append(threshold)
        out = self.insert(unit_type(operands=operands,
                                    result_types=[_stream_type(out_shape, out_elt)],
                                    properties=props), before, carries=result)
        self.streams[result] = _Streamed(out, layout)

    def matmul(self, op: rpnn.MatMulOp) -> None:
        x = self.stream_of(op.input, op)
        frame = x.layout.frame
        mh = _shape(op.weights)[1]
        weights = op.weights
        if len(frame) == 1:
            stream = self.as_shape(x, frame)
            index = x.layout.index()
            if not x.layout.is_identity():  # e.g. after a flatten: rows in stream order
                values = self.constant_values(op.weights, op, "weights")
                permuted = np.empty_like(values)
                permuted[index] = values
                weights = self.constant(permuted, _elt(op.weights))
        elif x.layout.is_identity():
            stream = self.as_shape(x, frame)
        else:
            raise _fail(op, "a matmul on a tensor of rank > 2 needs it in row-major order "
                        "on the stream")
        out_frame = (*frame[:-1], mh)
        self.compute_unit(rpnn.MVTUOp, op, stream, weights, out_frame,
                          Layout.identity(out_frame), fuse=len(frame) == 1)

    def conv2d(self, op: rpnn.Conv2dOp) -> None:
        _, channels, _, _ = _shape(op.input)
        out_channels, _, kh, kw = _shape(op.weights)
        _, _, oh, ow = _shape(op.output)
        stride, padding = rpnn._ints(op.stride), rpnn._ints(op.padding)
        dilation, groups = rpnn._ints(op.dilation), op.groups.value.data
        if dilation != (1, 1):
            raise _fail(op, f"dilation {list(dilation)} is not supported (only 1)")
        depthwise = groups != 1
        if depthwise and not groups == channels == out_channels:
            raise _fail(op, f"groups = {groups} is not supported (only 1, or depthwise: "
                        f"groups = C = O; here C = {channels}, O = {out_channels})")
        values = self.constant_values(op.weights, op, "weights")
        stream = self.channels_last(self.stream_of(op.input, op), op)
        element_type = _elt(op.input)
        if any(padding):
            if dtypes.is_bipolar(element_type):
                raise _fail(op, "a bipolar input cannot be padded (it has no zero)")
            h, w, c = _shape(stream)
            padded = (h + padding[0] + padding[2], w + padding[1] + padding[3], c)
            stream = self.insert(rpnn.PadOp(
                operands=[stream], result_types=[_stream_type(padded, element_type)],
                properties={"padding": rpnn._i64_array(padding), "value": rpnn._i64(0),
                            **_unit_properties(simd=1)}))
        if (kh, kw) != (1, 1) or stride != (1, 1):
            stream = self.insert(rpnn.SWGOp(
                operands=[stream],
                result_types=[_stream_type((oh, ow, kh * kw * channels), element_type)],
                properties={"kernel": rpnn._i64_array((kh, kw)),
                            "stride": rpnn._i64_array(stride), **_unit_properties(simd=1)}))
        if depthwise:  # W[c, 0, kh, kw] -> [c, (kh, kw)]
            weights = self.constant(values[:, 0].reshape(channels, kh * kw), _elt(op.weights))
            unit: type[rpnn._ComputeUnit] = rpnn.DepthwiseOp
        else:  # W[o, c, kh, kw] -> [(kh, kw, c), o]
            weights = self.constant(values.transpose(2, 3, 1, 0).reshape(-1, out_channels),
                                    _elt(op.weights))
            unit = rpnn.MVTUOp
        self.compute_unit(unit, op, stream, weights, (oh, ow, out_channels),
                          Layout.channels_last((out_channels, oh, ow)), fuse=True)

    def thresholding(self, op: rpnn.MultiThresholdOp) -> None:
        x = self.stream_of(op.input, op)
        out_elt, bias = self.threshold_output(op)
        thresholds = op.thresholds
        rows = _shape(op.thresholds)[0]
        frame = x.layout.frame
        if rows == 1:  # the same thresholds for every element: any order will do
            stream, layout = x.stream, x.layout
        elif len(frame) == 1:  # a vector, maybe in another order: thresholds follow it
            stream, layout = self.as_shape(x, frame), x.layout
            if not layout.is_identity():
                values = self.constant_values(op.thresholds, op, "thresholds")
                permuted = np.empty_like(values)
                permuted[layout.index()] = values
                thresholds = self.constant(permuted, _elt(op.thresholds))
        else:
            stream, layout = self.channels_last(x, op), Layout.channels_last(frame)
        props = _unit_properties(pe=1)
        if bias is not None:
            props["out_bias"] = rpnn._i64(bias)
        out = self.insert(rpnn.ThresholdingOp(
            operands=[stream, thresholds],
            result_types=[_stream_type(_shape(stream), out_elt)], properties=props),
            carries=op.output)
        self.streams[op.output] = _Streamed(out, layout)

    def maxpool(self, op: rpnn.MaxPoolOp) -> None:
        if any(rpnn._ints(op.padding)):
            raise _fail(op, f"padding {list(rpnn._ints(op.padding))} is not supported by "
                        "rpnn.stream_maxpool (only 0)")
        stream = self.channels_last(self.stream_of(op.input, op), op)
        _, c, oh, ow = _shape(op.output)
        out = self.insert(rpnn.StreamMaxPoolOp(
            operands=[stream], result_types=[_stream_type((oh, ow, c), _elt(op.output))],
            properties={"kernel": op.kernel, "stride": op.stride, **_unit_properties(pe=1)}),
            carries=op.output)
        self.streams[op.output] = _Streamed(out, Layout.channels_last((c, oh, ow)))

    def add(self, op: rpnn.AddOp) -> None:
        if not _shape(op.lhs) == _shape(op.rhs) == _shape(op.output):
            raise _fail(op, "only the sum of two streams of one shape (a residual) has a "
                        "unit, no broadcasting")
        lhs, rhs = self.stream_of(op.lhs, op), self.stream_of(op.rhs, op)
        if not lhs.layout.same_order(rhs.layout):
            raise _fail(op, "its operands sit in different orders on their streams")
        out_elt = _elt(op.output)
        (lo_l, hi_l), (lo_r, hi_r) = (dtypes.element_range(_elt(v)) for v in op.operands)
        if not dtypes.contains(out_elt, lo_l + lo_r, hi_l + hi_r):
            raise _fail(op, f"rpnn.add_streams needs a result type holding every sum "
                        f"[{lo_l + lo_r}, {hi_l + hi_r}], not {dtypes.type_str(out_elt)}")
        rhs_stream = self.as_shape(rhs, lhs.shape)
        out = self.insert(rpnn.AddStreamsOp(
            operands=[lhs.stream, rhs_stream], result_types=[_stream_type(lhs.shape, out_elt)],
            properties=_unit_properties(pe=1)), carries=op.output)
        self.streams[op.output] = _Streamed(out, lhs.layout)

    def topk(self, op: rpnn.TopKOp) -> None:
        x = self.stream_of(op.input, op)
        if len(x.layout.frame) != 1:
            raise _fail(op, "rpnn.label_select takes a vector of labels: the input must be "
                        "[N, L]")
        if not x.layout.is_identity():
            raise _fail(op, "its labels are not in order on the stream (a flattened "
                        "feature map streams in (h, w, c) order; a matmul in between would "
                        "take it in any order)")
        k = op.k.value.data
        out = self.insert(rpnn.LabelSelectOp(
            operands=[self.as_shape(x, x.layout.frame)],
            result_types=[_stream_type((k,), _elt(op.output))],
            properties={"k": rpnn._i64(k), **_unit_properties(pe=1)}), carries=op.output)
        self.streams[op.output] = _Streamed(out, Layout.identity((k,)))

    # ---- layout ops --------------------------------------------------------------------

    def reshape(self, op: rpnn.ReshapeOp) -> None:
        x = self.streams[op.input]
        shape_in, shape_out = _shape(op.input), _shape(op.output)
        if not shape_in or not shape_out or shape_in[0] != shape_out[0]:
            raise _fail(op, "a reshape of a streamed tensor must keep the batch axis")
        self.streams[op.output] = _Streamed(x.stream, x.layout.reshaped(shape_out[1:]))

    def transpose(self, op: rpnn.TransposeOp) -> None:
        x = self.streams[op.input]
        perm = rpnn._ints(op.perm)
        if perm[0] != 0:
            raise _fail(op, "a transpose of a streamed tensor must keep the batch axis first")
        layout = x.layout.transposed(tuple(p - 1 for p in perm[1:]))
        if layout is None:
            raise _fail(op, "this transpose of a reshaped stream cannot be tracked")
        self.streams[op.output] = _Streamed(x.stream, layout)


@dataclass(frozen=True)
class LowerToDataflowPass(ModulePass):
    """Integer level -> dataflow level at PE = SIMD = 1 (docs/passes.md)."""

    name = "rpnn-lower-to-dataflow"

    fifos: bool = True
    """Run rpnn-insert-fifos (with its defaults) at the end."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for func_op in [f for f in op.walk() if isinstance(f, func.FuncOp)]:
            if (graph_op := graph_level_op(func_op)) is not None:
                raise PassFailedException(
                    f"@{func_op.sym_name.data} is at the graph level ({graph_op.name} on f32 "
                    "tensors): run rpnn-streamline (and rpnn-infer-precision) first, or "
                    "rpnn-pipeline for the whole middle of the compiler")
            if func_op.body.blocks:
                _FunctionLowering(func_op.body.block).run()
        if self.fifos:
            InsertFifosPass().apply(ctx, op)
