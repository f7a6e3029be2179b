"""Dataflow-level networks built directly with xDSL builders (no lowering pass needed).

Used by the cost/folding tests and benchmarks: BNN-PYNQ's LFC (MLP 784-1024-1024-1024-10)
and CNV (3x3 valid convolutions 64-64-P-128-128-P-256-256, FC 256-512-512-10) at any
weight/activation precision, with random weights of the right element types, and small
random chains for the exhaustive folding checks.

Precisions: 1 bit is bipolar ({-1, +1}: XNOR-popcount when weights and activations are both
bipolar); W >= 2 bit weights are narrow signed integers (``siW`` holding
[-(2^(W-1) - 1), 2^(W-1) - 1], ternary at W = 2); A >= 2 bit activations are ``uiA``
produced by 2^A - 1 thresholds.  Accumulator types are the narrowest integers holding
MW * (extreme products), as precision inference would bound them from the types.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from xdsl.builder import Builder
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    DenseArrayBase,
    FunctionType,
    IntegerAttr,
    ModuleOp,
    StringAttr,
    TensorType,
    i64,
)
from xdsl.ir import Attribute, Block, Region, SSAValue
from xdsl.rewriter import InsertPoint, Rewriter

from rpnn_ir import dtypes
from rpnn_ir.dialects import rpnn

BIPOLAR = rpnn.BipolarType()


def weight_type(bits: int) -> Attribute:
    """Bipolar for 1 bit, else a signed integer (values kept narrow)."""
    return BIPOLAR if bits == 1 else dtypes.int_type(bits, signed=True)


def activation_type(bits: int) -> Attribute:
    """Bipolar for 1 bit, else unsigned."""
    return BIPOLAR if bits == 1 else dtypes.int_type(bits, signed=False)


def _i64(value: int) -> IntegerAttr:
    return IntegerAttr(int(value), 64)


def _ints(values: Sequence[int]) -> DenseArrayBase:
    return DenseArrayBase.from_list(i64, [int(v) for v in values])


def _range(elt: Attribute) -> tuple[int, int]:
    return dtypes.element_range(elt)


def random_values(rng: np.random.Generator, elt: Attribute, shape: Sequence[int]) -> np.ndarray:
    """Random values of an integer-like type (bipolar: +-1; signed weights: narrow range)."""
    if dtypes.is_bipolar(elt):
        return rng.choice(np.array([-1, 1], dtype=np.int64), size=tuple(shape))
    lo, hi = _range(elt)
    if lo < 0:
        lo = -hi  # narrow signed range: ternary at 2 bits
    return rng.integers(lo, hi + 1, size=tuple(shape), dtype=np.int64)


def accumulator_type(mw: int, w_elt: Attribute, x_elt: Attribute) -> Attribute:
    """Narrowest integer type holding any dot product of length `mw` of the two types."""
    wlo, whi = _range(w_elt)
    if not dtypes.is_bipolar(w_elt) and wlo < 0:
        wlo = -whi
    xlo, xhi = _range(x_elt)
    products = [a * b for a in (wlo, whi) for b in (xlo, xhi)]
    return dtypes.narrowest_int_type(mw * min(products), mw * max(products))


class DataflowBuilder:
    """Appends dataflow units to one function; inserts `rpnn.dwc` where word sizes differ.

        b = DataflowBuilder([784], activation_type(1))
        b.mvtu(1024, weight_type(1), activation_type(1), pe=32, simd=64)
        ...
        module = b.finish()
    """

    def __init__(self, shape: Sequence[int], element_type: Attribute, word: int | None = None,
                 seed: int = 0, resource: str = "lut", ram_style: str = "auto"):
        self.rng = np.random.default_rng(seed)
        self.resource = resource
        self.ram_style = ram_style
        self.input_type = TensorType(element_type, [1, *shape])
        self.block = Block(arg_types=[self.input_type])
        self.builder = Builder(InsertPoint.at_end(self.block))
        self._source_word = word
        source = rpnn.TensorToStreamOp(
            operands=[self.block.args[0]],
            result_types=[rpnn.StreamType(list(shape), element_type, word or 1)])
        self.builder.insert(source)
        self.source = source
        self.value: SSAValue = source.output

    # ---------------------------------------------------------------- helpers

    @property
    def stream(self) -> rpnn.StreamType:
        assert isinstance(self.value.type, rpnn.StreamType)
        return self.value.type

    def _word(self, word: int, shape: Sequence[int] | None = None) -> SSAValue:
        """The current stream with `word` elements per word (and `shape`), via a DWC."""
        typ = self.stream
        shape = tuple(shape) if shape is not None else typ.get_shape()
        if typ.word.data == word and shape == typ.get_shape():
            return self.value
        if self.value is self.source.output and self._source_word is None and \
                shape == typ.get_shape():
            # the host port takes any width: match the first consumer
            new = rpnn.StreamType(list(shape), typ.element_type, word)
            self.value = Rewriter.replace_value_with_new_type(self.value, new)
            self._source_word = word
            return self.value
        dwc = rpnn.DWCOp(operands=[self.value],
                         result_types=[rpnn.StreamType(list(shape), typ.element_type, word)])
        self.builder.insert(dwc)
        self.value = dwc.output
        return self.value

    def _const(self, values: np.ndarray, elt: Attribute) -> SSAValue:
        op = rpnn.ConstantOp.from_numpy(values, elt)
        self.builder.insert(op)
        return op.output

    def _thresholds(self, mh: int, acc: Attribute, out: Attribute) -> SSAValue:
        steps = 1 if dtypes.is_bipolar(out) else dtypes.element_range(out)[1]
        lo, hi = _range(acc)
        center, span = (lo + hi) // 2, (hi - lo) // 4
        values = np.sort(self.rng.integers(center - span, center + span + 1,
                                           size=(mh, steps)), axis=1)
        return self._const(values.astype(np.int64), acc)

    # ---------------------------------------------------------------- units

    def mvtu(self, mh: int, w_elt: Attribute, out_elt: Attribute | None, *, pe: int = 1,
             simd: int = 1, resource: str | None = None, ram_style: str | None = None
             ) -> SSAValue:
        """An MVTU with MH outputs; thresholds to `out_elt` (None: output the accumulator)."""
        x = self._word(simd)
        x_type = self.stream
        mw = x_type.channels
        acc = accumulator_type(mw, w_elt, x_type.element_type)
        weights = self._const(random_values(self.rng, w_elt, (mw, mh)), w_elt)
        thresholds = None if out_elt is None else self._thresholds(mh, acc, out_elt)
        out_shape = [*x_type.get_shape()[:-1], mh]
        op = rpnn.MVTUOp(
            operands=[x, weights, thresholds],
            result_types=[rpnn.StreamType(out_shape, acc if out_elt is None else out_elt, pe)],
            properties={"pe": _i64(pe), "simd": _i64(simd), "acc_type": acc,
                        "resource_type": StringAttr(resource or self.resource),
                        "ram_style": StringAttr(ram_style or self.ram_style)})
        self.builder.insert(op)
        self.value = op.output
        return self.value

    def swg(self, kernel: int, stride: int = 1, simd: int = 1) -> SSAValue:
        x = self._word(simd)
        h, w, c = self.stream.get_shape()
        oh, ow = (h - kernel) // stride + 1, (w - kernel) // stride + 1
        op = rpnn.SWGOp(
            operands=[x], result_types=[rpnn.StreamType([oh, ow, kernel * kernel * c],
                                                        self.stream.element_type, simd)],
            properties={"kernel": _ints([kernel, kernel]), "stride": _ints([stride, stride]),
                        "simd": _i64(simd)})
        self.builder.insert(op)
        self.value = op.output
        return self.value

    def conv(self, channels: int, kernel: int, w_elt: Attribute, out_elt: Attribute | None, *,
             pe: int = 1, simd: int = 1, stride: int = 1) -> SSAValue:
        """A valid (unpadded) convolution: SWG with the MVTU's SIMD, then the MVTU."""
        self.swg(kernel, stride, simd)
        return self.mvtu(channels, w_elt, out_elt, pe=pe, simd=simd)

    def pad(self, padding: Sequence[int], value: int = 0, simd: int = 1) -> SSAValue:
        x = self._word(simd)
        h, w, c = self.stream.get_shape()
        shape = [h + padding[0] + padding[2], w + padding[1] + padding[3], c]
        op = rpnn.PadOp(operands=[x], result_types=[rpnn.StreamType(
            shape, self.stream.element_type, simd)], properties={
            "padding": _ints(padding), "value": _i64(value), "simd": _i64(simd)})
        self.builder.insert(op)
        self.value = op.output
        return self.value

    def maxpool(self, kernel: int = 2, stride: int | None = None, pe: int | None = None
                ) -> SSAValue:
        stride = stride or kernel
        x = self._word(pe or self.stream.word.data)
        h, w, c = self.stream.get_shape()
        pe = self.stream.word.data
        shape = [(h - kernel) // stride + 1, (w - kernel) // stride + 1, c]
        op = rpnn.StreamMaxPoolOp(
            operands=[x], result_types=[rpnn.StreamType(shape, self.stream.element_type, pe)],
            properties={"kernel": _ints([kernel, kernel]), "stride": _ints([stride, stride]),
                        "pe": _i64(pe)})
        self.builder.insert(op)
        self.value = op.output
        return self.value

    def thresholding(self, out_elt: Attribute, pe: int = 1) -> SSAValue:
        """A stand-alone thresholding unit from the current (integer) stream to `out_elt`."""
        x = self._word(pe)
        typ = self.stream
        thresholds = self._thresholds(typ.channels, typ.element_type, out_elt)
        op = rpnn.ThresholdingOp(
            operands=[x, thresholds],
            result_types=[rpnn.StreamType(list(typ.get_shape()), out_elt, pe)],
            properties={"pe": _i64(pe)})
        self.builder.insert(op)
        self.value = op.output
        return self.value

    def duplicate(self) -> SSAValue:
        """Copy the current stream: it stays current, the copy is returned."""
        op = rpnn.DuplicateOp(operands=[self.value], result_types=[[self.stream] * 2])
        self.builder.insert(op)
        self.value = op.results[0]
        return op.results[1]

    def add_streams(self, other: SSAValue, pe: int = 1) -> SSAValue:
        """Element-wise sum of the current stream and `other` (same shape)."""
        rhs = self.value
        self.value = other
        other = self._word(pe)
        self.value = rhs
        lhs = self._word(pe)
        lo_l, hi_l = _range(self.stream.element_type)
        assert isinstance(other.type, rpnn.StreamType)
        lo_r, hi_r = _range(other.type.element_type)
        out = dtypes.narrowest_int_type(lo_l + lo_r, hi_l + hi_r)
        op = rpnn.AddStreamsOp(
            operands=[lhs, other],
            result_types=[rpnn.StreamType(list(self.stream.get_shape()), out, pe)],
            properties={"pe": _i64(pe)})
        self.builder.insert(op)
        self.value = op.output
        return self.value

    def flatten(self, word: int | None = None) -> SSAValue:
        """View the stream as a vector (a free reshape on a stream, done by a DWC)."""
        size = int(np.prod(self.stream.get_shape()))
        return self._word(word or self.stream.word.data, (size,))

    def label_select(self, k: int = 1, pe: int | None = None) -> SSAValue:
        x = self._word(pe or self.stream.word.data)
        labels = self.stream.channels
        out = dtypes.int_type(max(1, (labels - 1).bit_length()), signed=False)
        op = rpnn.LabelSelectOp(
            operands=[x], result_types=[rpnn.StreamType([k], out, 1)],
            properties={"k": _i64(k), "pe": _i64(self.stream.word.data)})
        self.builder.insert(op)
        self.value = op.output
        return self.value

    def finish(self, name: str = "main") -> ModuleOp:
        typ = self.stream
        out = TensorType(typ.element_type, [1, *typ.get_shape()])
        sink = rpnn.StreamToTensorOp(operands=[self.value], result_types=[out])
        self.builder.insert(sink)
        self.builder.insert(func.ReturnOp(sink.output))
        ftype = FunctionType.from_lists([self.input_type], [out])
        module = ModuleOp([func.FuncOp(name, ftype, Region(self.block))])
        module.verify()
        return module


# --------------------------------------------------------------------------- networks

LFC_LAYERS = (1024, 1024, 1024, 10)
CNV_CONVS = (64, 64, "P", 128, 128, "P", 256, 256)
CNV_FCS = (512, 512, 10)

BNN_PYNQ_LFC_FOLDING = ((64, 32), (32, 64), (64, 32), (8, 16))
"""(SIMD, PE) per layer of BNN-PYNQ's LFC (reference notes, "Published reference designs";
BNN-PYNQ pads the layer to MW 832 and MH 64 for them)."""

BNN_PYNQ_CNV_W1A1_FOLDING = ((3, 16), (32, 32), (32, 16), (32, 16), (32, 4), (32, 1), (4, 1),
                             (8, 1), (1, 4))
BNN_PYNQ_CNV_W2A2_FOLDING = ((3, 8), (16, 16), (16, 8), (16, 8), (8, 4), (8, 1), (2, 1),
                             (2, 2), (1, 4))
"""(SIMD, PE) per layer of BNN-PYNQ's CNV (reference notes; the W2A2 values as in BNN-PYNQ's
``cnvW2A2/hw/config.h``, whose last layer has PE = 4 on MH padded to 64)."""


def build_lfc(w_bits: int, a_bits: int, folding: Sequence[tuple[int, int]] | None = None, *,
              seed: int = 0, resource: str = "lut", ram_style: str = "auto",
              in_features: int = 784, last_mh: int = 10, label_select: bool = True
              ) -> ModuleOp:
    """LFC 784-1024-1024-1024-10 at W`w_bits` A`a_bits`; `folding` = (SIMD, PE) per layer.

    `in_features` = 832 and `last_mh` = 64 reproduce BNN-PYNQ's padded LFC
    (``lfcW1A1/hw/config.h``: MW 832 for SIMD 64, MH 64 for PE 16).
    """
    folding = folding or [(1, 1)] * len(LFC_LAYERS)
    b = DataflowBuilder([in_features], activation_type(a_bits), seed=seed, resource=resource,
                        ram_style=ram_style)
    layers = (*LFC_LAYERS[:-1], last_mh)
    for i, (mh, (simd, pe)) in enumerate(zip(layers, folding, strict=True)):
        last = i == len(LFC_LAYERS) - 1
        b.mvtu(mh, weight_type(w_bits), None if last else activation_type(a_bits),
               pe=pe, simd=simd)
    if label_select:
        b.label_select(1)
    return b.finish()


def build_cnv(w_bits: int, a_bits: int, folding: Sequence[tuple[int, int]] | None = None, *,
              seed: int = 0, resource: str = "lut", ram_style: str = "auto",
              last_mh: int = 10, input_bits: int = 8, label_select: bool = True) -> ModuleOp:
    """CNV (BNN-PYNQ) at W`w_bits` A`a_bits` on a 32x32x3 ``ui8`` image.

    `folding` = (SIMD, PE) for the 6 convolutions and 3 dense layers; each SWG takes its
    MVTU's SIMD and each pool its producer's PE.  `last_mh` = 64 reproduces BNN-PYNQ's
    padded last layer.
    """
    folding = list(folding or [(1, 1)] * 9)
    b = DataflowBuilder([32, 32, 3], dtypes.int_type(input_bits, signed=False), seed=seed,
                        resource=resource, ram_style=ram_style)
    layer = 0
    for item in CNV_CONVS:
        if item == "P":
            b.maxpool(2)
            continue
        simd, pe = folding[layer]
        b.conv(int(item), 3, weight_type(w_bits), activation_type(a_bits), pe=pe, simd=simd)
        layer += 1
    b.flatten(folding[layer][0])
    mhs = (*CNV_FCS[:-1], last_mh)
    for i, mh in enumerate(mhs):
        simd, pe = folding[layer]
        last = i == len(mhs) - 1
        b.mvtu(mh, weight_type(w_bits), None if last else activation_type(a_bits),
               pe=pe, simd=simd)
        layer += 1
    if label_select:
        b.label_select(1)
    return b.finish()


def build_chain(layers: Sequence[int], w_bits: int, a_bits: int, in_features: int, *,
                folding: Sequence[tuple[int, int]] | None = None, seed: int = 0,
                label_select: bool = False, ram_style: str = "auto") -> ModuleOp:
    """A small MLP chain (for exhaustive folding checks)."""
    folding = folding or [(1, 1)] * len(layers)
    b = DataflowBuilder([in_features], activation_type(a_bits), seed=seed, ram_style=ram_style)
    for i, (mh, (simd, pe)) in enumerate(zip(layers, folding, strict=True)):
        last = i == len(layers) - 1
        b.mvtu(mh, weight_type(w_bits), None if last else activation_type(a_bits),
               pe=pe, simd=simd)
    if label_select:
        b.label_select(1)
    return b.finish()
