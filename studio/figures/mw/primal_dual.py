"""Point-line duality figures (the prototype's dual.py), replaying a ``primal_dual`` trace.

``primal_dual``: primal plane (segment AB on its line L) beside the dual plane
(A*, B* meeting at L*, the dual lines of points of AB all through L*).
``dual_vectors``: the dual of segment AB is the double wedge between A* and B*,
swept by the direction vectors (1, a) of the dual lines; a probe line crosses AB
iff its dual point lies in the wedge.
"""

from __future__ import annotations

import numpy as np

from kit.traces import TraceSpec

from studio.figures import figure

SPEC = TraceSpec("primal_dual", seed=0, params={"ax": -1.5, "ay": 0.5, "bx": 2.0, "by": 2.25, "steps": 9,
                                                "probe_slope": 1.5})
TRACE_NAME = "fig_primal_dual"


def _box(*groups) -> float:
    """Half-width of a square view [-R, R]^2 holding the given points (layout only)."""
    r = max(float(np.max(np.abs(np.asarray(g)))) for g in groups)
    return float(np.ceil(r + 0.75))


def _frame(ax, R: float, title: str, xlabel: str, ylabel: str) -> np.ndarray:
    ax.set_xlim(-R, R)
    ax.set_ylim(-R, R)
    ax.set_aspect("equal")
    ax.axhline(0, color=ax.spines["left"].get_edgecolor(), lw=0.6, zorder=0)
    ax.axvline(0, color=ax.spines["left"].get_edgecolor(), lw=0.6, zorder=0)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return np.array([-R, R])


def _draw_line(ax, line, xs, **kw):
    m, q = line
    return ax.plot(xs, m * xs + q, **kw)


def _label(ax, xy, text, color, dx=0.12, dy=0.12, backdrop=None):
    box = None if backdrop is None else dict(fc=backdrop, ec="none", alpha=0.85, pad=1.0)
    ax.annotate(text, xy, xytext=(xy[0] + dx, xy[1] + dy), color=color, fontsize=10, bbox=box, zorder=6)


def _legend(ax):
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, handlelength=1.6, columnspacing=1.2)


@figure("primal_dual", paper_ref="de Berg et al., Computational Geometry, Sec. 8.2 (the prototype's dual.py)", order=90)
def primal_dual(ctx) -> None:
    """Primal segment AB and its line L beside the dual lines A*, B* meeting at L*."""
    tr = ctx.trace(SPEC, TRACE_NAME)
    c, g = ctx.colors, ctx.family("geometry")
    A, B = tr["endpoints"]
    Ls = tr["dual_point_L"]
    R = _box(tr["endpoints"], Ls)
    fig, (axp, axd) = ctx.subplots(1, 2, figsize=(9.2, 4.6))
    xs = _frame(axp, R, "primal: point $p=(a,b)$", "$x$", "$y$")
    _draw_line(axp, tr["line_L"], xs, color=c.text, ls="--", lw=1.3,
               label=rf"$L:\ y={tr['line_L'][0]:.3g}\,x{tr['line_L'][1]:+.3g}$")
    axp.plot(*tr["endpoints"].T, color=c.text, lw=2.4, solid_capstyle="round", label="segment $AB$")
    axp.scatter(*tr["points"][1:-1].T, s=16, color=g.point_p, zorder=3, label=r"points $p_k$ of $AB$")
    for P, name, col in ((A, "A", g.point_a), (B, "B", g.point_b)):
        axp.scatter(*P, s=40, color=col, zorder=4)
        _label(axp, P, f"${name}=({P[0]:g},\\,{P[1]:g})$", col, dx=0.15 if name == "A" else -1.7,
               dy=-0.45 if name == "A" else 0.25)
    _legend(axp)

    xs = _frame(axd, R, r"dual: line $p^*:\ y=a\,x-b$", "$x$ (slope of primal lines)", "$y$")
    for k in range(1, len(tr["t"]) - 1):
        _draw_line(axd, tr["dual_lines"][k], xs, color=g.point_p, lw=0.8, alpha=0.65,
                   label=r"$p_k^*$ for $p_k$ in $AB$" if k == 1 else None)
    for line, name, col in ((tr["endpoint_duals"][0], "A", g.point_a), (tr["endpoint_duals"][1], "B", g.point_b)):
        _draw_line(axd, line, xs, color=col, lw=2.0, label=rf"${name}^*:\ y={line[0]:g}\,x{line[1]:+g}$")
    axd.scatter(*Ls, s=90, marker="o", color=c.text, zorder=5,
                label=rf"$L^*=({Ls[0]:.3g},\,{Ls[1]:.3g})$")
    _label(axd, Ls, "$L^*$", c.text, dx=-0.2, dy=0.6, backdrop=c.background)
    _legend(axd)
    fig.suptitle(r"Point–line duality: the points of $AB$ lie on $L$, so their dual lines all pass through $L^*$",
                 fontsize=11, color=c.text)
    ctx.save(fig, "primal_dual")


@figure("dual_vectors", paper_ref="de Berg et al., Computational Geometry, Sec. 8.2 (the prototype's dual.py)", order=91)
def dual_vectors(ctx) -> None:
    """Dual of segment AB: the double wedge swept by the direction vectors (1, a) of the dual lines."""
    tr = ctx.trace(SPEC, TRACE_NAME)
    c, g, s = ctx.colors, ctx.family("geometry"), ctx.family("series")
    A, B = tr["endpoints"]
    Ls = tr["dual_point_L"]
    R = _box(tr["endpoints"], Ls, tr["probe_duals"])
    fig, (axp, axd) = ctx.subplots(1, 2, figsize=(9.2, 4.6))
    probe_col = [s.s1 if h else s.s2 for h in tr["probe_hits"]]  # crosses AB / misses it (not honest/Byzantine)

    xs = _frame(axp, R, "primal: segment $AB$ and probe lines", "$x$", "$y$")
    _draw_line(axp, tr["line_L"], xs, color=c.text, ls="--", lw=1.1, label="$L$")
    axp.plot(*tr["endpoints"].T, color=c.text, lw=2.4, solid_capstyle="round")
    d = tr["direction_L"]
    axp.annotate("", xy=A + 1.2 * d, xytext=A, arrowprops=dict(arrowstyle="-|>", color=c.text, lw=1.6))
    _label(axp, A + 1.2 * d, r"$(1,m)$", c.text, dx=-0.7, dy=0.25, backdrop=c.background)
    for i, (line, col, hit) in enumerate(zip(tr["probes"], probe_col, tr["probe_hits"])):
        _draw_line(axp, line, xs, color=col, lw=1.4,
                   label=rf"$\ell_{i + 1}$ " + ("crosses $AB$" if hit else "misses $AB$"))
    for P, name, col in ((A, "A", g.point_a), (B, "B", g.point_b)):
        axp.scatter(*P, s=40, color=col, zorder=4)
        _label(axp, P, f"${name}$", col, dx=-0.35 if name == "A" else 0.15, dy=0.15)
    _legend(axp)

    xs = _frame(axd, R, r"dual: $(AB)^*$ is the double wedge of $A^*, B^*$", "$x$", "$y$")
    ya, yb = (line[0] * xs + line[1] for line in tr["endpoint_duals"])
    xf = np.linspace(-R, R, 401)
    (ma, qa), (mb, qb) = tr["endpoint_duals"]
    axd.fill_between(xf, ma * xf + qa, mb * xf + qb, color=g.point_p, alpha=0.14, lw=0,
                     label="double wedge (all $p^*$, $p\\in AB$)")
    axd.plot(xs, ya, color=g.point_a, lw=1.8, label="$A^*$")
    axd.plot(xs, yb, color=g.point_b, lw=1.8, label="$B^*$")
    for k, dvec in enumerate(tr["dual_directions"]):
        col = g.point_a if k == 0 else g.point_b if k == len(tr["t"]) - 1 else g.point_p
        for s in (1, -1):
            axd.annotate("", xy=Ls + s * 1.3 * dvec, xytext=Ls,
                         arrowprops=dict(arrowstyle="-|>", color=col, lw=1.1, alpha=0.9))
    axd.scatter(*Ls, s=90, marker="o", color=c.text, zorder=5)
    _label(axd, Ls, "$L^*$", c.text, dx=-0.2, dy=0.6, backdrop=c.background)
    for i, (P, col, inside) in enumerate(zip(tr["probe_duals"], probe_col, tr["probe_in_wedge"])):
        axd.scatter(*P, s=45, marker="s", color=col, zorder=5,
                    label=rf"$\ell_{i + 1}^*$ " + ("inside" if inside else "outside"))
        _label(axd, P, rf"$\ell_{i + 1}^*$", col, dx=0.15, dy=0.15, backdrop=c.background)
    _legend(axd)
    fig.suptitle(r"$p=(a,b)$ gives $p^*$ with direction $(1,a)$: over $AB$ these sweep the double wedge;"
                 "\n" r"a line $\ell$ crosses $AB$ $\Leftrightarrow$ $\ell^*$ lies in the wedge", fontsize=11, color=c.text, y=1.06)
    ctx.save(fig, "dual_vectors")
