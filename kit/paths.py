"""Where things live. Output folders can be moved with environment variables."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ASSETS = REPO / "assets"
MANIM_CFG = REPO / "manim.cfg"


def _env_dir(var: str, default: Path) -> Path:
    return Path(os.environ[var]).resolve() if os.environ.get(var) else default


def trace_dir() -> Path:
    return _env_dir("BYZMW_TRACES", REPO / "traces")


def media_dir() -> Path:
    return _env_dir("BYZMW_MEDIA", REPO / "media")


def stills_dir() -> Path:
    return _env_dir("BYZMW_STILLS", REPO / "stills")


def figures_dir() -> Path:
    return _env_dir("BYZMW_FIGURES", REPO / "figures")


def tex_cache_dir() -> Path:
    """LaTeX cache shared by renders and tests (kept outside test temp dirs)."""
    return _env_dir("BYZMW_TEX_CACHE", REPO / "media" / "Tex")


def text_cache_dir() -> Path:
    """Parsed text outlines (kit.text_outlines), shared by renders and tests like the LaTeX cache."""
    return _env_dir("BYZMW_TEXT_OUTLINES", REPO / "media" / "TextOutlines")
