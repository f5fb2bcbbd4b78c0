"""Verification sweeps of the MW blacklisting bounds (Knowlson et al., Sec. III-C.6-8, IV; Figs. 4-7, Table I).

A grid over eta x tau (and optionally Byzantine fraction and distance, number
of sources, loss and estimator). Each cell runs Algorithm 1
(:func:`sim.mw_engine.run_mw_batch`, vectorised over trials) on honest
reports N(0, sigma^2) and Byzantine reports N(byz_distance, byz_spread^2), and
measures

- P(honest blacklisted) and P(Byzantine blacklisted), with Wilson intervals;
- the empirical T: first round at which the average Byzantine weight falls
  below tau, against the theoretical T = ceil((1/eta) ln(1/tau)) (Sec. III-C.8);
- whether the cell meets the targets of the seed's verification.py: honest
  failure <= delta / n_honest (Sec. III-C.7, union bound) and Byzantine
  success >= 0.8.

The line fit of empirical T against (1/eta) ln(1/tau) (Table I) uses
scipy.stats.linregress over the paper's cell rule (censored cells excluded and
listed; the honest-target filter only when asked). Per-cell seeds come from ``SeedSequence(seed).spawn``
(cell i gets child i), so a cell's numbers do not depend on where it runs.
Pure NumPy/SciPy: no plotting here.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import math
import re
from dataclasses import dataclass, fields
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from ..core.errors import ParamError
from ..stats.robust import ESTIMATORS
from ..core.kinds import trace_kind
from .losses import LOSSES
from .mw_engine import NEVER, run_mw_batch
from ..core.params import Param
from ..core.population import check_honest_left, n_byzantine
from ..core.rng import SEED_MAX, check_seed
from ..core.trace import ArraySpec
from ..stats.intervals import wilson

# Version of the per-cell computation: part of every checkpoint key, so a
# change here invalidates old checkpoints.
CELL_VERSION = 1
AXES = ("byz_fraction", "byz_distance", "n_sources", "loss", "estimator", "eta", "tau")
CODE_MODULES = ("sim.knowlson.mw_engine", "sim.stats.robust", "sim.knowlson.losses", "sim.knowlson.verification")
_MAX_CHUNK = 2_000_000   # trials * rounds * n per engine call (memory bound; depends on params only)


# --------------------------------------------------------------------------- grid specification
@dataclass(frozen=True)
class GridSpec:
    """A verification sweep: axes (tuples of values) and the fixed settings of every cell."""

    eta: tuple = tuple(float(v) for v in np.linspace(0.01, 0.1, 10))
    tau: tuple = tuple(float(v) for v in np.linspace(0.01, 0.1, 10))
    byz_fraction: tuple = (0.3,)
    byz_distance: tuple = (5.0,)
    n_sources: tuple = (20,)
    loss: tuple = ("clipped",)
    estimator: tuple = ("median",)
    rounds: int = 50
    trials: int = 200
    c: Any = 1.5                 # loss scale (data units) or "mad" (c(t) = c_k * MAD(t))
    sigma: float = 1.0           # honest standard deviation
    byz_spread: float = 1.0      # Byzantine standard deviation around byz_distance
    delta: float = 0.1           # failure budget of the honest target delta / n_honest
    byz_target: float = 0.8      # Byzantine success target
    confidence: float = 0.95     # level of the Wilson intervals
    seed: int = 0

    def to_json(self) -> dict:
        return {f.name: (list(getattr(self, f.name)) if isinstance(getattr(self, f.name), tuple)
                         else getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_json(cls, d: Mapping) -> "GridSpec":
        return make_grid(**dict(d))

    @property
    def n_cells(self) -> int:
        return math.prod(len(getattr(self, a)) for a in AXES)

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self.to_json(), sort_keys=True).encode()).hexdigest()[:16]


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


_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_RANGE = re.compile(rf"^\s*(?:linspace\s*\(\s*)?({_NUM})\s*[:,]\s*({_NUM})\s*[:,]\s*(\S+?)\s*\)?\s*$")


def _number(name: str, s, integer: bool = False):
    if isinstance(s, bool):
        raise ParamError(f"{name}: {s!r} is not a number")
    if isinstance(s, (int, float, np.integer, np.floating)):
        v = float(s)
    else:
        try:
            v = float(str(s).strip())
        except ValueError:
            raise ParamError(f"{name}: {str(s).strip()!r} is not a number") from None
    if not math.isfinite(v):
        raise ParamError(f"{name}: must be finite, got {s!r}")
    if integer:
        if not v.is_integer():
            raise ParamError(f"{name}: must be an integer, got {s!r}")
        return int(v)
    return v


def parse_axis(name: str, value, *, integer: bool = False) -> tuple:
    """Values of one numeric axis from a list, a number, "a,b,c", "start:stop:num" or "linspace(start,stop,num)".

    "start:stop:num" is numpy.linspace(start, stop, num); num must be an integer >= 1.
    """
    if isinstance(value, str):
        text = value.strip()
        if not text:
            raise ParamError(f"{name}: empty range (no values given)")
        if ":" in text or text.startswith("linspace"):
            m = _RANGE.match(text)
            if not m:
                raise ParamError(f"{name}: expected start:stop:num or linspace(start, stop, num), got {text!r}")
            a, b = _number(name, m.group(1)), _number(name, m.group(2))
            try:
                num = int(m.group(3))
            except ValueError:
                raise ParamError(f"{name}: number of points must be an integer >= 1, got {m.group(3)!r}") from None
            if num < 1:
                raise ParamError(f"{name}: empty range ({num} points from {a:g} to {b:g}); need at least 1")
            return tuple(_number(name, v, integer) for v in np.linspace(a, b, num))
        items = [t for t in re.split(r"[,\s]+", text) if t]
    elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        items = [value]
    else:
        try:
            items = list(value)
        except TypeError:
            raise ParamError(f"{name}: expected a number or a list of numbers, got {value!r}") from None
    if not items:
        raise ParamError(f"{name}: empty range (no values given)")
    return tuple(_number(name, v, integer) for v in items)


def parse_choices(name: str, value, allowed: Mapping) -> tuple:
    items = [t for t in re.split(r"[,\s]+", value.strip()) if t] if isinstance(value, str) else list(value)
    if not items:
        raise ParamError(f"{name}: empty list (allowed: {', '.join(allowed)})")
    for v in items:
        if v not in allowed:
            raise ParamError(f"{name}: must be one of {', '.join(allowed)}, got {v!r}")
    return tuple(str(v) for v in items)


def _in(name: str, vals: Iterable[float], lo, hi, lo_open: bool, hi_open: bool, what="numbers") -> None:
    for v in vals:
        bad = (v < lo or (lo_open and v == lo)) or (v > hi or (hi_open and v == hi))
        if bad:
            rng = f"{'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}"
            raise ParamError(f"{name}: must be {what} in {rng}, got {v:g}")


def make_grid(**kw) -> GridSpec:
    """A validated GridSpec; every problem is a ParamError naming the parameter and its allowed range."""
    known = {f.name for f in fields(GridSpec)}
    unknown = sorted(set(kw) - known)
    if unknown:
        raise ParamError(f"{unknown[0]}: unknown sweep parameter; allowed: {', '.join(sorted(known))}")
    d = GridSpec()
    get = lambda k: kw.get(k, getattr(d, k))  # noqa: E731
    eta = parse_axis("eta", get("eta"))
    _in("eta", eta, 0, 1, True, True)
    tau = parse_axis("tau", get("tau"))
    _in("tau", tau, 0, 1, True, True)
    bf = parse_axis("byz_fraction", get("byz_fraction"))
    _in("byz_fraction", bf, 0, 0.5, False, True)
    bd = parse_axis("byz_distance", get("byz_distance"))
    _in("byz_distance", bd, -1e12, 1e12, False, False)
    ns = parse_axis("n_sources", get("n_sources"), integer=True)
    _in("n_sources", ns, 2, 100_000, False, False, "integers")
    loss = parse_choices("loss", get("loss"), LOSSES)
    est = parse_choices("estimator", get("estimator"), ESTIMATORS)
    rounds = _number("rounds", get("rounds"), True)
    _in("rounds", [rounds], 1, 100_000, False, False, "an integer")
    trials = _number("trials", get("trials"), True)
    _in("trials", [trials], 1, 10_000_000, False, False, "an integer")
    c = get("c")
    if not (isinstance(c, str) and c.strip() == "mad"):
        c = _number("c", c)
        if not c > 0:
            raise ParamError(f"c: must be a number in (0, inf) or 'mad', got {c:g}")
    else:
        c = "mad"
    sigma = _number("sigma", get("sigma"))
    _in("sigma", [sigma], 0, 1e9, True, False)
    spread = _number("byz_spread", get("byz_spread"))
    _in("byz_spread", [spread], 0, 1e9, False, False)
    delta = _number("delta", get("delta"))
    _in("delta", [delta], 0, 1, True, True)
    bt = _number("byz_target", get("byz_target"))
    _in("byz_target", [bt], 0, 1, True, False)
    conf = _number("confidence", get("confidence"))
    _in("confidence", [conf], 0, 1, True, True)
    try:
        seed = check_seed(get("seed"))
    except ParamError:
        raise ParamError(f"seed: must be an integer in [0, {SEED_MAX}], got {get('seed')!r}") from None
    for b in bf:
        for n in ns:
            check_honest_left(b, n)
    return GridSpec(eta, tau, bf, bd, ns, loss, est, rounds, trials, c, sigma, spread, delta, bt, conf, seed)


def grid_cells(grid: GridSpec) -> list[Cell]:
    """Cartesian product in AXES order (eta, tau innermost); cell i is SeedSequence child i."""
    prod = itertools.product(*(getattr(grid, a) for a in AXES))
    return [Cell(i, eta=v[5], tau=v[6], byz_fraction=v[0], byz_distance=v[1], n_sources=v[2], loss=v[3],
                 estimator=v[4]) for i, v in enumerate(prod)]


def cell_seeds(grid: GridSpec) -> list[np.random.SeedSequence]:
    """Per-cell seeds: SeedSequence(grid.seed).spawn(n_cells)."""
    return np.random.SeedSequence(grid.seed).spawn(grid.n_cells)


def cell_rng(ss: np.random.SeedSequence) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(ss))


def _code_digest() -> str:
    """Hash of the code a cell's numbers come from (engine, estimators, losses, this module)."""
    from ..core.sweeps import code_digest

    return code_digest(CODE_MODULES)


def cell_key(grid: GridSpec, cell: Cell) -> str:
    """Everything a cell's numbers depend on, hashed: a checkpoint is reusable iff its key matches."""
    from .. import __version__

    fixed = {k: v for k, v in grid.to_json().items() if k not in AXES}
    blob = {"cell_version": CELL_VERSION, "sim": __version__, "code": _code_digest(), "fixed": fixed,
            "axes": cell.axes(), "spawn": [grid.seed, cell.index, grid.n_cells]}
    return hashlib.sha256(json.dumps(blob, sort_keys=True).encode()).hexdigest()[:24]


# --------------------------------------------------------------------------- statistics
def theoretical_T(eta: float, tau: float) -> int:
    """T = ceil((1/eta) ln(1/tau)), rounds to blacklist a source with loss 1 (Sec. III-C.8)."""
    return int(math.ceil(math.log(1 / tau) / eta))


def theoretical_x(eta: float, tau: float) -> float:
    """(1/eta) ln(1/tau), the abscissa of Fig. 7 and Table I."""
    return math.log(1 / tau) / eta


def exact_T(eta: float, tau: float) -> int:
    """First t with (1 - eta)^t < tau (the exact round for loss 1 every round)."""
    return math.floor(math.log(tau) / math.log1p(-eta)) + 1


def honest_target(delta: float, n_honest: int) -> float:
    """Per-source honest failure budget delta / n_honest (union bound, Sec. III-C.7)."""
    return delta / n_honest


# --------------------------------------------------------------------------- one cell
@dataclass(frozen=True)
class CellResult:
    """Numbers of one cell; ``record()`` is its CSV row, ``arrays()`` its curves."""

    cell: Cell
    trials: int
    rounds: int
    n_honest: int
    n_byzantine: int
    honest_blacklisted: int        # honest source-trials blacklisted
    honest_any: int                # trials with at least one honest source blacklisted
    byz_blacklisted: int           # Byzantine source-trials blacklisted
    byz_all: int                   # trials with every Byzantine source blacklisted
    T_emp: np.ndarray              # (trials,) first round the average Byzantine weight < tau, NEVER if not
    mean_honest: np.ndarray        # (rounds + 1,) mean over trials of the average honest weight
    mean_byz: np.ndarray           # (rounds + 1,) same for the Byzantine sources (NaN if none)
    q_honest: np.ndarray           # (2, rounds + 1) 5% and 95% quantiles over trials of the avg honest weight
    q_byz: np.ndarray              # (2, rounds + 1)
    example_w: np.ndarray          # (n, rounds + 1) weights of trial 0
    example_black: np.ndarray      # (n,) blacklisting round of trial 0
    is_byz: np.ndarray             # (n,)
    delta: float = 0.1
    byz_target: float = 0.8
    confidence: float = 0.95

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
        t = self.T_emp[self.T_emp != NEVER].astype(float)
        if t.size == 0:
            return {k: math.nan for k in ("T_emp_mean", "T_emp_median", "T_emp_std", "T_emp_p05", "T_emp_p95",
                                          "T_emp_min", "T_emp_max")}
        return {"T_emp_mean": float(t.mean()), "T_emp_median": float(np.median(t)),
                "T_emp_std": float(t.std(ddof=1)) if t.size > 1 else 0.0,
                "T_emp_p05": float(np.quantile(t, 0.05)), "T_emp_p95": float(np.quantile(t, 0.95)),
                "T_emp_min": float(t.min()), "T_emp_max": float(t.max())}

    def record(self) -> dict:
        """One flat CSV row."""
        c = self.cell
        ph = wilson(self.honest_blacklisted, self.trials * self.n_honest, self.confidence)
        pa = wilson(self.honest_any, self.trials, self.confidence)
        pb = wilson(self.byz_blacklisted, self.trials * self.n_byzantine, self.confidence)
        row = {"cell": c.index, **c.axes(), "n_honest": self.n_honest, "n_byzantine": self.n_byzantine,
               "trials": self.trials, "rounds": self.rounds,
               "p_honest": self.p_honest, "p_honest_lo": ph[0], "p_honest_hi": ph[1],
               "p_honest_any": self.p_honest_any, "p_honest_any_lo": pa[0], "p_honest_any_hi": pa[1],
               "p_byz": self.p_byz, "p_byz_lo": pb[0], "p_byz_hi": pb[1],
               "p_byz_all": self.byz_all / self.trials if self.n_byzantine else math.nan,
               "T_theory": self.T_theory, "T_theory_exact": exact_T(c.eta, c.tau), "x_theory": self.x_theory,
               "T_reached": self.reached, **self.T_stats(),
               "honest_target": self.honest_target, "byz_target": self.byz_target,
               "meets_honest": self.meets_honest, "meets_byz": self.meets_byz,
               "meets_targets": self.meets_targets, "score": self.score}
        return row

    def arrays(self) -> dict:
        return {"T_emp": self.T_emp, "mean_honest": self.mean_honest, "mean_byz": self.mean_byz,
                "q_honest": self.q_honest, "q_byz": self.q_byz, "example_w": self.example_w,
                "example_black": self.example_black, "is_byz": self.is_byz}

    def counts(self) -> dict:
        return {"trials": self.trials, "rounds": self.rounds, "n_honest": self.n_honest,
                "n_byzantine": self.n_byzantine, "honest_blacklisted": self.honest_blacklisted,
                "honest_any": self.honest_any, "byz_blacklisted": self.byz_blacklisted, "byz_all": self.byz_all,
                "delta": self.delta, "byz_target": self.byz_target, "confidence": self.confidence}

    @classmethod
    def from_parts(cls, cell: Cell, counts: Mapping, arrays: Mapping) -> "CellResult":
        return cls(cell=cell, **{k: counts[k] for k in ("trials", "rounds", "n_honest", "n_byzantine",
                                                       "honest_blacklisted", "honest_any", "byz_blacklisted",
                                                       "byz_all", "delta", "byz_target", "confidence")},
                   **{k: np.asarray(arrays[k]) for k in ("T_emp", "mean_honest", "mean_byz", "q_honest", "q_byz",
                                                         "example_w", "example_black", "is_byz")})


def draw_reports(trials: int, rounds: int, n: int, n_byz: int, byz_distance: float, sigma: float,
                 byz_spread: float, rng: np.random.Generator) -> np.ndarray:
    """(trials, rounds, n, 1): honest N(0, sigma^2); the last n_byz sources N(byz_distance, byz_spread^2)."""
    x = rng.standard_normal(size=(trials, rounds, n, 1))
    x[:, :, : n - n_byz] *= sigma
    if n_byz:
        x[:, :, n - n_byz:] *= byz_spread
        x[:, :, n - n_byz:] += byz_distance
    return x


def mw_weights(x: np.ndarray, *, eta: float, tau: float, c, loss: str, estimator: str,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Weights (trials, rounds + 1, n) and blacklisting rounds (trials, n) of Algorithm 1 with blacklisting.

    A trial in which every source is blacklisted ends there: the engine freezes its weights.
    """
    b = run_mw_batch(x, eta=eta, tau=tau, c=c, center=estimator, loss=loss, update="linear", blacklist=True,
                     rng=rng)
    return b.weights, b.blacklisted_at


def first_below(avg: np.ndarray, tau: float) -> np.ndarray:
    """First round t >= 1 with avg[..., t] < tau, NEVER if none (avg has steps 0..rounds on its last axis)."""
    below = avg[..., 1:] < tau
    return np.where(below.any(-1), below.argmax(-1) + 1, NEVER).astype(np.int64)


def run_cell(grid: GridSpec, cell: Cell, rng: np.random.Generator) -> CellResult:
    """All trials of one cell (vectorised; trials in fixed-size chunks that depend on the parameters only)."""
    n, nb = cell.n_sources, cell.n_byzantine
    nh = n - nb
    R, N = grid.rounds, grid.trials
    chunk = max(1, min(N, _MAX_CHUNK // (R * n)))
    T_emp, avg_h, avg_b, hb, ha, bb, ba = [], [], [], 0, 0, 0, 0
    example = None
    for start in range(0, N, chunk):
        m = min(chunk, N - start)
        x = draw_reports(m, R, n, nb, cell.byz_distance, grid.sigma, grid.byz_spread, rng)
        W, B = mw_weights(x, eta=cell.eta, tau=cell.tau, c=grid.c, loss=cell.loss, estimator=cell.estimator,
                          rng=rng)
        black = B != NEVER
        hb += int(black[:, :nh].sum())
        ha += int(black[:, :nh].any(-1).sum())
        avg_h.append(W[:, :, :nh].mean(-1))
        if nb:
            bb += int(black[:, nh:].sum())
            ba += int(black[:, nh:].all(-1).sum())
            ab = W[:, :, nh:].mean(-1)
            avg_b.append(ab)
            T_emp.append(first_below(ab, cell.tau))
        else:
            T_emp.append(np.full(m, NEVER, dtype=np.int64))
        if example is None:
            example = (W[0].T.copy(), B[0].copy())
    ah = np.concatenate(avg_h)
    ab = np.concatenate(avg_b) if nb else np.full_like(ah, np.nan)
    q = lambda a: np.quantile(a, [0.05, 0.95], axis=0) if np.isfinite(a).all() else np.full((2, a.shape[1]), np.nan)  # noqa: E731
    is_byz = np.arange(n) >= nh
    return CellResult(cell, N, R, nh, nb, hb, ha, bb, ba, np.concatenate(T_emp), ah.mean(0), ab.mean(0), q(ah), q(ab),
                      example[0], example[1], is_byz, grid.delta, grid.byz_target, grid.confidence)


def compute_cell(grid: GridSpec, cell: Cell, ss: np.random.SeedSequence) -> CellResult:
    """run_cell with the cell's own Generator (what the sweep runner ships to workers)."""
    return run_cell(grid, cell, cell_rng(ss))


# --------------------------------------------------------------------------- across cells
@dataclass(frozen=True)
class LineFit:
    """Least-squares line of empirical T against (1/eta) ln(1/tau) (Table I)."""

    slope: float
    intercept: float
    r2: float
    slope_stderr: float
    intercept_stderr: float
    n_points: int
    included: tuple                 # cell indices used
    excluded: tuple                 # (cell index, reason)
    note: str = ""


def exclusion_reason(r: CellResult, honest_filter: bool = False) -> str | None:
    """Why a cell is left out of the line fit (None: it is used).

    The paper's cell rule (verification.py): keep cells whose Byzantine sources are caught at all (p_byz > 0)
    and whose empirical T is known; censored cells (some trial never below tau) are excluded and listed. The
    honest-target filter (P(honest blacklisted) <= delta/n_honest) only when ``honest_filter``.
    """
    if r.n_byzantine == 0:
        return "no Byzantine sources"
    if r.reached < r.trials:
        return (f"censored: average Byzantine weight stayed above tau for {r.rounds} rounds "
                f"in {r.trials - r.reached} of {r.trials} trials")
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
        return LineFit(math.nan, math.nan, math.nan, math.nan, math.nan, len(inc), ids, tuple(exc),
                       note=f"too few distinct usable cells for a line fit ({len(inc)})")
    f = linregress(xs, ys)
    return LineFit(float(f.slope), float(f.intercept), float(f.rvalue ** 2), float(f.stderr),
                   float(f.intercept_stderr), len(inc), ids, tuple(exc),
                   note="paper cell rule" + (" + honest-target filter" if honest_filter else ""))


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
        rows.append({"cell": r.cell.index, **r.cell.axes(), "T_theory": r.T_theory,
                     "T_theory_exact": exact_T(r.cell.eta, r.cell.tau), "x_theory": r.x_theory,
                     "T_emp_mean": t, "converged_fraction": r.reached / r.trials,
                     "error": t - r.T_theory if math.isfinite(t) else math.nan,
                     "ratio": t / r.x_theory if math.isfinite(t) else math.nan,
                     "within_rounds": r.T_theory <= r.rounds})
    return rows


# --------------------------------------------------------------------------- trace kind (scene)
def _grid_from_params(p: Mapping) -> tuple[GridSpec, Cell]:
    g = make_grid(eta=[p["eta"]], tau=[p["tau"]], byz_fraction=[p["byz_fraction"]],
                  byz_distance=[p["byz_distance"]], n_sources=[p["n_sources"]], loss=[p["loss"]],
                  estimator=[p["estimator"]], rounds=p["rounds"], trials=p["trials"], c=p["c"], sigma=p["sigma"],
                  byz_spread=p["byz_spread"], delta=p["delta"])
    return g, grid_cells(g)[0]


def _check_cell(p: dict) -> None:
    check_honest_left(p["byz_fraction"], p["n_sources"])
    if n_byzantine(p["byz_fraction"], p["n_sources"]) < 1:
        raise ParamError(f"byz_fraction: must give at least one Byzantine source (floor(byz_fraction * n_sources) >= 1), "
                         f"got {p['byz_fraction']:g} with n_sources={p['n_sources']}")


@trace_kind(
    "blacklisting_cell",
    version=1,
    summary="one cell of the verification sweep: weight curves racing to tau (Figs. 5-6), for BlacklistingRace",
    params=(
        Param("eta", float, 0.1, "learning rate eta", low=0.0, high=1.0, low_open=True, high_open=True),
        Param("tau", float, 0.08, "blacklisting threshold tau", low=0.0, high=1.0, low_open=True, high_open=True),
        Param("n_sources", int, 20, "number of sources n", low=2, high=1000),
        Param("byz_fraction", float, 0.3, "Byzantine fraction (floor(beta n) sources)", low=0.0, high=0.5,
              high_open=True),
        Param("byz_distance", float, 5.0, "mean of the Byzantine reports", low=-1e12, high=1e12),
        Param("rounds", int, 35, "rounds", low=1, high=10_000),
        Param("trials", int, 200, "trials for the mean curves and the empirical T spread", low=1, high=100_000),
        Param("c", float, 1.5, "loss scale c", low=0.0, high=1e9, low_open=True),
        Param("loss", str, "clipped", "pseudo-loss", choices=tuple(LOSSES)),
        Param("estimator", str, "median", "robust centre mu_hat", choices=tuple(ESTIMATORS)),
        Param("sigma", float, 1.0, "honest standard deviation", low=0.0, high=1e9, low_open=True),
        Param("byz_spread", float, 1.0, "Byzantine standard deviation", low=0.0, high=1e9),
        Param("delta", float, 0.1, "honest failure budget delta", low=0.0, high=1.0, low_open=True, high_open=True),
    ),
    arrays={
        "weights": ArraySpec("float64", ("source", "step"), "w_i(t) of the replayed trial, t = 0..rounds"),
        "blacklisted_at": ArraySpec("int64", ("source",), "round of blacklisting in the replayed trial, -1 if never"),
        "is_byzantine": ArraySpec("bool", ("source",), "ground truth"),
        "avg_honest": ArraySpec("float64", ("step",), "average honest weight of the replayed trial"),
        "avg_byzantine": ArraySpec("float64", ("step",), "average Byzantine weight of the replayed trial"),
        "mean_honest": ArraySpec("float64", ("step",), "average honest weight, mean over trials"),
        "mean_byzantine": ArraySpec("float64", ("step",), "average Byzantine weight, mean over trials"),
        "T_emp": ArraySpec("int64", ("trial",), "per trial: first round the average Byzantine weight < tau (-1: never)"),
    },
    sizes=lambda p: {"source": p["n_sources"], "step": p["rounds"] + 1, "trial": p["trials"]},
    check=_check_cell,
)
def _blacklisting_cell(p: dict, rng: np.random.Generator):
    g, cell = _grid_from_params(p)
    r = run_cell(g, cell, rng)
    w = r.example_w
    nh = r.n_honest
    stats = r.T_stats()
    t0 = int(first_below(w[nh:].mean(0)[None], cell.tau)[0])
    arrays = {"weights": w, "blacklisted_at": r.example_black, "is_byzantine": r.is_byz,
              "avg_honest": w[:nh].mean(0), "avg_byzantine": w[nh:].mean(0),
              "mean_honest": r.mean_honest, "mean_byzantine": r.mean_byz, "T_emp": r.T_emp}
    meta = {"T_theory": r.T_theory, "T_theory_exact": exact_T(cell.eta, cell.tau), "x_theory": r.x_theory,
            "T_emp_trial": t0, "T_emp_mean": stats["T_emp_mean"] if math.isfinite(stats["T_emp_mean"]) else None,
            "T_reached": r.reached, "p_honest": r.p_honest, "p_byz": r.p_byz, "n_byzantine": r.n_byzantine,
            "n_honest": nh, "meets_targets": r.meets_targets,
            "labels": [f"S{i + 1}" for i in range(cell.n_sources)]}
    return arrays, meta
