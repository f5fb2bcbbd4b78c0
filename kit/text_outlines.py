"""A disk cache of parsed text outlines: a ``Text`` whose Pango SVG was parsed once is not parsed again.

manim lays out a ``Text`` with Pango into an SVG (cheap), then parses that SVG
with svgelements and converts every glyph path to Bezier points (about 50-100 ms
per label: most of a scene's own render time). manim caches the SVG on disk but
not what it parsed, and keeps no in-memory cache for ``Text`` at all. Like the
LaTeX cache for ``MathTex``, this caches the result of that step:

- **Key.** sha256 of the SVG's file name (manim's own hash of the text and
  every setting that shapes it), the style manim puts around it, the path
  options and the manim and manimpango versions.
- **Value.** One file per key, plain float64 after a magic line (no pickles):
  every glyph's points, fill and stroke colours and stroke width, exactly as
  the parser left them (before the y flip), written atomically
  (:func:`sim.core.files.atomic_write`).
- **Hostile until validated.** A file is used only if it is under
  :data:`MAX_BYTES`, starts with the magic line and this version, has sizes that
  add up, consistent offsets, finite numbers and colours in [0, 1]; anything
  else is ignored (the SVG is parsed again and the entry rewritten).

Only ``Text`` uses it (``MarkupText`` and ``MathTex`` keep manim's own paths:
``MathTex`` needs the SVG's group ids). The folder is ``media/TextOutlines`` (``BYZMW_TEXT_OUTLINES`` moves it;
``BYZMW_TEXT_OUTLINES=off`` disables the cache).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from sim.core.files import atomic_write

from .paths import text_cache_dir

VERSION = 1
MAX_BYTES = 16 << 20  # a label's outlines are a few kB; anything near this is not ours


def enabled() -> bool:
    return os.environ.get("BYZMW_TEXT_OUTLINES", "").strip().lower() != "off"


def entry_for(svg_mobject, file_path: Path) -> Path | None:
    """The cache file of this Text's parse, or None when the cache does not apply."""
    from manim import Text

    if type(svg_mobject) is not Text or not enabled():
        return None
    import manim
    import manimpango

    h = hashlib.sha256()
    h.update(f"byzmw text outlines v{VERSION}, manim {manim.__version__}\0".encode())
    h.update(repr(sorted(svg_mobject.generate_config_style_dict().items())).encode())
    h.update(repr(sorted(svg_mobject.path_string_config.items())).encode())
    # manim names a Text's SVG by the hash of everything that shapes it (text, font, size, weight, slant,
    # colours, spacing) and reuses a file of that name as it is: the same name is the same outlines. (The
    # bytes are not a key: cairo numbers glyph ids per process, so the same text differs from one render to
    # the next.)
    h.update(f"{manimpango.__version__}\0{Path(file_path).name}".encode())
    return text_cache_dir() / f"{h.hexdigest()}.outline"


MAGIC = b"BYZMW-TEXT-OUTLINES\n"


def _concat(arrays, width: int):
    off = np.zeros(len(arrays) + 1)
    off[1:] = np.cumsum([len(a) for a in arrays])
    data = np.concatenate(arrays).astype(np.float64) if arrays else np.zeros((0, width))
    return data.reshape(-1, width), off


def save(path: Path, mobjects) -> None:
    """Write the parsed glyphs ``mobjects`` (VMobjects) to ``path``; a failure to write is not an error.

    Layout (little-endian float64 after MAGIC): version, k glyphs, rows of points, fill and stroke;
    then the three offset arrays (k + 1 each), the k stroke widths, and the rows.
    """
    points, p_off = _concat([m.points for m in mobjects], 3)
    fill, f_off = _concat([m.fill_rgbas for m in mobjects], 4)
    stroke, s_off = _concat([m.stroke_rgbas for m in mobjects], 4)
    width = np.array([float(m.stroke_width) for m in mobjects])
    head = np.array([VERSION, len(mobjects), len(points), len(fill), len(stroke)], dtype=float)
    body = np.concatenate([head, p_off, f_off, s_off, width, points.ravel(), fill.ravel(), stroke.ravel()])
    try:
        atomic_write(path, MAGIC + body.astype("<f8").tobytes())
    except OSError:
        pass


def _offsets_ok(off: np.ndarray, n_rows: int, min_len: int) -> bool:
    return off[0] == 0 and off[-1] == n_rows and bool(np.all(np.diff(off) >= min_len))


def load(path: Path) -> dict | None:
    """The validated arrays of a cache file, or None (missing, not ours, corrupt, too large, inconsistent)."""
    try:
        if not path.is_file() or path.stat().st_size > MAX_BYTES:
            return None
        raw = path.read_bytes()
    except OSError:
        return None
    if not raw.startswith(MAGIC) or (len(raw) - len(MAGIC)) % 8:
        return None
    v = np.frombuffer(raw, dtype="<f8", offset=len(MAGIC))
    if len(v) < 5 or not np.isfinite(v).all():
        return None
    version, k, n_p, n_f, n_s = v[:5]
    if version != VERSION or any(x != np.floor(x) or x < 0 for x in (k, n_p, n_f, n_s)):
        return None
    k, n_p, n_f, n_s = int(k), int(n_p), int(n_f), int(n_s)
    if len(v) != 5 + 3 * (k + 1) + k + 3 * n_p + 4 * n_f + 4 * n_s:
        return None
    i = 5
    parts = {}
    for name, size in (("p_off", k + 1), ("f_off", k + 1), ("s_off", k + 1), ("width", k)):
        parts[name] = v[i : i + size]
        i += size
    for name, rows, cols in (("points", n_p, 3), ("fill", n_f, 4), ("stroke", n_s, 4)):
        parts[name] = v[i : i + rows * cols].reshape(rows, cols)
        i += rows * cols
    ok = (
        _offsets_ok(parts["p_off"], n_p, 0)
        and _offsets_ok(parts["f_off"], n_f, 1)
        and _offsets_ok(parts["s_off"], n_s, 1)
        and (parts["width"] >= 0).all()
        and all(((parts[n] >= 0) & (parts[n] <= 1)).all() for n in ("fill", "stroke"))
    )
    if not ok:
        return None
    for name in ("p_off", "f_off", "s_off"):
        parts[name] = parts[name].astype(np.int64)
    return parts


def rebuild(a: dict) -> list:
    """VMobjects with the cached points and style (what the SVG parser produced)."""
    from manim import VMobject

    out = []
    for i in range(len(a["width"])):
        m = VMobject()
        m.points = a["points"][a["p_off"][i] : a["p_off"][i + 1]].copy()
        m.fill_rgbas = a["fill"][a["f_off"][i] : a["f_off"][i + 1]].copy()
        m.stroke_rgbas = a["stroke"][a["s_off"][i] : a["s_off"][i + 1]].copy()
        m.stroke_width = float(a["width"][i])
        out.append(m)
    return out
