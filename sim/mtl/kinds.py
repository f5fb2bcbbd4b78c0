"""Trace kinds of target localization: the default (correct-rule) run and the paper-compatibility run.

Both record, per iteration, every agent's estimate for the four methods, the
combination weights on the directed edge list (self loops included), the loss
rule's admitted sets and accumulated losses r_kl, and the per-agent Loss and
MSD (NaN at Byzantine agents).
"""

from __future__ import annotations

import numpy as np

from ..core.kinds import trace_kind
from ..core.params import Param
from ..core.trace import ArraySpec
from . import localization as loc
from .diffusion import RunResult
from .network import N_TASKS, Network
from .paper_compat import ATTACKERS, DEVIATIONS, PAPER_ITERATIONS, PAPER_N, run_paper
from .rules import METHOD_LABELS, METHODS

ARRAYS = {
    "positions": ArraySpec("float64", ("agent", 2), "agent positions x_k"),
    "targets": ArraySpec("float64", ("task", 2), "targets w° of the four tasks"),
    "task": ArraySpec("int64", ("agent",), "task of each agent"),
    "is_byzantine": ArraySpec("bool", ("agent",), "Byzantine agents"),
    "psi_a": ArraySpec("float64", ("agent", 2), "what each Byzantine agent sends (0 at normal agents)"),
    "edges": ArraySpec("int64", ("edge", 2), "directed edges (k, l): l in N_k, self loops included, by k"),
    "estimates": ArraySpec("float64", ("method", "step", "agent", 2), "w_k(i), i = 0..T (step 0 = start)"),
    "weights": ArraySpec("float32", ("method", "iteration", "edge"), "combination weight a_kl of each edge"),
    "admitted": ArraySpec("bool", ("iteration", "edge"), "loss rule: l in S_k (r_kl <= r_kk)"),
    "acc_loss": ArraySpec("float32", ("iteration", "edge"), "loss rule: accumulated loss r_kl"),
    "loss": ArraySpec(
        "float64", ("method", "iteration", "agent"), "ℓ_k(w_k(i)) after combining (NaN: Byzantine)", finite=False
    ),
    "msd": ArraySpec("float64", ("method", "iteration", "agent"), "||w_k(i) - w°_k||^2 (NaN: Byzantine)", finite=False),
}


def _sizes(p: dict) -> dict:
    return {
        "agent": p["n_agents"],
        "task": N_TASKS,
        "method": len(METHODS),
        "step": p["iterations"] + 1,
        "iteration": p["iterations"],
    }


def trace_arrays(net: Network, res: RunResult) -> dict:
    """The recorded run of network 0 as trace arrays (sparse weights on the edge list)."""
    h = res.history
    k, j = np.nonzero(net.valid[0])
    return {
        "positions": net.positions[0],
        "targets": net.targets[0],
        "task": net.task.astype(np.int64),
        "is_byzantine": net.byzantine[0],
        "psi_a": np.where(net.byzantine[0][:, None], net.psi_a[0], 0.0),
        "edges": net.edges(0),
        "estimates": h.estimates[:, :, 0],
        "weights": h.weights[:, :, 0, k, j].astype(np.float32),
        "admitted": h.admitted[:, 0, k, j],
        "acc_loss": h.r_loss[:, 0, k, j].astype(np.float32),
        "loss": res.loss[:, :, 0],
        "msd": res.msd[:, :, 0],
    }


def _meta(net: Network) -> dict:
    return {
        "methods": list(METHODS),
        "method_labels": [METHOD_LABELS[m] for m in METHODS],
        "n_byzantine": int(net.byzantine[0].sum()),
    }


@trace_kind(
    "mtl_localization",
    version=2,
    summary="Target localization (Li et al. 2020): four diffusion rules, F Byzantine agents, correct loss rule",
    params=loc.PARAMS,
    arrays=ARRAYS,
    sizes=_sizes,
    check=loc.check,
    work=loc.work,
)
def _localization(p: dict, rng: np.random.Generator):
    s, res = loc.simulate_batch(p, rng, 1, record=True)
    return trace_arrays(s.net, res), {**_meta(s.net), "mode": "default"}


COMPAT_PARAMS = (
    ATTACKERS,
    Param("paper_seed", int, 0, "value given to random.seed and numpy.random.seed", low=0, high=2**32 - 1),
    PAPER_ITERATIONS,
    DEVIATIONS,
)


@trace_kind(
    "mtl_paper",
    version=2,
    summary="Target localization replayed with the authors' seeding, draw order and code deviations",
    params=COMPAT_PARAMS,
    arrays=ARRAYS,
    sizes=lambda p: _sizes({**p, "n_agents": PAPER_N}),
    work=lambda p: loc.work({"iterations": p["iterations"], "n_agents": PAPER_N, "max_neighbours": 10}),
)
def _paper(p: dict, rng: np.random.Generator):
    s, res = run_paper(
        p["n_byzantine"], seed=p["paper_seed"], iterations=p["iterations"], deviations=p["deviations"], record=True
    )
    return trace_arrays(s.net, res), {**_meta(s.net), "mode": "paper_compat", "attackers": s.attackers}
