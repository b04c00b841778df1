"""Which organisation policy file applies, found without reading or validating it.

Kept apart from `policy`, whose models need pydantic, so that what only needs the
file (the keys it locks, for the project file's settings) does not import them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from llmops_ls.errors import ConfigError

POLICY_ENV = "LLMOPS_POLICY"
SYSTEM_POLICY_PATH = Path("/etc/llmops/policy.toml")
DEFAULT_POLICY_PATH = Path(__file__).with_name("default_policy.toml")


def policy_path(environ: Mapping[str, str] | None = None) -> Path:
    """The policy that applies: `LLMOPS_POLICY`, the system path, or the default."""
    environ = os.environ if environ is None else environ
    named = environ.get(POLICY_ENV)
    if named:
        path = Path(named)
        if not path.is_file():
            raise ConfigError(named, None, f"{POLICY_ENV} names no readable file")
        return path
    if SYSTEM_POLICY_PATH.is_file():
        return SYSTEM_POLICY_PATH
    return DEFAULT_POLICY_PATH
