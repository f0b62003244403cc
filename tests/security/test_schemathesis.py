"""Property-based API testing from the OpenAPI schema (schemathesis, in process through WSGI):
for every operation, generated requests as staff, director and auditor never get a server
error, and every response matches the schema (status code, content type, body).

Bounded: `EXAMPLES` generated requests per operation and role, no shrinking."""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from events.services.terms import event_terms_seed
from tests.factories import api_token, system_actor

EXAMPLES = 5
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _exercise(operation, headers: dict) -> str | None:
    """Run the bounded examples of one operation; the first failure as text, or None."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def run(case):
        for role_headers in headers.values():
            case.call_and_validate(headers=role_headers, checks=CHECKS)

    try:
        run()
    except (Exception, BaseExceptionGroup) as failure:  # noqa: BLE001  (reported per operation)
        return f"{operation.method.upper()} {operation.path}: {str(failure)[:1500]}"
    return None


# Requests commit as they do in production, so a request that fails on the database cannot
# leave the test's transaction broken for the requests after it.
@pytest.mark.django_db(transaction=True)
def test_no_operation_errors_or_breaks_its_schema_for_any_role(nurse, director, auditor, session):
    event_terms_seed(actor=system_actor())

    def fresh_tokens() -> dict:
        # New tokens per operation: the revoke operation may revoke the ones it is given.
        return {
            user.username: {"Authorization": f"Token {api_token(user)}"}
            for user in (nurse, director, auditor)
        }

    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20
    failures = [f for f in (_exercise(op, fresh_tokens()) for op in operations) if f]
    assert not failures, "\n\n".join(failures)
