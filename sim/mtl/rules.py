"""The four combination rules of adapt-then-combine diffusion (reference, Algorithms).

Each rule maps the intermediate estimates psi_l of the neighbours (gathered
into a (B, N, K, 2) array ``P`` by the padded neighbour table) to combination
weights a_kl on the K slots of every agent; rows are >= 0 and sum to 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.params import check_fields, param

METHODS = ("noncoop", "average", "distance", "loss")
METHOD_LABELS = {
    "noncoop": "non-cooperative",
    "average": "average",
    "distance": "distance-based",
    "loss": "loss-based (resilient)",
}


@dataclass(frozen=True)
class RuleConfig:
    """Step size, forgetting factor and the two code deviations (both off = the paper's rule).

    Every default and range here; the trace kinds and sweeps of target localization take theirs from it.
    """

    mu: float = param(0.1, "adapt step size", low=0.0, low_open=True, high=1.0)
    gamma: float = param(
        0.1, "forgetting factor of the accumulated losses", low=0.0, low_open=True, high=1.0, high_open=True
    )
    r_init: float = param(10.0, "initial accumulated loss r_kl", low=0.0, low_open=True)
    neighbour_position: bool = param(False, "deviation 1 of the authors' code: ℓ_k(psi_l) evaluated at x_l")
    self_updates: int = param(1, "deviation 2 of the authors' code: r_kk updated twice when 2", low=1, high=2)

    def __post_init__(self):
        check_fields(self)


def dot2(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a·b over a trailing axis of length 2 (two multiplies and one add: faster than a reduction)."""
    return a[..., 0] * b[..., 0] + a[..., 1] * b[..., 1]


def adapt(w: np.ndarray, q: np.ndarray, mu: float) -> np.ndarray:
    """psi_k = w_k + mu (q_k - w_k): one LMS step towards the location fix."""
    return w + mu * (q - w)


def flat_index(neighbours: np.ndarray) -> np.ndarray:
    """Row of psi[b, l] in psi.reshape(-1, 2) for every slot: b N + neighbours[b, k, j]."""
    B, N = neighbours.shape[:2]
    return np.arange(B)[:, None, None] * N + neighbours


def gather(psi: np.ndarray, neighbours: np.ndarray, flat: np.ndarray | None = None) -> np.ndarray:
    """P[b, k, j] = psi[b, neighbours[b, k, j]]: (B, N, K, 2)."""
    flat = flat_index(neighbours) if flat is None else flat
    return psi.reshape(-1, psi.shape[-1])[flat]


def combine(weights: np.ndarray, P: np.ndarray) -> np.ndarray:
    """w_k = Σ_l a_kl psi_l; zero weights never touch their (possibly non-finite) message."""
    return np.sum(np.where(weights[..., None] > 0, weights[..., None] * P, 0.0), axis=2)


def average_weights(valid: np.ndarray) -> np.ndarray:
    """a_kl = 1/|N_k| on N_k (self and any Byzantine neighbour included)."""
    return valid / valid.sum(axis=2, keepdims=True)


def _accumulate(r: np.ndarray, new: np.ndarray, gamma: float, self_updates: int) -> np.ndarray:
    """r <- (1 - gamma) r + gamma new on every slot; the self slot once more under deviation 2."""
    r = (1.0 - gamma) * r + gamma * new
    if self_updates == 2:
        r[:, :, 0] = (1.0 - gamma) * r[:, :, 0] + gamma * new[:, :, 0]
    return r


def distance_step(
    r: np.ndarray, w_prev: np.ndarray, P: np.ndarray, valid: np.ndarray, cfg: RuleConfig
) -> tuple[np.ndarray, np.ndarray]:
    """r_kl <- (1-gamma) r_kl + gamma ||w_k(i-1) - psi_l||^2; a_kl ∝ 1/r_kl on all of N_k (no filtering)."""
    with np.errstate(invalid="ignore", over="ignore"):
        diff = w_prev[:, :, None, :] - P
        dist = dot2(diff, diff)
        r = _accumulate(r, dist, cfg.gamma, cfg.self_updates)
    inv = np.where(valid, 1.0 / r, 0.0)
    return r, inv / inv.sum(axis=2, keepdims=True)


def neighbour_losses(P: np.ndarray, x_eval: np.ndarray, u: np.ndarray, d: np.ndarray) -> np.ndarray:
    """ℓ_k(psi_l) = (d_k + x·u_k - psi_l·u_k)^2 for every slot; x = x_k (paper) or x_l (deviation 1)."""
    uu = u[:, :, None, :]
    return (d[:, :, None] + dot2(x_eval, uu) - dot2(P, uu)) ** 2


def loss_step(
    r: np.ndarray,
    P: np.ndarray,
    positions: np.ndarray,
    neighbours: np.ndarray,
    valid: np.ndarray,
    u: np.ndarray,
    d: np.ndarray,
    cfg: RuleConfig,
    x_neigh: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The resilient rule: accumulate ℓ_k(psi_l); admit S_k = {l : r_kl <= r_kk}; a_kl ∝ 1/r_kl on S_k.

    Returns (r, admitted, weights).
    """
    if cfg.neighbour_position:  # slot 0 is k itself, so r_kk still uses x_k
        x_eval = gather(positions, neighbours) if x_neigh is None else x_neigh
    else:
        x_eval = positions[:, :, None, :]
    with np.errstate(invalid="ignore", over="ignore"):
        losses = neighbour_losses(P, x_eval, u, d)
        losses = np.where(np.isnan(losses), np.inf, losses)  # a NaN message is as bad as it gets
        r = _accumulate(r, losses, cfg.gamma, cfg.self_updates)
    admitted = valid & (r <= r[:, :, :1])
    inv = np.where(admitted, 1.0 / r, 0.0)
    return r, admitted, inv / inv.sum(axis=2, keepdims=True)
