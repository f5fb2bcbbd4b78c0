"""Shared visual pieces of the scenes, split by job (every name importable from ``scenes.pieces``):

- :mod:`.theme` — the theme in use: ``COLORS``, ``EST`` and the other families, ``FS``, ``FONT``, markers;
- :mod:`.text` — words and numbers in one face, mathematics in LaTeX only: ``label``, ``math``, ``Number``, ...;
- :mod:`.shapes` — markers, sources (honest circle, Byzantine triangle), the blacklisted look, hatching, bars;
- :mod:`.motion` — cheap animations (``Morph``, ``MorphBoxes``, ``FadeInKeep``, ``Restyle``, ...);
- :mod:`.layout` — the one layout grid: title, side column, legend, parameter line, conclusion band.

Pieces only lay out and move things; the numbers come from traces.
"""

from __future__ import annotations

from .layout import *  # noqa: F403
from .layout import __all__ as _layout
from .motion import *  # noqa: F403
from .motion import __all__ as _motion
from .shapes import *  # noqa: F403
from .shapes import __all__ as _shapes
from .text import *  # noqa: F403
from .text import __all__ as _text
from .theme import *  # noqa: F403
from .theme import __all__ as _theme

__all__ = sorted(set(_theme + _text + _shapes + _motion + _layout))
