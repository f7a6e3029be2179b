"""Reading inputs and writing outputs without surprises: the one place rpnn touches files.

Every file rpnn writes (``rpnn-opt -o``, ``rpnn-import -o``, the backends' generated files,
``rpnn-cost report=``, ``rpnn_ir.compile(out_dir=...)``) goes through `write_output`:

- a regular file (or a new one) is written to a temporary file created with ``O_EXCL`` under
  an unpredictable name in the same folder (`tempfile.mkstemp`) and renamed over the target
  (`os.replace`), so a reader never sees half a file and a planted link cannot redirect it;
- a special file (a device, a FIFO, a socket) is written in place, never replaced: ``-o`` onto
  ``/dev/stdout`` or a character device leaves it what it was;
- a symbolic link named by the user is followed deliberately (its target is written, as a
  shell redirection would); a link in a place where rpnn chooses the file name (the backends'
  ``rpnn.c``, ``run_hls.tcl``...) is refused, and so is a link to nothing;
- inside `output_transaction` (which every console script and `compile` open) nothing is
  final until the whole run succeeded: on failure the temporary files are removed, no special
  file is written and the folders the run created are removed again;
- `remove_output` removes a file an earlier run wrote (the backends' stale files, listed in
  their folder's manifest), also only when the run succeeds.

Inputs go through `read_input`, which refuses what is not a regular file where a file is
expected (``devices-file=/dev/zero`` would read forever) and files above a size limit.
"""

from __future__ import annotations

import contextvars
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "FileError",
    "make_output_dir",
    "output_transaction",
    "read_input",
    "remove_output",
    "write_output",
]

MAX_INPUT_BYTES = 1 << 30
"""Default size limit of an input file (1 GiB); `RPNN_MAX_INPUT_BYTES` raises it."""


class FileError(OSError):
    """A file that cannot be read or written as asked; `str(error)` is one line."""


def max_input_bytes() -> int:
    """The input size limit: `RPNN_MAX_INPUT_BYTES` from the environment, else 1 GiB."""
    text = os.environ.get("RPNN_MAX_INPUT_BYTES", "")
    return int(text) if text.isdigit() else MAX_INPUT_BYTES


# ---------------------------------------------------------------------------- reading


def read_input(path: str | os.PathLike[str], what: str = "input file",
               limit: int | None = None) -> bytes:
    """The bytes of a regular file, refusing devices, FIFOs, folders and oversized files."""
    limit = max_input_bytes() if limit is None else limit
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer before we can refuse it.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise FileError(f"{what} '{path}' not found (check the path)") from None
    except IsADirectoryError:
        raise FileError(f"{what} '{path}' is a directory, not a file") from None
    except OSError as e:
        raise FileError(f"cannot read {what} '{path}': {e.strerror}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):  # os.open opens folders too
        os.close(fd)
        if stat.S_ISDIR(info.st_mode):
            raise FileError(f"{what} '{path}' is a directory, not a file")
        raise FileError(f"{what} '{path}' is not a regular file (a device, FIFO or "
                        "socket); give a file")
    if info.st_size > limit:
        os.close(fd)
        raise FileError(f"{what} '{path}' has {info.st_size} bytes, above the limit of "
                        f"{limit} (raise it with RPNN_MAX_INPUT_BYTES)")
    os.set_blocking(fd, True)
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:  # grew while we read it
        raise FileError(f"{what} '{path}' is above the size limit of {limit} bytes "
                        "(raise it with RPNN_MAX_INPUT_BYTES)")
    return data


# ---------------------------------------------------------------------------- writing


@dataclass
class _Transaction:
    """Outputs of one run, made final together by `commit` or undone by `rollback`."""

    renames: list[tuple[Path, Path]] = field(default_factory=list)
    """(temporary file, final path) of regular files, in the order they were written."""
    in_place: list[tuple[Path, bytes]] = field(default_factory=list)
    """Special files and what to write into them once the run succeeded."""
    created_dirs: list[Path] = field(default_factory=list)
    """Folders this run created (outermost first), removed again on failure."""
    removals: list[Path] = field(default_factory=list)
    """Files an earlier run wrote that this run no longer writes, removed on success."""

    def commit(self) -> None:
        for path, data in self.in_place:
            _write_in_place(path, data)
        for tmp, path in self.renames:
            _rename(tmp, path)
        for path in self.removals:
            _remove(path)
        self.renames, self.in_place, self.created_dirs, self.removals = [], [], [], []

    def rollback(self) -> None:
        for tmp, _ in self.renames:
            tmp.unlink(missing_ok=True)
        for directory in reversed(self.created_dirs):
            shutil.rmtree(directory, ignore_errors=True)
        self.renames, self.in_place, self.created_dirs, self.removals = [], [], [], []


_ACTIVE: contextvars.ContextVar[_Transaction | None] = contextvars.ContextVar(
    "rpnn_output_transaction", default=None)


@contextmanager
def output_transaction() -> Iterator[None]:
    """Make every `write_output`/`make_output_dir` inside final only if the block succeeds.

    Nested transactions join the outer one, so `compile` called from a tool commits with it.
    """
    if _ACTIVE.get() is not None:
        yield
        return
    transaction = _Transaction()
    token = _ACTIVE.set(transaction)
    try:
        yield
    except BaseException:
        transaction.rollback()
        raise
    else:
        try:
            transaction.commit()
        except BaseException:
            transaction.rollback()
            raise
    finally:
        _ACTIVE.reset(token)


def make_output_dir(directory: str | os.PathLike[str]) -> Path:
    """Create `directory` (and missing parents); inside a transaction a failure removes them."""
    directory = Path(directory)
    missing = []
    probe = directory
    while not probe.exists() and not probe.is_symlink() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise FileError(f"output folder '{directory}' exists and is not a folder") from None
    except OSError as e:
        raise FileError(f"cannot create output folder '{directory}': {e.strerror}") from None
    transaction = _ACTIVE.get()
    if transaction is not None and missing:
        transaction.created_dirs.append(missing[-1])
    return directory


def check_output_path(path: str | os.PathLike[str], follow_symlinks: bool = True) -> Path:
    """Where writing `path` goes (a followed link's target); raises `FileError` if nowhere.

    Called by `write_output`, and early by the tools so that a bad ``-o`` fails before work.
    """
    path = Path(path)
    if path.is_symlink():
        if not follow_symlinks:
            raise FileError(f"'{path}' is a symbolic link; rpnn chooses the names in this "
                            "folder and does not write through links: remove it")
        try:
            path = Path(os.path.realpath(path, strict=True))
        except OSError:
            raise FileError(f"output '{path}' is a symbolic link to nothing "
                            f"('{os.readlink(path)}'): remove it or point it at a file") from None
    if path.is_dir():
        raise FileError(f"output '{path}' is a directory, not a file")
    parent = path.parent
    if not parent.is_dir():
        raise FileError(f"cannot write output file '{path}': folder '{parent}' does not exist")
    return path


def write_output(path: str | os.PathLike[str], data: str | bytes,
                 follow_symlinks: bool = True) -> None:
    """Write `data` to `path` safely (see the module docstring); staged in a transaction.

    `follow_symlinks`: True for a path the user named (``-o``, ``report=``); False for the
    files a backend names itself inside its output folder.
    """
    shown = path
    target = check_output_path(path, follow_symlinks)
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    transaction = _ACTIVE.get()
    if target.exists() and not target.is_file():  # a device, FIFO or socket
        if transaction is None:
            _write_in_place(target, payload)
        else:
            transaction.in_place.append((target, payload))
        return
    tmp = _write_temporary(target, payload, shown)
    if transaction is None:
        _rename(tmp, target)
    else:
        transaction.renames.append((tmp, target))


def remove_output(path: str | os.PathLike[str]) -> None:
    """Remove a regular file rpnn wrote in an earlier run (never a link or a folder);
    staged in a transaction: removed only when the whole run succeeds."""
    path = Path(path)
    if path.is_symlink() or not path.is_file():
        return
    transaction = _ACTIVE.get()
    if transaction is None:
        _remove(path)
    else:
        transaction.removals.append(path)


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as e:
        raise FileError(f"cannot remove stale output file '{path}': {e.strerror}") from None


def _write_temporary(target: Path, payload: bytes, shown: object) -> Path:
    """`payload` in a new, exclusively created file next to `target`, with its final mode."""
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                    dir=target.parent)
    except OSError as e:
        raise FileError(f"cannot write output file '{shown}': {e.strerror}") from None
    tmp = Path(name)
    try:
        mode = (target.stat().st_mode & 0o7777) if target.exists() else 0o666 & ~_umask()
        os.fchmod(fd, mode)  # what open(path, "w") would give, or the old file's mode
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise FileError(f"cannot write output file '{shown}': {e.strerror}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _rename(tmp: Path, target: Path) -> None:
    try:
        os.replace(tmp, target)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise FileError(f"cannot write output file '{target}': {e.strerror}") from None


def _write_in_place(path: Path, payload: bytes) -> None:
    """Write into an existing special file without replacing it (no O_CREAT, no rename)."""
    try:
        fd = os.open(path, os.O_WRONLY)
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
    except OSError as e:
        raise FileError(f"cannot write output file '{path}': {e.strerror}") from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
