"""Committee download (the prototype's consensus_oracle_sim_2.py; Augustine et al.'s Download with committees).

k peers, f = floor(beta k) Byzantine (chosen at random), an external array of n bits. One cell per
round: a committee of s peers drawn at random queries the cell (``queries`` times each, keeping the
majority of its answers), and every member sends its report to every other peer.

- A committee member decides a value with at least V = ceil(2 s' / 3) matching reports (its own
  included) from members it has not blacklisted, where s' is the number of members it still listens to
  (s' = s until somebody in the committee is blacklisted); otherwise it stays undecided. Counting s'
  rather than s keeps a committee live once its liars are blacklisted, and keeps it safe: honest
  reports s - f >= ceil(2 s / 3) >= ceil(2 s' / 3), lies f - b < ceil(2 (s - b) / 3) when s >= 3 f.
- A peer outside the committee adopts the majority of the reports it received from members it has not
  blacklisted (undecided on a tie or on no report).
- Blacklisting: a peer that decided v blacklists every sender whose report to it was not v; it
  ignores that sender's later reports. Silence is not punished (nobody can prove it).

Oracles: ``perfect`` answers the true bit; ``randomized`` answers the true bit with probability
``p_correct`` per query, independently (the seed's "randomized oracle" is p_correct = 0.5: a fresh
random bit per query).

Committee size rules (c = 2.5 by default):

- ``seed``: s = min(k, max(max(3, floor(c ln k)), 2 f + 1)) (the seed's rule): an honest majority in
  every committee, enough for outsiders, but not for the 2/3 vote: with the seed's own 6 peers and
  f = 2, s = 5 and a committee holding both Byzantine peers has 3 < V = 4 honest members.
- ``safe`` (default): s = min(k, max(max(3, floor(c ln k)), 3 f)): every committee, whatever the draw,
  has s - f >= ceil(2 s / 3) honest members (iff floor(s / 3) >= f), so the vote always succeeds on a
  perfect oracle; possible iff 3 f <= k, which is the tolerated bound f <= floor(k / 3).
- ``whp``: s = min(k, max(3, floor(c ln k))) (random committees of logarithmic size, as in Augustine
  et al.): correct only with high probability when beta < 1/3; a committee with more than floor(s / 3)
  Byzantine members fails its vote.

Query cost: every member of a cell's committee makes ``queries`` queries, so peer p pays
queries * #{cells whose committee holds p} and the whole network n * s * queries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..core.params import Param
from .strategies import BIT_BASE, SILENT, damage

RULES = ("safe", "seed", "whp")
COMMITTEE_RULE = Param("committee_rule", str, "safe", "committee size rule", choices=RULES)
BY_VOTE, BY_MAJORITY = 1, 2


def committee_size(k: int, f: int, c: float = 2.5, rule: str = COMMITTEE_RULE.default) -> int:
    """The committee size s of a rule (see the module docstring)."""
    rule = COMMITTEE_RULE.coerce(rule)
    base = max(3, math.floor(c * math.log(k)))
    if rule == "seed":
        return min(k, max(base, 2 * f + 1))
    if rule == "safe":
        return min(k, max(base, 3 * f))
    return min(k, base)  # whp


def vote_threshold(s: int) -> int:
    """V = ceil(2 s / 3) matching reports a committee member needs."""
    return math.ceil(2 * s / 3)


def tolerated(k: int) -> int:
    """The largest f that the safe rule tolerates for every committee draw: floor(k / 3)."""
    return k // 3


@dataclass(frozen=True)
class CellOutcome:
    reports: np.ndarray  # (member, peer) int8, SILENT = no message
    support: np.ndarray  # (peer, 2) counted reports (own answer included for members)
    decision: np.ndarray  # (peer,) int8, -1 undecided
    decided_by: np.ndarray  # (peer,) int8
    new_blacklist: np.ndarray  # (peer, peer) bool: observer -> sender, newly blacklisted


def play_cell(
    bit: int,
    members: np.ndarray,
    answers: np.ndarray,
    is_byz: np.ndarray,
    strategy: int,
    equivocation: np.ndarray,
    blacklist: np.ndarray,
) -> CellOutcome:
    """One cell: reports, votes, adoption and blacklisting, vectorised over peers.

    ``answers[j]`` is member j's oracle answer; ``equivocation[j, r]`` the bit Byzantine member j sends r
    when equivocating; ``blacklist[o, q]`` whether o already ignores q.
    """
    k = is_byz.size
    s = members.size
    byz_m = is_byz[members]
    rep = np.broadcast_to(answers[:, None], (s, k)).astype(np.int8).copy()
    if byz_m.any():
        if BIT_BASE[strategy] == "flip":
            rep[byz_m] = 1 - bit
        elif BIT_BASE[strategy] == "equivocate":
            rep[byz_m] = equivocation[byz_m]
        else:
            rep[byz_m] = SILENT
    rep[np.arange(s), members] = SILENT  # nobody sends to itself
    heard = (rep != SILENT) & ~blacklist[:, members].T  # (member, receiver) counted
    support = np.stack([((rep == v) & heard).sum(axis=0) for v in (0, 1)], axis=1).astype(np.int32)
    is_member = np.zeros(k, dtype=bool)
    is_member[members] = True
    own = np.full(k, -1, dtype=np.int8)
    own[members] = answers
    support[members, answers.astype(np.intp)] += 1  # a member counts its own answer
    decision = np.full(k, -1, dtype=np.int8)
    by = np.zeros(k, dtype=np.int8)
    listened = (~blacklist[:, members]).sum(axis=1)  # s' per observer
    V_eff = (2 * listened + 2) // 3  # ceil(2 s' / 3)
    vote = (support >= V_eff[:, None]) & is_member[:, None]
    vm = vote.any(axis=1)
    decision[vm] = np.argmax(np.where(vote, support, -1), axis=1)[vm]
    by[vm] = BY_VOTE
    out = ~is_member & (support[:, 0] != support[:, 1])
    decision[out] = np.argmax(support, axis=1)[out]
    by[out] = BY_MAJORITY
    decision[is_byz] = -1
    by[is_byz] = 0
    # blacklisting: decided receivers against senders whose counted report differs
    contrary = heard & (rep != decision[None, :]) & (decision[None, :] >= 0)
    new = np.zeros((k, k), dtype=bool)
    r_j, r_i = np.nonzero(contrary)
    new[r_i, members[r_j]] = True
    new[is_byz] = False
    return CellOutcome(rep, support, decision, by, new)


def draw_answers(
    bit: int, n_members: int, oracle: str, p_correct: float, queries: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Each member's ``queries`` oracle answers and their majority (ties: the first answer)."""
    if oracle == "perfect":
        raw = np.full((n_members, queries), bit, dtype=np.int8)
    else:
        right = rng.random((n_members, queries)) < p_correct
        raw = np.where(right, bit, 1 - bit).astype(np.int8)
    ones = raw.sum(axis=1)
    maj = np.where(2 * ones > queries, 1, np.where(2 * ones < queries, 0, raw[:, 0])).astype(np.int8)
    return raw, maj


@dataclass(frozen=True)
class CommitteeRun:
    committees: np.ndarray  # (cell, member)
    strategy: np.ndarray  # (cell,)
    raw_answers: np.ndarray  # (cell, member, query)
    answers: np.ndarray  # (cell, member)
    reports: np.ndarray  # (cell, member, peer)
    support: np.ndarray  # (cell, peer, 2)
    decision: np.ndarray  # (peer, cell)
    decided_by: np.ndarray  # (peer, cell)
    blacklisted_at: np.ndarray  # (observer, peer): cell at which observer blacklisted peer, -1 never
    query_cost: np.ndarray  # (peer,)


def run_committee(
    bits, is_byz, s: int, strategy: str, oracle: str, p_correct: float, queries: int, rng: np.random.Generator
) -> CommitteeRun:
    n, k = bits.size, is_byz.size
    blacklist = np.zeros((k, k), dtype=bool)
    bl_at = np.full((k, k), -1, dtype=np.int32)
    C = np.zeros((n, s), np.int32)
    strat = np.zeros(n, np.int8)
    raw_all = np.zeros((n, s, queries), np.int8)
    ans_all = np.zeros((n, s), np.int8)
    reps = np.zeros((n, s, k), np.int8)
    sup = np.zeros((n, k, 2), np.int32)
    dec = np.full((k, n), -1, np.int8)
    by = np.zeros((k, n), np.int8)
    honest = ~is_byz
    for c in range(n):
        bit = int(bits[c])
        members = np.sort(rng.choice(k, s, replace=False)).astype(np.int32)
        raw, ans = draw_answers(bit, s, oracle, p_correct, queries, rng)
        eq = rng.integers(0, 2, (s, k)).astype(np.int8)
        if strategy == "worst":
            outs = [play_cell(bit, members, ans, is_byz, j, eq, blacklist) for j in range(len(BIT_BASE))]
            key = [damage(o.decision[honest], bit) + (-int(o.new_blacklist[:, is_byz].sum()),) for o in outs]
            j = max(range(len(BIT_BASE)), key=lambda i: (key[i], -i))
            o = outs[j]
        else:
            j = BIT_BASE.index(strategy)
            o = play_cell(bit, members, ans, is_byz, j, eq, blacklist)
        fresh = o.new_blacklist & ~blacklist
        bl_at[fresh] = c
        blacklist |= o.new_blacklist
        C[c], strat[c], raw_all[c], ans_all[c], reps[c], sup[c] = members, j, raw, ans, o.reports, o.support
        dec[:, c], by[:, c] = o.decision, o.decided_by
    cost = queries * np.bincount(C.ravel(), minlength=k).astype(np.int64)
    return CommitteeRun(C, strat, raw_all, ans_all, reps, sup, dec, by, bl_at, cost)
