"""Pseudo-losses: every one maps into [0, 1], as MW requires; their shapes and their weak spots."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core.errors import ParamError
from sim.mw.losses import LOSSES, clipped_linear, get_loss, softmin_paper

residuals = st.lists(st.floats(0, 1e6) | st.sampled_from([np.inf, np.nan, 0.0, 1.0]), min_size=1, max_size=20)


@settings(max_examples=80, deadline=None)
@given(name=st.sampled_from(sorted(LOSSES)), r=residuals)
def test_every_loss_lies_in_zero_one(name, r):
    r = np.array(r)
    out = get_loss(name)(r, np.ones(r.shape, bool))
    assert out.shape == r.shape
    assert np.all(np.isfinite(out)) and np.all((out >= 0) & (out <= 1))


@pytest.mark.parametrize("name", ["clipped", "softmin_exp", "huber", "logistic"])
def test_zero_at_the_centre_increasing_and_one_for_non_finite(name):
    f = get_loss(name)
    r = np.linspace(0, 20, 401)
    v = f(r)
    assert v[0] == pytest.approx(0.0, abs=1e-12)
    assert np.all(np.diff(v) >= -1e-15)
    assert np.all(f(np.array([np.inf, np.nan])) == 1.0)
    assert v[-1] > 0.9


def test_clipped_loss_is_min_one_r():
    r = np.array([0.0, 0.3, 1.0, 2.5])
    np.testing.assert_array_equal(clipped_linear(r), [0.0, 0.3, 1.0, 1.0])


def test_paper_softmin_is_a_distribution_that_rewards_outliers():
    r = np.array([[0.1, 0.5, 3.0, np.inf]])
    mask = np.array([[True, True, True, False]])
    v = softmin_paper(r, mask)
    assert v[0, :3].sum() == pytest.approx(1.0)
    assert v[0, 3] == 0.0
    assert v[0, 0] > v[0, 1] > v[0, 2]  # the closest source gets the largest loss (Sec. III-C.3 as printed)
    # with k agreeing sources nobody's loss exceeds 1/k: the printed softmin cannot blacklist
    assert softmin_paper(np.zeros((1, 10))).max() == pytest.approx(0.1)


def test_shape_parameters_are_checked():
    with pytest.raises(ParamError, match="beta"):
        get_loss("softmin_exp")(np.ones(2), beta=0)
    with pytest.raises(ParamError, match="delta"):
        get_loss("huber")(np.ones(2), delta=-1)
    with pytest.raises(ParamError, match="loss"):
        get_loss("squared")
