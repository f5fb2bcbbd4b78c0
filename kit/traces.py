"""Trace cache for scenes and figures: reuse when up to date, else regenerate.

A consumer declares a :class:`TraceSpec`; :func:`ensure_trace` returns the
trace from ``traces/<name>.npz`` when its header matches the spec (kind, kind
version, resolved parameters, seed, sim version, and the digest of the code
that computes the kind, ``meta.code``: see :mod:`sim.core.code`) and otherwise
simulates it through the sim API and writes it atomically. An edit of a
kind's simulation, or of a ``sim`` module it imports, regenerates its traces
(and only those).

A cache file that fails in any way (every read problem is a TraceError:
truncated, corrupted, a zip bomb, a FIFO ...) is regenerated, so one bad
file never breaks later renders; when the cache path cannot be written (a
directory or FIFO sits there) the fresh trace is still returned, with a
warning.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sim
from sim.core.errors import TraceError
from sim.core.kinds import CODE_META, get_kind, load_trace, simulate
from sim.core.trace import Trace, read_header, save_trace

from .paths import trace_dir


@dataclass(frozen=True)
class TraceSpec:
    kind: str
    seed: int
    params: Mapping[str, Any] = field(default_factory=dict)


def trace_path(name: str) -> Path:
    return trace_dir() / f"{name}.npz"


def staleness(spec: TraceSpec, path: Path) -> str | None:
    """Why the trace at ``path`` cannot be reused for ``spec`` (None: reusable)."""
    if not path.exists():
        return "missing"
    try:
        h = read_header(path)
    except TraceError as e:
        return f"unreadable ({e.problem})"
    kind = get_kind(spec.kind)
    params = kind.resolve(spec.params)
    want = {
        "kind": kind.name,
        "kind_version": kind.version,
        "seed": spec.seed,
        "package_version": sim.__version__,
        "params": params,
    }
    for key, value in want.items():
        if h.get(key) != value:
            return f"{key} changed"
    if h["meta"].get(CODE_META) != kind.code(params):
        return "code changed"
    return None


def ensure_trace(spec: TraceSpec, name: str, *, quiet: bool = False) -> Trace:
    path = trace_path(name)
    why = staleness(spec, path)
    if why is None:
        try:
            return load_trace(path, spec.kind)
        except TraceError as e:
            why = f"invalid ({e.field}: {e.problem})"
    t = simulate(spec.kind, spec.seed, spec.params)
    try:
        save_trace(t, path)
    except OSError as e:
        print(f"[trace] {name}: {why}; regenerated but not cached ({e.strerror or e})", file=sys.stderr)
        return t
    if not quiet:
        print(f"[trace] {name}: {why}, regenerated {path}", file=sys.stderr)
    return t
