"""Robust location estimators (non-finite input is treated as an attack).

A NaN or ±inf report counts as maximally outlying: ±inf stays where it is,
and NaNs are split alternately to +inf and -inf, so one NaN cannot drag an
order statistic to one side. The result stays finite while the non-finite
reports are fewer than the estimator's breakdown point.
"""

from __future__ import annotations

import numpy as np


class EstimatorError(ValueError):
    """Raised when too few finite values are left to estimate anything."""


def neutralise_nonfinite(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Copy of ``x`` with NaN replaced by alternating +inf / -inf along ``axis``."""
    x = np.asarray(x, dtype=float)
    nan = np.isnan(x)
    if not nan.any():
        return x
    order = np.cumsum(nan, axis=axis)
    sign = np.where(order % 2 == 1, np.inf, -np.inf)
    return np.where(nan, sign, x)


def median(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Coordinate-wise median with non-finite reports as outliers (breakdown 1/2)."""
    x = neutralise_nonfinite(x, axis)
    if x.shape[axis] == 0:
        raise EstimatorError("median: no values to estimate from")
    m = np.median(x, axis=axis)
    if not np.all(np.isfinite(m)):
        raise EstimatorError("median: nothing finite left: at least half of the reports are NaN or ±inf")
    return m


# name -> estimator(x, axis) of location; extended by the estimator study.
ESTIMATORS = {"median": median}


def get_estimator(name: str):
    from .errors import ParamError

    if name not in ESTIMATORS:
        raise ParamError(f"estimator: must be one of {', '.join(ESTIMATORS)}, got {name!r}")
    return ESTIMATORS[name]
