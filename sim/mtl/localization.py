"""The default (correct-rule) target-localization study: parameters, setup and one call per run.

Seeded from one ``numpy.random.Generator``; draws: network (targets,
positions, attackers, neighbour subsample, psi_a), noise, then w(0) = U[0,1)^2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.params import Param, params_of
from .diffusion import ITERATIONS, RunResult, run
from .measurements import Noise, check_noisy, draw_noise, make_samples
from .network import ATTACK, MAX_NEIGHBOURS, N_AGENTS, RADIUS, Network, build_network, check_sizes
from .rules import RuleConfig

NETWORK_PARAMS = (
    N_AGENTS,
    Param("n_byzantine", int, 20, "number of Byzantine agents F (at most N - 1)", low=0, high=N_AGENTS.high - 1),
    ATTACK,
    RADIUS,
    MAX_NEIGHBOURS,
    Param("box", float, 3.0, "agents placed uniformly in [0, box]^2", low=0.0, low_open=True, high=1e6),
    Param("n_noisy", int, 5, "agents with regressor noise sd 0.1", low=0, high=N_AGENTS.high),
)
# the rule's parameters are RuleConfig's (its initial loss r_init stays at its default)
RULE_PARAMS = (ITERATIONS, *(q for q in params_of(RuleConfig) if q.name != "r_init"))
PARAMS = NETWORK_PARAMS + RULE_PARAMS


def check(p: dict) -> None:
    """Cross-parameter checks (F <= N - 1, n_noisy <= N), as ParamErrors naming the parameter."""
    check_sizes(p["n_agents"], p["n_byzantine"], p["radius"], p["max_neighbours"])
    check_noisy(p["n_noisy"], p["n_agents"])


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
