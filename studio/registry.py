"""Discovery of everything a subject declares: scenes, figures, trace kinds.

Scenes are the StudioScene subclasses defined in modules of ``scenes/``;
figures are the functions decorated with ``studio.figures.figure`` in modules of
``studio/figures/``; trace kinds come from ``sim.core.kinds``. Nothing is listed by
hand, so a new subject plugs in by declaring itself.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from dataclasses import dataclass
from pathlib import Path


class UnknownName(LookupError):
    pass


@dataclass(frozen=True)
class SceneEntry:
    name: str
    cls: type
    module: str
    file: Path

    @property
    def key_frames(self) -> tuple[str, ...]:
        return tuple(self.cls.key_frames)


def _walk(package: str):
    pkg = importlib.import_module(package)
    for mod in pkgutil.walk_packages(pkg.__path__, package + "."):
        yield importlib.import_module(mod.name)


def scenes() -> dict[str, SceneEntry]:
    """Every concrete StudioScene, in the order of scenes/talk.py (the talk, then its backup section)."""
    from scenes.base import StudioScene

    found = {}
    for mod in _walk("scenes"):
        for name, obj in vars(mod).items():
            if (
                inspect.isclass(obj)
                and issubclass(obj, StudioScene)
                and obj is not StudioScene
                and obj.__module__ == mod.__name__
                and not getattr(obj, "abstract", False)
            ):
                found[name] = SceneEntry(name, obj, mod.__name__, Path(inspect.getfile(obj)))
    from scenes.talk import order

    talk = order()
    missing = sorted(set(found) - set(talk))
    if missing:
        raise UnknownName(f"scenes/talk.py: scene {missing[0]} is not in the talk or its backup section")
    return {name: found[name] for name in talk if name in found}


def scene(name: str) -> SceneEntry:
    all_ = scenes()
    if name not in all_:
        raise UnknownName(f"SCENE: unknown scene {name!r}; available: {', '.join(all_)}")
    return all_[name]


def figures() -> dict:
    from studio.figures import all_figures

    return all_figures()
