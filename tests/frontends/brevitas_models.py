"""Brevitas networks for the front-end tests, with random (not trained) parameters.

- BNN-PYNQ topologies from `brevitas_examples.bnn_pynq` (pretrained=False: nothing is
  downloaded): TFC/SFC/LFC at W1A1, W1A2, W2A2 (LFC W2A2 is not among the shipped configs: it is
  built with the same FC class) and CNV at W1A1 and W2A2;
- a small residual conv net (Add of two quantized branches, padding, stride, Flatten);
- MLPs with per-channel weight scales at 4 and 8 bits (float biases, ReLU quantizers);
- `cnv_small_1w1a`, `cnv_small_2w2a`: BNN-PYNQ's CNV made small (16 x 16 input, 16/16/32/32
  channels, dense 32-64-64-10) from the same Brevitas layers and quantizers, for tests that
  cannot afford the full CNV (e.g. a Verilator build).

`randomize` gives batch-norm layers statistics from a few random batches and random affine
parameters, so that quantizers see varied values (the untouched initialisation would make
every batch norm an identity).  Export goes through `brevitas.export.export_qonnx`.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import torch
from torch import nn

FC_NAMES = ["tfc_1w1a", "tfc_1w2a", "tfc_2w2a", "sfc_1w1a", "sfc_1w2a", "sfc_2w2a",
            "lfc_1w1a", "lfc_1w2a", "lfc_2w2a"]
CNV_NAMES = ["cnv_1w1a", "cnv_2w2a"]
SMALL_CNV_NAMES = ["cnv_small_1w1a", "cnv_small_2w2a"]
OTHER_NAMES = ["residual_w4a4", "mlp_pc_w4a4", "mlp_pc_w8a8"] + SMALL_CNV_NAMES
ALL_NAMES = FC_NAMES + CNV_NAMES + OTHER_NAMES


def input_shape(name: str) -> tuple[int, ...]:
    if name.startswith("cnv_small"):
        return (1, 3, 16, 16)
    if name.startswith("cnv"):
        return (1, 3, 32, 32)
    if name.startswith("residual"):
        return (1, 3, 16, 16)
    if name.startswith("mlp"):
        return (1, 20)
    return (1, 1, 28, 28)


def _bnn_pynq(name: str) -> nn.Module:
    from brevitas_examples.bnn_pynq.models import model_with_cfg

    if name == "lfc_2w2a":
        from brevitas_examples.bnn_pynq.models.FC import FC

        return FC(num_classes=10, weight_bit_width=2, act_bit_width=2, in_bit_width=2,
                  in_channels=1, out_features=[1024, 1024, 1024])
    model, _ = model_with_cfg(name, pretrained=False)
    return model


class SmallCNV(nn.Module):
    """BNN-PYNQ's CNV topology at a small size: the layers and quantizers of
    brevitas_examples.bnn_pynq.models.CNV (Q1.7 input, unpadded 3x3 convolutions without
    bias, batch norm, CommonActQuant activations, 2x2 max pools, dense layers, TensorNorm),
    with 16/16(pool)/32/32(pool) channels on a 16 x 16 input and dense 32-64-64-10."""

    def __init__(self, bits: int):
        super().__init__()
        from brevitas.core.restrict_val import RestrictValueType
        from brevitas.nn import QuantConv2d, QuantIdentity, QuantLinear
        from brevitas_examples.bnn_pynq.models.common import CommonActQuant, CommonWeightQuant
        from brevitas_examples.bnn_pynq.models.tensor_norm import TensorNorm

        layers: list[nn.Module] = [QuantIdentity(
            act_quant=CommonActQuant, bit_width=8, min_val=-1.0, max_val=1.0 - 2.0 ** (-7),
            narrow_range=False, restrict_scaling_type=RestrictValueType.POWER_OF_TWO)]
        channels = 3
        for out, pool in ((16, False), (16, True), (32, False), (32, True)):
            layers += [QuantConv2d(channels, out, 3, bias=False, weight_quant=CommonWeightQuant,
                                   weight_bit_width=bits),
                       nn.BatchNorm2d(out, eps=1e-4),
                       QuantIdentity(act_quant=CommonActQuant, bit_width=bits)]
            if pool:
                layers.append(nn.MaxPool2d(2))
            channels = out
        self.features = nn.Sequential(*layers)
        dense: list[nn.Module] = []
        for n_in, n_out in ((32, 64), (64, 64)):
            dense += [QuantLinear(n_in, n_out, bias=False, weight_quant=CommonWeightQuant,
                                  weight_bit_width=bits),
                      nn.BatchNorm1d(n_out, eps=1e-4),
                      QuantIdentity(act_quant=CommonActQuant, bit_width=bits)]
        dense += [QuantLinear(64, 10, bias=False, weight_quant=CommonWeightQuant,
                              weight_bit_width=bits), TensorNorm()]
        self.dense = nn.Sequential(*dense)
        for m in self.modules():
            if isinstance(m, QuantConv2d | QuantLinear):
                torch.nn.init.uniform_(m.weight.data, -1, 1)

    def forward(self, x):
        x = self.features(2.0 * x - 1.0)
        return self.dense(x.view(x.shape[0], -1))


class ResidualNet(nn.Module):
    """conv-bn-relu, a residual block (two 3x3 convs) with an Add, pooling, a linear head."""

    def __init__(self, bits: int = 4):
        super().__init__()
        from brevitas.nn import QuantConv2d, QuantIdentity, QuantLinear, QuantReLU
        from brevitas.quant import Int8ActPerTensorFloat

        self.inp = QuantIdentity(act_quant=Int8ActPerTensorFloat, return_quant_tensor=False)
        self.conv0 = QuantConv2d(3, 8, 3, padding=1, weight_bit_width=bits, bias=False)
        self.bn0 = nn.BatchNorm2d(8)
        self.act0 = QuantReLU(bit_width=bits)
        self.conv1 = QuantConv2d(8, 8, 3, padding=1, weight_bit_width=bits, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.act1 = QuantReLU(bit_width=bits)
        self.conv2 = QuantConv2d(8, 8, 3, padding=1, weight_bit_width=bits, bias=True)
        self.act2 = QuantReLU(bit_width=bits)
        self.pool = nn.MaxPool2d(2)
        self.conv3 = QuantConv2d(8, 4, 3, stride=2, padding=1, weight_bit_width=bits, bias=False)
        self.act3 = QuantIdentity(bit_width=bits)
        self.fc = QuantLinear(4 * 4 * 4, 10, weight_bit_width=bits, bias=True)

    def forward(self, x):
        x = self.act0(self.bn0(self.conv0(self.inp(x))))
        y = self.act1(self.bn1(self.conv1(x)))
        y = self.conv2(y)
        x = self.act2(x + y)
        x = self.act3(self.conv3(self.pool(x)))
        return self.fc(torch.flatten(x, 1))


class PerChannelMLP(nn.Module):
    """20-32-16-10 MLP, per-output-channel weight scales, float biases, ReLU quantizers."""

    def __init__(self, bits: int):
        super().__init__()
        from brevitas.nn import QuantIdentity, QuantLinear, QuantReLU

        self.inp = QuantIdentity(bit_width=8)
        layers: list[nn.Module] = []
        sizes = [20, 32, 16]
        for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
            layers += [QuantLinear(n_in, n_out, bias=True, weight_bit_width=bits,
                                   weight_scaling_per_output_channel=True),
                       nn.BatchNorm1d(n_out), QuantReLU(bit_width=bits)]
        layers.append(QuantLinear(sizes[-1], 10, bias=True, weight_bit_width=bits,
                                  weight_scaling_per_output_channel=True))
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(self.inp(x))


def build(name: str) -> nn.Module:
    if name in FC_NAMES or name in CNV_NAMES:
        return _bnn_pynq(name)
    if name == "residual_w4a4":
        return ResidualNet(4)
    if name == "mlp_pc_w4a4":
        return PerChannelMLP(4)
    if name == "mlp_pc_w8a8":
        return PerChannelMLP(8)
    if name in SMALL_CNV_NAMES:
        return SmallCNV(1 if name.endswith("1w1a") else 2)
    raise KeyError(name)


def randomize(model: nn.Module, shape: tuple[int, ...], seed: int = 0) -> nn.Module:
    """Batch-norm statistics from random batches, random affine parameters; eval mode."""
    generator = torch.Generator().manual_seed(seed)
    norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm1d | nn.BatchNorm2d)]
    for norm in norms:
        norm.momentum = None  # cumulative average over the calibration batches
    model.train()
    with torch.no_grad():
        for _ in range(2):
            model(torch.rand(16, *shape[1:], generator=generator))
        for norm in norms:
            norm.weight.uniform_(0.5, 1.5, generator=generator)
            norm.bias.normal_(0.0, 0.3, generator=generator)
    return model.eval()


def export(name: str, path: Path, dynamo: bool = True, seed: int = 0) -> Path:
    """Build, randomize and export `name` to `path` with Brevitas' QONNX exporter."""
    from brevitas.export import export_qonnx

    torch.manual_seed(seed)
    shape = input_shape(name)
    model = randomize(build(name), shape, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        export_qonnx(model, torch.rand(*shape), export_path=str(path), dynamo=dynamo)
    return path
