"""Batch-1 frames/s of the C reference with its matrix layers split over 2 threads, for
several values of RPNN_LAYER_WORK (the weighted multiply-accumulates a layer needs per
thread), against 1 thread: where splitting a layer starts to pay.

    python benchmarks/c_layer_split.py [--nets tfc_2w2a,lfc_1w1a] [--values 1e18,400000]
                                       [--rounds 5]

Each net (a Brevitas export compiled by rpnn-pipeline, as in benchmarks/c_reference.py) is
built once per value (`rpnn_main`, -O2, -DRPNN_LAYER_WORK=value; 1e18 never splits) and run
on one random frame: rounds alternate the builds, each timing is `rpnn_main -t T -r N` (the
best of 7 timings of N calls, N for about 30 ms), and the best of the rounds is printed with
its ratio to 1 thread. Every build and thread count must give the same outputs. The layers'
work per frame is printed first (a layer splits in two from 2 x RPNN_LAYER_WORK). Needs an
otherwise idle machine: with both cores busy a second thread cannot help.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "frontends"))

from rpnn_ir.backends import c_reference, c_runner, dataflow  # noqa: E402

NETS = "tfc_2w2a,sfc_1w1a,lfc_1w1a,lfc_1w2a,cnv_1w1a"
VALUES = "1e18,100000,200000,400000,800000,1600000"


def compiled(name: str, workdir: Path):
    """The net `name` exported by Brevitas and compiled by rpnn-pipeline."""
    import brevitas_models
    from xdsl.context import Context

    from rpnn_ir.frontends.onnx_import import from_onnx
    from rpnn_ir.passes.pipeline import PipelinePass

    path = workdir / f"{name}.onnx"
    brevitas_models.export(name, path)
    module = from_onnx(path)
    PipelinePass(quiet=True, device="xcu250").apply(Context(), module)
    return module, brevitas_models.input_shape(name)[1:]


def rate(exe: Path, threads: int, calls: int) -> tuple[float, bytes]:
    """(frames/s, output bytes) of one `rpnn_main -r` timing on x.bin."""
    run = subprocess.run([str(exe), "-t", str(threads), "-r", str(calls), "x.bin", "y.bin"],
                         cwd=exe.parent, capture_output=True, text=True, check=True)
    return float(run.stderr.split()[0]), (exe.parent / "y.bin").read_bytes()


def bench(name: str, values: list[float], rounds: int, workdir: Path) -> None:
    module, shape = compiled(name, workdir)
    graph = dataflow.extract(module)
    works = [w for node in graph.nodes if (w := c_reference.node_work(graph, node))]
    print(f"\n{name}: matrix layers' weighted multiply-accumulates per frame: {works}")
    x = np.random.default_rng(1).normal(size=(1, *shape)).astype(np.float32)
    exes = {}
    for value in values:
        folder = workdir / f"{name}_{value:.0f}"
        folder.mkdir()
        x.tofile(folder / "x.bin")
        exes[value] = c_runner.build_executable(
            module, folder, flags=("-O2", f"-DRPNN_LAYER_WORK={value:.0f}"))
    calls = max(5, int(rate(exes[values[0]], 1, 20)[0] * 0.03))
    best: dict[tuple[float, int], float] = {}
    outputs = set()
    for _ in range(rounds):
        for value in values:
            for threads in (1, 2) if value == values[0] else (2,):
                fps, out = rate(exes[value], threads, calls)
                outputs.add(out)
                best[value, threads] = max(best.get((value, threads), 0.0), fps)
    assert len(outputs) == 1, f"{name}: outputs differ between builds or thread counts"
    one = best[values[0], 1]
    print(f"  1 thread, no split          {one:>12,.0f} frames/s")
    for value in values:
        print(f"  2 threads, LAYER_WORK {value:>9.3g} {best[value, 2]:>12,.0f} frames/s"
              f"   x{best[value, 2] / one:5.2f}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nets", default=NETS)
    parser.add_argument("--values", default=VALUES)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    values = [float(v) for v in args.values.split(",")]
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="rpnn-split-") as tmp:
        for name in args.nets.split(","):
            bench(name, values, args.rounds, Path(tmp))
    print(f"\nload average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
