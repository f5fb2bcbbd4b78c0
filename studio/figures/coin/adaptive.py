"""Fig. 3 of Aggarwal et al. 2017: rounds until z = d against n for the adaptive adversary, by volatile budget.

One line per budget of volatile flips per round: 0, 1, 2, floor(sqrt n) / 2 and the report's floor(sqrt n)
(exact search, n <= 20). Each point is the mean of the runs (the report plots means of 20 runs) with a 95%
Student-t interval where no run was censored. A run still going at ``max_rounds`` is censored and counted at
max_rounds + 1, so a mean with censored runs is a lower bound: it is drawn with an open marker and the label
beside it says how many were censored ("x/y": censored at the cap in x of y runs). The sweep's CSV has the
Kaplan-Meier medians. ``make figures`` runs ``coin_adaptive`` with n = 5 ... 16, 20 runs, max_rounds = 50
(about 15 s on this loaded 2-core machine); the full sweep runs n = 5 ... 20 with max_rounds = 200.
"""

from __future__ import annotations

import numpy as np

from sim.coin.adaptive import HALF_SQRT, SQRT
from sim.coin.coin_mwu import ENDED
from sim.core.sweeps import SweepOutput, run_serial
from sim.stats.intervals import mean_ci
from studio.figures import FigureContext, figure, figures_for_sweep

LABELS = {SQRT: "⌊√n⌋ flips per round (the report's)", HALF_SQRT: "⌊√n⌋/2 flips per round"}


def _label(v: int) -> str:
    return LABELS.get(v, f"{v} volatile flip{'s' if v != 1 else ''} per round")


def draw(ctx: FigureContext, out: SweepOutput, provenance: list[str], stem: str = "coin_fig3") -> None:
    c = ctx.colors
    s = ctx.family("series")
    colours = {0: s.s1, 1: s.s2, 2: s.s3, HALF_SQRT: s.s4, SQRT: s.s5}  # one budget each (never a role colour)
    fig, ax = ctx.subplots(figsize=(7.2, 4.8))
    mr = out.grid.fixed["max_rounds"]
    vols = sorted({cell.params["volatile"] for cell in out.cells}, key=lambda v: (v < 0, -v if v < 0 else v))
    for j, v in enumerate(vols):
        rows = sorted(
            (cell.params["n"], *mean_ci(rec["rounds"]), int((rec["stop"] != ENDED).sum()), rec["stop"].size)
            for cell, rec in zip(out.cells, out.records)
            if cell.params["volatile"] == v
        )
        n, m, lo, hi, k, R = (np.array(x, dtype=float) for x in zip(*rows))
        col = colours.get(v, s.s6)
        full = k == 0
        ax.errorbar(
            n[full],
            m[full],
            yerr=[m[full] - np.maximum(lo[full], 0.5), hi[full] - m[full]],
            fmt="none",
            ecolor=col,
            alpha=0.5,
            capsize=2,
            lw=0.8,
        )
        ax.plot(n, m, "-", color=col, lw=1.4, label=_label(v))
        ax.plot(n[full], m[full], "o", color=col, ms=4)
        ax.plot(n[~full], m[~full], "o", mfc="white", mec=col, ms=6)
        for ni, yi, ki, Ri in zip(n, m, k, R):
            if ki:
                ax.annotate(
                    f"{int(ki)}/{int(Ri)}",
                    (ni, yi),
                    xytext=(-6, 4 + 7 * (j % 3)),
                    textcoords="offset points",
                    fontsize=6,
                    color=col,
                )
    ax.axhline(mr + 1, color=c.muted, ls=":", lw=1)
    ax.plot([], [], "o", mfc="white", mec=c.muted, label=f"some runs censored at {mr} rounds: a lower bound")
    ax.set_yscale("log")
    ax.set_ylim(0.8, (mr + 1) * 2.2)
    ax.set_xlabel("number of experts n (capture budget τ = ⌊n/10⌋)")
    ax.set_ylabel("rounds until z = d (mean)")
    ax.set_title(
        f"Adaptive adversary (exact search) by volatile budget: {out.grid.trials} runs per point;\n"
        f"x/y beside a point: censored at the cap in x of y runs",
        fontsize=9,
    )
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.14), ncol=2, fontsize=7)
    ctx.save(fig, stem)


@figures_for_sweep("coin_adaptive")
def sweep_figures(ctx: FigureContext, out: SweepOutput, provenance: list[str]) -> None:
    """Figure function of the sweep engine (``coin_adaptive``)."""
    draw(ctx, out, provenance)


@figure("coin_fig3", paper_ref="Aggarwal et al. 2017, Fig. 3", order=402)
def fig3(ctx: FigureContext) -> None:
    """Adaptive adversary: rounds vs n by volatile budget (0, 1, 2, sqrt(n)/2, sqrt(n)), censoring shown."""
    out = run_serial("coin_adaptive", n=tuple(range(5, 17)), max_rounds=50, seed=3)
    draw(ctx, out, [])
