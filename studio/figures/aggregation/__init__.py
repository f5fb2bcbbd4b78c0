"""Figures of the federated robust-aggregation subject (seed 003)."""
