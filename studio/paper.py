"""Paper figures from a scene's key frame: cropped to content, sized for a journal column, vector and raster.

Manim's camera writes pixel arrays, but the studio's mobjects are vector paths (text and formulas included:
``Text`` and ``MathTex`` are SVG-derived VMobjects) that the camera draws through cairo. Here the same paths
are drawn through the camera's own ``set_cairo_context_path`` onto a cairo PDF, SVG or image surface whose
transform maps the content's bounding box onto a page ``width`` inches wide, so text stays sharp at any zoom
and the PNG is rendered at exactly 300 DPI for that width. Only VMobjects can be drawn this way: an
``ImageMobject`` (a bitmap) or a point cloud (``PMobject``) is skipped and named in ``Figure.skipped`` (no scene
of the studio uses one).

The figure is what a reader needs: no slide title, headline or conclusion band (those are not drawn in the
paper theme, see scenes.pieces.layout), and each legend lists only what is drawn at that moment (its other
rows are left out and the rest close up).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import cairo
import numpy as np

from kit.options import WIDTHS
from sim.core.files import atomic_write

PNG_DPI = 300
PAD = 0.12  # scene units of white around the content


def _hex(rgb) -> str:
    r, g, b = (int(round(float(c) * 255)) for c in rgb[:3])
    return f"#{r:02X}{g:02X}{b:02X}"


def _is_text(m) -> bool:
    from manim import SingleStringMathTex, Text

    from scenes.pieces import FastText, Number, Rich

    return isinstance(m, (Text, SingleStringMathTex, FastText, Number, Rich))


@dataclass
class Drawn:
    """What a key frame shows, in drawing order, with the text and legend members told apart."""

    members: list  # every VMobject family member with points, in drawing order
    text_ids: set  # ids of members that belong to a text, number or formula
    legend_of: dict  # id of a member -> the Legend it belongs to
    skipped: list  # names of mobjects that cannot be drawn as vector paths
    texts: list = field(default_factory=list)  # the text-like mobjects (for sizes)
    side_ids: set = field(default_factory=set)  # ids of members in the layout's side panel


def _bitmap_or_points(m) -> bool:
    from manim import PMobject
    from manim.mobject.types.image_mobject import AbstractImageMobject

    return isinstance(m, (PMobject, AbstractImageMobject))


def _visible(m) -> bool:
    from manim import VMobject

    if not isinstance(m, VMobject) or not m.has_points() or getattr(m, "chrome", False):
        return False
    f, s = m.get_fill_opacities(), m.get_stroke_opacities()
    fill = len(f) and float(np.max(f)) > 0.02
    stroke = len(s) and float(np.max(s)) > 0.02 and float(m.get_stroke_width() or 0) > 0
    return bool(fill or stroke)


def collect(scene) -> Drawn:
    """The visible VMobjects of the scene's current state (frozen background first), in the camera's order."""
    from manim import VMobject

    from scenes.pieces import Legend

    live = list(scene.mobjects) + list(scene.foreground_mobjects)
    in_scene = {id(x) for m in live for x in m.get_family()}
    # a frozen mobject brought back into the scene (bring_to_front) is drawn there, on top: skip its frozen copy
    frozen = [m for m in (getattr(scene, "_frozen", []) or []) if id(m) not in in_scene]
    tops = frozen + live
    members, text_ids, legend_of, skipped, texts, seen, side_ids = [], set(), {}, [], [], set(), set()

    def walk(m, in_text, legend, in_side=False):
        if id(m) in seen:
            return
        seen.add(id(m))
        if getattr(m, "chrome", False):
            return
        if isinstance(m, Legend):
            legend = m
        in_side = in_side or getattr(m, "is_side", False)
        t = in_text or _is_text(m)
        if _is_text(m) and not in_text:
            texts.append(m)
        if m.has_points():
            if isinstance(m, VMobject):
                if _visible(m):
                    members.append(m)
                    if t:
                        text_ids.add(id(m))
                    if legend is not None:
                        legend_of[id(m)] = legend
                    if in_side:
                        side_ids.add(id(m))
            elif _bitmap_or_points(m):  # the camera draws these as pixels: they cannot be vector paths
                skipped.append(type(m).__name__)
        for sub in m.submobjects:
            walk(sub, t, legend, in_side)

    for top in tops:
        walk(top, False, None)
    z = sorted(range(len(members)), key=lambda i: (members[i].z_index, i))  # the camera's z order
    members = [members[i] for i in z]
    return Drawn(members, text_ids, legend_of, skipped, texts, side_ids)


def drawn_colours(d: Drawn) -> set[str]:
    """Colours of the shapes drawn outside legends and texts (a legend row explains one of these)."""
    out = set()
    for m in d.members:
        if id(m) in d.text_ids or id(m) in d.legend_of:
            continue
        if m.width < 1e-4 and m.height < 1e-4:
            continue
        area = m.width * m.height > 1e-5
        for rgba in m.get_fill_rgbas():
            if rgba[3] > 0.02 and area:
                out.add(_hex(rgba))
        if float(m.get_stroke_width() or 0) > 0:
            for rgba in m.get_stroke_rgbas():
                if rgba[3] > 0.02:
                    out.add(_hex(rgba))
    return out


def swatch_colours(row, neutrals: set[str]) -> set[str]:
    """The meaningful colours of a legend row's swatch (neutrals left out)."""
    out = set()
    for m in row.swatch.family_members_with_points():
        if not _visible(m):
            continue
        for rgba in list(m.get_fill_rgbas()) + (list(m.get_stroke_rgbas()) if m.get_stroke_width() else []):
            if rgba[3] > 0.02:
                out.add(_hex(rgba))
    return out - neutrals


def legend_rows_drawn(d: Drawn, neutrals: set[str]) -> dict:
    """{legend: [row is drawn]}: a row is drawn when every colour of its swatch is on a shape outside legends."""
    shown = drawn_colours(d)
    out = {}
    for leg in {id(v): v for v in d.legend_of.values()}.values():
        out[leg] = [swatch_colours(r, neutrals) <= shown for r in leg.rows]
    return out


def close_up(leg, keep: list[bool]):
    """A copy of legend ``leg`` with only the kept rows, stacked from its top-left corner (None: no row kept)."""
    from manim import LEFT, UP

    from scenes.pieces.layout import stack

    rows = [r.copy() for r, k in zip(leg.rows, keep) if k]
    if not rows:
        return None
    g = stack(rows, getattr(leg, "columns", 1) if len(rows) > 3 else 1)
    return g.move_to(leg.get_corner(UP + LEFT), aligned_edge=UP + LEFT)


def figure_members(scene, neutrals: set[str]) -> tuple[list, Drawn]:
    """The members to draw for a paper figure: legends reduced to what is drawn."""
    d = collect(scene)
    rows = legend_rows_drawn(d, neutrals)
    if all(all(k) for k in rows.values()):
        return d.members, d
    replaced = {}
    for leg, keep in rows.items():
        new = close_up(leg, keep)
        replaced[id(leg)] = [m for m in new.family_members_with_points() if _visible(m)] if new is not None else []
    out, done = [], set()
    for m in d.members:
        leg = d.legend_of.get(id(m))
        if leg is None:
            out.append(m)
        elif id(leg) not in done:
            done.add(id(leg))
            new = replaced[id(leg)]
            if id(m) in d.side_ids:
                d.side_ids |= {id(x) for x in new}
            out += new
    return out, d


def close_side(members, d: Drawn, gap: float = 0.4) -> list:
    """At single column width the side panel sits in rows under the picture: put it ``gap`` below the lowest
    shape of the picture, up or down (copies; the scene is not changed)."""
    main = [m for m in members if id(m) not in d.side_ids]
    side = [m for m in members if id(m) in d.side_ids]
    if not main or not side:
        return members
    bottom = bounds(main)[1] + PAD
    top = bounds(side)[3] - PAD
    dy = bottom - gap - top
    if abs(dy) < 1e-6:
        return members
    moved = {id(m): m.copy().shift([0, dy, 0]) for m in side}
    return [moved.get(id(m), m) for m in members]


def bounds(members) -> tuple[float, float, float, float]:
    """(left, bottom, right, top) of the members' points, strokes included."""
    lo, hi = np.full(2, np.inf), np.full(2, -np.inf)
    for m in members:
        p = m.points[:, :2]
        p = p[np.isfinite(p).all(axis=1)]
        if not len(p):
            continue
        w = float(m.get_stroke_width() or 0) * 0.01 / 2
        lo = np.minimum(lo, p.min(axis=0) - w)
        hi = np.maximum(hi, p.max(axis=0) + w)
    return lo[0] - PAD, lo[1] - PAD, hi[0] + PAD, hi[1] + PAD


def _colour(ctx, rgbas, m, camera, pt_to_unit) -> None:
    if len(rgbas) == 1:
        ctx.set_source_rgba(*rgbas[0][:3], rgbas[0][3])
        return
    pts = camera.transform_points_pre_display(m, m.get_gradient_start_and_end_points())
    pat = cairo.LinearGradient(*[c for p in pts for c in p[:2]])
    for rgba, off in zip(rgbas, np.linspace(0, 1, len(rgbas))):
        pat.add_color_stop_rgba(off, *rgba[:3], rgba[3])
    ctx.set_source(pat)


def draw(ctx, members, camera) -> None:
    """Draw ``members`` onto a cairo context whose matrix maps scene units to the page (as the camera does,
    with the colours in RGB order: the camera reverses them for its BGRA pixel array)."""
    from manim.camera.camera import CAP_STYLE_MAP, LINE_JOIN_MAP
    from manim.constants import CapStyleType, LineJointType

    for m in members:
        camera.set_cairo_context_path(ctx, m)
        for background in (True, False):
            if not background:
                _colour(ctx, m.get_fill_rgbas(), m, camera, 1)
                ctx.fill_preserve()
            width = m.get_stroke_width(background)
            if width:
                _colour(ctx, m.get_stroke_rgbas(background), m, camera, 1)
                ctx.set_line_width(width * camera.cairo_line_width_multiple)
                if m.joint_type != LineJointType.AUTO:
                    ctx.set_line_join(LINE_JOIN_MAP[m.joint_type])
                if m.cap_style != CapStyleType.AUTO:
                    ctx.set_line_cap(CAP_STYLE_MAP[m.cap_style])
                ctx.stroke_preserve()
        ctx.new_path()


@dataclass
class Figure:
    """One paper figure written from a key frame."""

    paths: list[Path]
    width_in: float
    height_in: float
    smallest_pt: float  # the smallest text on the page, in points
    smallest_text: str
    legends: list  # [[row texts kept]] per legend drawn
    skipped: list  # mobjects that could not be drawn as vector paths


def em_units(m) -> tuple[str, float]:
    """(what, em of its smallest glyphs in scene units) of a text, number or formula as drawn."""
    from manim import SingleStringMathTex

    from scenes.pieces import MATH_EM, script_factor

    if isinstance(m, SingleStringMathTex):
        return m.tex_string, float(m.font_size) / 72 / MATH_EM * script_factor(m.tex_string)
    if getattr(m, "tex_string", None) is not None and hasattr(m, "math_size"):
        return m.tex_string, float(m.math_size) / 72 / MATH_EM * script_factor(m.tex_string)
    return getattr(m, "text", type(m).__name__), float(m.font_size) / 72


def text_sizes(d: Drawn) -> list[tuple[str, float]]:
    """(text, em in scene units) of every visible text, number and formula (a Rich line: each of its parts)."""
    from scenes.pieces import Number, Rich

    out = []
    for t in d.texts:
        if not any(_visible(x) for x in t.get_family()):
            continue
        if isinstance(t, Rich):
            for part in t.submobjects:
                if any(_visible(x) for x in part.get_family()):
                    out.append(em_units(part))
        elif isinstance(t, Number):
            out.append((t._shown, float(t[0].font_size) / 72))
        else:
            out.append(em_units(t))
    return out


def write_figure(scene, stem: Path, width: str, transparent: bool = False) -> Figure:
    """Write ``stem``.pdf, .svg and .png: the scene's current picture as a figure ``WIDTHS[width]`` inches wide."""
    from kit.theme import NEUTRALS, theme

    th = theme()
    pal = th.palette_of("paper")
    neutrals = {getattr(pal, k).upper() for k in NEUTRALS}
    members, d = figure_members(scene, neutrals)
    if width == "single":
        members = close_side(members, d)
    x0, y0, x1, y1 = bounds(members)
    w_in = WIDTHS[width]
    k = 72.0 * w_in / (x1 - x0)  # points per scene unit
    w_pt, h_pt = 72.0 * w_in, k * (y1 - y0)
    camera = scene.renderer.camera
    bg = pal.background
    paths = []

    def paint(surface, scale):
        ctx = cairo.Context(surface)
        if not transparent:
            r, g, b = (int(bg[i : i + 2], 16) / 255 for i in (1, 3, 5))
            ctx.set_source_rgb(r, g, b)
            ctx.paint()
        ctx.set_matrix(cairo.Matrix(k * scale, 0, 0, -k * scale, -x0 * k * scale, y1 * k * scale))
        draw(ctx, members, camera)
        surface.flush()

    for ext in ("pdf", "svg"):
        buf = io.BytesIO()
        surf = cairo.PDFSurface(buf, w_pt, h_pt) if ext == "pdf" else cairo.SVGSurface(buf, w_pt, h_pt)
        if ext == "pdf":
            surf.set_metadata(cairo.PDFMetadata.CREATOR, "byzmw studio")
        else:
            surf.set_document_unit(cairo.SVGUnit.PT)
        paint(surf, 1.0)
        surf.finish()
        p = stem.with_suffix("." + ext)
        atomic_write(p, buf.getvalue())
        paths.append(p)
    s = PNG_DPI / 72.0
    img = cairo.ImageSurface(cairo.FORMAT_ARGB32, int(round(w_pt * s)), int(round(h_pt * s)))
    paint(img, s)
    from PIL import Image

    arr = np.ndarray((img.get_height(), img.get_stride() // 4, 4), np.uint8, img.get_data())[:, : img.get_width()]
    rgba = arr[..., [2, 1, 0, 3]].copy()  # cairo's ARGB32 is BGRA in memory (little-endian)
    a = rgba[..., 3:4].astype(float) / 255
    with np.errstate(invalid="ignore", divide="ignore"):
        rgb = np.where(a > 0, np.clip(rgba[..., :3] / np.maximum(a, 1e-9), 0, 255), 0)  # un-premultiply
    out = np.concatenate([rgb.astype(np.uint8), rgba[..., 3:4]], axis=-1)
    pic = Image.fromarray(out, "RGBA" if transparent else "RGBA").convert("RGBA" if transparent else "RGB")
    buf = io.BytesIO()
    pic.save(buf, format="PNG", dpi=(PNG_DPI, PNG_DPI))
    p = stem.with_suffix(".png")
    atomic_write(p, buf.getvalue())
    paths.append(p)
    sizes = [(t, em * k) for t, em in text_sizes(d)]
    small = min(sizes, key=lambda x: x[1]) if sizes else ("", float("inf"))
    legends = []
    rows = legend_rows_drawn(d, neutrals)
    for leg, keep in rows.items():
        legends.append([r.text for r, kp in zip(leg.rows, keep) if kp])
    return Figure(paths, w_in, h_pt / 72.0, small[1], small[0], legends, sorted(set(d.skipped)))


def is_circle(m) -> bool:
    """A closed path whose anchors all lie on one circle (a Dot, a Circle, or a circle drawn by points)."""
    pts = m.points
    if len(pts) < 16 or not np.allclose(pts[0, :2], pts[-1, :2], atol=1e-3):
        return False
    q = pts[: len(pts) // 4 * 4, :2].reshape(-1, 4, 2)
    mids = (q[:, 0] + 3 * q[:, 1] + 3 * q[:, 2] + q[:, 3]) / 8  # each curve's middle lies on the circle too
    on = np.concatenate([q[:, 0], mids])
    c = q[:, 0].mean(axis=0)
    r = np.linalg.norm(on - c, axis=1)
    return bool(len(q) >= 4 and r.mean() > 1e-6 and r.std() < 0.03 * r.mean())


def byzantine_circles(scene) -> list[str]:
    """Circle-shaped shapes (not text) filled or stroked with the Byzantine colour: each should be a triangle,
    a dashed arrow or a hatched bar instead (names of what was found)."""
    from kit.theme import current_theme, theme

    byz = theme().palette_of(current_theme()).byzantine.upper()
    d = collect(scene)
    out = []
    for m in d.members:
        if id(m) in d.text_ids or not is_circle(m):
            continue
        cols = {_hex(c) for c in m.get_fill_rgbas() if c[3] > 0.02}
        if m.get_stroke_width():
            cols |= {_hex(c) for c in m.get_stroke_rgbas() if c[3] > 0.02}
        if byz in cols:
            out.append(f"{type(m).__name__} at ({m.get_center()[0]:.2f}, {m.get_center()[1]:.2f})")
    return out


def legend_rows(scene) -> list[tuple[str, set, bool]]:
    """(text, swatch colours, drawn outside the legend?) of every legend row on screen."""
    from kit.theme import NEUTRALS, current_theme, theme

    pal = theme().palette_of(current_theme())
    neutrals = {getattr(pal, k).upper() for k in NEUTRALS}
    d = collect(scene)
    shown = drawn_colours(d)
    rows = []
    for leg in {id(v): v for v in d.legend_of.values()}.values():
        for r in leg.rows:
            cols = swatch_colours(r, neutrals)
            rows.append((r.text, cols, cols <= shown))
    return rows
