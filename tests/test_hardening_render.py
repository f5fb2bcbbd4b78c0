"""Two renders of one scene at once both succeed (private media folders, locked LaTeX cache).

Before: partial movie files shared one folder, and manim's SVG loader wrote and deleted ``<hash>_.svg``
beside each formula of the shared LaTeX cache, so one of two concurrent renders crashed on a missing SVG
in about 2 of 5 tries. The scene here is tiny (four formulas, two short animations) and the LaTeX cache
starts cold, so both processes compile and load the same formulas at the same moment.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from kit.paths import REPO

SCENE = r"""
from manim import FadeOut, MathTex, Scene, VGroup, Write


class TinyTex(Scene):
    def construct(self):
        g = VGroup(*[MathTex(rf"\eta_{{{i}}} = \frac{{{i}}}{{\tau}}") for i in range(4)]).arrange()
        self.play(Write(g), run_time=0.2)
        self.play(FadeOut(g), run_time=0.2)
"""

RUN = r"""
import importlib.util, sys
from pathlib import Path
from studio.render import manim_config, publish
spec = importlib.util.spec_from_file_location("tiny_scene", sys.argv[1])
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
with manim_config("l", input_file=sys.argv[1], frame_rate=5) as cfg:
    sc = m.TinyTex(); sc.render()
    print(publish(Path(sc.renderer.file_writer.movie_file_path), Path(cfg.media_dir)))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX locks")
def test_two_concurrent_renders_of_one_scene_both_succeed(tmp_path):
    pytest.importorskip("manim")
    scene = tmp_path / "tiny_scene.py"
    scene.write_text(SCENE)
    runner = tmp_path / "run.py"
    runner.write_text(RUN)
    media, tex = tmp_path / "media", tmp_path / "tex"
    env = {
        **os.environ,
        "BYZMW_MEDIA": str(media),
        "BYZMW_TEX_CACHE": str(tex),
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    procs = [
        subprocess.Popen(
            [sys.executable, str(runner), str(scene)],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err[-3000:]
        movie = out.strip().splitlines()[-1]
        assert movie.startswith(str(media / "videos")) and movie.endswith("TinyTex.mp4")
    movie = media / "videos" / "tiny_scene" / "480p5" / "TinyTex.mp4"
    assert movie.stat().st_size > 1000
    assert list((media / ".render").iterdir()) == [], "a private media folder was left behind"
    svgs = sorted(p.name for p in tex.iterdir() if p.suffix == ".svg")
    assert len(svgs) == 4 and not any("_" in s for s in svgs), svgs  # no stray copies of the SVG loader
    for s in svgs:
        assert (tex / s).read_bytes().rstrip().endswith(b"</svg>")


def test_stale_private_media_of_a_dead_render_is_removed(tmp_path, monkeypatch):
    from kit import manim_env as render
    from sim.core.files import host_tag

    monkeypatch.setenv("BYZMW_MEDIA", str(tmp_path))
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / render.PRIVATE / f"{host_tag()}-{dead.pid}-deadbeef"
    (stale / "videos").mkdir(parents=True)
    alive = tmp_path / render.PRIVATE / f"{host_tag()}-{os.getppid()}-cafecafe"
    alive.mkdir()
    with render.private_media() as d:
        assert d.is_dir() and d.parent == tmp_path / render.PRIVATE
    assert not d.exists() and not stale.exists() and alive.exists()
