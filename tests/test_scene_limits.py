"""Every scene declares what it can draw (issue 24): the range of each trace parameter it accepts through SET=,
checked before the trace is simulated; a value outside is one line naming the parameter, the scene and its
range (``byzmw render MWWeightBars --set n_sources=3000`` exits 2 at once instead of rendering for minutes)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from _tally import tally
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kit.options import RenderOptions
from sim.core.errors import ParamError
from sim.core.kinds import get_kind
from studio.registry import scenes

SCENES = {name: e.cls for name, e in scenes().items() if e.cls.trace_spec is not None}


@pytest.mark.parametrize("name", sorted(SCENES))
def test_each_scene_declares_what_it_draws_inside_its_kinds_range(name):
    cls = SCENES[name]
    assert cls.draws, f"{name} declares no drawing range (StudioScene.draws)"
    kind = {p.name: p for p in get_kind(cls.trace_spec.kind).params}
    resolved = get_kind(cls.trace_spec.kind).resolve(cls.trace_spec.params)
    for pname, p in cls.drawable().items():
        k = kind[pname]
        assert p.type is k.type and k.type in (int, float)
        assert p.low <= p.high
        assert k.low is None or p.low >= k.low, (pname, p.low, k.low)
        assert k.high is None or p.high <= k.high, (pname, p.high, k.high)
        p.coerce(resolved[pname])  # the scene draws its own trace
    cls.check_drawable(resolved)


@pytest.mark.parametrize("name", sorted(SCENES))
def test_a_value_outside_the_scenes_range_is_one_line_before_any_simulation(name, monkeypatch):
    cls = SCENES[name]
    import sim.core.kinds as kinds

    monkeypatch.setattr(kinds, "simulate", lambda *a, **k: pytest.fail("simulated before the check"))
    for pname, p in cls.drawable().items():
        k = get_kind(cls.trace_spec.kind).params
        kp = next(q for q in k if q.name == pname)
        above = p.high + (1 if p.type is int else abs(p.high) * 0.5 + 1)
        if kp.high is not None and (above > kp.high or (kp.high_open and above == kp.high)):
            continue  # the kind refuses it already
        try:
            get_kind(cls.trace_spec.kind).resolve({**cls.trace_spec.params, pname: above})
        except ParamError:
            continue  # so do the kind's checks across parameters (n_byzantine below half of n_clients)
        with pytest.raises(ParamError) as e:
            cls.trace_spec_for(RenderOptions(sets={pname: str(above)}))
        msg = str(e.value)
        assert "\n" not in msg and pname in msg and name in msg and p.range_text() in msg
        spec, chosen = cls.trace_spec_for(RenderOptions(sets={pname: str(p.high)}))  # the end is drawn
        assert chosen[pname] == p.high


def test_render_refuses_3000_sources_in_one_line(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "studio", "--out", str(tmp_path), "render", "MWWeightBars", "--set", "n_sources=3000"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2
    assert r.stderr.strip() == (
        "error: SET: n_sources: MWWeightBars draws an integer in [3, 24], got 3000 "
        "(the trace kind accepts more: 'byzmw trace mw_sources' simulates it)"
    )
    assert not list(tmp_path.rglob("*.npz"))


def test_a_subclass_draws_what_its_parent_draws():
    from scenes.mw.mw_weight_bars import MWWeightBars, MWWeightBarsNormalised

    assert MWWeightBarsNormalised.draws is MWWeightBars.draws


N_TIMELINE = int(os.environ.get("BYZMW_SCENE_LIMIT_EXAMPLES", "4"))


@st.composite
def scene_sets(draw):
    """A scene and SET values for one or two of its drawn parameters, from the kind's whole range (most near
    the scene's ends, some beyond them)."""
    name = draw(st.sampled_from(sorted(SCENES)))
    drawable = SCENES[name].drawable()
    kind = {p.name: p for p in get_kind(SCENES[name].trace_spec.kind).params}
    sets = {}
    for pname in draw(st.lists(st.sampled_from(sorted(drawable)), min_size=1, max_size=2, unique=True)):
        p, k = drawable[pname], kind[pname]
        lo = k.low if k.low is not None else p.low - 1e6
        hi = k.high if k.high is not None else p.high + 1e6
        near = st.sampled_from([p.low, p.high, (p.low + p.high) / 2, min(hi, p.high * 2 + 1)])
        value = draw(st.one_of(near, st.floats(lo, hi)) if p.type is float else st.one_of(near, st.integers(lo, hi)))
        sets[pname] = str(int(value) if p.type is int else value)
    return name, sets


@pytest.mark.render
@given(case=scene_sets())
@settings(max_examples=N_TIMELINE, deadline=None, suppress_health_check=list(HealthCheck))
def test_random_settings_give_a_drawable_trace_or_one_line(case):
    """Random SET values: a one-line refusal (the kind's or the scene's), or a trace the scene plays through
    (its timeline, animations skipped: no video is written)."""
    from studio.timing import timeline

    name, sets = case
    with tally("scene limits"):
        try:
            SCENES[name].trace_spec_for(RenderOptions(sets=sets))
        except ParamError as e:
            assert "\n" not in str(e) and any(str(e).startswith(w) for w in (*sets, "SET: ", "work: ")), str(e)
            return
        t = timeline(name, RenderOptions(sets=sets))
        assert t.length > 0 and t.key_frames
