"""ResilientNetwork: loss-based weights cut off attackers and other tasks; averaging drifts to the centroid.

Replays one ``mtl_localization`` trace (correct loss rule): on the left the
network on the plane, agents coloured by task and Byzantine agents in the
Byzantine colour, every link as thick as its loss-based combination weight
(a link vanishes once the neighbour is filtered); in the middle and on the
right the estimates of the normal agents moving towards the four targets
under the loss-based rule and under plain averaging, which drifts to the
targets' centroid; below, the mean Loss over normal agents growing in step.
"""

from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Animation, Axes, Dot, Line, Square, VGroup, VMobject

from kit.traces import TraceSpec
from scenes.base import MIN_SLIDE_S, Pace, StudioScene
from scenes.claims import Claim, first_true, plain
from scenes.pieces import (
    COLORS,
    FS,
    METHODS,
    TASKS,
    FadeOutPlace,
    counter,
    label,
    legend,
    marker,
    math,
    side,
    single_column,
    source,
    swatch_blacklisted,
    swatch_dot,
    swatch_line,
    swatch_source,
    tick_labels,
    title,
)

NC, AVG, DIST, LOSS = range(4)


def task_colors() -> tuple:
    """The four task colours of the active theme (read when laying out: THEME=paper swaps them)."""
    return (TASKS.task_1, TASKS.task_2, TASKS.task_3, TASKS.task_4)


def plotted() -> tuple:
    """(method, name, colour) of the loss curves, in the active theme (the methods family)."""
    return (
        (LOSS, "loss-based", METHODS.loss),
        (AVG, "average", METHODS.average),
        (NC, "non-cooperative", METHODS.noncoop),
    )


def plus(center, size: float, color) -> VGroup:
    """A thin plus: the targets' centroid (not the blacklisted cross)."""
    c = np.asarray(center, float)
    return VGroup(
        Line(c + [-size, 0, 0], c + [size, 0, 0], color=color, stroke_width=3),
        Line(c + [0, -size, 0], c + [0, size, 0], color=color, stroke_width=3),
    )


SIDE = 3.05  # side of the three square panels
PLANE = (-1.0, 23.0)  # estimate plane: targets lie in [10, 21]^2, estimates start in [0, 1]^2
MAX_WIDTH = 7.0  # stroke width of a link of weight 1


class Replay(Animation):
    """Calls ``fn(alpha)`` every frame; no copy of the (large) mobject group it moves."""

    def __init__(self, group, fn, **kwargs):
        self.fn = fn
        super().__init__(group, **kwargs)

    def create_starting_mobject(self):
        return VGroup()

    def interpolate_mobject(self, alpha: float) -> None:
        self.fn(self.rate_func(alpha))


class ResilientNetwork(StudioScene):
    trace_spec = TraceSpec(
        "mtl_localization",
        seed=6,
        params={"n_agents": 32, "n_byzantine": 6, "radius": 0.9, "max_neighbours": 8, "n_noisy": 2, "iterations": 200},
    )
    draws = {
        "n_agents": (4, 100),
        "n_byzantine": (0, 30),
        "n_noisy": (0, 30),
        "max_neighbours": (1, 20),
        "iterations": (1, 1000),
        "box": (0, 100),
        "radius": (0, 100),
    }  # what the scene can draw (StudioScene.draws)
    key_frames = ("initial", "filtered", "final")
    paper_stills = ("filtered", "final")
    pace = Pace(round=0.12, event_round=0.5, key_hold=2.5, intro_hold=3.0, end_hold=3.0)
    # other runs the words are checked on (tests/test_scenes_narration.py): a seed where the last attacker's link
    # goes late, fewer attackers, a larger network with more attackers
    claim_checks = ({"seed": 7}, {"seed": 3, "n_byzantine": 4}, {"seed": 9, "n_agents": 40, "n_byzantine": 8})

    def construct(self):
        tr = self.trace
        self.task_colors, self.plotted = task_colors(), plotted()  # the active theme's colours
        self.read(tr)
        self.build_layout(tr)
        self.set_state(0)
        self.opening(
            caption=self.opening_claim(tr),
            prompt=plain("Point at the triangles on the left: the attackers. Thick links carry weight."),
        )
        self.hold()  # long enough to read the opening
        prev = 0
        times = {i: self.round_time(i, (self.t_filtered,), near=2) for i in self.steps}
        tail = [i for i in self.steps if i > self.t_filtered]
        if tail and sum(times[i] for i in tail) < self.seconds(MIN_SLIDE_S):  # no slide shorter than a second
            times.update({i: self.seconds(MIN_SLIDE_S) / len(tail) for i in tail})
        for i in self.steps:
            self.play(self.step(prev, i), run_time=times[i])
            prev = i
            if i == self.t_filtered:
                self.key_frame("filtered", self.filtered_claim(tr, i), prompt=self.filtered_prompt())
                self.hold()
        self.key_frame("final", self.final_claim(tr), prompt=self.final_prompt())
        self.hold()
        self.clear_bottom()
        self.conclude(self.conclusion(tr), prompt=self.conclusion_prompt())

    def clear_bottom(self):
        """The loss plot leaves before the conclusion's band covers it (the conclusion does not cite it)."""
        if self.figure_mode:
            return
        self.thaw_background()
        self.freeze_background(*self.layout)
        self.add(*self.plot)
        gone = [*self.plot, self.curves]
        self.play(*[FadeOutPlace(m) for m in gone], run_time=self.seconds(0.6))

    # -- the words, each bound from the trace with what it asserts --------------------------------------------
    def pair_kinds(self) -> tuple[np.ndarray, np.ndarray]:
        """(links that touch an attacker, links between honest agents of different tasks), as drawn."""
        a = np.array([p[0] for p in self.pairs], dtype=int)
        b = np.array([p[1] for p in self.pairs], dtype=int)
        byz = self.byz[a] | self.byz[b]
        cross = ~byz & (self.task[a] != self.task[b])
        return byz, cross

    def distances(self, tr, m: int) -> np.ndarray:
        """Final distance of each honest agent's estimate under method m from its task's target."""
        targets = np.asarray(tr["targets"], dtype=float)
        return np.linalg.norm(self.est[m, -1][self.normal] - targets[self.task[self.normal]], axis=1)

    def opening_claim(self, tr) -> Claim:
        targets = np.asarray(tr["targets"], dtype=float)
        centroid = targets.mean(axis=0)
        sent = np.asarray(tr["psi_a"], dtype=float)[self.byz]
        near = float(np.linalg.norm(sent - centroid, axis=1).max()) if len(sent) else 0.0
        spread = float(np.linalg.norm(targets - centroid, axis=1).min())
        return Claim(
            "{n} agents localize {k} targets, one per task; {f} Byzantine agents send points near the targets' "
            "centroid. A link is as thick as its weight.",
            n=len(self.byz),
            k=len(targets),
            f=int(self.byz.sum()),
            holds=lambda: near < 0.25 * spread,
            says="every Byzantine point within a quarter of the targets' distance from their centroid",
        )

    def filtered_claim(self, tr, i: int) -> Claim:
        w = self.link_widths(i)
        byz, cross = self.pair_kinds()
        cut = float(np.mean(w[cross] <= 1e-9)) if cross.any() else 1.0
        vals = dict(i=i, p=100 * cut)
        return first_true(
            Claim(
                "Iteration {i}: every link to an attacker has weight zero, and {p:.0f}% of the links across tasks.",
                holds=lambda: bool((w[byz] <= 1e-9).all()),
                says="every drawn link that touches a Byzantine agent has zero weight at iteration i",
                **vals,
            ),
            Claim(
                "Iteration {i}: {q:.0f}% of the links to attackers have weight zero, {p:.0f}% of those across tasks.",
                q=100 * float(np.mean(w[byz] <= 1e-9)) if byz.any() else 100.0,
                **vals,
            ),
        )

    @staticmethod
    def filtered_prompt() -> Claim:
        return plain("Point at the grey dashed links: filtered. The honest links left join agents of one task.")

    def final_claim(self, tr) -> Claim:
        dl, da = self.distances(tr, LOSS), self.distances(tr, AVG)
        targets = np.asarray(tr["targets"], dtype=float)
        dc = np.linalg.norm(self.est[AVG, -1][self.normal] - targets.mean(axis=0), axis=1)
        return Claim(
            "After {T} iterations the loss-based estimates sit {dl:.2f} from their targets on average; averaging "
            "ones {da:.1f}, {dc:.1f} from the centroid.",
            T=self.T,
            dl=float(dl.mean()),
            da=float(da.mean()),
            dc=float(dc.mean()),
            holds=lambda: float(dl.mean()) < float(da.mean()) and float(dc.mean()) < float(da.mean()),
            says="loss-based closer to the targets than averaging; averaging closer to the centroid than the targets",
        )

    @staticmethod
    def final_prompt() -> Claim:
        return plain("Compare the middle and right panels: on the stars, and on the plus at the centre.")

    def conclusion(self, tr) -> Claim:
        byz, _ = self.pair_kinds()
        w = self.link_widths(self.T)
        da = self.distances(tr, AVG)
        targets = np.asarray(tr["targets"], dtype=float)
        centroid = targets.mean(axis=0)
        dc = np.linalg.norm(self.est[AVG, -1][self.normal] - centroid, axis=1)
        spread = float(np.linalg.norm(targets - centroid, axis=1).min())
        vals = dict(f=int(self.byz.sum()), da=float(da.mean()))
        return first_true(
            Claim(
                "Loss-based weights cut every link to the {f} attackers; averaging ends {da:.1f} from the targets, "
                "at their centroid.",
                holds=lambda: bool((w[byz] <= 1e-9).all()) and float(dc.mean()) < 0.25 * spread,
                says="no drawn link to an attacker at the end; averaging within a quarter of the spread of the centroid",
                **vals,
            ),
            Claim(
                "Loss-based weights cut the links to the {f} attackers one by one; averaging ends {da:.1f} from the "
                "targets.",
                holds=lambda: True,
                says="(the averaging distance as the trace holds it)",
                **vals,
            ),
        )

    @staticmethod
    def conclusion_prompt() -> Claim:
        return plain("Close: whom to listen to is learned from the losses, the same idea as the weights at the start.")

    # -- data -------------------------------------------------------------------
    def read(self, tr):
        self.T = tr.params["iterations"]
        self.byz = np.asarray(tr["is_byzantine"])
        self.task = np.asarray(tr["task"])
        self.edges = np.asarray(tr["edges"])
        self.w_loss = np.asarray(tr["weights"][LOSS], dtype=float)  # (T, E)
        self.est = np.asarray(tr["estimates"])  # (M, T+1, N, 2)
        normal = ~self.byz
        self.log_loss = np.log10(np.asarray(tr["loss"])[:, :, normal].mean(axis=2))  # (M, T)
        k, l = self.edges[:, 0], self.edges[:, 1]
        from_byz = self.byz[l] & ~self.byz[k]
        w_byz = (self.w_loss[:, from_byz] > 0).any(axis=1)  # (T,) any weight on an attacker
        after = np.flatnonzero(w_byz)
        self.t_filtered = int(after.max()) + 2 if after.size else 1  # iterations are 1-based below
        self.t_filtered = min(self.t_filtered, self.T)
        steps = set(range(1, min(self.T, 40) + 1)) | set(range(45, self.T + 1, 5)) | {self.t_filtered, self.T}
        self.steps = sorted(steps)
        # undirected links: pair (k, l), k < l, thickness = the larger of a_kl and a_lk
        pairs = {}
        for e, (a, b) in enumerate(self.edges):
            if a != b:
                pairs.setdefault((min(a, b), max(a, b)), []).append(e)
        self.pairs = list(pairs)
        self.pair_edges = [pairs[p] for p in self.pairs]

    # -- layout -----------------------------------------------------------------
    def build_layout(self, tr):
        head = title("Whom to listen to: resilient multi-task learning")
        y0 = 0.95
        centers = [np.array([-5.05, y0, 0]), np.array([-1.6, y0, 0]), np.array([1.85, y0, 0])]
        frames = VGroup(*[Square(SIDE, color=COLORS.grid, stroke_width=1.5).move_to(c) for c in centers])
        names = (
            ("links", "loss-based", "average")
            if single_column()
            else ("links: loss-based weights", "estimates: loss-based", "estimates: average")
        )
        heads = VGroup(
            label(names[0], FS.small, COLORS.text),
            label(names[1], FS.small, METHODS.loss),
            label(names[2], FS.small, METHODS.average),
        )
        for h, f in zip(heads, frames):
            h.next_to(f, UP, buff=0.12)
        self.net_center, self.loss_center, self.avg_center = centers
        pos = np.asarray(tr["positions"])
        box = tr.params["box"]
        self.agent_pt = np.array([self.to_net(p, box) for p in pos])
        # links (dynamic) and agents (above them)
        self.links = VGroup()
        for a, b in self.pairs:
            if self.byz[a] or self.byz[b]:
                col = COLORS.byzantine
            elif self.task[a] == self.task[b]:
                col = self.task_colors[self.task[a]]
            else:
                col = COLORS.muted
            self.links.add(Line(self.agent_pt[a], self.agent_pt[b], color=col, stroke_width=1))
        self.agents = VGroup(
            *[
                source(True, 0.075).move_to(p)
                if self.byz[k]
                else Dot(p, radius=0.06, color=self.task_colors[self.task[k]])
                for k, p in enumerate(self.agent_pt)
            ]
        )
        self.filtered = VMobject(stroke_color=COLORS.blacklisted, stroke_width=1.2, stroke_opacity=0.7, fill_opacity=0)
        self.filtered_set = None
        # the two estimate planes: targets, centroid, Byzantine messages (static); estimates (dynamic)
        targets = np.asarray(tr["targets"])
        psi_a = np.asarray(tr["psi_a"])[self.byz]
        static = VGroup()
        for c in (self.loss_center, self.avg_center):
            for t, w in enumerate(targets):  # a task's target is its true value: a star
                static.add(marker("true_value", self.task_colors[t], 0.12).move_to(self.to_plane(w, c)))
            static.add(plus(self.to_plane(targets.mean(axis=0), c), 0.12, COLORS.muted))
            for m in psi_a:
                static.add(source(True, 0.05).move_to(self.to_plane(m, c)))
        normal = np.flatnonzero(~self.byz)
        self.normal = normal
        self.dots_loss = VGroup(*[Dot(radius=0.055, color=self.task_colors[self.task[k]]) for k in normal])
        self.dots_avg = VGroup(*[Dot(radius=0.055, color=self.task_colors[self.task[k]]) for k in normal])
        self.dot_shape = [d.points - d.get_center() for d in self.dots_loss]  # moved by offsetting points
        self.shown_width = np.full(len(self.pairs), -1.0)
        # loss plot below
        lo = float(np.floor(self.log_loss[[m for m, _, _ in self.plotted]].min()))
        hi = float(np.ceil(self.log_loss[[m for m, _, _ in self.plotted]].max()))
        self.lo = lo
        self.axes = Axes(
            x_range=[0, self.T, 50],
            y_range=[0, hi - lo, 1],
            x_length=6.6,
            y_length=1.8,
            axis_config={"color": COLORS.muted, "include_tip": False, "stroke_width": 2},
        )
        self.axes.move_to([-2.75, -2.15, 0])
        xticks = tick_labels(self.axes.x_axis, range(0, self.T + 1, 50), FS.small)
        ylabels = VGroup()
        for e in range(int(lo), int(hi) + 1, 2 if hi - lo > 3 else 1):
            tick = label(f"{10.0**e:g}", FS.small, COLORS.muted) if -4 <= e <= 4 else math(f"10^{{{e}}}", FS.small)
            ylabels.add(tick.set_color(COLORS.muted).next_to(self.axes.c2p(0, e - lo), LEFT, buff=0.12))
        ylab = label("mean loss of the honest agents (log scale)", FS.tiny, COLORS.muted)
        ylab.next_to(self.axes.c2p(0, hi - lo), UP, buff=0.12).align_to(ylabels, LEFT)
        xlab = label("iteration $i$", FS.small, COLORS.muted).next_to(VGroup(self.axes.x_axis, xticks), RIGHT, buff=0.2)
        xlab.align_to(xticks, DOWN)
        self.curves = VGroup(*[VMobject(stroke_color=c, stroke_width=3) for _, _, c in self.plotted])
        it = np.arange(self.T)
        self.curve_pts = [np.asarray(self.axes.c2p(it, self.log_loss[m] - lo)).T for m, _, _ in self.plotted]
        self.iter = counter("iteration", 0, FS.label)
        key = legend(
            [(name, swatch_line(c)) for _, name, c in self.plotted]
            + [
                ("honest, by task", VGroup(*[swatch_dot(c) for c in self.task_colors]).arrange(RIGHT, buff=0.05)),
                ("Byzantine agent", swatch_source(True)),
                ("filtered link", swatch_blacklisted("edge")),
                ("target of a task", marker("true_value", COLORS.text, 0.08)),
                ("centroid", plus([0, 0, 0], 0.08, COLORS.muted)),
            ],
            FS.tiny,
        )
        side(self.iter, key)
        self.layout = [head, frames, heads, static, key]
        self.plot = [self.axes, xticks, ylabels, ylab, xlab]  # under the conclusion's band: they leave before it
        self.add(*self.layout, *self.plot)
        self.freeze_background(*self.layout, *self.plot)
        self.add(self.filtered, self.links, self.agents, self.dots_loss, self.dots_avg, self.curves, self.iter)

    def to_net(self, p, box):
        return self.net_center + (np.array([p[0], p[1], 0]) / box - np.array([0.5, 0.5, 0])) * (SIDE - 0.3)

    def to_plane_many(self, w: np.ndarray, center) -> np.ndarray:
        lo, hi = PLANE
        xyz = np.column_stack([w, np.zeros(len(w))])
        return center + (xyz - np.array([lo, lo, 0])) / (hi - lo) * SIDE - np.array([SIDE / 2, SIDE / 2, 0])

    def to_plane(self, w, center):
        lo, hi = PLANE
        return center + (np.array([w[0], w[1], 0]) - lo) / (hi - lo) * SIDE - np.array([SIDE / 2, SIDE / 2, 0])

    # -- state ------------------------------------------------------------------
    def link_widths(self, i: int) -> np.ndarray:
        """Thickness of each link after iteration i (weights of iteration i; i = 0 shows the first weights)."""
        w = self.w_loss[max(i - 1, 0)]
        return np.array([w[e].max() for e in self.pair_edges])

    def set_state(self, i: float, i_from: int | None = None, alpha: float = 1.0) -> None:
        """Show the state after iteration i (interpolated from iteration ``i_from`` by ``alpha``)."""
        j = int(i)
        j0 = j if i_from is None else i_from
        wid = (1 - alpha) * self.link_widths(j0) + alpha * self.link_widths(j)
        for n, (line, w) in enumerate(zip(self.links, wid)):
            if abs(w - self.shown_width[n]) > 0.01 or (w <= 1e-9) != (self.shown_width[n] <= 1e-9):
                line.set_stroke(width=MAX_WIDTH * w, opacity=0.0 if w <= 1e-9 else 0.9)
                self.shown_width[n] = w
        gone = tuple(np.flatnonzero(wid <= 1e-9))
        if gone != self.filtered_set:  # a filtered link: grey and dashed, as every blacklisted edge
            self.filtered_set = gone
            pts = [self.dashes(self.agent_pt[self.pairs[n][0]], self.agent_pt[self.pairs[n][1]]) for n in gone]
            self.filtered.points = np.concatenate(pts) if pts else np.zeros((0, 3))
        for dots, m, c in ((self.dots_loss, LOSS, self.loss_center), (self.dots_avg, AVG, self.avg_center)):
            e = (1 - alpha) * self.est[m, j0][self.normal] + alpha * self.est[m, j][self.normal]
            centres = self.to_plane_many(e, c)
            for d, base, xyz in zip(dots, self.dot_shape, centres):
                d.points = base + xyz
        if j >= 1:
            for curve, pts in zip(self.curves, self.curve_pts):
                curve.set_points_as_corners(pts[: max(j, 2)])

    @staticmethod
    def dashes(a, b, dash: float = 0.06) -> np.ndarray:
        """Points of a dashed segment from a to b (straight cubics, a dash and a gap of ``dash`` each)."""
        a, b = np.asarray(a, float), np.asarray(b, float)
        L = float(np.linalg.norm(b - a))
        n = max(int(L / (2 * dash)), 1)
        t0 = np.arange(n) * 2 * dash / max(L, 1e-9)
        t1 = np.minimum(t0 + dash / max(L, 1e-9), 1.0)
        th = np.array([0.0, 1 / 3, 2 / 3, 1.0])
        tt = t0[:, None] + (t1 - t0)[:, None] * th[None]
        return (a[None, None] + tt[..., None] * (b - a)[None, None]).reshape(-1, 3)

    def step(self, i_from: int, i_to: int):
        self.iter.number.set_value(i_to)
        return Replay(
            VGroup(self.links, self.dots_loss, self.dots_avg, self.curves), lambda a: self.set_state(i_to, i_from, a)
        )
