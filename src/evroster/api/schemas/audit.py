"""The audit trail."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from evroster.api.schemas.common import Output, Timestamp

__all__ = ["AuditObject", "AuditOut"]

AuditObject = Literal["customer", "api_key", "site", "charger", "driver", "tag"]


class AuditOut(Output):
    """One change, as it was committed."""

    id: int = Field(description="Increases with every entry of the database")
    at: Timestamp
    key_id: int | None = Field(
        description="The row id of the API key that made the change (as in `evroster keys "
        "list`); null for the CLI"
    )
    via: Literal["api", "cli", "import"]
    object: AuditObject
    object_id: str = Field(description="Its id; for a charger, its chargerId")
    action: str = Field(
        description="create, update, delete, revoke (keys), grant_site, revoke_site, "
        "grant_charger, revoke_charger (drivers), add_alias, remove_alias (tags)"
    )
    changes: dict[str, Any] = Field(
        description='The fields that changed: {"field": [before, after]}',
        examples=[{"name": ["Ola Hansen", "Ola Nordmann"]}],
    )
