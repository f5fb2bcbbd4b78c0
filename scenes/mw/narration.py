"""Helpers the MW scenes share for their words: distances as the screen rounds them."""

from __future__ import annotations


def rounds_word(k: int) -> str:
    return "round" if k == 1 else "rounds"


def wrapped_definitions(scene, symbols, size, width: float):
    """``scene.define(*symbols)`` with every meaning wider than ``width`` broken into two lines (same words)."""
    from manim import DOWN, LEFT, RIGHT, UP, VGroup

    from scenes.glossary import SYMBOLS
    from scenes.pieces import COLORS, label, mathify

    defs = scene.define(*symbols, size=size)
    for sym, row in zip(symbols, defs):
        meaning = SYMBOLS[sym].meaning
        if row.width <= width or " " not in meaning:
            continue
        spaces = [i for i, c in enumerate(meaning) if c == " "]
        cut = min(spaces, key=lambda i: abs(i - len(meaning) / 2))
        two = VGroup(
            label(mathify(meaning[:cut]), size, COLORS.muted), label(mathify(meaning[cut + 1 :]), size, COLORS.muted)
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.08)
        two.next_to(row[0], RIGHT, buff=0.2, aligned_edge=UP)
        row.remove(row[1])
        row.add(two)
    defs.arrange(DOWN, aligned_edge=LEFT, buff=0.12)
    return defs
