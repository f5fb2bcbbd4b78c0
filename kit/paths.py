"""Where things live: the package's own files, and the output folders.

The theme (``assets/``) and ``manim.cfg`` sit at the top of the checkout; ``kit/assets`` and ``kit/manim.cfg``
are symlinks to them, which setuptools copies into the wheel as package data. So :data:`ASSETS` and
:data:`MANIM_CFG` resolve from this package, whether it runs from the checkout, an editable install or an
installed wheel.

Outputs (traces, media, stills, figures, slides, sweeps) go under the current folder, or under ``$BYZMW_OUT``
(``byzmw --out DIR``), never next to the installed package; each folder can also be moved on its own
(``$BYZMW_TRACES``, ``$BYZMW_MEDIA``, ...). The folders are looked up at each call, so a change of the current
folder or of the environment takes effect at once.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
ASSETS = PACKAGE / "assets"
MANIM_CFG = PACKAGE / "manim.cfg"
# The folder above the packages: the checkout when run from one (catalog, tests, benchmarks use it);
# site-packages for an installed wheel, where nothing is written.
REPO = PACKAGE.parent


def _env_dir(var: str, default: Path) -> Path:
    return Path(os.environ[var]).resolve() if os.environ.get(var) else default


def out_root() -> Path:
    """The root of every output folder: ``$BYZMW_OUT``, else the current folder."""
    return _env_dir("BYZMW_OUT", Path.cwd())


def trace_dir() -> Path:
    return _env_dir("BYZMW_TRACES", out_root() / "traces")


def media_dir() -> Path:
    return _env_dir("BYZMW_MEDIA", out_root() / "media")


def stills_dir() -> Path:
    return _env_dir("BYZMW_STILLS", out_root() / "stills")


def figures_dir() -> Path:
    return _env_dir("BYZMW_FIGURES", out_root() / "figures")


def slides_dir() -> Path:
    return _env_dir("BYZMW_SLIDES", out_root() / "slides")


def sweeps_dir() -> Path:
    """Root of all sweeps (``sweeps/``, or $BYZMW_SWEEPS)."""
    return _env_dir("BYZMW_SWEEPS", out_root() / "sweeps")


def tex_cache_dir() -> Path:
    """LaTeX cache shared by renders and tests: ``media/Tex`` of the output root, whatever $BYZMW_MEDIA says (the
    tests move media/ to a temp folder and keep compiled formulas across runs)."""
    return _env_dir("BYZMW_TEX_CACHE", out_root() / "media" / "Tex")


def text_cache_dir() -> Path:
    """Parsed text outlines (kit.text_outlines), shared by renders and tests like the LaTeX cache."""
    return _env_dir("BYZMW_TEXT_OUTLINES", out_root() / "media" / "TextOutlines")


def cache_dir() -> Path:
    """Downloads kept across projects (reveal.js): ``$BYZMW_CACHE``, ``$XDG_CACHE_HOME/byzmw`` or ~/.cache/byzmw."""
    if os.environ.get("BYZMW_CACHE"):
        return Path(os.environ["BYZMW_CACHE"]).resolve()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "byzmw"
