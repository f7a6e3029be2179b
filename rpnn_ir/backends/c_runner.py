"""Compile the C reference of a module and call it from Python (ctypes).

    net = CReference.build(module)            # cc -O2 -shared -fPIC into a temp dir
    (labels,) = net.run([frames])              # numpy in, numpy out
    net.close()                                # or: with CReference.build(module) as net:

Inputs are integer arrays `[N, *shape]` of each FPGA input (the stream shapes, channels last);
outputs come back as arrays of the interface element types (int8 for bipolar, -1/+1).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from xdsl.dialects.builtin import ModuleOp

from rpnn_ir import dtypes
from rpnn_ir.backends import c_reference
from rpnn_ir.backends.dataflow import Stream, numpy_dtype

DEFAULT_FLAGS = ("-O2",)
SANITIZE_FLAGS = ("-O1", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
                  "-fno-omit-frame-pointer")
WARNING_FLAGS = ("-std=c99", "-Wall", "-Wextra", "-pedantic")
"""Always on; the tests add -Werror (the generated code compiles without any warning)."""


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
    command = [compiler(), *WARNING_FLAGS, *flags, *extra, "-shared", "-fPIC",
               str(source_dir / c_reference.SOURCE_NAME), "-o", str(library)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise CompileError(f"{' '.join(command)}\n{result.stdout}{result.stderr}")


class CReference:
    """A compiled C reference, loaded with ctypes."""

    def __init__(self, library: Path, inputs: list[Stream], outputs: list[Stream],
                 workdir: tempfile.TemporaryDirectory | None = None):
        self.path = library
        self.inputs = inputs
        self.outputs = outputs
        self._workdir = workdir
        self._lib = ctypes.CDLL(str(library))
        self._fn = self._lib.rpnn_forward
        self._fn.restype = ctypes.c_int
        self._fn.argtypes = [ctypes.c_void_p] * (len(inputs) + len(outputs)) + [ctypes.c_size_t]

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
        return cls(library, inputs, outputs, workdir)

    def run(self, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
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
        pointers = [a.ctypes.data for a in arrays] + [o.ctypes.data for o in outputs]
        status = self._fn(*pointers, frames)
        if status != 0:
            raise RuntimeError(f"rpnn_forward returned {status}")
        return outputs

    def close(self) -> None:
        if self._workdir is not None:
            self._workdir.cleanup()
            self._workdir = None

    def __enter__(self) -> CReference:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def run_executable(module: ModuleOp, inputs: Sequence[np.ndarray], workdir: Path,
                   flags: Sequence[str] = SANITIZE_FLAGS,
                   function: str | None = None) -> list[np.ndarray]:
    """Compile the C reference with a small main() into an executable and run it.

    Used for sanitizer builds (AddressSanitizer cannot be loaded into Python with ctypes):
    inputs and outputs go through raw binary files.
    """
    header, source = c_reference.emit_c(module, function)
    in_streams, out_streams = c_reference.port_types(module, function)
    c_reference.write_files(workdir, {c_reference.HEADER_NAME: header,
                                      c_reference.SOURCE_NAME: source})
    frames = int(np.asarray(inputs[0]).shape[0])
    lines = ['#include "rpnn.h"', "#include <stdio.h>", "#include <stdlib.h>", "",
             "int main(void)", "{"]
    names = []
    for k, s in enumerate(in_streams):
        ct = c_reference.c_int_type(s.element_type)
        names.append(f"i{k}")
        lines += [f"    {ct} *i{k} = malloc({frames * s.elems} * sizeof *i{k});",
                  f'    FILE *fi{k} = fopen("in{k}.bin", "rb");',
                  f"    if (!i{k} || !fi{k} || fread(i{k}, sizeof *i{k}, {frames * s.elems}, "
                  f"fi{k}) != {frames * s.elems}) return 2;",
                  f"    fclose(fi{k});"]
        np.ascontiguousarray(inputs[k], dtype=numpy_dtype(s.element_type)).tofile(
            workdir / f"in{k}.bin")
    for k, s in enumerate(out_streams):
        ct = c_reference.c_int_type(s.element_type)
        names.append(f"o{k}")
        lines.append(f"    {ct} *o{k} = malloc({frames * s.elems} * sizeof *o{k});")
    lines.append(f"    if (rpnn_forward({', '.join(names)}, {frames}) != 0) return 3;")
    for k, s in enumerate(out_streams):
        lines += [f'    FILE *fo{k} = fopen("out{k}.bin", "wb");',
                  f"    fwrite(o{k}, sizeof *o{k}, {frames * s.elems}, fo{k});",
                  f"    fclose(fo{k});", f"    free(o{k});"]
    for k in range(len(in_streams)):
        lines.append(f"    free(i{k});")
    lines += ["    return 0;", "}"]
    (workdir / "main.c").write_text("\n".join(lines) + "\n")
    exe = workdir / "rpnn_main"
    command = [compiler(), *WARNING_FLAGS, *flags, str(workdir / c_reference.SOURCE_NAME),
               str(workdir / "main.c"), "-o", str(exe)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise CompileError(f"{' '.join(command)}\n{result.stdout}{result.stderr}")
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=0",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
    run = subprocess.run([str(exe)], cwd=workdir, capture_output=True, text=True, env=env)
    if run.returncode != 0 or run.stderr.strip():
        raise RuntimeError(f"sanitized run failed ({run.returncode}):\n{run.stderr}")
    return [np.fromfile(workdir / f"out{k}.bin", dtype=numpy_dtype(s.element_type))
            .reshape(frames, *s.shape) for k, s in enumerate(out_streams)]
