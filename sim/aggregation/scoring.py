"""Client scoring: seed 003's ZScoreDetector, and a median/MAD scorer that does not suffer masking.

Both summarise each client by the mean, std and max of its vectors' L2 norms
(seed 003) and score |z| per metric across clients; a client is an outlier
when its largest |z| reaches the threshold.

ZScoreDetector is the seed's: z = (v - mean) / std with numpy's std (ddof=0;
``ddof=1`` gives the sample std that the seed's prose used for its numbers),
0 where the spread is below 1e-10. It suffers masking: by Samuelson's
inequality |z| <= sqrt(n - 1) with ddof=0 ((n - 1)/sqrt(n) with ddof=1), so
among n = 5 clients no client can ever reach 3, however large its update:
the seed's worked example (client 0 scaled by 100) gives z = 2.0 (1.79 with
ddof=1, the seed's "about 1.8"), not flagged.

RobustZScoreDetector uses the median and the MAD (sim.stats.robust.robust_zscores):
one outlier moves neither, so it is caught; threshold 3.5 by default
(Iglewicz & Hoaglin's cut-off for modified z-scores).

Both treat a client whose update holds NaN/±inf (or that sends no vector)
as an outlier with score +inf and keep it out of the others' statistics.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List

import numpy as np

from ..core.errors import ParamError
from ..stats.robust import robust_zscores

METRICS = ("mean_norm", "std_norm", "max_norm")


@dataclass
class ClientScore:
    """Seed 003's record: client id, score (largest |z| over the metrics), outlier flag, details."""

    client_id: int
    score: float
    is_outlier: bool
    details: Dict[str, Any] = field(default_factory=dict)


def norm_statistics(client_updates) -> tuple[np.ndarray, np.ndarray]:
    """(values (3, n): mean, std and max of each client's vector norms; finite (n,): usable clients)."""
    if client_updates is None or len(client_updates) == 0:
        raise ParamError("client_updates: no client updates provided (need a list of [n_i, d] arrays)")
    vals = np.zeros((3, len(client_updates)))
    ok = np.ones(len(client_updates), bool)
    for i, u in enumerate(client_updates):
        a = np.asarray(u, dtype=float)
        a = a[None, :] if a.ndim == 1 else a
        if a.ndim != 2:
            raise ParamError(f"client_updates[{i}]: must be a [n_i, d] array, got shape {a.shape}")
        if a.shape[0] == 0 or not np.isfinite(a).all():
            ok[i] = False
            continue
        with np.errstate(over="ignore"):
            norms = np.linalg.norm(a, axis=1)
        if not np.isfinite(norms).all():
            ok[i] = False
            continue
        vals[:, i] = (norms.mean(), norms.std(), norms.max())
    return vals, ok


def _threshold(t) -> float:
    if isinstance(t, bool) or not isinstance(t, (int, float)) or not np.isfinite(t) or t <= 0:
        raise ParamError(f"threshold: must be a number in (0, inf), got {t!r}")
    return float(t)


def _scores(z: np.ndarray, vals: np.ndarray, ok: np.ndarray, threshold: float, method: str) -> List[ClientScore]:
    out = []
    for i in range(z.shape[1]):
        zi = {m: float(z[j, i]) for j, m in enumerate(METRICS)}
        s = max(zi.values()) if ok[i] else float("inf")
        det = {"method": method, "non_finite": not bool(ok[i]), "z": zi,
               **{m: float(vals[j, i]) if ok[i] else float("nan") for j, m in enumerate(METRICS)}}
        out.append(ClientScore(i, s, bool(s >= threshold), det))
    return out


class ZScoreDetector:
    """Seed 003: |z| of mean/std/max norm across clients; outlier when the largest |z| >= threshold."""

    def __init__(self, threshold: float = 3.0, ddof: int = 0):
        self.threshold = _threshold(threshold)
        if ddof not in (0, 1):
            raise ParamError(f"ddof: must be 0 (numpy's std, the seed's code) or 1, got {ddof!r}")
        self.ddof = ddof

    def zscores(self, vals: np.ndarray, ok: np.ndarray) -> np.ndarray:
        z = np.zeros(vals.shape)
        v = vals[:, ok]
        if v.shape[1] == 0:
            return np.full(vals.shape, np.inf)
        mean = v.mean(-1, keepdims=True)
        std = v.std(-1, ddof=self.ddof, keepdims=True) if v.shape[1] > self.ddof else np.zeros((3, 1))
        zz = np.where(std > 1e-10, np.abs(v - mean) / np.where(std > 1e-10, std, 1.0), 0.0)
        z[:, ok] = zz
        z[:, ~ok] = np.inf
        return z

    def score_clients(self, client_updates) -> List[ClientScore]:
        vals, ok = norm_statistics(client_updates)
        return _scores(self.zscores(vals, ok), vals, ok, self.threshold, "zscore")


class RobustZScoreDetector(ZScoreDetector):
    """Median/MAD z-scores (robust.robust_zscores) of the same metrics: no masking; threshold 3.5."""

    def __init__(self, threshold: float = 3.5):
        super().__init__(threshold)

    def zscores(self, vals: np.ndarray, ok: np.ndarray) -> np.ndarray:
        if not ok.any():
            return np.full(vals.shape, np.inf)
        z = robust_zscores(np.where(ok, vals, 0.0), np.broadcast_to(ok, vals.shape))
        return np.where(ok, z, np.inf)

    def score_clients(self, client_updates) -> List[ClientScore]:
        vals, ok = norm_statistics(client_updates)
        return _scores(self.zscores(vals, ok), vals, ok, self.threshold, "robust_zscore")


SCORERS = {"zscore": ZScoreDetector, "robust_zscore": RobustZScoreDetector}
