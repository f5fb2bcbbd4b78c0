"""A scene's declared timing, without rendering a frame.

:func:`timeline` runs a scene's ``construct`` with animations skipped (as the
stills do) and returns what the scene declared, in order: every play and wait
with its run time, every key frame, slide break, caption and the conclusion.
:func:`problems` checks it against the studio's rules for an audience; the
tests apply it to every registered scene, so a new scene is covered as soon
as it is discovered.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

from kit.options import RenderOptions
from scenes.base import CPS_MAX, MIN_END_HOLD, MIN_SLIDE_S, RenderObserver

from .registry import scene

MIN_VIDEO_S, MAX_VIDEO_S = 20.0, 90.0
MIN_KEY_HOLD = 1.5  # seconds of stillness right after every key frame (normal pace)
MIN_INTRO_HOLD = 1.5
MAX_UNCAPTIONED_S = 10.0  # the longest stretch of a video without a subtitle


@dataclass(frozen=True)
class Timing:
    name: str
    events: tuple  # the scene's timeline (dicts, see StudioScene)
    length: float  # seconds of video
    key_frames: tuple  # names in the order reached
    conclusion: str | None
    slides: int  # slides in the deck (slide_count)
    captions: tuple  # (start, duration, text)

    def hold_after(self, i: int) -> float:
        """Seconds of holds (waits) directly after event i, up to the next animation."""
        total = 0.0
        for e in self.events[i + 1 :]:
            if e["what"] == "play":
                break
            if e["what"] == "wait":
                total += e["d"]
        return total


def run_skipping_animations(name: str, options: RenderOptions | None = None, observers=(), **config):
    """Run scene ``name`` with animations skipped (every key frame's state, no video); the scene after it."""
    from kit.manim_env import manim_config

    options = options or RenderOptions()
    entry = scene(name)
    settings = {"save_last_frame": False, "skip_animations": True, **config}
    with manim_config(
        options.quality,
        theme_name=options.theme,
        input_file=str(entry.file),
        write_to_movie=False,
        transparent=options.transparent,
        **settings,
    ):
        # manim reads skip_animations from the scene, not from its config: without it every frame was drawn
        sc = entry.cls(options=options, observers=observers, skip_animations=settings["skip_animations"])
        _no_static_frames(sc.renderer)
        sc.render()
    return sc


def _no_static_frames(renderer) -> None:
    """Skip manim's static-background frame of every play: drawn at each play even when animations are
    skipped, and unused then (the pictures taken here, ``StudioScene.current_frame`` and the last frame, redraw
    the whole scene)."""

    def save_static_frame_data(scene, static_mobjects):
        renderer.static_image = None

    renderer.save_static_frame_data = save_static_frame_data


def timeline(name: str, options: RenderOptions | None = None, observers=()) -> Timing:
    """Run scene ``name`` with animations skipped; its declared timeline."""
    sc = run_skipping_animations(name, options, observers)
    ev = tuple(sc.timeline)
    length = sum(e["d"] for e in ev if e["what"] in ("play", "wait"))
    caps = tuple((e["t"], e["d"], e["text"]) for e in ev if e["what"] == "caption")
    return Timing(scene(name).name, ev, length, tuple(sc.reached_key_frames), sc.concluded_with, slide_count(ev), caps)


def print_timings(names: list[str], out=None, err=None) -> int:
    """``byzmw timing``: each scene's timing and problems as it is measured, with a progress line on a terminal
    (which scene, how many left, seconds so far) and a summary line at the end. Exit code 0."""
    from .registry import scene as entry_of

    out, err = out or sys.stdout, err or sys.stderr
    tty = err.isatty()
    t0 = time.perf_counter()
    n_bad = 0
    for i, name in enumerate(names, 1):
        if tty:
            err.write(f"\rtiming {i}/{len(names)}: {name} ({time.perf_counter() - t0:.0f} s so far)\033[K")
            err.flush()
        tm = timeline(name)
        bad = problems(tm, entry_of(name).key_frames) + narration_problems(tm)
        n_bad += len(bad)
        if tty:
            err.write("\r\033[K")
            err.flush()
        out.write(
            f"{name:<24} {tm.length:5.1f} s  {tm.slides:3d} slides  {key_presses(tm.events):2d} key presses  "
            f"key frames: {', '.join(tm.key_frames)}\n"
        )
        out.write(f"{'':<24} conclusion: {tm.conclusion!r}\n")
        for b in bad:
            out.write(f"{'':<24} PROBLEM: {b}\n")
        out.flush()
    err.write(
        f"timing: {len(names)} scene{'s' * (len(names) != 1)}, {n_bad} problem{'s' * (n_bad != 1)} "
        f"({time.perf_counter() - t0:.1f} s)\n"
    )
    return 0


def slide_count(ev) -> int:
    """Slides manim-slides makes of timeline ``ev``: the stretches between slide breaks that animate something.

    A break with nothing played since the previous one makes no slide, and in slides a hold right after a
    break is the slide's own pause (not played: StudioScene.hold), so it does not fill a stretch either.
    """
    slides, filled = 0, False
    for e in ev:
        if e["what"] == "break":
            slides += filled
            filled = False
        elif e["what"] == "play" or (e["what"] == "wait" and not e.get("slide_pause")):
            filled = True
    return slides + filled


def key_presses(ev) -> int:
    """Key presses a presenter needs for a scene's slides: one per slide that waits (ends at a key frame, or
    is the last), none for a slide that plays on by itself into the next (``auto_next``)."""
    presses, filled = 0, False
    for e in ev:
        if e["what"] == "break":
            if filled and not e.get("auto_next", False):
                presses += 1
            filled = False
        elif e["what"] == "play" or (e["what"] == "wait" and not e.get("slide_pause")):
            filled = True
    return presses + filled


def problems(tm: Timing, declared_key_frames: tuple, multiplier: float = 1.0) -> list[str]:
    """What makes this timing unfit for an audience (empty: fine). Holds scale with the pace multiplier."""
    out = []
    if not MIN_VIDEO_S * multiplier <= tm.length <= MAX_VIDEO_S * multiplier:
        out.append(
            f"video length {tm.length:.1f} s outside [{MIN_VIDEO_S * multiplier:g}, {MAX_VIDEO_S * multiplier:g}] s"
        )
    ev = tm.events
    missing = [k for k in declared_key_frames if k not in tm.key_frames]
    if missing:
        out.append(f"key frames never reached: {', '.join(missing)}")
    keys = [i for i, e in enumerate(ev) if e["what"] == "key"]
    if not keys:
        return out + ["no key frame"]
    first = keys[0]
    if any(e["what"] == "play" for e in ev[:first]):
        out.append("opening: animations play before the first key frame (open on the initial state, then hold)")
    if any(e["what"] == "break" for e in ev[:first]):
        out.append("opening: a slide break before the first key frame (the first slide must be the opening state)")
    intro = sum(e["d"] for e in ev[:first] if e["what"] == "wait")
    if intro < MIN_INTRO_HOLD * multiplier - 1e-9:
        out.append(f"opening: held {intro:.2f} s, needs >= {MIN_INTRO_HOLD * multiplier:g} s")
    if ev[first]["name"] != declared_key_frames[0]:
        out.append(f"opening: first key frame is {ev[first]['name']!r}, declared first is {declared_key_frames[0]!r}")
    conc = [i for i, e in enumerate(ev) if e["what"] == "conclude"]
    if not conc or not (tm.conclusion or "").strip():
        out.append("no conclusion line (end with self.conclude(...))")
    else:
        c = conc[-1]
        plays = [i for i in range(c + 1, len(ev)) if ev[i]["what"] == "play"]  # the first is the line's fade-in
        if any(ev[i]["d"] > 0 for i in plays[1:]) and any(e["what"] == "key" for e in ev[c + 1 :]):
            out.append("animation after the conclusion")
        after = [e for e in ev[c + 1 :] if e["what"] in ("play", "wait")]
        tail = 0.0
        for e in reversed(after):
            if e["what"] != "wait":
                break
            tail += e["d"]
        if tail < MIN_END_HOLD - 1e-9:
            out.append(f"end hold {tail:.2f} s < {MIN_END_HOLD:g} s")
    for i in keys[1:]:
        if conc and i > conc[-1]:
            continue
        if ev[i]["name"] == tm.key_frames[-1] and conc and not any(e["what"] == "play" for e in ev[i + 1 : conc[-1]]):
            continue  # the last key frame is followed directly by the conclusion (which holds)
        h = tm.hold_after(i)
        if h < MIN_KEY_HOLD * multiplier - 1e-9:
            out.append(f"key frame {ev[i]['name']!r}: held {h:.2f} s, needs >= {MIN_KEY_HOLD * multiplier:g} s")
    for i in keys:
        if not ev[i].get("notes", "").strip():
            out.append(f"key frame {ev[i]['name']!r}: no caption (key_frame(name, notes=...))")
    return out


def caption_gaps(tm: Timing) -> list[tuple[float, float]]:
    """(start, end) of every stretch of the video with no subtitle on screen."""
    spans = sorted((t, t + d) for t, d, _ in tm.captions)
    gaps, covered = [], 0.0
    for a, b in spans:
        if a > covered:
            gaps.append((covered, a))
        covered = max(covered, b)
    if tm.length > covered:
        gaps.append((covered, tm.length))
    return gaps


def slide_lengths(ev) -> list[float]:
    """Seconds each slide plays (as slide_count counts them): what a presenter sees between two breaks."""
    out, cur, filled = [], 0.0, False
    for e in ev:
        if e["what"] == "break":
            if filled:
                out.append(cur)
            cur, filled = 0.0, False
        elif e["what"] == "play" or (e["what"] == "wait" and not e.get("slide_pause")):
            cur += e["d"]
            filled = True
    if filled:
        out.append(cur)
    return out


def narration_problems(tm: Timing) -> list[str]:
    """What makes the words of this timing unfit for an audience (empty: fine).

    Every claim on screen holds and is bound from the trace (no legacy string captions with typed numbers);
    every cue reads at <= CPS_MAX characters per second; the conclusion stays >= MIN_END_HOLD; no stretch of
    more than MAX_UNCAPTIONED_S without a subtitle; every key frame has its own speaker prompt, not the
    subtitle again; no slide shorter than MIN_SLIDE_S.
    """
    out = []
    for e in tm.events:
        if e["what"] != "claim":
            continue
        if e["legacy"]:
            out.append(f"{e['where']}: {e['text']!r} types numbers by hand (make it a Claim bound from the trace)")
        elif not e["holds"]:
            out.append(f"{e['where']}: {e['text']!r} is false of this trace ({e['says'] or 'its predicate'})")
    for t, d, text in tm.captions:
        if len(text) / d > CPS_MAX + 1e-9:
            out.append(f"caption at {t:.1f} s reads at {len(text) / d:.1f} characters/s > {CPS_MAX:g}: {text!r}")
    conc = [e for e in tm.events if e["what"] == "conclude"]
    if conc:
        shown = tm.length - conc[-1]["t"]
        if shown < MIN_END_HOLD - 1e-6:
            out.append(f"conclusion shown {shown:.1f} s < {MIN_END_HOLD:g} s")
    for a, b in caption_gaps(tm):
        if b - a > MAX_UNCAPTIONED_S:
            out.append(f"no caption from {a:.1f} s to {b:.1f} s ({b - a:.1f} s > {MAX_UNCAPTIONED_S:g} s)")
    for e in tm.events:
        if e["what"] == "key" and (not e["notes"].strip() or e["notes"] == e.get("caption")):
            out.append(f"key frame {e['name']!r}: no speaker prompt of its own (key_frame(name, caption, prompt=...))")
    short = [d for d in slide_lengths(tm.events) if d < MIN_SLIDE_S - 1e-9]
    if short:
        out.append(f"{len(short)} slides shorter than {MIN_SLIDE_S:g} s (shortest {min(short):.2f} s)")
    return out


# -- what is on screen at a key frame ------------------------------------------------------------------
def _hex(rgb) -> str:
    r, g, b = (int(round(float(c) * 255)) for c in rgb[:3])
    return f"#{r:02X}{g:02X}{b:02X}"


def on_screen(sc) -> list:
    """Every mobject (family members included) shown: in the scene or painted into the frozen background."""
    seen, out = set(), []
    for top in (
        list(sc.mobjects) + list(getattr(sc, "_frozen", []) or []) + list(getattr(sc, "foreground_mobjects", []))
    ):
        for m in top.get_family():
            if id(m) not in seen:
                seen.add(id(m))
                out.append(m)
    return out


def _visible(m) -> bool:
    from manim import VMobject

    if not isinstance(m, VMobject):
        return False
    try:
        f = m.get_fill_opacities()
        s = m.get_stroke_opacities()
    except AttributeError:
        return False
    fill = m.has_points() and len(f) and float(max(f)) > 0.02
    stroke = m.has_points() and len(s) and float(max(s)) > 0.02 and float(m.get_stroke_width() or 0) > 0
    return bool(fill or stroke)


def colours_used(sc) -> set[str]:
    """#RRGGBB of every visible fill and stroke on screen."""
    from manim import VMobject

    out = set()
    for m in on_screen(sc):
        if not isinstance(m, VMobject) or not m.has_points():
            continue
        for rgba in m.get_fill_rgbas():
            if rgba[3] > 0.02:
                out.add(_hex(rgba))
        if float(m.get_stroke_width() or 0) > 0:
            for rgba in m.get_stroke_rgbas():
                if rgba[3] > 0.02:
                    out.add(_hex(rgba))
    return out


_CAP: dict = {}


def _cap_height(kind: str, font: str, size: float) -> float:
    """Height (scene units) of a capital H in this face at this font size."""
    key = (kind, font, round(size, 3))
    if key not in _CAP:
        from manim import MathTex, Text

        _CAP[key] = (Text("H", font=font, font_size=size) if kind == "text" else MathTex("H", font_size=size)).height
    return _CAP[key]


def text_heights(sc) -> list[tuple[str, float]]:
    """(text, cap height in pixels at 480p) of every visible text, formula and number on screen.

    The size is what is drawn: a text's font size follows every scaling
    applied to it, and the cap height of that size in its face is measured;
    a formula is measured at its smallest glyphs (scripts: :func:`script_factor`).
    """
    from manim import DecimalNumber, SingleStringMathTex, Text, config

    from scenes.pieces import FastText, script_factor

    px_per_unit = 480 / config.frame_height
    out = []
    for m in on_screen(sc):
        math_part = hasattr(m, "math_size") and getattr(m, "tex_string", None) is not None  # in a label's $...$
        if (isinstance(m, (Text, SingleStringMathTex, FastText)) and not isinstance(m, DecimalNumber)) or math_part:
            if not _any_visible(m) or m.height <= 0:
                continue
            kind = "tex" if isinstance(m, SingleStringMathTex) or math_part else "text"
            name = getattr(m, "text", None) or getattr(m, "tex_string", None) or type(m).__name__
            size = float(m.math_size if math_part else m.font_size)
            if kind == "tex":
                size *= script_factor(getattr(m, "tex_string", "") or "")
            out.append((name, _cap_height(kind, getattr(m, "font", ""), size) * px_per_unit))
    return out


def font_problems(sc, family: str) -> list[str]:
    """Texts not in the theme's family, and numbers set in LaTeX (DecimalNumber) instead of the theme's face."""
    from manim import DecimalNumber, Text

    from scenes.pieces import FastText, math_symbols

    out = []
    for m in on_screen(sc):
        if isinstance(m, DecimalNumber) and _any_visible(m):
            out.append(f"number {m.get_value():g} is a DecimalNumber (LaTeX digits): use scenes.pieces.Number")
        elif isinstance(m, (Text, FastText)) and getattr(m, "font", family) not in (family, "") and _any_visible(m):
            out.append(f"text {m.text!r} in font {m.font!r}, not {family!r}")
        elif isinstance(m, (Text, FastText)) and _any_visible(m) and math_symbols(getattr(m, "text", "")):
            out.append(f"text {m.text!r} sets mathematics in the text face: use $...$ (LaTeX)")
    return out


def _any_visible(m) -> bool:
    return any(_visible(x) for x in m.get_family())


class KeyFrameInspector(RenderObserver):
    """At each key frame: the colours on screen, text heights, font problems (and the RGB frame)."""

    def __init__(self, pixels: bool = False):
        self.pixels, self.found = pixels, {}

    def on_key_frame(self, scene, name):
        import numpy as np

        from kit.theme import theme

        from .paper import byzantine_circles, legend_rows

        f = {"colours": colours_used(scene), "texts": text_heights(scene), "fonts": font_problems(scene, theme().font)}
        f["byzantine_circles"] = byzantine_circles(scene)  # colour is never the only cue
        f["legend_rows"] = legend_rows(scene)  # (text, swatch colours, drawn?)
        if self.pixels:
            f["frame"] = np.asarray(scene.current_frame())[..., :3].copy()
        self.found[name] = f


class SymbolInspector(RenderObserver):
    """At each key frame: the glossary symbols on screen (texts and formulas), with the timeline position."""

    def __init__(self):
        self.seen: list[tuple[int, str, set[str]]] = []

    def on_key_frame(self, scene, name):
        from manim import SingleStringMathTex

        from scenes.glossary import find_symbols

        found = set()
        for m in on_screen(scene):
            if not _any_visible(m):
                continue
            if isinstance(m, SingleStringMathTex):
                found |= find_symbols(m.tex_string, tex=True)
            elif isinstance(getattr(m, "text", None), str):
                found |= find_symbols(m.text)
        self.seen.append((len(scene.timeline), name, found))


def undefined_symbols(tm: Timing, inspector: SymbolInspector) -> list[str]:
    """Glossary symbols a scene shows (on screen at a key frame, or in a caption) before it defines them."""
    from scenes.glossary import find_symbols

    uses = [(i, f"key frame {name!r}", syms) for i, name, syms in inspector.seen]
    uses += [(i, f"{e['where']}", find_symbols(e["text"])) for i, e in enumerate(tm.events) if e["what"] == "claim"]
    defined_at: dict[str, int] = {}
    for i, e in enumerate(tm.events):
        if e["what"] == "define":
            for s in e["symbols"]:
                defined_at.setdefault(s, i)
    out = []
    for i, where, syms in sorted(uses, key=lambda u: u[0]):
        for s in sorted(syms):
            if defined_at.get(s, len(tm.events) + 1) > i:
                out.append(f"{s} used at {where} before it is defined (self.define({s!r}))")
                defined_at[s] = -1  # report each symbol once
    return out


def inspect_key_frames(name: str, options: RenderOptions | None = None, *, pixels: bool = False):
    """(the timing, {key frame: what KeyFrameInspector saw})."""
    inspector = KeyFrameInspector(pixels)
    tm = timeline(name, options, [inspector])
    return tm, inspector.found
