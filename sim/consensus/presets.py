"""Named configurations of the consensus trace kinds: the prototype's two animations, and larger networks.

``SEED_ORACLE`` is consensus_oracle_sim.py (6 peers on a circle, 6 oracle bits, no Byzantine peer,
threshold ceil(2 (k - 1) / 3) = 4); ``SEED_COMMITTEE`` is consensus_oracle_sim_2.py (6 peers, 6 bits,
floor(k / 3) = 2 Byzantine peers flipping, the seed's committee rule with c = 2.5, a randomized oracle
whose every query is a fresh random bit). ``SEED_COMMITTEE_SAFE`` keeps the seed's network with the
committee rule this project uses (see docs/consensus.md) and a perfect oracle.
"""

from __future__ import annotations

from types import MappingProxyType

SEED_ORACLE = MappingProxyType(
    {"n_cells": 6, "n_peers": 6, "byz_fraction": 0.0, "strategy": "flip", "skip_accepted": True, "schedule": "random"}
)
SEED_COMMITTEE = MappingProxyType(
    {
        "n_cells": 6,
        "n_peers": 6,
        "byz_fraction": 1 / 3,
        "strategy": "flip",
        "committee_rule": "seed",
        "c": 2.5,
        "oracle": "randomized",
        "p_correct": 0.5,
        "queries": 1,
    }
)
SEED_COMMITTEE_SAFE = MappingProxyType({**SEED_COMMITTEE, "committee_rule": "safe", "oracle": "perfect"})
SEED_BLACKLISTING = MappingProxyType(
    {"n_sources": 6, "n_peers": 6, "byz_fraction": 1 / 6, "eps": 0.5, "C": 18.0, "strategies": "shift,just_inside"}
)

PRESETS = MappingProxyType(
    {
        "seed_oracle": ("oracle_threshold", SEED_ORACLE),
        "seed_committee": ("committee_download", SEED_COMMITTEE),
        "seed_committee_safe": ("committee_download", SEED_COMMITTEE_SAFE),
        "seed_blacklisting": ("error_bounded", SEED_BLACKLISTING),
        "large_oracle": (
            "oracle_threshold",
            {**SEED_ORACLE, "n_cells": 64, "n_peers": 31, "byz_fraction": 0.3, "strategy": "worst"},
        ),
        "large_committee": (
            "committee_download",
            {**SEED_COMMITTEE_SAFE, "n_cells": 200, "n_peers": 60, "byz_fraction": 0.3, "strategy": "worst"},
        ),
    }
)


def preset(name: str) -> tuple[str, dict]:
    """(trace kind, parameters) of a named preset."""
    from ..core.errors import ParamError

    if name not in PRESETS:
        raise ParamError(f"preset: unknown preset {name!r}; allowed: {', '.join(PRESETS)}")
    kind, params = PRESETS[name]
    return kind, dict(params)
