"""Pacing as data (scenes.base.Pace, the pace of RenderOptions) and captions, on a tiny scene (no LaTeX)."""

from __future__ import annotations

import pytest
from manim import Square

from kit.manim_env import manim_config
from kit.options import RenderOptions, pace_multiplier
from scenes.base import MIN_CUE, MIN_END_HOLD, Pace, StudioScene
from scenes.pieces import COLORS, label
from sim.core.errors import ParamError


class Tiny(StudioScene):
    key_frames = ("initial", "event")
    pace = Pace(round=0.5, event_round=1.5, key_hold=2.0, intro_hold=1.0, end_hold=2.5)

    def construct(self):
        sq = Square(color=COLORS.honest)
        self.add(sq)
        self.opening(notes="a square")
        for t in range(10):
            self.play(sq.animate.shift([0.01, 0, 0]), run_time=self.round_time(t, events=[5]))
            if t == 5:
                self.key_frame("event", notes="the event")
                self.hold()
        self.conclude(label("done"))


def _timeline(pace="normal", observers=()):
    with manim_config("l", write_to_movie=False, skip_animations=True):
        sc = Tiny(options=RenderOptions(pace=pace), observers=observers)
        sc.render()
    return sc


def test_pace_names_and_numbers():
    assert pace_multiplier("slow") > pace_multiplier("normal") == 1.0 > pace_multiplier("fast")
    assert pace_multiplier("2.5") == 2.5
    for bad in ("0", "11", "nan", "quick", "-1"):
        with pytest.raises(ParamError, match="PACE"):
            pace_multiplier(bad)


def test_pace_rejects_nonsense_and_the_end_hold_has_a_floor():
    with pytest.raises(ValueError, match="round"):
        Pace(round=0)
    with pytest.raises(ValueError, match="key_hold"):
        Pace(key_hold=-1)

    class Short(Tiny):
        pace = Pace(round=0.5, event_round=1.5, key_hold=2.0, intro_hold=1.0, end_hold=1.0)

    with manim_config("l", write_to_movie=False, skip_animations=True):
        sc = Short(options=RenderOptions())
        sc.render()
    last = [e for e in sc.timeline if e["what"] in ("play", "wait")][-1]
    assert last["what"] == "wait" and last["d"] == pytest.approx(MIN_END_HOLD)


def test_events_run_slow_and_the_rest_fast():
    sc = _timeline()
    plays = [e["d"] for e in sc.timeline if e["what"] == "play"][:10]
    # rounds 4, 5, 6 are within one round of the event
    assert plays == pytest.approx([0.5] * 4 + [1.5] * 3 + [0.5] * 3)


def test_multiplier_scales_every_duration_but_the_reading_times_and_the_end_hold_floor():
    """PACE scales every play and hold; a hold never gets shorter than its caption takes to read, and the
    conclusion never shorter than MIN_END_HOLD."""
    normal = _timeline("normal")
    fast = _timeline("0.5")

    def d(sc, what):
        return [e["d"] for e in sc.timeline if e["what"] == what]

    assert d(fast, "play") == pytest.approx([x * 0.5 for x in d(normal, "play")])
    holds_n, holds_f = d(normal, "wait"), d(fast, "wait")
    assert len(holds_n) == len(holds_f)
    for hn, hf in zip(holds_n[:-1], holds_f[:-1]):
        assert hf == pytest.approx(max(0.5 * hn, hf)) and hf <= hn + 1e-9
    assert holds_f[-1] >= MIN_END_HOLD and holds_n[-1] >= MIN_END_HOLD


def test_every_caption_is_readable_at_17_characters_per_second():
    from scenes.base import CPS_MAX

    for pace in ("normal", "fast", "0.2"):
        sc = _timeline(pace)
        for e in sc.timeline:
            if e["what"] == "caption":
                assert len(e["text"]) / e["d"] <= CPS_MAX + 1e-9, (pace, e)


def test_long_captions_are_split_into_cues_at_sentence_ends():
    from scenes.base import CUE_CHARS, split_cues

    text = (
        "All weights start at one. The theory predicts the round at which the Byzantine weights cross the "
        "threshold; we will see whether they do, and what it costs the honest sources."
    )
    cues = split_cues(text)
    assert len(cues) >= 2 and all(len(c) <= CUE_CHARS for c in cues)
    assert " ".join(cues) == text
    assert cues[0] == "All weights start at one."


def test_captions_cover_key_frames_and_conclusion():
    sc = _timeline()
    caps = [(e["text"], e["d"]) for e in sc.timeline if e["what"] == "caption"]
    assert [c[0] for c in caps] == ["a square", "the event", "done"]
    assert all(d >= MIN_CUE for _, d in caps)
    assert caps[-1][1] >= MIN_END_HOLD
    assert sc.concluded_with == "done"


def test_video_writes_srt_next_to_it(tmp_path):
    import srt

    with manim_config("l", media_dir=str(tmp_path), write_to_movie=True, input_file=__file__):
        sc = Tiny(options=RenderOptions(pace="0.2"))
        sc.render()
        movie = sc.renderer.file_writer.movie_file_path
    from pathlib import Path

    sub = Path(movie).with_suffix(".srt")
    assert sub.exists()
    entries = list(srt.parse(sub.read_text()))
    assert [e.content for e in entries] == ["a square", "the event", "done"]
    assert entries[-1].end.total_seconds() <= sc.renderer.time + 1e-6


def test_one_progress_bar_for_the_whole_scene_at_high_quality(monkeypatch, capsys):
    """At QUALITY=h/p/k one bar counts the scene's video seconds (its total is the declared length)."""
    from studio import render
    from studio.timing import Timing

    declared = sum(e["d"] for e in _timeline().timeline if e["what"] in ("play", "wait"))
    monkeypatch.setattr(render, "timeline", lambda name, options: Timing(name, (), declared, (), None, 0, ()))
    bar = render.ProgressBar("PrimalDual", RenderOptions(quality="h"))
    sc = _timeline(observers=[bar])
    bar.close()
    err = capsys.readouterr().err
    total = sum(e["d"] for e in sc.timeline if e["what"] in ("play", "wait"))
    assert err.count("PrimalDual -qh") >= 1 and "100%" in err
    assert f"{total:.1f}/{total:.1f} s of video" in err


class Recorder:
    """An observer that writes down what it is told (plays, waits, key frames, the conclusion)."""

    def __init__(self):
        self.seen = []

    def on_play(self, scene, seconds, wait):
        self.seen.append(("wait" if wait else "play", round(seconds, 6)))

    def on_key_frame(self, scene, name):
        self.seen.append(("key", name))

    def on_conclude(self, scene, text):
        self.seen.append(("conclude", text))


def test_observers_see_every_play_wait_key_frame_and_the_conclusion():
    rec = Recorder()
    sc = _timeline(observers=[rec])
    want = []
    for e in sc.timeline:
        if e["what"] in ("play", "wait"):
            want.append((e["what"], round(e["d"], 6)))
        elif e["what"] == "key":
            want.append(("key", e["name"]))
        elif e["what"] == "conclude":
            want.append(("conclude", e["text"]))
    assert rec.seen == want
    assert [s for s in rec.seen if s[0] == "key"] == [("key", "initial"), ("key", "event")]
    assert rec.seen[-3] == ("conclude", "done")  # then the line fades in (a play) and is held (a wait)
