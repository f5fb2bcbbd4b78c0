"""StudioScene: the base of every scene (trace replay, key frames, slide breaks).

A scene declares, where it is defined:
- ``trace_spec``: the trace it replays (regenerated through sim when stale);
- ``key_frames``: named moments, exported as stills and used as slide breaks;
- ``talk_order``: its place in the full talk deck.

In ``construct`` it calls ``self.key_frame("name")`` at those moments and
``self.slide_break()`` at other pauses (round boundaries).
"""

from __future__ import annotations

from typing import Callable, ClassVar

from manim import Scene

from studio.traces import TraceSpec, ensure_trace

# Set by studio.render while capturing stills: called as sink(scene, name).
_STILL_SINK: list[Callable] = []


class StudioScene(Scene):
    trace_spec: ClassVar[TraceSpec | None] = None
    key_frames: ClassVar[tuple[str, ...]] = ()
    talk_order: ClassVar[int] = 1000

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
