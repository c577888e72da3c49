"""Bulk import: upsert sites, chargers, drivers (with their grants) and tags from rows.

Rows arrive validated field by field (``transfer/rows.py``); this module applies the
rules that need the database: keys unique within the file and the customer, references
that resolve, site moves that make no cycle, an idTag free of other tags' aliases.

Everything happens in one transaction under the customer's lock, so a file is applied
whole or not at all; a dry run is the same work rolled back, which is why it can
report what a file would change, rows that depend on other rows of the file included.
Keys: a site and a driver by ``externalId``, a charger by ``chargerId``, a tag by its
idTag (its canonical key). A field a row leaves out stays as it is; a present but
empty one is cleared. Re-applying a file changes nothing and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from evroster.domain.idtags import normalize_id_tag
from evroster.domain.sites import creates_cycle
from evroster.errors import NotFound
from evroster.services.audit import Actor, changes, entry
from evroster.services.import_state import ImportState, RowProblem, synthetic_id
from evroster.storage.base import Row, Store

__all__ = ["KINDS", "Kind", "Problem", "Record", "Report", "run_import"]

Kind = Literal["site", "charger", "driver", "tag"]
KINDS: tuple[Kind, ...] = ("site", "charger", "driver", "tag")
Outcome = Literal["created", "updated", "unchanged"]
# New drivers and tags per insert statement; flushed as they fill, so that progress
# reports what has been written.
_BATCH = 1000


@dataclass(slots=True)
class Record:
    """One row of a file, its fields validated.

    ``values``: the columns the row gives (the key among them). ``refs``: references
    by key, for the fields the row gives: ``parent``, ``site`` and ``home_site``
    (externalId or None), ``sites`` (externalIds), ``chargers`` (chargerIds), ``driver``.
    """

    line: int
    kind: Kind
    key: str
    values: dict[str, Any]
    refs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a row was rejected: its line in the file (the header is line 1) and column."""

    line: int
    column: str
    message: str


@dataclass(slots=True)
class Report:
    dry_run: bool
    committed: bool = False
    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {
            k: {"created": 0, "updated": 0, "unchanged": 0, "rejected": 0} for k in KINDS
        }
    )
    problems: list[Problem] = field(default_factory=list)

    def total(self, outcome: str) -> int:
        if outcome == "rejected":  # a row of no known kind is rejected too
            return len(self.problems)
        return sum(c[outcome] for c in self.counts.values())


class _Rollback(Exception):
    """Leaves the transaction without committing."""


def run_import(
    store: Store,
    actor: Actor,
    records: list[Record],
    problems: Iterable[tuple[Problem, Kind | None]] = (),
    *,
    dry_run: bool = False,
    keep_good: bool = False,
    progress: Callable[[int], object] | None = None,
) -> Report:
    """Apply ``records``; ``problems`` are the rows already rejected while reading.

    All or nothing unless ``keep_good``: one rejected row and nothing is written.
    """
    report = Report(dry_run)
    for problem, kind in problems:
        report.problems.append(problem)
        if kind is not None:
            report.counts[kind]["rejected"] += 1
    actor = actor.importing()
    try:
        with store.transaction() as uow:
            if uow.customers.get(actor.customer_id) is None:
                raise NotFound(f"Customer {actor.customer_id} not found")
            uow.customers.lock(actor.customer_id)
            state = ImportState(uow, actor.customer_id, records)
            applier = _Applier(state, actor)
            previous: Kind | None = None
            for record in _ordered(records):
                if record.kind != previous:
                    applier.flush_new()  # the rows of the next kind may refer to them
                    previous = record.kind
                try:
                    outcome = applier.apply(record)
                except RowProblem as exc:
                    report.problems.append(Problem(record.line, exc.column, exc.message))
                    report.counts[record.kind]["rejected"] += 1
                else:
                    report.counts[record.kind][outcome] += 1
                if progress is not None:
                    progress(1)
            applier.flush_new()
            applier.flush()
            uow.audit.append(applier.entries)
            if dry_run or (report.problems and not keep_good):
                raise _Rollback
    except _Rollback:
        pass
    else:
        report.committed = True
    report.problems.sort(key=lambda p: p.line)
    return report


def _ordered(records: list[Record]) -> list[Record]:
    """Sites parents first, then chargers, drivers and tags, each in file order."""
    sites = {r.key: r for r in records if r.kind == "site"}
    depth: dict[str, int] = {}

    def depth_of(key: str, seen: frozenset[str]) -> int:
        if key not in depth:
            parent = sites[key].refs.get("parent")
            if parent is not None and parent in sites and parent not in seen:
                depth[key] = depth_of(parent, seen | {key}) + 1
            else:
                depth[key] = 0
        return depth[key]

    for key in sites:
        depth_of(key, frozenset())
    rank = {kind: n for n, kind in enumerate(KINDS)}
    return sorted(
        records,
        key=lambda r: (rank[r.kind], depth.get(r.key, 0) if r.kind == "site" else 0, r.line),
    )


def _diff(current: Row, values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if current.get(k) != v}


class _Applier:
    """Applies one record at a time against the prefetched state, writing as it goes."""

    def __init__(self, state: ImportState, actor: Actor) -> None:
        self.state = state
        self.uow = state.uow
        self.actor = actor
        self.customer_id = actor.customer_id
        self.entries: list[dict[str, Any]] = []
        self.grants_added: tuple[list[tuple[int, int]], list[tuple[int, int]]] = ([], [])
        self.grants_removed: tuple[list[tuple[int, int]], list[tuple[int, int]]] = ([], [])
        self.first_line: dict[tuple[Kind, str], int] = {}
        self.new_drivers: list[tuple[dict[str, Any], set[Any] | None, set[int] | None]] = []
        self.new_tags: list[dict[str, Any]] = []

    def apply(self, record: Record) -> Outcome:
        key = record.key
        if record.kind == "tag":
            normalized = normalize_id_tag(key)
            key = normalized[1] if normalized else key
        seen = self.first_line.setdefault((record.kind, key), record.line)
        if seen != record.line:
            column = "idTag" if record.kind == "tag" else _KEY_COLUMN[record.kind]
            raise RowProblem(column, f"the same {record.kind} as line {seen}")
        return _APPLY[record.kind](self, record)

    def _audit(
        self, obj: str, object_id: object, action: str, before: Row | None, after: Row | None
    ) -> None:
        diff = changes(before, after)
        if diff or action == "create":
            self.entries.append(entry(self.actor, obj, object_id, action, diff))

    def _site_ref(self, column: str, external_id: str | None) -> int | None:
        if external_id is None:
            return None
        site = self.state.sites.find(external_id)
        if site is None:
            raise RowProblem(column, f"no site with externalId {external_id!r}")
        return int(site["id"])

    def site(self, record: Record) -> Outcome:
        values = dict(record.values)
        current = self.state.sites.find(record.key)
        if current is not None and synthetic_id("site", current["id"]) == record.key:
            values.pop("external_id")  # an exported site without an externalId: itself
        if "parent" in record.refs:
            values["parent_id"] = self._site_ref("parent", record.refs["parent"])
        if current is None:
            if values.get("name") is None:
                raise RowProblem("name", "a new site needs a name")
            row = self.uow.sites.create(self.customer_id, values)
            self.state.sites.add(row)
            self._audit("site", row["id"], "create", None, row)
            return "created"
        diff = _diff(current, values)
        if not diff:
            return "unchanged"
        if "parent_id" in diff and creates_cycle(
            current["id"], diff["parent_id"], self.state.parent_of
        ):
            raise RowProblem("parent", "a site cannot be moved under itself or its subsites")
        row = self.uow.sites.update(self.customer_id, current["id"], diff)
        self.state.sites.add(row)
        self._audit("site", row["id"], "update", current, row)
        return "updated"

    def charger(self, record: Record) -> Outcome:
        values = dict(record.values)
        sockets = values.pop("sockets", None)
        if sockets is not None and len({s["id"] for s in sockets}) != len(sockets):
            raise RowProblem("sockets", "socket ids must be unique within a charger")
        if "site" in record.refs:
            if record.refs["site"] is None:
                raise RowProblem("site", "a charger stands in a site")
            values["site_id"] = self._site_ref("site", record.refs["site"])
        current = self.state.chargers.get(record.key)
        if current is None:
            if values.get("site_id") is None:
                raise RowProblem("site", "a new charger needs a site")
            row = self.uow.chargers.create(self.customer_id, values, sockets or [])
            self.state.add_charger(row)
            after = {**row, "sockets": sockets or []}
            self._audit("charger", record.key, "create", None, after)
            return "created"
        before = {**current, "sockets": self.state.sockets.get(current["id"], [])}
        diff = _diff(before, values)
        if sockets is not None and sockets != before["sockets"]:
            diff["sockets"] = sockets
        if not diff:
            return "unchanged"
        new_sockets = diff.pop("sockets", None)
        row = self.uow.chargers.update(self.customer_id, current["id"], diff, new_sockets)
        self.state.add_charger(row)
        after = {**row, "sockets": new_sockets if new_sockets is not None else before["sockets"]}
        self._audit("charger", record.key, "update", before, after)
        return "updated"

    def driver(self, record: Record) -> Outcome:
        values = dict(record.values)
        current = self.state.drivers.find(record.key)
        if current is not None and synthetic_id("driver", current["id"]) == record.key:
            values.pop("external_id")
        if "home_site" in record.refs:
            values["home_site_id"] = self._site_ref("homeSite", record.refs["home_site"])
        sites = None
        if "sites" in record.refs:
            sites = {self._site_ref("sites", s) for s in record.refs["sites"]}
        chargers = None
        if "chargers" in record.refs:
            chargers = set()
            for charger_id in record.refs["chargers"]:
                found = self.state.chargers.get(charger_id)
                if found is None:
                    raise RowProblem("chargers", f"no charger with chargerId {charger_id!r}")
                chargers.add(found["id"])
        if current is None:
            if values.get("name") is None:
                raise RowProblem("name", "a new driver needs a name")
            self.new_drivers.append((values, sites, chargers))
            if len(self.new_drivers) >= _BATCH:
                self.flush_new()
            return "created"
        row = current
        diff = _diff(current, values)
        outcome: Outcome = "unchanged"
        if diff:
            row = self.uow.drivers.update(self.customer_id, current["id"], diff)
            self.state.drivers.add(row)
            self._audit("driver", row["id"], "update", current, row)
            outcome = "updated"
        changed = self._grants(row["id"], sites, chargers)
        return "updated" if changed and outcome == "unchanged" else outcome

    def flush_new(self) -> None:
        """Insert the new drivers and tags held back so far, many rows per statement.

        Nothing refers to a new driver before the tag rows (which come after every
        driver row, and flush it first), nor to a new tag at all, so holding them back
        changes no decision; one statement per thousand rows instead of one per row is
        most of an import's speed.
        """
        transfer = self.uow.transfer
        if self.new_drivers:
            rows = transfer.insert_drivers(self.customer_id, [v for v, _, _ in self.new_drivers])
            for row, (_, sites, chargers) in zip(rows, self.new_drivers, strict=True):
                self.state.drivers.add(row)
                self._audit("driver", row["id"], "create", None, row)
                self._grants(row["id"], sites, chargers)
            self.new_drivers = []
        if self.new_tags:
            for row in transfer.insert_tags(self.customer_id, self.new_tags):
                self.state.tags[row["id_tag_key"]] = row
                self._audit("tag", row["id"], "create", None, row)
            self.new_tags = []

    def _grants(self, driver_id: int, sites: set[Any] | None, chargers: set[int] | None) -> bool:
        changed = False
        wanted_sets = (sites, chargers)
        held_sets = (
            self.state.site_grants.get(driver_id, set()),
            self.state.charger_grants.get(driver_id, set()),
        )
        for n, (wanted, held) in enumerate(zip(wanted_sets, held_sets, strict=True)):
            if wanted is None:
                continue
            what = ("site", "charger")[n]
            for target in sorted(wanted - held):
                self.grants_added[n].append((driver_id, target))
                self._grant_entry(driver_id, f"grant_{what}", what, None, target)
            for target in sorted(held - wanted):
                self.grants_removed[n].append((driver_id, target))
                self._grant_entry(driver_id, f"revoke_{what}", what, target, None)
            changed = changed or wanted != held
        return changed

    def _grant_entry(
        self, driver_id: int, action: str, what: str, before: int | None, after: int | None
    ) -> None:
        # As the API records them: a site by id, a charger by its chargerId.
        column = "site_id" if what == "site" else "charger_id"
        old: object = before
        new: object = after
        if what == "charger":
            old, new = (self.state.charger_key(v) if v else None for v in (before, after))
        self._audit("driver", driver_id, action, {column: old}, {column: new})

    def tag(self, record: Record) -> Outcome:
        normalized = normalize_id_tag(record.key)
        if normalized is None:
            raise RowProblem(
                "idTag",
                "an idTag is 1-36 printable ASCII characters (spaces only between hex pairs)",
            )
        written, key = normalized
        values = {**record.values, "id_tag": written, "id_tag_key": key}
        if key in self.state.alias_keys:
            raise RowProblem("idTag", f"the idTag {written!r} is already in use as an alias")
        if "driver" in record.refs:
            if record.refs["driver"] is None:
                raise RowProblem("driver", "a tag belongs to a driver")
            driver = self.state.drivers.find(record.refs["driver"])
            if driver is None:
                raise RowProblem("driver", f"no driver with externalId {record.refs['driver']!r}")
            values["driver_id"] = driver["id"]
        current = self.state.tags.get(key)
        merged = {**(current or {}), **values}
        start, expiry = merged.get("start_date"), merged.get("expiring_date")
        if start is not None and expiry is not None and start > expiry:
            raise RowProblem("startDate", "startDate is after expiringDate")
        if current is None:
            if "driver_id" not in values:
                raise RowProblem("driver", "a new tag needs a driver")
            self.new_tags.append(values)
            if len(self.new_tags) >= _BATCH:
                self.flush_new()
            return "created"
        diff = _diff(current, values)
        if not diff:
            return "unchanged"
        row = self.uow.tags.update(self.customer_id, current["id"], diff)
        self.state.tags[key] = row
        self._audit("tag", row["id"], "update", current, row)
        return "updated"

    def flush(self) -> None:
        transfer = self.uow.transfer
        transfer.remove_grants(*self.grants_removed)
        transfer.add_grants(self.customer_id, *self.grants_added)


_KEY_COLUMN: dict[Kind, str] = {
    "site": "externalId",
    "charger": "chargerId",
    "driver": "externalId",
    "tag": "idTag",
}
_APPLY: dict[Kind, Callable[[_Applier, Record], Outcome]] = {
    "site": _Applier.site,
    "charger": _Applier.charger,
    "driver": _Applier.driver,
    "tag": _Applier.tag,
}
