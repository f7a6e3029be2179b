"""How a layer's weights and thresholds are laid out in memory words, in one place: the
HLS and RTL backends pack these tiles into words (`rpnn_ir.backends.hls.*_words`), the RTL
cost model counts their bit columns (`rpnn_ir.hw.cost_rtl.weight_table`)."""

from __future__ import annotations

import numpy as np


def mvtu_weight_tiles(w: np.ndarray, pe: int, simd: int) -> np.ndarray:
    """[MW, MH] -> [PE, NF, SF, SIMD]: tile (p, nf, sf) holds W[sf*SIMD + s, nf*PE + p] in
    slot s; word nf*SF + sf of PE p's memory."""
    mw, mh = w.shape
    return w.reshape(mw // simd, simd, mh // pe, pe).transpose(3, 2, 0, 1)


def depthwise_weight_tiles(w: np.ndarray, pe: int, simd: int) -> np.ndarray:
    """[C, K2] -> [PE, CF, TF, SIMD]: tile (p, cf, tf) holds W[cf*PE + p, tf*SIMD + s] in
    slot s; word cf*TF + tf of PE p's memory."""
    c, k2 = w.shape
    return w.reshape(c // pe, pe, k2 // simd, simd).transpose(1, 0, 2, 3)


def threshold_tiles(t: np.ndarray, channels: int, pe: int) -> np.ndarray:
    """[C or 1, T] -> [PE, C/PE, T]: word nf of PE p's memory holds the sorted thresholds of
    channel nf*PE + p (a single row serves every channel)."""
    t = np.sort(np.asarray(t, dtype=np.int64), axis=1)
    if t.shape[0] == 1:
        t = np.repeat(t, channels, axis=0)
    return t.reshape(channels // pe, pe, t.shape[1]).transpose(1, 0, 2)
