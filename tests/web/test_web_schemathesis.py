"""Schemathesis against /openapi.json: generated requests to every API operation, no 5xx.

Bounded (a few dozen examples an operation, no deadline) so the whole run stays well under a
minute on the synthetic archive.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

from cablegram.web import create_app  # noqa: E402


@pytest.fixture(scope="module")
def web_schema(synthetic: tuple[Path, list[Any]]) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(synthetic[0]))


schema = schemathesis.pytest.from_fixture("web_schema")


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_fails_with_a_server_error(case: Any) -> None:
    response = case.call_and_validate(checks=[not_a_server_error])
    assert response.status_code < 500, (case.path, case.query, response.text[:300])
    kind = response.headers.get("content-type") or [""]
    kind = kind[0] if isinstance(kind, list) else kind
    if kind.startswith("application/json") and response.status_code >= 400:
        assert "error" in response.json()
