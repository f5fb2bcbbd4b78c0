"""Render options: SET (validated like `sim trace --set`, names carry it), PACE, THEME, separate still folders."""

from __future__ import annotations

import subprocess
import sys

import pytest

from kit.options import RenderOptions, params_suffix, variant_suffix
from kit.paths import REPO
from sim.core.errors import ParamError
from studio.render import parse_set, stills_folder


def test_parse_set_is_the_one_grammar():
    """Whitespace separates items, a comma belongs to the value (a list), a name at most once (as in sweeps)."""
    assert parse_set("eta=0.5 rounds=20") == {"eta": "0.5", "rounds": "20"}
    assert parse_set(["eta=0.5\trounds=20", ""]) == {"eta": "0.5", "rounds": "20"}
    assert parse_set("aggregators=mean,median,krum") == {"aggregators": "mean,median,krum"}
    assert parse_set("eta=0.5,rounds=20") == {"eta": "0.5,rounds=20"}  # one value; the kind rejects it
    assert parse_set("eta=") == {"eta": ""}  # an empty value: the parameter's own check decides
    for bad in ("eta", "=3", "1x=2", "a-b=1"):
        with pytest.raises(ParamError, match="^SET: expected NAME=VALUE"):
            parse_set(bad)
    with pytest.raises(ParamError, match=r"^eta: given twice in SET \(eta='0.1' and eta='0.2'\)"):
        parse_set(["eta=0.1", "eta=0.2"])
    with pytest.raises(ParamError, match="eta: must be a number"):
        _variant({"eta": "0.5,rounds=20"})


def _variant(sets):
    from scenes.mw.mw_weight_bars import MWWeightBars

    return MWWeightBars.trace_spec_for(RenderOptions(sets=sets))


def test_set_is_validated_by_the_trace_kind():
    with pytest.raises(ParamError, match="bogus.*allowed"):
        _variant({"bogus": "1"})
    with pytest.raises(ParamError, match="eta"):
        _variant({"eta": "7"})  # outside its range
    with pytest.raises(ParamError, match="rounds"):
        _variant({"rounds": "many"})


def test_set_gives_its_own_trace_and_names():
    from scenes.mw.mw_weight_bars import MWWeightBars

    spec0, chosen0 = _variant({})
    spec, chosen = _variant({"rounds": "20", "eta": "0.5"})
    assert spec0 is MWWeightBars.trace_spec and chosen0 == {}
    assert chosen == {"eta": 0.5, "rounds": 20}  # coerced
    assert spec.params["eta"] == 0.5 and spec.params["rounds"] == 20 and spec.kind == spec0.kind
    assert params_suffix(chosen) == "__eta=0.5_rounds=20"  # sorted
    opts = RenderOptions(sets={"rounds": "20", "eta": "0.5"}, pace="slow", theme="paper")
    sc = MWWeightBars(options=opts)
    assert sc.trace_file_name() == "MWWeightBars__eta=0.5_rounds=20" != MWWeightBars().trace_file_name()
    assert variant_suffix(chosen, opts) == "__eta=0.5_rounds=20__pace=slow__paper"
    assert variant_suffix({}, RenderOptions()) == ""


def test_names_are_injective():
    """Values that differ in the 7th digit, or only in bytes a slug drops, get different names."""
    assert params_suffix({"ax": -1.2345671}) != params_suffix({"ax": -1.2345674})
    assert params_suffix({"s": "a b"}) != params_suffix({"s": "a_b"})
    assert RenderOptions(pace="1.5").pace == RenderOptions(pace="slow").pace  # one pace, one name
    assert RenderOptions(pace="1.2345671").pace != RenderOptions(pace="1.2345674").pace


def test_paper_and_transparent_stills_never_overwrite_the_talk_stills():
    folders = {
        stills_folder("X", RenderOptions(theme=t, transparent=tr)) for t in ("talk", "paper") for tr in (False, True)
    }
    assert len(folders) == 4
    assert stills_folder("X", chosen={"eta": 0.5}) != stills_folder("X")


@pytest.mark.parametrize(
    "bad",
    [{"pace": "sluggish"}, {"pace": "\u0661"}, {"pace": "0"}, {"theme": "neon"}, {"quality": "x"}, {"width": "a4"}],
)
def test_options_are_validated_with_one_line_naming_the_option(bad):
    with pytest.raises(ParamError, match=next(iter(bad)).upper()):
        RenderOptions(**bad)


def test_options_reach_the_scene_and_no_environment_is_touched(monkeypatch):
    import os

    from scenes.mw.mw_weight_bars import MWWeightBars

    monkeypatch.delenv("BYZMW_PACE", raising=False)
    monkeypatch.delenv("BYZMW_THEME", raising=False)
    before = dict(os.environ)
    sc = MWWeightBars(options=RenderOptions(pace="slow", theme="paper"))
    assert sc.options.theme == "paper" and sc.seconds(1.0) == pytest.approx(1.5)
    assert dict(os.environ) == before
    # the manim command line constructs a scene with no options: its defaults come from the environment there
    monkeypatch.setenv("BYZMW_PACE", "fast")
    assert MWWeightBars().options.pace == "fast"


def test_cli_bad_set_is_one_line_and_exit_2():
    r = subprocess.run(
        [sys.executable, "-m", "studio", "render", "MWWeightBars", "--set", "eta=9"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and "eta" in lines[0], r.stderr


def test_options_reach_every_scene():
    """Every registered scene takes its options at construction: pace scales its durations, sets change its
    trace (own file), and the class itself is never replaced by a runtime subclass."""
    from studio import registry

    for name, entry in registry.scenes().items():
        opts = RenderOptions(pace="2")
        sc = entry.cls(options=opts)
        assert type(sc) is entry.cls and sc.options is opts, name
        assert sc.seconds(1.0) == pytest.approx(2.0), name
        spec = entry.cls.trace_spec
        if spec is None:
            continue
        from sim.core.kinds import get_kind

        kind = get_kind(spec.kind)
        current = kind.resolve(spec.params)
        p = next(p for p in kind.params if p.type in (int, float) and p.choices == ())
        step = 1 if p.type is int else 0.01 * (abs(current[p.name]) or 1.0)
        value = current[p.name] + step if p.high is None or current[p.name] + step <= p.high else current[p.name] - step
        sc = entry.cls(options=RenderOptions(sets={p.name: str(value)}))
        assert sc.resolved_trace_spec.params[p.name] == value, name
        assert sc.trace_file_name() != entry.cls(options=RenderOptions()).trace_file_name(), name
