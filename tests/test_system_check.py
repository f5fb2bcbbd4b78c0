"""Setup off Debian: the tools are looked for themselves; apt runs only on Debian and only when one is missing.

`make scenes` (and the setup check) run on a machine where apt-get and dpkg-query are not on PATH: a PATH is
built here with every command of this machine except the package managers, plus recorders named apt-get,
apt and dpkg-query in a second run that would leave a marker if anything called them.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from kit.paths import REPO
from studio import system_check as sc

HIDDEN = ("apt-get", "apt", "dpkg-query", "dpkg", "apt-cache")


def _path_without_package_managers(tmp_path, recorders: bool):
    farm = tmp_path / "bin"
    farm.mkdir()
    for d in os.environ["PATH"].split(os.pathsep):
        if not os.path.isdir(d):
            continue
        for name in os.listdir(d):
            if name in HIDDEN or (farm / name).exists():
                continue
            src = os.path.join(d, name)
            if os.access(src, os.X_OK) and not os.path.isdir(src):
                (farm / name).symlink_to(src)
    marker = tmp_path / "package-manager-called"
    if recorders:
        for name in HIDDEN:
            (farm / name).write_text(f'#!/bin/sh\necho "$0 $*" >> {marker}\nexit 1\n')
            (farm / name).chmod(0o755)
    return str(farm), marker


@pytest.mark.skipif(not shutil.which("make") or not shutil.which("latex"), reason="needs make and the tools")
@pytest.mark.parametrize("recorders", [False, True], ids=["hidden", "recorded"])
def test_make_scenes_and_setup_check_without_apt(tmp_path, recorders):
    path, marker = _path_without_package_managers(tmp_path, recorders)
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS",)}
    env["PATH"] = path
    assert shutil.which("apt-get", path=path) is None or recorders
    r = subprocess.run(["python3", "studio/system_check.py", "--install"], cwd=REPO, env=env, capture_output=True,
                       text=True, timeout=120)  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    r = subprocess.run(["make", "-s", "scenes"], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and "RobustAggregation" in r.stdout, r.stdout + r.stderr
    assert not marker.exists(), marker.read_text()


def test_off_debian_a_missing_tool_prints_the_command_and_fails(monkeypatch, capsys):
    monkeypatch.setattr(sc, "present", lambda t: t.name not in ("LaTeX", "cairo"))
    monkeypatch.setattr(sc, "system", lambda: "fedora")
    monkeypatch.setattr(sc, "apt_install", lambda tools: pytest.fail("apt off Debian"))
    assert sc.main(["--install"]) == 1
    err = capsys.readouterr().err
    assert "setup: missing: cairo, LaTeX" in err
    assert "sudo dnf install cairo-devel texlive-scheme-basic texlive-standalone" in err


@pytest.mark.parametrize(
    "where, expect", [("macos", "brew install cairo"), ("conda", "conda install -c conda-forge cairo")]
)
def test_instructions_for_each_system(where, expect):
    lines = sc.instructions([t for t in sc.TOOLS if t.name == "cairo"], where)
    assert any(expect in line for line in lines), lines


def test_on_debian_only_what_is_missing_is_installed(monkeypatch):
    installed = []
    state = {"missing": {"ffmpeg", "pango"}}
    monkeypatch.setattr(sc, "present", lambda t: t.name not in state["missing"])
    monkeypatch.setattr(sc, "system", lambda: "debian")

    def apt(tools):
        installed.append(sorted(t.debian for t in tools))
        state["missing"] = set()
        return 0

    monkeypatch.setattr(sc, "apt_install", apt)
    assert sc.main(["--install"]) == 0
    assert installed == [["ffmpeg", "libpango1.0-dev"]]
    installed.clear()
    assert sc.main(["--install"]) == 0 and installed == []  # nothing missing: apt never runs


def test_a_missing_recommended_tool_is_not_fatal_off_debian(monkeypatch, capsys):
    monkeypatch.setattr(sc, "present", lambda t: t.name != "ffmpeg")
    monkeypatch.setattr(sc, "system", lambda: "macos")
    assert sc.main(["--install"]) == 0
    assert "recommended, not installed: ffmpeg" in capsys.readouterr().err


def test_the_check_uses_the_standard_library_only():
    """make setup runs it with the system's python3, before .venv exists."""
    import ast

    tree = ast.parse((REPO / "studio" / "system_check.py").read_text())
    mods = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    mods |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    import sys

    assert mods <= set(sys.stdlib_module_names) | {"__future__"}, mods
