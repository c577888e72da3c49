"""The OpenAPI document: FastAPI's, plus the hot routes that bypass FastAPI."""

from __future__ import annotations

import inspect
import re
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from evroster.api.routes.common import ERRORS
from evroster.api.schemas.documents import DriverDocument
from evroster.api.shortcuts import Shortcut

__all__ = ["build_openapi"]

_REF = "#/components/schemas/{model}"


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/problem+json": {"schema": {"$ref": _REF.format(model="Problem")}},
            "text/plain": {"schema": {"type": "string", "example": description}},
        },
    }


def _auth_parameters() -> list[dict[str, Any]]:
    return [
        {
            "name": "x-api-key",
            "in": "header",
            "required": False,
            "schema": {"type": "string"},
            "description": "An API key of the customer",
        },
        {
            "name": "code",
            "in": "query",
            "required": False,
            "schema": {"type": "string"},
            "description": "eMabler v1: the API key, if no X-API-Key header",
        },
        {
            "name": "clientId",
            "in": "query",
            "required": False,
            "schema": {"type": "string"},
            "description": "eMabler v1: the customer id the key belongs to",
        },
    ]


def _document_get(summary: str, description: str, param: dict[str, Any]) -> dict[str, Any]:
    return {
        "tags": ["drivers"],
        "summary": summary,
        "description": description,
        "operationId": summary.lower().replace(" ", "_"),
        "parameters": [param, *_auth_parameters()],
        "responses": {
            "200": {
                "description": "The driver with all its tags, sites (with subsites) and chargers",
                "content": {
                    "application/json": {"schema": {"$ref": _REF.format(model="DriverDocument")}}
                },
            },
            "400": _problem("Errors in the route parameters"),
            "401": _problem("Customer not found or not authorised"),
            "404": _problem("Driver not found in the list of drivers of the customer"),
            "429": _problem("Too many failed authentications from this address"),
            "503": _problem("The database is unavailable; retry shortly"),
        },
    }


def _ref(model: type[BaseModel]) -> dict[str, Any]:
    return {"$ref": _REF.format(model=model.__name__)}


def _add_model(components: dict[str, Any], model: type[BaseModel], mode: str) -> None:
    found = model.model_json_schema(ref_template=_REF, mode=mode)  # type: ignore[arg-type]
    for name, definition in found.pop("$defs", {}).items():
        components.setdefault(name, definition)
    components.setdefault(model.__name__, found)


def _shortcut(route: Shortcut, components: dict[str, Any]) -> dict[str, Any]:
    """The operation as FastAPI described it when it served the route itself."""
    _add_model(components, route.body, "validation")
    _add_model(components, route.answer, "serialization")
    parameters = []
    for name, adapter in route.adapters.items():
        found = {**adapter.json_schema(), "title": name.replace("_", " ").title()}
        parameter = {"name": name, "in": "path", "required": True, "schema": found}
        if "description" in found:
            parameter["description"] = found["description"]
        parameters.append(parameter)
    responses: dict[str, Any] = {
        "200": {
            "description": "Successful Response",
            "content": {"application/json": {"schema": _ref(route.answer)}},
        }
    }
    for code, error in ERRORS["write"].items():
        content = {"application/json": {"schema": _ref(error["model"])}, **error["content"]}
        responses[str(code)] = {"description": error["description"], "content": content}
    operation: dict[str, Any] = {
        "tags": list(route.tags),
        "summary": route.summary,
        "operationId": re.sub(r"\W", "_", route.endpoint.__name__ + route.path)
        + "_"
        + route.method.lower(),
        "parameters": parameters,
        "requestBody": {
            "content": {"application/json": {"schema": _ref(route.body)}},
            "required": True,
        },
        "responses": responses,
    }
    description = route.description or inspect.getdoc(route.endpoint)
    if description:
        operation["description"] = description
    return operation


def build_openapi(api: FastAPI, shortcuts: list[Shortcut]) -> dict[str, Any]:
    """FastAPI's schema with the routes it does not serve merged in: the two document
    routes and the shortcuts, with their models."""
    if api.openapi_schema:
        return api.openapi_schema
    schema = get_openapi(
        title=api.title, version=api.version, description=api.description, routes=api.routes
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for route in shortcuts:
        operations = schema.setdefault("paths", {}).setdefault(route.path, {})
        operations[route.method.lower()] = _shortcut(route, components)
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            # Invalid requests get 400 (api/app.py), never FastAPI's default 422.
            operation.get("responses", {}).pop("422", None)
            # Every operation that can refuse a caller (401) reads the credentials
            # itself (api/credentials.py), so FastAPI does not know to list them.
            if "401" in operation.get("responses", {}):
                operation["parameters"] = [
                    *operation.get("parameters", []),
                    *_auth_parameters(),
                ]
    document = DriverDocument.model_json_schema(ref_template=_REF, mode="serialization")
    components.update(document.pop("$defs", {}))
    components["DriverDocument"] = document
    paths = schema.setdefault("paths", {})
    paths.setdefault("/api/v1/drivers/by-idtag/{idTag}", {})["get"] = _document_get(
        "Get driver by idTag",
        "The driver holding this idTag. Matching ignores case, and hex byte pairs match "
        "with or without separators (`04:a2:3b:1c` = `04A23B1C`). Blocked, expired and "
        "not-yet-valid tags still find their driver: this is a lookup, not an authorization.",
        {
            "name": "idTag",
            "in": "path",
            "required": True,
            "schema": {"type": "string", "minLength": 1, "maxLength": 36},
        },
    )
    paths.setdefault("/api/v1/drivers/{driver_id}", {})["get"] = _document_get(
        "Get driver",
        "The same document as the idTag lookup, by the driver's id.",
        {
            "name": "driver_id",
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1},
        },
    )
    api.openapi_schema = schema
    return schema
