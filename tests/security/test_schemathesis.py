"""Property-based API testing from the OpenAPI schema (schemathesis, in process through WSGI):
for every operation, generated requests as staff, director and auditor never get a server
error, and every response matches the schema (status code, content type, body).

Two runs:
- the suite's run: `EXAMPLES` requests per operation and role, derandomised (hypothesis
  derives its seed from the test, and keeps no example database), so every clone and every
  run sends the same requests and passes or fails the same way;
- the wide run, for CI (`.ci/run`): one test per role, random with a printed seed, as many
  examples per operation as fit in `SCHEMATHESIS_WIDE_SECONDS` (skipped when that is unset).
  Replay a failure with `SCHEMATHESIS_SEED=<the printed seed>`.
"""

import os
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
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
WIDE_EXAMPLES = 100
WIDE_SECONDS = float(os.environ.get("SCHEMATHESIS_WIDE_SECONDS", "0"))
WIDE_DEFAULT_SEED = 20261205
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _exercise(
    operation, headers: dict, *, examples: int, seed: int | None = None, deadline=None
) -> str | None:
    """Run the examples of one operation; the first failure as text, or None.

    Without `seed` the run is derandomised; `deadline` (a `time.monotonic()` value) stops
    generating new examples once passed."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=seed is None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        database=None,
        print_blob=False,
    )
    def run(case):
        if deadline is not None and time.monotonic() > deadline:
            return
        for role_headers in headers.values():
            case.call_and_validate(headers=role_headers, checks=CHECKS)

    if seed is not None:
        run = hypothesis_seed(seed)(run)
    try:
        run()
    except (Exception, BaseExceptionGroup) as failure:  # noqa: BLE001  (reported per operation)
        return f"{operation.method.upper()} {operation.path}: {str(failure)[:1500]}"
    return None


def _token_headers(*users) -> dict:
    """New tokens for each operation: the revoke operation may revoke the ones it is given."""
    return {user.username: {"Authorization": f"Token {api_token(user)}"} for user in users}


def _operations() -> list:
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    return [result.ok() for result in schema.get_all_operations()]


# Requests commit as they do in production, so a request that fails on the database cannot
# leave the test's transaction broken for the requests after it.
@pytest.mark.django_db(transaction=True)
def test_no_operation_errors_or_breaks_its_schema_for_any_role(nurse, director, auditor, session):
    event_terms_seed(actor=system_actor())
    users = (nurse, director, auditor)
    operations = _operations()
    assert len(operations) > 20
    failures = [
        f for op in operations if (f := _exercise(op, _token_headers(*users), examples=EXAMPLES))
    ]
    assert not failures, "\n\n".join(failures)


@pytest.mark.skipif(
    not WIDE_SECONDS, reason="wide run: set SCHEMATHESIS_WIDE_SECONDS (as .ci/run does)"
)
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ["nurse", "director", "auditor"])
def test_a_wide_time_bounded_run_finds_nothing_for_each_role(role, request, session, capsys):
    event_terms_seed(actor=system_actor())
    user = request.getfixturevalue(role)
    # A fixed seed keeps CI repeatable; set SCHEMATHESIS_SEED to explore other inputs.
    seed = int(os.environ.get("SCHEMATHESIS_SEED") or WIDE_DEFAULT_SEED)
    with capsys.disabled():
        print(f"\nschemathesis wide run as {role}: SCHEMATHESIS_SEED={seed}")
    operations = _operations()
    deadline = time.monotonic() + WIDE_SECONDS
    failures = []
    for operation in operations:
        if time.monotonic() > deadline:
            break
        failure = _exercise(
            operation, _token_headers(user), examples=WIDE_EXAMPLES, seed=seed, deadline=deadline
        )
        if failure:
            failures.append(failure)
    assert not failures, f"SCHEMATHESIS_SEED={seed}\n\n" + "\n\n".join(failures)
