"""Yosys synthesis of `-t rpnn-rtl` designs beside rpnn-cost's estimates, unit by unit.

    python benchmarks/rtl_synth.py [--nets lfc_w1a1,cnv_w1a1,cnv_w2a2]
                                   [--foldings bnn-pynq,rpnn-fold] [--device xc7z020]
                                   [--family xc7] [--no-whole] [--timeout 1800]
                                   [--model rtl|hls]

The designs are those of benchmarks/rtl_sim.py (BNN-PYNQ's LFC/CNV with BNN-PYNQ's and
rpnn-fold's foldings, FIFOs from rpnn-insert-fifos). Every unit is synthesised alone by
Yosys `synth_xilinx` (out of context, `rpnn_ir.backends.rtl_synth`), then the whole design;
the script prints, per unit, Yosys' LUT (logic + memory), FF, carry, BRAM18 and DSP beside
rpnn-cost's LUT, BRAM18 and DSP (`--model`: the RTL model, backend=rtl, by default; or the
HLS one), and the seconds each synthesis took; each row is printed as soon as its unit is
done, and a unit that fails or exceeds --timeout gets a row saying so while the others
still run (the whole design is then skipped). Large designs take long in the WebAssembly
Yosys (minutes per MVTU of CNV); this is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from rtl_sim import build, model

from rpnn_ir.backends import rtl, rtl_synth
from rpnn_ir.backends.c_reference import write_files
from rpnn_ir.backends.dataflow import extract
from rpnn_ir.hw.dataflow_model import functions_with_dataflow


def cost_by_op(module, device: str, backend: str) -> dict[int, dict]:
    """rpnn-cost's unit entries (the model of `backend`) keyed by id(op)."""
    report = model(module, device, backend)
    ((_, graph),) = list(functions_with_dataflow(module))
    return {id(unit.op): entry for unit, entry in zip(graph.units, report["units"],
                                                      strict=True)}


def fmt(value) -> str:
    return "-" if value is None else str(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nets", default="lfc_w1a1,cnv_w1a1,cnv_w2a2")
    parser.add_argument("--foldings", default="bnn-pynq,rpnn-fold")
    parser.add_argument("--device", default="xc7z020")
    parser.add_argument("--family", default="xc7", choices=sorted(rtl_synth.FAMILIES))
    parser.add_argument("--no-whole", action="store_true")
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument("--model", default="rtl", choices=("rtl", "hls"),
                        help="rpnn-cost's model shown beside Yosys (backend=rtl or hls)")
    args = parser.parse_args(argv)
    for net in args.nets.split(","):
        for folding in args.foldings.split(","):
            module = build(net, folding, args.device)
            with tempfile.TemporaryDirectory(prefix="rpnn-rtl-synth-") as tmp:
                directory = Path(tmp)
                write_files(directory, rtl.emit_rtl(module, rtl.RtlTarget(),
                                                    with_testbench=False))
                print_design(net, folding, module, directory, args)
    return 0


def print_design(net: str, folding: str, module, directory: Path, args) -> None:
    """Synthesise every unit of the design in `directory` (then the whole design), printing
    each unit's row as soon as Yosys is done with it: a unit that fails or runs out of time
    gets a row saying so and the others still run."""
    costs = cost_by_op(module, args.device, args.model)
    nodes = extract(module).nodes
    manifest = rtl_synth.load_manifest(directory)
    print(f"{net} {folding} on {rtl_synth.FAMILIES[args.family]} (rpnn-cost{{backend="
          f"{args.model}}} for {args.device}; Yosys timeout {args.timeout:.0f} s per synthesis)")
    print(f"  {'unit':<10} {'kind':<15} {'pe':>4} {'simd':>5} | {'LUT':>7} {'(mem)':>6} "
          f"{'FF':>7} {'carry':>6} {'BRAM18':>6} {'DSP':>4} {'s':>6} | {'model LUT':>9} "
          f"{'BRAM18':>6} {'DSP':>4}")
    sums = {"lut": 0, "bram18": 0, "dsp": 0}
    done: list[dict] = []
    failed: list[str] = []
    seen: set[int] = set()
    start = time.perf_counter()
    for unit in manifest["units"]:
        c = None  # fan-out broadcasts have no op; a gcd width converter is two units
        if unit["index"] is not None and unit["index"] not in seen:
            seen.add(unit["index"])
            c = costs.get(id(nodes[unit["index"]].op))
        model_cols = (f"{fmt(c and c['lut']):>9} {fmt(c and c['bram18']):>6} "
                      f"{fmt(c and c['dsp']):>4}")
        head = (f"  {unit['instance']:<10} {unit['kind']:<15} {fmt(c and c.get('pe')):>4} "
                f"{fmt(c and c.get('simd')):>5} |")
        try:
            u = rtl_synth.synthesize_instance(directory, unit, args.family, args.timeout)
        except rtl_synth.SynthError as error:
            failed.append(unit["instance"])
            print(f"{head} {str(error)[:58]:<58} | {model_cols}", flush=True)
            continue
        done.append(u)
        for key in sums:
            sums[key] += c[key] if c else 0
        print(f"{head} {u['lut']:>7} {u['lut_mem']:>6} {u['ff']:>7} {u['carry']:>6} "
              f"{u['bram18']:>6} {u['dsp']:>4} {u['seconds']:>6.1f} | {model_cols}", flush=True)
    units_lut = sum(u["lut"] for u in done)
    units_bram = sum(u["bram18"] for u in done)
    print(f"  {'sum of units':<37} | {units_lut:>7} {'':>6} {sum(u['ff'] for u in done):>7} "
          f"{'':>6} {units_bram:>6} {sum(u['dsp'] for u in done):>4} {'':>6} | "
          f"{sums['lut']:>9} {sums['bram18']:>6} {sums['dsp']:>4}"
          + (f"   (without {', '.join(failed)})" if failed else ""))
    if not args.no_whole and not failed:
        try:
            t = rtl_synth.run_yosys(directory, [rtl.LIBRARY, f"{manifest['top']}.v"],
                                    manifest["top"], args.family, args.timeout)
            print(f"  {'whole design':<37} | {t['lut']:>7} {t['lut_mem']:>6} {t['ff']:>7} "
                  f"{t['carry']:>6} {t['bram18']:>6} {t['dsp']:>4} {t['seconds']:>6.1f} |")
        except rtl_synth.SynthError as error:
            print(f"  whole design: {error}")
    if sums["lut"]:
        print(f"  Yosys / model: LUT x{units_lut / sums['lut']:.2f}, BRAM18 {units_bram} vs "
              f"{sums['bram18']}")
    print(f"  {time.perf_counter() - start:.0f} s of Yosys in all", flush=True)


if __name__ == "__main__":
    sys.exit(main())
