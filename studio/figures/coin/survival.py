"""Fig. 1's companion (seed 004): the coin's rounds as survival data, per n and solver.

``coin_survival``: the Kaplan-Meier estimate of P(rounds > r) with its log-log 95% band (runs censored at the
float limit stay in the estimate as censored, never as finished), and the estimated probability that a run
reaches the state "corrupted weight > good weight" (in which it cannot end: docs/coin.md) with Wilson 95%
intervals. ``make figures`` runs n = 100, 300, 500 with greedy and approx, 200 runs (about 10 s); the study of
docs/coin.md (1000 runs, n to 2000, and the exact solver at n <= 500) comes from the engine:
``python -m studio.sweep run coin_survival --name survival``.
"""

from __future__ import annotations

import numpy as np

from sim.coin.coin_mwu import ENDED
from sim.core.sweeps import SweepOutput, run_serial
from sim.stats.intervals import wilson
from sim.stats.survival import runs_survival
from studio.figures import FigureContext, figure, figures_for_sweep

MAKE_N = (100, 300, 500)
STYLES = {"auto": "-", "exact": "-", "approx": "--", "greedy": ":", "brute": "-."}
SOLVER_LABEL = {"auto": "exact (auto)", "exact": "exact", "approx": "approx (1 − 10⁻³)", "greedy": "greedy"}


def _n_colours(ctx: FigureContext, ns) -> dict:
    pal = list(ctx.family("series").values())  # one colour per n, in order (never a role colour)
    return {n: pal[i % len(pal)] for i, n in enumerate(sorted(ns))}


def draw_curves(ctx: FigureContext, out: SweepOutput, stem: str = "coin_survival") -> None:
    cols = _n_colours(ctx, {cell["n"] for cell in out.cells})
    fig, ax = ctx.subplots(figsize=(7.0, 5.6))
    floor = 0.5 / out.grid.trials
    for cell, rec in sorted(zip(out.cells, out.records), key=lambda cr: (cr[0]["n"], cr[0]["solver"])):
        stop = rec["stop"]
        km = runs_survival(rec["rounds"], stop != ENDED)
        t = np.concatenate(([0.0], km.time, [km.last_time]))
        S = np.concatenate(([1.0], km.survival, [km.survival[-1] if km.survival.size else 1.0]))
        lo = np.concatenate(([1.0], km.low, [km.low[-1] if km.low.size else 1.0]))
        hi = np.concatenate(([1.0], km.high, [km.high[-1] if km.high.size else 1.0]))
        col, ls = cols[cell["n"]], STYLES.get(cell["solver"], "-")
        cens = int((stop != ENDED).sum())
        lab = f"n = {cell['n']}, {SOLVER_LABEL.get(cell['solver'], cell['solver'])}"
        if cens:
            lab += f" ({cens} censored at r = {int(km.last_time)})"
        ax.fill_between(t + 1, np.maximum(lo, floor), np.maximum(hi, floor), step="post", color=col, alpha=0.12, lw=0)
        ax.step(t + 1, np.maximum(S, floor), where="post", color=col, ls=ls, lw=1.4, label=lab)
        if cens:  # the plateau of the censored runs, to where they were stopped
            ax.plot([km.last_time + 1], [max(S[-1], floor)], "o", mfc="white", mec=col, ms=6)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(floor, 1.3)
    ax.set_xlabel("round r (+1, log scale)")
    ax.set_ylabel("P(rounds > r), Kaplan–Meier")
    ax.set_title(
        f"Global coin, τ = n/10: {out.grid.trials} runs per curve, log-log 95% bands; "
        "open marker: runs censored at the float limit",
        fontsize=9,
    )
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.13), fontsize=7, ncol=2)
    ctx.save(fig, stem)


def draw_crossing(ctx: FigureContext, out: SweepOutput, stem: str = "coin_cross") -> None:
    c = ctx.colors
    solvers = sorted({cell["solver"] for cell in out.cells}, key=list(SOLVER_LABEL).index)
    colours = {"auto": c.byzantine, "exact": c.byzantine, "approx": c.threshold, "greedy": c.true_value}
    fig, ax = ctx.subplots(figsize=(6.4, 4.0))
    for k, s in enumerate(solvers):
        rows = sorted(
            (
                cell["n"],
                int((rec["first_cross"] > 0).sum()),
                len(rec["first_cross"]),
                int(((rec["first_cross"] > 0) & (rec["stop"] == ENDED)).sum()),
            )
            for cell, rec in zip(out.cells, out.records)
            if cell["solver"] == s
        )
        n = np.array([r[0] for r in rows], dtype=float)
        x = n * (1 + 0.06 * (k - (len(solvers) - 1) / 2))  # side by side on the log axis
        p = np.array([r[1] / r[2] for r in rows])
        iv = np.array([wilson(r[1], r[2]) for r in rows])
        col = colours.get(s, c.muted)
        ax.errorbar(
            x,
            p,
            yerr=[p - iv[:, 0], iv[:, 1] - p],
            fmt="o",
            color=col,
            ms=4,
            capsize=3,
            label=f"{SOLVER_LABEL.get(s, s)}",
        )
        for xi, pi, r in zip(x, p, rows):
            ax.annotate(
                f"{r[1]}/{r[2]}" + (f" ({r[3]} ended)" if r[1] else ""),
                (xi, pi),
                xytext=(-5 if k % 2 == 0 else 5, 3 + 9 * (k // 2)),
                ha="right" if k % 2 == 0 else "left",
                textcoords="offset points",
                fontsize=6,
                color=col,
            )
    ns = sorted({cell["n"] for cell in out.cells})
    ax.set_xscale("log")
    ax.set_xticks(ns, [str(v) for v in ns])
    ax.minorticks_off()
    ax.set_ylim(bottom=0)
    ax.set_xlabel("number of experts n (τ = n/10)")
    ax.set_ylabel("P(some round begins with corrupted > good)")
    ax.set_title(
        "Runs that reach the state in which the coin cannot end, Wilson 95% intervals\n"
        "(label: runs that got there / runs; in brackets: how many of them still ended)",
        fontsize=9,
    )
    ax.legend(loc="upper left", fontsize=8)
    ctx.save(fig, stem)


@figures_for_sweep("coin_survival")
def sweep_figures(ctx: FigureContext, out: SweepOutput, provenance: list[str]) -> None:
    """Figure function of the sweep engine (``coin_survival``)."""
    draw_curves(ctx, out)
    draw_crossing(ctx, out)


@figure("coin_survival", paper_ref="Aggarwal et al. 2017 (seed 004), Fig. 1 (companion)", order=403)
def fig_survival(ctx: FigureContext) -> None:
    """P(rounds > r) (Kaplan-Meier) per n and solver, and P(corrupted > good) with Wilson intervals."""
    out = run_serial("coin_survival", n=MAKE_N, trials=200, seed=4)
    draw_curves(ctx, out)
    draw_crossing(ctx, out)
