"""rpnn-import: an ONNX/QONNX model -> a graph-level rpnn `.mlir` file.

    rpnn-import model.onnx -o model.mlir
    rpnn-import model.onnx | rpnn-opt -p canonicalize

Bad input is reported like `rpnn-opt` does (`rpnn_ir.tools.cli`): one ``error: ...`` line on
stderr, no Python traceback, exit status 1 (2 for a bad command line).  ``-o FILE`` is written
through `rpnn_ir.files` only when the import succeeded; without ``-o`` nothing is printed
unless the whole import succeeded.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Sequence

from rpnn_ir import __version__, files, limits
from rpnn_ir.tools.cli import (
    ToolError,
    positive_int,
    run_tool,
    usage_error_hook,
    write_result,
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rpnn-import",
        description="Import an ONNX/QONNX model (Brevitas, FINN) as a graph-level rpnn module.",
        epilog="exit status: 0 on success, 1 for bad input (missing, malformed or unsupported "
        "model, unwritable output), 2 for a bad command line",
    )
    parser.add_argument("input", help="the .onnx file")
    parser.add_argument("-o", "--output", help="output .mlir file (default: standard output)")
    parser.add_argument("--function", default="main",
                        help="name of the generated function (default: main)")
    parser.add_argument("--print-op-generic", action="store_true",
                        help="print ops in MLIR's generic form")
    parser.add_argument("--max-elements", type=positive_int, default=None, metavar="N",
                        help="largest tensor accepted, in elements (default "
                        f"{limits.DEFAULT_MAX_ELEMENTS}, or RPNN_MAX_ELEMENTS)")
    parser.add_argument("--version", action="version", version=f"rpnn-import {__version__}")
    usage_error_hook(parser, "rpnn-import")
    return parser


def _render(path: str, function: str, generic: bool) -> str:
    from xdsl.printer import Printer

    from rpnn_ir.frontends.onnx_import import OnnxImportError, from_onnx

    try:
        module = from_onnx(path, function_name=function)
    except OnnxImportError as e:
        raise ToolError(str(e)) from None
    except ValueError as e:  # a --function that is not a symbol name
        raise ToolError(str(e).removeprefix("from_onnx: ")) from None
    stream = io.StringIO()
    Printer(stream=stream, print_generic_format=generic).print_op(module)
    stream.write("\n")
    return stream.getvalue()


def _import(args: argparse.Namespace) -> None:
    if args.output is not None:
        files.check_output_path(args.output)  # fail before the work, not after
    if args.max_elements is None:
        text = _render(args.input, args.function, args.print_op_generic)
    else:
        with limits.raised(args.max_elements):
            text = _render(args.input, args.function, args.print_op_generic)
    write_result(args.output, text)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``rpnn-import``; returns the exit status."""
    return run_tool(lambda: _import(_parser().parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
