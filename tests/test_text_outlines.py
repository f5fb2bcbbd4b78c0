"""The disk cache of parsed text outlines (kit.text_outlines) and the cheap animation pieces of scenes/pieces.

Properties: a Text built from the cache is the Text the SVG parser builds
(same points, colours, widths); a cache file is hostile until validated (every
kind of damage falls back to parsing and repairs the entry); BoxRow draws the
points of manim Rectangles; MorphBoxes and FadeInKeep end where they should.
"""

from __future__ import annotations

import numpy as np
import pytest

from kit import text_outlines
from kit.manim_env import manim_config

STRINGS = [
    ("Median of means resists the Byzantine guesses", 30, "#e8e8e8"),
    ("η = 0.25\nτ = 0.1,  c = 4", 20, "#ff7f0e"),
    ("t = 12", 36, "#ffffff"),
    ("fi fl ffi AV To −3.5", 24, "#1f77b4"),
]


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    d = tmp_path / "outlines"
    monkeypatch.setenv("BYZMW_TEXT_OUTLINES", str(d))
    return d


def _state(text):
    return [
        (m.points.copy(), m.fill_rgbas.copy(), m.stroke_rgbas.copy(), float(m.stroke_width))
        for m in text.family_members_with_points()
    ]


def _same(a, b) -> bool:
    return len(a) == len(b) and all(
        np.array_equal(x[0], y[0]) and np.array_equal(x[1], y[1]) and np.array_equal(x[2], y[2]) and x[3] == y[3]
        for x, y in zip(a, b)
    )


def _text(s, size, color):
    from manim import Text

    from scenes.pieces import FONT

    return Text(s, font=FONT, font_size=size, color=color)


def test_cached_text_is_the_parsed_text(cache_dir, monkeypatch):
    with manim_config("l"):
        for s, size, color in STRINGS:
            monkeypatch.setenv("BYZMW_TEXT_OUTLINES", "off")
            parsed = _state(_text(s, size, color))
            monkeypatch.setenv("BYZMW_TEXT_OUTLINES", str(cache_dir))
            first = _text(s, size, color)  # parses and writes the entry
            cached = _text(s, size, color)  # from the entry
            assert _same(parsed, _state(first)) and _same(parsed, _state(cached)), s
            assert first.width == cached.width and np.array_equal(first.get_center(), cached.get_center())
        assert len(list(cache_dir.glob("*.outline"))) == len(STRINGS)


def test_cache_off_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("BYZMW_TEXT_OUTLINES", "off")
    with manim_config("l"):
        _text("nothing cached", 24, "#ffffff")
    assert text_outlines.enabled() is False
    assert not list(tmp_path.rglob("*.outline"))


def test_mathtex_is_not_cached(cache_dir):
    from manim import MathTex

    with manim_config("l"):
        m = MathTex(r"\hat\mu = 1")
        assert text_outlines.entry_for(m, m.get_file_path()) is None
    assert not list(cache_dir.glob("*.outline")) if cache_dir.exists() else True


def _damages(raw: bytes):
    magic = text_outlines.MAGIC
    v = np.frombuffer(raw, dtype="<f8", offset=len(magic)).copy()
    k = int(v[1])

    def put(i, x):
        w = v.copy()
        w[i] = x
        return magic + w.tobytes()

    n_head = 5
    yield "empty", b""
    yield "truncated", raw[: len(raw) // 2]
    yield "odd length", raw + b"\x00"
    yield "wrong magic", b"X" + raw[1:]
    yield "other version", put(0, 99.0)
    yield "glyph count too large", put(1, k + 1.0)
    yield "fractional count", put(2, v[2] + 0.5)
    yield "negative count", put(3, -1.0)
    yield "offsets not starting at 0", put(n_head, 1.0)
    yield "offsets decreasing", put(n_head + 1, -5.0)
    yield "NaN point", put(len(v) - 1, np.nan)
    yield "inf width", put(n_head + 3 * (k + 1), np.inf)
    yield "negative width", put(n_head + 3 * (k + 1), -1.0)
    yield "colour above 1", put(len(v) - 1, 2.0)
    yield "a pickle", b"\x80\x04\x95" + raw[3:]
    yield "text", b"<svg>not outlines</svg>"


def test_damaged_entries_are_ignored_and_repaired(cache_dir):
    s, size, color = STRINGS[1]
    with manim_config("l"):
        reference = _state(_text(s, size, color))
        (entry,) = cache_dir.glob("*.outline")
        raw = entry.read_bytes()
        assert text_outlines.load(entry) is not None
        for what, bad in _damages(raw):
            entry.write_bytes(bad)
            assert text_outlines.load(entry) is None, what
            assert _same(reference, _state(_text(s, size, color))), what  # parsed again
            assert entry.read_bytes() == raw, what  # and the entry repaired
        entry.unlink()
        entry.mkdir()  # not a file: ignored
        assert text_outlines.load(entry) is None
        assert _same(reference, _state(_text(s, size, color)))


def test_oversize_entry_is_not_read(cache_dir, monkeypatch):
    s, size, color = STRINGS[2]
    with manim_config("l"):
        _text(s, size, color)
        (entry,) = cache_dir.glob("*.outline")
        monkeypatch.setattr(text_outlines, "MAX_BYTES", entry.stat().st_size - 1)
        assert text_outlines.load(entry) is None


# -- BoxRow, MorphBoxes, FadeInKeep -------------------------------------------------------------------


def test_boxrow_has_the_points_of_rectangles_and_reads_its_boxes_back():
    from manim import Rectangle

    from scenes.pieces import BoxRow

    rng = np.random.default_rng(3)
    boxes = np.column_stack(
        [rng.uniform(-5, 5, 6), rng.uniform(-3, 3, 6), rng.uniform(0.1, 2, 6), rng.uniform(0.1, 2, 6)]
    )
    row = BoxRow(boxes, "#ff0000")
    assert row.n == 6 and np.allclose(row.get_boxes(), boxes, atol=1e-12)
    for i, (l, b, w, h) in enumerate(boxes):
        r = Rectangle(width=w, height=h).move_to([l + w / 2, b + h / 2, 0])
        assert np.allclose(row.points[16 * i : 16 * (i + 1)], r.points, atol=1e-12)
    row.shift([1.0, -2.0, 0])
    assert np.allclose(row.get_boxes(), boxes + [1.0, -2.0, 0, 0], atol=1e-12)


def test_morphboxes_moves_only_its_targets():
    from scenes.pieces import BoxRow, MorphBoxes

    start = np.array([[0, 0, 1, 1], [2, 0, 1, 0], [4, 0, 1, 2.0]])
    row = BoxRow(start, "#00ff00")
    anim = MorphBoxes(row, {1: (2, 0, 1, 3.0)}, rate_func=lambda t: t)
    anim.interpolate_mobject(0.5)
    assert np.allclose(row.get_boxes(), [[0, 0, 1, 1], [2, 0, 1, 1.5], [4, 0, 1, 2]])
    anim.interpolate_mobject(1.0)
    assert np.allclose(row.get_boxes(), [[0, 0, 1, 1], [2, 0, 1, 3], [4, 0, 1, 2]])


def test_zero_size_box_draws_nothing():
    from manim import Camera

    from scenes.pieces import BoxRow

    with manim_config("l"):
        cam = Camera()
        blank = cam.pixel_array.copy()
        cam.capture_mobjects([BoxRow([[0, 0, 1.0, 0.0], [-3, -1, 0.0, 2.0]], "#ffffff")])
        assert np.array_equal(cam.pixel_array, blank)
        cam.reset()
        cam.capture_mobjects([BoxRow([[0, 0, 1.0, 1.0]], "#ffffff")])
        lit = (cam.pixel_array[..., :3].min(-1) > 128).sum()
        px = cam.pixel_width / cam.frame_width
        assert abs(lit - px * px) < 4 * px  # a unit box: about px^2 pixels, up to the antialiased rim


def test_fadeinkeep_ends_on_the_original_opacities():
    from manim import Line, Rectangle, VGroup

    from scenes.pieces import FadeInKeep

    veil = Rectangle(width=2, height=1, fill_color="#000000", fill_opacity=0.45, stroke_width=0)
    band = Rectangle(width=2, height=1, fill_color="#101010", fill_opacity=1.0, stroke_width=0)
    rule = Line([-1, 0, 0], [1, 0, 0], color="#ffcc00", stroke_width=3)
    g = VGroup(veil, band, rule)
    anim = FadeInKeep(g, rate_func=lambda t: t)
    anim.interpolate_mobject(0.0)
    assert veil.fill_rgbas[:, 3].max() == 0 and rule.stroke_rgbas[:, 3].max() == 0
    anim.interpolate_mobject(0.5)
    assert np.allclose(veil.fill_rgbas[:, 3], 0.225) and np.allclose(rule.stroke_rgbas[:, 3], 0.5)
    anim.interpolate_mobject(1.0)
    assert np.allclose(veil.fill_rgbas[:, 3], 0.45) and np.allclose(band.fill_rgbas[:, 3], 1.0)
    assert np.allclose(rule.stroke_rgbas[:, 3], 1.0)
