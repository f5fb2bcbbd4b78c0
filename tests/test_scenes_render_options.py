"""Render options: SET (validated like `sim trace --set`, names carry it), PACE, THEME, separate still folders."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sim.core.errors import ParamError
from studio.paths import REPO
from studio.render import options, parse_set, scene_variant, stills_folder, variant_suffix


def test_parse_set_accepts_spaces_and_commas_and_rejects_garbage():
    assert parse_set("eta=0.5 rounds=20") == {"eta": "0.5", "rounds": "20"}
    assert parse_set(["eta=0.5,rounds=20", ""]) == {"eta": "0.5", "rounds": "20"}
    for bad in ("eta", "=3", "eta="):
        with pytest.raises(ParamError, match="SET"):
            parse_set(bad)


def test_set_is_validated_by_the_trace_kind():
    with pytest.raises(ParamError, match="bogus.*allowed"):
        scene_variant("MWWeightBars", {"bogus": "1"})
    with pytest.raises(ParamError, match="eta"):
        scene_variant("MWWeightBars", {"eta": "7"})  # outside its range
    with pytest.raises(ParamError, match="rounds"):
        scene_variant("MWWeightBars", {"rounds": "many"})


def test_set_gives_its_own_trace_and_names():
    base, sfx0 = scene_variant("MWWeightBars", None)
    cls, sfx = scene_variant("MWWeightBars", {"rounds": "20", "eta": "0.5"})
    assert sfx0 == "" and sfx == "__eta=0.5_rounds=20"  # sorted, coerced
    assert cls.trace_spec.params["eta"] == 0.5 and cls.trace_spec.params["rounds"] == 20
    assert cls.trace_name() == "MWWeightBars__eta=0.5_rounds=20" != base.trace_name()
    assert cls.__name__ == "MWWeightBars" and issubclass(cls, base)
    assert variant_suffix(sfx, "slow", "paper") == "__eta=0.5_rounds=20__pace=slow__paper"
    assert variant_suffix("", "normal", "talk") == ""


def test_paper_and_transparent_stills_never_overwrite_the_talk_stills():
    folders = {stills_folder("X", "", t, tr) for t in ("talk", "paper") for tr in (False, True)}
    assert len(folders) == 4
    assert stills_folder("X", "__eta=0.5") != stills_folder("X")


def test_pace_and_theme_are_validated_and_restored(monkeypatch):
    import os

    monkeypatch.delenv("BYZMW_PACE", raising=False)
    with pytest.raises(ParamError, match="PACE"):
        with options("sluggish", None):
            pass
    with pytest.raises(ParamError, match="THEME"):
        with options(None, "neon"):
            pass
    with options("slow", "paper"):
        assert os.environ["BYZMW_PACE"] == "slow" and os.environ["BYZMW_THEME"] == "paper"
    assert "BYZMW_PACE" not in os.environ


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
