"""A scene's render cut at its plays: any subset of its plays rendered in another process, byte-identical.

Manim writes one partial movie file per play (every ``play`` and ``wait``) and joins them by stream copy. Here:

- :func:`probe` runs a scene once with a camera that draws nothing and hashes what it would draw. Per play it
  records the digest of every frame (the background, then each drawn mobject in drawing order: its class, its
  points, colours, widths and every other plain attribute), the frame count, the subtitles and the slide breaks.
  Two plays with one digest draw the same frames, so the digest keys the play's partial file in the cache
  (:mod:`studio.render_cache`), whatever code produced it: a changed caption changes the plays it lengthens,
  not the others. The probe's own clock is the renderer's (it runs the render path), so its subtitles are
  those of a serial render, to the millisecond.
- :func:`render_plays` renders a chosen set of plays. The other plays before the last one run *quietly*: every
  frame's step (interpolation, updaters, the renderer's clock advanced frame by frame) without drawing or
  encoding, so each rendered play starts from the state, and at the time, a serial render reaches, and its
  partial file has the bytes of the serial one (tests/test_render_segments.py checks every scene).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import numpy as np
from manim.camera.camera import Camera
from manim.renderer.cairo_renderer import CairoRenderer
from manim.scene.scene_file_writer import SceneFileWriter
from manim.utils.exceptions import EndSceneEarlyException

from kit.manim_env import encoder_threads_pinned, manim_config
from kit.options import RenderOptions

MODES = ("video", "slides")


# -- the digest camera -----------------------------------------------------------------------------------
class _Pixels(bytes):
    """What the digest camera has instead of a picture: the digest of how the picture was drawn."""

    def copy(self) -> _Pixels:
        return self


def _pixels_of(value) -> _Pixels:
    if isinstance(value, _Pixels):
        return value
    a = np.ascontiguousarray(value)
    h = hashlib.blake2b(digest_size=20)
    h.update(f"array {a.dtype.str} {a.shape}".encode())
    h.update(a.data)
    return _Pixels(h.digest())


# bookkeeping the camera never reads; original_id (an id()) and point_hash (a cache) differ between runs; an SVG
# path's source and the options it was parsed with (its points are what is drawn)
_NOT_DRAWN = frozenset(
    {"submobjects", "updaters", "parents", "animation_overrides", "name", "original_id", "point_hash",
     "updating_suspended", "target", "saved_state", "path_obj", "long_lines", "should_subdivide_sharp_curves",
     "should_remove_null_curves"}
)  # fmt: skip
# A Text's glyphs are VMobjectFromSVGPath when parsed, plain VMobject when kit.text_outlines rebuilt them from its
# cache: the same points and style, so the same pixels (a probe must not depend on what that cache held)
_SAME_CLASS = {"VMobjectFromSVGPath": "VMobject"}


def _feed(h, m) -> None:
    """Everything of mobject ``m`` the camera could read: its class and every plain attribute (arrays, numbers,
    strings, enums, colours). Submobjects are fed on their own (the camera draws the family member by member)."""
    name = type(m).__qualname__
    h.update(_SAME_CLASS.get(name, name).encode())
    for k, v in vars(m).items():
        if k in _NOT_DRAWN:
            continue
        if isinstance(v, np.ndarray):
            if v.dtype.hasobject:
                h.update(f"|{k}:{v!r}".encode())
                continue
            a = np.ascontiguousarray(v)
            h.update(f"|{k}:{a.dtype.str}{a.shape}".encode())
            h.update(a.data)
        elif v is None or isinstance(v, (bool, int, float, str, Enum)):
            h.update(f"|{k}={v!r}".encode())
        elif isinstance(v, tuple) and all(x is None or isinstance(x, (bool, int, float, str)) for x in v):
            h.update(f"|{k}={v!r}".encode())
        else:
            inner = getattr(v, "_internal_value", None)  # a ManimColor
            if isinstance(inner, np.ndarray):
                h.update(f"|{k}~".encode())
                h.update(np.ascontiguousarray(inner).data)


class DigestCamera(Camera):
    """A Cairo camera that draws nothing: its picture is the digest of the background and of what was drawn on
    it, in order (``capture_mobjects`` hashes the family members the real camera would draw)."""

    def init_background(self) -> None:
        super().init_background()
        self.background = _pixels_of(self.background)

    def set_pixel_array(self, pixel_array, convert_from_floats: bool = False) -> None:
        self.pixel_array = _pixels_of(pixel_array)

    def reset(self):
        self.pixel_array = _pixels_of(self.background)
        return self

    def set_frame_to_background(self, background) -> None:
        self.pixel_array = _pixels_of(background)

    def capture_mobjects(self, mobjects, **kwargs) -> None:
        h = hashlib.blake2b(self.pixel_array, digest_size=20)
        for m in self.get_mobjects_to_display(mobjects, **kwargs):
            if m.has_points() or hasattr(m, "pixel_array"):
                _feed(h, m)
        self.pixel_array = _Pixels(h.digest())

    def get_image(self, pixel_array=None):
        raise RuntimeError("the digest camera has no picture")


class _ProbeWriter(SceneFileWriter):
    """Writes nothing: records, per play, the digest of its frames and their count."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.plays: list[tuple[str, int]] = []
        self._h = None
        self._frames = 0

    def begin_animation(self, allow_write: bool = False, file_path=None) -> None:
        self._h, self._frames = hashlib.blake2b(digest_size=20), 0

    def write_frame(self, frame_or_renderer, num_frames: int = 1) -> None:
        self._h.update(bytes(frame_or_renderer))
        self._h.update(num_frames.to_bytes(8, "little"))
        self._frames += num_frames

    def end_animation(self, allow_write: bool = False) -> None:
        self.plays.append((self._h.hexdigest(), self._frames))

    def finish(self) -> None:  # nothing to join; the subtitles stay in self.subcaptions
        pass


class _ProbeRenderer(CairoRenderer):
    def __init__(self, **kwargs):
        super().__init__(file_writer_class=_ProbeWriter, camera_class=DigestCamera, **kwargs)
        self.play_seconds: list[float] = []  # CPU-side cost of each play's steps (what a quiet run costs)
        self.timeline_at: list[int] = []  # len(scene.timeline) when each play began

    def play(self, scene, *args, **kwargs):
        self.timeline_at.append(len(getattr(scene, "timeline", ())))
        t0 = time.perf_counter()
        super().play(scene, *args, **kwargs)
        self.play_seconds.append(time.perf_counter() - t0)


# -- what a probe finds ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Play:
    index: int
    digest: str  # of every frame it draws (DigestCamera); the cache key of its partial file
    frames: int
    probe_s: float  # seconds its steps took without drawing (the cost of running through it quietly)


@dataclass(frozen=True)
class Probe:
    name: str
    mode: str  # video | slides
    fps: float
    plays: tuple[Play, ...]
    cuts: tuple[int, ...]  # play indices where a slide begins (0 excluded): where a render can be cut
    srt: str | None  # the subtitles, as the serial render writes them
    movie: str  # where the movie goes, relative to the media folder (as a serial render publishes it)
    setup_s: float  # seconds of the run outside its plays (imports, layout, trace): every piece pays it
    slides: tuple = ()  # slides mode: manim-slides' PreSlideConfigs (start/end play indices, notes, ...)
    scene: object = None  # slides mode: the probed Slide scene (it writes the deck's JSON once files exist)

    @property
    def seconds(self) -> float:
        return sum(p.frames for p in self.plays) / self.fps


def slide_class(name: str, options: RenderOptions) -> type:
    """Scene ``name`` mixed with manim-slides' ``Slide`` (the adapter: slide breaks become slides), named after
    its deck (``<Scene>[__params]``: SET / PACE variants get their own deck)."""
    import logging

    from manim_slides.slide import Slide

    from kit.options import variant_suffix

    from .variants import resolve

    # manim-slides' logger has its own handler and also propagates to the root's: each line came out twice;
    # its INFO lines ("Generated 4 slides to ...") repeat what `byzmw slides` prints at the end
    slides_log = logging.getLogger("manim-slides")
    slides_log.propagate = False
    slides_log.setLevel(logging.WARNING)
    entry, chosen, _ = resolve(name, options)
    deck_name = entry.name + variant_suffix(chosen, options, theme=False)
    return type(deck_name, (Slide, entry.cls), {"__module__": entry.cls.__module__})


def scene_class(name: str, options: RenderOptions, mode: str, folder: Path | None = None):
    """(the class to construct, its keyword arguments, the scene file) of scene ``name`` in ``mode``."""
    from .registry import scene

    entry = scene(name)
    if mode == "video":
        return entry.cls, {}, entry.file
    if mode != "slides":
        raise ValueError(f"mode: expected one of {MODES}, got {mode!r}")
    return slide_class(name, options), {"output_folder": folder or Path(".")}, entry.file


def _config(name: str, options: RenderOptions, file: Path, output: str):
    return manim_config(options.quality, theme_name=options.theme, input_file=str(file), output_file=output,
                        write_to_movie=True, transparent=options.transparent)  # fmt: skip


def _render(sc) -> None:
    """Render the scene without manim-slides' own ending (concatenating the slides' files happens once, later)."""
    from scenes.base import StudioScene

    StudioScene.render(sc)


def probe(
    name: str, options: RenderOptions | None = None, mode: str = "video", folder: Path | None = None, output=None
) -> Probe:
    """Run scene ``name`` once without drawing: its plays' digests and frame counts, subtitles and cut points.

    ``output``: the movie's name (manim's output_file; default the scene's), for :attr:`Probe.movie`."""
    import srt

    options = options or RenderOptions()
    cls, kwargs, file = scene_class(name, options, mode, folder)
    t0 = time.perf_counter()
    with _config(name, options, file, output or name) as cfg:
        renderer = _ProbeRenderer()
        sc = cls(options=options, renderer=renderer, **kwargs)
        _render(sc)
        fps = float(cfg.frame_rate)
        movie = Path(renderer.file_writer.movie_file_path).resolve().relative_to(Path(cfg.media_dir).resolve())
        writer = renderer.file_writer
        plays = tuple(
            Play(i, d, n, s) for i, ((d, n), s) in enumerate(zip(writer.plays, renderer.play_seconds, strict=True))
        )
        subs = list(writer.subcaptions)
    breaks = [j for j, e in enumerate(sc.timeline) if e["what"] == "break"]
    cuts = sorted({sum(1 for at in renderer.timeline_at if at <= j) for j in breaks} - {0, len(plays)})
    slides = ()
    if mode == "slides":
        sc._add_last_slide()
        slides = tuple(sc._slides)
        cuts = sorted({s.start_animation for s in slides} - {0, len(plays)})
    setup_s = max(0.0, time.perf_counter() - t0 - sum(p.probe_s for p in plays))
    return Probe(name, mode, fps, plays, tuple(cuts), srt.compose(subs) if subs else None, str(movie), setup_s,
                 slides, sc if mode == "slides" else None)  # fmt: skip


# -- rendering some plays ------------------------------------------------------------------------------------
class TimedRenderer(CairoRenderer):
    """manim's renderer, unchanged, noting the wall seconds each play took (the costs a plan starts from)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seconds: dict[int, float] = {}

    def play(self, scene, *args, **kwargs):
        i, t0 = self.num_plays, time.perf_counter()
        super().play(scene, *args, **kwargs)
        self.seconds[i] = time.perf_counter() - t0


class _PiecesWriter(SceneFileWriter):
    """Writes the partial movie files of the rendered plays and nothing else (no joined movie, no subtitles)."""

    def finish(self) -> None:
        self.join_all_encode_jobs()


class SegmentRenderer(CairoRenderer):
    """Renders the plays in ``render`` (indices); runs every other play before the last of them quietly (each
    frame stepped as a render would, nothing drawn or encoded) and stops the scene after the last."""

    def __init__(self, render: Iterable[int], on_play=None, **kwargs):
        super().__init__(file_writer_class=_PiecesWriter, **kwargs)
        self.render_set = frozenset(render)
        self.stop = max(self.render_set) + 1 if self.render_set else 0
        self.seconds: dict[int, float] = {}  # wall seconds each rendered play took
        self.on_play = on_play  # called with (index, seconds of video) after each rendered play
        self._quiet = False

    def play(self, scene, *args, **kwargs):
        i = self.num_plays
        if i >= self.stop:
            raise EndSceneEarlyException()
        if i in self.render_set:
            t0 = time.perf_counter()
            start = self.time
            super().play(scene, *args, **kwargs)
            self.seconds[i] = time.perf_counter() - t0
            if self.on_play is not None:
                self.on_play(i, self.time - start)
            return
        self._quiet_play(scene, *args, **kwargs)

    def _quiet_play(self, scene, *args, **kwargs) -> None:
        """CairoRenderer.play with skip_animations off, minus drawing and encoding (see the module docstring)."""
        self.skip_animations = False
        scene.compile_animation_data(*args, **kwargs)
        self.file_writer.add_partial_movie_file(None)
        self.animations_hashes.append(None)
        scene.begin_animations()
        self.static_image = None
        if scene.is_current_animation_frozen_frame():
            dt = 1 / self.camera.frame_rate
            self.time += int(scene.duration / dt) * dt  # what add_frame adds for the frozen frames
        else:
            self._quiet = True
            try:
                scene.play_internal()
            finally:
                self._quiet = False
        self.num_plays += 1

    def render(self, scene, time, moving_mobjects=None) -> None:
        if self._quiet:
            self.time += 1 * (1 / self.camera.frame_rate)  # add_frame's clock, one frame at a time
            return
        super().render(scene, time, moving_mobjects)


@dataclass(frozen=True)
class Pieces:
    """What :func:`render_plays` made: the partial movie file of each play (bytes) and the seconds it took."""

    files: dict  # play index -> bytes
    seconds: dict  # play index -> wall seconds
    total_s: float  # the whole call, quiet plays and start-up included
    worker: str = ""  # host:pid that rendered them


def render_plays(
    name: str, options: RenderOptions, mode: str, plays: Iterable[int], threads: int, on_play=None
) -> Pieces:
    """Render plays ``plays`` of scene ``name`` (encoded with ``threads`` x264 threads); their partial files.

    ``on_play(index, video_seconds)`` is called after each rendered play (progress)."""
    t0 = time.perf_counter()
    plays = sorted(set(plays))
    cls, kwargs, file = scene_class(name, options, mode)
    with encoder_threads_pinned(threads), _config(name, options, file, name):
        renderer = SegmentRenderer(plays, on_play)
        sc = cls(options=options, renderer=renderer, **kwargs)
        _render(sc)
        paths = renderer.file_writer.partial_movie_files
        missing = [i for i in plays if i >= len(paths) or paths[i] is None or not Path(paths[i]).exists()]
        if missing:
            raise RuntimeError(f"{name}: plays {missing[:5]} were not rendered (the scene has {len(paths)} plays)")
        files = {i: Path(paths[i]).read_bytes() for i in plays}
    import os
    import socket

    return Pieces(files, dict(renderer.seconds), time.perf_counter() - t0, f"{socket.gethostname()}:{os.getpid()}")
