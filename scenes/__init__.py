"""Manim scenes. Each module declares StudioScene subclasses that replay traces.

Scenes are discovered by ``studio.registry``: a new module here gets rendering,
stills, slides and tests with no list to edit elsewhere.
"""
