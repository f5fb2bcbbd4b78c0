"""The talk: every scene in the order a speaker tells the story, then the backup section after the end.

This file is the one place the order lives (scenes declare what they show, not where they stand). The story:
the mean fails (the crowd) -> robust aggregation, and why the classic z-test cannot fire -> multiplicative
weights as the fix -> when to stop (the race, with its false positives) -> the quiet liar (error-bounded
blacklisting) -> consensus with a reveal -> the coin and multi-task learning.
"""

from __future__ import annotations

from typing import NamedTuple


class Part(NamedTuple):
    scene: str  # a StudioScene subclass's name
    section: str  # the short card shown before it


TALK: tuple[Part, ...] = (
    Part("WisdomOfTheCrowd", "The mean fails"),
    Part("RobustAggregation", "Robust aggregation"),
    Part("MWWeightBars", "Multiplicative weights"),
    Part("MWTrajectories", "Multiplicative weights over time"),
    Part("BlacklistingRace", "When to stop trusting"),
    Part("BlacklistingProtocol", "The quiet liar"),
    Part("OracleConsensus", "Consensus with an oracle"),
    Part("CommitteeConsensus", "Consensus with committees"),
    Part("GlobalCoinAdversary", "A global coin"),
    Part("CoinCorruptedMajority", "When the corrupted outweigh the good"),
    Part("AdaptiveCoinAdversary", "A global coin, adaptively attacked"),
    Part("ResilientNetwork", "Learning many tasks at once"),
)

BACKUP: tuple[Part, ...] = (
    Part("MWWeightBarsNormalised", "Backup: normalised weights"),
    Part("PrimalDual", "Backup: points and lines"),
)


def order() -> tuple[str, ...]:
    """Every scene's name, the talk first, then the backup section."""
    return tuple(p.scene for p in TALK + BACKUP)
