"""Pseudo-losses of the MW update, each mapped into [0, 1] (MW needs l in [0, 1]).

Every loss takes the scaled residuals r = |x_i - mu_hat| / c of shape (..., n)
(>= 0; +inf or NaN for a non-finite report) and the mask of active sources,
and returns losses in [0, 1] of the same shape. ``LOSSES`` maps names to them.
"""

from __future__ import annotations

import numpy as np

from .errors import ParamError


def clipped_linear(r, mask=None) -> np.ndarray:
    """min(1, r): the clipped loss of Alg. 1, line 6 (non-finite r -> 1)."""
    r = np.asarray(r, dtype=float)
    return np.where(np.isfinite(r), np.minimum(1.0, r), 1.0)


LOSSES = {"clipped": clipped_linear}


def get_loss(name: str):
    if name not in LOSSES:
        raise ParamError(f"loss: must be one of {', '.join(LOSSES)}, got {name!r}")
    return LOSSES[name]
