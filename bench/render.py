"""Render cost of MWWeightBars against a bare control scene (run by `make bench`).

What is measured is the scene's own overhead: both scenes render the same
video (same frames, same animations with the same run times, the same holds
as frozen frames, both encoded), so everything they share (frame encoding,
manim's per-play machinery, the frame count) cancels in the ratio. The
control's bars move in front of the scene's own frozen layout (its first
picture: titles, axes, legend), so that the encoder compresses pictures of the
same detail in both; a bare control (bars on an empty background, cheaper to
encode) is printed for information. Each is
timed in CPU seconds of this process (``time.process_time``: other processes
on a busy machine do not count), after a warm-up that compiles the LaTeX and
loads the trace, and the two are run in pairs, alternating; the ratio printed
is the median over the pairs. Target <= 1.5.

    .venv/bin/python bench/render.py [pairs]      # default 5 pairs
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

TARGET = 1.5


def main(pairs: int = 5) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="bench-render-"))
    os.environ.setdefault("BYZMW_MEDIA", str(tmp / "media"))
    os.environ.setdefault("BYZMW_TRACES", str(tmp / "traces"))
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from manim import Rectangle, Scene, Transform, VGroup

    from scenes.mw.mw_weight_bars import MWWeightBars
    from scenes.pieces import COLORS
    from studio.render import capture_key_frames, manim_config

    capture_key_frames("MWWeightBars", tmp / "warm")  # warm the LaTeX cache and the trace

    steps: list[tuple[str, float]] = []  # (play|wait, run time) of the scene, replayed by the control

    layout = {}

    class Recorded(MWWeightBars):
        def construct(self):
            super().construct()
            steps[:] = [(e["what"], e["d"]) for e in self.timeline if e["what"] in ("play", "wait")]

        def build_layout(self, tr):
            super().build_layout(tr)
            layout.setdefault("background", self.renderer.camera.background.copy())  # the frozen layout

    n = MWWeightBars.trace_spec.params["n_sources"]

    class Control(Scene):
        on_layout = True

        def construct(self):
            if self.on_layout:
                cam = self.renderer.camera
                cam.background = layout["background"].copy()
                cam.reset()
            bars = VGroup(
                *[
                    Rectangle(width=0.6, height=3, fill_color=COLORS.honest, fill_opacity=0.9, stroke_width=0).move_to(
                        [(i - n / 2) * 1.0, 0, 0]
                    )
                    for i in range(n)
                ]
            )
            self.add(bars)
            for k, (what, d) in enumerate(steps):
                if what == "wait":
                    self.wait(d)
                    continue
                h = 3 * (0.95 ** (k + 1))
                self.play(
                    *[
                        Transform(
                            b,
                            Rectangle(
                                width=0.6, height=h, fill_color=COLORS.honest, fill_opacity=0.9, stroke_width=0
                            ).move_to(b.get_bottom(), aligned_edge=[0, -1, 0]),
                        )
                        for b in bars
                    ],
                    run_time=d,
                )

    def timed(cls):
        with manim_config("l", input_file=str(Path(__file__)), write_to_movie=True):
            sc = cls()
            c0, w0 = time.process_time(), time.perf_counter()
            sc.render()
            return time.process_time() - c0, time.perf_counter() - w0, sc.renderer.num_plays, sc.renderer.time

    class Bare(Control):
        on_layout = False

    timed(Recorded)  # records the steps and the layout (and warms manim's caches for all three)
    ratios, bare, rows = [], [], []
    for _ in range(pairs):
        cs, ws, plays, video_s = timed(Recorded)
        cc, wc, plays_c, video_c = timed(Control)
        cb, wb, plays_b, video_b = timed(Bare)
        assert plays == plays_c == plays_b and abs(video_s - video_c) < 1e-6, (plays, plays_c, video_s, video_c)
        ratios.append(cs / cc)
        bare.append(cs / cb)
        rows.append((cs, cc, cb, ws, wc))
    ratio = statistics.median(ratios)
    print(f"MWWeightBars -ql: {plays} animations, {video_s:.1f} s of video; control: the same")
    for i, (cs, cc, cb, ws, wc) in enumerate(rows, 1):
        print(
            f"  pair {i}: scene {cs:.2f} s CPU ({ws:.2f} s wall), control {cc:.2f} s CPU ({wc:.2f} s wall), "
            f"ratio {cs / cc:.2f}; bare control {cb:.2f} s CPU, ratio {cs / cb:.2f}"
        )
    print(f"ratio MWWeightBars / bare control = {statistics.median(bare):.2f} (median of {pairs}, for information)")
    print(
        f"ratio MWWeightBars / control = {ratio:.2f} (median of {pairs} pairs, CPU time)  "
        f"(target <= {TARGET})  {'OK' if ratio <= TARGET else 'OVER TARGET'}"
    )
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5))
