"""Point-line duality (the prototype's dual.py), after de Berg et al., Computational Geometry, Sec. 8.2.

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

VERTICAL_TOL = 1e-9


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
    if np.any(np.abs(dx) <= VERTICAL_TOL * np.maximum(1.0, np.maximum(np.abs(a[..., 0]), np.abs(b[..., 0])))):
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
