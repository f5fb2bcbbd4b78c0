"""MW centre estimators of a researcher's own (plugins, :mod:`sim.core.plugins`).

Algorithm 1 measures every source's loss against a robust centre mu_hat(t) of the round's reports
(:func:`sim.mw.mw_engine.run_mw_batch`, ``center=``; the kinds' and sweeps' parameter ``estimator``).
:func:`register_centre` adds one in ByzFL's convention, ``centre(reports (n, d)) -> (d,)``, run over the active
(not blacklisted) sources of every trial; it is then a choice of ``estimator`` wherever the built-in ones are
(``byzmw sweep run knowlson_verification --set estimator=my_centre``, ``byzmw trace mw_sources --set ...``).
"""

from __future__ import annotations

from collections.abc import Callable

from ..core.plugins import VectorRule, load_plugins, make_rule
from ..stats import robust

_CENTRES: dict[str, VectorRule] = {}


def register_centre(name: str, centre: Callable, *, label: str | None = None, needs_f: bool = False) -> None:
    """Add a centre estimator ``centre(reports (n, d)) -> (d,)`` under ``name`` (checked at once on a probe)."""
    taken = {*robust.ESTIMATORS, *robust.SCALES, "weighted_mean", *_CENTRES}
    vr = make_rule("centre", name, centre, label=label, needs_f=needs_f, taken=taken)
    _CENTRES[name] = vr

    def estimator(x, mask=None, rng=None, **kw):
        return vr.stacked(x, mask)

    robust.PLUGIN_ESTIMATORS[name] = estimator


def registered() -> dict[str, list[str]]:
    load_plugins()
    return {"MW centres": list(_CENTRES)}
