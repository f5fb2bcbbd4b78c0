"""Plugins: a researcher's own aggregators, attacks and MW centre estimators, without editing this repository.

A plugin is a module of the researcher's own. It is named

- by a Python entry point in the group ``byzmw.plugins`` of an installed package
  (``[project.entry-points."byzmw.plugins"] my_rules = "my_rules"``), or
- by ``BYZMW_PLUGINS=module[,module]`` in the environment (``module`` or ``module:function``).

Loading a plugin is importing its module and calling its ``register()`` function (or the named function), which
calls :func:`sim.register_aggregator`, :func:`sim.register_attack` or :func:`sim.register_centre`. Every name is
looked up through the registries at the time of use, so a registered rule appears in the breakdown sweep's
choices, its figures and the RobustAggregation scene. The registries are pure Python: nothing here imports
manim, matplotlib or the studio.

The calling convention of a rule is ByzFL's: a callable taking an ``(n, d)`` array of n vectors and returning
one ``(d,)`` vector, so ByzFL's aggregator objects plug in unchanged. :class:`VectorRule` checks it when the
rule is registered (a probe on a fixed random input) and at every call: a wrong shape or NaN/±inf from finite
input is a :class:`PluginError` naming the plugin, the rule and what it returned.
"""

from __future__ import annotations

import importlib
import inspect
import os
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .errors import ParamError

ENTRY_POINT_GROUP = "byzmw.plugins"
ENV = "BYZMW_PLUGINS"
NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")


class PluginError(ParamError):
    """A plugin that cannot be loaded or that broke its contract: one line naming the plugin."""


_modules: dict[str, str] = {}  # registered name -> the module defining it (a sweep cell's key hashes its source)
_loaded: dict[str, str] = {}  # plugin ("module" or "module:function") -> how it was named (entry point, env)
_loading: list[str] = []  # the plugin being loaded now (registrations are credited to it)
_seen_env: str | None = None
_seen_entry_points = False


def current_plugin(fn=None) -> str:
    """The plugin being loaded (its spec); for a registration by hand, the module ``fn`` is defined in."""
    if _loading:
        return _loading[-1]
    return (module_of(fn) if fn is not None else None) or "?"


def _entry_point_specs() -> list[tuple[str, object]]:
    from importlib.metadata import entry_points

    return [(ep.value.replace(" ", ""), ep) for ep in entry_points(group=ENTRY_POINT_GROUP)]


def _env_specs() -> list[str]:
    return [s.strip() for s in os.environ.get(ENV, "").split(",") if s.strip()]


def load_plugins() -> list[str]:
    """Import every plugin named by an entry point or $BYZMW_PLUGINS (each once); the plugins loaded so far.

    Called by every registry before it answers, so a worker process (a sweep's local processes, a Dask worker
    with the plugin installed) finds the same names as its parent.
    """
    global _seen_env, _seen_entry_points
    env = os.environ.get(ENV, "")
    if _loading or (_seen_entry_points and env == _seen_env):  # a plugin that looks names up while it loads
        return loaded()
    if not _seen_entry_points:
        for spec, ep in _entry_point_specs():
            if spec not in _loaded:  # one module named twice (two entry points, or also in BYZMW_PLUGINS): once
                _load(spec, f"entry point {ep.name}", ep.load)
        _seen_entry_points = True  # only once all loaded: a plugin that failed fails again at the next lookup
    for spec in _env_specs():
        if spec not in _loaded:
            _load(spec, ENV, lambda spec=spec: _import_spec(spec))
    _seen_env = env
    return loaded()


def _import_spec(spec: str):
    module, _, attr = spec.partition(":")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", module) or (attr and not attr.isidentifier()):
        raise PluginError(f"plugin {spec!r}: expected module or module:function in {ENV}")
    mod = importlib.import_module(module)
    return getattr(mod, attr) if attr else mod


def _load(spec: str, where: str, load: Callable) -> None:
    _loading.append(spec)
    try:
        try:
            target = load()
        except PluginError:
            raise
        except Exception as e:  # an import error of the user's module, whatever it is
            raise PluginError(f"plugin {spec} ({where}): cannot import: {type(e).__name__}: {e}") from None
        fn = target if callable(target) and not inspect.ismodule(target) else getattr(target, "register", None)
        if fn is not None:
            try:
                fn()
            except PluginError:
                raise
            except Exception as e:
                raise PluginError(f"plugin {spec} ({where}): register() failed: {type(e).__name__}: {e}") from None
        _loaded[spec] = where
    finally:
        _loading.pop()


def loaded() -> list[str]:
    """The plugins loaded, as ``module (how it was named)``."""
    return [f"{spec} ({where})" for spec, where in _loaded.items()]


# --------------------------------------------------------------------------- the rules' contract
PROBE_N, PROBE_D = 7, 3


@dataclass(frozen=True)
class VectorRule:
    """A user's rule in ByzFL's convention, ``fn(vectors (n, d)) -> (d,)``, checked at every call.

    ``needs_f``: the rule is also told the number f of Byzantine vectors it must withstand (``fn(vectors, f=f)``).
    """

    kind: str  # "aggregator", "centre"
    name: str
    fn: Callable
    plugin: str
    label: str
    needs_f: bool = False

    def __call__(self, vectors: np.ndarray, f: int = 0) -> np.ndarray:
        x = np.asarray(vectors, dtype=float)
        try:
            out = self.fn(x, f=f) if self.needs_f else self.fn(x)
            y = np.asarray(out, dtype=float)
        except PluginError:
            raise
        except Exception as e:
            raise PluginError(
                f"plugin {self.plugin}: {self.kind} {self.name!r} failed: {type(e).__name__}: {e}"
            ) from None
        if y.shape != (x.shape[1],):
            raise PluginError(
                f"plugin {self.plugin}: {self.kind} {self.name!r} returned shape {y.shape} for {x.shape[0]} vectors "
                f"of dimension {x.shape[1]}; must return one vector of shape ({x.shape[1]},)"
            )
        if np.isfinite(x).all() and not np.isfinite(y).all():
            raise PluginError(
                f"plugin {self.plugin}: {self.kind} {self.name!r} returned NaN/inf for finite input "
                f"({x.shape[0]} vectors of dimension {x.shape[1]})"
            )
        return y

    def stacked(self, x: np.ndarray, mask: np.ndarray | None = None, f: int = 0) -> np.ndarray:
        """The rule on every entry of a stack ``x`` (..., n, d), over the rows of ``mask`` (..., n) only."""
        x = np.asarray(x, dtype=float)
        lead = x.shape[:-2]
        m = np.ones(x.shape[:-1], bool) if mask is None else np.broadcast_to(np.asarray(mask, bool), x.shape[:-1])
        xs, ms = x.reshape(-1, *x.shape[-2:]), m.reshape(-1, x.shape[-2])
        out = np.empty((len(xs), x.shape[-1]))
        for i, (xi, mi) in enumerate(zip(xs, ms)):
            out[i] = self(xi[mi], f=f)
        return out.reshape(*lead, x.shape[-1])


def check_name(kind: str, name, taken, plugin: str) -> str:
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise PluginError(
            f"plugin {plugin}: {kind} name must be lower-case letters, digits and _ (at most 40), got {name!r}"
        )
    if name in taken:
        raise PluginError(f"plugin {plugin}: {kind} {name!r} is already defined")
    return name


def probe(rule: VectorRule) -> None:
    """Call a new rule once on a fixed random input (7 vectors of dimension 3): its contract, before any use."""
    x = np.random.default_rng(0).standard_normal((PROBE_N, PROBE_D))
    rule(x, f=1)


def make_rule(kind: str, name: str, fn, *, label: str | None, needs_f: bool, taken) -> VectorRule:
    plugin = current_plugin(fn)
    check_name(kind, name, taken, plugin)
    if not callable(fn):
        raise PluginError(f"plugin {plugin}: {kind} {name!r} must be callable, got {type(fn).__name__}")
    rule = VectorRule(kind, name, fn, plugin, label or name.replace("_", " "), bool(needs_f))
    probe(rule)
    note(name, fn)
    return rule


def note(name: str, fn) -> None:
    """Remember where a registered name's code lives (:func:`code_of`)."""
    _modules[name] = module_of(fn) or "?"


def code_of(values) -> str:
    """sha256 of the source of every plugin module that defines a name among ``values`` ("nnm+my_rule" split);
    '' when none does (so the keys of built-in cells never change)."""
    import hashlib
    import sys

    mods = []
    for v in values:
        if isinstance(v, str):
            for part in v.split("+"):
                m = _modules.get(part)
                if m and m not in mods:
                    mods.append(m)
    if not mods:
        return ""
    h = hashlib.sha256()
    for m in mods:
        mod = sys.modules.get(m)
        try:
            src = inspect.getsource(mod) if mod is not None else ""
        except (OSError, TypeError):  # defined in a notebook or at the prompt: its name only
            src = ""
        h.update(m.encode() + b"\0" + src.encode())
    return h.hexdigest()[:16]


def module_of(obj) -> str | None:
    """The module a plugin's function (or a ByzFL-style object's class) is defined in: part of a sweep's key."""
    target = obj if inspect.isfunction(obj) or inspect.ismethod(obj) else type(obj)
    return getattr(target, "__module__", None)
