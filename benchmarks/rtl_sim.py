"""RTL simulation against the cycle model: `-t rpnn-rtl` designs in Verilator vs rpnn-cost.

    python benchmarks/rtl_sim.py [--nets lfc_w1a1,cnv_w1a1,cnv_w2a2] [--foldings bnn-pynq,rpnn-fold]
                                 [--frames 4] [--device xc7z020] [--no-verify]
    python benchmarks/rtl_sim.py --nets example_lfc_w1a1,example_cnv_w2a2 --foldings pipeline

For LFC W1A1, CNV W1A1 and CNV W2A2 (BNN-PYNQ's networks with random weights,
`rpnn_ir.builders.dataflow_nets`), folded as in BNN-PYNQ (../reference: LFC padded to MW 832
and MH 64, CNV's last layer to MH 64) and by rpnn-fold for the device, with the FIFOs of
rpnn-insert-fifos, the script builds each design in Verilator, streams random frames without
back-pressure and prints

- cycles per frame in steady state beside rpnn-cost's bottleneck cycles (and their ratio),
  and the first frame's latency beside rpnn-cost's latency;
- for every FIFO: the depth rpnn-insert-fifos chose, the peak occupancy in simulation, and
  the smallest depth that keeps the measured throughput as far as this run shows: a FIFO that
  never held more than `peak` words behaves identically with depth `peak` + 1, and
  `--verify` (default) rebuilds the design with every FIFO cut to min(depth, peak + 1) and
  checks that throughput and outputs are unchanged;
- bit-exactness and deadlock freedom (every frame out, every word checked).

`example_lfc_w1a1`, `example_cnv_w2a2`: the graph-level examples of
rpnn_ir/builders/examples.py through rpnn-pipeline (streamline, precision, lowering,
rpnn-fold, FIFOs), simulated the same way.

Verilator builds of LFC/CNV take minutes (2 cores): this is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from xdsl.context import Context
from xdsl.dialects.builtin import IntegerAttr, i64

import rpnn_ir
from rpnn_ir.backends import rtl_sim
from rpnn_ir.builders import examples
from rpnn_ir.builders.dataflow_nets import (
    BNN_PYNQ_CNV_W1A1_FOLDING,
    BNN_PYNQ_CNV_W2A2_FOLDING,
    BNN_PYNQ_LFC_FOLDING,
    build_cnv,
    build_lfc,
)
from rpnn_ir.dialects import rpnn
from rpnn_ir.hw.dataflow_model import functions_with_dataflow
from rpnn_ir.hw.devices import get_device
from rpnn_ir.passes.cost import analyse
from rpnn_ir.passes.fold import FoldPass
from rpnn_ir.passes.pipeline import PipelinePass


def build(net: str, folding: str, device: str):
    """The dataflow module of `net` with `folding`, FIFOs inserted.

    `example_<name>` is the graph-level example `<name>` (rpnn_ir/builders/examples.py:
    lfc_w1a1, cnv_w2a2, tiny_mlp) compiled by rpnn-pipeline for `device` (the folding
    argument is ignored: rpnn-pipeline folds)."""
    if net.startswith("example_"):
        module = examples.build(net.removeprefix("example_"))
        PipelinePass(quiet=True, device=device).apply(Context(), module)
        return module
    w, a = (1, 1) if net.endswith("w1a1") else (2, 2)
    if net.startswith("lfc"):
        if folding == "bnn-pynq":
            module = build_lfc(w, a, BNN_PYNQ_LFC_FOLDING, in_features=832, last_mh=64)
        else:
            module = build_lfc(w, a)
    else:
        table = BNN_PYNQ_CNV_W1A1_FOLDING if w == 1 else BNN_PYNQ_CNV_W2A2_FOLDING
        module = (build_cnv(w, a, table, last_mh=64) if folding == "bnn-pynq"
                  else build_cnv(w, a))
    if folding == "rpnn-fold":
        with tempfile.TemporaryDirectory() as tmp:  # its report is not needed here
            FoldPass(device=device, report=f"{tmp}/fold.txt").apply(Context(), module)
    return rpnn_ir.compile(module, "rpnn-insert-fifos").module


def model(module, device: str) -> dict:
    """rpnn-cost's report of the module's function."""
    dev = get_device(device)
    ((_, graph),) = list(functions_with_dataflow(module))
    return analyse(graph, dev, dev.clock_mhz).report


def cut_fifos(module, peaks: dict[str, int], names: dict[str, rpnn.FIFOOp]) -> None:
    """Every FIFO to min(depth, peak + 1)."""
    for name, op in names.items():
        depth = op.depth.value.data
        op.depth = IntegerAttr(max(1, min(depth, peaks[name] + 1)), i64)


def fifo_ops(module) -> dict[str, rpnn.FIFOOp]:
    """FIFO ops by their RTL instance name (the backend's unit naming)."""
    from rpnn_ir.backends.dataflow import extract

    graph = extract(module)
    return {n.name: n.op for n in graph.nodes if isinstance(n.op, rpnn.FIFOOp)}


def simulate(module, frames: int, directory: Path | None) -> tuple[rtl_sim.DesignResult, float]:
    start = time.perf_counter()
    with rtl_sim.RtlSim.build([module], directory=directory, frames=frames) as sim:
        seconds = time.perf_counter() - start
        (result,) = sim.run(idle=2_000_000)
    return result, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nets", default="lfc_w1a1,cnv_w1a1,cnv_w2a2")
    parser.add_argument("--foldings", default="bnn-pynq,rpnn-fold")
    parser.add_argument("--device", default="xc7z020")
    parser.add_argument("--frames", type=int, default=4)
    parser.add_argument("--no-verify", action="store_true")
    parser.add_argument("--keep", type=Path, default=None,
                        help="keep the Verilator builds under this directory")
    args = parser.parse_args(argv)
    failures = []
    for net in args.nets.split(","):
        for folding in args.foldings.split(","):
            label = f"{net} {folding}"
            module = build(net, folding, args.device)
            report = model(module, args.device)
            where = args.keep / f"{net}_{folding}" if args.keep else None
            result, seconds = simulate(module, args.frames, where)
            ok = result.passed and not result.deadlock
            cpf, bottleneck = result.cycles_per_frame, report["max_cycles"]
            print(f"{label}: {'bit-exact, no deadlock' if ok else 'FAILED'} "
                  f"(Verilator build {seconds:.0f} s)")
            if not ok:
                failures.append(label)
                print(result.log)
                continue
            print(f"  cycles/frame: simulated {cpf:.0f}, model bottleneck {bottleneck} "
                  f"(x{cpf / bottleneck:.3f}); first-frame latency: simulated "
                  f"{result.latency}, model {report['latency_cycles']} "
                  f"(x{result.latency / report['latency_cycles']:.3f})")
            names = fifo_ops(module)
            print(f"  {'FIFO':<8} {'depth':>6} {'peak':>6} {'<= peak+1':>10} {'slack':>6}")
            for name in names:
                depth, peak = result.fifo_depth[name], result.fifo_peak[name]
                bound = max(1, min(depth, peak + 1))
                print(f"  {name:<8} {depth:>6} {peak:>6} {bound:>10} {depth - bound:>6}")
            if not args.no_verify:
                cut_fifos(module, result.fifo_peak, names)
                again, seconds = simulate(module, args.frames,
                                          where.with_name(where.name + "_cut") if where else None)
                # the steady state is a mean over few frames: allow a cycle or two of jitter
                same = again.passed and abs(again.cycles_per_frame - cpf) <= max(2, cpf / 1000)
                print(f"  with every FIFO at min(depth, peak + 1): "
                      f"{'bit-exact' if again.passed else 'FAILED'}, "
                      f"{again.cycles_per_frame} cycles/frame "
                      f"({'same throughput' if same else 'CHANGED'}; build {seconds:.0f} s)")
                if not same:
                    failures.append(label + " (cut FIFOs)")
            sys.stdout.flush()
    if failures:
        print("FAILED: " + ", ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
