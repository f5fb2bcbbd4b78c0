"""The error-bounded blacklisting protocol (Knowlson et al., Sec. III.B), simulated.

n sources, source i answers N(mu_i, 1) with mu_i in [0, 1]; k peers, f = floor(beta k) Byzantine.

1. Every peer queries every source m = ceil(C (c ln n + ln k) / eps^2) times (Sec. III.B.1) and keeps the
   sample mean. The mean of m draws of N(mu, 1) is exactly N(mu, 1/m): :func:`draw_estimates` draws it
   from that law (``exact=True``) or query by query (``exact=False``, the check of the former).
2. Peers exchange estimates; p blacklists q when |mu_hat_p,i - mu_hat_q,i| > 2 eps / 3 on any source
   (Sec. III.B.1; a non-finite report counts as a violation).
3. Each peer averages, per source, its own estimate and the reports of the peers it has not
   blacklisted (Sec. III.B.3).

Why 2 eps / 3 (the triangle inequality of Sec. III.B.1): when every honest estimate is within eps / 3 of
mu_i, two honest estimates differ by at most 2 eps / 3, so no honest pair is ever blacklisted. For C
the Gaussian tail gives P(|N(0, 1/m)| > eps / 3) <= 2 exp(-m eps^2 / 18) = 2 (n^c k)^(-C/18), so the union
bound over the n k estimates (the paper's guarantee) needs C of about 18; :func:`union_bound` is that
bound, :func:`p_outside` the exact probability it bounds.

Everything is vectorised over peers and sources and never builds a k x k x n array in a sweep: the
pairwise test is one Chebyshev distance matrix (scipy.spatial.distance.cdist) per trial, and an
equivocating attacker's per-receiver reports are made one attacker at a time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from scipy.spatial.distance import cdist
from scipy.special import ndtr

from ..core.errors import ParamError
from ..core.params import Param
from .strategies import ESTIMATE_STRATEGIES, ESTIMATE_STRATEGY

PER_RECEIVER = ("equivocate", "just_inside")  # strategies whose report depends on the receiver

# The protocol's parameters, declared once (trace kind error_bounded and the eb_* sweeps set their defaults).
N_SOURCES = Param("n_sources", int, 100, "sources n", low=1, high=1_000_000)
EPS = Param("eps", float, 0.5, "error tolerance eps", low=0.0, high=10.0, low_open=True)
C_QUERIES = Param(
    "C", float, 18.0, "query constant C in m = ceil(C (c ln n + ln k) / eps^2)", low=0.0, high=1e4, low_open=True
)
C_CONFIDENCE = Param("c", float, 1.0, "confidence exponent c (failure 1/n^c)", low=0.0, high=100.0, low_open=True)
SHIFT = Param("shift", float, 0.5, "shift / equivocate: distance of the reports from mu", low=-1e6, high=1e6)
MARGIN = Param(
    "margin",
    float,
    0.01,
    "just_inside: reports 2 eps / 3 - margin from each receiver",
    low=0.0,
    high=10.0,
    low_open=True,
)


def check_margin(margin: float, eps: float) -> None:
    """just_inside must stay inside the test: 0 < margin < 2 eps / 3 (the upper end depends on eps)."""
    if not margin < 2 * eps / 3:
        raise ParamError(f"margin: must be a number in (0, 2 eps / 3) = (0, {2 * eps / 3:g}), got {margin!r}")


def queries_per_source(n: int, k: int, eps: float, C: float, c: float = 1.0) -> int:
    """m = ceil(C (c ln n + ln k) / eps^2) (Sec. III.B.1); at least 1."""
    return max(1, math.ceil(C * (c * math.log(n) + math.log(k)) / eps**2 - 1e-9))


def p_outside(m: int, eps: float) -> float:
    """P(|mean of m draws of N(mu, 1) - mu| > eps / 3) = 2 Phi(-(eps / 3) sqrt(m)), exactly."""
    return float(2 * ndtr(-(eps / 3) * math.sqrt(m)))


def p_any_outside(m: int, eps: float, n_estimates: int) -> float:
    """P(some of n_estimates independent honest estimates is outside eps / 3)."""
    return float(-math.expm1(n_estimates * math.log1p(-p_outside(m, eps))))


def union_bound(m: int, eps: float, n_estimates: int) -> float:
    """The paper's guarantee: n_estimates * 2 exp(-m eps^2 / 18) (Chernoff for N(0, 1/m), union bound), capped at 1."""
    return float(min(1.0, n_estimates * 2 * math.exp(-m * eps**2 / 18)))


def draw_estimates(
    mu: np.ndarray, rows: int, m: int, rng: np.random.Generator, exact: bool = True, chunk: int = 1_000_000
) -> np.ndarray:
    """(rows, n) sample means of m queries of N(mu_i, 1): from the exact law N(mu_i, 1/m), or query by query."""
    mu = np.asarray(mu, dtype=float)
    if exact:
        return mu + rng.standard_normal((rows, mu.size)) / math.sqrt(m)
    out = np.empty((rows, mu.size))
    per = max(1, chunk // max(1, mu.size))
    for r in range(0, rows, per):
        out[r : r + per] = mu + rng.standard_normal((min(per, rows - r), mu.size, m)).mean(axis=-1)
    return out


@dataclass(frozen=True)
class Attack:
    strategy: str
    eps: float
    shift: float = 0.5  # distance of shift / equivocate reports from mu
    margin: float = 0.01  # just_inside: 2 eps / 3 - margin from each receiver's estimate
    direction: float = 1.0  # just_inside: +1 or -1, the same on every source

    @property
    def threshold(self) -> float:
        return 2 * self.eps / 3


def shared_reports(att: Attack, mu: np.ndarray, f: int, rng: np.random.Generator) -> np.ndarray | None:
    """(f, n) reports that every receiver gets (shift, random); None for per-receiver strategies."""
    if att.strategy == "shift":
        return np.broadcast_to(mu + att.shift, (f, mu.size)).copy()
    if att.strategy == "random":
        return rng.random((f, mu.size))
    return None


def _bits(rng: np.random.Generator, shape, count: int = 0) -> np.ndarray:
    """Fair random bits, one per element of ``shape`` (``count`` such blocks stacked when > 0), from rng.bytes.

    Each block takes a whole number of 8-byte words, so c blocks drawn at once equal c blocks drawn one by
    one (the shortcut in run_trial and receiver_reports draw the same bits).
    """
    size = int(np.prod(shape))
    nb = 8 * ((size + 63) // 64)
    c = max(1, count)
    raw = np.frombuffer(rng.bytes(c * nb), dtype=np.uint8).reshape(c, nb)
    bits = np.unpackbits(raw, axis=1, count=size).view(bool)
    return bits.reshape((c, *shape)) if count else bits.reshape(shape)


def receiver_reports(att: Attack, mu: np.ndarray, E: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(h, n) reports of ONE attacker to each of the h honest receivers (estimates E) for per-receiver strategies."""
    if att.strategy == "equivocate":
        return mu + att.shift * np.where(_bits(rng, E.shape), 1.0, -1.0)
    if att.strategy == "just_inside":
        return E + att.direction * (att.threshold - att.margin)
    raise ValueError(f"strategy: {att.strategy!r} sends the same report to everybody")


def violates(d: np.ndarray, threshold: float) -> np.ndarray:
    """The blacklisting test on a max-difference: > threshold, or not finite (a NaN/inf report is an attack)."""
    return ~(d <= threshold)


@dataclass(frozen=True)
class TrialResult:
    honest_bl: np.ndarray  # (h, h) p blacklists q (honest), diagonal False
    byz_bl: np.ndarray  # (h, f) p blacklists Byzantine b
    final: np.ndarray  # (h, n) final estimates of the honest peers


def run_trial(
    mu: np.ndarray, E: np.ndarray, f: int, att: Attack, rng: np.random.Generator, byz_reports: np.ndarray | None = None
) -> TrialResult:
    """Blacklisting and final averaging for the h honest peers with estimates E (h, n).

    Memory O(h^2 + h n): one Chebyshev matrix, one attacker's per-receiver reports at a time.
    ``byz_reports`` (f, n) overrides shared reports (for tests of hostile values).
    """
    h, n = E.shape
    thr = att.threshold
    honest_bl = violates(cdist(E, E, "chebyshev"), thr)
    np.fill_diagonal(honest_bl, False)
    keep = ~honest_bl
    total = keep.astype(float) @ E  # own + surviving honest reports
    count = keep.sum(axis=1).astype(float)
    byz_bl = np.zeros((h, f), dtype=bool)
    if f:
        R = byz_reports if byz_reports is not None else shared_reports(att, mu, f, rng)
        if R is not None:
            byz_bl = (
                violates(cdist(E, R, "chebyshev"), thr)
                if np.isfinite(R).all()
                else violates(np.max(np.abs(E[:, None, :] - R[None, :, :]), axis=2), thr)
            )
            ok = ~byz_bl
            total += ok.astype(float) @ np.where(np.isfinite(R), R, 0.0)
            count += ok.sum(axis=1)
        elif att.strategy == "just_inside":
            # every attacker sends observer p the same report E_p + d: one comparison serves all f of them
            Rb = receiver_reports(att, mu, E, rng)
            bl = violates(np.max(np.abs(Rb - E), axis=1), thr)
            byz_bl[:] = bl[:, None]
            total += np.where(bl[:, None], 0.0, f * Rb)
            count += f * ~bl
        else:  # equivocate: mu +- shift, a random sign per (b, p, i)
            # whether each sign's report fails the test on (p, i), computed once; then bits only
            fail_hi = violates(np.abs(mu + att.shift - E), thr)
            fail_lo = violates(np.abs(mu - att.shift - E), thr)
            ups = np.zeros(E.shape, dtype=np.int32)  # surviving "+shift" reports per (p, i)
            always = (fail_hi & fail_lo).any(axis=1)  # caught whatever the signs
            differ = (fail_hi ^ fail_lo).ravel()
            idx = np.flatnonzero(differ)  # only there does the sign decide
            row = idx // E.shape[1]
            want = fail_hi.ravel()[idx]
            chunk = max(1, min(255, 8_000_000 // max(1, E.size)))
            for b0 in range(0, f, chunk):
                c = min(chunk, f - b0)
                up = _bits(rng, E.shape, c)  # (c, h, n)
                hit = up.reshape(c, -1)[:, idx] == want[None, :]  # sign makes the report fail
                bl = always[None, :].repeat(c, axis=0)
                if idx.size:
                    bl |= np.stack([np.bincount(row, weights=hc, minlength=E.shape[0]) > 0 for hc in hit])
                byz_bl[:, b0 : b0 + c] = bl.T
                u8 = up.view(np.uint8)
                u8 *= (~bl)[:, :, None]
                ups += u8.sum(axis=0, dtype=np.uint8)  # c <= 255: no overflow
            n_b = (~byz_bl).sum(axis=1)
            count += n_b
            total += n_b[:, None] * (mu[None, :] - att.shift) + 2 * att.shift * ups
    return TrialResult(honest_bl, byz_bl, total / count[:, None])


def parse_strategies(text: str) -> list[str]:
    """The attacks of a comma-separated list, each one of ESTIMATE_STRATEGIES; ParamError naming ``strategies``."""
    items = [s.strip() for s in str(text).split(",")]
    if not items or any(not s for s in items):
        raise ParamError(f"strategies: a comma-separated list of {', '.join(ESTIMATE_STRATEGIES)}, got {text!r}")
    each = replace(ESTIMATE_STRATEGY, name="strategies")
    return [each.coerce(s) for s in items]
