"""The consensus subject's trace kinds: what the studio can replay.

- ``oracle_threshold``: threshold consensus on an oracle (:mod:`.threshold`);
- ``committee_download``: committee download with a vote (:mod:`.committee`);
- ``error_bounded``: error-bounded blacklisting of noisy estimates (:mod:`.error_bounded`).

Each kind draws its inputs, runs the protocol and records the arrays its scenes replay.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..core.kinds import trace_kind
from ..core.params import Param
from ..core.population import check_honest_left, n_byzantine
from ..core.trace import ArraySpec
from . import committee, threshold
from .committee import COMMITTEE_RULE, committee_size, run_committee, vote_threshold
from .error_bounded import (
    C_CONFIDENCE,
    C_QUERIES,
    EPS,
    MARGIN,
    N_SOURCES,
    SHIFT,
    Attack,
    check_margin,
    draw_estimates,
    p_outside,
    parse_strategies,
    queries_per_source,
    receiver_reports,
    shared_reports,
    union_bound,
    violates,
)
from .strategies import BIT_BASE, BIT_STRATEGY, BYZ_FRACTION, N_CELLS, N_PEERS
from .threshold import choose_worst, query_orders, run_threshold

# --------------------------------------------------------------- oracle_threshold (threshold.py)
STATE_NAMES = ("unknown", "partial support", "accepted", "verified")


def _check_oracle(p: dict) -> None:
    check_honest_left(p["byz_fraction"], p["n_peers"], "peer")


@trace_kind(
    "oracle_threshold",
    version=1,
    summary="Threshold consensus on an oracle: query, broadcast, accept at ceil(2(k-1)/3) matching reports",
    params=(
        N_CELLS,
        N_PEERS,
        BYZ_FRACTION,
        BIT_STRATEGY,
        Param("skip_accepted", bool, True, "never query a cell already accepted at the threshold"),
        Param(
            "schedule",
            str,
            "random",
            "query order: random permutation or staggered (cyclic from i n / k)",
            choices=("random", "staggered"),
        ),
    ),
    arrays={
        "bits": ArraySpec("int8", ("cell",), "the oracle's array"),
        "is_byzantine": ArraySpec("bool", ("peer",), "ground truth"),
        "strategy": ArraySpec("int8", ("cell",), "Byzantine strategy used on each cell (index into meta.strategies)"),
        "order": ArraySpec("int32", ("peer", "cell"), "each peer's query order"),
        "queries": ArraySpec("int32", ("round", "peer"), "cell queried in the round, -1 none"),
        "messages": ArraySpec("int32", ("message", 5), "round, sender, receiver, cell, value"),
        "state": ArraySpec("int8", ("round", "peer", "cell"), "0 unknown, 1 partial support, 2 accepted, 3 verified"),
        "support": ArraySpec(
            "int32", ("round", "peer", "cell", 2), "distinct senders reporting 0 / 1, after the round"
        ),
        "decision": ArraySpec("int8", ("peer", "cell"), "decided value, -1 undecided (Byzantine rows -1)"),
        "decided_round": ArraySpec("int32", ("peer", "cell"), "round of the decision, -1 never"),
        "decided_by": ArraySpec("int8", ("peer", "cell"), "1 own query, 2 threshold, 0 undecided"),
        "query_cost": ArraySpec("int64", ("peer",), "queries made by each peer"),
    },
    sizes=lambda p: {"cell": p["n_cells"], "peer": p["n_peers"]},
    check=_check_oracle,
    work=lambda p: (
        (4 if p["strategy"] == "worst" else 1) * p["n_cells"] * p["n_peers"] * (p["n_peers"] + 2 * p["n_cells"])
    ),
    max_work=2e8,
)
def _oracle_threshold(p: dict, rng: np.random.Generator):
    n, k = p["n_cells"], p["n_peers"]
    f = n_byzantine(p["byz_fraction"], k)
    bits = rng.integers(0, 2, n).astype(np.int8)
    is_byz = np.zeros(k, dtype=bool)
    is_byz[rng.choice(k, f, replace=False)] = True
    orders = query_orders(n, k, p["schedule"], rng)
    equivocation = rng.integers(0, 2, (f, k, n)).astype(np.int8)
    if p["strategy"] == "worst":
        strat = choose_worst(bits, is_byz, orders, equivocation, p["skip_accepted"])
    else:
        strat = np.full(n, BIT_BASE.index(p["strategy"]), dtype=np.int8)
    r = run_threshold(bits, is_byz, orders, strat, equivocation, p["skip_accepted"])
    arrays = {
        "bits": bits,
        "is_byzantine": is_byz,
        "strategy": strat,
        "order": orders,
        "queries": r.queries,
        "messages": r.messages,
        "state": r.state,
        "support": r.support,
        "decision": r.decision,
        "decided_round": r.decided_round,
        "decided_by": r.decided_by,
        "query_cost": r.query_cost,
    }
    meta = {
        "threshold": threshold.threshold(k),
        "tolerated": threshold.tolerated(k),
        "n_byzantine": f,
        "strategies": list(BIT_BASE),
        "states": list(STATE_NAMES),
        "rounds": int(r.queries.shape[0]),
    }
    return arrays, meta


# --------------------------------------------------------------- committee_download (committee.py)
def _check_committee(p: dict) -> None:
    check_honest_left(p["byz_fraction"], p["n_peers"], "peer")


@trace_kind(
    "committee_download",
    version=1,
    summary="Committee download: random committees query each cell, vote at ceil(2s/3), outsiders adopt, blacklisting",
    params=(
        N_CELLS,
        N_PEERS,
        replace(BYZ_FRACTION, default=1 / 3),
        BIT_STRATEGY,
        COMMITTEE_RULE,
        Param("c", float, 2.5, "committee constant c in floor(c ln k)", low=0.0, high=1e3, low_open=True),
        Param("oracle", str, "perfect", "perfect or randomized oracle", choices=("perfect", "randomized")),
        Param(
            "p_correct", float, 0.9, "randomized oracle: probability a query returns the true bit", low=0.0, high=1.0
        ),
        Param("queries", int, 1, "queries per committee member (its majority is its report)", low=1, high=10_000),
    ),
    arrays={
        "bits": ArraySpec("int8", ("cell",), "the oracle's array (true bits)"),
        "is_byzantine": ArraySpec("bool", ("peer",), "ground truth"),
        "committees": ArraySpec("int32", ("cell", "member"), "committee of each cell (sorted peer ids)"),
        "strategy": ArraySpec("int8", ("cell",), "Byzantine strategy used on each cell (index into meta.strategies)"),
        "raw_answers": ArraySpec("int8", ("cell", "member", "query"), "every oracle answer"),
        "answers": ArraySpec("int8", ("cell", "member"), "each member's answer (majority of its queries)"),
        "reports": ArraySpec("int8", ("cell", "member", "peer"), "report sent by member to peer, -1 none"),
        "support": ArraySpec("int32", ("cell", "peer", 2), "counted reports of 0 / 1 (members: own answer included)"),
        "decision": ArraySpec("int8", ("peer", "cell"), "decided value, -1 undecided (Byzantine rows -1)"),
        "decided_by": ArraySpec("int8", ("peer", "cell"), "1 committee vote, 2 adopted majority, 0 undecided"),
        "blacklisted_at": ArraySpec(
            "int32", ("peer", "peer"), "cell at which observer (row) blacklisted peer (column), -1 never"
        ),
        "query_cost": ArraySpec("int64", ("peer",), "queries made by each peer"),
    },
    sizes=lambda p: {"cell": p["n_cells"], "peer": p["n_peers"], "query": p["queries"]},
    check=_check_committee,
    work=lambda p: (4 if p["strategy"] == "worst" else 1) * p["n_cells"] * p["n_peers"] * (p["n_peers"] + p["queries"]),
    max_work=2e8,
)
def _committee_download(p: dict, rng: np.random.Generator):
    n, k = p["n_cells"], p["n_peers"]
    f = n_byzantine(p["byz_fraction"], k)
    s = committee_size(k, f, p["c"], p["committee_rule"])
    bits = rng.integers(0, 2, n).astype(np.int8)
    is_byz = np.zeros(k, dtype=bool)
    is_byz[rng.choice(k, f, replace=False)] = True
    r = run_committee(bits, is_byz, s, p["strategy"], p["oracle"], p["p_correct"], p["queries"], rng)
    arrays = {
        "bits": bits,
        "is_byzantine": is_byz,
        "committees": r.committees,
        "strategy": r.strategy,
        "raw_answers": r.raw_answers,
        "answers": r.answers,
        "reports": r.reports,
        "support": r.support,
        "decision": r.decision,
        "decided_by": r.decided_by,
        "blacklisted_at": r.blacklisted_at,
        "query_cost": r.query_cost,
    }
    meta = {
        "committee_size": s,
        "vote_threshold": vote_threshold(s),
        "n_byzantine": f,
        "tolerated": committee.tolerated(k),
        "strategies": list(BIT_BASE),
    }
    return arrays, meta


# --------------------------------------------------------------- error_bounded (error_bounded.py)
def _rows_of_peers(k: int, f: int, rng: np.random.Generator) -> np.ndarray:
    is_byz = np.zeros(k, dtype=bool)
    is_byz[rng.choice(k, f, replace=False)] = True
    return is_byz


def _check_error_bounded(p: dict) -> None:
    check_honest_left(p["byz_fraction"], p["n_peers"], "peer")
    parse_strategies(p["strategies"])  # each one of ESTIMATE_STRATEGIES
    check_margin(p["margin"], p["eps"])


@trace_kind(
    "error_bounded",
    version=1,
    summary="Error-bounded blacklisting (Sec. III.B): m queries per source, 2eps/3 pairwise test, surviving average",
    params=(
        replace(N_SOURCES, default=6),
        N_PEERS,
        replace(BYZ_FRACTION, default=1 / 6),
        EPS,
        C_QUERIES,
        C_CONFIDENCE,
        Param("strategies", str, "shift,just_inside", "attacks replayed on the same honest estimates, in order"),
        SHIFT,
        MARGIN,
        Param("exact_law", bool, True, "draw sample means from N(mu, 1/m) (else query by query)"),
    ),
    arrays={
        "mu": ArraySpec("float64", ("source",), "true means mu_i in [0, 1]"),
        "is_byzantine": ArraySpec("bool", ("peer",), "ground truth"),
        "estimates": ArraySpec("float64", ("peer", "source"), "each peer's own sample means"),
        "reports": ArraySpec(
            "float64",
            ("attack", "peer", "peer", "source"),
            "report of (reporter) to (observer): [attack, observer, reporter, source]",
        ),
        "max_diff": ArraySpec("float64", ("attack", "peer", "peer"), "max over sources of |report - own estimate|"),
        "worst_source": ArraySpec("int32", ("attack", "peer", "peer"), "source of that maximum"),
        "blacklist": ArraySpec("bool", ("attack", "peer", "peer"), "observer blacklists reporter (honest observers)"),
        "final": ArraySpec(
            "float64", ("attack", "peer", "source"), "surviving average (Byzantine rows: NaN)", finite="nan"
        ),
        "queries": ArraySpec("int64", ("peer",), "queries made by each peer (n m)"),
    },
    sizes=lambda p: {"source": p["n_sources"], "peer": p["n_peers"], "attack": len(parse_strategies(p["strategies"]))},
    check=_check_error_bounded,
    work=lambda p: (
        len(parse_strategies(p["strategies"])) * p["n_peers"] ** 2 * p["n_sources"]
        + (
            0
            if p["exact_law"]
            else p["n_peers"]
            * p["n_sources"]
            * queries_per_source(p["n_sources"], p["n_peers"], p["eps"], p["C"], p["c"])
        )
    ),
    max_work=5e7,
)
def _error_bounded(p: dict, rng: np.random.Generator):
    n, k, eps = p["n_sources"], p["n_peers"], p["eps"]
    f = n_byzantine(p["byz_fraction"], k)
    m = queries_per_source(n, k, eps, p["C"], p["c"])
    mu = rng.random(n)
    is_byz = _rows_of_peers(k, f, rng)
    est = draw_estimates(mu, k, m, rng, exact=p["exact_law"])
    hon, byz = np.flatnonzero(~is_byz), np.flatnonzero(is_byz)
    strategies = parse_strategies(p["strategies"])
    A = len(strategies)
    reports = np.broadcast_to(est[None, None], (A, k, k, n)).copy()
    final = np.full((A, k, n), np.nan)
    for a, s in enumerate(strategies):
        att = Attack(s, eps, p["shift"], p["margin"])
        R = shared_reports(att, mu, f, rng)
        for j, b in enumerate(byz):
            Rb = R[j] if R is not None else receiver_reports(att, mu, est[hon], rng)
            reports[a, hon, b] = Rb
            reports[a, byz, b] = est[b]  # what Byzantine peers tell each other: irrelevant
        # the protocol itself, from the honest observers' side (the same code as the sweeps)
        est[hon]
        thr = att.threshold
        D = np.abs(reports[a] - est[:, None, :])  # observer's own estimate vs report
        md = D.max(axis=2)
        final_h = np.empty((hon.size, n))
        for i, o in enumerate(hon):
            ok = ~violates(md[o], thr)
            ok[o] = True
            final_h[i] = reports[a, o, ok].mean(axis=0)
        final[a, hon] = final_h
    D = np.abs(reports - est[None, :, None, :])
    max_diff = D.max(axis=3)
    worst = D.argmax(axis=3).astype(np.int32)
    bl = violates(max_diff, 2 * eps / 3)
    bl[:, byz, :] = False
    bl[:, np.arange(k), np.arange(k)] = False
    arrays = {
        "mu": mu,
        "is_byzantine": is_byz,
        "estimates": est,
        "reports": reports,
        "max_diff": max_diff,
        "worst_source": worst,
        "blacklist": bl,
        "final": final,
        "queries": np.full(k, n * m, dtype=np.int64),
    }
    meta = {
        "m": m,
        "threshold": 2 * eps / 3,
        "half_width": eps / 3,
        "n_byzantine": f,
        "strategies": strategies,
        "p_outside": p_outside(m, eps),
        "union_bound": union_bound(m, eps, n * (k - f)),
    }
    return arrays, meta
