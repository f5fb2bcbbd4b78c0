"""studio.sweep on the verification sweep: outputs, resume after kill -9, no orphans or temp files, one name is one
sweep (spec refusal, lock), bad scheduler addresses, the CLI and the Makefile target."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from sim.core.sweeps import compute_cell, get_sweep, make_grid
from studio.sweep import load_checkpoint, main, read_csv, run, run_sweep
from studio.sweep.runner import SweepLock

SWEEP = "knowlson_verification"
REPO = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(REPO)}
KILL_ARGS = ["--set", "eta=0.02:0.1:5", "--set", "tau=0.02:0.1:6", "--trials", "1500", "--no-figures", "--no-progress"]


def _grid(**sets):
    trials = sets.pop("trials", None)
    return make_grid(SWEEP, sets, trials=trials)


def _cli(tmp_path, name, *args, **kw):
    return subprocess.Popen(
        [sys.executable, "-m", "studio.sweep", "run", SWEEP, "--name", name, "--out", str(tmp_path), *args],
        cwd=REPO,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


def _wait_for_cells(cells: Path, n: int, proc, limit=90.0):
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit and len(list(cells.glob("cell_*.npz"))) < n and proc.poll() is None:
        time.sleep(0.02)


def _children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[1]) == pid:
                out.append(int(d.name))
    return out


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def test_outputs_have_provenance_and_figures(tmp_path):
    g = _grid(eta="0.04:0.1:4", tau="0.02:0.1:3", trials=20, rounds=50)
    res = run_sweep(SWEEP, g, "f", root=tmp_path, workers=1, progress=False, command="python -m x")
    d = tmp_path / "f"
    head = [line for line in (d / "cells.csv").read_text().splitlines() if line.startswith("#")]
    assert any("command: python -m x" in line for line in head)
    assert any("SeedSequence(0).spawn(12)" in line for line in head)
    assert any(line.startswith("# model: Algorithm 1") for line in head)
    assert any(line.startswith("# versions:") for line in head)
    rows = read_csv(d / "cells.csv")
    assert len(rows) == 12 and {
        "p_honest_lo",
        "p_byz_hi",
        "T_emp_mean",
        "T_theory",
        "meets_targets",
        "excluded_reason",
    } <= set(rows[0])
    from sim.mw.verification import cell_results, fit_line

    fit = fit_line(cell_results(res.out))
    assert float(read_csv(d / "fit.csv")[0]["slope"]) == pytest.approx(fit.slope)
    assert len(read_csv(d / "grid_search.csv")) == 12
    assert len(read_csv(d / "excluded.csv")) == len(fit.excluded) == 12 - fit.n_points
    assert sum(r["in_fit"] == "true" for r in rows) == fit.n_points
    for stem in ("fig4_heatmaps", "fig5_weight_curves", "fig6_emp_vs_theory", "fig7_fit", "fig7_errors", "table1"):
        for ext in ("png", "pdf"):
            assert (d / "figures" / f"{stem}.{ext}").stat().st_size > 1000
    assert not list(d.rglob("*.tmp"))


def test_resume_after_kill_finishes_only_the_rest(tmp_path):
    proc = _cli(tmp_path, "k", *KILL_ARGS, "--workers", "1")
    cells = tmp_path / "k" / "cells"
    _wait_for_cells(cells, 4, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = sorted(cells.glob("cell_*.npz"))
    assert 4 <= len(done) < 30, "the sweep finished before it could be killed"
    sw, g = get_sweep(SWEEP), _grid(eta="0.02:0.1:5", tau="0.02:0.1:6", trials=1500)
    from sim.core.sweeps import cell_key

    cs, ss = g.cells(), g.seeds()
    for p in done:  # every file that exists is whole and valid
        i = int(p.stem.split("_")[1])
        rec, why = load_checkpoint(p, sw, cs[i], cell_key(sw, g, cs[i]))
        assert rec is not None and why is None
    # a half-written leftover or a corrupt cell is never taken for a result
    (cells / ".cell_00029.npz.123.tmp").write_bytes(b"partial")
    (cells / "cell_00029.npz").write_bytes(b"PK\x03\x04 garbage")
    seen, said = [], []
    res = run(
        SWEEP, g, "k", root=tmp_path, workers=2, progress=False, on_cell=lambda i, r: seen.append(i), log=said.append
    )
    assert res.reused == len(done) and res.computed == 30 - len(done)
    assert set(seen) == set(range(30)) - {int(p.stem.split("_")[1]) for p in done}
    assert len(said) == 1 and "cell 29" in said[0]  # the corrupt file, reported once
    assert not list((tmp_path / "k").rglob("*.tmp"))
    # reused and recomputed cells are exactly what a fresh computation gives
    for i in (int(done[0].stem.split("_")[1]), 29):
        fresh = compute_cell(SWEEP, cs[i].params, ss[i])
        assert all(np.array_equal(res.records[i][k], fresh[k], equal_nan=fresh[k].dtype.kind == "f") for k in fresh)
    # a finished sweep started again computes nothing
    again = run(SWEEP, g, "k", root=tmp_path, workers=1, progress=False)
    assert again.computed == 0 and again.reused == 30


def test_kill_9_leaves_no_workers_and_no_temp_files(tmp_path):
    proc = _cli(tmp_path, "w", *KILL_ARGS, "--workers", "2")
    cells = tmp_path / "w" / "cells"
    _wait_for_cells(cells, 2, proc)
    kids = _children(proc.pid)
    assert proc.poll() is None and len(kids) >= 2, "no worker processes to orphan"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    t0 = time.monotonic()
    while time.monotonic() - t0 < 10 and any(_alive(k) for k in kids):
        time.sleep(0.05)
    assert not [k for k in kids if _alive(k)], "worker processes outlived the killed parent"
    (tmp_path / "w" / ".cells.csv.x1.tmp").write_bytes(b"left by a killed write")
    res = run(
        SWEEP, _grid(eta="0.02:0.1:5", tau="0.02:0.1:6", trials=1500), "w", root=tmp_path, workers=2, progress=False
    )
    assert res.computed + res.reused == 30
    assert not list((tmp_path / "w").rglob("*.tmp"))


def test_one_name_is_one_sweep(tmp_path, capsys):
    base = [
        "run",
        SWEEP,
        "--name",
        "s",
        "--out",
        str(tmp_path),
        "--set",
        "eta=0.1",
        "--set",
        "tau=0.1",
        "--trials",
        "5",
        "--no-figures",
        "--no-progress",
    ]
    assert main(base) == 0
    spec = (tmp_path / "s" / "spec.json").read_bytes()
    capsys.readouterr()
    assert main([*base[:-3], "6", "--no-figures", "--no-progress"]) == 2  # other trials
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: name:") and "trials 5 there, 6 here" in err[0]
    assert main([*base, "--set", "rounds=20"]) == 2
    assert "rounds 50 there, 20 here" in capsys.readouterr().err
    assert (tmp_path / "s" / "spec.json").read_bytes() == spec
    assert main([*base[:-3], "6", "--no-figures", "--no-progress", "--replace"]) == 0
    assert read_csv(tmp_path / "s" / "cells.csv")[0]["trials"] == "6"


def test_concurrent_run_of_a_name_waits_or_refuses(tmp_path):
    assert (
        main(
            [
                "run",
                SWEEP,
                "--name",
                "c",
                "--out",
                str(tmp_path),
                "--set",
                "eta=0.1",
                "--set",
                "tau=0.1",
                "--trials",
                "5",
                "--no-figures",
                "--no-progress",
            ]
        )
        == 0
    )
    args = ["--set", "eta=0.1", "--set", "tau=0.1", "--trials", "5", "--no-figures", "--no-progress"]
    with SweepLock(tmp_path / "c", "c", wait=False):
        refused = _cli(tmp_path, "c", *args, "--no-wait")
        out, err = refused.communicate(timeout=60)
        assert refused.returncode == 2 and err.strip().startswith("error: name:") and "being run" in err
        assert len(err.strip().splitlines()) == 1
        waiting = _cli(tmp_path, "c", *args)
        first = waiting.stderr.readline()  # it says it waits once it has reached the lock (however busy we are)
        assert "waiting" in first, first
        time.sleep(0.5)
        assert waiting.poll() is None  # blocked on the lock
    out, err = waiting.communicate(timeout=60)
    assert waiting.returncode == 0 and "1 reused" in out


@pytest.fixture
def silent_server():
    """A TCP server that accepts connections and never says a word (not a Dask scheduler)."""
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    yield f"tcp://127.0.0.1:{s.getsockname()[1]}"
    s.close()


@pytest.mark.parametrize(
    "address",
    [
        "bogus://x",
        "notanaddress",
        "tcp://127.0.0.1:1",
        "tcp://:80",
        "tcp://h:99999",
        "tcp://no-such-host.invalid:8786",
        "SILENT",
    ],
)
def test_bad_scheduler_one_line_exit_2_quickly(address, tmp_path, capsys, silent_server):
    address = silent_server if address == "SILENT" else address
    t0 = time.monotonic()
    assert (
        main(
            [
                "run",
                SWEEP,
                "--name",
                "d",
                "--out",
                str(tmp_path),
                "--set",
                "eta=0.1",
                "--set",
                "tau=0.1",
                "--scheduler",
                address,
                "--no-progress",
            ]
        )
        == 2
    )
    assert time.monotonic() - t0 < 10
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: scheduler:")
    assert not (tmp_path / "d").exists()


@pytest.mark.parametrize(
    "argv, name",
    [
        (["run", SWEEP, "--set", "eta=1.5"], "eta"),
        (["run", SWEEP, "--set", "tau=0"], "tau"),
        (["run", SWEEP, "--set", "eta=abc"], "eta"),
        (["run", SWEEP, "--set", "tau=0.01:0.1:0"], "tau"),
        (["run", SWEEP, "--set", "eta="], "eta"),
        (["run", SWEEP, "--trials", "0"], "trials"),
        (["run", SWEEP, "--workers", "0"], "workers"),
        (["run", SWEEP, "--name", "../x"], "name"),
        (["run", SWEEP, "--set", "loss=l9"], "loss"),
        (["run", SWEEP, "--set", "eta=0.1", "--set", "eta=0.2"], "eta"),
        (["run", SWEEP, "--set", "eta"], "set"),
        (["run", SWEEP, "--set", "rounds=1,2"], "rounds"),
        (["run", SWEEP, "--set", "bogus=1"], "bogus"),
        (["run", "no_such_sweep"], "sweep"),
        (["run", SWEEP, "--seed", "-1"], "seed"),
        (["run", SWEEP, "--trials", "3", "--set", "trials=4"], "trials"),
        (["run", SWEEP, "--set", "c=madness"], "c"),
        (["run", SWEEP, "--set", "n_sources=1"], "n_sources"),
        (["run", SWEEP, "--set", "trials=10000000", "--set", "n_sources=100000"], "work"),
    ],
)
def test_cli_bad_input_one_line_exit_2(argv, name, capsys, tmp_path):
    assert main([*argv, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {name}:"), err
    assert not list(tmp_path.iterdir())


def test_cli_list_and_subprocess_errors(tmp_path):
    p = subprocess.run(
        [sys.executable, "-m", "studio.sweep", "list"], cwd=REPO, capture_output=True, text=True, env=ENV
    )
    assert p.returncode == 0 and SWEEP in p.stdout and "eta" in p.stdout and "(0, 1)" in p.stdout
    p = subprocess.run(
        [sys.executable, "-m", "studio.sweep", "run", SWEEP, "--set", "eta=0.1,2", "--out", ""],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=ENV,
    )
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert p.stderr.strip() == "error: eta: must be a number in [1e-06, 1), got '2'"
    p = subprocess.run(
        [sys.executable, "-m", "studio.sweep", "run", SWEEP, "--out", ""],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=ENV,
    )
    assert p.returncode == 2 and p.stderr.startswith("error: out:") and len(p.stderr.strip().splitlines()) == 1


def test_make_sweep_quotes_what_the_user_types(tmp_path):
    """Nothing typed into SWEEP/NAME/SET reaches the shell unquoted; a valid call runs the sweep."""
    canary = tmp_path / "pwned"
    env = {**ENV, "BYZMW_SWEEPS": str(tmp_path / "sweeps")}
    for var in (
        f"SWEEP=x;touch {canary}",
        f"NAME=$(shell touch {canary})",
        f"NAME=a'$(touch {canary})'",
        f"SET=eta=0.1 `touch {canary}`;touch {canary} *",
        f"TRIALS=1;touch {canary}",
    ):
        p = subprocess.run(
            ["make", "-s", "-o", "setup", "-o", "venv", "sweep", "SWEEP=knowlson_verification", "NAME=m", var],
            cwd=REPO,
            capture_output=True,
            text=True,
            env=env,
        )
        assert p.returncode != 0 and not canary.exists(), (var, p.stderr)
    # the words of SET become one --set each, TRIALS and NAME arrive intact (checked through the CLI's own errors)
    for var, err in (("SET=eta=0.1  tau=0.1,0.2 eta=0.3", "error: eta: given twice"), ("NAME=../m", "error: name:")):
        p = subprocess.run(
            ["make", "-s", "-o", "setup", "-o", "venv", "sweep", "SWEEP=knowlson_verification", "NAME=m", var],
            cwd=REPO,
            capture_output=True,
            text=True,
            env=env,
        )
        assert p.returncode != 0 and p.stderr.startswith(err), (var, p.stderr)


def test_silent_scheduler_subprocess_within_10_s(tmp_path, silent_server):
    """The whole command, interpreter start and exit included: one line, exit 2, within 10 s of what starting the
    same interpreter and imports costs right now (measured alongside: the machine may be busy), nothing left."""
    t0 = time.monotonic()
    subprocess.run([sys.executable, "-c", "import studio.sweep.cli"], cwd=REPO, env=ENV, check=True, timeout=60)
    startup = time.monotonic() - t0
    t0 = time.monotonic()
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "studio.sweep",
            "run",
            SWEEP,
            "--name",
            "z",
            "--out",
            str(tmp_path),
            "--scheduler",
            silent_server,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=ENV,
        timeout=60,
    )
    assert time.monotonic() - t0 < 10 + startup
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1 and p.stderr.startswith("error: scheduler:")
    assert not list(tmp_path.iterdir())
