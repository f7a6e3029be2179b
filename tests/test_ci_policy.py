"""The suite's CI policy (tests/conftest.py) holds: under CI a skip of any kind is a failure,
including a module skipped while it is collected (a module-level `pytest.importorskip`)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _pytest_with_hidden_brevitas(tmp_path: Path, ci: bool,
                                 workers: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """Run the Brevitas test module with `brevitas` made unimportable (`workers`: pytest-xdist
    options, as the README's `-n auto`)."""
    hidden = tmp_path / "hide" / "brevitas"
    hidden.mkdir(parents=True)
    (hidden / "__init__.py").write_text(
        'raise ModuleNotFoundError("No module named brevitas (hidden)", name="brevitas")\n'
    )
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PYTHONPATH"] = str(tmp_path / "hide")
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         *workers, "tests/frontends/test_onnx_brevitas.py"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_collection_skip_fails_under_ci(tmp_path: Path, workers: tuple[str, ...]) -> None:
    result = _pytest_with_hidden_brevitas(tmp_path, ci=True, workers=workers)
    assert result.returncode != 0, result.stdout
    assert "skipped at collection under CI" in result.stdout


def test_collection_skip_is_a_skip_outside_ci(tmp_path: Path) -> None:
    result = _pytest_with_hidden_brevitas(tmp_path, ci=False)
    assert result.returncode in (0, 5), result.stdout  # 5: no test ran (all skipped)
    assert "1 skipped" in result.stdout
