"""rpnn-explore: the accuracy-throughput trade-off of reduced precision, one command.

    rpnn-explore --quick                                   # digits, ~minutes on 2 cores
    rpnn-explore --dataset mnist --data-dir ~/mnist --topology sfc --widths 64,128,256
    rpnn-explore --scheduler tcp://host:8786 ...           # runs on a Dask cluster

Trains every precision x width (rpnn's strategy, docs/training.md), compiles each network
through rpnn-pipeline for every device (fastest design within the device; cheapest design
at --target-fps), costs it and measures its test accuracy with the compiled C reference.
Writes to --out: results.csv, results.json, accuracy_vs_lut.png, accuracy_vs_fps.png,
findings.md (also printed) and runs/ (the cache: re-running resumes).  Needs the `train`
extra (pip install 'rpnn[train]').

Bad input gives one ``error: ...`` line and exit status 1 (2 for a bad command line).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import NoReturn

from rpnn_ir import __version__
from rpnn_ir.tools.cli import ToolError as ExploreToolError
from rpnn_ir.tools.cli import UsageError


def _usage_error(message: str) -> NoReturn:
    raise UsageError(f"{message}; see rpnn-explore --help")


def _list(kind, text: str, what: str) -> tuple:
    try:
        values = tuple(kind(v) for v in text.split(",") if v.strip())
    except ValueError:
        _usage_error(f"--{what}: cannot read {text!r} as a comma-separated list")
    if not values:
        _usage_error(f"--{what}: empty list")
    return values


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="rpnn-explore",
        description="Sweep precisions x widths x devices: train, compile, cost, measure "
        "accuracy on the compiled design; table, plots with Pareto fronts and the paper's "
        "findings.",
        epilog="exit status: 0 on success, 1 for bad input, 2 for a bad command line")
    p.add_argument("--quick", action="store_true",
                   help="small sweep: widths 16-128, the first device, 30 epochs")
    p.add_argument("--dataset", default="digits", choices=("digits", "mnist", "cifar10"))
    p.add_argument("--data-dir", help="folder with the MNIST IDX files or CIFAR-10 batches")
    p.add_argument("--topology", default=None, choices=("tfc", "sfc", "lfc", "cnv"),
                   help="network family (default: tfc, cnv for cifar10)")
    p.add_argument("--precisions", default="W1A1,W1A2,W2A2,W4A4,W8A8,float32")
    p.add_argument("--widths", default="16,32,64,128,256",
                   help="hidden units (MLPs) or first-stage channels (cnv)")
    p.add_argument("--devices", default="xc7z020")
    p.add_argument("--target-fps", type=float, default=1e6,
                   help="frame rate of the LUT plot's designs (default 1e6)")
    p.add_argument("--lut-fraction", type=float, default=1.0,
                   help="share of the device's LUTs and BRAM for the frames/s plot")
    p.add_argument("--epochs", type=int, default=None, help="default 40 (30 with --quick)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--train-limit", type=int, help="use the first N training frames")
    p.add_argument("--test-limit", type=int, help="use the first N test frames")
    p.add_argument("--target-accuracy", type=float,
                   help="finding 3's accuracy (0..1; default 0.99 on mnist, else the best "
                   "1-bit accuracy)")
    p.add_argument("-o", "--out", default="explore-results", help="results folder")
    p.add_argument("-j", "--jobs", type=int, default=min(2, os.cpu_count() or 1),
                   help="local worker processes (default: up to 2)")
    p.add_argument("--scheduler", help="Dask distributed scheduler address, tcp://host:port")
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--version", action="version", version=f"rpnn-explore {__version__}")
    p.error = _usage_error  # type: ignore[method-assign]
    return p


def _sweep(args: argparse.Namespace):
    from rpnn_ir.hw.devices import DeviceError, get_device
    from rpnn_ir.training.explore import Sweep, quick
    from rpnn_ir.training.models import Precision
    from rpnn_ir.training.train import TrainConfig

    precisions = _list(str, args.precisions, "precisions")
    for text in precisions:
        try:
            Precision.parse(text)
        except ValueError as e:
            _usage_error(f"--precisions: {e}")
    widths = _list(int, args.widths, "widths")
    devices = _list(str, args.devices, "devices")
    for device in devices:
        try:
            get_device(device)
        except DeviceError as e:
            _usage_error(f"--devices: {e}")
    if any(w <= 0 for w in widths) or args.target_fps <= 0 or not 0 < args.lut_fraction <= 1:
        _usage_error("widths and --target-fps must be positive, --lut-fraction in (0, 1]")
    if args.scheduler and "://" not in args.scheduler:
        _usage_error(f"--scheduler {args.scheduler!r}: expected an address like "
                     "tcp://host:8786")
    if args.dataset != "digits" and not args.data_dir:
        raise ExploreToolError(f"--dataset {args.dataset} reads the files from a folder: "
                               "give --data-dir (nothing is downloaded)")
    topology = args.topology or ("cnv" if args.dataset == "cifar10" else "tfc")
    sweep = Sweep(dataset=args.dataset, data_dir=args.data_dir, topology=topology,
                  precisions=tuple(Precision.parse(p).name for p in precisions),
                  widths=widths, devices=devices, target_fps=args.target_fps,
                  lut_fraction=args.lut_fraction, train=TrainConfig(seed=args.seed),
                  train_limit=args.train_limit, test_limit=args.test_limit,
                  target_accuracy=args.target_accuracy)
    if args.quick:
        sweep = quick(sweep)
    if args.epochs is not None:
        if args.epochs <= 0:
            _usage_error("--epochs must be positive")
        sweep = replace(sweep, train=replace(sweep.train, epochs=args.epochs))
    return sweep


def run(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    try:
        import matplotlib  # noqa: F401
        import torch  # noqa: F401
        import tqdm  # noqa: F401
    except ImportError as e:
        raise ExploreToolError(f"{e.name} is missing: install the train extra "
                               "(pip install 'rpnn[train]')") from None
    from rpnn_ir.training.data import DataError, load
    from rpnn_ir.training.explore import explore

    sweep = _sweep(args)
    try:
        load(sweep.dataset, sweep.data_dir)  # read errors now, not in every worker
    except DataError as e:
        raise ExploreToolError(str(e)) from None
    results = explore(sweep, args.out, jobs=args.jobs, scheduler=args.scheduler,
                      progress=not args.no_progress)
    print(results.findings)
    print(f"\n{len(results.rows)} designs ({results.computed} runs computed, {results.cached} "
          f"from the cache) in {results.seconds:.0f} s; written to {results.out_dir}/: "
          "results.csv, results.json, accuracy_vs_lut.png, accuracy_vs_fps.png, findings.md")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return run(argv)
    except ExploreToolError as e:  # cli's one-line errors; no output transaction here, so
        print(e, file=sys.stderr)     # the run cache stays on disk when a sweep is cut short
        return e.exit_code
    except OSError as e:
        print(f"error: {e.filename or ''}: {e.strerror or e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted; finished runs are cached, re-run to resume",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
