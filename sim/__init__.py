"""Byzantine MW Studio's simulation core: pure NumPy, seeded, every result a validated trace.

The notebook API (``sim.__all__``; each function documented with its parameters, a reference and an example)::

    import sim
    sim.kinds()                                   # the trace kinds; sim.parameters(kind): their parameter tables
    t = sim.simulate("mw_sources", seed=1, eta=0.5)   # a Trace: t["weights"], t.params, t.meta
    run = sim.simulate_mw(eta=0.25, rounds=12)    # Algorithm 1 on 1-D reports (MWConfig: every default, range)
    sim.estimate("median", x)                     # robust centres (sim.ESTIMATORS)
    sim.aggregate("krum", vectors, f=2)           # aggregation rules (sim.aggregators()), (n, d) -> (d,)
    sim.make_aggregator("nnm+krum", num_byzantine=2)  # the original aggregation module's stateful interface
    out = sim.run_sweep("aggregation_breakdown", trials=50); out.to_frame()
    sim.register_aggregator("my_rule", fn)        # your own rule, attack (register_attack), MW centre

Layout: :mod:`sim.core` (trace format, kinds, sweeps, parameters, seeding, plugins, the ``python -m sim`` CLI),
:mod:`sim.stats` (robust statistics, intervals) and one package per subject (:mod:`sim.mw`,
:mod:`sim.consensus`, :mod:`sim.coin`, :mod:`sim.aggregation`, :mod:`sim.mtl`). This package never imports manim
or matplotlib. ``docs/notebook.md`` walks from ``simulate`` to a figure and a scene.
"""

from ._version import __version__  # noqa: F401  (sim.__version__)


def __getattr__(name: str):
    """The notebook API (:mod:`sim.api`), imported on first use: ``import sim`` itself is instant, so a command
    installs its Ctrl-C handling (sim.core.interrupts) before NumPy and SciPy load."""
    if name.startswith("__") and name != "__all__":
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    import importlib

    api = importlib.import_module("sim.api")
    if name == "__all__":
        return ["__version__", *api.__all__]
    if name in api.__all__:
        return getattr(api, name)
    if name in globals():  # a subpackage the API imported (sim.mw, sim.stats ...)
        return globals()[name]
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    import importlib

    api = importlib.import_module("sim.api")
    return sorted({*globals(), *api.__all__})
