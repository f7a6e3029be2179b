"""Compile the C reference of a module and call it from Python (ctypes).

    net = CReference.build(module)            # cc -O2 -shared -fPIC into a temp dir
    (labels,) = net.run([frames])              # the FPGA part: integer frames in and out
    (logits,) = net.forward([images])          # the whole network (rpnn_forward_f32)
    net.close()                                # or: with CReference.build(module) as net:
    net = CReference.load("build/net")         # what -t 'rpnn-c{out-dir="build/net"}' wrote

`run` takes integer arrays `[N, *shape]` of each FPGA input (the stream shapes, channels last)
and returns arrays of the interface element types (int8 for bipolar, -1/+1). `forward` takes
the function's own arguments (float32 for f32 tensors, [N, *shape[1:]]; a network on flat
vectors [N, K] also takes frames of K elements of any shape, such as images [N, C, H, W],
flattened in C order as ONNX Flatten does) and returns its results
as `rpnn_ir.run` does (float32 for f32, int64 for integers), with no Python in between. Both
take `threads` (frames split over that many threads; same results).
"""

from __future__ import annotations

import ctypes
import json
import math
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Attribute

from rpnn_ir import dtypes, files, interp
from rpnn_ir.backends import c_host, c_reference
from rpnn_ir.backends.dataflow import Stream, c_int_type, extract, numpy_dtype
from rpnn_ir.dialects import rpnn

DEFAULT_FLAGS = ("-O2",)
SANITIZE_FLAGS = ("-O1", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
                  "-fno-omit-frame-pointer")
WARNING_FLAGS = ("-std=c99", "-Wall", "-Wextra", "-pedantic")
"""Always on; the tests add -Werror (the generated code compiles without any warning)."""
REQUIRED_FLAGS = ("-pthread", "-ffp-contract=off")
"""Threads, and float operations exactly as written (no fused multiply-add): the host code
must round like the interpreter."""
LIBRARIES = ("-lm",)


class CompileError(RuntimeError):
    """The C compiler rejected the generated code (the message holds its output)."""


def compiler() -> str:
    """The C compiler: $CC, else cc, gcc or clang from PATH."""
    for name in (os.environ.get("CC"), "cc", "gcc", "clang"):
        if name and shutil.which(name):
            return name
    raise CompileError("no C compiler found (set CC)")


def compile_shared(source_dir: Path, library: Path, flags: Sequence[str] = DEFAULT_FLAGS,
                   extra: Sequence[str] = ()) -> None:
    """cc <flags> -shared -fPIC rpnn.c -o library."""
    command = [compiler(), *WARNING_FLAGS, *REQUIRED_FLAGS, *flags, *extra, "-shared", "-fPIC",
               str(source_dir / c_reference.SOURCE_NAME), "-o", str(library), *LIBRARIES]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise CompileError(f"{' '.join(command)}\n{result.stdout}{result.stderr}")


_BYTE_P = ctypes.POINTER(ctypes.c_ubyte)
"""The argument type of every array port: ctypes passes a `c_ubyte` view by reference."""


_from_buffer = ctypes.c_ubyte.from_buffer


def _pointer(array: np.ndarray) -> ctypes.c_ubyte:
    """A contiguous array's first byte as a `c_ubyte` for a `_BYTE_P` argument: through the
    buffer protocol where the array is writable and not empty (a few times cheaper than
    `array.ctypes`, which matters for small batches), else at `array.ctypes.data`. The
    caller keeps the array alive during the call."""
    try:
        return _from_buffer(array)
    except (TypeError, ValueError):  # read-only or empty
        return ctypes.c_ubyte.from_address(array.ctypes.data)


class CReference:
    """A compiled C reference, loaded with ctypes."""

    def __init__(self, library: Path, inputs: list[Stream], outputs: list[Stream],
                 workdir: tempfile.TemporaryDirectory | None = None):
        self.path = library
        self.inputs = inputs
        self.outputs = outputs
        self._workdir = workdir
        self._lib = ctypes.CDLL(str(library))
        self._fn = self._lib.rpnn_forward_mt
        self._fn.restype = ctypes.c_int
        self._fn.argtypes = [_BYTE_P] * (len(inputs) + len(outputs)) + [
            ctypes.c_size_t, ctypes.c_int]
        self._f32 = getattr(self._lib, "rpnn_forward_f32", None)
        self.host: c_host.HostCode | None = None  # set by `build` with rpnn_forward_f32
        self.unsupported = "not built from a module"
        self._arg_specs: list[tuple[np.dtype, tuple[int, ...]]] = []
        self._result_specs: list[tuple[np.dtype, tuple[int, ...]]] = []
        self._single: tuple[tuple[np.dtype, tuple[int, ...]], ...] | None = None

    @classmethod
    def build(cls, module: ModuleOp, function: str | None = None,
              flags: Sequence[str] = DEFAULT_FLAGS, extra: Sequence[str] = (),
              keep_dir: Path | None = None) -> CReference:
        """Emit, compile (`flags`, then `extra`) and load the C reference of `module`."""
        header, source = c_reference.emit_c(module, function)
        inputs, outputs = c_reference.port_types(module, function)
        workdir = None
        if keep_dir is None:
            workdir = tempfile.TemporaryDirectory(prefix="rpnn-c-")
            directory = Path(workdir.name)
        else:
            directory = keep_dir
        c_reference.write_files(directory, {c_reference.HEADER_NAME: header,
                                            c_reference.SOURCE_NAME: source})
        library = directory / "librpnn.so"
        try:
            compile_shared(directory, library, flags, extra)
        except BaseException:
            if workdir is not None:
                workdir.cleanup()
            raise
        net = cls(library, inputs, outputs, workdir)
        graph = extract(module, function)
        host = c_host.plan(module, function, [c_int_type(graph.streams[i].element_type)
                                              for i in graph.inputs],
                           [c_int_type(graph.streams[i].element_type) for i in graph.outputs])
        if isinstance(host, c_host.HostCode) and net._f32 is not None:
            func_op = interp.find_function(module, function)
            net._attach_whole(host, [tuple(a.type.get_shape())[1:]
                                     for a in func_op.body.block.args],
                              [tuple(r.get_shape())[1:] for r in func_op.function_type.outputs])
        else:
            net.unsupported = host if isinstance(host, str) else "not compiled"
        return net

    @classmethod
    def load(cls, build_dir: str | os.PathLike[str], flags: Sequence[str] = DEFAULT_FLAGS
             ) -> CReference:
        """The C reference that ``-t 'rpnn-c{out-dir=...}'`` (or `rpnn_ir.compile`) wrote
        into `build_dir`: its rpnn.c compiled into a temporary folder (`build_dir` is only
        read) and loaded, with the ports described in its rpnn.json."""
        directory = Path(build_dir)
        try:
            interface = json.loads(files.read_input(directory / c_reference.INTERFACE_NAME,
                                                    "C reference interface"))
            fpga, whole = interface["fpga"], interface["whole"]
            inputs, outputs = ([Stream(k, tuple(p["shape"]), _element_type(p["type"]), 1)
                                for k, p in enumerate(fpga[kind])]
                               for kind in ("inputs", "outputs"))
        except files.FileError as e:
            raise CompileError(f"{e} (give a folder written by -t 'rpnn-c{{out-dir=...}}')"
                               ) from None
        except (ValueError, KeyError, TypeError) as e:
            raise CompileError(f"'{directory / c_reference.INTERFACE_NAME}' is not an rpnn-c "
                               f"interface description ({e})") from None
        workdir = tempfile.TemporaryDirectory(prefix="rpnn-c-")
        library = Path(workdir.name) / "librpnn.so"
        try:
            compile_shared(directory, library, flags)
        except BaseException:
            workdir.cleanup()
            raise
        net = cls(library, inputs, outputs, workdir)
        if whole is None or net._f32 is None:
            net.unsupported = interface.get("unsupported") or "not compiled"
        else:
            net._attach_whole(
                c_host.HostCode([c_host.Port(p["ctype"], math.prod(p["shape"]))
                                 for p in whole["inputs"]],
                                [c_host.Port(p["ctype"], math.prod(p["shape"]))
                                 for p in whole["outputs"]]),
                [tuple(p["shape"]) for p in whole["inputs"]],
                [tuple(p["shape"]) for p in whole["outputs"]])
        return net

    def _attach_whole(self, host: c_host.HostCode, arg_shapes: list[tuple[int, ...]],
                      result_shapes: list[tuple[int, ...]]) -> None:
        """Enable `forward` (rpnn_forward_f32) with these ports and per-frame shapes."""
        assert self._f32 is not None
        self.host = host
        self._f32.restype = ctypes.c_int
        self._f32.argtypes = [_BYTE_P] * (len(host.inputs) + len(host.outputs)) + [
            ctypes.c_size_t, ctypes.c_int]
        self._arg_specs = [(_port_dtype(port), shape)
                           for port, shape in zip(host.inputs, arg_shapes, strict=True)]
        self._result_specs = [(_port_dtype(port), shape)
                              for port, shape in zip(host.outputs, result_shapes, strict=True)]
        self._single = (self._arg_specs[0], self._result_specs[0]) if (
            len(host.inputs) == len(host.outputs) == 1) else None

    def forward(self, inputs: Sequence[np.ndarray], threads: int = 1) -> list[np.ndarray]:
        """The whole network in C (`rpnn_forward_f32`): the function's arguments in, its
        results out, like `rpnn_ir.run` but without the interpreter. Arrays already of the
        port's dtype, C-contiguous and of the frame shape are passed without a copy (this
        call's own cost matters for small batches)."""
        single = self._single
        if single is not None and len(inputs) == 1:  # the common case, with the least Python
            array, ((dtype, shape), (out_dtype, out_shape)) = inputs[0], single
            if (type(array) is np.ndarray and array.dtype is dtype and array.shape[1:] == shape
                    and array.flags.c_contiguous):
                frames = array.shape[0]
                output = np.empty((frames, *out_shape), dtype=out_dtype)
                try:
                    views = _from_buffer(array), _from_buffer(output)
                except (TypeError, ValueError):  # read-only or empty
                    views = _pointer(array), _pointer(output)
                status = self._f32(*views, frames, threads)
                if status != 0:
                    _raise_status(status)
                return [output]
        if self.host is None:
            raise RuntimeError(f"no whole-network entry point: {self.unsupported}")
        if len(inputs) != len(self._arg_specs):
            raise ValueError(f"expected {len(self._arg_specs)} inputs, got {len(inputs)}")
        arrays = []
        for k, (array, (dtype, shape)) in enumerate(zip(inputs, self._arg_specs, strict=True)):
            if not (type(array) is np.ndarray and array.dtype is dtype
                    and array.shape[1:] == shape and array.flags.c_contiguous):
                array = np.ascontiguousarray(_as_frames(np.asarray(array), shape, k),
                                             dtype=dtype)
            arrays.append(array)
        frames = arrays[0].shape[0]
        if len(arrays) > 1 and any(a.shape[0] != frames for a in arrays):
            raise ValueError("all inputs need the same number of frames")
        outputs = [np.empty((frames, *shape), dtype=dtype)
                   for dtype, shape in self._result_specs]
        status = self._f32(*map(_pointer, arrays), *map(_pointer, outputs), frames, threads)
        if status != 0:
            _raise_status(status)
        return outputs

    def run(self, inputs: Sequence[np.ndarray], threads: int = 1) -> list[np.ndarray]:
        """One array `[N, *shape]` per input; returns one array per output."""
        if len(inputs) != len(self.inputs):
            raise ValueError(f"expected {len(self.inputs)} inputs, got {len(inputs)}")
        frames = None
        arrays = []
        for k, (array, stream) in enumerate(zip(inputs, self.inputs, strict=True)):
            array = np.asarray(array)
            if array.shape[1:] != stream.shape:
                raise ValueError(f"input {k} has shape {list(array.shape)}, expected "
                                 f"[N, {', '.join(map(str, stream.shape))}]")
            if frames is None:
                frames = array.shape[0]
            elif array.shape[0] != frames:
                raise ValueError("all inputs need the same number of frames")
            if not dtypes.fits(stream.element_type, array.astype(np.int64)):
                raise ValueError(f"input {k} holds values outside "
                                 f"{dtypes.type_str(stream.element_type)}")
            arrays.append(np.ascontiguousarray(array, dtype=numpy_dtype(stream.element_type)))
        assert frames is not None
        outputs = [np.empty((frames, *s.shape), dtype=numpy_dtype(s.element_type))
                   for s in self.outputs]
        status = self._fn(*map(_pointer, arrays), *map(_pointer, outputs), frames, threads)
        if status != 0:
            raise RuntimeError(f"rpnn_forward returned {status}")
        return outputs

    def kernel_level(self) -> int:
        """The kernel level the next call uses: 0 portable, 1 AVX2, 2 AVX-512 (the CPU's, capped
        by $RPNN_ISA)."""
        return int(self._lib.rpnn_kernel_level())

    def close(self) -> None:
        if self._workdir is not None:
            self._workdir.cleanup()
            self._workdir = None

    def __enter__(self) -> CReference:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _as_frames(array: np.ndarray, shape: tuple[int, ...], index: int) -> np.ndarray:
    """`array` as frames of `shape`: as given, or, for a network taking flat vectors
    ([N, K], the model's input flattened as ONNX Flatten does), frames of any shape with K
    elements each (images [N, C, H, W] for an MLP on [N, C*H*W]) flattened in C order."""
    if array.ndim >= 1 and array.shape[1:] == shape:
        return array
    if len(shape) == 1 and array.ndim >= 2 and math.prod(array.shape[1:]) == shape[0]:
        return array.reshape(array.shape[0], shape[0])
    raise ValueError(f"input {index} has shape {list(array.shape)}, expected "
                     f"[N, {', '.join(map(str, shape))}]"
                     + (f" (or frames of {shape[0]} elements, flattened in C order)"
                        if len(shape) == 1 else ""))


def _raise_status(status: int) -> None:
    """The error of a non-zero `rpnn_forward_f32` status."""
    reason = "an input holds NaN" if status == -2 else "out of memory"
    raise RuntimeError(f"rpnn_forward_f32 returned {status} ({reason})")


def _port_dtype(port: c_host.Port) -> np.dtype:
    """The numpy dtype of a whole-network port: float32 for f32, else int64."""
    return np.dtype(np.float32 if port.ctype == "float" else np.int64)


def _element_type(text: str) -> Attribute:
    """The element type spelt `text` by `dtypes.type_str` (siN, uiN, !rpnn.bipolar)."""
    if text == "!rpnn.bipolar":
        return rpnn.BipolarType()
    for prefix, signed in (("si", True), ("ui", False)):
        width = text.removeprefix(prefix)
        if width != text and width.isdigit() and 1 <= int(width) <= dtypes.MAX_INT_BITS:
            return dtypes.int_type(int(width), signed)
    raise ValueError(f"unknown port element type '{text}'")


def build_executable(module: ModuleOp, workdir: Path, flags: Sequence[str] = SANITIZE_FLAGS,
                     function: str | None = None) -> Path:
    """Write the C reference with its generated main.c into `workdir` and build `rpnn_main`."""
    header, source = c_reference.emit_c(module, function)
    main, makefile = c_reference.emit_main(module, function)
    c_reference.write_files(workdir, {c_reference.HEADER_NAME: header,
                                      c_reference.SOURCE_NAME: source,
                                      c_reference.MAIN_NAME: main,
                                      c_reference.MAKEFILE_NAME: makefile})
    exe = workdir / "rpnn_main"
    command = [compiler(), *WARNING_FLAGS, *REQUIRED_FLAGS, *flags,
               str(workdir / c_reference.SOURCE_NAME), str(workdir / c_reference.MAIN_NAME),
               "-o", str(exe), *LIBRARIES]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise CompileError(f"{' '.join(command)}\n{result.stdout}{result.stderr}")
    return exe


def run_built(exe: Path, module: ModuleOp, inputs: Sequence[np.ndarray],
              function: str | None = None, whole: bool = False, threads: int = 1,
              env: dict[str, str] | None = None) -> list[np.ndarray]:
    """Run an executable of `build_executable` on `inputs` through raw binary files.

    `whole`: the whole network (`rpnn_forward_f32`; the function's arguments and results),
    else the FPGA part's ports. `env` adds environment variables (e.g. RPNN_ISA=portable to
    force a kernel level). Anything on stderr (a sanitizer report) is a failure.
    """
    if whole:
        func_op = interp.find_function(module, function)
        in_dtypes = [np.float32 if dtypes.is_float(a.type.element_type) else np.int64
                     for a in func_op.body.block.args]
        out_specs = [(np.float32 if dtypes.is_float(r.element_type) else np.int64,
                      tuple(r.get_shape())[1:]) for r in func_op.function_type.outputs]
    else:
        in_streams, out_streams = c_reference.port_types(module, function)
        in_dtypes = [numpy_dtype(s.element_type) for s in in_streams]
        out_specs = [(numpy_dtype(s.element_type), s.shape) for s in out_streams]
    workdir = exe.parent
    frames = int(np.asarray(inputs[0]).shape[0])
    files = []
    for k, (array, dtype) in enumerate(zip(inputs, in_dtypes, strict=True)):
        np.ascontiguousarray(array, dtype=dtype).tofile(workdir / f"in{k}.bin")
        files.append(f"in{k}.bin")
    files += [f"out{k}.bin" for k in range(len(out_specs))]
    run_env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=0",
                   UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1", **(env or {}))
    run = subprocess.run([str(exe), *([] if whole else ["-p"]), "-t", str(threads), *files],
                         cwd=workdir, capture_output=True, text=True, env=run_env)
    if run.returncode != 0 or run.stderr.strip():
        raise RuntimeError(f"sanitized run failed ({run.returncode}):\n{run.stderr}")
    return [np.fromfile(workdir / f"out{k}.bin", dtype=dtype).reshape(frames, *shape)
            for k, (dtype, shape) in enumerate(out_specs)]


def run_executable(module: ModuleOp, inputs: Sequence[np.ndarray], workdir: Path,
                   flags: Sequence[str] = SANITIZE_FLAGS, function: str | None = None,
                   whole: bool = False, threads: int = 1,
                   env: dict[str, str] | None = None) -> list[np.ndarray]:
    """`build_executable` then `run_built`: used for sanitizer builds (AddressSanitizer
    cannot be loaded into Python with ctypes)."""
    exe = build_executable(module, workdir, flags, function)
    return run_built(exe, module, inputs, function, whole, threads, env)
