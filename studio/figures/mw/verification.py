"""Knowlson et al., Figs. 4-7 and Table I: the figures of the ``knowlson_verification`` sweep.

:func:`sweep_figures` is the figure function the sweep declares: the engine
(``byzmw sweep run knowlson_verification ...``) calls it with the
finished sweep and it draws every figure per eta x tau slice. The registered
paper figures run (or reuse, from its checkpoints) the default sweep
``sweeps/knowlson_default`` -- the grid of the seed's verification.py: eta and
tau each linspace(0.01, 0.1, 10), 20 sources, 30% Byzantine at distance 5,
50 rounds, 1,000 trials per cell -- through :meth:`FigureContext.sweep`.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from matplotlib.colors import LinearSegmentedColormap

from sim.core.files import atomic_write
from sim.core.sweeps import SweepOutput
from sim.mw.mw_engine import NEVER
from sim.mw.verification import (PAPER_TABLE1 as PAPER, SWEEP, CellResult, LineFit, best_cell, cell_results, exact_T,
                                       fit_line, fits, slice_label, slices)

from studio.figures import figure, figures_for_sweep
from studio.figures.context import FigureContext
from studio.sweep.csvfiles import csv_bytes, default_command, provenance

DEFAULT_NAME = "knowlson_default"
DEFAULT_TRIALS = 1000     # the grid of verification.py; everything else at its default


def default_sweep(ctx: FigureContext) -> tuple[list[CellResult], LineFit, SweepOutput]:
    """The default sweep's results, line fit and output, computed once and then reused from its checkpoints."""
    out = ctx.sweep(SWEEP, DEFAULT_NAME, trials=DEFAULT_TRIALS)
    res = cell_results(out)
    return res, fit_line(res), out


# --------------------------------------------------------------------------- helpers
def _cmap(ctx, *names):
    return LinearSegmentedColormap.from_list("_".join(names), [getattr(ctx.colors, n) for n in names])


def _grid(results: Sequence[CellResult], value) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """z[eta row, tau column]: the paper's Fig. 4 has tau on the x axis and eta on the y axis (origin lower left)."""
    etas = sorted({r.cell.eta for r in results})
    taus = sorted({r.cell.tau for r in results})
    z = np.full((len(etas), len(taus)), np.nan)
    for r in results:
        z[etas.index(r.cell.eta), taus.index(r.cell.tau)] = value(r)
    return np.array(etas), np.array(taus), z


def _ticks(ax, etas, taus):
    step_x = max(1, len(taus) // 10)
    step_y = max(1, len(etas) // 10)
    ax.set_xticks(range(0, len(taus), step_x), [f"{v:.3g}" for v in taus[::step_x]], rotation=45)
    ax.set_yticks(range(0, len(etas), step_y), [f"{v:.3g}" for v in etas[::step_y]])
    ax.set_xlabel(r"threshold $\tau$")
    ax.set_ylabel(r"learning rate $\eta$")
    ax.grid(False)


def _pct(v: float) -> str:
    """Probability in a heatmap cell: 0, 1, .xx, or <.01 / >.99 when rounding would hide it."""
    if v == 0 or v == 1:
        return f"{v:.0f}"
    if v < 0.005:
        return "<.01"
    if v > 0.995:
        return ">.99"
    return f"{v:.2f}".lstrip("0")


def _sub(title: str, subtitle: str, width: int = 100) -> str:
    import textwrap

    sub = "\n".join(textwrap.fill(line, width) for line in subtitle.splitlines())
    return f"{title}\n{sub}" if subtitle else title


# --------------------------------------------------------------------------- Fig. 4
def draw_fig4(ctx: FigureContext, results, stem: str, subtitle: str = ""):
    """Heatmaps of P(honest blacklisted) and P(Byzantine blacklisted) over eta x tau."""
    fig, axes = ctx.subplots(1, 2, figsize=(11.5, 4.6), gridspec_kw={"wspace": 0.38})
    n_cells = len(results)
    fs = 6 if n_cells <= 144 else 0
    for ax, (label, fn, cmap) in zip(axes, (
            ("P(honest source blacklisted)", lambda r: r.p_honest, _cmap(ctx, "paper", "text")),
            ("P(Byzantine source blacklisted)", lambda r: r.p_byz, _cmap(ctx, "paper", "text")))):
        etas, taus, z = _grid(results, fn)
        im = ax.imshow(z, origin="lower", cmap=cmap, vmin=0, vmax=1, aspect="auto")
        _ticks(ax, etas, taus)
        ax.set_title(label)
        if fs:
            for i in range(z.shape[0]):
                for j in range(z.shape[1]):
                    if np.isfinite(z[i, j]):
                        ax.text(j, i, _pct(z[i, j]),
                                ha="center", va="center", fontsize=fs,
                                color=ctx.colors.paper if z[i, j] > 0.6 else ctx.colors.text)
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.03)
    # outline the cells that meet both targets
    etas, taus, ok = _grid(results, lambda r: float(r.meets_targets))
    for ax in axes:
        for i, j in zip(*np.nonzero(ok == 1)):
            ax.add_patch(__import__("matplotlib.patches", fromlist=["Rectangle"]).Rectangle(
                (j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor=ctx.colors.threshold, linewidth=0.9))
    r0 = results[0]
    title = _sub(f"Fig. 4: blacklisting probabilities, {r0.trials} trial{'s' if r0.trials > 1 else ''} per cell "
                 f"(outlined: meets both targets)", subtitle, width=150)
    fig.suptitle(title, fontsize=11, y=1.0 + 0.045 * title.count("\n") if subtitle else 0.99)
    return ctx.save(fig, stem)


# --------------------------------------------------------------------------- Fig. 5
def draw_fig5(ctx: FigureContext, results, stem: str, subtitle: str = "", best=None):
    """Best cell (``best``, default best_cell): honest and Byzantine weight curves on a log axis, tau, both T's."""
    b = best_cell(results) if best is None else best
    c = ctx.colors
    fig, ax = ctx.subplots(figsize=(10.2, 4.6))
    t = np.arange(b.rounds + 1)
    for i, w in enumerate(b.example_w):
        ax.plot(t, w, color=c.byzantine if b.is_byz[i] else c.honest, alpha=0.28, linewidth=0.8)
    ax.fill_between(t, *b.q_honest, color=c.honest, alpha=0.12, linewidth=0)
    ax.fill_between(t, *b.q_byz, color=c.byzantine, alpha=0.12, linewidth=0)
    ax.plot(t, b.mean_honest, color=c.honest, linewidth=2.4, label="average honest weight (mean over trials)")
    ax.plot(t, b.mean_byz, color=c.byzantine, linewidth=2.4, linestyle="--",
            label="average Byzantine weight (mean over trials)")
    ax.axhline(b.cell.tau, color=c.threshold, linestyle=":", linewidth=1.3, label=fr"threshold $\tau$ = {b.cell.tau:.3g}")
    st = b.T_stats()
    if math.isfinite(st["T_emp_mean"]):
        ax.axvline(st["T_emp_mean"], color=c.measured, linewidth=1.6,
                   label=f"empirical T = {st['T_emp_mean']:.1f} (range {st['T_emp_min']:.0f}-{st['T_emp_max']:.0f})")
    ax.axvline(b.T_theory, color=c.theory, linestyle="--", linewidth=1.6,
               label=r"theoretical T = $\lceil \frac{1}{\eta}\ln\frac{1}{\tau}\rceil$" + f" = {b.T_theory}")
    ax.set_yscale("log")
    ax.set_xlim(0, max(b.rounds, b.T_theory + 1))        # the theoretical T may lie past the last round
    ax.set_ylim(min(b.cell.tau / 4, np.nanmin(b.example_w) * 0.8), 1.25)
    ax.set_xlabel("round t")
    ax.set_ylabel("weight w(t) (log scale)")
    ax.set_title(_sub(f"Fig. 5: best weight curves, honest vs Byzantine (best cell: η = {b.cell.eta:.3g}, "
                      f"τ = {b.cell.tau:.3g})\nthin lines: the sources of trial 1; bands: 5-95% over "
                      f"{b.trials} trials", subtitle), fontsize=9.5)
    ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=7.5)
    return ctx.save(fig, stem)


# --------------------------------------------------------------------------- Fig. 6
def draw_fig6(ctx: FigureContext, results, stem: str, subtitle: str = "", best=None):
    """Empirical against theoretical T per cell, coloured by the confidence score; censored cells at 0."""
    c = ctx.colors
    fig, ax = ctx.subplots(figsize=(7.2, 4.8))
    cmap = _cmap(ctx, "byzantine", "estimate", "honest")
    xt = np.array([r.T_theory for r in results], float)
    st = [r.T_stats() for r in results]
    ym = np.array([s["T_emp_mean"] for s in st])
    full = np.array([r.reached == r.trials for r in results])
    score = np.array([r.score for r in results])
    meets = np.array([r.meets_targets for r in results])
    lo = np.array([s["T_emp_p05"] for s in st])
    hi = np.array([s["T_emp_p95"] for s in st])
    ok = full & np.isfinite(ym)
    bars = ok & (hi > lo)
    if bars.any():                              # 5-95% of the per-trial T, drawn over the markers' edges
        ax.errorbar(xt[bars], ym[bars], yerr=[ym[bars] - lo[bars], hi[bars] - ym[bars]], fmt="none",
                    ecolor=c.text, elinewidth=1.0, capsize=2.5, capthick=1.0, alpha=0.75, zorder=4,
                    label="5-95% of empirical T over trials")
    sc = ax.scatter(xt[ok & meets], ym[ok & meets], c=score[ok & meets], cmap=cmap, vmin=0, vmax=1, s=30,
                    edgecolors=c.text, linewidths=0.5, zorder=3, label="meets both targets")
    ax.scatter(xt[ok & ~meets], ym[ok & ~meets], c=score[ok & ~meets], cmap=cmap, vmin=0, vmax=1, s=30, marker="s",
               edgecolors=c.muted, linewidths=0.5, zorder=3, label="misses a target")
    cens = ~ok
    rounds = results[0].rounds
    xmax = min(float(xt.max()) * 1.05, 1.6 * rounds)
    off = int((xt > xmax).sum())
    ax.scatter(xt[cens], np.zeros(cens.sum()), c=score[cens], cmap=cmap, vmin=0, vmax=1, marker="x", s=22,
               linewidths=1.0, zorder=2, label="never below tau in some trial (plotted at 0"
                                               + (f"; {off} more beyond T = {xmax:.0f})" if off else ")"))
    top = max(rounds, float(np.nanmax(ym)) if np.isfinite(ym).any() else rounds) * 1.08
    ax.plot([0, top], [0, top], color=c.text, linestyle="--", linewidth=1.0, label="ideal: empirical = theoretical")
    ax.axhline(rounds, color=c.muted, linestyle=":", linewidth=0.9)
    ax.text(0.5, rounds, f" {rounds} rounds simulated", va="bottom", fontsize=7, color=c.muted)
    b = best_cell(results) if best is None else best
    bt = b.T_stats()["T_emp_mean"]
    if math.isfinite(bt):                       # hollow, outside the colour map: not a confidence value
        ax.scatter([b.T_theory], [bt], marker="*", s=320, facecolors="none", edgecolors=c.text, linewidths=1.4,
                   zorder=5, label=f"best cell (η = {b.cell.eta:.2g}, τ = {b.cell.tau:.2g})")
        ax.annotate("best", (b.T_theory, bt), xytext=(-8, 10), textcoords="offset points", fontsize=8,
                    color=c.text, ha="right")
    ax.set_xlim(0, xmax)
    ax.set_ylim(-3, top)
    fig.colorbar(sc, ax=ax, label="confidence score\nP(Byz caught) (1 − P(honest blacklisted))")
    ax.set_xlabel(r"theoretical T = $\lceil \frac{1}{\eta}\ln\frac{1}{\tau}\rceil$")
    ax.set_ylabel("empirical T (mean over trials; bar: 5-95%)")
    ax.set_title(_sub("Fig. 6: empirical vs theoretical rounds to blacklist", subtitle))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize=7.5)
    return ctx.save(fig, stem)


# --------------------------------------------------------------------------- Fig. 7 and the error histogram
def draw_fig7(ctx: FigureContext, results, fit: LineFit, stem: str, subtitle: str = ""):
    """Mean empirical T of the cells used against (1/eta) ln(1/tau): fitted line and ideal line."""
    c = ctx.colors
    fig, ax = ctx.subplots(figsize=(6.8, 4.6))
    inc = [r for r in results if r.cell.index in set(fit.included)]
    xs = np.array([r.x_theory for r in inc])
    ys = np.array([r.T_stats()["T_emp_mean"] for r in inc])
    rule = getattr(fit, "note", "") or "cells meeting the targets"
    ax.scatter(xs, ys, s=22, color=c.measured, edgecolors=c.text, linewidths=0.4, zorder=3,
               label=f"empirical data ({rule}, n = {len(inc)})")
    if inc:                                      # the exact round for loss 1 every round, per cell, joined by x
        order = np.argsort(xs)
        ex = np.array([exact_T(r.cell.eta, r.cell.tau) for r in inc], float)[order]
        ax.plot(xs[order], ex, color=c.theory, linewidth=0.9, marker="+", ms=7, zorder=4,
                label=r"exact T = $\lfloor \ln\tau / \ln(1-\eta) \rfloor + 1$ (loss 1 every round)")
    top = max(float(xs.max()) if xs.size else 1.0, float(ys.max()) if ys.size else 1.0) * 1.08
    grid = np.linspace(0, top, 50)
    ax.plot(grid, grid, color=c.text, linestyle="--", linewidth=1.2, label="ideal line y = x")
    if math.isfinite(fit.slope):
        ax.plot(grid, fit.slope * grid + fit.intercept, color=ctx.family("series").s1, linewidth=1.6,
                label=f"best fit: y = {fit.slope:.4f} x {'+' if fit.intercept >= 0 else '-'} {abs(fit.intercept):.4f}"
                      f"   (R² = {fit.r2:.4f})")
    else:
        ax.text(0.5, 0.5, fit.note, transform=ax.transAxes, ha="center", color=c.muted)
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_xlabel(r"theoretical T = $\frac{1}{\eta}\ln\frac{1}{\tau}$")
    ax.set_ylabel("empirical T (mean over trials)")
    ax.set_title(_sub("Fig. 7: MW convergence, empirical vs theoretical T "
                      f"(paper: y = {PAPER['slope']} x {PAPER['intercept']}, R² = {PAPER['r2']})", subtitle),
                 fontsize=9.5)
    ax.legend(loc="upper left", fontsize=7.5)
    return ctx.save(fig, stem)


def draw_errors(ctx: FigureContext, results, fit: LineFit, stem: str, subtitle: str = ""):
    """Histogram of empirical - theoretical T, per trial, over the cells used in the fit."""
    c = ctx.colors
    inc = [r for r in results if r.cell.index in set(fit.included)]
    fig, ax = ctx.subplots(figsize=(6.8, 3.8))
    if inc:
        err = np.concatenate([r.T_emp[r.T_emp != NEVER] - r.T_theory for r in inc]).astype(float)
        cell_err = np.array([r.T_stats()["T_emp_mean"] - r.T_theory for r in inc])
        bins = np.arange(np.floor(min(err.min(), cell_err.min())) - 0.5, np.ceil(max(err.max(), cell_err.max())) + 1.5)
        ax.hist(err, bins=bins, color=c.measured, alpha=0.55, density=True, rwidth=0.9,
                label=f"per trial ({err.size} trials in {len(inc)} cells)")
        ax.hist(cell_err, bins=bins, color=ctx.family("series").s1, density=True, histtype="step", linewidth=2.2,
                label="per cell (mean over trials)")
        ax.axvline(err.mean(), color=ctx.family("series").s2, linewidth=1.4, label=f"mean error {err.mean():+.2f} rounds")
        ax.axvline(0, color=c.text, linestyle="--", linewidth=1.0)
    ax.set_xlabel(r"empirical T $-$ theoretical T = $\lceil \frac{1}{\eta}\ln\frac{1}{\tau}\rceil$ (rounds)")
    ax.set_ylabel("fraction")
    ax.set_title(_sub("Error of the theoretical blacklisting time", subtitle))
    ax.legend(loc="upper left", fontsize=7.5)
    return ctx.save(fig, stem)


# --------------------------------------------------------------------------- Table I
def table_rows(fit: LineFit) -> list[dict]:
    return [{"metric": "Slope", "value": fit.slope, "stderr": fit.slope_stderr, "paper": PAPER["slope"]},
            {"metric": "Intercept", "value": fit.intercept, "stderr": fit.intercept_stderr,
             "paper": PAPER["intercept"]},
            {"metric": "R2", "value": fit.r2, "stderr": math.nan, "paper": PAPER["r2"]},
            {"metric": "cells in fit", "value": fit.n_points, "stderr": math.nan, "paper": math.nan}]


WHY_TIGHT = ("Why the fit is so tight: in the sweep every Byzantine loss is 1 (reports ~5 away, farther than c), so the average "
             "Byzantine weight is exactly (1 - eta)^t and the empirical T is floor(ln tau / ln(1 - eta)) + 1 in every "
             "fitted cell: Table I measures how well (1/eta) ln(1/tau) approximates that integer.")


def draw_table1(ctx: FigureContext, results, fit: LineFit, stem: str, subtitle: str = "",
                provenance: Sequence[str] = ()):
    """Table I rendered (metric, this run, paper), plus a CSV next to the PNG/PDF, and why the fit is tight."""
    import textwrap

    rows = table_rows(fit)
    fig, ax = ctx.subplots(figsize=(5.6, 2.9))
    ax.axis("off")
    f = lambda v, d=4: "" if isinstance(v, float) and math.isnan(v) else (f"{v:.{d}f}" if isinstance(v, float) else str(v))  # noqa: E731
    cell_text = [[r["metric"].replace("R2", "R²"), f(r["value"]) + (f" ± {r['stderr']:.4f}" if math.isfinite(r["stderr"]) else ""),
                  f(r["paper"])] for r in rows]
    tab = ax.table(cellText=cell_text, colLabels=["Metric", "This run", "Paper (Table I)"], loc="center",
                   cellLoc="left", colLoc="left", colWidths=[0.3, 0.42, 0.28])
    tab.auto_set_font_size(False)
    tab.set_fontsize(9)
    tab.scale(1, 1.35)
    for (i, _), cell in tab.get_celld().items():
        cell.set_edgecolor(ctx.colors.grid)
        if i == 0:
            cell.set_text_props(weight="bold", color=ctx.colors.text)
    r0 = results[0]
    ax.set_title(_sub(f"Table I: line fit of empirical T on (1/η) ln(1/τ); {r0.trials} trial{'s' if r0.trials > 1 else ''} "
                      "per cell", subtitle),
                 fontsize=9)
    fig.text(0.5, 0.02, textwrap.fill(WHY_TIGHT.replace("eta", "η").replace("tau", "τ"), 100), ha="center",
             va="bottom", fontsize=6.5, color=ctx.colors.muted)
    fig.subplots_adjust(bottom=0.2)
    out = ctx.save(fig, stem)
    p = ctx.out_dir / f"{stem}.csv"
    atomic_write(p, csv_bytes(["Table I: least-squares line of mean empirical T on (1/eta) ln(1/tau)",
                               f"cells: {getattr(fit, 'note', '') or 'meeting both targets'}", WHY_TIGHT,
                               *provenance], rows))
    ctx.written.append(p)
    return out + [p]


def draw_all(ctx: FigureContext, results, fit: LineFit, suffix: str = "", subtitle: str = "",
             provenance: Sequence[str] = (), best=None):
    """Every per-sweep figure of one eta x tau slice (``best``: the cell of Figs. 5-6, default best_cell)."""
    draw_fig4(ctx, results, f"fig4_heatmaps{suffix}", subtitle)
    draw_fig5(ctx, results, f"fig5_weight_curves{suffix}", subtitle, best=best)
    draw_fig6(ctx, results, f"fig6_emp_vs_theory{suffix}", subtitle, best=best)
    draw_fig7(ctx, results, fit, f"fig7_fit{suffix}", subtitle)
    draw_errors(ctx, results, fit, f"fig7_errors{suffix}", subtitle)
    draw_table1(ctx, results, fit, f"table1{suffix}", subtitle, provenance)


@figures_for_sweep("knowlson_verification")
def sweep_figures(ctx: FigureContext, out: SweepOutput, provenance: Sequence[str]) -> None:
    """The figure function of the knowlson_verification sweep: every figure, one set per eta x tau slice."""
    results = cell_results(out)
    fitted = fits(results)
    many = len(fitted) > 1
    paper = out.grid.fixed.get("variant") == "paper"
    if paper:                                   # the scripts' "best" cell: pass first, then lowest P(honest)
        from sim.mw.paper_compat import paper_best
    for i, (key, group) in enumerate(slices(results).items()):
        sub = " ".join(s for s in (slice_label(key) if many else "", "paper-compatible mode" if paper else "") if s)
        draw_all(ctx, group, fitted[key], suffix=f"_slice{i}" if many else "", subtitle=sub, provenance=provenance,
                 best=paper_best(group) if paper else None)


# --------------------------------------------------------------------------- registered paper figures
@figure("knowlson_fig4", paper_ref="Knowlson et al., Fig. 4", order=50)
def fig4(ctx: FigureContext) -> None:
    """P(honest blacklisted) and P(Byzantine blacklisted) over the eta x tau grid."""
    draw_fig4(ctx, default_sweep(ctx)[0], "knowlson_fig4_default")


@figure("knowlson_fig5", paper_ref="Knowlson et al., Fig. 5", order=60)
def fig5(ctx: FigureContext) -> None:
    """Best weight curves, honest vs Byzantine, with tau and both T's."""
    draw_fig5(ctx, default_sweep(ctx)[0], "knowlson_fig5_default")


@figure("knowlson_fig6", paper_ref="Knowlson et al., Fig. 6", order=70)
def fig6(ctx: FigureContext) -> None:
    """Empirical vs theoretical rounds to blacklist, coloured by confidence."""
    draw_fig6(ctx, default_sweep(ctx)[0], "knowlson_fig6_default")


@figure("knowlson_fig7", paper_ref="Knowlson et al., Fig. 7", order=80)
def fig7(ctx: FigureContext) -> None:
    """Fitted line against the ideal line (and the error histogram, knowlson_fig7_errors)."""
    results, fit, _ = default_sweep(ctx)
    draw_fig7(ctx, results, fit, "knowlson_fig7_default")
    draw_errors(ctx, results, fit, "knowlson_fig7_errors_default")


@figure("knowlson_table1", paper_ref="Knowlson et al., Table I", order=90)
def table1(ctx: FigureContext) -> None:
    """Slope, intercept and R² of the line fit (CSV and rendered table)."""
    results, fit, out = default_sweep(ctx)
    draw_table1(ctx, results, fit, "knowlson_table1_default",
                provenance=provenance(out.sweep, out.grid, DEFAULT_NAME, default_command(out.grid, DEFAULT_NAME)))
