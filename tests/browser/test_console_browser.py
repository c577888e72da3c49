"""The support desk's story in a real browser, on the demo data."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from evroster.services.keys import create_customer
from tests.browser.conftest import ready, sign_in
from tests.conftest import Server

pytestmark = pytest.mark.browser

Demo = tuple[Server, dict[str, Any]]


def _tag_row(page: Page, id_tag: str) -> Any:
    return page.locator("tr", has=page.locator("code", has_text=re.compile(f"^{id_tag}$")))


def test_support_desk_story(page: Page, demo: Demo, shots: Path) -> None:
    server, credentials = demo
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, server, credentials["apiKey"])

    # "My card 04A23B1C does not work": found however it is spelled, as it is typed.
    page.get_by_label("idTag or name").fill("04a23b1c")
    result = page.locator("#found").get_by_role("link", name="Ingrid Hansen")
    expect(result).to_be_visible()
    result.click()
    expect(page.get_by_role("heading", name="Ingrid Hansen")).to_be_visible()

    page.get_by_role("button", name="Block 04:a2:3b:1c").click()
    expect(page.get_by_role("status")).to_have_text("Tag 04:a2:3b:1c blocked.")
    expect(_tag_row(page, "04:a2:3b:1c").locator(".state")).to_have_text("blocked")
    page.screenshot(path=shots / "console-driver.png")

    page.get_by_role("link", name="Why refused?").first.click()
    page.get_by_label("Charger (chargerId or name)").fill("NOR0012")
    page.get_by_label("idTag", exact=True).fill("04A23B1C")
    page.get_by_role("button", name="Check").click()
    decision = page.get_by_role("article", name="Decision")
    expect(decision).to_contain_text("Refused")
    expect(decision).to_contain_text("Reason: The tag is blocked.")
    expect(decision).to_contain_text("held by Ingrid Hansen")
    page.screenshot(path=shots / "console-why-refused.png")

    decision.get_by_role("link", name="Ingrid Hansen").click()
    ready(page)
    page.get_by_role("button", name="Unblock 04:a2:3b:1c").click()
    expect(_tag_row(page, "04:a2:3b:1c").locator(".state")).to_have_text("active")

    expect(page.get_by_text("NOR0004")).to_have_count(0)
    page.get_by_label("Grant a site (name, externalId or id)").fill("Grünerløkka Garage")
    page.get_by_role("button", name="Grant site").click()
    expect(page.get_by_role("status")).to_contain_text("Granted site Grünerløkka Garage")
    expect(page.get_by_text("NOR0004", exact=True)).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("API key")).to_be_visible()
    page.goto(f"{server.base_url}/admin/sites")
    expect(page.get_by_label("API key")).to_be_visible()


def test_a_read_key_sees_no_controls_that_change(page: Page, demo: Demo) -> None:
    server, credentials = demo
    sign_in(page, server, credentials["readOnlyApiKey"])
    page.get_by_label("idTag or name").fill("crm-00001")
    page.locator("#found").get_by_role("link", name="Ingrid Hansen").click()
    expect(page.get_by_role("heading", name="Ingrid Hansen")).to_be_visible()
    expect(page.get_by_text("you can look, not change")).to_be_visible()
    expect(
        page.get_by_role("button", name=re.compile("^(Block|Unblock|Expire|Grant|Revoke)"))
    ).to_have_count(0)
    expect(page.get_by_role("link", name="Import")).to_have_count(0)


def test_customer_b_never_sees_customer_a(page: Page, demo: Demo) -> None:
    server, _ = demo
    b = create_customer(server.store, "Another operator")
    sign_in(page, server, b["apiKey"])
    for text in ("Ingrid", "04a23b1c"):
        page.get_by_label("idTag or name").fill(text)
        expect(page.locator("#found")).to_contain_text(
            "No driver has this idTag, name or externalId"
        )
    page.goto(f"{server.base_url}/admin/drivers/1")
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.get_by_text("Ingrid")).to_have_count(0)


def test_a_form_posted_without_its_csrf_token_is_refused(page: Page, demo: Demo) -> None:
    server, credentials = demo
    sign_in(page, server, credentials["apiKey"])
    page.goto(f"{server.base_url}/admin/drivers/1")
    form = page.locator("form", has=page.get_by_role("button", name="Block APP-ingrid"))
    form.locator('input[name="csrf"]').evaluate("input => input.remove()")
    form.get_by_role("button").click()
    expect(page.get_by_text("did not carry this session's security token")).to_be_visible()
    page.goto(f"{server.base_url}/admin/drivers/1")
    expect(_tag_row(page, "APP-ingrid").locator(".state")).to_have_text("active")


def test_import_is_checked_then_confirmed(page: Page, demo: Demo, tmp_path: Path) -> None:
    server, credentials = demo
    sign_in(page, server, credentials["apiKey"])
    page.get_by_role("link", name="Import").click()
    ready(page)
    csv = tmp_path / "new.csv"
    csv.write_text(
        "record,externalId,name,driver,idTag\ndriver,crm-browser,Browser Driver,,\n"
        "tag,,,crm-browser,BROWSER-1\n"
    )
    page.get_by_label("File to import").set_input_files(csv)
    page.get_by_role("button", name="Check the file").click()
    report = page.get_by_role("article", name="Import report")
    expect(report).to_contain_text("Checked new.csv: nothing was written yet")
    report.get_by_role("button", name="Import new.csv").click()
    expect(page.get_by_role("article", name="Import report")).to_contain_text("Imported new.csv")
    page.get_by_label("idTag or name").fill("browser-1")
    expect(page.locator("#found").get_by_role("link", name="Browser Driver")).to_be_visible()


_UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(e => e.type !== 'hidden' && e.type !== 'submit' && e.labels.length === 0
               && !e.getAttribute('aria-label'))
  .map(e => e.name)"""


def test_every_input_has_a_label_and_a_phone_needs_no_sideways_scroll(
    page: Page, demo: Demo
) -> None:
    server, credentials = demo
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, server, credentials["apiKey"])
    for path in (
        "/admin/drivers/1",
        "/admin/why",
        "/admin/sites",
        "/admin/sites/2",
        "/admin/import",
        "/admin/audit",
        "/admin/search?q=a",
    ):
        page.goto(server.base_url + path)
        assert page.evaluate(_UNLABELLED) == [], path
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)


def test_the_keyboard_reaches_search_and_a_driver(page: Page, demo: Demo) -> None:
    server, credentials = demo
    sign_in(page, server, credentials["apiKey"])
    page.get_by_label("idTag or name").focus()
    page.keyboard.type("crm-00001")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Find a driver")).to_be_visible()
    link = page.locator("main").get_by_role("link", name="Ingrid Hansen")
    link.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Ingrid Hansen")).to_be_visible()
