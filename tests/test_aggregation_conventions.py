"""Two conventions found in public code, each a parameter here (docs/aggregation.md).

ALIE's z_max: (n - s)/n as Baruch et al. state it, or (n - f - s)/(n - f) over the honest workers. Krum's
neighbour count: n - f - 2 other updates (Blanchard et al. 2017, the default) or n - f - 1 (ByzFL).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from sim.aggregation.attacks import ModelPoisoningAttack, alie, alie_z
from sim.aggregation.rules import krum
from sim.core.errors import ParamError


@pytest.mark.parametrize("n,f", [(10, 2), (20, 4), (50, 24), (100, 20), (7, 3)])
def test_alie_z_conventions(n, f):
    s = math.floor(n / 2 + 1) - f
    assert alie_z(n, f) == pytest.approx(norm.ppf((n - s) / n))
    assert alie_z(n, f, "paper") == alie_z(n, f)  # the default is unchanged
    assert alie_z(n, f, "honest") == pytest.approx(norm.ppf((n - f - s) / (n - f)))
    assert alie_z(n, f, "honest") < alie_z(n, f)  # (n - s)/n - (n - f - s)/(n - f) = s f / (n (n - f)) > 0


def test_alie_z_the_two_conventions_by_hand():
    # n = 10, f = 2: s = 4; paper Phi^-1(0.6) = 0.2533; honest Phi^-1(4/8) = 0: the attacker sends the honest mean
    assert alie_z(10, 2) == pytest.approx(0.253347, abs=1e-6)
    assert alie_z(10, 2, "honest") == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ParamError, match="convention"):
        alie_z(10, 2, "other")


def test_alie_convention_reaches_the_attack():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(10, 6))
    byz = np.zeros(10, bool)
    byz[:2] = True
    h = x[~byz]
    mu, sd = h.mean(0), h.std(0, ddof=1)
    np.testing.assert_allclose(alie(x, byz, convention="honest")[0], mu, atol=1e-12)  # z = 0 at n = 10, f = 2
    np.testing.assert_allclose(alie(x, byz)[0], mu - alie_z(10, 2) * sd, atol=1e-12)
    ups = [row[None] for row in x]
    out = ModelPoisoningAttack("alie", rng=rng, convention="honest").apply(ups, [0, 1])
    np.testing.assert_allclose(out[0][0], mu, atol=1e-12)


def test_krum_neighbour_counts_pick_different_clients():
    """1-D updates 0, 1, 3, 4, 5 with f = 1. Blanchard (n - f - 2 = 2 others): scores 10, 5, 5, 2, 5, Krum takes
    the update 4. ByzFL (n - f - 1 = 3 others): scores 26, 14, 9, 11, 21, Krum takes the update 3."""
    x = np.array([0.0, 1.0, 3.0, 4.0, 5.0])[:, None]
    agg_b, w_b = krum(x, f=1)
    agg_z, w_z = krum(x, f=1, neighbours=3)
    assert agg_b.tolist() == [4.0] and int(np.argmax(w_b)) == 3
    assert agg_z.tolist() == [3.0] and int(np.argmax(w_z)) == 2
