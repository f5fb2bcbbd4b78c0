"""One colour, line style and marker per aggregation rule: the theme's estimators family (assets/theme.toml).

The rules shared with the MW estimation figures (mean, coordinate median = median, trimmed mean, geometric
median) have their colours and markers; the rules new here are members of the same family. Only the line
styles live here. A rule the family does not have (a plugin's, an unusual pipeline) gets the theme's next
spare colour and marker (kit.theme.styles), in the order the figure draws them.
"""

from __future__ import annotations

from kit.theme import styles, theme
from sim.aggregation.registry import label_of

LABELS = {"mean": "mean", "coordinate_median": "coordinate median", "trimmed_mean": "trimmed mean",
          "geometric_median": "geometric median", "krum": "Krum", "multi_krum": "Multi-Krum",
          "centered_clipping": "centered clipping", "mean_around_median": "mean around median",
          "minimum_diameter_averaging": "min.-diameter avg.", "nnm+trimmed_mean": "NNM + trimmed mean"}
FAMILY = {"coordinate_median": "median", "nnm+trimmed_mean": "nnm_trimmed_mean"}  # rule -> estimators member
LINESTYLES = {"mean": "-", "coordinate_median": "--", "trimmed_mean": ":", "geometric_median": "--", "krum": "-",
              "multi_krum": "--", "centered_clipping": "-.", "mean_around_median": ":",
              "minimum_diameter_averaging": "-.", "nnm+trimmed_mean": "-."}
MARKERS = {rule: theme().markers[FAMILY.get(rule, rule)] for rule in LINESTYLES}


def line_styles(c, names) -> dict[str, tuple[str, str, str]]:
    """name -> (colour, linestyle, marker) for rules drawn together; unknown ones: the theme's spare styles."""
    fam = theme().family("estimators", "paper")
    known = [n for n in names if n in LINESTYLES and FAMILY.get(n, n) in fam]
    auto = styles([n for n in names if n not in known], "paper")
    return {
        n: (fam[FAMILY.get(n, n)], LINESTYLES[n], MARKERS[n]) if n in known else (auto[n][0], "-", auto[n][1])
        for n in names
    }


def style(c, name: str) -> tuple:
    """(colour, linestyle) of one rule (one the family does not have: its spare style when drawn alone)."""
    return line_styles(c, [name])[name][:2]


def label(name: str) -> str:
    return LABELS.get(name) or label_of(name) or name.replace("+", " + ").replace("_", " ")
