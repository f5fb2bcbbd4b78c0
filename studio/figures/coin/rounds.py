"""Fig. 1 of Aggarwal et al. 2017: mean rounds until z = d against n (tau = n / 10), with and without the adversary.

Means with 95% Student-t intervals over the runs of each n, and the least-squares line through the
adversary's means (the report's O(n) claim). The censoring is stated with them: the title says how many
runs were censored (at the cap or the float limit; a mean with censored runs counts them at cap + 1, a lower
bound, and is drawn with an open marker). The tail these 20 runs cannot show is in Fig. 1's companion,
``coin_survival`` (studio/figures/coin/survival.py). ``make figures`` runs the sweep ``coin_rounds`` serially
at n = 10 ... 1000 (20 runs each, about 4 s on this loaded 2-core machine); the full figure to n = 10,000
comes from the engine: ``byzmw sweep run coin_rounds --name fig1`` (defaults: n up to 10,000).
"""

from __future__ import annotations

import numpy as np

from sim.coin.coin_mwu import ENDED
from sim.core.sweeps import SweepOutput, run_serial
from sim.stats.intervals import mean_ci
from studio.figures import FigureContext, figure, figures_for_sweep

MAKE_N = (10, 30, 100, 300, 1000)


def series(out: SweepOutput, adversary: str):
    """(n, mean, low, high, censored) per n for one adversary setting, sorted by n."""
    rows = []
    for c, r in zip(out.cells, out.records):
        if c.params["adversary"] == adversary:
            m, lo, hi = mean_ci(r["rounds"])
            rows.append((c.params["n"], m, lo, hi, int((r["stop"] != ENDED).sum())))
    rows.sort()
    return [np.array(v) for v in zip(*rows)] if rows else [np.array([])] * 5


def draw(ctx: FigureContext, out: SweepOutput, provenance: list[str], stem: str = "coin_fig1") -> None:
    c = ctx.colors
    fig, ax = ctx.subplots()
    for adv, colour, lab in (
        ("nonadaptive", c.byzantine, "greedy non-adaptive adversary, τ = n/10"),
        ("none", c.honest, "no adversary"),
    ):
        n, m, lo, hi, cens = series(out, adv)
        if not n.size:
            continue
        lo = np.where(np.isfinite(lo), lo, m)
        hi = np.where(np.isfinite(hi), hi, m)
        ax.fill_between(n, lo, hi, color=colour, alpha=0.2, lw=0)
        ax.plot(n, m, "o-", color=colour, ms=4, label=lab)
        if adv == "nonadaptive" and n.size >= 2:
            slope, icpt = np.polyfit(n.astype(float), m, 1)
            xs = np.linspace(0, n.max(), 50)
            ax.plot(
                xs,
                slope * xs + icpt,
                "--",
                color=c.muted,
                lw=1.2,
                label=f"linear fit: {slope:.3g}·n {'+' if icpt >= 0 else '−'} {abs(icpt):.3g}",
            )
        if cens.any():
            ax.plot(n[cens > 0], m[cens > 0], "o", mfc="none", mec=c.text, ms=8, label="some runs censored")
    trials = out.grid.trials
    cens = sum(int((r["stop"] != ENDED).sum()) for r in out.records)
    runs = sum(r["stop"].size for r in out.records)
    ax.set_xlabel("number of experts n")
    ax.set_ylabel("rounds until z = d (mean)")
    ax.set_title(
        f"Global-coin MWU, η = √(ln n / n): {trials} runs per n, 95% intervals; censored: {cens} of {runs} runs",
        fontsize=9,
    )
    ax.legend(loc="upper left")
    ctx.save(fig, stem)


@figures_for_sweep("coin_rounds")
def sweep_figures(ctx: FigureContext, out: SweepOutput, provenance: list[str]) -> None:
    """Figure function of the sweep engine (``coin_rounds``)."""
    draw(ctx, out, provenance)


@figure("coin_fig1", paper_ref="Aggarwal et al. 2017, Fig. 1", order=400)
def fig1(ctx: FigureContext) -> None:
    """Rounds until z = d vs n, with and without adversary, with CIs and the linear fit."""
    out = run_serial("coin_rounds", n=MAKE_N, seed=1)
    draw(ctx, out, [])
