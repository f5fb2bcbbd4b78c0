"""Verification sweeps of the MW blacklisting bounds (Knowlson et al., Sec. III-C.6-8, IV; Figs. 4-7, Table I).

The declared sweep ``knowlson_verification``: a grid over eta x tau (and
optionally Byzantine fraction and distance, number of sources, loss and
estimator). Each cell runs Algorithm 1 (:func:`sim.mw.mw_engine.run_mw_batch`,
vectorised over trials) on honest reports N(0, sigma^2) and Byzantine reports
N(byz_distance, byz_spread^2), and measures

- P(honest blacklisted) and P(Byzantine blacklisted), with Wilson intervals;
- the empirical T: first round at which the average Byzantine weight falls
  below tau, against the theoretical T = ceil((1/eta) ln(1/tau)) (Sec. III-C.8);
- whether the cell meets the targets of the seed's verification.py: honest
  failure <= delta / n_honest (Sec. III-C.7, union bound) and Byzantine
  success >= 0.8.

The line fit of empirical T against (1/eta) ln(1/tau) (Table I) uses
scipy.stats.linregress over the paper's cell rule (censored cells excluded and
listed; the honest-target filter only when asked). The sweep engine (``make sweep SWEEP=knowlson_verification``)
gives cell i the child i of
``SeedSequence(seed).spawn(n_cells)``, so a cell's numbers do not depend on
where it runs. Pure NumPy/SciPy: no plotting, no files here.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from ..core.params import Param
from ..core.population import n_byzantine
from ..core.sweeps import SweepOutput
from ..stats.intervals import wilson
from ..stats.robust import ESTIMATOR
from .adversaries import BYZ_DISTANCE, BYZ_FRACTION, BYZ_SPREAD
from .honest_data import SIGMA
from .losses import LOSS
from .mw_engine import C_FIXED, ETA, NEVER, TAU, ScaleParam, run_mw_batch
from .table1 import LineFit, exact_T, theoretical_T, theoretical_x

SWEEP = "knowlson_verification"
VARIANTS = ("default", "paper")
_MAX_CHUNK = 2_000_000  # trials * rounds * n per engine call (memory bound; depends on params only)


# --------------------------------------------------------------------------- parameters
# Axis order = cell order (last axis innermost): eta x tau heatmaps are the inner blocks.
AXIS_PARAMS = (
    BYZ_FRACTION,
    BYZ_DISTANCE,
    Param("n_sources", int, 20, "number of sources n", low=2, high=100_000),
    LOSS,
    ESTIMATOR,
    replace(ETA, default=0.1),
    replace(TAU, default=0.1),
)
AXES = tuple(p.name for p in AXIS_PARAMS)
# Fixed settings of every cell (a new one goes at the end, with a default that keeps today's numbers).
FIXED_PARAMS = (
    Param("rounds", int, 50, "rounds per trial", low=1, high=100_000),
    ScaleParam(**{**vars(C_FIXED), "default": 1.5, "doc": "loss scale c (data units), or 'mad' for c(t) = c_k MAD(t)"}),
    SIGMA,
    BYZ_SPREAD,
    Param(
        "delta",
        float,
        0.1,
        "honest failure budget (target delta / n_honest)",
        low=0.0,
        high=1.0,
        low_open=True,
        high_open=True,
    ),
    Param("byz_target", float, 0.8, "Byzantine success target", low=0.0, high=1.0, low_open=True),
    Param("confidence", float, 0.95, "level of the Wilson intervals", low=0.0, high=1.0, low_open=True, high_open=True),
    Param(
        "variant",
        str,
        "default",
        "default: Algorithm 1; paper: what the paper's verification.py computes "
        "(sim.mw.paper_compat: c = 1, fixed source means, trial 0 replays its seed-42 legacy stream; "
        "c, sigma, byz_spread unused)",
        choices=VARIANTS,
    ),
)
FIXED = tuple(p.name for p in FIXED_PARAMS)
PAPER_TABLE1 = {"slope": 0.9844, "intercept": -0.4758, "r2": 0.9981}


@dataclass(frozen=True)
class Cell:
    """One grid point: its index (= SeedSequence child) and axis values."""

    index: int
    eta: float
    tau: float
    byz_fraction: float
    byz_distance: float
    n_sources: int
    loss: str
    estimator: str

    @classmethod
    def of(cls, index: int, p: Mapping) -> Cell:
        return cls(int(index), **{a: p[a] for a in AXES})

    @property
    def n_byzantine(self) -> int:
        return n_byzantine(self.byz_fraction, self.n_sources)

    @property
    def n_honest(self) -> int:
        return self.n_sources - self.n_byzantine

    def axes(self) -> dict:
        return {a: getattr(self, a) for a in AXES}

    def slice_key(self) -> tuple:
        """The non-(eta, tau) axes: one eta x tau heatmap / line fit per slice."""
        return tuple(getattr(self, a) for a in AXES[:-2])


def cell_rng(ss: np.random.SeedSequence) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(ss))


# --------------------------------------------------------------------------- statistics
def honest_target(delta: float, n_honest: int) -> float:
    """Per-source honest failure budget delta / n_honest (union bound, Sec. III-C.7)."""
    return delta / n_honest


def byzantine_count(p: Mapping) -> int:
    return n_byzantine(p["byz_fraction"], p["n_sources"])


def honest_count(p: Mapping) -> int:
    return p["n_sources"] - byzantine_count(p)


@dataclass(frozen=True)
class CellResult:
    """Numbers of one cell; ``record()`` is its CSV row, ``arrays()`` its curves."""

    cell: Cell
    trials: int
    rounds: int
    n_honest: int
    n_byzantine: int
    honest_blacklisted: int  # honest source-trials blacklisted
    honest_any: int  # trials with at least one honest source blacklisted
    byz_blacklisted: int  # Byzantine source-trials blacklisted
    byz_all: int  # trials with every Byzantine source blacklisted
    T_emp: np.ndarray  # (trials,) first round the average Byzantine weight < tau, NEVER if not
    mean_honest: np.ndarray  # (rounds + 1,) mean over trials of the average honest weight
    mean_byz: np.ndarray  # (rounds + 1,) same for the Byzantine sources (NaN if none)
    q_honest: np.ndarray  # (2, rounds + 1) 5% and 95% quantiles over trials of the avg honest weight
    q_byz: np.ndarray  # (2, rounds + 1)
    example_w: np.ndarray  # (n, rounds + 1) weights of trial 0
    example_black: np.ndarray  # (n,) blacklisting round of trial 0
    is_byz: np.ndarray  # (n,)
    delta: float = 0.1
    byz_target: float = 0.8
    confidence: float = 0.95

    @classmethod
    def from_record(cls, index: int, p: Mapping, rec: Mapping) -> CellResult:
        """The result of cell ``index`` with parameters ``p`` (axes, fixed settings, trials) and record ``rec``."""
        return cls(
            Cell.of(index, p),
            int(p["trials"]),
            int(p["rounds"]),
            honest_count(p),
            byzantine_count(p),
            *(int(rec[k]) for k in ("honest_blacklisted", "honest_any", "byz_blacklisted", "byz_all")),
            *(
                np.asarray(rec[k])
                for k in (
                    "T_emp",
                    "mean_honest",
                    "mean_byz",
                    "q_honest",
                    "q_byz",
                    "example_w",
                    "example_black",
                    "is_byz",
                )
            ),
            delta=p.get("delta", 0.1),
            byz_target=p.get("byz_target", 0.8),
            confidence=p.get("confidence", 0.95),
        )

    # -- derived ----------------------------------------------------------
    @property
    def p_honest(self) -> float:
        return self.honest_blacklisted / (self.trials * self.n_honest)

    @property
    def p_honest_any(self) -> float:
        return self.honest_any / self.trials

    @property
    def p_byz(self) -> float:
        return self.byz_blacklisted / (self.trials * self.n_byzantine) if self.n_byzantine else math.nan

    @property
    def reached(self) -> int:
        return int(np.sum(self.T_emp != NEVER)) if self.n_byzantine else 0

    @property
    def T_theory(self) -> int:
        return theoretical_T(self.cell.eta, self.cell.tau)

    @property
    def x_theory(self) -> float:
        return theoretical_x(self.cell.eta, self.cell.tau)

    @property
    def honest_target(self) -> float:
        return honest_target(self.delta, self.n_honest)

    @property
    def meets_honest(self) -> bool:
        return bool(self.p_honest <= self.honest_target)

    @property
    def meets_byz(self) -> bool:
        return bool(self.n_byzantine > 0 and self.p_byz >= self.byz_target)

    @property
    def meets_targets(self) -> bool:
        return self.meets_honest and self.meets_byz

    @property
    def score(self) -> float:
        """Confidence score in [0, 1] (colour of Fig. 6): P(Byz caught) * (1 - P(honest blacklisted))."""
        return float((0.0 if self.n_byzantine == 0 else self.p_byz) * (1 - self.p_honest))

    def T_stats(self) -> dict:
        return dict(self._T_stats)

    @functools.cached_property
    def _T_stats(self) -> dict:
        t = self.T_emp[self.T_emp != NEVER].astype(float)
        if t.size == 0:
            return {
                k: math.nan
                for k in ("T_emp_mean", "T_emp_median", "T_emp_std", "T_emp_p05", "T_emp_p95", "T_emp_min", "T_emp_max")
            }
        return {
            "T_emp_mean": float(t.mean()),
            "T_emp_median": float(np.median(t)),
            "T_emp_std": float(t.std(ddof=1)) if t.size > 1 else 0.0,
            "T_emp_p05": float(np.quantile(t, 0.05)),
            "T_emp_p95": float(np.quantile(t, 0.95)),
            "T_emp_min": float(t.min()),
            "T_emp_max": float(t.max()),
        }

    def record(self) -> dict:
        """One flat CSV row: the cell index, its axes, then the numbers (see :func:`row`)."""
        c = self.cell
        ph = wilson(self.honest_blacklisted, self.trials * self.n_honest, self.confidence)
        pa = wilson(self.honest_any, self.trials, self.confidence)
        pb = wilson(self.byz_blacklisted, self.trials * self.n_byzantine, self.confidence)
        row = {
            "cell": c.index,
            **c.axes(),
            "n_honest": self.n_honest,
            "n_byzantine": self.n_byzantine,
            "trials": self.trials,
            "rounds": self.rounds,
            "p_honest": self.p_honest,
            "p_honest_lo": ph[0],
            "p_honest_hi": ph[1],
            "p_honest_any": self.p_honest_any,
            "p_honest_any_lo": pa[0],
            "p_honest_any_hi": pa[1],
            "p_byz": self.p_byz,
            "p_byz_lo": pb[0],
            "p_byz_hi": pb[1],
            "p_byz_all": self.byz_all / self.trials if self.n_byzantine else math.nan,
            "T_theory": self.T_theory,
            "T_theory_exact": exact_T(c.eta, c.tau),
            "x_theory": self.x_theory,
            "T_reached": self.reached,
            **self.T_stats(),
            "honest_target": self.honest_target,
            "byz_target": self.byz_target,
            "meets_honest": self.meets_honest,
            "meets_byz": self.meets_byz,
            "meets_targets": self.meets_targets,
            "score": self.score,
        }
        return row

    def arrays(self) -> dict:
        return {
            "T_emp": self.T_emp,
            "mean_honest": self.mean_honest,
            "mean_byz": self.mean_byz,
            "q_honest": self.q_honest,
            "q_byz": self.q_byz,
            "example_w": self.example_w,
            "example_black": self.example_black,
            "is_byz": self.is_byz,
        }

    def counts(self) -> dict:
        return {
            "honest_blacklisted": self.honest_blacklisted,
            "honest_any": self.honest_any,
            "byz_blacklisted": self.byz_blacklisted,
            "byz_all": self.byz_all,
        }


def draw_reports(
    trials: int,
    rounds: int,
    n: int,
    n_byz: int,
    byz_distance: float,
    sigma: float,
    byz_spread: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """(trials, rounds, n, 1): honest N(0, sigma^2); the last n_byz sources N(byz_distance, byz_spread^2)."""
    x = rng.standard_normal(size=(trials, rounds, n, 1))
    x[:, :, : n - n_byz] *= sigma
    if n_byz:
        x[:, :, n - n_byz :] *= byz_spread
        x[:, :, n - n_byz :] += byz_distance
    return x


def mw_weights(
    x: np.ndarray, *, eta: float, tau: float, c, loss: str, estimator: str, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Weights (trials, rounds + 1, n) and blacklisting rounds (trials, n) of Algorithm 1 with blacklisting.

    A trial in which every source is blacklisted ends there: the engine freezes its weights.
    """
    b = run_mw_batch(x, eta=eta, tau=tau, c=c, center=estimator, loss=loss, update="linear", blacklist=True, rng=rng)
    return b.weights, b.blacklisted_at


def first_below(avg: np.ndarray, tau: float) -> np.ndarray:
    """First round t >= 1 with avg[..., t] < tau, NEVER if none (avg has steps 0..rounds on its last axis)."""
    below = avg[..., 1:] < tau
    return np.where(below.any(-1), below.argmax(-1) + 1, NEVER).astype(np.int64)


def run_cell(p: Mapping, rng: np.random.Generator) -> dict:
    """All trials of one cell -> its record (vectorised; trials in fixed-size chunks that depend on p only).

    ``p`` holds the axes (eta, tau, byz_fraction, byz_distance, n_sources, loss,
    estimator), ``rounds``, ``trials``, ``c``, ``sigma`` and ``byz_spread``.
    """
    n, nb = p["n_sources"], byzantine_count(p)
    nh = n - nb
    R, N, tau = p["rounds"], p["trials"], p["tau"]
    chunk = max(1, min(N, _MAX_CHUNK // (R * n)))
    T_emp, avg_h, avg_b, hb, ha, bb, ba = [], [], [], 0, 0, 0, 0
    example = None
    for start in range(0, N, chunk):
        m = min(chunk, N - start)
        x = draw_reports(m, R, n, nb, p["byz_distance"], p["sigma"], p["byz_spread"], rng)
        W, B = mw_weights(x, eta=p["eta"], tau=tau, c=p["c"], loss=p["loss"], estimator=p["estimator"], rng=rng)
        black = B != NEVER
        hb += int(black[:, :nh].sum())
        ha += int(black[:, :nh].any(-1).sum())
        avg_h.append(W[:, :, :nh].mean(-1))
        if nb:
            bb += int(black[:, nh:].sum())
            ba += int(black[:, nh:].all(-1).sum())
            ab = W[:, :, nh:].mean(-1)
            avg_b.append(ab)
            T_emp.append(first_below(ab, tau))
        else:
            T_emp.append(np.full(m, NEVER, dtype=np.int64))
        if example is None:
            example = (W[0].T.copy(), B[0].copy())
    ah = np.concatenate(avg_h)
    ab = np.concatenate(avg_b) if nb else np.full_like(ah, np.nan)
    q = lambda a: np.quantile(a, [0.05, 0.95], axis=0) if np.isfinite(a).all() else np.full((2, a.shape[1]), np.nan)  # noqa: E731
    return {
        "honest_blacklisted": np.int64(hb),
        "honest_any": np.int64(ha),
        "byz_blacklisted": np.int64(bb),
        "byz_all": np.int64(ba),
        "T_emp": np.concatenate(T_emp).astype(np.int64),
        "mean_honest": ah.mean(0),
        "mean_byz": ab.mean(0),
        "q_honest": q(ah),
        "q_byz": q(ab),
        "example_w": example[0],
        "example_black": example[1].astype(np.int64),
        "is_byz": np.arange(n) >= nh,
    }


def check_record(p: Mapping, rec: Mapping) -> str | None:
    """Counts that must add up in a valid record (beyond dtype, shape and ranges); None if they do."""
    n, nb, N, tau = p["n_sources"], byzantine_count(p), p["trials"], p["tau"]
    nh = n - nb
    hb, ha, bb, ba = (int(rec[k]) for k in ("honest_blacklisted", "honest_any", "byz_blacklisted", "byz_all"))
    if not np.array_equal(rec["is_byz"], np.arange(n) >= nh):
        return f"is_byz is not the last {nb} of {n} sources"
    if not ha <= hb <= ha * nh:
        return f"honest counts do not add up: {hb} blacklisted in {ha} trials of {nh} honest sources"
    if not ba * nb <= bb <= ba * nb + (N - ba) * max(nb - 1, 0):
        return f"Byzantine counts do not add up: {bb} blacklisted, all {nb} caught in {ba} of {N} trials"
    for name in ("T_emp", "example_black"):
        if np.any(rec[name] == 0):
            return f"{name}: round 0 (rounds count from 1)"
    if nb == 0 and (np.any(rec["T_emp"] != NEVER) or not np.isnan(rec["mean_byz"]).all()):
        return "Byzantine results in a cell without Byzantine sources"
    if nb and not (np.isfinite(rec["mean_byz"]).all() and np.isfinite(rec["q_byz"]).all()):
        return "NaN in the Byzantine curves"
    if not np.isfinite(rec["q_honest"]).all():
        return "NaN in the honest quantiles"
    w, black = rec["example_w"], rec["example_black"]
    if rec["mean_honest"][0] != 1 or np.any(w[:, 0] != 1) or (nb and rec["mean_byz"][0] != 1):
        return "weights do not start at 1"
    idx = np.flatnonzero(black != NEVER)
    bad = ~((w[idx, black[idx]] < tau) & (w[idx, black[idx] - 1] >= tau))
    if bad.any():
        i = idx[np.argmax(bad)]
        return f"example source {i}: blacklisting round {black[i]} does not match its weights"
    if np.any(w[black == NEVER, -1] < tau):
        return "example: a source below tau was never blacklisted"
    return None


def row(p: Mapping, rec: Mapping) -> dict:
    """The cells.csv row of one cell after its index and axes: counts, P's with Wilson intervals, T's, targets."""
    r = CellResult.from_record(0, p, rec)
    out = {k: v for k, v in r.record().items() if k != "cell" and k not in AXES}
    why = exclusion_reason(r)
    return {**out, "in_fit": why is None, "excluded_reason": why or ""}


def cell_results(out: SweepOutput) -> list[CellResult]:
    """The CellResults of a finished sweep, in cell order (derived once per output, kept in ``out.extra``)."""
    cache = out.extra if isinstance(out.extra, dict) else {}
    if SWEEP not in cache:
        cache[SWEEP] = [CellResult.from_record(c.index, c.params, r) for c, r in zip(out.cells, out.records)]
    return list(cache[SWEEP])


# --------------------------------------------------------------------------- across cells
def exclusion_reason(r: CellResult, honest_filter: bool = False) -> str | None:
    """Why a cell is left out of the line fit (None: it is used).

    The paper's cell rule (verification.py): keep cells whose Byzantine sources are caught at all (p_byz > 0)
    and whose empirical T is known; censored cells (some trial never below tau) are excluded and listed. The
    honest-target filter (P(honest blacklisted) <= delta/n_honest) only when ``honest_filter``.
    """
    if r.n_byzantine == 0:
        return "no Byzantine sources"
    if r.reached < r.trials:
        return (
            f"censored: average Byzantine weight stayed above tau for {r.rounds} rounds "
            f"in {r.trials - r.reached} of {r.trials} trials"
        )
    if not r.p_byz > 0:
        return "no Byzantine source blacklisted (p_byz = 0)"
    if honest_filter and not r.meets_honest:
        return f"fails honest target: P(honest blacklisted) {r.p_honest:.4f} > delta/n_honest {r.honest_target:.4f}"
    return None


def fit_line(results: Sequence[CellResult], honest_filter: bool = False) -> LineFit:
    """scipy.stats.linregress of mean empirical T on (1/eta) ln(1/tau) over the cells of the paper's cell rule."""
    from scipy.stats import linregress

    inc, exc = [], []
    for r in results:
        why = exclusion_reason(r, honest_filter)
        (exc.append((r.cell.index, why)) if why else inc.append(r))
    xs = np.array([r.x_theory for r in inc])
    ys = np.array([r.T_stats()["T_emp_mean"] for r in inc])
    ids = tuple(r.cell.index for r in inc)
    if len(inc) < 3 or np.ptp(xs) == 0:
        return LineFit(
            math.nan,
            math.nan,
            math.nan,
            math.nan,
            math.nan,
            len(inc),
            ids,
            tuple(exc),
            note=f"too few distinct usable cells for a line fit ({len(inc)})",
        )
    f = linregress(xs, ys)
    return LineFit(
        float(f.slope),
        float(f.intercept),
        float(f.rvalue**2),
        float(f.stderr),
        float(f.intercept_stderr),
        len(inc),
        ids,
        tuple(exc),
        note="paper cell rule" + (" + honest-target filter" if honest_filter else ""),
    )


def slices(results: Sequence[CellResult]) -> dict[tuple, list[CellResult]]:
    """Results grouped by the non-(eta, tau) axes, each group in cell order."""
    out: dict[tuple, list[CellResult]] = {}
    for r in sorted(results, key=lambda r: r.cell.index):
        out.setdefault(r.cell.slice_key(), []).append(r)
    return out


def best_cell(results: Sequence[CellResult]) -> CellResult:
    """Highest confidence score; ties go to the cell meeting the targets, then to the widest honest margin
    (mean honest weight after the last round over tau), then to the smaller empirical T."""

    def key(r):
        t = r.T_stats()["T_emp_mean"]
        margin = float(r.mean_honest[-1] / r.cell.tau)
        return (-r.score, not r.meets_targets, -margin, t if math.isfinite(t) else math.inf, r.cell.index)

    return min(results, key=key)


def convergence_grid(results: Sequence[CellResult]) -> list[dict]:
    """consensus_bug_check.py's eta x tau grid search: theoretical against empirical rounds per cell."""
    rows = []
    for r in sorted(results, key=lambda r: r.cell.index):
        t = r.T_stats()["T_emp_mean"]
        rows.append(
            {
                "cell": r.cell.index,
                **r.cell.axes(),
                "T_theory": r.T_theory,
                "T_theory_exact": exact_T(r.cell.eta, r.cell.tau),
                "x_theory": r.x_theory,
                "T_emp_mean": t,
                "converged_fraction": r.reached / r.trials,
                "error": t - r.T_theory if math.isfinite(t) else math.nan,
                "ratio": t / r.x_theory if math.isfinite(t) else math.nan,
                "within_rounds": r.T_theory <= r.rounds,
            }
        )
    return rows


def slice_label(key: tuple) -> str:
    return ", ".join(f"{a}={v:g}" if isinstance(v, float) else f"{a}={v}" for a, v in zip(AXES[:-2], key))


def fits(results: Sequence[CellResult]) -> dict[tuple, LineFit]:
    """One line fit per slice (each combination of the non-(eta, tau) axes)."""
    return {k: fit_line(v) for k, v in slices(results).items()}


def fit_rows(fitted: Mapping[tuple, LineFit]) -> list[dict]:
    """fit.csv: Table I per slice, with the paper's values alongside."""
    rows = []
    for i, (key, f) in enumerate(fitted.items()):
        rows.append(
            {
                "slice": i,
                **dict(zip(AXES[:-2], key)),
                "slope": f.slope,
                "intercept": f.intercept,
                "r2": f.r2,
                "slope_stderr": f.slope_stderr,
                "intercept_stderr": f.intercept_stderr,
                "n_points": f.n_points,
                "n_excluded": len(f.excluded),
                "paper_slope": PAPER_TABLE1["slope"],
                "paper_intercept": PAPER_TABLE1["intercept"],
                "paper_r2": PAPER_TABLE1["r2"],
                "note": f.note,
            }
        )
    return rows
