"""RobustnessConfig, the original aggregation module's settings: fields, defaults and validation (only when enabled)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..core.errors import ParamError
from ..core.params import param, params_of
from . import rules
from .aggregators import NUM_BYZANTINE, TRIM_FRACTION
from .scoring import THRESHOLD

ZSCORE_THRESHOLD = replace(THRESHOLD, name="zscore_threshold")

SCORING_METHODS = ("zscore", "robust_zscore", "robust_zscore_calibrated", "none")


@dataclass(frozen=True)
class RobustnessConfig:
    """The robustness settings; validated in __post_init__ only when ``enabled`` (the values are kept as given).

    - aggregation_method: a rule of sim.aggregation.rules ("coordinate_median",
      "trimmed_mean", ..., optionally "nnm+krum"-style pipelines);
    - num_byzantine: integer >= 0 (the defence's prior f);
    - trim_fraction: strictly inside (0, 0.5) (each tail);
    - client_scoring_method: "zscore" (the original module's), "robust_zscore", "robust_zscore_calibrated" or "none";
    - zscore_threshold: > 0.
    """

    enabled: bool = param(False, "robust aggregation on (a bool, not a string)")
    aggregation_method: str = param("coordinate_median", "a rule, optionally after pre-steps joined by '+'")
    num_byzantine: int = NUM_BYZANTINE.field()
    trim_fraction: float = TRIM_FRACTION.field()
    client_scoring_method: str = param("zscore", "how clients are scored", choices=SCORING_METHODS)
    zscore_threshold: float = ZSCORE_THRESHOLD.field()

    def __post_init__(self):
        spec = {p.name: p for p in params_of(type(self))}
        if not isinstance(self.enabled, bool):  # strict: a string such as "no" is a mistake here, not a switch
            raise ParamError(f"enabled: must be {spec['enabled'].range_text()}, got {self.enabled!r}")
        if not self.enabled:
            return
        try:
            rules.parse_pipeline(self.aggregation_method)
        except ParamError:
            pre = ", ".join(f"{p}+" for p in rules.PRE_STEP.choices)
            raise ParamError(
                f"aggregation_method: must be {rules.RULE.range_text()} (optionally after {pre}), "
                f"got {self.aggregation_method!r}"
            ) from None
        for name in ("num_byzantine", "trim_fraction", "client_scoring_method", "zscore_threshold"):
            spec[name].coerce(getattr(self, name))  # validated, the values kept

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
