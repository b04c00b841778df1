"""Routing of completion and chat requests to a tier and a pinned model (pure)."""
