"""The talk's glossary: every symbol means one thing in the whole talk, and is defined here once.

A scene shows a definition with :meth:`scenes.base.StudioScene.define` (the words come from here), before or
at the frame where the symbol first appears on screen; ``tests/test_scenes_glossary.py`` checks every scene's
key frames and captions for glossary symbols that appear before their definition. A symbol of the papers that
would clash (the coin report's τ is a count of corrupted experts, the MW paper's τ a weight threshold) takes
another letter in the talk: the glossary is the one place that decides.
"""

from __future__ import annotations

from typing import NamedTuple


class Symbol(NamedTuple):
    text: str  # as set in the theme's face (captions, labels)
    tex: tuple[str, ...]  # how it is written in LaTeX formulas
    meaning: str  # the definition shown on screen (short: one line of a legend)


SYMBOLS: dict[str, Symbol] = {
    s.text: s
    for s in (
        Symbol("n", (), "number of sources (in the coin scenes: experts)"),
        Symbol("f", (), "number of Byzantine parties"),
        Symbol("μ", (r"\mu",), "the true value"),
        Symbol("μ̂", (r"\hat\mu", r"\hat{\mu}"), "the estimate"),
        Symbol("w", ("w_",), "a source's weight"),
        Symbol("ℓ", (r"\ell",), "a source's loss this round, in [0, 1]"),
        Symbol("η", (r"\eta",), "learning rate: how far one update moves a weight"),
        Symbol("τ", (r"\tau",), "blacklisting threshold on a weight"),
        Symbol("T", (), "the round by which theory says a Byzantine weight is below τ"),
        Symbol("c", (), "the loss scale: distance at which the loss reaches 1"),
        Symbol("ε", (r"\varepsilon", r"\epsilon"), "accuracy: an honest estimate is within ε/3 of the truth"),
        Symbol("k", (), "number of peers"),
        Symbol("θ", (r"\theta",), "acceptance threshold: matching reports that settle a cell"),
        Symbol("z", (), "the vote's output"),
        Symbol("d", (), "the hidden direction the coin reveals"),
        Symbol("a", ("a_",), "an expert's advice: +1 or −1"),
    )
}

BYZANTINE = "Byzantine: a participant that may lie in any way, even in collusion with others"


def find_symbols(text: str, tex: bool = False) -> set[str]:
    """The glossary symbols a piece of on-screen text uses.

    In running text only the non-ASCII symbols (Greek letters, μ̂, ℓ) are looked for: single Latin letters
    (n, f, w, c, k, z, d, T) are too common in words. In a formula (``tex``) every symbol is looked for by its
    LaTeX forms, and a Latin letter when it stands alone (not inside a command or a word).
    """
    import re

    found = set()
    forms = sorted(
        ((f, s.text) for s in SYMBOLS.values() for f in ((*s.tex, s.text) if tex else (s.text,))),
        key=lambda x: -len(x[0]),
    )
    for form, sym in forms:
        if not tex and sym.isascii():
            continue
        if tex and len(form) == 1 and form.isascii():
            pat = rf"(?<![\\A-Za-z]){re.escape(form)}(?![A-Za-z])"
        else:
            pat = re.escape(form) + (r"(?![A-Za-z])" if form.startswith("\\") else "")
        if re.search(pat, text):
            found.add(sym)
            text = re.sub(pat, " ", text)  # a longer form (μ̂, \hat\mu) is not also its shorter one (μ)
    return found
