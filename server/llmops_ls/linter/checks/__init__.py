"""The checks; importing a module registers its checks (see `registry.check`)."""

import functools
import importlib

MODULES = (
    "files",
    "frontmatter",
    "activation",
    "globs",
    "imports",
    "links",
    "secrets",
    "unicode",
    "injection",
    "contradictions",
    "directives",
    "structure",
    "size",
    "policy",
)


@functools.cache
def load_all() -> None:
    """Import every check module once, registering its checks."""
    for name in MODULES:
        importlib.import_module(f"{__name__}.{name}")
