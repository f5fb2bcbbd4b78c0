"""The paper's target-localization figure (mean Loss over normal agents, min-max band, log axis) and the MSD.

Two modes: ``mtl_paper_*`` replays the authors' code (sim.mtl.paper_compat:
their seeding, draw order and both code deviations) and reproduces the
published series; ``mtl_default_*`` runs the correct loss rule from the
studio's seeding. Panels F = 0, 20 and 99; the same traces feed the scene.
"""

from __future__ import annotations

import numpy as np

from sim.mtl.rules import METHODS
from studio.figures import figure
from studio.figures.context import FigureContext
from kit.traces import TraceSpec

from .style import METHOD_NAME, method_colors

PANELS = (0, 20, 99)
DEFAULT_SEED = 2020


def paper_spec(F: int) -> TraceSpec:
    return TraceSpec("mtl_paper", seed=0, params={"n_byzantine": F})


def default_spec(F: int) -> TraceSpec:
    return TraceSpec("mtl_localization", seed=DEFAULT_SEED, params={"n_byzantine": F})


def band(values: np.ndarray, normal: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, min and max over normal agents of (method, iteration, agent) values."""
    v = values[:, :, normal]
    return v.mean(axis=2), v.min(axis=2), v.max(axis=2)


def draw(ctx: FigureContext, traces: dict, metric: str, stem: str, title: str) -> None:
    colors = method_colors(ctx.colors)
    fig, axes = ctx.subplots(1, len(traces), figsize=(11.0, 3.4), sharey=True)
    for ax, (F, tr) in zip(axes, traces.items()):
        normal = ~tr["is_byzantine"]
        vals = tr[metric]
        if metric == "msd":
            vals = 10 * np.log10(vals[:, :, normal])
            mean = 10 * np.log10(tr["msd"][:, :, normal].mean(axis=2))
            lo, hi = vals.min(axis=2), vals.max(axis=2)
        else:
            mean, lo, hi = band(vals, normal)
        it = np.arange(mean.shape[1])
        for j, m in enumerate(METHODS):
            ax.fill_between(it, lo[j], hi[j], color=colors[m], alpha=0.12, linewidth=0)
            ax.plot(it, mean[j], color=colors[m], label=METHOD_NAME[m])
        if metric == "loss":
            ax.set_yscale("log")
        ax.set_title(f"F = {F} Byzantine agents")
        ax.set_xlabel("iteration $i$")
        ax.set_xlim(0, it[-1])
    axes[0].set_ylabel("Loss" if metric == "loss" else "MSD (dB)")
    axes[-1].legend(loc="center left", bbox_to_anchor=(1.02, 0.5))
    fig.suptitle(title, fontsize=11, y=1.03)
    ctx.save(fig, stem)


def _paper_traces(ctx):
    return {F: ctx.trace(paper_spec(F), f"mtl_paper_F{F}") for F in PANELS}


def _default_traces(ctx):
    return {F: ctx.trace(default_spec(F), f"mtl_default_F{F}") for F in PANELS}


@figure("mtl_paper_loss", paper_ref="Li et al. 2020, target localization figure", order=300)
def paper_loss(ctx: FigureContext) -> None:
    """Mean Loss over normal agents (min-max band), four methods, F = 0/20/99: the authors' code replayed."""
    draw(ctx, _paper_traces(ctx), "loss", "mtl_paper_loss",
         "Target localization, paper-compatibility mode (authors' seeding and code deviations)")


@figure("mtl_paper_msd", paper_ref="Li et al. 2020, target localization (MSD)", order=301)
def paper_msd(ctx: FigureContext) -> None:
    """The same runs as MSD ||w_k - w°_k||^2 in dB (mean over normal agents, min-max band)."""
    draw(ctx, _paper_traces(ctx), "msd", "mtl_paper_msd",
         "Target localization, paper-compatibility mode: MSD")


@figure("mtl_default_loss", paper_ref="Li et al. 2020, target localization (correct rule)", order=302)
def default_loss(ctx: FigureContext) -> None:
    """Mean Loss with the correct loss rule (x_k, one self-update) and the studio's seeding."""
    draw(ctx, _default_traces(ctx), "loss", "mtl_default_loss",
         "Target localization, correct loss rule (default mode)")


@figure("mtl_default_msd", paper_ref="Li et al. 2020, target localization (correct rule, MSD)", order=303)
def default_msd(ctx: FigureContext) -> None:
    """MSD in dB with the correct loss rule and the studio's seeding."""
    draw(ctx, _default_traces(ctx), "msd", "mtl_default_msd",
         "Target localization, correct loss rule (default mode): MSD")
