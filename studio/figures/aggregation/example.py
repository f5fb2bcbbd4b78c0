"""The aggregation module's worked example as a figure, and the epsilon-contamination bias table."""

from __future__ import annotations

import numpy as np

from sim.aggregation.contamination import bias_table
from sim.aggregation.example import seed_example
from sim.core.rng import make_rng

from studio.figures import figure
from studio.figures.context import FigureContext


@figure("aggregation_seed_example", paper_ref="beyond the paper: the prototype aggregation module's worked example", order=310)
def seed_example_figure(ctx: FigureContext) -> None:
    """5 clients, client 0 scaled by 100: masked z-score, robust z-score, mean vs coordinate median."""
    e = seed_example(make_rng(3))
    c = ctx.colors
    fig, (a0, a1, a2) = ctx.subplots(1, 3, figsize=(13, 4.9), gridspec_kw={"wspace": 0.35,
                                                                           "width_ratios": [1, 1.25, 0.9]})
    ids = np.arange(5)
    cols = [c.byzantine] + [c.honest] * 4
    norms = [s.details["mean_norm"] for s in e.classic]
    a0.bar(ids, norms, color=cols)
    a0.set_yscale("log")
    for i, v in zip(ids, norms):
        a0.text(i, v * 1.15, f"{v:.3g}", ha="center", fontsize=8, color=c.text)
    a0.set_xticks(ids, [f"client {i}" for i in ids], fontsize=8)
    a0.set_ylim(0.5, 400)
    a0.set_ylabel("mean norm of the client's vectors")
    a0.set_title("client 0 scaled by 100")
    w = 0.27
    zc = [s.score for s in e.classic]
    z1 = [s.score for s in e.classic_ddof1]
    zr = [s.score for s in e.robust]
    est, s = ctx.family("estimators"), ctx.family("series")
    a1.bar(ids - w, zc, w, color=s.s1, label=f"seed z-score, numpy std (client 0: {zc[0]:.2f})")
    a1.bar(ids, z1, w, color=s.s2, label=f"seed z-score, sample std (client 0: {z1[0]:.2f}; the seed's 1.8)")
    a1.bar(ids + w, zr, w, color=est.median, label=f"median/MAD z-score (client 0: {zr[0]:.0f})")
    a1.set_yscale("log")
    a1.axhline(3.0, color=c.threshold, linestyle="--", linewidth=1.1, label="seed threshold 3")
    a1.axhline(3.5, color=c.threshold, linestyle=":", linewidth=1.1, label="robust threshold 3.5")
    a1.axhline(np.sqrt(4), color=c.theory, linestyle="-.", linewidth=0.9, label="Samuelson bound √(n−1) = 2")
    a1.set_xticks(ids, [f"client {i}" for i in ids], fontsize=8)
    a1.set_ylim(0.02, 5000)
    a1.set_ylabel("largest |z| over mean/std/max norm")
    a1.set_title("masking: z ≤ √(n−1) can never reach 3")
    a1.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, frameon=False)
    vals = [e.honest_median_norm, e.median_norm, e.mean_norm]
    names = ["median\n(no attack)", "median\n(attacked)", "mean\n(attacked)"]
    a2.bar(range(3), vals, color=[est.median, est.median, est.mean])
    for i, v in enumerate(vals):
        a2.text(i, v * 1.1, f"{v:.2f}", ha="center", fontsize=8, color=c.text)
    a2.set_yscale("log")
    a2.set_ylim(0.1, 100)
    a2.set_xticks(range(3), names, fontsize=8)
    a2.set_ylabel("mean norm of the aggregate's vectors")
    a2.set_title("coordinate median unharmed")
    fig.suptitle(
        "The aggregation module's worked example: 5 clients, 60 vectors each (d = 32), client 0 × 100", fontsize=11
    )
    ctx.save(fig, "aggregation_seed_example")


@figure("aggregation_bias_table", paper_ref="Huber (1964); Huber & Ronchetti Sec. 4.2", order=320)
def bias_table_figure(ctx: FigureContext) -> None:
    """Measured bias of the median and the 0.2-trimmed mean under eps-contamination vs the asymptotic values."""
    import csv
    import io

    from sim.core.files import atomic_write

    rows = bias_table(make_rng(5))
    fig, ax = ctx.subplots(figsize=(7.6, 0.42 * len(rows) + 1.0))
    ax.axis("off")
    text = [[r.estimator, f"{r.eps:.2f}", f"{r.measured:.4f}  [{r.ci_low:.4f}, {r.ci_high:.4f}]", f"{r.asymptotic:.4f}",
             f"{r.measured - r.asymptotic:+.4f}"] for r in rows]
    tab = ax.table(cellText=text, colLabels=["estimator", "ε", "measured bias (95% CI)", "asymptotic", "difference"],
                   loc="center", cellLoc="left", colLoc="left", colWidths=[0.22, 0.08, 0.36, 0.14, 0.14])
    tab.auto_set_font_size(False)
    tab.set_fontsize(8.5)
    tab.scale(1, 1.3)
    for (i, _), cell in tab.get_celld().items():
        cell.set_edgecolor(ctx.colors.grid)
        if i == 0:
            cell.set_text_props(weight="bold", color=ctx.colors.text)
    r0 = rows[0]
    ax.set_title(f"Bias under ε-contamination at +∞: n = {r0.n}, {r0.trials} trials; median: Φ⁻¹(1/(2(1−ε))); "
                 "trimmed mean: (1−ε)(φ(a)−φ(b))/(1−2α)", fontsize=8.5)
    ctx.save(fig, "aggregation_bias_table")
    p = ctx.out_dir / "aggregation_bias_table.csv"
    buf = io.StringIO()
    buf.write("# bias under eps-contamination at +inf: sim.aggregation.contamination.bias_table(make_rng(5))\n")
    w = csv.DictWriter(buf, fieldnames=list(rows[0].__dict__), lineterminator="\n")
    w.writeheader()
    w.writerows(r.__dict__ for r in rows)
    atomic_write(p, buf.getvalue().encode())
    ctx.written.append(p)
