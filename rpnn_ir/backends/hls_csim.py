"""C simulation of an `rpnn-hls` project with g++ (no Vitis needed).

The project's C++ needs Xilinx's arbitrary-precision integer headers (`ap_int.h` and friends,
Apache-2.0). They ship inside the `hls4ml` wheel; `ap_types_dir()` fetches that wheel with
`pip download hls4ml --no-deps` once and unpacks only `templates/vivado/ap_types/` into a
cache directory, leaving out that wheel's `hls_stream.h` (it carries a proprietary notice:
the project's own `csim/hls_stream.h` replaces it). hls4ml is never imported or installed.

    exe = compile_csim(project_dir)           # g++ -std=c++14 tb.cpp <top>.cpp
    result = run_csim(project_dir)            # runs tb on golden/, returns CompletedProcess
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from xdsl.dialects.builtin import ModuleOp

from rpnn_ir import interp, progress
from rpnn_ir.backends.dataflow import extract
from rpnn_ir.hw.dataflow_model import DataflowGraph, evaluate

HLS4ML_VERSION = "1.3.0"
_PREFIX = "hls4ml/templates/vivado/ap_types/"
_EXCLUDED = {"hls_stream.h"}

WARNING_FLAGS = ("-Wall", "-Wextra", "-Werror", "-Wno-unknown-pragmas")  # HLS pragmas
SANITIZE_FLAGS = ("-fsanitize=address,undefined", "-fno-sanitize-recover=all",
                  "-fsanitize-recover=shift-base", "-fno-omit-frame-pointer", "-g")
UBSAN_SUPPRESSIONS = "shift-base:ap_private.h\nshift-base:ap_int_base.h\n"
"""The ap_types headers shift negative values left (sign handling in ap_private): UBSan
reports are suppressed there only; anywhere else they stop the run (halt_on_error)."""


class CsimError(RuntimeError):
    """The project did not compile, or the headers could not be found."""


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "rpnn"


def extract_ap_types(wheel: Path, target: Path) -> Path:
    """Unpack the ap_types headers (without hls_stream.h) of an hls4ml wheel into `target`."""
    tmp = Path(tempfile.mkdtemp(prefix=".ap_types-", dir=target.parent))
    try:
        with zipfile.ZipFile(wheel) as archive:
            for member in archive.namelist():
                if not member.startswith(_PREFIX) or member.endswith("/"):
                    continue
                relative = member[len(_PREFIX):]
                if relative in _EXCLUDED or ".." in Path(relative).parts:
                    continue
                destination = tmp / relative
                destination.parent.mkdir(parents=True, exist_ok=True)
                destination.write_bytes(archive.read(member))
        if not (tmp / "ap_int.h").is_file():
            raise CsimError(f"{wheel} holds no {_PREFIX}ap_int.h")
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return target


def ap_types_dir(download: bool = True) -> Path:
    """Directory holding ap_int.h: $RPNN_AP_TYPES, else the cache (filled on first use)."""
    explicit = os.environ.get("RPNN_AP_TYPES")
    if explicit:
        path = Path(explicit)
        if not (path / "ap_int.h").is_file():
            raise CsimError(f"RPNN_AP_TYPES={explicit} holds no ap_int.h")
        return path
    target = _cache_root() / f"ap_types-hls4ml-{HLS4ML_VERSION}"
    if (target / "ap_int.h").is_file():
        return target
    if not download:
        raise CsimError(f"no ap_types headers in {target} (set RPNN_AP_TYPES)")
    target.parent.mkdir(parents=True, exist_ok=True)
    with (tempfile.TemporaryDirectory(prefix="rpnn-hls4ml-") as tmp,
          progress.stage(f"downloading the hls4ml=={HLS4ML_VERSION} wheel with pip for its "
                         f"ap_types headers (once, into {target.parent})")):
        command = [sys.executable, "-m", "pip", "download", f"hls4ml=={HLS4ML_VERSION}",
                   "--no-deps", "--only-binary=:all:", "-d", tmp, "-q"]
        result = subprocess.run(command, capture_output=True, text=True)
        wheels = list(Path(tmp).glob("hls4ml-*.whl"))
        if result.returncode != 0 or not wheels:
            raise CsimError(f"could not fetch the hls4ml wheel:\n{result.stderr}")
        return extract_ap_types(wheels[0], target)


def compile_csim(project: Path, top: str = "rpnn_top", flags: Sequence[str] = ("-O0",),
                 sanitize: bool = False, ap_types: Path | None = None,
                 defines: Sequence[str] = ()) -> Path:
    """Build the testbench `project/csim/tb` with g++ (warnings are errors). `defines`:
    macros of rpnn_hls.hpp, e.g. RPNN_COUNT_ITERATIONS (print each unit's loop iterations)
    or RPNN_EXACT_PARAMS (the synthesis form of the weight arrays)."""
    ap_types = ap_types or ap_types_dir()
    exe = project / "csim" / ("tb_asan" if sanitize else "tb")
    command = [
        os.environ.get("CXX", "g++"), "-std=c++14", *WARNING_FLAGS, *flags,
        *(SANITIZE_FLAGS if sanitize else ()), *(f"-D{name}" for name in defines),
        f"-I{project / 'csim'}", f"-I{project}", "-isystem", str(ap_types),
        str(project / "tb.cpp"), str(project / f"{top}.cpp"), "-o", str(exe),
    ]
    with progress.stage(f"C simulation: compiling {project / 'tb.cpp'} with {command[0]}"):
        result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise CsimError(f"{' '.join(command)}\n{result.stdout}{result.stderr}")
    return exe


def iteration_counts(result: subprocess.CompletedProcess[str]) -> dict[str, int]:
    """Loop iterations per frame of each unit label, from a testbench built with
    RPNN_COUNT_ITERATIONS (the counts are the same for every frame: data never changes a
    loop's trip count)."""
    counts = {}
    for line in result.stdout.splitlines():
        if line.startswith("ITERATIONS "):
            _, label, total, frames = line.split()
            if int(total) % int(frames):
                raise CsimError(f"unit {label}: {total} iterations over {frames} frames")
            counts[label] = int(total) // int(frames)
    return counts


def run_csim(project: Path, top: str = "rpnn_top", sanitize: bool = False,
             ap_types: Path | None = None, defines: Sequence[str] = (),
             flags: Sequence[str] = ("-O0",)) -> subprocess.CompletedProcess[str]:
    """Compile and run the testbench on `project/golden`; raises CsimError if it fails."""
    exe = compile_csim(project, top, flags=flags, sanitize=sanitize, ap_types=ap_types,
                       defines=defines)
    suppressions = project / "csim" / "ubsan.supp"
    suppressions.write_text(UBSAN_SUPPRESSIONS)
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1",
               UBSAN_OPTIONS=f"print_stacktrace=1:halt_on_error=1:suppressions={suppressions}")
    frames = _golden_frames(project)
    with progress.stage(f"C simulation: running {project} on {frames or 'its'} golden "
                        "frame(s)"):
        result = subprocess.run([str(exe), str(project / "golden")], capture_output=True,
                                text=True, env=env)
    if result.returncode != 0 or "PASS" not in result.stdout or result.stderr.strip():
        raise CsimError(f"C simulation failed ({result.returncode}):\n{result.stdout}"
                        f"{result.stderr}")
    return result


def _golden_frames(project: Path) -> int | None:
    """Frames in the project's golden/in0.dat (its first line: "frames words bits")."""
    try:
        with (project / "golden" / "in0.dat").open() as golden:
            first = golden.readline().split()
    except OSError:
        return None
    return int(first[0]) if first and first[0].isdigit() else None


@dataclass(frozen=True)
class UnitCycles:
    """One process of the C simulation next to the model's cycles of its unit."""

    label: str
    """The process label of the top function (`l3`, `l3.1`, `in0`, `s5_fanout0`, ...)."""
    kind: str
    """The model's unit kind, or "plumbing" for fan-out copies the IR does not have."""
    iterations: int | None
    """Pipelined loop iterations per frame (None: no process, e.g. a FIFO that is only the
    depth of a channel)."""
    model: int | None
    """The model's cycles per frame (`rpnn_ir.hw.dataflow_model.evaluate`), None for
    plumbing."""

    @property
    def agrees(self) -> bool:
        return self.iterations is None or self.model is None or self.iterations == self.model


def compare_with_model(module: ModuleOp, counts: dict[str, int],
                       function: str | None = None) -> list[UnitCycles]:
    """Each process's loop iterations per frame (`iteration_counts`) against the cost
    model's cycles of the unit it implements, unit by unit in dataflow order. A unit made of
    several processes (a duplicate with more than two outputs) has each compared, since they
    run concurrently; a unit with no process of its own (a FIFO folded into its channel) is
    listed with `iterations` None."""
    graph = extract(module, function)
    model = DataflowGraph.build(interp.find_function(module, function))
    by_op = {unit.op: unit for unit in model.units}
    sources = [u for u in model.units if u.kind == "source"]
    sinks = [u for u in model.units if u.kind == "sink"]
    order = ([(f"in{k}", u.op) for k, u in enumerate(sources)]
             + [(node.name, node.op) for node in graph.nodes]
             + [(f"out{k}", u.op) for k, u in enumerate(sinks)])
    rows = []
    claimed: set[str] = set()
    for name, op in order:
        cycles = evaluate(by_op[op]).cycles
        kind = by_op[op].kind
        mine = sorted((label for label in counts if label.split(".")[0] == name),
                      key=lambda label: (len(label), label))
        claimed.update(mine)
        rows += [UnitCycles(label, kind, counts[label], cycles) for label in mine]
        if not mine:
            rows.append(UnitCycles(name, kind, None, cycles))
    rows += [UnitCycles(label, "plumbing", counts[label], None)
             for label in sorted(counts) if label not in claimed]
    return rows
