"""The accuracy-throughput sweep behind `rpnn-explore`.

For every precision x width of one topology on one data set: train (rpnn's strategy), export
to QONNX, and for every device compile twice through `rpnn-pipeline` (budget mode: the
fastest design within `lut_fraction` of the device; target mode: the cheapest design at
`target_fps`), cost each design with rpnn-cost and measure its test accuracy with the
compiled C reference.  Float32 networks are costed with the float model of rpnn-cost
(`deploy.float_design`) and their accuracy is the trained model's.

Runs are cached in `<out>/runs/<hash>.json`, the hash of everything that determines the
run (data, topology, width, precision, training, devices, modes, code version), written as
each run completes: an interrupted sweep resumes where it stopped.  Pending runs go to a
local process pool (`jobs`) or to a Dask distributed scheduler (`scheduler`, e.g.
"tcp://host:8786"); each run trains on one thread with a fixed seed, so the table does not
depend on where it ran.
"""

from __future__ import annotations

import csv
import hashlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from rpnn_ir import files
from rpnn_ir.training.models import PRECISIONS
from rpnn_ir.training.train import TrainConfig

CACHE_VERSION = 1
"""Bumped when a run's results would change for the same configuration."""

COLUMNS = ("dataset", "topology", "width", "precision", "device", "mode", "target_fps",
           "accuracy", "accuracy_source", "model_accuracy", "frames_agree", "test_frames",
           "fps", "lut", "bram18", "uram", "dsp", "fits", "cost_model", "params",
           "train_seconds", "error", "run")


@dataclass(frozen=True)
class Sweep:
    """One exploration: the grid and everything each run depends on."""

    dataset: str = "digits"
    data_dir: str | None = None
    topology: str = "tfc"
    precisions: tuple[str, ...] = PRECISIONS
    widths: tuple[int, ...] = (16, 32, 64, 128, 256)
    devices: tuple[str, ...] = ("xc7z020",)
    target_fps: float = 100_000.0
    lut_fraction: float = 1.0
    train: TrainConfig = field(default_factory=TrainConfig)
    train_limit: int | None = None
    test_limit: int | None = None
    target_accuracy: float | None = None
    """Finding 3's accuracy level; None: 0.99 on MNIST, else the best 1-bit accuracy."""

    def runs(self) -> list[dict[str, Any]]:
        """One configuration per precision x width (plain data: it travels to workers)."""
        base = asdict(self)
        for key in ("precisions", "widths", "target_accuracy"):
            base.pop(key)
        base["devices"] = list(self.devices)
        base["version"] = CACHE_VERSION
        return [dict(base, precision=p, width=w) for p in self.precisions for w in self.widths]


def run_hash(run: dict[str, Any]) -> str:
    """The cache key: SHA-256 of the run's canonical JSON (data_dir resolved)."""
    key = dict(run)
    if key.get("data_dir"):
        key["data_dir"] = str(Path(key["data_dir"]).resolve())
    text = json.dumps(key, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def execute_run(run: dict[str, Any], progress: Callable[[int, float], None] | None = None
                ) -> dict[str, Any]:
    """Train, export, compile, cost and measure one run; returns {"run", "rows"}."""
    import numpy as np
    import torch

    from rpnn_ir.compiler import CompileError
    from rpnn_ir.hw.folding import FoldError
    from rpnn_ir.training import data as datasets
    from rpnn_ir.training import deploy, export, models, train

    torch.set_num_threads(1)
    ds = datasets.load(run["dataset"], run["data_dir"]).subset(run["train_limit"],
                                                               run["test_limit"])
    config = TrainConfig(**run["train"])
    build = dict(topology=run["topology"], input_shape=ds.input_shape, classes=ds.classes,
                 width=run["width"])
    torch.manual_seed(config.seed)  # the initial weights too: a run is reproducible
    model = models.build(precision=run["precision"], **build)
    trained = train.train(model, ds, config, progress)
    predicted = train.predict(model, ds.x_test)
    model_accuracy = train.accuracy(predicted, ds.y_test)
    is_float = model.precision.is_float
    if is_float:  # the topology only: float layers are costed by the float model
        torch.manual_seed(config.seed)
        structure = export.export_qonnx(models.build(precision="W2A2", **build), argmax=True)
    else:
        structure = export.export_qonnx(model, argmax=True)
    common = dict(dataset=run["dataset"], topology=run["topology"], width=run["width"],
                  precision=model.precision.name, model_accuracy=model_accuracy,
                  test_frames=len(ds.y_test), params=model.parameter_count(),
                  train_seconds=round(trained.seconds, 3), run=run_hash(run))
    rows = []
    for device in run["devices"]:
        for fps in (0.0, run["target_fps"]):
            row = dict(common, device=device, mode="target" if fps else "budget",
                       target_fps=fps or None)
            try:
                if is_float:
                    cost = deploy.float_design(structure, device, fps, run["lut_fraction"])
                    row.update(accuracy=model_accuracy, frames_agree=None,
                               accuracy_source="model (float32, no compiled design)")
                else:
                    module, cost = deploy.compile_design(structure, device, fps,
                                                         run["lut_fraction"])
                    with deploy.CompiledClassifier(module) as design:
                        labels = design.classify(ds.x_test)
                    row.update(accuracy=train.accuracy(labels, ds.y_test),
                               frames_agree=int(np.sum(labels == predicted)),
                               accuracy_source="C reference of the compiled design")
                row.update({k: v for k, v in cost.as_dict().items()
                            if k in ("fps", "lut", "bram18", "uram", "dsp", "fits",
                                     "cost_model")})
            except (CompileError, FoldError) as e:
                row.update(error=str(e).splitlines()[0])
            rows.append(row)
    return {"run": run, "rows": rows}


def _write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` safely (`rpnn_ir.files`: a temporary file and a rename).

    Outside a transaction the file is final at once, so a cut-short sweep keeps its cache."""
    files.make_output_dir(path.parent)
    files.write_output(path, text)


def _cached(cache: Path) -> dict[str, Any] | None:
    try:
        result = json.loads(cache.read_text())
    except (OSError, ValueError):
        return None
    return result if isinstance(result, dict) and "rows" in result else None


def _completed(pending: list[dict[str, Any]], jobs: int, scheduler: str | None,
               epochs: Callable[[int, float], None] | None) -> Iterable[dict[str, Any]]:
    """Execute `pending` runs, yielding each result as it completes."""
    if scheduler:
        from distributed import Client, as_completed

        with Client(scheduler) as client:
            futures = client.map(execute_run, pending, pure=False)
            for future in as_completed(futures):
                yield future.result()
    elif jobs <= 1:
        for run in pending:
            yield execute_run(run, epochs)
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            futures = [pool.submit(execute_run, run) for run in pending]
            for future in as_completed(futures):
                yield future.result()


@dataclass
class Results:
    sweep: Sweep
    rows: list[dict[str, Any]]
    out_dir: Path
    cached: int
    computed: int
    seconds: float
    findings: str = ""


def _sort_key(row: dict[str, Any]) -> tuple:
    order = {p: i for i, p in enumerate(PRECISIONS)}
    return (row["device"], row["mode"], order.get(row["precision"], 99), row["width"])


def explore(sweep: Sweep, out_dir: str | Path, jobs: int = 1, scheduler: str | None = None,
            progress: bool = True) -> Results:
    """Run (or resume) the sweep; write results.csv/.json, the plots and findings.md."""
    from tqdm import tqdm

    from rpnn_ir.training import findings, plots

    start = time.perf_counter()
    out = Path(out_dir)
    cache_dir = out / "runs"
    cache_dir.mkdir(parents=True, exist_ok=True)
    runs = sweep.runs()
    results: dict[str, dict[str, Any]] = {}
    pending = []
    for run in runs:
        hit = _cached(cache_dir / f"{run_hash(run)}.json")
        if hit is not None:
            results[run_hash(run)] = hit
        else:
            pending.append(run)
    cached = len(results)
    bar = tqdm(total=len(runs), initial=cached, desc="rpnn-explore", unit="run",
               disable=not progress, dynamic_ncols=True)
    epoch_bar = None
    if progress and jobs <= 1 and not scheduler:
        epoch_bar = tqdm(total=sweep.train.epochs, desc="  training", unit="epoch",
                         leave=False, dynamic_ncols=True)

    def on_epoch(epoch: int, loss: float) -> None:
        if epoch_bar is not None:
            if epoch == 0:
                epoch_bar.reset()
            epoch_bar.update(1)
            epoch_bar.set_postfix(loss=f"{loss:.3f}")

    try:
        for result in _completed(pending, jobs, scheduler, on_epoch):
            key = run_hash(result["run"])
            _write_atomic(cache_dir / f"{key}.json", json.dumps(result, indent=1))
            results[key] = result
            first = result["rows"][0]
            bar.set_postfix_str(f"{first['precision']} w={first['width']} "
                                f"acc={first.get('accuracy') or 0:.3f}")
            bar.update(1)
    finally:
        if epoch_bar is not None:
            epoch_bar.close()
        bar.close()
    rows = sorted((row for r in results.values() for row in r["rows"]), key=_sort_key)
    rows = [{c: row.get(c) for c in COLUMNS} for row in rows]
    write_table(rows, out)
    plots.plot_all(rows, out, sweep.lut_fraction)
    text = findings.report(rows, sweep)
    _write_atomic(out / "findings.md", text)
    return Results(sweep, rows, out, cached, len(pending), time.perf_counter() - start, text)


def write_table(rows: list[dict[str, Any]], out: Path) -> None:
    """results.csv and results.json (the same rows)."""
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    _write_atomic(out / "results.csv", buffer.getvalue())
    _write_atomic(out / "results.json", json.dumps(rows, indent=1))


def quick(sweep: Sweep) -> Sweep:
    """`--quick`: TFC-style MLPs of 16-128 units, one device, 30 epochs."""
    return replace(sweep, widths=(16, 32, 64, 128), devices=sweep.devices[:1],
                   train=replace(sweep.train, epochs=30))
