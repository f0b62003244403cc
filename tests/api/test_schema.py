"""The OpenAPI schema generates without a warning, documents every error an operation can
return, and the interactive docs are served."""

import pytest
import yaml
from django.core.management import call_command


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    path = tmp_path_factory.mktemp("schema") / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text())


def _operations(schema):
    for path, item in schema["paths"].items():
        if path.startswith("/api/v1/"):
            for method, operation in item.items():
                yield path, method, operation


def test_the_schema_validates_without_warnings(schema):
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/events/{id}/sign-off/" in schema["paths"]


def test_every_operation_documents_its_errors(schema):
    for path, method, operation in _operations(schema):
        codes = set(operation["responses"])
        if path != "/api/v1/auth/token/":
            assert {"401", "403"} <= codes, (method, path)
        if method in ("put", "patch") or path.endswith(
            (
                "/finish/",
                "/discharge/",
                "/void/",
                "/submit/",
                "/assess/",
                "/sign-off/",
                "/confirm/",
                "/dismiss/",
            )
        ):
            assert {"400", "404", "412", "428"} <= codes, (method, path)
            headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
            assert "If-Match" in headers, (method, path)
        if method == "post" and "201" in codes:
            assert "422" in codes, (method, path)
            headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
            assert "Idempotency-Key" in headers, (method, path)


def test_the_schema_and_the_docs_are_served(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"Safety Ledger API" in schema.content

    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
