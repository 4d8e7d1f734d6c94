"""The client's models hold to the services' OpenAPI documents, the contract: every field an answer documents is
one the model reads, and a request sends no field the service does not document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from memlog import models

ROOT = Path(__file__).resolve().parents[3]
DOCUMENTS = {
    "query": ROOT / "query-service/src/main/resources/openapi/query.yaml",
    "ingest": ROOT / "ingest-service/src/main/resources/openapi/ingest.yaml",
}
#: (service, schema in its document, the client's model)
ANSWERS = [
    ("query", "Hit", models.SearchHit),
    ("query", "SearchResponse", models.SearchResult),
    ("query", "Explanation", models.Explanation),
    ("query", "PackItem", models.ContextItem),
    ("query", "ContextPack", models.ContextPack),
    ("query", "Memory", models.Memory),
    ("query", "MemoryPage", models.MemoryPage),
    ("query", "History", models.MemoryHistory),
]
REQUESTS = [
    ("query", "SearchRequest", models.SearchRequest),
    ("ingest", "Turn", models.Turn),
    ("ingest", "ExplicitMemory", models.MemoryInput),
]


def _document(service: str) -> dict[str, Any]:
    return yaml.safe_load(DOCUMENTS[service].read_text(encoding="utf-8"))


def _properties(document: dict[str, Any], schema: dict[str, Any]) -> tuple[set[str], set[str]]:
    """A schema's property names and required names, through $ref and allOf."""
    if "$ref" in schema:
        return _properties(document, document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]])
    names, required = set(schema.get("properties", {})), set(schema.get("required", []))
    for part in schema.get("allOf", []):
        more, more_required = _properties(document, part)
        names |= more
        required |= more_required
    return names, required


def _fields(model: type) -> set[str]:
    return {field.alias or name for name, field in model.model_fields.items()}


@pytest.mark.parametrize("service,schema,model", ANSWERS, ids=[a[1] for a in ANSWERS])
def test_an_answers_model_reads_every_field_the_document_gives(service, schema, model):
    document = _document(service)
    names, _ = _properties(document, {"$ref": f"#/components/schemas/{schema}"})
    assert names, f"{schema} documents no properties"
    assert names <= _fields(model), f"{model.__name__} misses {sorted(names - _fields(model))} of {schema}"


@pytest.mark.parametrize("service,schema,model", REQUESTS, ids=[r[1] for r in REQUESTS])
def test_a_requests_model_sends_only_what_the_document_takes(service, schema, model):
    document = _document(service)
    names, required = _properties(document, {"$ref": f"#/components/schemas/{schema}"})
    fields = _fields(model)
    assert fields <= names, f"{model.__name__} would send {sorted(fields - names)}, which {schema} does not document"
    assert required <= fields, f"{model.__name__} cannot send {sorted(required - fields)}, which {schema} requires"
