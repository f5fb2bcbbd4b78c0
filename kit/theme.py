"""The shared theme, read from ``assets/theme.toml`` (no colour literals elsewhere).

Two themes: ``talk`` (dark background, the videos and slides) and ``paper``
(dark text on white or transparent, the stills a paper prints). Both have the
same role colours (:class:`Palette`), estimator colours (:class:`Estimators`),
marker shapes (:data:`Theme.markers`, matplotlib codes shared by figures and
scenes), one font family and a minimum readable text height at 480p.
"""

from __future__ import annotations

import contextlib
import contextvars
import tomllib
from dataclasses import dataclass, fields
from functools import lru_cache

from .options import THEMES, check_theme  # noqa: F401  (THEMES: the names, re-exported)
from .paths import ASSETS

_CURRENT: contextvars.ContextVar[str] = contextvars.ContextVar("byzmw_theme", default="talk")


@dataclass(frozen=True)
class Palette:
    background: str
    paper: str
    text: str
    muted: str
    grid: str
    honest: str
    byzantine: str
    estimate: str
    true_value: str
    blacklisted: str
    volatile: str
    threshold: str
    theory: str
    accent: str
    accent2: str
    task_1: str  # the four tasks of multi-task scenes and figures (Li, Abbas, Koutsoukos 2020)
    task_2: str
    task_3: str
    task_4: str


ROLES = ("honest", "byzantine", "blacklisted", "estimate", "true_value", "threshold", "theory")


@dataclass(frozen=True)
class Estimators:
    mean: str
    median: str
    mom: str
    mw_mean: str
    mom_mw_mean: str
    trimmed_mean: str
    geometric_median: str


ESTIMATORS = tuple(f.name for f in fields(Estimators))


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
    estimators: Estimators  # talk
    paper_estimators: Estimators  # paper
    markers: dict  # name -> matplotlib marker code
    min_text_px_480: float
    auto_roles: tuple = ()  # palette roles for names with no style of their own ([auto])
    auto_markers: tuple = ()

    def palette_of(self, name: str) -> Palette:
        return {"talk": self.palette, "paper": self.paper}[check_theme(name)]

    def estimators_of(self, name: str) -> Estimators:
        return {"talk": self.estimators, "paper": self.paper_estimators}[check_theme(name)]

    def all_colours(self, name: str) -> set[str]:
        """Every colour a scene in theme ``name`` may use (upper-case #RRGGBB)."""
        p, e = self.palette_of(name), self.estimators_of(name)
        return {v.upper() for v in list(p.__dict__.values()) + list(e.__dict__.values())}


@contextlib.contextmanager
def use_theme(name: str):
    """Draw in theme ``name`` inside the block (a scene's render holds it from setup to tear-down)."""
    token = _CURRENT.set(check_theme(name))
    try:
        yield name
    finally:
        _CURRENT.reset(token)


def current_theme() -> str:
    """The theme being drawn in: the innermost :func:`use_theme`, else talk."""
    return _CURRENT.get()


@lru_cache(maxsize=1)
def theme() -> Theme:
    with open(ASSETS / "theme.toml", "rb") as f:
        raw = tomllib.load(f)
    talk = raw["palette"]
    paper = {**talk, "background": talk["paper"], **raw["paper_palette"]}
    return Theme(
        Palette(**talk),
        Palette(**paper),
        FontSizes(**raw["font_size"]),
        raw["font"]["family"],
        Estimators(**raw["estimators"]),
        Estimators(**raw["paper_estimators"]),
        dict(raw["markers"]),
        float(raw["font"]["min_text_px_480"]),
        tuple(raw["auto"]["roles"]),
        tuple(raw["auto"]["markers"]),
    )


def estimator_style(name: str, palette: str = "paper") -> tuple[str, str]:
    """(colour, marker) of an estimator, for figures (paper) and scenes (talk)."""
    th = theme()
    return getattr(th.estimators_of(palette), name), th.markers[name]


# Names of aggregation rules that are the theme's estimators under another name.
ESTIMATOR_ALIASES = {"coordinate_median": "median"}


def styles(names, palette: str = "paper", known: dict | None = None) -> dict[str, tuple[str, str]]:
    """(colour, marker) of each of ``names`` as drawn together (a scene's legend, a figure's lines).

    A name the theme knows as an estimator (``coordinate_median`` is the median) gets its estimator colour and
    marker, and so does a name of ``known`` (name -> (colour, marker), a figure's own table). Every other name
    (a plugin's aggregator, krum, ...) gets, in order, the next colour role of ``[auto]`` from ``palette`` and
    the next ``[auto]`` marker that no other name there uses: distinct while there are fewer than five.
    """
    th = theme()
    pal, est = th.palette_of(palette), th.estimators_of(palette)
    known = dict(known or {})
    out: dict[str, tuple[str, str]] = {}
    for n in names:
        e = ESTIMATOR_ALIASES.get(n, n)
        if n in known:
            out[n] = known[n]
        elif e in ESTIMATORS:
            out[n] = (getattr(est, e), th.markers[e])
    used = {m for _, m in out.values()} | {th.markers["true_value"]}
    free = [m for m in th.auto_markers if m not in used] or list(th.auto_markers)
    i = 0
    for n in names:
        if n not in out:
            out[n] = (getattr(pal, th.auto_roles[i % len(th.auto_roles)]), free[i % len(free)])
            i += 1
    return out


MPL_STYLE = ASSETS / "studio.mplstyle"
