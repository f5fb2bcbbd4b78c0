"""No text overlapped, crossed or hidden by another object, at any key frame or during any transition.

Generic over ``registry.scenes()``: each scene is replayed with its animations interpolated (nothing drawn)
and ``studio.overlap.overlaps`` looks at the middle and the end of every animation.
"""

from __future__ import annotations

import shutil

import pytest
from manim import LEFT, RIGHT, UP, Line

from kit.manim_env import manim_config
from kit.options import RenderOptions
from scenes.base import StudioScene
from scenes.pieces import COLORS, label
from studio import registry
from studio.overlap import Sampler, sweep_overlaps

SCENES = registry.scenes()
HAVE_LATEX = shutil.which("latex") is not None and shutil.which("dvisvgm") is not None


@pytest.mark.scene
@pytest.mark.parametrize("name", list(SCENES))
def test_no_text_is_overlapped_crossed_or_hidden(name):
    if not HAVE_LATEX:
        pytest.skip("LaTeX (latex, dvisvgm) is not installed")
    found = sweep_overlaps(name)
    assert not found, "\n".join(map(str, found[:12]))


class _Crossing(StudioScene):
    key_frames = ("initial",)

    def construct(self):
        a, b = label("left label").shift(LEFT * 3), label("right label").shift(RIGHT * 3)
        self.add(a, b)
        self.opening(caption="two labels")
        self.play(a.animate.shift(RIGHT * 6), b.animate.shift(LEFT * 6), run_time=2)  # they pass through each other
        ln, c = Line(LEFT * 5 + UP, RIGHT * 5 + UP, color=COLORS.muted), label("crossed").shift(UP)
        self.add(c, ln)
        self.play(ln.animate.shift(UP * 0.01), run_time=1)


def test_the_check_sees_a_transition_and_a_crossing_line():
    """Two labels that pass through each other only mid-animation, and a line through a label, are found."""
    from studio import overlap

    sampler = Sampler()
    with manim_config("l", write_to_movie=False, save_last_frame=False, skip_animations=False, frame_rate=15):
        sc = _Crossing(options=RenderOptions(), observers=[sampler])
        seen = {}

        def render(scene, time, moving_mobjects=None):
            if id(scene.animations) not in seen and time >= 0.5 * scene.duration:
                seen[id(scene.animations)] = True
                sampler.check(scene)
            sc.renderer.add_frame(None)

        sc.renderer.render, sc.renderer.update_frame, sc.renderer.get_frame = render, lambda *a, **k: None, lambda: None
        sc.render()
    hows = {(o.text, o.how) for o in sampler.found}
    assert ("leftlabel", "overlaps text") in hows  # only true in the middle of the first animation
    assert ("crossed", "is crossed by") in hows
    assert overlap.overlaps(sc) != []  # the line still crosses at the end
