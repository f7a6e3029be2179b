"""Dataflow-level test networks for the backends, built directly with xDSL builders.

`Net` adds stream units with random (seeded) weights and thresholds and computes the types the
verifiers demand: accumulators from exact bounds, threshold types from the values. Hand-built
networks (`bipolar_mlp`, `conv_net`, ...) cover every op; `random_net` builds a random chain
(with residual branches, several inputs and outputs, random PE/SIMD foldings and the DWCs they
need) from a hypothesis `data` object.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Attribute, SSAValue

from rpnn_ir import dtypes
from rpnn_ir.builders.ops import (
    BIPOLAR,
    FunctionBuilder,
    divisors,
    dot_bounds,
    elt_of,
    random_values,
    shape_of,
    si,
    tensor,
    ui,
)


class Net:
    """One function of dataflow ops under construction (random constants from `seed`)."""

    def __init__(self, seed: int = 0, name: str = "main"):
        self.rng = np.random.default_rng(seed)
        self.fn = FunctionBuilder()
        self.results: list[SSAValue] = []
        self.name = name
        self.samples: dict[SSAValue, np.ndarray] = {}  # sample frames of each stream
        self.max_steps = 15  # thresholds per channel at most

    def _sample(self, s: SSAValue) -> np.ndarray:
        return self.samples[s]

    # ---- boundary ----------------------------------------------------------------

    def input(self, shape: Sequence[int], elt: Attribute, word: int = 1,
              name: str | None = None) -> SSAValue:
        arg = self.fn.add_arg(tensor([1, *shape], elt), name)
        s = self.fn.to_stream(arg, word)
        self.samples[s] = random_values(self.rng, elt, (16, *shape))
        return s

    def output(self, s: SSAValue) -> None:
        self.results.append(self.fn.to_tensor(s))

    def finish(self) -> ModuleOp:
        return self.fn.finish(*self.results, name=self.name)

    def const(self, values: np.ndarray, elt: Attribute) -> SSAValue:
        return self.fn.const(np.asarray(values), elt)

    # ---- helpers -----------------------------------------------------------------

    def _thresholds(self, acc_samples: np.ndarray, channels: int, out: Attribute,
                    per_channel: bool = True) -> tuple[np.ndarray, int | None]:
        """Thresholds spread over the sampled accumulator values; (values, out_bias)."""
        if dtypes.is_bipolar(out):
            steps, bias = 1, None
        else:
            lo, hi = dtypes.element_range(out)
            steps = min(hi - lo, self.max_steps)
            bias = lo if lo != 0 else None
        rows = channels if per_channel else 1
        flat = acc_samples.reshape(-1, channels)
        t = np.empty((rows, steps), dtype=np.int64)
        for r in range(rows):
            column = flat[:, r] if per_channel else flat.reshape(-1)
            picks = self.rng.choice(column, size=steps) + self.rng.integers(-1, 2, size=steps)
            t[r] = self.rng.permutation(picks)  # unsorted on purpose
        return t, bias

    def _threshold_const(self, t: np.ndarray) -> SSAValue:
        return self.const(t, dtypes.narrowest_int_type(int(t.min()), int(t.max())))

    def _acc_type(self, lo: int, hi: int, wider: bool = False) -> Attribute:
        typ = dtypes.narrowest_int_type(lo, hi)
        if wider and typ.width.data < 30:
            return dtypes.int_type(typ.width.data + 2, dtypes.is_int(typ) and lo < 0)
        return typ

    def _unit(self, build: Callable[..., SSAValue], s: SSAValue, w_values: np.ndarray,
              w_elt: Attribute, acc_bounds: tuple[int, int], acc_samples: np.ndarray,
              channels: int, out: Attribute | None, pe: int, simd: int,
              per_channel: bool = True, resource: str = "lut", ram: str = "auto"
              ) -> SSAValue:
        """An MVTU or depthwise unit (`build`) with a random accumulator type (the narrowest
        or two bits wider) and thresholds drawn from the sampled accumulators."""
        lo, hi = acc_bounds
        acc = self._acc_type(lo, hi, wider=bool(self.rng.integers(0, 2)))
        w = self.const(w_values, w_elt)
        if out is None:
            result = build(s, w, acc, pe=pe, simd=simd, resource=resource, ram_style=ram)
            self.samples[result] = acc_samples
            return result
        t, bias = self._thresholds(acc_samples, channels, out, per_channel)
        result = build(s, w, acc, self._threshold_const(t), out, pe=pe, simd=simd,
                       out_bias=bias, resource=resource, ram_style=ram)
        self.samples[result] = _threshold_samples(acc_samples, t, channels, out, bias)
        return result

    # ---- units -------------------------------------------------------------------

    def mvtu(self, s: SSAValue, mh: int, w_elt: Attribute, out: Attribute | None,
             pe: int = 1, simd: int = 1, per_channel: bool = True, resource: str = "lut",
             ram: str = "auto") -> SSAValue:
        s = self.rewordto(s, simd)
        mw = shape_of(s)[-1]
        w = random_values(self.rng, w_elt, (mw, mh))
        bounds = dot_bounds(dtypes.element_range(elt_of(s)), w, axis=0)
        acc_samples = self._sample(s) @ w
        return self._unit(self.fn.mvtu, s, w, w_elt, bounds, acc_samples, mh, out, pe, simd,
                          per_channel, resource, ram)

    def depthwise(self, s: SSAValue, w_elt: Attribute, out: Attribute | None, taps: int,
                  pe: int = 1, simd: int = 1) -> SSAValue:
        s = self.rewordto(s, pe * simd)
        channels = shape_of(s)[-1] // taps
        w = random_values(self.rng, w_elt, (channels, taps))
        bounds = dot_bounds(dtypes.element_range(elt_of(s)), w, axis=1)
        x = self._sample(s)
        xs = x.reshape(*x.shape[:-1], taps, channels)
        acc_samples = np.einsum("...kc,ck->...c", xs, w)
        return self._unit(self.fn.depthwise, s, w, w_elt, bounds, acc_samples, channels, out,
                          pe, simd)

    def thresholding(self, s: SSAValue, out: Attribute, pe: int = 1,
                     per_channel: bool = True) -> SSAValue:
        s = self.rewordto(s, pe)
        channels = shape_of(s)[-1]
        t, bias = self._thresholds(self._sample(s), channels, out, per_channel)
        result = self.fn.thresholding(s, self._threshold_const(t), out, pe, bias)
        self.samples[result] = _threshold_samples(self._sample(s), t, channels, out, bias)
        return result

    def swg(self, s: SSAValue, kernel, stride, simd: int = 1) -> SSAValue:
        s = self.rewordto(s, simd)
        result = self.fn.swg(s, kernel, stride, simd)
        x = self._sample(s)
        view = np.lib.stride_tricks.sliding_window_view(x, tuple(kernel), axis=(1, 2))
        view = view[:, ::stride[0], ::stride[1]]
        self.samples[result] = view.transpose(0, 1, 2, 4, 5, 3).reshape(x.shape[0],
                                                                        *shape_of(result))
        return result

    def pad(self, s: SSAValue, padding, value: int, simd: int = 1) -> SSAValue:
        s = self.rewordto(s, simd)
        result = self.fn.pad(s, padding, value, simd)
        top, left, bottom, right = padding
        self.samples[result] = np.pad(self._sample(s),
                                      ((0, 0), (top, bottom), (left, right), (0, 0)),
                                      constant_values=value)
        return result

    def maxpool(self, s: SSAValue, kernel, stride, pe: int = 1) -> SSAValue:
        s = self.rewordto(s, pe)
        result = self.fn.stream_maxpool(s, kernel, stride, pe)
        view = np.lib.stride_tricks.sliding_window_view(self._sample(s), tuple(kernel),
                                                        axis=(1, 2))
        self.samples[result] = view[:, ::stride[0], ::stride[1]].max(axis=(-2, -1))
        return result

    def dwc(self, s: SSAValue, word: int, shape: Sequence[int] | None = None) -> SSAValue:
        result = self.fn.dwc(s, word, shape)
        x = self._sample(s)
        self.samples[result] = x.reshape(x.shape[0], *shape_of(result))
        return result

    def rewordto(self, s: SSAValue, word: int) -> SSAValue:
        return s if s.type.word.data == word else self.dwc(s, word)

    def fifo(self, s: SSAValue, depth: int = 2, ram: str = "auto") -> SSAValue:
        result = self.fn.fifo(s, depth, ram)
        self.samples[result] = self._sample(s)
        return result

    def duplicate(self, s: SSAValue, copies: int = 2) -> tuple[SSAValue, ...]:
        results = self.fn.duplicate(s, copies)
        for r in results:
            self.samples[r] = self._sample(s)
        return results

    def add_streams(self, a: SSAValue, b: SSAValue, pe: int = 1) -> SSAValue:
        a, b = self.rewordto(a, pe), self.rewordto(b, pe)
        lo_a, hi_a = dtypes.element_range(elt_of(a))
        lo_b, hi_b = dtypes.element_range(elt_of(b))
        out = dtypes.narrowest_int_type(lo_a + lo_b, hi_a + hi_b)
        result = self.fn.add_streams(a, b, out, pe)
        self.samples[result] = self._sample(a) + self._sample(b)
        return result

    def label_select(self, s: SSAValue, k: int, pe: int = 1) -> SSAValue:
        s = self.rewordto(s, pe)
        labels = shape_of(s)[0]
        result = self.fn.label_select(s, k, dtypes.narrowest_int_type(0, labels - 1), pe)
        self.samples[result] = np.argsort(-self._sample(s), axis=-1, kind="stable")[:, :k]
        return result


def _threshold_samples(acc: np.ndarray, t: np.ndarray, channels: int, out: Attribute,
                       bias: int | None) -> np.ndarray:
    """The thresholded samples: per channel the count of (sorted) thresholds <= acc, as
    bipolar +-1 or offset by `bias`; one row of `t` serves every channel."""
    rows = np.sort(t, axis=1)
    flat = acc.reshape(-1, channels)
    n = np.stack([np.searchsorted(rows[c if rows.shape[0] > 1 else 0], flat[:, c],
                                  side="right") for c in range(channels)], axis=1)
    sample = 2 * n - 1 if dtypes.is_bipolar(out) else n + (bias or 0)
    return sample.reshape(acc.shape)


# --------------------------------------------------------------------------- hand-built nets


def bipolar_mlp(seed: int = 0, sizes=(64, 32, 32, 10), pe=(4, 8, 2), simd=(16, 8, 4),
                name: str = "main") -> ModuleOp:
    """W1A1 MLP: bipolar input, bipolar layers (XNOR-popcount), an accumulator output."""
    net = Net(seed, name)
    s = net.input([sizes[0]], BIPOLAR, simd[0])
    for i, mh in enumerate(sizes[1:]):
        last = i == len(sizes) - 2
        s = net.mvtu(s, mh, BIPOLAR, None if last else BIPOLAR, pe=pe[i], simd=simd[i])
    net.output(s)
    return net.finish()


def conv_net(seed: int = 0) -> ModuleOp:
    """Multi-bit conv net: pad, swg, mvtu, maxpool, flatten dwc, dense, label_select."""
    net = Net(seed)
    s = net.input([8, 8, 3], ui(8), 3)
    s = net.pad(s, (1, 1, 1, 1), 0, simd=3)
    s = net.swg(s, (3, 3), (1, 1), simd=3)
    s = net.mvtu(s, 8, si(2), ui(2), pe=4, simd=9)
    s = net.fifo(s, depth=16)
    s = net.swg(s, (3, 3), (1, 1), simd=4)
    s = net.mvtu(s, 8, si(2), si(2), pe=2, simd=8, resource="dsp", ram="block")
    s = net.maxpool(s, (2, 2), (2, 2), pe=2)
    s = net.dwc(s, 4, shape=[int(np.prod(shape_of(s)))])
    s = net.mvtu(s, 16, si(2), ui(2), pe=4, simd=4)
    s = net.mvtu(s, 10, si(3), None, pe=2, simd=4)
    net.output(net.label_select(s, 3, pe=2))
    return net.finish()


def depthwise_net(seed: int = 0) -> ModuleOp:
    """swg -> depthwise (PE folding, then SIMD folding) -> thresholding."""
    net = Net(seed)
    s = net.input([6, 6, 4], si(3), 2)
    s = net.swg(s, (3, 3), (1, 1), simd=2)
    s = net.depthwise(s, si(3), ui(3), taps=9, pe=2, simd=1)
    s = net.swg(s, (2, 2), (1, 1), simd=4)
    s = net.depthwise(s, si(2), None, taps=4, pe=4, simd=2)
    s = net.thresholding(s, ui(2), pe=2)
    net.output(s)
    return net.finish()


def residual_net(seed: int = 0) -> ModuleOp:
    """duplicate -> (mvtu branch, identity) -> add_streams; two outputs; a 1x1 conv."""
    net = Net(seed)
    s = net.input([4, 4, 8], ui(2), 4)
    a, b = net.duplicate(s)
    a = net.mvtu(a, 8, si(2), ui(2), pe=2, simd=4)
    b = net.fifo(b, depth=32)
    s = net.add_streams(a, b, pe=2)
    s = net.thresholding(s, si(3), pe=8)
    c, d = net.duplicate(s, 2)
    net.output(c)
    d = net.dwc(d, 8, shape=[128])
    d = net.mvtu(d, 6, BIPOLAR, None, pe=3, simd=8)
    net.output(net.label_select(d, 2, pe=3))
    return net.finish()


def two_input_net(seed: int = 0) -> ModuleOp:
    """Two FPGA inputs (one bipolar) summed; bipolar maxpool and pad; an unread stream."""
    net = Net(seed)
    a = net.input([4, 4, 2], BIPOLAR, 2)
    b = net.input([4, 4, 2], si(4), 1)
    a2 = net.pad(a, (0, 1, 1, 0), -1, simd=2)
    a2 = net.maxpool(a2, (2, 2), (1, 1), pe=1)
    s = net.add_streams(a2, b, pe=1)
    s, _unused = net.duplicate(s)  # a stream nobody reads
    net.output(s)
    net.output(net.mvtu(s, 4, BIPOLAR, BIPOLAR, pe=2, simd=2))
    return net.finish()


HAND_NETS: dict[str, Callable[[int], ModuleOp]] = {
    "bipolar_mlp": bipolar_mlp,
    "conv_net": conv_net,
    "depthwise_net": depthwise_net,
    "residual_net": residual_net,
    "two_input_net": two_input_net,
}


# --------------------------------------------------------------------------- random nets


ANY_KINDS = ("mvtu", "fifo", "dwc", "residual", "branch_out")
IMAGE_KINDS = ("conv", "pad", "maxpool", "depthwise", "flatten")
UNIT_KINDS = (*ANY_KINDS, "thresholding", *IMAGE_KINDS, "label_select")
"""The steps of `random_net`: any stream, image streams only, vectors only (label_select)."""


def random_net(data, seed: int, image: bool | None = None, min_steps: int = 1) -> ModuleOp:
    """A random dataflow graph: a chain of random units with random foldings (hypothesis).

    `image` forces an image (or vector) input; `min_steps` is the least number of units.
    """
    from hypothesis import strategies as st

    draw = data.draw
    net = Net(seed)
    types = [BIPOLAR, ui(1), ui(2), ui(3), si(2), si(3), si(4), ui(8)]
    # one kind of unit the graph starts with, so that every kind has a fair share of graphs
    # (hypothesis's draws below favour the first kinds and short graphs)
    focus = draw(st.sampled_from([k for k in UNIT_KINDS if image is None
                                  or (k in IMAGE_KINDS) == image or k in ANY_KINDS]),
                 label="focus")
    if image is None:
        image = focus in IMAGE_KINDS or (focus in ANY_KINDS and draw(st.booleans(),
                                                                    label="image"))
    elt = draw(st.sampled_from(types), label="input type")
    if image:
        h, w = draw(st.integers(2, 6)), draw(st.integers(2, 6))
        c = draw(st.integers(1, 4))
        shape = [h, w, c]
    else:
        shape = [draw(st.integers(1, 40))]
    s = net.input(shape, elt, draw(st.sampled_from(divisors(shape[-1]))))
    if draw(st.integers(0, 5)) == 0:  # a second input, added in
        t = net.input(shape, draw(st.sampled_from(types)),
                      draw(st.sampled_from(divisors(shape[-1]))))
        s = net.add_streams(s, t, pe=draw(st.sampled_from(divisors(shape[-1]))))
    steps = draw(st.integers(min_steps, max(5, min_steps)), label="steps")
    outputs = 0

    def fold(n: int) -> int:
        return draw(st.sampled_from(divisors(n)))

    def act_type() -> Attribute | None:
        return draw(st.sampled_from([None, BIPOLAR, ui(1), ui(2), ui(3), si(2), si(3)]))

    def weight_type(x: Attribute) -> Attribute:
        choices = [BIPOLAR, si(2), si(3), si(4)] if dtypes.is_bipolar(x) else [
            BIPOLAR, si(2), si(3), si(4), ui(2)]
        return draw(st.sampled_from(choices))

    for step in range(steps):
        shp = shape_of(s)
        x = elt_of(s)
        cur_bits = max(abs(v) for v in dtypes.element_range(x))
        kinds = ["mvtu", "fifo", "dwc", "residual", "branch_out"]
        if not dtypes.is_bipolar(x):
            kinds.append("thresholding")
        if len(shp) == 3:
            kinds += ["conv", "conv", "pad", "maxpool", "depthwise", "flatten"]
        else:
            kinds.append("label_select")
        kind = focus if step == 0 and focus in kinds else draw(st.sampled_from(kinds),
                                                               label="unit")
        if kind == "mvtu" and cur_bits <= 2**12:
            mh = draw(st.integers(1, 12))
            s = net.mvtu(s, mh, weight_type(x), act_type(), pe=fold(mh), simd=fold(shp[-1]),
                         per_channel=draw(st.booleans()),
                         resource=draw(st.sampled_from(["lut", "dsp"])))
        elif kind == "thresholding":
            s = net.thresholding(s, draw(st.sampled_from([BIPOLAR, ui(2), si(2), ui(4)])),
                                 pe=fold(shp[-1]), per_channel=draw(st.booleans()))
        elif kind == "fifo":
            s = net.fifo(s, depth=draw(st.integers(1, 64)),
                         ram=draw(st.sampled_from(["auto", "block", "distributed"])))
        elif kind == "dwc":
            s = net.dwc(s, fold(shp[-1]))
        elif kind == "residual":
            a, b = net.duplicate(s)
            if cur_bits <= 2**10 and draw(st.booleans()):
                a = net.mvtu(a, shp[-1], weight_type(x), draw(st.sampled_from(
                    [ui(2), si(2), BIPOLAR])), pe=fold(shp[-1]), simd=fold(shp[-1]))
            else:
                a = net.fifo(a, depth=4)
            s = net.add_streams(a, b, pe=fold(shp[-1]))
        elif kind == "branch_out" and outputs < 2:
            s, out = net.duplicate(s)
            net.output(out)
            outputs += 1
        elif kind == "label_select":
            s = net.label_select(s, draw(st.integers(1, shp[0])), pe=fold(shp[0]))
        elif kind == "conv" and cur_bits <= 2**10:
            kh, kw = draw(st.integers(1, min(3, shp[0]))), draw(st.integers(1, min(3, shp[1])))
            sh, sw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
            s = net.swg(s, (kh, kw), (sh, sw), simd=fold(shp[-1]))
            mh = draw(st.integers(1, 8))
            s = net.mvtu(s, mh, weight_type(x), act_type(), pe=fold(mh),
                         simd=fold(shape_of(s)[-1]))
        elif kind == "pad":
            pads = [draw(st.integers(0, 2)) for _ in range(4)]
            lo, hi = dtypes.element_range(x)
            value = draw(st.sampled_from([-1, 1])) if dtypes.is_bipolar(x) else draw(
                st.integers(lo, hi))
            s = net.pad(s, pads, value, simd=fold(shp[-1]))
        elif kind == "maxpool":
            kh, kw = draw(st.integers(1, min(3, shp[0]))), draw(st.integers(1, min(3, shp[1])))
            s = net.maxpool(s, (kh, kw), (draw(st.integers(1, 3)), draw(st.integers(1, 3))),
                            pe=fold(shp[-1]))
        elif kind == "depthwise" and cur_bits <= 2**10:
            k = draw(st.integers(1, min(3, shp[0], shp[1])))
            s = net.swg(s, (k, k), (1, 1), simd=fold(shp[-1]))
            c = shp[-1]
            simd = draw(st.sampled_from(divisors(k * k)))
            pe = c if simd > 1 else fold(c)
            s = net.depthwise(s, weight_type(x), act_type(), taps=k * k, pe=pe, simd=simd)
        elif kind == "flatten":
            n = math.prod(shp)
            s = net.dwc(s, draw(st.sampled_from(divisors(n))), shape=[n])
    net.output(s)
    return net.finish()


def xnor_net(seed: int = 0, linear: bool = False) -> ModuleOp:
    """XNOR-popcount layers whose outputs are not one bipolar step: 600 -> 70 (bipolar,
    shared thresholds) -> 13 multi-step thresholds to si3 (per channel), or with `linear`
    -> 9 accumulators (rows not filling a vector of 8)."""
    net = Net(seed)
    s = net.input([600], BIPOLAR, 8)
    s = net.mvtu(s, 70, BIPOLAR, BIPOLAR, pe=2, simd=8, per_channel=False)
    s = net.mvtu(s, 9 if linear else 13, BIPOLAR, None if linear else si(3), pe=1, simd=2)
    net.output(s)
    return net.finish()


def bit_serial_net(seed: int = 0) -> ModuleOp:
    """Low-bit layers for the bit-plane kernel: signed 2-bit inputs (MW 150, a partial
    64-bit word) into bipolar weights, unsigned 2-bit weights, and a linear layer of bipolar
    weights on signed 3-bit inputs (rows not filling a vector of 8)."""
    net = Net(seed)
    s = net.input([150], si(2), 2)
    s = net.mvtu(s, 21, BIPOLAR, ui(2), pe=1, simd=2)
    s = net.mvtu(s, 11, ui(2), si(3), pe=1, simd=1)
    s = net.mvtu(s, 9, BIPOLAR, None, pe=1, simd=1)
    net.output(s)
    return net.finish()


def kernel_net(seed: int = 0) -> ModuleOp:
    """Layers for every kernel path at odd sizes: XNOR-popcount with 8-word vectors and a
    masked tail (MW 600); 8-bit dot products from bipolar (offset), unsigned and signed
    inputs, MW not a multiple of 64, MH not a multiple of 4; a depthwise layer."""
    net = Net(seed)
    s = net.input([600], BIPOLAR, 8)
    s = net.mvtu(s, 70, BIPOLAR, BIPOLAR, pe=2, simd=8)
    s = net.mvtu(s, 130, si(2), ui(2), pe=2, simd=2)
    s = net.mvtu(s, 37, si(3), si(3), pe=1, simd=2)
    s = net.mvtu(s, 33, si(4), None, pe=1, simd=1)
    s = net.depthwise(s, si(3), None, taps=3)
    net.output(s)
    return net.finish()


def implicit_conv_net(seed: int = 0) -> ModuleOp:
    """Convolutions the AVX-512 kernels compute from their window unit's input (channels
    filling 64-bit words): bipolar 64-channel input, padded with -1, a random kernel and
    stride into XNOR-popcount (64 channels of si2), a bit-plane convolution on those with
    random (bipolar, si2 or ui2) weights and odd output channels, then one on 13 channels
    (not whole words: an explicit window buffer) to accumulators; odd frame sizes."""
    rng = np.random.default_rng(seed)
    net = Net(seed)
    h, w = (int(v) for v in rng.integers(4, 8, size=2))
    kernel = tuple(int(v) for v in rng.integers(1, 4, size=2))
    stride = tuple(int(v) for v in rng.integers(1, 3, size=2))
    pad = tuple(int(v) for v in rng.integers(0, 2, size=4))
    s = net.input([h, w, 64], BIPOLAR, 8)
    s = net.pad(s, pad, -1, simd=8)
    s = net.swg(s, kernel, stride, simd=8)
    s = net.mvtu(s, 64, BIPOLAR, si(2), pe=4, simd=8)
    s = net.swg(s, (2, 2), (1, 1), simd=4)
    w_elt = [BIPOLAR, si(2), ui(2)][seed % 3]
    s = net.mvtu(s, 13, w_elt, ui(2), pe=1, simd=4)
    s = net.swg(s, (2, 1), (1, 1), simd=1)
    net.output(net.mvtu(s, 9, si(2), None, pe=1, simd=1))
    return net.finish()


def many_thresholds_net(seed: int = 0) -> ModuleOp:
    """Layers whose 31 thresholds per channel do not fit the AVX-512 kernels' lane
    comparisons (more than 16), so level 2 runs the level-1 AVX2 kernels: XNOR-popcount
    into ui5, then 8-bit dot products on those."""
    net = Net(seed)
    net.max_steps = 31
    s = net.input([130], BIPOLAR, 2)
    s = net.mvtu(s, 21, BIPOLAR, ui(5), pe=1, simd=2)
    net.output(net.mvtu(s, 19, si(2), ui(5), pe=1, simd=1))
    return net.finish()
