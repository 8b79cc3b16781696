"""docker-compose.yml is valid against the Compose specification's JSON schema."""
import json
from importlib import resources
from pathlib import Path

import jsonschema
import yaml

REPO = Path(__file__).resolve().parent.parent


def compose_schema() -> dict:
    # the schema vendored by check-jsonschema (a pinned test dependency): no network needed
    text = resources.files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json").read_text()
    return json.loads(text)


def test_compose_file_matches_compose_spec():
    doc = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    jsonschema.validate(doc, compose_schema())
    assert {"saring", "redis", "postgres"} <= set(doc["services"])
    env = doc["services"]["saring"]["environment"]
    assert env["DATABASE_URL"].startswith("postgresql://") and env["REDIS_URL"].startswith("redis://")


def test_schema_catches_a_broken_file():
    import pytest

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"services": {"saring": {"ports": "8000"}}}, compose_schema())
