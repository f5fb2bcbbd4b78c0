"""Byzantine MW Studio in a Jupyter notebook: ``%load_ext studio.notebook``.

Loading the extension applies the project's look to what the notebook draws:

- Manim: the project's ``manim.cfg`` (the talk theme's background, the frame rate), media under the current
  folder (``media/``, or ``$BYZMW_OUT``/``$BYZMW_MEDIA``), and Manim's ``%%manim`` magic registered, so
  ``%manim -ql RobustAggregation`` renders a scene imported into the notebook. (Every studio scene also sets
  the theme's background itself, so ``%%manim`` of a scene is right even without the extension; the
  extension matters for your own Manim scenes and for the frame rate.)
- matplotlib: the studio's style (``assets/studio.mplstyle``: fonts, sizes, the paper palette's colours), as
  the paper figures use it.

``apply(theme="paper")`` does the same from plain Python, with the background of another theme. See
``docs/notebook.md``.
"""

from __future__ import annotations

from kit.paths import MANIM_CFG, media_dir
from kit.theme import MPL_STYLE, check_theme, theme


def apply(theme_name: str = "talk") -> None:
    """Manim's config and matplotlib's style of the project (theme ``talk`` or ``paper`` for Manim's background)."""
    import matplotlib.pyplot as plt
    from manim import config

    import scenes.base  # noqa: F401  (the render guards: concurrent renders share the LaTeX cache safely)

    config.digest_file(str(MANIM_CFG))
    config.media_dir = str(media_dir())
    config.background_color = theme().palette_of(check_theme(theme_name)).background
    plt.style.use(str(MPL_STYLE))


def load_ipython_extension(ipython) -> None:
    """``%load_ext studio.notebook``: :func:`apply`, and Manim's ``%%manim`` magic registered."""
    from manim.utils.ipython_magic import ManimMagic

    apply()
    ipython.register_magics(ManimMagic)
