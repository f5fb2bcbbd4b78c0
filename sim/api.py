"""The notebook API of ``sim``: a small surface, re-exported by the package (``import sim``; ``sim.__all__``).

Everything here is pure NumPy (SciPy for a few quantiles): no Manim, no matplotlib. Every function validates its
input and raises :class:`sim.ParamError` with one line naming the parameter and its allowed range.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .aggregation import registry as _agg_registry
from .aggregation.aggregators import RobustAggregator
from .aggregation.aggregators import make_aggregator as _make_aggregator
from .aggregation.rules import RULES as _RULES
from .aggregation.rules import run_pipeline as _run_pipeline
from .core import kinds as _kinds
from .core import sweeps as _sweeps
from .core.errors import ParamError, TraceError
from .core.plugins import load_plugins
from .core.rng import make_rng
from .core.trace import Trace
from .core.trace import save_trace as _save_trace
from .mw import centres as _centres
from .mw.multiplicative_weights import MWConfig, MWRun
from .mw.multiplicative_weights import simulate_mw as _simulate_mw
from .stats import robust as _robust

__all__ = [
    "ESTIMATORS",
    "MWConfig",
    "MWRun",
    "ParamError",
    "RobustAggregator",
    "Trace",
    "TraceError",
    "aggregate",
    "aggregators",
    "estimate",
    "kinds",
    "load_trace",
    "make_aggregator",
    "parameters",
    "register_aggregator",
    "register_attack",
    "register_centre",
    "run_sweep",
    "save_trace",
    "simulate",
    "simulate_mw",
    "sweeps",
]

ESTIMATORS = tuple(_robust.ESTIMATORS)  # the built-in robust centres (estimate(); MW's ``estimator``)


def simulate(kind: str, seed: int = 0, params: Mapping[str, Any] | None = None, **kw) -> Trace:
    """Simulate one trace of a registered kind, exactly as ``byzmw trace`` (and every scene) does.

    Parameters
    ----------
    kind : str
        A trace kind (:func:`kinds` lists them; :func:`parameters` gives each one's parameters).
    seed : int
        Seed of the ``SeedSequence`` every random draw comes from: same kind, parameters and seed give a
        byte-identical trace.
    params : mapping, optional
        Parameter overrides (strings are parsed like the command line's ``--set``).
    **kw
        More overrides, as keywords.

    Returns
    -------
    Trace
        The arrays (``trace["weights"]``), the resolved ``params``, ``meta`` and a content hash.

    References
    ----------
    Knowlson, Lien, Palmer, Rackley, "Byzantine Computing on Unknown Randomized External Data", Alg. 1
    (the ``mw_*`` kinds); ``docs/traces.md`` (the trace format).

    Examples
    --------
    >>> import sim
    >>> t = sim.simulate("mw_sources", seed=1, rounds=5)
    >>> t["weights"].shape  # (rounds + 1, sources)
    (6, 9)
    >>> bool(t["weights"][-1][t["is_byzantine"]].max() < t["weights"][-1][~t["is_byzantine"]].min())
    True
    """
    overrides = {**(params or {}), **kw}
    return _kinds.simulate(kind, seed, overrides)


def save_trace(trace: Trace, path):
    """Write a trace file: deterministic bytes (same trace, same file), written atomically.

    Parameters
    ----------
    trace : Trace
        From :func:`simulate` (or :func:`load_trace`).
    path : str or path-like
        The ``.npz`` file; a directory, FIFO or device there is refused (only regular files are replaced).

    Returns
    -------
    pathlib.Path
        The file written.

    References
    ----------
    ``docs/traces.md`` (the format; atomic writes: a temp file in the same folder, fsync, rename).

    Examples
    --------
    >>> import sim, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.npz"
    >>> sim.save_trace(sim.simulate("mw_sources", seed=4, rounds=2), path).name
    'a.npz'
    """
    return _save_trace(trace, path)


def load_trace(path, kind: str | None = None) -> Trace:
    """Load and validate a trace file (values, not only shapes); anything wrong is a :class:`TraceError`.

    Parameters
    ----------
    path : str or path-like
        A ``.npz`` trace written by :func:`save_trace`, ``byzmw trace`` or a scene.
    kind : str, optional
        The kind the file must be.

    Returns
    -------
    Trace

    References
    ----------
    ``docs/traces.md`` (the format and every check made on load).

    Examples
    --------
    >>> import sim, tempfile, pathlib
    >>> t = sim.simulate("mw_sources", seed=2, rounds=3)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.npz"
    >>> _ = sim.save_trace(t, path)
    >>> sim.load_trace(path).content_hash == t.content_hash
    True
    """
    return _kinds.load_trace(path, kind)


def kinds() -> dict[str, str]:
    """Every registered trace kind and its one-line summary.

    Returns
    -------
    dict
        ``{kind name: summary}``, sorted by name.

    References
    ----------
    ``docs/catalog.md`` (which scene and figure replays which kind).

    Examples
    --------
    >>> import sim
    >>> "mw_sources" in sim.kinds() and "aggregation_demo" in sim.kinds()
    True
    """
    return {name: k.summary for name, k in _kinds.all_kinds().items()}


def parameters(kind: str) -> list[dict]:
    """The parameter table of a trace kind: name, type, default, allowed range and meaning of each parameter.

    Parameters
    ----------
    kind : str
        A trace kind (:func:`kinds`).

    Returns
    -------
    list of dict
        One ``{"name", "type", "default", "range", "doc"}`` per parameter, in declaration order
        (``pandas.DataFrame(sim.parameters(kind))`` shows it as a table).

    References
    ----------
    ``byzmw list`` prints the same table for every kind.

    Examples
    --------
    >>> import sim
    >>> eta = next(p for p in sim.parameters("mw_sources") if p["name"] == "eta")
    >>> eta["default"], eta["range"]
    (0.25, 'a number in [1e-06, 1)')
    """
    return [
        {"name": p.name, "type": p.type.__name__, "default": p.default, "range": p.range_text(), "doc": p.doc}
        for p in _kinds.get_kind(kind).params
    ]


def simulate_mw(config: MWConfig | None = None, seed: int = 0, **fields) -> MWRun:
    """Algorithm 1 in its simplest form on 1-D reports: median centre, clipped loss, MW update, blacklisting.

    Parameters
    ----------
    config : MWConfig, optional
        Every setting with its default and range (``MWConfig(eta=0.5)``); or give the fields as keywords.
    seed : int
        Seed of the reports' ``SeedSequence``.
    **fields
        Fields of :class:`MWConfig` (n_sources, byz_fraction, rounds, eta, tau, c, blacklist, mu, sigma, ...).

    Returns
    -------
    MWRun
        ``x`` (round, source) reports, ``mu_hat`` (round,), ``loss``, ``weights`` (rounds + 1, source),
        ``blacklisted_at`` (round of blacklisting, -1 if never) and ``is_byzantine``.

    References
    ----------
    Knowlson et al., Sec. III-C.9, Algorithm 1: w_i(t+1) = w_i(t) (1 - eta l_i(t)), blacklisting at w < tau.

    Examples
    --------
    >>> import sim
    >>> run = sim.simulate_mw(seed=0, eta=0.25, rounds=12)
    >>> run.weights.shape
    (13, 9)
    >>> bool((run.blacklisted_at[run.is_byzantine] > 0).all())  # every Byzantine source blacklisted
    True
    """
    if config is not None and fields:
        raise ParamError("simulate_mw: give a config or fields, not both")
    cfg = config if config is not None else MWConfig(**fields)
    return _simulate_mw(cfg, make_rng(seed))


def estimate(name: str, x, *, mask=None, rng: np.random.Generator | None = None, **kw) -> np.ndarray:
    """A robust centre of the rows of ``x`` (the estimators MW measures its losses against).

    Parameters
    ----------
    name : str
        ``mean``, ``median`` (coordinate-wise), ``trimmed_mean`` (``trim=``), ``median_of_means``
        (``buckets=``, needs ``rng``), ``geometric_median``, or a centre a plugin registered.
    x : array_like
        ``(n, d)`` (n points in d dimensions), ``(n,)`` (n numbers) or a stack ``(..., n, d)``.
    mask : array_like of bool, optional
        The rows that count (``(..., n)``); default all.
    rng : numpy.random.Generator, optional
        For randomised estimators (median of means shuffles its buckets).
    **kw
        The estimator's own settings.

    Returns
    -------
    numpy.ndarray
        ``(d,)`` (a float for 1-D input), or ``(..., d)`` for a stack. A row holding NaN/±inf is an attack: it
        counts as arbitrarily far away, never as a crash.

    References
    ----------
    Huber & Ronchetti, *Robust Statistics* (2009), Ch. 3 (median, trimmed mean); Lugosi & Mendelson (2019)
    (median of means); Weiszfeld (1937), Vardi & Zhang (2000) (geometric median).

    Examples
    --------
    >>> import numpy as np, sim
    >>> x = np.array([1.0, 2.0, 3.0, 1000.0])
    >>> float(sim.estimate("mean", x)), float(sim.estimate("median", x))
    (251.5, 2.5)
    >>> float(sim.estimate("median", [1.0, 2.0, np.nan]))  # NaN counts as far away, not as a crash
    2.0
    """
    a = np.asarray(x, dtype=float)
    one_d = a.ndim == 1
    if one_d:
        a = a[:, None]
    if a.ndim < 2:
        raise ParamError(f"x: must have shape (n,), (n, d) or (..., n, d), got shape {a.shape}")
    out = _robust.get_estimator(name)(a, mask, rng, **kw)
    return float(out[0]) if one_d else out


def aggregators() -> dict[str, str]:
    """Every aggregation rule: the built-in ones and those plugins registered, with how figures name them.

    Returns
    -------
    dict
        ``{rule name: label}``. A rule may follow pre-steps joined by ``+`` (``nnm+krum``, ``bucketing+...``).

    References
    ----------
    ``docs/aggregation.md`` (each rule, its breakdown point and its source).

    Examples
    --------
    >>> import sim
    >>> {"mean", "coordinate_median", "krum"} <= set(sim.aggregators())
    True
    """
    load_plugins()
    out = {name: name.replace("_", " ") for name in _RULES}
    for name in _agg_registry.registered()["aggregators"]:
        out[name] = _agg_registry.label_of(name) or name
    return out


def aggregate(rule: str, vectors, *, f: int = 0, rng: np.random.Generator | None = None, **kw) -> np.ndarray:
    """Aggregate n client vectors with a rule (ByzFL's convention: an ``(n, d)`` array in, a ``(d,)`` vector out).

    Parameters
    ----------
    rule : str
        A rule of :func:`aggregators`, optionally after pre-steps (``"nnm+trimmed_mean"``); ``median`` is the
        coordinate-wise median.
    vectors : array_like
        ``(n, d)``, or a stack ``(..., n, d)`` aggregated entry by entry.
    f : int
        Number of Byzantine vectors the rule must withstand (Krum, mean around median, NNM, ...).
    rng : numpy.random.Generator, optional
        For randomised pre-steps (bucketing).
    **kw
        ``trim`` (trimmed mean), ``bucket_size`` (bucketing).

    Returns
    -------
    numpy.ndarray
        ``(d,)`` (or ``(..., d)``). Rows holding NaN/±inf are dropped first, as every aggregator does.

    References
    ----------
    Blanchard et al., NeurIPS 2017 (Krum); Yin et al., ICML 2018 (coordinate-wise median, trimmed mean);
    Allouah et al., AISTATS 2023 (nearest-neighbour mixing).

    Examples
    --------
    >>> import numpy as np, sim
    >>> v = np.vstack([np.ones((6, 2)), [[100.0, -100.0]]])  # six honest clients, one attacker
    >>> sim.aggregate("mean", v).round(2).tolist()
    [15.14, -13.43]
    >>> sim.aggregate("median", v).tolist()
    [1.0, 1.0]
    >>> sim.aggregate("krum", v, f=1).tolist()
    [1.0, 1.0]
    """
    name = _agg_registry.resolve(rule)
    x = np.asarray(vectors, dtype=float)
    if x.ndim < 2:
        raise ParamError(f"vectors: must have shape (n, d) or (..., n, d), got shape {x.shape}")
    mask = np.isfinite(x).all(-1)
    x = np.where(mask[..., None], x, 0.0)
    f_left = max(0, int(f) - int((~mask).sum(-1).max()))
    rng = rng if rng is not None else make_rng(0)
    agg, _ = _run_pipeline(name, x, mask, rng, f=f_left, track=False, **kw)
    return agg


def make_aggregator(method: str, *, num_byzantine: int = 0, trim_fraction: float = 0.1, **kw) -> RobustAggregator:
    """A stateful aggregator, as in the original aggregation module: ``agg.aggregate(updates) -> (vector, stats)``.

    Parameters
    ----------
    method : str
        A rule of :func:`aggregators` (``"krum"``, ``"nnm+krum"``, a plugin's).
    num_byzantine : int
        The defence's prior f.
    trim_fraction : float
        Trimmed mean: the fraction trimmed at each end, in (0, 0.5).
    **kw
        ``num_samples_per_client`` (None: one update per client), ``seed`` or ``rng``.

    Returns
    -------
    RobustAggregator
        ``aggregate(list of (n_i, d) arrays, weights=None)`` returns the aggregate and ``stats`` (each client's
        share, who was excluded, who sent NaN/±inf).

    References
    ----------
    ``docs/aggregation.md`` (the original module's interface, shares).

    Examples
    --------
    >>> import numpy as np, sim
    >>> agg = sim.make_aggregator("coordinate_median", num_samples_per_client=None)
    >>> updates = [np.ones(3), np.ones(3), np.array([np.nan, 0.0, 0.0])]
    >>> vector, stats = agg.aggregate(updates)
    >>> vector.tolist(), stats["dropped_nonfinite"]
    ([[1.0, 1.0, 1.0]], [2])
    """
    load_plugins()
    return _make_aggregator(
        _agg_registry.resolve(method), num_byzantine=num_byzantine, trim_fraction=trim_fraction, **kw
    )


def sweeps() -> dict[str, str]:
    """Every declared sweep (``byzmw sweep list`` shows their axes and ranges) and its summary.

    Returns
    -------
    dict
        ``{sweep name: summary}``.

    References
    ----------
    ``docs/verification.md`` (sweeps, checkpoints, provenance).

    Examples
    --------
    >>> import sim
    >>> "aggregation_breakdown" in sim.sweeps()
    True
    """
    return {name: sw.summary for name, sw in _sweeps.all_sweeps().items()}


def run_sweep(name: str, **sets) -> _sweeps.SweepOutput:
    """Run a declared sweep in this process (no checkpoints): the same numbers as ``byzmw sweep run``.

    Parameters
    ----------
    name : str
        A declared sweep (:func:`sweeps`).
    **sets
        Axis values (a list, one value, ``"a,b,c"`` or ``"start:stop:num"``), fixed settings, ``trials``, ``seed``.

    Returns
    -------
    SweepOutput
        ``rows()`` (one dict per cell), ``to_frame()`` (a pandas DataFrame; needs the ``[sweep]`` extra),
        ``summary()``.

    References
    ----------
    ``docs/verification.md``; :func:`studio.sweep.load_frame` reads a finished ``byzmw sweep run`` as a DataFrame.

    Examples
    --------
    >>> import sim
    >>> out = sim.run_sweep("aggregation_breakdown", aggregator=["mean", "coordinate_median"],
    ...                     attack="scaling", byz_fraction=0.2, trials=20)
    >>> [(r["aggregator"], r["error_mean"] < 3) for r in out.rows()]  # scaled by 100: the mean breaks
    [('mean', False), ('coordinate_median', True)]
    """
    return _sweeps.run_serial(name, **sets)


def register_aggregator(name: str, rule, *, label: str | None = None, needs_f: bool = False) -> None:
    """Add your own aggregation rule; it runs wherever the built-in ones do (sweeps, figures, scenes).

    Parameters
    ----------
    name : str
        Lower-case letters, digits and ``_``, not a built-in name.
    rule : callable
        ByzFL's convention: ``rule(vectors)`` with ``vectors`` an ``(n, d)`` array returns a ``(d,)`` vector
        (``rule(vectors, f=f)`` with ``needs_f=True``). A ByzFL aggregator object plugs in unchanged.
    label : str, optional
        Its name in figures and scenes.
    needs_f : bool
        Pass the number of Byzantine vectors to withstand.

    Returns
    -------
    None
        The rule is probed once at once (7 vectors of dimension 3) and checked at every call: a wrong shape or
        NaN/±inf from finite input raises :class:`sim.core.plugins.PluginError`, naming the plugin.

    References
    ----------
    ``docs/plugins.md``; ByzFL (Allouah et al., 2024), whose aggregators take the same ``(n, d)`` arrays.

    Examples
    --------
    >>> import numpy as np, sim
    >>> def midrange(v):
    ...     return (v.min(0) + v.max(0)) / 2
    >>> sim.register_aggregator("doc_midrange", midrange)
    >>> sim.aggregate("doc_midrange", [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]).tolist()
    [2.0, 3.0]
    """
    _agg_registry.register_aggregator(name, rule, label=label, needs_f=needs_f)


def register_attack(name: str, attack, *, label: str | None = None, uses_rng: bool = False) -> None:
    """Add your own attack on aggregation: every Byzantine client sends what it returns.

    Parameters
    ----------
    name : str
        Lower-case letters, digits and ``_``, not a built-in attack.
    attack : callable
        ByzFL's convention: ``attack(honest)`` with ``honest`` the ``(h, d)`` honest vectors returns ``(d,)``
        (sent by every Byzantine client) or ``(f, d)`` (one each); ``attack(honest, rng=rng)`` with
        ``uses_rng=True``.
    label : str, optional
        Its name in figures.
    uses_rng : bool
        Pass the sweep cell's Generator (randomness only from it keeps sweeps reproducible).

    Returns
    -------
    None

    References
    ----------
    Baruch et al., NeurIPS 2019 (A Little Is Enough), Xie et al., UAI 2020 (inner-product manipulation): the
    built-in omniscient attacks have the same form.

    Examples
    --------
    >>> import numpy as np, sim
    >>> sim.register_attack("doc_far_away", lambda honest: honest.mean(0) + 50.0)
    >>> out = sim.run_sweep("aggregation_breakdown", aggregator="mean", attack="doc_far_away",
    ...                     byz_fraction=0.2, trials=10)
    >>> out.rows()[0]["error_mean"] > 10
    True
    """
    _agg_registry.register_attack(name, attack, label=label, uses_rng=uses_rng)


def register_centre(name: str, centre, *, label: str | None = None, needs_f: bool = False) -> None:
    """Add your own MW centre estimator mu_hat: a choice of ``estimator`` wherever MW takes one.

    Parameters
    ----------
    name : str
        Lower-case letters, digits and ``_``, not a built-in estimator.
    centre : callable
        ``centre(reports)`` with ``reports`` the ``(n, d)`` reports of the active sources returns ``(d,)``.
    label : str, optional
        Its name in figures.
    needs_f : bool
        Pass the number of Byzantine sources as ``f=``.

    Returns
    -------
    None

    References
    ----------
    Knowlson et al., Sec. III-C.1 (the robust centre MW measures its losses against).

    Examples
    --------
    >>> import numpy as np, sim
    >>> sim.register_centre("doc_trimmed_10", lambda r: np.sort(r, axis=0)[1:-1].mean(0))
    >>> x = np.array([[0.0], [1.0], [2.0], [100.0]])
    >>> sim.estimate("doc_trimmed_10", x).tolist()
    [1.5]
    >>> t = sim.simulate("blacklisting_cell", seed=1, estimator="doc_trimmed_10", rounds=5, trials=4)
    >>> t.params["estimator"]
    'doc_trimmed_10'
    """
    _centres.register_centre(name, centre, label=label, needs_f=needs_f)
