"""Renderers of lint results for people, programs and CI systems."""
