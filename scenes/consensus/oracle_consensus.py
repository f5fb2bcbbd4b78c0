"""OracleConsensus: threshold consensus on an oracle (the prototype's consensus_oracle_sim.py).

Replays an ``oracle_threshold`` trace: the oracle's bits on top, the peers on a circle with their memory
rows. Each round the query beams go up and the queried cells turn verified; the values fly along the
edges; the support of each cell rises toward T = ceil(2 (k - 1) / 3), and a cell reaching it is
accepted without a query.
"""

from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, FadeIn, Line, VGroup

from kit.traces import TraceSpec
from scenes.base import Pace, StudioScene
from scenes.consensus.network import OracleRow, PeerRing, bit_color, count_line, glyph, peer_node
from scenes.pieces import (
    CELLS,
    COLORS,
    FS,
    FadeInPlace,
    FadeOutPlace,
    Morph,
    label,
    legend,
    params_line,
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
    trace_spec = TraceSpec("oracle_threshold", seed=6, params=dict(SEED_ORACLE))
    draws = {"n_cells": (1, 16), "n_peers": (2, 16)}  # what the scene can draw (StudioScene.draws)
    key_frames = ("initial", "first_queries", "first_broadcast", "first_acceptance", "conclusion")
    paper_stills = ("first_broadcast", "first_acceptance", "conclusion")
    pace = Pace(round=2.4, event_round=4.2, key_hold=2.0, intro_hold=2.5, end_hold=3.0)

    def construct(self):
        tr = self.trace
        self.build_layout(tr)
        self.opening(notes="An external array of bits; every peer must learn all of it, paying per query.")
        R = tr["queries"].shape[0]
        acc_rounds = [t for t in range(R) if (tr["state"][t] == ACCEPTED).any()]
        first_acc = acc_rounds[0] if acc_rounds else R - 1
        for t in range(R):
            step = self.round_time(t, [0, first_acc], near=0) / 3
            self.query(tr, t, step)
            if t == 0:
                self.key_frame("first_queries", notes="Each peer queries one cell it has not verified.")
                self.hold()
            self.broadcast(tr, t, step, pause=t == 0)
            self.receive(tr, t, step)
            if t == first_acc:
                self.key_frame(
                    "first_acceptance", notes=f"{tr.meta['threshold']} matching reports: accepted without a query."
                )
                self.hold()
            else:
                self.slide_break()
        self.conclude(self.conclusion(tr))
        self.key_frame("conclusion")

    # -- layout ----------------------------------------------------------------
    def build_layout(self, tr):
        bits = np.asarray(tr["bits"])
        k, n = tr["is_byzantine"].size, bits.size
        self.k, self.n = k, n
        head = title("Threshold consensus on an oracle")
        cell = min(0.3, 2.0 / n)
        self.oracle = OracleRow(bits, (-1.9, 2.35), cell=min(0.5, 4.2 / n))
        is_byz = np.asarray(tr["is_byzantine"])
        self.ring = PeerRing(k, n, (-1.9, -0.95), 1.7, cell=cell, node_color=COLORS.honest, byzantine=is_byz)
        T = tr.meta["threshold"]
        rule = label(rf"accept at $T = \lceil 2(k-1)/3 \rceil$ = {T}", FS.small, COLORS.text)
        sub = label("matching reports from other peers", FS.tiny, COLORS.muted)
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
                ("value 1", swatch_dot(bit_color(1))),
                ("value 0", swatch_dot(bit_color(0))),
            ],
            FS.tiny,
        )
        info = params_line(f"$k$ = {k} peers, $n$ = {n} bits", f"$f$ = {tr.meta['n_byzantine']} Byzantine")
        side(self.round, VGroup(rule, sub).arrange(DOWN, aligned_edge=LEFT, buff=0.08), self.cost, key, info)
        self.layout = [
            head,
            info,
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
        for m in self.ring.memories:
            self.add(m.fills, m.digits)
        self.total = 0

    # -- one round ---------------------------------------------------------------
    def query(self, tr, t, step):
        q = np.asarray(tr["queries"][t])
        beams = VGroup()
        for p in np.flatnonzero(q >= 0):
            beams.add(
                Line(
                    self.ring.pos[p],
                    self.oracle.bottom(int(q[p])),
                    color=COLORS.muted,
                    stroke_width=3,
                    stroke_opacity=0.55,
                    buff=self.ring.r_node,
                )
            )
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
                self.key_frame("first_broadcast")
            return
        dots, ends = self.ring.message_dots(list(zip(msg[:, 1], msg[:, 2])), msg[:, 4])
        self.add(dots)
        if pause:
            mids = {i: 0.6 * d.get_center() + 0.4 * ends[i] for i, d in enumerate(dots)}
            self.play(Morph(dots, mids), run_time=step * 0.5)
            self.key_frame("first_broadcast", notes="Each peer sends the value to every other peer.")
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
        T = tr.meta["threshold"]
        bits, dec = np.asarray(tr["bits"]), np.asarray(tr["decision"])
        cells = only if only is not None else [(p, c) for p in range(self.k) for c in range(self.n)]
        anims, shown = [], []
        for p, c in cells:
            mem = self.ring.memories[p]
            s = int(st[p, c])
            level = sup[p, c].max() / T
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
        self.play(*[Morph(g, tg) for g, tg in by_group.values()], *[FadeInPlace(d) for d in shown], run_time=run_time)

    def conclusion(self, tr):
        h = ~np.asarray(tr["is_byzantine"])
        cost = int(np.asarray(tr["query_cost"])[h].sum())
        full = int(h.sum()) * self.n
        ok = bool((np.asarray(tr["decision"])[h] == np.asarray(tr["bits"])).all())
        return (
            f"Every peer knows all {self.n} bits" if ok else "Not every peer learned every bit"
        ) + f" after {tr['queries'].shape[0]} rounds: {cost} queries instead of {full}"
