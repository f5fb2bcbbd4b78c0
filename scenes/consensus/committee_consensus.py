"""CommitteeConsensus: committee download with a randomized oracle (the prototype's consensus_oracle_sim_2.py).

Replays a ``committee_download`` trace, one cell per round: a random committee forms and queries the
randomized oracle; its members' reports fly to every peer (Byzantine members lie); each member
checks its tally against the vote threshold ceil(2 s' / 3), outsiders adopt the majority; the
decision is written into every memory; senders caught contradicting a decision lose their edges
(blacklisted); at the end the Byzantine peers are revealed.
"""

from __future__ import annotations

import math

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, FadeIn, Line, Rectangle, VGroup

from kit.traces import TraceSpec
from scenes.base import Pace, StudioScene
from scenes.consensus.network import OracleRow, PeerRing, bit_color, count_line, glyph, peer_node
from scenes.pieces import (
    CELLS,
    COLORS,
    FS,
    FadeInKeep,
    FadeInPlace,
    FadeOutPlace,
    Morph,
    Restyle,
    label,
    legend,
    params_line,
    side,
    swatch_blacklisted,
    swatch_box,
    swatch_dot,
    title,
)
from sim.consensus.committee import BY_MAJORITY, BY_VOTE
from sim.consensus.presets import SEED_COMMITTEE

RULE_TEXT = {
    "seed": r"$\min(k, \max(3, \lfloor {c:g} \ln k \rfloor, 2f+1))$",
    "safe": r"$\min(k, \max(3, \lfloor {c:g} \ln k \rfloor, 3f))$",
    "whp": r"$\min(k, \max(3, \lfloor {c:g} \ln k \rfloor))$",
}


class CommitteeConsensus(StudioScene):
    trace_spec = TraceSpec("committee_download", seed=0, params={**SEED_COMMITTEE, "p_correct": 0.9})
    draws = {"n_cells": (1, 12), "n_peers": (2, 12), "queries": (1, 10)}  # what the scene can draw (StudioScene.draws)
    key_frames = ("initial", "committee_queries", "reports", "first_blacklist", "byzantine_revealed", "conclusion")
    paper_stills = ("reports", "first_blacklist", "byzantine_revealed")
    pace = Pace(round=4.0, event_round=5.5, key_hold=2.0, intro_hold=2.5, end_hold=3.0)

    def construct(self):
        tr = self.trace
        self.build_layout(tr)
        self.opening(notes="Peers, some of them Byzantine (we do not know which), and an oracle that answers noisily.")
        n = tr["bits"].size
        bl = np.asarray(tr["blacklisted_at"])
        first_bl = int(bl[bl >= 0].min()) if (bl >= 0).any() else -1
        self.first_bl = first_bl
        for c in range(n):
            step = self.round_time(c, [0, first_bl], near=0) / 5
            self.form_committee(tr, c, step)
            if c == 0:
                self.key_frame("committee_queries", notes="A random committee queries the cell; answers can be wrong.")
                self.hold()
            self.send_reports(tr, c, step, pause=c == 0)
            self.decide(tr, c, step)
            self.blacklist(tr, c, step)
            if c != first_bl:
                self.slide_break()
        self.reveal(tr)
        self.key_frame(
            "byzantine_revealed", notes="The hidden Byzantine peers, revealed: their edges are the ones that were cut."
        )
        self.hold()
        self.conclude(self.conclusion(tr))
        self.key_frame("conclusion")

    # -- layout ----------------------------------------------------------------
    def build_layout(self, tr):
        p, meta = tr.params, tr.meta
        bits = np.asarray(tr["bits"])
        k, n = tr["is_byzantine"].size, bits.size
        self.k, self.n = k, n
        head = title("Committee consensus on a randomized oracle")
        oracle_name = f"randomized oracle, P(right) = {p['p_correct']:g}" if p["oracle"] == "randomized" else "oracle"
        info = params_line(
            f"$k$ = {k} peers, $n$ = {n} bits", f"$f$ = {meta['n_byzantine']} Byzantine (hidden)", oracle_name
        )
        self.oracle = OracleRow(bits, (-2.5, 2.3), cell=min(0.5, 4.2 / n), header="true bits")
        self.ring = PeerRing(k, n, (-2.6, -0.95), 1.6, cell=min(0.3, 2.0 / n), node_color=COLORS.muted)
        s, V = meta["committee_size"], meta["vote_threshold"]
        size_rule = VGroup(
            label("committee size $s$ =", FS.tiny, COLORS.text),
            label(RULE_TEXT[p["committee_rule"]].replace("{c:g}", f"{p['c']:g}") + f" = {s}", FS.tiny, COLORS.text),
        )
        size_rule.arrange(DOWN, aligned_edge=LEFT, buff=0.06)
        vote_rule = VGroup(
            label("a member decides at", FS.tiny, COLORS.text),
            label(rf"$\lceil 2s'/3 \rceil$ = {V} matching reports", FS.tiny, COLORS.text),
        )
        vote_rule.arrange(DOWN, aligned_edge=LEFT, buff=0.06)
        vote_sub = label("($s'$: members it still hears)", FS.tiny, COLORS.muted)
        adopt_rule = label("others adopt the majority", FS.tiny, COLORS.text)
        self.cell_no = count_line("cell", 0, size=FS.label)
        self.cost = count_line("queries so far", 0)
        key = legend(
            [
                ("committee member", swatch_box(COLORS.background).set_stroke(COLORS.selected, 3)),
                (
                    "value 1 / value 0",
                    VGroup(swatch_dot(bit_color(1)), swatch_dot(bit_color(0))).arrange(RIGHT, buff=0.08),
                ),
                ("decided by the vote", swatch_box(CELLS.accepted)),
                ("adopted majority", swatch_box(CELLS.adopted)),
                ("undecided", swatch_box(CELLS.undecided)),
                ("blacklisted edge", swatch_blacklisted("edge")),
                (
                    "honest / Byzantine peer",
                    VGroup(
                        peer_node(False, 0.1, COLORS.honest, [0, 0, 0]),
                        peer_node(True, 0.1, COLORS.byzantine, [0, 0, 0]),
                    ).arrange(RIGHT, buff=0.08),
                ),
            ],
            FS.tiny,
        )
        rules = VGroup(size_rule, VGroup(vote_rule, vote_sub).arrange(DOWN, aligned_edge=LEFT, buff=0.06), adopt_rule)
        rules.arrange(DOWN, aligned_edge=LEFT, buff=0.2)  # one rule per group: the groups read apart
        side(VGroup(self.cell_no, self.cost).arrange(RIGHT, buff=0.4), rules, key, info, buff=0.22)
        self.layout = [
            head,
            info,
            self.oracle,
            self.ring.names,
            VGroup(*[m.frames for m in self.ring.memories]),
            rules,
            key,
        ]
        self.add(*self.layout, self.ring.edge_group, self.ring.nodes)
        self.freeze_background(*self.layout)
        self.bring_to_front(self.ring.names)
        self.add(self.cell_no, self.cost)
        for m in self.ring.memories:
            self.add(m.fills, m.digits)
        self.total = 0
        self.temp = VGroup()

    def _outward(self, i: int) -> np.ndarray:
        d = self.ring.pos[i] - self.ring.center
        return d / np.linalg.norm(d)

    # -- one cell ----------------------------------------------------------------
    def form_committee(self, tr, c, step):
        members = np.asarray(tr["committees"][c])
        ans = np.asarray(tr["answers"][c])
        self.cell_no.number.set_value(c + 1)
        self.total += int(members.size * tr.params["queries"])
        self.cost.number.set_value(self.total)
        rings = {
            self.ring.nodes[i]: (COLORS.selected if i in members else COLORS.muted, 4 if i in members else 2, 1.0)
            for i in range(self.k)
        }
        marker = self.oracle.boxes[c].copy().set_stroke(COLORS.selected, 4)
        self.play(Restyle(rings), FadeIn(marker), run_time=step)
        self.bring_to_front(self.ring.names)
        beams, answers = VGroup(), VGroup()
        for j, i in enumerate(members):
            beams.add(
                Line(
                    self.ring.pos[i],
                    self.oracle.bottom(c),
                    color=COLORS.selected,
                    stroke_width=2.5,
                    stroke_opacity=0.5,
                    buff=self.ring.r_node,
                )
            )
            a = glyph(str(int(ans[j])), FS.small, bit_color(ans[j]))
            answers.add(_padded(a.move_to(self.ring.pos[i] + UP * 0.5)))
        answers.set_opacity(0)
        self.add(answers)
        self.play(FadeIn(beams), FadeInPlace(answers), run_time=step)
        self.marker, self.beams, self.answers = marker, beams, answers

    def send_reports(self, tr, c, step, pause=False):
        members = np.asarray(tr["committees"][c])
        rep = np.asarray(tr["reports"][c])
        pairs, vals = [], []
        for j, i in enumerate(members):
            for r in range(self.k):
                if rep[j, r] >= 0:
                    pairs.append((int(i), r))
                    vals.append(int(rep[j, r]))
        self.play(FadeOutPlace(self.beams), run_time=step * 0.3)
        dots, ends = self.ring.message_dots(pairs, vals, radius=0.06)
        self.add(dots)
        if pause:
            mids = {m: 0.6 * d.get_center() + 0.4 * ends[m] for m, d in enumerate(dots)}
            self.play(Morph(dots, mids), run_time=step * 0.5)
            self.key_frame("reports", notes="Members report to everybody; a Byzantine member reports the flipped bit.")
            self.hold()
            self.play(Morph(dots, ends), run_time=step * 0.5)
        else:
            self.play(Morph(dots, ends), run_time=step * 0.7)
        self.dots = dots

    def decide(self, tr, c, step):
        members = np.asarray(tr["committees"][c])
        sup = np.asarray(tr["support"][c])
        dec, by = np.asarray(tr["decision"])[:, c], np.asarray(tr["decided_by"])[:, c]
        bits = np.asarray(tr["bits"])
        bl = np.asarray(tr["blacklisted_at"])
        byz = np.asarray(tr["is_byzantine"])
        self.remove(self.dots)
        tallies = VGroup()
        for i in members:
            if byz[i]:
                continue
            listened = int(sum(1 for q in members if not (0 <= bl[i, q] < c)))
            V = math.ceil(2 * listened / 3)
            best = int(np.argmax(sup[i]))
            ok = sup[i, best] >= V
            t = glyph(f"{int(sup[i, best])}/{V}", FS.tiny, CELLS.accepted if ok else CELLS.undecided)
            tallies.add(_padded(t.move_to(self.ring.pos[i] + DOWN * 0.47)))
        fills, digits = {}, []
        for p in range(self.k):
            mem = self.ring.memories[p]
            if byz[p]:  # the seed: Byzantine memories show the flip, as if adopted (they are hidden)
                v, color = 1 - int(bits[c]), CELLS.adopted
            elif by[p] == BY_VOTE:
                v, color = int(dec[p]), CELLS.accepted
            elif by[p] == BY_MAJORITY:
                v, color = int(dec[p]), CELLS.adopted
            else:
                v, color = -1, CELLS.undecided
            fills[p] = mem.fill_at(c, 1.0, color, 1.0)
            d = mem.digits[c]
            d.become(glyph("?" if v < 0 else str(v), FS.tiny, COLORS.background).move_to(mem.centers[c])).set_opacity(0)
            digits.append(d)
        tallies.set_opacity(0)
        self.add(tallies)
        self.play(FadeInPlace(tallies), run_time=step * 0.6)
        for m in self.ring.memories:
            self.bring_to_front(m.fills, m.digits)
        self.play(
            *[Morph(self.ring.memories[p].fills, {c: f}) for p, f in fills.items()],
            *[FadeInPlace(d) for d in digits],
            run_time=step,
        )
        self.temp = VGroup(tallies, self.answers, self.marker)

    def blacklist(self, tr, c, step):
        bl = np.asarray(tr["blacklisted_at"])
        obs, tgt = np.nonzero(bl == c)
        pairs = [(int(o), int(q)) for o, q in zip(obs, tgt)]
        if pairs:
            dashed, hide = self.ring.cut(pairs)  # blacklisted: the edge turns grey and dashed, as in every scene
            dashed.set_stroke(opacity=0.9)
            self.add(dashed)
            self.play(Restyle(hide), FadeInKeep(dashed), run_time=step * 0.6)
            self.bring_to_front(self.ring.nodes, self.ring.names, self.temp)  # the labels go back over the edges
            if c == self.first_bl:
                self.key_frame(
                    "first_blacklist", notes="A peer that contradicted the decision is blacklisted: its edge fades."
                )
                self.hold()
            self.wait(step * 0.6)
        elif c == self.first_bl:
            self.key_frame("first_blacklist")
        if c == self.n - 1 and self.first_bl < 0:
            self.key_frame("first_blacklist", notes="Nobody was blacklisted.")
        self.play(FadeOutPlace(self.temp), run_time=step * 0.4)

    def reveal(self, tr):
        byz = np.flatnonzero(np.asarray(tr["is_byzantine"]))
        names = ", ".join(f"P{i + 1}" for i in byz) or "none"
        self.reveal_text = label(f"Byzantine peers: {names}", FS.small, COLORS.byzantine)
        self.reveal_text.move_to([-2.6, 1.3, 0])
        honest = [i for i in range(self.k) if i not in byz]
        from manim import Transform

        self.play(
            Restyle({self.ring.nodes[i]: (COLORS.honest, 3, 1.0) for i in honest}),
            *[
                Transform(self.ring.nodes[i], peer_node(True, self.ring.r_node, COLORS.byzantine, self.ring.pos[i]))
                for i in byz
            ],
            FadeIn(self.reveal_text),
            run_time=self.seconds(1.2),
        )
        self.bring_to_front(self.ring.names)

    def conclusion(self, tr):
        h = ~np.asarray(tr["is_byzantine"])
        dec = np.asarray(tr["decision"])[h]
        bits = np.asarray(tr["bits"])
        right = int((dec == bits).sum())
        wrong = int(((dec >= 0) & (dec != bits)).sum())
        caught = int((np.asarray(tr["blacklisted_at"])[np.ix_(h, ~h)] >= 0).sum())
        edges = int(h.sum()) * int((~h).sum())
        cut = f"all {edges}" if caught == edges else f"{caught} of {edges}"
        return f"{right}/{dec.size} honest cells right, {wrong} wrong; {cut} honest\u2013Byzantine edges cut"


def _padded(text):
    """``text`` on a small patch of background: the edges of the ring pass behind it, not through it."""
    pad = Rectangle(
        width=text.width + 0.1, height=text.height + 0.08, fill_color=COLORS.background, fill_opacity=1, stroke_width=0
    ).move_to(text)
    return VGroup(pad, text)
