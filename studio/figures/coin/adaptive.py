"""Fig. 3 of Aggarwal et al. 2017: rounds until z = d against n, adaptive adversary (exact search, n <= 20).

One line per volatile budget (flips per round: 0, 1, 2 and the report's floor(sqrt n)); means with 95%
intervals; runs still going at ``max_rounds`` are censored and counted at max_rounds + 1 (so a mean with
censored runs is a lower bound, drawn with an open marker). ``make figures`` runs ``coin_adaptive`` with
n = 5 ... 16, 20 runs, max_rounds = 50 (about 12 s on this loaded 2-core machine); the full sweep
runs n = 5 ... 20 with max_rounds = 200.
"""

from __future__ import annotations

import numpy as np

from sim.core.sweeps import SweepOutput, run_serial
from sim.stats.intervals import mean_ci
from studio.figures import FigureContext, figure, figures_for_sweep


def draw(ctx: FigureContext, out: SweepOutput, provenance: list[str], stem: str = "coin_fig3") -> None:
    c = ctx.colors
    colours = {0: c.honest, 1: c.estimate, 2: c.true_value, -1: c.byzantine}
    fig, ax = ctx.subplots()
    vols = sorted({cell.params["volatile"] for cell in out.cells}, key=lambda v: (v < 0, v))
    for v in vols:
        rows = sorted((cell.params["n"], *mean_ci(rec["rounds"]), int(rec["censored"]))
                      for cell, rec in zip(out.cells, out.records) if cell.params["volatile"] == v)
        n, m, lo, hi, cens = (np.array(x) for x in zip(*rows))
        col = colours.get(v, c.volatile)
        lo, hi = np.where(np.isfinite(lo), lo, m), np.where(np.isfinite(hi), hi, m)
        ax.fill_between(n, lo, hi, color=col, alpha=0.18, lw=0)
        lab = "⌊√n⌋ volatile flips (report)" if v < 0 else f"{v} volatile flip{'s' if v != 1 else ''} per round"
        ax.plot(n, m, "o-", color=col, ms=4, label=lab)
        if cens.any():
            ax.plot(n[cens > 0], m[cens > 0], "o", mfc="white", mec=col, ms=7)
    mr = out.grid.fixed["max_rounds"]
    ax.axhline(mr + 1, color=c.muted, ls=":", lw=1)
    ax.plot([], [], ":", color=c.muted, label=f"censored at {mr} rounds (open marker: some runs censored)")
    ax.set_yscale("log")
    ax.set_xlabel("number of experts n (capture budget τ = ⌊n/10⌋)")
    ax.set_ylabel("rounds until z = d (mean)")
    ax.set_title(f"Adaptive adversary (exact search): {out.grid.trials} runs per point, 95% intervals")
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.16), ncol=2, fontsize=8)
    ctx.save(fig, stem)


@figures_for_sweep("coin_adaptive")
def sweep_figures(ctx: FigureContext, out: SweepOutput, provenance: list[str]) -> None:
    """Figure function of the sweep engine (``coin_adaptive``)."""
    draw(ctx, out, provenance)


@figure("coin_fig3", paper_ref="Aggarwal et al. 2017, Fig. 3", order=402)
def fig3(ctx: FigureContext) -> None:
    """Adaptive adversary: rounds vs n by volatile budget."""
    out = run_serial("coin_adaptive", n=tuple(range(5, 17)), max_rounds=50, seed=3)
    draw(ctx, out, [])
