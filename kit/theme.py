"""The shared theme, read from ``assets/theme.toml`` (no colour literals elsewhere).

Two themes: ``talk`` (dark background, the videos and slides) and ``paper`` (dark text on white or
transparent, the stills and figures a paper prints). Each has

- the neutrals (:data:`NEUTRALS`: background, paper, text, muted, grid), which carry no meaning;
- the semantic roles (:data:`ROLES`), one colour and one meaning each, everywhere;
- families (:data:`FAMILIES`: estimators, tasks, methods, cells, geometry, attacks, series), colours for things
  drawn side by side that are not roles (one estimator from another, one task from another);

plus marker shapes (:data:`Theme.markers`, matplotlib codes shared by figures and scenes), one font family, a
minimum readable text height at 480p, and the paper still widths with their minimum point size.

What the colours must satisfy (``tests/test_theme_language.py`` measures it with :mod:`kit.colour`): every
named colour of a theme is unique; honest and Byzantine differ by >= 40 (CIE76) in the worst of normal, protan,
deutan and tritan vision and by >= 20 L* in lightness; every other pair of roles by >= 12 in the worst vision;
the colours of one family pairwise by >= 12, and none equal to a role.
"""

from __future__ import annotations

import contextlib
import contextvars
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, make_dataclass
from functools import lru_cache
from types import MappingProxyType

from .options import THEMES, WIDTHS, check_theme  # noqa: F401  (THEMES, WIDTHS: the names, re-exported)
from .paths import ASSETS

_CURRENT: contextvars.ContextVar[str] = contextvars.ContextVar("byzmw_theme", default="talk")
_WIDTH: contextvars.ContextVar[str | None] = contextvars.ContextVar("byzmw_width", default=None)

NEUTRALS = ("background", "paper", "text", "muted", "grid")
ROLES = (
    "honest",  # an honest source / client / peer / expert
    "byzantine",  # a Byzantine one (and its reports, its share): also a triangle, or hatched
    "blacklisted",  # a blacklisted source (grey, with a cross) or edge (grey, dashed)
    "estimate",  # the estimate being built (mu_hat, the surviving average)
    "true_value",  # the true value (mean, count, direction d)
    "threshold",  # a threshold and its test (tau, a flag level, the 2 eps/3 window)
    "theory",  # a theoretical prediction (T, a bound)
    "measured",  # the measured counterpart of a prediction (empirical T)
    "loss",  # a loss and the weight it removes
    "selected",  # members of a chosen set (a committee, the adversary's set J)
    "flipped",  # a good expert whose advice the adversary sets for one round (volatile)
)
FAMILIES = {
    "estimators": (
        "mean",
        "median",
        "mom",  # median of means
        "mw_mean",
        "mom_mw_mean",  # MoM-guided MW mean
        "trimmed_mean",
        "geometric_median",
        "krum",  # aggregation rules of the figures
        "multi_krum",
        "centered_clipping",
        "mean_around_median",
        "minimum_diameter_averaging",
        "nnm_trimmed_mean",
    ),
    "tasks": ("task_1", "task_2", "task_3", "task_4"),  # multi-task agents (seed 002)
    "methods": ("noncoop", "average", "distance", "loss"),  # multi-task combination rules
    "cells": ("bit_1", "bit_0", "partial", "accepted", "verified", "adopted", "undecided"),  # consensus memories
    "geometry": ("point_a", "point_b", "point_p"),  # primal-dual: A, B, the moving p
    "attacks": ("shift", "random", "equivocate", "just_inside"),  # error-bounded blacklisting strategies
    "series": ("s1", "s2", "s3", "s4", "s5", "s6"),  # lines of a swept parameter, in order
}
DRAWN_TOGETHER = (("tasks", "methods"),)  # families that share a picture: checked as one
ESTIMATORS = FAMILIES["estimators"][:7]  # the estimators of the MW scenes and figures

Palette = make_dataclass("Palette", [(n, str) for n in NEUTRALS + ROLES], frozen=True)
Palette.__doc__ = "Neutrals and roles of one theme (#RRGGBB)."


class Family(Mapping):
    """The colours of one family in one theme (read-only): ``fam.mean`` or ``fam["mean"]``."""

    def __init__(self, colours: dict):
        self._c = MappingProxyType(dict(colours))

    def __getitem__(self, name):
        return self._c[name]

    def __iter__(self):
        return iter(self._c)

    def __len__(self):
        return len(self._c)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._c[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass(frozen=True)
class FontSizes:
    title: int
    body: int
    label: int
    small: int
    tiny: int


@dataclass(frozen=True)
class Theme:
    palette: Palette  # talk (dark background)
    paper: Palette  # figures and paper stills (white background)
    font_size: FontSizes
    font: str
    families: dict  # family -> {"talk": Family, "paper": Family}
    markers: dict  # name -> matplotlib marker code
    min_text_px_480: float
    min_pt: float  # smallest text in a paper still, in points at its printed width
    font_scale: dict  # paper still width (single, double) -> factor on every font size
    role_words: dict  # role -> words a legend row in its colour uses (its one meaning)
    auto_family: str = "series"  # the family whose colours go to names with no style of their own ([auto])
    auto_markers: tuple = ()

    @property
    def estimators(self) -> Family:
        return self.families["estimators"]["talk"]

    @property
    def paper_estimators(self) -> Family:
        return self.families["estimators"]["paper"]

    def palette_of(self, name: str) -> Palette:
        return {"talk": self.palette, "paper": self.paper}[check_theme(name)]

    def estimators_of(self, name: str) -> Family:
        return self.families["estimators"][check_theme(name)]

    def family(self, family: str, name: str) -> Family:
        return self.families[family][check_theme(name)]

    def named_colours(self, name: str) -> dict[str, str]:
        """Every named colour of theme ``name``: 'role' or 'family.member' -> upper-case #RRGGBB."""
        p = self.palette_of(name)
        out = {k: getattr(p, k).upper() for k in NEUTRALS + ROLES}
        for fam in FAMILIES:
            out.update({f"{fam}.{k}": v.upper() for k, v in self.family(fam, name).items()})
        return out

    def all_colours(self, name: str) -> set[str]:
        """Every colour a scene in theme ``name`` may use (upper-case #RRGGBB)."""
        return set(self.named_colours(name).values())

    def meaning_of(self, name: str) -> dict[str, str]:
        """#RRGGBB -> the one name that colour has in theme ``name``."""
        return {v: k for k, v in self.named_colours(name).items()}


@contextlib.contextmanager
def use_theme(name: str, width: str | None = None):
    """Draw in theme ``name`` inside the block (a scene's render holds it from setup to tear-down).

    ``width`` (single, double or None) is the paper still's column width: font sizes scale for it.
    """
    token = _CURRENT.set(check_theme(name))
    wtoken = _WIDTH.set(width or None)
    try:
        yield name
    finally:
        _WIDTH.reset(wtoken)
        _CURRENT.reset(token)


def current_theme() -> str:
    """The theme being drawn in: the innermost :func:`use_theme`, else talk."""
    return _CURRENT.get()


def current_width() -> str | None:
    """The paper still width being drawn for (single, double), or None (a talk frame)."""
    return _WIDTH.get() if _CURRENT.get() == "paper" else None


@lru_cache(maxsize=1)
def theme() -> Theme:
    with open(ASSETS / "theme.toml", "rb") as f:
        raw = tomllib.load(f)
    talk = raw["palette"]
    paper = {**talk, "background": talk["paper"], **raw["paper_palette"]}
    fams = {}
    for fam, members in FAMILIES.items():
        t, p = raw[fam], raw[f"paper_{fam}"]
        if set(t) != set(members) or set(p) != set(members):
            raise ValueError(f"theme.toml: [{fam}] and [paper_{fam}] must name exactly {', '.join(members)}")
        fams[fam] = {"talk": Family({k: t[k] for k in members}), "paper": Family({k: p[k] for k in members})}
    return Theme(
        Palette(**{k: talk[k] for k in NEUTRALS + ROLES}),
        Palette(**{k: paper[k] for k in NEUTRALS + ROLES}),
        FontSizes(**raw["font_size"]),
        raw["font"]["family"],
        fams,
        dict(raw["markers"]),
        float(raw["font"]["min_text_px_480"]),
        float(raw["paper_still"]["min_pt"]),
        {k: float(v) for k, v in raw["paper_still"]["font_scale"].items()},
        {k: tuple(v) for k, v in raw["role_words"].items()},
        str(raw["auto"]["family"]),
        tuple(raw["auto"]["markers"]),
    )


def estimator_style(name: str, palette: str = "paper") -> tuple[str, str]:
    """(colour, marker) of an estimator, for figures (paper) and scenes (talk)."""
    th = theme()
    return th.estimators_of(palette)[name], th.markers[name]


# Names of aggregation rules that are the theme's estimators under another name.
ESTIMATOR_ALIASES = {"coordinate_median": "median"}


def styles(names, palette: str = "paper", known: dict | None = None) -> dict[str, tuple[str, str]]:
    """(colour, marker) of each of ``names`` as drawn together (a scene's legend, a figure's lines).

    A name the theme knows as an estimator (``coordinate_median`` is the median) gets its estimator colour and
    marker, and so does a name of ``known`` (name -> (colour, marker), a figure's own table). Every other name
    (a plugin's aggregator) gets, in order, the next colour of the ``[auto]`` family from ``palette`` and the next
    ``[auto]`` marker that no other name there uses: distinct while there are no more than that family's size.
    """
    th = theme()
    est, spare = th.estimators_of(palette), list(th.family(th.auto_family, palette).values())
    known = dict(known or {})
    out: dict[str, tuple[str, str]] = {}
    for n in names:
        e = ESTIMATOR_ALIASES.get(n, n)
        if n in known:
            out[n] = known[n]
        elif e in est:
            out[n] = (est[e], th.markers[e])
    used = {m for _, m in out.values()}
    free = [m for m in th.auto_markers if m not in used] or list(th.auto_markers)
    i = 0
    for n in names:
        if n not in out:
            out[n] = (spare[i % len(spare)], free[i % len(free)])
            i += 1
    return out


MPL_STYLE = ASSETS / "studio.mplstyle"
