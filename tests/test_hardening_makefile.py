"""`make render|preview|stills|slides` with hostile SCENE / QUALITY / TRANSPARENT values runs nothing.

The recipes really run (not `make -n`, which would hide a shell injection), with ``setup`` marked up to
date (``-o setup``) and ``PY`` replaced by a stub that records its arguments: a value that broke out of its
quotes would create the marker file; a value that stayed quoted arrives as one argument, verbatim.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from kit.paths import REPO

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")

HOSTILE = [
    "x;touch {p}",
    "x && touch {p}",
    "$(touch {p})",
    "`touch {p}`",
    "x' ; touch {p} ; echo '",
    'x" ; touch {p} ; echo "',
    "$(shell touch {p})",  # make-level: must not be expanded by make either
    "x|touch {p}",
]

STUB = """#!/bin/sh
for a in "$@"; do printf '%s\\0' "$a"; done >> "{log}"
printf '\\n' >> "{log}"
[ "$3" = file ] && exit 2
exit 0
"""


def _make(tmp_path, target, **vars):
    log = tmp_path / "args.log"
    stub = tmp_path / "stub"
    stub.write_text(STUB.format(log=log))
    stub.chmod(0o755)
    cmd = ["make", "-s", "-C", str(REPO), "-o", "setup", f"PY={stub}", target] + [f"{k}={v}" for k, v in vars.items()]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env={**os.environ, "MAKEFLAGS": ""})
    calls = [line.split("\0")[:-1] for line in log.read_text().splitlines()] if log.exists() else []
    return r, calls


@pytest.mark.parametrize("template", HOSTILE)
@pytest.mark.parametrize("target", ["render", "preview", "stills", "slides"])
def test_hostile_scene_runs_nothing(tmp_path, target, template):
    marker = tmp_path / "pwned"
    value = template.format(p=marker)
    r, calls = _make(tmp_path, target, SCENE=value)
    assert not marker.exists(), f"make {target} SCENE={value!r} ran a command: {r.stdout}{r.stderr}"
    assert calls, r.stderr
    assert calls[0][:3] == ["-m", "studio", target]
    assert calls[0][3] == value  # one argument, verbatim


@pytest.mark.parametrize("template", HOSTILE)
@pytest.mark.parametrize("var", ["QUALITY", "TRANSPARENT"])
def test_hostile_quality_and_transparent_run_nothing(tmp_path, var, template):
    marker = tmp_path / "pwned"
    value = template.format(p=marker)
    r, calls = _make(tmp_path, "stills", SCENE="S", **{var: value})
    assert not marker.exists(), f"make stills {var}={value!r} ran a command: {r.stdout}{r.stderr}"
    argv = calls[0]
    rest = ["--theme", "", "--set", ""]
    if var == "QUALITY":
        assert argv == ["-m", "studio", "stills", "S", "-q", value, *rest]
    else:
        assert argv == ["-m", "studio", "stills", "S", "-q", "h", *rest, "--transparent"]


def test_defaults_still_work(tmp_path):
    r, calls = _make(tmp_path, "render", SCENE="MWWeightBars")
    assert r.returncode == 0, r.stderr
    assert calls == [["-m", "studio", "render", "MWWeightBars", "-q", "l", "--pace", "", "--set", ""]]
    r, calls = _make(tmp_path, "stills")
    assert calls[-1] == ["-m", "studio", "stills", "-q", "h", "--theme", "", "--set", ""]


@pytest.mark.parametrize("template", HOSTILE)
@pytest.mark.parametrize(
    "target,var", [("stills", "THEME"), ("stills", "SET"), ("render", "PACE"), ("render", "SET"), ("slides", "PACE")]
)
def test_hostile_pace_set_theme_run_nothing(tmp_path, target, var, template):
    """The options added for issue 10 (PACE, SET, THEME) reach the CLI as one verbatim argument, never as code."""
    marker = tmp_path / "pwned"
    value = template.format(p=marker)
    r, calls = _make(tmp_path, target, SCENE="S", **{var: value})
    assert not marker.exists(), f"make {target} {var}={value!r} ran a command: {r.stdout}{r.stderr}"
    argv = calls[0]
    flag = {"THEME": "--theme", "SET": "--set", "PACE": "--pace"}[var]
    assert argv[argv.index(flag) + 1] == value


@pytest.mark.parametrize("template", HOSTILE)
@pytest.mark.parametrize(
    "target,var", [("render", "JOBS"), ("render", "SCHEDULER"), ("slides", "JOBS"), ("talk", "JOBS")]
)
def test_hostile_jobs_and_scheduler_run_nothing(tmp_path, target, var, template):
    """JOBS and SCHEDULER (issue 22) reach the CLI as one verbatim argument, never as code."""
    marker = tmp_path / "pwned"
    value = template.format(p=marker)
    r, calls = _make(tmp_path, target, SCENE="S", **{var: value})
    assert not marker.exists(), f"make {target} {var}={value!r} ran a command: {r.stdout}{r.stderr}"
    argv = calls[0]
    flag = {"JOBS": "--jobs", "SCHEDULER": "--scheduler"}[var]
    assert argv[argv.index(flag) + 1] == value


def test_jobs_scheduler_and_cache_off_reach_the_cli(tmp_path):
    r, calls = _make(tmp_path, "render", SCENE="S", JOBS="2", SCHEDULER="tcp://h:8786", CACHE="off")
    assert calls == [["-m", "studio", "render", "S", "-q", "l", "--pace", "", "--set", "", "--jobs", "2",
                      "--scheduler", "tcp://h:8786", "--no-cache"]]  # fmt: skip
    r, calls = _make(tmp_path, "talk", QUALITY="h", JOBS="2")
    assert calls[-1] == ["-m", "studio", "render", "-q", "h", "--pace", "", "--jobs", "2"]
