"""rpnn's training strategy (docs/training.md says what is trained when, and why).

1. Float warm-up: the first `warmup` share of the epochs trains the network with every
   weight and activation quantizer off (activations clipped to [-1, 1], the range the
   quantizers will cover), so the latent weights start quantization-aware training from a
   good float solution instead of from noise.
2. Quantizers on: learned scales start at the statistics of the warmed-up tensors; 1-bit
   latent weights are clipped to [-1, 1] (and after every update, BinaryNet's rule).
3. Quantization-aware training to the end with straight-through estimators; Adam, learning
   rate decayed exponentially from `lr` to `lr_final` over all epochs; cross-entropy on the
   logits times a learned positive temperature (training only: a positive factor changes no
   argmax, so nothing of it is exported).
4. Batch-norm recalibration: the running statistics are recomputed over the training set
   with the final quantized weights (cumulative average), because the running averages of
   training lag the weights they describe, and the batch norms become the thresholds.

`predict` runs the trained network in float64 with the exported semantics: with the
power-of-two scales the quantizers use by default, its labels are the compiled design's.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn

from rpnn_ir.training.data import Dataset, as_float
from rpnn_ir.training.models import BatchNorm, QuantNet
from rpnn_ir.training.quantizers import ActQuant, WeightQuant


@dataclass(frozen=True)
class TrainConfig:
    """Hyperparameters of `train` (all part of a run's cache key)."""

    epochs: int = 40
    warmup: float = 0.25
    """Share of the epochs trained in float before the quantizers are switched on."""
    batch: int = 64
    lr: float = 1e-2
    lr_final: float = 3e-4
    seed: int = 0
    recalibrate: bool = True

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class TrainResult:
    seconds: float
    losses: list[float]


def _clip_binary(model: nn.Module) -> None:
    """BinaryNet: 1-bit latent weights stay in [-1, 1] (outside, the estimator is cut)."""
    with torch.no_grad():
        for m in model.modules():
            q = getattr(m, "quant", None)
            if isinstance(q, WeightQuant) and q.spec.bits == 1 and q.enabled:
                m.weight.clamp_(-1.0, 1.0)  # type: ignore[union-attr]


def _start_quantization(model: QuantNet) -> None:
    """Switch the quantizers on, scales initialised from the warmed-up network."""
    model.set_quantized(True)
    _clip_binary(model)
    for m in model.modules():
        q = getattr(m, "quant", None)
        if isinstance(q, WeightQuant):
            q.init_from_stats(m.weight)  # type: ignore[arg-type]
    for m in model.modules():
        if isinstance(m, ActQuant):
            m.fresh = True  # the first quantized batch sets the running mean squares


def recalibrate(model: QuantNet, x: torch.Tensor, batch: int) -> None:
    """Recompute every batch norm's running mean/var over `x` with the final weights."""
    norms = [m for m in model.modules() if isinstance(m, BatchNorm)]
    model.eval()
    with torch.no_grad():
        for bn in norms:
            bn.reset_running_stats()
            bn.momentum = None  # cumulative average
            bn.train()
        for i in range(0, len(x), batch):
            model(x[i:i + batch])
    model.eval()


def train(model: QuantNet, data: Dataset, config: TrainConfig,
          progress: Callable[[int, float], None] | None = None) -> TrainResult:
    """Train `model` on `data` with rpnn's strategy; `progress(epoch, loss)` after each epoch."""
    start = time.perf_counter()
    torch.manual_seed(config.seed)
    gen = torch.Generator().manual_seed(config.seed)
    x = torch.from_numpy(as_float(data.x_train))
    y = torch.from_numpy(data.y_train)
    quantized = not model.precision.is_float
    warm_epochs = round(config.warmup * config.epochs) if quantized else 0
    temperature = nn.Parameter(torch.zeros(()))
    optimizer = torch.optim.Adam([*model.parameters(), temperature], lr=config.lr)
    gamma = (config.lr_final / config.lr) ** (1 / max(1, config.epochs - 1))
    scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma)
    loss_fn = nn.CrossEntropyLoss()
    model.set_quantized(not warm_epochs and quantized)
    if quantized and not warm_epochs:
        _start_quantization(model)
    losses: list[float] = []
    for epoch in range(config.epochs):
        if quantized and warm_epochs and epoch == warm_epochs:
            _start_quantization(model)
        model.train()
        order = torch.randperm(len(x), generator=gen)
        total = 0.0
        for i in range(0, len(x), config.batch):
            idx = order[i:i + config.batch]
            logits = model(x[idx])
            loss = loss_fn(logits * torch.exp(temperature), y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            _clip_binary(model)
            total += float(loss.detach()) * len(idx)
        scheduler.step()
        losses.append(total / len(x))
        if progress is not None:
            progress(epoch, losses[-1])
        if not math.isfinite(losses[-1]):
            raise FloatingPointError(f"training diverged at epoch {epoch} (loss {losses[-1]})")
    if config.recalibrate:
        recalibrate(model, x, 256)
    model.eval()
    return TrainResult(time.perf_counter() - start, losses)


def predict(model: QuantNet, images: np.ndarray, batch: int = 512) -> np.ndarray:
    """Labels of uint8 `images` from the trained model in float64 (the exported semantics:
    rpnn's reference arithmetic), ties to the lower label as the hardware's label select."""
    model.eval()
    twin = _float64_copy(model)
    out = []
    with torch.no_grad():
        for i in range(0, len(images), batch):
            x = torch.from_numpy(as_float(images[i:i + batch])).double()
            out.append(torch.argmax(twin(x), dim=1).numpy())
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def _float64_copy(model: QuantNet) -> QuantNet:
    import copy

    twin = copy.deepcopy(model).double()
    twin.eval()
    return twin


def accuracy(labels: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean(labels == truth)) if len(truth) else float("nan")
