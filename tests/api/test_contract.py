"""One contract for the whole API: no credentials is a 401 with `WWW-Authenticate` on every
path, error bodies outside DRF's views are JSON, and responses that schemathesis rarely
generates (a draft event, a job's file) still match the schema."""

import re

import pytest
import schemathesis
from django.test import override_settings
from rest_framework.test import APIClient
from schemathesis.specs.openapi.checks import response_schema_conformance

from config.wsgi import application
from events.services.terms import event_terms_seed
from tests.factories import AdverseEventFactory, api_token, system_actor


@pytest.fixture
def schema(db):
    return schemathesis.openapi.from_wsgi("/api/schema/", application)


# Requests through WSGI end as in production, closing the connection when no transaction is
# expected: such tests commit (like the schemathesis test), so nothing is lost mid-test.
wsgi_db = pytest.mark.django_db(transaction=True)


def _operations(schema):
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.startswith("/api/v1/") and operation.path != "/api/v1/auth/token/":
            yield operation


@wsgi_db
def test_every_api_path_without_credentials_is_a_401_asking_for_a_token(schema):
    client = APIClient()
    answers = {}
    for operation in _operations(schema):
        path = re.sub(r"\{[^}]+\}", "1", operation.path)
        response = getattr(client, operation.method.lower())(path)
        answers[f"{operation.method.upper()} {operation.path}"] = (
            response.status_code,
            response.get("WWW-Authenticate"),
            response.json(),
        )
    assert len(answers) > 20
    assert {name: answer[:2] for name, answer in answers.items()} == {
        name: (401, "Token") for name in answers
    }
    assert all("detail" in answer[2] for answer in answers.values())


@wsgi_db
def test_a_draft_event_with_no_causality_or_reading_matches_the_schema(schema, director):
    event_terms_seed(actor=system_actor())
    event = AdverseEventFactory(session__site=director.memberships.get().site)
    assert (event.causality, event.source_vital_id) == ("", None)
    case = schema["/api/v1/events/{id}/"]["GET"].Case(path_parameters={"id": event.pk})
    response = case.call(headers={"Authorization": f"Token {api_token(director)}"})
    assert response.status_code == 200
    assert (response.json()["causality"], response.json()["source_vital"]) == ("", None)
    case.validate_response(response, checks=[response_schema_conformance])


@pytest.mark.django_db
def test_a_lockout_on_the_token_endpoint_is_json_with_retry_guidance(nurse):
    event_terms_seed(actor=system_actor())
    client = APIClient()
    answers = [
        client.post(
            "/api/v1/auth/token/",
            {"username": nurse.username, "password": "wrong", "name": "Laptop"},
            format="json",
            REMOTE_ADDR="10.1.2.3",
        )
        for _ in range(7)
    ]
    locked = answers[-1]
    assert locked.status_code == 429
    assert locked["Content-Type"] == "application/json"
    assert "detail" in locked.json()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
@pytest.mark.django_db
def test_a_body_over_the_limit_is_a_413_with_a_json_detail(as_nurse):
    response = as_nurse.raw("post", "/api/v1/patients/", b'{"x": "' + b"a" * 5000 + b'"}')
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]


@wsgi_db
def test_the_schema_declares_the_bounds_the_api_enforces(schema):
    raw = schema.raw_schema
    listing = raw["paths"]["/api/v1/events/"]["get"]["parameters"]
    page = next(p for p in listing if p["name"] == "page")
    assert page["schema"]["minimum"] == 1
    finish = raw["paths"]["/api/v1/events/{id}/sign-off/"]["post"]["parameters"]
    if_match = next(p for p in finish if p["name"] == "If-Match")
    pattern = re.compile(if_match["schema"]["pattern"])
    assert pattern.match('"3"') and pattern.match('W/"3"') and not pattern.match("three")
    download = raw["paths"]["/api/v1/exports/jobs/{id}/download/"]["get"]["responses"]["200"]
    assert set(download["content"]) == {
        "text/csv",
        "application/fhir+json",
        "application/pdf",
        "application/xml",
    }
