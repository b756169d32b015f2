"""The OpenAPI 3.1 description of the ingestion API, served at /api/openapi.json.

Written from the same field lists and event types the validator uses, so the document
cannot drift from what the endpoints accept. Served without a key: it holds no data.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from insights.records import EVENT_TYPES, SURVEY_KINDS

PATH = "/api/openapi.json"
_TIME = {
    "type": "string",
    "description": "ISO 8601 date or date-time; without an offset it is read in TIMEZONE. "
    "Accepted from 1970-01-01T00:00Z up to one day after the request, in UTC.",
    "examples": ["2026-11-20T14:05:00Z", "2026-11-20"],
}
_ID = {"type": "string", "minLength": 1, "maxLength": 255}
_AMOUNT = {
    "type": ["number", "string", "null"],
    "description": "Decimal, 2 places kept (send a string to avoid float rounding); "
    "at most 9999999999.99 in size after rounding.",
}


def _text(limit: int, description: str = "") -> dict[str, Any]:
    schema: dict[str, Any] = {"type": ["string", "null"], "maxLength": limit}
    if description:
        schema["description"] = description
    return schema


SCHEMAS: dict[str, dict[str, Any]] = {
    "Customer": {
        "type": "object",
        "required": ["external_id", "signed_up_at"],
        "properties": {
            "external_id": {**_ID, "description": "Your id for the customer (the key)."},
            "name": _text(255),
            "email": _text(320),
            "language": _text(16, "Language code, e.g. en, ru, uk, da, zh."),
            "timezone": _text(64, "IANA timezone, e.g. Europe/Copenhagen."),
            "plan": _text(100),
            "mrr": {**_AMOUNT, "description": "Monthly recurring revenue, >= 0 (default 0)."},
            "signed_up_at": _TIME,
        },
    },
    "Event": {
        "type": "object",
        "required": ["event_id", "external_id", "type", "occurred_at"],
        "properties": {
            "event_id": {**_ID, "description": "Your id for the event (the key)."},
            "external_id": {**_ID, "description": "The customer's external_id."},
            "type": {
                "type": "string",
                "enum": list(EVENT_TYPES),
                "description": "subscription_cancelled sends the exit interview at once; "
                "support_ticket_closed the CSAT survey; subscription_changed (a new MRR in "
                "amount) neither churns nor brings back.",
            },
            "occurred_at": _TIME,
            "amount": {
                **_AMOUNT,
                "description": "On subscription_started the starting MRR (without it the "
                "customer's mrr is used), on subscription_changed the new MRR (required); "
                "both >= 0. On purchase the order value.",
            },
        },
    },
    "Response": {
        "type": "object",
        "required": ["response_id", "external_id", "survey", "answered_at"],
        "properties": {
            "response_id": {**_ID, "description": "Your id for the response (the key)."},
            "external_id": {**_ID, "description": "The customer's external_id."},
            "survey": {"type": "string", "enum": list(SURVEY_KINDS)},
            "score": {
                "type": ["integer", "string", "null"],
                "description": "nps 0-10, csat 1-5, empty for exit.",
            },
            "comment": _text(20_000, "Free text; tagged with churn reasons and sentiment."),
            "answered_at": _TIME,
        },
    },
    "ImportResult": {
        "type": "object",
        "required": ["received", "inserted", "updated", "unchanged", "rejected", "errors"],
        "properties": {
            "received": {"type": "integer"},
            "inserted": {"type": "integer"},
            "updated": {"type": "integer"},
            "unchanged": {"type": "integer", "description": "Sent before, same values."},
            "rejected": {"type": "integer"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "index": {"type": "integer", "description": "Position in the batch."},
                        "field": {"type": ["string", "null"]},
                        "message": {"type": "string"},
                    },
                },
            },
            "warnings": {"type": "array", "items": {"type": "string"}},
        },
    },
    "Error": {
        "type": "object",
        "properties": {"error": {"type": "string"}},
    },
}

_PATHS = {
    "customers": ("Customer", "Create or update customers"),
    "events": ("Event", "Record billing, activity and support events"),
    "responses": ("Response", "Record survey responses collected elsewhere"),
}


def _operation(schema: str, summary: str) -> dict[str, Any]:
    one = {"$ref": f"#/components/schemas/{schema}"}
    result = {
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ImportResult"}}}
    }
    problem = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    return {
        "post": {
            "summary": summary,
            "description": "One object or an array of up to API_MAX_BATCH. Idempotent on the "
            "record's id: sending it again changes nothing. Bad records are refused by "
            "index and field; the others in the batch are stored.",
            "security": [{"bearer": []}],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {"oneOf": [one, {"type": "array", "items": one, "minItems": 1}]}
                    }
                },
            },
            "responses": {
                "200": {"description": "Every record stored (or unchanged).", **result},
                "422": {"description": "Some records refused; the rest stored.", **result},
                "400": {"description": "The body is not JSON or not records.", **problem},
                "401": {"description": "Missing or wrong API key.", **problem},
                "413": {"description": "Too many records or bytes in one request.", **problem},
                "415": {"description": "Not Content-Type: application/json.", **problem},
            },
        }
    }


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "retention-bot ingestion API",
            "version": "1",
            "description": "Feed customers, events and survey responses from a CRM or "
            "billing system. Same fields and rules as `retention-bot import`.",
        },
        "paths": {f"/api/{kind}": _operation(*spec) for kind, spec in _PATHS.items()},
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "One of the keys in API_KEYS.",
                }
            },
        },
    }


def openapi_route() -> Route:
    body = document()

    async def endpoint(_: Request) -> Response:
        return JSONResponse(body)

    return Route(PATH, endpoint, methods=["GET"])
