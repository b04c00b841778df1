"""llmops-ls: the editor as the place where LLM operations are enforced and observed."""

__version__ = "0.1.0"
