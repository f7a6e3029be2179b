"""A ResNet-like residual network as a QONNX model (built with onnx.helper), for
benchmarks/partition.py.

    model = resnet_like(weight_bits=4, act_bits=4)      # onnx.ModelProto, 32x32x3 input

The network (CIFAR-sized, ResNet-18's layout at half its width): a 3x3 stem conv, four
stages of two residual blocks (two 3x3 convs each; the first block of stages 2-4 has stride 2
and a 1x1 stride-2 conv on the shortcut), a 4x4 max pool and a dense layer: 17 3x3 convs, 3
1x1 convs and one dense layer.  Weights are random integers of `weight_bits` bits times a
per-tensor scale (QONNX ``Quant`` on the initializers); every activation is a ``Quant`` of
`act_bits` bits with the same scale, so both operands of each residual ``Add`` are quantized
alike, as rpnn-streamline requires.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

QONNX = "qonnx.custom_op.general"
STAGES = (32, 64, 128, 256)
ACT_SCALE = 0.25


class _Builder:
    """Accumulates nodes and initializers; names are generated in order."""

    def __init__(self, weight_bits: int, act_bits: int, seed: int):
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[TensorProto] = []
        self.rng = np.random.default_rng(seed)
        self.weight_bits, self.act_bits = weight_bits, act_bits
        self.count = 0

    def name(self, kind: str) -> str:
        self.count += 1
        return f"{kind}{self.count}"

    def const(self, name: str, value) -> str:
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype=np.float32), name))
        return name

    def quant(self, x: str, bits: int, scale: float, signed: bool) -> str:
        out = self.name("q")
        inputs = [x, self.const(f"{out}_s", scale), self.const(f"{out}_z", 0.0),
                  self.const(f"{out}_b", float(bits))]
        self.nodes.append(helper.make_node("Quant", inputs, [out], name=out, domain=QONNX,
                                           signed=int(signed), narrow=0,
                                           rounding_mode="ROUND"))
        return out

    def act(self, x: str) -> str:
        """ReLU then an unsigned activation quantizer."""
        relu = self.name("relu")
        self.nodes.append(helper.make_node("Relu", [x], [relu], name=relu))
        return self.quant(relu, self.act_bits, ACT_SCALE, signed=False)

    def weight(self, shape: tuple[int, ...]) -> str:
        lo, hi = -(1 << (self.weight_bits - 1)), (1 << (self.weight_bits - 1)) - 1
        fan_in = int(np.prod(shape[1:]))
        scale = 1.0 / (hi * np.sqrt(fan_in)) if hi else 1.0
        values = self.rng.integers(lo, hi, size=shape, endpoint=True) * scale
        raw = self.const(self.name("w"), values)
        return self.quant(raw, self.weight_bits, scale, signed=True)

    def conv(self, x: str, cin: int, cout: int, kernel: int, stride: int) -> str:
        out = self.name("conv")
        pad = kernel // 2
        self.nodes.append(helper.make_node(
            "Conv", [x, self.weight((cout, cin, kernel, kernel))], [out], name=out,
            kernel_shape=[kernel, kernel], strides=[stride, stride], pads=[pad] * 4))
        return out

    def block(self, x: str, cin: int, cout: int, stride: int) -> str:
        """Two 3x3 convs and a shortcut (a 1x1 conv when the shape changes), added."""
        y = self.act(self.conv(x, cin, cout, 3, stride))
        y = self.act(self.conv(y, cout, cout, 3, 1))
        shortcut = x
        if stride != 1 or cin != cout:
            shortcut = self.act(self.conv(x, cin, cout, 1, stride))
        out = self.name("add")
        self.nodes.append(helper.make_node("Add", [y, shortcut], [out], name=out))
        return self.quant(out, self.act_bits, ACT_SCALE, signed=False)


def resnet_like(weight_bits: int = 4, act_bits: int = 4, seed: int = 0) -> onnx.ModelProto:
    """The model described in the module docstring."""
    b = _Builder(weight_bits, act_bits, seed)
    x = b.quant("x", 8, 1.0 / 128, signed=True)
    x = b.act(b.conv(x, 3, STAGES[0], 3, 1))
    cin = STAGES[0]
    for i, width in enumerate(STAGES):
        for j in range(2):
            x = b.block(x, cin, width, 2 if (i > 0 and j == 0) else 1)
            cin = width
    pool = b.name("pool")
    b.nodes.append(helper.make_node("MaxPool", [x], [pool], name=pool, kernel_shape=[4, 4],
                                    strides=[4, 4]))
    flat = b.name("flat")
    b.nodes.append(helper.make_node("Flatten", [pool], [flat], name=flat, axis=1))
    logits = b.name("fc")
    b.nodes.append(helper.make_node("MatMul", [flat, b.weight((cin, 10))], [logits],
                                    name=logits))
    graph = helper.make_graph(
        b.nodes, "resnet_like",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 32, 32])],
        [helper.make_tensor_value_info(logits, TensorProto.FLOAT, [1, 10])],
        initializer=b.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                    helper.make_opsetid(QONNX, 1)],
                              producer_name="rpnn-benchmarks")
    model.ir_version = 8
    return model
