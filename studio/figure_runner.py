"""``byzmw figures [NAME ...]`` (``make figures [FIGURE=name]``): the paper figures, in order, one progress display.

With names, only those figures are drawn and their files listed; without, every figure and one summary line.
"""

from __future__ import annotations

import time

from kit.paths import figures_dir
from sim.core.errors import ParamError

from .figures import FigureContext, all_figures


def run_figures(only: list[str] | None = None, out_dir=None) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    figs = all_figures()
    unknown = [n for n in (only or []) if n not in figs]
    if unknown:
        raise ParamError(f"figure: unknown {unknown[0]!r}; available: {', '.join(figs)}")
    todo = [figs[n] for n in (only or figs)]
    ctx = FigureContext(out_dir or figures_dir())
    console = Console(stderr=True)
    t0 = time.perf_counter()
    with Progress(
        TextColumn("[bold]figures"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    ) as bar:
        task = bar.add_task("", total=len(todo))
        for entry in todo:
            bar.update(task, description=entry.name)
            entry.build(ctx)
            bar.advance(task)
    if only:
        for p in ctx.written:
            print(f"figure: {p}")
    print(f"{len(todo)} figures, {len(ctx.written)} files in {ctx.out_dir} ({time.perf_counter() - t0:.1f} s)")
    return 0
