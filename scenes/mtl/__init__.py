"""Scenes of Byzantine-resilient multi-task learning (Li, Abbas, Koutsoukos 2020)."""
