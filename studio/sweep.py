"""Verification sweeps (Knowlson et al., Figs. 4-7, Table I): runner, checkpoints, CSV and figures.

``python -m studio.sweep run --name NAME [--eta 0.01:0.1:10] [--tau ...] [--trials 1000] ...``

- every cell is computed by :func:`sim.knowlson.verification.compute_cell` from its own
  ``SeedSequence.spawn`` child, so serial, local-parallel (processes) and Dask
  cluster runs (``--scheduler ADDRESS``) give identical numbers;
- each finished cell is written at once, atomically, to
  ``sweeps/<name>/cells/cell_<index>.npz`` with a key of everything it depends
  on; a rerun reuses the cells whose key matches and computes only the rest,
  so a sweep killed at any moment finishes where it stopped;
- the results go to ``sweeps/<name>/`` as CSV files with a provenance header
  (``cells.csv``, ``fit.csv`` = Table I, ``excluded.csv``, ``grid_search.csv``)
  and figures under ``sweeps/<name>/figures/`` (PNG and PDF).

Bad input prints one line on stderr and exits with code 2.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import platform
import shlex
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

import sim
from sim.core.errors import ParamError
from sim.core.files import atomic_write
from sim.knowlson.verification import (AXES, Cell, CellResult, GridSpec, LineFit, cell_key, cell_seeds, compute_cell,
                              convergence_grid, exclusion_reason, fit_line, grid_cells, make_grid, slices)

from .paths import REPO

PAPER_TABLE1 = {"slope": 0.9844, "intercept": -0.4758, "r2": 0.9981}


def sweeps_dir() -> Path:
    """Root of all sweeps (``sweeps/`` of the repo, or $BYZMW_SWEEPS)."""
    v = os.environ.get("BYZMW_SWEEPS")
    return Path(v).resolve() if v else REPO / "sweeps"


# --------------------------------------------------------------------------- atomic files
# atomic_write: sim.core.files.atomic_write (temp file, fsync, rename)
def cell_path(sweep_dir: Path, index: int) -> Path:
    return sweep_dir / "cells" / f"cell_{index:05d}.npz"


def save_cell(path: Path, key: str, r: CellResult) -> Path:
    header = {"key": key, "cell": r.cell.__dict__, "counts": r.counts(), "sim_version": sim.__version__}
    buf = io.BytesIO()
    np.savez(buf, __header__=np.array(json.dumps(header, sort_keys=True)), **r.arrays())
    return atomic_write(path, buf.getvalue())


def load_cell(path: Path, key: str, cell: Cell) -> CellResult | None:
    """The checkpointed result if the file is readable and its key matches, else None (recompute)."""
    try:
        with np.load(path, allow_pickle=False) as z:
            header = json.loads(str(z["__header__"][()]))
            if header.get("key") != key:
                return None
            arrays = {k: z[k] for k in z.files if k != "__header__"}
        return CellResult.from_parts(cell, header["counts"], arrays)
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile, EOFError):
        return None


# --------------------------------------------------------------------------- execution backends
def _run_serial(tasks, on_done):
    for grid, cell, ss in tasks:
        on_done(compute_cell(grid, cell, ss))


def _run_processes(tasks, on_done, workers: int):
    with ProcessPoolExecutor(max_workers=workers) as ex:
        futs = [ex.submit(compute_cell, *t) for t in tasks]
        try:
            for f in as_completed(futs):
                on_done(f.result())
        except BaseException:
            for f in futs:
                f.cancel()
            raise


def _run_dask(tasks, on_done, scheduler):
    """Submit every cell to a dask.distributed scheduler (an address or a Client/LocalCluster)."""
    from distributed import Client, as_completed as dask_completed

    own = not hasattr(scheduler, "submit")
    client = Client(scheduler, set_as_default=False, timeout="20s") if own else scheduler
    try:
        futs = [client.submit(compute_cell, *t, pure=False) for t in tasks]
        try:
            for f in dask_completed(futs):
                on_done(f.result())
        except BaseException:
            client.cancel(futs)
            raise
    finally:
        if own:
            client.close()


# --------------------------------------------------------------------------- progress
class _Progress:
    """A rich progress bar with the time left (stderr); silent when disabled."""

    def __init__(self, enabled: bool, total: int, done: int, label: str):
        self.bar = None
        if enabled and total:
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                       TimeRemainingColumn)

            self.bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TextColumn("cells"), TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(),
                                console=Console(stderr=True), transient=False)
            self.bar.start()
            self.task = self.bar.add_task(label, total=total, completed=done)

    def advance(self):
        if self.bar:
            self.bar.advance(self.task)

    def close(self):
        if self.bar:
            self.bar.stop()


# --------------------------------------------------------------------------- the sweep
@dataclass
class SweepResult:
    name: str
    grid: GridSpec
    dir: Path
    results: list[CellResult]
    computed: int
    reused: int
    seconds: float
    fits: dict = field(default_factory=dict)      # slice key -> LineFit
    files: list[Path] = field(default_factory=list)

    @property
    def fit(self) -> LineFit:
        """The line fit of the first (for an eta x tau sweep: the only) slice."""
        return next(iter(self.fits.values()))


def run_sweep(grid: GridSpec, name: str, *, root: Path | None = None, workers: int | None = None,
              scheduler=None, progress: bool = True, figures: bool = True, command: str | None = None,
              on_cell: Callable[[CellResult], None] | None = None) -> SweepResult:
    """Compute the missing cells of a sweep (reusing valid checkpoints), then write CSVs and figures.

    ``workers``: 1 = serial in this process, N > 1 = N local processes (default:
    the number of CPUs). ``scheduler``: a Dask scheduler address (or Client /
    LocalCluster) instead.
    """
    _check_name(name)
    t0 = time.perf_counter()
    sdir = (root or sweeps_dir()) / name
    (sdir / "cells").mkdir(parents=True, exist_ok=True)
    atomic_write(sdir / "spec.json", (json.dumps({"name": name, "digest": grid.digest(), "grid": grid.to_json()},
                                                 indent=1, sort_keys=True) + "\n").encode())
    cells, seeds = grid_cells(grid), cell_seeds(grid)
    keys = {c.index: cell_key(grid, c) for c in cells}
    done: dict[int, CellResult] = {}
    tasks = []
    for c, ss in zip(cells, seeds):
        r = load_cell(cell_path(sdir, c.index), keys[c.index], c)
        if r is not None:
            done[c.index] = r
        else:
            tasks.append((grid, c, ss))
    reused = len(done)
    bar = _Progress(progress, len(cells), reused, f"sweep {name}")

    def on_done(r: CellResult):
        save_cell(cell_path(sdir, r.cell.index), keys[r.cell.index], r)
        done[r.cell.index] = r
        bar.advance()
        if on_cell:
            on_cell(r)

    try:
        if tasks:
            if scheduler is not None:
                _run_dask(tasks, on_done, scheduler)
            else:
                w = max(1, min(workers or os.cpu_count() or 1, len(tasks)))
                (_run_serial(tasks, on_done) if w == 1 else _run_processes(tasks, on_done, w))
    finally:
        bar.close()
    results = [done[c.index] for c in cells]
    res = SweepResult(name, grid, sdir, results, len(tasks), reused, 0.0)
    res.fits = {k: fit_line(v) for k, v in slices(results).items()}
    res.files += write_csvs(res, command or _default_command(name, grid))
    if figures:
        res.files += write_figures(res, command or _default_command(name, grid))
    res.seconds = time.perf_counter() - t0
    return res


def _check_name(name: str) -> None:
    if not name or not all(ch.isalnum() or ch in "-_." for ch in name) or name.startswith("."):
        raise ParamError(f"name: must be letters, digits, '-', '_' or '.', got {name!r}")


# --------------------------------------------------------------------------- CSV
def _git() -> str:
    try:
        rev = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=REPO, capture_output=True, text=True,
                             timeout=5).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                               capture_output=True, text=True, timeout=5).stdout.strip()
        return (rev + ("+dirty" if dirty else "")) if rev else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _default_command(name: str, grid: GridSpec) -> str:
    parts = ["python", "-m", "studio.sweep", "run", "--name", name]
    for a in AXES:
        parts += [f"--{a.replace('_', '-')}", ",".join(repr(v) if isinstance(v, float) else str(v)
                                                     for v in getattr(grid, a))]
    for k in ("rounds", "trials", "c", "sigma", "byz_spread", "delta", "byz_target", "confidence", "seed"):
        parts += [f"--{k.replace('_', '-')}", str(getattr(grid, k))]
    return shlex.join(parts)


def provenance(res: SweepResult, command: str, what: str) -> list[str]:
    import scipy

    return [f"{what}",
            f"sweep: {res.name} (spec digest {res.grid.digest()})",
            f"command: {command}",
            f"grid: {json.dumps(res.grid.to_json(), sort_keys=True)}",
            f"seeds: numpy SeedSequence({res.grid.seed}).spawn({res.grid.n_cells}); cell i uses child i",
            f"model: Algorithm 1 (sim.knowlson.mw_engine.run_mw_batch), linear update, blacklisting; honest N(0, sigma^2), "
            f"Byzantine N(byz_distance, byz_spread^2) (sim.knowlson.verification, cell version "
            f"{__import__('sim.knowlson.verification', fromlist=['CELL_VERSION']).CELL_VERSION})",
            f"versions: byzmw sim {sim.__version__}, git {_git()}, python {platform.python_version()}, "
            f"numpy {np.__version__}, scipy {scipy.__version__}"]


def _fmt(v) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (float, np.floating)):
        return "nan" if math.isnan(v) else repr(float(v))
    return str(v)


def csv_bytes(header_lines: Sequence[str], rows: Sequence[dict]) -> bytes:
    buf = io.StringIO()
    for line in header_lines:
        buf.write(f"# {line}\n")
    if rows:
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(list(rows[0]))
        for r in rows:
            w.writerow([_fmt(v) for v in r.values()])
    return buf.getvalue().encode()


def read_csv(path: Path) -> list[dict]:
    """Rows of a sweep CSV (provenance lines skipped), values as strings."""
    with open(path, newline="") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


def slice_label(key: tuple) -> str:
    return ", ".join(f"{a}={v:g}" if isinstance(v, float) else f"{a}={v}" for a, v in zip(AXES[:-2], key))


def fit_rows(res: SweepResult) -> list[dict]:
    rows = []
    for i, (key, f) in enumerate(res.fits.items()):
        rows.append({"slice": i, **dict(zip(AXES[:-2], key)), "slope": f.slope, "intercept": f.intercept,
                     "r2": f.r2, "slope_stderr": f.slope_stderr, "intercept_stderr": f.intercept_stderr,
                     "n_points": f.n_points, "n_excluded": len(f.excluded),
                     "paper_slope": PAPER_TABLE1["slope"], "paper_intercept": PAPER_TABLE1["intercept"],
                     "paper_r2": PAPER_TABLE1["r2"], "note": f.note})
    return rows


def write_csvs(res: SweepResult, command: str) -> list[Path]:
    d = res.dir
    recs = []
    for r in res.results:
        why = exclusion_reason(r)
        recs.append({**r.record(), "in_fit": why is None, "excluded_reason": why or ""})
    excl = [{"cell": rec["cell"], **{a: rec[a] for a in AXES}, "reason": rec["excluded_reason"]}
            for rec in recs if not rec["in_fit"]]
    out = [
        atomic_write(d / "cells.csv", csv_bytes(provenance(res, command, "per-cell results of a verification sweep "
                                                          "(P with Wilson intervals; T in rounds)"), recs)),
        atomic_write(d / "fit.csv", csv_bytes(provenance(res, command, "Table I: line fit of mean empirical T on "
                                                         "(1/eta) ln(1/tau), scipy.stats.linregress"), fit_rows(res))),
        atomic_write(d / "excluded.csv", csv_bytes(provenance(res, command, "cells left out of the line fit, and why"),
                                                   excl)),
        atomic_write(d / "grid_search.csv", csv_bytes(provenance(res, command, "consensus_bug_check.py grid search: "
                                                                 "theoretical vs empirical convergence"),
                                                      convergence_grid(res.results))),
    ]
    return out


def write_figures(res: SweepResult, command: str) -> list[Path]:
    from studio.figures.context import FigureContext
    from studio.figures.knowlson.verification import draw_all

    ctx = FigureContext(res.dir / "figures")
    many = len(res.fits) > 1
    for i, (key, group) in enumerate(slices(res.results).items()):
        draw_all(ctx, group, res.fits[key], suffix=f"_slice{i}" if many else "",
                 subtitle=slice_label(key) if many else "", provenance=provenance(res, command, ""))
    return list(ctx.written)


# --------------------------------------------------------------------------- CLI
class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise ParamError(message)


def build_parser() -> argparse.ArgumentParser:
    ap = _Parser(prog="python -m studio.sweep", description="verification sweeps of MW blacklisting (Figs. 4-7)")
    sub = ap.add_subparsers(dest="cmd", parser_class=_Parser)
    p = sub.add_parser("run", help="run (or resume) a sweep; CSVs and figures under sweeps/NAME/")
    p.add_argument("--name", default="verification", help="folder under sweeps/ (default: verification)")
    d = GridSpec()
    for a in AXES:
        default = ",".join(f"{v:g}" if isinstance(v, float) else str(v) for v in getattr(d, a))
        p.add_argument(f"--{a.replace('_', '-')}", dest=a, default=None,
                       help=f"values: a,b,c or start:stop:num (linspace); default {default}")
    for k, h in (("rounds", "rounds per trial"), ("trials", "trials per cell"), ("c", "loss scale, or 'mad'"),
                 ("sigma", "honest standard deviation"), ("byz_spread", "Byzantine standard deviation"),
                 ("delta", "honest failure budget (target delta/n_honest)"), ("byz_target", "Byzantine success target"),
                 ("confidence", "Wilson interval level"), ("seed", "root seed of SeedSequence")):
        p.add_argument(f"--{k.replace('_', '-')}", dest=k, default=None, help=f"{h} (default {getattr(d, k)})")
    p.add_argument("--workers", default=None, help="local processes (default: all CPUs; 1 = serial)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run on an existing Dask distributed cluster, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--out", default=None, help="root folder of sweeps (default sweeps/ or $BYZMW_SWEEPS)")
    p.add_argument("--no-figures", action="store_true", help="CSV only")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return ap


def _summary(res: SweepResult) -> str:
    lines = [f"sweep {res.name}: {len(res.results)} cells ({res.computed} computed, {res.reused} reused from "
             f"checkpoints) in {res.seconds:.1f} s -> {res.dir}"]
    for key, f in res.fits.items():
        lab = slice_label(key)
        if math.isnan(f.slope):
            lines.append(f"  fit [{lab}]: {f.note}")
        else:
            lines.append(f"  fit [{lab}]: slope {f.slope:.4f}  intercept {f.intercept:.4f}  R^2 {f.r2:.4f}  "
                         f"({f.n_points} cells, {len(f.excluded)} excluded)   paper: 0.9844, -0.4758, 0.9981")
    meets = sum(r.meets_targets for r in res.results)
    lines.append(f"  cells meeting the targets: {meets} of {len(res.results)}")
    return "\n".join(lines)


def main(argv=None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.cmd != "run":
            raise ParamError("command: expected 'run'")
        kw = {k: getattr(args, k) for k in (*AXES, "rounds", "trials", "c", "sigma", "byz_spread", "delta",
                                            "byz_target", "confidence", "seed") if getattr(args, k) is not None}
        grid = make_grid(**kw)
        workers = None
        if args.workers is not None:
            try:
                workers = int(args.workers)
            except ValueError:
                raise ParamError(f"workers: must be an integer >= 1, got {args.workers!r}") from None
            if workers < 1:
                raise ParamError(f"workers: must be an integer >= 1, got {workers}")
        _check_name(args.name)
        command = shlex.join(["python", "-m", "studio.sweep", *(sys.argv[1:] if argv is None else argv)])
        res = run_sweep(grid, args.name, root=Path(args.out).resolve() if args.out else None, workers=workers,
                        scheduler=args.scheduler, progress=not args.no_progress, figures=not args.no_figures,
                        command=command)
    except ParamError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except (OSError, TimeoutError) as e:
        print(f"error: {type(e).__name__}: {e}", file=sys.stderr)
        return 2
    print(_summary(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
