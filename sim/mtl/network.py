"""The sensor network: targets, tasks, positions, neighbour tables and Byzantine agents.

Every array carries a leading batch axis B (independent networks simulated
together); a single network is B = 1. Neighbour tables are padded to
``max_neighbours`` columns with column 0 the agent itself; unused slots point
at the agent itself and are marked invalid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.errors import ParamError
from ..core.params import Param

N_TASKS = 4
TARGET_BASES = np.array([[10.0, 10.0], [10.0, 20.0], [20.0, 10.0], [20.0, 20.0]])  # reference, Setup
ATTACKS = ("constant", "zero")

# The network's parameters, declared once (the trace kinds and sweeps of target localization use these).
N_AGENTS = Param("n_agents", int, 100, "number of agents N (N/4 per task, by index)", low=N_TASKS, high=5000)
RADIUS = Param(
    "radius",
    float,
    1.0,
    "sensing radius: l is a neighbour of k when ||x_l - x_k|| <= radius",
    low=0.0,
    low_open=True,
    high=1e6,
)
MAX_NEIGHBOURS = Param("max_neighbours", int, 10, "largest |N_k| (k plus a random subsample)", low=1, high=1000)
ATTACK = Param(
    "attack", str, "constant", "what Byzantine agents send: 15 + U[0,1)^2 (constant) or 0 (zero)", choices=ATTACKS
)


@dataclass(frozen=True)
class Network:
    """One batch of B networks of N agents (reference, Setup)."""

    positions: np.ndarray  # (B, N, 2) agent positions x_k
    targets: np.ndarray  # (B, 4, 2) targets w° of the four tasks
    task: np.ndarray  # (N,) task of each agent (by index: N/4 agents per task)
    byzantine: np.ndarray  # (B, N) bool
    neighbours: np.ndarray  # (B, N, K) int, column 0 = self
    valid: np.ndarray  # (B, N, K) bool, which slots of ``neighbours`` are real
    psi_a: np.ndarray  # (B, N, 2) what each Byzantine agent broadcasts (rows of normal agents unused)

    @property
    def batch(self) -> int:
        return self.positions.shape[0]

    @property
    def n_agents(self) -> int:
        return self.positions.shape[1]

    @property
    def w_true(self) -> np.ndarray:
        """(B, N, 2): the target w°_k of every agent."""
        return self.targets[:, self.task, :]

    def edges(self, b: int = 0) -> np.ndarray:
        """(E, 2) directed edges (k, l) of network b with l in N_k, self loops included, row-major order."""
        k, j = np.nonzero(self.valid[b])
        return np.stack([k, self.neighbours[b, k, j]], axis=1).astype(np.int64)


def task_of(n_agents: int) -> np.ndarray:
    """Tasks by index: agents [t N/4, (t+1) N/4) localize target t (reference, Setup)."""
    return (np.arange(n_agents) * N_TASKS) // n_agents


def check_sizes(n_agents: int, n_byzantine: int, radius: float, max_neighbours: int) -> None:
    """ParamError unless N is in range, F <= N - 1, radius > 0 and at least one neighbour slot (the agent itself)."""
    N_AGENTS.coerce(n_agents)
    if not 0 <= n_byzantine <= n_agents - 1:
        raise ParamError(
            f"n_byzantine: must be an integer in [0, n_agents - 1] = [0, {n_agents - 1}] "
            f"(F <= N with at least one normal agent), got {n_byzantine}"
        )
    RADIUS.coerce(radius)
    MAX_NEIGHBOURS.coerce(max_neighbours)


def in_range(positions: np.ndarray, radius: float) -> np.ndarray:
    """(B, N, N) bool: ||x_l - x_k|| <= radius, l != k (computed as sqrt(dy^2 + dx^2), as the authors do)."""
    dx = positions[:, None, :, 0] - positions[:, :, None, 0]
    dy = positions[:, None, :, 1] - positions[:, :, None, 1]
    close = np.sqrt(dy**2 + dx**2) <= radius
    n = positions.shape[1]
    close[:, np.arange(n), np.arange(n)] = False
    return close


def table_from_lists(lists: list[list[list[int]]], max_neighbours: int) -> tuple[np.ndarray, np.ndarray]:
    """Padded (B, N, K) table and validity mask from per-agent lists [k, l1, l2, ...] (self first)."""
    b, n = len(lists), len(lists[0])
    nb = np.repeat(np.arange(n)[None, :, None], max_neighbours, axis=2).repeat(b, axis=0)
    valid = np.zeros((b, n, max_neighbours), bool)
    for i, per in enumerate(lists):
        for k, row in enumerate(per):
            nb[i, k, : len(row)] = row
            valid[i, k, : len(row)] = True
    return nb, valid


def neighbour_table(close: np.ndarray, max_neighbours: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """N_k = {k} ∪ {l in range}; above ``max_neighbours`` keep k and max_neighbours - 1 others at random.

    Vectorised: every in-range pair gets a uniform key, the smallest keys are
    kept, and the kept neighbours are listed in index order after k.
    """
    b, n, _ = close.shape
    k_other = max_neighbours - 1
    keys = np.where(close, rng.random(close.shape), np.inf)
    if k_other > 0:
        order = np.argsort(keys, axis=2, kind="stable")[:, :, :k_other]
        chosen_ok = np.take_along_axis(keys, order, axis=2) < np.inf
        idx = np.where(chosen_ok, order, n)  # n sorts invalid slots last
        idx = np.sort(idx, axis=2)
        ok = idx < n
        self_col = np.arange(n)[None, :, None].repeat(b, axis=0)
        nb = np.concatenate([self_col, np.where(ok, idx, self_col)], axis=2)
        valid = np.concatenate([np.ones((b, n, 1), bool), ok], axis=2)
    else:
        nb = np.arange(n)[None, :, None].repeat(b, axis=0)
        valid = np.ones((b, n, 1), bool)
    return nb.astype(np.int64), valid


def build_network(
    rng: np.random.Generator,
    *,
    n_agents: int = N_AGENTS.default,
    n_byzantine: int = 0,
    radius: float = RADIUS.default,
    max_neighbours: int = MAX_NEIGHBOURS.default,
    box: float = 3.0,
    attack: str = ATTACK.default,
    batch: int = 1,
) -> Network:
    """B random networks as in the reference (targets, positions U[0, box]^2, neighbours, F attackers, psi_a)."""
    check_sizes(n_agents, n_byzantine, radius, max_neighbours)
    targets = TARGET_BASES[None] + rng.random((batch, N_TASKS, 2))
    positions = box * rng.random((batch, n_agents, 2))
    order = np.argsort(rng.random((batch, n_agents)), axis=1)
    byz = np.zeros((batch, n_agents), bool)
    np.put_along_axis(byz, order[:, :n_byzantine], True, axis=1)
    nb, valid = neighbour_table(in_range(positions, radius), max_neighbours, rng)
    psi_a = attack_messages(rng, attack, (batch, n_agents))
    return Network(positions, targets, task_of(n_agents), byz, nb, valid, psi_a)


def attack_messages(rng: np.random.Generator | None, attack: str, shape: tuple) -> np.ndarray:
    """What each Byzantine agent sends every iteration: 15 + U[0,1)^2 ("constant") or 0 ("zero")."""
    if ATTACK.coerce(attack) == "constant":
        return 15.0 + rng.random((*shape, 2))
    return np.zeros((*shape, 2))
