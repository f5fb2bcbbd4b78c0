"""MW bookkeeping against the bare medians it needs (Algorithm 1, sim/mw_engine.py).

Per round Algorithm 1 with centre = coordinate median and c = k MAD needs two
medians: the coordinate-wise median of the n reports (n x d) and the median
of the n distances (the MAD). The baseline runs exactly those np.median calls
(same shapes, same count, vectorised over trials like the engine) in the same
process; the ratio engine / baseline is the bookkeeping factor. Target <= 3.

Cases: one run of 10,000 sources x 200 rounds x 2 dimensions, and a batch of
1,000 trials of the seed's default size (40 sources, 10 rounds, 2 dimensions).
A median-of-means-guided batch is reported too (its centre costs more than a
median by design: a random partition per trial and round).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.core.rng import make_rng  # noqa: E402
from sim.mw.mw_engine import run_mw_batch  # noqa: E402

TARGET = 3.0


def best_of(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def data(trials, rounds, n, d, rng):
    x = rng.normal(size=(trials, rounds, n, d))
    x[:, :, : int(0.3 * n), 0] += 5.5  # 30% colluding Byzantine cluster
    return x


def baseline(x):
    """The medians the engine needs, as bare np.median calls: coordinate median + median of n distances."""
    for t in range(x.shape[1]):
        np.median(x[:, t], axis=-2)
        np.median(x[:, t, :, 0], axis=-1)


def case(name, x, repeat, center="median"):
    rng = make_rng(1)
    eng = best_of(
        lambda: run_mw_batch(
            x,
            eta=0.05,
            tau=1e-3,
            c="mad",
            c_k=3.0,
            center=center,
            rng=rng,
            estimator_kw={"buckets": 5} if center == "median_of_means" else None,
        ),
        repeat,
    )
    base = best_of(lambda: baseline(x), repeat)
    ratio = eng / base
    verdict = "" if center != "median" else ("  OK" if ratio <= TARGET else "  ABOVE TARGET")
    print(
        f"{name:<52} engine {eng * 1e3:8.1f} ms   bare medians {base * 1e3:8.1f} ms   ratio {ratio:5.2f}"
        f"  (target <= {TARGET:g}){verdict}"
    )
    return ratio


def main():
    rng = np.random.default_rng(0)
    big = data(1, 200, 10_000, 2, rng)
    batch = data(1000, 10, 40, 2, rng)
    r1 = case("one run: 10,000 sources x 200 rounds x 2-D, median", big, 3)
    r2 = case("batch: 1,000 trials x 40 sources x 10 rounds, median", batch, 5)
    case("batch: 1,000 trials, median-of-means guided (info)", batch, 3, "median_of_means")
    return 0 if max(r1, r2) <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
