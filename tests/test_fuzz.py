"""Property-based fuzzing of every route described in the app's own /openapi.json.

Schemathesis generates requests from the OpenAPI document and checks that nothing answers 5xx,
that every status is a documented one, and that every body, errors included, matches its
documented schema. Two of its checks are left out on purpose: the API ignores parameters it
does not know (so "invalid data is rejected" cannot hold), and rules the schema cannot express
(at least one identity, a well-formed email, an avatar that exists) turn some schema-valid
requests into 4xx (so "valid data is accepted" cannot either).
"""

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from conftest import DEFAULT_KEY
from fake_smartengage.app import create_app

EXAMPLES_PER_ROUTE = 25

schema = schemathesis.openapi.from_asgi("/openapi.json", create_app())


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_ROUTE, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_route_never_fails_and_always_answers_as_documented(case):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {DEFAULT_KEY}"},
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
    )
