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
    "BasketItem": {
        "type": "object",
        "required": ["slug", "name", "quantity", "unit_price_pence", "line_total_pence"],
        "properties": {
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "quantity": {"type": "integer", "minimum": 1, "maximum": 99},
            "unit_price_pence": {"type": "integer", "minimum": 0,
                                 "description": "The product's price now."},
            "line_total_pence": {"type": "integer", "minimum": 0},
            "stock_available": {"type": "integer", "minimum": 0},
            "problem": {"type": ["string", "null"],
                        "description": "Why this line cannot be checked out as it stands."},
        },
    },
    "Delivery": {
        "type": "object",
        "required": ["service", "price_pence", "free", "free_over_pence", "amount_to_free_pence"],
        "properties": {
            "service": {"const": "next_day"},
            "price_pence": {"type": "integer", "minimum": 0},
            "free": {"type": "boolean",
                     "description": "True when the goods subtotal is over free_over_pence."},
            "free_over_pence": {"type": "integer", "minimum": 0},
            "amount_to_free_pence": {"type": "integer", "minimum": 0,
                                     "description": "How much more to spend for free delivery."},
        },
    },
    "Basket": {
        "type": "object",
        "required": ["items", "subtotal_pence", "delivery", "total_pence"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/BasketItem"}},
            "subtotal_pence": {"type": "integer", "minimum": 0},
            "delivery": {"$ref": "#/components/schemas/Delivery"},
            "total_pence": {"type": "integer", "minimum": 0},
            "count": {"type": "integer", "minimum": 0, "description": "Units in the basket."},
            "can_checkout": {"type": "boolean",
                             "description": "False when empty or when any line has a problem."},
        },
    },
    "BasketItemAdd": {
        "type": "object",
        "required": ["slug", "quantity"],
        "properties": {
            "slug": {"type": "string", "minLength": 1, "maxLength": 120},
            "quantity": {"type": "integer", "minimum": 1, "maximum": 99},
        },
    },
    "BasketItemUpdate": {
        "type": "object",
        "required": ["quantity"],
        "properties": {
            "quantity": {"type": "integer", "minimum": 0, "maximum": 99,
                         "description": "0 removes the line."},
        },
    },
    "DeliveryEstimate": {
        "type": "object",
        "required": ["order_by", "dispatch_date", "delivery_date"],
        "properties": {
            "order_by": {"type": "string", "format": "date-time",
                         "description": "Order before this instant for these dates."},
            "dispatch_date": {"type": "string", "format": "date"},
            "delivery_date": {"type": "string", "format": "date"},
            "timezone": {"const": "Europe/London"},
            "delivery_label": {"type": "string", "examples": ["Thursday 26 November"]},
            "label": {"type": "string",
                      "examples": ["Order within 2 h 15 min for delivery on Thursday 26 November"]},
        },
    },
    "Address": {
        "type": "object",
        "required": ["line1", "city", "postcode"],
        "properties": {
            "line1": {"type": "string", "minLength": 1, "maxLength": 100},
            "line2": {"type": "string", "maxLength": 100},
            "city": {"type": "string", "minLength": 1, "maxLength": 60},
            "postcode": {"type": "string", "description": "A UK postcode, e.g. SW1A 1AA."},
        },
    },
    "CheckoutRequest": {
        "type": "object",
        "required": ["email", "name", "address"],
        "properties": {
            "email": {"type": "string", "format": "email", "maxLength": 254},
            "name": {"type": "string", "minLength": 1, "maxLength": 100},
            "phone": {"type": "string", "maxLength": 20},
            "address": {"$ref": "#/components/schemas/Address"},
        },
    },
    "OrderItem": {
        "type": "object",
        "required": ["slug", "name", "quantity", "unit_price_pence", "line_total_pence"],
        "properties": {
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "quantity": {"type": "integer", "minimum": 1},
            "unit_price_pence": {"type": "integer", "minimum": 0},
            "line_total_pence": {"type": "integer", "minimum": 0},
        },
    },
    "Order": {
        "type": "object",
        "required": ["number", "status", "items", "subtotal_pence", "delivery_pence",
                     "total_pence", "delivery_date", "email"],
        "properties": {
            "number": {"type": "string", "examples": ["KS-000123"]},
            "status": {"enum": ["pending_payment", "paid", "payment_failed", "expired",
                                "dispatched", "delivered", "refunded"]},
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/OrderItem"}},
            "subtotal_pence": {"type": "integer", "minimum": 0},
            "delivery_pence": {"type": "integer", "minimum": 0},
            "total_pence": {"type": "integer", "minimum": 0},
            "delivery_date": {"type": "string", "format": "date"},
            "email": {"type": "string"},
        },
    },
    "CheckoutResult": {
        "type": "object",
        "required": ["order", "status_url", "payment"],
        "properties": {
            "order": {"$ref": "#/components/schemas/Order"},
            "status_url": {"type": "string", "description": "The customer's signed order page."},
            "payment": {
                "type": "object",
                "required": ["provider", "payment_intent_id", "client_secret", "publishable_key"],
                "properties": {
                    "provider": {"const": "stripe"},
                    "payment_intent_id": {"type": "string"},
                    "client_secret": {"type": "string"},
                    "publishable_key": {"type": "string"},
                },
            },
        },
    },
}

def _body(schema_ref: str) -> dict:
    return {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}},
    }


SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}

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
    "/basket": {
        "get": {
            "summary": "The caller's basket, at current prices",
            "description": "The basket of the caller's `basket` cookie; empty without one.",
            "operationId": "getBasket",
            "responses": {"200": _json("Basket")},
        }
    },
    "/basket/items": {
        "post": {
            "summary": "Add a product to the basket (adds to its line if already there)",
            "description": "Sets the `basket` cookie when the basket is new.",
            "operationId": "addBasketItem",
            "requestBody": _body("BasketItemAdd"),
            "responses": {
                "201": _json("Basket", "The basket after the add"),
                "400": PROBLEM, "404": PROBLEM, "409": PROBLEM, "415": PROBLEM, "422": PROBLEM,
            },
        }
    },
    "/basket/items/{slug}": {
        "parameters": [SLUG],
        "patch": {
            "summary": "Set a line's quantity (0 removes it)",
            "operationId": "updateBasketItem",
            "requestBody": _body("BasketItemUpdate"),
            "responses": {
                "200": _json("Basket"),
                "400": PROBLEM, "404": PROBLEM, "409": PROBLEM, "415": PROBLEM, "422": PROBLEM,
            },
        },
        "delete": {
            "summary": "Remove a line",
            "operationId": "deleteBasketItem",
            "responses": {"200": _json("Basket"), "404": PROBLEM},
        },
    },
    "/delivery/estimate": {
        "get": {
            "summary": "Dispatch and delivery dates for an order placed at an instant",
            "operationId": "getDeliveryEstimate",
            "parameters": [AT],
            "responses": {"200": _json("DeliveryEstimate"), "400": PROBLEM, "422": PROBLEM},
        }
    },
    "/checkout": {
        "post": {
            "summary": "Place an order for the caller's basket",
            "description": "Reserves the stock and opens a Stripe PaymentIntent for the total "
            "computed on the server. The order becomes paid only through Stripe's webhook.",
            "operationId": "checkout",
            "requestBody": _body("CheckoutRequest"),
            "responses": {
                "201": _json("CheckoutResult", "The order, waiting for payment"),
                "400": PROBLEM, "409": PROBLEM, "415": PROBLEM, "422": PROBLEM, "503": PROBLEM,
            },
        }
    },
    "/orders/{number}": {
        "get": {
            "summary": "An order's state, with the token from its status_url",
            "operationId": "getOrder",
            "parameters": [
                {"name": "number", "in": "path", "required": True, "schema": {"type": "string"}},
                {"name": "token", "in": "query", "required": True, "schema": {"type": "string"}},
            ],
            "responses": {"200": _json("Order"), "404": PROBLEM},
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
            "securitySchemes": SECURITY_SCHEMES,
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


# The admin API: bearer tokens from `flask --app shop create-api-token EMAIL`.

BEARER = [{"bearerAuth": []}]
SECURITY_SCHEMES = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "A token from `flask --app shop create-api-token EMAIL`. The session "
        "cookie is never accepted here.",
    }
}
ADMIN_ERRORS = {"401": PROBLEM, "403": PROBLEM}
WRITE_ERRORS = {"400": PROBLEM, "415": PROBLEM, "422": PROBLEM}


def _slug_param(description: str) -> dict:
    return {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"},
            "description": description}


def _body(schema_ref: str) -> dict:
    return {"required": True, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{schema_ref}"}}}}


def _list_of(ref: str) -> dict:
    return {
        "type": "object",
        "required": ["items", "page", "per_page", "total"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{ref}"}},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
            "total": {"type": "integer", "minimum": 0},
        },
    }


PAGING = [
    _query("page", {"type": "integer", "minimum": 1, "maximum": 100000}),
    _query("per_page", {"type": "integer", "minimum": 1, "maximum": 100}),
]
PRODUCT_INPUT = {
    "name": {"type": "string", "minLength": 1, "maxLength": 200},
    "slug": {"type": "string", "pattern": "^[a-z0-9]+(?:-[a-z0-9]+)*$", "maxLength": 120},
    "description": {"type": "string", "maxLength": 5000},
    "category": {"type": "string", "description": "A category's slug."},
    "price_pence": {"type": "integer", "minimum": 1, "maximum": 1000000},
    "stock": {"type": "integer", "minimum": 0, "maximum": 1000000,
              "description": "Units free to sell (absolute)."},
    "active": {"type": "boolean", "description": "false hides the product from the shop."},
    "featured": {"type": "boolean"},
}
POST_INPUT = {
    "title": {"type": "string", "minLength": 1, "maxLength": 200},
    "slug": {"type": "string", "pattern": "^[a-z0-9]+(?:-[a-z0-9]+)*$", "maxLength": 160},
    "body_markdown": {"type": "string", "maxLength": 200000},
    "excerpt": {"type": "string", "maxLength": 500,
                "description": "Empty: the body's opening paragraph."},
    "published": {"type": "boolean"},
    "author": {"type": "string", "maxLength": 120},
    "published_at": {"type": ["string", "null"], "format": "date-time"},
    "tags": {"type": "array", "maxItems": 10, "items": {"type": "string", "maxLength": 80}},
    "products": {"type": "array", "maxItems": 8, "items": {"type": "string"},
                 "description": "Slugs of recommended products."},
}

SCHEMAS.update({
    "ValidationProblem": {
        "allOf": [{"$ref": "#/components/schemas/Problem"}],
        "properties": {"errors": {"type": "object", "additionalProperties": {"type": "string"},
                                  "description": "Each invalid field and what is wrong."}},
    },
    "AdminProduct": {
        "allOf": [{"$ref": "#/components/schemas/Product"}],
        "required": ["stock", "active", "featured"],
        "properties": {"stock": {"type": "integer", "minimum": 0}, "active": {"type": "boolean"},
                       "featured": {"type": "boolean"}},
    },
    "AdminProductList": _list_of("AdminProduct"),
    "ProductCreate": {"type": "object", "required": ["name", "category", "price_pence"],
                      "properties": PRODUCT_INPUT, "additionalProperties": False},
    "ProductUpdate": {"type": "object", "properties": PRODUCT_INPUT,
                      "description": "Any subset; read-only Product fields are ignored."},
    "Post": {
        "type": "object",
        "required": ["title", "slug", "body_markdown", "published", "excerpt"],
        "properties": POST_INPUT | {
            "updated_at": {"type": "string", "format": "date-time"},
            "url": {"type": "string", "description": "The post's page (404 while a draft)."},
        },
    },
    "PostList": _list_of("Post"),
    "PostCreate": {"type": "object", "required": ["title"], "properties": POST_INPUT,
                   "additionalProperties": False},
    "PostUpdate": {"type": "object", "properties": POST_INPUT,
                   "description": "Any subset; url and updated_at are ignored."},
    "AdminOrder": {
        "type": "object",
        "required": ["number", "status", "items", "subtotal_pence", "delivery_pence",
                     "total_pence", "delivery_date", "email"],
        "properties": {
            "number": {"type": "string"},
            "status": {"enum": ["pending_payment", "paid", "payment_failed", "expired",
                                "dispatched", "delivered", "refunded"]},
            "items": {"type": "array", "items": {"type": "object", "properties": {
                "slug": {"type": "string"}, "name": {"type": "string"},
                "quantity": {"type": "integer"}, "unit_price_pence": {"type": "integer"},
                "line_total_pence": {"type": "integer"}}}},
            "subtotal_pence": {"type": "integer"},
            "delivery_pence": {"type": "integer"},
            "total_pence": {"type": "integer"},
            "delivery_date": {"type": "string", "format": "date"},
            "dispatch_date": {"type": "string", "format": "date"},
            "email": {"type": "string"},
            "name": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
            "paid_at": {"type": ["string", "null"], "format": "date-time"},
            "address": {"type": "object"},
        },
    },
    "AdminOrderList": _list_of("AdminOrder"),
    "Refund": {"type": "object", "properties": {"restock": {
        "type": "boolean", "default": False,
        "description": "Put the order's items back on sale (the goods are back, or never left)."}},
        "additionalProperties": False},
})

VALIDATION = {"description": "Invalid values", "content": {"application/problem+json": {
    "schema": {"$ref": "#/components/schemas/ValidationProblem"}}}}

PATHS.update({
    "/admin/products": {
        "get": {
            "summary": "Every product, active or not",
            "operationId": "adminListProducts",
            "security": BEARER,
            "parameters": [
                _query("q", {"type": "string", "maxLength": 200}),
                _query("category", {"type": "string"}),
                _query("active", {"enum": ["true", "false"]}),
                _query("low_stock", {"type": "integer", "minimum": 0},
                       "Only products with this many or fewer units."),
                *PAGING,
            ],
            "responses": {"200": _json("AdminProductList"), "400": PROBLEM, **ADMIN_ERRORS},
        },
        "post": {
            "summary": "Add a product",
            "operationId": "adminCreateProduct",
            "security": BEARER,
            "requestBody": _body("ProductCreate"),
            "responses": {"201": _json("AdminProduct", "Created"), **WRITE_ERRORS,
                          "422": VALIDATION, "409": PROBLEM, **ADMIN_ERRORS},
        },
    },
    "/admin/products/{slug}": {
        "parameters": [_slug_param("The product's slug")],
        "get": {"summary": "One product", "operationId": "adminGetProduct", "security": BEARER,
                "responses": {"200": _json("AdminProduct"), "404": PROBLEM, **ADMIN_ERRORS}},
        "patch": {
            "summary": "Change a product (price, stock, active, …)",
            "operationId": "adminUpdateProduct",
            "security": BEARER,
            "requestBody": _body("ProductUpdate"),
            "responses": {"200": _json("AdminProduct"), **WRITE_ERRORS, "422": VALIDATION,
                          "404": PROBLEM, "409": PROBLEM, **ADMIN_ERRORS},
        },
        "delete": {
            "summary": "Delete a product that was never ordered",
            "description": "A product that appears in any order is never deleted: the answer "
            "is 409, and PATCH {\"active\": false} deactivates it instead.",
            "operationId": "adminDeleteProduct",
            "security": BEARER,
            "responses": {"204": {"description": "Deleted"}, "404": PROBLEM, "409": PROBLEM,
                          **ADMIN_ERRORS},
        },
    },
    "/admin/posts": {
        "get": {
            "summary": "Every post, drafts first",
            "operationId": "adminListPosts",
            "security": BEARER,
            "parameters": [_query("q", {"type": "string"}),
                           _query("published", {"enum": ["true", "false"]}), *PAGING],
            "responses": {"200": _json("PostList"), "400": PROBLEM, **ADMIN_ERRORS},
        },
        "post": {
            "summary": "Add a post (a draft unless published is true)",
            "operationId": "adminCreatePost",
            "security": BEARER,
            "requestBody": _body("PostCreate"),
            "responses": {"201": _json("Post", "Created"), **WRITE_ERRORS, "409": PROBLEM,
                          **ADMIN_ERRORS},
        },
    },
    "/admin/posts/{slug}": {
        "parameters": [_slug_param("The post's slug")],
        "get": {"summary": "One post", "operationId": "adminGetPost", "security": BEARER,
                "responses": {"200": _json("Post"), "404": PROBLEM, **ADMIN_ERRORS}},
        "patch": {
            "summary": "Change, publish or unpublish a post",
            "operationId": "adminUpdatePost",
            "security": BEARER,
            "requestBody": _body("PostUpdate"),
            "responses": {"200": _json("Post"), **WRITE_ERRORS, "404": PROBLEM, "409": PROBLEM,
                          **ADMIN_ERRORS},
        },
        "delete": {"summary": "Delete a post", "operationId": "adminDeletePost",
                   "security": BEARER,
                   "responses": {"204": {"description": "Deleted"}, "404": PROBLEM,
                                 **ADMIN_ERRORS}},
    },
    "/admin/orders": {
        "get": {
            "summary": "Orders, newest first",
            "operationId": "adminListOrders",
            "security": BEARER,
            "parameters": [_query("status", {"type": "string"}),
                           _query("q", {"type": "string"}, "An order number or email."),
                           *PAGING],
            "responses": {"200": _json("AdminOrderList"), "400": PROBLEM, **ADMIN_ERRORS},
        }
    },
    "/admin/orders/{number}/refund": {
        "post": {
            "summary": "Refund a paid, dispatched or delivered order through Stripe",
            "description": "Admin role only. The whole amount is refunded and the order "
            "becomes refunded; 409 when the order is in another state, 502 when Stripe refuses.",
            "operationId": "adminRefundOrder",
            "security": BEARER,
            "parameters": [{"name": "number", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "requestBody": {"required": False, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Refund"}}}},
            "responses": {"200": _json("AdminOrder"), "400": PROBLEM, "415": PROBLEM,
                          "422": PROBLEM, "404": PROBLEM, "409": PROBLEM, "502": PROBLEM,
                          **ADMIN_ERRORS},
        }
    },
})
