"""RenderOptions: everything one render is asked for, as one typed, validated object.

The shell (``studio``) builds it from the command line and hands it to the scene, the way Manim hands a
scene its config: ``SceneClass(options=RenderOptions(...))``. Nothing travels through environment variables
or runtime subclasses. At the very edge, the ``manim`` command line (which constructs a scene with no
arguments), :meth:`RenderOptions.from_env` reads ``BYZMW_PACE`` and ``BYZMW_THEME`` as defaults.

- ``sets``: trace parameters that override the scene's declared ones (``SET="eta=0.5 rounds=20"``), as given;
  the scene's trace kind validates them (:meth:`scenes.base.StudioScene.trace_spec_for`);
- ``seed``: the trace's seed instead of the scene's (None: the scene's own);
- ``pace``: slow, normal, fast or a multiplier in [0.1, 10] (every duration of the scene scales with it);
- ``theme``: talk (dark, videos and slides) or paper (dark on white, stills for print);
- ``quality``: manim's l, m, h, p or k;
- ``width``: the column width of paper stills, single (3.5 in) or double (7.2 in), or None (a 16:9 frame);
- ``transparent``: stills on a transparent background.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from sim.core.errors import ParamError
from sim.core.params import Param

PACES = {"slow": 1.5, "normal": 1.0, "fast": 0.6}
PACE = Param("PACE", float, 1.0, "multiplier of every duration", low=0.1, high=10.0)
THEMES = ("talk", "paper")
THEME = Param("THEME", str, "talk", "palette scenes draw with", choices=THEMES)
QUALITIES = {"l": "low_quality", "m": "medium_quality", "h": "high_quality", "p": "production_quality",
             "k": "fourk_quality"}  # fmt: skip
QUALITY = Param("QUALITY", str, "l", "manim quality", choices=tuple(QUALITIES))
SEED = Param("SEED", int, 0, "the trace's seed", low=0, high=2**63 - 1)
WIDTHS = {"single": 3.5, "double": 7.2}  # inches: one journal column, two columns
WIDTH = Param("WIDTH", str, "", "paper still width", choices=("", *WIDTHS))


def pace_multiplier(value) -> float:
    """slow, normal, fast or a number in [0.1, 10] (the strict number rule of every parameter) -> multiplier."""
    if isinstance(value, str):
        v = value.strip() or "normal"
        if v in PACES:
            return PACES[v]
        try:
            return PACE.coerce(v)
        except ParamError:
            raise ParamError(f"PACE: must be slow, normal, fast or a number in [0.1, 10], got {value[:40]!r}") from None
    return PACE.coerce(value)


def check_theme(name: str) -> str:
    return THEME.coerce(name)


@dataclass(frozen=True)
class RenderOptions:
    sets: Mapping[str, str] = field(default_factory=dict)
    seed: int | None = None
    pace: str = "normal"
    theme: str = "talk"
    quality: str = "l"
    width: str | None = None
    transparent: bool = False

    def __post_init__(self):
        if not isinstance(self.sets, Mapping) or not all(isinstance(k, str) for k in self.sets):
            raise ParamError(f"SET: expected a mapping of parameter names to values, got {self.sets!r}")
        object.__setattr__(self, "sets", MappingProxyType(dict(self.sets)))
        if self.seed is not None:
            object.__setattr__(self, "seed", SEED.coerce(self.seed))
        m = pace_multiplier(self.pace if isinstance(self.pace, str) else float(self.pace))
        # one name per multiplier: "1.5" is "slow", "1" is "normal", others their exact float
        object.__setattr__(self, "pace", next((k for k, v in PACES.items() if v == m), repr(m)))
        object.__setattr__(self, "theme", check_theme(str(self.theme).strip() or "talk"))
        QUALITY.coerce(self.quality)
        if self.width is not None:
            WIDTH.coerce(self.width)
            object.__setattr__(self, "width", self.width or None)
        if not isinstance(self.transparent, bool):
            raise ParamError(f"TRANSPARENT: must be true or false, got {self.transparent!r}")

    @property
    def multiplier(self) -> float:
        """Every duration of the scene is multiplied by this (PACE)."""
        return pace_multiplier(self.pace)

    @property
    def manim_quality(self) -> str:
        return QUALITIES[self.quality]

    def replace(self, **changes) -> RenderOptions:
        from dataclasses import replace

        return replace(self, **changes)

    @classmethod
    def from_env(cls) -> RenderOptions:
        """Defaults for a scene the ``manim`` command line constructs (no options): BYZMW_PACE, BYZMW_THEME."""
        return cls(pace=os.environ.get("BYZMW_PACE", "normal"), theme=os.environ.get("BYZMW_THEME", "talk"))


def _name_part(v) -> str:
    """A value in an output name, injective: exact float repr, and a short hash when slugging lost bytes."""
    import hashlib
    import re

    s = repr(float(v)) if isinstance(v, float) else str(v)
    slug = re.sub(r"[^A-Za-z0-9.+-]", "_", s)
    if slug != s:  # two values that slug alike must not share a name
        slug += "~" + hashlib.sha256(s.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return slug


def params_suffix(chosen: Mapping) -> str:
    """``__eta=0.5_rounds=20`` for the parameters a SET= render changed ('' for none): its own files."""
    if not chosen:
        return ""
    return "__" + "_".join(f"{k}={_name_part(chosen[k])}" for k in sorted(chosen))


def variant_suffix(chosen: Mapping, options: RenderOptions, *, theme: bool = True) -> str:
    """Everything in a render's output name beyond the scene: changed parameters, pace, theme."""
    s = params_suffix(chosen)
    if options.pace != "normal":
        s += "__pace=" + options.pace
    if theme and options.theme != "talk":
        s += f"__{options.theme}"
    return s
