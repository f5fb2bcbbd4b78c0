"""Ctrl-C and SIGTERM are as clean as kill -9 (issue 24), at random moments: one line, exit 130 or 143, no
traceback, no temp file, no process left in the command's session, the previous output untouched (or replaced
whole by a run that finished first); an interrupted sweep resumes to the same table as an uninterrupted run.

Each case starts a command in its own session, sends the signal to the whole process group (as a terminal's
Ctrl-C does) after a drawn delay, and checks what is left.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _tally import tally
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PY = sys.executable
LINE = re.compile(r"^error: (interrupted|terminated \(SIGTERM\))(; \d+ of \d+ cells kept, rerun to resume)?$")
BAR = re.compile(r" -q\w: (probing scenes \d+/\d+ \[|\s*\d+%\|.*\| [\d.]+/[\d.]+ s of video)")
SIGNALS = st.sampled_from([signal.SIGINT, signal.SIGTERM])
SETTINGS = settings(
    max_examples=int(os.environ.get("BYZMW_SIGNAL_EXAMPLES", "4")),  # CI default: about 30 s; more for a long probe
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _session_left(sid: int) -> list[str]:
    r = subprocess.run(["pgrep", "-s", str(sid)], capture_output=True, text=True)
    return r.stdout.split()


def interrupt(cmd: list[str], delay: float, signum: int, cwd: Path, env=None) -> tuple[int, list[str]]:
    """Run ``cmd``, signal its process group after ``delay`` s; (exit code, stderr lines). Checks the common
    promises: the code and the one line (or a finished run), no traceback, nothing left running."""
    p = subprocess.Popen(
        cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True, env=env
    )
    time.sleep(delay)
    try:
        os.killpg(p.pid, signum)
    except ProcessLookupError:
        pass
    _, err = p.communicate(timeout=120)
    # the error line, apart from what goes to stderr on the way: trace notes and the job's progress bar
    lines = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith("[trace]") and not BAR.search(ln)]
    assert "Traceback" not in err, err
    if p.returncode == -signum:  # killed by the default action, before the interpreter ran any of our code
        assert err == "", err
    elif p.returncode != 0:
        assert p.returncode == 128 + signum, err
        assert len(lines) == 1 and LINE.match(lines[0]), err
    deadline = time.monotonic() + 10
    while _session_left(p.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _session_left(p.pid) == [], "a process of the command outlived it"
    return p.returncode, lines


def _temp_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.endswith(".tmp") or "_private" in p.parts]


TRACE = ["-m", "sim", "trace", "mw_sources", "--set", "n_sources=3000 rounds=60", "--out"]


@pytest.fixture(scope="module")
def trace_seconds(tmp_path_factory) -> float:
    """How long the traced command takes here and now, start to exit (the moments drawn below span it)."""
    d = tmp_path_factory.mktemp("trace_time")
    t0 = time.monotonic()
    subprocess.run([PY, *TRACE, str(d / "t.npz")], check=True, capture_output=True, timeout=600)
    return time.monotonic() - t0


# the signal lands at a drawn fraction of the command's own run time (measured alongside: the machine may be
# busy), from before the interpreter is up to after the command has finished
@given(at=st.floats(0.0, 1.2), signum=SIGNALS)
@SETTINGS
def test_trace_command(tmp_path_factory, trace_seconds, at, signum):
    with tally("signals: sim trace"):
        d = tmp_path_factory.mktemp("trace")
        out = d / "t.npz"
        out.write_bytes(b"previous output")
        cmd = [PY, *TRACE, str(out)]
        code, _ = interrupt(cmd, at * trace_seconds, signum, d)
        if code == 0 or out.read_bytes() != b"previous output":  # interrupted after the rename: the new file whole
            from sim.core.kinds import load_trace

            assert load_trace(out).params["n_sources"] == 3000
        assert _temp_files(d) == []


SWEEP = ["aggregation_breakdown", "--set", "aggregator=mean,krum attack=sign_flip,alie", "--trials", "1500"]


@pytest.fixture(scope="module")
def sweep_reference(tmp_path_factory) -> tuple[list[str], float]:
    """(the uninterrupted sweep's table, how long that run took here and now)."""
    d = tmp_path_factory.mktemp("ref")
    cmd = [PY, "-m", "studio.sweep", "run", *SWEEP, "--name", "s", "--out", str(d), "--workers", "1"]
    t0 = time.monotonic()
    subprocess.run([*cmd, "--no-progress", "--no-figures"], check=True, capture_output=True, timeout=600)
    return _table(d / "s" / "cells.csv"), time.monotonic() - t0


def _table(csv: Path) -> list[str]:
    """The rows of a sweep's CSV (its provenance comments name the command and folder: left out)."""
    return [ln for ln in csv.read_text().splitlines() if not ln.startswith("#")]


@given(at=st.floats(0.1, 1.2), signum=SIGNALS, workers=st.sampled_from([1, 2]))
@SETTINGS
def test_sweep_resumes_to_the_same_table(tmp_path_factory, sweep_reference, at, signum, workers):
    table, seconds = sweep_reference
    delay = at * seconds * (1.5 if workers == 2 else 1.0)  # two workers start a pool first
    with tally("signals: sweep"):
        d = tmp_path_factory.mktemp("sweep")
        cmd = [PY, "-m", "studio.sweep", "run", *SWEEP, "--name", "s", "--out", str(d), "--workers", str(workers)]
        cmd += ["--no-progress", "--no-figures"]
        code, lines = interrupt(cmd, delay, signum, d)
        assert _temp_files(d) == []
        if code > 0 and lines and "cells kept" in lines[0]:  # (code -signum: killed at start or exit, no line)
            kept, total = map(int, re.findall(r"(\d+) of (\d+)", lines[0])[0])
            on_disk = len(list((d / "s" / "cells").glob("*.npz"))) if (d / "s" / "cells").exists() else 0
            assert on_disk == kept <= total
        subprocess.run(cmd, check=True, capture_output=True, timeout=600)  # rerun: resumes
        assert _table(d / "s" / "cells.csv") == table


@pytest.mark.render
@given(delay=st.floats(0.5, 12.0), signum=SIGNALS)
@settings(SETTINGS, max_examples=3)
def test_render(tmp_path_factory, delay, signum):
    with tally("signals: render"):
        d = tmp_path_factory.mktemp("render")
        interrupt([PY, "-m", "studio", "--out", str(d), "render", "PrimalDual"], delay, signum, d)
        assert _temp_files(d) == []
