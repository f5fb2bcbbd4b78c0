"""Paper-compatibility mode against the reference table (li2020-target-localization.md)."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from sim.mtl.paper_compat import PAPER_F, paper_setup, run_paper, table_numbers

# The reference's table: mean Loss over normal agents at iteration 0, and averaged over iterations 100-499,
# for non-coop / average / distance / loss-based. Given with 3 significant digits (a few with 2).
REFERENCE = {
    0: (("401", "410", "411", "410"), ("0.122", "24.9", "24.7", "0.043")),
    20: (("405", "302", "386", "166"), ("0.134", "24.5", "23.5", "0.049")),
    99: (("423", "17.9", "95.5", "6.9"), ("0.035", "4.90", "5.39", "0.035")),
}


def _sig(text: str) -> int:
    digits = text.replace(".", "").lstrip("0")
    return len(digits)


def _round_sig(x: float, n: int) -> float:
    return round(x, n - 1 - int(math.floor(math.log10(abs(x)))))


@pytest.fixture(scope="module")
def runs():
    state_py, state_np = random.getstate(), np.random.get_state()
    out = {F: run_paper(F) for F in PAPER_F}
    assert random.getstate() == state_py, "the global Python random state was touched"
    after = np.random.get_state()
    assert after[0] == state_np[0] and np.array_equal(after[1], state_np[1]) and after[2:] == state_np[2:], (
        "the global NumPy random state was touched"
    )
    return out


@pytest.mark.parametrize("F", PAPER_F)
def test_compat_mode_reproduces_the_reference_table(runs, F):
    got = table_numbers(runs[F][1])  # (method, 2)
    for col in range(2):
        for m, text in enumerate(REFERENCE[F][col]):
            n = _sig(text)
            assert _round_sig(got[m, col], n) == pytest.approx(float(text), rel=1e-9), (F, col, m, got[m, col])


def test_compat_draws_follow_the_authors_order():
    s = paper_setup(20)
    py = random.Random(0)
    targets = [(b0 + py.random(), b1 + py.random()) for b0, b1 in ((10, 10), (10, 20), (20, 10), (20, 20))]
    assert np.array_equal(s.net.targets[0], np.array(targets))
    first = (py.uniform(0, 3), py.uniform(0, 3))
    assert tuple(s.net.positions[0, 0]) == first
    assert len(s.attackers) == 20 and s.net.byzantine[0].sum() == 20
    rs = np.random.RandomState(0)
    psi_a = 15 + rs.random_sample((2, 20))
    assert np.array_equal(s.net.psi_a[0, sorted(s.attackers)], psi_a.T)
    assert np.all(s.noise.sd_u[0, s.noisy] == 0.1)
    assert np.all(s.net.valid[0].sum(axis=1) <= 10)


def test_compat_with_the_correct_rule_changes_only_the_resilient_rules(runs):
    s, dev = runs[20]
    _, fix = run_paper(20, deviations=False)
    assert np.array_equal(dev.loss[:2], fix.loss[:2], equal_nan=True)  # non-coop and average: same numbers
    assert not np.allclose(dev.loss[3], fix.loss[3], equal_nan=True)

    def tail(r):
        return np.nanmean(r.loss[3, 100:, 0])

    assert tail(fix) < tail(dev)  # the correct rule does better here


def test_batched_replays_equal_one_by_one():
    from sim.mtl.paper_compat import run_paper_batch

    _, batch = run_paper_batch(20, [3, 4], iterations=60)
    for b, seed in enumerate((3, 4)):
        _, one = run_paper(20, seed=seed, iterations=60)
        assert np.array_equal(batch.loss[:, :, b], one.loss[:, :, 0], equal_nan=True)
        assert np.array_equal(batch.final[:, b], one.final[:, 0])
