"""atomic_write: regular files only, symlinks written through, umask permissions, no temp file survives."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import time

import pytest

from sim.core import files
from sim.core.cli import main as sim_main
from sim.core.files import UnsafeTarget, atomic_write, host_tag, sweep_stale_temps


def _temps(folder):
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX")
def test_never_replaces_fifo_socket_or_directory(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    sock_path = tmp_path / "sock"
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(sock_path))
    d = tmp_path / "dir"
    d.mkdir()
    (d / "keep").write_text("x")
    try:
        for target, what in ((fifo, "FIFO"), (sock_path, "socket"), (d, "directory")):
            with pytest.raises(UnsafeTarget) as e:
                atomic_write(target, b"data")
            assert what in str(e.value) and isinstance(e.value, OSError)
        assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and stat.S_ISSOCK(os.lstat(sock_path).st_mode)
        assert (d / "keep").read_text() == "x"
        with pytest.raises(UnsafeTarget, match="device"):
            atomic_write("/dev/null", b"data")
        assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
        assert _temps(tmp_path) == []
    finally:
        s.close()


def test_symlink_is_written_through(tmp_path):
    real = tmp_path / "real.bin"
    real.write_bytes(b"old")
    link = tmp_path / "link.bin"
    link.symlink_to(real)
    atomic_write(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "created.bin")
    atomic_write(dangling, b"made")
    assert dangling.is_symlink() and (tmp_path / "created.bin").read_bytes() == b"made"
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "fifo"
        os.mkfifo(fifo)
        to_fifo = tmp_path / "to_fifo"
        to_fifo.symlink_to(fifo)
        with pytest.raises(UnsafeTarget, match="FIFO"):
            atomic_write(to_fifo, b"x")


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_new_files_honour_the_umask(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        p = atomic_write(tmp_path / "f.bin", b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(p).st_mode) == mode


def test_replacing_keeps_the_mode_of_the_existing_file(tmp_path):
    p = tmp_path / "f.bin"
    p.write_bytes(b"a")
    os.chmod(p, 0o640)
    atomic_write(p, b"b")
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o640 and p.read_bytes() == b"b"


def test_empty_path_is_an_error(tmp_path):
    for bad in ("", "   ", "."):
        with pytest.raises(UnsafeTarget):
            atomic_write(bad, b"x")


def test_failed_write_leaves_no_temp(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(28, "No space left on device")))
    with pytest.raises(OSError):
        atomic_write(tmp_path / "f.bin", b"x")
    assert list(tmp_path.iterdir()) == []


def test_killed_write_is_cleaned_by_the_next_write(tmp_path):
    """A writer killed between temp file and rename leaves a temp file; the next write into the folder removes it."""
    code = (
        "import os, sys, time; from sim.core import files\n"
        "os.fsync = lambda fd: (print('ready', flush=True), time.sleep(60))\n"
        "files.atomic_write(sys.argv[1], b'x' * 1000)\n"
    )
    p = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path / "target.bin")],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert p.stdout.readline().strip() == "ready"
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    left = _temps(tmp_path)
    assert len(left) == 1 and f".{host_tag()}.{p.pid}." in left[0]
    files._last_sweep.clear()
    atomic_write(tmp_path / "other.bin", b"y")
    assert _temps(tmp_path) == [] and not (tmp_path / "target.bin").exists()


def test_live_writers_and_foreign_files_are_left_alone(tmp_path):
    live = tmp_path / f".t.bin.{host_tag()}.{os.getppid()}.0123abcd.tmp"  # our parent is alive
    live.write_bytes(b"")
    other_host = tmp_path / ".t.bin.some-other-host.1.0123abcd.tmp"
    other_host.write_bytes(b"")
    old_other = tmp_path / ".u.bin.some-other-host.1.89abcdef.tmp"
    old_other.write_bytes(b"")
    long_ago = time.time() - 2 * files.STALE_AFTER_S
    os.utime(old_other, (long_ago, long_ago))
    mine = tmp_path / "data.tmp"  # not a temp name of ours
    mine.write_bytes(b"")
    removed = sweep_stale_temps(tmp_path, force=True)
    assert removed == [old_other]
    assert live.exists() and other_host.exists() and mine.exists()


def test_cli_out_empty_is_an_error(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for out in ("", "  "):
        assert sim_main(["trace", "primal_dual", "--out", out]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "--out" in err[0]
    assert list(tmp_path.iterdir()) == []
