"""The sweep engine's overhead on the verification grid (Knowlson et al., Figs. 4-7), run by `make bench`.

Grid: the seed's verification.py -- eta and tau each linspace(0.01, 0.1, 10),
20 sources, 30% Byzantine at distance 5, 50 rounds, 1,000 trials per cell
(100 cells; ``--trials N`` for a smaller grid of the same shape).

1. Engine overhead. The same 100 cells, in the same process, (a) through the
   engine serially (``studio.sweep.run``, workers=1: checkpoint per cell with
   fsync, validation, spec, lock, CSVs with provenance; no figures) and (b) as
   a plain loop calling the declared cell function with each cell's
   SeedSequence child. Paired runs in alternating order; the median of the
   per-pair ratios engine / loop is the overhead (after one warm-up run on the
   sweep's smoke grid: imports), in wall time and in CPU time
   of this process (all threads: the checkpoint writer included), which a
   loaded machine disturbs much less. Target: <= 1.05.
2. The old comparison, kept because it is cheap: a plain per-trial Python loop
   (np.median of the active reports, scalar weight updates) on 3 cells x 40
   trials, checked to give the same blacklisting rounds as the vectorised
   engine, scaled to the grid.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TARGET = 1.05
BASE_CELLS = (0, 45, 99)  # corner, middle and corner of the grid
BASE_TRIALS = 40


def plain_python(x, eta, tau, c):
    """Algorithm 1, one trial at a time: (trials, n) blacklisting rounds (-1: never)."""
    trials, rounds, n, _ = x.shape
    out = np.full((trials, n), -1)
    for k in range(trials):
        w = [1.0] * n
        alive = [True] * n
        for t in range(rounds):
            act = [i for i in range(n) if alive[i]]
            if not act:
                break
            mu = float(np.median([x[k, t, i, 0] for i in act]))
            for i in act:
                w[i] *= 1.0 - eta * min(1.0, abs(x[k, t, i, 0] - mu) / c)
                if w[i] < tau:
                    alive[i] = False
                    out[k, i] = t + 1
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=1000, help="trials per cell (default 1000, the paper's)")
    ap.add_argument("--pairs", type=int, default=3, help="paired runs (default 3)")
    args = ap.parse_args(argv)

    from sim.core.sweeps import get_sweep, make_grid
    from sim.mw.verification import SWEEP, cell_results, draw_reports, fit_line, mw_weights
    from studio.sweep import run

    sw = get_sweep(SWEEP)
    grid = make_grid(sw, {}, trials=args.trials)
    cells, seeds = grid.cells(), grid.seeds()
    tmp = Path(tempfile.mkdtemp(prefix="bench-sweep-"))

    def plain_loop():
        return [sw.cell(dict(c.params), np.random.Generator(np.random.PCG64(ss))) for c, ss in zip(cells, seeds)]

    def engine(i):
        return run(sw, grid, f"bench{i}", root=tmp, workers=1, progress=False, log=lambda m: None)

    try:
        run(sw, make_grid(sw, dict(sw.smoke)), "warmup", root=tmp, workers=1, progress=False)  # imports, caches
        ratios, cpu_ratios, t_eng, t_loop = [], [], [], []
        for i in range(args.pairs):
            order = ("loop", "engine") if i % 2 == 0 else ("engine", "loop")
            times, cpu = {}, {}
            for what in order:
                t0, c0 = time.perf_counter(), time.process_time()
                out = plain_loop() if what == "loop" else engine(i)
                times[what], cpu[what] = time.perf_counter() - t0, time.process_time() - c0
                if what == "engine":
                    assert out.computed == grid.n_cells
                    res = out
                else:
                    loop_records = out
            ratios.append(times["engine"] / times["loop"])
            cpu_ratios.append(cpu["engine"] / cpu["loop"])
            t_eng.append(times["engine"])
            t_loop.append(times["loop"])
        for a, b in zip(res.records, loop_records):  # the engine computed exactly the loop's numbers
            assert all(np.array_equal(a[k], np.asarray(b[k]), equal_nan=a[k].dtype.kind == "f") for k in a)
        fit = fit_line(cell_results(res.out))

        # the old comparison: a plain per-trial Python loop on a few cells
        base_s, trials_done = 0.0, 0
        for i in BASE_CELLS:
            p = cells[i].params
            rng = np.random.Generator(np.random.PCG64(seeds[i]))
            nb = int(np.floor(p["byz_fraction"] * p["n_sources"] + 1e-9))
            x = draw_reports(
                BASE_TRIALS, p["rounds"], p["n_sources"], nb, p["byz_distance"], p["sigma"], p["byz_spread"], rng
            )
            t1 = time.perf_counter()
            b = plain_python(x, p["eta"], p["tau"], p["c"])
            base_s += time.perf_counter() - t1
            trials_done += BASE_TRIALS
            _, B = mw_weights(
                x, eta=p["eta"], tau=p["tau"], c=p["c"], loss=p["loss"], estimator=p["estimator"], rng=rng
            )
            if not np.array_equal(B, b):
                print(f"error: cell {i}: plain Python loop and vectorised engine disagree", file=sys.stderr)
                return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    ratio, cpu_ratio = statistics.median(ratios), statistics.median(cpu_ratios)
    per_trial = base_s / trials_done
    full_py = per_trial * grid.n_cells * grid.trials
    eng = statistics.median(t_eng)
    print(
        f"verification grid: {grid.n_cells} cells x {grid.trials} trials x {grid.fixed['rounds']} rounds, "
        f"{os.cpu_count()} CPUs; fit slope {fit.slope:.4f} intercept {fit.intercept:.4f} R^2 {fit.r2:.4f}"
    )
    print(
        f"engine (serial, checkpoints + CSVs): {', '.join(f'{t:.2f}' for t in t_eng)} s; "
        f"plain loop of the cell function: {', '.join(f'{t:.2f}' for t in t_loop)} s"
    )
    print(
        f"engine / plain loop, wall time: median {ratio:.3f} over {len(ratios)} pairs "
        f"({', '.join(f'{r:.3f}' for r in ratios)})   target <= {TARGET:.2f}   {'OK' if ratio <= TARGET else 'MISSED'}"
    )
    print(
        f"engine / plain loop, CPU time of this process (all threads; robust to a loaded machine): median "
        f"{cpu_ratio:.3f} ({', '.join(f'{r:.3f}' for r in cpu_ratios)})   target <= {TARGET:.2f}   "
        f"{'OK' if cpu_ratio <= TARGET else 'MISSED'}"
    )
    print(
        f"plain per-trial Python loop: {per_trial * 1e3:.2f} ms/trial on {trials_done} trials of cells {BASE_CELLS} "
        f"(same blacklisting) -> {full_py:.0f} s for the grid; the engine is {full_py / eng:.0f}x faster"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
