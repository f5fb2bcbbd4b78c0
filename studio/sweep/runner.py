"""Run a declared sweep: lock its folder, check its spec, reuse valid checkpoints, compute the rest, write CSVs.

``sweeps/NAME/`` holds one sweep: ``spec.json`` (the grid), ``cells/`` (one
checkpoint per finished cell), the CSVs and, when drawn, ``figures/``. A run
takes an exclusive ``fcntl`` lock on ``sweeps/NAME/.lock`` for its whole
length (a second run of the same name waits, or refuses with ``wait=False``),
so ``spec.json``, the checkpoints and the CSVs always belong to one grid; a
run with the same name and other settings is refused (``replace=True``
starts the folder over). Temp files left by a killed run are removed by the
next run, under the lock.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import signal
import stat
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from kit.paths import sweeps_dir  # noqa: F401  (part of this module's interface)
from sim.core import interrupts
from sim.core.errors import ParamError
from sim.core.sweeps import Grid, SweepKind, SweepOutput, cell_key, get_sweep, make_grid

from .backends import Task, connect, run_dask, run_processes, run_serial
from .checkpoints import cell_path, load, save
from .csvfiles import default_command, provenance, write_csvs
from .progress import Progress
from .units import Assembly, plan

SPEC_FORMAT = "byzmw-sweep-spec"
_SPEC_MAX = 1 << 22

Draw = Callable[[SweepOutput, Path, Sequence[str]], list]


def check_name(name: str) -> str:
    if (
        not isinstance(name, str)
        or not name
        or name.startswith(".")
        or len(name) > 100
        or not all(ch.isascii() and (ch.isalnum() or ch in "-_.") for ch in name)
    ):
        raise ParamError(
            f"name: must be 1-100 ASCII letters, digits, '-', '_' or '.' (not starting with '.'), got {name!r}"
        )
    return name


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


@dataclass
class SweepRun:
    """What a run did: the output (grid, cells, records), counts, the files written."""

    name: str
    dir: Path
    out: SweepOutput
    computed: int
    reused: int
    seconds: float
    invalid: dict = field(default_factory=dict)  # reason -> cell indices recomputed for it
    files: list = field(default_factory=list)

    @property
    def grid(self) -> Grid:
        return self.out.grid

    @property
    def records(self) -> tuple:
        return self.out.records


# --------------------------------------------------------------------------- lock, spec, leftovers
class SweepLock:
    """An exclusive fcntl lock on ``DIR/.lock`` (released when the process dies, however it dies)."""

    def __init__(self, sdir: Path, name: str, wait: bool, log=_log):
        self.path, self.name, self.wait, self.log = sdir / ".lock", name, wait, log
        self.fd = -1

    def __enter__(self):
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            holder = os.pread(self.fd, 32, 0).decode("ascii", "replace").strip() or "?"
            if not self.wait:
                os.close(self.fd)
                raise ParamError(
                    f"name: sweep {self.name!r} is being run by another process (pid {holder}); "
                    f"wait for it to finish or choose another --name"
                ) from None
            self.log(f"sweep {self.name}: another run (pid {holder}) holds the lock; waiting for it")
            fcntl.flock(self.fd, fcntl.LOCK_EX)
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, f"{os.getpid()}\n".encode(), 0)
        return self

    def __exit__(self, *exc):
        try:
            os.ftruncate(self.fd, 0)
        finally:
            os.close(self.fd)  # closing releases the flock


def _read_spec(path: Path) -> dict | None | str:
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(st.st_mode) or st.st_size > _SPEC_MAX:
        return "not a regular file of at most 4 MiB"
    try:
        d = json.loads(path.read_bytes())
    except (ValueError, RecursionError, OSError) as e:
        return f"not valid JSON ({type(e).__name__})"
    return d if isinstance(d, dict) else "not a JSON object"


def _diff(old: dict, new: dict) -> str:
    parts = []
    for k in sorted(set(old) | set(new)):
        a, b = old.get(k), new.get(k)
        if isinstance(a, dict) and isinstance(b, dict):
            for kk in sorted(set(a) | set(b)):
                if a.get(kk) != b.get(kk):
                    parts.append(f"{kk} {json.dumps(a.get(kk))} there, {json.dumps(b.get(kk))} here")
        elif a != b:
            parts.append(f"{k} {json.dumps(a)} there, {json.dumps(b)} here")
    text = "; ".join(parts[:4]) + (f"; and {len(parts) - 4} more" if len(parts) > 4 else "")
    return text[:400]


def _clear_outputs(sdir: Path) -> None:
    """Remove a previous sweep's checkpoints, CSVs and figures (plain files only)."""
    for d, pattern in ((sdir / "cells", "cell_*.npz"), (sdir, "*.csv"), (sdir / "figures", "*")):
        if d.is_dir() and not d.is_symlink():
            for f in d.glob(pattern):
                if f.is_file() and not f.is_symlink():
                    f.unlink()


def check_spec(sdir: Path, name: str, grid: Grid, replace: bool, log=_log) -> None:
    """Write spec.json for a new sweep; refuse one whose spec.json holds other settings (unless ``replace``)."""
    path = sdir / "spec.json"
    spec = {"format": SPEC_FORMAT, "format_version": 1, "name": name, "digest": grid.digest(), "grid": grid.to_json()}
    old = _read_spec(path)
    want = json.loads(json.dumps(spec["grid"]))
    if isinstance(old, dict) and old.get("format") == SPEC_FORMAT and old.get("grid") == want:
        return
    if old is not None and not replace:
        if isinstance(old, str):
            why = f"its spec.json is {old}"
        elif old.get("format") != SPEC_FORMAT:
            why = "it was made by an older sweep runner"
        else:
            og = old.get("grid") if isinstance(old.get("grid"), dict) else {}
            why = f"it holds another sweep: {_diff(og, want)}"
        raise ParamError(
            f"name: sweeps folder {sdir} already exists and {why}; choose another --name, "
            f"or delete that folder (or pass --replace) to start over"
        )
    if old is not None:
        log(f"sweep {name}: replacing the previous sweep of this name (other settings)")
        _clear_outputs(sdir)
    from sim.core.files import atomic_write

    atomic_write(path, (json.dumps(spec, indent=1, sort_keys=True) + "\n").encode())


def remove_stale_temps(sdir: Path) -> int:
    """Delete ``.*.tmp`` files left in the sweep's folders by a killed run (call under the lock)."""
    n = 0
    for d in (sdir, sdir / "cells", sdir / "figures"):
        if d.is_dir() and not d.is_symlink():
            for f in d.glob(".*.tmp"):
                if f.is_file() and not f.is_symlink():
                    f.unlink(missing_ok=True)
                    n += 1
    return n


def finish_writes(writer: ThreadPoolExecutor, writes: Sequence, *, interrupted: bool = False) -> None:
    """Wait until every checkpoint write of ``writes`` is done, then stop ``writer``.

    Not by ``Thread.join`` alone: before Python 3.12 a signal that interrupts ``join()`` marks the running thread
    as stopped (CPython gh-90882), and the interpreter then exits under a write half done, leaving its temp file.
    Polling the futures has no such effect. A signal during the wait is held until the writes are done and raised
    then; when the run is already ``interrupted``, a further signal ends the wait at once (Ctrl-C twice: a temp
    file a write leaves then is removed by the next run, as after kill -9).
    """
    held = None
    while True:
        try:
            while not all(f.done() for f in writes):
                time.sleep(0.01)
            writer.shutdown(wait=True)  # idle now: an interrupted join leaves nothing half done
            break
        except KeyboardInterrupt as e:
            if interrupted or held is not None:
                raise
            held = e
    if held is not None:
        raise held


def _report_invalid(name: str, invalid: dict, log) -> None:
    for why, idx in invalid.items():
        cells = ", ".join(str(i) for i in idx[:5]) + (f" (+{len(idx) - 5} more)" if len(idx) > 5 else "")
        log(f"sweep {name}: recomputing cell{'s' if len(idx) > 1 else ''} {cells}: checkpoint {why}")


# --------------------------------------------------------------------------- the run
def run(
    sweep: SweepKind | str,
    grid: Grid,
    name: str,
    *,
    root: Path | None = None,
    workers: int | None = None,
    scheduler=None,
    progress: bool = True,
    command: str | None = None,
    on_cell: Callable[[int, dict], None] | None = None,
    draw: Draw | None = None,
    wait: bool = True,
    replace: bool = False,
    log=_log,
) -> SweepRun:
    """Compute the missing cells of ``grid`` under ``root/name`` (reusing valid checkpoints), then write CSVs.

    ``workers``: 1 = serial in this process, N > 1 = N local processes (default:
    the number of CPUs, at most the work units to compute). ``scheduler``: a Dask
    scheduler address (or Client / LocalCluster) instead. On more than one
    worker, the cells of a sweep that declares ``block`` are split into their
    seeding blocks, costliest first (:mod:`.units`); a cell's checkpoint is
    written once all its blocks are in. ``draw(out, dir,
    provenance)`` draws figures into ``dir`` (see :mod:`studio.sweep.draw`).
    """
    sw = get_sweep(sweep) if isinstance(sweep, str) else sweep
    if grid.sweep != sw.name:
        raise ParamError(f"grid: made for sweep {grid.sweep!r}, not {sw.name!r}")
    check_name(name)
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ParamError(f"workers: must be an integer >= 1, got {workers!r}")
    t0 = time.perf_counter()
    root = Path(root) if root is not None else sweeps_dir()
    client, own = connect(scheduler) if scheduler is not None else (None, False)
    try:
        sdir = root / name
        (sdir / "cells").mkdir(parents=True, exist_ok=True)
        with SweepLock(sdir, name, wait, log):
            check_spec(sdir, name, grid, replace, log)
            remove_stale_temps(sdir)
            cells, seeds = grid.cells(), grid.seeds()
            keys = [cell_key(sw, grid, c) for c in cells]
            records: dict[int, dict] = {}
            invalid: dict[str, list[int]] = {}
            todo = []
            for c, ss, key in zip(cells, seeds, keys):
                rec, why = load(cell_path(sdir / "cells", c.index), sw, c, key)
                if rec is not None:
                    records[c.index] = rec
                else:
                    todo.append((c, ss))
                    if why:
                        invalid.setdefault(why, []).append(c.index)
            _report_invalid(name, invalid, log)
            reused = len(records)
            bar = Progress(progress, len(cells), reused, f"{sw.name} {name}")
            w = max(1, workers or os.cpu_count() or 1) if client is None else 0  # 0: the cluster's workers
            units = plan(sw, [c for c, _ in todo], [ss for _, ss in todo], split=w != 1)
            tasks = [Task(i, u.params, u.seed) for i, u in enumerate(units)]
            assembly = Assembly(sw, [c for c, _ in todo])

            writer = ThreadPoolExecutor(1, thread_name_prefix="checkpoints")  # file I/O overlaps compute
            writes = []
            saved: list[int] = []  # cells whose checkpoint is written whole (appended by the writer thread)

            def write(index: int, rec: dict) -> None:
                save(cell_path(sdir / "cells", index), sw, cells[index], keys[index], rec)
                saved.append(index)

            def on_done(i: int, part: dict) -> None:
                rec = assembly.add(units[i], part)
                if rec is None:  # more blocks of this cell to come
                    return
                index = units[i].cell
                writes.append(writer.submit(write, index, rec))
                records[index] = rec
                bar.advance()
                if on_cell:
                    on_cell(index, rec)

            try:
                if tasks:
                    if client is not None:
                        run_dask(sw.name, tasks, on_done, client)
                    elif min(w, len(tasks)) == 1:
                        run_serial(sw.name, tasks, on_done)
                    else:
                        run_processes(sw.name, tasks, on_done, min(w, len(tasks)))
                finish_writes(writer, writes)  # a signal meanwhile is held until every write is done
            except KeyboardInterrupt as e:  # Ctrl-C, SIGTERM: say what is kept (written whole before this line)
                finish_writes(writer, writes, interrupted=True)
                bar.close()
                # counted by the writes themselves: a signal between submit() and append() leaves a write queued
                # (done by the writer's shutdown above) whose future ``writes`` never got
                kept = reused + len(saved)
                raise interrupts.Interrupted(
                    getattr(e, "signum", signal.SIGINT), f"{kept} of {len(cells)} cells kept, rerun to resume"
                ) from None
            finally:
                finish_writes(writer, writes, interrupted=True)  # every finished cell is on disk before anything else
                bar.close()
            for f in writes:
                f.result()  # a failed write is an error of this run
            out = SweepOutput(sw, grid, tuple(cells), tuple(records[c.index] for c in cells))
            prov = provenance(sw, grid, name, command or default_command(grid, name))
            files = write_csvs(sdir, out, prov)
            if draw is not None:
                files += list(draw(out, sdir / "figures", prov))
    finally:
        if own:
            client.close()
    return SweepRun(name, sdir, out, len(todo), reused, time.perf_counter() - t0, invalid, files)


def run_sets(sweep: str, name: str, sets: dict | None = None, *, trials=None, seed=0, **kw) -> SweepRun:
    """:func:`run` on ``make_grid(sweep, sets, trials=, seed=)`` (the grid validated first)."""
    return run(sweep, make_grid(sweep, sets, trials=trials, seed=seed), name, **kw)
