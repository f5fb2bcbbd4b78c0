"""The error-bounded blacklisting sweep (Sec. III.B) against the floor of its work.

One sweep cell (sim.consensus.sweeps, ``eb_final_error``) at n = 10,000 sources, k = 100
peers (30 Byzantine), 100 trials, against a floor measured in the same run: drawing every peer's
estimates from the exact law N(mu, 1/m) plus ONE vectorised pairwise max-difference over them
(scipy's Chebyshev cdist, k x k), per trial. Target: cell / floor <= 2, peak memory < 4 GB (never a
k x k x n array). Times are the median of ``--pairs`` paired runs (floor, cell, floor, cell, ...);
peak memory is measured separately with tracemalloc on a few trials (numpy reports its buffers to it).

    .venv/bin/python bench/bench_consensus.py [--pairs 3] [--trials 100] [--strategies shift,just_inside,equivocate]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
from scipy.spatial.distance import cdist

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.consensus.error_bounded import draw_estimates, queries_per_source  # noqa: E402
from sim.core.sweeps import compute_cell, make_grid  # noqa: E402

TARGET, MEMORY_CAP = 2.0, 4 * 2**30
N, K = 10_000, 100


def floor_run(trials: int, m: int, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(trials):
        mu = rng.random(N)
        E = draw_estimates(mu, K, m, rng)
        cdist(E, E, "chebyshev")


def cell_run(trials: int, strategy: str, seed: int = 1) -> None:
    grid = make_grid(
        "eb_final_error", {"strategy": strategy, "eps": 0.5, "n_sources": N, "n_peers": K}, trials=trials, seed=seed
    )
    cell = grid.cells()[0]
    compute_cell("eb_final_error", cell.params, grid.seeds()[0])


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def peak(fn) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--trials", type=int, default=100)
    ap.add_argument("--strategies", default="shift,just_inside,equivocate")
    a = ap.parse_args(argv)
    m = queries_per_source(N, K, 0.5, 18.0, 1.0)
    print(
        f"error-bounded sweep cell: n = {N}, k = {K} (30 Byzantine), {a.trials} trials, m = {m}; "
        f"median of {a.pairs} paired runs"
    )
    ok = True
    for s in a.strategies.split(","):
        floors, cells = [], []
        for _ in range(a.pairs):
            floors.append(timed(lambda: floor_run(a.trials, m)))
            cells.append(timed(lambda s=s: cell_run(a.trials, s)))
        f, c = statistics.median(floors), statistics.median(cells)
        mem_f, mem_c = peak(lambda: floor_run(3, m)), peak(lambda s=s: cell_run(3, s))
        ratio = c / f
        good = ratio <= TARGET and mem_c < MEMORY_CAP
        ok &= good
        print(
            f"  {s:<12} cell {c:7.2f} s   floor {f:7.2f} s   ratio {ratio:4.2f} (target <= {TARGET:g})   "
            f"peak memory cell {mem_c / 2**20:6.1f} MiB, floor {mem_f / 2**20:6.1f} MiB "
            f"(k x k x n would be {K * K * N * 8 / 2**30:.1f} GiB)   {'OK' if good else 'ABOVE TARGET'}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
