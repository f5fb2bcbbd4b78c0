"""Paper figures: matplotlib renders of traces and sweeps, registered where defined.

A subject adds a module to this package with functions such as::

    @figure("knowlson_fig2", paper_ref="Knowlson et al., Fig. 2", order=20)
    def fig2(ctx: FigureContext) -> None:
        tr = ctx.trace(TraceSpec("mw_study", seed=1, params={...}), "knowlson_fig2")
        fig, ax = ctx.subplots()
        ...
        ctx.save(fig, "knowlson_fig2")      # figures/knowlson_fig2.png and .pdf

``make figures`` runs every registered figure in order with one progress display.

The figures of a declared sweep register against the sweep's name (``sim`` never names this package)::

    @figures_for_sweep("coin_rounds")
    def rounds_figures(ctx: FigureContext, out: SweepOutput, provenance: list[str]) -> None:
        ...
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Callable

_FIGURES: dict[str, "FigureEntry"] = {}
_SWEEP_FIGURES: dict[str, list[Callable]] = {}


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


def figures_for_sweep(sweep_name: str):
    """Declare ``fn(ctx, out, provenance)`` as (one of) the figures of the sweep ``sweep_name``.

    The sweep itself (in ``sim``) knows nothing of its figures: the engine asks :func:`sweep_figures`
    for the functions registered against its name when a run finishes. A sweep with none still runs.
    """

    def deco(fn):
        fns = _SWEEP_FIGURES.setdefault(sweep_name, [])
        if all(f.__qualname__ != fn.__qualname__ or f.__module__ != fn.__module__ for f in fns):
            fns.append(fn)
        return fn

    return deco


def _import_all() -> None:
    for mod in pkgutil.walk_packages(__path__, __name__ + "."):
        if mod.name != __name__ + ".context":
            importlib.import_module(mod.name)


def all_figures() -> dict[str, FigureEntry]:
    _import_all()
    return dict(sorted(_FIGURES.items(), key=lambda kv: (kv[1].order, kv[0])))


def sweep_figures(sweep_name: str | None = None):
    """The figure functions registered for ``sweep_name`` (a list), or for every sweep (a dict)."""
    _import_all()
    if sweep_name is None:
        return {k: list(v) for k, v in _SWEEP_FIGURES.items()}
    return list(_SWEEP_FIGURES.get(sweep_name, ()))


from .context import FigureContext  # noqa: E402  (re-export)

__all__ = ["figure", "figures_for_sweep", "all_figures", "sweep_figures", "FigureEntry", "FigureContext"]
