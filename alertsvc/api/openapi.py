"""The OpenAPI 3.1 document, generated from the routes' `Doc` marks and their pydantic models."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Flask, current_app
from flask.typing import ResponseReturnValue
from pydantic import TypeAdapter

from alertsvc.api.io import Doc, json_response

blueprint = Blueprint("openapi", __name__)

_SECURITY: dict[str, list[dict[str, list[str]]]] = {
    "parent": [{"parentToken": []}],
    "device": [{"deviceToken": []}],
    "admin": [{"adminToken": []}],
}
_PROBLEM = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}
_ERROR_STATUSES = {
    "400": "Malformed request",
    "401": "Missing or invalid credentials",
    "404": "Not found (or not yours)",
    "409": "Conflict",
    "413": "Body too large",
    "422": "Validation failed",
    "429": "Rate limited",
    "503": "Database unavailable",
}


class _Schemas:
    def __init__(self) -> None:
        self.components: dict[str, Any] = {}

    def ref(self, annotation: Any) -> dict[str, Any]:
        schema = TypeAdapter(annotation).json_schema(
            ref_template="#/components/schemas/{model}", mode="serialization"
        )
        self.components.update(schema.pop("$defs", {}))
        title = schema.get("title")
        if schema.get("type") == "object" and isinstance(title, str):
            self.components[title] = schema
            return {"$ref": f"#/components/schemas/{title}"}
        return schema

    def request_ref(self, annotation: Any) -> dict[str, Any]:
        schema = TypeAdapter(annotation).json_schema(
            ref_template="#/components/schemas/{model}", mode="validation"
        )
        self.components.update(schema.pop("$defs", {}))
        title = schema.get("title")
        if isinstance(title, str):
            name = f"{title}Input" if title in self.components else title
            self.components[name] = schema
            return {"$ref": f"#/components/schemas/{name}"}
        return schema


def _parameters(doc: Doc, params: list[str]) -> list[dict[str, Any]]:
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in params
    ]
    if doc.query is not None:
        query_schema = doc.query.model_json_schema()
        required = set(query_schema.get("required", []))
        for name, prop in query_schema.get("properties", {}).items():
            parameters.append(
                {"name": name, "in": "query", "required": name in required, "schema": prop}
            )
    return parameters


def _operation(doc: Doc, schemas: _Schemas, params: list[str]) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": doc.summary, "tags": list(doc.tags) or ["default"]}
    parameters = _parameters(doc, params)
    if parameters:
        op["parameters"] = parameters
    if doc.body is not None:
        content: dict[str, Any] = {"schema": schemas.request_ref(doc.body)}
        op["requestBody"] = {"required": True, "content": {doc.body_media: content}}
    elif doc.body_media != "application/json":
        op["requestBody"] = {
            "required": True,
            "content": {doc.body_media: {"schema": {"type": "string"}}},
        }
    responses: dict[str, Any] = {}
    for status, annotation in doc.responses.items():
        if annotation is None:
            responses[str(status)] = {"description": "No content"}
        else:
            responses[str(status)] = {
                "description": "OK",
                "content": {"application/json": {"schema": schemas.ref(annotation)}},
            }
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for code, text in _ERROR_STATUSES.items():
        if code == "401" and doc.auth is None and 401 not in doc.problems:
            continue
        responses.setdefault(code, {"description": text, "content": problem})
    if doc.auth == "admin":
        responses.setdefault("403", {"description": "Not an admin", "content": problem})
    op["responses"] = responses
    if doc.auth is not None:
        op["security"] = _SECURITY[doc.auth]
    return op


def build_document(app: Flask) -> dict[str, Any]:
    schemas = _Schemas()
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        doc = getattr(app.view_functions[rule.endpoint], "__openapi__", None)
        if not isinstance(doc, Doc):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        params = re.findall(r"{([^}]+)}", path)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(doc, schemas, params)
    schemas.components["Problem"] = _PROBLEM
    bearer = {"type": "http", "scheme": "bearer"}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "alertsvc",
            "version": "1",
            "description": (
                "School-hours reminders for teens' apps. Guides in the repository: "
                "docs/api-guide.md (pairing, the check loop, acks, reason codes, errors, "
                "examples), docs/client-guide.md (the teen's reference app at /app/, "
                "explained) and docs/decisions.md (how each answer is decided)."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": schemas.components,
            "securitySchemes": {
                "parentToken": bearer,
                "deviceToken": bearer,
                "adminToken": bearer,
            },
        },
    }


@blueprint.get("/v1/openapi.json")
def openapi_document() -> ResponseReturnValue:
    cache = current_app.extensions.setdefault("openapi_document", {})
    if "doc" not in cache:
        cache["doc"] = build_document(current_app)
    return json_response(cache["doc"])
