"""Point-line duality (seed 000's dual.py), after de Berg et al., Computational Geometry, Sec. 8.2.

The point p = (a, b) has the dual line p*: y = a x - b; the non-vertical line
l: y = m x + q has the dual point l* = (m, -q). Lines are stored as
(slope, intercept) pairs, so both maps are the reflection (x, y) -> (x, -y)
of a coordinate pair, which makes duality an involution. It preserves
incidence (p on l iff l* on p*) and reverses the roles in the order
(p above l iff l* above p*, with the same vertical distance). Consequently
the points of a segment AB, all on its line L, have dual lines through the
one point L*, sweeping the double wedge between A* and B*; a line crosses AB
iff its dual point lies in that wedge. Registered as trace kind ``primal_dual``.
"""

from __future__ import annotations

import numpy as np

from ..core.errors import ParamError
from ..core.kinds import trace_kind
from ..core.params import Param
from ..core.trace import ArraySpec

# Lines through AB's line L at these positions t (p = A + t (B - A)) pivot the probe lines.
PROBE_T = (0.5, 1.4)
_VERTICAL_TOL = 1e-9


def _pairs(x) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.shape[-1:] != (2,):
        raise ValueError(f"expected coordinate pairs (..., 2), got shape {x.shape}")
    return x


def dual_line(p) -> np.ndarray:
    """p = (a, b) -> p*: y = a x - b as (slope, intercept) = (a, -b) (de Berg Sec. 8.2)."""
    p = _pairs(p)
    return np.stack([p[..., 0], -p[..., 1]], axis=-1)


def dual_point(line) -> np.ndarray:
    """l: y = m x + q -> l* = (m, -q) (de Berg Sec. 8.2)."""
    line = _pairs(line)
    return np.stack([line[..., 0], -line[..., 1]], axis=-1)


def line_at(line, x) -> np.ndarray:
    """Height m x + q of the line (m, q) at abscissa x."""
    line = _pairs(line)
    return line[..., 0] * np.asarray(x, dtype=float) + line[..., 1]


def above(p, line) -> np.ndarray:
    """Signed vertical distance p_y - (m p_x + q): > 0 iff p lies above the line."""
    p = _pairs(p)
    return p[..., 1] - line_at(line, p[..., 0])


def line_through(a, b) -> np.ndarray:
    """The line (m, q) through points a and b; ValueError if it is vertical (no dual point)."""
    a, b = _pairs(a), _pairs(b)
    dx = b[..., 0] - a[..., 0]
    if np.any(np.abs(dx) <= _VERTICAL_TOL * np.maximum(1.0, np.maximum(np.abs(a[..., 0]), np.abs(b[..., 0])))):
        raise ValueError("line through the two points is vertical (or the points coincide)")
    m = (b[..., 1] - a[..., 1]) / dx
    return np.stack([m, a[..., 1] - m * a[..., 0]], axis=-1)


def intersect(l1, l2) -> np.ndarray:
    """Meeting point of two non-parallel lines (m1, q1), (m2, q2): x = (q2 - q1) / (m1 - m2)."""
    l1, l2 = _pairs(l1), _pairs(l2)
    dm = l1[..., 0] - l2[..., 0]
    if np.any(dm == 0):
        raise ValueError("parallel lines do not meet")
    x = (l2[..., 1] - l1[..., 1]) / dm
    return np.stack([x, line_at(l1, x)], axis=-1)


def direction(line) -> np.ndarray:
    """Unit direction vector (1, m) / sqrt(1 + m^2) of the line (m, q)."""
    line = _pairs(line)
    d = np.stack([np.ones_like(line[..., 0]), line[..., 0]], axis=-1)
    return d / np.linalg.norm(d, axis=-1, keepdims=True)


def crosses_segment(line, a, b) -> np.ndarray:
    """Primal test: the line meets segment ab iff a and b are not strictly on the same side."""
    return above(a, line) * above(b, line) <= 0


def in_double_wedge(point, l1, l2) -> np.ndarray:
    """Dual test: the point lies in the closed double wedge of l1, l2 (above one, below the other)."""
    return above(point, l1) * above(point, l2) <= 0


def segment_points(a, b, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """t_k = k / (steps - 1) and p_k = a + t_k (b - a), k = 0..steps-1."""
    a, b = _pairs(a), _pairs(b)
    t = np.linspace(0.0, 1.0, steps)
    return t, a[None, :] + t[:, None] * (b - a)[None, :]


def _check(p: dict) -> None:
    ax, bx = p["ax"], p["bx"]
    if abs(bx - ax) <= _VERTICAL_TOL * max(1.0, abs(ax), abs(bx)):
        what = "A == B" if p["ay"] == p["by"] else "AB is vertical, so its line L has no dual point"
        raise ParamError(f"bx: must differ from ax = {ax!r} ({what}), got {bx!r}")


_COORD = dict(low=-100.0, high=100.0)


@trace_kind(
    "primal_dual",
    version=1,
    summary="Point-line duality: segment AB and its line L against the dual lines of A, B meeting at L*",
    params=(
        Param("ax", float, -1.5, "x of endpoint A", **_COORD),
        Param("ay", float, 0.5, "y of endpoint A", **_COORD),
        Param("bx", float, 2.0, "x of endpoint B (must differ from ax: AB not vertical)", **_COORD),
        Param("by", float, 2.25, "y of endpoint B", **_COORD),
        Param("steps", int, 9, "samples of the sweep along AB (t = 0 .. 1)", low=2, high=10_000),
        Param(
            "probe_slope",
            float,
            1.5,
            "slope of the two probe lines (through t = 0.5 and 1.4 of L)",
            low=-100.0,
            high=100.0,
        ),
    ),
    arrays={
        "t": ArraySpec("float64", ("step",), "t_k = k / (steps - 1)"),
        "points": ArraySpec("float64", ("step", 2), "p_k = A + t_k (B - A)"),
        "dual_lines": ArraySpec("float64", ("step", 2), "p_k* as (slope, intercept) = (a_k, -b_k)"),
        "dual_directions": ArraySpec("float64", ("step", 2), "unit direction (1, a_k) of p_k*"),
        "endpoints": ArraySpec("float64", (2, 2), "rows A, B"),
        "endpoint_duals": ArraySpec("float64", (2, 2), "rows A*, B* as (slope, intercept)"),
        "line_L": ArraySpec("float64", (2,), "L through A and B as (m, q)"),
        "direction_L": ArraySpec("float64", (2,), "unit direction (1, m) of L"),
        "dual_point_L": ArraySpec("float64", (2,), "L* = (m, -q)"),
        "dual_meet": ArraySpec("float64", (2,), "intersection of A* and B* (solved, equals L*)"),
        "probes": ArraySpec("float64", ("probe", 2), "probe lines (slope, intercept)"),
        "probe_duals": ArraySpec("float64", ("probe", 2), "their dual points"),
        "probe_hits": ArraySpec("bool", ("probe",), "probe crosses segment AB (primal test)"),
        "probe_in_wedge": ArraySpec("bool", ("probe",), "probe's dual point in the double wedge of A*, B* (dual test)"),
    },
    sizes=lambda p: {"step": p["steps"], "probe": len(PROBE_T)},
    check=_check,
    work=lambda p: 16 * p["steps"],
)
def _primal_dual(p: dict, rng: np.random.Generator):
    """Deterministic: the seed is recorded in the header, ``rng`` is not used."""
    del rng
    a, b = np.array([p["ax"], p["ay"]]), np.array([p["bx"], p["by"]])
    t, pts = segment_points(a, b, p["steps"])
    L = line_through(a, b)
    ends = np.stack([a, b])
    ends_dual = dual_line(ends)
    pivots = a[None, :] + np.asarray(PROBE_T)[:, None] * (b - a)[None, :]
    probes = np.stack(
        [np.full(len(PROBE_T), p["probe_slope"]), pivots[:, 1] - p["probe_slope"] * pivots[:, 0]], axis=-1
    )
    probe_duals = dual_point(probes)
    duals = dual_line(pts)
    arrays = {
        "t": t,
        "points": pts,
        "dual_lines": duals,
        "dual_directions": direction(duals),
        "endpoints": ends,
        "endpoint_duals": ends_dual,
        "line_L": L,
        "direction_L": direction(L),
        "dual_point_L": dual_point(L),
        "dual_meet": intersect(ends_dual[0], ends_dual[1]),
        "probes": probes,
        "probe_duals": probe_duals,
        "probe_hits": crosses_segment(probes, a, b),
        "probe_in_wedge": in_double_wedge(probe_duals, ends_dual[0], ends_dual[1]),
    }
    meta = {"probe_t": list(PROBE_T), "labels": ["A", "B"]}
    return arrays, meta
