"""Rendering scenes in-process: talk videos, paper stills, the test fast mode.

Renders can run at the same time (two terminals, ``make -j``), even of one scene:

- every render writes into its own media folder ``media/.render/<host>-<pid>-<random>/``
  (partial movie files, the movie, images); the finished movie is moved into
  place (``media/videos/...``) with one atomic rename, and the private folder
  is removed. Folders of renders that were killed are removed by the next
  render (their pid is dead).
- the LaTeX cache (``tex_cache_dir()``) stays shared -- compiled formulas are
  reused -- but compiling into it holds an exclusive lock (``<cache>.lock`` beside it), and
  an SVG a killed compile left empty or truncated is compiled again. manim's
  SVG loader writes a modified copy ``<name>_.svg`` beside the SVG and deletes
  it (two renders deleted each other's copy: the "missing SVG" crash); here
  that copy has a name of its own process.

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
import secrets
import shutil
import sys
from pathlib import Path

import numpy as np

from sim.core.errors import ParamError
from sim.core.files import atomic_write, host_tag, pid_alive

from .paths import MANIM_CFG, media_dir, stills_dir, tex_cache_dir
from .registry import scene

PRIVATE = ".render"

QUALITIES = {"l": "low_quality", "m": "medium_quality", "h": "high_quality", "p": "production_quality",
             "k": "fourk_quality"}
PROGRESS_QUALITIES = ("h", "p", "k")   # long renders: one progress bar for the whole scene
DPI_QUALITIES = ("h", "p", "k")        # stills carry 300 DPI metadata (LaTeX sizes them sensibly)
STILL_DPI = 300


class RenderError(RuntimeError):
    pass


def _quality(q: str) -> str:
    if q not in QUALITIES:
        raise RenderError(f"QUALITY: must be one of {', '.join(QUALITIES)}, got {q!r}")
    return QUALITIES[q]


@contextlib.contextmanager
def tex_lock(d: Path | None = None):
    """Exclusive lock on a LaTeX cache folder (default tex_cache_dir()); blocks while another process compiles."""
    import fcntl

    d = Path(d) if d is not None else tex_cache_dir()
    d.mkdir(parents=True, exist_ok=True)
    # beside the cache, not in it: manim deletes every non-.svg/.tex file of the cache after a compile
    with open(d.with_name(d.name + ".lock"), "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _svg_ok(svg: Path) -> bool:
    try:
        with open(svg, "rb") as f:
            f.seek(max(0, svg.stat().st_size - 64))
            return b"</svg>" in f.read()
    except OSError:
        return False


def install_render_guards() -> None:
    """Make manim safe for concurrent renders sharing a LaTeX cache (idempotent; scenes.base calls it, so the
    manim CLI gets it too): tex_to_svg_file compiles under tex_lock and recompiles a truncated SVG; the SVG
    loader's temp copy gets a name of its own process."""
    import manim.mobject.text.tex_mobject as tex_mobject
    import manim.utils.tex_file_writing as tfw

    if getattr(tex_mobject.tex_to_svg_file, "_studio_locked", False):
        return
    original = tfw.tex_to_svg_file

    def locked(expression, environment=None, tex_template=None):
        with tex_lock(tfw.config.get_dir("tex_dir")):
            tex_file = tfw.generate_tex_file(expression, environment, tex_template)
            if not _svg_ok(tex_file.with_suffix(".svg")):   # missing, or left half-written by a killed compile
                for suffix in (".svg", ".dvi", ".xdv", ".pdf", ".log", ".aux", ".tex"):
                    with contextlib.suppress(FileNotFoundError):
                        tex_file.with_suffix(suffix).unlink()
            return original(expression, environment, tex_template)

    locked._studio_locked = True
    tfw.tex_to_svg_file = locked
    tex_mobject.tex_to_svg_file = locked
    _install_private_svg_temp()


def _install_private_svg_temp() -> None:
    """manim's SVGMobject.generate_mobject dumps its modified tree to ``<name>_.svg`` beside the SVG and deletes
    it: two processes loading one SVG (one formula of the shared LaTeX cache) delete each other's file. Same
    steps here with a temp name of this process only."""
    import xml.etree.ElementTree as ET

    import svgelements as se
    from manim import RIGHT
    from manim.mobject.svg.svg_mobject import SVGMobject

    if getattr(SVGMobject.generate_mobject, "_studio_private", False):
        return

    def generate_mobject(self):
        file_path = self.get_file_path()
        new_tree = self.modify_xml_tree(ET.parse(file_path))
        tmp = file_path.with_name(f".{file_path.stem}_{os.getpid()}_{secrets.token_hex(4)}{file_path.suffix}")
        try:
            new_tree.write(tmp)
            svg = se.SVG.parse(tmp)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        mobjects, mobject_dict = self.get_mobjects_from(svg)
        self.add(*mobjects)
        self.id_to_vgroup_dict = mobject_dict
        self.flip(RIGHT)
        return self

    generate_mobject._studio_private = True
    SVGMobject.generate_mobject = generate_mobject


def _sweep_private(root: Path) -> None:
    """Remove private media folders of renders on this host whose process is dead."""
    host = host_tag()
    try:
        entries = list(os.scandir(root))
    except OSError:
        return
    for e in entries:
        parts = e.name.split("-")
        if len(parts) < 3 or not parts[-2].isdigit() or "-".join(parts[:-2]) != host:
            continue
        if int(parts[-2]) != os.getpid() and not pid_alive(int(parts[-2])):
            shutil.rmtree(e.path, ignore_errors=True)


@contextlib.contextmanager
def private_media():
    """A media folder of this render only (removed at the end); stale ones of killed renders are removed."""
    root = media_dir() / PRIVATE
    root.mkdir(parents=True, exist_ok=True)
    _sweep_private(root)
    d = root / f"{host_tag()}-{os.getpid()}-{secrets.token_hex(4)}"
    d.mkdir()
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


@contextlib.contextmanager
def manim_config(quality: str = "l", **overrides):
    """manim.cfg of the repo (whatever the cwd), then quality and overrides; a private media folder.

    ``config.media_dir`` is this render's private folder (see the module
    docstring); keep what you need with :func:`publish` before the block ends.
    """
    import logging

    from manim import config, tempconfig

    from .theme import active_theme, theme

    install_render_guards()
    logging.getLogger("manim").setLevel(logging.WARNING)   # no "Reading config file" lines
    config.digest_file(str(MANIM_CFG))
    q = _quality(quality)
    with private_media() as media:
        opts = {"quality": q, "media_dir": str(media), "tex_dir": str(tex_cache_dir()),
                "verbosity": "WARNING", "progress_bar": "none", "disable_caching": True,
                "background_color": theme().palette_of(active_theme()).background}
        opts.update(overrides)
        with tempconfig(opts):
            yield config


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
    from studio.traces import TraceSpec
    from sim.core.kinds import get_kind

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
            raise ParamError(f"SET: {k}: unknown parameter of {entry.name}'s trace kind '{kind.name}'; "
                             f"allowed: {', '.join(allowed)}")
    resolved = kind.resolve({**spec.params, **sets})      # coerces and range-checks, like sim trace --set
    chosen = {k: resolved[k] for k in sorted(sets)}
    suffix = "__" + "_".join(f"{k}={_slug(v)}" for k, v in chosen.items())
    cls = type(entry.name, (entry.cls,), {
        "trace_spec": TraceSpec(spec.kind, spec.seed, {**spec.params, **chosen}),
        "trace_label": entry.cls.trace_name() + suffix, "__module__": entry.cls.__module__,
        "__doc__": entry.cls.__doc__})
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
    bar = tqdm(total=round(total, 1), unit="s", desc=f"{name} -q{quality}", leave=True, file=sys.stderr,
               bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.1f}/{total:.1f} s of video [{elapsed}<{remaining}]")

    def hook(sc, d):
        bar.update(min(d, bar.total - bar.n))

    base._PLAY_HOOKS.append(hook)
    try:
        yield
    finally:
        base._PLAY_HOOKS.remove(hook)
        bar.close()


def render_video(name: str, quality: str = "l", *, sets: dict | None = None, pace: str | None = None,
                 theme_name: str | None = None, progress: bool | None = None) -> Path:
    """Render one scene as a talk video (with its .srt subtitles); returns the movie path."""
    _quality(quality)
    entry = scene(name)
    with options(pace, theme_name):
        cls, sfx = scene_variant(entry.name, sets)
        out_name = entry.name + variant_suffix(sfx, pace, theme_name)
        with _progress(entry.name, cls, quality, progress), \
                manim_config(quality, input_file=str(entry.file), output_file=out_name) as cfg:
            sc = cls()
            sc.render()
            movie = Path(sc.renderer.file_writer.movie_file_path)
            srt = movie.with_suffix(".srt")
            if srt.exists():                      # the subtitles go next to the published video
                publish(srt, Path(cfg.media_dir))
            return publish(movie, Path(cfg.media_dir))


# -- stills -------------------------------------------------------------------------------------------
def stills_folder(name: str, sets_suffix: str = "", theme_name: str | None = None, transparent: bool = False,
                  pace: str | None = None) -> Path:
    """stills/<Scene>[__params]/ for the talk theme; .../paper/, .../paper-transparent/, .../talk-transparent/."""
    base = stills_dir() / (name + sets_suffix)
    variant = (theme_name or "talk") + ("-transparent" if transparent else "")
    return base if variant == "talk" else base / variant


def capture_key_frames(name: str, out_dir: Path, quality: str = "l", transparent: bool = False, *,
                       scene_cls=None, dpi: int | None = None) -> list[Path]:
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
        atomic_write(path, buf.getvalue())     # own temp name: two stills runs of one scene do not collide
        written.append(path)

    with manim_config(quality, input_file=str(entry.file), save_last_frame=True, write_to_movie=False,
                      transparent=transparent):
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


def write_stills(names: list[str], quality: str = "h", transparent: bool = False, *, sets: dict | None = None,
                 theme_name: str | None = None) -> list[Path]:
    _quality(quality)
    if sets and len(names) != 1:
        raise ParamError("SET: give one SCENE with SET=...")
    out = []
    with options(None, theme_name):
        for name in names:
            cls, sfx = scene_variant(name, sets)
            folder = stills_folder(scene(name).name, sfx, theme_name, transparent)
            out += capture_key_frames(name, folder, quality, transparent, scene_cls=cls,
                                      dpi=STILL_DPI if quality in DPI_QUALITIES else None)
    return out
