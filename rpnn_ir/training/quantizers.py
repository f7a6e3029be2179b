"""Quantizers for quantization-aware training, with the semantics of QONNX's ops.

Forward passes compute exactly what the exported node computes (docs/semantics.md):
- `quant`: QONNX `Quant` with zero point 0 and rounding mode ROUND (half to even):
  y = clamp(x / s, min_int, max_int) rounded, times s;
- `bipolar`: QONNX `BipolarQuant`: y = (+1 if x >= 0 else -1) * s.
Backward passes use straight-through estimators: rounding passes the gradient unchanged, the
clamp cuts it outside the representable range, and the sign passes it only for |x| <= 1
(BinaryNet's estimator, gradient cut outside [-1, 1]).

Scales are per tensor or per output channel, learned (a parameter in the log2 domain, trained
with the straight-through gradient as in LSQ, Esser et al. 2020) or from statistics (the
weights' max or mean magnitude; the activations' running max), and by default restricted to
powers of two (Brevitas' POWER_OF_TWO): then every product and partial sum in the network is
exact in float64, so the trained model's deploy predictions equal the compiled design's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn


class _RoundSTE(torch.autograd.Function):
    """Round half to even forward, identity backward."""

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return torch.round(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return grad


class _SignSTE(torch.autograd.Function):
    """x >= 0 -> +1 else -1 forward; gradient passed for |x| <= 1 only."""

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        ctx.save_for_backward(x)
        return torch.where(x >= 0, torch.ones_like(x), -torch.ones_like(x))

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        (x,) = ctx.saved_tensors
        return grad * (x.abs() <= 1).to(grad.dtype)


def round_ste(x: torch.Tensor) -> torch.Tensor:
    """Half-to-even rounding with a straight-through gradient."""
    return _RoundSTE.apply(x)


def sign_ste(x: torch.Tensor) -> torch.Tensor:
    """Bipolar sign (0 -> +1) with the gradient cut outside [-1, 1]."""
    return _SignSTE.apply(x)


def int_range(bits: int, signed: bool, narrow: bool) -> tuple[int, int]:
    """[min_int, max_int] of QONNX Quant (narrow applies to unsigned too, as in qonnx)."""
    if signed:
        return -(2 ** (bits - 1)) + int(narrow), 2 ** (bits - 1) - 1
    return 0, 2**bits - 1 - int(narrow)


def quant(x: torch.Tensor, scale: torch.Tensor, bits: int, signed: bool = True,
          narrow: bool = True) -> torch.Tensor:
    """QONNX Quant (zero point 0, ROUND) with straight-through gradients."""
    lo, hi = int_range(bits, signed, narrow)
    return round_ste(torch.clamp(x / scale, lo, hi)) * scale


def bipolar(x: torch.Tensor, scale: torch.Tensor | float = 1.0) -> torch.Tensor:
    """QONNX BipolarQuant: sign(x) * scale, BinaryNet's clipped straight-through gradient."""
    return sign_ste(x) * scale


def po2_ceil(x: torch.Tensor) -> torch.Tensor:
    """The smallest power of two >= x (x > 0)."""
    return torch.exp2(torch.ceil(torch.log2(x)))


@dataclass(frozen=True)
class QuantSpec:
    """How one tensor is quantized: `bits` None is float32 (no quantizer)."""

    bits: int | None
    per_channel: bool = False
    scale: str = "stats"
    """"stats": from the tensor's statistics; "learned": a trained parameter."""
    po2: bool = True
    """Restrict scales to powers of two (exact deploy arithmetic)."""

    def __post_init__(self) -> None:
        if self.bits is not None and not 1 <= self.bits <= 8:
            raise ValueError(f"bit width {self.bits} is not supported (1..8 or float32)")
        if self.scale not in ("stats", "learned"):
            raise ValueError(f"scale mode {self.scale!r}: expected 'stats' or 'learned'")


def _restrict(scale: torch.Tensor, po2: bool) -> torch.Tensor:
    """Round a positive scale to the nearest power of two (log domain, straight-through)."""
    return torch.exp2(round_ste(torch.log2(scale))) if po2 else scale


class WeightQuant(nn.Module):
    """Signed narrow-range weights (bits >= 2; 2 bits = ternary {-1, 0, 1}) or bipolar (1 bit).

    Scale from statistics, per output channel or per tensor: max |w| / max_int for
    bits >= 3, 2 * mean |w| for ternary (thresholds at +-mean |w|, TWN's rule of thumb
    rounded), mean |w| for bipolar (XNOR-Net), rounded up to a power of two when `po2`
    (a max-based scale then never clips).  Learned: log2 of the scale is a parameter,
    initialised from those statistics by `init_from_stats`.
    """

    def __init__(self, spec: QuantSpec, channels: int):
        super().__init__()
        assert spec.bits is not None
        self.spec = spec
        self.enabled = True
        self.log2_scale = nn.Parameter(torch.zeros(channels if spec.per_channel else 1),
                                       requires_grad=spec.scale == "learned")

    @property
    def max_int(self) -> int:
        return int_range(self.spec.bits or 1, True, True)[1]

    def stats_scale(self, w: torch.Tensor) -> torch.Tensor:
        """The statistics-based scale of `w` (per output channel or per tensor), shape [C|1]."""
        flat = w.detach().reshape(w.shape[0], -1).abs()
        if not self.spec.per_channel:
            flat = flat.reshape(1, -1)
        bits = self.spec.bits or 1
        if bits == 1:
            raw = flat.mean(dim=1)
        elif bits == 2:
            raw = 2 * flat.mean(dim=1)
        else:
            raw = flat.amax(dim=1) / self.max_int
        raw = torch.clamp(raw, min=2.0**-24)
        if not self.spec.po2:
            return raw
        return po2_ceil(raw) if bits >= 3 else torch.exp2(torch.round(torch.log2(raw)))

    def init_from_stats(self, w: torch.Tensor) -> None:
        """Start a learned scale at the statistics' value."""
        with torch.no_grad():
            self.log2_scale.copy_(torch.log2(self.stats_scale(w)))

    def scale(self, w: torch.Tensor) -> torch.Tensor:
        """The scale, shaped [C, 1, ...] (or [1, 1, ...]) to broadcast over `w`."""
        if self.spec.scale == "stats":
            s = self.stats_scale(w)
        else:
            s = _restrict(torch.exp2(self.log2_scale), self.spec.po2)
        return s.to(w.dtype).reshape(-1, *([1] * (w.dim() - 1)))

    def forward(self, w: torch.Tensor) -> torch.Tensor:
        if not self.enabled:
            return w
        s = self.scale(w)
        if self.spec.bits == 1:
            return bipolar(w, s)
        return quant(w, s, self.spec.bits or 1, signed=True, narrow=True)


GAUSSIAN_CLIP = {2: 1.71, 3: 2.15, 4: 2.55}
"""MSE-optimal clipping of a unit Gaussian at 2, 3, 4 bits (Banner et al. 2019)."""


class ActQuant(nn.Module):
    """Activation quantizer after a batch norm, per tensor (the compiler needs one input scale
    along what the next layer sums; the batch norm before it scales channels).

    1 bit: bipolar sign, scale 1.  k >= 2 bits: signed narrow range.  Scale "learned": a log2
    parameter starting where [-1, 1] is covered as in BNN-PYNQ (1 / max_int rounded down to a
    power of two; 2 bits: ternary at +-0.5).  Scale "stats": the clipping range alpha = c_k
    times the running RMS of the input (mean-square, momentum `momentum`) spread over max_int
    levels, rounded to the nearest power of two; c_k is the MSE-optimal clipping of a
    Gaussian (Banner et al., "Post training 4-bit quantization", 2019: 1.71, 2.15, 2.55 for
    2, 3, 4 bits; rpnn extends it by 0.4 per further bit).  A max-based range would spend
    the few levels of 2 bits on outliers.  Disabled (float warm-up, float32 nets): hardtanh.
    """

    def __init__(self, spec: QuantSpec, momentum: float = 0.1):
        super().__init__()
        self.spec = spec
        self.enabled = spec.bits is not None
        self.momentum = momentum
        self.fresh = False
        """The next training batch sets the running mean square outright (quantization
        starts)."""
        bits = spec.bits or 1
        hi = int_range(bits, True, True)[1]
        start = 0.0 if bits == 1 else float(math.floor(math.log2(1 / hi)))
        self.log2_scale = nn.Parameter(torch.tensor([start]),
                                       requires_grad=spec.scale == "learned" and bits > 1)
        self.register_buffer("running_ms", torch.tensor([1.0]))

    def scale(self) -> torch.Tensor:
        bits = self.spec.bits or 1
        if bits == 1:
            return torch.ones(1, dtype=self.log2_scale.dtype)
        if self.spec.scale == "learned":
            return _restrict(torch.exp2(self.log2_scale), self.spec.po2)
        alpha = GAUSSIAN_CLIP.get(bits, GAUSSIAN_CLIP[4] + 0.4 * (bits - 4))
        raw = alpha * torch.sqrt(self.running_ms.detach()) / int_range(bits, True, True)[1]
        return torch.exp2(torch.round(torch.log2(raw))) if self.spec.po2 else raw

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.enabled:
            return torch.clamp(x, -1.0, 1.0)
        if self.spec.bits == 1:
            return bipolar(x)
        if self.training and self.spec.scale == "stats":
            with torch.no_grad():
                observed = x.detach().square().mean().reshape(1).to(self.running_ms.dtype)
                self.running_ms.lerp_(observed, 1.0 if self.fresh else self.momentum)
                self.fresh = False
        return quant(x, self.scale().to(x.dtype), self.spec.bits or 1, signed=True,
                     narrow=True)


class InputQuant(nn.Module):
    """The first layer's input: unsigned 8 bits, scale 1/256 (images arrive as p / 256 for
    8-bit pixels p, so the quantizer is exact on the data and the hardware sees p)."""

    bits = 8
    scale_value = 2.0**-8

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return quant(x, torch.tensor(self.scale_value, dtype=x.dtype), self.bits,
                     signed=False, narrow=False)
