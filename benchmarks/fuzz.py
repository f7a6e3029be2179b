"""Long fuzz run (issue 10): mutated .mlir, ONNX models, pass options and API calls.

    python benchmarks/fuzz.py                       # 5,000 .mlir + 1,000 ONNX mutants, ...
    python benchmarks/fuzz.py --mlir 300 --onnx 100 --options 100 --api 100 --c-checks 5

Prints, per source, how many cases ended in each outcome (tests/fuzz/harness.py: accepted,
clean-error, traceback, hang, memory, stray-file, c-mismatch), the slowest case and the
largest peak memory, then every case that broke the promise with its seed, so that it can be
replayed and turned into a regression test. Exit status 1 if any did.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fuzz import harness  # noqa: E402

BAD = ("traceback", "hang", "memory", "stray-file", "c-mismatch")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mlir", type=int, default=5000, help=".mlir mutants (all levels)")
    parser.add_argument("--onnx", type=int, default=1000, help="ONNX mutants")
    parser.add_argument("--options", type=int, default=500, help="pass/target option strings")
    parser.add_argument("--api", type=int, default=500, help="Python API calls")
    parser.add_argument("--c-checks", type=int, default=200,
                        help="accepted .mlir mutants whose C reference is compiled and "
                        "compared with the interpreter")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--memory-mb", type=int, default=2048)
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="rpnn-fuzz-"))
    texts = harness.seed_texts()
    models = harness.seed_models()
    source = root / "seed.mlir"
    source.write_text(texts["graph"])
    counts: dict[str, Counter[str]] = {}
    failures: list[tuple[str, int, harness.Outcome]] = []
    slowest = (0.0, "")
    largest = (0.0, "")
    c_checks = args.c_checks
    start = time.monotonic()

    def record(kind: str, index: int, outcome: harness.Outcome) -> None:
        nonlocal slowest, largest
        counts.setdefault(kind, Counter())[outcome.kind] += 1
        if outcome.seconds > slowest[0]:
            slowest = (outcome.seconds, f"{kind} #{index}")
        if outcome.max_rss_mb > largest[0]:
            largest = (outcome.max_rss_mb, f"{kind} #{index}")
        if outcome.kind in BAD:
            failures.append((kind, index, outcome))

    def run(kind: str, index: int, case) -> harness.Outcome:
        case_dir = root / "cases" / f"{kind}-{index}"
        outcome = harness.run_isolated(case, case_dir, args.timeout, args.memory_mb)
        shutil.rmtree(case_dir, ignore_errors=True)
        record(kind, index, outcome)
        if outcome.kind in BAD:  # at once, so that a long run shows it before the end
            print(f"FAIL {kind} #{index}: {outcome.kind}: {outcome.detail}", flush=True)
        return outcome

    (root / "cases").mkdir()
    levels = sorted(texts)
    for i in range(args.mlir):
        rng = random.Random(args.seed * 1_000_003 + i)
        level = levels[i % len(levels)]
        text = harness.mutate_text(rng, texts[level])
        check_c = c_checks > 0
        outcome = run(f"mlir-{level}", i, harness.mlir_case(text, level, check_c))
        if check_c and outcome.kind in ("accepted", "c-mismatch"):
            c_checks -= 1
    for i in range(args.onnx):
        rng = random.Random(args.seed * 1_000_003 + i)
        data = harness.mutate_model(rng, models[i % len(models)])
        run("onnx", i, harness.onnx_case(data))
    for i in range(args.options):
        rng = random.Random(args.seed * 1_000_003 + i)
        pipeline, target = harness.option_pipeline(rng)
        run("options", i, harness.options_case(source, pipeline, target))
    for i in range(args.api):
        rng = random.Random(args.seed * 1_000_003 + i)
        name, call_args, kwargs = harness.api_arguments(rng)
        run("api", i, harness.api_case(name, call_args, kwargs))

    print(f"fuzz run (seed {args.seed}) in {time.monotonic() - start:.0f} s; timeout "
          f"{args.timeout:g} s, memory ceiling {args.memory_mb} MB; C checks run: "
          f"{args.c_checks - c_checks}")
    print(f"{'source':<16}" + "".join(f"{k:>13}" for k in harness.KINDS))
    for kind, counter in counts.items():
        print(f"{kind:<16}" + "".join(f"{counter[k]:>13}" for k in harness.KINDS))
    total = sum(sum(c.values()) for c in counts.values())
    print(f"total: {total} cases, {len(failures)} broke the promise")
    print(f"slowest case: {slowest[0]:.1f} s ({slowest[1]}); largest peak resident size: "
          f"{largest[0]:.0f} MB ({largest[1]})")
    for kind, index, outcome in failures:
        print(f"replay: {kind} #{index} with --seed {args.seed}: {outcome.kind}")
    shutil.rmtree(root, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
