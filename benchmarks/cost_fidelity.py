"""How far rpnn-cost's models are from the tools they stand for.

    python benchmarks/cost_fidelity.py                       # every section
    python benchmarks/cost_fidelity.py --section units [--split test|train|all]
                                       [--family xc7|xcup|xcu] [--resynth N] [--rows]

Sections (`SECTIONS`: name -> function(args) printing its figures; add one there):

- `units`: the RTL model (`rpnn_ir.hw.cost_rtl`, `rpnn-cost{backend=rtl}`) against Yosys
  `synth_xilinx` on the held-out points of the calibration sweep
  (benchmarks/rtl_calibrate.py; one table per Yosys family swept, 7-series and UltraScale+,
  and UltraScale, whose held-out points check the UltraScale+ constants it uses, or
  `--family`): per unit type, the median and 90th percentile of
  |predicted / Yosys - 1| for LUT and FF (denominator at least 1), and how many RAM (BRAM18
  and URAM both) and DSP counts are exact. `--resynth N` synthesises N held-out points
  again (fresh Yosys runs, minutes) instead of reading the sweep's results. Goal: p90
  under 15% for LUT and FF, exact BRAM and DSP.
- `published`: the HLS model (`rpnn-cost`, backend hls) against the five BNN-PYNQ designs'
  published Vivado syntheses (LUT, BRAM18, FF; the W1A1 -> W1A2 and W1A1 -> W2A2 steps):
  `benchmarks/cost_published.py --section resources`. Instant.
- `cycles`: steady-state cycles per frame and first-frame latency of LFC W1A1 (rpnn's and
  16/8/16 FIFOs), CNV W1A1 and CNV W2A2 in Verilator against `rpnn_ir.hw.stream_sim` and
  the bottleneck figure (`--frames N`): `benchmarks/cost_published.py --section cycles`.
  Four Verilator builds, minutes each.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from rpnn_ir.hw import cost_rtl

HERE = Path(__file__).resolve().parent


def rel_errors(pairs: list[tuple[int, int]]) -> np.ndarray:
    """|predicted / measured - 1| with the measured count taken as at least 1."""
    return np.array([abs(p - m) / max(m, 1) for p, m in pairs], dtype=float)


def unit_rows(args: argparse.Namespace, family: str) -> list[dict]:
    """The family's sweep results of the chosen split, synthesised from today's Verilog (or
    fresh syntheses of them)."""
    import rtl_calibrate  # benchmarks/ is the script's folder

    rows = rtl_calibrate.current(rtl_calibrate.load(sweep_file(family)), family)
    rows = [r for r in rows if "error" not in r and (args.split == "all"
                                                      or r["split"] == args.split)]
    empty = [r for r in rows if r["lut"] + r["ff"] == 0]
    for r in empty:
        print(f"empty netlist (Yosys removed the unit), left out: {r['unit']} {r['params']}")
    rows = [r for r in rows if r not in empty]
    if args.resynth:
        from rpnn_ir.backends import rtl_units

        rows = [{**r, **rtl_units.synthesize_unit(r["module"], r["params"], r["family"])}
                for r in rows[:args.resynth]]
    return rows


def sweep_file(family: str) -> Path:
    """The calibration sweep's data file of a Yosys family."""
    return HERE / "data" / f"rtl_sweep_{family}.jsonl"


def units(args: argparse.Namespace) -> None:
    """RTL model vs Yosys, per unit type, for each family swept and fitted."""
    families = [args.family] if args.family else [
        f for f in ("xc7", "xcup", "xcu")
        if sweep_file(f).exists() and cost_rtl.constants_file(f).exists()]
    for family in families:
        units_table(args, family)


def units_table(args: argparse.Namespace, family: str) -> None:
    """RTL model vs Yosys on one family's sweep, per unit type."""
    rows = unit_rows(args, family)
    prov = cost_rtl.calibration(family)["provenance"]
    own = cost_rtl.FAMILY_CONSTANTS.get(family, family)
    print(f"RTL model vs Yosys synth_xilinx -family {family} "
          f"({prov['tool'].split('(')[0].strip()}), {args.split} points of "
          f"{sweep_file(family).name}; constants fitted on {prov['train_points']} "
          f"training points ({prov['date']})"
          + (f" of {own}: none fitted on {family}" if own != family else ""))
    header = (f"{'unit':<13} {'n':>3} | {'LUT med':>7} {'p90':>6} | {'FF med':>7} {'p90':>6} |"
              f" {'RAM exact':>10} | {'DSP exact':>9}")
    print(header)
    print("-" * len(header))
    everything: dict[str, list] = {"lut": [], "ff": [], "bram18": [], "uram": [], "dsp": []}
    for unit in cost_rtl.FEATURES:
        mine = [r for r in rows if r["unit"] == unit]
        if not mine:
            continue
        pred = [cost_rtl.predict(unit, r["params"], family=family) for r in mine]
        if args.rows:
            for p, r in zip(pred, mine, strict=True):
                print(f"  {unit} {r['split']}: " + ", ".join(
                    f"{k} {p[k]}/{r[k]}" for k in ("lut", "ff", "bram18", "dsp"))
                    + f" lut_mem {r['lut_mem']} {r['params']}")
        pairs = {k: [(p[k], r[k]) for p, r in zip(pred, mine, strict=True)]
                 for k in everything}
        for k, v in pairs.items():
            everything[k] += v
        lut, ff = rel_errors(pairs["lut"]), rel_errors(pairs["ff"])
        exact = {k: sum(p == m for p, m in pairs[k]) for k in ("bram18", "uram", "dsp")}
        exact["bram18"] = sum(p == m and pairs["uram"][i][0] == pairs["uram"][i][1]
                              for i, (p, m) in enumerate(pairs["bram18"]))
        print(f"{unit:<13} {len(mine):>3} | {np.median(lut):>7.1%} {np.percentile(lut, 90):>6.1%}"
              f" | {np.median(ff):>7.1%} {np.percentile(ff, 90):>6.1%} | "
              f"{exact['bram18']:>4}/{len(mine):<5} | {exact['dsp']:>3}/{len(mine):<5}")
    lut, ff = rel_errors(everything["lut"]), rel_errors(everything["ff"])
    n = len(everything["lut"])
    exact = {k: sum(p == m for p, m in everything[k]) for k in ("bram18", "dsp")}
    exact["bram18"] = sum(p == m and everything["uram"][i][0] == everything["uram"][i][1]
                          for i, (p, m) in enumerate(everything["bram18"]))
    print("-" * len(header))
    print(f"{'all':<13} {n:>3} | {np.median(lut):>7.1%} {np.percentile(lut, 90):>6.1%} | "
          f"{np.median(ff):>7.1%} {np.percentile(ff, 90):>6.1%} | {exact['bram18']:>4}/{n:<5}"
          f" | {exact['dsp']:>3}/{n:<5}")
    total = {k: (sum(p for p, _ in v), sum(m for _, m in v)) for k, v in everything.items()}
    print("sums predicted / Yosys: " + ", ".join(
        f"{k.upper()} {p} / {m}" for k, (p, m) in total.items()))


def published(args: argparse.Namespace) -> None:
    import cost_published  # benchmarks/ is the script's folder

    print("\n".join(cost_published.section_resources()))


def cycles(args: argparse.Namespace) -> None:
    import cost_published

    print("\n".join(cost_published.section_cycles(args.frames)))


SECTIONS: dict[str, Callable[[argparse.Namespace], None]] = {
    "units": units,
    "published": published,
    "cycles": cycles,
}
"""Section name -> printer (each a function of the parsed arguments)."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--section", choices=sorted(SECTIONS), action="append",
                        help="section(s) to print (default: all)")
    parser.add_argument("--family", choices=("xc7", "xcup", "xcu"),
                        help="units: one family (default: every family swept and fitted)")
    parser.add_argument("--split", default="test", choices=("test", "train", "all"))
    parser.add_argument("--resynth", type=int, default=0)
    parser.add_argument("--frames", type=int, default=4, help="cycles: frames to simulate")
    parser.add_argument("--rows", action="store_true",
                        help="units: every point, predicted/Yosys")
    args = parser.parse_args(argv)
    for name in args.section or list(SECTIONS):
        SECTIONS[name](args)
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
