"""schemathesis, every check, against the API on SQLite and PostgreSQL (issue 9, defect 10).

A small bounded run in-process (a few generated requests per operation) so the suite stays fast;
the full run is `schemathesis run http://127.0.0.1:PORT/openapi.json --checks all` against
`headkg serve`. Any answer the schema does not announce (an undeclared 422, a 5xx, a body off its
schema, a schema-valid request refused) fails.
"""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402

from headkg.api.app import create_app  # noqa: E402
from headkg.db.store import HeadKG  # noqa: E402

EXAMPLES = 12  # per operation


def test_api_conforms_to_its_schema(snapshot_store: str) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(HeadKG(snapshot_store, read_only=True)))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        def conforms(case) -> None:  # type: ignore[no-untyped-def]
            case.call_and_validate()

        conforms()
