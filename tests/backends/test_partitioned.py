"""Partitioned designs through both backends: bit-exact with the interpreter.

`rpnn-partition` spreads each hand-built net (every dataflow op, branches and joins) over the
slots; the C reference of the whole partitioned function, and the per-partition C references
chained in order along their port streams, give the interpreter's outputs; the HLS project has
one kernel per partition, each passing its own C simulation, linked by `connectivity.cfg`
(SLRs of one card) or `netlist.json` (several cards).
"""

from __future__ import annotations

import json
import os
import shutil

import netgen
import numpy as np
import pytest

from rpnn_ir import api, interp
from rpnn_ir.backends import dataflow, hls, hls_csim
from rpnn_ir.backends.c_reference import write_files
from rpnn_ir.backends.c_runner import CReference
from rpnn_ir.passes.partition import PartitionPass

needs_cc = pytest.mark.skipif(shutil.which("cc") is None and shutil.which("gcc") is None,
                              reason="needs a C compiler")


def partitioned(name: str, devices: str = "xczu7ev*3"):
    module = netgen.HAND_NETS[name](0)
    PartitionPass(devices=devices, report=os.devnull).apply(api.context(), module)
    module.verify()
    return module


@needs_cc
@pytest.mark.parametrize("name", sorted(netgen.HAND_NETS))
def test_c_reference_whole_and_chained(name: str) -> None:
    module = partitioned(name)
    graph = dataflow.extract(module)
    assert len(graph.partitions) >= 2 and all(n.partition is not None for n in graph.nodes)
    inputs = dataflow.random_inputs(graph, 5, seed=3)
    expected = interp.run(netgen.HAND_NETS[name](0), inputs)
    with CReference.build(module) as net:
        whole = net.run(inputs)
    for e, g in zip(expected, whole, strict=True):
        np.testing.assert_array_equal(g.astype(np.int64), e)
    streams = dict(zip(graph.inputs, inputs, strict=True))
    for index in range(len(graph.partitions)):
        sub, ins, outs = dataflow.partition_module(module, None, index)
        with CReference.build(sub) as net:
            streams.update(zip(outs, net.run([streams[i] for i in ins]), strict=True))
    for e, sid in zip(expected, graph.outputs, strict=True):
        np.testing.assert_array_equal(streams[sid].astype(np.int64), e)


def test_connectivity_for_the_slrs_of_one_card() -> None:
    module = partitioned("residual_net", "xcu250")
    graph = dataflow.extract(module)
    files = hls.emit_hls(module, hls.HlsTarget(), with_testbench=False)
    cfg = files["connectivity.cfg"].splitlines()
    kernels = [f"rpnn_top_p{j}" for j in range(len(graph.partitions))]
    assert "[connectivity]" in cfg
    for j, (kernel, info) in enumerate(zip(kernels, graph.partitions, strict=True)):
        folder = f"p{j}_xcu250_slr{info.slr}"
        assert f"{folder}/{kernel}.cpp" in files and f"{folder}/run_hls.tcl" in files
        assert f"nk={kernel}:1:{kernel}_1" in cfg
        assert f"slr={kernel}_1:SLR{info.slr}" in cfg
    links = [line for line in cfg if line.startswith("stream_connect=")]
    crossing = {s for n in graph.nodes for s in n.inputs
                if any(s in m.outputs and m.partition != n.partition for m in graph.nodes)}
    assert len(links) == len(crossing) >= 1
    assert "netlist.json" not in files


def test_netlist_for_several_devices() -> None:
    module = partitioned("conv_net", "xczu7ev*3")
    graph = dataflow.extract(module)
    files = hls.emit_hls(module, hls.HlsTarget(clock_ns=5.0), with_testbench=False)
    netlist = json.loads(files["netlist.json"])
    assert [c["device"] for c in netlist["cards"]] == ["xczu7ev"] * len(netlist["cards"])
    assert len(netlist["cards"]) == len({p.card for p in graph.partitions}) >= 2
    assert netlist["streams"]
    for s in netlist["streams"]:
        assert s["from"]["card"] < s["to"]["card"]
        assert s["gbps"] == pytest.approx(s["width_bits"] * s["words_per_frame"]
                                          * netlist["fps"] / 1e9)
    for card in netlist["cards"]:
        assert card["link_config"] in files


def test_every_kernel_passes_csim(tmp_path, ap_types) -> None:
    module = partitioned("residual_net", "xczu7ev*2")
    files = hls.emit_hls(module, hls.HlsTarget(tb_frames=2))
    write_files(tmp_path, files)
    kernels = sorted({path.split("/")[0] for path in files if "/" in path
                      and path.split("/")[0].startswith("p")})
    assert len(kernels) == 2
    for j, folder in enumerate(kernels):
        result = hls_csim.run_csim(tmp_path / folder, top=f"rpnn_top_p{j}", ap_types=ap_types)
        assert "PASS: 2 frames bit-exact" in result.stdout
