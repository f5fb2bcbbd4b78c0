"""``python -m sim``: list, trace, show; bad input -> one line, exit code 2, no traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sim.core.kinds import all_kinds


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, cwd=cwd)


def test_list_shows_every_kind_with_ranges():
    r = run("list")
    assert r.returncode == 0
    for name, kind in all_kinds().items():
        assert name in r.stdout
        for p in kind.params:
            assert p.name in r.stdout
    assert "(0, 1)" in r.stdout  # eta's open interval


def test_trace_then_show(tmp_path):
    out = tmp_path / "t.npz"
    r = run("trace", "mw_sources", "--seed", "5", "--set", "eta=0.3", "--set", "blacklist=false", "--out", str(out))
    assert r.returncode == 0, r.stderr
    r = run("show", str(out))
    assert r.returncode == 0
    assert "mw_sources" in r.stdout and '"eta": 0.3' in r.stdout and '"blacklist": false' in r.stdout


@pytest.mark.parametrize(
    "args, expect",
    [
        (("trace", "nope"), "unknown trace kind"),
        (("trace", "mw_sources", "--set", "eta=1.5"), "eta: must be a number in [1e-06, 1)"),
        (("trace", "mw_sources", "--set", "eta=abc"), "eta: must be a number in [1e-06, 1)"),
        (("trace", "mw_sources", "--set", "tau=0"), "tau: must be a number in (0, 1)"),
        (("trace", "mw_sources", "--set", "n_sources=2.5"), "n_sources: must be an integer in [2, 100000]"),
        (("trace", "mw_sources", "--set", "blacklist=maybe"), "blacklist: must be true or false"),
        (("trace", "mw_sources", "--set", "byz_fraction=0.5"), "byz_fraction: must be a number in [0, 0.5)"),
        (("trace", "mw_sources", "--set", "wat=1"), "wat: unknown parameter"),
        (("trace", "mw_sources", "--set", "eta"), "set: expected NAME=VALUE"),
        (("trace", "mw_sources", "--seed", "-1"), "seed: must be an integer"),
        (("show", "/nonexistent/trace.npz"), "field 'file'"),
        (("frobnicate",), "invalid choice"),
        ((), "command: expected one of"),
    ],
)
def test_bad_input_one_line_exit_2(args, expect):
    r = run(*args)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert expect in lines[0]
    assert "Traceback" not in r.stderr


def test_show_reports_corrupt_file(tmp_path):
    p = tmp_path / "c.npz"
    p.write_bytes(b"PK\x03\x04garbage")
    r = run("show", str(p))
    assert r.returncode == 2 and str(p) in r.stderr and "Traceback" not in r.stderr
