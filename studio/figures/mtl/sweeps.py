"""Figures of the target-localization sweeps (``fn(ctx, out, provenance)``) and their registered defaults.

``mtl_byzantine``: tail MSD (dB) of the four methods against F, one line style
per attack. ``mtl_paper_seeds``: for each seed of the authors' script, normal
agents captured by the attackers with both code deviations and with the
correct rule.
"""

from __future__ import annotations

import numpy as np

from sim.core.sweeps import SweepOutput, run_serial
from sim.mtl.rules import METHODS
from studio.figures import figure, figures_for_sweep
from studio.figures.context import FigureContext

from .style import METHOD_NAME, method_colors

ATTACK_STYLE = {"constant": "-", "zero": "--"}


def _footer(fig, provenance) -> None:
    if provenance:
        fig.text(0.0, -0.04, provenance[0], fontsize=6, ha="left", va="top", color="0.4")


@figures_for_sweep("mtl_byzantine")
def byzantine_figures(ctx: FigureContext, out: SweepOutput, provenance: list[str], stem: str = "mtl_sweep_byzantine"):
    colors = method_colors(ctx.colors)
    fig, ax = ctx.subplots(figsize=(6.4, 4.0))
    attacks = out.grid.axes["attack"]
    for attack in attacks:
        rows = [(c.params["n_byzantine"], r) for c, r in zip(out.cells, out.records) if c.params["attack"] == attack]
        rows.sort(key=lambda t: t[0])
        F = np.array([f for f, _ in rows])
        for j, m in enumerate(METHODS):
            per_trial = np.array([10 * np.log10(r["msd_tail"][:, j]) for _, r in rows])      # (F, trials)
            ax.plot(F, per_trial.mean(axis=1), ATTACK_STYLE.get(attack, ":"), marker="o", ms=3, color=colors[m],
                    label=f"{METHOD_NAME[m]} ({attack})")
    ax.set_xlabel("Byzantine agents F (of 100)")
    ax.set_ylabel("MSD, iterations 100-499 (dB)")
    ax.set_title(f"Correct loss rule, {out.grid.trials} random networks per point")
    ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=7)
    _footer(fig, provenance)
    ctx.save(fig, stem)


@figures_for_sweep("mtl_paper_seeds")
def paper_seed_figures(ctx: FigureContext, out: SweepOutput, provenance: list[str], stem: str = "mtl_sweep_paper_seeds"):
    fs = sorted(set(out.grid.axes["n_byzantine"]))
    fig, axes = ctx.subplots(1, len(fs), figsize=(5.5 * len(fs), 3.4), sharey=True, squeeze=False)
    seeds = list(out.grid.fixed["first_seed"] + np.arange(out.grid.trials))
    for ax, F in zip(axes[0], fs):
        totals = {}
        s = ctx.family("series")
        for dev, color, dx, name in ((True, s.s1, -0.2, "authors' code (both deviations)"),
                                     (False, s.s2, 0.2, "correct rule")):
            rec = next((r for c, r in zip(out.cells, out.records)
                        if c.params["n_byzantine"] == F and c.params["deviations"] == dev), None)
            if rec is None:
                continue
            vals = [int(v) for v in rec["captured"]]
            ax.bar(np.arange(len(seeds)) + dx, vals, width=0.4, color=color, label=name if F == fs[0] else None)
            ax.plot(np.arange(len(seeds)) + dx, vals, "_", ms=8, color=color)      # a visible mark at 0 too
            totals[dev] = sum(vals)
        step = max(1, len(seeds) // 20)
        ax.set_xticks(range(0, len(seeds), step), [str(s) for s in seeds[::step]])
        ax.set_xlabel("seed of the authors' script")
        ax.set_title(f"F = {F}: captured in total {totals.get(True, '-')} (authors' code), "
                     f"{totals.get(False, '-')} (correct rule)", fontsize=9)
    axes[0][0].set_ylabel("normal agents captured")
    fig.legend(loc="upper center", ncol=2, bbox_to_anchor=(0.5, 1.1))
    _footer(fig, provenance)
    ctx.save(fig, stem)


@figure("mtl_sweep_byzantine", paper_ref="Li et al. 2020, target localization: resilience against F", order=310)
def sweep_byzantine(ctx: FigureContext) -> None:
    """Tail MSD of the four methods against F for both attacks (correct rule, 2 networks per point)."""
    out = run_serial("mtl_byzantine", n_byzantine=(0, 20, 40, 60, 80, 99), trials=2)
    byzantine_figures(ctx, out, ["byzmw sweep run mtl_byzantine --set n_byzantine=0,20,40,60,80,99 "
                                 "--set trials=2"])


@figure("mtl_sweep_paper_seeds", paper_ref="Li et al. 2020, target localization: the code deviations over seeds",
        order=311)
def sweep_paper_seeds(ctx: FigureContext) -> None:
    """Agents captured by the attackers, authors' code against the correct rule, seeds 0-9 of their script."""
    out = run_serial("mtl_paper_seeds")
    paper_seed_figures(ctx, out, ["byzmw sweep run mtl_paper_seeds"])
