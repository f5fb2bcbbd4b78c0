"""The prototype aggregation module: its worked example, the config's validation messages, sampling, attacks on
copies, z-scores.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.aggregation.aggregators import (
    AGGREGATORS,
    CoordinateMedianAggregator,
    MeanAggregator,
    TrimmedMeanAggregator,
    make_aggregator,
)
from sim.aggregation.attacks import ModelPoisoningAttack
from sim.aggregation.config import RobustnessConfig
from sim.aggregation.example import MEAN_NORMS, seed_example
from sim.aggregation.scoring import ClientScore, RobustZScoreDetector, ZScoreDetector
from sim.core.errors import ParamError


# --------------------------------------------------------------------------- the worked example
@pytest.fixture(scope="module")
def example():
    return seed_example(np.random.default_rng(2024))


def test_seed_example_client0_masked_with_z_about_1_8(example):
    means = [s.details["mean_norm"] for s in example.classic]
    assert means == pytest.approx([100 * MEAN_NORMS[0], *MEAN_NORMS[1:]], rel=1e-9)
    z0 = example.classic_ddof1[0].score
    assert z0 == pytest.approx(1.8, abs=0.02)  # the seed's "about 1.8" (sample std)
    assert z0 <= (5 - 1) / math.sqrt(5) + 1e-12  # Samuelson, ddof = 1
    assert example.classic[0].score <= math.sqrt(5 - 1) + 1e-12  # Samuelson, ddof = 0 (numpy's std, the seed's code)
    assert example.classic[0].score == pytest.approx(2.0, abs=0.02)
    assert not any(s.is_outlier for s in example.classic + example.classic_ddof1)


def test_seed_example_robust_scorer_catches_client0_only(example):
    assert [s.is_outlier for s in example.robust] == [True, False, False, False, False]
    assert example.robust[0].score > 100


def test_seed_example_coordinate_median_unharmed(example):
    # per coordinate the median of 5 values, 4 of them honest, lies inside the honest values' range
    agg, stats = CoordinateMedianAggregator(num_samples_per_client=100, seed=1).aggregate(example.attacked)
    hon = np.concatenate(example.honest[1:])
    assert np.all(np.abs(agg) <= np.abs(hon).max(0) + 1e-12)
    assert example.median_norm < 1.1 < 10 < example.mean_norm
    assert stats["excluded"] == [0] or 0 in stats["downweighted"]


def test_zscore_masking_bound_holds_for_any_single_outlier():
    rng = np.random.default_rng(0)
    for n in (3, 5, 10):
        ups = [rng.normal(size=(4, 6)) for _ in range(n)]
        ups[0] = ups[0] * 1e6
        z = ZScoreDetector().score_clients(ups)[0].score
        assert z <= math.sqrt(n - 1) + 1e-9
        assert ZScoreDetector().score_clients(ups)[0].is_outlier == (math.sqrt(n - 1) >= 3 and z >= 3)


def test_zscore_zero_spread_gives_zero():
    ups = [np.ones((3, 4)) for _ in range(5)]
    assert all(s.score == 0 and not s.is_outlier for s in ZScoreDetector().score_clients(ups))
    assert all(s.score == 0 and not s.is_outlier for s in RobustZScoreDetector().score_clients(ups))


def test_client_score_fields():
    s = ZScoreDetector().score_clients([np.ones((2, 2)), 2 * np.ones((2, 2))])[0]
    assert isinstance(s, ClientScore) and set(s.details["z"]) == {"mean_norm", "std_norm", "max_norm"}


def test_scorers_flag_nonfinite_clients_and_stay_finite_for_others():
    rng = np.random.default_rng(1)
    ups = [rng.normal(size=(5, 3)) for _ in range(6)]
    ups[2][1, 0] = np.nan
    ups[4] = np.zeros((0, 3))
    for det in (ZScoreDetector(), RobustZScoreDetector()):
        sc = det.score_clients(ups)
        assert [s.is_outlier for s in sc][2] and sc[4].is_outlier and sc[2].details["non_finite"]
        assert all(math.isfinite(s.score) for i, s in enumerate(sc) if i not in (2, 4))


# --------------------------------------------------------------------------- config
@pytest.mark.parametrize(
    "kw, field, text",
    [
        ({"trim_fraction": 0.0}, "trim_fraction", "(0, 0.5)"),
        ({"trim_fraction": 0.5}, "trim_fraction", "(0, 0.5)"),
        ({"trim_fraction": -1}, "trim_fraction", "(0, 0.5)"),
        ({"num_byzantine": -1}, "num_byzantine", "[0, inf)"),
        ({"num_byzantine": 1.5}, "num_byzantine", "integer"),
        ({"zscore_threshold": 0}, "zscore_threshold", "(0, inf)"),
        ({"zscore_threshold": float("nan")}, "zscore_threshold", "(0, inf)"),
        ({"aggregation_method": "average"}, "aggregation_method", "coordinate_median"),
        ({"aggregation_method": "nnm+foo"}, "aggregation_method", "trimmed_mean"),
        ({"client_scoring_method": "iforest"}, "client_scoring_method", "zscore"),
    ],
)
def test_config_validation_messages_name_field_and_range(kw, field, text):
    with pytest.raises(ParamError) as e:
        RobustnessConfig(enabled=True, **kw)
    msg = str(e.value)
    assert msg.startswith(field + ":") and text in msg and "got" in msg
    RobustnessConfig(enabled=False, **kw)  # validated only when enabled


def test_config_defaults_and_build():
    c = RobustnessConfig()
    assert (
        c.enabled,
        c.aggregation_method,
        c.num_byzantine,
        c.trim_fraction,
        c.client_scoring_method,
        c.zscore_threshold,
    ) == (False, "coordinate_median", 0, 0.1, "zscore", 3.0)
    assert c.build() == (None, None)
    agg, sc = RobustnessConfig(
        enabled=True, aggregation_method="nnm+krum", num_byzantine=1, client_scoring_method="robust_zscore"
    ).build(num_samples_per_client=None)
    assert agg.name == "nnm+krum" and isinstance(sc, RobustZScoreDetector)
    with pytest.raises(ParamError, match="^enabled:"):
        RobustnessConfig(enabled="yes")


# --------------------------------------------------------------------------- sampling
def test_sampling_without_replacement_when_enough_and_with_when_fewer():
    rng = np.random.default_rng(5)
    ups = [rng.normal(size=(150, 3)), rng.normal(size=(7, 3)), rng.normal(size=(100, 3))]
    _, st = CoordinateMedianAggregator(num_samples_per_client=100, seed=3).aggregate(ups)
    i0, i1, i2 = st["sample_indices"]
    assert len(i0) == len(set(i0.tolist())) == 100 and i0.max() < 150
    assert len(i1) == 100 and set(i1.tolist()) <= set(range(7)) and len(set(i1.tolist())) <= 7
    assert sorted(i2.tolist()) == list(range(100))


def test_sampling_is_deterministic_per_seed_and_generator():
    rng = np.random.default_rng(6)
    ups = [rng.normal(size=(40, 5)) for _ in range(5)]
    for name in AGGREGATORS:
        a1, s1 = make_aggregator(name, num_byzantine=1, num_samples_per_client=10, seed=9).aggregate(ups)
        a2, s2 = make_aggregator(name, num_byzantine=1, num_samples_per_client=10, seed=9).aggregate(ups)
        a3, _ = make_aggregator(
            name, num_byzantine=1, num_samples_per_client=10, rng=np.random.default_rng(9)
        ).aggregate(ups)
        assert np.array_equal(a1, a2) and np.array_equal(a1, a3), name
        assert all(np.array_equal(u, v) for u, v in zip(s1["sample_indices"], s2["sample_indices"]))
    agg = CoordinateMedianAggregator(num_samples_per_client=10, seed=9)
    b1, _ = agg.aggregate(ups)
    b2, _ = agg.aggregate(ups)  # the stream moves on, as in the seed
    assert not np.array_equal(b1, b2)


def test_aggregate_rejects_bad_input_clearly():
    with pytest.raises(ParamError, match="^client_updates: no client"):
        CoordinateMedianAggregator().aggregate([])
    with pytest.raises(ParamError, match="one dimension"):
        CoordinateMedianAggregator().aggregate([np.ones((2, 3)), np.ones((2, 4))])
    with pytest.raises(ParamError, match="^num_samples_per_client"):
        CoordinateMedianAggregator(num_samples_per_client=None).aggregate([np.ones((2, 3)), np.ones((3, 3))])
    with pytest.raises(ParamError, match="^trim_fraction"):
        TrimmedMeanAggregator(trim_fraction=0.5)
    with pytest.raises(ParamError, match="^weights"):
        MeanAggregator(num_samples_per_client=None).aggregate([np.ones(3)] * 2, weights=[1, -1])


# --------------------------------------------------------------------------- attacks on copies
@pytest.mark.parametrize(
    "kind", ["scaling", "noise", "sign_flip", "alie", "inner_product", "mimic", "gaussian", "nonfinite"]
)
def test_attack_changes_copies_of_malicious_clients_only(kind):
    rng = np.random.default_rng(7)
    ups = [rng.normal(size=(4, 3)) for _ in range(6)]
    before = [u.copy() for u in ups]
    out = ModelPoisoningAttack(kind, rng=np.random.default_rng(1)).apply(ups, [1, 4])
    assert all(np.array_equal(u, b) for u, b in zip(ups, before))  # inputs untouched
    assert all(o is not u for o, u in zip(out, ups))
    for i in (0, 2, 3, 5):
        assert np.array_equal(out[i], ups[i])
    for i in (1, 4):
        assert not np.array_equal(out[i], ups[i], equal_nan=True)
    again = ModelPoisoningAttack(kind, rng=np.random.default_rng(1)).apply(ups, [1, 4])
    assert all(np.array_equal(a, b, equal_nan=True) for a, b in zip(out, again))


def test_seed_attacks_exact():
    u = [np.arange(6.0).reshape(2, 3), np.ones((1, 3))]
    assert np.array_equal(ModelPoisoningAttack("scaling", scale_factor=100).apply(u, [0])[0], 100 * u[0])
    assert np.array_equal(ModelPoisoningAttack("sign_flip").apply(u, [0])[0], -u[0])
    noisy = ModelPoisoningAttack("noise", noise_std=10.0, seed=0).apply(u, [0])[0]
    assert np.allclose(noisy - u[0], np.random.default_rng(0).normal(0, 10.0, (2, 3)))
    with pytest.raises(ParamError, match="^attack_type"):
        ModelPoisoningAttack("flood")
    with pytest.raises(ParamError, match="^malicious_indices"):
        ModelPoisoningAttack().apply(u, [2])


def test_calibrated_robust_scorer_keeps_its_false_alarm_rate_and_catches_the_seed_attacker(example):
    det = RobustZScoreDetector("calibrated")
    assert [s.is_outlier for s in det.score_clients(example.attacked)] == [True, False, False, False, False]
    rng = np.random.default_rng(21)
    flagged = total = 0
    for _ in range(600):  # honest clients only: 600 rounds of 10 clients
        sc = det.score_clients([rng.standard_normal((20, 16)) for _ in range(10)])
        flagged += sum(s.is_outlier for s in sc)
        total += len(sc)
    assert flagged / total <= 3 * 0.0027  # target 0.27% (Monte-Carlo slack)
    plain = RobustZScoreDetector()  # 3.5: many honest false alarms among few clients
    rng = np.random.default_rng(21)
    fa = sum(
        s.is_outlier
        for _ in range(600)
        for s in plain.score_clients([rng.standard_normal((20, 16)) for _ in range(10)])
    )
    assert fa > flagged


def test_sampled_aggregation_equals_reference_on_the_drawn_vectors():
    rng = np.random.default_rng(31)
    ups = [rng.normal(size=(int(rng.integers(3, 40)), 4)) for _ in range(7)]
    agg, st = CoordinateMedianAggregator(num_samples_per_client=25, seed=5).aggregate(ups)
    for s in range(25):
        rows = np.array([ups[i][st["sample_indices"][i][s]] for i in range(7)])
        assert np.allclose(agg[s], np.median(rows, axis=0))
    agg, st = TrimmedMeanAggregator(trim_fraction=0.3, num_samples_per_client=25, seed=5).aggregate(ups)
    for s in range(25):
        rows = np.sort(np.array([ups[i][st["sample_indices"][i][s]] for i in range(7)]), axis=0)
        assert np.allclose(agg[s], rows[2:5].mean(0))
