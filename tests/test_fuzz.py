"""Property-based fuzzing of every route described in the app's own /openapi.json, with every
check schemathesis has.

Schemathesis generates requests from the OpenAPI document, valid and invalid ones, and checks
that nothing answers 5xx, that every status, header and body is a documented one, that a request
the document calls valid is accepted and one it calls invalid is refused, and the rest of its
checks (`CHECKS`). So the document states what the server enforces. What the document cannot
state is configured in schemathesis.toml, which `st run` against a server reads too:

* a request naming an avatar, subscriber, tag, custom field, sequence or tenant that does not
  exist answers its documented 404, which schemathesis already counts as accepted;
* custom_field[] and field_value[] must be equally long: tests/fuzz_hooks.py keeps them so in
  the valid requests it generates;
* a fixture document may also be refused (400) for ids it repeats or refers to but lacks.

Each route gets a fresh app: harness routes like PUT /_fake/state replace the whole state.
"""

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks

from fake_smartengage.app import create_app

EXAMPLES_PER_ROUTE = 25

load_all_checks()
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app())


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_ROUTE, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_route_answers_as_documented(case, app):
    case.call_and_validate(app=app, checks=list(CHECKS.get_all()))
