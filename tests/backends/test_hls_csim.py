"""The HLS project (`-t rpnn-hls`) passes C simulation bit-exactly, compiled with g++, and
every unit runs exactly as many pipelined loop iterations per frame as the cost model's
cycles (`hls_csim.compare_with_model`; the builds count them with RPNN_COUNT_ITERATIONS).

Each C simulation is a g++ build of ap_int code (about 10-20 s), so the sample is small: the
five hand-built nets (every dataflow op), three hypothesis-generated random graphs, one
AddressSanitizer + UBSan build, one build with the synthesis form of the weight arrays
(RPNN_EXACT_PARAMS) and a label select full of ties: 11 builds. The Xilinx ap_types headers
come from the hls4ml wheel (`rpnn_ir.backends.hls_csim.ap_types_dir`, fetched once with pip
into a cache); the tests are skipped when neither g++ nor the headers can be had.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import netgen
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rpnn_ir.backends import dataflow, hls, hls_csim
from rpnn_ir.backends.c_reference import write_files


def build_project(module, directory: Path, **options) -> Path:
    files = hls.emit_hls(module, hls.HlsTarget(**options))
    write_files(directory, files)
    return directory


COUNT = ("RPNN_COUNT_ITERATIONS",)


def check_cycles(module, result) -> list[hls_csim.UnitCycles]:
    """Every process's iterations per frame equal its unit's model cycles."""
    rows = hls_csim.compare_with_model(module, hls_csim.iteration_counts(result))
    assert rows and all(row.agrees for row in rows), [row for row in rows if not row.agrees]
    assert sum(row.iterations is not None and row.model is not None for row in rows) >= 3
    return rows


@pytest.mark.parametrize("name", sorted(netgen.HAND_NETS))
def test_hand_nets(name, tmp_path, ap_types):
    module = netgen.HAND_NETS[name](0)
    project = build_project(module, tmp_path / name)
    result = hls_csim.run_csim(project, ap_types=ap_types, defines=COUNT)
    assert "PASS: 4 frames bit-exact" in result.stdout
    check_cycles(module, result)
    if name == "conv_net":  # the testbench does catch a wrong word
        golden = project / "golden" / "out0.dat"
        lines = golden.read_text().splitlines()
        lines[3] = f"{int(lines[3], 16) ^ 1:0{len(lines[3])}x}"
        golden.write_text("\n".join(lines) + "\n")
        run = subprocess.run([str(project / "csim" / "tb"), str(project / "golden")],
                             capture_output=True, text=True)
        assert run.returncode == 1
        assert "MISMATCH out0 frame 0 word 2" in run.stdout and "FAIL: 1 mismatches" in run.stdout


def test_sanitizers(tmp_path, ap_types):
    project = build_project(netgen.residual_net(5), tmp_path / "asan", tb_frames=3, seed=7)
    result = hls_csim.run_csim(project, sanitize=True, ap_types=ap_types)
    assert "PASS: 3 frames bit-exact" in result.stdout


def test_label_select_ties(tmp_path, ap_types):
    """The ranked label select on 2-bit labels (ties everywhere), 6 per cycle, top 5: the
    lower index wins a tie across words and within one."""
    net = netgen.Net(2)
    s = net.input([24], netgen.ui(2), 6)
    net.output(net.label_select(s, 5, pe=6))
    module = net.finish()
    project = build_project(module, tmp_path / "ties", tb_frames=16, seed=11)
    result = hls_csim.run_csim(project, ap_types=ap_types, defines=COUNT)
    assert "PASS: 16 frames bit-exact" in result.stdout
    rows = check_cycles(module, result)
    assert [r.iterations for r in rows if r.kind == "label_select"] == [24 // 6 + 5]


def test_synthesis_form_of_the_weights(tmp_path, ap_types):
    """The exact-width ap_uint arrays that synthesis sees give the same results (and the
    testbench's frame limit, used for co-simulation, runs fewer frames)."""
    project = build_project(netgen.conv_net(3), tmp_path / "exact", seed=5)
    hls_csim.compile_csim(project, ap_types=ap_types, defines=("RPNN_EXACT_PARAMS",))
    run = subprocess.run([str(project / "csim" / "tb"), str(project / "golden"), "2"],
                         capture_output=True, text=True)
    assert run.returncode == 0 and "PASS: 2 frames bit-exact" in run.stdout, run.stdout


@settings(max_examples=3, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_random_graphs(data, seed, tmp_path_factory, ap_types):
    module = netgen.random_net(data, seed, image=True, min_steps=4)
    project = build_project(module, tmp_path_factory.mktemp("random"), tb_frames=3, seed=seed)
    check_cycles(module, hls_csim.run_csim(project, ap_types=ap_types, defines=COUNT))


# --------------------------------------------------------------------------- packing


def test_mvtu_weight_words_layout():
    rng = np.random.default_rng(0)
    w = rng.integers(-2, 2, size=(12, 6))
    elt = netgen.si(2)
    pe, simd = 3, 4
    words = hls.mvtu_weight_words(w, elt, pe, simd)
    sf, nf = 12 // simd, 6 // pe
    assert words.shape == (pe, nf * sf)
    for p in range(pe):
        for n in range(nf):
            for f in range(sf):
                slots = dataflow.unpack_words([int(words[p, n * sf + f])], elt, simd, (simd,))
                np.testing.assert_array_equal(slots, w[f * simd:(f + 1) * simd, n * pe + p])


def test_threshold_words_layout():
    t = np.array([[5, -3, 0], [1, 2, -8], [7, 7, 0], [0, 1, 2]])
    elt = netgen.si(5)
    words = hls.threshold_words(t, elt, 4, 2)
    assert words.shape == (2, 2)
    for p in range(2):
        for n in range(2):
            slots = dataflow.unpack_words([int(words[p, n])], elt, 3, (3,))
            np.testing.assert_array_equal(slots, np.sort(t[n * 2 + p]))
    broadcast = hls.threshold_words(t[:1], elt, 4, 4)
    assert len(set(broadcast.reshape(-1).tolist())) == 1


def test_depthwise_weight_words_layout():
    w = np.arange(4 * 9).reshape(4, 9) % 7 - 3
    elt = netgen.si(3)
    words = hls.depthwise_weight_words(w, elt, 4, 3)
    for p in range(4):
        for f in range(3):
            slots = dataflow.unpack_words([int(words[p, f])], elt, 3, (3,))
            np.testing.assert_array_equal(slots, w[p, f * 3:(f + 1) * 3])


def test_wide_words_pack_and_print_exactly():
    """Words wider than 64 bits (slots straddling 64-bit chunks) are packed exactly, and the
    constant arrays spell them as Python's formatting does: chunks least significant first
    for C simulation, one hex literal per word for synthesis."""
    rng = np.random.default_rng(2)
    for bits, slots in ((3, 30), (5, 13), (7, 19), (32, 3), (4, 16), (13, 10)):
        raw = rng.integers(0, 1 << bits, size=(3, 5, slots))
        raw[0, 0] = (1 << bits) - 1  # all ones
        raw[0, 1] = 0
        words = hls.pack_slots(raw.astype(object), bits)
        width = slots * bits
        for index in np.ndindex(3, 5):
            expected = sum(int(v) << (s * bits) for s, v in enumerate(raw[index]))
            assert words[index] == expected
        flat = [int(v) for v in words.reshape(-1)]
        chunks = (width + 63) // 64
        as_chunks = ["{" + ", ".join(f"0x{(v >> (64 * c)) & ((1 << 64) - 1):x}ULL"
                                     for c in range(chunks)) + "}" for v in flat]
        exact = [f"0x{v:x}ULL" if width <= 64 else f'ap_uint<{width}>("0x{v:x}", 16)'
                 for v in flat]
        words = words.reshape(3, 5)
        for form, items in (("exact", exact), ("chunks", as_chunks)):
            body = ",\n".join("    {" + ", ".join(items[r * 5:(r + 1) * 5]) + "}"
                               for r in range(3))
            text = (hls._exact_array("w", words, width) if form == "exact"
                    else hls._chunk_array("w", words, width))
            assert text.split("\n", 1)[1] == body + "\n};\n", form


def test_pack_words_round_trip():
    rng = np.random.default_rng(1)
    for elt in (netgen.BIPOLAR, netgen.si(3), netgen.ui(7), netgen.si(32), netgen.ui(32)):
        lo, hi = dataflow.range_of(elt)
        values = (rng.choice([-1, 1], size=(2, 8)) if elt == netgen.BIPOLAR
                  else rng.integers(lo, hi, size=(2, 8), endpoint=True))
        words = dataflow.pack_words(values, elt, 4)
        np.testing.assert_array_equal(dataflow.unpack_words(words, elt, 4, (2, 8)), values)


# --------------------------------------------------------------------------- project


def test_project_files(tmp_path):
    project = build_project(netgen.conv_net(0), tmp_path / "p", top="my_top",
                            part="xcu250-figd2104-2L-e", clock_ns=4.0, control="axilite")
    names = sorted(str(p.relative_to(project)) for p in project.rglob("*") if p.is_file())
    assert names == ["README.md", "csim/hls_stream.h", "golden/in0.dat", "golden/out0.dat",
                     "my_top.cpp", "my_top.hpp", "my_top_params.hpp", "rpnn_hls.hpp",
                     "run_hls.tcl", "tb.cpp"]
    tcl = (project / "run_hls.tcl").read_text()
    for line in ["set_top my_top", "set_part {xcu250-figd2104-2L-e}",
                 "create_clock -period 4 -name default", 'csim_design -O -argv "$here/golden"',
                 "csynth_design", 'cosim_design -argv "$here/golden 2"',
                 "export_design -flow $flow -format ip_catalog", "open_project -reset",
                 "open_solution -reset sol1", "vitis-run --mode hls --tcl run_hls.tcl"]:
        assert line in tcl
    readme = (project / "README.md").read_text()
    assert "my_top_params.hpp" in readme and "cosim_design" in readme
    top = (project / "my_top.cpp").read_text()
    assert "#pragma HLS INTERFACE s_axilite port=return" in top
    assert "hls_stream.h" not in [p.name for p in project.glob("*")]  # only in csim/
    header = (project / "golden" / "in0.dat").read_text().splitlines()[0]
    assert header == "4 64 24"  # frames, words per frame, port bits (3 x ui8)


@pytest.mark.parametrize("options, message", [
    ({"top": "a b"}, "C identifier"),
    ({"part": "x; exec rm"}, "part name"),
    ({"control": "both"}, "none or axilite"),
    ({"clock_ns": -1.0}, "positive"),
    ({"tb_frames": 0}, "at least 1"),
])
def test_bad_options(options, message):
    with pytest.raises(dataflow.BackendError, match=message):
        hls.emit_hls(netgen.bipolar_mlp(0), hls.HlsTarget(**options))


def test_rpnn_opt_hls(tmp_path):
    path = tmp_path / "net.mlir"
    path.write_text(str(netgen.bipolar_mlp(0)))
    out = tmp_path / "hls"
    result = subprocess.run([sys.executable, "-m", "rpnn_ir.tools.rpnn_opt", str(path), "-t",
                             f'rpnn-hls{{out-dir="{out}" clock-ns=5.0 tb-frames=2}}'],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (out / "rpnn_top.cpp").is_file() and (out / "tb.cpp").is_file()
    assert "-period 5" in (out / "run_hls.tcl").read_text()
    result = subprocess.run([sys.executable, "-m", "rpnn_ir.tools.rpnn_opt", str(path), "-t",
                             "rpnn-hls"], capture_output=True, text=True)
    assert result.stdout == (out / "rpnn_top.cpp").read_text()
    result = subprocess.run([sys.executable, "-m", "rpnn_ir.tools.rpnn_opt", str(path), "-t",
                             'rpnn-hls{part="a;b"}'], capture_output=True, text=True)
    assert result.returncode == 1 and "part name" in result.stderr
