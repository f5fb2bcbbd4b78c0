"""Every scene is found automatically and rendered in the fast mode (animations skipped).

Key frames are captured in-process at low quality; the LaTeX cache is the
repo's (outside the temp folder), so formulas compile once across runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kit.paths import REPO
from studio import registry

SCENES = registry.scenes()
HAVE_LATEX = shutil.which("latex") is not None and shutil.which("dvisvgm") is not None


def test_scenes_are_discovered():
    assert "MWWeightBars" in SCENES
    for name, e in SCENES.items():
        assert e.key_frames, f"{name} declares no key frames"
        assert len(set(e.key_frames)) == len(e.key_frames)
        assert e.cls.trace_spec is None or e.cls.trace_spec.kind


# Rendering every scene's key frames (reached, not blank, distinct) is checked in
# tests/test_scenes_audience.py, in the same pass that checks timing, colours and text.


@pytest.mark.scene
def test_manim_cli_from_repo_root(tmp_path):
    """`manim -ql scenes/<file>.py Name` works directly from the repo root (no PYTHONPATH tricks)."""
    if not HAVE_LATEX:
        pytest.skip("LaTeX (latex, dvisvgm) is not installed")
    entry = SCENES["MWWeightBars"]
    manim = Path(sys.executable).with_name("manim")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    r = subprocess.run(
        [
            str(manim),
            "render",
            "-ql",
            "-s",
            "--media_dir",
            str(tmp_path),
            str(entry.file.relative_to(REPO)),
            entry.name,
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert list(tmp_path.rglob("MWWeightBars*.png"))
