"""Helpers the MW scenes share for their words: when a running caption is due, distances as the screen rounds them."""

from __future__ import annotations

from scenes.base import reading_time


def caption_due(scene, every: float) -> bool:
    """No caption for ``every`` seconds (at the scene's pace) and the last one read to its end."""
    last = scene._caption
    if last is None:
        return True
    text, t0 = last
    since = scene._now() - t0
    return since >= scene.seconds(every) and since >= reading_time(text)


def rounds_word(k: int) -> str:
    return "round" if k == 1 else "rounds"
