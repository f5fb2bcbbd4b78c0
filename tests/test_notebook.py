"""In a notebook: `%manim` of a studio scene has the theme's background (with or without the extension), and
`%load_ext studio.notebook` applies the project's Manim config (media under the current folder) and the
figures' matplotlib style. Also: the `manim` command line from a folder outside the checkout.

Each runs an IPython shell in a subprocess, in an empty folder (no manim.cfg there): Manim's defaults apply
unless the project's hook does. Before the fix the background of `%manim RobustAggregation` was Manim's black.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kit.paths import REPO
from kit.theme import theme

pytest.importorskip("IPython")

SCRIPT = """
import sys
from IPython.testing.globalipapp import start_ipython
ip = start_ipython()
if sys.argv[1] == "ext":
    ip.run_line_magic("load_ext", "studio.notebook")
else:
    from manim.utils.ipython_magic import ManimMagic  # `import manim` in a notebook registers it
    ip.register_magics(ManimMagic)
assert ip.run_cell("from scenes.aggregation.robust_aggregation import RobustAggregation").success
assert ip.run_cell("%manim -ql -s -v WARNING --progress_bar none RobustAggregation").success
import matplotlib as mpl
print("grid", mpl.rcParams["axes.grid"], mpl.rcParams["grid.color"])
"""


def _hex_rgb(h: str) -> np.ndarray:
    return np.array([int(h[i : i + 2], 16) for i in (1, 3, 5)])


def _env(cwd: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BYZMW_") and k != "PYTHONPATH"}
    env["BYZMW_TEX_CACHE"] = str(REPO / "media" / "Tex")
    env["PYTHONPATH"] = str(REPO)
    return env


@pytest.mark.parametrize("mode", ["plain", "ext"])
def test_manim_magic_draws_the_theme_background(tmp_path, mode):
    script = tmp_path / "nb.py"
    script.write_text(SCRIPT)
    work = tmp_path / "work"
    work.mkdir()
    r = subprocess.run([sys.executable, str(script), mode], cwd=work, env=_env(work), capture_output=True,
                       text=True, timeout=600)  # fmt: skip
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    pngs = sorted(work.glob("media/images/**/RobustAggregation*.png"))
    assert pngs, "the still of %manim -s is under the notebook's folder"
    from PIL import Image

    corner = np.asarray(Image.open(pngs[0]).convert("RGB"))[:8, :8].reshape(-1, 3).astype(int)
    want = _hex_rgb(theme().palette.background)
    assert np.abs(corner - want).max() <= 2, (corner[0], want)
    grid = r.stdout.strip().splitlines()[-1].lower()
    if mode == "ext":  # the figures' style (assets/studio.mplstyle: grid on, grid colour D0D7DE)
        assert grid.startswith("grid true") and "d0d7de" in grid, grid
    else:  # matplotlib's defaults: no grid
        assert grid.startswith("grid false"), grid


def test_manim_command_line_outside_the_checkout(tmp_path):
    """`manim -ql -s <repo>/scenes/...py RobustAggregation` from another folder: theme background, media there."""
    entry = REPO / "scenes" / "aggregation" / "robust_aggregation.py"
    manim = Path(sys.executable).with_name("manim")
    r = subprocess.run([str(manim), "render", "-ql", "-s", "-v", "WARNING", str(entry), "RobustAggregation"],
                       cwd=tmp_path, env=_env(tmp_path), capture_output=True, text=True, timeout=600)  # fmt: skip
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    (png,) = tmp_path.glob("media/images/**/RobustAggregation*.png")
    from PIL import Image

    corner = np.asarray(Image.open(png).convert("RGB"))[:8, :8].reshape(-1, 3).astype(int)
    assert np.abs(corner - _hex_rgb(theme().palette.background)).max() <= 2


DOC_RUNNER = """
import re, sys
from IPython.testing.globalipapp import start_ipython
ip = start_ipython()
text = open(sys.argv[1]).read()
blocks = re.findall(r"```python\\n(.*?)```", text, flags=re.S)
for i, code in enumerate(blocks):
    r = ip.run_cell(code)
    if not r.success:
        print(f"BLOCK {i} FAILED:\\n{code}\\n{r.error_before_exec or r.error_in_exec!r}")
        sys.exit(1)
print(f"ran {len(blocks)} blocks")
"""


def test_docs_notebook_walkthrough_runs(tmp_path):
    """Every python block of docs/notebook.md, in order, in one IPython session in an empty folder."""
    runner = tmp_path / "run_doc.py"
    runner.write_text(DOC_RUNNER)
    work = tmp_path / "work"
    work.mkdir()
    r = subprocess.run([sys.executable, str(runner), str(REPO / "docs" / "notebook.md")], cwd=work, env=_env(work),
                       capture_output=True, text=True, timeout=900)  # fmt: skip
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-3000:]
    assert int(r.stdout.split("ran ")[1].split()[0]) >= 12
    assert (work / "weights.png").stat().st_size > 5000
    assert sorted(p.name for p in work.glob("media/images/**/*Aggregation*.png"))
    assert (work / "traces" / "MidrangeAggregation.npz").is_file()
