"""Global-coin MWU (Aggarwal et al. 2017): Fig. 1 to n = 10,000 and the adversary's solvers, per round.

1. Fig. 1: the sweep ``coin_rounds`` at its defaults (n = 10 ... 10,000, with and without the
   non-adaptive adversary, 20 runs per n, certified-approximation solver) through the sweep engine's
   serial path; the time is reported against the 60 s target, and the cost per simulated run-round
   against the honest coin's (the ratio is the adversary's overhead). ``--quick`` stops at n = 3000.
2. Solvers: the per-round programmes of real runs are collected once, then solved by each solver on
   the same instances; median over paired repetitions of the time per round; ratios against brute
   force (tau = 14, where brute force is possible) and against greedy (tau = 100: the first 300 programmes
   of 4 runs; tau = 1000: every programme of one whole run, late rounds included); the greedy heuristic's
   optimality gap next to the exact / certified solvers, and the solver codes (code 3: uncertified).

3. ``--survival``: the survival study of docs/coin.md through the sweep engine (local processes, a fresh
   checkpoint folder): ``coin_survival`` at n = 100, 200, 500 with the exact solver (``auto``) and at its
   defaults (n = 100 ... 2000, approx and greedy), 1000 runs per cell in seeding blocks of 50 that the
   engine shares out over its processes, costliest first, every run to its end or the float
   limit (no early stop); the wall time of each and of both against the 10-minute target, with the summary
   lines (P(corrupted > good) with Wilson intervals, how many of those runs ended, Kaplan-Meier medians).

Run: ``.venv/bin/python bench/bench_coin.py [--quick | --survival [--keep DIR]]`` (``--keep``: leave the
survival sweeps' folders, CSVs included, in DIR). Timings on a shared machine are noisy.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.coin import approx_solver, exact_solver, greedy_solver  # noqa: E402
from sim.coin.coin_mwu import default_eta, run_coin  # noqa: E402
from sim.coin.knapsack import make_problem  # noqa: E402
from sim.coin.nonadaptive import solve  # noqa: E402
from sim.core.sweeps import make_grid, run_serial  # noqa: E402

TARGET_S = 60.0
SURVIVAL_TARGET_S = 600.0
REPEAT = 5
SURVIVAL_RUNS = (
    ("survival_exact", {"n": (100, 200, 500), "solver": ("auto",)}, 5),
    ("survival", {}, 4),  # the sweep's defaults: n = 100 ... 2000, approx and greedy
)


def fig1(quick: bool) -> None:
    ns = (10, 30, 100, 300, 1000, 2000, 3000) if quick else None
    grid = make_grid("coin_rounds", {"n": ns} if ns else {}, seed=1)
    t0, c0 = time.perf_counter(), time.process_time()
    out = run_serial("coin_rounds", grid)
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    work = {"none": 0, "nonadaptive": 0}
    for c, r in zip(out.cells, out.records):
        work[c.params["adversary"]] += int(r["rounds"].sum())
    print(
        f"fig1: {grid.n_cells} cells, n up to {max(grid.axes['n'])}, {grid.trials} runs per n: {secs:.1f} s wall, {cpu:.1f} s CPU "
        f"(target {TARGET_S:.0f} s, ratio {secs / TARGET_S:.2f})"
    )
    for line in out.summary():
        print("   ", line)
    print(f"    simulated run-rounds: {work['nonadaptive']} with adversary, {work['none']} without")


def collect(n: int, tau: int, seed: int, max_problems: int = 300):
    """The programmes (corrupted weights, exponents, good vote, d) met in real runs of the auto solver."""
    problems = []
    import sim.coin.coin_mwu as cm

    orig = cm.nonadaptive_move
    rng = np.random.default_rng(seed)
    try:
        cm.nonadaptive_move = lambda v, solver="auto", eps=1e-3: _spy(v, orig, problems, max_problems)
        run_coin(
            n,
            tau,
            default_eta(n),
            40 if tau < 50 else 4,
            rng,
            adversary="nonadaptive",
            solver="approx",
            max_rounds=2000,
            fast=False,
        )  # the general loop calls nonadaptive_move (spied on here)
    finally:
        cm.nonadaptive_move = orig
    return problems


def collect_runs(n: int, tau: int, seed: int, runs: int = 1):
    """Every programme met in ``runs`` whole runs (the fast path's own problems, late rounds included)."""
    import sim.coin.nonadaptive as na

    problems = []
    orig = na.solve

    def spy(problem, solver="auto", eps=approx_solver.EPS, *args):
        problems.append(problem)
        return orig(problem, solver, eps, *args)

    na.solve = spy
    try:
        run_coin(n, tau, default_eta(n), runs, np.random.default_rng(seed), adversary="nonadaptive", solver="approx")
    finally:
        na.solve = orig
    return problems


def _spy(view, orig, problems, cap):
    if len(problems) < cap:
        K = view.kidx
        problems.append(make_problem(view.weights[K], view.good_vote, view.d, view.ups[K])[0])
    return orig(view, "approx")


def per_round(problems, fn) -> tuple[float, list]:
    """Median over REPEAT passes of the mean time per problem, and the last pass's solutions."""
    times, sols = [], None
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        sols = [fn(p) for p in problems]
        times.append((time.perf_counter() - t0) / len(problems))
    return float(np.median(times)), sols


def solvers(quick: bool) -> None:
    cases = [(140, 14, ("brute", "exact", "approx", "greedy")), (1000, 100, ("exact", "approx", "greedy"))]
    if not quick:
        cases.append((10000, 1000, ("approx", "greedy")))
    fns = {
        "brute": lambda p: solve(p, "brute"),
        "exact": lambda p: exact_solver.solve(p, max_states=exact_solver.MAX_STATES) or approx_solver.solve(p),
        "approx": lambda p: approx_solver.solve(p),
        "greedy": lambda p: greedy_solver.solve(p),
    }
    for n, tau, names in cases:
        probs = collect(n, tau, seed=n) if tau <= 100 else collect_runs(n, tau, seed=n)  # tau = 1000: one whole run
        res = {name: per_round(probs, fns[name]) for name in names}
        base = "brute" if "brute" in res else "greedy"
        ref = "brute" if "brute" in res else ("exact" if "exact" in res else "approx")
        print(
            f"solvers, n = {n}, tau = {tau}: {len(probs)} programmes from real runs, "
            f"median of {REPEAT} paired passes, time per round (ratio to {base})"
        )
        for name, (t, sols) in res.items():
            X = np.array([s.X if s.found else 0.0 for s in sols])
            R = np.array([s.X if s.found else 0.0 for s in res[ref][1]])
            with np.errstate(invalid="ignore", divide="ignore"):
                gap = np.where(R > 0, 1 - X / R, 0.0)
            codes = np.bincount([s.solver + 1 for s in sols], minlength=6)
            print(
                f"    {name:7s} {1e3 * t:9.3f} ms  ratio {t / res[base][0]:8.2f}  gap to {ref}: "
                f"max {gap.max():.2e}, mean {gap.mean():.2e}  solver codes used {codes[1:5].tolist()}"
                + (" (exact, approx-certificate, approx-DP, uncertified)" if name != "greedy" else "")
            )


def survival(keep: str | None = None) -> None:
    """``keep``: a folder to leave the two sweeps' CSVs in (default: a temporary one, removed)."""
    import contextlib
    import tempfile

    from studio.sweep.runner import run

    total = 0.0
    with contextlib.nullcontext(keep) if keep else tempfile.TemporaryDirectory() as tmp:
        for name, sets, seed in SURVIVAL_RUNS:
            grid = make_grid("coin_survival", sets, seed=seed)
            t0 = time.perf_counter()
            res = run("coin_survival", grid, name, root=Path(tmp), progress=False, log=lambda m: None)
            secs = time.perf_counter() - t0
            total += secs
            print(f"coin_survival {name} (seed {seed}, {grid.n_cells} cells x {grid.trials} runs): {secs:.1f} s wall")
            for line in res.out.summary():
                print("   ", line)
    print(
        f"survival study: {total:.1f} s wall (target {SURVIVAL_TARGET_S:.0f} s, ratio {total / SURVIVAL_TARGET_S:.2f})"
    )


def main() -> None:
    if "--survival" in sys.argv:
        survival(sys.argv[sys.argv.index("--keep") + 1] if "--keep" in sys.argv[:-1] else None)
        return
    quick = "--quick" in sys.argv
    solvers(quick)
    fig1(quick)


if __name__ == "__main__":
    main()
