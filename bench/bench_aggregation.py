"""Aggregation rules, call by call, against bare NumPy floors measured in the same run (issues 13 and 25).

Part 1 -- per-call overhead. For 15 x 10 (the breakdown sweep's default), 30 x 1000 and 100 x 100,000
(clients x dimensions, float64, one N(0, 1) stack), every rule of sim.aggregation.rules is timed three ways
against its floor: the function untracked (``track=False``), the function tracked (the default: who counted,
who was excluded), and its aggregator class (``aggregate(list of client vectors)``, num_samples_per_client
None: stacking, the finiteness check, the rule with shares, the stats). The floors, on the stacked (n, d)
array (the class's floor also stacks the list, ``np.array(updates)``):

- mean: ``x.mean(0)``.
- coordinate median: ``np.median(x, axis=0)`` (ByzFL's Median).
- trimmed mean (trim 0.1, g = floor(0.1 n)): ``np.sort(x, axis=0)[g:n - g].mean(0)`` (ByzFL's TrMean).
- mean around median (f): ``np.median``, then ``np.argpartition`` of |x - median| along the clients, the
  n - f closest averaged (ByzFL's Meamed).
- Krum / multi-Krum (f): one Gram product x @ x.T, the squared distances sq_i + sq_j - 2 G_ij,
  ``np.partition`` of each row for its n - f - 2 nearest, the argmin (Krum) or the n - f lowest scores
  averaged (multi-Krum, ``np.argpartition``).
- centred clipping (3 steps, radius: the median distance): ``np.median`` start, ``np.linalg.norm`` distances,
  3 plain steps v += mean_i min(1, tau/||x_i - v||)(x_i - v).
- geometric median: plain Weiszfeld y <- sum x_i/d_i / sum 1/d_i from ``np.median``, stopping as the rule
  does (a step below 1e-9 times the median distance from the start); the bench checks that it takes the
  rule's number of steps.
- minimum-diameter averaging (f = 2): the Gram distances, every (n - 2)-subset's diameter from one gather of
  its pairs (chunked, as the rule), the argmin, its mean.

Targets (counted in the exit status): untracked <= 2x the floor at every size, tracked and the class <= 3x;
at 100 x 100,000 the coordinate median and the trimmed mean, untracked, <= 1.0x their floors (the floors
track nobody; tracking costs the trimmed mean a few per cent more there, printed, held to the 3x).
When ByzFL is importable (it needs torch; never a dependency of this project) its time for the nearest rule
is printed too, as ByzFL / ours (information: its geometric median and centred clipping are other variants).

Part 2 -- Krum at 100 x 100,000 against one Gram product (target <= 2, counted) and against a per-pair Python
loop (issue 13 asked >= 50x; printed with the arithmetic bound loop / Gram, not counted).

Every figure is a median over rounds of paired runs (floor and rule back to back, ratio per round) of CPU
seconds of this process (one thread: OPENBLAS_NUM_THREADS=1 unless set; on an oversubscribed 2-core machine
wall time mostly measures the other tenants): user time when the floor takes 20 ms or more, process time
otherwise (see ``cpu``). Small calls are repeated within a sample so a sample
lasts about 10 ms; 21 rounds at the small sizes, 5 at 100 x 100,000, every other round in reverse order.
Every case runs; then every missed target is listed and the exit status is 1.

Run: ``.venv/bin/python bench/bench_aggregation.py`` (about 3 minutes); ``--quick`` times 3 rounds.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import contextlib  # noqa: E402
import io  # noqa: E402
import itertools  # noqa: E402
import math  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.aggregation import aggregators as A  # noqa: E402
from sim.aggregation import rules  # noqa: E402
from sim.core.rng import make_rng  # noqa: E402
from sim.stats import robust  # noqa: E402

SIZES = ((15, 10), (30, 1000), (100, 100_000))
TRIM = 0.1
SAMPLE_S = 0.01  # a sample of a small call repeats it for about this long
UNTRACKED, TRACKED, CLASS, BIG = 2.0, 3.0, 3.0, 1.0


def f_of(n: int) -> int:
    """The declared Byzantine clients: 20% of 15 and of 30, 10% of 100."""
    return {15: 3, 30: 6}.get(n, n // 10)


# --------------------------------------------------------------------------- floors
def gram_d2(x):
    g = x @ x.T
    sq = g.diagonal()
    return sq[:, None] + sq[None, :] - 2.0 * g


def krum_scores_floor(x, f):
    k = len(x) - f - 2
    return np.partition(gram_d2(x), k, axis=1)[:, : k + 1].sum(1)  # the k nearest others, and the self 0


def floor_krum(x, f):
    return x[np.argmin(krum_scores_floor(x, f))]


def floor_multi_krum(x, f):
    m = len(x) - f
    return x[np.argpartition(krum_scores_floor(x, f), m - 1)[:m]].mean(0)


def floor_meamed(x, f):
    keep = len(x) - f
    dev = np.abs(x - np.median(x, axis=0))
    return np.take_along_axis(x, np.argpartition(dev, keep - 1, axis=0)[:keep], axis=0).mean(0)


def floor_cc(x, iters=3):
    v = np.median(x, axis=0)
    tau = np.median(np.linalg.norm(x - v, axis=1))
    for _ in range(iters):
        diff = x - v
        v = v + (np.minimum(1.0, tau / np.linalg.norm(diff, axis=1))[:, None] * diff).mean(0)
    return v


def weiszfeld(x, tol=1e-9, max_iter=1000):
    """(y, steps): plain Weiszfeld from the coordinate median, the rule's stop rule."""
    y = np.median(x, axis=0)
    stop = tol * np.median(np.linalg.norm(x - y, axis=1))
    for it in range(1, max_iter + 1):
        w = 1.0 / np.linalg.norm(x - y, axis=1)
        y_new = (w @ x) / w.sum()
        step = np.linalg.norm(y_new - y)
        y = y_new
        if step <= stop:
            return y, it
    return y, max_iter


def floor_mda(x, f, subsets):
    combos, iu, ju = subsets
    d2 = gram_d2(x)
    chunk = max(1, int(2e7 // max(len(iu), 1)))
    best, arg = np.inf, 0
    for s in range(0, len(combos), chunk):
        c = combos[s : s + chunk]
        diam = d2[c[:, iu], c[:, ju]].max(1)
        j = int(np.argmin(diam))
        if diam[j] < best:
            best, arg = diam[j], s + j
    return x[combos[arg]].mean(0)


def cases(n: int):
    """(name, floor(x), rule(x, track), aggregator class instance, byzfl factory name and args)."""
    f, g = f_of(n), math.floor(TRIM * n)
    sub = (np.array(list(itertools.combinations(range(n), n - 2))), *np.triu_indices(n - 2, 1))
    kw = {"num_samples_per_client": None}
    return [
        ("mean", lambda x: x.mean(0), lambda x, t: rules.mean(x, track=t), A.MeanAggregator(**kw), ("Average",)),
        (
            "coordinate_median",
            lambda x: np.median(x, axis=0),
            lambda x, t: rules.coordinate_median(x, track=t),
            A.CoordinateMedianAggregator(**kw),
            ("Median",),
        ),
        (
            "trimmed_mean",
            lambda x: np.sort(x, axis=0)[g : n - g].mean(0),
            lambda x, t: rules.trimmed_mean(x, trim=TRIM, track=t),
            A.TrimmedMeanAggregator(trim_fraction=TRIM, **kw),
            ("TrMean", g),
        ),
        (
            "mean_around_median",
            lambda x: floor_meamed(x, f),
            lambda x, t: rules.mean_around_median(x, f=f, track=t),
            A.MeanAroundMedianAggregator(num_byzantine=f, **kw),
            ("Meamed", f),
        ),
        (
            "krum",
            lambda x: floor_krum(x, f),
            lambda x, t: rules.krum(x, f=f, track=t),
            A.KrumAggregator(num_byzantine=f, **kw),
            ("Krum", f),
        ),
        (
            "multi_krum",
            lambda x: floor_multi_krum(x, f),
            lambda x, t: rules.multi_krum(x, f=f, track=t),
            A.MultiKrumAggregator(num_byzantine=f, **kw),
            ("MultiKrum", f),
        ),
        (
            "centered_clipping",
            floor_cc,
            lambda x, t: rules.centered_clipping(x, track=t),
            A.CenteredClippingAggregator(**kw),
            ("CenteredClipping",),
        ),
        (
            "geometric_median",
            lambda x: weiszfeld(x)[0],
            lambda x, t: rules.geometric_median(x, track=t),
            A.GeometricMedianAggregator(**kw),
            ("GeometricMedian",),
        ),
        (
            "minimum_diameter_averaging",
            lambda x: floor_mda(x, 2, sub),
            lambda x, t: rules.minimum_diameter_averaging(x, f=2, track=t),
            A.MinimumDiameterAggregator(num_byzantine=2, **kw),
            ("MDA", 2),
        ),
    ]


# --------------------------------------------------------------------------- timing
def cpu(fn, inner: int, user: bool = False) -> float:
    """CPU seconds per call of fn over ``inner`` calls: process time, or user time when ``user``.

    Linux measures a process's run time exactly but splits it into user and system time by the ticks that
    happened to land in each, so over a few milliseconds the user share can be anything (a 3 ms call read as
    0 ms): short samples are timed by the exact process time (user + system; small calls make no page faults
    to speak of). Calls of 20 ms and more (the 100 x 100,000 case) span several ticks, and their user time
    leaves out the page faults of their 80 MB allocations, which swing with the other tenants' memory pressure.
    """
    clock = (lambda: resource.getrusage(resource.RUSAGE_SELF).ru_utime) if user else time.process_time
    t0 = clock()
    for _ in range(inner):
        fn()
    return (clock() - t0) / inner


def rounds_of(fns: dict, rounds: int) -> dict:
    """{name: (median seconds per call, median ratio per round)}, paired round by round: the ratio to
    fns['floor'], for 'class' to fns['class_floor'].

    A round times every function once, in the given order and in reverse in every other round (so a drift
    of the machine's speed within a round does not favour the first or the last).
    """
    fns["floor"]()  # warm
    t0 = time.process_time()
    for _ in range(3):
        fns["floor"]()
    per_call = (time.process_time() - t0) / 3
    inner = max(1, min(50_000, int(SAMPLE_S / max(per_call, 1e-7))))
    user = per_call >= 0.02
    times = {k: [] for k in fns}
    order = list(fns)
    for r in range(rounds):
        for k in order if r % 2 == 0 else order[::-1]:
            times[k].append(cpu(fns[k], inner, user))
    out = {}
    for k, v in times.items():  # the class against the class's floor (it stacks the list too), the rest the floor
        base = times["class_floor" if k == "class" and "class_floor" in times else "floor"]
        out[k] = (statistics.median(v), statistics.median(a / max(b, 1e-12) for a, b in zip(v, base)))
    return out


def byzfl_call(spec):
    """A ByzFL aggregator for ``spec`` (class name, args), or None when ByzFL (and torch) cannot be imported."""
    try:
        import byzfl  # noqa: PLC0415
    except Exception:
        return None
    cls = getattr(byzfl, spec[0], None)
    if cls is None:
        return None
    agg = cls(*spec[1:])

    def call(x):
        with contextlib.redirect_stdout(io.StringIO()):  # ByzFL 0.0.11's Krum prints its distances
            return agg(x)

    return call


def check_results(name, x, floor, rule, agg, f):
    """The rule agrees with its floor (the floors are the rules, stripped), so the timings compare like with like."""
    a = rule(x, True)[0]
    b = floor(x)
    c = agg.aggregate(list(x))[0][0]
    assert np.allclose(a, c, rtol=1e-9, atol=1e-12), f"{name}: class and function disagree"
    tol = {"geometric_median": 1e-6, "centered_clipping": 1e-9}.get(name, 1e-9)
    assert np.allclose(a, b, rtol=tol, atol=tol), f"{name}: rule and floor disagree"
    if name == "geometric_median":
        steps_rule = robust.weiszfeld_steps(x)
        steps_floor = weiszfeld(x)[1]
        assert abs(steps_rule - steps_floor) <= 1, f"geometric median: {steps_rule} steps vs the floor's {steps_floor}"
        return f"{steps_rule} Weiszfeld steps (floor {steps_floor})"
    return ""


def part1(rng, quick: bool, misses: list) -> None:
    have_byzfl = byzfl_call(("Average",)) is not None
    print("Part 1: per call, ratio to the bare NumPy floor (median of paired rounds, CPU time)")
    head = f"{'rule':<27}{'n x d':>12}{'floor':>11}{'untracked':>11}{'tracked':>9}{'class':>8}"
    print(head + ("   ByzFL/ours" if have_byzfl else "   (ByzFL not importable: no ByzFL column)"))
    for n, d in SIZES:
        x = rng.standard_normal((n, d))
        updates = list(x)
        big = (n, d) == SIZES[-1]
        rounds = 3 if quick else (5 if big else 21)
        for name, floor, rule, agg, spec in cases(n):
            note = check_results(name, x, floor, rule, agg, f_of(n))
            fns = {
                "floor": lambda floor=floor, x=x: floor(x),
                "untracked": lambda rule=rule, x=x: rule(x, False),
                "tracked": lambda rule=rule, x=x: rule(x, True),
                "class": lambda agg=agg, u=updates: agg.aggregate(u),
                "class_floor": lambda floor=floor, u=updates: floor(np.array(u)),
            }
            bz = byzfl_call(spec)
            if bz is not None:
                fns["byzfl"] = lambda bz=bz, x=x: bz(x)
            r = rounds_of(fns, rounds)
            cells = [r["untracked"][1], r["tracked"][1], r["class"][1]]
            line = f"{name:<27}{f'{n} x {d:,}':>12}{r['floor'][0] * 1e3:>9.3f}ms{cells[0]:>10.2f}x{cells[1]:>8.2f}x"
            line += f"{cells[2]:>7.2f}x"
            if bz is not None:
                line += f"   {r['byzfl'][0] / r['tracked'][0]:8.2f}"
            targets = [("untracked", cells[0], UNTRACKED), ("tracked", cells[1], TRACKED), ("class", cells[2], CLASS)]
            if big and name in ("coordinate_median", "trimmed_mean"):
                targets += [("untracked", cells[0], BIG)]
            missed = [f"{w} {v:.2f}x > {t:g}x" for w, v, t in targets if v > t]
            for m in missed:
                misses.append(f"{name} at {n} x {d:,}: {m}")
            print(line + ("  MISSED " + "; ".join(missed) if missed else "") + (f"  ({note})" if note else ""))


# --------------------------------------------------------------------------- part 2 (issue 13's Krum checks)
def krum_loop(updates, f):
    """Per-pair Python loop: squared distances for every pair, then Krum's score and argmin."""
    n = len(updates)
    d2 = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            diff = updates[i] - updates[j]
            d2[i][j] = d2[j][i] = float(diff @ diff)
    scores = [sum(sorted(d2[i][j] for j in range(n) if j != i)[: n - f - 2]) for i in range(n)]
    return updates[int(np.argmin(scores))]


def part2(rng, quick: bool, misses: list) -> None:
    n, d, f = 100, 100_000, 10
    updates = [rng.standard_normal(d) for _ in range(n)]
    stacked = np.stack(updates)
    kr = A.KrumAggregator(num_byzantine=f, num_samples_per_client=None)
    assert np.array_equal(kr.aggregate(updates)[0][0], krum_loop(updates, f)), "Krum disagrees with the loop"
    rounds = 3 if quick else 5
    r = rounds_of({"floor": lambda: stacked @ stacked.T, "krum": lambda: kr.aggregate(updates)}, rounds)
    ok = r["krum"][1] <= 2.0
    print(f"\nPart 2: Krum (class), {n} x {d:,}, f = {f}")
    print(
        f"  vs one Gram product stacked @ stacked.T: {r['krum'][0] * 1e3:.0f} / {r['floor'][0] * 1e3:.0f} ms"
        f" = {r['krum'][1]:.2f}x (target <= 2)  {'OK' if ok else 'MISSED'}"
    )
    if not ok:
        misses.append(f"Krum vs one Gram product at {n} x {d:,}: {r['krum'][1]:.2f}x > 2x")
    loop = rounds_of({"floor": lambda: kr.aggregate(updates), "loop": lambda: krum_loop(updates, f)}, rounds)
    print(
        f"  vs a per-pair Python loop: {loop['loop'][1]:.1f}x faster (issue 13 asked >= 50x; no exact Krum beats"
        f" the loop by more than loop / Gram = {loop['loop'][0] / r['floor'][0]:.1f}x here; not counted)"
    )
    small = [rng.standard_normal(100) for _ in range(n)]
    s = rounds_of({"floor": lambda: kr.aggregate(small), "loop": lambda: krum_loop(small, f)}, rounds)
    print(f"  vs the loop at {n} x 100: {s['loop'][1]:.0f}x faster (information)")


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    rng = make_rng(7)
    misses: list[str] = []
    part1(rng, quick, misses)
    part2(rng, quick, misses)
    if misses:
        print(f"\n{len(misses)} target(s) missed:")
        for m in misses:
            print("  " + m)
        return 1
    print("\nevery target met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
