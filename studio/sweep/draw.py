"""Figures of a finished sweep: the functions the figure modules registered against the sweep's name.

The engine never imports a subject, and ``sim`` never names a figure: a module of :mod:`studio.figures`
declares ``@figures_for_sweep("coin_rounds")`` on ``fn(ctx, out, provenance)``, and each such function is
called with a :class:`studio.figures.context.FigureContext` writing into ``sweeps/NAME/figures/``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from sim.core.sweeps import SweepKind, SweepOutput
from studio.figures import sweep_figures
from studio.figures.context import FigureContext


def figure_functions(sw: SweepKind) -> list[Callable]:
    """The figure functions registered for the sweep (empty: it has none, and runs all the same)."""
    return sweep_figures(sw.name)


def draw_figures(out: SweepOutput, out_dir: Path, provenance: Sequence[str]) -> list[Path]:
    """Call the sweep's figure functions; the PNG/PDF (and other) files they wrote."""
    fns = figure_functions(out.sweep)
    if not fns:
        return []
    ctx = FigureContext(Path(out_dir))
    for fn in fns:
        fn(ctx, out, list(provenance))
    return list(ctx.written)
