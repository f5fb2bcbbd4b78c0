"""Sweeps of target localization: over the number of Byzantine agents F (and the attack), and over seeds.

``mtl_byzantine``: the default (correct-rule) study, each trial an independent
random network, vectorised over trials in batches. ``mtl_paper_seeds``: the
authors' script replayed for other values of its seed, with and without the
two code deviations (how often the deviations let attackers capture agents).
"""

from __future__ import annotations

import numpy as np

from ..core.params import Param
from ..core.sweeps import Field, sweep
from . import localization as loc
from .paper_compat import ATTACKERS, DEVIATIONS, PAPER_ITERATIONS, PAPER_N, run_paper_batch
from .rules import METHODS

BATCH = 16  # networks simulated together (memory ~ BATCH x T x N)
M = len(METHODS)


def burn_in(iterations: int) -> int:
    """First iteration of the tail average: 100 as in the paper, or T/5 for short runs."""
    return min(100, iterations // 5)


def captured(net, final: np.ndarray) -> np.ndarray:
    """(B,) normal agents whose final estimate is nearer some Byzantine message than their own target."""
    own = np.sum((final - net.w_true) ** 2, axis=-1)  # (B, N)
    to_byz = np.sum((final[:, :, None, :] - net.psi_a[:, None, :, :]) ** 2, axis=-1)  # (B, N, N)
    to_byz = np.where(net.byzantine[:, None, :], to_byz, np.inf).min(axis=2)
    return np.sum((to_byz < own) & ~net.byzantine, axis=1)


def tail_summary(res, net, iterations: int) -> dict:
    """Per network: tail-mean Loss and MSD per method, captured agents (loss rule), largest Byzantine weight."""
    t0 = burn_in(iterations)
    normal = (~net.byzantine)[None, None]
    n_normal = normal.sum(axis=3)
    loss_tail = (np.where(normal, res.loss[:, t0:], 0).sum(axis=3) / n_normal).mean(axis=1).T  # (B, method)
    msd_tail = (np.where(normal, res.msd[:, t0:], 0).sum(axis=3) / n_normal).mean(axis=1).T
    return {
        "loss_tail": loss_tail,
        "msd_tail": msd_tail,
        "captured": captured(net, res.final[3]),
        "byz_weight": res.byz_weight[3, t0:].max(axis=0),
    }


def _rows(p: dict, r: dict) -> dict:
    out = {}
    for j, m in enumerate(METHODS):
        out[f"msd_tail_db_{m}"] = float(10 * np.log10(np.mean(r["msd_tail"][..., j])))
        out[f"loss_tail_{m}"] = float(np.mean(r["loss_tail"][..., j]))
    out["captured_mean"] = float(np.mean(r["captured"]))
    out["byz_weight_max"] = float(np.max(r["byz_weight"]))
    return out


FIXED = tuple(q for q in loc.PARAMS if q.name not in ("n_byzantine", "attack"))


@sweep(
    "mtl_byzantine",
    version=1,
    summary="target localization: tail Loss/MSD of the four rules against F and the attack (correct loss rule)",
    axes=(next(q for q in loc.PARAMS if q.name == "n_byzantine"), next(q for q in loc.PARAMS if q.name == "attack")),
    fixed=FIXED,
    defaults={"n_byzantine": (0, 20, 40, 99), "attack": ("constant", "zero")},
    trials=8,
    max_trials=1000,
    record={
        "loss_tail": Field("float64", ("trials", M), low=0, doc="mean Loss over normal agents, iterations >= burn-in"),
        "msd_tail": Field("float64", ("trials", M), low=0, doc="mean MSD over normal agents, iterations >= burn-in"),
        "captured": Field(
            "int64",
            ("trials",),
            low=0,
            high="n_agents",
            doc="normal agents whose final loss-based estimate is nearer a Byzantine message than their target",
        ),
        "byz_weight": Field(
            "float64",
            ("trials",),
            low=0,
            high=1 + 1e-9,
            doc="largest weight on Byzantine neighbours after burn-in (loss rule)",
        ),
        "msd_curve": Field(
            "float64",
            lambda p: (M, p["iterations"]),
            low=0,
            doc="MSD averaged over normal agents and trials, per iteration",
        ),
    },
    work=lambda p: p["trials"] * loc.work(p),
    check=loc.check,
    row=_rows,
    model="Li et al. 2020 target localization, adapt-then-combine, correct loss rule; trial = random network",
    smoke={"n_byzantine": (0, 20), "attack": ("constant",), "trials": 2, "iterations": 30, "n_agents": 40},
)
def byzantine_cell(p: dict, rng: np.random.Generator) -> dict:
    """``trials`` independent networks in batches of BATCH; every method on the same samples."""
    parts, curve = [], np.zeros((M, p["iterations"]))
    done = 0
    while done < p["trials"]:
        b = min(BATCH, p["trials"] - done)
        s, res = loc.simulate_batch(p, rng, b)
        parts.append(tail_summary(res, s.net, p["iterations"]))
        normal = (~s.net.byzantine)[None, None]
        curve += (np.where(normal, res.msd, 0).sum(axis=3) / normal.sum(axis=3)).sum(axis=2)
        done += b
    out = {k: np.concatenate([x[k] for x in parts]) for k in parts[0]}
    out["msd_curve"] = curve / p["trials"]
    return out


@sweep(
    "mtl_paper_seeds",
    version=2,
    summary="the authors' script over its seed: with both code deviations and with the correct rule",
    axes=(ATTACKERS, DEVIATIONS),
    fixed=(
        Param(
            "first_seed",
            int,
            0,
            "trial t replays random.seed / numpy.random.seed = first_seed + t",
            low=0,
            high=2**32 - 100_001,
        ),
        PAPER_ITERATIONS,
    ),
    defaults={"n_byzantine": (20, 40), "deviations": (True, False)},
    trials=10,
    max_trials=100_000,
    record={
        "loss_tail": Field("float64", ("trials", M), low=0),
        "msd_tail": Field("float64", ("trials", M), low=0),
        "captured": Field("int64", ("trials",), low=0, high=PAPER_N),
        "byz_weight": Field("float64", ("trials",), low=0, high=1 + 1e-9),
    },
    work=lambda p: p["trials"] * loc.work({"iterations": p["iterations"], "n_agents": PAPER_N, "max_neighbours": 10}),
    row=_rows,
    model="Li et al. 2020 target localization replayed with the authors' seeding (paper_compat); trial = seed",
    smoke={"n_byzantine": (20,), "deviations": (True, False), "iterations": 40, "trials": 2},
)
def paper_seed_cell(p: dict, rng: np.random.Generator) -> dict:
    """Seeds first_seed .. first_seed + trials - 1 of the authors' script, BATCH at a time (``rng`` unused)."""
    seeds = p["first_seed"] + np.arange(p["trials"])
    parts = []
    for lo in range(0, len(seeds), BATCH):
        s, res = run_paper_batch(
            p["n_byzantine"], seeds[lo : lo + BATCH], deviations=p["deviations"], iterations=p["iterations"]
        )
        parts.append(tail_summary(res, s.net, p["iterations"]))
    return {k: np.concatenate([x[k] for x in parts]) for k in parts[0]}
