"""Parameters: strict numbers, no duplicate --set, a floor on eta, a work cap on every kind; estimators: no input
is an error, ±inf keep their sign in the median."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.core.cli import main as sim_main
from sim.core.errors import ParamError
from sim.core.kinds import all_kinds, simulate
from sim.core.params import Param
from sim.core.rng import check_seed
from sim.mw.mw_engine import ETA_MIN, rounds_to_blacklist
from sim.stats.robust import ESTIMATORS, SCALES, EstimatorError, mad, median, median_of_means, trimmed_mean

INT = Param("n", int, 3, low=1, high=10**6)
FLOAT = Param("x", float, 0.5, low=0.0, high=10.0)


@pytest.mark.parametrize("text", ["1_0", "١٠", "１０", "10 junk", "0x10", "1e3", "10.", " 1 0", "+-1", "", "∞"])
def test_int_parsing_is_strict(text):
    with pytest.raises(ParamError, match="^n: must be an integer"):
        INT.coerce(text)


@pytest.mark.parametrize(
    "text", ["1_0", "٣.٥", "３", "2.5x", "nan", "inf", "-inf", "1e999", "0x1p-2", "1,5", "", ".", "e3", "1e", "--1"]
)
def test_float_parsing_is_strict(text):
    with pytest.raises(ParamError, match="^x: must be a number"):
        FLOAT.coerce(text)


@pytest.mark.parametrize("text, value", [("7", 7), ("+7", 7), ("007", 7)])
def test_ints_still_parse(text, value):
    assert INT.coerce(text) == value


@pytest.mark.parametrize(
    "text, value", [("2.5", 2.5), ("-0", 0.0), (".5", 0.5), ("1e-1", 0.1), ("3", 3.0), ("2.", 2.0), ("1E+0", 1.0)]
)
def test_floats_still_parse(text, value):
    assert FLOAT.coerce(text) == value


@pytest.mark.parametrize("seed", ["١", "1_0", "0x1", "1.0", "-1", str(2**63)])
def test_seed_is_strict(seed):
    with pytest.raises(ParamError, match="^seed:"):
        check_seed(seed)


def test_duplicate_set_is_an_error(capsys):
    assert sim_main(["trace", "mw_sources", "--set", "eta=0.1", "--set", "eta=0.2", "--out", "/nonexistent/x"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: eta: given twice")


@pytest.mark.parametrize("eta", ["5e-324", "1e-300", "1e-7", "0"])
def test_tiny_eta_is_a_clear_param_error(capsys, eta):
    for kind in ("mw_sources", "robust_study", "blacklisting_cell"):
        assert sim_main(["trace", kind, "--set", f"eta={eta}", "--out", "/nonexistent/x"]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("error: eta: must be a number in [1e-06, 1)"), err


def test_eta_floor_keeps_the_blacklisting_round_an_integer():
    t = rounds_to_blacklist(ETA_MIN, 1e-300)
    assert isinstance(t, int) and t == math.floor(math.log(1e-300) / math.log1p(-ETA_MIN)) + 1
    with pytest.raises(ParamError, match="eta"):
        rounds_to_blacklist(5e-324, 0.1)


def test_every_kind_declares_a_work_cap():
    for name, kind in all_kinds().items():
        assert kind.work is not None, f"trace kind {name!r} declares no work=lambda p: ..."
        p = kind.resolve()
        assert 0 < kind.work(p) <= kind.max_work, name  # the defaults fit


@pytest.mark.parametrize(
    "kind, sets",
    [
        ("mw_sources", {"n_sources": 100_000, "rounds": 100_000}),  # 10^10 reports: 74 GiB of x, loss, weights
        ("wisdom_crowd", {"n_guesses": 100_000}),  # 10^10: a run that never ends
        ("blacklisting_cell", {"n_sources": 1000, "rounds": 10_000, "trials": 100_000}),
        ("robust_sweep", {"trials": 100_000, "rounds": 200, "n_sources": 10}),
    ],
)
def test_work_cap_refuses_huge_runs_at_once(kind, sets):
    with pytest.raises(ParamError, match="^(work|trials):"):
        simulate(kind, 0, sets)


# -- estimators ---------------------------------------------------------------------------------------------

ALL = {**ESTIMATORS, **SCALES}


def _call(name, x, mask=None):
    fn = ALL[name]
    kw = {"rng": np.random.default_rng(0)} if name == "median_of_means" else {}
    return fn(x, mask, **kw)


@pytest.mark.parametrize("name", sorted(ALL))
def test_empty_input_is_an_error_naming_the_estimator(name):
    with pytest.raises(EstimatorError, match=f"^{name}: .*no active report"):
        _call(name, np.empty((0, 2)))


@pytest.mark.parametrize("name", sorted(ALL))
def test_all_masked_row_is_an_error_naming_the_estimator(name):
    x = np.arange(12.0).reshape(2, 3, 2)
    mask = np.array([[True, True, False], [False, False, False]])  # trial 1 has no active source
    with pytest.raises(EstimatorError, match=f"^{name}: .*no active report"):
        _call(name, x, mask)


def test_empty_batch_is_fine():
    assert median(np.empty((0, 3, 2))).shape == (0, 2)


def test_infinities_keep_their_sign_in_the_median():
    for data in (
        [1, 2, 3, 4, -np.inf],
        [1, 2, 3, 4, np.inf],
        [1, 2, -np.inf, -np.inf, 5, 6, 7],
        [np.inf, np.inf, -np.inf, 0, 1],
    ):
        x = np.array(data, float)[:, None]
        assert median(x)[0] == np.median(x), data
    # the rule for NaN: +inf and -inf in turn (np.median would give NaN)
    x = np.array([1, 2, 3, np.nan, np.nan], float)[:, None]
    assert median(x)[0] == 2.0
    # a bad row's finite coordinates alternate like NaN; its infinite ones keep their sign
    x = np.array([[0, 0], [1, 1], [2, 2], [3, 3], [-np.inf, 5.0]])
    assert np.array_equal(median(x), [1.0, 2.0])


def test_trimmed_mean_and_mom_see_signed_infinities():
    x = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, -np.inf], float)[:, None]
    assert trimmed_mean(x, trim=0.1)[0] == pytest.approx(np.mean([1, 2, 3, 4, 5, 6, 7, 8, 9]))
    x = np.concatenate([np.zeros(20), [-np.inf] * 2])[:, None]
    assert median_of_means(x, rng=np.random.default_rng(1), buckets=11)[0] == 0.0
    assert mad(np.array([[1.0], [2.0], [3.0], [-np.inf]]))[0] == pytest.approx(1.0)


def test_range_text_says_what_each_type_takes():
    """A free string is "a string" (not a number range); the others as declared."""
    assert Param("s", str, "x").range_text() == "a string"
    assert Param("s", str, "a", choices=("a", "b")).range_text() == "one of a, b"
    assert Param("b", bool, False).range_text() == "true or false"
    assert Param("k", int, 1, low=1).range_text() == "an integer in [1, inf)"
    assert Param("x", float, 0.5, low=0.0, high=1.0, high_open=True).range_text() == "a number in [0, 1)"
    with pytest.raises(ParamError, match=r"^s: must be a string, got 3$"):
        Param("s", str, "x").coerce(3)
