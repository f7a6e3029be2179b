"""Mutation check of the test suite: does a one-line bug fail the tests meant to catch it?

    python benchmarks/mutants.py            # every mutant
    python benchmarks/mutants.py fifo       # the mutants whose name contains "fifo"

Each mutant is a regular expression and its replacement, applied inside one function or
template of one file (found by a pattern, so that unrelated edits to the file do not break
the mutant).  The repository's tracked files are copied to a temporary directory, the
mutation applied there, and the mutant's pytest subset run against the copy (PYTHONPATH puts
the copy's `rpnn_ir` first; CI=true: derandomized hypothesis, a skip is a failure).  Each
subset first runs unmutated, and must pass.  Prints a table: caught (the subset fails),
missed (it passes) or n/a (the pattern no longer matches: update the mutant).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Mutant:
    """A bug: in `path`, inside the text matched by `scope`, `pattern` -> `replacement`."""

    name: str
    path: str
    scope: str
    pattern: str
    replacement: str | Callable[[re.Match[str]], str]
    tests: tuple[str, ...]
    note: str

    def apply(self, text: str) -> str | None:
        """The mutated text, or None when the scope or the pattern is not found."""
        where = re.search(self.scope, text, flags=re.S)
        if where is None:
            return None
        body, count = re.subn(self.pattern, self.replacement, where.group(0))
        if count == 0:
            return None
        return text[:where.start()] + body + text[where.end():]


HLS_LABEL_SELECT = r"void label_select\(.*?\n}\n"
"""The HLS label_select template, up to the closing brace at column 0."""

MUTANTS = (
    Mutant("hls label_select ties to the later index", "rpnn_ir/backends/hls/rpnn_hls.hpp",
           HLS_LABEL_SELECT,
           # a kept entry equal to the new value stays before it (>=) -> only a larger one (>);
           # or the same flip written the other way round (v > kept -> v >= kept)
           r"(best\[[^\]]+\])\s*>=\s*(v\b)|(\bv)\s*>\s*(best\[)",
           lambda m: f"{m.group(1)} > {m.group(2)}" if m.group(1) else
           f"{m.group(3)} >= {m.group(4)}",
           ("tests/backends/test_label_select_ties.py::test_hls_csim",),
           "HLS csim of the 8-label ui2 nets"),
    Mutant("C reference label_select ties to the later index",
           "rpnn_ir/backends/c_reference.py", r"def unit_label_select\(.*?(?=\n    def |\ndef |\Z)",
           r"xf\[i\] > xf\[top", "xf[i] >= xf[top",
           ("tests/backends/test_label_select_ties.py",),
           "C reference of the tie nets"),
    Mutant("streamline HALF_UP tie at -1/2 rounds toward zero", "rpnn_ir/passes/streamline.py",
           r"def _boundary\(.*?\n\n\n", r"(HALF_UP.*?\n\s*return 2 \* j - 1, )j <= 0",
           r"\1j < 0",
           ("tests/passes/test_streamline.py::test_thresholds_match_brute_force",),
           "the threshold brute force alone"),
    Mutant("streamline HALF_DOWN tie at +1/2 rounds away from zero",
           "rpnn_ir/passes/streamline.py",
           r"def _boundary\(.*?\n\n\n", r"(HALF_DOWN.*?\n\s*return 2 \* j - 1, )j >= 1",
           r"\1j > 1",
           ("tests/passes/test_streamline.py::test_thresholds_match_brute_force",),
           "the threshold brute force alone"),
    Mutant("insert-fifos depth terms rounded down", "rpnn_ir/passes/insert_fifos.py",
           r"def _ceil\(.*?\n\n\n", r"math\.ceil\(", "math.floor(",
           ("tests/passes/test_insert_fifos.py", "tests/passes/test_fifo_stream_model.py"),
           "pytest alone (no lit)"),
)


def copy_repo(dest: Path) -> None:
    """The tracked files of the repository (as in the working tree) under `dest`."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True,
                           check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        src = REPO / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)


def run_tests(root: Path, tests: tuple[str, ...]) -> tuple[bool, float]:
    """(passed, seconds) of pytest on `tests` in the copy at `root`."""
    env = dict(os.environ, PYTHONPATH=str(root), CI="true")
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p",
                             "no:cacheprovider", *tests], cwd=root, env=env,
                            capture_output=True, text=True)
    return result.returncode == 0, time.perf_counter() - start


def check_copy_is_used(root: Path) -> None:
    """The copy's rpnn_ir is the one imported (not an installed or editable one)."""
    env = dict(os.environ, PYTHONPATH=str(root))
    out = subprocess.run([sys.executable, "-c", "import rpnn_ir; print(rpnn_ir.__file__)"],
                         cwd=root, env=env, capture_output=True, text=True, check=True).stdout
    if not Path(out.strip()).resolve().is_relative_to(root.resolve()):
        sys.exit(f"mutants.py: rpnn_ir is imported from {out.strip()}, not the copy; "
                 "run from a venv with the project installed in editable mode")


def main(argv: list[str]) -> int:
    chosen = [m for m in MUTANTS if not argv or any(a in m.name for a in argv)]
    rows = []
    with tempfile.TemporaryDirectory(prefix="rpnn-mutants-") as tmp:
        root = Path(tmp) / "repo"
        copy_repo(root)
        check_copy_is_used(root)
        baselines: dict[tuple[str, ...], bool] = {}
        for mutant in chosen:
            if mutant.tests not in baselines:
                baselines[mutant.tests], _ = run_tests(root, mutant.tests)
            if not baselines[mutant.tests]:
                rows.append((mutant, "baseline fails", 0.0))
                continue
            target = root / mutant.path
            original = target.read_text()
            mutated = mutant.apply(original)
            if mutated is None:
                rows.append((mutant, "n/a", 0.0))
                continue
            target.write_text(mutated)
            try:
                passed, seconds = run_tests(root, mutant.tests)
            finally:
                target.write_text(original)
            rows.append((mutant, "missed" if passed else "caught", seconds))
    width = max(len(m.name) for m, _, _ in rows)
    print(f"{'mutant':<{width}}  result  seconds  tests")
    for mutant, result, seconds in rows:
        print(f"{mutant.name:<{width}}  {result:<6}  {seconds:7.1f}  {mutant.note}: "
              f"{' '.join(mutant.tests)}")
    return 0 if all(r == "caught" for _, r, _ in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
