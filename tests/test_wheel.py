"""The installed wheel, outside the checkout: what a researcher gets from `pip install byzmw-studio[render]`.

Built from this checkout, installed with the example plugin into a fresh virtual environment (no access to the
checkout: no PYTHONPATH, an empty working folder), then used there: `byzmw scenes`, a render and stills of
RobustAggregation at -ql, `import sim; sim.simulate(...)`, and the plugin (found through its entry point)
in `byzmw sweep list`, a sweep's CSV and figure and a RobustAggregation render. Everything is written under
the working folder, nothing next to the installed package. One scene at low quality keeps it quick
(about two minutes, most of it pip installing from its cache).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kit.paths import REPO

pytestmark = pytest.mark.skipif(not shutil.which("latex"), reason="LaTeX is not installed (make setup)")

TIMINGS: dict[str, float] = {}


def _env(home: Path) -> dict:
    keep = ("PATH", "LANG", "LC_ALL", "TMPDIR", "PIP_CACHE_DIR", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL",
            "PIP_FIND_LINKS", "PIP_CERT", "PIP_DEFAULT_TIMEOUT", "XDG_CACHE_HOME", "SSL_CERT_FILE")  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k in keep}
    env["HOME"] = os.environ.get("HOME", str(home))  # pip's cache of wheels (pycairo is compiled once)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def _run(cmd, cwd, env, timeout=600, what=None) -> subprocess.CompletedProcess:
    t0 = time.perf_counter()
    r = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    TIMINGS[what or str(cmd[1])] = time.perf_counter() - t0
    assert r.returncode == 0, f"{cmd}: exit {r.returncode}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(venv bin folder, an empty working folder, env) with the wheel[render] and the example plugin installed."""
    root = tmp_path_factory.mktemp("wheel")
    env = _env(root)
    dist = root / "dist"
    # built from a copy of the checkout's files: setuptools writes build/ and *.egg-info/ into the folder it
    # builds, and two pytest workers building the checkout itself at once collide there
    src = root / "src"
    listed = subprocess.run(["git", "-C", REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            capture_output=True, check=True).stdout  # fmt: skip
    for rel in filter(None, listed.decode().split("\0")):
        f = REPO / rel
        if f.is_file() or f.is_symlink():
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, src / rel, follow_symlinks=False)
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", dist, src],
         cwd=root, env=env, what="build wheel")  # fmt: skip
    (wheel,) = dist.glob("byzmw_studio-*.whl")
    venv = root / "venv"
    _run([sys.executable, "-m", "venv", venv], cwd=root, env=env, what="venv")
    bin_ = venv / "bin"
    plugin = shutil.copytree(REPO / "examples" / "plugin", root / "plugin")  # pip builds in the folder it gets
    _run([bin_ / "python", "-m", "pip", "install", "-q", "-c", REPO / "constraints.txt", f"{wheel}[render]", plugin],
         cwd=root, env=env, timeout=900, what="pip install wheel[render]")  # fmt: skip
    work = root / "work"
    work.mkdir()
    yield bin_, work, env
    print("\nwheel test timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in TIMINGS.items()))


def test_the_installed_package_is_not_the_checkout(installed):
    bin_, work, env = installed
    r = _run([bin_ / "python", "-c", "import kit.paths as p, sim; print(p.PACKAGE); print(p.ASSETS / 'theme.toml')"],
             cwd=work, env=env)  # fmt: skip
    package, theme = r.stdout.split()
    assert str(bin_.parent) in package and str(REPO) not in package
    assert Path(theme).is_file()  # the theme shipped as package data


def test_core_api_from_the_wheel(installed):
    bin_, work, env = installed
    r = _run([bin_ / "python", "-c", "import sim; t = sim.simulate('mw_sources', seed=1, rounds=5); "
              "print(t['weights'].shape, sim.aggregate('median', [[1.0], [2.0], [90.0]]).tolist())"],
             cwd=work, env=env, what="import sim")  # fmt: skip
    assert r.stdout.strip() == "(6, 9) [2.0]"


def test_scenes_render_and_stills_outside_the_checkout(installed):
    bin_, work, env = installed
    r = _run([bin_ / "byzmw", "scenes"], cwd=work, env=env, what="byzmw scenes")
    assert "RobustAggregation" in r.stdout
    r = _run([bin_ / "byzmw", "render", "RobustAggregation", "-q", "l"], cwd=work, env=env, what="byzmw render")
    video = Path(r.stdout.split("video: ")[1].split()[0])
    assert video.is_file() and video.stat().st_size > 10_000 and work in video.parents
    r = _run([bin_ / "byzmw", "stills", "RobustAggregation", "-q", "l"], cwd=work, env=env, what="byzmw stills")
    stills = sorted((work / "stills" / "RobustAggregation").glob("*.png"))
    assert [p.stem for p in stills] == sorted(["initial", "attack", "dragged", "final"])
    site = next((bin_.parent / "lib").glob("python*/site-packages"))
    assert not [p for p in ("media", "traces", "stills") if (site / p).exists()]  # nothing next to the package


def test_the_example_plugin_through_its_entry_point(installed):
    bin_, work, env = installed
    r = _run([bin_ / "byzmw", "plugins"], cwd=work, env=env)
    assert "byzmw_example_plugin (entry point example)" in r.stdout and "phocas" in r.stdout
    r = _run([bin_ / "byzmw", "sweep", "list"], cwd=work, env=env)
    assert "phocas" in r.stdout and "shift" in r.stdout
    _run([bin_ / "byzmw", "sweep", "run", "aggregation_breakdown", "--name", "mine", "--no-progress",
          "--set", "aggregator=mean,phocas attack=shift,sign_flip byz_fraction=0,0.2 trials=10"],
         cwd=work, env=env, what="byzmw sweep run")  # fmt: skip
    csv = (work / "sweeps" / "mine" / "cells.csv").read_text()
    assert ",phocas,shift," in csv and "# plugins: byzmw_example_plugin (entry point example)" in csv
    assert (work / "sweeps" / "mine" / "figures" / "aggregation_breakdown.png").stat().st_size > 10_000
    r = _run([bin_ / "byzmw", "render", "RobustAggregation", "-q", "l", "--set", "aggregators=mean,median,phocas"],
             cwd=work, env=env, what="byzmw render (plugin)")  # fmt: skip
    assert "RobustAggregation__aggregators=mean_median_phocas" in r.stdout
