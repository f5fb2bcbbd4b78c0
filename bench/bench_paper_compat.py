"""Paper-compatible verification sweep (the prototype's verification.py settings, 1,000 trials per cell) vs the
scripts' loop.

The grid of verification.py: eta and tau each linspace(0.01, 0.1, 10), 20 sources, 30% Byzantine at
distance 5, c = 1, 50 rounds; 1,000 trials per cell instead of the scripts' one (100 cells, 100,000
trials), cell i replaying the scripts' stream for trial 0 (sim/mw/paper_compat.py). Run through the
sweep engine (``knowlson_verification`` with ``variant=paper``; cell i: SeedSequence(0) child i for
trials 1..999), checkpoints and CSVs in a temporary folder. Target: <= 10 s on 2 cores.

Baseline, timed in the same run: the scripts' own per-trial loop (one trial, a Python loop over rounds:
queries, np.median, w *= 1 - eta * loss) on a few cells, median of several paired repetitions, scaled to
the whole grid; its final weights must equal the vectorised cell's trial 0. The issue quotes about 74 ms
a cell for the scripts themselves (7.4 s for 100 cells at one trial), printed for reference.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TARGET_S = 10.0
TRIALS = 1000
BASE_CELLS = (0, 45, 99)
REPEATS = 3
SCRIPTS_MS_PER_TRIAL = 74.0  # quoted in issue 11 for the scripts (one trial per cell)


def via_engine() -> tuple[float, object]:
    """The sweep engine (local processes, checkpoints and CSVs in a temporary folder): seconds and its output."""
    import tempfile

    from sim.mw.verification import SWEEP
    from studio.sweep.runner import run_sets

    root = Path(tempfile.mkdtemp(prefix="bench-paper-"))
    t0 = time.perf_counter()
    res = run_sets(
        SWEEP, "bench_paper", {"variant": "paper", "delta": 0.01, "c": 1.0}, trials=TRIALS, root=root, progress=False
    )
    return time.perf_counter() - t0, res


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (user + system)."""
    import resource

    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


def scripts_loop(q: np.ndarray, eta: float, c: float = 1.0) -> np.ndarray:
    """verification.py's per-trial loop on queries (rounds, n): final weights."""
    w = np.ones(q.shape[1])
    for t in range(q.shape[0]):
        mu_hat = np.median(q[t])
        w *= 1 - eta * np.minimum(1, np.abs(q[t] - mu_hat) / c)
    return w


def main() -> int:
    from sim.mw import paper_compat as pc

    base = []
    for _ in range(REPEATS):
        t = 0.0
        for i in BASE_CELLS:
            q, _ = pc.stream_cell(i)
            eta = pc.GRID_ETA[i // 10]
            t0 = time.perf_counter()
            w = scripts_loop(q, eta)
            t += time.perf_counter() - t0
            if not np.array_equal(w, pc.paper_weights(q[None], eta)[0, -1]):
                print(f"error: cell {i}: the scripts' loop and the vectorised cell disagree", file=sys.stderr)
                return 1
        base.append(t / len(BASE_CELLS))
    per_trial = statistics.median(base)
    cpu0 = cpu_seconds()
    sweep_s, res = via_engine()
    cpu = cpu_seconds() - cpu0
    assert res.computed == 100, res.computed
    mode = f"the sweep engine ({os.cpu_count()} CPUs, local processes, CSVs)"
    full_loop = per_trial * 100 * TRIALS
    full_scripts = SCRIPTS_MS_PER_TRIAL / 1000 * 100 * TRIALS
    print(f"paper-compatible sweep, 100 cells x {TRIALS} trials via {mode}: {sweep_s:.2f} s (target <= {TARGET_S:g} s)")
    print(
        f"scripts' loop (median of {REPEATS}): {per_trial * 1e3:.3f} ms per trial -> {full_loop:.1f} s for the grid; "
        f"ratio {full_loop / sweep_s:.1f}x"
    )
    print(
        f"scripts as quoted ({SCRIPTS_MS_PER_TRIAL:g} ms per cell-trial): {full_scripts:.0f} s for the grid; "
        f"ratio {full_scripts / sweep_s:.0f}x"
    )
    print(
        f"CPU time of the sweep (all processes): {cpu:.1f} s -> about {cpu / 2:.1f} s of wall time on 2 idle cores "
        f"(load average now {os.getloadavg()[0]:.1f}: wall timings on this shared machine are noisy)"
    )
    est = cpu / 2
    print(
        f"target <= {TARGET_S:g} s: wall {'OK' if sweep_s <= TARGET_S else 'MISSED'}, "
        f"CPU-time estimate for 2 idle cores {'OK' if est <= TARGET_S else 'MISSED'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
