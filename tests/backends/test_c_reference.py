"""The C reference (`-t rpnn-c`) is bit-exact with the reference interpreter.

Hand-built nets cover every dataflow op; hypothesis generates random dataflow graphs (random
units, foldings, DWCs, residual branches, several inputs and outputs). Frame counts cross the
generated code's frame blocks. Some builds run under AddressSanitizer + UBSan, one with the
portable popcount fallback.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import netgen
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xdsl.dialects import func

from rpnn_ir import api, interp
from rpnn_ir.backends import c_reference, c_runner, dataflow, hls
from rpnn_ir.backends.c_runner import CReference

pytestmark = pytest.mark.skipif(shutil.which("cc") is None and shutil.which("gcc") is None,
                                reason="needs a C compiler")

EVERY_THREAD = "-DRPNN_MIN_FRAMES_PER_THREAD=1"
"""Threads even for the tiny test nets (by default a thread needs ~0.1 ms of work)."""
FAST = ("-O1", "-Werror", EVERY_THREAD)
SPLIT = "-DRPNN_LAYER_WORK=1"
"""Every matrix layer split over the call's threads when the frames are too few to split
(by default a share needs ~1M weighted multiply-accumulates)."""
INPUTS = Path(__file__).parent / "inputs"


def check_bit_exact(module, frames: int = 5, seed: int = 1, flags=FAST, extra=()):
    graph = dataflow.extract(module)
    inputs = dataflow.random_inputs(graph, frames, seed)
    expected = interp.run(module, inputs)
    with CReference.build(module, flags=flags, extra=extra) as net:
        got = net.run(inputs)
    assert len(got) == len(expected)
    for e, g in zip(expected, got, strict=True):
        assert g.shape == e.shape
        np.testing.assert_array_equal(g.astype(np.int64), e)
    return expected


@pytest.mark.parametrize("name", sorted(netgen.HAND_NETS))
def test_hand_nets(name):
    expected = check_bit_exact(netgen.HAND_NETS[name](0), frames=70, flags=("-O2", "-Werror"))
    # the nets are not degenerate: outputs vary across frames
    assert any(len(np.unique(e.reshape(e.shape[0], -1), axis=0)) > 1 for e in expected)


def test_every_dataflow_op_is_covered():
    ops = set()
    for build in netgen.HAND_NETS.values():
        for op in build(0).walk():
            ops.add(op.name)
    units = {op_type.name for op_type in dataflow.UNITS}
    assert units <= ops, units - ops


@pytest.mark.parametrize("name", ["bipolar_mlp", "conv_net", "residual_net", "two_input_net",
                                  "depthwise_net"])
def test_sanitizers(name, tmp_path):
    module = netgen.HAND_NETS[name](3)
    graph = dataflow.extract(module)
    inputs = dataflow.random_inputs(graph, 67, seed=2)
    got = c_runner.run_executable(module, inputs, tmp_path,
                                  flags=(*c_runner.SANITIZE_FLAGS, "-Werror", EVERY_THREAD))
    for e, g in zip(interp.run(module, inputs), got, strict=True):
        np.testing.assert_array_equal(g.astype(np.int64), e)


def _cpu_level() -> int:
    """The kernel level this CPU supports, from /proc/cpuinfo (x86-64 Linux; else 0)."""
    try:
        flags = set(re.search(r"^flags\s*:(.*)$", Path("/proc/cpuinfo").read_text(),
                              re.M).group(1).split())
    except (OSError, AttributeError):
        return 0
    if {"avx512f", "avx512bw", "avx512_vpopcntdq", "avx512_vnni", "avx2", "popcnt"} <= flags:
        return 2
    return 1 if {"avx2", "popcnt"} <= flags else 0


ISA_LEVELS = {"portable": 0, "avx2": 1, "avx512": 2}


@pytest.mark.parametrize("make", [lambda: netgen.kernel_net(3), lambda: netgen.xnor_net(4),
                                  lambda: netgen.xnor_net(5, linear=True),
                                  lambda: netgen.bit_serial_net(6),
                                  lambda: netgen.implicit_conv_net(4)],
                         ids=["kernel_net", "xnor_thresholds", "xnor_linear", "bit_serial",
                              "implicit_conv"])
def test_every_kernel_path_under_sanitizers(make, tmp_path, monkeypatch):
    """Each kernel level forced in turn (RPNN_ISA) on layers of odd sizes, under ASan and
    UBSan, 2 threads (13 frames split by frames, 1 frame by layer rows); the level in use is
    the CPU's, capped by RPNN_ISA."""
    module = make()
    graph = dataflow.extract(module)
    inputs = dataflow.random_inputs(graph, 13, 4)
    (expected,) = interp.run(module, inputs)
    exe = c_runner.build_executable(
        module, tmp_path, flags=(*c_runner.SANITIZE_FLAGS, "-Werror", EVERY_THREAD, SPLIT))
    with CReference.build(module, flags=FAST) as net:
        for isa, level in ISA_LEVELS.items():
            monkeypatch.setenv("RPNN_ISA", isa)
            assert net.kernel_level() == min(level, _cpu_level())
            (got,) = c_runner.run_built(exe, module, inputs, threads=2, env={"RPNN_ISA": isa})
            np.testing.assert_array_equal(got.astype(np.int64), expected)
            # one frame: the layers split by rows over 3 threads
            (got,) = c_runner.run_built(exe, module, [inputs[0][:1]], threads=3,
                                        env={"RPNN_ISA": isa})
            np.testing.assert_array_equal(got.astype(np.int64), expected[:1])
            (got,) = net.run(inputs)
            np.testing.assert_array_equal(got.astype(np.int64), expected)


SPLIT_NETS = {"kernel_net": lambda: netgen.kernel_net(7),
              "xnor_linear": lambda: netgen.xnor_net(8, linear=True),
              "bit_serial": lambda: netgen.bit_serial_net(9),
              "conv_net": lambda: netgen.conv_net(10),
              "many_thresholds": lambda: netgen.many_thresholds_net(14)}


@pytest.mark.parametrize("name", sorted(SPLIT_NETS))
def test_layer_split_does_not_change_results(name, monkeypatch):
    """Batches too small to split by frames: each matrix layer split over 1..4 threads of the
    pool, by output rows (few input vectors: dense layers at 1 or 3 frames) or by input
    vectors (convolutions, 70 frames), every kernel level forced in turn: the interpreter's
    outputs exactly, whatever the thread count."""
    module = SPLIT_NETS[name]()
    graph = dataflow.extract(module)
    inputs = dataflow.random_inputs(graph, 70, 11)
    expected = interp.run(module, inputs)
    with CReference.build(module, flags=("-O1", "-Werror", SPLIT)) as net:
        for isa in ISA_LEVELS:
            monkeypatch.setenv("RPNN_ISA", isa)
            for frames in (1, 3, 70):
                for threads in (1, 2, 3, 4):
                    got = net.run([x[:frames] for x in inputs], threads=threads)
                    for g, e in zip(got, expected, strict=True):
                        np.testing.assert_array_equal(g.astype(np.int64), e[:frames])


@pytest.mark.parametrize("seed", range(6))
def test_implicit_convolutions(seed, monkeypatch):
    """Convolutions that level 2 computes from their window unit's packed input (and the
    others from the window buffer): random kernels, strides, paddings and weight types, every
    kernel level forced in turn, frames and layers split over threads: the interpreter's
    outputs exactly."""
    module = netgen.implicit_conv_net(seed)
    assert c_reference.emit_c(module)[1].count("_pack(raw, pk, frames);") == 2
    graph = dataflow.extract(module)
    inputs = dataflow.random_inputs(graph, 5, seed)
    expected = interp.run(module, inputs)
    with CReference.build(module, flags=("-O1", "-Werror", SPLIT)) as net:
        for isa in ISA_LEVELS:
            monkeypatch.setenv("RPNN_ISA", isa)
            for frames, threads in ((5, 1), (5, 2), (1, 3)):
                got = net.run([x[:frames] for x in inputs], threads=threads)
                for g, e in zip(got, expected, strict=True):
                    np.testing.assert_array_equal(g.astype(np.int64), e[:frames])


def _has_thread_sanitizer() -> bool:
    """Whether the C compiler links -fsanitize=thread programs."""
    with tempfile.TemporaryDirectory() as tmp:
        return subprocess.run([c_runner.compiler(), "-fsanitize=thread", "-x", "c", "-", "-o",
                               str(Path(tmp) / "t")], input="int main(void){return 0;}\n",
                              text=True, capture_output=True).returncode == 0


@pytest.mark.skipif(not _has_thread_sanitizer(), reason="needs ThreadSanitizer")
def test_layer_split_under_thread_sanitizer(tmp_path):
    """The pool handing one call's layer shares (1 frame, 4 threads) and frame ranges (9
    frames, 3 threads) to its workers, under ThreadSanitizer: no report, exact outputs."""
    module = netgen.kernel_net(12)
    graph = dataflow.extract(module)
    inputs = dataflow.random_inputs(graph, 9, 13)
    (expected,) = interp.run(module, inputs)
    exe = c_runner.build_executable(module, tmp_path, flags=(
        "-O1", "-g", "-fsanitize=thread", "-Werror", EVERY_THREAD, SPLIT))
    for frames, threads in ((1, 4), (9, 3)):
        (got,) = c_runner.run_built(exe, module, [inputs[0][:frames]], threads=threads)
        np.testing.assert_array_equal(got.astype(np.int64), expected[:frames])


def test_portable_build_has_no_intrinsics():
    """-DRPNN_PORTABLE: plain C only (level 0 whatever the CPU)."""
    module = netgen.kernel_net(5)
    check_bit_exact(module, extra=("-DRPNN_PORTABLE",))
    with CReference.build(module, flags=FAST, extra=("-DRPNN_PORTABLE",)) as net:
        assert net.kernel_level() == 0


def test_portable_popcount():
    source = c_reference.emit_c(netgen.bipolar_mlp(1))[1]
    assert "__builtin_popcountll" in source and "rpnn_popcount64" in source
    check_bit_exact(netgen.bipolar_mlp(1), extra=("-DRPNN_PORTABLE_POPCOUNT",))


def test_bipolar_mvtu_uses_xnor_popcount():
    source = c_reference.emit_c(netgen.bipolar_mlp(0))[1]
    assert "static const uint64_t l0_w[" in source
    assert "RPNN_POPCOUNT64(xp[0][k] ^ wk)" in source
    conv = c_reference.emit_c(netgen.conv_net(0))[1]
    assert "static const int16_t l" in conv  # 2-bit weights in int16 lanes
    assert "a0 += (int32_t)xk * (int32_t)w0[k];" in conv  # 32-bit accumulators
    wide = _rebuild_wide()  # si20 inputs: int32 lanes, weights in the narrowest type
    source = c_reference.emit_c(wide)[1]
    assert "static const int8_t l0_w" in source and "int16_t xs" not in source
    check_bit_exact(wide)


def _rebuild_wide():
    wide = netgen.Net(0)
    s = wide.input([6], netgen.si(20), 1)
    wide.output(wide.mvtu(s, 5, netgen.si(3), None))
    return wide.finish()


def test_many_frames_and_zero_frames():
    module = netgen.bipolar_mlp(2)
    check_bit_exact(module, frames=1000)
    with CReference.build(module) as net:
        (out,) = net.run([np.ones((0, 64), dtype=np.int8)])
    assert out.shape == (0, 10)


def test_input_validation():
    with CReference.build(netgen.bipolar_mlp(0)) as net:
        with pytest.raises(ValueError, match="shape"):
            net.run([np.ones((2, 63))])
        with pytest.raises(ValueError, match="outside"):
            net.run([np.zeros((2, 64))])  # 0 is not bipolar


# --------------------------------------------------------------------------- random graphs


@settings(max_examples=200, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_random_graphs(data, seed):
    module = netgen.random_net(data, seed)
    frames = data.draw(st.sampled_from([1, 3, 65]), label="frames")
    check_bit_exact(module, frames=frames, seed=seed)


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_random_graphs_split_by_layer(data, seed):
    """Random graphs at batches below the thread count, every matrix layer split: the same
    outputs for 1..4 threads."""
    module = netgen.random_net(data, seed)
    frames = data.draw(st.sampled_from([1, 2, 5]), label="frames")
    graph = dataflow.extract(module)
    inputs = dataflow.random_inputs(graph, frames, seed)
    expected = interp.run(module, inputs)
    with CReference.build(module, flags=("-O1", "-Werror", SPLIT)) as net:
        for threads in (1, 2, 3, 4):
            for g, e in zip(net.run(inputs, threads=threads), expected, strict=True):
                np.testing.assert_array_equal(g.astype(np.int64), e)


# --------------------------------------------------------------------------- boundary


def _module_with_host_ops():
    text = (INPUTS / "host_ops.mlir").read_text()
    return api.parse(text)


def test_host_ops_stay_on_the_host_and_partitions_are_inlined():
    module = _module_with_host_ops()
    header, source = c_reference.emit_c(module)
    assert "const int8_t *input, int8_t *output, size_t n_frames" in header
    assert "scale" not in source
    x = np.array([[3.0, -2.0, 1.0, 0.0], [-4.0, 3.0, 2.0, 1.0]], dtype=np.float32)
    (full,) = interp.run(module, [x])
    q = np.clip(np.round(x), -4, 3).astype(np.int64)
    with CReference.build(module) as net:
        (acc,) = net.run([q])
    np.testing.assert_array_equal(acc * 0.5 + 0.25, full)
    region = dataflow.region_module(module)
    (region_out,) = interp.run(region, [q])
    np.testing.assert_array_equal(region_out, acc)


ROUNDING = ["ROUND", "HALF_EVEN", "CEIL", "FLOOR", "UP", "DOWN", "HALF_UP", "HALF_DOWN"]


def _whole_module(rounding: str = "ROUND"):
    """Host ops before (mul, add, quant, transpose, reshape) and after (scale_bias, topk)."""
    text = (INPUTS / "host_whole.mlir").read_text()
    return api.parse(text.replace('"MODE"', f'"{rounding}"'))


def _whole_frames(frames: int) -> np.ndarray:
    """Multiples of 1/8: the quantizer sees exact ties, where rounding modes differ."""
    rng = np.random.default_rng(3)
    return (rng.integers(-40, 40, size=(frames, 2, 3, 2)) / 8).astype(np.float32)


@pytest.mark.parametrize("rounding", ROUNDING)
def test_whole_network_is_bit_exact(rounding):
    """rpnn_forward_f32 (float in -> quantizer -> FPGA part -> float tail, top-k) equals the
    interpreter on the whole function, for every rounding mode and thread count."""
    module = _whole_module(rounding)
    x = _whole_frames(70)
    expected = interp.run(module, [x])
    with CReference.build(module, flags=FAST) as net:
        for threads in (1, 2, 5):
            got = net.forward([x], threads=threads)
            for e, g in zip(expected, got, strict=True):
                assert g.dtype == e.dtype
                np.testing.assert_array_equal(g, e)


def test_whole_network_converts_other_inputs():
    """`forward` passes float32 C-contiguous frames without a copy (read-only ones too) and
    converts anything else (float64, a strided view, Fortran order, nested lists) to the same
    frames first."""
    module = _whole_module()
    x = _whole_frames(9)
    expected = interp.run(module, [x])
    wide = np.zeros((18, 2, 3, 2), dtype=np.float64)
    wide[::2] = x
    frozen = x.copy()
    frozen.flags.writeable = False
    with CReference.build(module, flags=FAST) as net:
        for given in (x, frozen, x.astype(np.float64), wide[::2], np.asfortranarray(x),
                      x.tolist()):
            for got, e in zip(net.forward([given]), expected, strict=True):
                np.testing.assert_array_equal(got, e)


def test_thread_pool_under_concurrent_calls_and_fork():
    """The pool of worker threads kept between calls: calls from several Python threads at
    once (one holds the pool, the others start their own threads) and from a forked child
    (which starts its own pool) give the one-thread results, whatever the thread count."""
    module = _whole_module()
    x = _whole_frames(41)
    with CReference.build(module, flags=FAST) as net:
        expected = net.forward([x], threads=1)
        with ThreadPoolExecutor(4) as callers:
            results = list(callers.map(lambda t: net.forward([x], threads=t),
                                       [2, 3, 5, 2, 4, 1, 3, 2] * 3))
        for got in results:
            for g, e in zip(got, expected, strict=True):
                np.testing.assert_array_equal(g, e)
        pid = os.fork()
        if pid == 0:  # the child: reports by its exit status only
            status = 1
            try:
                if all(np.array_equal(g, e) for t in (3, 2) for g, e in
                       zip(net.forward([x], threads=t), expected, strict=True)):
                    status = 0
            finally:
                os._exit(status)
        assert os.waitpid(pid, 0)[1] == 0, "the forked child's calls failed"


def _near_edges(frames: np.ndarray, scale: np.ndarray, bias: float) -> np.ndarray:
    """Float32 frames at and around (4 ulps) every input where `x * scale + bias` quantized by
    host_whole.mlir's quantizer (scale 0.25, zero point 1) meets a rounding tie, plus zeros,
    infinities, the largest and subnormal floats, each element position in turn."""
    ties = ((np.arange(-6, 8) - 0.5) * 0.25 - bias)[:, None] / scale.reshape(1, -1)
    up = down = ties.astype(np.float32)
    values = [up]
    for _ in range(4):
        up, down = np.nextafter(up, np.float32(np.inf)), np.nextafter(down, np.float32(-np.inf))
        values += [up, down]
    special = np.array([0.0, -0.0, np.inf, -np.inf, 3.4e38, -3.4e38, 1e-45, -1e-45, 1e-40],
                       np.float32)
    flat = np.concatenate([v.reshape(-1) for v in values] + [special])
    count = -(-flat.size // frames[0].size) * frames[0].size
    flat = np.resize(flat, count)
    return np.concatenate([frames, flat.reshape(-1, *frames.shape[1:]),
                           np.roll(flat, 5).reshape(-1, *frames.shape[1:])])


@pytest.mark.parametrize("rounding", ROUNDING)
def test_input_quantizer_as_comparisons_is_exact(rounding):
    """A monotone input chain (x * positive constants + constant, quantized) becomes float32
    comparisons against thresholds found at compile time: equal to the interpreter at the
    rounding ties, one ulp either side, zeros, infinities and subnormals."""
    module = api.parse((INPUTS / "host_whole.mlir").read_text().replace(
        '"MODE"', f'"{rounding}"').replace("[[-0.75]]", "[[0.75]]"))
    source = c_reference.emit_c(module)[1]
    assert "float x = a0[" in source and "q += (int32_t)(x >= " in source
    scale = np.broadcast_to(np.array([1.5, 0.75]).reshape(2, 1, 1), (2, 3, 2))
    x = _near_edges(_whole_frames(5), scale, 0.125)
    expected = interp.run(module, [x])
    with CReference.build(module, flags=FAST) as net:
        for got, e in zip(net.forward([x], threads=2), expected, strict=True):
            np.testing.assert_array_equal(got, e)


def test_whole_network_reports_nan_and_shapes():
    with CReference.build(_whole_module(), flags=FAST) as net:
        x = _whole_frames(3)
        x[1, 0, 0, 0] = np.nan
        with pytest.raises(RuntimeError, match="returned -2 .*NaN"):
            net.forward([x])
        with pytest.raises(ValueError, match="expected \\[N, 2, 3, 2\\]"):
            net.forward([x[:, :1]])
        assert net.forward([x[:0]])[0].shape == (0, 5)


def test_whole_network_under_sanitizers(tmp_path):
    module = _whole_module("HALF_UP")
    x = _whole_frames(67)
    expected = interp.run(module, [x])
    got = c_runner.run_executable(module, [x], tmp_path, whole=True, threads=3,
                                  flags=(*c_runner.SANITIZE_FLAGS, "-Werror", EVERY_THREAD))
    for e, g in zip(expected, got, strict=True):
        np.testing.assert_array_equal(g, e)


def test_unsupported_host_op_leaves_out_the_whole_network_entry():
    text = (INPUTS / "host_ops.mlir").read_text().replace(
        "%f = rpnn.scale_bias %t", "%t2 = rpnn.relu %t : tensor<1x2xsi6> -> tensor<1x2xsi6>\n"
        "  %f = rpnn.scale_bias %t2").replace("tensor<1x2xsi6> -> tensor<1x2xf32>",
                                              "tensor<1x2xsi6> -> tensor<1x2xf32>")
    module = api.parse(text)
    header, source = c_reference.emit_c(module)
    assert "#define RPNN_HAS_FORWARD_F32 0" in header and "rpnn.relu" in header
    assert "rpnn_forward_f32" not in source
    with (CReference.build(module, flags=FAST) as net,
          pytest.raises(RuntimeError, match="no whole-network entry point: rpnn.relu")):
        net.forward([np.zeros((1, 4), np.float32)])


def test_generated_main_and_makefile(tmp_path):
    """rpnn-opt writes main.c and a Makefile; `make` builds rpnn_main, which runs the whole
    network on a file of frames (and the FPGA part with -p)."""
    module = _whole_module("HALF_EVEN")
    path = tmp_path / "net.mlir"
    path.write_text(str(module))
    out_dir = tmp_path / "build"
    result = subprocess.run([sys.executable, "-m", "rpnn_ir.tools.rpnn_opt", str(path), "-t",
                             f'rpnn-c{{out-dir="{out_dir}"}}'], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    make = subprocess.run(["make", "-C", str(out_dir), "CFLAGS=-O1 -Wall -Wextra -Werror"],
                          capture_output=True, text=True)
    assert make.returncode == 0, make.stderr
    x = _whole_frames(9)
    x.tofile(out_dir / "x.bin")
    run = subprocess.run(["./rpnn_main", "-t", "2", "-r", "2", "x.bin", "f.bin", "k.bin"],
                         cwd=out_dir, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "frames/s (best of 7 timings of 2 calls, 2 threads)" in run.stderr
    logits, top = interp.run(module, [x])
    np.testing.assert_array_equal(np.fromfile(out_dir / "f.bin", np.float32).reshape(9, 5),
                                  logits)
    np.testing.assert_array_equal(np.fromfile(out_dir / "k.bin", np.int64).reshape(9, 2), top)
    bad = subprocess.run(["./rpnn_main", "x.bin"], cwd=out_dir, capture_output=True, text=True)
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1 and "wrong number" in bad.stderr


def test_host_round_trip_is_rejected():
    text = (INPUTS / "host_round_trip.mlir").read_text()
    with pytest.raises(dataflow.BackendError, match="one FPGA region"):
        c_reference.emit_c(api.parse(text))


def test_graph_level_module_is_rejected():
    module = api.load(Path(__file__).parents[2] / "examples" / "tiny_mlp.mlir")
    with pytest.raises(dataflow.BackendError, match="at the graph level.*rpnn-pipeline"):
        c_reference.emit_c(module)


def test_function_option_selects_the_function():
    a = netgen.bipolar_mlp(0, name="first")
    b = netgen.conv_net(0)
    for op in list(b.body.block.ops):
        op.detach()
        a.body.block.add_op(op)
    header, _ = c_reference.emit_c(a, "main")
    assert "const uint8_t *input" in header  # conv_net's ui8 input
    header, _ = c_reference.emit_c(a)
    assert "const int8_t *input" in header


# --------------------------------------------------------------------------- names


HOSTILE = 'x; system("rm -rf /")'


def _hostile_module(inject: bool = True):
    net = netgen.Net(0, name=HOSTILE)
    s = net.input([8], netgen.si(2), 2, name="x$.-evil")
    a, b = net.duplicate(s)
    a = net.mvtu(a, 8, netgen.si(2), netgen.ui(2), pe=2, simd=2)
    s = net.add_streams(a, b, pe=2)
    net.output(s)
    module = net.finish()
    if not inject:
        return module
    for op in module.walk():
        for value in op.results:
            value._name = HOSTILE  # bypass xDSL's name check, as a careless frontend might
    (fn,) = [op for op in module.walk() if isinstance(op, func.FuncOp)]
    fn.body.block.args[0]._name = HOSTILE
    module.verify()
    return module


def test_hostile_names_never_reach_generated_code(tmp_path):
    module = _hostile_module()
    header, source = c_reference.emit_c(module)
    files = hls.emit_hls(module)
    for text in [header, source, *files.values()]:
        assert "system(" not in text and "rm -rf" not in text and HOSTILE not in text
    for name in files:  # file names are fixed, never from the IR
        assert re.fullmatch(r"[A-Za-z0-9_./]+", name) and ".." not in name
    idents = set(re.findall(r"\bl\d+(?:_[a-z0-9]+)?\b", source))
    assert all(re.fullmatch(r"l\d+(_[a-z0-9]{1,16})?", i) for i in idents)
    check_bit_exact(module)
    # through rpnn-opt, with the function name in the source text
    text = str(_hostile_module(inject=False))
    assert 'x; system(\\22rm -rf /\\22)' in text
    path = tmp_path / "hostile.mlir"
    path.write_text(text)
    out_dir = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "rpnn_ir.tools.rpnn_opt", str(path), "-t",
                             f'rpnn-c{{out-dir="{out_dir}"}}'], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out_dir.iterdir()) == [".rpnn-files", "Makefile", "main.c",
                                                         "rpnn.c", "rpnn.h", "rpnn.json"]
    assert "system(" not in (out_dir / "rpnn.c").read_text()
    assert list(tmp_path.glob("*system*")) == [] and list(Path.cwd().glob("*system*")) == []


def test_identifier_filter():
    assert dataflow.identifier("l", 3, HOSTILE) == "l3_xsystemrmrf"
    assert dataflow.identifier("l", 4, "$.-") == "l4"
    assert dataflow.identifier("l", 5, None) == "l5"


# --------------------------------------------------------------------------- rpnn-opt


def test_rpnn_opt_writes_both_files(tmp_path):
    path = tmp_path / "net.mlir"
    path.write_text(str(netgen.conv_net(0)))
    out_dir = tmp_path / "build" / "net"
    result = subprocess.run([sys.executable, "-m", "rpnn_ir.tools.rpnn_opt", str(path), "-t",
                             f'rpnn-c{{out-dir="{out_dir}"}}'], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (out_dir / "rpnn.h").is_file() and (out_dir / "rpnn.c").is_file()
    result = subprocess.run([sys.executable, "-m", "rpnn_ir.tools.rpnn_opt", str(path), "-t",
                             "rpnn-c"], capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.startswith("// ----- rpnn.h -----")
    assert "// ----- rpnn.c -----" in result.stdout
    assert result.stdout.split("// ----- rpnn.c -----\n")[1] == (out_dir / "rpnn.c").read_text()


def test_rpnn_opt_reports_backend_errors(tmp_path):
    path = tmp_path / "graph.mlir"
    shutil.copy(Path(__file__).parents[2] / "examples" / "tiny_mlp.mlir", path)
    result = subprocess.run([sys.executable, "-m", "rpnn_ir.tools.rpnn_opt", str(path), "-t",
                             "rpnn-c"], capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.startswith("error: target 'rpnn-c' failed:")
    assert "Traceback" not in result.stderr
