"""No text overlapped, crossed or hidden: a geometric check of what is on screen, during the whole scene.

:func:`overlaps` looks at one moment: every visible text (a ``Text``, a formula, a ``Number``) against every
other text and every other visible shape. A problem is

- two texts whose boxes overlap;
- a line or outline that runs through a text's box (an axis through a label, an edge through a name);
- a filled shape that partly covers a text's box, above or below it (a panel that holds the whole text
  below it is its background, and is fine; a translucent full-frame veil above it is the conclusion's dimming).

:func:`sweep_overlaps` replays a scene with its animations interpolated but nothing drawn, and runs the check
at the middle and at the end of every animation (the transitions around every key frame included), so what
a viewer sees between key frames is checked too. The tests run it for every scene.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kit.options import RenderOptions
from scenes.base import RenderObserver

from .timing import _visible, on_screen

PAD = 0.02  # scene units a text's box is shrunk by before testing (antialiasing, glyph side bearings)
VEIL_OPACITY = 0.6  # a full-frame shape above the picture at most this opaque dims it, it does not hide it


@dataclass(frozen=True)
class Overlap:
    t: float
    text: str
    other: str
    how: str

    def __str__(self) -> str:
        return f"{self.t:6.2f} s: {self.text!r} {self.how} {self.other}"


def _texts_and_shapes(sc):
    """(text units, other visible leaf shapes), each with its drawing order."""
    from manim import SingleStringMathTex, Text, VMobject

    from scenes.pieces import FastText, Number

    text_types = (Text, SingleStringMathTex, FastText, Number)
    order, texts, inside_text = {}, [], set()
    # drawing order: the frozen background first, then the scene's mobjects, then its foreground
    drawn = list(getattr(sc, "_frozen", []) or []) + list(sc.mobjects) + list(getattr(sc, "foreground_mobjects", []))
    for top in drawn:
        for m in top.get_family():
            order.setdefault(id(m), len(order))
    for m in on_screen(sc):
        if isinstance(m, text_types) and id(m) not in inside_text:
            for x in m.get_family():
                inside_text.add(id(x))
            if any(_visible(x) for x in m.get_family()) and m.width > 0 and m.height > 0:
                texts.append(m)
    shapes = [
        m
        for m in on_screen(sc)
        if isinstance(m, VMobject) and id(m) not in inside_text and not m.submobjects and m.has_points() and _visible(m)
    ]
    return texts, shapes, order


def _box(m) -> np.ndarray:
    lo, hi = m.get_critical_point([-1, -1, 0]), m.get_critical_point([1, 1, 0])
    return np.array([lo[0] + PAD, lo[1] + PAD, hi[0] - PAD, hi[1] - PAD])


def _name(m) -> str:
    return str(getattr(m, "text", None) or getattr(m, "tex_string", None) or type(m).__name__)[:40]


def _polyline(m) -> np.ndarray:
    """The shape's outline as points along each cubic (9 per curve)."""
    pts = m.points[:, :2]
    n = len(pts) // 4 * 4
    if n == 0:
        return pts
    c = pts[:n].reshape(-1, 4, 2)
    t = np.linspace(0, 1, 9)[None, :, None]
    b = (
        (1 - t) ** 3 * c[:, None, 0]
        + 3 * (1 - t) ** 2 * t * c[:, None, 1]
        + 3 * (1 - t) * t**2 * c[:, None, 2]
        + t**3 * c[:, None, 3]
    )
    return b.reshape(-1, 2)


def _crosses(poly: np.ndarray, box: np.ndarray) -> bool:
    """Whether the polyline enters the box (a point inside, or a segment through it)."""
    x0, y0, x1, y1 = box
    if x1 <= x0 or y1 <= y0 or len(poly) == 0:
        return False
    inside = (poly[:, 0] > x0) & (poly[:, 0] < x1) & (poly[:, 1] > y0) & (poly[:, 1] < y1)
    if inside.any():
        return True
    a, b = poly[:-1], poly[1:]
    d = b - a
    # Liang-Barsky clipping of every segment against the box, vectorised
    p = np.stack([-d[:, 0], d[:, 0], -d[:, 1], d[:, 1]], axis=1)
    q = np.stack([a[:, 0] - x0, x1 - a[:, 0], a[:, 1] - y0, y1 - a[:, 1]], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = q / p
    enter = np.where(p < 0, r, -np.inf).max(axis=1)
    leave = np.where(p > 0, r, np.inf).min(axis=1)
    parallel_out = ((p == 0) & (q < 0)).any(axis=1)
    return bool(((enter < leave) & (enter < 1) & (leave > 0) & ~parallel_out).any())


def _filled(m) -> bool:
    f = m.get_fill_opacities()
    return len(f) > 0 and float(np.max(f)) > 0.05


def _contains(outer: np.ndarray, inner: np.ndarray) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and outer[2] >= inner[2] and outer[3] >= inner[3]


def overlaps(sc, t: float = 0.0) -> list[Overlap]:
    """Every text on screen now that another object overlaps, crosses or hides."""
    from manim import config

    texts, shapes, order = _texts_and_shapes(sc)
    boxes = [_box(m) for m in texts]
    out = []
    for i, (a, ba) in enumerate(zip(texts, boxes)):
        for b, bb in zip(texts[i + 1 :], boxes[i + 1 :]):
            w = min(ba[2], bb[2]) - max(ba[0], bb[0])
            h = min(ba[3], bb[3]) - max(ba[1], bb[1])
            if w > 0 and h > 0:
                out.append(Overlap(t, _name(a), repr(_name(b)), "overlaps text"))
    frame = np.array(
        [-config.frame_width / 2, -config.frame_height / 2, config.frame_width / 2, config.frame_height / 2]
    )
    for m in shapes:
        sbox = _box(m) + np.array([-PAD, -PAD, PAD, PAD])
        for a, ba in zip(texts, boxes):
            if sbox[2] <= ba[0] or sbox[0] >= ba[2] or sbox[3] <= ba[1] or sbox[1] >= ba[3]:
                continue  # the boxes do not even touch
            above = order.get(id(m), -1) > order.get(id(a), -1)
            if _filled(m):
                if _contains(sbox, ba) and not _crosses(_polyline(m), ba):
                    if not above:
                        continue  # a panel behind the text: its background
                    if _contains(sbox, frame) and float(np.max(m.get_fill_opacities())) <= VEIL_OPACITY:
                        continue  # the conclusion's veil dims the picture
                    out.append(Overlap(t, _name(a), type(m).__name__, "is hidden under"))
                    continue
                if _crosses(_polyline(m), ba):
                    out.append(
                        Overlap(t, _name(a), type(m).__name__, "is covered in part by" if above else "sits in part on")
                    )
            elif _crosses(_polyline(m), ba):
                out.append(Overlap(t, _name(a), type(m).__name__, "is crossed by"))
    return out


class Sampler(RenderObserver):
    """Runs :func:`overlaps` at the end of every animation (the middle is added by :func:`sweep_overlaps`)."""

    def __init__(self):
        self.found: list[Overlap] = []

    def check(self, scene):
        self.found += overlaps(scene, scene._now())

    def on_play(self, scene, seconds, wait):
        if not wait:
            self.check(scene)


def sweep_overlaps(name: str, options: RenderOptions | None = None) -> list[Overlap]:
    """Replay scene ``name`` (animations interpolated, nothing drawn) and check the
    middle and the end of every animation; the overlaps found, each once (the first time it is seen)."""
    import logging

    from kit.manim_env import manim_config

    from .registry import scene

    options = options or RenderOptions()
    entry = scene(name)
    sampler = Sampler()
    with manim_config(
        options.quality,
        theme_name=options.theme,
        input_file=str(entry.file),
        write_to_movie=False,
        save_last_frame=False,
        skip_animations=False,
        frame_rate=15,
    ):
        logging.getLogger("manim").setLevel(logging.ERROR)  # no "run_time too short for the frame rate" lines
        sc = entry.cls(options=options, observers=[sampler])
        r = sc.renderer
        seen_mid = {}

        def render(scene, time, moving_mobjects=None):  # instead of drawing: check the middle of each play
            key = id(scene.animations)
            if key not in seen_mid and time >= 0.5 * (scene.duration or 0):
                seen_mid[key] = True
                sampler.check(scene)
            r.add_frame(None)  # the clock advances; nothing is written (write_to_movie is off)

        r.render = render
        r.update_frame = lambda *a, **k: None
        r.get_frame = lambda *a, **k: None
        sc.render()
    unique, keys = [], set()
    for o in sampler.found:
        k = (o.text, o.other, o.how)
        if k not in keys:
            keys.add(k)
            unique.append(o)
    return unique
