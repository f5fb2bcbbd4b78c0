"""Target localization: 500 iterations of the default network (100 agents, F = 20) for all four methods.

Target: <= 2 s for the four methods together (sim/mtl/diffusion.py: run), samples
included. Baseline, measured in the same process: the plain non-cooperative
update (w <- w + mu (q - w), Byzantine rows overwritten) applied once per
iteration, 500 times, on the same arrays. The ratio run / baseline is the cost
of the three cooperative rules (gathers over the neighbour slots, accumulated
losses, filtering, weights) and of the metrics, relative to the least any
diffusion loop can do. Each figure is the median of several paired runs
(engine then baseline, alternately), because the machines are shared and noisy.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.core.rng import make_rng  # noqa: E402
from sim.mtl import localization as loc  # noqa: E402
from sim.mtl.diffusion import noncoop_step  # noqa: E402
from sim.mtl.measurements import make_samples  # noqa: E402

TARGET_S = 2.0
PAIRS = 5


def main() -> None:
    p = loc.defaults()  # N = 100, F = 20, T = 500, mu = gamma = 0.1
    setup = loc.make_setup(p, make_rng(0), 1)
    net = setup.net
    cfg = loc.rule_config(p)

    def engine():
        from sim.mtl.diffusion import run

        run(net, make_samples(net, setup.noise.v_d, setup.noise.v_u), setup.w0, cfg)

    samples = make_samples(net, setup.noise.v_d, setup.noise.v_u)

    def baseline():
        w = setup.w0
        for i in range(p["iterations"]):
            w = noncoop_step(w, samples.q[i], p["mu"], net.byzantine, net.psi_a)

    engine(), baseline()  # warm-up
    eng, base = [], []
    for _ in range(PAIRS):
        t0 = time.perf_counter()
        engine()
        eng.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        baseline()
        base.append(time.perf_counter() - t0)
    e, b = statistics.median(eng), statistics.median(base)
    ratios = statistics.median(x / y for x, y in zip(eng, base))
    verdict = "OK" if e <= TARGET_S else "ABOVE TARGET"
    print(
        f"mtl: 4 methods x 500 iterations, N = 100, F = 20: {e * 1e3:8.1f} ms (target <= {TARGET_S:.0f} s: "
        f"{verdict});  non-coop update x 500: {b * 1e3:6.1f} ms;  ratio {ratios:5.1f} "
        f"(median of {PAIRS} paired runs)"
    )


if __name__ == "__main__":
    main()
