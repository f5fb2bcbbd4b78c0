"""The render cache regenerates a trace for ANY TraceError: one bad cache file never breaks later renders."""

from __future__ import annotations

import os

import _hostile as H
import numpy as np
import pytest

from kit.traces import TraceSpec, ensure_trace, trace_path
from sim.core.kinds import load_trace, simulate
from sim.core.trace import to_bytes

SPEC = TraceSpec("mw_sources", 5, {"rounds": 4, "n_sources": 5})


def _corruptions(good: bytes):
    yield "garbage", b"not a zip"
    yield "empty", b""
    yield "truncated", good[: len(good) // 2]
    yield "flipped", good[:200] + bytes([good[200] ^ 0xFF]) + good[201:]
    yield "format_version true", H.edit_header(good, lambda h: {**h, "format_version": True})
    yield "nested json", H.edit_header(good, lambda h: b"[" * 50_000 + b"]" * 50_000)
    yield "evil member", H.zip_of(H.members_of(good) + [("../../evil.txt", b"x")])
    yield "duplicate", H.zip_of(H.members_of(good) * 2)
    yield "zip bomb", H.bomb_trace(good, "x", 1 << 30, "zip_lies")
    yield "seed out of range", H.edit_header(good, lambda h: {**h, "seed": -5})


def test_any_trace_error_regenerates(tmp_path, monkeypatch):
    monkeypatch.setenv("BYZMW_TRACES", str(tmp_path))
    want = simulate(SPEC.kind, SPEC.seed, SPEC.params)
    good = to_bytes(want)
    p = trace_path("demo")
    for name, data in _corruptions(good):
        p.write_bytes(data)
        t = ensure_trace(SPEC, "demo", quiet=True)
        assert t.content_hash == want.content_hash, name
        assert p.read_bytes() == good, name  # the cache file was rewritten
        assert load_trace(p).content_hash == want.content_hash


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX")
def test_unwritable_cache_path_still_gives_the_trace(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BYZMW_TRACES", str(tmp_path))
    want = simulate(SPEC.kind, SPEC.seed, SPEC.params)
    os.mkfifo(trace_path("fifo"))
    trace_path("dir").mkdir()
    for name in ("fifo", "dir"):
        t = ensure_trace(SPEC, name)
        assert t.content_hash == want.content_hash
        assert np.array_equal(t["weights"], want["weights"])
        assert "not cached" in capsys.readouterr().err
