"""A console session signed in through one process is good on every other: workers on
one SQLite file and PostgreSQL replicas share the signing key kept in the database."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.processes import operator, serving
from tests.e2e.test_console import Console


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_session_from_one_process_is_good_on_another(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'shared.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("pg_database")
    )
    _, key = operator(url)
    log = tmp_path / "serve.log"
    with serving(url, log) as a, serving(url, log) as b:
        first, second = Console(a.base), Console(b.base)
        assert first.sign_in(key).status_code == 303
        second.http.cookies = first.http.cookies
        # A form of a page served by one process, posted to the other.
        second.csrf = first.csrf
        created = second.http.post(
            "/api/v1/drivers", json={"name": "Shared"}, headers={"X-API-Key": key}
        ).json()
        page = second.change(f"/admin/drivers/{created['id']}/tags", {"idTag": "SHARED-CARD"})
        assert "Tag SHARED-CARD added." in page
        assert "SHARED-CARD" in first.page(f"/admin/drivers/{created['id']}")
        # Signed out through the second: the cookie is cleared there.
        assert second.post("/admin/sign-out", {}).status_code == 303
        assert second.http.get("/admin/sites").status_code == 303
        first.close()
        second.close()
