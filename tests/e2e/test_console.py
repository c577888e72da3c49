"""The admin console over real HTTP, on SQLite and PostgreSQL: sign-in and its cookie,
CSRF, read keys, tenant isolation, and that bad input is refused in words and changes
nothing. The browser walks the support-desk story in ``tests/browser``."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from html import unescape
from typing import Any

import httpx
import pytest

from evroster.services.audit import Actor
from evroster.services.chargers import record_live_state
from evroster.services.keys import revoke_key
from tests.conftest import Api, Server
from tests.e2e.helpers import charger, driver, site

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Console:
    """A browser without a browser: a cookie jar, and the CSRF token of the last page."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30)
        self.csrf = ""

    def page(self, path: str, status: int = 200, **kw: Any) -> str:
        response = self.http.get(path, **kw)
        assert response.status_code == status, (path, response.status_code, response.text)
        found = _CSRF.search(response.text)
        if found:
            self.csrf = found.group(1)
        return response.text

    def post(self, path: str, data: dict[str, str], **kw: Any) -> httpx.Response:
        return self.http.post(path, data={"csrf": self.csrf, **data}, **kw)

    def sign_in(self, key: str, next_page: str = "/admin/") -> httpx.Response:
        self.page("/admin/sign-in")
        response = self.post(f"/admin/sign-in?next={next_page}", {"key": key})
        if response.status_code == 303:  # a new session, with a CSRF token of its own
            self.page("/admin/why")
        return response

    def change(self, path: str, data: dict[str, str] | None = None) -> str:
        """Post a form that redirects back, and the page it leads to."""
        response = self.post(path, data or {})
        assert response.status_code == 303, (path, response.status_code, response.text)
        return self.page(response.headers["location"])

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def desk(server: Server, api: Api) -> Any:
    console = Console(server.base_url)
    assert console.sign_in(api.key).status_code == 303
    yield console
    console.close()


@pytest.fixture
def fleet(api: Api) -> dict[str, Any]:
    garage = site(api, "Garage on 5th street")
    level = site(api, "Level 1", garage["id"])
    elsewhere = site(api, "Harbour lot")
    cp = charger(api, f"CP-{api.customer_id}-1", level["id"])
    far = charger(api, f"CP-{api.customer_id}-9", elsewhere["id"])
    ada = driver(api, "Ada Lovelace", f"04A23B{api.customer_id:02X}", externalId="crm-ada")
    api.ok("PUT", f"/api/v1/drivers/{ada['id']}/sites/{garage['id']}", 204)
    tags = api.ok("GET", f"/api/v1/drivers/{ada['id']}/tags")
    return {
        "garage": garage,
        "elsewhere": elsewhere,
        "charger": cp,
        "far": far,
        "driver": ada,
        "tag": tags[0],
    }


def _tag(api: Api, tag_id: int) -> dict[str, Any]:
    result: dict[str, Any] = api.ok("GET", f"/api/v1/tags/{tag_id}")
    return result


def _text(html: str) -> str:
    """The page's words, without tags and extra spaces."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _why(console: Console, charger_id: str, id_tag: str) -> str:
    return _text(console.page(f"/admin/why?charger={charger_id}&idTag={id_tag}"))


def test_sign_in_keeps_a_strict_http_only_cookie_without_the_key(server: Server, api: Api) -> None:
    console = Console(server.base_url)
    response = console.sign_in(api.key, "/admin/sites")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/sites"
    cookie = response.headers["set-cookie"]
    assert "httponly" in cookie.lower()
    assert "samesite=strict" in cookie.lower()
    assert "path=/admin" in cookie.lower()
    assert re.search(r"max-age=28800", cookie.lower())
    secret = api.key.rsplit("_", 1)[1]
    assert secret not in cookie
    payload = cookie.split("=", 1)[1].split(".", 1)[0]
    assert secret not in base64.b64decode(payload + "==").decode()
    assert "Garage" not in console.page("/admin/sites")  # signed in, nothing there yet
    console.close()


def test_a_wrong_key_is_refused_in_words(server: Server, api: Api) -> None:
    console = Console(server.base_url)
    response = console.sign_in(api.key[:-2] + "xx")
    assert response.status_code == 401
    assert "This API key is not valid" in response.text
    still_out = console.http.get("/admin/sites")  # no session came of it
    assert still_out.status_code == 303
    assert still_out.headers["location"].startswith("/admin/sign-in")
    console.close()


def test_pages_send_a_stranger_to_sign_in(server: Server) -> None:
    http = httpx.Client(base_url=server.base_url)
    response = http.get("/admin/drivers/1?x=1")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/sign-in?next=%2Fadmin%2Fdrivers%2F1%3Fx%3D1"
    fragment = http.get("/admin/search?q=ada", headers={"HX-Request": "true"})
    assert fragment.status_code == 204
    assert fragment.headers["hx-redirect"].startswith("/admin/sign-in?next=")
    http.close()


def test_sign_in_never_leads_to_another_site(server: Server, api: Api) -> None:
    for target in ("https://evil.example/", "//evil.example/admin/", "/api/v1/drivers"):
        console = Console(server.base_url)
        response = console.sign_in(api.key, target)
        assert response.headers["location"] == "/admin/", target
        console.close()


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(
    desk: Console, api: Api, fleet: dict[str, Any]
) -> None:
    tag = fleet["tag"]
    path = f"/admin/drivers/{fleet['driver']['id']}/tags/{tag['id']}/block"
    for data in ({}, {"csrf": "forged"}):
        response = desk.http.post(path, data=data)
        assert response.status_code == 403
        assert "security token" in response.text
    assert _tag(api, tag["id"])["blocked"] is False
    audit = api.ok("GET", "/api/v1/audit?object=tag")
    assert all(e["action"] != "update" for e in audit["items"])


def test_support_desk_story(desk: Console, api: Api, fleet: dict[str, Any]) -> None:
    ada, tag = fleet["driver"], fleet["tag"]
    found = desk.page(f"/admin/search?q={tag['idTag'].lower()}", headers={"HX-Request": "true"})
    assert f'href="/admin/drivers/{ada["id"]}"' in found
    assert "<html" not in found  # a fragment for htmx, not a page

    page = desk.change(f"/admin/drivers/{ada['id']}/tags/{tag['id']}/block")
    assert f"Tag {tag['idTag']} blocked." in _text(page)
    assert re.search(r'class="state state-blocked">blocked<', page)
    assert _tag(api, tag["id"])["blocked"] is True

    why = _text(
        desk.page(f"/admin/why?charger={fleet['charger']['chargerId']}&idTag={tag['idTag']}")
    )
    assert "Refused blocked" in why
    assert "Reason: The tag is blocked." in why

    page = desk.change(f"/admin/drivers/{ada['id']}/tags/{tag['id']}/unblock")
    assert re.search(r'class="state state-active">active<', page)
    why = _text(
        desk.page(f"/admin/why?charger={fleet['charger']['chargerId']}&idTag={tag['idTag']}")
    )
    assert "Accepted accepted" in why
    assert f"The driver's grant on site Garage on 5th street #{fleet['garage']['id']}" in why

    far = fleet["far"]["chargerId"]
    assert far not in desk.page(f"/admin/drivers/{ada['id']}")
    page = desk.change(f"/admin/drivers/{ada['id']}/sites", {"site": "harbour LOT"})
    assert f"Granted site Harbour lot #{fleet['elsewhere']['id']}" in _text(page)
    assert far in page
    document = api.ok("GET", f"/api/v1/drivers/{ada['id']}")
    assert {s["id"] for s in document["chargerGroups"]} == {
        fleet["garage"]["id"],
        fleet["elsewhere"]["id"],
    }

    page = desk.change(f"/admin/drivers/{ada['id']}/sites/{fleet['elsewhere']['id']}/revoke")
    assert far not in page


def test_tags_are_added_expired_and_shown_with_their_state(
    desk: Console, api: Api, fleet: dict[str, Any]
) -> None:
    ada = fleet["driver"]
    page = desk.change(
        f"/admin/drivers/{ada['id']}/tags",
        {"idTag": "later-card", "tokenName": "Spare", "startDate": "2099-01-01"},
    )
    assert "Tag later-card added." in _text(page)
    row = re.search(r"<code>later-card</code>.*?</tr>", page, re.S)
    assert row and "not yet valid" in row.group() and "2099-01-01 00:00 UTC" in row.group()

    tag = fleet["tag"]
    page = desk.change(f"/admin/drivers/{ada['id']}/tags/{tag['id']}/expire")
    assert "no longer charges" in page
    assert _tag(api, tag["id"])["expiringDate"] is not None
    why = _text(
        desk.page(f"/admin/why?charger={fleet['charger']['chargerId']}&idTag={tag['idTag']}")
    )
    assert "Refused expired" in why


@pytest.mark.parametrize(
    ("form", "reason"),
    [
        ({"idTag": "x" * 40}, "idTag: "),
        ({"idTag": "ok-card", "expiringDate": "next week"}, "expiringDate: use YYYY-MM-DD"),
        ({"idTag": ""}, "idTag: "),
    ],
)
def test_a_bad_tag_is_refused_in_words_and_adds_nothing(
    desk: Console, api: Api, fleet: dict[str, Any], form: dict[str, str], reason: str
) -> None:
    ada = fleet["driver"]
    page = desk.change(f"/admin/drivers/{ada['id']}/tags", form)
    assert reason in _text(page)
    assert 'class="flash-error"' in page
    assert len(api.ok("GET", f"/api/v1/drivers/{ada['id']}/tags")) == 1


def test_a_duplicate_idtag_and_an_unknown_site_are_refused_in_words(
    desk: Console, api: Api, fleet: dict[str, Any]
) -> None:
    ada, tag = fleet["driver"], fleet["tag"]
    page = _text(desk.change(f"/admin/drivers/{ada['id']}/tags", {"idTag": tag["idTag"].lower()}))
    assert "already" in page
    page = _text(desk.change(f"/admin/drivers/{ada['id']}/sites", {"site": "No such place"}))
    assert "No site matches 'No such place'" in page
    page = _text(desk.change(f"/admin/drivers/{ada['id']}/chargers", {"charger": "NOPE-1"}))
    assert "No charger matches 'NOPE-1'" in page
    document = api.ok("GET", f"/api/v1/drivers/{ada['id']}")
    assert [s["id"] for s in document["chargerGroups"]] == [fleet["garage"]["id"]]
    assert document["chargers"] == []


def test_a_charger_is_granted_by_its_name_and_revoked(
    desk: Console, api: Api, fleet: dict[str, Any]
) -> None:
    ada, far = fleet["driver"], fleet["far"]
    page = desk.change(f"/admin/drivers/{ada['id']}/chargers", {"charger": far["chargerName"]})
    assert f"Granted charger {far['chargerId']}." in _text(page)
    assert [c["chargerId"] for c in api.ok("GET", f"/api/v1/drivers/{ada['id']}")["chargers"]] == [
        far["chargerId"]
    ]
    page = desk.change(f"/admin/drivers/{ada['id']}/chargers/revoke", {"charger": far["chargerId"]})
    assert f"Charger {far['chargerId']} revoked." in _text(page)
    assert api.ok("GET", f"/api/v1/drivers/{ada['id']}")["chargers"] == []


def test_the_driver_is_edited(desk: Console, api: Api, fleet: dict[str, Any]) -> None:
    ada = fleet["driver"]
    page = desk.change(
        f"/admin/drivers/{ada['id']}",
        {"name": "Ada King", "externalId": "crm-ada-2", "homeSiteId": "garage on 5th street"},
    )
    assert "Driver saved." in page
    document = api.ok("GET", f"/api/v1/drivers/{ada['id']}")
    assert (document["name"], document["externalId"], document["homeGroupId"]) == (
        "Ada King",
        "crm-ada-2",
        fleet["garage"]["id"],
    )
    page = desk.change(f"/admin/drivers/{ada['id']}", {"name": ""})
    assert "name: " in _text(page)
    assert api.ok("GET", f"/api/v1/drivers/{ada['id']}")["name"] == "Ada King"


def test_a_read_key_sees_everything_and_changes_nothing(
    server: Server, api: Api, fleet: dict[str, Any]
) -> None:
    reader = Console(server.base_url)
    assert reader.sign_in(api.read_key().key).status_code == 303
    ada, tag = fleet["driver"], fleet["tag"]
    page = reader.page(f"/admin/drivers/{ada['id']}")
    assert "Ada Lovelace" in page and tag["idTag"] in page
    assert "Block " not in page and "Grant site" not in page and "Save driver" not in page
    assert "/admin/import" not in page
    for path, data in (
        (f"/admin/drivers/{ada['id']}/tags/{tag['id']}/block", {}),
        (f"/admin/drivers/{ada['id']}/sites", {"site": "Harbour lot"}),
        (f"/admin/drivers/{ada['id']}", {"name": "Mallory"}),
    ):
        response = reader.post(path, data)
        assert response.status_code == 403, path
        assert "may read but not change" in response.text
    assert _tag(api, tag["id"])["blocked"] is False
    assert api.ok("GET", f"/api/v1/drivers/{ada['id']}")["name"] == "Ada Lovelace"
    reader.close()


def test_customer_b_never_sees_customer_a(
    server: Server, api: Api, other: Api, fleet: dict[str, Any]
) -> None:
    mine = driver(other, "Bob of B", "B0B0B0B0")
    b = Console(server.base_url)
    assert b.sign_in(other.key).status_code == 303
    ada, tag = fleet["driver"], fleet["tag"]
    assert "Ada" not in b.page(f"/admin/drivers/{ada['id']}", 404)
    for text in (tag["idTag"], "Ada", "crm-ada"):
        found = b.page(f"/admin/search?q={text}", headers={"HX-Request": "true"})
        assert "Ada" not in found and "No driver has this" in found
    assert "Garage" not in b.page(f"/admin/sites/{fleet['garage']['id']}", 404)
    assert "Garage" not in b.page("/admin/sites")
    why = _why(b, fleet["charger"]["chargerId"], tag["idTag"])
    assert "unknown charger" in why and "Ada" not in why
    assert fleet["charger"]["chargerId"] not in b.page("/admin/pick/chargers?charger=CP-")
    assert "Garage" not in b.page("/admin/pick/sites?site=Garage")
    assert "crm-ada" not in b.page("/admin/audit")
    # A's objects cannot be reached through B's own driver either.
    page = _text(
        b.change(f"/admin/drivers/{mine['id']}/sites", {"site": str(fleet["garage"]["id"])})
    )
    assert "Site not found" in page
    response = b.post(f"/admin/drivers/{ada['id']}/tags/{tag['id']}/block", {})
    assert response.status_code == 303
    assert "not found" in _text(b.page(response.headers["location"], 404)).lower()
    assert _tag(api, tag["id"])["blocked"] is False
    assert other.ok("GET", f"/api/v1/drivers/{mine['id']}")["chargerGroups"] == []
    b.close()


def test_a_revoked_key_ends_its_sessions(server: Server, api: Api, fleet: dict[str, Any]) -> None:
    reader_api = api.read_key()
    reader = Console(server.base_url)
    assert reader.sign_in(reader_api.key).status_code == 303
    reader.page("/admin/sites")
    key_pk = api.ok("GET", "/api/v1/audit?object=api_key")["items"][-1]["objectId"]
    revoke_key(server.store, Actor(api.customer_id, None, "cli"), int(key_pk))
    response = reader.http.get("/admin/sites")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/sign-in")
    reader.close()


def test_sign_out_ends_the_session(desk: Console) -> None:
    desk.page("/admin/sites")
    forged = desk.http.post("/admin/sign-out", data={"csrf": "forged"})
    assert forged.status_code == 403 and "security token" in forged.text
    assert desk.http.get("/admin/sites").status_code == 200  # still signed in
    response = desk.post("/admin/sign-out", {})
    assert response.status_code == 303
    assert desk.http.get("/admin/sites").status_code == 303


def test_console_pages_carry_a_strict_content_security_policy(desk: Console) -> None:
    response = desk.http.get("/admin/why")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response.headers["x-frame-options"] == "DENY"
    script = desk.http.get("/admin/static/htmx-2.0.11.min.js")
    assert script.status_code == 200 and "htmx" in script.text[:2000]


def test_unknown_pages_and_ids_answer_in_words(desk: Console) -> None:
    assert "no such page" in desk.page("/admin/nothing-here", 404)
    assert "no such driver" in desk.page("/admin/drivers/99999999", 404)
    assert "no such site" in desk.page("/admin/sites/99999999", 404)
    assert "cannot be used that way" in desk.http.put("/admin/sites").text


def test_sites_show_the_tree_with_socket_counts_and_who_has_access(
    desk: Console, api: Api, fleet: dict[str, Any]
) -> None:
    level = api.ok("GET", "/api/v1/sites", params={"search": "Level 1"})["items"][0]
    record_live_state(
        api.server.store,
        api.customer_id,
        fleet["charger"]["chargerId"],
        connected=True,
        seen_at=datetime.now(UTC),
        socket_status={1: "Faulted", 2: "Available"},
    )
    tree = api.ok("GET", f"/api/v1/sites/{fleet['garage']['id']}/tree")
    counts = (tree["onlineSocket"], tree["offlineSocket"], tree["errorSocket"])
    assert counts == (1, 0, 1)

    page = _text(desk.page("/admin/sites"))
    assert "Garage on 5th street" in page and "Level 1" in page and "Harbour lot" in page
    garage_id, harbour_id = fleet["garage"]["id"], fleet["elsewhere"]["id"]
    assert f"Garage on 5th street #{garage_id} 1 online 0 offline 1 error" in page
    assert f"Harbour lot #{harbour_id} 0 online 2 offline 0 error" in page

    garage = _text(desk.page(f"/admin/sites/{fleet['garage']['id']}"))
    assert "1 online 0 offline 1 error with its subsites" in garage
    assert "No charger stands at this site itself." in garage
    assert f"Level 1 #{level['id']} 1 online 0 offline 1 error" in garage
    assert "Ada Lovelace" in garage and "1 drivers granted" in garage
    floor = desk.page(f"/admin/sites/{level['id']}")
    assert fleet["charger"]["chargerId"] in floor and "Faulted" in floor
    assert "Ada Lovelace" in floor  # granted the garage above it
    harbour = desk.page(f"/admin/sites/{fleet['elsewhere']['id']}")
    assert "Ada Lovelace" not in harbour and fleet["far"]["chargerId"] in harbour


_CSV = (
    "record,externalId,name,driver,idTag\ndriver,crm-new,New Driver,,\ntag,,,crm-new,NEW-CARD-1\n"
)


def test_import_checks_then_writes_only_the_checked_file(desk: Console, api: Api) -> None:
    desk.page("/admin/import")
    files = {"file": ("drivers.csv", _CSV.encode(), "text/csv")}
    checked = desk.post("/admin/import", {"step": "check"}, files=files)
    assert checked.status_code == 200
    assert "nothing was written yet" in checked.text
    assert re.search(r"<td>2</td><td>0</td><td>0</td><td>0</td>", checked.text)
    assert api.ok("GET", "/api/v1/drivers?search=crm-new")["totalRecords"] == 0
    digest = re.search(r'name="checked" value="([0-9a-f]{64})"', checked.text)
    assert digest

    changed = {"file": ("drivers.csv", _CSV.replace("NEW-CARD-1", "NEW-CARD-2").encode())}
    refused = desk.post(
        "/admin/import", {"step": "confirm", "checked": digest.group(1)}, files=changed
    )
    assert refused.status_code == 409 and "not the file that was checked" in refused.text
    assert api.ok("GET", "/api/v1/drivers?search=crm-new")["totalRecords"] == 0

    done = desk.post("/admin/import", {"step": "confirm", "checked": digest.group(1)}, files=files)
    assert done.status_code == 200 and "Imported drivers.csv" in done.text
    assert api.ok("GET", "/api/v1/drivers?search=crm-new")["totalRecords"] == 1


def test_import_reports_rejected_rows_with_line_numbers(desk: Console, api: Api) -> None:
    desk.page("/admin/import")
    bad = _CSV + "tag,,,no-such-driver,ORPHAN-1\n"
    response = desk.post(
        "/admin/import", {"step": "check"}, files={"file": ("bad.csv", bad.encode())}
    )
    assert response.status_code == 200
    assert re.search(r"<td>4</td><td>driver</td><td>[^<]*no-such-driver", response.text)
    assert 'name="checked"' not in response.text  # nothing to confirm
    unreadable = desk.post(
        "/admin/import", {"step": "check"}, files={"file": ("x.csv", b"\xff\xfe\x00garbage")}
    )
    assert unreadable.status_code == 400 and "cannot be read" in unreadable.text
    assert api.ok("GET", "/api/v1/drivers")["totalRecords"] == 0


def test_audit_filters_by_object_and_time(desk: Console, api: Api, fleet: dict[str, Any]) -> None:
    tag = fleet["tag"]
    desk.change(f"/admin/drivers/{fleet['driver']['id']}/tags/{tag['id']}/block")
    page = _text(desk.page("/admin/audit?object=tag"))
    assert f"tag {tag['id']} update" in page and "blocked : false → true" in page
    assert "site " not in page.split("Changes", 1)[1]
    assert "0 entries" in desk.page("/admin/audit?since=2099-01-01")
    bad = desk.page("/admin/audit?since=yesterday", 400)
    assert "since: use YYYY-MM-DD" in bad


def test_search_results_are_paged(desk: Console, api: Api) -> None:
    for n in range(23):
        api.ok("POST", "/api/v1/drivers", 201, json={"name": f"Pat {n:02d}"})
    first = desk.page("/admin/search?q=pat")
    assert re.findall(r">Pat (\d\d)</a>", first) == [f"{n:02d}" for n in range(20)]
    assert "More drivers" in first and "Previous" not in first
    second = desk.page("/admin/search?q=PAT&page=2")
    assert re.findall(r">Pat (\d\d)</a>", second) == ["20", "21", "22"]
    assert "More drivers" not in second and "Previous" in second
