"""Checks: to be written."""
