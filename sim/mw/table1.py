"""Table I (Knowlson et al., Sec. III-C.8): rounds to blacklist a source with loss 1, and the line-fit record (both modes)."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class LineFit:
    """Least-squares line of empirical T against (1/eta) ln(1/tau) (Table I)."""

    slope: float
    intercept: float
    r2: float
    slope_stderr: float
    intercept_stderr: float
    n_points: int
    included: tuple  # cell indices used
    excluded: tuple  # (cell index, reason)
    note: str = ""


def theoretical_T(eta: float, tau: float) -> int:
    """T = ceil((1/eta) ln(1/tau)), rounds to blacklist a source with loss 1 (Sec. III-C.8)."""
    return int(math.ceil(math.log(1 / tau) / eta))


def theoretical_x(eta: float, tau: float) -> float:
    """(1/eta) ln(1/tau), the abscissa of Fig. 7 and Table I."""
    return math.log(1 / tau) / eta


def exact_T(eta: float, tau: float) -> int:
    """First t with (1 - eta)^t < tau (the exact round for loss 1 every round)."""
    return math.floor(math.log(tau) / math.log1p(-eta)) + 1
