"""The thin shell around ``sim``: theme, trace cache, scene/figure registry, rendering."""
