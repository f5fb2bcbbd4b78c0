"""Byzantine strategies of the consensus protocols, by name.

Bit protocols (threshold consensus, committee download):

- ``flip``: report the flipped bit to everybody;
- ``equivocate``: a fresh random bit to each receiver (different peers hear different values);
- ``silent``: send nothing;
- ``worst``: per cell, whichever of the three does the most damage on that cell (chosen with hindsight
  by the protocol module, see :func:`damage`).

Estimate protocol (error-bounded blacklisting, Sec. III.B):

- ``shift``: report mu_i + shift on every source, to everybody;
- ``random``: report a fresh Uniform[0, 1] value per source (the range of the mu_i), to everybody;
- ``equivocate``: mu_i + shift to some receivers and mu_i - shift to the others (a random sign per
  receiver and source);
- ``just_inside``: to each receiver p, p's own estimate + (2 eps / 3 - margin) on every source, all in
  the same direction: the largest bias that no honest peer can blacklist.
"""

from __future__ import annotations

import numpy as np

from ..core.params import Param

BIT_STRATEGIES = ("flip", "equivocate", "silent", "worst")
BIT_BASE = ("flip", "equivocate", "silent")  # what "worst" chooses from; code = index
ESTIMATE_STRATEGIES = ("shift", "random", "equivocate", "just_inside")
SILENT = -1  # "no message" in a report array

# Who is Byzantine and how, declared once for the subject's kinds, sweeps and protocol modules.
N_CELLS = Param("n_cells", int, 6, "bits n of the external array", low=1, high=100_000)  # bit protocols
N_PEERS = Param("n_peers", int, 6, "peers k", low=2, high=10_000)
BYZ_FRACTION = Param(
    "byz_fraction", float, 0.0, "Byzantine fraction beta (f = floor(beta k))", low=0.0, high=1.0, high_open=True
)
BIT_STRATEGY = Param("strategy", str, "flip", "Byzantine strategy", choices=BIT_STRATEGIES)
BASE_STRATEGY = Param("strategy", str, "flip", "Byzantine strategy on one bit", choices=BIT_BASE)
ESTIMATE_STRATEGY = Param("strategy", str, "shift", "Byzantine strategy", choices=ESTIMATE_STRATEGIES)


def bit_reports(strategy: str, bit: int, n_receivers: int, rng: np.random.Generator) -> np.ndarray:
    """What one Byzantine peer sends about one bit to each of ``n_receivers`` (int8; SILENT = nothing)."""
    strategy = BASE_STRATEGY.coerce(strategy)
    if strategy == "flip":
        return np.full(n_receivers, 1 - bit, dtype=np.int8)
    if strategy == "equivocate":
        return rng.integers(0, 2, n_receivers).astype(np.int8)
    return np.full(n_receivers, SILENT, dtype=np.int8)  # silent


def damage(decisions: np.ndarray, truth: int) -> tuple[int, int, int]:
    """How bad the honest decisions on one cell are, for the "worst" strategy (larger is worse).

    Lexicographic: (honest peers disagree, honest peers decided wrong, honest peers undecided).
    ``decisions`` holds 0/1 or -1 (undecided) for the honest peers.
    """
    d = np.asarray(decisions)
    decided = d[d >= 0]
    split = int(decided.size > 0 and decided.min() != decided.max())
    return (split, int(np.count_nonzero(decided != truth)), int(np.count_nonzero(d < 0)))
