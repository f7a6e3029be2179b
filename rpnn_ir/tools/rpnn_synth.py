"""rpnn-synth: Yosys `synth_xilinx` on a design written by `-t 'rpnn-rtl{out-dir=DIR}'`.

    rpnn-synth DIR                          # whole design, its part's family, JSON
    rpnn-synth DIR --units --family xcup    # every unit alone too, UltraScale+
    rpnn-synth DIR --units -o synth.json    # report into a file
    rpnn-synth DIR --table                  # a table instead of JSON

The JSON report is shaped like rpnn-cost's: {"family", "top", "units": [{"index", "name",
"kind", "lut", "lut_logic", "lut_mem", "ff", "carry", "ramb18", "ramb36", "bram18", "uram",
"dsp", "seconds", "cells"}], "total": {...}}; `index` is the unit's position among the
dataflow units (rpnn-cost's `index` too). Errors: one `error:` line, exit status 1 (2 for a
bad command line).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from rpnn_ir import __version__

COLUMNS = ("lut", "lut_logic", "lut_mem", "ff", "carry", "bram18", "uram", "dsp", "seconds")


class UsageError(Exception):
    pass


def _usage_error(message: str) -> NoReturn:
    raise UsageError(f"{message}; see rpnn-synth --help")


def _parser() -> argparse.ArgumentParser:
    from rpnn_ir.backends.rtl_synth import FAMILIES

    parser = argparse.ArgumentParser(
        prog="rpnn-synth",
        description="Synthesise an rpnn-rtl design with Yosys synth_xilinx and report the "
        "resources of every unit and of the whole design.")
    parser.add_argument("directory", help="the design directory (rpnn-rtl's out-dir)")
    parser.add_argument("--family", default=None, choices=sorted(FAMILIES),
                        help="xc7 (7-series), xcu (UltraScale), xcup (UltraScale+); default: "
                        "the family of the design's part (rtl.json), else xc7")
    parser.add_argument("--units", action="store_true", help="also synthesise each unit alone")
    parser.add_argument("--no-whole", action="store_true", help="skip the whole design")
    parser.add_argument("--timeout", type=float, default=None,
                        help="seconds allowed per Yosys run")
    parser.add_argument("--table", action="store_true", help="print a table, not JSON")
    parser.add_argument("-o", "--output", help="write the JSON report to this file")
    parser.add_argument("--version", action="version", version=f"rpnn-synth {__version__}")
    parser.error = _usage_error  # type: ignore[method-assign]
    return parser


def format_table(report: dict) -> str:
    """One line per unit, then the whole design."""
    head = f"{'unit':<20} {'kind':<15} " + " ".join(f"{c:>9}" for c in COLUMNS)
    lines = [f"rpnn-synth: {report['top']} on {report['family_name']}", head, "-" * len(head)]
    rows = [(u["name"], u["kind"], u) for u in report["units"]]
    if report["total"] is not None:
        rows.append(("whole design", "", report["total"]))
    for name, kind, r in rows:
        lines.append(f"{name:<20} {kind:<15} " + " ".join(f"{r[c]:>9}" for c in COLUMNS))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `rpnn-synth`; returns the exit status."""
    from rpnn_ir.backends.c_reference import write_files
    from rpnn_ir.backends.dataflow import BackendError
    from rpnn_ir.backends.rtl_synth import SynthError, synthesize_design

    try:
        args = _parser().parse_args(argv)
        directory = Path(args.directory)
        if not directory.is_dir():
            raise SynthError(f"design directory '{directory}' does not exist")
        report = synthesize_design(directory, args.family, units=args.units,
                                   whole=not args.no_whole, timeout=args.timeout)
        text = json.dumps(report, indent=1) + "\n"
        if args.output:
            out = Path(args.output)
            write_files(out.parent, {out.name: text})
        if args.table:
            print(format_table(report))
        elif not args.output:
            sys.stdout.write(text)
    except UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except (SynthError, BackendError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
