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
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Attribute, SSAValue
from xdsl.rewriter import Rewriter

from rpnn_ir import dtypes
from rpnn_ir.builders.ops import BIPOLAR, FunctionBuilder, random_values, tensor
from rpnn_ir.dialects import rpnn


def weight_type(bits: int) -> Attribute:
    """Bipolar for 1 bit, else a signed integer (values kept narrow)."""
    return BIPOLAR if bits == 1 else dtypes.int_type(bits, signed=True)


def activation_type(bits: int) -> Attribute:
    """Bipolar for 1 bit, else unsigned."""
    return BIPOLAR if bits == 1 else dtypes.int_type(bits, signed=False)


def accumulator_type(mw: int, w_elt: Attribute, x_elt: Attribute) -> Attribute:
    """Narrowest integer type holding any dot product of length `mw` of the two types."""
    wlo, whi = dtypes.element_range(w_elt)
    if not dtypes.is_bipolar(w_elt) and wlo < 0:
        wlo = -whi
    xlo, xhi = dtypes.element_range(x_elt)
    products = [a * b for a in (wlo, whi) for b in (xlo, xhi)]
    return dtypes.narrowest_int_type(mw * min(products), mw * max(products))


class DataflowBuilder:
    """Appends dataflow units to one function; inserts `rpnn.dwc` where word sizes differ.

        b = DataflowBuilder([784], activation_type(1))
        b.mvtu(1024, weight_type(1), activation_type(1), pe=32, simd=64)
        ...
        module = b.finish()

    Weights are random narrow values of their type and thresholds random sorted values in
    the middle half of the accumulator range (seeded by `seed`).
    """

    def __init__(self, shape: Sequence[int], element_type: Attribute, word: int | None = None,
                 seed: int = 0, resource: str = "lut", ram_style: str = "auto"):
        self.rng = np.random.default_rng(seed)
        self.resource = resource
        self.ram_style = ram_style
        self.fn = FunctionBuilder(tensor([1, *shape], element_type))
        self._source_word = word
        self.source = self.fn.to_stream(self.fn.args[0], word or 1)
        self.value: SSAValue = self.source

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
        if self.value is self.source and self._source_word is None and \
                shape == typ.get_shape():
            # the host port takes any width: match the first consumer
            new = rpnn.StreamType(list(shape), typ.element_type, word)
            self.value = self.source = Rewriter.replace_value_with_new_type(self.value, new)
            self._source_word = word
            return self.value
        self.value = self.fn.dwc(self.value, word, shape)
        return self.value

    def _thresholds(self, mh: int, acc: Attribute, out: Attribute) -> SSAValue:
        steps = 1 if dtypes.is_bipolar(out) else dtypes.element_range(out)[1]
        lo, hi = dtypes.element_range(acc)
        center, span = (lo + hi) // 2, (hi - lo) // 4
        values = np.sort(self.rng.integers(center - span, center + span + 1,
                                           size=(mh, steps)), axis=1)
        return self.fn.const(values.astype(np.int64), acc)

    # ---------------------------------------------------------------- units

    def mvtu(self, mh: int, w_elt: Attribute, out_elt: Attribute | None, *, pe: int = 1,
             simd: int = 1, resource: str | None = None, ram_style: str | None = None
             ) -> SSAValue:
        """An MVTU with MH outputs; thresholds to `out_elt` (None: output the accumulator)."""
        x = self._word(simd)
        x_type = self.stream
        mw = x_type.channels
        acc = accumulator_type(mw, w_elt, x_type.element_type)
        weights = self.fn.const(random_values(self.rng, w_elt, (mw, mh), narrow=True), w_elt)
        thresholds = None if out_elt is None else self._thresholds(mh, acc, out_elt)
        self.value = self.fn.mvtu(x, weights, acc, thresholds, out_elt, pe=pe, simd=simd,
                                  resource=resource or self.resource,
                                  ram_style=ram_style or self.ram_style)
        return self.value

    def swg(self, kernel: int, stride: int = 1, simd: int = 1) -> SSAValue:
        self.value = self.fn.swg(self._word(simd), (kernel, kernel), (stride, stride), simd)
        return self.value

    def conv(self, channels: int, kernel: int, w_elt: Attribute, out_elt: Attribute | None, *,
             pe: int = 1, simd: int = 1, stride: int = 1) -> SSAValue:
        """A valid (unpadded) convolution: SWG with the MVTU's SIMD, then the MVTU."""
        self.swg(kernel, stride, simd)
        return self.mvtu(channels, w_elt, out_elt, pe=pe, simd=simd)

    def pad(self, padding: Sequence[int], value: int = 0, simd: int = 1) -> SSAValue:
        self.value = self.fn.pad(self._word(simd), padding, value, simd)
        return self.value

    def maxpool(self, kernel: int = 2, stride: int | None = None, pe: int | None = None
                ) -> SSAValue:
        stride = stride or kernel
        x = self._word(pe or self.stream.word.data)
        self.value = self.fn.stream_maxpool(x, (kernel, kernel), (stride, stride),
                                            self.stream.word.data)
        return self.value

    def thresholding(self, out_elt: Attribute, pe: int = 1) -> SSAValue:
        """A stand-alone thresholding unit from the current (integer) stream to `out_elt`."""
        x = self._word(pe)
        thresholds = self._thresholds(self.stream.channels, self.stream.element_type, out_elt)
        self.value = self.fn.thresholding(x, thresholds, out_elt, pe)
        return self.value

    def duplicate(self) -> SSAValue:
        """Copy the current stream: it stays current, the copy is returned."""
        self.value, copy = self.fn.duplicate(self.value)
        return copy

    def add_streams(self, other: SSAValue, pe: int = 1) -> SSAValue:
        """Element-wise sum of the current stream and `other` (same shape)."""
        rhs = self.value
        self.value = other
        other = self._word(pe)
        self.value = rhs
        lhs = self._word(pe)
        lo_l, hi_l = dtypes.element_range(self.stream.element_type)
        assert isinstance(other.type, rpnn.StreamType)
        lo_r, hi_r = dtypes.element_range(other.type.element_type)
        out = dtypes.narrowest_int_type(lo_l + lo_r, hi_l + hi_r)
        self.value = self.fn.add_streams(lhs, other, out, pe)
        return self.value

    def flatten(self, word: int | None = None) -> SSAValue:
        """View the stream as a vector (a free reshape on a stream, done by a DWC)."""
        size = int(np.prod(self.stream.get_shape()))
        return self._word(word or self.stream.word.data, (size,))

    def label_select(self, k: int = 1, pe: int | None = None) -> SSAValue:
        x = self._word(pe or self.stream.word.data)
        labels = self.stream.channels
        out = dtypes.int_type(max(1, (labels - 1).bit_length()), signed=False)
        self.value = self.fn.label_select(x, k, out, self.stream.word.data)
        return self.value

    def finish(self, name: str = "main") -> ModuleOp:
        return self.fn.finish(self.fn.to_tensor(self.value), name=name)

    def mlp(self, layers: Sequence[int], w_bits: int, a_bits: int,
            folding: Sequence[tuple[int, int]]) -> SSAValue:
        """Dense layers of `layers` outputs with (SIMD, PE) `folding`; the last one outputs
        its accumulators."""
        for i, (mh, (simd, pe)) in enumerate(zip(layers, folding, strict=True)):
            last = i == len(layers) - 1
            self.mvtu(mh, weight_type(w_bits), None if last else activation_type(a_bits),
                      pe=pe, simd=simd)
        return self.value


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
              in_features: int = 784, last_mh: int = 10, label_select: bool = True,
              input_bits: int | None = None) -> ModuleOp:
    """LFC 784-1024-1024-1024-10 at W`w_bits` A`a_bits`; `folding` = (SIMD, PE) per layer.

    `in_features` = 832 and `last_mh` = 64 reproduce BNN-PYNQ's padded LFC
    (``lfcW1A1/hw/config.h``: MW 832 for SIMD 64, MH 64 for PE 16).  `input_bits`: the
    image's bits (default `a_bits`); BNN-PYNQ's LFC-W1A2 reads a binarised image
    (``lfcW1A2/hw/top.cpp``: the first layer's input is ``Recast<Binary>``), `input_bits=1`.
    """
    folding = folding or [(1, 1)] * len(LFC_LAYERS)
    b = DataflowBuilder([in_features], activation_type(input_bits or a_bits), seed=seed,
                        resource=resource, ram_style=ram_style)
    b.mlp((*LFC_LAYERS[:-1], last_mh), w_bits, a_bits, folding)
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
    b.mlp((*CNV_FCS[:-1], last_mh), w_bits, a_bits, folding[layer:])
    if label_select:
        b.label_select(1)
    return b.finish()


def build_chain(layers: Sequence[int], w_bits: int, a_bits: int, in_features: int, *,
                folding: Sequence[tuple[int, int]] | None = None, seed: int = 0,
                label_select: bool = False, ram_style: str = "auto") -> ModuleOp:
    """A small MLP chain (for exhaustive folding checks)."""
    folding = folding or [(1, 1)] * len(layers)
    b = DataflowBuilder([in_features], activation_type(a_bits), seed=seed, ram_style=ram_style)
    b.mlp(layers, w_bits, a_bits, folding)
    if label_select:
        b.label_select(1)
    return b.finish()
