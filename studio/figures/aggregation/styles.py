"""One colour, line style and marker per aggregation rule, from the paper palette only.

Shared names keep the MW estimation figures' choices (mean, median, trimmed mean,
geometric median); the rules new here take the remaining combinations. A rule this
table does not know (a plugin's, an unusual pipeline) gets the theme's next spare
colour and marker (kit.theme.styles), in the order the figure draws them.
"""

from __future__ import annotations

from kit.theme import styles
from sim.aggregation.registry import label_of

LABELS = {"mean": "mean", "coordinate_median": "coordinate median", "trimmed_mean": "trimmed mean",
          "geometric_median": "geometric median", "krum": "Krum", "multi_krum": "Multi-Krum",
          "centered_clipping": "centered clipping", "mean_around_median": "mean around median",
          "minimum_diameter_averaging": "min.-diameter avg.", "nnm+trimmed_mean": "NNM + trimmed mean"}
MARKERS = {"mean": "o", "coordinate_median": "v", "trimmed_mean": "P", "geometric_median": "X", "krum": "s",
           "multi_krum": "D", "centered_clipping": "^", "mean_around_median": "<", "minimum_diameter_averaging": ">",
           "nnm+trimmed_mean": "*"}


def _table(c) -> dict:
    return {"mean": (c.volatile, "-"), "coordinate_median": (c.muted, "--"), "trimmed_mean": (c.volatile, ":"),
             "geometric_median": (c.true_value, "--"), "krum": (c.estimate, "-"), "multi_krum": (c.estimate, "--"),
             "centered_clipping": (c.text, "-."), "mean_around_median": (c.text, ":"),
             "minimum_diameter_averaging": (c.true_value, "-."), "nnm+trimmed_mean": (c.honest, "-.")}


def line_styles(c, names) -> dict[str, tuple[str, str, str]]:
    """name -> (colour, linestyle, marker) for rules drawn together; unknown ones: the theme's spare styles."""
    table = _table(c)
    auto = styles([n for n in names if n not in table], "paper")
    out = {}
    for n in names:
        if n in table:
            out[n] = (*table[n], MARKERS.get(n, "."))
        else:
            out[n] = (auto[n][0], "-", auto[n][1])
    return out


def style(c, name: str) -> tuple:
    """(colour, linestyle) of one rule (one not in the table: its spare style when drawn alone)."""
    return line_styles(c, [name])[name][:2]


def label(name: str) -> str:
    return LABELS.get(name) or label_of(name) or name.replace("+", " + ").replace("_", " ")
