"""CSV output of a sweep: ``#`` provenance lines (command, grid, seeds, model, versions), then the rows."""

from __future__ import annotations

import csv
import io
import json
import math
import platform
import shlex
import subprocess
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

import sim
from kit.paths import REPO
from sim.core.files import atomic_write
from sim.core.sweeps import Grid, SweepKind, SweepOutput


@lru_cache(maxsize=1)
def git_revision() -> str:
    """The checkout's commit (+dirty), or "unknown" for an installed package (no git folder of its own)."""
    if not (REPO / ".git").exists():
        return "unknown"
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=5
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
        return (rev + ("+dirty" if dirty else "")) if rev else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _value_text(v) -> str:
    return repr(v) if isinstance(v, float) else str(v)


def default_command(grid: Grid, name: str) -> str:
    """The CLI command that reruns this grid under this name."""
    parts = ["python", "-m", "studio.sweep", "run", grid.sweep, "--name", name]
    for a, vals in grid.axes.items():
        parts += ["--set", f"{a}={','.join(_value_text(v) for v in vals)}"]
    for k, v in grid.fixed.items():
        parts += ["--set", f"{k}={_value_text(v)}"]
    parts += ["--trials", str(grid.trials), "--seed", str(grid.seed)]
    return shlex.join(parts)


def provenance(sw: SweepKind, grid: Grid, name: str, command: str) -> list[str]:
    """The provenance lines of every CSV and figure of a sweep (without the leading '# ')."""
    try:
        import scipy

        scipy_v = scipy.__version__
    except ImportError:  # pragma: no cover - scipy is a dependency
        scipy_v = "absent"
    from sim.core.plugins import loaded

    plugins = loaded()
    return [
        f"sweep: {sw.name} version {sw.version}, name {name} (spec digest {grid.digest()})",
        f"command: {command}",
        f"grid: {json.dumps(grid.to_json(), sort_keys=True)}",
        f"seeds: numpy SeedSequence({grid.seed}).spawn({grid.n_cells}); cell i uses child i"
        + (
            f"; a cell of more than {sw.block} trials runs them in blocks of {sw.block}, block b from child b of its"
            f" SeedSequence"
            if sw.block and grid.trials > sw.block
            else ""
        ),
        f"model: {sw.model or sw.summary}",
        f"versions: byzmw sim {sim.__version__}, git {git_revision()}, python {platform.python_version()}, "
        f"numpy {np.__version__}, scipy {scipy_v}",
        *([f"plugins: {', '.join(plugins)}"] if plugins else []),
    ]


def _fmt(v) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (float, np.floating)):
        return "nan" if math.isnan(v) else repr(float(v))
    return str(v)


_BREAKS = {0x85, 0x2028, 0x2029}  # NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR: str.splitlines() breaks there too


def one_line(text: str) -> str:
    """``text`` with every control character (C0, DEL, C1, Unicode line and paragraph separators) written as
    a backslash escape (``\\n``, ``\\x1b``, ``\\u2028``): a provenance line stays one line whatever the user typed."""

    def esc(ch: str) -> str:
        o = ord(ch)
        if o < 0x20 or o == 0x7F or 0x80 <= o < 0xA0 or o in _BREAKS:
            return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(ch) or (f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}")
        return ch

    return "".join(esc(c) for c in str(text))


def csv_bytes(header_lines: Sequence[str], rows: Sequence[dict]) -> bytes:
    """``# `` provenance lines (each one line: :func:`one_line`), then the rows as CSV."""
    buf = io.StringIO()
    for line in header_lines:
        buf.write(f"# {one_line(line)}\n")
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


def write_csvs(sdir: Path, out: SweepOutput, prov: Sequence[str]) -> list[Path]:
    """cells.csv (one row per cell) and the sweep's own tables, each with the provenance header."""
    files = [
        atomic_write(
            sdir / "cells.csv",
            csv_bytes([f"per-cell results of {out.sweep.name}: {out.sweep.summary}", *prov], out.rows()),
        )
    ]
    for stem, (what, rows) in out.tables().items():
        files.append(atomic_write(sdir / f"{stem}.csv", csv_bytes([what, *prov], rows)))
    return files
