"""Atomic file writes: every file the studio writes (traces, checkpoints, CSVs, spec files) goes through here.

:func:`atomic_write` writes a temp file in the target's folder, fsyncs it
and renames it over the target, so a reader sees the old file or the whole
new one. The rules, each of which a test checks:

- **Only regular files are replaced.** A target that exists as a directory,
  FIFO, socket or device node is refused with :class:`UnsafeTarget` (an
  OSError: CLIs print it as one line and exit 2); nothing is written.
- **Symlinks are written through.** When the target is a symlink, the file it
  points to (resolved to the end) is replaced atomically and the link stays a
  link; the resolved target obeys the rule above (a link to a FIFO is
  refused). A dangling link creates the file it names.
- **Normal permissions.** A new file gets ``0o666 & ~umask`` (0644 under umask
  022), not mkstemp's 0600; replacing an existing file keeps its mode.
- **No temp file outlives its writer.** A failed write removes its temp file.
  A killed write cannot, so temp names carry host and pid
  (``.<name>.<host>.<pid>.<random>.tmp``) and every write sweeps its folder
  (at most once a minute per folder and process) for temp files whose writer
  on this host is dead, or that are older than an hour (other hosts).
- An empty path is refused (``--out ""`` is an error, not "the current folder").
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import socket
import stat
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

STALE_AFTER_S = 3600.0  # a temp file this old is stale whoever wrote it (other hosts, recycled pids)
SWEEP_EVERY_S = 60.0  # folder sweep at most this often per folder and process
_TEMP_RE = re.compile(r"^\..+\.(?P<host>[A-Za-z0-9-]{1,32})\.(?P<pid>\d{1,10})\.[0-9a-f]{8}\.tmp$")
_last_sweep: dict[str, float] = {}


class UnsafeTarget(OSError):
    """The target of a write is not a regular file (directory, FIFO, socket, device) or is empty."""


def host_tag() -> str:
    """This host's name, reduced to [A-Za-z0-9-] (part of temp names)."""
    return re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:32] or "host"


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this host."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OverflowError:
        return False
    return True


def temp_name(target: Path) -> str:
    """The temp file name of one write to ``target`` (same folder)."""
    stem = target.name[:120]
    return f".{stem}.{host_tag()}.{os.getpid()}.{secrets.token_hex(4)}.tmp"


def sweep_stale_temps(folder: Path, *, force: bool = False) -> list[Path]:
    """Remove temp files of dead writers in ``folder``; returns what was removed."""
    key = str(folder)
    now = time.monotonic()
    if not force and now - _last_sweep.get(key, -1e18) < SWEEP_EVERY_S:
        return []
    _last_sweep[key] = now
    removed = []
    host, me, wall = host_tag(), os.getpid(), time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for e in entries:
        m = _TEMP_RE.match(e.name)
        if not m:
            continue
        try:
            st = e.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode):
            continue
        pid = int(m["pid"])
        mine = m["host"] == host
        if mine and pid == me:
            continue  # this process's own write in flight (threads)
        dead = mine and not pid_alive(pid)
        if dead or wall - st.st_mtime > STALE_AFTER_S:
            try:
                os.unlink(e.path)
                removed.append(Path(e.path))
            except OSError:
                pass
    return removed


def _check_target(path: Path) -> tuple[Path, int | None]:
    """(the path to replace, mode of an existing regular file or None); refuses non-regular targets."""
    if str(path) in ("", "."):
        raise UnsafeTarget(errno.EINVAL, "empty output path", str(path))
    real = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        st = os.stat(real)
    except FileNotFoundError:
        return real, None
    mode = st.st_mode
    if stat.S_ISDIR(mode):
        raise UnsafeTarget(errno.EISDIR, "is a directory, refusing to replace it", str(path))
    if not stat.S_ISREG(mode):
        what = (
            "a FIFO"
            if stat.S_ISFIFO(mode)
            else "a socket"
            if stat.S_ISSOCK(mode)
            else "a device node"
            if (stat.S_ISCHR(mode) or stat.S_ISBLK(mode))
            else "not a regular file"
        )
        raise UnsafeTarget(errno.EINVAL, f"is {what}, refusing to replace it", str(path))
    return real, stat.S_IMODE(mode)


_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def discard(tmp: Path) -> None:
    """Remove a temp file of this process's write, if it is there.

    A second interruption (Ctrl-C twice) raised while removing it does not keep it: the removal is retried, and
    the interruption is left to :func:`sim.core.interrupts.check` (it is recorded as pending when it arrives).
    Temp names carry this process's pid and a random token, so the file is this write's own.
    """
    for _ in range(5):
        try:
            os.unlink(tmp)
            return
        except OSError:  # gone already, or the folder refuses: nothing more to do here
            return
        except KeyboardInterrupt:
            continue


def atomic_write(path, data: bytes) -> Path:
    """Temp file in the same folder, fsync, rename: readers see the old file or the whole new one.

    See the module docstring for the rules (regular files only, symlinks
    written through, normal permissions, no stale temp files). Returns ``path``.
    """
    if isinstance(path, str) and not path.strip():
        raise UnsafeTarget(errno.EINVAL, "empty output path", path)
    path = Path(path)
    target, old_mode = _check_target(path)
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    sweep_stale_temps(folder)
    tmp = folder / temp_name(target)
    try:  # the open is inside: an interruption raised right after it (a signal handler) still removes the file
        # 0o666 filtered by the process umask (no umask() call: that would race with other threads)
        fd = os.open(tmp, _CREATE, 0o666)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            if old_mode is not None:
                os.fchmod(f.fileno(), old_mode)
            os.fsync(f.fileno())
        _check_target(path)  # refuse if a FIFO/directory appeared meanwhile
        os.replace(tmp, target)
    except BaseException:
        discard(tmp)
        raise
    try:  # make the rename durable (best effort)
        dfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass
    return path


def npy_header(f) -> tuple[tuple, bool, np.dtype]:
    """(shape, fortran_order, dtype) from the header of a .npy stream, before any data is read.

    Raises ValueError for anything but a version 1.0 or 2.0 header (callers turn it into their own error).
    """
    import numpy as np

    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(f)
    if version == (2, 0):
        return np.lib.format.read_array_header_2_0(f)
    raise ValueError(f"unsupported .npy version {version}")
