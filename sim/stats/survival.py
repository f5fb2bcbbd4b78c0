"""Survival data with right censoring: the Kaplan-Meier estimator, Greenwood's variance, log-log intervals.

Data: for each unit a time t_i and whether its event was observed (``event``) or it was still going at t_i
(censored: the event time is > t_i). At each distinct event time t_j, with n_j units at risk (time >= t_j;
a unit censored at t_j is still at risk there, events before censorings) and d_j events,

    S(t) = prod_{t_j <= t} (1 - d_j / n_j)                                   (Kaplan & Meier 1958)
    Var S(t) ~ S(t)^2 sum_{t_j <= t} d_j / (n_j (n_j - d_j))                (Greenwood 1926)

and the pointwise interval is the log-log one (Kalbfleisch & Prentice 2002, Sec. 1.4): with
theta = log(-log S) and se(theta) = sqrt(sum d_j / (n_j (n_j - d_j))) / |log S|, the interval for S is
[S^exp(z se), S^exp(-z se)] -- inside [0, 1] always, unlike S +/- z sd. Without censoring S is the
empirical survival function 1 - F_n. The median is min{t: S(t) <= 1/2}; its interval the times at which
the pointwise band crosses 1/2 (Brookmeyer & Crowley 1982, as R's survfit): [min{t: low <= 1/2},
min{t: high <= 1/2}], infinite where the band never gets there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .intervals import _z


@dataclass(frozen=True)
class KaplanMeier:
    """The estimate at each distinct event time (ascending); S = 1 before the first."""

    time: np.ndarray  # (J,) distinct event times
    at_risk: np.ndarray  # (J,) n_j
    events: np.ndarray  # (J,) d_j
    survival: np.ndarray  # (J,) S(t_j)
    se: np.ndarray  # (J,) Greenwood standard error of S(t_j)
    low: np.ndarray  # (J,) pointwise log-log interval
    high: np.ndarray  # (J,)
    n: int  # units
    censored: int  # units whose event was not observed
    last_time: float  # the largest time observed (event or censoring): S is known up to here

    def at(self, t) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(S, low, high) at the times ``t`` (the right-continuous step function; NaN beyond ``last_time``)."""
        t = np.asarray(t, dtype=float)
        k = np.searchsorted(self.time, t, side="right") - 1
        out = []
        for arr in (self.survival, self.low, self.high):
            v = np.where(k >= 0, arr[np.maximum(k, 0)] if arr.size else 1.0, 1.0)
            out.append(np.where(t > self.last_time, np.nan, v))
        return tuple(out)

    def quantile(self, p: float = 0.5) -> tuple[float, float, float]:
        """(t_p, low, high): t_p = min{t: S(t) <= 1 - p} and its interval from the band (module docstring).
        inf where the curve (or the bound) never gets there within the data."""
        level = 1.0 - p
        out = []
        for arr in (self.survival, self.low, self.high):
            hit = np.flatnonzero(arr <= level + 1e-12)
            out.append(float(self.time[hit[0]]) if hit.size else math.inf)
        return out[0], out[1], out[2]

    def median(self) -> tuple[float, float, float]:
        return self.quantile(0.5)


def kaplan_meier(time, event, confidence: float = 0.95) -> KaplanMeier:
    """Kaplan-Meier estimate of P(T > t) from right-censored data (module docstring).

    ``time``: (N,) finite times >= 0; ``event``: (N,) bool, True where the event was observed at ``time``,
    False where the unit was censored there (still going)."""
    t = np.asarray(time, dtype=float).ravel()
    e = np.asarray(event, dtype=bool).ravel()
    if t.shape != e.shape:
        raise ValueError(f"time and event: shapes {t.shape} and {e.shape} differ")
    if t.size and (not np.all(np.isfinite(t)) or t.min() < 0):
        raise ValueError("time: must be finite and >= 0")
    N = int(t.size)
    uniq = np.unique(t[e])
    # at risk at t_j: units with time >= t_j; events at t_j
    st = np.sort(t)
    at_risk = (N - np.searchsorted(st, uniq, side="left")).astype(np.int64)
    events = np.bincount(np.searchsorted(uniq, t[e]), minlength=uniq.size).astype(np.int64)
    frac = 1.0 - events / at_risk
    S = np.cumprod(frac)
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(at_risk > events, events / (at_risk * (at_risk - events)), np.inf)
    g = np.cumsum(term)  # sum d / (n (n - d)); inf from the first time every unit at risk had its event
    with np.errstate(invalid="ignore", over="ignore"):
        se = np.where(S > 0, S * np.sqrt(g), 0.0)
    z = _z(float(confidence))
    low, high = np.empty_like(S), np.empty_like(S)
    for j, (s, gj) in enumerate(zip(S, g)):
        if s <= 0.0 or not math.isfinite(gj):
            low[j] = high[j] = 0.0 if s <= 0.0 else math.nan
            continue
        ls = math.log(s)
        if ls == 0.0:
            low[j] = high[j] = 1.0
            continue
        k = z * math.sqrt(gj) / abs(ls)
        low[j], high[j] = s ** math.exp(k), s ** math.exp(-k)
    return KaplanMeier(uniq, at_risk, events, S, se, low, high, N, int((~e).sum()), float(t.max()) if N else math.nan)


def runs_survival(rounds, censored, confidence: float = 0.95) -> KaplanMeier:
    """Kaplan-Meier of P(rounds > r) from a coin sweep's runs: ``rounds`` as recorded (a censored run holds
    cap + 1, i.e. it was still going after ``cap`` rounds: censored at time cap)."""
    r = np.asarray(rounds, dtype=float)
    c = np.asarray(censored, dtype=bool)
    return kaplan_meier(np.where(c, r - 1, r), ~c, confidence)
