"""Paper compatibility: the authors' seeding, draw order and both code deviations.

Replays ``TargetLocalization/multi_task.py`` of the authors' public code
(reference, "Two known deviations"): ``random.seed(s)`` and
``numpy.random.seed(s)`` become the *local* instances ``random.Random(s)`` and
``numpy.random.RandomState(s)`` (the global states are never touched), drawn
in the authors' order:

- Python random: 8 target draws, 2 x N position draws (``uniform(0, 3)``), the
  attacker sample, then per agent the neighbour subsample (only when more than
  ``max_neighbours`` are in range), then the 5 high-noise agents;
- NumPy legacy: psi_a (2 x F), sd_d (N), sd_u (N), then per agent
  ``normal(0, sd_d, T)`` followed by ``normal(0, sd_u, T)``, then 2 uniforms per
  agent for w(0).

The run then uses both deviations: the neighbour loss evaluated at x_l, and
r_kk updated twice per iteration (loss- and distance-based rules).
This is the only module of the subject that uses legacy random generators.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

import numpy as np

from ..core.params import Param
from .diffusion import ITERATIONS, RunResult, run
from .measurements import Noise, make_samples
from .network import N_TASKS, TARGET_BASES, Network, check_sizes, in_range, table_from_lists, task_of
from .rules import RuleConfig

PAPER_N = 100
PAPER_T = 500
PAPER_F = (0, 20, 99)
PAPER_RULES = RuleConfig(mu=0.1, gamma=0.1, r_init=10.0, neighbour_position=True, self_updates=2)

# The replay's parameters, declared once (trace kind mtl_paper, sweep mtl_paper_seeds).
ATTACKERS = Param("n_byzantine", int, 20, "attackerNum of the authors' script", low=0, high=PAPER_N - 1)
DEVIATIONS = Param("deviations", bool, True, "both deviations of the authors' code (false: the correct rule)")
PAPER_ITERATIONS = replace(
    ITERATIONS, default=PAPER_T, doc="iterations (changes the noise draws, as in the authors' script)"
)


@dataclass(frozen=True)
class PaperSetup:
    net: Network
    noise: Noise
    w0: np.ndarray  # (1, N, 2)
    attackers: list[int]  # in the authors' sample order
    noisy: list[int]  # the 5 agents with sd_u = 0.1


def paper_setup(
    n_byzantine: int,
    *,
    seed: int = 0,
    iterations: int = PAPER_T,
    n_agents: int = PAPER_N,
    radius: float = 1.0,
    max_neighbours: int = 10,
    box: float = 3.0,
    n_noisy: int = 5,
    attack: str = "constant",
) -> PaperSetup:
    """Network, noise and start of the authors' script for ``attackerNum = n_byzantine``."""
    check_sizes(n_agents, n_byzantine, radius, max_neighbours)
    py = random.Random(seed)
    rs = np.random.RandomState(seed)
    targets = np.empty((N_TASKS, 2))
    for t in range(N_TASKS):
        targets[t, 0] = TARGET_BASES[t, 0] + 1 * py.random()
        targets[t, 1] = TARGET_BASES[t, 1] + 1 * py.random()
    pos = np.empty((n_agents, 2))
    for k in range(n_agents):
        pos[k, 0] = py.uniform(0, box)
        pos[k, 1] = py.uniform(0, box)
    attackers = py.sample(list(range(n_agents)), n_byzantine)
    close = in_range(pos[None], radius)[0]
    lists = []
    for k in range(n_agents):
        row = [k] + [int(i) for i in np.flatnonzero(close[k])]
        if len(row) > max_neighbours:
            row = [k] + py.sample(row[1:], max_neighbours - 1)
        lists.append(row)
    noisy = py.sample(range(n_agents), n_noisy)
    # NumPy legacy stream
    psi_a_cols = 15 + rs.random_sample((2, n_byzantine))
    sd_d = 0.1 + 0.1 * rs.random_sample((n_agents, 1))
    sd_u = 0.01 + 0.01 * rs.random_sample((n_agents, 1))
    sd_u[noisy] = 0.1
    v_d = np.zeros((iterations, n_agents))
    v_u = np.zeros((iterations, n_agents))
    for k in range(n_agents):
        v_d[:, k] = rs.normal(0, sd_d[k], iterations)
        v_u[:, k] = rs.normal(0, sd_u[k], iterations)
    w0 = np.empty((n_agents, 2))
    for k in range(n_agents):
        w0[k, 0], w0[k, 1] = rs.random_sample(), rs.random_sample()
    byz = np.zeros(n_agents, bool)
    byz[attackers] = True
    psi_a = np.zeros((n_agents, 2))
    if attack == "constant":
        psi_a[np.sort(np.asarray(attackers, dtype=np.int64))] = (
            psi_a_cols.T
        )  # column a goes to the a-th attacker by index
    nb, valid = table_from_lists([lists], max_neighbours)
    net = Network(pos[None], targets[None], task_of(n_agents), byz[None], nb, valid, psi_a[None])
    noise = Noise(sd_d.T, sd_u.T, v_d[:, None, :], v_u[:, None, :])
    return PaperSetup(net, noise, w0[None], list(attackers), list(noisy))


def run_paper(
    n_byzantine: int,
    *,
    seed: int = 0,
    iterations: int = PAPER_T,
    deviations: bool = True,
    record: bool = False,
    **setup,
) -> tuple[PaperSetup, RunResult]:
    """The authors' run for ``attackerNum = n_byzantine``; ``deviations=False`` runs the correct rule instead."""
    s = paper_setup(n_byzantine, seed=seed, iterations=iterations, **setup)
    cfg = PAPER_RULES if deviations else RuleConfig(mu=0.1, gamma=0.1, r_init=10.0)
    samples = make_samples(s.net, s.noise.v_d, s.noise.v_u)
    return s, run(s.net, samples, s.w0, cfg, record=record)


def stack(setups: list[PaperSetup]) -> PaperSetup:
    """Several replays as one batch (same N, T and max_neighbours): networks, noise and starts stacked."""
    nets = [s.net for s in setups]

    def cat(name):
        return np.concatenate([getattr(n, name) for n in nets], axis=0)

    net = Network(
        cat("positions"), cat("targets"), nets[0].task, cat("byzantine"), cat("neighbours"), cat("valid"), cat("psi_a")
    )
    noise = Noise(
        *(
            np.concatenate([getattr(s.noise, f) for s in setups], axis=0 if f.startswith("sd") else 1)
            for f in ("sd_d", "sd_u", "v_d", "v_u")
        )
    )
    return PaperSetup(net, noise, np.concatenate([s.w0 for s in setups]), [], [])


def run_paper_batch(
    n_byzantine: int, seeds, *, iterations: int = PAPER_T, deviations: bool = True, **setup
) -> tuple[PaperSetup, RunResult]:
    """The authors' script for each seed in ``seeds``, simulated together (numbers equal to one by one)."""
    s = stack([paper_setup(n_byzantine, seed=int(k), iterations=iterations, **setup) for k in seeds])
    cfg = PAPER_RULES if deviations else RuleConfig(mu=0.1, gamma=0.1, r_init=10.0)
    return s, run(s.net, make_samples(s.net, s.noise.v_d, s.noise.v_u), s.w0, cfg)


def table_numbers(res: RunResult) -> np.ndarray:
    """(method, 2): mean Loss over normal agents at iteration 0 and averaged over iterations 100-499."""
    mean = np.nanmean(res.loss[:, :, 0, :], axis=2)  # (method, T)
    return np.stack([mean[:, 0], mean[:, 100:].mean(axis=1)], axis=1)
