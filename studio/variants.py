"""What every render of a scene shares: its variant (SET, PACE, THEME and the output name they give) and
publishing a finished file from a private media folder. Below both the serial render (:mod:`studio.render`) and
the segmented one (:mod:`studio.render_jobs`), which import it and not each other.
"""

from __future__ import annotations

import os
from pathlib import Path

from kit.options import RenderOptions, variant_suffix
from kit.paths import media_dir
from sim.core.cli import parse_sets

from .registry import SceneEntry, scene


def publish(path: Path, private_root: Path) -> Path:
    """Move a file out of a private media folder to the same place under media_dir() (atomic rename)."""
    final = media_dir() / Path(path).resolve().relative_to(Path(private_root).resolve())
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, final)
    return final


def parse_set(items) -> dict:
    """``"eta=0.5 rounds=20"`` (or a list of such strings) -> {"eta": "0.5", ...}: the one ``--set`` grammar
    (sim.core.cli.parse_sets; a comma belongs to the value, a name at most once)."""
    return parse_sets(items, flag="SET")


def resolve(name: str, options: RenderOptions | None = None) -> tuple[SceneEntry, dict, str]:
    """(the registered scene, the parameters ``options.sets`` changes, the output-name suffix), validated."""
    options = options or RenderOptions()
    entry = scene(name)
    _, chosen = entry.cls.trace_spec_for(options)
    return entry, chosen, variant_suffix(chosen, options)
