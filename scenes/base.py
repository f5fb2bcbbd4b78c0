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
from scenes.claims import Claim, as_claim

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


MIN_END_HOLD = 6.0  # a conclusion stays at least this long, whatever the pace
MIN_CUE = 2.0  # no subtitle flashes by faster than this
CPS_TARGET = 15.0  # captions are held for their length at this rate (the rule allows CPS_MAX)
CPS_MAX = 17.0
CUE_CHARS = 84  # two subtitle lines
MIN_SLIDE_S = 1.0  # no slide shorter than this


def reading_time(text: str) -> float:
    """Seconds a caption needs on screen: its characters at CPS_TARGET, at least MIN_CUE."""
    return max(MIN_CUE, len(text) / CPS_TARGET) if text else 0.0


def split_cues(text: str, limit: int = CUE_CHARS) -> list[str]:
    """``text`` in cues of at most ``limit`` characters, cut at sentence, then clause, then word ends."""
    import re

    if len(text) <= limit:
        return [text]
    for sep in (r"(?<=[.!?])\s+", r"(?<=[;:])\s+", r"(?<=,)\s+", r"\s+"):
        parts = [p for p in re.split(sep, text) if p]
        if len(parts) > 1:
            out, cur = [], ""
            for p in parts:
                if cur and len(cur) + 1 + len(p) > limit:
                    out.append(cur)
                    cur = p
                else:
                    cur = f"{cur} {p}" if cur else p
            out.append(cur)
            if all(len(c) <= limit for c in out):
                return out
            return [c for part in out for c in split_cues(part, limit)]
    return [text]


class StudioScene(Scene):
    trace_spec: ClassVar[TraceSpec | None] = None
    key_frames: ClassVar[tuple[str, ...]] = ()
    # the key frames that carry a result: the paper stills (THEME=paper); default: every key frame but the
    # opening one and those taken after the conclusion
    paper_stills: ClassVar[tuple[str, ...] | None] = None
    pace: ClassVar[Pace] = Pace()
    # What the scene can draw (issue 24): for some parameters of its trace kind, the range it accepts through
    # SET=, {name: (low, high)}, inside the kind's own range (the kind's type and open ends are kept). Checked by
    # trace_spec_for before the trace is simulated; a value outside is one line naming the parameter, the scene
    # and its range. Subclasses inherit it (a subclass replaces it whole).
    draws: ClassVar[dict[str, tuple[float, float]]] = {}

    def __init__(self, *args, options: RenderOptions | None = None, observers: Iterable[RenderObserver] = (), **kw):
        self.options = options if options is not None else RenderOptions.from_env()
        self.observers = tuple(observers)
        self.resolved_trace_spec, self.variant = type(self).trace_spec_for(self.options)
        super().__init__(*args, **kw)

    @classmethod
    def trace_spec_for(cls, options: RenderOptions) -> tuple[TraceSpec | None, dict]:
        """(the trace this scene replays under ``options``, what ``options`` changed: parameters and seed).

        The overrides are validated by the trace kind (coerced and range-checked, like ``sim trace --set``).
        """
        spec = cls.trace_spec
        if not options.sets and options.seed is None:
            return spec, {}
        from sim.core.errors import ParamError
        from sim.core.kinds import get_kind
        from sim.core.params import resolve as resolve_params

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
        merged = {**spec.params, **options.sets}
        # what the scene draws, before the kind's checks across parameters and its work cap (a more precise line)
        cls.check_drawable(resolve_params(kind.params, merged, f"{cls.__name__}'s trace kind '{kind.name}'"))
        resolved = kind.resolve(merged)
        chosen = {k: resolved[k] for k in sorted(options.sets)}
        seed = spec.seed if options.seed is None else options.seed
        if seed != spec.seed:
            chosen["seed"] = seed
        return TraceSpec(spec.kind, seed, {**spec.params, **{k: v for k, v in chosen.items() if k != "seed"}}), chosen

    @classmethod
    def drawable(cls) -> dict:
        """The :class:`~sim.core.params.Param` of each parameter in ``draws``: the kind's, with the scene's range."""
        from dataclasses import replace

        from sim.core.kinds import get_kind

        if not cls.draws:
            return {}
        params = {p.name: p for p in get_kind(cls.trace_spec.kind).params}
        out = {}
        for name, (lo, hi) in cls.draws.items():
            p = params[name]
            out[name] = replace(
                p, low=lo, high=hi, low_open=p.low_open and lo == p.low, high_open=p.high_open and hi == p.high
            )
        return out

    @classmethod
    def check_drawable(cls, resolved: dict) -> None:
        """ParamError (one line) for the first resolved parameter outside the range the scene draws."""
        from sim.core.errors import ParamError

        for name, p in cls.drawable().items():
            try:
                p.coerce(resolved[name])
            except ParamError:
                raise ParamError(
                    f"SET: {name}: {cls.__name__} draws {p.range_text()}, got {resolved[name]!r} "
                    f"(the trace kind accepts more: 'byzmw trace {cls.trace_spec.kind}' simulates it)"
                ) from None

    def render(self, preview: bool = False):
        """Render in the options' theme (every piece reads its colours and sizes from it while the scene is built)."""
        with use_theme(self.options.theme, self.options.width):
            return super().render(preview)

    @property
    def figure_mode(self) -> bool:
        """A paper figure (THEME=paper): no title, no headline, no conclusion band or veil."""
        return self.options.theme == "paper"

    @classmethod
    def paper_still_names(cls) -> tuple[str, ...]:
        """The key frames written as paper stills (``paper_stills``, else all but the first)."""
        return cls.paper_stills if cls.paper_stills is not None else tuple(cls.key_frames[1:])

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

    def key_frame(
        self, name: str, caption: Claim | str | None = None, *, prompt: Claim | str | None = None, notes=None
    ) -> None:
        """A named moment: a still for papers, a slide where the speaker pauses, a caption for the audience.

        ``caption`` is the subtitle (a :class:`~scenes.claims.Claim`: its predicate is checked against the
        trace); ``prompt`` is the speaker's note for this slide (what to point at, the number to say). Follow
        it with ``self.hold()``: the hold lasts at least as long as the caption takes to read.
        (``notes=`` is the caption's older name.)
        """
        if name not in self.key_frames:
            raise ValueError(f"{type(self).__name__}: key frame {name!r} not declared in key_frames {self.key_frames}")
        if caption is None:
            caption = notes
        if caption is None and self.concluded_with:  # a still of the conclusion: its caption is the conclusion line
            caption = self.concluded_with
        cap = as_claim(caption) if caption else None
        note = as_claim(prompt) if prompt else None
        self.reached_key_frames.append(name)
        self._flush_caption()
        for obs in self.observers:
            obs.on_key_frame(self, name)
        if cap is not None:
            self._record_claim(cap, f"key frame {name!r}")
        if note is not None:
            self._record_claim(note, f"speaker note of {name!r}")
        speaker = (note or cap).text if (note or cap) else ""
        self.timeline.append(
            {"what": "key", "name": name, "t": self._now(), "notes": speaker, "caption": cap.text if cap else ""}
        )
        if cap is not None:
            self._caption = (cap.text, self._now())
        self.slide_break(speaker, ends_here=True)

    def opening(self, name: str | None = None, caption: Claim | str | None = None, *, prompt=None, notes=None) -> None:
        """Hold the initial state (already laid out, no animation before) and make it the first key frame."""
        caption = caption if caption is not None else notes
        t0 = self._now()
        self.hold(self.pace.intro_hold)
        self.key_frame(name or self.key_frames[0], caption, prompt=prompt)
        if caption:  # the opening's caption runs from the first frame
            self._caption = (self._caption[0], t0)

    def define(self, *symbols: str, size: int | None = None):
        """The glossary's definition of each symbol, one row each ("τ  blacklisting threshold on a weight"),
        for the scene to place; from now on the scene may use them (the glossary test checks the order)."""
        from manim import DOWN, LEFT, RIGHT, VGroup

        from scenes.glossary import SYMBOLS
        from scenes.pieces import COLORS, FS, label, mathify

        unknown = [s for s in symbols if s not in SYMBOLS]
        if unknown:
            raise KeyError(f"{type(self).__name__}: {unknown[0]!r} is not in scenes/glossary.py")
        self.timeline.append({"what": "define", "t": self._now(), "symbols": list(symbols)})
        size = size or FS.small

        def shown(s: str) -> str:  # the symbol in LaTeX, as every formula sets it (one face per symbol)
            m = mathify(s)
            return m if "$" in m else f"${s}$"

        rows = [
            VGroup(label(shown(s), size, COLORS.text), label(mathify(SYMBOLS[s].meaning), size, COLORS.muted)).arrange(
                RIGHT, buff=0.2
            )
            for s in symbols
        ]
        return VGroup(*rows).arrange(DOWN, aligned_edge=LEFT, buff=0.12)

    caption_every = 7.0  # seconds: a running caption is due when the last one is older and has been read

    def caption_due(self, every: float | None = None) -> bool:
        """Whether a running caption may come now: none for ``every`` seconds (``caption_every``, at the scene's
        pace) and the last one on screen long enough to be read to its end."""
        if self._caption is None:
            return True
        text, t0 = self._caption
        since = self._now() - t0
        return since >= self.seconds(self.caption_every if every is None else every) and since >= reading_time(text)

    def caption(self, claim: Claim | str) -> None:
        """A subtitle from now on (narration while rounds run), shown until the next caption or key frame."""
        cap = as_claim(claim)
        self._flush_caption()
        self._record_claim(cap, "caption")
        self._caption = (cap.text, self._now())

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
        if self._caption is not None:  # long enough to read the caption shown since its key frame
            text, t0 = self._caption
            d = max(d, reading_time(text) - (self._now() - t0))
        pause = bool(self.timeline) and self.timeline[-1]["what"] == "break"  # in slides: the slide's own pause
        if getattr(self, "next_slide", None) is not None and pause:
            self.timeline.append({"what": "wait", "t": self._now(), "d": 0.0, "hold": True, "slide_pause": True})
            return
        self.wait(d)
        self.timeline[-1]["hold"] = True
        self.timeline[-1]["slide_pause"] = pause

    def conclude(self, line, caption: Claim | str | None = None, *, prompt: Claim | str | None = None) -> None:
        """End on the conclusion line and hold it (at least MIN_END_HOLD = 6 s, and long enough to read).

        ``line`` is a :class:`~scenes.claims.Claim` or string (set as the standard conclusion banner at the
        bottom of the frame) or a placed mobject (then ``caption`` is its claim). The claim is its subtitle;
        ``prompt`` the speaker's note (default: the line).
        """
        from scenes.pieces import FadeInKeep, conclusion_line

        if isinstance(line, (str, Claim)):
            claim = as_claim(line)
            mobject = conclusion_line(claim.text)
        else:
            mobject = line
            claim = as_claim(caption if caption is not None else getattr(mobject, "text", ""))
        note = as_claim(prompt) if prompt else None
        if self.figure_mode:  # a figure has no band or veil: its caption says the conclusion
            from manim import VGroup

            mobject = VGroup()
        self._flush_caption()
        self._record_claim(claim, "conclusion")
        if note is not None:
            self._record_claim(note, "speaker note of the conclusion")
        text = claim.text
        self.concluded_with = text
        for obs in self.observers:
            obs.on_conclude(self, text)
        self.timeline.append({"what": "conclude", "t": self._now(), "text": text, "notes": (note or claim).text})
        self.slide_break((note or claim).text)  # the last slide: the line fades in and stays, with its note
        fade = self.seconds(0.8)
        self.play(FadeInKeep(mobject), run_time=fade)
        end = max(MIN_END_HOLD, self.seconds(self.pace.end_hold), reading_time(text) - fade)
        if text:
            self._add_caption(text, end + fade, -fade)
        self.wait(end)
        self.timeline[-1]["hold"] = True

    def _record_claim(self, claim: Claim, where: str) -> None:
        """Evaluate the claim's predicate now (the frame it is shown at) and keep the verdict in the timeline."""
        self.timeline.append(
            {
                "what": "claim",
                "t": self._now(),
                "where": where,
                "text": claim.text,
                "holds": claim.check(),
                "says": claim.says,
                "checked": claim.holds is not None,
                "legacy": getattr(claim, "legacy", False),
            }
        )

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
        """Show the pending caption from its start until now, as cues a viewer can read at CPS_MAX.

        A long caption is split into cues at sentence and clause ends (:func:`split_cues`), each given time in
        proportion to its length; the caption stays no longer than it takes to read, plus a little.
        """
        if self._caption is None:
            return
        text, t0 = self._caption
        self._caption = None
        now = self._now()
        dur = min(max(now - t0, MIN_CUE), max(self.seconds(8.0), reading_time(text) + 2.0))
        cues = split_cues(text)
        total = sum(len(c) for c in cues)
        start = t0
        for c in cues:
            d = dur * len(c) / total
            self._add_caption(c, d, offset=start - now)
            start += d

    def slide_break(self, notes: str = "", ends_here: bool = False) -> None:
        """A pause in the talk; a new slide when rendered with manim-slides.

        A key frame (``ends_here``) ends a slide that waits for the speaker, with ``notes`` as its speaker
        notes. Any other break ends a slide that plays on by itself into the next (``auto_next``), so the
        talk needs one key press per idea; a break less than MIN_SLIDE_S after the previous one is dropped
        (no slide flashes by). The notes of a slide that plays on name the next stop.
        """
        played = self._played_since_break()
        if not ends_here and played < MIN_SLIDE_S - 1e-9 and any(e["what"] == "break" for e in self.timeline):
            current = getattr(self, "_base_slide_config", None)
            if notes and current is not None and getattr(self, "next_slide", None) is not None:
                current.notes = self._joined_notes(current.notes, notes)  # the slide goes on: it carries both
            for e in reversed(self.timeline):  # and so does the timeline's record of it
                if e["what"] == "break":
                    e["notes"] = self._joined_notes(e["notes"], notes)
                    break
            return
        next_slide = getattr(self, "next_slide", None)
        if ends_here and next_slide is not None:
            # the slide's last frame is where the speaker pauses: one frame of the scene as it is now, so that what
            # changed after the last animation (a number set when its bar arrived) is on screen during the pause
            from manim import config

            self.wait(1 / config.frame_rate)
        self.timeline.append({"what": "break", "t": self._now(), "notes": notes, "auto_next": not ends_here})
        if next_slide is None:
            return
        current = getattr(self, "_base_slide_config", None)
        if current is not None:
            try:
                if ends_here:
                    current.notes = self._joined_notes(current.notes, notes)
                else:
                    current.auto_next = True
                    if not current.notes:
                        current.notes = self._plays_on_note()
            except Exception:
                pass
        next_slide(notes="" if ends_here else notes)

    def _played_since_break(self) -> float:
        total = 0.0
        for e in reversed(self.timeline):
            if e["what"] == "break":
                break
            if e["what"] == "play" or (e["what"] == "wait" and not e.get("slide_pause")):
                total += e["d"]
        return total

    @staticmethod
    def _joined_notes(kept: str, more: str) -> str:
        """A slide's notes when a too-short slide after it is folded into it: a prompt of its own stays, and the
        folded slide's prompt follows it (a plays-on note gives way)."""
        if not more or more in (kept or ""):
            return kept or ""
        if not kept or kept.startswith("(plays on by itself)"):
            return more
        return f"{kept}\n\n{more}"

    def _plays_on_note(self) -> str:
        """Speaker notes of a slide that plays on by itself: where it is heading."""
        upcoming = [k for k in self.key_frames if k not in self.reached_key_frames]
        nxt = upcoming[0].replace("_", " ") if upcoming else "the conclusion"
        return f"(plays on by itself) Let it run; the next stop is '{nxt}'."

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
