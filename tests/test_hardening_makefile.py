"""No byte of a make variable becomes shell (or make) syntax: the Makefile passes user variables as data.

No recipe names a user variable: each one's raw text (``$(value ...)``, never expanded by make) is exported
as ``BYZMW_MAKE_<NAME>`` and the recipe is the constant ``byzmw from-make TARGET``. The recipes really run
here (not ``make -n``, which would hide an injection), with ``-i`` (the issue's ``make -i render
SCENE=$'x\\ntouch pwned\\n'``), setup marked up to date and ``BYZMW`` replaced by a stub that records its
arguments and those variables: a byte that became syntax would create the marker file or change the
arguments; a byte that stayed data arrives verbatim in the environment. :func:`studio.cli.args_from_make`
then puts the values into the parsed arguments as they are (``SCENE=--help`` is a scene named ``--help``).
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kit.paths import REPO
from studio.cli import MAKE_PREFIX, MAKE_VARS, args_from_make

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")

TARGETS = ("scenes", "timing", "render", "preview", "stills", "slides", "figures", "sweep", "demo")
VARS = ("SCENE", "SET", "QUALITY", "THEME", "PACE", "NAME", "SWEEP", "TRANSPARENT", "WIDTH", "FIGURE", "TRIALS")
HOSTILE = [
    "x;touch {p}",
    "x && touch {p}",
    "$(touch {p})",
    "`touch {p}`",
    "x' ; touch {p} ; echo '",
    'x" ; touch {p} ; echo "',
    "$(shell touch {p})",  # make-level: must not be expanded by make either
    "$$(shell touch {p})",
    "${{shell touch {p}}}",
    "x|touch {p}",
    "x\ntouch {p}\n",  # the issue: make split the expanded recipe at the newline
    "x\r\ntouch {p}",
    "\\\ntouch {p}",
    "--help",
    "-o setup",
    "%",
    "#x",
]
CONTROL = [chr(c) for c in range(1, 32)] + [chr(127)]

STUB = """#!{python}
import os, sys
names = {names!r}
call = ([os.fsencode(a) for a in sys.argv[1:]], {{n: os.environb.get(b"BYZMW_MAKE_" + n.encode()) for n in names}})
with open({log!r}, "a") as f:
    f.write(repr(call) + "\\n")
"""


def _stub(tmp_path):
    log = tmp_path / "calls.log"
    stub = tmp_path / "byzmw-stub"
    stub.write_text(STUB.format(python=sys.executable, names=list(MAKE_VARS), log=str(log)))
    stub.chmod(0o755)
    return stub, log


def _make(tmp_path, target: str, assigns: dict[str, bytes | str], extra=()):
    """Run `make -i -s TARGET VAR=value ...` with BYZMW stubbed; (result, [(argv, {var: value bytes})])."""
    stub, log = _stub(tmp_path)
    if log.exists():
        log.unlink()
    args = [b"make", b"-i", b"-s", b"-C", os.fsencode(REPO), b"-o", b"setup", b"-o", b"venv", b"-o", b"system"]
    args += [b"BYZMW=" + os.fsencode(stub), *[os.fsencode(e) for e in extra], os.fsencode(target)]
    for k, v in assigns.items():
        args.append(k.encode() + b"=" + (v if isinstance(v, bytes) else v.encode("utf-8", "surrogateescape")))
    env = {k: v for k, v in os.environ.items() if not k.startswith(MAKE_PREFIX) and k != "MAKEFLAGS"}
    r = subprocess.run(args, capture_output=True, timeout=60, env=env, cwd=tmp_path)
    calls = []
    if log.exists():
        for line in log.read_text().splitlines():
            argv, values = ast.literal_eval(line)
            calls.append(([a.decode() for a in argv], values))
    return r, calls


def _check(tmp_path, target, var, value: bytes, marker):
    """One make run; make itself drops the whitespace that starts a command-line value (``VAR=  x`` is ``x``)."""
    r, calls = _make(tmp_path, target, {var: value})
    assert not marker.exists(), f"make {target} {var}={value!r} ran a command: {r.stdout!r} {r.stderr!r}"
    assert len(calls) == 1, (target, var, value, r.stderr)
    argv, env = calls[0]
    assert argv == ["from-make", target]  # the recipe is constant: no byte of the value in it
    assert env[var] == value.lstrip(), (var, value, env[var])  # the value arrives verbatim, as data
    for other in MAKE_VARS:
        if other != var:
            assert env[other] == b"", other  # unset variables are empty, not '<unset>' or garbage


TARGET_OF = {
    "SWEEP": "sweep",
    "NAME": "sweep",
    "TRIALS": "sweep",
    "FIGURE": "figures",
    "THEME": "stills",
    "WIDTH": "stills",
}


@pytest.mark.parametrize("template", HOSTILE)
@pytest.mark.parametrize("var", ["SCENE", "SET"])
def test_hostile_values_are_data(tmp_path, var, template):
    marker = tmp_path / "pwned"
    _check(tmp_path, "render", var, template.format(p=marker).encode(), marker)


@pytest.mark.parametrize("var", VARS)
def test_every_variable_is_data(tmp_path, var):
    """Every variable goes the same way (one foreach in the Makefile); all the templates at once in each."""
    marker = tmp_path / "pwned"
    value = " ".join(t.format(p=marker) for t in HOSTILE).encode()
    _check(tmp_path, TARGET_OF.get(var, "render"), var, value, marker)


@pytest.mark.parametrize("target", TARGETS)
def test_every_target_is_a_constant_recipe(tmp_path, target):
    marker = tmp_path / "pwned"
    value = f"$(shell touch {marker})\ntouch {marker}".encode()
    _check(tmp_path, target, "SCENE", value, marker)


@pytest.mark.parametrize("var", VARS)
def test_every_control_character(tmp_path, var):
    """Each control character (NUL cannot be in an argument) around a command, in every variable: one value
    holding all of them (each between commands), and each alone in SCENE."""
    marker = tmp_path / "pwned"
    value = "a" + "".join(f"{c}touch {marker}{c};touch {marker}" for c in CONTROL)
    _check(tmp_path, TARGET_OF.get(var, "render"), var, value.encode(), marker)
    if var == "SCENE":
        for c in CONTROL:
            _check(tmp_path, "render", var, f"a{c}touch {marker}{c}b{c}".encode(), marker)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.binary(max_size=40).filter(lambda b: b"\0" not in b), var=st.sampled_from(VARS))
def test_random_bytes_are_data(tmp_path, value, var):
    marker = tmp_path / "pwned"
    # a shell command around the random bytes: whatever they are, it must never run
    _check(tmp_path, "render", var, value + b";touch " + os.fsencode(marker) + b"\n" + value, marker)


def test_pytest_args_reach_pytest_as_its_own_options_not_shell(tmp_path):
    marker = tmp_path / "pwned"
    stub = tmp_path / "py-stub"
    out = tmp_path / "addopts"
    stub.write_text(f'#!/bin/sh\nprintf "%s" "$PYTEST_ADDOPTS" > "{out}"\n')
    stub.chmod(0o755)
    value = f"-n 0 -k x $(shell touch {marker}); touch {marker}\ntouch {marker}"
    env = {k: v for k, v in os.environ.items() if k != "MAKEFLAGS"}
    subprocess.run(
        [
            "make",
            "-i",
            "-s",
            "-C",
            str(REPO),
            "-o",
            "setup",
            "-o",
            "lint",
            "-o",
            "venv",
            f"PY={stub}",
            "test",
            f"PYTEST_ARGS={value}",
        ],  # fmt: skip
        capture_output=True,
        timeout=60,
        env=env,
    )
    assert not marker.exists()
    assert out.read_text() == "-n auto " + value  # after our -n auto: the user's -n 0 wins


# -- the values land in the parsed arguments as they are ----------------------------------------------------------
@pytest.mark.parametrize("value", ["--help", "-q", "x\ny", "a b", "$(shell x)", "--set=eta=1"])
def test_args_from_make_puts_values_into_fields(value):
    env = {MAKE_PREFIX + "SCENE": value, MAKE_PREFIX + "QUALITY": value, MAKE_PREFIX + "SET": value}
    a = args_from_make("render", env)
    assert (a.cmd, a.scene, a.quality, a.set) == ("render", value, value, [value])
    a = args_from_make("sweep", {MAKE_PREFIX + "SWEEP": value, MAKE_PREFIX + "NAME": value, MAKE_PREFIX + "SET": value})
    assert (a.sweep_cmd, a.sweep, a.name, a.sets) == ("run", value, value, [value])
    a = args_from_make("stills", {MAKE_PREFIX + "WIDTH": value, MAKE_PREFIX + "THEME": value})
    assert (a.cmd, a.width, a.theme) == ("stills", value, value)
    a = args_from_make("figures", {MAKE_PREFIX + "FIGURE": "a,b c"})
    assert a.only == ["a", "b", "c"]


def test_make_render_with_the_real_command_runs_nothing(tmp_path):
    """End to end with byzmw itself: the newline of the issue is a scene name, refused in one line (exit 2)."""
    marker = tmp_path / "pwned"
    env = {k: v for k, v in os.environ.items() if k != "MAKEFLAGS"}
    r = subprocess.run(
        [
            "make",
            "-s",
            "-C",
            str(REPO),
            "-o",
            "setup",
            "-o",
            "venv",
            "-o",
            "system",
            "render",
            f"SCENE=x\ntouch {marker}\n",
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert not marker.exists()
    assert r.returncode != 0 and "error: SCENE: unknown scene 'x\\ntouch" in r.stderr, r.stderr
