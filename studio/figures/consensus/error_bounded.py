"""Figures of the error-bounded blacklisting protocol (Knowlson et al., Sec. III.B): one per sweep.

``*_figures(ctx, out, provenance)`` draw a finished sweep (the engine calls them by the dotted name the
sweep declares); the registered ``consensus_*`` figures run a modest sweep in-process (run_serial, 200
trials, small networks) for ``make figures``. docs/consensus.md gives the full-size commands and numbers.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from sim.consensus.error_bounded import queries_per_source, union_bound
from sim.consensus.sweeps import predicted_bias
from sim.core.sweeps import SweepOutput, run_serial
from studio.figures import FigureContext, figure, figures_for_sweep

STRATEGY_LABELS = {"shift": "shift (constant)", "random": "random in [0, 1]", "equivocate": "equivocate (\u00b1shift)",
                   "just_inside": "just inside 2\u03b5/3"}


def strategy_colors(c=None) -> dict:
    """The attacks family of the theme (paper)."""
    from kit.theme import theme

    return dict(theme().family("attacks", "paper"))


STRATEGY_MARKS = {"shift": ("s", "-"), "random": ("D", "-"), "equivocate": ("o", "--"), "just_inside": ("^", "-")}


def series_colors(c=None) -> list:
    """The series family of the theme (paper), in order."""
    from kit.theme import theme

    return list(theme().family("series", "paper").values())


def _rows(out: SweepOutput) -> list[dict]:
    return out.rows()


def _fixed(out: SweepOutput, *names) -> str:
    f = out.grid.fixed
    return ", ".join(f"{n} = {f[n]:g}" if isinstance(f[n], float) else f"{n} = {f[n]}" for n in names if n in f)


def _err(rows, stem):
    v = np.array([r[stem] for r in rows])
    return v, np.vstack([v - np.array([r[stem + "_lo"] for r in rows]), np.array([r[stem + "_hi"] for r in rows]) - v])


def _strategy_curve(ax, col, rows, strategy: str, x: str, stem: str) -> list:
    """Strategy's ``stem`` (with its 95% interval) against ``x``, in its colour and marks; its rows, sorted by x."""
    rs = sorted([r for r in rows if r["strategy"] == strategy], key=lambda r: r[x])
    y, yerr = _err(rs, stem)
    mk, ls = STRATEGY_MARKS[strategy]
    ax.errorbar(np.array([r[x] for r in rs]), y, yerr=yerr, color=strategy_colors(col)[strategy], marker=mk, ls=ls,
                ms=4, capsize=2, label=STRATEGY_LABELS[strategy])
    return rs


# --------------------------------------------------------------------------- honest peers wrongly blacklisted
@figures_for_sweep("eb_honest_blacklisted")
def honest_blacklisted_figures(ctx: FigureContext, out: SweepOutput, provenance: Sequence[str] = (),
                               stem: str = "eb_honest_blacklisted") -> None:
    col = ctx.colors
    rows = _rows(out)
    g = out.grid
    n, k, c = g.fixed["n_sources"], g.fixed["n_peers"], g.fixed["c"]
    fig, ax = ctx.subplots(figsize=(7.2, 4.4))
    for e, color in zip(g.axes["eps"], series_colors(col)):
        rs = sorted([r for r in rows if r["eps"] == e], key=lambda r: r["C"])
        C = np.array([r["C"] for r in rs])
        y, yerr = _err(rs, "p_any_wrong")
        ax.errorbar(C, y, yerr=yerr, color=color, marker="o", ms=4, capsize=2, label=f"measured, \u03b5 = {e:g}")
    e0 = g.axes["eps"][0]
    Cs = np.geomspace(min(g.axes["C"]) / 1.2, max(max(g.axes["C"]) * 1.2, 60), 200)
    ub = [union_bound(queries_per_source(n, k, e0, C, c), e0, n * k) for C in Cs]
    ax.plot(Cs, ub, "--", color=col.text, label="paper's guarantee: union bound on P(some estimate outside \u03b5/3)")
    start = next((C for C, u in zip(Cs, ub) if u <= 1 / n), None)
    if start is not None:
        ax.axvline(start, color=col.muted, ls=":", lw=1.2)
        ax.text(start, 0.55, f" bound \u2264 1/n\n from C \u2248 {start:.0f}", color=col.muted, fontsize=8)
    ax.set_xscale("log")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("query constant C   (m = \u2308C (c ln n + ln k) / \u03b5\u00b2\u2309)")
    ax.set_ylabel("P(some honest peer wrongly blacklisted)")
    ax.set_title(f"Honest peers wrongly blacklisted (n = {n}, k = {k}, c = {c:g}; {g.trials} trials per point, "
                 "95% Wilson)", fontsize=9.5)
    ax.legend(loc="lower left", fontsize=7.5)
    ctx.save(fig, stem)


# --------------------------------------------------------------------------- Byzantine peers caught
@figures_for_sweep("eb_byzantine_caught")
def byzantine_caught_figures(ctx: FigureContext, out: SweepOutput, provenance: Sequence[str] = (),
                             stem: str = "eb_byzantine_caught") -> None:
    col = ctx.colors
    rows = _rows(out)
    g = out.grid
    eps = g.fixed["eps"]
    fig, ax = ctx.subplots(figsize=(7.2, 4.4))
    for s in g.axes["strategy"]:
        _strategy_curve(ax, col, rows, s, "shift", "p_caught")
    ax.axvline(eps, color=col.text, ls="--", lw=1.2)
    ax.text(eps, 0.45, "  \u03b5: beyond it a shifted report is\n  caught by every honest peer\n  (triangle argument)",
            color=col.text, fontsize=7.5)
    ax.axvline(eps / 3, color=col.muted, ls=":", lw=1.2)
    ax.text(eps / 3, 0.08, " \u03b5/3: below it never caught", color=col.muted, fontsize=7.5)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("distance of the Byzantine reports from \u03bc (shift, equivocate; ignored by the others)")
    ax.set_ylabel("share caught by every honest peer")
    ax.set_title(f"Byzantine peers caught\n({_fixed(out, 'n_sources', 'n_peers', 'byz_fraction', 'eps', 'C')}; "
                 f"{g.trials} trials, 95% Wilson)", fontsize=9)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=4)
    ctx.save(fig, stem)


# --------------------------------------------------------------------------- final error
@figures_for_sweep("eb_final_error")
def final_error_figures(ctx: FigureContext, out: SweepOutput, provenance: Sequence[str] = (),
                        stem: str = "eb_final_error") -> None:
    col = ctx.colors
    rows = _rows(out)
    g = out.grid
    fig, (ax, bx) = ctx.subplots(1, 2, figsize=(11, 4.4))
    eps_all = np.array(sorted(g.axes["eps"]))
    for s in g.axes["strategy"]:
        rs = _strategy_curve(ax, col, rows, s, "eps", "max_err")
        mk, ls = STRATEGY_MARKS[s]
        bx.plot([r["eps"] for r in rs], [r["bias"] for r in rs], color=strategy_colors(col)[s], marker=mk, ls=ls,
                ms=4, label=STRATEGY_LABELS[s])
    ax.plot(eps_all, eps_all, "--", color=col.text, label="\u03b5: the construction's bound (\u03b5/3 + 2\u03b5/3)")
    ax.axhline(1.0, color=col.muted, ls=":", lw=1.2, label="paper: O(1) (drawn at 1)")
    ax.set_xlabel("error tolerance \u03b5")
    ax.set_ylabel("max over honest peers and sources of |final \u2212 \u03bc|")
    ax.set_title("Final error (mean over trials, 95% CI)", fontsize=10)
    ax.legend(fontsize=7.5, loc="upper left")
    pb = [predicted_bias({**g.fixed, "eps": e, "trials": g.trials}) for e in eps_all]
    bx.plot(eps_all, pb, "--", color=col.text, label="f/k \u00b7 (2\u03b5/3 \u2212 margin)")
    bx.set_xlabel("error tolerance \u03b5")
    bx.set_ylabel("mean bias of the final estimates")
    bx.set_title("What the just-inside attack buys", fontsize=10)
    bx.legend(fontsize=7.5, loc="upper left")
    fig.suptitle(f"{_fixed(out, 'n_sources', 'n_peers', 'byz_fraction', 'C', 'shift')}; {g.trials} trials per point",
                 fontsize=9)
    ctx.save(fig, stem)


# --------------------------------------------------------------------------- queries per peer
@figures_for_sweep("eb_queries")
def queries_figures(ctx: FigureContext, out: SweepOutput, provenance: Sequence[str] = (),
                    stem: str = "eb_queries") -> None:
    col = ctx.colors
    rows = _rows(out)
    g = out.grid
    f = g.fixed
    fig, ax = ctx.subplots(figsize=(7.2, 4.6))
    x = np.array([r["n_log2n_over_k"] for r in rows])
    ax.scatter(x, [r["all_peers"] for r in rows], color=col.byzantine, marker="s", s=22,
               label="every peer queries every source: n m")
    ax.scatter(x, [r["committee_mean"] for r in rows], color=col.honest, marker="o", s=22,
               label="committees of \u2308a ln n\u2309 peers: mean per peer")
    ax.scatter(x, [r["committee_max"] for r in rows], color=col.honest, marker="^", s=18, facecolors="none",
               label="committees: busiest peer")
    xs = np.geomspace(x.min() / 1.5, x.max() * 1.5, 50)
    const = f["a"] * f["C"] * f["c"] / f["eps"] ** 2
    ax.plot(xs, const * xs, "--", color=col.text,
            label=f"paper: O(n log\u00b2n / k), drawn as (a C c / \u03b5\u00b2) n ln\u00b2n / k")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("n ln\u00b2 n / k")
    ax.set_ylabel("queries per peer")
    ax.set_title(f"Queries per peer ({_fixed(out, 'eps', 'C', 'c', 'a')}; n \u2208 {list(g.axes['n_sources'])}, "
                 f"k \u2208 {list(g.axes['n_peers'])})", fontsize=8.5)
    ax.legend(fontsize=7.5, loc="upper left")
    ctx.save(fig, stem)


# --------------------------------------------------------------------------- make figures
FIG_TRIALS = 200


@figure("consensus_honest_blacklisted", paper_ref="Knowlson et al., Sec. III.B.1 (no simulation in the paper)", order=300)
def fig_honest_blacklisted(ctx: FigureContext) -> None:
    """Honest peers wrongly blacklisted against C and eps, beside the paper's union-bound guarantee."""
    out = run_serial("eb_honest_blacklisted", C=(2.0, 4.0, 8.0, 12.0, 18.0, 27.0, 40.0), eps=(0.1, 0.5),
                     n_sources=50, n_peers=10, trials=FIG_TRIALS)
    honest_blacklisted_figures(ctx, out, (), "consensus_honest_blacklisted")


@figure("consensus_byzantine_caught", paper_ref="Knowlson et al., Sec. III.B.5", order=301)
def fig_byzantine_caught(ctx: FigureContext) -> None:
    """Byzantine peers caught per strategy against the distance of their reports."""
    out = run_serial("eb_byzantine_caught", shift=(0.1, 0.2, 0.25, 0.3, 0.35, 0.5, 0.75), n_sources=30, n_peers=10,
                     trials=FIG_TRIALS)
    byzantine_caught_figures(ctx, out, (), "consensus_byzantine_caught")


@figure("consensus_final_error", paper_ref="Knowlson et al., Sec. III.B.4-5", order=302)
def fig_final_error(ctx: FigureContext) -> None:
    """Final error and bias of the surviving average against eps, per strategy."""
    out = run_serial("eb_final_error", eps=(0.1, 0.25, 0.5, 0.75, 1.0), n_sources=30, n_peers=10,
                     trials=FIG_TRIALS)
    final_error_figures(ctx, out, (), "consensus_final_error")


@figure("consensus_queries", paper_ref="Knowlson et al., Sec. III.B.1 and III.B.5", order=303)
def fig_queries(ctx: FigureContext) -> None:
    """Queries per peer against n log^2 n / k: every peer vs committees."""
    out = run_serial("eb_queries", n_sources=(100, 300, 1000, 3000), n_peers=(10, 30, 100), trials=5)
    queries_figures(ctx, out, (), "consensus_queries")
