"""What services need from storage, as protocols; ``storage/sql`` implements them.

Rows travel as plain dicts keyed by column name (snake_case). JSON-valued columns are
decoded on management reads; only the hot path (``DocumentSource``) sees raw text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, NamedTuple, Protocol

__all__ = [
    "CHARGER",
    "CUSTOMER",
    "DRIVER",
    "KEYS",
    "RESET",
    "AccessFacts",
    "AccessRepository",
    "AliasRepository",
    "AuditRepository",
    "Change",
    "ChangeFeed",
    "ChargerRepository",
    "CustomerRepository",
    "DocumentRows",
    "DocumentSource",
    "DriverRepository",
    "DriverRows",
    "GrantRepository",
    "KeyRepository",
    "LookupRepository",
    "Page",
    "Row",
    "SecretRepository",
    "SiteRepository",
    "Store",
    "TagRepository",
    "TokenFacts",
    "TransactionRepository",
    "TransferRepository",
    "UnitOfWork",
    "WouldWait",
]

Row = dict[str, Any]
Values = Mapping[str, Any]


class Page(NamedTuple):
    """One page of rows and the number of rows on all pages."""

    items: list[Row]
    total: int


class CustomerRepository(Protocol):
    def create(self, name: str) -> Row: ...
    def lock(self, customer_id: int) -> None: ...
    def get(self, customer_id: int) -> Row | None: ...


class KeyRepository(Protocol):
    def create(self, customer_id: int, values: Values) -> Row: ...
    def by_key_id(self, key_id: str) -> Row | None: ...
    def list(self, customer_id: int) -> list[Row]: ...
    def revoke(self, customer_id: int, key_pk: int) -> bool: ...


class SiteRepository(Protocol):
    def create(self, customer_id: int, values: Values) -> Row: ...
    def get(self, customer_id: int, site_id: int) -> Row | None: ...
    def by_external_id(self, customer_id: int, external_id: str) -> Row | None: ...
    def page(
        self, customer_id: int, offset: int, limit: int, search: str | None = None
    ) -> Page: ...
    def update(self, customer_id: int, site_id: int, values: Values) -> Row: ...
    def delete(self, customer_id: int, site_id: int) -> None: ...
    def parent_of(self, customer_id: int, site_id: int) -> int | None: ...
    def has_subsites(self, customer_id: int, site_id: int) -> bool: ...
    def has_chargers(self, customer_id: int, site_id: int) -> bool: ...


class ChargerRepository(Protocol):
    def create(self, customer_id: int, values: Values, socket_values: Sequence[Values]) -> Row: ...
    def get(self, customer_id: int, charger_id: str) -> Row | None: ...
    def page(
        self,
        customer_id: int,
        offset: int,
        limit: int,
        search: str | None = None,
        site_id: int | None = None,
    ) -> Page:
        """Primary keys of chargers: all, those whose chargerId or name holds ``search``,
        or those standing at the site ``site_id`` itself."""
        ...

    def update(
        self, customer_id: int, pk: int, values: Values, socket_values: Sequence[Values] | None
    ) -> Row: ...
    def set_live(
        self, customer_id: int, pk: int, values: Values, connection_id: str | None = None
    ) -> None:
        """Write live fields; with ``connection_id``, only while that connection is current."""
        ...

    def set_socket_status(self, pk: int, socket_id: int, status: str | None) -> bool: ...
    def sockets(self, pk: int) -> list[Row]:
        """The charger's sockets as configured (no live status), by socket id."""
        ...

    def socket_at(self, pk: int, evse_id: int | None, connector_id: int) -> int | None: ...
    def touch_many(self, seen: Sequence[Values]) -> None:
        """``last_seen``/``last_message`` of many chargers, each only if newer."""
        ...

    def delete(self, customer_id: int, pk: int) -> None: ...


class DriverRepository(Protocol):
    def create(self, customer_id: int, values: Values) -> Row: ...
    def get(self, customer_id: int, driver_id: int) -> Row | None: ...
    def by_external_id(self, customer_id: int, external_id: str) -> Row | None: ...
    def page(self, customer_id: int, offset: int, limit: int, search: str | None) -> Page: ...
    def find(self, customer_id: int, search: str, offset: int, limit: int) -> list[Row]: ...
    def update(self, customer_id: int, driver_id: int, values: Values) -> Row: ...
    def delete(self, customer_id: int, driver_id: int) -> None: ...


class TagRepository(Protocol):
    def create(self, customer_id: int, driver_id: int, values: Values) -> Row: ...
    def get(self, customer_id: int, tag_id: int) -> Row | None: ...
    def of_driver(self, customer_id: int, driver_id: int) -> list[Row]: ...
    def by_key(self, customer_id: int, key: str) -> Row | None: ...
    def update(self, customer_id: int, tag_id: int, values: Values) -> Row: ...
    def delete(self, customer_id: int, tag_id: int) -> None: ...


class GrantRepository(Protocol):
    """Each write returns whether it changed anything (granting twice is one grant)."""

    def grant_site(self, customer_id: int, driver_id: int, site_id: int) -> bool: ...
    def revoke_site(self, customer_id: int, driver_id: int, site_id: int) -> bool: ...
    def grant_charger(self, customer_id: int, driver_id: int, charger_pk: int) -> bool: ...
    def revoke_charger(self, customer_id: int, driver_id: int, charger_pk: int) -> bool: ...


class AliasRepository(Protocol):
    def create(self, customer_id: int, tag_id: int, alias: str, alias_key: str) -> Row: ...
    def by_key(self, customer_id: int, alias_key: str) -> Row | None: ...
    def of_tag(self, customer_id: int, tag_id: int) -> list[Row]: ...
    def delete(self, customer_id: int, alias_id: int) -> None: ...


class AccessFacts(NamedTuple):
    """What an authorization decision is made of, read in one snapshot.

    ``place``: the charger's primary key and its site path, nearest site first (None:
    no such charger). ``token``: the tag matched by canonical key or alias (id,
    driver_id, id_tag, blocked, start_date, expiring_date, group_id, token_type,
    max_transactions). ``direct`` and ``site_grants``: the tag's driver's grants on
    the charger itself and on the sites of the path.
    """

    place: tuple[int, list[int]] | None
    token: Row | None
    direct: bool
    site_grants: set[int]


class AccessRepository(Protocol):
    """The facts of an authorization decision, within a unit of work."""

    def facts(self, customer_id: int, charger_id: str, key: str | None) -> AccessFacts: ...
    def open_transactions(self, tag_id: int) -> int: ...
    def lock_tag(self, tag_id: int) -> None: ...


class TransactionRepository(Protocol):
    def create(self, customer_id: int, values: Values) -> Row: ...
    def get(self, customer_id: int, transaction_id: int) -> Row | None: ...
    def by_station_id(self, customer_id: int, charger_id: str, station_id: str) -> Row | None: ...
    def update(self, customer_id: int, transaction_id: int, values: Values) -> Row: ...
    def page(self, customer_id: int, offset: int, limit: int, charger_id: str | None) -> Page: ...


class LookupRepository(Protocol):
    def site_path(self, customer_id: int, site_id: int) -> list[int] | None: ...
    def site_outline(self, customer_id: int) -> list[tuple[int, int | None, str, int]]: ...
    def socket_counts(
        self, customer_id: int, site_ids: list[int]
    ) -> list[tuple[int, bool, int, int]]: ...
    def home_drivers(
        self, customer_id: int, site_ids: list[int] | None, offset: int, limit: int
    ) -> tuple[dict[int | None, list[int]], dict[int | None, int]]: ...
    def drivers_granted(
        self,
        customer_id: int,
        site_ids: list[int],
        charger_pk: int | None,
        offset: int,
        limit: int,
    ) -> Page: ...


class AuditRepository(Protocol):
    """Append-only: there is no update and no delete."""

    def append(self, entries: Sequence[Values]) -> None: ...
    def page(
        self,
        customer_id: int,
        offset: int,
        limit: int,
        *,
        obj: str | None = None,
        object_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Page: ...


class TransferRepository(Protocol):
    """Bulk reads and writes for import and export (``storage/sql/transfer.py``)."""

    def sites(self, customer_id: int) -> list[Row]: ...
    def chargers_by_id(self, customer_id: int, charger_ids: Iterable[str]) -> list[Row]: ...
    def sockets_of(self, pks: Iterable[int]) -> dict[int, list[Row]]: ...
    def drivers_by_external_id(
        self, customer_id: int, external_ids: Iterable[str]
    ) -> list[Row]: ...
    def drivers_by_id(self, customer_id: int, pks: Iterable[int]) -> list[Row]: ...
    def charger_ids(self, pks: Iterable[int]) -> dict[int, str]: ...
    def tags_by_key(self, customer_id: int, keys: Iterable[str]) -> list[Row]: ...
    def alias_keys(self, customer_id: int, keys: Iterable[str]) -> dict[str, int]: ...
    def grants_of(
        self, driver_ids: Iterable[int]
    ) -> tuple[dict[int, set[int]], dict[int, set[int]]]: ...
    def insert_drivers(self, customer_id: int, values: Sequence[Values]) -> list[Row]: ...
    def insert_tags(self, customer_id: int, values: Sequence[Values]) -> list[Row]: ...
    def add_grants(
        self,
        customer_id: int,
        on_sites: Sequence[tuple[int, int]],
        on_chargers: Sequence[tuple[int, int]],
    ) -> None: ...
    def remove_grants(
        self, on_sites: Sequence[tuple[int, int]], on_chargers: Sequence[tuple[int, int]]
    ) -> None: ...
    def charger_page(self, customer_id: int, after: int, limit: int) -> list[Row]: ...
    def driver_page(self, customer_id: int, after: int, limit: int) -> list[Row]: ...
    def tag_page(self, customer_id: int, after: int, limit: int) -> list[Row]: ...


class SecretRepository(Protocol):
    def keep(self, name: str, value: str) -> str:
        """The secret ``name``: ``value`` if it had none, else the one kept first."""
        ...


class UnitOfWork(Protocol):
    """The repositories, all inside one database transaction."""

    @property
    def customers(self) -> CustomerRepository: ...
    @property
    def keys(self) -> KeyRepository: ...
    @property
    def sites(self) -> SiteRepository: ...
    @property
    def chargers(self) -> ChargerRepository: ...
    @property
    def drivers(self) -> DriverRepository: ...
    @property
    def tags(self) -> TagRepository: ...
    @property
    def grants(self) -> GrantRepository: ...
    @property
    def aliases(self) -> AliasRepository: ...
    @property
    def access(self) -> AccessRepository: ...
    @property
    def transactions(self) -> TransactionRepository: ...
    @property
    def lookups(self) -> LookupRepository: ...
    @property
    def audit(self) -> AuditRepository: ...
    @property
    def transfer(self) -> TransferRepository: ...
    @property
    def secrets(self) -> SecretRepository: ...


class DocumentRows(NamedTuple):
    """Everything one driver document is made of, read in one snapshot.

    Tuples are in the column order documented in ``storage/sql/document_sql.py``;
    timestamps are RFC 3339 strings, JSON values raw JSON text, and each charger
    object (sockets included) arrives whole, as JSON text.
    """

    driver: tuple[Any, ...] | None
    sites: list[tuple[Any, ...]]
    chargers: list[tuple[Any, ...]]


class DriverRows(NamedTuple):
    """A driver's own part of its document, and the ids of what it is granted."""

    driver: tuple[Any, ...]
    sites: list[int]
    chargers: list[int]


class TokenFacts(NamedTuple):
    """A tag as the decision engine sees it, with every grant of its driver."""

    token: Row
    sites: frozenset[int]
    chargers: frozenset[int]


class DocumentSource(Protocol):
    """The read side of the hot path: raw rows, no ORM, no validation."""

    def batch(self) -> AbstractContextManager[None]:
        """Within the block, the reads of this thread share one connection and snapshot."""
        ...

    def principal(self, key_id: str) -> tuple[Any, ...] | None: ...
    def by_tag_key(self, customer_id: int, key: str) -> DocumentRows | None: ...
    def by_driver_id(self, customer_id: int, driver_id: int) -> DocumentRows | None: ...
    def site_tree(self, customer_id: int, site_id: int) -> DocumentRows: ...
    def chargers(self, customer_id: int, pks: list[int]) -> DocumentRows: ...
    def access_facts(self, customer_id: int, charger_id: str, key: str | None) -> AccessFacts: ...

    # The same facts in the pieces a cache keeps: each read is one snapshot of its own.
    def driver_of_key(self, customer_id: int, key: str) -> DriverRows | None: ...
    def driver_of_id(self, customer_id: int, driver_id: int) -> DriverRows | None: ...
    def place(self, customer_id: int, charger_id: str) -> tuple[int, list[int]] | None:
        """The charger's primary key and its site path, nearest site first."""
        ...

    def token(self, customer_id: int, key: str) -> TokenFacts | None:
        """The tag with this canonical key (or alias) and its driver's grants."""
        ...


class Change(NamedTuple):
    """What a committed write touched, as the document cache needs to know it.

    ``kind``: ``driver`` (the driver, its tags, aliases or grants; ``ref`` its id),
    ``charger`` (an existing charger's fields, live ones included, on the same site;
    ``ref`` its primary key), ``customer`` (anything structural: sites, charger
    creation, deletion or moves, bulk imports; ``ref`` the customer id), ``keys`` (an
    API key revoked) or ``reset`` (forget everything: changes were lost or too many).
    """

    kind: str
    ref: int


DRIVER, CHARGER, CUSTOMER, KEYS, RESET = "driver", "charger", "customer", "keys", "reset"


class ChangeFeed(Protocol):
    """Committed changes, from this process and every other one on the same database."""

    def subscribe(self, apply: Callable[[Sequence[Change]], None]) -> None:
        """Call ``apply`` with every batch of changes, this process's own right after commit."""
        ...

    def sync(self) -> None:
        """Deliver every change committed before this call (SQLite: a cheap check first)."""
        ...

    def fresh(self) -> bool:
        """Whether every change committed more than the staleness bound ago was delivered."""
        ...

    def close(self) -> None: ...


class WouldWait(Exception):
    """The write transaction could not start at once (another writer holds the lock), in
    a :meth:`Store.without_waiting` block. Nothing was done: run the same work again
    where waiting is allowed. Never reaches a client."""


class Store(Protocol):
    """A database: units of work for management, a document source for the hot path."""

    @property
    def documents(self) -> DocumentSource: ...

    @property
    def changes(self) -> ChangeFeed: ...

    @property
    def inline_reads(self) -> bool:
        """Whether document reads are quick enough to run on the event loop thread."""
        ...

    @property
    def inline_writes(self) -> bool:
        """Whether a write that can start at once is quick enough to run on the event loop
        thread (see :meth:`without_waiting`)."""
        ...

    def transaction(
        self, write: bool = True, snapshot: bool = False
    ) -> AbstractContextManager[UnitOfWork]:
        """A unit of work; ``snapshot``: every read sees one snapshot (a long export)."""
        ...

    def without_waiting(self) -> AbstractContextManager[None]:
        """In this block, on this thread, the first write transaction raises
        :class:`WouldWait` instead of waiting for the database's write lock; any later
        one waits as usual."""
        ...

    def schema_revision(self) -> str | None:
        """The migration the database is at, read afresh: :class:`Unavailable` when the
        database does not answer (a readiness probe)."""
        ...

    def close(self) -> None: ...
