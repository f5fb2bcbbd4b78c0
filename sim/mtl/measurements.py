"""Range and direction measurements of the agents (reference, Setup).

At iteration i normal agent k sees the unit direction û_k = (w°_k - x_k)/||w°_k - x_k||
through a noisy regressor u = û + v_u (1, 1), a range d = (w°_k - x_k)·u + v_d and
the location fix q = x_k + d u. Its local loss is ℓ_k(w) = (d + x_k·u - w·u)^2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.errors import ParamError
from .network import Network


@dataclass(frozen=True)
class Noise:
    """Per-agent noise standard deviations and the draws of every iteration."""

    sd_d: np.ndarray  # (B, N) range noise sd, 0.1 + 0.1 U
    sd_u: np.ndarray  # (B, N) regressor noise sd, 0.01 + 0.01 U (0.1 for the noisy agents)
    v_d: np.ndarray  # (T, B, N)
    v_u: np.ndarray  # (T, B, N)


@dataclass(frozen=True)
class Samples:
    """The samples of all iterations: u (T, B, N, 2), d (T, B, N), q (T, B, N, 2)."""

    u: np.ndarray
    d: np.ndarray
    q: np.ndarray


def check_noisy(n_noisy: int, n_agents: int) -> None:
    """ParamError unless 0 <= n_noisy <= n_agents (the upper end depends on n_agents)."""
    if not 0 <= n_noisy <= n_agents:
        raise ParamError(f"n_noisy: must be an integer in [0, n_agents] = [0, {n_agents}], got {n_noisy}")


def draw_noise(rng: np.random.Generator, batch: int, n_agents: int, iterations: int, n_noisy: int = 5) -> Noise:
    """sd_d = 0.1 + 0.1 U, sd_u = 0.01 + 0.01 U except ``n_noisy`` random agents with sd_u = 0.1; Gaussian draws."""
    check_noisy(n_noisy, n_agents)
    sd_d = 0.1 + 0.1 * rng.random((batch, n_agents))
    sd_u = 0.01 + 0.01 * rng.random((batch, n_agents))
    noisy = np.argsort(rng.random((batch, n_agents)), axis=1)[:, :n_noisy]
    np.put_along_axis(sd_u, noisy, 0.1, axis=1)
    v_d = sd_d[None] * rng.standard_normal((iterations, batch, n_agents))
    v_u = sd_u[None] * rng.standard_normal((iterations, batch, n_agents))
    return Noise(sd_d, sd_u, v_d, v_u)


def make_samples(net: Network, v_d: np.ndarray, v_u: np.ndarray) -> Samples:
    """u, d, q of every iteration and agent (vectorised over iterations, networks and agents)."""
    diff = net.w_true - net.positions  # (B, N, 2)
    u_hat = diff / np.sqrt(np.sum(diff**2, axis=-1, keepdims=True))
    u = u_hat[None] + v_u[..., None]  # (T, B, N, 2)
    d = np.sum(diff[None] * u, axis=-1) + v_d  # (T, B, N)
    q = net.positions[None] + d[..., None] * u
    return Samples(u, d, q)


def local_loss(w: np.ndarray, x: np.ndarray, u: np.ndarray, d: np.ndarray) -> np.ndarray:
    """ℓ(w) = (d + x·u - w·u)^2 over the trailing coordinate axis (broadcasting)."""
    return (d + (x[..., 0] * u[..., 0] + x[..., 1] * u[..., 1]) - (w[..., 0] * u[..., 0] + w[..., 1] * u[..., 1])) ** 2
