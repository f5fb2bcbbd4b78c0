"""Rendering scenes in-process: talk videos, paper stills, the test fast mode.

Renders can run at the same time, even of one scene: each gets a private media folder and the LaTeX
cache is locked (see studio.manim_env); the finished movie is published with one atomic rename.

Every render takes the same options, validated before anything runs:

- ``sets``: trace parameters (``SET="eta=0.5 rounds=20"``), validated by the
  trace kind like ``python -m sim trace --set``; the trace, video and stills
  get their own names (``<Scene>__eta=0.5_rounds=20``), so a default render is
  never overwritten;
- ``pace``: slow, normal, fast or a multiplier (``PACE=``), see scenes.base;
- ``theme``: talk or paper (``THEME=``), the palette scenes draw with.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
from pathlib import Path

import numpy as np

from sim.core.errors import ParamError
from sim.core.files import atomic_write

from .manim_env import RenderError, _quality, manim_config  # noqa: F401  (RenderError, _quality: part of this module's interface)
from .paths import media_dir, stills_dir
from .registry import scene

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
    """``"eta=0.5 rounds=20"`` (or a list of such strings; commas also separate) -> {"eta": "0.5", ...}."""
    if isinstance(items, str):
        items = [items]
    out = {}
    for item in items or []:
        for part in re.split(r"[\s,]+", item.strip()):
            if not part:
                continue
            name, sep, value = part.partition("=")
            if not sep or not name or not value:
                raise ParamError(f"SET: expected name=value, got {part!r}")
            out[name] = value
    return out


def _slug(v) -> str:
    s = f"{v:g}" if isinstance(v, float) else str(v)
    return re.sub(r"[^A-Za-z0-9.+-]", "_", s)


def scene_variant(name: str, sets: dict | None = None):
    """(scene class, name suffix): the registered scene, or a subclass replaying a trace with ``sets``."""
    from sim.core.kinds import get_kind
    from studio.traces import TraceSpec

    entry = scene(name)
    if not sets:
        return entry.cls, ""
    spec = entry.cls.trace_spec
    if spec is None:
        raise ParamError(f"SET: scene {entry.name} replays no trace, so it has no parameters")
    kind = get_kind(spec.kind)
    allowed = [p.name for p in kind.params]
    for k in sets:
        if k not in allowed:
            raise ParamError(
                f"SET: {k}: unknown parameter of {entry.name}'s trace kind '{kind.name}'; allowed: {', '.join(allowed)}"
            )
    resolved = kind.resolve({**spec.params, **sets})  # coerces and range-checks, like sim trace --set
    chosen = {k: resolved[k] for k in sorted(sets)}
    suffix = "__" + "_".join(f"{k}={_slug(v)}" for k, v in chosen.items())
    cls = type(
        entry.name,
        (entry.cls,),
        {
            "trace_spec": TraceSpec(spec.kind, spec.seed, {**spec.params, **chosen}),
            "trace_label": entry.cls.trace_name() + suffix,
            "__module__": entry.cls.__module__,
            "__doc__": entry.cls.__doc__,
        },
    )
    return cls, suffix


def variant_suffix(sets_suffix: str = "", pace: str | None = None, theme_name: str | None = None) -> str:
    s = sets_suffix
    if pace not in (None, "", "normal"):
        s += f"__pace={_slug(pace)}"
    if theme_name not in (None, "", "talk"):
        s += f"__{theme_name}"
    return s


@contextlib.contextmanager
def options(pace: str | None = None, theme_name: str | None = None):
    """Validate PACE and THEME and make them the scenes' (BYZMW_PACE, BYZMW_THEME) while rendering."""
    from scenes.base import pace_multiplier

    from .theme import check_theme

    new = {}
    if pace not in (None, ""):
        pace_multiplier(str(pace))
        new["BYZMW_PACE"] = str(pace)
    if theme_name not in (None, ""):
        new["BYZMW_THEME"] = check_theme(theme_name)
    old = {k: os.environ.get(k) for k in new}
    os.environ.update(new)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        from scenes.pieces import apply_theme

        apply_theme()


# -- videos -------------------------------------------------------------------------------------------
@contextlib.contextmanager
def _progress(name: str, cls, quality: str, enabled: bool | None):
    """One progress bar over the whole scene's video seconds (from its declared timing)."""
    if enabled is None:
        enabled = quality in PROGRESS_QUALITIES
    if not enabled:
        yield
        return
    from tqdm import tqdm

    import scenes.base as base

    from .timing import timeline

    total = timeline(name, cls).length
    bar = tqdm(
        total=round(total, 1),
        unit="s",
        desc=f"{name} -q{quality}",
        leave=True,
        file=sys.stderr,
        bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.1f}/{total:.1f} s of video [{elapsed}<{remaining}]",
    )

    def hook(sc, d):
        bar.update(min(d, bar.total - bar.n))

    base._PLAY_HOOKS.append(hook)
    try:
        yield
    finally:
        base._PLAY_HOOKS.remove(hook)
        bar.close()


def render_video(
    name: str,
    quality: str = "l",
    *,
    sets: dict | None = None,
    pace: str | None = None,
    theme_name: str | None = None,
    progress: bool | None = None,
) -> Path:
    """Render one scene as a talk video (with its .srt subtitles); returns the movie path."""
    _quality(quality)
    entry = scene(name)
    with options(pace, theme_name):
        cls, sfx = scene_variant(entry.name, sets)
        out_name = entry.name + variant_suffix(sfx, pace, theme_name)
        with (
            _progress(entry.name, cls, quality, progress),
            manim_config(quality, input_file=str(entry.file), output_file=out_name) as cfg,
        ):
            sc = cls()
            sc.render()
            movie = Path(sc.renderer.file_writer.movie_file_path)
            srt = movie.with_suffix(".srt")
            if srt.exists():  # the subtitles go next to the published video
                publish(srt, Path(cfg.media_dir))
            return publish(movie, Path(cfg.media_dir))


# -- stills -------------------------------------------------------------------------------------------
def stills_folder(
    name: str, sets_suffix: str = "", theme_name: str | None = None, transparent: bool = False, pace: str | None = None
) -> Path:
    """stills/<Scene>[__params]/ for the talk theme; .../paper/, .../paper-transparent/, .../talk-transparent/."""
    base = stills_dir() / (name + sets_suffix)
    variant = (theme_name or "talk") + ("-transparent" if transparent else "")
    return base if variant == "talk" else base / variant


def capture_key_frames(
    name: str, out_dir: Path, quality: str = "l", transparent: bool = False, *, scene_cls=None, dpi: int | None = None
) -> list[Path]:
    """Run a scene with animations skipped and save each key frame as PNG.

    Files are ``out_dir/<key>.png``: stable names a paper's LaTeX can include.
    """
    from PIL import Image

    import scenes.base as base

    entry = scene(name)
    cls = scene_cls or entry.cls
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def sink(sc, key):
        frame = sc.current_frame()
        img = Image.fromarray(np.asarray(frame))
        img = img.convert("RGBA" if transparent else "RGB")
        path = out_dir / f"{key}.png"
        buf = io.BytesIO()
        img.save(buf, format="PNG", **({"dpi": (dpi, dpi)} if dpi else {}))
        atomic_write(path, buf.getvalue())  # own temp name: two stills runs of one scene do not collide
        written.append(path)

    with manim_config(
        quality, input_file=str(entry.file), save_last_frame=True, write_to_movie=False, transparent=transparent
    ):
        base._STILL_SINK.append(sink)
        try:
            sc = cls()
            sc.render()
        finally:
            base._STILL_SINK.remove(sink)
    missing = [k for k in entry.key_frames if k not in sc.reached_key_frames]
    if missing:
        raise RenderError(f"{name}: declared key frames never reached: {', '.join(missing)}")
    return written


def write_stills(
    names: list[str],
    quality: str = "h",
    transparent: bool = False,
    *,
    sets: dict | None = None,
    theme_name: str | None = None,
) -> list[Path]:
    _quality(quality)
    if sets and len(names) != 1:
        raise ParamError("SET: give one SCENE with SET=...")
    out = []
    with options(None, theme_name):
        for name in names:
            cls, sfx = scene_variant(name, sets)
            folder = stills_folder(scene(name).name, sfx, theme_name, transparent)
            out += capture_key_frames(
                name, folder, quality, transparent, scene_cls=cls, dpi=STILL_DPI if quality in DPI_QUALITIES else None
            )
    return out
