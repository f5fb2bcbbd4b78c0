"""Registry of trace kinds.

A simulation declares itself where it is defined::

    @trace_kind("mw_sources", version=1, summary="...", params=(...), arrays={...})
    def simulate(p: dict, rng: np.random.Generator) -> tuple[dict, dict]:
        return arrays, meta

and is found by :func:`all_kinds`, which imports every module of the ``sim``
package, so a new subject plugs in without edits elsewhere.
"""

from __future__ import annotations

import importlib
import pkgutil
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .code import function_digest
from .errors import ParamError, TraceError
from .params import Param, resolve
from .rng import check_seed, make_rng
from .trace import ArraySpec, Trace, make_trace, read_trace

_KINDS: dict[str, TraceKind] = {}
_SKIP_MODULES = {"sim.__main__", "sim.core.cli"}


@dataclass(frozen=True)
class TraceKind:
    name: str
    version: int
    summary: str
    params: tuple[Param, ...]
    arrays: Mapping[str, ArraySpec]
    simulate: Callable[[dict, np.random.Generator], tuple[dict, dict]]
    sizes: Callable[[dict], dict] | None = None
    check: Callable[[dict], None] | None = None
    work: Callable[[dict], float] | None = None  # element operations of one simulation (trials x sources x rounds ...)
    max_work: float = 2e9

    def resolve(self, overrides: Mapping[str, Any] | None = None) -> dict:
        p = resolve(self.params, overrides, f"kind '{self.name}'")
        if self.check is not None:
            self.check(p)
        if self.work is not None:
            w = float(self.work(p))
            if not w <= self.max_work:
                raise ParamError(
                    f"work: kind '{self.name}' with these parameters needs about {w:.3g} element "
                    f"operations; the cap is {self.max_work:.3g}; use smaller sizes"
                )
        return p

    def code(self, params: Mapping[str, Any] | None = None) -> str:
        """Digest of the code that computes this kind's traces (:func:`sim.core.code.function_digest` of its
        functions, and the source of any plugin named among ``params``). The trace cache (kit/traces.py) keeps it
        beside each trace; it is not part of the trace file, whose bytes depend on the inputs and seed only."""
        from .plugins import code_of

        digest = function_digest((self.simulate, self.check, self.sizes, self.work))
        plugins = code_of((params or {}).values())
        return f"{digest}+{plugins}" if plugins else digest


def trace_kind(
    name: str,
    *,
    version: int,
    summary: str,
    params: tuple[Param, ...],
    arrays: Mapping[str, ArraySpec],
    sizes=None,
    check=None,
    work=None,
    max_work: float = 2e9,
):
    """Decorator registering ``simulate(params, rng) -> (arrays, meta)``.

    ``work(params)`` estimates the element operations of one simulation; above
    ``max_work`` the parameters are refused with a ParamError (no 74 GiB
    allocation, no run that never ends).
    """

    def deco(fn):
        if name in _KINDS and _KINDS[name].simulate.__qualname__ != fn.__qualname__:
            raise ValueError(f"trace kind {name!r} registered twice")
        _KINDS[name] = TraceKind(name, version, summary, tuple(params), dict(arrays), fn, sizes, check, work, max_work)
        return fn

    return deco


def discover() -> None:
    """Import every module of the ``sim`` package (each declares its kinds where it defines them)."""
    root = str(Path(__file__).resolve().parents[1])
    for mod in pkgutil.walk_packages([root], "sim."):
        if mod.name not in _SKIP_MODULES:
            importlib.import_module(mod.name)


def all_kinds() -> dict[str, TraceKind]:
    discover()
    return dict(sorted(_KINDS.items()))


def get_kind(name: str) -> TraceKind:
    kinds = all_kinds()
    if name not in kinds:
        raise ParamError(f"kind: unknown trace kind {name!r}; allowed: {', '.join(kinds)}")
    return kinds[name]


def command_for(kind: TraceKind, params: Mapping, seed: int) -> str:
    """The canonical CLI command that recreates a trace (part of its header)."""
    parts = ["python", "-m", "sim", "trace", kind.name, "--seed", str(seed)]
    for p in kind.params:
        v = params[p.name]
        v = str(v).lower() if isinstance(v, bool) else repr(v) if isinstance(v, float) else str(v)
        parts += ["--set", f"{p.name}={v}"]
    return shlex.join(parts)


def simulate(kind_name: str, seed: int, params: Mapping[str, Any] | None = None) -> Trace:
    """Run a trace kind: validated params, a Generator from SeedSequence(seed)."""
    kind = get_kind(kind_name)
    seed = check_seed(seed)
    p = kind.resolve(params)
    arrays, meta = kind.simulate(dict(p), make_rng(seed))
    t = make_trace(kind.name, kind.version, p, seed, arrays, meta, command=command_for(kind, p, seed))
    validate_against_kind("<memory>", t.header, t.arrays)
    return t


def validate_against_kind(path, header: dict, arrays: Mapping[str, Any]) -> None:
    """Check a trace header and its arrays against the declared kind; raises TraceError naming the field.

    ``arrays`` holds ndarrays or :class:`~sim.core.trace.DeclaredArray` (dtype,
    shape, ndim): :func:`load_trace` runs this on the header's declarations
    before any array is read, so an array larger than its kind's dimensions
    (a zip bomb) is refused before it is inflated.
    """
    kinds = all_kinds()
    name = header["kind"]
    if name not in kinds:
        raise TraceError(path, "kind", f"unknown trace kind {name!r}; known: {', '.join(kinds)}")
    kind = kinds[name]
    if header["kind_version"] != kind.version:
        raise TraceError(
            path,
            "kind_version",
            f"unknown schema version {header['kind_version']} of {name!r}; this build reads {kind.version}",
        )
    try:
        params = kind.resolve(header["params"])
    except ParamError as e:
        raise TraceError(path, "params", str(e)) from None
    except Exception as e:  # noqa: BLE001 - hostile params a kind's check did not expect
        raise TraceError(path, "params", f"rejected ({e.__class__.__name__}: {str(e)[:200]})") from None
    missing = [n for n in kind.params if n.name not in header["params"]]
    if missing:
        raise TraceError(path, f"params.{missing[0].name}", "missing")
    dims: dict[str, int] = dict(kind.sizes(params)) if kind.sizes else {}
    for aname, spec in kind.arrays.items():
        if aname not in arrays:
            raise TraceError(path, f"arrays.{aname}", "missing")
        a = arrays[aname]
        if str(a.dtype) != spec.dtype:
            raise TraceError(path, f"arrays.{aname}", f"dtype must be {spec.dtype}, got {a.dtype}")
        if a.ndim != len(spec.dims):
            raise TraceError(
                path, f"arrays.{aname}", f"must have {len(spec.dims)} dimensions {spec.dims}, got shape {a.shape}"
            )
        for d, n in zip(spec.dims, a.shape):
            want = d if isinstance(d, int) else dims.setdefault(d, n)
            if n != want:
                raise TraceError(
                    path, f"arrays.{aname}", f"dimension '{d}' must have length {want}, got shape {a.shape}"
                )
    extra = sorted(set(arrays) - set(kind.arrays))
    if extra:
        raise TraceError(path, f"arrays.{extra[0]}", f"not an array of kind {name!r}")


def _bound(b, params: Mapping) -> float | None:
    if b is None:
        return None
    if callable(b):
        return float(b(params))
    return float(params[b]) if isinstance(b, str) else float(b)


def value_problem(spec: ArraySpec, a: np.ndarray, params: Mapping) -> str | None:
    """Why the values of ``a`` break its declaration ``spec`` (None: they keep it): finite, integer, bounds."""
    if a.size == 0 or a.dtype == bool:
        return None
    if a.dtype.kind == "f":
        nan, inf = np.isnan(a), np.isinf(a)
        allowed = {True: "", "nan": "NaN", False: "NaN, inf"}[spec.finite]
        if nan.any() and "NaN" not in allowed:
            return f"holds NaN at index {tuple(int(i) for i in np.argwhere(nan)[0])} (finite numbers expected)"
        if inf.any() and "inf" not in allowed:
            return f"holds ±inf at index {tuple(int(i) for i in np.argwhere(inf)[0])} (finite numbers expected)"
        fin = a[~(nan | inf)] if (nan.any() or inf.any()) else a
        if spec.integer and fin.size and not np.array_equal(fin, np.round(fin)):
            return "holds a fraction (whole numbers expected)"
    else:
        fin = a
    if fin.size == 0:
        return None
    lo, hi = _bound(spec.low, params), _bound(spec.high, params)
    if lo is not None and fin.min() < lo:
        return f"holds {fin.min()!r}, below its lower bound {lo:g}"
    if hi is not None and fin.max() > hi:
        return f"holds {fin.max()!r}, above its upper bound {hi:g}"
    return None


def check_values(path, header: dict, arrays: Mapping[str, np.ndarray]) -> None:
    """The arrays' values against their kind's declarations (finite, integer, bounds): a TraceError naming the
    array. Shapes and parameters were checked before (:func:`validate_against_kind`)."""
    kind = all_kinds()[header["kind"]]
    params = kind.resolve(header["params"])
    for name, spec in kind.arrays.items():
        why = value_problem(spec, np.asarray(arrays[name]), params)
        if why:
            raise TraceError(path, f"arrays.{name}", why)


def load_trace(path, kind: str | None = None) -> Trace:
    """Load a trace file, validated for format, content hash and its kind's declared arrays, parameters and
    values (a cached trace of NaNs with a recomputed hash is refused, not drawn)."""
    return read_trace(path, kind, precheck=validate_against_kind, validate=check_values)
