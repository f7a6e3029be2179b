"""Output files (rpnn_ir/files.py): what `-o`, reports, backends and `compile` may touch.

Special files stay special, links are followed or refused on purpose, temporary names cannot
be predicted, and a failing run leaves nothing behind (reports and created folders included).
"""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

import rpnn_ir
from rpnn_ir import files
from rpnn_ir.compiler import CompileError
from rpnn_ir.tools import rpnn_import, rpnn_opt

EXAMPLE = Path(__file__).parents[1] / "examples" / "tiny_mlp.mlir"
GOOD = """\
func.func @f(%a: i32) -> i32 {
  func.return %a : i32
}
"""


def special_files(directory: Path) -> list[tuple[str, Path]]:
    """A FIFO (any user) and, as root, a private character device (/dev/null's numbers)."""
    made = []
    fifo = directory / "fifo"
    os.mkfifo(fifo)
    made.append(("fifo", fifo))
    if os.geteuid() == 0:
        device = directory / "device"
        os.mknod(device, 0o600 | stat.S_IFCHR, os.makedev(1, 3))
        made.append(("device", device))
    return made


def drain(path: Path) -> threading.Thread:
    """A reader for a FIFO, so that writing into it does not block the test."""

    def read() -> None:
        with open(path, "rb") as handle:
            handle.read()

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


def test_output_onto_special_files_leaves_them_special(tmp_path: Path) -> None:
    source = tmp_path / "good.mlir"
    source.write_text(GOOD)
    made = special_files(tmp_path)
    for kind, path in made:
        reader = drain(path) if kind == "fifo" else None
        assert rpnn_opt.main([str(source), "-o", str(path)]) == 0
        if reader is not None:
            reader.join(timeout=30)
        # A failing import must not touch it either (no writer: a FIFO would not block).
        assert rpnn_import.main([str(tmp_path / "missing.onnx"), "-o", str(path)]) == 1
        mode = path.lstat().st_mode
        assert (stat.S_ISFIFO(mode) if kind == "fifo" else stat.S_ISCHR(mode)), kind
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["good.mlir", *(path.name for _, path in made)])


def test_symlink_named_by_the_user_is_followed(tmp_path: Path) -> None:
    target = tmp_path / "target.mlir"
    target.write_text("old\n")
    os.chmod(target, 0o640)
    link = tmp_path / "link.mlir"
    link.symlink_to(target.name)
    files.write_output(link, "new\n")
    assert link.is_symlink() and target.read_text() == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # the file's own mode is kept


def test_dangling_symlink_and_folder_are_refused(tmp_path: Path, capsys) -> None:
    source = tmp_path / "good.mlir"
    source.write_text(GOOD)
    (tmp_path / "dangling").symlink_to("nowhere")
    assert rpnn_opt.main([str(source), "-o", str(tmp_path / "dangling")]) == 1
    assert rpnn_opt.main([str(source), "-o", str(tmp_path)]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert "symbolic link to nothing" in lines[0] and "is a directory" in lines[1]
    assert not (tmp_path / "nowhere").exists()


def test_planted_temp_file_symlink_is_not_followed(tmp_path: Path) -> None:
    """The old backends wrote `<out-dir>/.rpnn.c.tmp`: a link planted there redirected it."""
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    out = tmp_path / "out"
    out.mkdir()
    for name in (".rpnn.c.tmp", ".rpnn.h.tmp"):
        (out / name).symlink_to(victim)
    rpnn_ir.compile(EXAMPLE, "rpnn-pipeline", target="rpnn-c", out_dir=out)
    assert victim.read_text() == "precious\n"
    assert (out / "rpnn.c").is_file() and not (out / "rpnn.c").is_symlink()


def test_link_in_place_of_a_generated_file_is_refused(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "rpnn.c").symlink_to(victim)
    with pytest.raises(CompileError, match=r"rpnn\.c' is a symbolic link"):
        rpnn_ir.compile(EXAMPLE, "rpnn-pipeline", target="rpnn-c", out_dir=out)
    assert victim.read_text() == "precious\n"
    assert sorted(p.name for p in out.iterdir()) == ["rpnn.c"]  # no rpnn.h, no temp file


def test_failing_run_leaves_no_report_and_no_folder(tmp_path: Path, capsys) -> None:
    report, out = tmp_path / "cost.txt", tmp_path / "build" / "hls"
    status = rpnn_opt.main([str(EXAMPLE), "-p", f'rpnn-pipeline{{report="{report}"}}',
                            "-t", f'rpnn-hls{{out-dir="{out}" tb-frames=0}}'])
    assert status == 1
    assert "tb-frames (0) must be at least 1" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    # The same run with good options writes both.
    status = rpnn_opt.main([str(EXAMPLE), "-p", f'rpnn-pipeline{{report="{report}"}}',
                            "-t", f'rpnn-hls{{out-dir="{out}" tb-frames=1}}'])
    assert status == 0 and report.is_file() and (out / "run_hls.tcl").is_file()


def test_compile_removes_the_out_dir_it_created(tmp_path: Path) -> None:
    out = tmp_path / "new" / "dir"
    with pytest.raises(CompileError, match="tb-frames"):
        rpnn_ir.compile(EXAMPLE, "rpnn-pipeline", target="rpnn-hls",
                        target_options={"tb-frames": 0}, out_dir=out)
    assert not (tmp_path / "new").exists()
    existing = tmp_path / "kept"
    existing.mkdir()
    with pytest.raises(CompileError):
        rpnn_ir.compile(EXAMPLE, "rpnn-pipeline", target="rpnn-hls",
                        target_options={"tb-frames": 0}, out_dir=existing)
    assert existing.is_dir() and not any(existing.iterdir())


def test_out_dir_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(CompileError, match="exists and is not a folder"):
        rpnn_ir.compile(EXAMPLE, None, out_dir=tmp_path / "file")


def test_inputs_must_be_regular_files(tmp_path: Path, capsys) -> None:
    fifo = tmp_path / "fifo.mlir"
    os.mkfifo(fifo)  # opening it for reading would wait for a writer forever
    assert rpnn_opt.main([str(fifo)]) == 1
    toml = tmp_path / "devices.toml"
    os.mkfifo(toml)
    assert rpnn_opt.main([str(EXAMPLE), "-p", f'rpnn-pipeline{{devices-file="{toml}"}}']) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all("is not a regular file" in line for line in err), err
    with pytest.raises(files.FileError, match="not a regular file"):
        rpnn_ir.load(fifo)
    with pytest.raises(files.FileError, match="is a directory"):  # found by the fuzz run
        rpnn_ir.load(tmp_path)


def test_input_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "big.mlir"
    big.write_text(GOOD)
    monkeypatch.setenv("RPNN_MAX_INPUT_BYTES", "10")
    with pytest.raises(files.FileError, match="above the limit of 10 .*RPNN_MAX_INPUT_BYTES"):
        rpnn_ir.load(big)


def test_transaction_rolls_back_every_kind_of_output(tmp_path: Path) -> None:
    (tmp_path / "old").write_text("old\n")
    with pytest.raises(RuntimeError), files.output_transaction():
        files.make_output_dir(tmp_path / "a" / "b")
        files.write_output(tmp_path / "a" / "b" / "f", "x")
        files.write_output(tmp_path / "old", "new\n")
        raise RuntimeError("the run fails after writing")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old"]
    assert (tmp_path / "old").read_text() == "old\n"


def test_reused_output_folder_loses_only_the_stale_files_rpnn_wrote(tmp_path: Path) -> None:
    """A second project into the same folder removes the files the first wrote and the
    second does not (from the folder's manifest), never a file of the user's nor a path the
    manifest names outside the folder; a failing run removes nothing."""
    module = rpnn_ir.compile(EXAMPLE, "rpnn-pipeline").module
    out = tmp_path / "hls"
    first = rpnn_ir.compile(module, None, target="rpnn-hls{top=\"first\"}", out_dir=out)
    assert "wrote 10 files to" in first.output and (out / "first.cpp").is_file()
    (out / "notes.txt").write_text("mine\n")
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    with (out / ".rpnn-files").open("a") as manifest:
        manifest.write("../victim\n" + str(victim) + "\n")
    with pytest.raises(CompileError):
        rpnn_ir.compile(module, None, target="rpnn-hls{top=\"second\" tb-frames=0}",
                        out_dir=out)
    assert (out / "first.cpp").is_file()
    second = rpnn_ir.compile(module, None, target="rpnn-hls{top=\"second\"}", out_dir=out)
    assert "removed" in second.output and (out / "second.cpp").is_file()
    assert not list(out.glob("first*")) and (out / "notes.txt").read_text() == "mine\n"
    assert victim.read_text() == "precious\n"
    listed = (out / ".rpnn-files").read_text().split()
    assert "second.cpp" in listed and sorted(listed) == sorted(
        str(p.relative_to(out)) for p in out.rglob("*")
        if p.is_file() and p.name not in ("notes.txt", ".rpnn-files"))
