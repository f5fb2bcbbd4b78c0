"""Aggregators and attacks of a researcher's own (plugins, :mod:`sim.core.plugins`), next to the built-in ones.

:func:`register_aggregator` takes any callable in ByzFL's convention, ``rule(vectors (n, d)) -> (d,)`` (ByzFL's
aggregator objects plug in unchanged); the rule then runs wherever a built-in rule does: the breakdown sweep
(``--set aggregator=...,my_rule``; also after pre-steps, ``nnm+my_rule``), its figures, the RobustAggregation
scene (``SET="aggregators=mean,median,my_rule"``) and :func:`sim.make_aggregator`. Non-finite clients are
dropped before a rule sees them, as for every rule; a rule that needs the number f of Byzantine vectors says
``needs_f=True`` and is called ``rule(vectors, f=f)``.

:func:`register_attack` takes ByzFL's attack convention, ``attack(honest (h, d)) -> (d,)`` (every Byzantine
client sends that vector) or ``(f, d)`` (one per Byzantine client); ``uses_rng=True`` passes the cell's
Generator as ``rng=`` (randomness only from it keeps sweeps reproducible).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..core.plugins import PluginError, VectorRule, current_plugin, load_plugins, make_rule, module_of, note
from . import attacks, rules

_AGGREGATORS: dict[str, VectorRule] = {}
_ATTACKS: dict[str, tuple[Callable, str, str, bool]] = {}  # name -> (fn, plugin, label, uses_rng)
ALIASES = {"median": "coordinate_median"}  # the theme's name of the coordinate-wise median


def register_aggregator(name: str, rule: Callable, *, label: str | None = None, needs_f: bool = False) -> None:
    """Add an aggregation rule ``rule(vectors (n, d)) -> (d,)`` under ``name`` (checked at once on a probe).

    Parameters
    ----------
    name : str
        Lower-case letters, digits and ``_``; not a built-in rule or pre-step.
    rule : callable
        ``rule(vectors)`` (or ``rule(vectors, f=f)`` with ``needs_f``) returning one vector of length d.
    label : str, optional
        How figures and scenes name it (default: ``name`` with spaces).
    needs_f : bool
        Pass the number of Byzantine vectors to withstand as ``f=``.
    """
    taken = {*rules.RULES, *rules.PRE, *ALIASES, *_AGGREGATORS}
    vr = make_rule("aggregator", name, rule, label=label, needs_f=needs_f, taken=taken)
    _AGGREGATORS[name] = vr

    def stacked(x, mask=None, rng=None, *, f=0, track=True):
        return vr.stacked(x, mask, f=f), None

    rules.PLUGIN_RULES[name] = stacked


def register_attack(name: str, attack: Callable, *, label: str | None = None, uses_rng: bool = False) -> None:
    """Add an attack ``attack(honest (h, d)) -> (d,) or (f, d)`` under ``name``; see the module docstring."""
    from ..core.plugins import check_name

    plugin = current_plugin(attack)
    check_name("attack", name, {*attacks.ATTACKS, *_ATTACKS}, plugin)
    if not callable(attack):
        raise PluginError(f"plugin {plugin}: attack {name!r} must be callable, got {type(attack).__name__}")
    _ATTACKS[name] = (attack, plugin, label or name.replace("_", " "), bool(uses_rng))

    def stack_attack(x, byz, rng, **params):
        return _run_attack(name, x, byz, rng)

    # the contract, before any use: 7 clients of dimension 3, two of them Byzantine
    probe_x = np.random.default_rng(0).standard_normal((1, 7, 3))
    try:
        _run_attack(name, probe_x, np.arange(7) < 2, np.random.default_rng(1))
    except PluginError:
        _ATTACKS.pop(name)
        raise
    attacks.PLUGIN_ATTACKS[name] = stack_attack
    note(name, attack)


def _run_attack(name: str, x: np.ndarray, byz, rng: np.random.Generator) -> np.ndarray:
    """The stack form (x (..., n, d), byz (n,) or (..., n)): each entry's Byzantine rows replaced."""
    fn, plugin, _, uses_rng = _ATTACKS[name]
    x = np.asarray(x, float)
    b = np.broadcast_to(np.asarray(byz, bool), x.shape[:-1])
    out = np.array(x, copy=True)
    flat, fb = out.reshape(-1, *x.shape[-2:]), b.reshape(-1, x.shape[-2])
    d = x.shape[-1]
    for xi, bi in zip(flat, fb):
        f = int(bi.sum())
        if not f:
            continue
        if f == len(bi):
            raise PluginError(f"plugin {plugin}: attack {name!r} needs at least one honest client")
        try:
            v = np.asarray(fn(xi[~bi], rng=rng) if uses_rng else fn(xi[~bi].copy()), dtype=float)
        except PluginError:
            raise
        except Exception as e:
            raise PluginError(f"plugin {plugin}: attack {name!r} failed: {type(e).__name__}: {e}") from None
        if v.shape not in ((d,), (f, d)):
            raise PluginError(
                f"plugin {plugin}: attack {name!r} returned shape {v.shape} for {len(bi) - f} honest vectors of "
                f"dimension {d}; must return ({d},) or ({f}, {d})"
            )
        xi[bi] = v
    return out


def aggregator(name: str) -> VectorRule | None:
    """The registered rule ``name`` (None for a built-in rule)."""
    load_plugins()
    return _AGGREGATORS.get(name)


def resolve(name: str) -> str:
    """A rule's name from a user's: aliases (``median``) mapped, then checked (ParamError names the allowed)."""
    rule = ALIASES.get(name, name)
    rules.parse_pipeline(rule)
    return rule


def label_of(name: str) -> str | None:
    """The label a plugin gave its aggregator or attack (None for built-in names)."""
    load_plugins()
    if name in _AGGREGATORS:
        return _AGGREGATORS[name].label
    if name in _ATTACKS:
        return _ATTACKS[name][2]
    return None


def modules_of(*names: str) -> tuple[str, ...]:
    """The modules whose code defines the registered rules or attacks among ``names`` (pipelines split)."""
    load_plugins()
    out = []
    for spec in names:
        for part in str(spec).split("+"):
            obj = _AGGREGATORS[part].fn if part in _AGGREGATORS else _ATTACKS.get(part, (None,))[0]
            mod = module_of(obj) if obj is not None else None
            if mod and mod not in out:
                out.append(mod)
    return tuple(out)


def registered() -> dict[str, list[str]]:
    load_plugins()
    return {"aggregators": list(_AGGREGATORS), "attacks": list(_ATTACKS)}
