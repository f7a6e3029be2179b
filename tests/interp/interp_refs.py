"""Independent reference computations shared by the interpreter tests (loops, Python ints)."""

from __future__ import annotations

import math

import numpy as np
from xdsl.dialects.builtin import ModuleOp

from rpnn_ir import interp
from rpnn_ir.builders.ops import window_out


def conv_loops(x, w, stride, padding, dilation, groups):
    """Direct convolution with Python numbers (ints stay exact, floats summed by fsum)."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    top, left, bottom, right = padding
    oh = window_out(h, kh, stride[0], top + bottom, dilation[0])
    ow = window_out(wd, kw, stride[1], left + right, dilation[1])
    og = o // groups
    integer = x.dtype.kind in "iu"
    out = np.zeros((n, o, oh, ow), dtype=object)
    for b in range(n):
        for oc in range(o):
            g = oc // og
            for i in range(oh):
                for j in range(ow):
                    terms = []
                    for ci in range(cg):
                        for p in range(kh):
                            for q in range(kw):
                                ih = i * stride[0] - top + p * dilation[0]
                                iw = j * stride[1] - left + q * dilation[1]
                                if 0 <= ih < h and 0 <= iw < wd:
                                    xv = x[b, g * cg + ci, ih, iw]
                                    wv = w[oc, ci, p, q]
                                    terms.append(int(xv) * int(wv) if integer
                                                 else float(xv) * float(wv))
                    out[b, oc, i, j] = sum(terms) if integer else math.fsum(terms)
    return out


def xnor_popcount_matmul(x, w):
    """Bipolar dot products from bits: 2 * popcount(XNOR(a, b)) - K."""
    k = w.shape[0]
    mask = (1 << k) - 1

    def pack(vec):
        return sum(1 << i for i, v in enumerate(vec) if v == 1)  # bit 1 = +1

    cols = [pack(w[:, j]) for j in range(w.shape[1])]
    out = []
    for row in x:
        bits = pack(row)
        out.append([2 * bin(~(bits ^ col) & mask).count("1") - k for col in cols])
    return out


def count_loop(value, row) -> int:
    """Number of thresholds t in `row` with t <= value."""
    return sum(1 for t in row if t <= value)


def run(module: ModuleOp, *inputs: np.ndarray) -> list[np.ndarray]:
    """The interpreter's results for `inputs`."""
    return interp.run(module, list(inputs))


def run1(module: ModuleOp, *inputs: np.ndarray) -> np.ndarray:
    """The interpreter's single result for `inputs`."""
    (result,) = interp.run(module, list(inputs))
    return result
