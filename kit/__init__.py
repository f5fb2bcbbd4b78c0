"""The kit: what scenes and figures stand on, below both and above ``sim``.

- :mod:`kit.paths` -- where the repository's assets and the output folders are;
- :mod:`kit.theme` -- the one visual language (``assets/theme.toml``);
- :mod:`kit.options` -- :class:`RenderOptions`, everything a render is asked for (parameters, pace, theme, ...);
- :mod:`kit.traces` -- the trace cache (reuse when up to date, else simulate through ``sim``);
- :mod:`kit.manim_env` -- the manim configuration of every render (manim.cfg, quality, private media, LaTeX lock);
- :mod:`kit.text_outlines` -- the disk cache of parsed text outlines.

The floors, from the top: ``bench`` -> ``studio`` (the shell: render, timing, slides, figures, catalog, CLIs)
-> ``scenes`` -> ``kit`` -> ``sim``. No module imports a floor above its own (tests/test_layout.py).
"""
