"""The sweep engine: runs any sweep declared with :func:`sim.core.sweeps.sweep`.

``byzmw sweep list`` lists the declared sweeps (axes, defaults, ranges);
``byzmw sweep run SWEEP --name NAME --set axis=a:b:n --set fixed=v [--trials N] [--seed S]
[--workers N] [--scheduler ADDRESS] [--out DIR] [--no-figures] [--no-progress]`` runs one.

- cell i draws from child i of ``SeedSequence(seed).spawn(n_cells)``: serial,
  local processes and a Dask cluster give identical numbers (:mod:`.backends`);
  on more than one worker a sweep that declares ``block`` has its cells split
  into their seeding blocks, costliest first, and joined again (:mod:`.units`);
- each finished cell is written at once, atomically, to
  ``sweeps/NAME/cells/cell_IIIII.npz`` with the key of everything it depends on,
  and trusted on a rerun only after validation (:mod:`.checkpoints`); a killed
  sweep resumes where it stopped;
- one name is one sweep: a lock and ``spec.json`` keep the checkpoints, the
  CSVs and the grid together (:mod:`.runner`);
- outputs: ``cells.csv`` and the sweep's tables with a provenance header
  (:mod:`.csvfiles`), and the figures of the function the sweep names
  (:mod:`.draw`) -- the engine never imports a subject.

Modules: runner (the run), units, checkpoints, backends, csvfiles, progress, draw, cli.
"""

from __future__ import annotations

import importlib

_LAZY = {  # name -> (module, attribute): imported on first use, so `python -m studio.sweep` starts instantly
    "cell_path": ("checkpoints", "cell_path"),
    "load_checkpoint": ("checkpoints", "load"),
    "save_checkpoint": ("checkpoints", "save"),
    "csv_bytes": ("csvfiles", "csv_bytes"),
    "provenance": ("csvfiles", "provenance"),
    "read_csv": ("csvfiles", "read_csv"),
    "SweepRun": ("runner", "SweepRun"),
    "check_name": ("runner", "check_name"),
    "run": ("runner", "run"),
    "run_sets": ("runner", "run_sets"),
    "sweeps_dir": ("runner", "sweeps_dir"),
}


def __getattr__(name: str):
    if name in _LAZY:
        module, attr = _LAZY[name]
        return getattr(importlib.import_module(f"{__name__}.{module}"), attr)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "SweepRun",
    "cell_path",
    "check_name",
    "csv_bytes",
    "load_checkpoint",
    "load_frame",
    "main",
    "provenance",
    "read_csv",
    "run",
    "run_sets",
    "run_sweep",
    "save_checkpoint",
    "sweeps_dir",
]


def run_sweep(sweep, grid, name, *, figures: bool = True, **kw):
    """:func:`run` that also draws the sweep's declared figures (unless ``figures=False``); a SweepRun."""
    from .draw import draw_figures
    from .runner import run

    return run(sweep, grid, name, draw=draw_figures if figures else None, **kw)


def load_frame(sweep, table: str = "cells"):
    """A finished sweep's results as a pandas DataFrame, in one call (pandas: the ``[sweep]`` extra).

    Parameters
    ----------
    sweep : str or path-like
        The name of a sweep run (``byzmw sweep run ... --name NAME``: ``sweeps/NAME/`` under the output root),
        its folder, or one of its CSV files.
    table : str
        ``cells`` (one row per cell), or another table the sweep writes (``sweeps/NAME/<table>.csv``).

    Returns
    -------
    pandas.DataFrame
        The rows, typed by pandas; ``df.attrs["provenance"]`` holds the CSV's provenance lines (command, grid,
        seeds, versions, plugins).

    Examples
    --------
    >>> import sim, tempfile
    >>> from studio.sweep import load_frame, run
    >>> from sim.core.sweeps import make_grid
    >>> root = tempfile.mkdtemp()
    >>> grid = make_grid("aggregation_breakdown", {"aggregator": "mean,coordinate_median", "attack": "scaling",
    ...                                             "byz_fraction": 0.2, "trials": 10})
    >>> _ = run("aggregation_breakdown", grid, "demo", root=root, progress=False)
    >>> df = load_frame(f"{root}/demo")
    >>> df[["aggregator", "n_byzantine"]].values.tolist()
    [['mean', 3], ['coordinate_median', 3]]
    """
    import io
    from pathlib import Path

    try:
        import pandas as pd
    except ImportError:
        from sim.core.errors import ParamError

        raise ParamError("load_frame: needs pandas (pip install 'byzmw-studio[sweep]')") from None
    from .runner import check_name, sweeps_dir

    p = Path(sweep)
    if not p.exists() and isinstance(sweep, str) and "/" not in sweep:
        p = sweeps_dir() / check_name(sweep)
    if p.is_dir():
        p = p / f"{table}.csv"
    lines = p.read_text().splitlines(keepends=True)
    df = pd.read_csv(io.StringIO("".join(line for line in lines if not line.startswith("#"))))
    df.attrs["provenance"] = [line[2:].rstrip("\n") for line in lines if line.startswith("# ")]
    return df


def main(argv=None) -> int:
    from .cli import main as cli_main

    return cli_main(argv)
