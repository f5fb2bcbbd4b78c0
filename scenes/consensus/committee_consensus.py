"""CommitteeConsensus: committee download with a randomized oracle (the prototype's consensus_oracle_sim_2.py).

Replays a ``committee_download`` trace, one cell per round: a random committee forms and queries the
randomized oracle; its members' reports fly to every peer (Byzantine members lie); each member
checks its tally against the vote threshold ceil(2 s' / 3), outsiders adopt the majority; the
decision is written into every memory; senders caught contradicting a decision lose their edges
(blacklisted); at the end the Byzantine peers are revealed, and with them which cut edges caught a liar and
which cut an honest peer whose oracle answer was wrong. Every caption is a Claim bound from the trace; the
vote threshold is the glossary's acceptance threshold θ.
"""

from __future__ import annotations

import math

import numpy as np
from manim import DOWN, LEFT, RIGHT, Animation, FadeIn, Line, Rectangle, VGroup

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
    name_spot,
    peer_node,
    segments_around,
)
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
    caption_every = 6.0  # seconds between running captions
    trace_spec = TraceSpec("committee_download", seed=0, params={**SEED_COMMITTEE, "p_correct": 0.9})
    draws = {"n_cells": (1, 12), "n_peers": (2, 12), "queries": (1, 10)}  # what the scene can draw (StudioScene.draws)
    key_frames = ("initial", "committee_queries", "reports", "first_blacklist", "byzantine_revealed", "conclusion")
    paper_stills = ("reports", "first_blacklist", "byzantine_revealed")
    pace = Pace(round=4.0, event_round=5.5, key_hold=2.0, intro_hold=2.5, end_hold=3.0)

    # other runs the words are checked on (tests/test_scenes_narration.py): other seeds (one that cuts an honest
    # peer), a noisier oracle, the safe committee rule on a perfect oracle, a larger network
    claim_checks = (
        {"seed": 1},
        {"seed": 5, "p_correct": 0.8},
        {"seed": 2, "committee_rule": "safe", "oracle": "perfect"},
        {"seed": 7, "n_peers": 9},
    )

    def construct(self):
        tr = self.trace
        self.build_layout(tr)
        self.opening(caption=self.opening_claim(tr), prompt=self.opening_prompt())
        self.hold()  # the opening caption, read to its end
        n = tr["bits"].size
        bl = np.asarray(tr["blacklisted_at"])
        first_bl = int(bl[bl >= 0].min()) if (bl >= 0).any() else -1
        self.first_bl = first_bl
        for c in range(n):
            if 0 < c and c != first_bl and self.caption_due():
                self.caption(self.cell_claim(tr, c - 1))
            step = self.round_time(c, [0, first_bl], near=0) / 5
            self.form_committee(tr, c, step)
            if c == 0:
                self.key_frame(
                    "committee_queries",
                    self.queries_claim(tr, c),
                    prompt=plain("Point at the ringed committee and the answers beside it: the oracle can be wrong."),
                )
                self.hold()
            self.send_reports(tr, c, step, pause=c == 0)
            self.decide(tr, c, step)
            self.blacklist(tr, c, step)
            if c != first_bl:
                self.slide_break()
        self.reveal(tr)
        self.key_frame(
            "byzantine_revealed",
            self.reveal_claim(tr),
            prompt=plain("The reveal: point at the triangles, then at each dashed edge. Did it cut a liar?"),
        )
        self.hold()
        line = self.conclusion(tr)
        clear_under_band(self, list(self.key) + [self.info], self.seconds(1.0))
        self.conclude(line)
        self.key_frame(
            "conclusion",
            line,
            prompt=plain("Transition: a committee needs an oracle; next, the coin decides when nobody can check."),
        )

    # -- the words, each bound from the trace with what it asserts ------------------------------------------
    def opening_claim(self, tr) -> Claim:
        p, f = tr.params, int(tr.meta["n_byzantine"])
        shape = int(np.asarray(tr["is_byzantine"]).sum()) == f
        vals = dict(k=self.k, f=f, n=self.n, pc=f"{p['p_correct']:g}")
        return first_true(
            Claim(
                "{k} peers, {f} of them Byzantine (we do not know which), must learn {n} bits from an oracle "
                "that is right with probability {pc}.",
                holds=lambda: shape and p["oracle"] == "randomized",
                says="k peers, f Byzantine, a randomized oracle with p_correct",
                **vals,
            ),
            Claim(
                "{k} peers, {f} of them Byzantine (we do not know which), must learn {n} bits from an oracle.",
                holds=lambda: shape,
                says="k peers, f Byzantine",
                **vals,
            ),
        )

    @staticmethod
    def opening_prompt() -> Claim:
        return plain("Say it: nobody knows who lies. The grey circles hide the Byzantine peers until the end.")

    def queries_claim(self, tr, c: int) -> Claim:
        members = np.asarray(tr["committees"][c])
        wrong = int((np.asarray(tr["answers"][c]) != int(tr["bits"][c])).sum())
        vals = dict(c=c + 1, s=members.size, w=wrong)
        size_ok = members.size == int(tr.meta["committee_size"])
        return first_true(
            Claim(
                "Cell {c}: a random committee of {s} peers queries the oracle; every answer is right.",
                holds=lambda: size_ok and wrong == 0,
                says="s members, all answers equal the bit",
                **vals,
            ),
            Claim(
                "Cell {c}: a random committee of {s} peers queries the oracle; wrong answers: {w} of {s}.",
                holds=lambda: size_ok and wrong > 0,
                says="s members, w answers differ from the bit",
                **vals,
            ),
        )

    def reports_claim(self, tr, c: int) -> Claim:
        members = np.asarray(tr["committees"][c])
        ans, rep = np.asarray(tr["answers"][c]), np.asarray(tr["reports"][c])
        byz = np.asarray(tr["is_byzantine"])[members]
        sent = rep >= 0
        honest_true = bool(all((rep[j][sent[j]] == ans[j]).all() for j in np.flatnonzero(~byz)))
        byz_flip = bool(all((rep[j][sent[j]] == 1 - ans[j]).all() for j in np.flatnonzero(byz)))
        return first_true(
            Claim(
                "Members send their answers to every peer; a Byzantine member sends the opposite.",
                holds=lambda: honest_true and byz_flip and bool(byz.any()),
                says="honest members report their answers, Byzantine members the flipped answer",
            ),
            Claim(
                "Members send their answers to every peer; no Byzantine peer is on this committee.",
                holds=lambda: honest_true and not bool(byz.any()),
                says="honest members report their answers, no Byzantine member",
            ),
            Claim(
                "Honest members send their answers to every peer.",
                holds=lambda: honest_true,
                says="honest members report their answers",
            ),
        )

    def cell_claim(self, tr, c: int) -> Claim:
        h = ~np.asarray(tr["is_byzantine"])
        dec, by = np.asarray(tr["decision"])[h, c], np.asarray(tr["decided_by"])[h, c]
        bit = int(tr["bits"][c])
        vals = dict(
            c=c + 1,
            r=int((dec == bit).sum()),
            h=int(h.sum()),
            v=int(((dec == bit) & (by == BY_VOTE)).sum()),
            u=int((dec < 0).sum()),
            w=int(((dec >= 0) & (dec != bit)).sum()),
        )
        return Claim(
            "Cell {c}: {r} of {h} honest peers got it right ({v} by the vote), {u} undecided, {w} wrong.",
            holds=lambda: vals["r"] + vals["u"] + vals["w"] == vals["h"],
            says="counts of the honest decisions of the cell",
            **vals,
        )

    def blacklist_claims(self, tr, c: int) -> tuple[Claim, Claim]:
        bl = np.asarray(tr["blacklisted_at"])
        pairs = np.argwhere(bl == c)
        if not len(pairs):
            return (
                Claim(
                    "Nobody was blacklisted in this run.",
                    holds=lambda: not bool((bl >= 0).any()),
                    says="no blacklisting at all",
                ),
                plain("Say why: no report ever contradicted a decision."),
            )
        members = list(np.asarray(tr["committees"][c]))
        rep, dec = np.asarray(tr["reports"][c]), np.asarray(tr["decision"])[:, c]

        def contradicted() -> bool:
            return all(dec[o] >= 0 and rep[members.index(q), o] != dec[o] for o, q in pairs)

        targets = sorted({int(q) for _, q in pairs})
        vals = dict(c=c + 1, who=", ".join(f"P{q + 1}" for q in targets), m=len({int(o) for o, _ in pairs}))
        cap = Claim(
            "Cell {c}: blacklisted for a report that contradicts a decision: {who}.",
            holds=contradicted,
            says="every new blacklisting at this cell follows a report that differs from the observer's decision",
            **vals,
        )
        prompt = plain("Ask the room: a liar, or an honest peer with a wrong answer? We find out at the end.")
        return cap, prompt

    def edge_counts(self, tr) -> tuple[int, int, int]:
        """(honest-Byzantine pairs cut, honest-Byzantine pairs, honest pairs cut), observer -> peer."""
        h = ~np.asarray(tr["is_byzantine"])
        bl = np.asarray(tr["blacklisted_at"]) >= 0
        hh = bl[np.ix_(h, h)]
        honest_edges = int(np.triu(hh | hh.T, 1).sum())  # an edge cut either way is one dashed edge
        return int(bl[np.ix_(h, ~h)].sum()), int(h.sum()) * int((~h).sum()), honest_edges

    def reveal_claim(self, tr) -> Claim:
        byz = np.flatnonzero(np.asarray(tr["is_byzantine"]))
        hb, e, hh = self.edge_counts(tr)
        vals = dict(who=", ".join(f"P{i + 1}" for i in byz) or "none", hb=hb, e=e, hh=hh)
        return first_true(
            Claim(
                "Revealed: the Byzantine peers were {who}. All {e} honest–Byzantine links are cut, and no honest one.",
                holds=lambda: hb == e and hh == 0,
                says="every honest observer blacklisted every Byzantine peer, no honest peer",
                **vals,
            ),
            Claim(
                "Revealed: the Byzantine peers were {who}. {hb} of {e} honest–Byzantine links are cut, and no "
                "honest one.",
                holds=lambda: hh == 0,
                says="no honest peer blacklisted",
                **vals,
            ),
            Claim(
                "Revealed: the Byzantine peers were {who}. {hb} of {e} honest–Byzantine links are cut, and "
                "honest–honest ones too ({hh}): a wrong oracle answer looks like a lie.",
                holds=lambda: hh > 0,
                says="honest peers blacklisted too",
                **vals,
            ),
        )

    # -- layout ----------------------------------------------------------------
    def build_layout(self, tr):
        p, meta = tr.params, tr.meta
        bits = np.asarray(tr["bits"])
        k, n = tr["is_byzantine"].size, bits.size
        self.k, self.n = k, n
        head = title("Committee consensus on a randomized oracle")
        oracle_name = (
            ("oracle right with", f"probability {p['p_correct']:g}")
            if p["oracle"] == "randomized"
            else ("oracle always", "right")
        )
        info = params_line(*oracle_name)  # under the oracle's header: the side column is full
        self.info = info
        self.oracle = OracleRow(bits, (-2.5, 2.3), cell=min(0.5, 4.2 / n), header=f"true bits ({n})")
        self.ring = PeerRing(k, n, (-2.6, -0.95), 1.6, cell=min(0.3, 2.0 / n), node_color=COLORS.muted)
        s, V = meta["committee_size"], meta["vote_threshold"]
        size_rule = VGroup(
            label("committee size $s$ =", FS.tiny, COLORS.text),
            label(RULE_TEXT[p["committee_rule"]].replace("{c:g}", f"{p['c']:g}") + f" = {s}", FS.tiny, COLORS.text),
        )
        size_rule.arrange(DOWN, aligned_edge=LEFT, buff=0.06)
        vote_rule = VGroup(
            label("a member decides at", FS.tiny, COLORS.text),
            label(rf"$\theta = \lceil 2s'/3 \rceil$ = {V} matching reports", FS.tiny, COLORS.text),
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
        symbols = glossary_rows(self, {"θ": None, "k": k, "f": int(meta["n_byzantine"])}, chars=34)
        rules = VGroup(
            symbols, size_rule, VGroup(vote_rule, vote_sub).arrange(DOWN, aligned_edge=LEFT, buff=0.06), adopt_rule
        )
        rules.arrange(DOWN, aligned_edge=LEFT, buff=0.12)  # one rule per group: the groups read apart
        side(VGroup(self.cell_no, self.cost).arrange(RIGHT, buff=0.4), rules, key, buff=0.14)
        if self.figure_mode:
            info.next_to(key, DOWN, aligned_edge=LEFT, buff=0.14)
            info.is_side = True
        else:
            info.next_to(self.oracle.header, DOWN, aligned_edge=LEFT, buff=0.15)
        self.key = key
        self.layout = [head, info, self.oracle, VGroup(*[m.frames for m in self.ring.memories]), rules, key]
        self.add(*self.layout, self.ring.edge_group, self.ring.nodes, self.ring.names)
        self.freeze_background(*self.layout)
        self.add(self.cell_no, self.cost)
        self.cell_no.is_side = self.cost.is_side = True  # live (not frozen): with the side panel in a figure
        for m in self.ring.memories:
            self.add(m.fills, m.digits)
        self.total = 0
        self.temp = VGroup()

    def _outward(self, i: int) -> np.ndarray:
        d = self.ring.pos[i] - self.ring.center
        return d / np.linalg.norm(d)

    def tag_spot(self, i: int) -> np.ndarray:
        """Where a member's answer, then its tally, goes: outside the ring (no edge passes there), above the
        memory row of a peer at the side."""
        u = self._outward(i)
        up = 1.0 if u[1] >= -1e-6 else -1.0
        return self.ring.pos[i] + np.array([0.3 * u[0], 0.5 * up, 0.0])

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
        self.play(
            Restyle(rings), FadeIn(marker), Animation(VGroup(*self.ring.names)), run_time=step
        )  # names stay on top
        self.bring_to_front(self.ring.names)
        beams, answers = VGroup(), VGroup()
        for j, i in enumerate(members):
            a = glyph(str(int(ans[j])), FS.small, bit_color(ans[j]))
            answers.add(_padded(a.move_to(self.tag_spot(i))))
        for i in members:  # each beam in pieces around the peers, memories and answers it passes
            d = self.oracle.bottom(c) - self.ring.pos[i]
            start = self.ring.pos[i] + d / np.linalg.norm(d) * self.ring.r_node
            boxes = [box_of(self.ring.nodes[j]) for j in range(self.k) if j != i]
            boxes += [box_of(m) for j, m in enumerate(self.ring.memories) if j != i]
            boxes += [box_of(a) for j, a in zip(members, answers)]
            for a, b in segments_around(start, self.oracle.bottom(c), boxes):
                beams.add(Line(a, b, color=COLORS.selected, stroke_width=2.5, stroke_opacity=0.5))
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
            self.play(Morph(dots, mids), run_time=step * 0.8)
            self.key_frame(
                "reports",
                self.reports_claim(tr, c),
                prompt=plain("Point at the dots in flight: every member tells every peer, liars included."),
            )
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
            tallies.add(_padded(t.move_to(self.tag_spot(int(i)))))
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
        self.play(FadeOutPlace(self.answers), run_time=step * 0.3)  # the tally takes the answer's place
        self.play(FadeInPlace(tallies), run_time=step * 0.3)
        for m in self.ring.memories:
            self.bring_to_front(m.fills, m.digits)
        # the fills first, then the digits on them (never a digit on a half-filled cell)
        self.play(*[Morph(self.ring.memories[p].fills, {c: f}) for p, f in fills.items()], run_time=step * 0.6)
        self.play(*[FadeInPlace(d) for d in digits], run_time=step * 0.4)
        self.temp = VGroup(tallies, self.marker)

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
                cap, prompt = self.blacklist_claims(tr, c)
                self.key_frame("first_blacklist", cap, prompt=prompt)
                self.hold()
            else:
                self.wait(step * 0.6)
        if c == self.n - 1 and self.first_bl < 0:
            cap, prompt = self.blacklist_claims(tr, c)
            self.key_frame("first_blacklist", cap, prompt=prompt)
            self.hold()
        self.play(FadeOutPlace(self.temp), run_time=step * 0.4)

    def reveal(self, tr):
        byz = np.flatnonzero(np.asarray(tr["is_byzantine"]))
        names = ", ".join(f"P{i + 1}" for i in byz) or "none"
        self.reveal_text = label(f"Byzantine peers: {names}", FS.small, COLORS.byzantine)
        self.reveal_text.move_to([-2.6, 1.3, 0])
        honest = [i for i in range(self.k) if i not in byz]
        from manim import Transform

        shapes = {i: peer_node(True, self.ring.r_node, COLORS.byzantine, self.ring.pos[i]) for i in byz}
        self.play(
            Restyle({self.ring.nodes[i]: (COLORS.honest, 3, 1.0) for i in honest}),
            *[Transform(self.ring.nodes[i], shapes[i]) for i in byz],
            *[self.ring.names[i].animate.move_to(name_spot(shapes[i])) for i in byz],
            FadeIn(self.reveal_text),
            Animation(VGroup(*[self.ring.names[i] for i in honest])),  # the names stay over their circles
            run_time=self.seconds(1.2),
        )
        self.bring_to_front(self.ring.names)

    def conclusion(self, tr) -> Claim:
        h = ~np.asarray(tr["is_byzantine"])
        dec = np.asarray(tr["decision"])[h]
        bits = np.asarray(tr["bits"])
        hb, e, hh = self.edge_counts(tr)
        vals = dict(
            right=int((dec == bits).sum()),
            total=dec.size,
            wrong=int(((dec >= 0) & (dec != bits)).sum()),
            u=int((dec < 0).sum()),
            hb=hb,
            e=e,
            hh=hh,
        )
        ok = vals["right"] + vals["wrong"] + vals["u"] == vals["total"]
        return first_true(
            Claim(
                "{right}/{total} honest cells right, {wrong} wrong, {u} undecided; every liar cut off, no honest peer",
                holds=lambda: ok and hb == e and hh == 0,
                says="counts; all honest-Byzantine links cut, no honest one",
                **vals,
            ),
            Claim(
                "{right}/{total} honest cells right, {wrong} wrong, {u} undecided; {hb} of {e} liar links cut, "
                "honest links cut: {hh}",
                holds=lambda: ok,
                says="counts from the trace",
                **vals,
            ),
        )


def _padded(text):
    """``text`` on a small patch of background: the edges of the ring pass behind it, not through it."""
    pad = Rectangle(
        width=text.width + 0.1, height=text.height + 0.08, fill_color=COLORS.background, fill_opacity=1, stroke_width=0
    ).move_to(text)
    return VGroup(pad, text)
