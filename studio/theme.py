"""The shared theme, read from ``assets/theme.toml`` (no colour literals elsewhere)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache

from .paths import ASSETS


@dataclass(frozen=True)
class Palette:
    background: str
    paper: str
    text: str
    muted: str
    grid: str
    honest: str
    byzantine: str
    estimate: str
    true_value: str
    blacklisted: str
    volatile: str
    task_1: str        # the four tasks of multi-task scenes and figures (seed 002)
    task_2: str
    task_3: str
    task_4: str


@dataclass(frozen=True)
class FontSizes:
    title: int
    body: int
    label: int
    small: int
    tiny: int


@dataclass(frozen=True)
class Theme:
    palette: Palette        # talk (dark background)
    paper: Palette          # figures (white background)
    font_size: FontSizes
    font: str


@lru_cache(maxsize=1)
def theme() -> Theme:
    with open(ASSETS / "theme.toml", "rb") as f:
        raw = tomllib.load(f)
    talk = raw["palette"]
    paper = {**talk, "background": talk["paper"], **raw["paper_palette"]}
    return Theme(Palette(**talk), Palette(**paper), FontSizes(**raw["font_size"]), raw["font"]["family"])


MPL_STYLE = ASSETS / "studio.mplstyle"
