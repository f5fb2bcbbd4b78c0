"""Adapt-then-combine diffusion of all four methods on shared samples (reference, Algorithms).

One loop over iterations; everything inside is vectorised over networks,
agents and neighbour slots. Byzantine agents run no update: they broadcast
``psi_a`` every iteration (their rows of ``w`` hold it too).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.params import Param
from .measurements import Samples, local_loss
from .network import Network
from .rules import (
    METHODS,
    RuleConfig,
    adapt,
    average_weights,
    combine,
    distance_step,
    dot2,
    flat_index,
    gather,
    loss_step,
)

ITERATIONS = Param("iterations", int, 500, "diffusion iterations T", low=1, high=100_000)  # of every run


@dataclass(frozen=True)
class History:
    """Full per-iteration record (only when ``record=True``)."""

    estimates: np.ndarray  # (method, T + 1, B, N, 2), index 0 = w(0)
    weights: np.ndarray  # (method, T, B, N, K) combination weights on the neighbour slots
    admitted: np.ndarray  # (T, B, N, K) bool, the loss rule's S_k
    r_loss: np.ndarray  # (T, B, N, K) accumulated losses r_kl of the loss rule
    r_dist: np.ndarray  # (T, B, N, K) accumulated distances of the distance rule


@dataclass(frozen=True)
class RunResult:
    """Metrics of every method, iteration, network and agent (NaN at Byzantine agents)."""

    loss: np.ndarray  # (method, T, B, N): ℓ_k(w_k(i)) on the current sample after combining
    msd: np.ndarray  # (method, T, B, N): ||w_k(i) - w°_k||^2
    final: np.ndarray  # (method, B, N, 2): w(T)
    byz_weight: np.ndarray  # (method, T, B): largest total weight a normal agent puts on Byzantine neighbours
    history: History | None = None


def run(net: Network, samples: Samples, w0: np.ndarray, cfg: RuleConfig, *, record: bool = False) -> RunResult:
    """Iterate the four methods from the common start ``w0`` (B, N, 2) over ``samples``."""
    T = samples.d.shape[0]
    B, N, K = net.neighbours.shape
    M = len(METHODS)
    byz = net.byzantine[..., None]
    nb, valid = net.neighbours, net.valid
    w = np.repeat(np.where(byz, net.psi_a, w0)[None], M, axis=0)  # (M, B, N, 2)
    r_dist = np.full((B, N, K), cfg.r_init)
    r_loss = np.full((B, N, K), cfg.r_init)
    a_avg = average_weights(valid)
    a_self = np.zeros((B, N, K))
    a_self[:, :, 0] = 1.0
    w_true = net.w_true
    flat = flat_index(nb)
    x_neigh = gather(net.positions, nb, flat) if cfg.neighbour_position else None
    b_idx = np.arange(B)[:, None, None]
    byz_slot = net.byzantine[b_idx, nb] & valid & ~byz  # Byzantine neighbours of normal agents
    byz_w = np.zeros((M, T, B))
    byz_w[1] = np.max(np.sum(a_avg * byz_slot, axis=2), axis=1)
    loss = np.empty((M, T, B, N))
    msd = np.empty((M, T, B, N))
    if record:
        est = np.empty((M, T + 1, B, N, 2))
        est[:, 0] = w
        wts = np.empty((M, T, B, N, K))
        wts[0] = a_self
        wts[1] = a_avg
        adm = np.empty((T, B, N, K), bool)
        rl = np.empty((T, B, N, K))
        rd = np.empty((T, B, N, K))
    # non-finite Byzantine messages are an attack, not an error
    with np.errstate(invalid="ignore", over="ignore"):
        for i in range(T):
            u, d, q = samples.u[i], samples.d[i], samples.q[i]
            psi = np.where(byz[None], net.psi_a[None], adapt(w, q[None], cfg.mu))  # (M, B, N, 2)
            new = np.empty_like(w)
            new[0] = psi[0]
            P_all = psi[1:].reshape(3, -1, 2)[:, flat]  # (3, B, N, K, 2), one gather
            new[1] = np.sum(a_avg[..., None] * P_all[0], axis=2)
            r_dist, a_dist = distance_step(r_dist, w[2], P_all[1], valid, cfg)
            new[2] = combine(a_dist, P_all[1])
            r_loss, adm_i, a_loss = loss_step(r_loss, P_all[2], net.positions, nb, valid, u, d, cfg, x_neigh)
            new[3] = combine(a_loss, P_all[2])
            byz_w[2, i] = np.max(np.sum(a_dist * byz_slot, axis=2), axis=1)
            byz_w[3, i] = np.max(np.sum(a_loss * byz_slot, axis=2), axis=1)
            w = np.where(byz[None], net.psi_a[None], new)
            loss[:, i] = local_loss(w, net.positions[None], u[None], d[None])
            err = w - w_true[None]
            msd[:, i] = dot2(err, err)
            if record:
                est[:, i + 1] = w
                wts[2, i] = a_dist
                wts[3, i] = a_loss
                adm[i] = adm_i
                rl[i] = r_loss
                rd[i] = r_dist
    if record:  # Byzantine agents combine nothing
        wts[:, :, net.byzantine] = 0.0
        adm[:, net.byzantine] = False
    mask = np.broadcast_to(net.byzantine[None, None], loss.shape)
    loss[mask] = np.nan
    msd[mask] = np.nan
    hist = History(est, wts, adm, rl, rd) if record else None
    return RunResult(loss, msd, w, byz_w, hist)


def noncoop_step(w: np.ndarray, q: np.ndarray, mu: float, byz: np.ndarray, psi_a: np.ndarray) -> np.ndarray:
    """One plain non-cooperative update w_k <- psi_k (the benchmark's unit of work)."""
    return np.where(byz[..., None], psi_a, adapt(w, q, mu))
