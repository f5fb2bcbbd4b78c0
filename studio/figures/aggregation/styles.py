"""One colour, line style and marker per aggregation rule, from the paper palette only.

Shared names keep the MW estimation figures' choices (mean, median, trimmed mean,
geometric median); the rules new here take the remaining combinations.
"""

from __future__ import annotations

LABELS = {"mean": "mean", "coordinate_median": "coordinate median", "trimmed_mean": "trimmed mean",
          "geometric_median": "geometric median", "krum": "Krum", "multi_krum": "Multi-Krum",
          "centered_clipping": "centered clipping", "mean_around_median": "mean around median",
          "minimum_diameter_averaging": "min.-diameter avg.", "nnm+trimmed_mean": "NNM + trimmed mean"}
MARKERS = {"mean": "o", "coordinate_median": "v", "trimmed_mean": "P", "geometric_median": "X", "krum": "s",
           "multi_krum": "D", "centered_clipping": "^", "mean_around_median": "<", "minimum_diameter_averaging": ">",
           "nnm+trimmed_mean": "*"}


def style(c, name: str) -> tuple:
    """(colour, linestyle) of a rule (unknown pipelines: muted, dotted)."""
    table = {"mean": (c.volatile, "-"), "coordinate_median": (c.muted, "--"), "trimmed_mean": (c.volatile, ":"),
             "geometric_median": (c.true_value, "--"), "krum": (c.estimate, "-"), "multi_krum": (c.estimate, "--"),
             "centered_clipping": (c.text, "-."), "mean_around_median": (c.text, ":"),
             "minimum_diameter_averaging": (c.true_value, "-."), "nnm+trimmed_mean": (c.honest, "-.")}
    return table.get(name, (c.muted, ":"))


def label(name: str) -> str:
    return LABELS.get(name, name.replace("+", " + ").replace("_", " "))
