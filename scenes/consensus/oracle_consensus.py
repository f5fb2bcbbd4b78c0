"""OracleConsensus: threshold consensus on an oracle (the prototype's consensus_oracle_sim.py).

Replays an ``oracle_threshold`` trace: the oracle's bits on top, the peers on a circle with their memory
rows. Each round the query beams go up and the queried cells turn verified; the values fly along the
edges; the support of each cell rises toward the acceptance threshold theta = ceil(2 (k - 1) / 3) (the
glossary's θ), and a cell reaching it is accepted without a query. Every caption is a Claim bound from the trace.
"""

from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, FadeIn, Line, Square, VGroup

from kit.traces import TraceSpec
from scenes.base import Pace, StudioScene
from scenes.claims import Claim, first_true, plain
from scenes.consensus.network import (
    OracleRow,
    PeerRing,
    bit_color,
    box_of,
    clear_under_band,
    count_line,
    glossary_rows,
    glyph,
    peer_node,
    segments_around,
)
from scenes.pieces import (
    CELLS,
    COLORS,
    FS,
    FadeInPlace,
    FadeOutPlace,
    Morph,
    label,
    legend,
    side,
    swatch_box,
    swatch_dot,
    title,
)
from sim.consensus.presets import SEED_ORACLE
from sim.consensus.threshold import ACCEPTED, PARTIAL, VERIFIED


def state_fill(mem, i: int, state: int, level: float):
    """The fill of memory cell i for a state (cells family): verified, accepted, partial support."""
    if state == VERIFIED:
        return mem.fill_at(i, 1.0, CELLS.verified, 1.0)
    if state == ACCEPTED:
        return mem.fill_at(i, 1.0, CELLS.accepted, 1.0)
    if state == PARTIAL:
        return mem.fill_at(i, level, CELLS.partial, 0.85)
    return mem.fill_at(i, 0.0, CELLS.partial)


class OracleConsensus(StudioScene):
    caption_every = 6.0  # seconds between running captions
    trace_spec = TraceSpec("oracle_threshold", seed=6, params=dict(SEED_ORACLE))
    draws = {"n_cells": (1, 16), "n_peers": (2, 16)}  # what the scene can draw (StudioScene.draws)
    key_frames = ("initial", "first_queries", "first_broadcast", "first_acceptance", "conclusion")
    paper_stills = ("first_broadcast", "first_acceptance", "conclusion")
    pace = Pace(round=2.4, event_round=4.2, key_hold=2.0, intro_hold=2.5, end_hold=3.0)

    # other runs the words are checked on (tests/test_scenes_narration.py): other seeds, more bits, a Byzantine
    # peer in a larger network, the staggered query order
    claim_checks = (
        {"seed": 3},
        {"seed": 11, "n_cells": 8},
        {"seed": 4, "n_peers": 7, "byz_fraction": 0.15},
        {"seed": 8, "schedule": "staggered"},
    )

    def construct(self):
        tr = self.trace
        self.build_layout(tr)
        self.opening(caption=self.opening_claim(tr), prompt=self.opening_prompt())
        self.hold()  # the opening caption, read to its end
        R = tr["queries"].shape[0]
        acc_rounds = [t for t in range(R) if (tr["state"][t] == ACCEPTED).any()]
        first_acc = acc_rounds[0] if acc_rounds else R - 1
        for t in range(R):
            if 0 < t < R - 1 and self.caption_due():
                self.caption(self.round_claim(tr, t))
            step = self.round_time(t, [0, first_acc], near=0) / 3
            self.query(tr, t, step)
            if t == 0:
                self.key_frame(
                    "first_queries",
                    self.queries_claim(tr),
                    prompt=plain("Point at the beams: a query is the expensive step; the rest is messages."),
                )
                self.hold()
            self.broadcast(tr, t, step, pause=t == 0)
            self.receive(tr, t, step)
            if t == first_acc:
                cap, prompt = self.acceptance_claims(tr, t)
                ring = self.highlight(tr, t)  # the cell the caption cites, framed while it is held
                self.key_frame("first_acceptance", cap, prompt=prompt)
                self.hold()
                if ring is not None:
                    self.play(FadeOutPlace(ring), run_time=self.seconds(0.4))
            else:
                self.slide_break()
        line = self.conclusion(tr)
        clear_under_band(self, list(self.key), self.seconds(1.0))
        self.conclude(line)
        self.key_frame(
            "conclusion",
            line,
            prompt=plain("Transition: next, nobody knows who lies, and the oracle itself can answer wrong."),
        )

    def first_accepted(self, tr, t: int):
        """(peer, cell) of the first honest acceptance in round t, or None."""
        st = np.asarray(tr["state"][t])
        prev = np.asarray(tr["state"][t - 1]) if t else np.zeros_like(st)
        new = np.argwhere((st == ACCEPTED) & (prev != ACCEPTED) & ~np.asarray(tr["is_byzantine"])[:, None])
        return (int(new[0][0]), int(new[0][1])) if len(new) else None

    def highlight(self, tr, t: int):
        pc = self.first_accepted(tr, t)
        if pc is None:
            return None
        p, c = pc
        mem = self.ring.memories[p]
        ring = Square(mem.cell + 0.1, stroke_color=COLORS.threshold, stroke_width=4).move_to(mem.centers[c])
        self.play(FadeIn(ring), run_time=self.seconds(0.4))
        return ring

    def broadcast_claims(self, tr, t: int) -> tuple[Claim, Claim]:
        msg = np.asarray(tr["messages"])
        msg = msg[msg[:, 0] == t]
        q, bits = np.asarray(tr["queries"][t]), np.asarray(tr["bits"])
        hon = np.flatnonzero(~np.asarray(tr["is_byzantine"]))

        def honest_send_all() -> bool:
            for p in hon:
                if q[p] < 0:
                    continue
                m = msg[msg[:, 1] == p]
                if set(m[:, 2].tolist()) != set(range(self.k)) - {int(p)}:
                    return False
                if not ((m[:, 3] == q[p]) & (m[:, 4] == bits[q[p]])).all():
                    return False
            return True

        cap = first_true(
            Claim(
                "Each honest peer sends the bit it just verified to all {o} other peers.",
                o=self.k - 1,
                holds=honest_send_all,
                says="every honest querier sends its cell's true bit to every other peer",
            ),
            Claim("{m} reports are on their way.", m=len(msg), holds=lambda: True, says="a count from the trace"),
        )
        prompt = plain("Say it: one query, broadcast, saves each other peer the same query.")
        return cap, prompt

    # -- the words, each bound from the trace with what it asserts ------------------------------------------
    def opening_claim(self, tr) -> Claim:
        k, n, f = self.k, self.n, int(tr.meta["n_byzantine"])
        shape = int(np.asarray(tr["is_byzantine"]).size) == k and np.asarray(tr["bits"]).size == n
        return first_true(
            Claim(
                "{k} honest peers must each learn all {n} bits of the oracle; every query costs.",
                k=k,
                n=n,
                holds=lambda: shape and f == 0,
                says="k peers, none Byzantine, n bits",
            ),
            Claim(
                "{k} peers, {f} Byzantine, must each learn all {n} bits of the oracle; every query costs.",
                k=k,
                f=f,
                n=n,
                holds=lambda: shape and int(np.asarray(tr["is_byzantine"]).sum()) == f,
                says="k peers, f Byzantine, n bits",
            ),
        )

    @staticmethod
    def opening_prompt() -> Claim:
        return plain("Point at the oracle row: every peer needs every bit; the question is how few queries.")

    def queries_claim(self, tr) -> Claim:
        q = np.asarray(tr["queries"][0])
        asked = q[q >= 0]
        return first_true(
            Claim(
                "Round {r}: each of the {c} honest peers queries one cell, and they ask {d} different cells.",
                r=1,
                c=int(asked.size),
                d=int(np.unique(asked).size),
                holds=lambda: asked.size == int((~np.asarray(tr["is_byzantine"])).sum()),
                says="every honest peer queries one cell in round 1",
            ),
            Claim(
                "Round {r}: {c} peers query one cell each.",
                r=1,
                c=int(asked.size),
                holds=lambda: True,
                says="a count from the trace",
            ),
        )

    def round_claim(self, tr, t: int) -> Claim:
        h = ~np.asarray(tr["is_byzantine"])
        st = np.asarray(tr["state"][t - 1])[h]
        q = np.asarray(tr["queries"][:t])
        return Claim(
            "After round {r}: {q} queries, and {a} memory cells accepted without one.",
            r=t,
            q=int((q >= 0).sum()),
            a=int((st == ACCEPTED).sum()),
            holds=lambda: int((np.asarray(tr["queries"][:t]) >= 0).sum()) == int((q >= 0).sum()),
            says="counts from the trace after round t",
        )

    def acceptance_claims(self, tr, t: int) -> tuple[Claim, Claim]:
        st, sup = np.asarray(tr["state"][t]), np.asarray(tr["support"][t])
        theta = int(tr.meta["threshold"])
        pc = self.first_accepted(tr, t)
        if pc is not None:
            p, c = pc
            s = int(sup[p, c].max())
            vals = dict(r=t + 1, p=p + 1, c=c + 1, s=s, theta=theta)
            cap = Claim(
                "Round {r}: P{p} holds {s} matching reports for cell {c}, at least θ = {theta}: accepted without "
                "a query.",
                holds=lambda: st[p, c] == ACCEPTED and s >= theta and int(tr["decided_by"][p, c]) == 2,
                says="the peer's cell is accepted at the threshold, not by its own query",
                **vals,
            )
            prompt = Claim(
                "Point at P{p}'s cell {c}: {s} other peers reported the same bit, so P{p} never asks the oracle.",
                holds=lambda: s >= theta,
                says="support at least theta",
                **vals,
            )
            return cap, prompt
        cap = Claim(
            "No cell reached θ = {theta} matching reports in this run: every bit was queried.",
            theta=theta,
            holds=lambda: not bool((np.asarray(tr["state"]) == ACCEPTED).any()),
            says="no acceptance at all",
        )
        return cap, plain("Say why: too few peers queried the same cell before each asked it.")

    # -- layout ----------------------------------------------------------------
    def build_layout(self, tr):
        bits = np.asarray(tr["bits"])
        k, n = tr["is_byzantine"].size, bits.size
        self.k, self.n = k, n
        head = title("Threshold consensus on an oracle")
        is_byz = np.asarray(tr["is_byzantine"])
        cell = min(0.3, 2.0 / n)
        self.oracle = OracleRow(bits, (-1.9, 2.35), cell=min(0.5, 4.2 / n), header=f"oracle, {n} bits")
        self.ring = PeerRing(k, n, (-1.9, -0.95), 1.7, cell=cell, node_color=COLORS.honest, byzantine=is_byz)
        theta = tr.meta["threshold"]
        rule = label(rf"accept at $\theta = \lceil 2(k-1)/3 \rceil$ = {theta}", FS.small, COLORS.text)
        sub = glossary_rows(self, {"θ": None, "k": k, "f": int(is_byz.sum())})  # the symbols, from the first frame
        self.round = count_line("round", 0, size=FS.label)
        self.cost = count_line("queries so far", 0)
        key = legend(
            [("honest peer", peer_node(False, 0.1, COLORS.honest, [0, 0, 0]))]
            + ([("Byzantine peer", peer_node(True, 0.1, COLORS.byzantine, [0, 0, 0]))] if is_byz.any() else [])
            + [
                ("unknown", swatch_box(COLORS.background).set_stroke(COLORS.grid, 2)),
                ("partial support", swatch_box(CELLS.partial)),
                ("accepted (no query)", swatch_box(CELLS.accepted)),
                ("verified (own query)", swatch_box(CELLS.verified)),
                (
                    "value 1 / value 0",
                    VGroup(swatch_dot(bit_color(1)), swatch_dot(bit_color(0))).arrange(RIGHT, buff=0.08),
                ),
            ],
            FS.tiny,
        )
        side(self.round, VGroup(rule, sub).arrange(DOWN, aligned_edge=LEFT, buff=0.1), self.cost, key, buff=0.25)
        self.key = key
        self.layout = [
            head,
            self.oracle,
            self.ring.edge_group,
            self.ring.nodes,
            self.ring.names,
            VGroup(*[m.frames for m in self.ring.memories]),
            rule,
            sub,
            key,
        ]
        self.add(*self.layout)
        self.freeze_background(*self.layout)
        self.add(self.round, self.cost)
        self.round.is_side = self.cost.is_side = True  # live (not frozen): with the side panel in a figure
        for m in self.ring.memories:
            self.add(m.fills, m.digits)
        self.total = 0

    # -- one round ---------------------------------------------------------------
    def query(self, tr, t, step):
        q = np.asarray(tr["queries"][t])
        beams = VGroup()
        for p in np.flatnonzero(q >= 0):
            d = self.oracle.bottom(int(q[p])) - self.ring.pos[p]
            start = self.ring.pos[p] + d / np.linalg.norm(d) * self.ring.r_node
            others = [j for j in range(self.k) if j != p]
            boxes = [box_of(self.ring.nodes[j]) for j in others] + [box_of(m) for m in self.ring.memories]
            boxes = [b for j, b in enumerate(boxes) if j < len(others) or j - len(others) != p]
            for a, b in segments_around(start, self.oracle.bottom(int(q[p])), boxes):
                beams.add(Line(a, b, color=COLORS.muted, stroke_width=3, stroke_opacity=0.55))
        self.total += int((q >= 0).sum())
        self.round.number.set_value(t + 1)
        self.cost.number.set_value(self.total)
        self.play(FadeIn(beams), run_time=step * 0.5)
        self.set_cells(tr, t, only=[(p, int(q[p])) for p in np.flatnonzero(q >= 0)], run_time=step * 0.5)
        self.beams = beams

    def broadcast(self, tr, t, step, pause: bool = False):
        """The reports fly along the edges (with ``pause``: a key frame half way)."""
        msg = np.asarray(tr["messages"])
        msg = msg[msg[:, 0] == t]
        self.play(FadeOutPlace(self.beams), run_time=step * 0.25)
        if len(msg) == 0:
            if pause:
                self.key_frame(
                    "first_broadcast", *self.broadcast_claims(tr, t)[:1], prompt=self.broadcast_claims(tr, t)[1]
                )
            return
        dots, ends = self.ring.message_dots(list(zip(msg[:, 1], msg[:, 2])), msg[:, 4])
        self.add(dots)
        if pause:
            mids = {i: 0.6 * d.get_center() + 0.4 * ends[i] for i, d in enumerate(dots)}
            self.play(Morph(dots, mids), run_time=step * 0.5)
            self.key_frame("first_broadcast", *self.broadcast_claims(tr, t)[:1], prompt=self.broadcast_claims(tr, t)[1])
            self.hold()
        self.play(Morph(dots, ends), run_time=step * (0.5 if pause else 0.75))
        self.dots = dots

    def receive(self, tr, t, step):
        if hasattr(self, "dots"):
            self.remove(self.dots)
            del self.dots
        self.set_cells(tr, t, only=None, run_time=step)

    def set_cells(self, tr, t, only, run_time):
        """Fills and digits of the memory cells after round t (all cells, or the listed (peer, cell))."""
        st, sup = np.asarray(tr["state"][t]), np.asarray(tr["support"][t])
        theta = tr.meta["threshold"]
        bits, dec = np.asarray(tr["bits"]), np.asarray(tr["decision"])
        cells = only if only is not None else [(p, c) for p in range(self.k) for c in range(self.n)]
        anims, shown = [], []
        for p, c in cells:
            mem = self.ring.memories[p]
            s = int(st[p, c])
            level = sup[p, c].max() / theta
            anims.append((mem.fills, c, state_fill(mem, c, s, level)))
            if s in (ACCEPTED, VERIFIED) and mem.digits[c].get_fill_opacity() == 0:
                v = bits[c] if s == VERIFIED else dec[p, c]
                d = mem.digits[c]
                new = glyph(str(int(v)), FS.tiny, COLORS.background).move_to(d)
                d.become(new).set_opacity(0)
                shown.append(d)
        by_group = {}
        for g, c, tgt in anims:
            by_group.setdefault(id(g), (g, {}))[1][c] = tgt
        for m in self.ring.memories:
            self.bring_to_front(m.fills, m.digits)
        if not shown:
            self.play(*[Morph(g, tg) for g, tg in by_group.values()], run_time=run_time)
            return
        # the fills rise first, then the digits appear on them (never on a half-filled cell)
        self.play(*[Morph(g, tg) for g, tg in by_group.values()], run_time=run_time * 0.6)
        self.play(*[FadeInPlace(d) for d in shown], run_time=run_time * 0.4)

    def conclusion(self, tr) -> Claim:
        h = ~np.asarray(tr["is_byzantine"])
        cost = int(np.asarray(tr["query_cost"])[h].sum())
        full = int(h.sum()) * self.n
        ok = bool((np.asarray(tr["decision"])[h] == np.asarray(tr["bits"])).all())
        missing = int((np.asarray(tr["decision"])[h] != np.asarray(tr["bits"])).sum())
        vals = dict(
            who="Every peer" if h.all() else "Every honest peer",
            n=self.n,
            R=int(tr["queries"].shape[0]),
            cost=cost,
            full=full,
            x=missing,
        )
        return first_true(
            Claim(
                "{who} knows all {n} bits after {R} rounds: {cost} queries instead of {full}",
                holds=lambda: ok and cost < full,
                says="all honest decisions right, fewer queries than each peer asking every cell",
                **vals,
            ),
            Claim(
                "{who} knows all {n} bits after {R} rounds, with {cost} queries: no saving",
                holds=lambda: ok and cost >= full,
                says="all right, no saving",
                **vals,
            ),
            Claim(
                "After {R} rounds {x} honest cells are wrong or missing, with {cost} queries",
                holds=lambda: not ok,
                says="some honest decision wrong or missing",
                **vals,
            ),
        )
