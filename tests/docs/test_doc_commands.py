"""Every command shown in README.md and docs/*.md runs as written.

The commands are the ```sh blocks (and README.md's ```python blocks); each document's
blocks run in order, one line at a time (a line ending in a backslash continues), with bash,
in a fresh folder of their own holding what a clone has: `examples/` (with the generated
networks) and a small QONNX `model.onnx` standing for the reader's own model.  A command that
cannot run here says so next to it in the document: a comment ``(not run by tests/docs:
<reason>)`` on its line, or on a line of its own before the commands it covers (to the end of
the block).  A failure names the document, its line, the command and the end of its output.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
SKIP = re.compile(r"\(not run by tests/docs: (?P<reason>[^)]+)\)")


@dataclass(frozen=True)
class Command:
    doc: str
    line: int
    text: str
    language: str  # "sh" or "python"


def commands(doc: Path) -> tuple[list[Command], list[tuple[int, str]]]:
    """The commands of `doc` to run, and (line, reason) of those it marks as not run."""
    found: list[Command] = []
    skipped: list[tuple[int, str]] = []
    lines = doc.read_text().splitlines()
    index = 0
    while index < len(lines):
        fence = re.fullmatch(r"```(\w+)\s*", lines[index])
        index += 1
        if not fence or fence.group(1) not in ("sh", "python"):
            continue
        language, start = fence.group(1), index
        while index < len(lines) and lines[index] != "```":
            index += 1
        body = lines[start:index]
        index += 1
        if language == "python":
            if doc.name == "README.md":
                found.append(Command(doc.name, start + 1, "\n".join(body), language))
            continue
        skip_rest: str | None = None
        pending = ""
        for number, line in enumerate(body, start + 1):
            marked = SKIP.search(line)
            if line.lstrip().startswith("#"):
                if marked:
                    skip_rest = marked.group("reason")
                continue
            pending += line[:-1] + " " if line.endswith("\\") else line
            if line.endswith("\\"):
                continue
            reason = skip_rest or (marked.group("reason") if marked else None)
            if reason:
                skipped.append((number, reason))
            elif pending.strip():
                found.append(Command(doc.name, number, pending, language))
            pending = ""
    return found, skipped


@pytest.fixture(scope="session")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """examples/ of a clone after `python examples/generate.py`."""
    folder = tmp_path_factory.mktemp("clone") / "examples"
    folder.mkdir()
    shutil.copy(REPO / "examples" / "generate.py", folder)
    subprocess.run([sys.executable, str(folder / "generate.py"), "--out-dir", str(folder)],
                   check=True, capture_output=True)
    return folder


def model_onnx(path: Path) -> None:
    """A small QONNX MLP (16 -> 8 -> 4, 2-bit weights) as a Brevitas export would give."""
    sys.path.insert(0, str(REPO / "tests"))
    try:
        from test_compile import quantized_mlp_onnx
    finally:
        sys.path.remove(str(REPO / "tests"))
    import onnx

    onnx.save(quantized_mlp_onnx(), path)


def test_every_document_marks_its_skipped_commands_with_a_reason() -> None:
    for doc in DOCS:
        for line, reason in commands(doc)[1]:
            assert len(reason.split()) >= 3, f"{doc.name}:{line}: give a reason"


def run_document(doc: Path, examples: Path, workdir: Path) -> list[str]:
    """Run the commands of `doc` in order in `workdir`; a line per failing command."""
    shutil.copytree(examples, workdir / "examples")
    model_onnx(workdir / "model.onnx")
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}"
               f"{os.environ.get('PATH', '')}")
    failures = []
    for command in commands(doc)[0]:
        argv = (["bash", "-e", "-o", "pipefail", "-c", command.text]
                if command.language == "sh" else [sys.executable, "-c", command.text])
        run = subprocess.run(argv, cwd=workdir, env=env, capture_output=True, text=True,
                             timeout=600)
        if run.returncode != 0:
            tail = "\n    ".join((run.stdout + run.stderr).strip().splitlines()[-6:])
            failures.append(f"{command.doc}:{command.line}: `{command.text}` exited "
                            f"{run.returncode}:\n    {tail}")
    return failures


def test_commands_run_as_written(examples: Path, tmp_path: Path) -> None:
    """Each document in a folder of its own, the documents side by side (two at a time:
    the commands mostly wait for their own Python to start)."""
    docs = [doc for doc in DOCS if commands(doc)[0]]
    assert {"README.md", "backends.md", "frontend.md", "passes.md"} <= {d.name for d in docs}
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = pool.map(lambda doc: run_document(doc, examples, tmp_path / doc.stem), docs)
        failures = [line for result in results for line in result]
    assert not failures, "\n".join(failures)
