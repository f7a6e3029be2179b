"""rpnn-opt: xDSL's modular optimizer driver with rpnn's dialects, passes and targets.

Everything ``xdsl-opt`` offers keeps working (``-p``, ``-t``, ``-o``, ``--split-input-file``,
``--verify-diagnostics``, ``--parsing-diagnostics``, ...). On top of it:

- an ``.onnx`` input (or ``-f onnx``) is imported through `rpnn_ir.from_onnx`, so
  ``rpnn-opt model.onnx -p rpnn-pipeline -t rpnn-c`` is one command from QONNX to C;
- ``--list-passes`` prints rpnn's passes and targets with their options, defaults and one
  line of help, then xDSL's pass names;
- a misspelt pass or option name gets a "did you mean", an option value that needs quotes
  (a path) a hint to quote it.

Bad input is reported without a Python traceback and with a non-zero exit status:

- a command-line mistake (unknown flag, pass, pass option, target or target option, malformed
  pipeline) gives one ``error: ...`` line naming the culprit, and exit status 2;
- a missing or unreadable input file, an unwritable output file, a verifier error or a pass
  failure gives one ``error: ...`` line (prefixed with ``file:line:col:`` when the failing op
  is known), and exit status 1;
- a parse error prints xDSL's own diagnostic (location line, source line, caret, message),
  and exit status 1.

With ``-o FILE`` the output, like every report and generated file of the run, is written
through `rpnn_ir.files` (see `rpnn_ir.tools.cli`): made final only when everything succeeded,
atomically for a regular file, in place for a device. ``--max-elements`` raises the size
limit of `rpnn_ir.limits`.

Exceptions that are not about the input (bugs in a pass or in the driver) keep their traceback.
A pass reports a problem with the input by raising a ``DiagnosticException`` (for instance
``PassFailedException`` or ``VerifyException``).
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import difflib
import inspect
import io
import itertools
import json
import os
import re
import sys
import textwrap
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any, NoReturn, TypeVar

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.frontend.mlir import MLIRFrontend
from xdsl.ir import Operation
from xdsl.utils.arg_spec import ArgSpec, ArgSpecConvertible, parse_pipeline, parse_spec
from xdsl.utils.exceptions import (
    ArgSpecParseError,
    DiagnosticException,
    ParseError,
    VerifyException,
)
from xdsl.utils.frontend import Frontend
from xdsl.xdsl_opt_main import xDSLOptMain

from rpnn_ir import __version__, files, limits
from rpnn_ir.backends import get_all_targets
from rpnn_ir.dialects import get_all_dialects
from rpnn_ir.frontends.mlir_text import PARSE_SPAN_ATTR, op_location, parse_module, span_location
from rpnn_ir.passes import failed_stage, get_all_passes
from rpnn_ir.tools.cli import (
    ToolError,
    UsageError,
    positive_int,
    run_tool,
    usage_error_hook,
)
from rpnn_ir.verify import LocatedVerifyException, verify_dominance

# --------------------------------------------------------------------------------------
# MLIR frontend: rpnn's bounded, locating parser (rpnn_ir/frontends/mlir_text.py)
# --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class LocatingMLIRFrontend(MLIRFrontend):
    """xDSL's MLIR frontend with `RpnnParser`: bounded, located errors, SSA dominance."""

    def parse(self, ctx: Context, input: IO[bytes], input_name: str = "input") -> ModuleOp:
        data = input.read(files.max_input_bytes() + 1)
        if len(data) > files.max_input_bytes():
            raise ToolError(f"input '{input_name}' is above the size limit of "
                            f"{files.max_input_bytes()} bytes (raise it with "
                            "RPNN_MAX_INPUT_BYTES)")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise ToolError(
                f"'{input_name}' is not UTF-8 text (invalid byte at offset {e.start}); "
                "rpnn-opt reads MLIR source files"
            ) from None
        return parse_module(ctx, text, input_name, not self.no_implicit_module)


@dataclasses.dataclass(frozen=True)
class OnnxFrontend(Frontend):
    """ONNX / QONNX models through `rpnn_ir.from_onnx` (``rpnn-opt model.onnx``).

    The importer reads the file itself (it resolves external data next to the model), so
    the input must be a file, not standard input. ``-f 'onnx{function=net}'`` names the
    function (default ``main``).
    """

    name = "onnx"

    function: str = "main"

    def parse(self, ctx: Context, input: IO[bytes], input_name: str = "input") -> ModuleOp:
        from rpnn_ir.frontends.onnx_import import OnnxImportError, from_onnx

        if input_name == "stdin":
            raise ToolError("an ONNX model is read from a file (rpnn-opt model.onnx), not "
                            "from standard input")
        try:
            return from_onnx(input_name, function_name=self.function)
        except OnnxImportError as e:
            raise ToolError(str(e)) from None
        except ValueError as e:  # a function name that is not a symbol name
            raise ToolError(str(e).removeprefix("from_onnx: ")) from None


def _walk_post_order(op: Operation) -> Iterator[Operation]:
    for region in op.regions:
        for block in region.blocks:
            for child in block.ops:
                yield from _walk_post_order(child)
    yield op


def find_failing_op(module: Operation, message: str) -> Operation | None:
    """The op whose own verifier raises `message` (nested ops first, as `verify` does)."""
    first: Operation | None = None
    for op in _walk_post_order(module):
        try:
            op.verify(verify_nested_ops=False)
        except VerifyException as e:
            if str(e) == message:
                return op
            first = first or op
        except Exception:
            continue
    return first


# --------------------------------------------------------------------------------------
# Pass / target specs
# --------------------------------------------------------------------------------------


def _spec_syntax_error(what: str, text: str, error: ArgSpecParseError) -> UsageError:
    """One line from xDSL's multi-line `ArgSpecParseError` (location, source, caret, msg)."""
    lines = [line for line in str(error).splitlines() if line.strip()]
    reason = lines[-1].strip() if lines else "syntax error"
    column = ""
    for line in lines:
        head, _, col = line.rpartition(":")
        if head.startswith("pass-pipeline:") and col.isdigit():
            column = f" at column {col}"
            break
    return UsageError(f"malformed {what} '{text}'{column}: {reason}{_quote_hint(text)}")


# A value xDSL's spec lexer takes without quotes: a number or a word (letters, digits, _ -).
_BARE_VALUE = re.compile(r"[-+]?(\d+(\.\d*)?([eE][-+]?\d+)?|[A-Za-z_-][\w-]*)")
_OPTION_VALUE = re.compile(r"([A-Za-z_][\w-]*)=([^\s\"{},=\[\]]+)")


def _quote_hint(text: str) -> str:
    """``; quote the value: out-dir="build/x"`` when an option value needs quotes, else ""."""
    unquoted = re.sub(r'"[^"]*"', '""', text)  # a quoted value is fine whatever it holds
    for match in _OPTION_VALUE.finditer(unquoted):
        name, value = match.groups()
        if not _BARE_VALUE.fullmatch(value):
            return (f"; quote the value: {name}=\"{value}\" (and the whole spec in single "
                    "quotes for the shell)")
    return ""


_INVALID_CHOICE = re.compile(r"(invalid choice: '([^']*)')( \(choose from (.*)\))")


def _with_choice_hint(message: str) -> str:
    """argparse's or xDSL's "invalid choice" message (-t, -f) with a "did you mean"."""
    match = _INVALID_CHOICE.search(message)
    if match is None:
        return message
    choices = [choice.strip(" '") for choice in match[4].split(",")]
    hint = _did_you_mean(match[2], choices)
    return message[: match.end(1)] + hint + message[match.end(1):]


def _did_you_mean(name: str, known: Sequence[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest known name, or "" when none is close."""
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def _option_name(field_name: str) -> str:
    return field_name.replace("_", "-")


_SpecT = TypeVar("_SpecT", bound=ArgSpecConvertible)


def instantiate_spec(kind: str, cls: type[_SpecT], spec: ArgSpec) -> _SpecT:
    """``cls.from_spec(spec)``, turning bad options into a one-line `UsageError`."""
    known = [f.name for f in dataclasses.fields(cls) if f.init and f.name != "name"]
    given = spec.normalize_parameter_names().parameters
    unknown = [name for name in given if name not in known]
    if unknown:
        options = [_option_name(name) for name in known]
        bad = _option_name(unknown[0])
        raise UsageError(
            f"unknown option '{bad}' for {kind} '{spec.name}'{_did_you_mean(bad, options)} "
            f"(valid options: {', '.join(options) or 'none'})"
        )
    try:
        return cls.from_spec(spec)
    except (ValueError, TypeError) as e:
        raise UsageError(f"invalid options for {kind} '{spec}': {e}") from None


# --------------------------------------------------------------------------------------
# --list-passes
# --------------------------------------------------------------------------------------


def _one_line(doc: str | None) -> str:
    """The first sentence of `doc`, on one line."""
    text = " ".join((doc or "").split())
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]


def field_docs(cls: type) -> dict[str, str]:
    """Each dataclass field's attribute docstring (the string just after it), on one line.

    Python keeps no attribute docstrings at run time, so they are read from the source.
    """
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        except (OSError, TypeError, SyntaxError):
            continue
        body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
        for stmt, after in itertools.pairwise(body):
            if (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)
                    and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
                    and isinstance(after.value.value, str)):
                docs[stmt.target.id] = _one_line(after.value.value)
    return docs


def _format_default(value: Any) -> str:
    """An option's default as it would be written in a spec."""
    if value is dataclasses.MISSING or value is None:
        return "(none)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple):
        return "[" + ",".join(_format_default(v) for v in value) + "]"
    if isinstance(value, str) and not _BARE_VALUE.fullmatch(value):
        return json.dumps(value)
    return str(value)


def _describe(name: str, cls: type, shared: dict[str, str]) -> list[str]:
    """Lines for one pass or target: its name and first docstring line, then its options.

    An option without a docstring of its own takes the one of the same option of another
    rpnn pass (`shared`): ``clock-mhz`` means the same thing everywhere.
    """
    lines = [f"{name}  {_one_line(cls.__doc__)}".rstrip()]
    docs = field_docs(cls)
    for field in dataclasses.fields(cls):
        if not field.init or field.name == "name":
            continue
        default = field.default
        if default is dataclasses.MISSING and field.default_factory is not dataclasses.MISSING:
            default = field.default_factory()
        option = f"{_option_name(field.name)}={_format_default(default)}"
        help_text = docs.get(field.name, "")
        borrowed = shared.get(field.name, "")
        if not help_text and name not in borrowed:  # a doc naming this pass is another's
            help_text = borrowed
        lines += textwrap.wrap(f"{option:<28} {help_text}", width=96, initial_indent="    ",
                               subsequent_indent=" " * 33, break_on_hyphens=False) or [""]
    return lines


def list_passes(available_passes: dict[str, Callable[[], type]]) -> str:
    """The text of ``rpnn-opt --list-passes``: rpnn's passes and targets with their options
    (rpnn-pipeline first), then the names of xDSL's passes."""
    rpnn_passes = get_all_passes()
    classes = {name: factory() for name, factory in rpnn_passes.items()}
    targets = {name: factory() for name, factory in get_all_targets().items()}
    shared: dict[str, str] = {}
    for cls in [*classes.values(), *targets.values()]:
        for field, doc in field_docs(cls).items():
            shared.setdefault(field, doc)
    order = sorted(classes, key=lambda name: (name != "rpnn-pipeline", name))
    out = ["rpnn passes (-p 'name{option=value ...}'; a path or other text needs quotes: "
           'out-dir="build/x"):', ""]
    for name in order:
        out += [*_describe(name, classes[name], shared), ""]
    out += ["rpnn targets (-t 'name{option=value ...}'):", ""]
    for name, cls in targets.items():
        out += [*_describe(name, cls, shared), ""]
    others = sorted(name for name in available_passes if name not in rpnn_passes)
    out.append("xDSL passes (options: see xDSL's documentation):")
    out += textwrap.wrap(", ".join(others), width=88, initial_indent="    ",
                         subsequent_indent="    ", break_on_hyphens=False)
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------------------
# The driver
# --------------------------------------------------------------------------------------


class RpnnOptMain(xDSLOptMain):
    """``xdsl-opt`` with rpnn's dialects, passes and targets, and clean error reports."""

    version_format = f"rpnn-opt {__version__} built on xdsl version {{xdsl_version}}"

    def __init__(
        self,
        description: str = "rpnn optimizer driver (xdsl-opt with the rpnn dialects, "
        "passes and targets)",
        args: Sequence[str] | None = None,
    ):
        self._stage: tuple[str, str] | None = None  # ("pass" | "after pass" | "target", name)
        self._line_offset = 0  # first line of the current --split-input-file chunk
        self._module: ModuleOp | None = None
        self._output: _OutputBuffer | None = None
        try:
            super().__init__(description, args)
        except ArgSpecParseError as e:
            # Pass pipelines are checked in setup_pipeline; this is -t or -f.
            parsed = getattr(self, "args", None)
            raise _spec_syntax_error("target or frontend spec", _bad_spec(parsed), e) from None

    # ---- registries ------------------------------------------------------------------

    def register_all_dialects(self) -> None:
        super().register_all_dialects()  # xDSL's own dialects and xdsl.universe plugins
        registered = set(self.ctx.registered_dialect_names)
        for name, factory in get_all_dialects().items():
            if name not in registered:  # registering a name twice raises
                self.ctx.register_dialect(name, factory)

    def register_all_frontends(self) -> None:
        self.available_frontends["mlir"] = lambda: LocatingMLIRFrontend
        self.available_frontends["onnx"] = lambda: OnnxFrontend
        super().register_all_frontends()  # keeps entries already present

    def register_all_passes(self) -> None:
        super().register_all_passes()  # canonicalize, cse, dce, ...
        for name, factory in get_all_passes().items():
            self.register_pass(name, factory)

    def register_all_targets(self) -> None:
        super().register_all_targets()  # mlir, llvm, ...
        self.available_targets.update(get_all_targets())

    def register_all_arguments(self, arg_parser: argparse.ArgumentParser) -> None:
        super().register_all_arguments(arg_parser)
        arg_parser.add_argument(
            "--max-elements", type=positive_int, default=None, metavar="N",
            help="largest tensor, stream or testbench accepted, in elements (default "
            f"{limits.DEFAULT_MAX_ELEMENTS}, or RPNN_MAX_ELEMENTS)")
        arg_parser.add_argument(
            "--list-passes", action="store_true",
            help="list rpnn's passes and targets with their options, defaults and help, "
            "then xDSL's passes, and exit")
        # One line instead of argparse's usage block + exit(2); main() prints it.
        usage_error_hook(arg_parser, "rpnn-opt")
        hooked = arg_parser.error

        def error(message: str) -> NoReturn:
            hooked(_with_choice_hint(message))

        arg_parser.error = error  # type: ignore[method-assign]
        arg_parser.epilog = (
            "exit status: 0 on success, 1 for bad input (missing file, parse or verifier "
            "error, failed pass), 2 for a bad command line"
        )

    # ---- pipeline and target validation (before any input is read) -------------------

    def setup_pipeline(self) -> None:
        if self.args.list_passes:
            return  # nothing to run: run() prints the list
        try:
            specs = list(parse_pipeline(self.args.passes))
        except ArgSpecParseError as e:
            raise _spec_syntax_error("pass pipeline", self.args.passes, e) from None
        for spec in specs:
            if spec.name not in self.available_passes:
                hint = _did_you_mean(spec.name, sorted(self.available_passes))
                raise UsageError(f"unknown pass '{spec.name}'{hint} "
                                 "(see rpnn-opt --list-passes)")
            instantiate_spec("pass", self.available_passes[spec.name](), spec)

        # Names were checked by xDSLOptMain.__init__; check the options now rather than
        # after parsing the input and running the passes.
        target_spec = parse_spec(self.args.target)
        target_entry = self.available_targets[target_spec.name]
        if not inspect.signature(target_entry).parameters:  # Callable[[], type[Target]]
            instantiate_spec("target", target_entry(), target_spec)  # type: ignore[arg-type]
        if self.args.frontend:
            frontend_spec = parse_spec(self.args.frontend)
            frontend_entry = self.available_frontends[frontend_spec.name]
            if not inspect.signature(frontend_entry).parameters:
                instantiate_spec("frontend", frontend_entry(), frontend_spec)  # type: ignore[arg-type]

        super().setup_pipeline()
        self.pipeline = dataclasses.replace(
            self.pipeline, callback=self._track_stage(self.pipeline.callback)
        )

    def _track_stage(self, inner: Callable[..., None] | None) -> Callable[..., None]:
        def callback(previous: Any, module: ModuleOp, next_pass: Any) -> None:
            self._stage = None if previous is None else ("after pass", previous.name)
            if inner is not None:
                inner(previous, module, next_pass)  # verifies the module
            if not self.args.disable_verify:
                verify_dominance(module)
                if previous is not None:  # a pass must not leave a type its values overflow
                    _check_declared_types(module)
            if next_pass is not None:
                self._stage = ("pass", next_pass.name)

        return callback

    # ---- input and output ------------------------------------------------------------

    def get_input_stream(self) -> tuple[IO[bytes], str]:
        name = self.args.input_file
        if name is None:
            if sys.stdin.isatty():  # a user who forgot the file name: say what we wait for
                sys.stderr.write("rpnn-opt: reading MLIR from the terminal; end it with "
                                 "Ctrl-D (or give an input file: rpnn-opt --help)\n")
                sys.stderr.flush()
            return sys.stdin.buffer, "mlir"
        if self.args.frontend:
            extension = parse_spec(self.args.frontend).name  # validated by xDSLOptMain
        else:
            extension = os.path.splitext(name)[1].removeprefix(".")
            if extension not in self.available_frontends:
                known = ", ".join(self.available_frontends)
                raise ToolError(
                    f"cannot tell the input format of '{name}' from its extension "
                    f"(pass -f with one of: {known})"
                )
        if extension == "onnx":  # OnnxFrontend reads the file (and its external data)
            return io.BytesIO(), extension
        try:
            return io.BytesIO(files.read_input(name)), extension
        except files.FileError as e:
            from rpnn_ir.builders.examples import missing_example_hint

            raise files.FileError(f"{e}{missing_example_hint(name)}") from None

    def prepare_output(self) -> IO[str]:
        if self.args.output_file is None:
            return sys.stdout
        files.check_output_path(self.args.output_file)  # fail before the work, not after
        self._output = _OutputBuffer()
        return self._output

    # ---- running ---------------------------------------------------------------------

    def parse_chunk(
        self, chunk: IO[bytes], file_extension: str, start_offset: int = 0
    ) -> ModuleOp | None:
        self._stage, self._line_offset, self._module = None, start_offset, None
        self._module = super().parse_chunk(chunk, file_extension, start_offset)
        return self._module

    def output_resulting_program(self, prog: ModuleOp) -> str:
        name = parse_spec(self.args.target).name
        if name in get_all_targets():  # rpnn's backends run the program: one semantics
            _check_declared_types(prog)
        self._stage = ("target", name)
        return super().output_resulting_program(prog)

    def run(self) -> None:
        if self.args.list_passes:
            sys.stdout.write(list_passes(self.available_passes))
            return
        try:
            if self.args.max_elements is None:
                super().run()
            else:
                with limits.raised(self.args.max_elements):
                    super().run()
        except ParseError as e:  # span already shifted to the chunk's lines by run()
            raise ToolError(" ".join(e.msg.split()), str(e.span.get_location())) from None
        except DiagnosticException as e:
            raise self._diagnostic_error(e) from None
        if self._output is not None:  # staged: final when the tool's transaction commits
            files.write_output(self.args.output_file, self._output.text)

    def _diagnostic_error(self, error: DiagnosticException) -> ToolError:
        # xDSL's constraint messages can span lines: keep the report on one.
        message = " ".join(line.strip() for line in str(error).splitlines() if line.strip())
        if self._stage is not None and self._stage[0] in ("pass", "target"):
            kind, name = self._stage
            return ToolError(f"{kind} {failed_stage(name, error)} failed: {message}")
        if (span := getattr(error, PARSE_SPAN_ATTR, None)) is not None:
            return ToolError(message, span_location(span, self._line_offset))
        location = None
        if isinstance(error, LocatedVerifyException):
            location = op_location(error.op, self._line_offset)
        elif isinstance(error, VerifyException) and self._module is not None:
            op = find_failing_op(self._module, str(error))
            if op is not None:
                location = op_location(op, self._line_offset)
                if not message.startswith(f"{op.name}:"):  # rpnn verifiers name the op
                    message = f"'{op.name}' op: {message}"
        if self._stage is not None:  # the IR verified before this pass: the pass broke it
            message = f"IR does not verify after pass '{self._stage[1]}': {message}"
        return ToolError(message, location)


def _bad_spec(args: argparse.Namespace | None) -> str:
    """The -t or -f text that does not parse (for the error message)."""
    for text in (getattr(args, "target", None), getattr(args, "frontend", None)):
        if text:
            try:
                parse_spec(text)
            except ArgSpecParseError:
                return text
    return ""


def _check_declared_types(module: ModuleOp) -> None:
    """`rpnn_ir.ranges.check_declared_types` (imported when first needed)."""
    from rpnn_ir.ranges import check_declared_types

    check_declared_types(module)


class _OutputBuffer(io.StringIO):
    """The ``-o`` text, kept until the run succeeded (xDSL closes the stream it gets)."""

    text = ""

    def close(self) -> None:
        if not self.closed:
            self.text = self.getvalue()
        super().close()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``rpnn-opt``; returns the exit status."""
    # Python hides DeprecationWarnings by default; xdsl-opt shows them, so do we.
    warnings.filterwarnings("default", category=DeprecationWarning)
    return run_tool(lambda: RpnnOptMain(args=argv).run())


if __name__ == "__main__":
    sys.exit(main())
