"""Threshold consensus on an oracle (the prototype's consensus_oracle_sim.py; DR model, Augustine et al.).

An external array of n bits is read by k peers, f = floor(beta k) of them Byzantine. Rounds are
synchronous. Each round every honest peer

1. queries one cell it has not decided yet (its own verification; every query is cost),
2. writes the value into its memory,
3. broadcasts it to every other peer;

and a peer accepts a cell's value (without querying it) once at least T = ceil(2 (k - 1) / 3) matching
reports from distinct other peers have arrived. With ``skip_accepted`` a peer never queries a cell it
has accepted (the point of the protocol: fewer queries); without it every peer verifies every cell
(the seed's six rounds). Byzantine peers are not bound by queries: in the first round they send a
report on every cell to every peer (the strongest timing), following the strategy of that cell.

Safety and liveness (why f <= floor((k - 1) / 3) is the tolerated bound): a wrong value needs T
reports and only f peers lie, so no honest peer accepts a wrong value while f < T; an honest peer can
reach T from honest reports alone only when k - 1 - f >= T. Both hold iff f <= k - 1 - T =
floor((k - 1) / 3).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .strategies import BIT_BASE, SILENT, damage

UNKNOWN, PARTIAL, ACCEPTED, VERIFIED = 0, 1, 2, 3
BY_QUERY, BY_THRESHOLD = 1, 2


def threshold(k: int) -> int:
    """T = ceil(2 (k - 1) / 3): matching reports from distinct other peers needed to accept."""
    return math.ceil(2 * (k - 1) / 3)


def tolerated(k: int) -> int:
    """The largest f for which the threshold protocol is safe and live: floor((k - 1) / 3)."""
    return (k - 1) // 3


@dataclass(frozen=True)
class ThresholdRun:
    queries: np.ndarray  # (round, peer) cell queried, -1 none
    messages: np.ndarray  # (message, 5): round, sender, receiver, cell, value
    state: np.ndarray  # (round, peer, cell) int8, after the round
    support: np.ndarray  # (round, peer, cell, 2) distinct senders per value, after the round
    decision: np.ndarray  # (peer, cell) int8, -1 undecided
    decided_round: np.ndarray  # (peer, cell) int32, -1 undecided
    decided_by: np.ndarray  # (peer, cell) int8: 1 own query, 2 threshold, 0 none
    query_cost: np.ndarray  # (peer,) int64


def query_orders(n: int, k: int, schedule: str, rng: np.random.Generator) -> np.ndarray:
    """Each peer's order of cells: a random permutation, or cyclic from offset floor(i n / k)."""
    if schedule == "random":
        return np.argsort(rng.random((k, n)), axis=1).astype(np.int32)
    off = (np.arange(k) * n) // k
    return ((off[:, None] + np.arange(n)[None, :]) % n).astype(np.int32)


def run_threshold(
    bits: np.ndarray,
    is_byz: np.ndarray,
    orders: np.ndarray,
    strategy: np.ndarray,
    equivocation: np.ndarray,
    skip_accepted: bool,
) -> ThresholdRun:
    """The protocol, vectorised over peers and cells; ``strategy[c]`` indexes BIT_BASE for cell c.

    ``equivocation[b, r, c]`` holds the bits Byzantine peer b would send r about c when equivocating.
    """
    bits = np.asarray(bits, dtype=np.int8)
    n, k = bits.size, is_byz.size
    T = threshold(k)
    honest = np.flatnonzero(~is_byz)
    byz = np.flatnonzero(is_byz)
    support = np.zeros((k, n, 2), dtype=np.int32)
    decided = np.zeros((k, n), dtype=bool)
    decided[byz] = True  # Byzantine peers decide nothing we track
    decision = np.full((k, n), -1, dtype=np.int8)
    decided_round = np.full((k, n), -1, dtype=np.int32)
    decided_by = np.zeros((k, n), dtype=np.int8)
    verified = np.zeros((k, n), dtype=bool)
    msgs, queries, states, supports = [], [], [], []
    # Byzantine reports (round 0): value[b, r, c] or SILENT
    if byz.size:
        rep = np.where(
            strategy[None, None, :] == 0,
            (1 - bits)[None, None, :],
            np.where(strategy[None, None, :] == 1, equivocation, SILENT),
        ).astype(np.int8)
        rep[np.arange(byz.size), byz, :] = SILENT  # nobody reports to itself
        b_i, r_i, c_i = np.nonzero(rep != SILENT)
        v_i = rep[b_i, r_i, c_i]
        np.add.at(support, (r_i, c_i, v_i.astype(np.intp)), 1)
        byz_msgs = np.stack([np.zeros_like(b_i), byz[b_i], r_i, c_i, v_i], axis=1)
    else:
        byz_msgs = np.zeros((0, 5), dtype=np.int64)
    t = 0
    while not decided[honest].all() if skip_accepted else not verified[honest].all():
        pending = ~(decided if skip_accepted else verified)
        ranked = pending[np.arange(k)[:, None], orders]  # in each peer's order
        has = ranked.any(axis=1) & ~is_byz
        pos = np.argmax(ranked, axis=1)
        q = np.where(has, orders[np.arange(k), pos], -1).astype(np.int32)
        qp = np.flatnonzero(q >= 0)
        qc = q[qp]
        verified[qp, qc] = True
        new = ~decided[qp, qc]
        decision[qp[new], qc[new]] = bits[qc[new]]
        decided_round[qp[new], qc[new]] = t
        decided_by[qp[new], qc[new]] = BY_QUERY
        decided[qp, qc] = True
        # broadcast: every querying peer to every other peer
        recv = np.broadcast_to(np.arange(k)[None, :], (qp.size, k))
        send = np.broadcast_to(qp[:, None], (qp.size, k))
        cell = np.broadcast_to(qc[:, None], (qp.size, k))
        keep = recv != send
        s_i, r_i, c_i = send[keep], recv[keep], cell[keep]
        v_i = bits[c_i]
        np.add.at(support, (r_i, c_i, v_i.astype(np.intp)), 1)
        m = np.stack([np.full(s_i.size, t), s_i, r_i, c_i, v_i], axis=1)
        msgs.append(byz_msgs if t == 0 else m[:0])
        msgs.append(m)
        # acceptance at the threshold (honest peers, undecided cells)
        reach = support >= T
        acc = reach.any(axis=2) & ~decided
        acc[byz] = False
        val = np.where(reach[..., 1] & (~reach[..., 0] | (support[..., 1] > support[..., 0])), 1, 0)
        ai, ac = np.nonzero(acc)
        decision[ai, ac] = val[ai, ac]
        decided_round[ai, ac] = t
        decided_by[ai, ac] = BY_THRESHOLD
        decided[ai, ac] = True
        st = np.where(
            verified, VERIFIED, np.where(decided, ACCEPTED, np.where(support.sum(axis=2) > 0, PARTIAL, UNKNOWN))
        )
        st[byz] = UNKNOWN
        queries.append(q)
        states.append(st.astype(np.int8))
        supports.append(support.copy())
        t += 1
        if t > n + 1:  # cannot happen: a guard
            raise RuntimeError("threshold protocol did not terminate")
    messages = np.concatenate(msgs).astype(np.int32) if msgs else np.zeros((0, 5), np.int32)
    cost = np.zeros(k, dtype=np.int64)
    if queries:
        qa = np.stack(queries)
        cost = (qa >= 0).sum(axis=0).astype(np.int64)
    return ThresholdRun(
        np.stack(queries).astype(np.int32),
        messages,
        np.stack(states),
        np.stack(supports),
        decision,
        decided_round,
        decided_by,
        cost,
    )


def choose_worst(bits, is_byz, orders, equivocation, skip_accepted) -> np.ndarray:
    """Per cell, the base strategy whose run does the most damage on that cell (with hindsight).

    Damage (strategies.damage) is lexicographic: honest disagreement, wrong decisions, undecided; ties
    go to the strategy that delays the honest decisions most, then to the first in BIT_BASE.
    """
    n = bits.size
    honest = ~is_byz
    scores = []
    for s in range(len(BIT_BASE)):
        r = run_threshold(bits, is_byz, orders, np.full(n, s, np.int8), equivocation, skip_accepted)
        per = [damage(r.decision[honest, c], int(bits[c])) + (int(r.decided_round[honest, c].sum()),) for c in range(n)]
        scores.append(per)
    best = [max(range(len(BIT_BASE)), key=lambda s: (scores[s][c], -s)) for c in range(n)]
    return np.asarray(best, dtype=np.int8)
