"""The shipped JSON Schemas are generated from the settings models and accept them."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import jsonschema

from llmops_ls.config.policy import DEFAULT_POLICY_PATH
from llmops_ls.config.schema import schema_texts

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "schemas"


def test_shipped_schemas_match_the_models() -> None:
    for name, text in schema_texts().items():
        shipped = SCHEMAS / name
        assert shipped.read_text(encoding="utf-8") == text, (
            "run `python -m llmops_ls.config.schema` to regenerate"
        )


def test_default_policy_validates_against_its_schema() -> None:
    schema = json.loads(schema_texts()["policy.schema.json"])
    jsonschema.validate(tomllib.loads(DEFAULT_POLICY_PATH.read_text()), schema)


def test_project_schema_rejects_an_unknown_key() -> None:
    schema = json.loads(schema_texts()["llmops.schema.json"])
    jsonschema.validate({"lint": {"ignore": ["secret"]}}, schema)
    try:
        jsonschema.validate({"lint": {"selcet": ["secret"]}}, schema)
    except jsonschema.ValidationError as error:
        assert "selcet" in error.message
    else:
        raise AssertionError("an unknown key passed the schema")
