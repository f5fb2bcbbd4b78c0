"""Sec. 4 of the report of Aggarwal et al.: the "dual" of an MWU -- one greedy adversary, a pluggable objective
and termination F.

The report's recipe for any MWU: in each round the adversary picks, among its candidate moves, one that
maximises its objective (the corrupted experts' weight after the update) subject to "not F" (the run
does not end); if every candidate makes F true it takes the one with the largest objective anyway and
the run ends. :class:`GreedyDual` is exactly that over a finite candidate set, vectorised over
candidates; an instance supplies ``candidates(state)``, ``objective(state, C)`` and ``terminates(state, C)``.

Two instances:

- :func:`coin_instance` -- the global coin: candidates are all subsets J of K, objective
  (1 - eta) W_K + 2 eta X, F = (z = d). On small tau it reproduces the non-adaptive solver (tested).
- :func:`robust_mean_attack` -- the robust-mean MW of this project (sim/mw/mw_engine.py, used as
  is through its ``reports`` hook): the Byzantine sources all report mu + s sigma for s on a grid;
  objective = their total weight after the MW update (w (1 - eta l), l the clipped loss against the
  engine's own centre and scale, obtained with ``state.probe``); F = "the estimate is within
  ``delta`` of the true mean". The adversary keeps the estimate away for as long as some offset does so;
  whatever it does, its weight is what it loses to the update. docs/coin.md shows what happens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.errors import ParamError
from ..core.params import Param
from .knapsack import output


@dataclass(frozen=True)
class DualChoice:
    index: int  # which candidate
    value: float  # its objective
    ends: bool  # F holds for it (no candidate avoided F)


@dataclass(frozen=True)
class GreedyDual:
    """max objective subject to not F over a finite candidate set (Sec. 4)."""

    candidates: Callable[[Any], np.ndarray]
    objective: Callable[[Any, np.ndarray], np.ndarray]
    terminates: Callable[[Any, np.ndarray], np.ndarray]

    def choose(self, state) -> tuple[np.ndarray, DualChoice]:
        C = self.candidates(state)
        val = np.asarray(self.objective(state, C), dtype=float)
        F = np.asarray(self.terminates(state, C), dtype=bool)
        pool = np.flatnonzero(~F) if (~F).any() else np.arange(len(val))
        i = int(pool[np.argmax(val[pool])])
        return C[i], DualChoice(i, float(val[i]), bool(F[i]))


# --------------------------------------------------------------------------- the global coin as an instance
@dataclass(frozen=True)
class CoinState:
    w_K: np.ndarray  # corrupted weights
    G: float  # good vote
    d: int
    eta: float
    scale: float = 0.0  # total weight (tie rule); 0: W_K + |G|


def coin_instance() -> GreedyDual:
    """J over every subset of K (tau <= 16): objective (1 - eta) W_K + 2 eta X, F = (z = d)."""
    from .brute_force import subset_sums

    def cands(s: CoinState):
        return subset_sums(s.w_K)[1]

    def objective(s: CoinState, masks):
        X = masks.astype(float) @ s.w_K
        return (1 - s.eta) * s.w_K.sum() + 2 * s.eta * X

    def terminates(s: CoinState, masks):
        X = masks.astype(float) @ s.w_K
        S = s.G + s.d * (2 * X - s.w_K.sum())
        return output(S, s.scale or (s.w_K.sum() + abs(s.G))) == s.d

    return GreedyDual(cands, objective, terminates)


# --------------------------------------------------------------------------- the robust-mean MW as an instance
@dataclass(frozen=True)
class MeanAttackResult:
    centre: str
    offsets: np.ndarray  # (trials, rounds) offset s chosen (report mu + s sigma)
    kept_away: np.ndarray  # (trials, rounds) not F: |mu_hat - mu| > delta that round
    rounds_to_F: np.ndarray  # (trials,) first round with F (rounds + 1 if never)
    byz_share: np.ndarray  # (trials, rounds + 1) Byzantine share of the total weight
    error: np.ndarray  # (trials, rounds) |mu_hat - mu|


CLOSE = Param(
    "delta", float, 0.25, "the estimate is close (F holds) when |mu_hat - mu| <= delta", low=0.0, low_open=True
)


def robust_mean_attack(
    *,
    n: int = 30,
    byz_fraction: float = 0.2,
    rounds: int = 40,
    trials: int = 50,
    eta: float = 0.2,
    tau: float = 0.05,
    c: float = 2.0,
    delta: float = CLOSE.default,
    centre: str = "weighted_mean",
    grid=None,
    blacklist: bool = True,
    rng: np.random.Generator,
) -> MeanAttackResult:
    """The greedy dual adversary against Algorithm 1 (sim.mw.mw_engine), module docstring."""
    from ..core.population import n_byzantine
    from ..mw.losses import clipped_linear
    from ..mw.mw_engine import run_mw_batch

    nb = n_byzantine(byz_fraction, n)
    if not 1 <= nb < n:
        raise ParamError(f"byz_fraction: must give 1 .. n-1 Byzantine sources, got {byz_fraction:g} with n = {n}")
    delta = CLOSE.coerce(delta)
    grid = np.linspace(0.0, 4.0, 33) if grid is None else np.asarray(grid, dtype=float)
    x = rng.normal(0.0, 1.0, size=(trials, rounds, n, 1))  # honest N(0, 1); Byzantine rows replaced
    byz = np.zeros(n, dtype=bool)
    byz[n - nb :] = True
    chosen = np.zeros((trials, rounds))
    away = np.zeros((trials, rounds), dtype=bool)

    def dual_for(state):
        def cands(_):
            return grid

        def probe_all(_s):
            out = []
            for s in grid:  # one probe per candidate offset
                xt = state_x.copy()
                xt[:, byz, 0] = s
                mu, cc = state.probe(xt)
                out.append((mu[:, 0], cc))
            return out

        probes = probe_all(None)

        def objective(_s, C):
            vals = []
            for (mu, cc), s in zip(probes, C):
                l = clipped_linear(np.abs(s - mu)[:, None] / cc[:, None] * np.ones((1, nb)))
                vals.append((state.weights[:, byz] * state.active[:, byz] * (1 - eta * l)).sum(1))
            return np.array(vals)  # (candidates, trials)

        def terminates(_s, C):
            return np.array([np.abs(mu) <= delta for mu, _ in probes])

        return GreedyDual(cands, objective, terminates)

    def hook(t, xt, state):
        nonlocal state_x
        state_x = xt
        g = dual_for(state)
        val = g.objective(None, grid)  # (K, trials)
        F = g.terminates(None, grid)
        val_ok = np.where(~F, val, -np.inf)
        any_ok = (~F).any(0)
        k = np.where(any_ok, val_ok.argmax(0), val.argmax(0))
        xt = xt.copy()
        xt[:, byz, 0] = grid[k][:, None]
        chosen[:, t] = grid[k]
        away[:, t] = any_ok
        return xt

    state_x = None
    batch = run_mw_batch(
        x, eta=eta, tau=tau, c=c, center=centre, loss="clipped", blacklist=blacklist, rng=rng, reports=hook
    )
    err = np.abs(batch.mu_hat[..., 0])
    ended = err <= delta
    first = np.where(ended.any(1), ended.argmax(1) + 1, rounds + 1)
    W = batch.weights
    share = W[..., byz].sum(-1) / W.sum(-1)
    return MeanAttackResult(centre, chosen, away, first, share, err)
