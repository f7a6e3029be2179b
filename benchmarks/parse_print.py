"""Print/parse benchmark: an integer-level MLP holding 10 million 4-bit weights.

    python benchmarks/parse_print.py [--seed 0] [--tracemalloc] [--profile]

Builds in memory (constants from numpy bytes) a chain of integer-level layers: `si4` weight
constants [K, M] with values in [-7, 7], `rpnn.matmul` of a `ui4` input giving the narrowest
sound `siN` accumulator, and `rpnn.multithreshold` back to `ui4` (thresholds [M, 15] of the
accumulator type).  The default 1000-2000-2000-2000 layers hold exactly 10,000,000 weights.
Then it verifies the module, prints it, parses and verifies the text, prints it again, checks
that both texts are identical and reports the time of each step, the text size and the peak
memory.

The target is print + parse (with verification) under 3 s.  `--tracemalloc` also reports the
Python heap peak of each step (tracing makes the steps slower: the timings printed then are not
the benchmark's); `--profile` prints the top functions (cProfile) of print and parse.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.dialects.func import FuncOp, ReturnOp
from xdsl.ir import Block, Region
from xdsl.parser import Parser
from xdsl.printer import Printer

from rpnn_ir import dtypes
from rpnn_ir.builders.examples import make_context
from rpnn_ir.dialects import rpnn

T = TypeVar("T")

TARGET_SECONDS = 3.0
WEIGHT_BITS = 4
ACT_BITS = 4


def build(sizes: Sequence[int], seed: int) -> ModuleOp:
    """The integer-level MLP with layer widths `sizes` (random weights and thresholds)."""
    rng = np.random.default_rng(seed)
    w_type = dtypes.int_type(WEIGHT_BITS, signed=True)
    x_type = dtypes.int_type(ACT_BITS, signed=False)
    w_lo, w_hi = dtypes.element_range(w_type)
    x_lo, x_hi = dtypes.element_range(x_type)
    steps = x_hi - x_lo  # thresholds per channel of a ui4 activation

    block = Block(arg_types=[TensorType(x_type, [1, sizes[0]])])
    x = block.args[0]
    for k, m in zip(sizes[:-1], sizes[1:], strict=True):
        # Narrow range [-7, 7] (zero mean: the accumulators do not drift from layer to layer).
        weights = rng.integers(-w_hi, w_hi + 1, size=(k, m), dtype=np.int8)
        w = rpnn.ConstantOp.from_numpy(weights, w_type)
        # Every input is in [0, x_hi]: the extreme sums take x_hi on one sign of weight.
        acc_type = dtypes.narrowest_int_type(k * w_lo * x_hi, k * w_hi * x_hi)
        acc = rpnn.MatMulOp(operands=[x, w], result_types=[TensorType(acc_type, [1, m])])
        # Thresholds spread over each channel's accumulator for uniform ui4 inputs, so that
        # the outputs use the whole ui4 range (mean and std of sum_k w[k, j] * x[k]).
        x_mean, x_var = (x_lo + x_hi) / 2, ((x_hi - x_lo + 1) ** 2 - 1) / 12
        w64 = weights.astype(np.int64)
        mean = x_mean * w64.sum(axis=0)
        std = np.sqrt(x_var * (w64**2).sum(axis=0))
        z = np.sort(rng.standard_normal((m, steps)), axis=1)
        thresholds = np.round(mean[:, None] + std[:, None] * z)
        t = rpnn.ConstantOp.from_numpy(thresholds.astype(np.int32), acc_type)
        y = rpnn.MultiThresholdOp(operands=[acc, t], result_types=[TensorType(x_type, [1, m])])
        block.add_ops([w, acc, t, y])
        x = y.output
    block.add_op(ReturnOp(x))
    function = FuncOp("main", ([arg.type for arg in block.args], [x.type]), Region(block))
    return ModuleOp([function])


def print_module(module: ModuleOp) -> str:
    stream = io.StringIO()
    Printer(stream=stream).print_op(module)
    return stream.getvalue()


def parse_and_verify(ctx: Context, text: str) -> ModuleOp:
    module = Parser(ctx, text).parse_module()
    module.verify()
    return module


class Steps:
    """Runs named steps, recording wall time and (optionally) the tracemalloc peak of each."""

    def __init__(self, trace: bool, profile: bool):
        self.trace, self.profile = trace, profile
        self.seconds: dict[str, float] = {}
        self.heap_peak: dict[str, int] = {}
        self.profiles: dict[str, pstats.Stats] = {}

    def run(self, name: str, func: Callable[[], T], profile: bool = False) -> T:
        gc.collect()
        if self.trace:
            tracemalloc.reset_peak()
        profiler = cProfile.Profile() if profile and self.profile else None
        start = time.perf_counter()
        result = profiler.runcall(func) if profiler is not None else func()
        self.seconds[name] = time.perf_counter() - start
        if self.trace:
            self.heap_peak[name] = tracemalloc.get_traced_memory()[1]
        if profiler is not None:
            self.profiles[name] = pstats.Stats(profiler)
        return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[1000, 2000, 2000, 2000],
        help="layer widths (default 1000 2000 2000 2000: 10M weights)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="also report the Python heap peak of each step (slower)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile print and parse, show the top functions"
    )
    args = parser.parse_args(argv)

    if args.tracemalloc:
        tracemalloc.start()
    ctx = make_context()
    steps = Steps(args.tracemalloc, args.profile)
    module = steps.run("build", lambda: build(args.sizes, args.seed))
    steps.run("verify (built module)", module.verify)
    text = steps.run("print", lambda: print_module(module), profile=True)
    parsed = steps.run("parse + verify", lambda: parse_and_verify(ctx, text), profile=True)
    again = steps.run("re-print", lambda: print_module(parsed))
    if again != text:
        print("error: re-printing the parsed module gives a different text", file=sys.stderr)
        return 1

    n_weights = sum(
        int(np.prod(op.output.type.get_shape()))
        for op in module.walk()
        if isinstance(op, rpnn.ConstantOp)
        and dtypes.type_str(op.output.type.element_type) == f"si{WEIGHT_BITS}"
    )
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    print(
        f"layers {'-'.join(map(str, args.sizes))}: {n_weights:,} si{WEIGHT_BITS} weights, "
        f"text {len(text) / 1e6:.1f} MB, round trip identical"
    )
    for name, seconds in steps.seconds.items():
        heap = f"  heap peak {steps.heap_peak[name] / 1e6:7.1f} MB" if args.tracemalloc else ""
        print(f"  {name:<22} {seconds:7.3f} s{heap}")
    total = steps.seconds["print"] + steps.seconds["parse + verify"]
    if args.tracemalloc or args.profile:
        verdict = "timings inflated by tracing: rerun without options to compare to the target"
    else:
        within = "within" if total < TARGET_SECONDS else "OVER"
        verdict = f"{within} the {TARGET_SECONDS:g} s target"
    print(f"  print + parse + verify {total:7.3f} s ({verdict})")
    print(f"  peak RSS (ru_maxrss)   {maxrss_mb:7.1f} MB")
    for name, stats in steps.profiles.items():
        print(f"\n--- cProfile: {name} (top 12 by own time)")
        stats.sort_stats("tottime").print_stats(12)
    return 0


if __name__ == "__main__":
    sys.exit(main())
