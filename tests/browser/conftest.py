"""Browser tests: pytest-playwright driving Debian's Chromium (``make test`` installs it;
nothing is downloaded) against a real server on a SQLite file with the demo operator.

``EVROSTER_SCREENSHOTS=<folder>`` keeps the screenshots the tests take there:
``make screenshots`` writes the ones in ``docs/``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from evroster.services.demo import load_demo
from evroster.storage.migrations import upgrade
from tests.conftest import Server

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": CHROMIUM}


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, dict[str, Any]]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'demo.db'}"
    upgrade(url)
    server = Server(url)
    credentials = load_demo(server.store)
    assert credentials is not None
    with server:
        yield server, credentials


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: ``EVROSTER_SCREENSHOTS``, or a folder of this run."""
    wanted = os.environ.get("EVROSTER_SCREENSHOTS")
    folder = Path(wanted) if wanted else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def ready(page: Page) -> None:
    """Wait until htmx has set the page up: typed before that, a search is not sent
    (a person cannot type that fast; a test can, and did on a slow machine)."""
    page.wait_for_load_state("load")
    page.wait_for_function("() => window.htmx !== undefined")


def sign_in(page: Page, server: Server, key: str) -> None:
    page.goto(f"{server.base_url}/admin/")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_label("idTag or name")).to_be_visible()
    ready(page)
