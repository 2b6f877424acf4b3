//! The OpenAPI 3 document of every endpoint, written by hand: the API is small,
//! and a test checks that every route in [`ROUTES`] is documented and served.

use axum::Json;
use serde_json::{Value, json};

/// Every route the server answers, as (method, OpenAPI path).
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/openapi.json"),
    ("post", "/oauth2/token"),
    ("post", "/oauth2/introspect"),
    ("get", "/.well-known/jwks.json"),
    ("get", "/.well-known/oauth-authorization-server"),
    ("get", "/admin/v1/applications"),
    ("post", "/admin/v1/applications"),
    ("post", "/admin/v1/applications/batch"),
    ("get", "/admin/v1/applications/{client_id}"),
    ("patch", "/admin/v1/applications/{client_id}"),
    ("delete", "/admin/v1/applications/{client_id}"),
    ("get", "/admin/v1/applications/{client_id}/secret"),
    ("post", "/admin/v1/applications/{client_id}/secret"),
    ("post", "/admin/v1/applications/{client_id}/secret/rotate"),
    ("post", "/admin/v1/applications/{client_id}/secret/retire"),
    ("post", "/admin/v1/applications/{client_id}/suspend"),
    ("post", "/admin/v1/applications/{client_id}/resume"),
    ("post", "/admin/v1/applications/{client_id}/restore"),
    ("post", "/admin/v1/applications/{client_id}/purge"),
    ("get", "/admin/v1/scopes"),
    ("get", "/admin/v1/audit"),
];

pub async fn document() -> Json<Value> {
    Json(spec())
}

fn err(description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

fn ok(description: &str, schema: Value) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": schema}}})
}

fn app_ref() -> Value {
    json!({"$ref": "#/components/schemas/Application"})
}

pub fn spec() -> Value {
    let mut paths = serde_json::Map::new();
    for part in [
        service_paths(),
        admin_paths(),
        rotation_paths(),
        lifecycle_paths(),
        audit_paths(),
    ] {
        if let Value::Object(part) = part {
            paths.extend(part);
        }
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Keyward token service",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "One region's OAuth 2.0 client credentials token service and its admin API."
        },
        "paths": paths,
        "components": components(),
    })
}

/// `op` with its `responses`.
fn with(mut op: Value, responses: Value) -> Value {
    op["responses"] = responses;
    op
}

/// A form-urlencoded request body with these properties.
fn form(props: Value, required: Value) -> Value {
    json!({"required": true, "content": {"application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": props, "required": required}}}})
}

/// The unauthenticated endpoints: health, this document and OAuth 2.0.
fn service_paths() -> Value {
    json!({
        "/healthz": {"get": with(json!({"summary": "Liveness"}), json!({"200": {"description": "Alive"}}))},
        "/readyz": {"get": with(json!({
            "summary": "Readiness: the store answers",
            "description": "200 when the store answered a cheap read within 2 s; 503 otherwise, with a general reason (the details are in the server's log). /healthz only says the process answers."
        }), json!({
            "200": ok("Ready", json!({"type": "object", "properties": {"ready": {"type": "boolean", "enum": [true]}}})),
            "503": ok("Not ready", json!({"type": "object", "properties": {"ready": {"type": "boolean", "enum": [false]}, "reason": {"type": "string"}}}))
        }))},
        "/openapi.json": {"get": with(json!({"summary": "This document"}), json!({"200": ok("OpenAPI 3", json!({"type": "object"}))}))},
        "/oauth2/token": {"post": with(json!({
            "summary": "Client credentials grant (RFC 6749 §4.4)",
            "description": "Client authentication by HTTP Basic (form-urlencoded parts, or raw) or client_id/client_secret in the body, not both. grant_type=none is an alias of client_credentials. scope is split on spaces and '+'.",
            "security": [{"basic": []}, {}],
            "requestBody": form(json!({
                "grant_type": {"type": "string", "enum": ["client_credentials", "none"]},
                "scope": {"type": "string"},
                "client_id": {"type": "string"},
                "client_secret": {"type": "string"}
            }), json!(["grant_type"]))
        }), json!({
            "200": ok("A token", json!({"$ref": "#/components/schemas/Token"})),
            "400": err("invalid_request, unsupported_grant_type or invalid_scope"),
            "401": err("invalid_client"),
            "413": err("Body too large"),
            "429": err("temporarily_unavailable: too many failed authentications for this client ID or address; see Retry-After")
        }))},
        "/oauth2/introspect": {"post": with(json!({
            "summary": "Token introspection (RFC 7662); the caller authenticates as a client",
            "description": "A client learns about its own tokens. Other clients' tokens are described only to admin clients and to clients granted keyward:introspect (read), a scope a deployment adds to its scopes.toml; to anyone else every such token is {\"active\": false} (RFC 7662 §2.2).",
            "security": [{"basic": []}, {}],
            "requestBody": form(json!({"token": {"type": "string", "minLength": 1}, "client_id": {"type": "string"}, "client_secret": {"type": "string"}}), json!(["token"]))
        }), json!({
            "200": ok("Whether the token is active, and its claims", json!({"type": "object", "properties": {"active": {"type": "boolean"}}})),
            "400": err("invalid_request"),
            "401": err("invalid_client"),
            "429": err("temporarily_unavailable: too many failed authentications; see Retry-After")
        }))},
        "/.well-known/jwks.json": {"get": with(json!({"summary": "The public signing keys (RFC 7517)"}), json!({"200": ok("JWK Set", json!({"type": "object"}))}))},
        "/.well-known/oauth-authorization-server": {"get": with(json!({"summary": "Authorization server metadata (RFC 8414)"}), json!({"200": ok("Metadata", json!({"type": "object"}))}))},
    })
}

/// The error replies every admin endpoint may give, plus `extra`.
fn admin_errors(extra: &[(&str, &str)]) -> Value {
    let mut r = json!({
        "400": err("Malformed client ID or body"),
        "401": err("No bearer token, or not a valid one"),
        "403": err("insufficient_scope: the token lacks keyward:admin (reading needs keyward:admin or keyward:admin:read; everything else, a secret's reveal included, needs keyward:admin)"),
    });
    for (code, d) in extra {
        r[*code] = err(d);
    }
    r
}

/// `admin_errors(extra)` with the success reply `code`.
fn admin_responses(extra: &[(&str, &str)], code: &str, success: Value) -> Value {
    let mut r = admin_errors(extra);
    r[code] = success;
    r
}

fn json_body(schema: Value) -> Value {
    json!({"required": true, "content": {"application/json": {"schema": schema}}})
}

/// `/admin/v1/`, for bearer tokens with `keyward:admin` (`keyward:admin:read`
/// for the reads).
fn admin_paths() -> Value {
    let admin = json!([{"bearer": []}]);
    // What the server accepts as a client ID; anything else is a 400.
    let id_param = json!([{"name": "client_id", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,128}$"}}]);
    let mut list_responses = admin_responses(
        &[],
        "200",
        json!({
            "description": "A page of applications",
            "headers": {"Link": {"description": "<...?limit=N&cursor=C>; rel=\"next\" while more follow", "schema": {"type": "string"}}},
            "content": {"application/json": {"schema": {"type": "array", "items": app_ref()}}}
        }),
    );
    list_responses["400"] = err(
        "Malformed client ID or body, a limit out of range, or a cursor this server did not give",
    );
    json!({
        "/admin/v1/applications": {
            "get": with(json!({
                "summary": "List the region's applications, a page at a time",
                "description": "Sorted by name (ASCII case-insensitive), then client ID. While more follow, the reply has a Link header (RFC 8288) with rel=\"next\" whose target carries the cursor of the next page; follow it until there is none.",
                "security": admin,
                "parameters": [
                    {"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": crate::server::admin::PAGE_MAX, "default": crate::server::admin::PAGE_DEFAULT}},
                    {"name": "cursor", "in": "query", "required": false, "description": "From the previous page's Link header; opaque", "schema": {"type": "string"}},
                    {"name": "deleted", "in": "query", "required": false, "description": "true: the trash instead (deleted applications whose period has not ended, with deleted_at and purge_after)", "schema": {"type": "boolean", "default": false}}
                ]
            }), list_responses),
            "post": with(json!({"summary": "Register an application; the reply has its secret", "security": admin, "requestBody": json_body(json!({"$ref": "#/components/schemas/NewApplication"}))}),
                admin_responses(&[("400", "Invalid name or scopes"), ("409", "Name taken")], "201", ok("Created, with client_secret", app_ref())))
        },
        "/admin/v1/applications/batch": {
            "post": with(json!({"summary": "Register several applications, all or none", "security": admin, "requestBody": json_body(json!({"type": "object", "additionalProperties": false, "required": ["applications"], "properties": {"applications": {"type": "array", "items": {"$ref": "#/components/schemas/NewApplication"}}}}))}),
                admin_responses(&[("400", "Invalid name or scopes"), ("409", "Name taken")], "201", ok("Created", json!({"type": "array", "items": app_ref()}))))
        },
        "/admin/v1/applications/{client_id}": {
            "parameters": id_param.clone(),
            "get": with(json!({"summary": "One application", "security": admin}),
                admin_responses(&[("404", "Unknown client ID")], "200", ok("The application", app_ref()))),
            "patch": with(json!({"summary": "Rename and/or change scope access (merged; none removes)", "security": admin, "requestBody": json_body(json!({"type": "object", "additionalProperties": false, "properties": {"client_name": {"$ref": "#/components/schemas/Name"}, "scopes": {"type": "array", "items": {"$ref": "#/components/schemas/Grant"}}}}))}),
                admin_responses(&[("400", "Invalid input"), ("404", "Unknown client ID"), ("409", "Name taken")], "200", ok("The application", app_ref()))),
            "delete": with(json!({"summary": "Delete: to the trash until purge_after; its credentials stop working at once", "description": "The application is kept in the trash for the server's trash_days (7 unless configured) and can be restored with its secret unchanged until then; its name is free for another application meanwhile. Listed with GET /admin/v1/applications?deleted=true.", "security": admin}),
                admin_responses(&[("404", "Unknown client ID")], "200", ok("The application, in the trash: deleted_at and purge_after say until when", app_ref())))
        },
        "/admin/v1/applications/{client_id}/secret": {
            "parameters": id_param,
            "get": with(json!({"summary": "The secret, while its window is open", "security": admin}),
                admin_responses(&[("404", "Unknown client ID"), ("410", "The window has closed: reset instead")], "200", ok("The secret", json!({"$ref": "#/components/schemas/Secret"})))),
            "post": with(json!({"summary": "Reset the secret; the old one stops working at once", "security": admin}),
                admin_responses(&[("404", "Unknown client ID")], "200", ok("The application with its new secret", app_ref())))
        },
        "/admin/v1/scopes": {
            "get": with(json!({"summary": "The scope catalog", "security": admin}),
                admin_responses(&[], "200", ok("Scope groups", json!({"type": "array", "items": {"type": "object"}}))))
        }
    })
}

/// Rotating a secret with a grace, and ending the retiring one.
fn rotation_paths() -> Value {
    let admin = json!([{"bearer": []}]);
    let id_param = json!([{"name": "client_id", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,128}$"}}]);
    json!({
        "/admin/v1/applications/{client_id}/secret/rotate": {
            "parameters": id_param.clone(),
            "post": with(json!({
                "summary": "Rotate the secret: a new current one; the previous one keeps working until the grace ends",
                "description": "The previous current secret becomes retiring and works until now + grace_seconds (0 to 2592000, i.e. 30 days; without a body, the server's rotation_grace, 24 h unless configured), then fails with no write needed. Refused with 409 already_retiring while another secret is retiring: retire it, or reset (which ends every older secret at once).",
                "security": admin,
                "requestBody": {"required": false, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "properties": {"grace_seconds": {"type": "integer", "nullable": true, "minimum": 0, "maximum": crate::model::MAX_ROTATION_GRACE.num_seconds(), "description": "Absent or null: the server's rotation_grace"}}}}}}
            }),
                admin_responses(&[("400", "Malformed client ID or body, or a grace out of range"), ("404", "Unknown client ID"), ("409", "already_retiring: another secret is retiring")], "200", ok("The application with its new secret; secrets lists both", app_ref())))
        },
        "/admin/v1/applications/{client_id}/secret/retire": {
            "parameters": id_param,
            "post": with(json!({"summary": "End the retiring secret now", "security": admin}),
                admin_responses(&[("404", "Unknown client ID"), ("409", "nothing_to_retire: no secret is retiring")], "200", ok("The application", app_ref())))
        }
    })
}

/// Suspension and the trash.
fn lifecycle_paths() -> Value {
    let admin = json!([{"bearer": []}]);
    let id_param = json!([{"name": "client_id", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,128}$"}}]);
    json!({
        "/admin/v1/applications/{client_id}/suspend": {
            "parameters": id_param.clone(),
            "post": with(json!({"summary": "Suspend: no token from the next request on (invalid_client); its secrets stay as they are", "security": admin}),
                admin_responses(&[("404", "Unknown client ID")], "200", ok("The application, with suspended_at", app_ref())))
        },
        "/admin/v1/applications/{client_id}/resume": {
            "parameters": id_param.clone(),
            "post": with(json!({"summary": "Resume a suspended application", "security": admin}),
                admin_responses(&[("404", "Unknown client ID")], "200", ok("The application", app_ref())))
        },
        "/admin/v1/applications/{client_id}/restore": {
            "parameters": id_param.clone(),
            "post": with(json!({"summary": "Bring an application back from the trash, its secret unchanged", "security": admin}),
                admin_responses(&[("404", "Unknown client ID (or its trash period has ended)"), ("409", "not_in_trash: it was not deleted; restore_name_taken: another application has its name now (rename that one first)")], "200", ok("The application", app_ref())))
        },
        "/admin/v1/applications/{client_id}/purge": {
            "parameters": id_param,
            "post": with(json!({"summary": "Remove an application from the trash for good", "security": admin}),
                admin_responses(&[("404", "Unknown client ID"), ("409", "not_in_trash: delete it first")], "204", json!({"description": "Gone for good"})))
        }
    })
}

/// The audit log.
fn audit_paths() -> Value {
    let admin = json!([{"bearer": []}]);
    let actions: Vec<&str> = crate::model::AuditAction::ALL
        .iter()
        .map(|a| a.as_str())
        .collect();
    let param = |name: &str, schema: Value, description: &str| json!({"name": name, "in": "query", "required": false, "schema": schema, "description": description});
    json!({
        "/admin/v1/audit": {
            "get": with(json!({
                "summary": "The region's audit log: who changed what, hash-chained",
                "description": "Newest first, paged: when more events match, a `Link: <...>; rel=\"next\"` header gives the next page. With after_seq: the events after that sequence number, oldest first (for following the log). Events never hold a secret, a hash of one, or a token.",
                "security": admin,
                "parameters": [
                    param("client_id", json!({"type": "string"}), "Only events about this application"),
                    param("action", json!({"type": "string", "enum": actions}), "Only this kind of event"),
                    param("since", json!({"type": "string", "format": "date-time"}), "Only events at or after this time"),
                    param("limit", json!({"type": "integer", "minimum": 1, "maximum": super::admin::PAGE_MAX, "default": super::admin::PAGE_DEFAULT}), "Events per page"),
                    param("cursor", json!({"type": "integer", "minimum": 0}), "From a Link header: events before this sequence number"),
                    param("after_seq", json!({"type": "integer", "minimum": 0}), "Events after this sequence number, oldest first")
                ]
            }),
                admin_responses(&[("400", "A malformed filter or limit")], "200", ok("Events", json!({"type": "array", "items": {"$ref": "#/components/schemas/AuditEvent"}}))))
        }
    })
}

fn components() -> Value {
    json!({
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            "basic": {"type": "http", "scheme": "basic"}
        },
        "schemas": {
            "AuditEvent": {"type": "object", "required": ["seq", "at", "region", "action", "actor", "changes", "prev_hash", "hash"], "properties": {
                "seq": {"type": "integer", "description": "Position in the region's chain, from 1"},
                "at": {"type": "string", "format": "date-time"}, "region": {"type": "string"},
                "action": {"type": "string", "enum": crate::model::AuditAction::ALL.iter().map(|a| a.as_str()).collect::<Vec<_>>()},
                "client_id": {"type": "string", "nullable": true}, "client_name": {"type": "string", "nullable": true, "description": "The application's name at the time"},
                "actor": {"type": "object", "properties": {"via": {"type": "string", "enum": ["cli", "tui", "api", "serve"]}, "user": {"type": "string", "nullable": true}, "host": {"type": "string", "nullable": true}, "admin_client_id": {"type": "string", "nullable": true}, "address": {"type": "string", "nullable": true}}},
                "changes": {"type": "object", "description": "Field -> {before, after}: names, scope access, secret IDs"},
                "prev_hash": {"type": "string", "description": "The previous event's hash (64 zeros for the first)"},
                "hash": {"type": "string", "description": "SHA-256 (hex) of the event's JSON without hash, fields in this order"}}},
            "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}}},
            "Token": {"type": "object", "required": ["access_token", "token_type", "expires_in", "scope"], "properties": {
                "access_token": {"type": "string"}, "token_type": {"type": "string", "enum": ["Bearer"]},
                "expires_in": {"type": "integer"}, "scope": {"type": "string"}}},
            "Grant": {"type": "object", "additionalProperties": false, "required": ["scope", "access"], "properties": {"scope": {"type": "string", "pattern": "^[a-z0-9_-]{1,48}:[a-z0-9_-]{1,48}$"}, "access": {"type": "string", "enum": ["none", "read", "write"]}}},
            "Name": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^\\S(.*\\S)?$", "description": "1 to 64 characters after trimming, without control characters; unique in the region (case-insensitive)"},
            "NewApplication": {"type": "object", "additionalProperties": false, "required": ["client_name"], "properties": {
                "client_name": {"$ref": "#/components/schemas/Name"}, "scopes": {"type": "array", "items": {"$ref": "#/components/schemas/Grant"}}, "admin": {"type": "boolean", "enum": [false], "description": "Admin clients are made only on the server's data dir"}}},
            "Secret": {"type": "object", "properties": {"client_id": {"type": "string"}, "client_secret": {"type": "string"}, "client_secret_visible_until": {"type": "string", "format": "date-time"}}},
            "Application": {"type": "object", "required": ["client_id", "client_name", "region", "scopes", "scope", "client_secret_issued_at", "created_at", "updated_at"], "properties": {
                "client_id": {"type": "string"}, "client_name": {"type": "string"}, "region": {"type": "string"},
                "scopes": {"type": "array", "items": {"$ref": "#/components/schemas/Grant"}}, "scope": {"type": "string"},
                "admin": {"type": "boolean"}, "client_secret": {"type": "string"},
                "client_secret_visible_until": {"type": "string", "format": "date-time"},
                "client_secret_issued_at": {"type": "string", "format": "date-time"},
                "created_at": {"type": "string", "format": "date-time"}, "updated_at": {"type": "string", "format": "date-time"},
                "last_used_at": {"type": "string", "format": "date-time", "nullable": true, "description": "When any of its secrets last got a token (recorded every few seconds)"},
                "secrets": {"type": "array", "items": {"$ref": "#/components/schemas/SecretInfo"}, "description": "The current secret, then the retiring one while it works; never the secrets themselves"},
                "suspended_at": {"type": "string", "format": "date-time", "description": "Present while suspended: it gets no token"},
                "deleted_at": {"type": "string", "format": "date-time", "description": "Present in the trash: when it was deleted"},
                "purge_after": {"type": "string", "format": "date-time", "description": "Present in the trash: when it is gone for good unless restored"}}},
            "SecretInfo": {"type": "object", "required": ["secret_id", "state", "created_at"], "properties": {
                "secret_id": {"type": "string", "pattern": "^[A-Za-z0-9]{8}$", "description": "Random; never derived from the secret"},
                "state": {"type": "string", "enum": ["current", "retiring"]},
                "created_at": {"type": "string", "format": "date-time"},
                "expires_at": {"type": "string", "format": "date-time", "nullable": true, "description": "When a retiring secret stops working"},
                "last_used_at": {"type": "string", "format": "date-time", "nullable": true},
                "last_used_from": {"type": "string", "nullable": true, "description": "The address it last got a token from"}}}
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_documented() {
        let spec = spec();
        for (method, path) in ROUTES {
            assert!(
                spec["paths"][path][method].is_object(),
                "{method} {path} is missing from the OpenAPI document"
            );
        }
        let documented: usize = spec["paths"]
            .as_object()
            .unwrap()
            .values()
            .map(|p| {
                p.as_object()
                    .unwrap()
                    .keys()
                    .filter(|k| *k != "parameters")
                    .count()
            })
            .sum();
        assert_eq!(documented, ROUTES.len(), "the document has no extra routes");
    }
}
