"""Point-line duality p=(a,b) <-> p*: y = a x - b (sim.mw.duality, trace kind primal_dual).

Integer coordinates keep every product exact in float64, so "iff" statements are
checked exactly; trace properties on arbitrary float endpoints use a scaled tolerance.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sim.core.errors import ParamError
from sim.core.kinds import simulate
from sim.mw.duality import above, crosses_segment, dual_line, dual_point, in_double_wedge, intersect, line_through

ints = st.integers(-1000, 1000)
pairs = st.tuples(ints, ints).map(lambda xy: np.array(xy, dtype=float))
coords = st.floats(-100, 100, allow_nan=False, allow_infinity=False)


def _tol(*xs) -> float:
    return 1e-9 * (1.0 + sum(float(np.max(np.abs(x))) for x in xs))


@given(pairs)
def test_duality_is_an_involution(v):
    assert np.array_equal(dual_point(dual_line(v)), v)  # point -> line -> point
    assert np.array_equal(dual_line(dual_point(v)), v)  # line (m, q) -> point -> line


def test_dual_of_a_point_and_of_a_line_by_hand():
    assert dual_line([2.0, 3.0]).tolist() == [2.0, -3.0]  # (2, 3) -> y = 2x - 3
    assert dual_point([0.5, 1.25]).tolist() == [0.5, -1.25]  # y = x/2 + 5/4 -> (1/2, -5/4)
    assert line_through([-1.5, 0.5], [2.0, 2.25]).tolist() == [0.5, 1.25]


@given(pairs, pairs, st.booleans())
def test_incidence_is_preserved(p, line, force_incident):
    if force_incident:  # put p on the line: b = m a + q
        p = np.array([p[0], line[0] * p[0] + line[1]])
    on_primal = above(p, line) == 0
    on_dual = above(dual_point(line), dual_line(p)) == 0
    assert on_primal == on_dual
    if force_incident:
        assert on_dual


@given(pairs, pairs)
def test_above_below_is_reversed_with_equal_vertical_distance(p, line):
    """p above l iff l* above p*, by the same vertical distance (de Berg Obs. 8.3)."""
    d_primal = above(p, line)
    d_dual = above(dual_point(line), dual_line(p))
    assert d_primal == d_dual
    assert (d_primal > 0) == (d_dual > 0) and (d_primal < 0) == (d_dual < 0)


@given(pairs, pairs)
def test_x_order_of_points_is_slope_order_of_dual_lines(p, r):
    assert np.sign(p[0] - r[0]) == np.sign(dual_line(p)[0] - dual_line(r)[0])


@given(pairs, pairs, pairs)
def test_line_crosses_segment_iff_dual_point_in_double_wedge(a, b, line):
    assert crosses_segment(line, a, b) == in_double_wedge(dual_point(line), dual_line(a), dual_line(b))


def test_double_wedge_brute_force_against_swept_dual_lines():
    """l* lies on some p* with p in AB (a dense sweep) iff the wedge test says so."""
    a, b = np.array([-1.0, 0.0]), np.array([2.0, 3.0])
    ps = a + np.linspace(0, 1, 20001)[:, None] * (b - a)
    for line in ([0.0, 1.0], [0.0, 5.0], [-2.0, 0.5], [3.0, -10.0], [-1.0, 1.0], [1.0, 4.0]):
        gaps = above(dual_point(line), dual_line(ps))
        swept = bool(np.min(gaps) <= 1e-3 and np.max(gaps) >= -1e-3)
        assert swept == bool(in_double_wedge(dual_point(line), dual_line(a), dual_line(b)))


@given(pairs, pairs)
def test_dual_lines_of_two_points_meet_at_dual_of_their_line(a, b):
    assume(a[0] != b[0])
    L = line_through(a, b)
    meet = intersect(dual_line(a), dual_line(b))
    assert np.allclose(meet, dual_point(L), rtol=1e-12, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(coords, coords, coords, coords, st.integers(2, 30))
def test_trace_every_point_of_AB_has_dual_line_through_dual_of_L(ax, ay, bx, by, steps):
    assume(abs(bx - ax) > 1e-2)
    tr = simulate("primal_dual", 3, {"ax": ax, "ay": ay, "bx": bx, "by": by, "steps": steps})
    A, B = tr["endpoints"]
    Ls = tr["dual_point_L"]
    assert np.array_equal(tr["points"][0], A) and np.allclose(tr["points"][-1], B, atol=1e-12)
    assert np.array_equal(tr["dual_lines"], dual_line(tr["points"]))
    gaps = above(Ls, tr["dual_lines"])
    assert np.all(np.abs(gaps) <= _tol(tr["dual_lines"], Ls) * 10)
    # points of AB are on L, and L* is the dual point of L
    assert np.all(np.abs(above(tr["points"], tr["line_L"])) <= _tol(tr["points"], tr["line_L"]) * 10)
    assert np.array_equal(Ls, dual_point(tr["line_L"]))
    # A* and B* meet exactly at L* (solved independently)
    assert np.allclose(tr["dual_meet"], Ls, rtol=1e-9, atol=_tol(Ls))
    assert np.allclose(tr["endpoint_duals"], dual_line(tr["endpoints"]))
    # the sweep turns monotonically: dual slopes are the x-coordinates of p_k
    assert np.all(np.diff(tr["dual_lines"][:, 0]) * np.sign(bx - ax) > 0)
    assert np.allclose(np.linalg.norm(tr["dual_directions"], axis=1), 1.0)
    assert np.array_equal(tr["probe_hits"], tr["probe_in_wedge"])


def test_default_trace_probes_one_hit_one_miss_and_seed_is_unused():
    t0, t1 = simulate("primal_dual", 0), simulate("primal_dual", 12345)
    for k in t0.arrays:
        assert np.array_equal(t0[k], t1[k]), k
    assert t0["probe_hits"].tolist() == [True, False]
    assert t0["probe_in_wedge"].tolist() == [True, False]
    assert t0.params["steps"] == len(t0["t"])


@pytest.mark.parametrize(
    "params, name",
    [
        ({"ax": 1.0, "ay": 2.0, "bx": 1.0, "by": 2.0}, "bx"),  # A == B
        ({"ax": 1.0, "ay": 2.0, "bx": 1.0, "by": 5.0}, "bx"),  # vertical AB
        ({"ax": 3.0, "bx": 3.0 + 1e-12}, "bx"),  # vertical up to rounding
        ({"ax": float("nan")}, "ax"),
        ({"by": float("inf")}, "by"),
        ({"ay": 1e9}, "ay"),
        ({"steps": 1}, "steps"),
        ({"probe_slope": float("-inf")}, "probe_slope"),
    ],
)
def test_bad_params_raise_param_error_naming_the_parameter(params, name):
    with pytest.raises(ParamError) as e:
        simulate("primal_dual", 0, params)
    assert str(e.value).startswith(f"{name}:")


def test_line_through_and_intersect_refuse_degenerate_input():
    with pytest.raises(ValueError):
        line_through([1.0, 0.0], [1.0, 3.0])
    with pytest.raises(ValueError):
        intersect([2.0, 0.0], [2.0, 1.0])
