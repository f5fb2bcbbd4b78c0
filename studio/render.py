"""Rendering scenes in-process: talk videos, paper stills, the test fast mode."""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np

from .paths import MANIM_CFG, media_dir, stills_dir, tex_cache_dir
from .registry import scene

QUALITIES = {"l": "low_quality", "m": "medium_quality", "h": "high_quality", "p": "production_quality",
             "k": "fourk_quality"}


class RenderError(RuntimeError):
    pass


def _quality(q: str) -> str:
    if q not in QUALITIES:
        raise RenderError(f"QUALITY: must be one of {', '.join(QUALITIES)}, got {q!r}")
    return QUALITIES[q]


@contextlib.contextmanager
def manim_config(quality: str = "l", **overrides):
    """manim.cfg of the repo (whatever the cwd), then quality and overrides."""
    import logging

    from manim import config, tempconfig

    logging.getLogger("manim").setLevel(logging.WARNING)   # no "Reading config file" lines
    config.digest_file(str(MANIM_CFG))
    opts = {"quality": _quality(quality), "media_dir": str(media_dir()), "tex_dir": str(tex_cache_dir()),
            "verbosity": "WARNING", "progress_bar": "none", "disable_caching": True}
    opts.update(overrides)
    with tempconfig(opts):
        yield config


def render_video(name: str, quality: str = "l") -> Path:
    """Render one scene as a talk video; returns the movie path."""
    entry = scene(name)
    with manim_config(quality, input_file=str(entry.file)):
        sc = entry.cls()
        sc.render()
        return Path(sc.renderer.file_writer.movie_file_path)


def capture_key_frames(name: str, out_dir: Path, quality: str = "l", transparent: bool = False) -> list[Path]:
    """Run a scene with animations skipped and save each key frame as PNG.

    Files are ``out_dir/<key>.png``: stable names a paper's LaTeX can include.
    """
    from PIL import Image

    import scenes.base as base

    entry = scene(name)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def sink(sc, key):
        frame = sc.current_frame()
        img = Image.fromarray(np.asarray(frame))
        img = img.convert("RGBA" if transparent else "RGB")
        path = out_dir / f"{key}.png"
        tmp = path.with_name(f".{path.name}.tmp")
        img.save(tmp, format="PNG")
        tmp.replace(path)
        written.append(path)

    with manim_config(quality, input_file=str(entry.file), save_last_frame=True, write_to_movie=False,
                      transparent=transparent):
        base._STILL_SINK.append(sink)
        try:
            sc = entry.cls()
            sc.render()
        finally:
            base._STILL_SINK.remove(sink)
    missing = [k for k in entry.key_frames if k not in sc.reached_key_frames]
    if missing:
        raise RenderError(f"{name}: declared key frames never reached: {', '.join(missing)}")
    return written


def write_stills(names: list[str], quality: str = "h", transparent: bool = False) -> list[Path]:
    out = []
    for name in names:
        out += capture_key_frames(name, stills_dir() / name, quality, transparent)
    return out
