"""The theme in use, for scenes: colours, font sizes, the font, markers (nothing stored, nothing goes stale).

``COLORS`` (neutrals and roles), ``EST``, ``TASKS``, ``METHODS``, ``CELLS``, ``GEOMETRY`` (families) and ``FS``
(font sizes) are read from :func:`kit.theme.current_theme` / :func:`kit.theme.current_width` at each use: a
scene rendered in the paper theme at single width reads the paper colours and the enlarged sizes, the next
one in the talk theme the talk colours and sizes. There is no module-level colour or size to refill.
"""

from __future__ import annotations

from functools import lru_cache

from manim import ManimColor

from kit.theme import ESTIMATORS, FAMILIES, ROLES, current_theme, current_width, theme

_T = theme()
FONT = _T.font
MARKERS = dict(_T.markers)  # matplotlib marker codes, shared with the figures
BLACKLISTED_OPACITY = 0.55  # a blacklisted source: blacklisted colour at this opacity, with a cross


@lru_cache(maxsize=32)
def _manim_colours(theme_name: str, table: str) -> dict:
    src = _T.palette_of(theme_name).__dict__ if table == "palette" else _T.family(table, theme_name)
    return {k: ManimColor(v) for k, v in src.items()}


class _ThemeColours:
    """Colours of the theme being drawn in (kit.theme.current_theme), looked up at each use."""

    def __init__(self, table: str):
        self._table = table

    def __getattr__(self, name: str):
        try:
            return _manim_colours(current_theme(), self._table)[name]
        except KeyError:
            raise AttributeError(f"theme has no {self._table} colour {name!r}") from None

    def __getitem__(self, name: str):
        return getattr(self, name)


COLORS = _ThemeColours("palette")  # neutrals and roles (honest, byzantine, estimate, ...)
EST = _ThemeColours("estimators")  # estimators (mean, median, ...)
TASKS = _ThemeColours("tasks")  # task_1 .. task_4
METHODS = _ThemeColours("methods")  # multi-task rules: noncoop, average, distance, loss
CELLS = _ThemeColours("cells")  # consensus memories: bit_1, bit_0, partial, accepted, verified, adopted, undecided
GEOMETRY = _ThemeColours("geometry")  # point_a, point_b, point_p


def colour_of(key: str):
    """The colour of a role or neutral ('honest') or of a family member ('estimators.median')."""
    if "." in key:
        fam, name = key.split(".", 1)
        if fam not in FAMILIES:
            raise KeyError(f"colour {key!r}: no family {fam!r} ({', '.join(FAMILIES)})")
        return _ThemeColours(fam)[name]
    return COLORS[key]


class _FontSizes:
    """Font sizes of the theme, times the paper still's font scale (single column: larger)."""

    def __getattr__(self, name: str) -> float:
        base = getattr(_T.font_size, name)
        w = current_width()
        return base * _T.font_scale.get(w, 1.0) if w else base


FS = _FontSizes()


def figure_mode() -> bool:
    """True while drawing a paper figure (THEME=paper): no title, no conclusion band."""
    return current_theme() == "paper"


def est_color(name: str):
    """The colour of estimator ``name`` (mean, median, mom, mw_mean, mom_mw_mean, ...)."""
    if name not in FAMILIES["estimators"]:
        raise KeyError(f"estimator {name!r}: not in the theme ({', '.join(ESTIMATORS)})")
    return getattr(EST, name)


__all__ = [
    "COLORS",
    "EST",
    "TASKS",
    "METHODS",
    "CELLS",
    "GEOMETRY",
    "FS",
    "FONT",
    "MARKERS",
    "BLACKLISTED_OPACITY",
    "ROLES",
    "colour_of",
    "est_color",
    "figure_mode",
]
