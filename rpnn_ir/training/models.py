"""The model zoo: the paper's topologies with the width as a parameter.

- `tfc`, `sfc`, `lfc`: BNN-PYNQ's MLPs (three hidden layers of 64, 256, 1024 units) and
  `mlp` with any hidden sizes;
- `cnv`: BNN-PYNQ's CIFAR-10 conv net (3x3 convolutions without padding, 64-64 | pool |
  128-128 | pool | 256-256, then 512-512 fully connected), channels scaled by `width`;
  stages that no longer fit the image are dropped (so it also runs on 8x8 digits).

Every hidden layer is linear (no bias) -> batch norm -> activation quantizer (BNN-PYNQ's
order: the batch norm folds into the thresholds at compile time); the input is quantized to
8 bits; the last layer has per-tensor weights and no bias, so the compiled design ranks its
integer accumulators (a label-select unit).  A `Precision` names the weight and activation
bits ("W2A2", "float32").
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from rpnn_ir.training.quantizers import ActQuant, InputQuant, QuantSpec, WeightQuant

PRECISIONS = ("W1A1", "W1A2", "W2A2", "W4A4", "W8A8", "float32")


@dataclass(frozen=True)
class Precision:
    """Weight and activation bit widths (None: float32)."""

    weights: int | None
    acts: int | None

    @classmethod
    def parse(cls, text: str) -> Precision:
        """"W2A2" -> (2, 2); "float32" / "fp32" -> float."""
        if text.lower() in ("float32", "fp32", "float"):
            return cls(None, None)
        m = re.fullmatch(r"[wW](\d)[aA](\d)", text)
        if not m or not all(1 <= int(b) <= 8 for b in m.groups()):
            raise ValueError(f"precision {text!r}: expected WxAy with 1..8 bits (e.g. W2A2) "
                             "or float32")
        return cls(int(m.group(1)), int(m.group(2)))

    @property
    def name(self) -> str:
        return "float32" if self.weights is None else f"W{self.weights}A{self.acts}"

    @property
    def is_float(self) -> bool:
        return self.weights is None


class BatchNorm(nn.BatchNorm1d):
    """Batch norm over axis 1 of [N, C] or [N, C, H, W]; in eval mode it computes
    (x - mean) * (gamma / sqrt(var + eps)) + beta with eps rounded to f32, the order the
    exported BatchNormalization node has in rpnn's semantics (docs/semantics.md)."""

    def _check_input_dim(self, x: torch.Tensor) -> None:
        if x.dim() not in (2, 4):
            raise ValueError(f"expected a 2-D or 4-D input, got {x.dim()}-D")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            return super().forward(x)
        shape = (1, -1) + (1,) * (x.dim() - 2)
        eps = float(np.float32(self.eps))
        factor = self.weight / torch.sqrt(self.running_var + eps)
        return (x - self.running_mean.reshape(shape)) * factor.reshape(shape) \
            + self.bias.reshape(shape)


class QuantLinear(nn.Linear):
    """nn.Linear without bias whose weights pass a `WeightQuant` (or none: float32)."""

    def __init__(self, inputs: int, outputs: int, spec: QuantSpec):
        super().__init__(inputs, outputs, bias=False)
        self.quant = WeightQuant(spec, outputs) if spec.bits is not None else None

    def qweight(self) -> torch.Tensor:
        return self.weight if self.quant is None else self.quant(self.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.qweight())


class QuantConv2d(nn.Conv2d):
    """3x3 nn.Conv2d without bias or padding whose weights pass a `WeightQuant`."""

    def __init__(self, inputs: int, outputs: int, spec: QuantSpec, kernel: int = 3):
        super().__init__(inputs, outputs, kernel, bias=False)
        self.quant = WeightQuant(spec, outputs) if spec.bits is not None else None

    def qweight(self) -> torch.Tensor:
        return self.weight if self.quant is None else self.quant(self.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._conv_forward(x, self.qweight(), None)


def _specs(precision: Precision, per_channel: bool, scale: str, act_scale: str, po2: bool,
           ) -> tuple[QuantSpec, QuantSpec, QuantSpec]:
    """Hidden weights, last-layer weights (per tensor) and activations."""
    w = QuantSpec(precision.weights, per_channel, scale, po2)
    last = QuantSpec(precision.weights, False, scale, po2)
    a = QuantSpec(precision.acts, False, act_scale, po2)
    return w, last, a


class QuantNet(nn.Sequential):
    """A network of the zoo: an nn.Sequential the QONNX exporter walks layer by layer."""

    def __init__(self, layers: list[nn.Module], input_shape: tuple[int, ...],
                 precision: Precision, topology: str):
        super().__init__(*layers)
        self.input_shape = input_shape
        self.precision = precision
        self.topology = topology

    def set_quantized(self, on: bool) -> None:
        """Switch the weight and activation quantizers on (QAT) or off (float warm-up); the
        8-bit input quantizer always stays on (it is exact on the data)."""
        for m in self.modules():
            if isinstance(m, WeightQuant):
                m.enabled = on
            elif isinstance(m, ActQuant):
                m.enabled = on and m.spec.bits is not None

    def parameter_count(self) -> int:
        return sum(p.numel() for n, p in self.named_parameters() if "scale" not in n)


def _hidden(layers: list[nn.Module], linear: nn.Module, channels: int, act: QuantSpec,
            dropout: float) -> None:
    layers += [linear, BatchNorm(channels), ActQuant(act)]
    if dropout > 0:
        layers.append(nn.Dropout(dropout))


def mlp(input_shape: tuple[int, ...], hidden: list[int], classes: int,
        precision: Precision | str, per_channel: bool = True, scale: str = "stats",
        act_scale: str = "learned", po2: bool = True, dropout: tuple[float, float] = (0.0, 0.0),
        topology: str = "mlp") -> QuantNet:
    """Input (8-bit) -> flatten -> [linear, BN, act] per hidden size -> linear.

    Weight scales (`scale`): "stats" or "learned", per output channel when `per_channel`
    (the last layer's per tensor); activation scales (`act_scale`) per tensor; powers of two
    when `po2`.  `dropout`: (input, hidden) rates."""
    precision = Precision.parse(precision) if isinstance(precision, str) else precision
    w, last, a = _specs(precision, per_channel, scale, act_scale, po2)
    layers: list[nn.Module] = [InputQuant(), nn.Flatten()]
    if dropout[0] > 0:
        layers.append(nn.Dropout(dropout[0]))
    features = math.prod(input_shape)
    for h in hidden:
        _hidden(layers, QuantLinear(features, h, w), h, a, dropout[1])
        features = h
    layers.append(QuantLinear(features, classes, last))
    return QuantNet(layers, input_shape, precision, topology)


def tfc(input_shape, classes, precision, width: int = 64, **kw) -> QuantNet:
    """BNN-PYNQ's TFC: three hidden layers of `width` (64) units."""
    return mlp(input_shape, [width] * 3, classes, precision, topology=f"tfc{width}", **kw)


def sfc(input_shape, classes, precision, width: int = 256, **kw) -> QuantNet:
    """BNN-PYNQ's SFC: three hidden layers of `width` (256) units."""
    return mlp(input_shape, [width] * 3, classes, precision, topology=f"sfc{width}", **kw)


def lfc(input_shape, classes, precision, width: int = 1024, **kw) -> QuantNet:
    """BNN-PYNQ's LFC: three hidden layers of `width` (1024) units."""
    return mlp(input_shape, [width] * 3, classes, precision, topology=f"lfc{width}", **kw)


def cnv(input_shape: tuple[int, ...], classes: int, precision: Precision | str,
        width: int = 64, fc_width: int | None = None, per_channel: bool = True,
        scale: str = "stats", act_scale: str = "learned", po2: bool = True) -> QuantNet:
    """BNN-PYNQ's CNV with `width` channels in the first stage (64), 2x and 4x after; fully
    connected layers of 8 x `width` units (512) unless `fc_width` is given.  A stage (two
    3x3 convolutions without padding, preceded by 2x2 max pooling from the second stage
    on) is kept only while the image is still at least 1x1 after it."""
    precision = Precision.parse(precision) if isinstance(precision, str) else precision
    w, last, a = _specs(precision, per_channel, scale, act_scale, po2)
    channels, size = input_shape[0], input_shape[1]
    layers: list[nn.Module] = [InputQuant()]
    for stage, mult in enumerate((1, 2, 4)):
        pooled = size // 2 if stage > 0 else size
        if pooled - 4 < 1:
            break
        if stage > 0:
            layers.append(nn.MaxPool2d(2))
            size = pooled
        for _ in range(2):
            _hidden(layers, QuantConv2d(channels, width * mult, w), width * mult, a, 0.0)
            channels = width * mult
        size -= 4
    layers.append(nn.Flatten())
    features = channels * size * size
    fc = fc_width or 8 * width
    for _ in range(2):
        _hidden(layers, QuantLinear(features, fc, w), fc, a, 0.0)
        features = fc
    layers.append(QuantLinear(features, classes, last))
    return QuantNet(layers, input_shape, precision, f"cnv{width}")


ZOO = {"tfc": tfc, "sfc": sfc, "lfc": lfc, "cnv": cnv}


def build(topology: str, input_shape: tuple[int, ...], classes: int, precision: str,
          width: int, **kw) -> QuantNet:
    """A zoo network by name ("tfc", "sfc", "lfc", "cnv") at `width`."""
    if topology not in ZOO:
        raise ValueError(f"unknown topology {topology!r}: expected one of {', '.join(ZOO)}")
    return ZOO[topology](tuple(input_shape), classes, precision, width=width, **kw)
