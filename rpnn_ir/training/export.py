"""QONNX export written by rpnn (onnx.helper; no Brevitas at run time).

The graph is what the trained `QuantNet` computes in eval mode, layer by layer:

    x [1, C, H, W] -> Quant(1/256, 8 bit unsigned) -> [Flatten] ->
    Quant(W) -> Gemm(transB) | Conv  -> BatchNormalization -> Quant | BipolarQuant -> ...
    [MaxPool] ... -> Quant(W) -> Gemm(transB) -> logits [1, classes] (-> ArgMax: label [1, 1])

Quantizers are nodes of the domain `qonnx.custom_op.general` with all their attributes
written (`signed`, `narrow`, `rounding_mode` = ROUND: never a default, see
docs/frontend.md); weights are the latent float32 weights, quantized by their `Quant` /
`BipolarQuant` node like Brevitas exports them.  Float32 networks have no quantizer but the
input's, and the activations become `Clip(-1, 1)`: such a model runs in qonnx's executor and
onnxruntime, not through rpnn's compiler (which needs quantized layers).
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from torch import nn

from rpnn_ir.training.models import BatchNorm, QuantConv2d, QuantLinear, QuantNet
from rpnn_ir.training.quantizers import ActQuant, InputQuant

QONNX_DOMAIN = "qonnx.custom_op.general"
OPSET = 13


class _Graph:
    """Nodes and initializers under construction, with unique names."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self.count = 0

    def name(self, stem: str) -> str:
        self.count += 1
        return f"{stem}{self.count}"

    def const(self, stem: str, value: np.ndarray | float) -> str:
        name = self.name(stem)
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype=np.float32), name))
        return name

    def node(self, op: str, inputs: list[str], stem: str, domain: str = "", **attrs) -> str:
        out = self.name(stem)
        self.nodes.append(helper.make_node(op, inputs, [out], name=f"{out}_{op.lower()}",
                                           domain=domain, **attrs))
        return out

    def quant(self, x: str, scale: np.ndarray | float, bits: int, signed: bool,
              narrow: bool) -> str:
        return self.node("Quant", [x, self.const("scale", scale), self.const("zeropt", 0.0),
                                   self.const("bitwidth", float(bits))], "q",
                         domain=QONNX_DOMAIN, signed=int(signed), narrow=int(narrow),
                         rounding_mode="ROUND")

    def bipolar(self, x: str, scale: np.ndarray | float) -> str:
        return self.node("BipolarQuant", [x, self.const("scale", scale)], "bq",
                         domain=QONNX_DOMAIN)


def _weight(g: _Graph, layer: QuantLinear | QuantConv2d) -> str:
    """The weight initializer and its quantizer (scale [O, 1] or [O, 1, 1, 1] per channel)."""
    w = layer.weight.detach().float()
    name = g.const("w", w.numpy())
    q = layer.quant
    if q is None or not q.enabled:
        return name
    scale = q.scale(w).detach().numpy().astype(np.float32)
    if not q.spec.per_channel:
        scale = scale.reshape(())
    if q.spec.bits == 1:
        return g.bipolar(name, scale)
    return g.quant(name, scale, q.spec.bits or 1, signed=True, narrow=True)


def _batchnorm(g: _Graph, x: str, bn: BatchNorm) -> str:
    def arr(t) -> str:
        return g.const("bn", t.detach().float().numpy())
    return g.node("BatchNormalization", [x, arr(bn.weight), arr(bn.bias), arr(bn.running_mean),
                                         arr(bn.running_var)], "bn", epsilon=float(bn.eps))


def _act(g: _Graph, x: str, act: ActQuant) -> str:
    if not act.enabled:
        return g.node("Clip", [x, g.const("lo", -1.0), g.const("hi", 1.0)], "clip")
    if act.spec.bits == 1:
        return g.bipolar(x, 1.0)
    scale = float(act.scale().detach().reshape(()))
    return g.quant(x, scale, act.spec.bits or 1, signed=True, narrow=True)


def _layer(g: _Graph, x: str, m: nn.Module) -> str:
    if isinstance(m, InputQuant):
        return g.quant(x, m.scale_value, m.bits, signed=False, narrow=False)
    if isinstance(m, nn.Flatten):
        return g.node("Flatten", [x], "flat", axis=1)
    if isinstance(m, nn.Dropout):
        return x
    if isinstance(m, QuantLinear):
        return g.node("Gemm", [x, _weight(g, m)], "gemm", transB=1)
    if isinstance(m, QuantConv2d):
        k = list(m.kernel_size)
        return g.node("Conv", [x, _weight(g, m)], "conv", kernel_shape=k,
                      strides=list(m.stride), pads=[0, 0, 0, 0])
    if isinstance(m, BatchNorm):
        return _batchnorm(g, x, m)
    if isinstance(m, ActQuant):
        return _act(g, x, m)
    if isinstance(m, nn.MaxPool2d):
        k = m.kernel_size if isinstance(m.kernel_size, int) else m.kernel_size[0]
        return g.node("MaxPool", [x], "pool", kernel_shape=[k, k], strides=[k, k])
    raise TypeError(f"cannot export a {type(m).__name__} layer")


def export_qonnx(model: QuantNet, argmax: bool = False, name: str = "rpnn_net"
                 ) -> onnx.ModelProto:
    """The QONNX model of `model` (eval mode), input "x" [1, *input_shape]; output "logits"
    [1, classes], or "label" [1, 1] (int64) with `argmax` (keepdims: rpnn's label select)."""
    model.eval()
    g = _Graph()
    x = "x"
    for m in model:
        x = _layer(g, x, m)
    classes = model[-1].out_features  # type: ignore[union-attr]
    outputs = [helper.make_tensor_value_info(x, TensorProto.FLOAT, [1, classes])]
    if argmax:
        label = g.node("ArgMax", [x], "label", axis=1, keepdims=1)
        outputs = [helper.make_tensor_value_info(label, TensorProto.INT64, [1, 1])]
    graph = helper.make_graph(
        g.nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                      [1, *model.input_shape])],
        outputs, initializer=g.inits)
    opsets = [helper.make_opsetid("", OPSET), helper.make_opsetid(QONNX_DOMAIN, 1)]
    proto = helper.make_model(graph, opset_imports=opsets, producer_name="rpnn")
    proto.ir_version = 8
    onnx.checker.check_model(proto)
    return proto
