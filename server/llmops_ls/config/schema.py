"""JSON Schemas of the project file and the policy, generated from their models.

Editors use them for completion and validation of `.llmops.toml` (through a TOML
language server such as Taplo or Even Better TOML) and of the policy file. The
descriptions are those written where each setting is declared.

    python -m llmops_ls.config.schema [FOLDER]    # default: docs/schemas
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from llmops_ls.config.models import ProjectFile
from llmops_ls.config.policy import Policy

SCHEMAS: dict[str, tuple[type[BaseModel], str]] = {
    "llmops.schema.json": (ProjectFile, "llmops-ls project file (.llmops.toml)"),
    "policy.schema.json": (Policy, "llmops-ls organisation policy"),
}


def schema_texts() -> dict[str, str]:
    """Each schema file's name and its text."""
    texts = {}
    for name, (model, title) in SCHEMAS.items():
        schema: dict[str, Any] = model.model_json_schema()
        schema["title"] = title
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        texts[name] = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    return texts


def write_schemas(folder: Path) -> list[Path]:
    """Write every schema into `folder`; returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in schema_texts().items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/schemas")
    for written_path in write_schemas(target):
        sys.stderr.write(f"wrote {written_path}\n")
