"""Scenes and figures reuse an up-to-date trace and regenerate a missing or stale one."""

from __future__ import annotations

import numpy as np

from kit.traces import TraceSpec, ensure_trace, staleness, trace_path
from sim.core.kinds import load_trace


def test_missing_then_reused_then_regenerated_on_param_change(tmp_path, monkeypatch):
    monkeypatch.setenv("BYZMW_TRACES", str(tmp_path))
    spec = TraceSpec("mw_sources", 3, {"rounds": 4})
    p = trace_path("demo")
    assert staleness(spec, p) == "missing"
    t1 = ensure_trace(spec, "demo", quiet=True)
    stat1 = p.stat()
    assert staleness(spec, p) is None
    t2 = ensure_trace(spec, "demo", quiet=True)
    assert p.stat().st_mtime_ns == stat1.st_mtime_ns and p.stat().st_ino == stat1.st_ino  # not rewritten
    assert t2.content_hash == t1.content_hash
    changed = TraceSpec("mw_sources", 3, {"rounds": 5})
    assert staleness(changed, p) == "params changed"
    t3 = ensure_trace(changed, "demo", quiet=True)
    assert t3["weights"].shape == (6, 9)
    assert load_trace(p).params["rounds"] == 5
    assert staleness(TraceSpec("mw_sources", 4, {"rounds": 5}), p) == "seed changed"


def test_default_values_spelled_out_are_not_stale(tmp_path, monkeypatch):
    monkeypatch.setenv("BYZMW_TRACES", str(tmp_path))
    ensure_trace(TraceSpec("mw_sources", 1, {}), "d", quiet=True)
    assert staleness(TraceSpec("mw_sources", 1, {"eta": 0.25}), trace_path("d")) is None


def test_corrupt_trace_is_regenerated(tmp_path, monkeypatch):
    monkeypatch.setenv("BYZMW_TRACES", str(tmp_path))
    spec = TraceSpec("mw_sources", 2, {"rounds": 3})
    t = ensure_trace(spec, "c", quiet=True)
    trace_path("c").write_bytes(b"junk")
    assert staleness(spec, trace_path("c")).startswith("unreadable")
    t2 = ensure_trace(spec, "c", quiet=True)
    np.testing.assert_array_equal(t2["weights"], t["weights"])
