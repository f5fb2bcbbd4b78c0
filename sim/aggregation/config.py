"""Seed 003's RobustnessConfig: fields, defaults and validation (only when enabled)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..core.errors import ParamError
from . import rules
from .aggregators import NUM_BYZANTINE, TRIM_FRACTION
from .scoring import THRESHOLD

ZSCORE_THRESHOLD = replace(THRESHOLD, name="zscore_threshold")

SCORING_METHODS = ("zscore", "robust_zscore", "robust_zscore_calibrated", "none")


def aggregation_methods() -> tuple[str, ...]:
    """Known names: every rule, optionally after pre-steps joined by '+' (e.g. "nnm+krum")."""
    return tuple(rules.RULES)


@dataclass(frozen=True)
class RobustnessConfig:
    """Seed 003's robustness settings; validated in __post_init__ only when ``enabled``.

    - aggregation_method: a rule of sim.aggregation.rules ("coordinate_median",
      "trimmed_mean", ..., optionally "nnm+krum"-style pipelines);
    - num_byzantine: integer >= 0 (the defence's prior f);
    - trim_fraction: strictly inside (0, 0.5) (each tail);
    - client_scoring_method: "zscore" (seed), "robust_zscore", "robust_zscore_calibrated" or "none";
    - zscore_threshold: > 0.
    """

    enabled: bool = False
    aggregation_method: str = "coordinate_median"
    num_byzantine: int = 0
    trim_fraction: float = 0.1
    client_scoring_method: str = "zscore"
    zscore_threshold: float = 3.0

    def __post_init__(self):
        if not isinstance(self.enabled, bool):
            raise ParamError(f"enabled: must be true or false, got {self.enabled!r}")
        if not self.enabled:
            return
        try:
            rules.parse_pipeline(self.aggregation_method)
        except ParamError:
            raise ParamError(
                f"aggregation_method: must be one of {', '.join(aggregation_methods())} "
                f"(optionally after nnm+, bucketing+ or clipping+), got {self.aggregation_method!r}"
            ) from None
        NUM_BYZANTINE.coerce(self.num_byzantine)  # the aggregators' ranges: validated, the values kept
        TRIM_FRACTION.coerce(self.trim_fraction)
        if self.client_scoring_method not in SCORING_METHODS:
            raise ParamError(
                f"client_scoring_method: must be one of {', '.join(SCORING_METHODS)}, "
                f"got {self.client_scoring_method!r}"
            )
        ZSCORE_THRESHOLD.coerce(self.zscore_threshold)

    def build(self, **kw):
        """(aggregator, scorer or None) for this config; (None, None) when disabled."""
        if not self.enabled:
            return None, None
        from .aggregators import make_aggregator
        from .scoring import SCORERS

        agg = make_aggregator(
            self.aggregation_method, num_byzantine=self.num_byzantine, trim_fraction=self.trim_fraction, **kw
        )
        if self.client_scoring_method == "none":
            scorer = None
        elif self.client_scoring_method == "robust_zscore_calibrated":  # zscore_threshold unused: calibrated per n
            scorer = SCORERS["robust_zscore"](threshold="calibrated")
        else:
            scorer = SCORERS[self.client_scoring_method](threshold=self.zscore_threshold)
        return agg, scorer
