"""StudioScene: the base of every scene (trace replay, key frames, slide breaks).

A scene declares, where it is defined:
- ``trace_spec``: the trace it replays (regenerated through sim when stale);
- ``key_frames``: named moments, exported as stills and used as slide breaks;
- ``talk_order``: its place in the full talk deck.

In ``construct`` it calls ``self.key_frame("name")`` at those moments and
``self.slide_break()`` at other pauses (round boundaries).

Pacing is data: ``pace`` (a :class:`Pace`) gives seconds per round, per
event round, and the holds at key frames, the opening and the end. Scenes
take every duration from it (``self.round_time(t)``, ``self.hold()``), so one
multiplier (``PACE=slow|normal|fast|<number>``, environment variable
BYZMW_PACE) changes a whole talk. ``self.conclude(text)`` ends a scene on its
conclusion line and holds it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable, ClassVar, Iterable

from manim import Scene

from studio.render import install_render_guards
from studio.traces import TraceSpec, ensure_trace

install_render_guards()     # concurrent renders (also with the manim CLI) share the LaTeX cache safely

# Set by studio.render while capturing stills: called as sink(scene, name).
_STILL_SINK: list[Callable] = []


PACES = {"slow": 1.5, "normal": 1.0, "fast": 0.6}


def pace_multiplier() -> float:
    """BYZMW_PACE: slow, normal, fast or a number in [0.1, 10] (default normal)."""
    v = os.environ.get("BYZMW_PACE", "normal").strip() or "normal"
    if v in PACES:
        return PACES[v]
    try:
        m = float(v)
    except ValueError:
        m = float("nan")
    if not 0.1 <= m <= 10:
        raise ValueError(f"PACE: must be slow, normal, fast or a number in [0.1, 10], got {v!r}")
    return m


@dataclass(frozen=True)
class Pace:
    """A scene's rhythm in seconds at the normal pace."""

    round: float = 0.8          # an ordinary round
    event_round: float = 2.0    # a round at or next to a key event
    key_hold: float = 2.0       # hold at every key frame
    intro_hold: float = 2.0     # hold on the opening state
    end_hold: float = 3.0       # hold on the conclusion line (at least 2 s)


class StudioScene(Scene):
    trace_spec: ClassVar[TraceSpec | None] = None
    key_frames: ClassVar[tuple[str, ...]] = ()
    talk_order: ClassVar[int] = 1000
    pace: ClassVar[Pace] = Pace()

    def setup(self):
        super().setup()
        self.reached_key_frames: list[str] = []
        self.trace = ensure_trace(self.trace_spec, type(self).trace_name()) if self.trace_spec else None

    @classmethod
    def trace_name(cls) -> str:
        """The scene class that declares the trace (subclasses share its file)."""
        owner = next(c for c in cls.__mro__ if "trace_spec" in vars(c))
        return owner.__name__

    def key_frame(self, name: str, notes: str = "") -> None:
        """A named moment: a still for papers and a slide break for talks."""
        if name not in self.key_frames:
            raise ValueError(f"{type(self).__name__}: key frame {name!r} not declared in key_frames {self.key_frames}")
        self.reached_key_frames.append(name)
        for sink in _STILL_SINK:
            sink(self, name)
        self.slide_break(notes)

    def rounds(self, n: int, key_frames: dict[int, str] | None = None):
        """Yield t = 0 .. n-1; after round t, a key frame if key_frames names round t+1, else a slide break."""
        key_frames = key_frames or {}
        for t in range(n):
            yield t
            if t + 1 in key_frames:
                self.key_frame(key_frames[t + 1])
            else:
                self.slide_break()

    # -- pacing -----------------------------------------------------------
    def seconds(self, s: float) -> float:
        """``s`` seconds at the normal pace, scaled by the pace multiplier."""
        return float(s) * pace_multiplier()

    def round_time(self, t: int, events: Iterable[int] = (), near: int = 1) -> float:
        """Run time of round t: the event pace within ``near`` rounds of an event round, else the ordinary pace."""
        slow = any(abs(t - e) <= near for e in events)
        return self.seconds(self.pace.event_round if slow else self.pace.round)

    def hold(self, s: float | None = None) -> None:
        """Hold the picture (default: the key-frame hold) so a speaker can talk over it."""
        self.wait(self.seconds(self.pace.key_hold if s is None else s))

    def conclude(self, mobject) -> None:
        """Show the conclusion line (a mobject already placed) and hold it for the end hold (>= 2 s)."""
        from manim import FadeIn

        self.play(FadeIn(mobject), run_time=self.seconds(0.8))
        self.wait(max(2.0, self.seconds(self.pace.end_hold)))

    def slide_break(self, notes: str = "") -> None:
        """A pause in the talk; a new slide when rendered with manim-slides."""
        next_slide = getattr(self, "next_slide", None)
        if next_slide is not None:
            next_slide(notes=notes)

    def freeze_background(self, *mobjects) -> None:
        """Paint ``mobjects`` into the camera background once and take them out of the scene.

        Manim re-renders every static mobject at the start of each play(); a
        layout of many glyphs (titles, legends, axes) costs that again and
        again. Frozen, they cost nothing per play and the pixels are the same.
        Call ``thaw_background()`` before changing any of them.
        """
        cam = self.renderer.camera
        self.thaw_background()
        self._frozen = list(mobjects)
        self._plain_background = cam.background.copy()
        cam.reset()
        cam.capture_mobjects(list(mobjects))
        cam.background = cam.pixel_array.copy()
        self.remove(*mobjects)

    def thaw_background(self) -> None:
        """Undo freeze_background: the mobjects are back in the scene, behind the rest."""
        frozen = getattr(self, "_frozen", None)
        if not frozen:
            return
        self.renderer.camera.background = self._plain_background
        self.renderer.camera.reset()
        self.bring_to_back(*frozen)
        self._frozen = []

    def current_frame(self):
        """Pixels of the current state (also when animations are skipped)."""
        self.renderer.update_frame(self)
        return self.renderer.get_frame()
