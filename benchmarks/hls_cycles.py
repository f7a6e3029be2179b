"""HLS cycles against the cost model: per-unit loop iterations of the C simulation.

    python benchmarks/hls_cycles.py [--nets lfc,cnv,bnn-cnv] [--random 20] [--frames 1]

Builds the HLS project (`-t rpnn-hls`) of each network, compiles its C simulation with
``-DRPNN_COUNT_ITERATIONS`` (every unit counts the iterations of its pipelined loops, one
cycle each at II=1) and prints, unit by unit, those iterations per frame next to rpnn-cost's
cycles for the unit (`rpnn_ir.backends.hls_csim.compare_with_model`). Networks:

- lfc: the LFC-like W1A1 example (784-1024-1024-1024-10) through rpnn-pipeline (xc7z020);
- cnv: the CNV-like W2A2 example through rpnn-pipeline (xc7z020);
- bnn-cnv: BNN-PYNQ's CNV-W1A1 with its published folding (random weights, last layer
  padded to 64 outputs as in BNN-PYNQ);
- ``--random N``: N random image dataflow graphs of tests/backends/netgen.py (every unit
  kind, random foldings).

The CNV builds take minutes (g++ on ap_int code, here at -O2). Exit status 1 if any unit
differs from the model. The tests run the small cases of the same check
(tests/backends/test_hls_csim.py, tests/test_ladder.py).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp

from rpnn_ir.backends import hls, hls_csim
from rpnn_ir.backends.c_reference import write_files
from rpnn_ir.builders import examples
from rpnn_ir.builders.dataflow_nets import BNN_PYNQ_CNV_W1A1_FOLDING, build_cnv
from rpnn_ir.passes.pipeline import PipelinePass

FAST_FLAGS = ("-O2", "-Wno-uninitialized", "-Wno-maybe-uninitialized")
"""At -O1 and above g++ warns about ap_types' own constructors (docs/backends.md)."""


def example(name: str) -> ModuleOp:
    module = examples.build(name)
    PipelinePass(quiet=True).apply(Context(), module)
    return module


def measure(name: str, module: ModuleOp, frames: int, seed: int = 0
            ) -> list[hls_csim.UnitCycles]:
    """Build, run and compare one network; prints its table."""
    with tempfile.TemporaryDirectory(prefix="rpnn-hls-cycles-") as tmp:
        project = Path(tmp)
        write_files(project, hls.emit_hls(module, hls.HlsTarget(tb_frames=frames, seed=seed)))
        start = time.perf_counter()
        result = hls_csim.run_csim(project, defines=("RPNN_COUNT_ITERATIONS",),
                                   flags=FAST_FLAGS)
        seconds = time.perf_counter() - start
    rows = hls_csim.compare_with_model(module, hls_csim.iteration_counts(result))
    print(f"\n{name} ({frames} frame(s) bit-exact, build and run {seconds:.0f} s)")
    print(f"  {'process':<20} {'kind':<13} {'iterations':>10} {'model':>10}  agrees")
    for row in rows:
        its = "-" if row.iterations is None else str(row.iterations)
        model = "-" if row.model is None else str(row.model)
        note = "yes" if row.agrees else "NO"
        if row.iterations is None:
            note += " (no process: the channel's depth)"
        elif row.model is None:
            note += " (fan-out copy, not a model unit)"
        print(f"  {row.label:<20} {row.kind:<13} {its:>10} {model:>10}  {note}")
    return rows


def random_graphs(count: int, frames: int) -> list[hls_csim.UnitCycles]:
    """`count` random image graphs of the tests' generator (hypothesis, derandomised)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "backends"))
    import netgen  # noqa: PLC0415 (a test helper, only for this option)
    from hypothesis import HealthCheck, given, settings  # noqa: PLC0415
    from hypothesis import strategies as st  # noqa: PLC0415

    rows: list[hls_csim.UnitCycles] = []
    done = [0]

    @settings(max_examples=count, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(data=st.data(), seed=st.integers(0, 2**16))
    def run(data, seed: int) -> None:
        module = netgen.random_net(data, seed, image=True, min_steps=4)
        done[0] += 1
        rows.extend(measure(f"random graph {done[0]} (seed {seed})", module, frames, seed))

    run()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nets", default="lfc,cnv,bnn-cnv")
    parser.add_argument("--random", type=int, default=20, help="random graphs")
    parser.add_argument("--frames", type=int, default=1)
    args = parser.parse_args(argv)
    builders = {
        "lfc": lambda: example("lfc_w1a1"),
        "cnv": lambda: example("cnv_w2a2"),
        "bnn-cnv": lambda: build_cnv(1, 1, BNN_PYNQ_CNV_W1A1_FOLDING, last_mh=64),
    }
    rows: list[hls_csim.UnitCycles] = []
    for name in [n for n in args.nets.split(",") if n]:
        rows += measure(name, builders[name](), args.frames)
    if args.random:
        rows += random_graphs(args.random, max(args.frames, 2))
    compared = [r for r in rows if r.iterations is not None and r.model is not None]
    wrong = [r for r in compared if not r.agrees]
    print(f"\n{len(compared)} processes compared with the model, {len(wrong)} differ")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
