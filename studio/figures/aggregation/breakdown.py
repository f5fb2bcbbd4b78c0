"""Breakdown curves: each aggregator's error against the Byzantine fraction, one panel per attack.

``sweep_figures`` is the figure function of the ``aggregation_breakdown``
sweep (the engine calls it with the sweep's output); the registered figure
``aggregation_breakdown`` runs the default grid (200 trials per point) in
process and draws the same figure.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from sim.core.sweeps import run_serial

from studio.figures import figure, figures_for_sweep
from sim.aggregation.registry import label_of
from studio.figures.aggregation.styles import label, line_styles
from studio.figures.context import FigureContext

ATTACK_TITLES = {"sign_flip": "sign flip", "scaling": "scaling ×100", "alie": "A Little Is Enough",
                 "inner_product": "inner-product manipulation (ε = 0.5)", "mimic": "mimic",
                 "gaussian": "Gaussian (σ = 10)", "nonfinite": "NaN / ±inf (dropped)", "noise": "noise"}


def draw_breakdown(ctx: FigureContext, out, stem: str, provenance: Sequence[str] = ()) -> list:
    rows = out.rows()
    attacks = list(out.grid.axes["attack"])
    aggs = list(out.grid.axes["aggregator"])
    fx = out.grid.fixed
    ncol = min(4, len(attacks) + 1)
    nrow = math.ceil((len(attacks) + 1) / ncol)
    fig, axes = ctx.subplots(nrow, ncol, figsize=(3.6 * ncol, 3.1 * nrow), squeeze=False,
                             gridspec_kw={"hspace": 0.45, "wspace": 0.3})
    c = ctx.colors
    looks = line_styles(c, aggs)
    axes = axes.ravel()
    for ax, att in zip(axes, attacks):
        sub = [r for r in rows if r["attack"] == att]
        for agg in aggs:
            rr = sorted((r for r in sub if r["aggregator"] == agg), key=lambda r: r["byz_fraction"])
            if not rr:
                continue
            x = np.array([r["byz_fraction"] for r in rr])
            y = np.array([r["error_mean"] for r in rr])
            lo = np.array([r["error_lo"] for r in rr])
            hi = np.array([r["error_hi"] for r in rr])
            col, ls, mk = looks[agg]
            ax.plot(x, y, color=col, linestyle=ls, marker=mk, markersize=3.5, linewidth=1.3, label=label(agg))
            ax.fill_between(x, np.maximum(lo, 1e-3), hi, color=col, alpha=0.15, linewidth=0)
        orc = sorted(((r["byz_fraction"], r["oracle_error_mean"]) for r in sub if r["aggregator"] == aggs[0]))
        if orc:
            ax.plot(*zip(*orc), color=c.true_value, linewidth=1.0, linestyle=(0, (1, 1)), label="oracle: mean of honest")
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_title(ATTACK_TITLES.get(att) or label_of(att) or att, fontsize=9)
        ax.set_xlabel("Byzantine fraction β", fontsize=8)
        ax.set_ylabel("error ‖aggregate − μ‖", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes[len(attacks):]:
        ax.axis("off")
    h, lab = axes[0].get_legend_handles_labels()
    axes[len(attacks)].legend(h, lab, loc="center", fontsize=7.5, frameon=False)
    fig.suptitle(f"Breakdown of robust aggregators: n = {fx['n_clients']} clients, d = {fx['dim']}, "
                 f"N(1, {fx['sigma']:g}²) updates, {out.grid.trials} trials per point (bands: 95% CI of the mean)",
                 fontsize=10, y=1.0 + 0.06 / nrow)
    return ctx.save(fig, stem)


@figures_for_sweep("aggregation_breakdown")
def sweep_figures(ctx: FigureContext, out, provenance: Sequence[str] = ()) -> list:
    """The engine's figure function for ``aggregation_breakdown``."""
    return draw_breakdown(ctx, out, "aggregation_breakdown", provenance)


@figure("aggregation_breakdown", paper_ref="beyond the paper: breakdown curves of the prototype aggregation module's rules", order=300)
def breakdown_figure(ctx: FigureContext) -> None:
    """Error vs Byzantine fraction for every aggregator and attack, 200 trials per point."""
    draw_breakdown(ctx, run_serial("aggregation_breakdown", seed=3), "aggregation_breakdown")
