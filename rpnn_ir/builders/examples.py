"""The example networks at the graph level (QONNX semantics), and the script that writes them.

    python examples/generate.py [--out-dir examples] [--seed 0]
    rpnn_ir.builders.examples.build("lfc_w1a1", seed=0)      # -> ModuleOp

Everything is drawn from one seeded numpy generator, so a seed always gives the same files.
The networks have the shape of a Brevitas export (float weights, each followed by its weight
quantizer), with random weights and batch-norm statistics:

- `lfc_w1a1.mlir`: BNN-PYNQ LFC, MLP 784-1024-1024-1024-10, 1-bit weights and activations;
- `cnv_w2a2.mlir`: BNN-PYNQ CNV, 3x3 valid convolutions 64-64-P-128-128-P-256-256 on a
  3x32x32 image and FC 256-512-512-10, ternary (2-bit narrow) weights and activations;
- `tiny_mlp.mlir`: a 16-8-4 MLP with 2-bit weights and activations, small enough to read.

Constants are built from numpy bytes (never from Python lists), so xDSL prints the large ones as
hex `dense<"0x...">`.  Each module is verified, printed, parsed back, verified and printed again
before it is written; the script fails if the two texts differ.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import Builtin, ModuleOp
from xdsl.dialects.func import Func
from xdsl.ir import SSAValue
from xdsl.parser import Parser
from xdsl.printer import Printer

from rpnn_ir.builders.ops import F32, FunctionBuilder, shape_of, tensor
from rpnn_ir.dialects import rpnn

EPSILON = 1e-4
"""Batch-norm epsilon of every generated network (Brevitas BNN-PYNQ models use 1e-4)."""


# --------------------------------------------------------------------------- helpers


def random_batchnorm(
    rng: np.random.Generator, channels: int, pre_std: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(scale, bias, mean, var) of a trained-looking batch norm.

    `pre_std` estimates the standard deviation of the layer's pre-activation, so that the
    normalised values spread over the next quantizer's range instead of saturating it.
    About one channel in ten has a negative scale (it flips the threshold comparison when
    streamlined, a case the compiler has to get right).
    """
    var = (pre_std**2 * rng.uniform(0.5, 1.5, channels)).astype(np.float32)
    mean = rng.normal(0.0, 0.2 * pre_std, channels).astype(np.float32)
    sign = np.where(rng.random(channels) < 0.1, -1.0, 1.0)
    scale = (sign * rng.uniform(0.5, 1.5, channels)).astype(np.float32)
    bias = rng.normal(0.0, 0.25, channels).astype(np.float32)
    return scale, bias, mean, var


def ternary_scale(weights: np.ndarray) -> float:
    """Per-tensor scale of a 2-bit narrow (ternary) weight quantizer: the mean magnitude.

    About a third of normally distributed weights then round to 0.
    """
    return float(np.float32(np.mean(np.abs(weights))))


# --------------------------------------------------------------------------- networks


def build_lfc_w1a1(rng: np.random.Generator) -> ModuleOp:
    """BNN-PYNQ LFC (MNIST MLP 784-1024-1024-1024-10), binary weights and activations.

    Input quantizer: BipolarQuant.  Per layer: float weights [K, M] -> BipolarQuant -> matmul
    -> batch norm -> BipolarQuant (hidden layers).  The last layer ends with a scalar
    scale/bias (Brevitas' TensorNorm) giving f32 logits.
    """
    sizes = [784, 1024, 1024, 1024, 10]
    g = FunctionBuilder(tensor([1, sizes[0]], F32))
    x = g.bipolar_quant(g.args[0], 1.0)
    for layer, (k, m) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        w = g.bipolar_quant(g.const(rng.standard_normal((k, m), dtype=np.float32), F32), 1.0)
        acc = g.matmul(x, w, F32)
        pre_std = float(np.sqrt(k))  # sum of k products of +-1
        if layer < len(sizes) - 2:
            x = g.bipolar_quant(g.batchnorm(acc, *random_batchnorm(rng, m, pre_std), EPSILON), 1.0)
        else:
            scale = np.float32(rng.uniform(0.5, 1.5) / pre_std)
            bias = np.float32(rng.normal(0.0, 0.1))
            x = g.scale_bias(acc, scale, bias)
    return g.finish(x)


def build_cnv_w2a2(rng: np.random.Generator) -> ModuleOp:
    """BNN-PYNQ CNV (CIFAR-10), ternary weights and activations.

    Input 1x3x32x32 f32 in [-1, 1), quantized to 8 bits signed with scale 2^-7.  Convolutions
    are 3x3, stride 1, unpadded: 32 -> 30 -> 28 -> pool 14 -> 12 -> 10 -> pool 5 -> 3 -> 1.
    Each layer: float weights -> Quant (2-bit signed narrow, per-tensor scale) -> conv/matmul ->
    batch norm -> Quant activation (2-bit signed narrow, scale 1: values -1, 0, +1), max pool
    after the activation of layers 2 and 4.  The last layer ends with batch norm: f32 logits.
    """
    g = FunctionBuilder(tensor([1, 3, 32, 32], F32))
    x = g.quant(g.args[0], scale=2.0**-7, bits=8, signed=True, narrow=False)
    act_power = 1.0 / 3.0  # E[x^2] of a uniform input in [-1, 1)

    def weights(shape: tuple[int, ...]) -> tuple[SSAValue, float]:
        """Quantized weights and the std of one product w*x (for the batch-norm stats)."""
        w = rng.standard_normal(shape, dtype=np.float32)
        scale = ternary_scale(w)
        nonzero = float(np.mean(np.abs(w) >= 0.5 * scale))
        quantized = g.quant(g.const(w, F32), scale=scale, bits=2, signed=True, narrow=True)
        return quantized, scale * float(np.sqrt(nonzero * act_power))

    def activation(acc: SSAValue, channels: int, pre_std: float) -> SSAValue:
        normed = g.batchnorm(acc, *random_batchnorm(rng, channels, pre_std), EPSILON)
        return g.quant(normed, scale=1.0, bits=2, signed=True, narrow=True)

    channels = 3
    for out_channels, pool in [
        (64, False),
        (64, True),
        (128, False),
        (128, True),
        (256, False),
        (256, False),
    ]:
        w, product_std = weights((out_channels, channels, 3, 3))
        acc = g.conv2d(x, w, F32)
        x = activation(acc, out_channels, product_std * float(np.sqrt(channels * 9)))
        act_power = 0.6  # ternary activations: about 60% non-zero
        if pool:
            x = g.maxpool(x, (2, 2), (2, 2))
        channels = out_channels
    assert shape_of(x) == (1, 256, 1, 1), shape_of(x)
    x = g.reshape(x, [1, 256])

    sizes = [256, 512, 512, 10]
    for layer, (k, m) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        w, product_std = weights((k, m))
        acc = g.matmul(x, w, F32)
        pre_std = product_std * float(np.sqrt(k))
        if layer < len(sizes) - 2:
            x = activation(acc, m, pre_std)
        else:
            x = g.batchnorm(acc, *random_batchnorm(rng, m, pre_std), EPSILON)
    return g.finish(x)


def build_tiny_mlp(rng: np.random.Generator) -> ModuleOp:
    """A 16-8-4 MLP, 2-bit weights and activations, shaped like a small Brevitas export.

    Quant input (2-bit signed, scale 0.5) -> Quant weights (2-bit signed narrow; per output
    channel scale [1, 8] in layer 1, per tensor in layer 2) -> matmul -> add bias -> relu ->
    Quant activation (2-bit unsigned, scale 0.5) -> layer 2 -> f32 logits.  Float values are
    multiples of 1/64 so that the printed decimal lists stay short.
    """

    def values(shape: tuple[int, ...], std: float) -> np.ndarray:
        return (np.round(rng.normal(0.0, std, shape) * 64) / 64 + 0.0).astype(np.float32)

    g = FunctionBuilder(tensor([1, 16], F32))
    x = g.quant(g.args[0], scale=0.5, bits=2, signed=True, narrow=False)

    w1 = values((16, 8), 0.5)
    scale1 = np.maximum(np.abs(w1).max(axis=0, keepdims=True), 1 / 64)
    w1q = g.quant(g.const(w1, F32), scale=scale1, bits=2, signed=True, narrow=True)
    h = g.binary(rpnn.AddOp, g.matmul(x, w1q, F32), g.const(values((8,), 0.25), F32), F32)
    h = g.quant(g.relu(h), scale=0.5, bits=2, signed=False, narrow=False)

    w2 = values((8, 4), 0.5)
    scale2 = max(float(np.abs(w2).max()), 1 / 64)
    w2q = g.quant(g.const(w2, F32), scale=scale2, bits=2, signed=True, narrow=True)
    logits = g.binary(rpnn.AddOp, g.matmul(h, w2q, F32), g.const(values((4,), 0.25), F32),
                      F32)
    return g.finish(logits)


NETWORKS = {
    "lfc_w1a1": (build_lfc_w1a1, "BNN-PYNQ LFC, MLP 784-1024-1024-1024-10, W1A1, graph level."),
    "cnv_w2a2": (build_cnv_w2a2, "BNN-PYNQ CNV, CIFAR-10 3x32x32, W2A2 (ternary), graph level."),
    "tiny_mlp": (build_tiny_mlp, "Tiny MLP 16-8-4, W2A2, graph level."),
}


# --------------------------------------------------------------------------- output


def missing_example_hint(path: str | Path) -> str:
    """For a missing example network (``examples/lfc_w1a1.mlir``, not in the repository
    until written): how to write it; else ""."""
    path = Path(path)
    if path.suffix != ".mlir" or path.stem not in NETWORKS or path.exists():
        return ""
    script = path.parent / "generate.py"
    where = str(script) if script.is_file() else "examples/generate.py (in the rpnn repository)"
    return f"; write the example networks first: python {where}"


def make_context() -> Context:
    ctx = Context()
    ctx.load_dialect(Builtin)
    ctx.load_dialect(Func)
    ctx.load_dialect(rpnn.RPNN)
    return ctx


def print_module(module: ModuleOp) -> str:
    stream = io.StringIO()
    Printer(stream=stream).print_op(module)
    return stream.getvalue().rstrip("\n") + "\n"


def round_trip(ctx: Context, module: ModuleOp) -> str:
    """Verify, print, parse, verify and print again; return the text (identical both times)."""
    module.verify()
    text = print_module(module)
    parsed = Parser(ctx, text).parse_module()
    parsed.verify()
    again = print_module(parsed)
    if again != text:
        raise RuntimeError("printing the parsed module does not give the same text")
    return text


def op_counts(module: ModuleOp) -> Counter[str]:
    return Counter(op.name for op in module.walk() if op is not module)


def header(seed: int, description: str) -> str:
    return (
        f"// Generated by `python examples/generate.py --seed {seed}`: do not edit by hand.\n"
        f"// {description}\n"
        "// Weights and batch-norm statistics are random (seeded numpy), not trained.\n"
    )


def build(name: str, seed: int = 0) -> ModuleOp:
    """The example network `name` (a key of NETWORKS) as generate.py writes it for `seed`."""
    index = list(NETWORKS).index(name)
    return NETWORKS[name][0](np.random.default_rng([seed, index]))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=Path("examples"),
        help="directory to write the .mlir files to (default: examples/)",
    )
    parser.add_argument("--seed", type=int, default=0, help="numpy generator seed (default 0)")
    args = parser.parse_args(argv)

    ctx = make_context()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for name, (_, description) in NETWORKS.items():
        # One independent stream per network: changing one network leaves the others alone.
        module = build(name, args.seed)
        text = header(args.seed, description) + round_trip(ctx, module)
        path = args.out_dir / f"{name}.mlir"
        path.write_text(text)
        counts = op_counts(module)
        listing = ", ".join(f"{op} {n}" for op, n in sorted(counts.items()))
        size = len(text.encode())
        size_text = f"{size / 1e6:.2f} MB" if size >= 100_000 else f"{size / 1e3:.1f} kB"
        print(f"{path}: {size_text}, {sum(counts.values())} ops ({listing})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
