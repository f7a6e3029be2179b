"""rpnn-explore on a tiny sweep: the table, plots and findings are written; runs are cached
by configuration and an interrupted sweep resumes; a Dask LocalCluster gives the same table
as the local run; the command line reports bad input in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rpnn_ir.tools import rpnn_explore
from rpnn_ir.training import explore
from rpnn_ir.training.train import TrainConfig

TINY = explore.Sweep(precisions=("W1A1", "W2A2", "float32"), widths=(8,),
                     target_fps=200_000, train=TrainConfig(epochs=2), train_limit=200,
                     test_limit=60)


def _table(results: explore.Results) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "train_seconds"} for r in results.rows]


@pytest.fixture(scope="module")
def local(tmp_path_factory) -> explore.Results:
    return explore.explore(TINY, tmp_path_factory.mktemp("local"), progress=False)


def test_sweep_writes_table_plots_and_findings(local: explore.Results) -> None:
    out = local.out_dir
    for name in ("results.csv", "results.json", "accuracy_vs_lut.png", "accuracy_vs_fps.png",
                 "findings.md"):
        assert (out / name).stat().st_size > 0, name
    rows = json.loads((out / "results.json").read_text())
    assert len(rows) == 3 * 2  # precisions x modes on one device
    assert (out / "results.csv").read_text().count("\n") == len(rows) + 1
    for row in rows:
        assert row["error"] is None and row["lut"] > 0 and row["fps"] > 0
        if row["mode"] == "target":
            assert row["fps"] >= 200_000
        if row["precision"] == "float32":
            assert row["cost_model"] == "float32 model"
        else:  # the compiled design classifies every test frame as the trained model
            assert row["frames_agree"] == row["test_frames"] == 60
            assert row["accuracy"] == row["model_accuracy"]
    assert "### 1. 2- and 4-bit beat 1-bit" in local.findings
    assert "### 3. float32 needs less hardware" in local.findings


def test_cache_and_resume(local: explore.Results, tmp_path: Path) -> None:
    again = explore.explore(TINY, local.out_dir, progress=False)
    assert (again.cached, again.computed) == (3, 0)
    assert again.rows == local.rows
    # an interrupted sweep: one run's result is missing, only that one is computed
    out = tmp_path / "resume"
    (out / "runs").mkdir(parents=True)
    caches = sorted((local.out_dir / "runs").glob("*.json"))
    for cache in caches[1:]:
        (out / "runs" / cache.name).write_text(cache.read_text())
    resumed = explore.explore(TINY, out, progress=False)
    assert (resumed.cached, resumed.computed) == (2, 1)
    assert _table(resumed) == _table(local)
    # another configuration is another run
    other = [explore.run_hash(r) for r in explore.Sweep(**{**TINY.__dict__,
                                                           "target_fps": 1e5}).runs()]
    assert not set(other) & {explore.run_hash(r) for r in TINY.runs()}


def test_dask_local_cluster_gives_the_same_table(local: explore.Results,
                                                 tmp_path: Path) -> None:
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      protocol="tcp://", dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://")
        remote = explore.explore(TINY, tmp_path, scheduler=cluster.scheduler_address,
                                 progress=False)
    assert remote.computed == 3
    assert _table(remote) == _table(local)


def test_process_pool_gives_the_same_table(local: explore.Results, tmp_path: Path) -> None:
    sweep = explore.Sweep(**{**TINY.__dict__, "precisions": ("W1A1", "float32")})
    pooled = explore.explore(sweep, tmp_path, jobs=2, progress=False)
    expect = [r for r in _table(local) if r["precision"] in ("W1A1", "float32")]
    assert _table(pooled) == expect


@pytest.mark.parametrize("args,message", [
    (["--widths", "8,x"], "--widths: cannot read"),
    (["--precisions", "W3"], "--precisions: precision 'W3'"),
    (["--devices", "nope"], "--devices: unknown device 'nope'"),
    (["--scheduler", "host:1"], "expected an address like tcp://"),
    (["--dataset", "mnist"], "give --data-dir"),
    (["--dataset", "mnist", "--data-dir", "/nonexistent-rpnn"], "not a folder"),
])
def test_cli_errors_are_one_line(args, message, capsys, tmp_path: Path) -> None:
    status = rpnn_explore.main([*args, "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status in (1, 2) and err.startswith("error: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_cli_tiny_run(capsys, tmp_path: Path) -> None:
    status = rpnn_explore.main(["--precisions", "W2A2", "--widths", "8", "--epochs", "1",
                                "--train-limit", "100", "--test-limit", "30", "-j", "1",
                                "--no-progress", "-o", str(tmp_path)])
    out = capsys.readouterr().out
    assert status == 0 and "# Findings: digits" in out and "2 designs (1 runs computed" in out
    assert (tmp_path / "results.csv").exists()
