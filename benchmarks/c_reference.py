"""Frames per second of the C reference (`-t rpnn-c`) against onnxruntime on the same networks.

    python benchmarks/c_reference.py [--nets tfc_1w1a,cnv_2w2a] [--batch 64] [--synthetic]

Brevitas exports (default): the BNN-PYNQ topologies TFC-W1A1, TFC-W2A2, SFC-W1A1, LFC-W1A1,
LFC-W1A2, CNV-W1A1 and CNV-W2A2 from `brevitas_examples.bnn_pynq` with random parameters
(tests/frontends/brevitas_models.py), compiled by `rpnn-pipeline`. The C reference runs the
whole network (`rpnn_forward_f32`: float frames in, logits out) built by default
(`CReference.build`, -O2, kernels chosen at run time), on 1 and 2 threads, called from Python
(`CReference.forward`) and from C (the generated `rpnn_main -r`, no Python). onnxruntime runs
the QONNX model lowered to QuantizeLinear/DequantizeLinear by qonnx's `QuantToQCDQ`, with
BipolarQuant lowered by hand (weights folded to constants, activations as
Where(x >= 0, 1, -1) * scale), graph optimisations off (ORT_DISABLE_ALL), the best of 1 and
2 threads. Outputs: the C reference must equal the reference interpreter exactly (checked on
the benchmark frames); onnxruntime computes in float32, so its logits are compared by
maximum difference and by top-1 agreement. Each figure is the best of 7 timings of a batch.

`--synthetic` runs the older comparison instead: two dataflow-level networks built here
with random (seeded) integer weights and thresholds spread over the accumulator values:

- LFC-like W1A1: 784-1024-1024-1024-10, bipolar everywhere (XNOR-popcount in C), the last
  layer returning its accumulators;
- CNV-like W2A2: 32x32x3 ui8 input, six 3x3 convolutions (64, 64, 128, 128, 256, 256) with two
  2x2 max pools, then 512-512-10 dense layers; 2-bit weights, 2-bit activations.

The onnxruntime model is the float equivalent built with onnx.helper from the same integer
weights: MatMul / Conv / MaxPool on f32, and each multi-threshold as
ReduceSum(Cast(GreaterOrEqual(acc, thresholds))) (+ bias, or 2n - 1 for bipolar), so both
compute the same function; the script checks that their outputs agree exactly. The C
reference runs single-threaded; onnxruntime is measured with 1 thread and with its default.
Each figure is the best of 7 timings (the machine may be shared).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rpnn_ir import dtypes, interp  # noqa: E402
from rpnn_ir.backends.c_runner import CReference  # noqa: E402
from rpnn_ir.builders.ops import (  # noqa: E402
    BIPOLAR,
    FunctionBuilder,
    dot_bounds,
    random_values,
    si,
    tensor,
    ui,
)


class Builder:
    """A dataflow-level function plus its float ONNX twin, layer by layer."""

    def __init__(self, shape, elt, word, seed=0):
        self.rng = np.random.default_rng(seed)
        self.fn = FunctionBuilder(tensor([1, *shape], elt))
        self.s = self.fn.to_stream(self.fn.args[0], word)
        self.sample = random_values(self.rng, elt, (8, *shape))
        self.elt = elt
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self.layout = "nhwc" if len(shape) == 3 else "vec"
        self.cur = "x"
        if len(shape) == 3:  # the ONNX model takes NCHW like a float network would
            self.onnx_input = helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                            [None, shape[2], *shape[:2]])
        else:
            self.onnx_input = helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                            [None, *shape])
        self.count = 0

    def name(self, base):
        self.count += 1
        return f"{base}{self.count}"

    def init(self, base, array):
        name = self.name(base)
        self.inits.append(numpy_helper.from_array(np.asarray(array, dtype=np.float32), name))
        return name

    def node(self, op_type, inputs, **attrs):
        out = self.name(op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [out], **attrs))
        return out

    def _acc_type(self, w, x_elt):
        return dtypes.narrowest_int_type(*dot_bounds(dtypes.element_range(x_elt), w, axis=0))

    def _threshold(self, acc_sample, mh, out):
        if out is None:
            return None, None
        steps = 1 if dtypes.is_bipolar(out) else dtypes.element_range(out)[1]
        flat = acc_sample.reshape(-1, mh)
        qs = np.linspace(0.15, 0.85, steps)
        t = np.quantile(flat, qs, axis=0).T.round().astype(np.int64)  # [MH, T]
        t += self.rng.integers(-1, 2, size=t.shape)
        return np.sort(t, axis=1), dtypes.narrowest_int_type(int(t.min()), int(t.max()))

    def mvtu(self, w, out, pe, simd, conv=None):
        """Dense layer (conv=None) or the matrix of a convolution after an SWG."""
        x_elt = self.s.type.element_type
        w_elt = BIPOLAR if dtypes.is_bipolar(x_elt) and np.all(np.abs(w) == 1) and (
            self.bipolar_weights) else si(2)
        acc = self._acc_type(w, x_elt)
        self.reword(simd)
        acc_sample = self.sample @ w
        t, t_elt = self._threshold(acc_sample, w.shape[1], out)
        wc = self.fn.const(w, w_elt)
        tc = None if t is None else self.fn.const(t, t_elt)
        out_bias = 0 if out is not None and not dtypes.is_bipolar(out) else None
        self.s = self.fn.mvtu(self.s, wc, acc, tc, out, pe=pe, simd=simd, out_bias=out_bias)
        if t is None:
            self.sample = acc_sample
        else:
            n = (acc_sample[..., None] >= t).sum(-1)
            self.sample = 2 * n - 1 if dtypes.is_bipolar(out) else n
        # ONNX twin
        if conv is None:
            acc_name = self.node("MatMul", [self.cur, self.init("w", w)])
            axis_shape = [1, w.shape[1], 1]
        else:
            kh, kw, c = conv
            oihw = w.T.reshape(w.shape[1], kh, kw, c).transpose(0, 3, 1, 2)
            acc_name = self.node("Conv", [self.cur, self.init("w", oihw)],
                                 kernel_shape=[kh, kw])
            axis_shape = [1, w.shape[1], 1, 1, t.shape[1] if t is not None else 1]
        if t is None:
            self.cur = acc_name
            return
        expanded = self.node("Unsqueeze", [acc_name, self.init_i64("axes", [-1])])
        thr = t.reshape(axis_shape[:-1] + [t.shape[1]]) if conv is None else t.reshape(
            axis_shape)
        ge = self.node("GreaterOrEqual", [expanded, self.init("t", thr)])
        n = self.node("ReduceSum", [self.node("Cast", [ge], to=TensorProto.FLOAT),
                                    self.init_i64("axes", [-1])], keepdims=0)
        if dtypes.is_bipolar(out):
            n = self.node("Sub", [self.node("Mul", [n, self.init("two", 2.0)]),
                                  self.init("one", 1.0)])
        self.cur = n

    def init_i64(self, base, values):
        name = self.name(base)
        self.inits.append(numpy_helper.from_array(np.array(values, dtype=np.int64), name))
        return name

    def conv(self, out_channels, out, pe, simd, kernel=3):
        h, w, c = self.s.type.get_shape()
        oh, ow = h - kernel + 1, w - kernel + 1
        word = simd if c % simd == 0 else self.s.type.word.data
        self.reword(word)
        self.s = self.fn.swg(self.s, (kernel, kernel), (1, 1), word)
        view = np.lib.stride_tricks.sliding_window_view(self.sample, (kernel, kernel),
                                                        axis=(1, 2))
        self.sample = view.transpose(0, 1, 2, 4, 5, 3).reshape(self.sample.shape[0], oh, ow, -1)
        wts = self.rng.integers(-2, 1, size=(kernel * kernel * c, out_channels), endpoint=True)
        self.mvtu(wts, out, pe, simd, conv=(kernel, kernel, c))

    def reword(self, word):
        """The current stream with `word` elements per word (a width converter if needed)."""
        if self.s.type.word.data != word:
            self.s = self.fn.dwc(self.s, word)

    def pool(self, pe):
        self.reword(pe)
        self.s = self.fn.stream_maxpool(self.s, (2, 2), (2, 2), pe)
        view = np.lib.stride_tricks.sliding_window_view(self.sample, (2, 2), axis=(1, 2))
        self.sample = view[:, ::2, ::2].max(axis=(-2, -1))
        self.cur = self.node("MaxPool", [self.cur], kernel_shape=[2, 2], strides=[2, 2])

    def flatten(self):
        h, w, c = self.s.type.get_shape()
        assert h == w == 1, "flatten of NHWC equals NCHW only for 1x1 pixels"
        self.s = self.fn.dwc(self.s, self.s.type.word.data, [c])
        self.sample = self.sample.reshape(self.sample.shape[0], -1)
        self.cur = self.node("Flatten", [self.cur])

    def finish(self):
        self.out_rank = 1 + len(self.s.type.get_shape())
        module = self.fn.finish(self.fn.to_tensor(self.s))
        graph = helper.make_graph(self.nodes, "net", [self.onnx_input], [
            helper.make_tensor_value_info(self.cur, TensorProto.FLOAT, [None] * self.out_rank)],
            self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        onnx.checker.check_model(model)
        return module, model


def lfc_w1a1(seed=0):
    b = Builder([784], BIPOLAR, 16, seed)
    b.bipolar_weights = True
    sizes = [784, 1024, 1024, 1024, 10]
    folds = [(32, 16), (32, 32), (32, 32), (10, 32)]
    for i in range(4):
        w = b.rng.choice([-1, 1], size=(sizes[i], sizes[i + 1]))
        b.mvtu(w, BIPOLAR if i < 3 else None, *folds[i])
    return b.finish()


def cnv_w2a2(seed=0):
    b = Builder([32, 32, 3], ui(8), 3, seed)
    b.bipolar_weights = False
    a2 = ui(2)
    for channels, pe, simd, pool in [(64, 16, 3, False), (64, 32, 32, True),
                                     (128, 16, 32, False), (128, 16, 32, True),
                                     (256, 4, 32, False), (256, 1, 32, False)]:
        b.conv(channels, a2, pe, simd)
        if pool:
            b.pool(pe)
    b.flatten()
    for mh, pe, simd, out in [(512, 1, 4, a2), (512, 1, 8, a2), (10, 1, 1, None)]:
        w = b.rng.integers(-2, 1, size=(b.s.type.get_shape()[-1], mh), endpoint=True)
        b.mvtu(w, out, pe, simd)
    return b.finish()


def timed(fn, frames, repeats=7, min_time=0.3):
    """Best frames/s over `repeats` timings of at least `min_time` s (the machine is shared:
    the best run is the least disturbed one)."""
    fn()  # warm up
    best = 0.0
    for _ in range(repeats):
        runs, start = 0, time.perf_counter()
        while True:
            fn()
            runs += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_time:
                break
        best = max(best, runs * frames / elapsed)
    return best


def bench(name, module, model, frames, flags_list, nchw):
    rng = np.random.default_rng(1)
    stream_type = module.body.block.ops.first.body.block.args[0].type
    shape = tuple(stream_type.get_shape()[1:])
    elt = stream_type.element_type
    if dtypes.is_bipolar(elt):
        x = rng.choice(np.array([-1, 1], dtype=np.int8), size=(frames, *shape))
    else:
        lo, hi = dtypes.element_range(elt)
        x = rng.integers(lo, hi, size=(frames, *shape), endpoint=True).astype(np.uint8)
    xf = x.astype(np.float32)
    if nchw:
        xf = np.ascontiguousarray(xf.transpose(0, 3, 1, 2))
    results = {}
    outputs = {}
    for flags in flags_list:
        with CReference.build(module, flags=flags) as net:
            (out,) = net.run([x])
            outputs[" ".join(flags)] = out
            results[f"C reference ({' '.join(flags)})"] = timed(lambda net=net: net.run([x]),
                                                               frames)
    feed = {"x": xf}
    for threads in (1, 0):
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(model.SerializeToString(), options,
                                       providers=["CPUExecutionProvider"])
        (ort_out,) = session.run(None, feed)
        label = f"onnxruntime {ort.__version__} ({threads or os.cpu_count()} thread" + (
            "s)" if (threads or os.cpu_count()) > 1 else ")")
        results[label] = timed(lambda s=session: s.run(None, feed), frames)  # noqa: B023
    for key, out in outputs.items():
        same = np.array_equal(out.astype(np.float32).reshape(ort_out.shape), ort_out)
        assert same, f"{name}: C reference ({key}) and onnxruntime disagree"
    print(f"\n{name} ({frames} frames per call; C and onnxruntime outputs identical)")
    base = results[next(k for k in results if k.startswith("onnxruntime") and "(1 thread)" in k)]
    for label, fps in results.items():
        print(f"  {label:<44} {fps:>12,.0f} frames/s   x{fps / base:6.2f} vs ORT 1 thread")
    return results


BREVITAS_NETS = ["tfc_1w1a", "tfc_2w2a", "sfc_1w1a", "lfc_1w1a", "lfc_1w2a", "cnv_1w1a",
                  "cnv_2w2a"]


def lower_to_qdq(path: Path, batch: int) -> onnx.ModelProto:
    """The QONNX model with QuantizeLinear/DequantizeLinear (qonnx's QuantToQCDQ), its
    BipolarQuant nodes lowered by hand (qonnx's converter leaves them), for `batch` frames
    (qonnx's ChangeBatchSize)."""
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.transformation.change_batchsize import ChangeBatchSize
    from qonnx.transformation.qonnx_to_qcdq import QuantToQCDQ
    from qonnx.util.cleanup import cleanup_model

    model = cleanup_model(ModelWrapper(str(path))).transform(QuantToQCDQ())
    model = model.transform(ChangeBatchSize(batch))
    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    nodes, unused = [], set()
    for node in graph.node:
        if node.op_type != "BipolarQuant":
            nodes.append(node)
            continue
        x, scale = node.input
        scale_value = numpy_helper.to_array(inits[scale]).astype(np.float32)
        if x in inits:  # a weight: fold it
            w = numpy_helper.to_array(inits[x])
            folded = (np.where(w >= 0, 1.0, -1.0) * scale_value).astype(np.float32)
            graph.initializer.append(numpy_helper.from_array(folded, node.output[0]))
            unused.update(node.input)
            continue
        zero, one, minus = (f"{node.output[0]}_{n}" for n in ("zero", "one", "minus"))
        graph.initializer.extend([numpy_helper.from_array(np.float32(v), n) for v, n in
                                  ((0, zero), (1, one), (-1, minus))])
        nodes += [helper.make_node("GreaterOrEqual", [x, zero], [f"{node.output[0]}_ge"]),
                  helper.make_node("Where", [f"{node.output[0]}_ge", one, minus],
                                   [f"{node.output[0]}_sign"]),
                  helper.make_node("Mul", [f"{node.output[0]}_sign", scale], [node.output[0]])]
    del graph.node[:]
    graph.node.extend(nodes)
    used = {name for node in nodes for name in node.input}
    for name in unused - used:
        graph.initializer.remove(inits[name])
    model = model.model
    keep = [op for op in model.opset_import if op.domain in ("", "ai.onnx")]
    del model.opset_import[:]
    model.opset_import.extend(keep)
    return model


def _ort_session(model: onnx.ModelProto, threads: int) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(model.SerializeToString(), options,
                                providers=["CPUExecutionProvider"])


def _c_main_rate(module, x: np.ndarray, threads: int, workdir: Path, rate: float) -> float:
    """frames/s of the generated rpnn_main on `x`: the whole network from C, best of 7
    timings of about 0.3 s (as many calls as `rate`, the frames/s from Python, suggests)."""
    from rpnn_ir.backends import c_runner

    exe = workdir / "rpnn_main"
    if not exe.exists():
        c_runner.build_executable(module, workdir, flags=c_runner.DEFAULT_FLAGS)
    x.tofile(workdir / "x.bin")
    outs = [f"o{k}.bin" for k in range(len(interp.find_function(module).function_type.outputs))]
    calls = max(1, round(0.3 * rate / len(x)))
    run = subprocess.run([str(exe), "-t", str(threads), "-r", str(calls), "x.bin", *outs],
                         cwd=workdir, capture_output=True, text=True, check=True)
    return float(run.stderr.split()[0])


def bench_brevitas(name: str, batch: int, workdir: Path) -> dict[str, float]:
    """One Brevitas net: C (Python and C callers, 1/2 threads) vs onnxruntime (1/2 threads)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "frontends"))
    import brevitas_models
    from xdsl.context import Context

    from rpnn_ir.frontends.onnx_import import from_onnx
    from rpnn_ir.passes.pipeline import PipelinePass

    path = workdir / f"{name}.onnx"
    brevitas_models.export(name, path)
    module = from_onnx(path)
    PipelinePass(quiet=True, device="xcu250").apply(Context(), module)
    shape = brevitas_models.input_shape(name)[1:]
    x = np.random.default_rng(1).normal(size=(batch, *shape)).astype(np.float32)
    (expected,) = interp.run(module, [x])
    results: dict[str, float] = {}
    with CReference.build(module) as net:
        level = net.kernel_level()
        for threads in (1, 2):
            (got,) = net.forward([x], threads=threads)
            assert np.array_equal(got, expected), f"{name}: C and the interpreter disagree"
            results[f"C from Python, {threads} thread(s)"] = timed(
                lambda t=threads: net.forward([x], threads=t), batch)
    cdir = workdir / f"{name}_c"
    cdir.mkdir(exist_ok=True)
    for threads in (1, 2):
        results[f"C from C (rpnn_main), {threads} thread(s)"] = _c_main_rate(
            module, x, threads, cdir, results[f"C from Python, {threads} thread(s)"])
    model = lower_to_qdq(path, batch)
    ort_best, ort_out = 0.0, None
    for threads in (1, 2):
        session = _ort_session(model, threads)
        feed = {session.get_inputs()[0].name: x}
        (ort_out,) = session.run(None, feed)
        rate = timed(lambda s=session, f=feed: s.run(None, f), batch)
        results[f"onnxruntime QDQ, {threads} thread(s)"] = rate
        ort_best = max(ort_best, rate)
    diff = float(np.abs(ort_out.reshape(expected.shape) - expected).max())
    top1 = float(np.mean(ort_out.reshape(expected.shape).argmax(-1) == expected.argmax(-1)))
    print(f"\n{name} (batch {batch}, kernel level {level}; C == interpreter exactly; "
          f"onnxruntime: max |diff| {diff:.3g}, top-1 agreement {top1:.0%})")
    for label, fps in results.items():
        print(f"  {label:<38} {fps:>12,.0f} frames/s   x{fps / ort_best:6.2f} vs ORT best")
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nets", default=",".join(BREVITAS_NETS))
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--synthetic", action="store_true",
                        help="the two networks built here (below) instead")
    parser.add_argument("--frames-lfc", type=int, default=10000)
    parser.add_argument("--frames-cnv", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="small frame counts")
    args = parser.parse_args(argv)
    if not args.synthetic:
        print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        with tempfile.TemporaryDirectory(prefix="rpnn-bench-") as tmp:
            for name in args.nets.split(","):
                bench_brevitas(name, args.batch, Path(tmp))
        print(f"\nload average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        return
    if args.quick:
        args.frames_lfc, args.frames_cnv = 500, 16
    flags_list = [("-O2",), ("-O3", "-march=native")]
    t = time.perf_counter()
    module, model = lfc_w1a1()
    print(f"built LFC-like W1A1 in {time.perf_counter() - t:.1f} s")
    bench("LFC-like W1A1 784-1024-1024-1024-10", module, model, args.frames_lfc, flags_list,
          nchw=False)
    t = time.perf_counter()
    module, model = cnv_w2a2()
    print(f"\nbuilt CNV-like W2A2 in {time.perf_counter() - t:.1f} s")
    bench("CNV-like W2A2 32x32x3", module, model, args.frames_cnv, flags_list, nchw=True)


if __name__ == "__main__":
    main()
