"""Import (and, where available, compile) time and peak memory of rpnn beside hls4ml.

    python benchmarks/import_compile.py [--out-dir DIR] [--skip-hls4ml] [--hls4ml-timeout S]

hls4ml is measured when installed: `pip install -e '.[bench]'` (hls4ml 1.3.0 with qonnx,
Brevitas and torch; hls4ml itself pulls in only h5py, pyyaml, quantizers and
pydigitalwavetools).  Without it the script prints "hls4ml: not installed".

Models, both built by this script:
- CNV-W2A2 (BNN-PYNQ, `brevitas_examples`), random parameters, exported with Brevitas'
  QONNX exporter (`brevitas.export.export_qonnx`, default dynamo exporter);
- a ResNet-34-shaped QONNX network written with onnx.helper: 4-bit per-channel weight
  quantizers (21.8 M parameters), batch norms, 4-bit ReLU quantizers, residual adds,
  224x224x3 input (a small variant of the same builder is checked against qonnx's executor
  first, so the big file is a valid QONNX model).

Each measured step runs in a fresh child process.  The rpnn compile steps also give their CPU
time (the process's user + system time), the steadier figure on a shared machine.  Once the
child's imports are done its RSS is the baseline, the peak-RSS counter is reset
(/proc/self/clear_refs), and the peak reported is the process's peak RSS (VmHWM) during the
step: it includes the baseline.

Steps per model:
- rpnn: `rpnn_ir.from_onnx` (parse, checks, ONNX shape inference, conversion, verification),
  then printing the module (hex weights);
- rpnn compile: the full pipeline (`rpnn-pipeline{device=...}` if registered, else the
  documented chain of rpnn passes if all are registered) and the `rpnn-hls` / `rpnn-c` targets
  if registered, otherwise "not available yet".  CNV's Brevitas export computes 2x - 1 on the
  input before its quantizer, which `rpnn-streamline` does not take: the compiled copy has that
  arithmetic moved to the host (its input is 2x - 1).  The ResNet is folded for an xcu250;
- hls4ml (if installed): the QONNX preparation its documentation prescribes (qonnx cleanup,
  channels-last conversion, Gemm -> MatMul, cleanup), then
  `hls4ml.converters.convert_from_onnx_model` and `write()` of a Vitis project.  qonnx 1.0's
  GemmToMatMul fails on a Gemm without bias, so zero biases are added first (same function).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

QONNX = "qonnx.custom_op.general"
COMPOSED_PASSES = ("rpnn-streamline", "rpnn-infer-precision", "rpnn-lower-to-dataflow",
                   "rpnn-fold", "rpnn-insert-fifos")


def composed_pipeline(device: str) -> str:
    """The documented chain of rpnn passes, folding for `device`."""
    return ",".join(f"{p}{{device={device}}}" if p == "rpnn-fold" else p
                    for p in COMPOSED_PASSES)


def _status_mb(field: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def rss_mb() -> float:
    """Current resident set size in MB."""
    current = _status_mb("VmRSS")
    return current if current is not None else peak_mb()


def reset_peak() -> None:
    """Restart the peak-RSS count here (Linux: /proc/self/clear_refs), so that the peak of a
    step excludes what the imports before it touched."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def peak_mb() -> float:
    """Peak resident set size since `reset_peak` (VmHWM), else since the process started.

    (`ru_maxrss` is no use in a child process: Linux carries it over `exec` from the parent.)
    """
    peak = _status_mb("VmHWM")
    if peak is not None:
        return peak
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --------------------------------------------------------------------------- models


def export_cnv_w2a2(path: Path) -> Path:
    """CNV-W2A2 with batch-norm statistics from random batches, exported with Brevitas."""
    import torch
    from brevitas.export import export_qonnx
    from brevitas_examples.bnn_pynq.models import model_with_cfg

    torch.manual_seed(0)
    model, _ = model_with_cfg("cnv_2w2a", pretrained=False)
    norm_types = (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)
    norms = [m for m in model.modules() if isinstance(m, norm_types)]
    for norm in norms:
        norm.momentum = None
    model.train()
    with torch.no_grad():
        for _ in range(2):
            model(torch.rand(16, 3, 32, 32))
        for norm in norms:
            norm.weight.uniform_(0.5, 1.5)
            norm.bias.normal_(0.0, 0.3)
    model.eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        export_qonnx(model, torch.rand(1, 3, 32, 32), export_path=str(path))
    return path


def resnet_qonnx(blocks=(3, 4, 6, 3), widths=(64, 128, 256, 512), image=224, classes=1000,
                 bits=4, seed=0):
    """A ResNet-34-shaped QONNX model (onnx.helper): 4-bit weights, 4-bit activations."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    nodes: list = []
    inits: list = []
    count = [0]

    def fresh(prefix: str) -> str:
        count[0] += 1
        return f"{prefix}{count[0]}"

    def const(values: np.ndarray, prefix: str = "c") -> str:
        name = fresh(prefix)
        inits.append(numpy_helper.from_array(np.asarray(values, dtype=np.float32), name))
        return name

    def quant(x: str, scale, signed: int, narrow: int) -> str:
        out = fresh("q")
        nodes.append(helper.make_node(
            "Quant", [x, const(scale, "s"), const(0.0, "z"), const(float(bits), "b")], [out],
            domain=QONNX, signed=signed, narrow=narrow, rounding_mode="ROUND"))
        return out

    def weights(shape, per_channel: bool = True) -> str:
        fan_in = int(np.prod(shape[1:]))
        w = rng.standard_normal(shape, dtype=np.float32) * np.float32(np.sqrt(2.0 / fan_in))
        top = (1 << (bits - 1)) - 1
        scale = np.abs(w).reshape(shape[0], -1).max(axis=1) / top
        scale = scale.reshape((shape[0],) + (1,) * (len(shape) - 1))
        if not per_channel:
            scale = np.float32(scale.max())
        return quant(const(w, "w"), scale.astype(np.float32), signed=1, narrow=1)

    def conv(x: str, cin: int, cout: int, k: int, stride: int) -> str:
        out = fresh("conv")
        pad = k // 2
        # all attributes explicit: qonnx's channels-last conversion (hls4ml's preparation)
        # requires dilations and group on every Conv, pads on every MaxPool
        nodes.append(helper.make_node("Conv", [x, weights((cout, cin, k, k))], [out],
                                      strides=[stride, stride], pads=[pad] * 4,
                                      kernel_shape=[k, k], dilations=[1, 1], group=1))
        return out

    def bn(x: str, c: int) -> str:
        out = fresh("bn")
        params = [rng.uniform(0.5, 1.5, c), rng.normal(0, 0.2, c), rng.normal(0, 0.5, c),
                  rng.uniform(0.5, 2.0, c)]
        nodes.append(helper.make_node("BatchNormalization", [x, *(const(p) for p in params)],
                                      [out], epsilon=1e-5))
        return out

    def act(x: str) -> str:
        out = fresh("relu")
        nodes.append(helper.make_node("Relu", [x], [out]))
        return quant(out, np.float32(0.25), signed=0, narrow=0)

    x = quant("input", np.float32(1.0 / 64), signed=1, narrow=0)
    x = act(bn(conv(x, 3, widths[0], 7, 2), widths[0]))
    pooled = fresh("pool")
    nodes.append(helper.make_node("MaxPool", [x], [pooled], kernel_shape=[2, 2],
                                  strides=[2, 2], pads=[0, 0, 0, 0]))  # (ResNet's: 3x3, pad 1)
    x, cin, size = pooled, widths[0], image // 4
    for stage, (n_blocks, width) in enumerate(zip(blocks, widths, strict=True)):
        for block in range(n_blocks):
            stride = 2 if stage > 0 and block == 0 else 1
            y = act(bn(conv(x, cin, width, 3, stride), width))
            # both operands of the residual add quantized with the same scale (0.25), the
            # form Brevitas gives a residual block and streamlining adds on integers
            y = quant(bn(conv(y, width, width, 3, 1), width), np.float32(0.25), signed=1,
                      narrow=0)
            shortcut = x
            if stride != 1 or cin != width:
                shortcut = quant(bn(conv(x, cin, width, 1, stride), width), np.float32(0.25),
                                 signed=1, narrow=0)
            added = fresh("add")
            nodes.append(helper.make_node("Add", [y, shortcut], [added]))
            x, cin = act(added), width
            size //= stride
    pooled = fresh("pool")
    nodes.append(helper.make_node("MaxPool", [x], [pooled], kernel_shape=[size, size],
                                  strides=[size, size], pads=[0, 0, 0, 0]))
    flat = fresh("flat")
    nodes.append(helper.make_node("Flatten", [pooled], [flat], axis=1))
    logits = fresh("fc")
    # per-tensor scale and no bias: hls4ml 1.3 fails (IndexError in its infer_precision
    # pass) on a per-channel quantized MatMul weight that qonnx's GemmToMatMul transposes
    w = weights((classes, cin), per_channel=False)
    nodes.append(helper.make_node("Gemm", [flat, w], [logits], transB=1))
    graph = helper.make_graph(
        nodes, "resnet34_w4a4",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, image, image])],
        [helper.make_tensor_value_info(logits, TensorProto.FLOAT, [1, classes])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                    helper.make_opsetid(QONNX, 1)])
    model.ir_version = 8
    weights_count = sum(int(np.prod(t.dims)) for t in inits if t.name.startswith("w"))
    onnx.checker.check_model(model)
    return model, weights_count


def check_small_resnet() -> str:
    """The ResNet builder at toy size, run by rpnn and by qonnx on random inputs."""
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.core.onnx_exec import execute_onnx
    from qonnx.transformation.infer_shapes import InferShapes

    from rpnn_ir import from_onnx, run

    model, _ = resnet_qonnx(blocks=(1, 1), widths=(8, 16), image=32, classes=10)
    x = np.random.default_rng(1).random((1, 3, 32, 32), dtype=np.float32)
    (ours,) = run(from_onnx(model), [x])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wrapper = ModelWrapper(model).transform(InferShapes())
        ref = execute_onnx(wrapper, {"input": x})[wrapper.graph.output[0].name]
    diff = float(np.abs(ours - ref).max())
    ok = np.allclose(ours, ref, rtol=1e-5, atol=1e-5 * float(np.abs(ref).max()))
    return f"small ResNet builder vs qonnx: max |diff| {diff:.3g} ({'ok' if ok else 'MISMATCH'})"


# --------------------------------------------------------------------------- child steps


def child_rpnn_import(path: str, out_dir: str, *_: str) -> dict:
    import rpnn_ir  # noqa: F401
    from rpnn_ir.frontends.onnx_import import from_onnx

    base = rss_mb()
    reset_peak()
    start = time.perf_counter()
    module = from_onnx(path)
    seconds = time.perf_counter() - start
    peak = peak_mb()
    ops = sum(1 for _ in module.walk())
    start = time.perf_counter()
    text = str(module)
    print_seconds = time.perf_counter() - start
    Path(out_dir, Path(path).stem + ".mlir").write_text(text)
    return {"seconds": seconds, "peak_mb": peak, "base_mb": base, "ops": ops,
            "print_seconds": print_seconds, "mlir_mb": len(text) / 1e6,
            "peak_after_print_mb": peak_mb()}


def child_rpnn_compile(path: str, out_dir: str, device: str = "xc7z020") -> dict:
    from rpnn_ir.compiler import CompileError, available_passes, available_targets, compile

    passes, targets = available_passes(), available_targets()
    if "rpnn-pipeline" in passes:
        pipeline = f"rpnn-pipeline{{device={device} quiet=true}}"
    elif all(name in passes for name in COMPOSED_PASSES):
        pipeline = composed_pipeline(device)
    else:
        return {"status": "not available yet (no rpnn-pipeline and not all rpnn passes "
                          "registered)"}
    result: dict = {"pipeline": pipeline}
    base = rss_mb()
    reset_peak()
    start, cpu = time.perf_counter(), time.process_time()
    try:
        compiled = compile(path, pipeline)
    except CompileError as e:
        result["status"] = f"pipeline failed: {e}"
        return result
    result.update(pipeline_seconds=time.perf_counter() - start,
                  pipeline_cpu=time.process_time() - cpu, base_mb=base, peak_mb=peak_mb(),
                  status="ok")
    for target in ("rpnn-hls", "rpnn-c"):
        if target not in targets:
            result[target] = "not available yet"
            continue
        start, cpu = time.perf_counter(), time.process_time()
        try:
            compile(compiled.module, None, target=target,
                    out_dir=Path(out_dir, f"{Path(path).stem}-{target}"))
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            result[target] = f"{seconds:.2f} s ({cpu:.2f} s CPU)"
        except CompileError as e:
            result[target] = f"failed: {e}"
    result["peak_after_targets_mb"] = peak_mb()
    return result


def _add_missing_gemm_biases(model) -> None:
    """qonnx 1.0's GemmToMatMul indexes a third input: give bias-free Gemms a zero bias."""
    from onnx import numpy_helper

    for index, node in enumerate(model.graph.node):
        if node.op_type == "Gemm" and len(node.input) < 3:
            shape = model.get_tensor_shape(node.input[1])
            trans_b = any(a.name == "transB" and a.i for a in node.attribute)
            name = f"zero_bias_{index}"
            model.graph.initializer.append(
                numpy_helper.from_array(np.zeros(shape[0] if trans_b else shape[1], np.float32),
                                        name))
            node.input.append(name)


def child_hls4ml(path: str, out_dir: str, *_: str) -> dict:
    warnings.simplefilter("ignore")
    import hls4ml
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.transformation.channels_last import ConvertToChannelsLastAndClean
    from qonnx.transformation.gemm_to_matmul import GemmToMatMul
    from qonnx.util.cleanup import cleanup_model

    base = rss_mb()
    reset_peak()
    start = time.perf_counter()
    model = cleanup_model(ModelWrapper(path))
    model = model.transform(ConvertToChannelsLastAndClean())
    _add_missing_gemm_biases(model)
    model = model.transform(GemmToMatMul())
    model = cleanup_model(model)
    prep = time.perf_counter() - start
    start = time.perf_counter()
    config = hls4ml.utils.config.config_from_onnx_model(
        model, granularity="name", backend="Vitis", default_precision="fixed<16,6>")
    devnull = open(os.devnull, "w")  # noqa: SIM115 - hls4ml prints every layer
    stdout, sys.stdout = sys.stdout, devnull
    try:
        hls_model = hls4ml.converters.convert_from_onnx_model(
            model, output_dir=str(Path(out_dir, Path(path).stem + "-hls4ml")),
            io_type="io_stream", backend="Vitis", hls_config=config)
        convert = time.perf_counter() - start
        start = time.perf_counter()
        hls_model.write()
    finally:
        sys.stdout = stdout
        devnull.close()
    write = time.perf_counter() - start
    return {"prep_seconds": prep, "convert_seconds": convert, "write_seconds": write,
            "base_mb": base, "peak_mb": peak_mb()}


CHILDREN = {"rpnn-import": child_rpnn_import, "rpnn-compile": child_rpnn_compile,
            "hls4ml": child_hls4ml}


def run_child(kind: str, path: Path, out_dir: Path, timeout: float, *extra: str) -> dict:
    command = [sys.executable, __file__, "--child", kind, str(path), str(out_dir), *extra]
    start = time.perf_counter()
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"status": f"did not finish within {timeout:.0f} s"}
    wall = time.perf_counter() - start
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = [line for line in proc.stderr.strip().splitlines() if line.strip()][-1:]
        return {"status": f"failed (exit {proc.returncode}): {tail[0] if tail else ''}"}
    result = json.loads(lines[-1])
    result["process_wall_seconds"] = wall
    return result


# --------------------------------------------------------------------------- report


def without_input_preprocessing(source: Path, target: Path) -> bool:
    """Move element-wise constant arithmetic between the graph input and its quantizer (CNV's
    `2x - 1`) to the host: the copy's input is the quantizer's input.  False if none."""
    import onnx

    model = onnx.load(str(source))
    graph = model.graph
    constants = {t.name for t in graph.initializer}
    constants |= {o for n in graph.node if n.op_type == "Constant" for o in n.output}
    x = next(v.name for v in graph.input if v.name not in constants)
    chain, current = [], x
    while True:
        users = [n for n in graph.node if current in n.input]
        if len(users) != 1:
            return False
        node = users[0]
        if node.op_type in ("Quant", "BipolarQuant"):
            break
        others = [i for i in node.input if i != current]
        if node.op_type not in ("Mul", "Add", "Sub", "Div") or not all(
                o in constants for o in others):
            return False
        chain.append(node)
        current = node.output[0]
    if not chain:
        return False
    node.input[0] = x
    for dead in chain:
        graph.node.remove(dead)
    onnx.save(model, str(target))
    return True


def report(name: str, path: Path, params: int | None, out_dir: Path, args,
           device: str = "xc7z020", compile_path: Path | None = None) -> None:
    size = path.stat().st_size / 1e6
    print(f"\n== {name}: {path.name} ({size:.1f} MB"
          + (f", {params / 1e6:.2f} M weights" if params else "") + ")")
    ours = run_child("rpnn-import", path, out_dir, args.timeout)
    if "seconds" in ours:
        print(f"rpnn import     : {ours['seconds']:.2f} s, {ours['ops']} ops, peak RSS "
              f"{ours['peak_mb']:.0f} MB (after imports {ours['base_mb']:.0f} MB); print "
              f"{ours['print_seconds']:.2f} s -> {ours['mlir_mb']:.1f} MB of MLIR")
    else:
        print(f"rpnn import     : {ours['status']}")
    if compile_path is not None:
        print(f"  (compiled: {compile_path.name})")
    compiled = run_child("rpnn-compile", compile_path or path, out_dir, args.timeout, device)
    if compiled.get("status") == "ok":
        print(f"rpnn pipeline   : {compiled['pipeline_seconds']:.2f} s "
              f"({compiled['pipeline_cpu']:.2f} s CPU; {compiled['pipeline']}), "
              f"peak RSS {compiled['peak_mb']:.0f} MB")
        for target in ("rpnn-hls", "rpnn-c"):
            print(f"  target {target:8s}: {compiled[target]}")
    else:
        where = f" ({compiled['pipeline']})" if "pipeline" in compiled else ""
        print(f"rpnn pipeline   : {compiled['status']}{where}")
        if "pipeline" in compiled:
            print("  targets       : not run (the pipeline did not finish)")
    if args.skip_hls4ml:
        return
    try:
        import hls4ml  # noqa: F401
    except ImportError:
        print("hls4ml          : not installed")
        return
    theirs = run_child("hls4ml", path, out_dir, args.hls4ml_timeout)
    if "convert_seconds" not in theirs:
        print(f"hls4ml          : {theirs['status']}")
        return
    core = theirs["convert_seconds"] + theirs["write_seconds"]
    print(f"hls4ml          : qonnx prep {theirs['prep_seconds']:.2f} s, convert "
          f"{theirs['convert_seconds']:.2f} s, write {theirs['write_seconds']:.2f} s, peak RSS "
          f"{theirs['peak_mb']:.0f} MB (after imports {theirs['base_mb']:.0f} MB)")
    if "seconds" in ours:
        print(f"ratio           : hls4ml convert+write / rpnn import = "
              f"{core / ours['seconds']:.1f}x; with its qonnx preparation "
              f"{(core + theirs['prep_seconds']) / ours['seconds']:.1f}x")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        kind, path, out_dir, *extra = sys.argv[2:]
        print(json.dumps(CHILDREN[kind](path, out_dir, *extra)))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", help="keep models and outputs here (default: temp dir)")
    parser.add_argument("--skip-hls4ml", action="store_true")
    parser.add_argument("--skip-big", action="store_true", help="only CNV-W2A2")
    parser.add_argument("--timeout", type=float, default=1800, help="per rpnn step (s)")
    parser.add_argument("--hls4ml-timeout", type=float, default=1800, help="per hls4ml run (s)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        out_dir = Path(args.out_dir or scratch)
        out_dir.mkdir(parents=True, exist_ok=True)
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
              f"{os.getloadavg()[0]:.1f}")
        start = time.perf_counter()
        cnv = export_cnv_w2a2(out_dir / "cnv_w2a2.onnx")
        print(f"CNV-W2A2 Brevitas export: {time.perf_counter() - start:.1f} s")
        stripped = out_dir / "cnv_w2a2_host_prescale.onnx"
        if without_input_preprocessing(cnv, stripped):
            print("(CNV's input arithmetic 2x - 1 moved to the host for compiling: "
                  "rpnn-streamline wants the input quantizer first)")
        report("CNV-W2A2", cnv, None, out_dir, args,
               compile_path=stripped if stripped.exists() else None)
        if args.skip_big:
            return
        print("\n" + check_small_resnet())
        import onnx

        start = time.perf_counter()
        model, params = resnet_qonnx()
        big = out_dir / "resnet34_w4a4.onnx"
        onnx.save(model, str(big))
        del model
        print(f"ResNet-34 W4A4 QONNX built and saved: {time.perf_counter() - start:.1f} s")
        report("ResNet-34 W4A4 (synthetic QONNX)", big, params, out_dir, args, device="xcu250")


if __name__ == "__main__":
    main()
