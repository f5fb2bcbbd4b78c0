"""Trace cache for scenes and figures: reuse when up to date, else regenerate.

A consumer declares a :class:`TraceSpec`; :func:`ensure_trace` returns the
trace from ``traces/<name>.npz`` when its header matches the spec (kind, kind
version, resolved parameters, seed, sim version) and the code that computes
the kind is the code that made it, and otherwise simulates it through the sim
API and writes it atomically. The code is recorded beside the trace in
``traces/<name>.code.json`` (:meth:`TraceKind.code`, see :mod:`sim.core.code`,
with the trace's content hash, so a record never vouches for another file):
an edit of a kind's simulation, or of a ``sim`` module it imports,
regenerates its traces, and only those. The trace file itself depends on the
inputs and seed only (byte-identical across refactors).

A cache file that fails in any way (every read problem is a TraceError:
truncated, corrupted, a zip bomb, a FIFO ...) is regenerated, so one bad
file never breaks later renders; when the cache path cannot be written (a
directory or FIFO sits there) the fresh trace is still returned, with a
warning.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sim
from sim.core.errors import TraceError
from sim.core.files import atomic_write
from sim.core.kinds import get_kind, load_trace, simulate
from sim.core.trace import Trace, read_header, save_trace

from .paths import trace_dir


@dataclass(frozen=True)
class TraceSpec:
    kind: str
    seed: int
    params: Mapping[str, Any] = field(default_factory=dict)


def trace_path(name: str) -> Path:
    return trace_dir() / f"{name}.npz"


def code_path(name: str) -> Path:
    """The record of the code that made ``traces/<name>.npz``: {"content_hash", "code"} as JSON."""
    return trace_dir() / f"{name}.code.json"


MAX_RECORD_BYTES = 4096


def recorded_code(path: Path, content_hash: str) -> str | None:
    """The code digest recorded for the trace at ``path`` if the record names this content hash (else None)."""
    rec = path.with_name(path.name.removesuffix(".npz") + ".code.json")
    try:  # hostile until validated: a FIFO never blocks, a huge file is not read
        fd = os.open(rec, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
        try:
            raw = os.read(fd, MAX_RECORD_BYTES + 1) if stat.S_ISREG(os.fstat(fd).st_mode) else b""
        finally:
            os.close(fd)
        d = json.loads(raw) if 0 < len(raw) <= MAX_RECORD_BYTES else None
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(d, dict) or d.get("content_hash") != content_hash or not isinstance(d.get("code"), str):
        return None
    return d["code"]


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
    if recorded_code(path, h["content_hash"]) != kind.code(params):
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
        record = {"content_hash": t.content_hash, "code": get_kind(spec.kind).code(t.params), "kind": spec.kind}
        atomic_write(code_path(name), json.dumps(record, sort_keys=True).encode() + b"\n")
    except OSError as e:
        print(f"[trace] {name}: {why}; regenerated but not cached ({e.strerror or e})", file=sys.stderr)
        return t
    if not quiet:
        print(f"[trace] {name}: {why}, regenerated {path}", file=sys.stderr)
    return t
