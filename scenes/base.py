"""StudioScene: the base of every scene (trace replay, key frames, slide breaks).

A scene declares, where it is defined:
- ``trace_spec``: the trace it replays (regenerated through sim when stale);
- ``key_frames``: named moments, exported as stills and used as slide breaks;

In ``construct`` it calls ``self.key_frame("name")`` at those moments and
``self.slide_break()`` at other pauses (round boundaries).

Pacing is data: ``pace`` (a :class:`Pace`) gives seconds per round, per
event round, and the holds at key frames, the opening and the end. Scenes
take every duration from it (``self.round_time(t)``, ``self.hold()``), so one
multiplier (the ``pace`` of the scene's :class:`~kit.options.RenderOptions`)
changes a whole talk. ``self.conclude(text)`` ends a scene on its conclusion
line and holds it.

A scene is constructed with its options and, optionally, observers::

    scene = MyScene(options=RenderOptions(sets={"eta": "0.5"}, pace="slow", theme="paper"),
                    observers=[my_observer])
    scene.render()

An observer (:class:`RenderObserver`) is told of every play and wait, every key frame and the conclusion as
they happen: the shell draws progress bars, captures stills and measures timing through it, never by
reaching into this module.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from manim import Scene

from kit.manim_env import install_render_guards
from kit.options import RenderOptions
from kit.theme import use_theme
from kit.traces import TraceSpec, ensure_trace

install_render_guards()  # concurrent renders (also with the manim CLI) share the LaTeX cache safely


class RenderObserver:
    """Watches one render of a scene. Override what you need; each method gets the scene first.

    - ``on_play(scene, seconds, wait)``: after every play (``wait=False``) and wait, with its declared run time;
    - ``on_key_frame(scene, name)``: at a key frame, with the picture of that moment on screen (stills, checks);
    - ``on_conclude(scene, text)``: when the conclusion line is about to appear.
    """

    def on_play(self, scene: StudioScene, seconds: float, wait: bool) -> None:
        pass

    def on_key_frame(self, scene: StudioScene, name: str) -> None:
        pass

    def on_conclude(self, scene: StudioScene, text: str) -> None:
        pass


@dataclass(frozen=True)
class Pace:
    """A scene's rhythm in seconds at the normal pace (``PACE`` scales all of it).

    ``round`` is an ordinary round, ``event_round`` a round within ``near``
    rounds of a key event (a long scene runs the dull stretch at ``round`` and
    slows down around its events); ``key_hold`` is held after every key frame,
    ``intro_hold`` on the opening state, ``end_hold`` on the conclusion line
    (``conclude`` never holds less than :data:`MIN_END_HOLD` seconds, whatever
    the pace or this value).
    """

    round: float = 0.8  # an ordinary round
    event_round: float = 2.0  # a round at or next to a key event
    key_hold: float = 2.0  # hold at every key frame
    intro_hold: float = 2.0  # hold on the opening state
    end_hold: float = 3.0  # hold on the conclusion line (at least 2 s)
    near: int = 1  # rounds either side of an event that run at the event pace

    def __post_init__(self):
        for f in ("round", "event_round", "key_hold", "intro_hold", "end_hold"):
            v = getattr(self, f)
            if not (isinstance(v, (int, float)) and 0 < v <= 60):
                raise ValueError(f"Pace.{f}: must be a number of seconds in (0, 60], got {v!r}")


MIN_END_HOLD = 2.0


class StudioScene(Scene):
    trace_spec: ClassVar[TraceSpec | None] = None
    key_frames: ClassVar[tuple[str, ...]] = ()
    pace: ClassVar[Pace] = Pace()

    def __init__(self, *args, options: RenderOptions | None = None, observers: Iterable[RenderObserver] = (), **kw):
        self.options = options if options is not None else RenderOptions.from_env()
        self.observers = tuple(observers)
        self.resolved_trace_spec, self.variant = type(self).trace_spec_for(self.options)
        super().__init__(*args, **kw)

    @classmethod
    def trace_spec_for(cls, options: RenderOptions) -> tuple[TraceSpec | None, dict]:
        """(the trace this scene replays under ``options``, the parameters ``options.sets`` changed).

        The overrides are validated by the trace kind (coerced and range-checked, like ``sim trace --set``).
        """
        spec = cls.trace_spec
        if not options.sets:
            return spec, {}
        from sim.core.errors import ParamError
        from sim.core.kinds import get_kind

        if spec is None:
            raise ParamError(f"SET: scene {cls.__name__} replays no trace, so it has no parameters")
        kind = get_kind(spec.kind)
        allowed = [p.name for p in kind.params]
        for k in options.sets:
            if k not in allowed:
                raise ParamError(
                    f"SET: {k}: unknown parameter of {cls.__name__}'s trace kind '{kind.name}'; "
                    f"allowed: {', '.join(allowed)}"
                )
        resolved = kind.resolve({**spec.params, **options.sets})
        chosen = {k: resolved[k] for k in sorted(options.sets)}
        return TraceSpec(spec.kind, spec.seed, {**spec.params, **chosen}), chosen

    def render(self, preview: bool = False):
        """Render in the options' theme (every piece reads its colours from it while the scene is built)."""
        with use_theme(self.options.theme):
            return super().render(preview)

    def setup(self):
        super().setup()
        from scenes.pieces import COLORS

        # The theme's background, whoever configured manim: the studio, the `manim` command line from any folder,
        # `%%manim` in a notebook (manim.cfg is then not read, and manim's default background is black).
        cam = getattr(self.renderer, "camera", None)
        if cam is not None and hasattr(cam, "background_color") and cam.background_color != COLORS.background:
            cam.background_color = COLORS.background
            cam.init_background()
        self.reached_key_frames: list[str] = []
        # what happened, in order: dicts with "what" in play|wait|key|break|conclude|caption (see studio.timing)
        self.timeline: list[dict] = []
        self.concluded_with: str | None = None  # the conclusion line shown (None: not yet)
        self._caption: tuple[str, float] | None = None
        spec = self.resolved_trace_spec
        self.trace = ensure_trace(spec, self.trace_file_name()) if spec else None

    @classmethod
    def trace_name(cls) -> str:
        """The scene class that declares the trace (subclasses share its file)."""
        owner = next(c for c in cls.__mro__ if "trace_spec" in vars(c))
        return owner.__name__

    def trace_file_name(self) -> str:
        """The trace file's name: the declaring class, plus the changed parameters (a SET= render has its own)."""
        from kit.options import params_suffix

        return type(self).trace_name() + params_suffix(self.variant)

    def key_frame(self, name: str, notes: str = "") -> None:
        """A named moment: a still for papers, a slide break for talks, a caption (``notes``) in both.

        Follow it with ``self.hold()`` so that a speaker can talk over it.
        """
        if name not in self.key_frames:
            raise ValueError(f"{type(self).__name__}: key frame {name!r} not declared in key_frames {self.key_frames}")
        self.reached_key_frames.append(name)
        if not notes and self.concluded_with:  # a still of the conclusion: its caption is the conclusion line
            notes = self.concluded_with
        self._flush_caption()
        for obs in self.observers:
            obs.on_key_frame(self, name)
        self.timeline.append({"what": "key", "name": name, "t": self._now(), "notes": notes})
        if notes:
            self._caption = (notes, self._now())
        self.slide_break(notes, ends_here=True)

    def opening(self, name: str | None = None, notes: str = "") -> None:
        """Hold the initial state (already laid out, no animation before) and make it the first key frame."""
        t0 = self._now()
        self.hold(self.pace.intro_hold)
        self.key_frame(name or self.key_frames[0], notes)
        if notes:  # the opening's caption runs from the first frame
            self._caption = (notes, t0)

    def rounds(self, n: int, key_frames: dict[int, str] | None = None, notes: dict[int, str] | None = None):
        """Yield t = 0 .. n-1; after round t, a key frame (and its hold) if key_frames names round t+1, else a slide break."""
        key_frames, notes = key_frames or {}, notes or {}
        for t in range(n):
            yield t
            if t + 1 in key_frames:
                self.key_frame(key_frames[t + 1], notes.get(t + 1, ""))
                self.hold()
            else:
                self.slide_break()

    # -- pacing -----------------------------------------------------------
    def seconds(self, s: float) -> float:
        """``s`` seconds at the normal pace, scaled by the pace multiplier."""
        return float(s) * self.options.multiplier

    def round_time(self, t: int, events: Iterable[int] = (), near: int | None = None) -> float:
        """Run time of round t: the event pace within ``near`` rounds of an event round, else the ordinary pace."""
        near = self.pace.near if near is None else near
        slow = any(abs(t - e) <= near for e in events)
        return self.seconds(self.pace.event_round if slow else self.pace.round)

    def hold(self, s: float | None = None) -> None:
        """Hold the picture (default: the key-frame hold) so a speaker can talk over it.

        In slides a hold right after a slide break is the slide's pause itself
        (the speaker decides how long), so it is not played there.
        """
        d = self.seconds(self.pace.key_hold if s is None else s)
        pause = bool(self.timeline) and self.timeline[-1]["what"] == "break"  # in slides: the slide's own pause
        if getattr(self, "next_slide", None) is not None and pause:
            self.timeline.append({"what": "wait", "t": self._now(), "d": 0.0, "hold": True, "slide_pause": True})
            return
        self.wait(d)
        self.timeline[-1]["hold"] = True
        self.timeline[-1]["slide_pause"] = pause

    def conclude(self, mobject, caption: str | None = None) -> None:
        """End on the conclusion line and hold it for the end hold (>= 2 s whatever the pace).

        ``mobject`` is a placed mobject or a string (set as the standard
        conclusion banner at the bottom of the frame). ``caption`` is its
        subtitle and speaker note (default: the text of the line).
        """
        from scenes.pieces import FadeInKeep, conclusion_line

        if isinstance(mobject, str):
            caption = caption or mobject
            mobject = conclusion_line(mobject)
        caption = caption or getattr(mobject, "text", "") or ""
        self._flush_caption()
        self.concluded_with = caption
        for obs in self.observers:
            obs.on_conclude(self, caption)
        self.timeline.append({"what": "conclude", "t": self._now(), "text": caption})
        self.slide_break(caption)  # the last slide: the line fades in and stays, with it as its notes
        self.play(FadeInKeep(mobject), run_time=self.seconds(0.8))
        end = max(MIN_END_HOLD, self.seconds(self.pace.end_hold))
        if caption:
            self._add_caption(caption, end + self.seconds(0.8), -self.seconds(0.8))
        self.wait(end)
        self.timeline[-1]["hold"] = True

    # -- bookkeeping --------------------------------------------------------
    def _now(self) -> float:
        return float(getattr(self.renderer, "time", 0.0))

    def play(self, *args, **kwargs):
        t0 = self._now()
        super().play(*args, **kwargs)
        d = float(getattr(self, "duration", 0.0) or 0.0)  # the declared run time (the clock counts whole frames)
        from manim import Wait

        is_wait = bool(args) and all(isinstance(a, Wait) for a in args)
        self.timeline.append({"what": "wait" if is_wait else "play", "t": t0, "d": d})
        for obs in self.observers:
            obs.on_play(self, d, is_wait)

    def _add_caption(self, text: str, duration: float, offset: float = 0.0) -> None:
        if duration <= 0:
            return
        self.timeline.append({"what": "caption", "t": self._now() + offset, "d": duration, "text": text})
        from manim import config

        if config.write_to_movie and not config.dry_run:  # the .srt goes next to the video
            self.add_subcaption(text, duration=duration, offset=offset)

    def _flush_caption(self) -> None:
        """Show the pending key-frame caption from its key frame until now (at most 8 s, at least 2 s)."""
        if self._caption is None:
            return
        text, t0 = self._caption
        self._caption = None
        now = self._now()
        dur = min(max(now - t0, MIN_END_HOLD), self.seconds(8.0))
        self._add_caption(text, dur, offset=t0 - now)

    def slide_break(self, notes: str = "", ends_here: bool = False) -> None:
        """A pause in the talk; a new slide when rendered with manim-slides.

        ``notes`` are speaker notes: of the slide that ends here when
        ``ends_here`` (a key frame: the slide pauses on it), else of the next.
        """
        self.timeline.append({"what": "break", "t": self._now(), "notes": notes})
        next_slide = getattr(self, "next_slide", None)
        if next_slide is None:
            return
        current = getattr(self, "_base_slide_config", None)
        if ends_here and notes and current is not None:
            try:
                current.notes = notes
            except Exception:
                pass
            next_slide()
        else:
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
        """Pixels of the current state (also when animations are skipped).

        Drawn from the plain background: after a play or a wait the renderer's
        static image already holds the scene's mobjects, and drawing them all
        again over it would double every translucent one (a conclusion's veil
        dimmed the picture twice in stills).
        """
        r = self.renderer
        static, r.static_image = getattr(r, "static_image", None), None
        try:
            r.update_frame(self)
        finally:
            r.static_image = static
        return r.get_frame()
