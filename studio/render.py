"""Rendering scenes in-process: talk videos, paper stills, the test fast mode.

Renders can run at the same time, even of one scene: each gets a private media folder and the LaTeX
cache is locked (see kit.manim_env); the finished movie is published with one atomic rename.

Every render takes one :class:`~kit.options.RenderOptions` (parameters, pace, theme, quality, ...), validated
before anything runs, and hands it to the scene; the trace, video and stills of a SET= render get their own
names (``<Scene>__eta=0.5_rounds=20``), so a default render is never overwritten. The shell watches a render
through :class:`scenes.base.RenderObserver` (progress bar, stills).
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import numpy as np

from kit.manim_env import RenderError, manim_config  # noqa: F401  (RenderError: part of this module's interface)
from kit.options import RenderOptions, params_suffix, variant_suffix
from kit.paths import media_dir, stills_dir
from scenes.base import RenderObserver
from sim.core.cli import parse_sets
from sim.core.errors import ParamError
from sim.core.files import atomic_write

from .registry import SceneEntry, scene
from .timing import run_skipping_animations, timeline

PAPER_WIDTH = "double"  # paper figures without WIDTH=: two columns (7.2 in)
PROGRESS_QUALITIES = ("h", "p", "k")  # long renders: one progress bar for the whole scene
DPI_QUALITIES = ("h", "p", "k")  # stills carry 300 DPI metadata (LaTeX sizes them sensibly)
STILL_DPI = 300


def publish(path: Path, private_root: Path) -> Path:
    """Move a file out of a private media folder to the same place under media_dir() (atomic rename)."""
    final = media_dir() / Path(path).resolve().relative_to(Path(private_root).resolve())
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, final)
    return final


# -- options: SET, PACE, THEME ------------------------------------------------------------------------
def parse_set(items) -> dict:
    """``"eta=0.5 rounds=20"`` (or a list of such strings) -> {"eta": "0.5", ...}: the one ``--set`` grammar
    (sim.core.cli.parse_sets; a comma belongs to the value, a name at most once)."""
    return parse_sets(items, flag="SET")


def resolve(name: str, options: RenderOptions | None = None) -> tuple[SceneEntry, dict, str]:
    """(the registered scene, the parameters ``options.sets`` changes, the output-name suffix), validated."""
    options = options or RenderOptions()
    entry = scene(name)
    _, chosen = entry.cls.trace_spec_for(options)
    return entry, chosen, variant_suffix(chosen, options)


# -- videos -------------------------------------------------------------------------------------------
class ProgressBar(RenderObserver):
    """One progress bar over the whole scene's video seconds (the total from its declared timing)."""

    def __init__(self, name: str, options: RenderOptions):
        from tqdm import tqdm

        total = timeline(name, options=options).length
        self.bar = tqdm(
            total=round(total, 1),
            unit="s",
            desc=f"{name} -q{options.quality}",
            leave=True,
            file=sys.stderr,
            bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.1f}/{total:.1f} s of video [{elapsed}<{remaining}]",
        )

    def on_play(self, scene, seconds, wait):
        self.bar.update(min(seconds, self.bar.total - self.bar.n))

    def close(self):
        self.bar.close()


def render_video(name: str, options: RenderOptions | None = None, *, progress: bool | None = None) -> Path:
    """Render one scene as a talk video (with its .srt subtitles); returns the movie path."""
    options = options or RenderOptions()
    entry, _, suffix = resolve(name, options)
    if progress is None:
        progress = options.quality in PROGRESS_QUALITIES
    bar = ProgressBar(entry.name, options) if progress else None
    try:
        with manim_config(
            options.quality, theme_name=options.theme, input_file=str(entry.file), output_file=entry.name + suffix
        ) as cfg:
            sc = entry.cls(options=options, observers=[bar] if bar else [])
            sc.render()
            movie = Path(sc.renderer.file_writer.movie_file_path)
            srt = movie.with_suffix(".srt")
            if srt.exists():  # the subtitles go next to the published video
                publish(srt, Path(cfg.media_dir))
            return publish(movie, Path(cfg.media_dir))
    finally:
        if bar:
            bar.close()


# -- stills -------------------------------------------------------------------------------------------
def stills_folder(name: str, options: RenderOptions | None = None, chosen: dict | None = None) -> Path:
    """stills/<Scene>[__params]/ for the talk theme (and .../talk-transparent/); paper figures in
    .../paper-double/ or .../paper-single/ (and ...-transparent/)."""
    options = options or RenderOptions()
    base = stills_dir() / (name + params_suffix(chosen or {}))
    variant = options.theme
    if options.theme == "paper":
        variant += "-" + (options.width or PAPER_WIDTH)
    variant += "-transparent" if options.transparent else ""
    return base if variant == "talk" else base / variant


class StillWriter(RenderObserver):
    """Saves the picture of every key frame as ``<out_dir>/<key>.png`` (stable names a paper can include).

    In the paper theme it writes paper figures instead (``studio.paper``): only the scene's paper stills, each
    as ``<key>.pdf``, ``.svg`` and ``.png``, cropped to content and sized for the column ``width``.
    """

    def __init__(
        self, out_dir: Path, transparent: bool = False, dpi: int | None = None, width: str | None = None, report=None
    ):
        self.out_dir, self.transparent, self.dpi, self.width = Path(out_dir), transparent, dpi, width
        self.report = report  # called with (key, studio.paper.Figure) for every paper figure
        self.written: list[Path] = []
        self.figures: dict = {}  # key -> studio.paper.Figure (paper theme)

    def on_key_frame(self, scene, name):
        if scene.figure_mode:
            if name not in type(scene).paper_still_names():
                return
            from .paper import write_figure

            fig = write_figure(scene, self.out_dir / name, self.width or PAPER_WIDTH, self.transparent)
            self.figures[name] = fig
            self.written += fig.paths
            if self.report:
                self.report(name, fig)
            return
        from PIL import Image

        img = Image.fromarray(np.asarray(scene.current_frame())).convert("RGBA" if self.transparent else "RGB")
        buf = io.BytesIO()
        img.save(buf, format="PNG", **({"dpi": (self.dpi, self.dpi)} if self.dpi else {}))
        path = self.out_dir / f"{name}.png"
        atomic_write(path, buf.getvalue())  # own temp name: two stills runs of one scene do not collide
        self.written.append(path)


def capture_key_frames(
    name: str, out_dir: Path, options: RenderOptions | None = None, *, dpi=None, report=None
) -> list[Path]:
    """Run a scene with animations skipped and save each key frame as ``out_dir/<key>.png`` (paper: figures)."""
    options = options or RenderOptions()
    entry = scene(name)
    out_dir.mkdir(parents=True, exist_ok=True)
    writer = StillWriter(out_dir, options.transparent, dpi, options.width, report)
    sc = run_skipping_animations(name, options, [writer], save_last_frame=True, skip_animations=False)
    missing = [k for k in entry.key_frames if k not in sc.reached_key_frames]
    if missing:
        raise RenderError(f"{name}: declared key frames never reached: {', '.join(missing)}")
    return writer.written


def write_stills(names: list[str], options: RenderOptions | None = None, report=None) -> list[Path]:
    options = options or RenderOptions(quality="h")
    if options.sets and len(names) != 1:
        raise ParamError("SET: give one SCENE with SET=...")
    out = []
    for name in names:
        entry, chosen, _ = resolve(name, options)
        folder = stills_folder(entry.name, options, chosen)
        dpi = STILL_DPI if options.quality in DPI_QUALITIES else None
        out += capture_key_frames(name, folder, options, dpi=dpi, report=report)
    return out
