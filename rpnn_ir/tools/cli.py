"""What every rpnn console script shares: one-line errors, exit statuses and safe output.

A tool's ``main(argv)`` is ``return run_tool("rpnn-x", body)``. Inside `run_tool`:

- a problem with the user's input raises `ToolError` (exit status 1) or `UsageError` (a bad
  command line, exit status 2); `run_tool` prints it as one ``error: ...`` line on stderr,
  prefixed with ``file:line:col:`` when the place is known, and never a traceback;
- a `rpnn_ir.files.FileError` (unreadable input, unwritable output) is reported the same way;
- every output (``-o``, reports, generated files) is written through `rpnn_ir.files` inside
  one `output_transaction`: it becomes final only when the whole run succeeded, and nothing
  (no temporary file, no created folder) is left behind by a failing run;
- a closed stdout (``rpnn-opt big.mlir | head``) ends the run quietly with status 1, Ctrl-C
  with 130.

Exceptions that are not about the input (bugs) keep their traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable
from typing import NoReturn

from rpnn_ir import files

__all__ = ["ToolError", "UsageError", "positive_int", "run_tool",
           "usage_error_hook", "write_result"]


class ToolError(Exception):
    """A problem with the user's input, printed as one ``error:`` line (no traceback)."""

    exit_code: int = 1

    def __init__(self, message: str, location: str | None = None):
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        if self.location:
            return f"{self.location}: error: {self.message}"
        return f"error: {self.message}"


class UsageError(ToolError):
    """A mistake on the command line (exit status 2, as argparse uses)."""

    exit_code = 2


def usage_error_hook(parser: argparse.ArgumentParser, prog: str) -> None:
    """Make `parser` raise a one-line `UsageError` instead of printing usage and exiting."""

    def error(message: str) -> NoReturn:
        raise UsageError(f"{message}; see {prog} --help")

    parser.error = error  # type: ignore[method-assign]


def positive_int(text: str) -> int:
    """argparse type of counts and limits (``--max-elements``)."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a positive integer")
    return int(text)


def write_result(output: str | None, text: str) -> None:
    """`text` to the file `output` (through `rpnn_ir.files`), or to stdout when None."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        files.write_output(output, text)


def run_tool(body: Callable[[], None]) -> int:
    """Run a tool's `body` inside one output transaction; returns the exit status."""
    try:
        with files.output_transaction():
            body()
    except ToolError as e:
        return _report(str(e), e.exit_code)
    except files.FileError as e:
        return _report(f"error: {e}", 1)
    except BrokenPipeError:  # e.g. `rpnn-opt big.mlir | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


def _report(line: str, code: int) -> int:
    with contextlib.suppress(BrokenPipeError):
        sys.stdout.flush()
    print(line, file=sys.stderr)
    return code
