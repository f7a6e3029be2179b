"""rpnn-import: an ONNX/QONNX model -> a graph-level rpnn `.mlir` file.

    rpnn-import model.onnx -o model.mlir
    rpnn-import model.onnx | rpnn-opt -p canonicalize

Bad input is reported like `rpnn-opt` does: one ``error: ...`` line on stderr, no Python
traceback, exit status 1 (2 for a bad command line).  With ``-o FILE`` the module is written
to a temporary file next to FILE and renamed over it only on success, so an error never leaves
a partial FILE behind; without ``-o`` nothing is printed unless the whole import succeeded.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from rpnn_ir import __version__


class ImportToolError(Exception):
    """A problem with the user's input, printed as one ``error:`` line."""

    exit_code = 1


class UsageError(ImportToolError):
    exit_code = 2


def _usage_error(message: str) -> NoReturn:
    raise UsageError(f"{message}; see rpnn-import --help")


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
    parser.add_argument("--version", action="version", version=f"rpnn-import {__version__}")
    parser.error = _usage_error  # type: ignore[method-assign]
    return parser


def _render(path: str, function: str, generic: bool) -> str:
    from xdsl.printer import Printer

    from rpnn_ir.frontends.onnx_import import OnnxImportError, from_onnx

    try:
        module = from_onnx(path, function_name=function)
    except OnnxImportError as e:
        raise ImportToolError(str(e)) from None
    import io

    stream = io.StringIO()
    Printer(stream=stream, print_generic_format=generic).print_op(module)
    stream.write("\n")
    return stream.getvalue()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write(output: str, text: str) -> None:
    path = Path(output)
    if path.is_dir():
        raise ImportToolError(f"output '{output}' is a directory, not a file")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                   dir=path.parent if str(path.parent) else ".", text=True)
    except OSError as e:
        raise ImportToolError(f"cannot write output file '{output}': {e.strerror}") from None
    try:
        os.chmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise ImportToolError(f"cannot write output file '{output}': {e.strerror}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``rpnn-import``; returns the exit status."""
    try:
        args = _parser().parse_args(argv)
        if args.output is not None:
            parent = Path(args.output).parent
            if not parent.is_dir():
                raise ImportToolError(f"cannot write output file '{args.output}': folder "
                                      f"'{parent}' does not exist")
        text = _render(args.input, args.function, args.print_op_generic)
        if args.output is None:
            sys.stdout.write(text)
            sys.stdout.flush()
        else:
            _write(args.output, text)
    except ImportToolError as e:
        sys.stdout.flush()
        print(f"error: {e}", file=sys.stderr)
        return e.exit_code
    except BrokenPipeError:  # e.g. `rpnn-import model.onnx | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
