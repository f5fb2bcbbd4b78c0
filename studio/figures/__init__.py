"""Paper figures: matplotlib renders of traces and sweeps, registered where defined.

A subject adds a module to this package with functions such as::

    @figure("knowlson_fig2", paper_ref="Knowlson et al., Fig. 2", order=20)
    def fig2(ctx: FigureContext) -> None:
        tr = ctx.trace(TraceSpec("mw_study", seed=1, params={...}), "knowlson_fig2")
        fig, ax = ctx.subplots()
        ...
        ctx.save(fig, "knowlson_fig2")      # figures/knowlson_fig2.png and .pdf

``make figures`` runs every registered figure in order with one progress display.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Callable

_FIGURES: dict[str, "FigureEntry"] = {}


@dataclass(frozen=True)
class FigureEntry:
    name: str
    build: Callable[["FigureContext"], None]
    paper_ref: str = ""
    order: int = 1000
    doc: str = ""


def figure(name: str, *, paper_ref: str = "", order: int = 1000):
    def deco(fn):
        _FIGURES[name] = FigureEntry(name, fn, paper_ref, order, (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else "")
        return fn

    return deco


def all_figures() -> dict[str, FigureEntry]:
    for mod in pkgutil.walk_packages(__path__, __name__ + "."):
        if mod.name != __name__ + ".context":
            importlib.import_module(mod.name)
    return dict(sorted(_FIGURES.items(), key=lambda kv: (kv[1].order, kv[0])))


from .context import FigureContext  # noqa: E402  (re-export)

__all__ = ["figure", "all_figures", "FigureEntry", "FigureContext"]
