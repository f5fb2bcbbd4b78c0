"""Paper-compatible mode of the MW prototype (Knowlson et al., Figs. 1-7, Table I): what the paper's scripts compute.

The published figures come from the seed's scripts (MW.py, verification.py),
which differ from the paper's Algorithm 1. This module replays them, draw for
draw, from a *local* ``numpy.random.RandomState(42)`` (the scripts seed the
global NumPy stream with 42 and draw from it; the global stream is never
touched here). It is the only module of ``sim/`` allowed a RandomState
(tests/test_project_rules.py). What the scripts do is written down in
``../shared/reference/knowlson-seed-code-behaviour.md`` (sections A, B).

Differences from Algorithm 1, one line each with its reason (the default mode,
sim.mw.robust_study / verification, is the clean Algorithm 1):
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..core.params import Param, check_fields, param
from .mw_engine import NEVER
from .table1 import LineFit, theoretical_T, theoretical_x

# (difference, reason): printed in the docstring above, in docs/reproduce_figures.md and in trace meta.
DIFFERENCES = (
    (
        "study: residuals are divided by the largest residual of the round before the clip min(1, r/c)",
        "MW.py normalises r_i by max_j r_j + 1e-8, so one far report shrinks every loss (gradual fall of Fig. 3)",
    ),
    (
        "study: c = 0.9 * median |x - coordinate median| over all coordinates, a MAD-like scale per round",
        "MW.py's scale; Algorithm 1 leaves c open",
    ),
    (
        "study: exponential update w exp(-1.5 l) with eta = 1.5 > 1",
        "MW.py's update; Algorithm 1's linear w(1 - eta l) needs eta < 1",
    ),
    (
        "study: weights renormalised to sum 1 every round, tau = 1e-5 applied to the exp-updated, not yet "
        "renormalised weights",
        "MW.py's order of steps; weights of order 1/n make tau a relative threshold",
    ),
    (
        "study: blacklisting decided by the MW-mean run only and removes the source from both runs",
        "MW.py keeps one list of sources for both weight vectors",
    ),
    (
        "study: MoM-guided MW uses the adaptive rate min(1.5, 0.5 + 10 ||var of the bucket means||)",
        "MW.py's MoM-guided update; Algorithm 1 has one fixed eta",
    ),
    (
        "study: fixed source means queried with small noise (honest sd 0.1, Byzantine sd 3.0), d = 2, n = 3000, "
        "1/3 Byzantine at +5 on coordinate 1",
        "MW.py's data model",
    ),
    (
        "study: median of means over max(5, floor(n/50)) buckets of consecutive rows (np.array_split)",
        "MW.py's bucket rule",
    ),
    (
        "study: Figs. 2-3 average five runs continuing one stream (four clipped-loss, one logistic-loss run)",
        "MW.py loops over five loss flags of which only the clipped and logistic losses take effect",
    ),
    (
        "study: the logistic run's loss is 1/(1 + exp(-(r/c - 3))) on the raw residual",
        "our assumption: the note does not give MW.py's logistic form; this standard form reproduces Figs. 2-3",
    ),
    (
        "sweep: c = 1 fixed, median centre, linear update, no removal (blacklisted = final weight < tau)",
        "verification.py's cell; with Byzantine reports ~5 away every Byzantine loss is 1",
    ),
    (
        "sweep: fresh source means per cell (mu ~ 2 N(0,1), honest sd 0.5, Byzantine +5), queries with sd 0.1",
        "verification.py's data model (the default mode draws i.i.d. N(0, 1) reports)",
    ),
    (
        "sweep: one trial per cell, every cell continuing one stream from RandomState(42)",
        "verification.py's loop; here cell i replays the draws of cells 0..i-1 so cells stay independent",
    ),
    (
        "sweep: trials > 1 draw trials 1..N-1 from the cell's own Generator with the same data model",
        "the scripts have no second trial; trial 0 stays the scripts' own",
    ),
    (
        "sweep: Table I fits cells with (T_emp > 0 or T_theory <= 60) and p_byz > 0, no honest-target filter",
        "verification.py's cell rule (the default mode now uses it too; censored cells are excluded and listed)",
    ),
)
__doc__ += (
    "".join(f"\n- {d}  ({why})" for d, why in DIFFERENCES)
    + """

The seed's two bugs are kept behind ``seed_bugs`` (off by default):
- labels after blacklisting: the query noise level is chosen from the
  *original* label array by position, so after a removal sources get the
  wrong noise level;
- the median-of-means curve of Figs. 2-3 averages the fourth run twice and
  leaves the fifth (logistic) out (which run is doubled is not stated in the
  note; this is our reading).

Extra trials of the sweep (trials > 1): trial 0 of a cell on the scripts' grid
is the scripts' own trial (stream replay); trials 1..N-1 are drawn with the
same data model from the cell's own Generator (SeedSequence child, as every
sweep cell), vectorised. A cell off the scripts' grid draws every trial from
its Generator (array ``replayed`` False).
"""
)

LEGACY_SEED = 42
PAPER_TABLE1 = {"slope": 0.9844, "intercept": -0.4758, "r2": 0.9981}
PAPER_WORST_HONEST = 0.6


def legacy_stream(seed: int = LEGACY_SEED) -> np.random.RandomState:
    """A local RandomState: the scripts' global stream seeded with ``seed``, without touching global state."""
    return np.random.RandomState(seed)


# =========================================================================== A. the study (Figs. 1-3)
STUDY_ESTIMATES = ("mean", "mw_mean", "mom_mw_mean", "mom", "median")
RUN_LOSSES = ("clipped", "clipped", "clipped", "clipped", "logistic")  # the five loss-flag runs of MW.py
MOM_RUNS_BUGGY = (0, 1, 2, 3, 3)  # seed bug: run 4 twice, run 5 never


STUDY_SUMMARY = "Paper-compatible MW.py (Figs. 1-3): the scripts' algorithm and draw order from RandomState(42)"


def legacy_rng_name(seed: int) -> str:
    """How a trace names the generator the scripts' stream comes from (a local RandomState, here only)."""
    return f"numpy.random.RandomState({seed}) (local)"


@dataclass(frozen=True)
class PaperStudyConfig:
    """The paper scripts' study; the fields with a range are the trace kind ``robust_study_paper``'s parameters."""

    # the trace kind's parameters, in the order of its command line; then the scripts' fixed constants
    blacklist: bool = param(True, "blacklist sources whose MW weight falls below tau (Fig. 3; off: Fig. 2)")
    seed_bugs: bool = param(False, "replay the seed's two bugs (labels after blacklisting; MoM curve)")
    legacy_seed: int = param(
        LEGACY_SEED, "seed of the local RandomState the scripts' stream comes from", low=0, high=2**32 - 1
    )
    n_sources: int = param(3000, "number of sources n", low=10, high=20_000)
    rounds: int = param(10, "rounds", low=1, high=1000)
    runs: int = param(5, "runs averaged (MW.py: five loss flags)", low=1, high=50)
    eta: float = param(1.5, "MW rate (exponential update)", low=0.0, high=10.0, low_open=True)
    tau: float = param(
        1e-5,
        "blacklisting threshold on the unnormalised updated weight",
        low=0.0,
        high=1.0,
        low_open=True,
        high_open=True,
    )
    logistic_k: float = param(
        1.0, "steepness of the logistic run's loss (assumption)", low=0.0, high=100.0, low_open=True
    )
    logistic_center: float = param(
        3.0, "centre (in units of c) of the logistic run's loss (assumption)", low=0.0, high=100.0
    )
    c_k: float = param(0.9, "c = c_k * median |x - coordinate median|", low=0.0, high=100.0, low_open=True)
    byz_share: float = 1 / 3
    d: int = 2
    byz_offset: float = 5.0
    mean_spread: float = 0.5
    honest_noise: float = 0.1
    byz_noise: float = 3.0

    def __post_init__(self):
        check_fields(self)

    @property
    def n_good(self) -> int:
        return int((1 - self.byz_share) * self.n_sources)


@dataclass(frozen=True)
class PaperStudy:
    mu_true: np.ndarray  # (d,)
    means: np.ndarray  # (n, d) source means after the shuffle
    is_byz: np.ndarray  # (n,) labels after the shuffle
    estimates: np.ndarray  # (run, round, estimator, d), STUDY_ESTIMATES order, before the round's update
    error: np.ndarray  # (run, round, estimator) ||estimate - mu_true||
    curve: np.ndarray  # (round, estimator) the published average over runs (MoM with the bug if on)
    blacklisted_at: np.ndarray  # (run, n) round (1-based) a source was removed, NEVER if it survived
    n_active: np.ndarray  # (run, round) sources queried in the round
    eta_mom: np.ndarray  # (run, round) adaptive rate of the MoM-guided run


def _mom_buckets(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """MW.py's median of means: coordinate median of the means of max(5, n//50) consecutive buckets.

    At most n buckets: with fewer than 5 sources left (after blacklisting) MW.py's empty buckets made the
    estimate NaN; here each source is a bucket (version 2 of robust_study_paper, as :func:`_per_scale`).
    """
    b = min(max(5, len(x) // 50), len(x))
    bm = np.array([p.mean(0) for p in np.array_split(x, b)])
    return np.median(bm, axis=0), bm


def _clipped_maxnorm(x: np.ndarray, centre: np.ndarray, c: float, loss: str, cfg: PaperStudyConfig) -> np.ndarray:
    """MW.py's loss: r_i = ||x_i - centre|| / (max_j r_j + 1e-8), then min(1, r/c).

    The logistic run: 1 / (1 + exp(-k (r/c - m))) on the raw residual (k = logistic_k, m = logistic_center).
    The note does not give MW.py's logistic form: this one is our assumption (see LOGISTIC_NOTE).
    """
    r = np.linalg.norm(x - centre, axis=1)
    if loss == "logistic":
        with np.errstate(over="ignore"):
            return 1.0 / (1.0 + np.exp(-cfg.logistic_k * (_per_scale(r, c) - cfg.logistic_center)))
    r = r / (r.max() + 1e-8)
    return np.minimum(1.0, _per_scale(r, c))


def _per_scale(r: np.ndarray, c: float) -> np.ndarray:
    """r / c, where a scale c = 0 (one source left, or most reports on the median) gives 0 for a report at the
    centre and inf for any other (MW.py: NaN for 0/0, which then took every weight with it)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        q = r / c
    return np.where(r == 0, 0.0, q)


def _study_data(cfg: PaperStudyConfig, rs: np.random.RandomState):
    ng = cfg.n_good
    nb = cfg.n_sources - ng
    mu = rs.randn(cfg.d)
    good = rs.randn(ng, cfg.d) * cfg.mean_spread + mu
    shift = np.zeros(cfg.d)
    shift[0] = cfg.byz_offset
    bad = rs.randn(nb, cfg.d) * cfg.mean_spread + mu + shift
    means = np.vstack([good, bad])
    labels = np.r_[np.zeros(ng, bool), np.ones(nb, bool)]
    perm = rs.permutation(cfg.n_sources)
    return mu, means[perm], labels[perm]


def _study_run(cfg: PaperStudyConfig, rs, mu, means0, labels0, loss: str):
    means, labels, idx = means0.copy(), labels0.copy(), np.arange(len(means0))
    w_mw = np.ones(len(means))
    w_mom = np.ones(len(means))
    est = np.empty((cfg.rounds, len(STUDY_ESTIMATES), cfg.d))
    black = np.full(len(means0), NEVER, dtype=np.int64)
    n_act = np.empty(cfg.rounds, dtype=np.int64)
    eta_mom = np.empty(cfg.rounds)
    for t in range(cfg.rounds):
        n = len(means)
        n_act[t] = n
        # 1. query every current source once, in list order (seed bug: labels of the original array by position)
        noise = rs.randn(n, cfg.d)
        byz_now = labels0[:n] if cfg.seed_bugs else labels
        x = means + noise * np.where(byz_now, cfg.byz_noise, cfg.honest_noise)[:, None]
        # 2. estimates, recorded before the update
        m = np.median(x, axis=0)
        mw = (w_mw[:, None] * x).sum(0) / w_mw.sum()
        mom, bucket_means = _mom_buckets(x)
        mom_mw = (w_mom[:, None] * x).sum(0) / w_mom.sum()
        est[t] = (x.mean(0), mw, mom_mw, mom, m)
        # 4. scale; 5.-6. MW loss against the MW mean, exponential update
        c = cfg.c_k * np.median(np.abs(x - m))
        w_mw = w_mw * np.exp(-cfg.eta * _clipped_maxnorm(x, mw, c, loss, cfg))
        # 7. blacklisting on the updated, not yet normalised weights; removed from every array
        if cfg.blacklist:
            keep = w_mw >= cfg.tau
            if not keep.all():
                black[idx[~keep]] = t + 1
                means, labels, idx, x = means[keep], labels[keep], idx[keep], x[keep]
                w_mw, w_mom = w_mw[keep], w_mom[keep]
            if not keep.any():  # every source removed (MW.py fails here): no later round has a source to query
                est[t + 1 :], n_act[t + 1 :], eta_mom[t:] = np.nan, 0, np.nan
                break
        # 8. normalise; 9. MoM-guided MW with the adaptive rate
        w_mw = w_mw / w_mw.sum()
        eta_mom[t] = min(cfg.eta, 0.5 + 10.0 * float(np.linalg.norm(bucket_means.var(axis=0))))
        w_mom = w_mom * np.exp(-eta_mom[t] * _clipped_maxnorm(x, mom, c, loss, cfg))
        w_mom = w_mom / w_mom.sum()
    return est, black, n_act, eta_mom


def run_paper_study(cfg: PaperStudyConfig) -> PaperStudy:
    """MW.py from RandomState(legacy_seed): data at import, then the five loss-flag runs (section A)."""
    rs = legacy_stream(cfg.legacy_seed)
    mu, means, labels = _study_data(cfg, rs)
    losses = [RUN_LOSSES[i % len(RUN_LOSSES)] for i in range(cfg.runs)]
    parts = [_study_run(cfg, rs, mu, means, labels, lo) for lo in losses]
    est = np.stack([p[0] for p in parts])
    err = np.linalg.norm(est - mu, axis=-1)
    curve = err.mean(0)
    if cfg.seed_bugs and cfg.runs == len(MOM_RUNS_BUGGY):
        curve[:, STUDY_ESTIMATES.index("mom")] = err[list(MOM_RUNS_BUGGY), :, STUDY_ESTIMATES.index("mom")].mean(0)
    return PaperStudy(
        mu,
        means,
        labels,
        est,
        err,
        curve,
        np.stack([p[1] for p in parts]),
        np.stack([p[2] for p in parts]),
        np.stack([p[3] for p in parts]),
    )


# =========================================================================== B. the verification sweep (Figs. 4-7, Table I)
GRID_ETA = tuple(float(v) for v in np.linspace(0.01, 0.1, 10))  # outer loop of verification.py
GRID_TAU = tuple(float(v) for v in np.linspace(0.01, 0.1, 10))  # inner loop
_MAX_CHUNK = 2_000_000  # trials * rounds * n per chunk (as the default cell)
SWEEP_SETTINGS = {
    "n_sources": 20,
    "byz_fraction": 0.3,
    "rounds": 50,
    "byz_distance": 5.0,
    "delta": 0.01,
    "byz_target": 0.8,
    "c": 1.0,
    "mu_scale": 2.0,
    "mean_spread": 0.5,
    "query_noise": 0.1,
}


def paper_grid_index(eta: float, tau: float) -> int | None:
    """Position of (eta, tau) in verification.py's loop (eta outer, tau inner), None when off its grid."""
    ie = [i for i, v in enumerate(GRID_ETA) if math.isclose(v, eta, rel_tol=1e-9, abs_tol=1e-12)]
    it = [i for i, v in enumerate(GRID_TAU) if math.isclose(v, tau, rel_tol=1e-9, abs_tol=1e-12)]
    return ie[0] * len(GRID_TAU) + it[0] if ie and it else None


def _cell_data(rs: np.random.RandomState, n: int, nb: int, rounds: int, dist: float, skip: bool = False):
    """One cell's draws of verification.py, in order; ``skip`` draws them without keeping the numbers."""
    nh = n - nb
    mu = rs.randn(1) * SWEEP_SETTINGS["mu_scale"]
    hm = mu + SWEEP_SETTINGS["mean_spread"] * rs.randn(nh, 1)
    bm = mu + dist + SWEEP_SETTINGS["mean_spread"] * rs.randn(nb, 1)
    perm = rs.permutation(n)
    noise = rs.randn(rounds * n)  # rounds x randn(n, 1): the legacy stream does not care how it is split
    if skip:
        return None
    means = np.vstack([hm, bm])[perm, 0]
    is_byz = (np.arange(n) >= nh)[perm]
    q = means[None, :] + noise.reshape(rounds, n) * SWEEP_SETTINGS["query_noise"]
    order = np.argsort(is_byz, kind="stable")  # honest first, as CellResult expects
    return q[:, order], is_byz[order]


def stream_cell(
    index: int, *, n: int = 20, nb: int = 6, rounds: int = 50, dist: float = 5.0, seed: int = LEGACY_SEED
) -> tuple[np.ndarray, np.ndarray]:
    """Queries (rounds, n) and labels of cell ``index`` of the scripts' stream: replays cells 0..index-1 first."""
    rs = legacy_stream(seed)
    for _ in range(index):
        _cell_data(rs, n, nb, rounds, dist, skip=True)
    return _cell_data(rs, n, nb, rounds, dist)


def draw_queries(
    trials: int, n: int, nb: int, rounds: int, dist: float, rng: np.random.Generator, out: np.ndarray | None = None
) -> np.ndarray:
    """(trials, rounds, n) queries with verification.py's data model, honest sources first, from a Generator.

    Draw order: mu (trials, 1), source means (trials, n), query noise (trials, rounds, n); written into ``out``
    (C-contiguous) when given, in place.
    """
    s = SWEEP_SETTINGS
    mu = rng.standard_normal((trials, 1)) * s["mu_scale"]
    means = mu + s["mean_spread"] * rng.standard_normal((trials, n))
    means[:, n - nb :] += dist
    q = np.empty((trials, rounds, n)) if out is None else out
    rng.standard_normal(out=q)
    q *= s["query_noise"]
    q += means[:, None, :]
    return q


def paper_weights(q: np.ndarray, eta: float, c: float = 1.0) -> np.ndarray:
    """(trials, rounds + 1, n) weights: median centre, loss min(1, |q - median|/c), w *= (1 - eta l), no removal."""
    n = q.shape[-1]
    s = np.sort(q, axis=-1)  # SIMD sort of short rows: several times faster than np.median's partition
    med = s[..., n // 2 : n // 2 + 1] if n % 2 else (s[..., n // 2 - 1 : n // 2] + s[..., n // 2 : n // 2 + 1]) / 2
    loss = np.abs(q - med)  # = np.median's value: the mean of the two middle order statistics
    if c != 1.0:
        loss /= c
    np.minimum(loss, 1.0, out=loss)
    loss *= -eta
    loss += 1.0
    w = np.empty((q.shape[0], q.shape[1] + 1, q.shape[2]))
    w[:, 0] = 1.0
    np.cumprod(loss, axis=1, out=w[:, 1:])
    return w


def first_below(avg: np.ndarray, tau: float) -> np.ndarray:
    """First round t >= 1 with avg[..., t] < tau (NEVER if none); the scripts write 0 for never."""
    below = avg[..., 1:] < tau
    return np.where(below.any(-1), below.argmax(-1) + 1, NEVER).astype(np.int64)


CELL_TRIALS = Param("trials", int, 1, "trials of one cell", low=1)


def run_paper_cell(p: dict, trials: int, rng: np.random.Generator) -> tuple[dict, dict]:
    """One cell in paper mode: (counts, arrays) with the keys of CellResult.counts() / arrays().

    ``p`` holds eta, tau, n_sources, byz_fraction, byz_distance, rounds (and optionally delta, byz_target,
    confidence, legacy_seed); c = 1 always (the default mode's c, sigma and byz_spread do not apply). Trial 0
    is the scripts' own trial when (eta, tau) is on their grid.
    """
    from ..core.population import n_byzantine

    eta, tau = float(p["eta"]), float(p["tau"])
    n = int(p.get("n_sources", SWEEP_SETTINGS["n_sources"]))
    nb = n_byzantine(float(p.get("byz_fraction", SWEEP_SETTINGS["byz_fraction"])), n)
    nh = n - nb
    R = int(p.get("rounds", SWEEP_SETTINGS["rounds"]))
    dist = float(p.get("byz_distance", SWEEP_SETTINGS["byz_distance"]))
    c = SWEEP_SETTINGS["c"]  # the scripts' c = 1; the default mode's c, sigma, byz_spread are unused
    trials = CELL_TRIALS.coerce(trials)
    idx = paper_grid_index(eta, tau)
    chunk = max(1, min(trials, _MAX_CHUNK // (R * n)))  # memory bound; depends on the parameters only
    hb = ha = bb = ba = 0
    T_emp, avg_h, avg_b, example = [], [], [], None
    for start in range(0, trials, chunk):
        m = min(chunk, trials - start)
        q = np.empty((m, R, n))
        first = 0
        if start == 0 and idx is not None:
            q[0], _ = stream_cell(idx, n=n, nb=nb, rounds=R, dist=dist, seed=int(p.get("legacy_seed", LEGACY_SEED)))
            first = 1
        if m > first:
            draw_queries(m - first, n, nb, R, dist, rng, out=q[first:])
        W = paper_weights(q, eta, c)
        final = W[:, -1] < tau  # weights only fall: below tau at the end = below tau once
        hb += int(final[:, :nh].sum())
        ha += int(final[:, :nh].any(-1).sum())
        bb += int(final[:, nh:].sum())
        ba += int(final[:, nh:].all(-1).sum()) if nb else 0
        avg_h.append(W[:, :, :nh].mean(-1))
        if nb:
            avg_b.append(W[:, :, nh:].mean(-1))
            T_emp.append(first_below(avg_b[-1], tau))
        else:
            T_emp.append(np.full(m, NEVER, dtype=np.int64))
        if example is None:
            example = W[0].T.copy()
    ah = np.concatenate(avg_h)
    ab = np.concatenate(avg_b) if nb else np.full_like(ah, np.nan)
    T_emp = np.concatenate(T_emp)
    q5 = lambda a: np.quantile(a, [0.05, 0.95], axis=0) if np.isfinite(a).all() else np.full((2, R + 1), np.nan)  # noqa: E731
    black0 = first_below(example, tau)  # no removal: the round a weight first falls below tau (it stays below)
    counts = {
        "trials": trials,
        "rounds": R,
        "n_honest": nh,
        "n_byzantine": nb,
        "honest_blacklisted": hb,
        "honest_any": ha,
        "byz_blacklisted": bb,
        "byz_all": ba,
        "delta": float(p.get("delta", SWEEP_SETTINGS["delta"])),
        "byz_target": float(p.get("byz_target", SWEEP_SETTINGS["byz_target"])),
        "confidence": float(p.get("confidence", 0.95)),
    }
    arrays = {
        "T_emp": T_emp,
        "mean_honest": ah.mean(0),
        "mean_byz": ab.mean(0),
        "q_honest": q5(ah),
        "q_byz": q5(ab),
        "example_w": example,
        "example_black": black0,
        "is_byz": np.arange(n) >= nh,
        "replayed": np.bool_(idx is not None),
    }
    return counts, arrays


# --------------------------------------------------------------------------- the paper's cell rule and fit
def paper_exclusion(r, honest_filter: bool = False, T_max: int = 60) -> str | None:
    """verification.py's cell rule for a CellResult-like ``r`` (None: used in the fit).

    Kept: (empirical T > 0 or theoretical T <= T_max) and p_byz > 0. Censored cells (some trial never below
    tau) are still excluded, since their mean T is unknown. The honest-target filter only when asked.
    """
    if r.n_byzantine == 0:
        return "no Byzantine sources"
    reached = int(np.sum(np.asarray(r.T_emp) != NEVER))
    if reached < r.trials:
        return (
            f"censored: average Byzantine weight stayed above tau for {r.rounds} rounds in "
            f"{r.trials - reached} of {r.trials} trials"
        )
    if not (reached > 0 or theoretical_T(r.cell.eta, r.cell.tau) <= T_max):
        return f"empirical T = 0 and theoretical T > {T_max}"
    if not r.p_byz > 0:
        return "p_byz = 0"
    if honest_filter and not r.meets_honest:
        return f"fails honest target: P(honest blacklisted) {r.p_honest:.4f} > delta/n_honest {r.honest_target:.4f}"
    return None


def paper_fit(results: Sequence, honest_filter: bool = False) -> LineFit:
    """Least squares of mean empirical T on x = (1/eta) ln(1/tau) over the cells the paper's rule keeps."""
    inc, exc = [], []
    for r in sorted(results, key=lambda r: r.cell.index):
        why = paper_exclusion(r, honest_filter)
        (exc.append((r.cell.index, why)) if why else inc.append(r))
    xs = np.array([theoretical_x(r.cell.eta, r.cell.tau) for r in inc])
    ys = np.array([float(np.mean(r.T_emp)) for r in inc])
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
    xm, ym = xs.mean(), ys.mean()
    sxx = float(((xs - xm) ** 2).sum())
    slope = float(((xs - xm) * (ys - ym)).sum() / sxx)
    icpt = float(ym - slope * xm)
    res = ys - (slope * xs + icpt)
    ss_res, ss_tot = float((res**2).sum()), float(((ys - ym) ** 2).sum())
    r2 = 1 - ss_res / ss_tot if ss_tot > 0 else math.nan
    s2 = ss_res / (len(xs) - 2) if len(xs) > 2 else math.nan
    se_slope = math.sqrt(s2 / sxx)
    se_icpt = math.sqrt(s2 * (1 / len(xs) + xm * xm / sxx))
    return LineFit(
        slope,
        icpt,
        r2,
        se_slope,
        se_icpt,
        len(inc),
        ids,
        tuple(exc),
        note="paper cell rule" + (" + honest-target filter" if honest_filter else ""),
    )


def paper_best(results: Sequence):
    """verification.py's "best" cell: sorted by pass (true first), then p_honest ascending; first one."""
    return sorted(results, key=lambda r: (not r.meets_targets, r.p_honest, r.cell.index))[0]


RECORD_KEYS = (
    "honest_blacklisted",
    "honest_any",
    "byz_blacklisted",
    "byz_all",
    "T_emp",
    "mean_honest",
    "mean_byz",
    "q_honest",
    "q_byz",
    "example_w",
    "example_black",
    "is_byz",
)


def paper_record(p: dict, rng: np.random.Generator) -> dict:
    """The declared sweep's record of one cell in paper mode (``variant=paper``): run_paper_cell's numbers."""
    counts, arrays = run_paper_cell(p, int(p["trials"]), rng)
    rec = {**counts, **arrays}
    out = {k: rec[k] for k in RECORD_KEYS}
    for k in ("honest_blacklisted", "honest_any", "byz_blacklisted", "byz_all"):
        out[k] = np.int64(out[k])
    return out
