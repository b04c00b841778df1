"""Configuration layers: organisation policy, project file, editor settings."""
