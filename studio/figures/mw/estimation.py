"""Knowlson et al., Figs. 1-3 (robust mean estimation with MW) and a comparison across beta and strategy.

Every number comes from traces of the kinds ``robust_study`` and
``robust_sweep`` (sim/robust_study.py); docs/estimators.md lists the
commands and the numbers next to the paper's.
"""

from __future__ import annotations

import numpy as np

from studio.figures import FigureContext, figure
from kit.theme import theme
from kit.traces import TraceSpec

FIG1 = {bl: TraceSpec("robust_study", seed=11, params={"n_sources": 300, "trials": 1, "blacklist": bl})
        for bl in (True, False)}
FIG23 = {bl: TraceSpec("robust_study", seed=12, params={"n_sources": 100, "trials": 200, "blacklist": bl})
         for bl in (True, False)}
SWEEP = TraceSpec("robust_sweep", seed=13, params={"trials": 200, "blacklist": False})

MWPY = ("mean", "mw_mean", "mom_mw_mean", "mom")        # the four estimates MW.py reports
ESTIMATORS = ("mean", "mw_mean", "mom_mw_mean", "mom", "median", "trimmed_mean", "geometric_median")
MARKERS = {e: theme().markers[e] for e in ESTIMATORS}    # the same shapes as in the scenes (assets/theme.toml)
LINESTYLES = {"mean": "-", "mw_mean": "-", "mom_mw_mean": "-", "mom": "-", "median": "--", "trimmed_mean": ":",
              "geometric_median": "--"}


def styles(c=None) -> dict:
    """Colour and line style per estimator: the theme's estimator colours on paper (as in the scenes)."""
    est = theme().paper_estimators
    return {e: (getattr(est, e), LINESTYLES[e]) for e in ESTIMATORS}


def _params_line(p) -> str:
    c = f"c = {p['c_k']:g}·MAD" if p["c_mode"] == "mad" else f"c = {p['c_k']:g}·σ"
    return (f"n = {p['n_sources']}, β = {p['byz_fraction']:g} ({p['strategy']}), η = {p['eta']:g}, "
            f"τ = {p['tau']:g}, {c}, {p['loss']} loss, {p['update']} update, {p['buckets']} buckets")



def zoom_on_trajectories(ax, ins, points, col) -> None:
    """Fit the inset ``ins`` to ``points`` (with room for the star marker) and mark it on ``ax`` by a box only."""
    lo, hi = points.min(0), points.max(0)
    pad = 0.22 * (hi - lo).max() + 0.08            # room for the largest marker (the star) inside the inset
    ins.set_xlim(lo[0] - pad, hi[0] + pad)
    ins.set_ylim(lo[1] - pad, hi[1] + pad)
    ins.tick_params(labelsize=7)
    ins.set_title("zoom on the trajectories", fontsize=7.5, pad=2)
    zoom = ax.indicate_inset_zoom(ins, edgecolor=col.muted)
    for line in getattr(zoom, "connectors", None) or (zoom[1] if isinstance(zoom, tuple) else ()):
        line.set_visible(False)                    # the box says where; connector lines crossed panels

@figure("knowlson_fig1", paper_ref="Knowlson et al., Fig. 1 (a, b)", order=10)
def fig1(ctx: FigureContext) -> None:
    """Trajectories of the four estimates toward the true mean, with and without blacklisting."""
    col = ctx.colors
    sty = styles(col)
    fig, axes = ctx.subplots(1, 2, figsize=(11.5, 6.4), sharey=True)
    for ax, bl in zip(axes, (True, False)):
        tr = ctx.trace(FIG1[bl], f"knowlson_fig1_{'bl' if bl else 'nobl'}")
        x, byz = tr["x"][0], tr["is_byzantine"][0]
        names = tr.meta["estimators"]
        survived = tr["blacklisted_at"][0] < 0            # never blacklisted (all sources when blacklisting is off)
        for is_b, c, lab in ((False, col.honest, "honest reports"), (True, col.byzantine, "Byzantine reports")):
            sel = np.broadcast_to(survived & (byz == is_b), x.shape[:2])   # only the surviving sources are drawn
            ax.scatter(x[..., 0][sel], x[..., 1][sel], s=4, alpha=0.35, color=c, lw=0, label=lab, rasterized=True)
        gone_b, gone_h = int((~survived & byz).sum()), int((~survived & ~byz).sum())
        mu = tr["true_mean"]
        paths = {e: tr["estimates"][0, :, names.index(e)] for e in MWPY}
        ins = ax.inset_axes([0.52, 0.09, 0.46, 0.3])
        for a in (ax, ins):
            for e in MWPY:
                c, ls = sty[e]
                a.plot(paths[e][:, 0], paths[e][:, 1], ls, color=c, marker=MARKERS[e], ms=4, lw=1.4,
                       label=tr.meta["estimator_labels"][names.index(e)])
                a.plot(*paths[e][0], marker=MARKERS[e], ms=9, mfc="none", mec=c, mew=1.5)
            a.plot(*mu, marker="*", ms=16 if a is ax else 12, color=col.text, mec=col.paper, label="true mean",
                   zorder=5, clip_on=a is ax)
        zoom_on_trajectories(ax, ins, np.concatenate([*paths.values(), mu[None]]), col)
        ax.set_title(("(a) with" if bl else "(b) without") + " blacklisting"
                     + (f": surviving sources only\n({gone_b} Byzantine, {gone_h} honest blacklisted, not drawn)"
                        if bl else "\n(every source)"), fontsize=10)
        ax.set_xlabel("coordinate 1")
        ax.set_aspect("equal", adjustable="datalim")
    axes[0].set_ylabel("coordinate 2")
    h, lab = axes[1].get_legend_handles_labels()
    fig.legend(h, lab, loc="lower center", ncol=7, fontsize=8.5, markerscale=1.5, bbox_to_anchor=(0.5, -0.01))
    fig.suptitle("Fig. 1 — trajectory toward the true mean (large hollow marker: round 1)\n"
                 + _params_line(tr.params), fontsize=10)
    fig.subplots_adjust(bottom=0.14, top=0.84, wspace=0.08)
    ctx.save(fig, "knowlson_fig1_default")


def _error_figure(ctx: FigureContext, bl: bool, stem: str, paper: str) -> None:
    col = ctx.colors
    sty = styles(col)
    tr = ctx.trace(FIG23[bl], f"{stem}_trace")
    names = tr.meta["estimators"]
    err = tr["error"]                                           # (trial, round, estimator)
    rounds = np.arange(1, err.shape[1] + 1)
    fig, ax = ctx.subplots(figsize=(6.8, 4.4))
    for e in MWPY:
        v = err[:, :, names.index(e)]
        m = v.mean(0)
        half = 1.96 * v.std(0, ddof=1) / np.sqrt(v.shape[0])
        c, ls = sty[e]
        ax.fill_between(rounds, m - half, m + half, color=c, alpha=0.22, lw=0)
        ax.plot(rounds, m, ls, color=c, marker=MARKERS[e], ms=4, label=tr.meta["estimator_labels"][names.index(e)])
    ax.set_xlabel("round t")
    ax.set_ylabel("distance to the true mean (mean over trials)")
    ax.set_xticks(rounds)
    ax.set_ylim(bottom=0)
    ax.set_title(f"{paper} (default mode: Algorithm 1) — {'with' if bl else 'without'} blacklisting; {err.shape[0]} trials, 95% CI bands\n"
                 + _params_line(tr.params), fontsize=8.5)
    ax.legend(loc="lower left", framealpha=0.9)
    ctx.save(fig, stem)


@figure("knowlson_fig2", paper_ref="Knowlson et al., Fig. 2", order=20)
def fig2(ctx: FigureContext) -> None:
    """Error against round without blacklisting, averaged over trials, with 95% confidence bands."""
    _error_figure(ctx, False, "knowlson_fig2_default", "Fig. 2")


@figure("knowlson_fig3", paper_ref="Knowlson et al., Fig. 3", order=30)
def fig3(ctx: FigureContext) -> None:
    """Error against round with blacklisting, averaged over trials, with 95% confidence bands."""
    _error_figure(ctx, True, "knowlson_fig3_default", "Fig. 3")


@figure("estimator_comparison", paper_ref="beyond the paper: every estimator vs beta and strategy", order=40)
def comparison(ctx: FigureContext) -> None:
    """Final error of every estimator against the Byzantine fraction, one panel per strategy."""
    col = ctx.colors
    sty = styles(col)
    tr = ctx.trace(SWEEP, "estimator_comparison")
    err, fr = tr["final_error"], tr["fractions"]             # (strategy, fraction, estimator, trial)
    names, strategies = tr.meta["estimators"], tr.meta["strategies"]
    finite = np.isfinite(err)
    top = np.nanmax(np.where(finite, err, np.nan))
    fig, axes = ctx.subplots(2, 3, figsize=(12.5, 7.2), sharex=True, sharey=True)
    for ax, (i, s) in zip(axes.flat, enumerate(strategies)):
        for j, e in enumerate(names):
            v = err[i, :, j]
            with np.errstate(invalid="ignore"):  # inf errors (broken mean) make inf/NaN quantiles: shown hollow
                med = np.median(v, axis=-1)
                lo, hi = np.percentile(v, 25, axis=-1), np.percentile(v, 75, axis=-1)
            c, ls = sty[e]
            shown = np.where(np.isfinite(med), med, np.nan)
            ax.plot(fr, shown, ls, color=c, marker=MARKERS[e], ms=3.5, lw=1.3, label=tr.meta["estimator_labels"][j])
            ok = np.isfinite(lo) & np.isfinite(hi)
            ax.fill_between(fr, np.where(ok, lo, np.nan), np.where(ok, hi, np.nan), color=c, alpha=0.08, lw=0)
            broke = ~np.isfinite(med)
            if broke.any():
                ax.plot(fr[broke], np.full(broke.sum(), top * 2), linestyle="none", marker=MARKERS[e], ms=5,
                        mfc="none", mec=c)
        ax.set_title(s, fontsize=10)
        if s == "nonfinite":
            from matplotlib.lines import Line2D

            ax.legend(handles=[Line2D([], [], ls="none", marker="o", ms=6, mfc="none", mec=col.text,
                                      label="hollow marker at the top: median error is\n"
                                            "non-finite (NaN/inf reached the estimate)")],
                      loc="center right", fontsize=7, framealpha=0.95)
        ax.set_yscale("log")
        ax.axvline(0.25, color=col.grid, lw=1, ls=":")
    for ax in axes[-1]:
        ax.set_xlabel("Byzantine fraction β")
    for ax in axes[:, 0]:
        ax.set_ylabel("final error (median, IQR band)")
    axes[0, 0].legend(loc="upper left", fontsize=7)
    p = tr.params
    fig.suptitle(f"Final-round error of every estimator; {p['trials']} trials per cell, n = {p['n_sources']}, "
                 f"T = {p['rounds']}, η = {p['eta']:g}, τ = {p['tau']:g}, c = {p['c_k']:g}·MAD, "
                 f"blacklisting {'on' if p['blacklist'] else 'off'} (dotted: β = 1/4)", fontsize=10)
    ctx.save(fig, "estimator_comparison")
