"""RTL simulation against the cycle model: `-t rpnn-rtl` designs in Verilator vs rpnn-cost.

    python benchmarks/rtl_sim.py [--nets lfc_w1a1,cnv_w1a1,cnv_w2a2] [--foldings bnn-pynq,rpnn-fold]
                                 [--frames 4] [--device xc7z020] [--no-verify]
    python benchmarks/rtl_sim.py --nets example_lfc_w1a1,example_cnv_w2a2 --foldings pipeline
    python benchmarks/rtl_sim.py --nets brevitas_lfc_1w1a,brevitas_cnv_1w1a,brevitas_cnv_2w2a \
                                 --foldings pipeline
    python benchmarks/rtl_sim.py --nets lfc_w1a1 --search-fifos [--deepen 4]

For LFC W1A1, CNV W1A1 and CNV W2A2 (BNN-PYNQ's networks with random weights,
`rpnn_ir.builders.dataflow_nets`), folded as in BNN-PYNQ (../reference: LFC padded to MW 832
and MH 64, CNV's last layer to MH 64) and by rpnn-fold for the device, with the FIFOs of
rpnn-insert-fifos, the script builds each design in Verilator, streams random frames without
back-pressure and prints

- cycles per frame in steady state beside rpnn-cost's bottleneck cycles (and their ratio),
  and the first frame's latency beside rpnn-cost's latency;
- for every FIFO: the depth rpnn-insert-fifos chose, the peak occupancy in simulation, and
  the smallest depth that keeps the measured throughput as far as this run shows: a FIFO that
  never held more than `peak` words behaves identically with depth `peak` + 1, and (unless
  `--no-verify`) the design runs again with every FIFO cut to min(depth, peak + 1) (run-time
  FIFO limits, no rebuild) to check that throughput and outputs are unchanged;
- bit-exactness and deadlock freedom (every frame out, every word checked), without and
  with random back-pressure and input gaps (`--stall`, `--gap`, default 0.3 each).

`--search-fifos`: the exact smallest depth of every FIFO (`rtl_sim.minimal_fifo_depths`: a
bisection per FIFO on simulated cycles/frame, the others at rpnn-insert-fifos' depths, one
build with run-time FIFO limits), printed beside rpnn-insert-fifos' depth and the peak.
`--deepen K` builds every FIFO K times deeper than rpnn-insert-fifos chose (runs still use
the chosen depths unless searching, which then looks up to K times the chosen depth): it
shows whether deeper FIFOs would raise the throughput.

`example_lfc_w1a1`, `example_cnv_w2a2`: the graph-level examples of
rpnn_ir/builders/examples.py through rpnn-pipeline (streamline, precision, lowering,
rpnn-fold, FIFOs), simulated the same way. `brevitas_<name>` (lfc_1w1a, cnv_1w1a, cnv_2w2a,
any name of tests/frontends/brevitas_models.py): the Brevitas BNN-PYNQ network with random
parameters, exported to QONNX, imported by rpnn.from_onnx and compiled by rpnn-pipeline for
the device (the FPGA part is simulated; golden outputs from the interpreter).

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
    if net.startswith("brevitas_"):
        module = brevitas(net.removeprefix("brevitas_"))
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


def brevitas(name: str):
    """The Brevitas network `name` (random parameters) exported to QONNX and imported."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "frontends"))
    import brevitas_models

    from rpnn_ir.frontends.onnx_import import from_onnx

    with tempfile.TemporaryDirectory() as tmp:
        return from_onnx(brevitas_models.export(name, Path(tmp) / f"{name}.onnx", dynamo=False))


def deepen(module, factor: int) -> dict[str, int]:
    """Every FIFO `factor` times deeper; returns the depths chosen before, by instance."""
    chosen = {}
    for name, op in fifo_ops(module).items():
        chosen[name] = op.depth.value.data
        op.depth = IntegerAttr(chosen[name] * factor, i64)
    return chosen


def model(module, device: str, backend: str = "hls") -> dict:
    """rpnn-cost's report of the module's function (the cost model of `backend`)."""
    dev = get_device(device)
    ((_, graph),) = list(functions_with_dataflow(module))
    return analyse(graph, dev, dev.clock_mhz, backend=backend).report


def fifo_ops(module) -> dict[str, rpnn.FIFOOp]:
    """FIFO ops by their RTL instance name (the backend's unit naming)."""
    from rpnn_ir.backends.dataflow import extract

    graph = extract(module)
    return {n.name: n.op for n in graph.nodes if isinstance(n.op, rpnn.FIFOOp)}


def cut_fifos(module, peaks: dict[str, int], names: dict[str, rpnn.FIFOOp]) -> None:
    """Every FIFO to min(depth, peak + 1)."""
    for name, op in names.items():
        depth = op.depth.value.data
        op.depth = IntegerAttr(max(1, min(depth, peaks[name] + 1)), i64)


def simulate(module, frames: int, directory: Path | None) -> tuple[rtl_sim.DesignResult, float]:
    """One build and run without back-pressure: the result and the build's seconds."""
    start = time.perf_counter()
    with rtl_sim.RtlSim.build([module], directory=directory, frames=frames) as sim:
        seconds = time.perf_counter() - start
        (result,) = sim.run(idle=2_000_000)
    return result, seconds


def build_sim(module, frames: int, directory: Path | None) -> tuple[rtl_sim.RtlSim, float]:
    """One Verilator build with run-time FIFO limits, and its seconds."""
    start = time.perf_counter()
    sim = rtl_sim.RtlSim.build([module], directory=directory, frames=frames, fifo_limits=True)
    return sim, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nets", default="lfc_w1a1,cnv_w1a1,cnv_w2a2")
    parser.add_argument("--foldings", default="bnn-pynq,rpnn-fold")
    parser.add_argument("--device", default="xc7z020")
    parser.add_argument("--frames", type=int, default=4)
    parser.add_argument("--stall", type=float, default=0.3)
    parser.add_argument("--gap", type=float, default=0.3)
    parser.add_argument("--no-verify", action="store_true")
    parser.add_argument("--search-fifos", action="store_true")
    parser.add_argument("--deepen", type=int, default=1)
    parser.add_argument("--keep", type=Path, default=None,
                        help="keep the Verilator builds under this directory")
    args = parser.parse_args(argv)
    failures = []
    for net in args.nets.split(","):
        for folding in args.foldings.split(","):
            label = f"{net} {folding}"
            module = build(net, folding, args.device)
            report = model(module, args.device)
            chosen = deepen(module, args.deepen)
            where = args.keep / f"{net}_{folding}" if args.keep else None
            sim, seconds = build_sim(module, args.frames, where)
            with sim:
                failures += run_design(sim, label, report, chosen, seconds, args)
            sys.stdout.flush()
    if failures:
        print("FAILED: " + ", ".join(failures))
        return 1
    return 0


def run_design(sim: rtl_sim.RtlSim, label: str, report: dict, chosen: dict[str, int],
               seconds: float, args) -> list[str]:
    """Simulate one built design and print its figures; the labels of what failed."""
    limits = {n: d for n, d in chosen.items() if d >= 2}  # depth 1 is built, never limited
    (result,) = sim.run(idle=2_000_000, depths=limits)
    (pressed,) = sim.run(stall=args.stall, gap=args.gap, seed=5, idle=2_000_000,
                         depths=limits)
    ok = result.passed and pressed.passed
    print(f"{label}: {'bit-exact, no deadlock' if ok else 'FAILED'}, also under back-pressure "
          f"(stall {args.stall}, gap {args.gap}) (Verilator build {seconds:.0f} s)")
    if not ok:
        print(result.log if not result.passed else pressed.log)
        return [label]
    cpf, bottleneck = result.cycles_per_frame, report["max_cycles"]
    print(f"  cycles/frame: simulated {cpf:.0f}, model bottleneck {bottleneck} "
          f"(x{cpf / bottleneck:.3f}); first-frame latency: simulated "
          f"{result.latency}, model {report['latency_cycles']} "
          f"(x{result.latency / report['latency_cycles']:.3f})")
    if args.deepen > 1:
        (deep,) = sim.run(idle=2_000_000)
        print(f"  every FIFO {args.deepen} times deeper: {deep.cycles_per_frame:.0f} "
              f"cycles/frame ({'bit-exact' if deep.passed else 'FAILED'})")
    failures = []
    minimal: dict[str, int] = {}
    if args.search_fifos and chosen:
        start = time.perf_counter()
        found = rtl_sim.minimal_fifo_depths(sim, depths=limits)
        minimal = found.minimal
        print(f"  FIFO search: {found.runs} simulations, {time.perf_counter() - start:.0f} s; "
              f"reference {found.cycles_per_frame:.0f} cycles/frame with every FIFO at "
              f"rpnn-insert-fifos' depth")
    print(f"  {'FIFO':<8} {'depth':>6} {'peak':>6} {'<= peak+1':>10}"
          + (f" {'minimal':>8}" if minimal else ""))
    for name, depth in chosen.items():
        peak = result.fifo_peak[name]
        bound = max(1, min(depth, peak + 1))
        print(f"  {name:<8} {depth:>6} {peak:>6} {bound:>10}"
              + (f" {minimal[name]:>8}" if minimal else ""))
    if minimal:
        total = sum(chosen.values())
        print(f"  sum of depths: rpnn-insert-fifos {total}, minimal {sum(minimal.values())}")
    if not args.no_verify and chosen:
        cut = {n: max(2, min(d, result.fifo_peak[n] + 1)) for n, d in chosen.items()
               if d >= 2}
        (again,) = sim.run(idle=2_000_000, depths=cut)
        # the steady state is a mean over few frames: allow a cycle or two of jitter
        same = again.passed and abs(again.cycles_per_frame - cpf) <= max(2, cpf / 1000)
        print(f"  with every FIFO at min(depth, peak + 1): "
              f"{'bit-exact' if again.passed else 'FAILED'}, {again.cycles_per_frame} "
              f"cycles/frame ({'same throughput' if same else 'CHANGED'})")
        if not same:
            failures.append(label + " (cut FIFOs)")
    return failures


if __name__ == "__main__":
    sys.exit(main())
