"""The OpenAPI 3.1 document of /api/v1, kept beside the views it describes."""

from __future__ import annotations

from functools import cache

PROBLEM = {"$ref": "#/components/responses/Problem"}
#: Every operation shares the API's rate limit (API_RATE_LIMIT per client address).
RATE_LIMITED = {"429": PROBLEM}


def _json(schema_ref: str, description: str = "OK") -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}},
    }


def _query(name: str, schema: dict, description: str = "") -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


SCHEMAS: dict = {
    "Problem": {
        "type": "object",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
        },
    },
    "Product": {
        "type": "object",
        "required": ["slug", "name", "description", "category", "category_name", "price_pence",
                     "currency", "in_stock", "stock_available", "image_url", "url"],
        "properties": {
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "description": {"type": "string"},
            "category": {"type": "string", "description": "The category's slug."},
            "category_name": {"type": "string"},
            "price_pence": {"type": "integer", "minimum": 0},
            "currency": {"const": "GBP"},
            "in_stock": {"type": "boolean"},
            "stock_available": {"type": "integer", "minimum": 0},
            "image_url": {"type": ["string", "null"]},
            "url": {"type": "string"},
        },
    },
    "ProductList": {
        "type": "object",
        "required": ["items", "page", "per_page", "total"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Product"}},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
            "total": {"type": "integer", "minimum": 0},
        },
    },
    "ChatStatus": {
        "type": "object",
        "required": ["online", "opens_at", "closes_at", "timezone"],
        "properties": {
            "online": {"type": "boolean"},
            "opens_at": {"type": "string", "format": "date-time"},
            "closes_at": {"type": "string", "format": "date-time"},
            "timezone": {"const": "Europe/London"},
            "label": {"type": "string"},
            "next_change": {"type": "string", "format": "date-time"},
        },
    },
}

AT = _query("at", {"type": "string", "format": "date-time",
                   "pattern": "^(19[7-9][0-9]|2[0-9]{3})-"},
            "An RFC 3339 instant with a UTC offset, from 1970 to 2999; defaults to now.")

PATHS: dict = {
    "/products": {
        "get": {
            "summary": "Search the catalogue",
            "operationId": "listProducts",
            "parameters": [
                _query("q", {"type": "string", "maxLength": 200}, "Words to find."),
                _query("category", {"type": "string"}, "A category slug."),
                _query("page", {"type": "integer", "minimum": 1, "maximum": 100000}),
                _query("per_page", {"type": "integer", "minimum": 1, "maximum": 100}),
            ],
            "responses": {"200": _json("ProductList"), "400": PROBLEM, "422": PROBLEM,
                          **RATE_LIMITED},
        }
    },
    "/products/{slug}": {
        "get": {
            "summary": "One product",
            "operationId": "getProduct",
            "parameters": [
                {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"},
                 "example": "live-milk-kefir-grains"}
            ],
            "responses": {"200": _json("Product"), "404": PROBLEM, **RATE_LIMITED},
        }
    },
    "/chat/status": {
        "get": {
            "summary": "Live-chat availability at an instant",
            "operationId": "getChatStatus",
            "parameters": [AT],
            "responses": {"200": _json("ChatStatus"), "400": PROBLEM, "422": PROBLEM,
                          **RATE_LIMITED},
        }
    },
}


@cache
def document() -> dict:
    """The whole document, built once."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Kefir shop API", "version": "1.0.0"},
        "servers": [{"url": "/api/v1"}],
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "responses": {
                "Problem": {
                    "description": "An error, as RFC 9457 problem details",
                    "content": {
                        "application/problem+json": {
                            "schema": {"$ref": "#/components/schemas/Problem"}
                        }
                    },
                }
            },
        },
    }
