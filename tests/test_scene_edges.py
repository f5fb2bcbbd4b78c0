"""Each scene plays at both ends of every range it declares it can draw (issue 24).

The ``draws`` ranges (scenes/*, checked in scenes/base.py) were chosen from the layout; this plays each scene with
one drawn parameter at its low end, then at its high end (an open end: the nearest float inside), the others at
the scene's own values: its timeline is built (animations skipped, nothing encoded), within a time limit per case.
An end the kind refuses with its checks across parameters (``n`` below the default ``tau``) is a one-line refusal
that does not come from the scene's range. ``BYZMW_SCENE_EDGES=all`` runs every case (a few minutes on two
cores); by default a sample of ``SAMPLE`` cases, drawn with ``BYZMW_SCENE_EDGES_SEED`` (default 0).
"""

from __future__ import annotations

import math
import os
import random
import time

import pytest

from kit.options import RenderOptions
from sim.core.errors import ParamError
from studio.registry import scenes

SCENES = {name: e.cls for name, e in scenes().items() if e.cls.trace_spec is not None}
LIMIT_S = 120.0  # one case on this 2-core machine under load (the slowest seen: 42 s, BlacklistingRace rounds=100)
SAMPLE = 8


def _ends(p) -> list[float | int]:
    lo = math.nextafter(p.low, p.high) if p.low_open else p.low
    hi = math.nextafter(p.high, p.low) if p.high_open else p.high
    return sorted({p.type(lo), p.type(hi)})


def _cases() -> list[tuple[str, str, float | int]]:
    return [
        (name, pname, v)
        for name in sorted(SCENES)
        for pname, p in sorted(SCENES[name].drawable().items())
        for v in _ends(p)
    ]


ALL = _cases()
CASES = (
    ALL
    if os.environ.get("BYZMW_SCENE_EDGES") == "all"
    else sorted(random.Random(int(os.environ.get("BYZMW_SCENE_EDGES_SEED", "0"))).sample(ALL, SAMPLE))
)


def test_every_scene_has_ends_to_play():
    assert {c[0] for c in ALL} == set(SCENES)
    assert all(len(_ends(p)) in (1, 2) for cls in SCENES.values() for p in cls.drawable().values())


@pytest.mark.render
@pytest.mark.parametrize(("name", "pname", "value"), CASES, ids=[f"{n}-{p}={v!r}" for n, p, v in CASES])
def test_a_scene_plays_at_each_end_of_what_it_draws(name, pname, value):
    from studio.timing import timeline

    cls = SCENES[name]
    sets = {pname: repr(value)}
    t0 = time.perf_counter()
    try:
        spec, chosen = cls.trace_spec_for(RenderOptions(sets=sets))
    except ParamError as e:  # the kind's checks across parameters, never the scene's own range
        assert "\n" not in str(e) and " draws " not in str(e), str(e)
        print(f"{name} {pname}={value!r}: refused by the kind: {e}")
        return
    assert chosen[pname] == value
    tm = timeline(name, RenderOptions(sets=sets))
    took = time.perf_counter() - t0
    false = [e["text"] for e in tm.events if e["what"] == "claim" and not e["holds"]]
    print(f"{name} {pname}={value!r}: {took:.1f} s (limit {LIMIT_S:g} s), {tm.length:.1f} s of video", end="")
    print(f", claims false here: {false}" if false else "")
    assert tm.length > 0 and tm.key_frames, (name, sets)
    assert took < LIMIT_S, f"{name} {pname}={value!r} took {took:.1f} s to play (limit {LIMIT_S:g} s)"
