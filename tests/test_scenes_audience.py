"""Every registered scene is fit for an audience, checked from its declared timing (no video rendered).

Generic over ``registry.scenes()``: a new scene is covered as soon as it is
discovered. One skipped-animation pass per scene (as for the stills) gives
its timeline and, at every key frame, what is on screen: colours, text
heights and fonts.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from kit.theme import theme
from studio import registry
from studio.timing import MAX_VIDEO_S, MIN_VIDEO_S, inspect_key_frames, problems

SCENES = registry.scenes()
# Scenes merged before these checks existed, and what they still lack (strict: an entry fails as soon as its
# scene is fixed, so that it is removed here). Fix the scene, then delete its name.
_DECIMAL = "numbers are manim DecimalNumber / axis numbers (LaTeX digits): use scenes.pieces.Number / tick_labels"
_NO_END = "ends without self.conclude(...) and/or key frames without captions (key_frame(name, notes=...))"
_SMALL = "LaTeX numbers under the minimum text height at 480p"
_SCRIPT = "formulas whose subscripts or \\tfrac parts fall under the minimum at TeX's script size"
KNOWN = {"fonts": {}, "timing": {}, "text": {}}


def _params(check):
    return [
        pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=KNOWN[check][n])) if n in KNOWN[check] else n
        for n in SCENES
    ]


HAVE_LATEX = shutil.which("latex") is not None and shutil.which("dvisvgm") is not None
_CACHE: dict = {}


def _inspected(name):
    if not HAVE_LATEX:
        pytest.skip("LaTeX (latex, dvisvgm) is not installed")
    if name not in _CACHE:
        _CACHE[name] = inspect_key_frames(name, pixels=True)
    return _CACHE[name]


@pytest.mark.scene
@pytest.mark.parametrize("name", list(SCENES))
def test_scene_renders_its_key_frames(name):
    """Every declared key frame is reached, in order, not blank, and each differs from the one before."""
    tm, frames = _inspected(name)
    assert list(tm.key_frames) == list(SCENES[name].key_frames)
    imgs = [frames[k]["frame"].astype(float) for k in tm.key_frames]
    for k, img in zip(tm.key_frames, imgs):
        assert img.shape == (480, 854, 3)
        assert img.std() > 3, f"{name}/{k} is blank"
    for a, b in zip(imgs, imgs[1:]):
        assert np.abs(a - b).mean() > 0.05, "consecutive key frames are identical"


@pytest.mark.scene
@pytest.mark.parametrize("name", _params("timing"))
def test_timing_is_fit_for_an_audience(name):
    """20-90 s; opens on the held initial state; holds at every key frame; conclusion line and >= 2 s end hold."""
    tm, _ = _inspected(name)
    assert MIN_VIDEO_S <= tm.length <= MAX_VIDEO_S, f"{name}: {tm.length:.1f} s of video"
    assert problems(tm, SCENES[name].key_frames) == []
    assert tm.captions, f"{name}: no subtitles"
    assert tm.captions[-1][2] == tm.conclusion


@pytest.mark.scene
@pytest.mark.parametrize("name", list(SCENES))
def test_key_frames_use_only_theme_colours(name):
    _, frames = _inspected(name)
    allowed = theme().all_colours("talk")
    for key, f in frames.items():
        assert not f["colours"] - allowed, (
            f"{name}/{key}: colours outside assets/theme.toml: {sorted(f['colours'] - allowed)}"
        )


@pytest.mark.scene
@pytest.mark.parametrize("name", _params("text"))
def test_key_frame_text_is_readable_at_480p(name):
    _, frames = _inspected(name)
    least = theme().min_text_px_480
    for key, f in frames.items():
        assert f["texts"], f"{name}/{key}: no text measured"
        small = [(t, round(h, 1)) for t, h in f["texts"] if h < least]
        assert not small, f"{name}/{key}: text below {least} px at 480p: {small}"


@pytest.mark.scene
@pytest.mark.parametrize("name", _params("fonts"))
def test_key_frames_use_one_font_family(name):
    _, frames = _inspected(name)
    for key, f in frames.items():
        assert f["fonts"] == [], f"{name}/{key}: {f['fonts']}"


@pytest.mark.scene
@pytest.mark.parametrize("name", list(SCENES))
def test_byzantine_is_never_told_by_colour_alone(name):
    """Wherever a Byzantine party is drawn it is also a triangle, a dashed arrow or a hatched bar: no circle-shaped
    shape (a Dot, a Circle, a circle drawn by points) is filled or stroked with the Byzantine colour, legends
    included."""
    _, frames = _inspected(name)
    for key, f in frames.items():
        assert f["byzantine_circles"] == [], f"{name}/{key}: Byzantine circles {f['byzantine_circles']}"


@pytest.mark.scene
@pytest.mark.parametrize("name", list(SCENES))
def test_a_role_colour_means_its_role(name):
    """One meaning per colour: every legend row drawn in a role colour names that role's meaning
    (assets/theme.toml [role_words]); a role colour borrowed for something else ('removed weight' in the estimate
    colour, a task in the theory colour) fails here."""
    th = theme()
    meaning = th.meaning_of("talk")
    _, frames = _inspected(name)
    for key, f in frames.items():
        for text, colours, _ in f["legend_rows"]:
            for c in colours:
                role = meaning.get(c)
                if role in th.role_words:
                    words = th.role_words[role]
                    assert any(w in text.lower() for w in words), f"{name}/{key}: {text!r} in the {role} colour"


@pytest.mark.scene
@pytest.mark.parametrize("name", list(SCENES))
def test_paper_figures(name, tmp_path):
    """THEME=paper WIDTH=single: the scene's paper stills are journal figures. Only paper colours (a colour kept
    from the talk theme, e.g. read into a module constant at import, is caught here); no title; each a PDF of
    vector paths 3.5 in wide (and an SVG and a 300 DPI PNG of the same), every text >= the theme's min_pt; each
    legend lists only what is drawn."""
    if not HAVE_LATEX:
        pytest.skip("LaTeX (latex, dvisvgm) is not installed")
    import re

    from kit.options import WIDTHS, RenderOptions
    from scenes.base import RenderObserver
    from scenes.pieces.layout import MAIN_TOP
    from studio.paper import collect
    from studio.render import StillWriter
    from studio.timing import KeyFrameInspector, timeline

    class TitleRow(RenderObserver):
        def __init__(self):
            self.found = {}

        def on_key_frame(self, scene, key):
            d = collect(scene)
            self.found[key] = [type(m).__name__ for m in d.members if m.get_bottom()[1] > MAIN_TOP + 0.4]

    th = theme()
    inspector, writer, heads = KeyFrameInspector(), StillWriter(tmp_path, width="single"), TitleRow()
    timeline(name, RenderOptions(theme="paper", width="single"), [inspector, writer, heads])
    allowed = th.all_colours("paper")
    for key, f in inspector.found.items():
        assert not f["colours"] - allowed, (
            f"{name}/{key} (paper): colours outside the paper theme: {sorted(f['colours'] - allowed)}"
        )
    stills = SCENES[name].cls.paper_still_names()
    assert stills and set(stills) <= set(SCENES[name].key_frames)
    assert set(writer.figures) == set(stills)
    for key, fig in writer.figures.items():
        assert fig.width_in == WIDTHS["single"]
        assert fig.smallest_pt >= th.min_pt, f"{name}/{key}: {fig.smallest_text!r} at {fig.smallest_pt:.1f} pt"
        assert fig.skipped == [], f"{name}/{key}: not vector: {fig.skipped}"
        pdf = (tmp_path / f"{key}.pdf").read_bytes()
        assert pdf.startswith(b"%PDF-")
        box = re.search(rb"/MediaBox \[\s*0 0 ([0-9.]+) ([0-9.]+)\s*\]", pdf)
        assert box and abs(float(box.group(1)) - 72 * WIDTHS["single"]) < 0.5, box
        assert b"/Image" not in pdf, f"{name}/{key}: the PDF holds a bitmap"
        for kept in fig.legends:  # rows of every legend drawn: each explains a shape drawn outside the legend
            assert kept, f"{name}/{key}: an empty legend"
    # no slide title or headline: nothing is drawn in the title's row at the top of the frame
    for key in stills:
        assert not heads.found[key], f"{name}/{key}: drawn in the title row: {heads.found[key]}"
    for key in stills:
        rows = inspector.found[key]["legend_rows"]
        shown = [(t, d) for t, _, d in rows]
        for text, drawn in shown:
            if text in sum(writer.figures[key].legends, []):
                assert drawn, f"{name}/{key}: legend row {text!r} kept but nothing drawn in its colour"


@pytest.mark.parametrize("span", [0.03, 0.7, 1.0, 6.5, 13.0, 14.0, 99.0, 2.4e5])
def test_a_plot_frame_takes_the_coarsest_1_2_5_step_that_fits(span):
    """plot_frame's ticks: a step of 1, 2 or 5 times a power of ten, at most 7 ticks on the span, and the next
    finer such step would put more (so the numbers are as many as fit, never crowded)."""
    import math

    from scenes.pieces.layout import nice_step

    step = nice_step(span)
    mantissa = step / 10 ** math.floor(math.log10(step) + 1e-9)
    assert min(abs(mantissa - m) for m in (1, 2, 5)) < 1e-9
    assert span / step <= 7 + 1e-9
    finer = {1: 0.5, 2: 0.5, 5: 0.4}[round(mantissa)] * step
    assert span / finer > 7
