"""The default (correct-rule) target-localization study: parameters, setup and one call per run.

Seeded from one ``numpy.random.Generator``; draws: network (targets,
positions, attackers, neighbour subsample, psi_a), noise, then w(0) = U[0,1)^2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.errors import ParamError
from ..core.params import Param
from .diffusion import RunResult, run
from .measurements import Noise, draw_noise, make_samples
from .network import Network, build_network, check_sizes
from .rules import RuleConfig

NETWORK_PARAMS = (
    Param("n_agents", int, 100, "number of agents N (N/4 per task, by index)", low=4, high=5000),
    Param("n_byzantine", int, 20, "number of Byzantine agents F (at most N - 1)", low=0, high=4999),
    Param(
        "attack",
        str,
        "constant",
        "what Byzantine agents send: 15 + U[0,1)^2 (constant) or 0 (zero)",
        choices=("constant", "zero"),
    ),
    Param(
        "radius",
        float,
        1.0,
        "sensing radius: l is a neighbour of k when ||x_l - x_k|| <= radius",
        low=0.0,
        low_open=True,
        high=1e6,
    ),
    Param("max_neighbours", int, 10, "largest |N_k| (k plus a random subsample)", low=1, high=1000),
    Param("box", float, 3.0, "agents placed uniformly in [0, box]^2", low=0.0, low_open=True, high=1e6),
    Param("n_noisy", int, 5, "agents with regressor noise sd 0.1", low=0, high=5000),
)
RULE_PARAMS = (
    Param("iterations", int, 500, "diffusion iterations T", low=1, high=100_000),
    Param("mu", float, 0.1, "adapt step size", low=0.0, low_open=True, high=1.0),
    Param(
        "gamma",
        float,
        0.1,
        "forgetting factor of the accumulated losses",
        low=0.0,
        low_open=True,
        high=1.0,
        high_open=True,
    ),
    Param("neighbour_position", bool, False, "deviation 1 of the authors' code: ℓ_k(psi_l) evaluated at x_l"),
    Param("self_updates", int, 1, "deviation 2 of the authors' code: r_kk updated twice when 2", low=1, high=2),
)
PARAMS = NETWORK_PARAMS + RULE_PARAMS


def check(p: dict) -> None:
    """Cross-parameter checks (F <= N - 1, n_noisy <= N), as ParamErrors naming the parameter."""
    check_sizes(p["n_agents"], p["n_byzantine"], p["radius"], p["max_neighbours"])
    if p["n_noisy"] > p["n_agents"]:
        raise ParamError(f"n_noisy: must be an integer in [0, n_agents] = [0, {p['n_agents']}], got {p['n_noisy']}")


def work(p: dict, batch: int = 1) -> float:
    """Element operations of one run: iterations x agents x slots x methods x ~30 array passes."""
    return float(batch) * p["iterations"] * p["n_agents"] * (p["max_neighbours"] + p["n_agents"] / 50) * 4 * 30


def rule_config(p: dict) -> RuleConfig:
    return RuleConfig(
        mu=p["mu"], gamma=p["gamma"], neighbour_position=p["neighbour_position"], self_updates=p["self_updates"]
    )


@dataclass(frozen=True)
class Setup:
    net: Network
    noise: Noise
    w0: np.ndarray  # (B, N, 2)


def make_setup(p: dict, rng: np.random.Generator, batch: int = 1) -> Setup:
    """B independent networks with their noise and start, drawn from ``rng``."""
    check(p)
    net = build_network(
        rng,
        n_agents=p["n_agents"],
        n_byzantine=p["n_byzantine"],
        radius=p["radius"],
        max_neighbours=p["max_neighbours"],
        box=p["box"],
        attack=p["attack"],
        batch=batch,
    )
    noise = draw_noise(rng, batch, p["n_agents"], p["iterations"], p["n_noisy"])
    w0 = rng.random((batch, p["n_agents"], 2))
    return Setup(net, noise, w0)


def run_setup(s: Setup, p: dict, *, record: bool = False) -> RunResult:
    return run(s.net, make_samples(s.net, s.noise.v_d, s.noise.v_u), s.w0, rule_config(p), record=record)


def simulate_batch(
    p: dict, rng: np.random.Generator, batch: int = 1, *, record: bool = False
) -> tuple[Setup, RunResult]:
    """Draw B networks and run all four methods on each."""
    s = make_setup(p, rng, batch)
    return s, run_setup(s, p, record=record)


def with_attack(s: Setup, psi_a: np.ndarray) -> Setup:
    """The same networks, noise and start with other Byzantine messages (for the attack comparison)."""
    net = Network(
        s.net.positions,
        s.net.targets,
        s.net.task,
        s.net.byzantine,
        s.net.neighbours,
        s.net.valid,
        np.broadcast_to(psi_a, s.net.psi_a.shape).copy(),
    )
    return Setup(net, s.noise, s.w0)


def defaults(**overrides) -> dict:
    """Resolved default parameters with ``overrides`` (validated)."""
    from ..core.params import resolve

    p = resolve(PARAMS, overrides, "mtl localization")
    check(p)
    return p
