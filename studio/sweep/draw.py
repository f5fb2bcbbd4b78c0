"""Figures of a finished sweep: the function its declaration names ("module:function"), resolved at run time.

The engine never imports a subject: ``figures="studio.figures.knowlson.verification:sweep_figures"``
is imported here by name and called as ``fn(ctx, out, provenance)`` with a
:class:`studio.figures.context.FigureContext` writing into ``sweeps/NAME/figures/``.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from sim.core.sweeps import SweepKind, SweepOutput
from studio.figures.context import FigureContext

_TARGET = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


def figure_function(sw: SweepKind) -> Callable | None:
    """The sweep's declared figure function, or None if it declares none."""
    if not sw.figures:
        return None
    if not _TARGET.match(sw.figures):
        raise ValueError(f"sweep {sw.name!r}: figures must be 'module:function', got {sw.figures!r}")
    mod, fn = sw.figures.split(":")
    return getattr(importlib.import_module(mod), fn)


def draw_figures(out: SweepOutput, out_dir: Path, provenance: Sequence[str]) -> list[Path]:
    """Call the sweep's figure function; the PNG/PDF (and other) files it wrote."""
    fn = figure_function(out.sweep)
    if fn is None:
        return []
    ctx = FigureContext(Path(out_dir))
    fn(ctx, out, list(provenance))
    return list(ctx.written)
