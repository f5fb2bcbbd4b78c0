"""One colour, line style and marker per aggregation rule: the theme's estimators family (assets/theme.toml).

The rules shared with the MW estimation figures (mean, coordinate median = median, trimmed mean, geometric
median) have their colours and markers; the rules new here are members of the same family. Only the line
styles live here.
"""

from __future__ import annotations

from kit.theme import theme

LABELS = {"mean": "mean", "coordinate_median": "coordinate median", "trimmed_mean": "trimmed mean",
          "geometric_median": "geometric median", "krum": "Krum", "multi_krum": "Multi-Krum",
          "centered_clipping": "centered clipping", "mean_around_median": "mean around median",
          "minimum_diameter_averaging": "min.-diameter avg.", "nnm+trimmed_mean": "NNM + trimmed mean"}
FAMILY = {"coordinate_median": "median", "nnm+trimmed_mean": "nnm_trimmed_mean"}  # rule -> estimators member
LINESTYLES = {"mean": "-", "coordinate_median": "--", "trimmed_mean": ":", "geometric_median": "--", "krum": "-",
              "multi_krum": "--", "centered_clipping": "-.", "mean_around_median": ":",
              "minimum_diameter_averaging": "-.", "nnm+trimmed_mean": "-."}
MARKERS = {rule: theme().markers[FAMILY.get(rule, rule)] for rule in LINESTYLES}


def style(c, name: str) -> tuple:
    """(colour, linestyle) of a rule (unknown pipelines: muted, dotted)."""
    fam = theme().family("estimators", "paper")
    key = FAMILY.get(name, name)
    return (fam[key], LINESTYLES[name]) if key in fam else (c.muted, ":")


def label(name: str) -> str:
    return LABELS.get(name, name.replace("+", " + ").replace("_", " "))
