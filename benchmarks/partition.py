"""Partitioning benchmark: rpnn-partition against a naive split, a FINN-style greedy and the
optimum, on designs folded jointly for k partitions.

    python benchmarks/partition.py [--nets resnet,cnv_w2a2,cnv_w4a4,lfc_w2a2]
                                   [--targets xcu250,xcu280,xczu7ev*2,xczu7ev*4]
                                   [--lut 1.0] [--bram 1.0] [--link-gbps 10]

Networks: a ResNet-like residual net (`resnet_qonnx.py`: 20 convs and a dense layer, W4A4,
built as QONNX with onnx.helper and read by rpnn's importer, then streamlined and lowered),
CNV at W2A2 and W4A4 and LFC at W2A2 (`rpnn_ir.builders.dataflow_nets`, random weights).
Targets: the 4 SLRs of an Alveo U250, the 3 of a U280, 2 and 4 ZCU104s (xczu7ev).

For every (network, target) the design is first folded for the k partitions together
(`rpnn-pipeline{devices=...}`'s search: fastest folding whose design with its FIFOs
partitions), which takes it well past what one partition holds; then, on that design:

- rpnn: `rpnn_ir.hw.partition.partition` (what rpnn-partition runs), with its run time;
- naive: equal unit counts per partition, in the IR order;
- greedy: FINN-style floorplanning: fill each partition in order until the next unit does not
  fit (how FINN's ResNet-50 on a U250 was floorplanned by hand, Petrica et al. FPT 2020);
- optimum: for chains, enumeration of every contiguous split (independent of rpnn's DP); for
  DAGs, the MILP with HiGHS's optimality proof (the same model rpnn solves: the column says
  whether HiGHS proved it).

The figure is the largest used/available share over every (partition, resource), "invalid"
when a baseline's cut breaks an SLL or link budget.  The last columns give frames/s on the k
partitions over frames/s of the same search on one partition (first SLR or device).  The
script asserts that rpnn equals the optimum wherever one is proven, never loses to the greedy,
and partitions the ResNet-like net in under 10 s.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from resnet_qonnx import resnet_like  # noqa: E402
from xdsl.utils.exceptions import PassFailedException  # noqa: E402

from rpnn_ir import api  # noqa: E402
from rpnn_ir.builders.dataflow_nets import build_cnv, build_lfc  # noqa: E402
from rpnn_ir.frontends.onnx_import import from_onnx  # noqa: E402
from rpnn_ir.hw.dataflow_model import DataflowGraph, functions_with_dataflow  # noqa: E402
from rpnn_ir.hw.partition import (  # noqa: E402
    PartitionProblem,
    bottleneck,
    extract_problem,
    flatten_partitions,
    greedy_fill,
    is_valid,
    make_slots,
    naive_split,
    order_is_unique,
    partition,
    solve_milp,
)
from rpnn_ir.passes.partition import parse_devices  # noqa: E402
from rpnn_ir.passes.pipeline import PipelinePass  # noqa: E402


def lowered(name: str):
    """The network at the dataflow level, unfolded."""
    if name == "resnet":
        module = from_onnx(resnet_like(4, 4))
        for stage in PipelinePass(quiet=True).stages()[:3]:  # streamline, precision, lower
            stage.apply(api.context(), module)
        return module
    if name.startswith("cnv"):
        bits = int(name[-1])
        return build_cnv(bits, bits)
    return build_lfc(int(name[-1]), int(name[-1]))


def enumerate_chain(problem: PartitionProblem) -> float | None:
    """The smallest bottleneck over every contiguous split (chains only)."""
    n, k = len(problem.units), len(problem.slots)
    prefix = np.vstack([np.zeros(4), np.cumsum(problem.res, axis=0)])
    best = None
    for cuts in itertools.combinations_with_replacement(range(n + 1), k - 1):
        bounds = (0, *cuts, n)
        share = max(float(problem.shares(prefix[bounds[j + 1]] - prefix[bounds[j]], j).max())
                    for j in range(k))
        if best is not None and share >= best:
            continue
        assignment = [j for j in range(k) for _ in range(bounds[j + 1] - bounds[j])]
        if is_valid(problem, assignment):
            best = share
    return best


def fmt(value: float | None, valid: bool = True) -> str:
    if value is None:
        return "-"
    return f"{100 * value:6.1f}%" + ("" if valid else " (invalid)")


def run_case(name: str, target: str, args) -> dict:
    module = lowered(name)
    pipeline = PipelinePass(devices=target, lut_fraction=args.lut, bram_fraction=args.bram,
                            link_gbps=args.link_gbps, quiet=True)
    start = time.perf_counter()
    pipeline.fold_and_partition(api.context(), module)
    joint_seconds = time.perf_counter() - start
    function, _ = next(functions_with_dataflow(module))
    joint = function.attributes["rpnn.joint_fold"].data
    flatten_partitions(function)
    graph = DataflowGraph.build(function)
    devices = parse_devices(target)
    slots, crossings = make_slots(devices, True, (args.lut, args.bram, 1.0, 1.0),
                                  args.link_gbps)
    problem = extract_problem(graph, slots, crossings, devices[0].clock_mhz)
    result = partition(problem)
    naive, greedy = naive_split(problem), greedy_fill(problem)
    start = time.perf_counter()
    chain = order_is_unique(problem)
    if chain:
        optimum, proven = enumerate_chain(problem), True
    else:
        assignment, proven, _ = solve_milp(problem)
        optimum = bottleneck(problem, assignment) if assignment is not None else None
    optimum_seconds = time.perf_counter() - start
    return {
        "net": name, "target": target, "units": len(problem.units), "chain": chain,
        "k": len(slots), "rpnn": result.bottleneck, "method": result.method,
        "seconds": result.seconds, "naive": bottleneck(problem, naive),
        "naive_valid": is_valid(problem, naive), "greedy": bottleneck(problem, greedy),
        "greedy_valid": is_valid(problem, greedy), "optimum": optimum, "proven": proven,
        "optimum_seconds": optimum_seconds, "fps": joint["fps"].value.data,
        "fps_one": joint["fps_one"].value.data, "joint_seconds": joint_seconds,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nets", default="resnet,cnv_w2a2,cnv_w4a4,lfc_w2a2")
    parser.add_argument("--targets", default="xcu250,xcu280,xczu7ev*2,xczu7ev*4,xc7z020*2")
    parser.add_argument("--lut", type=float, default=1.0)
    parser.add_argument("--bram", type=float, default=1.0)
    parser.add_argument("--link-gbps", type=float, default=10.0)
    args = parser.parse_args(argv)
    header = (f"{'net':<9} {'target':<10} {'units':>5} {'graph':<5} {'rpnn':>8} {'naive':>8} "
              f"{'greedy':>8} {'optimum':>8} {'rpnn s':>7} {'opt s':>7} {'fps k':>10} "
              f"{'fps 1':>10} {'k/1':>6} {'fold s':>7}")
    print(header)
    print("-" * len(header))
    failures = []
    for name in args.nets.split(","):
        for target in args.targets.split(","):
            try:
                r = run_case(name, target, args)
            except PassFailedException as e:
                print(f"{name:<9} {target:<10} no design: {e}", flush=True)
                continue
            ratio = f"{r['fps'] / r['fps_one']:>5.2f}x" if r["fps_one"] else "  n/a "
            print(f"{r['net']:<9} {r['target']:<10} {r['units']:>5} "
                  f"{'chain' if r['chain'] else 'DAG':<5} {fmt(r['rpnn'])} "
                  f"{fmt(r['naive'], r['naive_valid'])} {fmt(r['greedy'], r['greedy_valid'])} "
                  f"{fmt(r['optimum'])}{'' if r['proven'] else '?'} {r['seconds']:>7.2f} "
                  f"{r['optimum_seconds']:>7.2f} {r['fps']:>10.1f} {r['fps_one']:>10.1f} "
                  f"{ratio} {r['joint_seconds']:>7.1f}", flush=True)
            if r["proven"] and r["optimum"] is not None and \
                    abs(r["rpnn"] - r["optimum"]) > 1e-9:
                failures.append(f"{name} on {target}: rpnn {r['rpnn']} != optimum "
                                f"{r['optimum']}")
            if r["greedy_valid"] and r["rpnn"] > r["greedy"] + 1e-9:
                failures.append(f"{name} on {target}: rpnn loses to the greedy")
            if name == "resnet" and r["seconds"] >= 10:
                failures.append(f"resnet on {target}: {r['seconds']:.1f} s >= 10 s")
    print("\nrpnn/naive/greedy/optimum: largest used/available share over every (partition, "
          "resource); fps k / fps 1: frames/s of the joint fold on k partitions / on one (0, "
          "n/a: no folding fits one); '?': optimum not proven")
    for failure in failures:
        print("FAIL:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
