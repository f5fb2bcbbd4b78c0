"""The MW estimation subject's declared sweeps.

- ``knowlson_verification``: the paper's verification grid over eta x tau (Figs. 4-7, Table I); each cell runs
  Algorithm 1 over many trials (:func:`.verification.run_cell`) and records how often and when sources are
  blacklisted.
"""

from __future__ import annotations

import math

import numpy as np

from ..core.population import check_honest_left
from ..core.sweeps import Field, SweepOutput, sweep
from .mw_engine import NEVER
from .verification import (
    AXIS_PARAMS,
    FIXED_PARAMS,
    SWEEP,
    byzantine_count,
    cell_results,
    check_record,
    convergence_grid,
    exclusion_reason,
    fit_rows,
    fits,
    honest_count,
    row,
    run_cell,
    slice_label,
)

# Version of the per-cell computation: part of every checkpoint key, so a
# change here invalidates old checkpoints.
CELL_VERSION = 1


CODE_MODULES = (
    "sim.mw.mw_engine",
    "sim.stats.robust",
    "sim.mw.losses",
    "sim.mw.verification",
    "sim.mw.sweeps",
    "sim.mw.paper_compat",
    "sim.mw.table1",
)


_ETA_TAU_DEFAULT = tuple(float(v) for v in np.linspace(0.01, 0.1, 10))


# --------------------------------------------------------------------------- one cell
RECORD = {
    "honest_blacklisted": Field(
        "int64", (), low=0, high=lambda p: p["trials"] * honest_count(p), doc="honest source-trials blacklisted"
    ),
    "honest_any": Field("int64", (), low=0, high="trials", doc="trials with at least one honest source blacklisted"),
    "byz_blacklisted": Field(
        "int64", (), low=0, high=lambda p: p["trials"] * byzantine_count(p), doc="Byzantine source-trials blacklisted"
    ),
    "byz_all": Field("int64", (), low=0, high="trials", doc="trials with every Byzantine source blacklisted"),
    "T_emp": Field(
        "int64",
        ("trials",),
        low=NEVER,
        high="rounds",
        doc="per trial: first round the average Byzantine weight < tau, NEVER (-1) if not",
    ),
    "mean_honest": Field(
        "float64",
        lambda p: (p["rounds"] + 1,),
        low=0,
        high=1,
        doc="mean over trials of the average honest weight, t = 0..rounds",
    ),
    "mean_byz": Field(
        "float64",
        lambda p: (p["rounds"] + 1,),
        low=0,
        high=1,
        allow_nan=True,
        doc="same for the Byzantine sources (NaN if none)",
    ),
    "q_honest": Field(
        "float64",
        lambda p: (2, p["rounds"] + 1),
        low=0,
        high=1,
        allow_nan=True,
        doc="5% and 95% quantiles over trials of the average honest weight",
    ),
    "q_byz": Field(
        "float64", lambda p: (2, p["rounds"] + 1), low=0, high=1, allow_nan=True, doc="same for the Byzantine sources"
    ),
    "example_w": Field(
        "float64",
        lambda p: (p["n_sources"], p["rounds"] + 1),
        low=0,
        high=1,
        doc="weights of trial 0, one row per source",
    ),
    "example_black": Field(
        "int64",
        ("n_sources",),
        low=NEVER,
        high="rounds",
        doc="blacklisting round of each source in trial 0, NEVER (-1) if not",
    ),
    "is_byz": Field("bool", ("n_sources",), doc="ground truth: the last floor(beta n) sources"),
}


def _tables(out: SweepOutput) -> dict:
    res = cell_results(out)
    excl = [
        {"cell": r.cell.index, **r.cell.axes(), "reason": why} for r in res if (why := exclusion_reason(r)) is not None
    ]
    return {
        "fit": (
            "Table I: line fit of mean empirical T on (1/eta) ln(1/tau), scipy.stats.linregress",
            fit_rows(fits(res)),
        ),
        "excluded": ("cells left out of the line fit, and why", excl),
        "grid_search": (
            "consensus_bug_check.py grid search: theoretical vs empirical convergence",
            convergence_grid(res),
        ),
    }


def _summarise(out: SweepOutput) -> list[str]:
    res = cell_results(out)
    lines = []
    for key, f in fits(res).items():
        lab = slice_label(key)
        if math.isnan(f.slope):
            lines.append(f"fit [{lab}]: {f.note}")
        else:
            lines.append(
                f"fit [{lab}]: slope {f.slope:.4f}  intercept {f.intercept:.4f}  R^2 {f.r2:.4f}  "
                f"({f.n_points} cells, {len(f.excluded)} excluded)   paper: 0.9844, -0.4758, 0.9981"
            )
    lines.append(f"cells meeting the targets: {sum(r.meets_targets for r in res)} of {len(res)}")
    return lines


def _check_grid_cell(p: dict) -> None:
    check_honest_left(p["byz_fraction"], p["n_sources"])


@sweep(
    SWEEP,
    version=CELL_VERSION,
    summary="MW blacklisting bounds: P(blacklisted) and rounds to blacklist over eta x tau (Figs. 4-7, Table I)",
    axes=AXIS_PARAMS,
    fixed=FIXED_PARAMS,
    defaults={"eta": _ETA_TAU_DEFAULT, "tau": _ETA_TAU_DEFAULT},
    trials=200,
    record=RECORD,
    work=lambda p: p["trials"] * p["rounds"] * p["n_sources"],
    check=_check_grid_cell,
    check_record=check_record,
    row=row,
    tables=_tables,
    summarise=_summarise,
    code=CODE_MODULES,
    model=(
        "Algorithm 1 (sim.mw.mw_engine.run_mw_batch), linear update, blacklisting; honest N(0, sigma^2), "
        f"Byzantine N(byz_distance, byz_spread^2) (sim.mw.verification, cell version {CELL_VERSION}); "
        "variant=paper: the paper's verification.py (sim.mw.paper_compat)"
    ),
    smoke={"eta": "0.1,0.3", "tau": "0.05,0.2", "n_sources": 10, "rounds": 15, "trials": 6},
)
def verification_cell(p: dict, rng: np.random.Generator) -> dict:
    """One cell of the verification grid: :func:`run_cell`, or the paper's cell with ``variant=paper``."""
    if p.get("variant", "default") == "paper":
        from .paper_compat import paper_record

        return paper_record(p, rng)
    return run_cell(p, rng)
