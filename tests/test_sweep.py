"""studio.sweep: identical numbers serial / local processes / Dask cluster, resume after a kill, CLI errors."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from sim.knowlson.verification import cell_seeds, compute_cell, grid_cells, make_grid
from studio.sweep import cell_path, load_cell, main, read_csv, run_sweep, save_cell, cell_key

REPO = Path(__file__).resolve().parents[1]
SMALL = dict(eta="0.05,0.1", tau="0.05,0.1", n_sources="8,12", trials=25, rounds=30, seed=3)


def _rows(res):
    return [r.record() for r in res.results]


def _same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x.keys() == y.keys()
        for k in x:
            assert (x[k] == y[k]) or (isinstance(x[k], float) and np.isnan(x[k]) and np.isnan(y[k])), k


def test_serial_local_parallel_and_dask_cluster_agree(tmp_path):
    from distributed import Client, LocalCluster

    g = make_grid(**SMALL)
    serial = run_sweep(g, "s", root=tmp_path, workers=1, progress=False, figures=False)
    local = run_sweep(g, "p", root=tmp_path, workers=2, progress=False, figures=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        addr = cluster.scheduler_address
        with Client(addr) as client:
            dask_res = run_sweep(g, "d", root=tmp_path, scheduler=addr, progress=False, figures=False)
            assert client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.transition_counter) >= 8 * 3
    assert serial.computed == local.computed == dask_res.computed == g.n_cells == 8
    _same(_rows(serial), _rows(local))
    _same(_rows(serial), _rows(dask_res))
    for a, b in zip(serial.results, dask_res.results):
        assert np.array_equal(a.T_emp, b.T_emp) and np.array_equal(a.example_w, b.example_w)
    # the CSVs are the same too, apart from the provenance lines
    strip = lambda p: [l for l in p.read_text().splitlines() if not l.startswith("#")]  # noqa: E731
    assert strip(tmp_path / "s" / "cells.csv") == strip(tmp_path / "d" / "cells.csv")
    assert serial.fits.keys() == dask_res.fits.keys() and len(serial.fits) == 2    # one fit per n_sources slice


def test_outputs_have_provenance_and_figures(tmp_path):
    g = make_grid(eta="0.04:0.1:4", tau="0.02:0.1:3", trials=20, rounds=50)
    res = run_sweep(g, "f", root=tmp_path, workers=1, progress=False, figures=True, command="python -m x")
    d = tmp_path / "f"
    head = [l for l in (d / "cells.csv").read_text().splitlines() if l.startswith("#")]
    assert any("command: python -m x" in l for l in head)
    assert any("SeedSequence(0).spawn(12)" in l for l in head)
    assert any(l.startswith("# versions:") for l in head)
    rows = read_csv(d / "cells.csv")
    assert len(rows) == 12 and {"p_honest_lo", "p_byz_hi", "T_emp_mean", "T_theory", "meets_targets",
                                "excluded_reason"} <= set(rows[0])
    fit = read_csv(d / "fit.csv")[0]
    assert float(fit["slope"]) == pytest.approx(res.fit.slope)
    assert len(read_csv(d / "grid_search.csv")) == 12
    n_excl = len(read_csv(d / "excluded.csv"))
    assert n_excl == len(res.fit.excluded) == 12 - res.fit.n_points
    for stem in ("fig4_heatmaps", "fig5_weight_curves", "fig6_emp_vs_theory", "fig7_fit", "fig7_errors", "table1"):
        for ext in ("png", "pdf"):
            assert (d / "figures" / f"{stem}.{ext}").stat().st_size > 1000
    assert not list(d.rglob("*.tmp"))


def test_resume_after_kill_finishes_only_the_rest(tmp_path):
    args = ["--name", "k", "--out", str(tmp_path), "--eta", "0.02:0.1:5", "--tau", "0.02:0.1:6", "--trials", "1500",
            "--workers", "1", "--no-figures", "--no-progress"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "studio.sweep", "run", *args], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cells = tmp_path / "k" / "cells"
    t0 = time.monotonic()
    while time.monotonic() - t0 < 60 and len(list(cells.glob("cell_*.npz"))) < 4:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = sorted(cells.glob("cell_*.npz"))
    assert 4 <= len(done) < 30, "the sweep finished before it could be killed"
    g = make_grid(eta="0.02:0.1:5", tau="0.02:0.1:6", trials=1500)
    cs, ss = grid_cells(g), cell_seeds(g)
    for p in done:                      # every file that exists is whole and valid
        i = int(p.stem.split("_")[1])
        assert load_cell(p, cell_key(g, cs[i]), cs[i]) is not None
    # a half-written leftover or a corrupt cell is never taken for a result
    (cells / ".cell_00029.npz.123.tmp").write_bytes(b"partial")
    corrupt = cells / "cell_00029.npz"
    corrupt.write_bytes(b"PK\x03\x04 garbage")
    seen = []
    res = run_sweep(g, "k", root=tmp_path, workers=2, progress=False, figures=False, on_cell=seen.append)
    assert res.reused == len(done) and res.computed == 30 - len(done)
    assert {r.cell.index for r in seen} == set(range(30)) - {int(p.stem.split("_")[1]) for p in done}
    # reused and recomputed cells are exactly what a fresh computation gives
    for i in (int(done[0].stem.split("_")[1]), 29):
        fresh = compute_cell(g, cs[i], ss[i])
        assert res.results[i].record() == fresh.record()
        assert np.array_equal(res.results[i].T_emp, fresh.T_emp)
    # a finished sweep started again computes nothing
    again = run_sweep(g, "k", root=tmp_path, workers=1, progress=False, figures=False)
    assert again.computed == 0 and again.reused == 30


def test_changed_spec_invalidates_checkpoints(tmp_path):
    g = make_grid(eta="0.05,0.1", tau=[0.1], trials=10, rounds=20)
    run_sweep(g, "c", root=tmp_path, workers=1, progress=False, figures=False)
    g2 = make_grid(eta="0.05,0.1", tau=[0.1], trials=11, rounds=20)
    res = run_sweep(g2, "c", root=tmp_path, workers=1, progress=False, figures=False)
    assert res.computed == 2 and res.reused == 0
    # a checkpoint of another cell (wrong key) is refused
    c0, c1 = grid_cells(g2)
    r1 = compute_cell(g2, c1, cell_seeds(g2)[1])
    save_cell(cell_path(tmp_path / "c", 0), cell_key(g2, c1), r1)
    assert load_cell(cell_path(tmp_path / "c", 0), cell_key(g2, c0), c0) is None


@pytest.mark.parametrize("argv, name", [
    (["run", "--eta", "1.5"], "eta"), (["run", "--tau", "0"], "tau"), (["run", "--eta", "abc"], "eta"),
    (["run", "--tau", "0.01:0.1:0"], "tau"), (["run", "--eta", ""], "eta"), (["run", "--trials", "0"], "trials"),
    (["run", "--workers", "0"], "workers"), (["run", "--name", "../x"], "name"), (["run", "--loss", "l9"], "loss"),
])
def test_cli_bad_input_one_line_exit_2(argv, name, capsys, tmp_path):
    assert main([*argv, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {name}:")
    assert not list(tmp_path.iterdir())


def test_cli_subprocess_no_traceback():
    p = subprocess.run([sys.executable, "-m", "studio.sweep", "run", "--eta", "0.1,2"], cwd=REPO,
                       capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert p.stderr.strip() == "error: eta: must be numbers in [1e-06, 1), got 2"
    p = subprocess.run([sys.executable, "-m", "studio.sweep", "run", "--bogus"], cwd=REPO, capture_output=True,
                       text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1
