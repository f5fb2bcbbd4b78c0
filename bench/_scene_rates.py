"""Render time per second of video of every registered scene at -ql (not run by `make bench`: minutes).

    .venv/bin/python bench/_scene_rates.py [Scene ...]

Prints, per scene: video length, slides (from the declared timing), render
time (wall and CPU) and seconds of render per second of video, next to the
seed's own animations measured with manim 0.21 at -ql on the same kind of
machine (mw_animation 0.82 s, wisdom_of_crowd 3.7 s per video second).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

SEED = {"MWWeightBars": ("mw_animation", 0.82), "WisdomOfTheCrowd": ("wisdom_of_crowd", 3.7)}


def main(names: list[str]) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="bench-rates-"))
    os.environ.setdefault("BYZMW_MEDIA", str(tmp / "media"))
    os.environ.setdefault("BYZMW_TRACES", str(tmp / "traces"))
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from studio import registry
    from studio.render import render_serial
    from studio.timing import timeline

    names = names or list(registry.scenes())
    print(f"{'scene':<24} {'video s':>8} {'slides':>6} {'render s':>9} {'CPU s':>7} {'s/video s':>10}  seed")
    for name in names:
        tm = timeline(name)  # also warms the trace and the LaTeX cache
        c0, w0 = time.process_time(), time.perf_counter()
        render_serial(name, progress=False)  # one manim run, no cache
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        seed = SEED.get(name)
        seed_txt = f"{seed[0]} {seed[1]:.2f}" if seed else ""
        print(
            f"{name:<24} {tm.length:8.1f} {tm.slides:6d} {wall:9.1f} {cpu:7.1f} {wall / tm.length:10.2f}  {seed_txt}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
