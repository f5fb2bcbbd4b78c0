"""Verification sweep (Knowlson et al., Figs. 4-7) against a plain per-trial Python loop (run by `make bench`).

The grid of the seed's verification.py: eta and tau each linspace(0.01, 0.1, 10),
20 sources, 30% Byzantine at distance 5, 50 rounds, 1,000 trials per cell
(100 cells, 100,000 trials), run by studio.sweep.run_sweep with the default
local parallelism, CSVs written, no figures. Target: <= 10 s on 2 cores.

Baseline, timed in the same run on a subset: the same reports, one trial at a
time, Algorithm 1 as a plain Python loop over rounds and sources
(np.median of the active reports, scalar weight updates) -- what a
one-trial-per-cell script does. Its per-trial time is scaled to the full grid;
the subset's blacklisting rounds must equal the vectorised engine's.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TARGET_S = 10.0
BASE_CELLS = (0, 45, 99)          # corner, middle and corner of the grid
BASE_TRIALS = 40


def plain_loop(x, eta, tau, c):
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


def main() -> int:
    from sim.knowlson.verification import cell_seeds, cell_rng, draw_reports, grid_cells, make_grid, mw_weights
    from studio.sweep import run_sweep

    grid = make_grid(trials=1000)
    tmp = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    t0 = time.perf_counter()
    res = run_sweep(grid, "bench", root=tmp, progress=False, figures=False)
    sweep_s = time.perf_counter() - t0
    assert res.computed == grid.n_cells

    cells, seeds = grid_cells(grid), cell_seeds(grid)
    base_s, trials_done = 0.0, 0
    for i in BASE_CELLS:
        c = cells[i]
        rng = cell_rng(seeds[i])
        x = draw_reports(BASE_TRIALS, grid.rounds, c.n_sources, c.n_byzantine, c.byz_distance, grid.sigma,
                         grid.byz_spread, rng)
        t1 = time.perf_counter()
        b = plain_loop(x, c.eta, c.tau, grid.c)
        base_s += time.perf_counter() - t1
        trials_done += BASE_TRIALS
        _, B = mw_weights(x, eta=c.eta, tau=c.tau, c=grid.c, loss=c.loss, estimator=c.estimator, rng=rng)
        if not np.array_equal(B, b):
            print(f"error: cell {i}: plain loop and vectorised engine disagree", file=sys.stderr)
            return 1
    per_trial = base_s / trials_done
    base_full = per_trial * grid.n_cells * grid.trials
    ratio = base_full / sweep_s
    print(f"verification grid: {grid.n_cells} cells x {grid.trials} trials x {grid.rounds} rounds, "
          f"{os.cpu_count()} CPUs, fit slope {res.fit.slope:.4f} intercept {res.fit.intercept:.4f} R^2 {res.fit.r2:.4f}")
    print(f"sweep (vectorised, local parallel, CSV): {sweep_s:.2f} s   target <= {TARGET_S:.0f} s   "
          f"{'OK' if sweep_s <= TARGET_S else 'MISSED'}")
    print(f"plain per-trial loop: {per_trial * 1e3:.2f} ms/trial on {trials_done} trials of cells {BASE_CELLS} "
          f"(same blacklisting) -> {base_full:.0f} s for the grid")
    print(f"speed-up: {ratio:.0f}x faster than the plain loop")
    return 0


if __name__ == "__main__":
    sys.exit(main())
