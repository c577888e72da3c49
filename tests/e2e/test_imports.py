"""Bulk import and export over HTTP, on both databases: the round trip into an empty
customer, re-import changing nothing, bad rows reported by line and column with nothing
written, dry runs, the good-rows mode, and the edges of the route."""

from __future__ import annotations

import csv
import io
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evroster.config import Settings
from evroster.transfer.columns import HEADER as IMPORT_HEADER
from tests.conftest import Api, Server, new_customer, repo_root
from tests.e2e.helpers import charger, driver, site

CSV = {"Content-Type": "text/csv"}


def build_fleet(api: Api, seed: int = 4) -> None:
    """A tree four levels deep with several branches, every kind of field set somewhere,
    and some sites and drivers without an externalId."""
    rng = random.Random(seed)
    root = site(api, "Region", externalId="R", costId="c-1", payerId=7, groupType="SUB_CPO")
    levels = [[root["id"]]]
    for depth in range(1, 4):
        level = []
        for parent in levels[-1]:
            for branch in range(2):
                ext = {"externalId": f"S{depth}-{parent}-{branch}"} if branch == 0 else {}
                level.append(site(api, f"Site {depth}.{branch}", parent, groupType=2, **ext)["id"])
        levels.append(level)
    leaves = levels[-1]
    chargers = []
    for n, leaf in enumerate(leaves):
        extra: dict[str, Any] = {}
        if n % 3 == 0:
            extra = {
                "locationInfo": {"latitude": 59.91 + n / 1000, "city": "Oslo", "country": "NO"},
                "chargerConfigurations": [{"configName": "MaxCurrent", "configValue": "32"}],
                "capabilities": ["RemoteStart"],
                "customProperties": {"wing": f"W{n}"},
                "pushIntegrationEnabled": True,
            }
        chargers.append(
            charger(api, f"CP-{n:03d};x" if n == 5 else f"CP-{n:03d}", leaf, 2, **extra)
        )
    for n in range(40):
        extra = {"externalId": f"DRV-{n:04d}"} if n % 7 else {}
        if n % 5 == 0:
            extra["homeSiteId"] = rng.choice(leaves)
            extra["integratedExternalIds"] = [{"referenceType": 1, "externalId": f"crm-{n}"}]
        doc = driver(api, f"Driver {n}", **extra)
        for t in range(1 + n % 3):
            tag: dict[str, Any] = {"idTag": f"{n:04X}{t:02X}AA"}
            if t == 1:
                tag |= {"blocked": True, "tokenName": "Spare", "groupId": f"G{n % 4}"}
            if t == 2:
                tag |= {
                    "startDate": "2026-01-01T00:00:00.000Z",
                    "expiringDate": "2027-06-30T12:30:00.250Z",
                    "tokenType": "ISO14443",
                    "maxTransactions": 2,
                    "invoicable": True,
                }
            api.ok("POST", f"/api/v1/drivers/{doc['id']}/tags", 201, json=tag)
        for s in rng.sample([s for level in levels for s in level], n % 3):
            api.ok("PUT", f"/api/v1/drivers/{doc['id']}/sites/{s}", 204)
        for c in rng.sample(chargers, n % 2):
            api.ok("PUT", f"/api/v1/drivers/{doc['id']}/chargers/{c['chargerId']}", 204)


def export(api: Api) -> str:
    response = api.get("/api/v1/exports/drivers.csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return response.text


def import_file(api: Api, body: str, status: int = 200, query: str = "", **kw: Any) -> Any:
    headers = kw.pop("headers", CSV)
    return api.ok("POST", f"/api/v1/imports{query}", status, content=body.encode(), headers=headers)


def _audit_total(api: Api) -> int:
    total: int = api.ok("GET", "/api/v1/audit?limit=1")["totalRecords"]
    return total


def test_export_into_an_empty_customer_reproduces_it(api: Api, other: Api) -> None:
    build_fleet(api)
    exported = export(api)
    rows = list(csv.DictReader(io.StringIO(exported)))
    kinds = [r["record"] for r in rows]
    assert kinds.count("site") == 15 and kinds.count("charger") == 8
    assert kinds.count("driver") == 40 and kinds.count("tag") == 79
    # Keys stand in for what has none; a chargerId with ';' is quoted as JSON in lists.
    assert any(r["externalId"].startswith("evroster-site-") for r in rows)
    assert any(r["externalId"].startswith("evroster-driver-") for r in rows)

    report = import_file(other, exported)
    assert report["committed"] is True and report["dryRun"] is False
    assert report["byRecord"]["tag"] == {"created": 79, "updated": 0, "unchanged": 0, "rejected": 0}
    assert (report["created"], report["updated"], report["rejected"]) == (len(rows), 0, 0)
    assert export(other) == exported
    # The same driver document, ids aside.
    for id_tag in ("000100AA", "000502AA"):
        mine, theirs = (c.ok("GET", f"/api/v1/drivers/by-idtag/{id_tag}") for c in (api, other))
        assert _without_ids(mine) == _without_ids(theirs)

    # Applying it again changes nothing and writes nothing, not even to the audit trail.
    trail = _audit_total(other)
    again = import_file(other, exported)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, len(rows))
    assert _audit_total(other) == trail
    # Nor does importing a customer's own export into itself.
    own = import_file(api, exported)
    assert (own["created"], own["updated"], own["unchanged"]) == (0, 0, len(rows))


def _without_ids(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            # The import gives what had no externalId the one its export made up.
            k: "(none)" if k == "externalId" and (v is None or v.startswith("evroster-")) else v
            for k, v in ((k, _without_ids(v)) for k, v in value.items())
            if k not in ("id", "homeGroupId", "groupId", "lastUpdated")
        }
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    return value


def test_changes_in_a_file_update_and_are_audited(api: Api) -> None:
    build_fleet(api)
    rows = list(csv.DictReader(io.StringIO(export(api))))
    header = list(rows[0])
    target = next(r for r in rows if r["record"] == "tag" and r["blocked"] == "false")
    target["blocked"] = "true"
    moved = next(r for r in rows if r["record"] == "driver" and r["externalId"] == "DRV-0001")
    moved["sites"] = "R"
    # A file may give only some columns: the others stay as they are.
    partial = io.StringIO()
    writer = csv.DictWriter(partial, ["record", "externalId", "name"], lineterminator="\n")
    writer.writeheader()
    writer.writerow({"record": "driver", "externalId": "DRV-0002", "name": "Renamed"})
    out = io.StringIO()
    writer = csv.DictWriter(out, header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    before = _audit_total(api)
    report = import_file(api, out.getvalue())
    assert (report["updated"], report["created"]) == (2, 0)
    assert import_file(api, partial.getvalue())["updated"] == 1
    doc = api.ok("GET", f"/api/v1/drivers/by-idtag/{target['idTag']}")
    tag = next(t for t in doc["tags"] if t["idTag"] == target["idTag"])
    assert api.ok("GET", f"/api/v1/tags/{tag['id']}")["blocked"] is True
    renamed = api.ok("GET", "/api/v1/drivers/by-external-id/DRV-0002")
    assert renamed["name"] == "Renamed" and renamed["tags"]
    entries = [
        e
        for page in range(1, 4)
        for e in api.ok("GET", f"/api/v1/audit?limit=100&page={page}")["items"]
    ]
    assert len(entries) == _audit_total(api)
    imported = [e for e in entries if e["via"] == "import"]
    assert len(imported) == _audit_total(api) - before
    assert {(e["object"], e["action"]) for e in imported} >= {
        ("tag", "update"),
        ("driver", "update"),
    }
    assert all(e["keyId"] is not None for e in imported)


HEADER = ["record", "externalId", "name", "parent", "chargerId", "site", "sites"]
HEADER += ["idTag", "driver", "startDate", "expiringDate", "blocked", "maxTransactions"]


def _bad_row(kind: int, n: int) -> tuple[dict[str, str], str]:
    """A bad row of one of twelve kinds, and the column it must be reported on."""
    return [
        (
            {"record": "tag", "idTag": f"BAD{n:04d}", "driver": "D0", "startDate": "soon"},
            "startDate",
        ),
        ({"record": "tag", "idTag": f"BAD{n:04d}", "driver": f"nobody-{n}"}, "driver"),
        ({"record": "tag", "idTag": f"Ünï{n}", "driver": "D0"}, "idTag"),
        ({"record": "driver", "externalId": f"NEW-{n}"}, "name"),
        (
            {"record": "driver", "externalId": f"NEW-{n}", "name": "X", "sites": "G;nowhere"},
            "sites",
        ),
        ({"record": "tag", "idTag": f"BAD{n:04d}", "driver": "D0", "blocked": "maybe"}, "blocked"),
        (
            {"record": "tag", "idTag": f"BAD{n:04d}", "driver": "D0", "maxTransactions": "0"},
            "maxTransactions",
        ),
        ({"record": "planet", "externalId": f"P{n}"}, "record"),
        ({"record": "tag", "idTag": "d0-tag-1", "driver": "D1"}, "idTag"),
        (
            {
                "record": "tag",
                "idTag": f"BAD{n:04d}",
                "driver": "D0",
                "startDate": "2027-01-01T00:00:00Z",
                "expiringDate": "2026-01-01T00:00:00Z",
            },
            "startDate",
        ),
        (
            {"record": "site", "externalId": f"SUB-{n}", "name": "S", "parent": "no-such-site"},
            "parent",
        ),
        ({"record": "charger", "chargerId": f"CP-BAD-{n}", "site": "no-such-site"}, "site"),
    ][kind % 12]


def _file_with_bad_rows(seed: int) -> tuple[str, list[tuple[int, str]], int]:
    rng = random.Random(seed)
    good = [{"record": "site", "externalId": "G", "name": "Garage"}]
    for n in range(150):
        good.append(
            {"record": "driver", "externalId": f"D{n}", "name": f"Driver {n}", "sites": "G"}
        )
    good.append({"record": "tag", "idTag": "D0-TAG-1", "driver": "D0"})  # the original
    for n in range(1, 300):
        good.append({"record": "tag", "idTag": f"D{n % 150}-TAG-{n}", "driver": f"D{n % 150}"})
    rows: list[tuple[dict[str, str], str | None]] = [(r, None) for r in good]
    # Scattered through the file, but after the tag that kind 8 repeats.
    original = next(i for i, (r, _) in enumerate(rows) if r.get("idTag") == "D0-TAG-1")
    for n in range(50):
        rows.insert(rng.randrange(original + 1, len(rows) + 1), _bad_row(n, n))
    expected = [(line, column) for line, (_, column) in enumerate(rows, 2) if column is not None]
    out = io.StringIO()
    writer = csv.DictWriter(out, HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerows(r for r, _ in rows)
    return out.getvalue(), expected, len(good)


def test_every_bad_row_is_reported_and_nothing_is_written(api: Api) -> None:
    body, expected, good = _file_with_bad_rows(seed=50)
    assert len(expected) == 50
    before, trail = export(api), _audit_total(api)

    problem = import_file(api, body, 400)
    assert problem["detail"] == "50 rows rejected; nothing was written"
    report = problem["report"]
    assert [(p["line"], p["column"]) for p in report["problems"]] == expected
    assert problem["errors"][0]["field"] == f"line {expected[0][0]}: {expected[0][1]}"
    assert report["committed"] is False and report["rejected"] == 50
    assert report["created"] == good  # what the good rows would have done
    assert export(api) == before and _audit_total(api) == trail

    dry = import_file(api, body, query="?dryRun=true")
    assert dry["dryRun"] is True and dry["committed"] is False
    assert (dry["created"], dry["rejected"]) == (good, 50)
    assert export(api) == before and _audit_total(api) == trail

    kept = import_file(api, body, query="?keepGoodRows=true")
    assert kept["committed"] is True
    assert [(p["line"], p["column"]) for p in kept["problems"]] == expected
    assert kept["created"] == good
    exported = list(csv.DictReader(io.StringIO(export(api))))
    assert sum(r["record"] == "tag" for r in exported) == 300
    assert not any(r["idTag"].startswith("BAD") for r in exported)


def test_import_reads_json_lines_and_refuses_what_it_cannot_read(api: Api) -> None:
    jsonl = "\n".join(
        [
            '{"record": "site", "externalId": "J", "name": "JSON site"}',
            "",
            '{"record": "driver", "externalId": "JD", "name": "J", "sites": ["J"]}',
            '{"record": "tag", "idTag": "JT-1", "driver": "JD", "blocked": true}',
            "[1, 2]",
        ]
    )
    problem = import_file(api, jsonl, 400, headers={"Content-Type": "application/x-ndjson"})
    assert problem["report"]["problems"] == [
        {"line": 5, "column": "record", "message": "not a JSON object"}
    ]
    report = import_file(
        api, jsonl.rsplit("\n", 1)[0], headers={"Content-Type": "application/x-ndjson"}
    )
    assert report["created"] == 3
    doc = api.ok("GET", "/api/v1/drivers/by-idtag/jt-1")
    assert api.ok("GET", f"/api/v1/tags/{doc['tags'][0]['id']}")["blocked"] is True
    assert doc["chargerGroups"][0]["groupName"] == "JSON site"

    for body, headers, detail in [
        ("", CSV, "The file is empty: a CSV file starts with its header line"),
        ("record,email\n", CSV, "The header must name a record column and known columns, "
         "each once; unknown: 'email'"),
        ("x", {"Content-Type": "application/json"}, "The file's Content-Type must be text/csv or "
         "application/x-ndjson"),
        ('record,name\nsite,"unterminated\n', CSV, None),
    ]:  # fmt: skip
        problem = import_file(api, body, 400, headers=headers)
        assert detail is None or problem["detail"] == detail
    response = api.post("/api/v1/imports", content=b"record\n\xff\xfe", headers=CSV)
    assert response.status_code == 400 and "not UTF-8" in response.json()["detail"]
    reader = api.read_key()
    reader.ok("POST", "/api/v1/imports", 403, content=b"record\n", headers=CSV)
    assert reader.get("/api/v1/exports/drivers.csv").status_code == 200


def test_one_customer_cannot_reach_another_through_a_file(api: Api, other: Api) -> None:
    build_fleet(api)
    mine = export(api)
    lines = ["record,externalId,name,sites,chargers", "driver,INTRUDER,X,R,CP-001"]
    problem = import_file(other, "\n".join(lines) + "\n", 400)
    assert {(p["column"], p["message"]) for p in problem["report"]["problems"]} == {
        ("sites", "no site with externalId 'R'")
    }
    lines = ["record,externalId,name,chargers", "driver,INTRUDER,X,CP-001"]
    problem = import_file(other, "\n".join(lines) + "\n", 400)
    assert problem["report"]["problems"][0]["message"] == "no charger with chargerId 'CP-001'"
    # B's tag with A's idTag is B's own: namespaces are per customer.
    body = "record,externalId,name\ndriver,B1,B\n" + "record,idTag,driver\n"
    assert import_file(other, body, 400)["report"]["problems"][0]["column"] == "record"
    good = "record,externalId,name,idTag,driver\ndriver,B1,B,,\ntag,,,000100AA,B1\n"
    assert import_file(other, good)["created"] == 2
    assert export(api) == mine
    assert "INTRUDER" not in export(other) and "Driver 1" not in export(other)


@pytest.fixture
def small_server(database_urls: dict[str, str]) -> Any:
    url = database_urls["sqlite"]
    with Server(url, Settings(database_url=url, import_max_bytes=2048)) as server:
        yield server


def test_a_file_beyond_the_limit_is_refused(small_server: Server) -> None:
    api = new_customer(small_server)
    body = "record,externalId,name\n" + "".join(f"site,S{n},Site {n}\n" for n in range(200))
    problem = import_file(api, body, 413)
    assert problem["detail"] == "The request body is larger than 2048 bytes"
    assert export(api).count("\n") == 1  # the header alone
    api.close()


def test_the_documented_examples_import(api: Api) -> None:
    examples = repo_root() / "docs" / "examples"
    report = import_file(api, (examples / "fleet.csv").read_text())
    assert report["byRecord"] == {
        "site": {"created": 4, "updated": 0, "unchanged": 0, "rejected": 0},
        "charger": {"created": 2, "updated": 0, "unchanged": 0, "rejected": 0},
        "driver": {"created": 2, "updated": 0, "unchanged": 0, "rejected": 0},
        "tag": {"created": 3, "updated": 0, "unchanged": 0, "rejected": 0},
    }
    ingrid = api.ok("GET", "/api/v1/drivers/by-idtag/04a23b1c")
    assert ingrid["name"] == "Ingrid Hansen" and ingrid["homeGroupName"] == "Aker Brygge P-hus"
    assert [g["groupName"] for g in ingrid["chargerGroups"]] == ["Aker Brygge P-hus"]
    floors = ingrid["chargerGroups"][0]["subgroups"]
    assert [c["chargerId"] for f in floors for c in f["chargers"]] == ["AKB-0001", "AKB-0002"]
    ola = api.ok("GET", "/api/v1/drivers/by-external-id/CRM-1002")
    assert [c["chargerId"] for c in ola["chargers"]] == ["AKB-0002"]
    decision = api.ok("GET", "/api/v1/chargers/AKB-0001/authorize/76C14107")
    assert decision["decision"] == "blocked"
    jsonl = (examples / "fleet.jsonl").read_text()
    report = import_file(api, jsonl, headers={"Content-Type": "application/x-ndjson"})
    assert (report["created"], report["rejected"]) == (5, 0)
    again = import_file(api, (examples / "fleet.csv").read_text())
    assert (again["unchanged"], again["created"], again["updated"]) == (11, 0, 0)


def test_references_left_empty_are_row_errors(api: Api) -> None:
    setup = "record,externalId,name,chargerId,site,idTag,driver\n"
    setup += "site,S,Site,,,,\ncharger,,,CP-E,S,,\ndriver,D,Driver,,,,\ntag,,,,,E-1,D\n"
    assert import_file(api, setup)["created"] == 4
    body = "record,chargerId,site,idTag,driver\ncharger,CP-E,,,\ntag,,,E-1,\ntag,,,E-2,\n"
    problem = import_file(api, body, 400)
    assert [(p["line"], p["column"], p["message"]) for p in problem["report"]["problems"]] == [
        (2, "site", "a charger stands in a site"),
        (3, "driver", "a tag belongs to a driver"),
        (4, "driver", "a tag belongs to a driver"),
    ]
    # A site's empty parent makes it a root; a driver's empty home site clears it.
    body = "record,externalId,parent,homeSite\nsite,S,,\ndriver,D,,\n"
    assert import_file(api, body)["unchanged"] == 2


_CELLS = st.one_of(
    st.just(""),
    st.sampled_from(["true", "0", "-1", "2026-01-01T00:00:00Z", "[]", "{}", '["S"]', "S", "D"]),
    st.sampled_from(['[{"id": 1}]', '[{"id": "x"}]', "[1, 2]", '{"a": "b"}', "SUB_CPO", "9"]),
    st.text(max_size=40),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["site", "charger", "driver", "tag", "other", ""]),
            st.dictionaries(st.sampled_from(IMPORT_HEADER[1:]), _CELLS, max_size=8),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_any_file_gets_a_report_never_a_server_error(api: Api, rows: list[Any]) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(IMPORT_HEADER)
    for kind, cells in rows:
        writer.writerow([kind, *(cells.get(c, "") for c in IMPORT_HEADER[1:])])
    before = export(api)
    response = api.post("/api/v1/imports", content=out.getvalue().encode(), headers=CSV)
    assert response.status_code in (200, 400), response.text
    body = response.json()
    if response.status_code == 400:
        assert export(api) == before
        assert "report" not in body or body["report"]["committed"] is False
    else:
        assert body["rejected"] == 0 and body["committed"] is True
