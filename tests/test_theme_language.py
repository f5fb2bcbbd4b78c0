"""One visual language (assets/theme.toml): distinct role and estimator colours, shared markers, one font."""

from __future__ import annotations

import itertools
import re

import pytest

from kit.colour import lightness, worst_delta_e
from kit.theme import DRAWN_TOGETHER, ESTIMATORS, FAMILIES, NEUTRALS, ROLES, THEMES, theme


def _rgb(h):
    return tuple(int(h[i : i + 2], 16) for i in (1, 3, 5))


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
def test_every_role_and_family_has_a_colour(name):
    th = theme()
    for key in ROLES + NEUTRALS:
        assert re.fullmatch(r"#[0-9A-F]{6}", getattr(th.palette_of(name), key)), key
    for fam, members in FAMILIES.items():
        for key in members:
            assert re.fullmatch(r"#[0-9A-F]{6}", th.family(fam, name)[key]), (fam, key)


@pytest.mark.parametrize("name", THEMES)
def test_honest_and_byzantine_survive_colour_blindness_and_greyscale(name):
    """Honest vs Byzantine: >= 40 (CIE76) in the worst of normal, protan, deutan and tritan vision (Machado et al.
    2009, severity 1), and >= 20 L* apart, so that a greyscale print keeps them apart too."""
    p = theme().palette_of(name)
    d, vision = worst_delta_e(p.honest, p.byzantine)
    assert d >= 40, (name, round(d, 1), vision)
    assert abs(lightness(p.honest) - lightness(p.byzantine)) >= 20, name


@pytest.mark.parametrize("name", THEMES)
def test_every_pair_of_roles_is_told_apart_in_every_vision(name):
    p = theme().palette_of(name)
    for a, b in itertools.combinations(ROLES, 2):
        d, vision = worst_delta_e(getattr(p, a), getattr(p, b))
        assert d >= 12, (name, a, b, round(d, 1), vision)


@pytest.mark.parametrize("name", THEMES)
def test_families_are_told_apart_within_and_borrow_no_role(name):
    """Each family pairwise >= 12 in the worst vision (families drawn together checked as one); none is a role."""
    th = theme()
    roles = {getattr(th.palette_of(name), r).upper() for r in ROLES}
    groups = [[(f, k) for k in FAMILIES[f]] for f in FAMILIES]
    groups += [[(f, k) for f in pair for k in FAMILIES[f]] for pair in DRAWN_TOGETHER]
    for group in groups:
        for (fa, a), (fb, b) in itertools.combinations(group, 2):
            d, vision = worst_delta_e(th.family(fa, name)[a], th.family(fb, name)[b])
            assert d >= 12, (name, fa, a, fb, b, round(d, 1), vision)
    for fam, members in FAMILIES.items():
        for k in members:
            assert th.family(fam, name)[k].upper() not in roles, (name, fam, k)


@pytest.mark.parametrize("name", THEMES)
def test_one_meaning_per_colour(name):
    """Every named colour of a theme is unique: a colour on screen has exactly one name (role, neutral, family)."""
    named = theme().named_colours(name)
    seen = {}
    for key, colour in named.items():
        if key == "paper":  # the paper background's colour, named in the talk palette for the figures
            continue
        assert colour not in seen, f"{name}: {key} and {seen.get(colour)} share {colour}"
        seen[colour] = key


@pytest.mark.parametrize("name", THEMES)
def test_every_colour_reads_on_its_background(name):
    th = theme()
    p = th.palette_of(name)
    for key in ROLES + ("text",):
        assert _contrast(getattr(p, key), p.background) >= 2.5, (name, key)
    for fam, members in FAMILIES.items():
        for key in members:
            assert _contrast(th.family(fam, name)[key], p.background) >= 2.5, (name, fam, key)
    assert _contrast(p.text, p.background) >= 7


def test_markers_are_shared_by_figures_and_scenes():
    from scenes.pieces import marker
    from studio.figures.mw.estimation import MARKERS, styles

    th = theme()
    for e in ESTIMATORS:
        assert MARKERS[e] == th.markers[e]
        assert styles()[e][0] == getattr(th.paper_estimators, e)
        assert marker(e).width > 0
    assert len({th.markers[e] for e in ESTIMATORS}) == len(ESTIMATORS), "one shape per estimator"
    # one meaning per shape: no estimator takes a source's shape (circle honest, triangle Byzantine), the cross
    # (blacklisted) or the star (true value)
    sources = {th.markers[k] for k in ("honest", "byzantine", "blacklisted", "true_value")}
    assert len(sources) == 4
    for e in FAMILIES["estimators"]:
        assert th.markers[e] not in sources | {"^"}, e
    assert len({th.markers[e] for e in FAMILIES["estimators"]}) == len(FAMILIES["estimators"])


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


def test_mathematics_only_in_latex():
    """A symbol of mathematics outside $...$ is refused; inside, it is LaTeX on the words' baseline."""
    from scenes.pieces import FastText, Rich, label, mathify

    for bad in ("threshold τ", "median μ̂", "η = 0.25", "x ≤ 3"):
        with pytest.raises(ValueError, match="mathematics"):
            label(bad)
    r = label(r"threshold $\tau$ = 0.1")
    assert isinstance(r, Rich) and any(isinstance(p, FastText) for p in r) and any(hasattr(p, "tex_string") for p in r)
    # captions keep Unicode; the band sets their symbols in LaTeX, with the letters around them
    assert mathify("all fall below τ by round 9") == r"all fall below $\tau$ by round 9"
    assert mathify("keeps z ≠ d while it can: z = d in the end") == r"keeps $z \neq d$ while it can: $z = d$ in the end"
    assert mathify("p ∈ L ⇔ L* ∈ p*") == r"$p \in L \Leftrightarrow L^* \in p^*$"


def test_hatching_stays_inside_its_box_and_circles_are_told_from_polygons():
    import numpy as np
    from manim import Circle, Dot, Rectangle, Square, Triangle

    from scenes.pieces import Hatch, hatch_points
    from studio.paper import is_circle

    box = (-0.3, -1.0, 0.6, 2.0)
    p = hatch_points(box, 0.1)
    assert len(p) and p[:, 0].min() >= -0.3 - 1e-9 and p[:, 0].max() <= 0.3 + 1e-9
    assert p[:, 1].min() >= -1.0 - 1e-9 and p[:, 1].max() <= 1.0 + 1e-9
    d = np.diff(p.reshape(-1, 4, 3)[:, [0, 3], :2], axis=1)[:, 0]
    assert np.allclose(d[:, 0], d[:, 1])  # 45 degree stripes
    r = Rectangle(width=0.6, height=2.0)
    h = Hatch(r, 0.1)
    r.stretch_to_fit_height(0.5, about_edge=np.array([0, -1, 0]))
    h.update()
    assert h.get_top()[1] <= r.get_top()[1] + 1e-6  # follows its bar
    assert is_circle(Dot()) and is_circle(Circle(2))
    assert not any(is_circle(m) for m in (Square(1), Rectangle(width=2, height=1), Triangle()))
