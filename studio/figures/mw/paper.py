"""Knowlson et al., Figs. 1-7 and Table I in the paper-compatible mode (sim/mw/paper_compat.py).

Every file name ends in ``_paper``; the default mode (Algorithm 1) writes
``*_default`` (estimation.py) and the verification figures. Figs. 1-3 come from
traces of the kind ``robust_study_paper``; Figs. 4-7 and Table I from the
scripts' 100 cells with one trial each (the published setting), and Fig. 4's
honest-blacklisting summary also at 1,000 trials per cell; both through the sweep engine
(``knowlson_verification`` with ``variant=paper``, checkpoints under sweeps/knowlson_paper_<trials>).
"""

from __future__ import annotations

import numpy as np

from sim.mw import paper_compat as pc
from studio.figures import FigureContext, figure
from studio.figures.mw.estimation import MARKERS, styles, zoom_on_trajectories
from kit.traces import TraceSpec

FIG1 = TraceSpec("robust_study_paper", seed=0, params={"blacklist": True})
FIG1_NOBL = TraceSpec("robust_study_paper", seed=0, params={"blacklist": False})
BUGS = {bl: TraceSpec("robust_study_paper", seed=0, params={"blacklist": bl, "seed_bugs": True})
        for bl in (True, False)}
MWPY = ("mean", "mw_mean", "mom_mw_mean", "mom")
SEED = 0                    # SeedSequence of the sweep cells (trials 1..N-1; trial 0 is the scripts' own)
WILSON_TRIALS = 1000


def _params_line(p) -> str:
    return (f"paper-compatible mode (MW.py): n = {p['n_sources']}, 1/3 Byzantine at +5, η = {p['eta']:g} (exp update, "
            f"weights renormalised), τ = {p['tau']:g}, c = {p['c_k']:g}·median|x − median|, max-normalised residuals, "
            f"{p['runs']} runs averaged" + (", seed bugs ON" if p.get("seed_bugs") else ""))


# --------------------------------------------------------------------------- Figs. 1-3
@figure("knowlson_fig1_paper", paper_ref="Knowlson et al., Fig. 1 (a, b), paper-compatible mode", order=11)
def fig1(ctx: FigureContext) -> None:
    """Surviving sources' means and the four trajectories of MW.py's first (clipped-loss) run, with / without blacklisting."""
    col = ctx.colors
    sty = styles(col)
    fig, axes = ctx.subplots(1, 2, figsize=(12.5, 6.4))
    for ax, spec, bl in zip(axes, (FIG1, FIG1_NOBL), (True, False)):
        tr = ctx.trace(spec, f"knowlson_fig1_paper_{'bl' if bl else 'nobl'}")
        means, byz, mu = tr["source_means"], tr["is_byzantine"], tr["true_mean"]
        run = 0                                                     # the first run (clipped loss)
        alive = tr["blacklisted_at"][run] < 0
        for is_b, c, lab in ((False, col.honest, "honest sources"), (True, col.byzantine, "Byzantine sources")):
            sel = alive & (byz == is_b)
            ax.scatter(means[sel, 0], means[sel, 1], s=4, alpha=0.35, color=c, lw=0, label=lab, rasterized=True)
        names = tr.meta["estimators"]
        paths = {e: tr["estimates"][run, :, names.index(e)] for e in MWPY}
        ins = ax.inset_axes([0.54, 0.06, 0.44, 0.3])
        for a in (ax, ins):
            for e in MWPY:
                c, ls = sty[e]
                a.plot(paths[e][:, 0], paths[e][:, 1], ls, color=c, marker=MARKERS[e], ms=4, lw=1.4,
                       label=tr.meta["estimator_labels"][names.index(e)])
            a.plot(*mu, marker="*", ms=16 if a is ax else 12, color=col.text, mec=col.paper, label="true mean",
                   zorder=5, clip_on=a is ax)
        zoom_on_trajectories(ax, ins, np.concatenate([*paths.values(), mu[None]]), col)
        gone_b, gone_h = int((~alive & byz).sum()), int((~alive & ~byz).sum())
        ax.set_title(("(a) with blacklisting: surviving sources only\n"
                      f"({gone_b} of {int(byz.sum())} Byzantine, {gone_h} honest removed)") if bl
                     else "(b) without blacklisting\n(every source)", fontsize=10)
        ax.set_xlabel("coordinate 1")
        ax.set_aspect("equal", adjustable="datalim")
    axes[0].set_ylabel("coordinate 2")
    h, lab = axes[1].get_legend_handles_labels()
    fig.legend(h, lab, loc="lower center", ncol=7, fontsize=8.5, markerscale=1.5, bbox_to_anchor=(0.5, -0.01))
    import textwrap

    fig.suptitle("Fig. 1 (paper-compatible mode): source means and trajectories toward the true mean, run 1 (clipped loss)\n"
                 + textwrap.fill(_params_line(tr.params).rsplit(",", 1)[0], 150), fontsize=9.5)
    fig.subplots_adjust(bottom=0.14, top=0.82, wspace=0.12)
    ctx.save(fig, "knowlson_fig1_paper")


def _curves(ctx, ax, tr, bugs_tr=None):
    col = ctx.colors
    sty = styles(col)
    names = tr.meta["estimators"]
    rounds = np.arange(1, tr["curve"].shape[0] + 1)
    for e in MWPY:
        c, ls = sty[e]
        j = names.index(e)
        for r in range(tr["error"].shape[0]):
            ax.plot(rounds, tr["error"][r, :, j], color=c, lw=0.5, alpha=0.3)
        ax.plot(rounds, tr["curve"][:, j], ls, color=c, marker=MARKERS[e], ms=4, lw=1.8,
                label=f"{tr.meta['estimator_labels'][j]}: {tr['curve'][-1, j]:.3f}")
        if bugs_tr is not None:
            ax.plot(rounds, bugs_tr["curve"][:, j], ":", color=c, lw=1.3, alpha=0.9)
    ax.set_xticks(rounds)
    ax.set_xlabel("round")
    ax.set_ylabel("distance to the true mean")
    ax.set_ylim(0, 1.9)


def _error_figure(ctx: FigureContext, bl: bool) -> None:
    fig_no = 3 if bl else 2
    tr = ctx.trace(FIG1 if bl else FIG1_NOBL, f"knowlson_fig{fig_no}_paper_trace")
    bugs = ctx.trace(BUGS[bl], f"knowlson_fig{fig_no}_paper_bugs_trace")
    fig, ax = ctx.subplots(figsize=(9.6, 4.8))
    _curves(ctx, ax, tr, bugs)
    from matplotlib.lines import Line2D

    h, lab = ax.get_legend_handles_labels()
    h += [Line2D([], [], color=ctx.colors.muted, lw=0.6), Line2D([], [], color=ctx.colors.muted, ls=":", lw=1.3)]
    lab += ["single runs (thin)", "with the seed's two bugs (dotted)"]
    ax.legend(h, lab, loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=7.5, title="mean of the runs: end value",
              title_fontsize=7.5)
    paper = ("paper, round 10: mean and MoM ≈ 0.07, MW ≈ 0.19, MoM-guided ≈ 0.25" if bl else
             "paper: mean and MoM flat; MW falls fast; MoM-guided levels off and rises slightly")
    import textwrap

    ax.set_title(f"Fig. {fig_no} (paper-compatible mode) — {'with' if bl else 'without'} blacklisting\n{paper}\n"
                 + textwrap.fill(_params_line(tr.params), 110), fontsize=7.5)
    ctx.save(fig, f"knowlson_fig{fig_no}_paper")


@figure("knowlson_fig2_paper", paper_ref="Knowlson et al., Fig. 2, paper-compatible mode", order=21)
def fig2(ctx: FigureContext) -> None:
    """MW.py's error curves without blacklisting (mean of five runs; dotted: with the seed's bugs)."""
    _error_figure(ctx, False)


@figure("knowlson_fig3_paper", paper_ref="Knowlson et al., Fig. 3, paper-compatible mode", order=31)
def fig3(ctx: FigureContext) -> None:
    """MW.py's error curves with blacklisting (mean of five runs; dotted: with the seed's bugs)."""
    _error_figure(ctx, True)


# --------------------------------------------------------------------------- Figs. 4-7, Table I
PAPER_SETS = {"variant": "paper", "delta": 0.01, "c": 1.0}     # verification.py: pass = P(honest) <= 0.01/14


def paper_sweep(ctx: FigureContext, trials: int = 1):
    """The scripts' 100 cells in paper mode through the sweep engine (sweeps/knowlson_paper_<trials>)."""
    from sim.mw.verification import SWEEP

    return ctx.sweep(SWEEP, f"knowlson_paper_{trials}", sets=PAPER_SETS, trials=trials, seed=SEED)


def paper_cells(ctx: FigureContext, trials: int = 1) -> list:
    from sim.mw.verification import cell_results

    return cell_results(paper_sweep(ctx, trials))


def worst_honest(results) -> dict:
    """The cell with the highest P(honest below tau) and its Wilson 95% interval."""
    from sim.stats.intervals import wilson

    r = max(results, key=lambda r: (r.p_honest, -r.cell.index))
    lo, hi = wilson(r.honest_blacklisted, r.trials * r.n_honest, 0.95)
    return {"eta": r.cell.eta, "tau": r.cell.tau, "p": r.p_honest, "lo": lo, "hi": hi, "trials": r.trials,
            "k": r.honest_blacklisted, "n": r.trials * r.n_honest}


def honest_line(results) -> str:
    w = worst_honest(results)
    return (f"worst P(honest below τ) at {w['trials']:,} trial{'s' if w['trials'] > 1 else ''}/cell: {w['p']:.3f} "
            f"(η = {w['eta']:.2f}, τ = {w['tau']:.2f}; Wilson 95%: {w['lo']:.3f}–{w['hi']:.3f}); paper: 0.6")


SUB = "paper-compatible mode (verification.py): c = 1, fixed source means queried with noise 0.1"


@figure("knowlson_fig4_paper", paper_ref="Knowlson et al., Fig. 4, paper-compatible mode", order=51)
def fig4(ctx: FigureContext) -> None:
    """P(honest / Byzantine below tau) over tau (x) and eta (y), the scripts' one trial per cell."""
    from studio.figures.mw.verification import draw_fig4

    one, many = paper_cells(ctx, 1), paper_cells(ctx, WILSON_TRIALS)
    draw_fig4(ctx, one, "knowlson_fig4_paper",
              f"{SUB}\n{honest_line(one)}\n{honest_line(many)}")


@figure("knowlson_fig5_paper", paper_ref="Knowlson et al., Fig. 5, paper-compatible mode", order=61)
def fig5(ctx: FigureContext) -> None:
    """Weight curves of the scripts' best cell (pass first, then lowest P(honest))."""
    from studio.figures.mw.verification import draw_fig5

    res = paper_cells(ctx, 1)
    draw_fig5(ctx, res, "knowlson_fig5_paper", SUB, best=pc.paper_best(res))


@figure("knowlson_fig6_paper", paper_ref="Knowlson et al., Fig. 6, paper-compatible mode", order=71)
def fig6(ctx: FigureContext) -> None:
    """Empirical vs theoretical T per cell, the scripts' best cell starred."""
    from studio.figures.mw.verification import draw_fig6

    res = paper_cells(ctx, 1)
    draw_fig6(ctx, res, "knowlson_fig6_paper", SUB, best=pc.paper_best(res))


@figure("knowlson_fig7_paper", paper_ref="Knowlson et al., Fig. 7, paper-compatible mode", order=81)
def fig7(ctx: FigureContext) -> None:
    """Fit with the paper's cell rule against the ideal line and the exact T of loss 1."""
    from studio.figures.mw.verification import draw_fig7

    res = paper_cells(ctx, 1)
    draw_fig7(ctx, res, pc.paper_fit(res), "knowlson_fig7_paper", SUB + "; the paper's cell rule")


@figure("knowlson_table1_paper", paper_ref="Knowlson et al., Table I, paper-compatible mode", order=91)
def table1(ctx: FigureContext) -> None:
    """Table I with the paper's cell rule (equals the published one) and why it is so tight."""
    from studio.figures.mw.verification import draw_table1

    from sim.mw.verification import cell_results
    from studio.sweep.csvfiles import default_command, provenance

    out = paper_sweep(ctx, 1)
    res = cell_results(out)
    name = "knowlson_paper_1"
    draw_table1(ctx, res, pc.paper_fit(res), "knowlson_table1_paper", SUB + "; the paper's cell rule",
                provenance=provenance(out.sweep, out.grid, name, default_command(out.grid, name)))
