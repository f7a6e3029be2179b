"""float-tail=onnx on many frames: how often rpnn's logits differ from onnxruntime's, and why.

For each Brevitas network (tests/frontends/brevitas_models.py, random parameters, exported
with Brevitas' QONNX exporter) and N random frames:

- the reference is the imported graph run by `rpnn_ir.run` with the ONNX float semantics
  (`rpnn.float_tail = "onnx"` on the graph-level function: every f32 op, Gemm, batch norm and
  Quant included, rounded the way onnxruntime and qonnx do).  Its equality with qonnx's
  executor (onnxruntime for every standard node) is checked on the first `--check` frames
  and printed, so the fast reference is itself measured, not assumed;
- the compiled design is `rpnn-pipeline{float-tail=onnx}` run by `rpnn_ir.run` (the C
  reference equals it: tests/frontends/test_float_tail_onnx.py).

Printed per network: frames whose logits differ from the reference, and of those how many
have an activation inside the network that the f32 graph quantizes otherwise than the exact
(real-arithmetic) graph, which is what the hardware's integer thresholds compute: onnxruntime
decides on its f32 evaluation, which no threshold can reproduce (docs/passes.md, "The float
tail").  A difference without such an activation would be a bug in the float tail.

    python benchmarks/float_tail_onnx.py                 # 2000 frames, 4 networks
    python benchmarks/float_tail_onnx.py --frames 20000 --nets mlp_pc_w8a8

Measured (seed 0, onnxruntime 1.32, qonnx 1.0): mlp_pc_w8a8 24 of 100,000 frames differ
(0.024 %), all 24 with an inner activation quantized otherwise; mlp_pc_w4a4 0 of 100,000;
tfc_2w2a, sfc_1w2a 0 of 5,000; the f32 graph equalled qonnx on every checked frame.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnx
from xdsl.context import Context
from xdsl.dialects.builtin import StringAttr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "frontends"))

from rpnn_ir import interp  # noqa: E402
from rpnn_ir.dialects import rpnn  # noqa: E402
from rpnn_ir.frontends.onnx_import import from_onnx  # noqa: E402
from rpnn_ir.passes.pipeline import PipelinePass  # noqa: E402

DEFAULT_NETS = ["mlp_pc_w4a4", "mlp_pc_w8a8", "tfc_2w2a", "sfc_1w2a"]


def _graph(path: Path, onnx_floats: bool):
    """The imported graph-level module, marked with the ONNX float semantics or not."""
    module = from_onnx(path)
    if onnx_floats:
        function = interp.find_function(module)
        function.attributes[interp.FLOAT_TAIL_ATTR] = StringAttr("onnx")
    return module


def _activations(module, x: np.ndarray) -> list[np.ndarray]:
    """Per frame, the output of every activation quantizer after the input quantizer (the
    host computes that one the same way in both)."""
    values: dict = {}
    interp.run(module, [x], values=values)
    quantizers = [op for op in interp.find_function(module).walk()
                  if isinstance(op, rpnn.QuantOp | rpnn.BipolarQuantOp)
                  and not isinstance(op.input.owner, rpnn.ConstantOp)]
    return [values[op.results[0]].reshape(x.shape[0], -1) for op in quantizers[1:]]


def measure(name: str, frames: int, check: int, seed: int, directory: Path) -> None:
    import brevitas_models
    from onnx_builders import run_qonnx

    path = brevitas_models.export(name, directory / f"{name}.onnx", dynamo=False, seed=seed)
    shape = brevitas_models.input_shape(name)[1:]
    x = np.random.default_rng(seed).normal(size=(frames, *shape)).astype(np.float32)
    graph_onnx, graph_real = _graph(path, True), _graph(path, False)
    compiled = from_onnx(path)
    PipelinePass(quiet=True, device="xcu250", float_tail="onnx").apply(Context(), compiled)
    start = time.time()
    (reference,) = interp.run(graph_onnx, [x])
    (ours,) = interp.run(compiled, [x])
    (qonnx_out,) = run_qonnx(onnx.load(path), [x[:check]])
    reference_ok = int(np.all(reference[:check] == qonnx_out, axis=1).sum())
    differ = np.nonzero(~np.all(ours == reference, axis=1))[0]
    explained = 0
    if differ.size:  # an activation the f32 graph quantizes otherwise than the exact one
        f32_acts = _activations(graph_onnx, x[differ])
        exact_acts = _activations(graph_real, x[differ])
        explained = int(sum(any(not np.array_equal(a[i], b[i])
                                for a, b in zip(f32_acts, exact_acts, strict=True))
                            for i in range(differ.size)))
    print(f"{name:12s} frames {frames:6d}  f32 graph == qonnx on {reference_ok}/{check}  "
          f"logits differ {differ.size:5d} ({100 * differ.size / frames:.3f} %), "
          f"of which with an inner activation quantized otherwise {explained}  "
          f"({time.time() - start:.1f} s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=2000)
    parser.add_argument("--check", type=int, default=50,
                        help="frames also run by qonnx's executor (slow: node by node)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--nets", nargs="+", default=DEFAULT_NETS)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        for name in args.nets:
            measure(name, args.frames, min(args.check, args.frames), args.seed,
                    Path(directory))
    return 0


if __name__ == "__main__":
    sys.exit(main())
