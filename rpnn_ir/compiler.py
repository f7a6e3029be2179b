"""`rpnn_ir.compile`: run a pass pipeline and optionally a target from Python.

    import rpnn_ir
    result = rpnn_ir.compile("model.onnx", "canonicalize,cse")        # -> CompileResult
    result.module                                                      # the compiled module
    rpnn_ir.compile(module, "rpnn-pipeline", target="mlir", out_dir="build")

Passes and targets come from the same registries as `rpnn-opt`: xDSL's own (``canonicalize``,
``cse``, ``dce``, ... and targets ``mlir``, ...) plus rpnn's
(`rpnn_ir.passes.get_all_passes`, `rpnn_ir.backends.get_all_targets`; rpnn's entries win on a
name clash, as in `rpnn-opt`).  The module is verified after every pass.  Problems with the
request or the input (unknown pass or option, a failing pass, a module that no longer
verifies, an unknown target) raise `CompileError` with a one-line message.
"""

from __future__ import annotations

import dataclasses
import inspect
import io
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass, PassPipeline
from xdsl.universe import Universe
from xdsl.utils.arg_spec import ArgSpec, parse_pipeline, parse_spec
from xdsl.utils.exceptions import (
    ArgSpecParseError,
    DiagnosticException,
    ParseError,
    VerifyException,
)

from rpnn_ir import api, files, progress
from rpnn_ir.passes import failed_stage
from rpnn_ir.ranges import check_declared_types, checked_once
from rpnn_ir.verify import verify_module

__all__ = ["CompileError", "CompileResult", "available_passes", "available_targets", "compile"]

DEFAULT_PIPELINE = "rpnn-pipeline"


class CompileError(Exception):
    """A compile request that cannot be carried out; `str(error)` is one line."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


@dataclass(repr=False)
class CompileResult:
    """What `compile` produced."""

    module: ModuleOp
    """The module after the pass pipeline (and before the target, which does not change it)."""
    target: str | None = None
    """Name of the target that ran, if any."""
    output: str | None = None
    """Text the target emitted (its output stream), if a target ran."""
    path: Path | None = None
    """Where the result went with `out_dir`: the file written, or the folder handed to a
    target that writes its own files (one with an `out_dir` option); else None."""
    cost: dict[str, Any] | None = None
    """The cost report of the last `rpnn-cost` run (also the one inside `rpnn-pipeline`), as
    ``rpnn-cost{json}`` writes it: ``{"device": {...}, "clock_mhz": ..., "functions": [{
    "units": [...], "total": {...}, "fps": ..., "latency_us": ..., "utilisation": {...},
    ...}]}``; None when no rpnn-cost ran."""

    def __repr__(self) -> str:
        functions = [op.sym_name.data for op in self.module.ops if hasattr(op, "sym_name")]
        output = None if self.output is None else f"<{len(self.output)} characters>"
        cost = None if self.cost is None else "<report>"
        return (f"CompileResult(module=<functions {functions}>, target={self.target!r}, "
                f"output={output}, path={self.path!r}, cost={cost})")


def available_passes() -> dict[str, Callable[[], type[ModulePass]]]:
    """Pass name -> lazy factory: xDSL's passes, then rpnn's (which win on a clash)."""
    from rpnn_ir.passes import get_all_passes

    passes = dict(Universe.get_multiverse().all_passes)
    passes.update(get_all_passes())
    return passes


def available_rpnn_targets() -> set[str]:
    """Names of rpnn's own targets (the backends, which execute the program)."""
    from rpnn_ir.backends import get_all_targets

    return set(get_all_targets())


def available_targets() -> dict[str, Callable[..., Any]]:
    """Target name -> lazy factory: xDSL's targets, then rpnn's (which win on a clash)."""
    from rpnn_ir.backends import get_all_targets

    targets = dict(Universe.get_multiverse().all_targets)
    targets.update(get_all_targets())
    return targets


def _option_name(field: str) -> str:
    return field.replace("_", "-")


def _fields(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls) if f.init and f.name != "name"]


def _instantiate(kind: str, cls: type, spec: ArgSpec) -> Any:
    known = _fields(cls)
    given = spec.normalize_parameter_names().parameters
    unknown = [name for name in given if name not in known]
    if unknown:
        valid = ", ".join(_option_name(name) for name in known) or "none"
        raise CompileError(f"unknown option '{_option_name(unknown[0])}' for {kind} "
                           f"'{spec.name}' (valid options: {valid})")
    try:
        return cls.from_spec(spec)
    except (ValueError, TypeError) as e:
        raise CompileError(f"invalid options for {kind} '{spec}': {e}") from None


def build_pipeline(pipeline: str | None,
                   callback: Callable[..., None] | None = None) -> PassPipeline:
    """A `PassPipeline` from a pipeline string (``"canonicalize,cse"``, options in braces)."""
    if not pipeline:
        return PassPipeline((), callback)
    try:
        specs = list(parse_pipeline(pipeline))
    except ArgSpecParseError as e:
        reason = [line for line in str(e).splitlines() if line.strip()]
        raise CompileError(f"malformed pass pipeline '{pipeline}': "
                           f"{reason[-1] if reason else e}") from None
    registry = available_passes()
    passes = []
    for spec in specs:
        if spec.name not in registry:
            rpnn_names = sorted(n for n in registry if n.startswith("rpnn"))
            hint = f"rpnn passes: {', '.join(rpnn_names)}" if rpnn_names else (
                "no rpnn passes are registered yet"
            )
            raise CompileError(f"unknown pass '{spec.name}' ({hint}; xDSL's passes such as "
                               "canonicalize, cse, dce are also available)")
        passes.append(_instantiate("pass", registry[spec.name](), spec))
    return PassPipeline(tuple(passes), callback)


def _load(module_or_path: Any) -> tuple[ModuleOp, str]:
    """The module to compile (a copy when a module is given) and a stem for file names."""
    if isinstance(module_or_path, ModuleOp):
        return module_or_path.clone(), "module"
    if isinstance(module_or_path, str | os.PathLike):
        path = Path(module_or_path)
        if path.suffix.lower() == ".onnx":
            from rpnn_ir.frontends.onnx_import import OnnxImportError, from_onnx

            try:
                return from_onnx(path), path.stem
            except OnnxImportError as e:
                raise CompileError(str(e)) from None
        try:
            return api.load(path), path.stem
        except files.FileError as e:
            from rpnn_ir.builders.examples import missing_example_hint

            raise CompileError(f"{e}{missing_example_hint(path)}") from None
        except (DiagnosticException, ParseError, ValueError) as e:
            raise CompileError(f"'{path}': {e}") from None
    try:
        import onnx
    except ImportError:  # pragma: no cover - onnx is a dependency
        onnx = None
    if onnx is not None and isinstance(module_or_path, onnx.ModelProto):
        from rpnn_ir.frontends.onnx_import import OnnxImportError, from_onnx

        try:
            return from_onnx(module_or_path), _safe_stem(module_or_path.graph.name or "model")
        except OnnxImportError as e:
            raise CompileError(str(e)) from None
    raise TypeError("compile expects a ModuleOp, a path (.mlir or .onnx) or an onnx.ModelProto, "
                    f"not {type(module_or_path).__name__}")


def _safe_stem(name: str) -> str:
    """`name` reduced to ``[A-Za-z0-9_-]`` for a file name (it may come from the input)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", name)[:64] or "model"


def _make_target(target: str, options: Mapping[str, Any] | None,
                 out_dir: Path | None) -> tuple[str, Any, bool]:
    """(name, target instance or legacy function, whether it writes into `out_dir` itself)."""
    try:
        spec = parse_spec(target)
    except ArgSpecParseError as e:
        reason = [line for line in str(e).splitlines() if line.strip()]
        raise CompileError(f"malformed target '{target}': "
                           f"{reason[-1] if reason else e}") from None
    registry = available_targets()
    if spec.name not in registry:
        raise CompileError(f"unknown target '{spec.name}' (available: "
                           f"{', '.join(sorted(registry))})")
    entry = registry[spec.name]
    if inspect.signature(entry).parameters:  # legacy (module, stream) -> None function
        if options:
            raise CompileError(f"target '{spec.name}' takes no options")
        return spec.name, entry, False
    cls = entry()
    instance = _instantiate("target", cls, spec)
    overrides = {key.replace("-", "_"): value for key, value in (options or {}).items()}
    fields = _fields(cls)
    unknown = [key for key in overrides if key not in fields]
    if unknown:
        valid = ", ".join(_option_name(name) for name in fields) or "none"
        raise CompileError(f"unknown option '{_option_name(unknown[0])}' for target "
                           f"'{spec.name}' (valid options: {valid})")
    writes_files = False
    if out_dir is not None:
        for field in ("out_dir", "output_dir"):
            if field in fields and field not in overrides and getattr(instance, field) is None:
                overrides[field] = str(out_dir)
                writes_files = True
    if overrides:
        try:
            instance = dataclasses.replace(instance, **overrides)
        except (ValueError, TypeError) as e:
            raise CompileError(f"invalid options for target '{spec.name}': {e}") from None
    return spec.name, instance, writes_files


def compile(
    module_or_path: Any,
    pipeline: str | None = DEFAULT_PIPELINE,
    target: str | None = None,
    target_options: Mapping[str, Any] | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    print_report: bool = False,
    show_progress: bool = False,
) -> CompileResult:
    """Run `pipeline` on a module (a `ModuleOp`, a `.mlir`/`.onnx` path or a `ModelProto`).

    - `pipeline`: an `rpnn-opt -p` string, e.g. ``"canonicalize,cse"`` or
      ``"rpnn-fold{target-fps=5000}"``; empty or None runs no pass.  A given `ModuleOp` is
      copied first, never changed.
    - `target`: a target name with optional options (``"mlir"``, ``"rpnn-hls{...}"``);
      `target_options` adds or overrides options (``{"out-dir": ...}`` or ``out_dir``).
    - `out_dir`: created if needed.  A target with an ``out_dir``/``output_dir`` option
      (not set otherwise) gets it and writes its files there (`path` is the folder);
      otherwise the target's text (or, without a target, the module) is written to
      ``out_dir/<stem>.<target>`` (``<stem>.mlir`` without a target).  Files are written
      through `rpnn_ir.files`: nothing is left behind (a folder created for the run
      included) when compiling fails.
    - `print_report`: print the cost report to stderr as ``rpnn-opt`` does; by default
      nothing is printed (a ``report=`` file named in the pipeline is still written) and the
      report is `CompileResult.cost`.
    - `show_progress`: report the stages of long work (rpnn-pipeline's passes with their
      times, see `rpnn_ir.progress`) on stderr; by default a library call prints nothing.

    Raises `CompileError` for a request or input that cannot be compiled (a file that cannot
    be written included) and `TypeError` for an argument of the wrong type.
    """
    from rpnn_ir.passes.cost import captured_reports

    _check_arguments(pipeline, target, target_options, out_dir)
    try:
        with (files.output_transaction(), captured_reports(echo=print_report) as reports,
              progress.forced() if show_progress else progress.quiet()):
            result = _compile(module_or_path, pipeline, target, target_options, out_dir)
    except OSError as e:  # FileError, or a folder the system refuses (no permission, ...)
        if isinstance(e, files.FileError) or out_dir is None:
            raise CompileError(str(e)) from None
        raise CompileError(f"cannot write into '{out_dir}': {e.strerror or e} (give a folder "
                           "you can write to)") from None
    result.cost = reports[-1] if reports else None
    return result


def _check_arguments(pipeline: Any, target: Any, target_options: Any, out_dir: Any) -> None:
    """`TypeError` naming the argument of `compile` that has the wrong type."""
    for name, value in (("pipeline", pipeline), ("target", target)):
        if value is not None and not isinstance(value, str):
            raise TypeError(f"compile: '{name}' must be a str or None, not "
                            f"{type(value).__name__}")
    if target_options is not None and not isinstance(target_options, Mapping):
        raise TypeError("compile: 'target_options' must be a mapping (option -> value), not "
                        f"{type(target_options).__name__}")
    if target_options is not None and not all(isinstance(k, str) for k in target_options):
        raise TypeError("compile: the keys of 'target_options' must be option names (str)")
    if out_dir is not None and not isinstance(out_dir, str | os.PathLike):
        raise TypeError(f"compile: 'out_dir' must be a str or path, not "
                        f"{type(out_dir).__name__}")


def _compile(module_or_path: Any, pipeline: str | None, target: str | None,
             target_options: Mapping[str, Any] | None,
             out_dir: str | os.PathLike[str] | None) -> CompileResult:
    """`compile` inside its output transaction."""
    module, stem = _load(module_or_path)
    ctx: Context = api.context()
    stage: list[str | None] = [None]

    def verify_between(previous: ModulePass | None, op: ModuleOp,
                       following: ModulePass | None) -> None:
        if previous is not None:
            try:
                verify_module(op)
                check_declared_types(op)  # one semantics: no type narrower than its values
            except VerifyException as e:
                raise CompileError(f"IR does not verify after pass '{previous.name}': "
                                   f"{e}") from None
        stage[0] = following.name if following is not None else None

    passes = build_pipeline(pipeline, verify_between)
    target_name, target_impl, target_writes = (None, None, False)
    directory = Path(out_dir) if out_dir is not None else None
    if target is not None:
        target_name, target_impl, target_writes = _make_target(target, target_options,
                                                               directory)
    elif target_options:
        raise CompileError("target_options given without a target")
    try:
        verify_module(module)
    except VerifyException as e:
        raise CompileError(f"the input module does not verify: {e}") from None
    try:
        passes.apply(ctx, module)
    except DiagnosticException as e:
        raise CompileError(f"pass {failed_stage(stage[0] or '', e)} failed: {e}") from None

    with checked_once():  # the target's readers of the module do not analyse it again
        return _emit(module, stem, ctx, target_name, target_impl, target_writes, directory)


def _emit(module: ModuleOp, stem: str, ctx: Context, target_name: str | None,
          target_impl: Any, target_writes: bool, directory: Path | None) -> CompileResult:
    """The target's part of `_compile`: check the module for it and run it."""
    if target_name in available_rpnn_targets():  # the backends run the program
        try:
            check_declared_types(module)
        except VerifyException as e:
            raise CompileError(f"target '{target_name}' refuses the module: {e}") from None
    result = CompileResult(module=module, target=target_name)
    if directory is not None:
        files.make_output_dir(directory)  # removed again if the target fails
    if target_impl is not None:
        stream = io.StringIO()
        try:
            if isinstance(target_impl, type) or not hasattr(target_impl, "emit"):
                target_impl(module, stream)  # legacy target function
            else:
                target_impl.emit(ctx, module, stream)
        except DiagnosticException as e:
            raise CompileError(f"target '{target_name}' failed: {e}") from None
        result.output = stream.getvalue()
        if target_writes:
            result.path = directory
        elif directory is not None and result.output:
            result.path = directory / f"{stem}.{target_name}"
            files.write_output(result.path, result.output)
    elif directory is not None:
        result.path = directory / f"{stem}.mlir"
        files.write_output(result.path, str(module) + "\n")
    return result
