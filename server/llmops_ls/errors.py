"""The exceptions llmops-ls raises, under one base class.

LlmopsError
 +-- ConfigError        a configuration or policy file is invalid; names file and key
 +-- CatalogueError     the rule catalogue shipped with the package is inconsistent
 +-- UsageError         the command line asked for something impossible

Lower-level errors (OSError, tomllib.TOMLDecodeError, pydantic.ValidationError) are
translated into these at the boundary that reads the file, so callers catch one family.
"""


class LlmopsError(Exception):
    """Base class of every error llmops-ls raises on purpose."""


class ConfigError(LlmopsError):
    """A configuration file is invalid."""

    def __init__(self, path: str, key: str | None, message: str) -> None:
        self.path = path
        self.key = key
        self.message = message
        where = f"{path}: {key}" if key else path
        super().__init__(f"{where}: {message}")


class CatalogueError(LlmopsError):
    """The rule catalogue is inconsistent (a packaging defect)."""


class UsageError(LlmopsError):
    """The command line cannot be satisfied."""
