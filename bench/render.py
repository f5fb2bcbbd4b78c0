"""Render cost of MWWeightBars against a bare control scene (run by `make bench`).

Both scenes are rendered at -ql in this run, as video: MWWeightBars first
(its play() durations are recorded), then a control scene of plain bars that
plays exactly the same number of animations with the same run times, hence
the same number of frames. Prints the ratio; target <= 1.5.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path


TARGET = 1.5


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="bench-render-"))
    import os

    os.environ.setdefault("BYZMW_MEDIA", str(tmp / "media"))
    os.environ.setdefault("BYZMW_TRACES", str(tmp / "traces"))
    from manim import Rectangle, Scene, Transform, VGroup

    from scenes.knowlson.mw_weight_bars import MWWeightBars
    from scenes.pieces import COLORS
    from studio.render import capture_key_frames, manim_config

    capture_key_frames("MWWeightBars", tmp / "warm", "l")  # warm the LaTeX cache and the trace

    durations: list[float] = []

    class Recorded(MWWeightBars):
        def play(self, *args, **kwargs):
            t0 = self.renderer.time
            super().play(*args, **kwargs)
            durations.append(self.renderer.time - t0)

    n = MWWeightBars.trace_spec.params["n_sources"]

    class Control(Scene):
        def construct(self):
            bars = VGroup(*[Rectangle(width=0.6, height=3, fill_color=COLORS.honest, fill_opacity=0.9, stroke_width=0)
                            .move_to([(i - n / 2) * 1.0, 0, 0]) for i in range(n)])
            self.add(bars)
            for k, d in enumerate(durations):
                h = 3 * (0.95 ** (k + 1))
                self.play(*[Transform(b, Rectangle(width=0.6, height=h, fill_color=COLORS.honest, fill_opacity=0.9,
                                                   stroke_width=0).move_to(b.get_bottom(), aligned_edge=[0, -1, 0]))
                            for b in bars], run_time=d - 1e-6)

    def timed(cls):
        with manim_config("l", input_file=str(Path(__file__)), write_to_movie=True):
            sc = cls()
            t0 = time.perf_counter()
            sc.render()
            return time.perf_counter() - t0, sc.renderer.num_plays, sc.renderer.time

    t_scene, plays, video_s = timed(Recorded)
    t_ctrl, plays_c, video_c = timed(Control)
    assert plays == plays_c and abs(video_s - video_c) < 1e-6, (plays, plays_c, video_s, video_c)
    ratio = t_scene / t_ctrl
    print(f"MWWeightBars -ql: {t_scene:.2f} s for {plays} animations, {video_s:.1f} s of video")
    print(f"bare control:     {t_ctrl:.2f} s for {plays_c} animations, {video_c:.1f} s of video")
    print(f"ratio MWWeightBars / control = {ratio:.2f}  (target <= {TARGET})  {'OK' if ratio <= TARGET else 'OVER TARGET'}")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
