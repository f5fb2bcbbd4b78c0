"""Who is Byzantine: floor(beta n) of n sources (Knowlson et al., Sec. III-C), shared by every kind."""

from __future__ import annotations

import math

from .errors import ParamError


def n_byzantine(byz_fraction: float, n: int) -> int:
    """floor(beta n) Byzantine sources (the 1e-9 keeps e.g. 0.3 * 10 from flooring to 2)."""
    return int(math.floor(byz_fraction * n + 1e-9))


def check_honest_left(byz_fraction: float, n: int, who: str = "source") -> None:
    """ParamError unless at least one of the n is honest."""
    if n - n_byzantine(byz_fraction, n) < 1:
        raise ParamError(f"byz_fraction: must leave at least one honest {who}, got {byz_fraction:g} with n = {n}")
