"""Fig. 2 of Aggarwal et al. 2017: total weight of the corrupted experts against round, n = 1000, tau = 100.

The mean over the runs still going at each round, a 95% interval, a few single runs, and the number of
runs still going (the report averages 20 runs but does not say how runs that ended are counted; here a
run that ended leaves the average). ``make figures`` runs ``coin_weight`` at n = 1000 with 20 runs
(about 15 s on an idle 2-core machine).
"""

from __future__ import annotations

import numpy as np

from sim.coin.sweeps import mean_weight_curve
from sim.core.sweeps import SweepOutput, run_serial
from studio.figures import FigureContext, figure, figures_for_sweep


MIN_RUNS = 5


def _ci(cw: np.ndarray):
    from scipy.stats import t as student

    ok = np.isfinite(cw)
    k = ok.sum(0)
    mean = mean_weight_curve(cw)
    dev = np.where(ok, cw - mean, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt((dev ** 2).sum(0) / np.maximum(k - 1, 1))
        half = np.where(k > 1, student.ppf(0.975, np.maximum(k - 1, 1)) * sd / np.sqrt(np.maximum(k, 1)), np.nan)
    return mean, mean - half, mean + half, k


def draw(ctx: FigureContext, out: SweepOutput, provenance: list[str], stem: str = "coin_fig2") -> None:
    c = ctx.colors
    for cell, rec in zip(out.cells, out.records):
        cw = rec["corrupted_weight"]
        mean, lo, hi, k = _ci(cw)
        r = np.arange(1, cw.shape[1] + 1)
        last = int(np.max(np.flatnonzero(k > 0))) + 1 if (k > 0).any() else 1
        fig, (ax, ax2) = ctx.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]}, figsize=(6.4, 5.0))
        for i in range(min(3, cw.shape[0])):
            ax.plot(r, cw[i], color=c.blacklisted, lw=0.7, alpha=0.8, label="single runs" if i == 0 else None)
        lo, hi = np.where(k >= MIN_RUNS, np.maximum(lo, 0), np.nan), np.where(k >= MIN_RUNS, hi, np.nan)
        ax.fill_between(r, lo, hi, color=c.byzantine, alpha=0.2, lw=0, label="95% interval")
        ax.plot(r, mean, color=c.byzantine, lw=1.8, label="mean over runs still going")
        enough = np.flatnonzero(k >= MIN_RUNS)                 # the mean and its interval mean something
        if enough.size:
            peak = int(enough[np.nanargmax(mean[enough])]) + 1
            ax.axvline(peak, color=c.muted, ls=":", lw=1)
            ax.annotate(f"peak of the mean ({MIN_RUNS}+ runs going): round {peak}", (peak, mean[peak - 1]),
                        xytext=(8, 30), textcoords="offset points", fontsize=8, color=c.text)
        n = cell.params["n"]
        tau = int(np.floor(cell.params["tau_fraction"] * n + 1e-9))
        ax.axhline(tau, color=c.muted, ls="--", lw=1, label=f"initial corrupted weight τ = {tau}")
        ax.set_ylabel("total corrupted weight")
        ax.set_ylim(bottom=0)
        ax.set_title(f"n = {n}, τ = {tau}, η = √(ln n / n): {cw.shape[0]} runs")
        ax.legend(loc="best", fontsize=8)
        ax2.plot(r, k, color=c.text, lw=1.2, drawstyle="steps-post")
        ax2.set_ylabel("runs going")
        ax2.set_xlabel("round r")
        ax2.set_xlim(1, last)
        ctx.save(fig, stem if len(out.cells) == 1 else f"{stem}_n{n}")


@figures_for_sweep("coin_weight")
def sweep_figures(ctx: FigureContext, out: SweepOutput, provenance: list[str]) -> None:
    """Figure function of the sweep engine (``coin_weight``)."""
    draw(ctx, out, provenance)


@figure("coin_fig2", paper_ref="Aggarwal et al. 2017, Fig. 2", order=401)
def fig2(ctx: FigureContext) -> None:
    """Total corrupted weight vs round for n = 1000 (mean, CI, single runs)."""
    out = run_serial("coin_weight", n=(1000,), seed=2)
    draw(ctx, out, [])
