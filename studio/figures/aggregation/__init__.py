"""Figures of the federated robust-aggregation subject (after the prototype aggregation module)."""
