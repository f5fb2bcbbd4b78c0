"""One visual language (assets/theme.toml): distinct role and estimator colours, shared markers, one font."""

from __future__ import annotations

import itertools
import re

import pytest

from kit.theme import ESTIMATORS, ROLES, THEMES, theme


def _rgb(h):
    return tuple(int(h[i : i + 2], 16) for i in (1, 3, 5))


def _dist(a, b):
    return sum((x - y) ** 2 for x, y in zip(_rgb(a), _rgb(b))) ** 0.5


def _luminance(h):
    def ch(c):
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (ch(c) for c in _rgb(h))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a, b):
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.mark.parametrize("name", THEMES)
def test_every_role_and_estimator_has_a_colour(name):
    th = theme()
    for key in ROLES + ("text", "muted", "grid", "background"):
        assert re.fullmatch(r"#[0-9A-F]{6}", getattr(th.palette_of(name), key)), key
    for key in ESTIMATORS:
        assert re.fullmatch(r"#[0-9A-F]{6}", getattr(th.estimators_of(name), key)), key


@pytest.mark.parametrize("name", THEMES)
def test_roles_are_told_apart(name):
    """Seven roles, seven colours, far enough apart to tell on a projector (RGB distance >= 60)."""
    p = theme().palette_of(name)
    for a, b in itertools.combinations(ROLES, 2):
        assert _dist(getattr(p, a), getattr(p, b)) >= 60, (name, a, b)


@pytest.mark.parametrize("name", THEMES)
def test_estimators_are_told_apart(name):
    e = theme().estimators_of(name)
    for a, b in itertools.combinations(ESTIMATORS, 2):
        assert _dist(getattr(e, a), getattr(e, b)) >= 60, (name, a, b)


@pytest.mark.parametrize("name", THEMES)
def test_estimators_do_not_borrow_a_role_colour(name):
    """Only the MW mean shares a colour with a role: it is the estimate MW builds."""
    p, e = theme().palette_of(name), theme().estimators_of(name)
    for est in ESTIMATORS:
        for role in ROLES:
            if (est, role) == ("mw_mean", "estimate"):
                assert getattr(e, est).upper() == getattr(p, role).upper()
            else:
                assert _dist(getattr(e, est), getattr(p, role)) >= 40, (name, est, role)


@pytest.mark.parametrize("name", THEMES)
def test_every_colour_reads_on_its_background(name):
    p, e = theme().palette_of(name), theme().estimators_of(name)
    for key in ROLES + ("text",):
        assert _contrast(getattr(p, key), p.background) >= 2.5, (name, key)
    for key in ESTIMATORS:
        assert _contrast(getattr(e, key), p.background) >= 2.5, (name, key)
    assert _contrast(p.text, p.background) >= 7


def test_markers_are_shared_by_figures_and_scenes():
    from scenes.pieces import marker
    from studio.figures.mw.estimation import MARKERS, styles

    th = theme()
    for e in ESTIMATORS:
        assert th.markers[e] in "osD^vPX*", e
        assert MARKERS[e] == th.markers[e]
        assert styles()[e][0] == getattr(th.paper_estimators, e)
        assert marker(e).width > 0
    assert len({th.markers[e] for e in ESTIMATORS}) == len(ESTIMATORS), "one shape per estimator"


def test_one_font_family_and_a_readable_minimum():
    from manim import Text

    th = theme()
    style = (th.__class__ and (__import__("kit.theme", fromlist=["MPL_STYLE"]).MPL_STYLE)).read_text()
    assert th.font in style, "figures use the theme's font family"
    # the smallest size the theme offers is readable at 480p (cap height in pixels)
    px = Text("H", font=th.font, font_size=min(th.font_size.__dict__.values())).height * 480 / 8
    assert px >= th.min_text_px_480


def test_number_uses_the_theme_font_and_keeps_its_baseline():
    from manim import Text

    from scenes.pieces import FONT, FastText, Number

    n = Number(float("nan"), places=0, size=24)
    bottom_dash = n.get_bottom()[1]
    n.set_value(1234)
    assert isinstance(n[0], FastText) and n[0].font == FONT
    ref = Text("1234", font=FONT, font_size=24)  # set exactly as Text sets it
    assert abs(n[0].width - ref.width) < 0.01 * ref.width and abs(n[0].height - ref.height) < 0.01 * ref.height
    assert n[0].text == "1234"
    assert n.family_members_with_points()[0].get_fill_opacity() == 1.0  # still shown after set_value
    x0 = n.get_left()[0]
    n.set_value(-5.5)
    assert n[0].text == "−6" and abs(n.get_left()[0] - x0) < 1e-9
    assert n.get_bottom()[1] <= bottom_dash  # digits sit on the baseline, below a lone dash's bottom


def test_paper_theme_switches_scene_colours():
    from kit.theme import use_theme
    from scenes.pieces import COLORS, EST

    with use_theme("paper"):
        assert COLORS.text.to_hex().upper() == theme().paper.text.upper()
        assert EST.median.to_hex().upper() == theme().paper_estimators.median.upper()
    assert COLORS.text.to_hex().upper() == theme().palette.text.upper()
