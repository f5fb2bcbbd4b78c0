"""Visual regression: every key frame of every scene against committed control frames.

Uses Manim's own frame-comparison utilities (``manim.utils.testing.frames_comparison``):
one test per (scene, key frame), generated from the registry, so a new scene is
covered once its controls exist. Regenerate the controls after an intended
visual change with::

    make controls        # = pytest tests/test_visual_regression.py --set_test

Controls live in tests/control_data/visual_regression/<Scene>__<key>.npz.
Manim skips these comparisons when libcairo is older than 1.18 (Debian 12 has
1.16); the controls are made on the same Debian build that runs CI, so the
guard is lowered here. A skipped comparison fails the suite (see conftest.py).
"""

from __future__ import annotations

import pytest
from manim.scene.scene import EndSceneEarlyException
from manim.utils.testing import frames_comparison as fc

from kit.paths import tex_cache_dir
from kit.theme import theme
from scenes.base import RenderObserver
from studio import registry

__module_test__ = "visual_regression"
fc.MIN_CAIRO_VERSION = 11600  # Debian 12's libcairo 1.16; controls are produced on the same build

SCENE_CONFIG = {"tex_dir": str(tex_cache_dir()), "background_color": theme().palette.background}


def _key_frame_test(entry, key):
    class StopAt(RenderObserver):
        def on_key_frame(self, sc, name):
            if name == key:
                sc.current_frame()  # the still's pixels (studio stills use the same call)
                raise EndSceneEarlyException()

    def construct_until(scene):
        scene.observers = (StopAt(),)
        entry.cls.construct(scene)
        raise AssertionError(f"{entry.name}: key frame {key!r} never reached")

    construct_until.__name__ = f"test_{entry.name}__{key}"
    test = fc.frames_comparison(last_frame=True, base_scene=entry.cls, **SCENE_CONFIG)(construct_until)
    return pytest.mark.visual(test)


for _entry in registry.scenes().values():
    for _key in _entry.key_frames:
        _t = _key_frame_test(_entry, _key)
        globals()[_t.__name__] = _t
