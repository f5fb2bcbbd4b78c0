"""Text: words and numbers in the theme's one face, mathematics in LaTeX only, on one baseline.

- :func:`label` sets words and numbers (``Text`` in the theme's font); a ``$...$`` part is mathematics and is
  set in LaTeX at the same em (:func:`math`), on the same baseline (:func:`rich`). A symbol of mathematics
  (a Greek letter, a hat, a prime, an operator such as ≤ or √) outside ``$...$`` is an error: the same symbol
  never appears in two faces.
- :class:`FastText` and :class:`Number` compose a line from cached glyph outlines (text that changes every
  round); :func:`counter` is a prefix (words, or ``$t$ =``) and a Number.
"""

from __future__ import annotations

import re

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, MathTex, Text, VGroup, VMobject

from .theme import COLORS, FONT, FS

# symbols of mathematics: set in LaTeX ($...$), never in the text face
MATH_CHARS = set("αβγδεζηθικλμνξοπρστυφχψωΓΔΘΛΞΠΣΦΨΩℓ∑∏√∈∉⇔⇒→←↦≤≥≠≈∝⌈⌉⌊⌋′″∗∂∇") | {
    "\u0302",
    "\u0304",
    "\u0303",
}  # combining hat, bar, tilde
MATH_EM = 96 / 72  # MathTex font_size 96 has the em of Text font_size 72: math(size) uses size * MATH_EM


def math_symbols(text: str) -> set[str]:
    """The symbols of mathematics in ``text`` outside $...$ (they belong in LaTeX)."""
    outside = re.sub(r"\$[^$]*\$", "", text)
    return {c for c in outside if c in MATH_CHARS}


def _check(text: str) -> None:
    bad = math_symbols(text)
    if bad:
        raise ValueError(
            f"text {text!r}: mathematics {''.join(sorted(bad))!r} outside $...$ "
            "(set symbols in LaTeX: label('threshold $\\tau$'))"
        )


_TEX = {
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\varepsilon", "η": r"\eta",
    "θ": r"\theta", "λ": r"\lambda", "μ": r"\mu", "π": r"\pi", "σ": r"\sigma", "τ": r"\tau", "ℓ": r"\ell",
    "∈": r"\in", "⇔": r"\Leftrightarrow", "⇒": r"\Rightarrow", "→": r"\to", "←": r"\leftarrow",
    "≤": r"\le", "≥": r"\ge", "≠": r"\neq", "≈": r"\approx", "∝": r"\propto", "√": r"\surd",
    "⌈": r"\lceil", "⌉": r"\rceil", "⌊": r"\lfloor", "⌋": r"\rfloor", "′": "'", "∗": "*",
}  # fmt: skip


def mathify(text: str) -> str:
    r"""``text`` (a caption, with Unicode mathematics) with each symbol of mathematics in $...$ for :func:`label`.

    A letter with a combining hat becomes ``$\hat x$``; a run of symbols and single letters around them
    (``z ≠ d``, ``p ∈ L``, ``L*``) becomes one formula.
    """
    out, i = [], 0
    chars = list(text)
    while i < len(chars):
        c = chars[i]
        if i + 1 < len(chars) and chars[i + 1] == "\u0302":
            out.append(f"$\\hat {_TEX.get(c, c)}$")
            i += 2
            continue
        if c in _TEX:
            out.append(f"${_TEX[c]}$")
        else:
            out.append(c)
        i += 1
    words = "".join(out).split(" ")
    punct = ".,:;"

    def core(w: str) -> str:
        return w.rstrip(punct)

    def letter(w: str) -> bool:
        return re.fullmatch(r"[A-Za-z][*']?", core(w)) is not None and core(w) not in ("a", "A", "I")

    def mathish(w: str, loose: bool) -> bool:
        c = core(w)
        if not c:
            return False
        if "$" in c:
            rest = re.sub(r"\$[^$]*\$", "", c)
            return re.fullmatch(r"[0-9A-Za-z*'/·−+-]*", rest) is not None and len(rest) <= 8
        return letter(w) or (loose and re.fullmatch(r"=|[−+-]?[0-9.]+", c) is not None)

    def runs(ws, letters):
        res, i = [], 0
        while i < len(ws):
            j = i
            while j < len(ws) and mathish(ws[j], True) and (j == i or ws[j - 1][-1:] not in punct):
                j += 1
            while (
                j > i and not ("$" in ws[j - 1] or letter(ws[j - 1])) and not re.fullmatch(r"[0-9.]+", core(ws[j - 1]))
            ):
                j -= 1  # a run ends on a letter, a formula or a number, never on '='
            run = ws[i:j]
            hit = any("$" in w for w in run) or any(core(w) in letters for w in run if letter(w))
            if run and hit and (len(run) > 1 or "$" in run[0] or core(run[0]) in letters):
                tail = run[-1][len(core(run[-1])) :]
                body = " ".join(w.replace("$", "") for w in run)
                body = body.replace("·", r"\cdot ").replace("−", "-").replace("*", "^*")
                res.append(f"${body[: len(body) - len(tail)] if tail else body}${tail}")
                i = j
            else:
                res.append(ws[i])
                i += 1
        return res

    first = runs(words, set())
    letters = {m for w in first if "$" in w for m in re.findall(r"(?<![\\A-Za-z])([A-Za-z])(?![A-Za-z])", w)}
    return " ".join(runs(words, letters))


SCRIPT_SCALE = (1.0, 0.7, 0.5)  # TeX's text, script and scriptscript sizes (cmr10 / cmr7 / cmr5)


def tex_script_depth(tex: str) -> int:
    """How deep the smallest part of a formula sits: 0 text size, 1 script (sub/superscripts, \\tfrac's
    parts), 2 scriptscript (a script inside a script). Display \\frac keeps its parts at text size."""
    depth, best, stack, i, pending = 0, 0, [], 0, 0
    while i < len(tex):
        c = tex[i]
        if c == "\\":
            j = i + 1
            while j < len(tex) and tex[j].isalpha():
                j += 1
            cmd = tex[i + 1 : j]
            if cmd in ("tfrac", "scriptstyle", "textstyle") and cmd != "textstyle":
                pending = 2 if cmd == "tfrac" else 1
            i = j
            continue
        if c in "_^":
            pending = 1
            if i + 1 < len(tex) and tex[i + 1] != "{":  # a single-character script
                best = max(best, min(depth + 1, 2))
                pending = 0
                i += 2
                continue
        elif c == "{":
            if pending:
                stack.append(1)
                depth += 1
                pending -= 1
            else:
                stack.append(0)
            best = max(best, min(depth, 2))
        elif c == "}":
            depth -= stack.pop() if stack else 0
        i += 1
    return best


def script_factor(tex: str) -> float:
    """The size of a formula's smallest glyphs relative to its font size (TeX's script sizes)."""
    return SCRIPT_SCALE[tex_script_depth(tex)]


def math(tex: str, size: float | None = None, color=None) -> MathTex:
    """Mathematics in LaTeX, at the em of text of font size ``size`` (LaTeX only for mathematics)."""
    return MathTex(tex, font_size=(size or FS.label) * MATH_EM, color=color or COLORS.text)


def label(text: str, size: float | None = None, color=None):
    """Words and numbers in the one font family of the theme; ``$...$`` parts in LaTeX (see :func:`rich`)."""
    _check(text)
    if "$" in text:
        return rich(text, size, color)
    return Text(text, font=FONT, font_size=size or FS.label, color=color or COLORS.text)


class Rich(VGroup):
    """A line of words (:class:`FastText`) and ``$...$`` mathematics (:func:`math`) on one baseline."""

    def __init__(self, text: str, size: float | None = None, color=None):
        super().__init__()
        _check(text)
        self.text, self.font = text, FONT
        self._size = float(size or FS.label)
        color = color or COLORS.text
        x = 0.0
        parts = re.split(r"(\$[^$]*\$)", text)
        for part in parts:
            if not part:
                continue
            if part.startswith("$") and part.endswith("$") and len(part) > 1:
                m = MathTex(r"\mathrm{H}", part[1:-1], font_size=self._size * MATH_EM, color=color)
                base = m[0].get_bottom()[1]
                body = m[1]
                if not body.submobjects and not body.has_points():
                    continue
                body.shift(np.array([x - body.get_left()[0] + 0.04 * self._size / 24, -base, 0.0]))
                body.tex_string = part[1:-1]
                body.math_size = self._size * MATH_EM
                self.add(body)
                x = body.get_right()[0] + 0.04 * self._size / 24
            else:
                t = FastText(part, self._size, color)
                if t.submobjects:
                    t.shift(np.array([x, 0.0, 0.0]))
                    self.add(t)
                x += t._advance
        self._ref_height = self.height if self.submobjects else 0.0
        # where the baseline (y = 0 now) sits, as a fraction of the height from the bottom
        self._base_frac = (0.0 - self.get_bottom()[1]) / self._ref_height if self._ref_height else 0.0

    def _baseline_y(self) -> float:
        return self.get_bottom()[1] + self._base_frac * self.height

    @property
    def font_size(self) -> float:
        return self._size * (self.height / self._ref_height) if self._ref_height else self._size


def rich(text: str, size: float | None = None, color=None) -> Rich:
    return Rich(text, size, color)


class FastText(VGroup):
    """A line of text in the theme's font, composed from cached glyphs (for text that changes every round).

    ``Text`` lays out and parses a whole SVG for every new string, which is
    what made per-round numbers and worked examples expensive. Here each
    character is laid out once (its outline, advance width and baseline offset
    measured between two capitals H), and a string is a row of copies of
    those outlines: no SVG parsing after the first use of a character. Digits
    of DejaVu Sans have no kerning, so numbers are set exactly as Text sets them.
    The line is laid out with its baseline at y = 0 and the pen's start at x = 0.
    """

    _REF = 48.0
    _glyphs: dict = {}  # char -> (points at _REF size, x offset, baseline offset, advance) or None
    _h_adv: dict = {}

    def __init__(self, text: str, size: float | None = None, color=None):
        super().__init__()
        _check(text)
        self.text, self.font, self._size = text, FONT, float(size or FS.label)
        k = self._size / self._REF
        x, parts = 0.0, []
        for ch in text:
            pts, gx, gy, adv = self._glyph(ch)
            if pts is not None:
                parts.append(pts * k + np.array([x + gx * k, gy * k, 0.0]))
            x += adv * k
        if parts:  # one path for the whole line: one object to draw, not one per glyph
            m = VMobject(fill_color=color or COLORS.text, fill_opacity=1, stroke_width=0)
            m.points = np.concatenate(parts)
            self.add(m)
        self._ref_height = self.height if self.submobjects else 0.0
        self._advance = x

    @classmethod
    def _hadv(cls) -> float:
        if FONT not in cls._h_adv:
            hh = Text("HH", font=FONT, font_size=cls._REF)
            cls._h_adv[FONT] = hh[1].get_left()[0] - hh[0].get_left()[0]
        return cls._h_adv[FONT]

    @classmethod
    def _glyph(cls, ch: str):
        key = (FONT, ch)
        if key not in cls._glyphs:
            h = cls._hadv()
            t = Text("H" + ch + "H", font=FONT, font_size=cls._REF)
            h1, h2 = t[0], t[-1]
            x0, base = h1.get_left()[0], h1.get_bottom()[1]
            adv = h2.get_left()[0] - x0 - h
            if len(t) == 3:
                g = t[1]
                pts = g.points.copy()
                origin = np.array([x0 + h, base, 0.0])
                cls._glyphs[key] = (pts - origin, 0.0, 0.0, adv)
            else:  # a space: no outline, only an advance
                cls._glyphs[key] = (None, 0.0, 0.0, adv)
        return cls._glyphs[key]

    @property
    def font_size(self) -> float:
        return self._size * (self.height / self._ref_height) if self._ref_height else self._size


class Number(VGroup):
    """A number in the theme's font (not LaTeX), updated with ``set_value`` once per round.

    Replaces DecimalNumber so that numbers are set in the same face as every
    other text. The glyphs of a string are laid out once and cached.
    """

    def __init__(
        self,
        value: float = 0,
        places: int = 0,
        size: float | None = None,
        color=None,
        include_sign: bool = False,
        group_with_commas: bool = False,
        edge=LEFT,
    ):
        super().__init__()
        self.places, self.size, self.sign, self.commas, self.edge = (
            places,
            size or FS.body,
            include_sign,
            group_with_commas,
            edge,
        )
        self.num_color = color or COLORS.text
        self.value = None
        self.set_value(value)

    def _text(self, s: str) -> FastText:
        return FastText(s, self.size, self.num_color)

    def format(self, v: float) -> str:
        if not np.isfinite(v):
            return "–" if np.isnan(v) else ("∞" if v > 0 else "−∞")
        s = f"{v:{'+' if self.sign else ''}{',' if self.commas else ''}.{self.places}f}"
        return s.replace("-", "−")

    def _baseline(self, text, s: str) -> float:
        """y of the baseline of ``text`` showing ``s`` (digits sit on it; a lone dash is centred on digit height)."""
        if any(c.isdigit() for c in s):
            return text.get_bottom()[1]
        return text.get_center()[1] - self._text("0").height / 2

    def set_value(self, v: float):
        self.value = float(v)
        s = self.format(self.value)
        new = self._text(s)
        if self.submobjects:
            old, old_s = self.submobjects[0], self._shown
            x = old.get_critical_point(self.edge)[0]
            new.move_to([x, 0, 0], aligned_edge=self.edge)
            new.shift(UP * (self._baseline(old, old_s) - self._baseline(new, s)))
            shown = old.family_members_with_points()
            new.set_fill(opacity=max((m.get_fill_opacity() for m in shown), default=1.0))
        self._shown = s
        self.submobjects = [new]
        return self

    def get_value(self) -> float:
        return self.value


def tick_labels(
    line, values, size: float | None = None, color=None, direction=DOWN, buff: float = 0.15, fmt: str = "{:g}"
) -> VGroup:
    """Tick numbers of a NumberLine / axis in the theme's font (instead of LaTeX numbers)."""
    g = VGroup()
    for v in values:
        g.add(
            label(fmt.format(v).replace("-", "−"), size or FS.small, color or COLORS.muted).next_to(
                line.n2p(v), direction, buff=buff
            )
        )
    return g


def counter(prefix: str, value: float = 0, size: float | None = None, places: int = 0, color=None) -> VGroup:
    """A prefix and a :class:`Number`, e.g. 'round' 3 or '$t$ =' 3; ``.number.set_value`` once per round.

    The prefix is words in the theme's font, with mathematics in ``$...$`` (:func:`label`); the number is
    always in the theme's font, on the prefix's baseline.
    """
    color = color or COLORS.text
    size = size or FS.body
    head = rich(prefix, size, color)
    num = Number(value, places=places, size=size, color=color, include_sign=places > 0)
    g = VGroup(head, num).arrange(RIGHT, buff=0.2 * size / 24)
    num.shift(UP * (head._baseline_y() - num.get_bottom()[1]))  # the digits sit on the words' baseline
    g.number = num
    return g


__all__ = [
    "MATH_CHARS",
    "MATH_EM",
    "FastText",
    "Number",
    "Rich",
    "counter",
    "label",
    "math",
    "math_symbols",
    "mathify",
    "rich",
    "script_factor",
    "tex_script_depth",
    "SCRIPT_SCALE",
    "tick_labels",
]
