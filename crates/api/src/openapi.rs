//! The route registrar: every `/api/v1` route is added through `Routes::add` with its description,
//! which both mounts the handler and writes its entry into the OpenAPI document, so the document
//! cannot miss a route.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::routing::{MethodFilter, on};
use serde_json::{Value, json};

use crate::AppState;

/// What the document says of one route.
#[derive(Debug, Clone, Copy)]
pub struct Doc {
    pub summary: &'static str,
    pub tag: &'static str,
    /// Roles allowed; empty means no login needed.
    pub roles: &'static [&'static str],
    /// An example request body, when the route takes one.
    pub body: Option<&'static str>,
    /// The success status.
    pub status: u16,
    /// Whether the route needs an `Idempotency-Key` header (money-moving requests).
    pub idempotent: bool,
    /// For merchant users, the team rights of which the caller needs one (`domain::team::TeamRight`).
    pub team_rights: &'static [&'static str],
}

impl Doc {
    pub const fn new(tag: &'static str, summary: &'static str) -> Doc {
        Doc { summary, tag, roles: &[], body: None, status: 200, idempotent: false, team_rights: &[] }
    }
    pub const fn roles(mut self, roles: &'static [&'static str]) -> Doc {
        self.roles = roles;
        self
    }
    pub const fn body(mut self, example: &'static str) -> Doc {
        self.body = Some(example);
        self
    }
    pub const fn status(mut self, status: u16) -> Doc {
        self.status = status;
        self
    }
    pub const fn idempotent(mut self) -> Doc {
        self.idempotent = true;
        self
    }
    pub const fn team_rights(mut self, rights: &'static [&'static str]) -> Doc {
        self.team_rights = rights;
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    fn filter(self) -> MethodFilter {
        match self {
            Method::Get => MethodFilter::GET,
            Method::Post => MethodFilter::POST,
            Method::Put => MethodFilter::PUT,
            Method::Patch => MethodFilter::PATCH,
            Method::Delete => MethodFilter::DELETE,
        }
    }
    fn key(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Post => "post",
            Method::Put => "put",
            Method::Patch => "patch",
            Method::Delete => "delete",
        }
    }
}

pub struct Routes {
    router: Router<AppState>,
    paths: BTreeMap<String, BTreeMap<&'static str, Value>>,
}

impl Default for Routes {
    fn default() -> Self {
        Routes { router: Router::new(), paths: BTreeMap::new() }
    }
}

impl Routes {
    pub fn add<H, T>(mut self, method: Method, path: &'static str, doc: Doc, handler: H) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.route(path, on(method.filter(), handler));
        self.paths.entry(path.to_owned()).or_default().insert(method.key(), operation(path, &doc));
        self
    }

    /// Like `add`, with a request body limit of its own instead of the global one (uploads).
    pub fn add_with_limit<H, T>(
        mut self,
        method: Method,
        path: &'static str,
        doc: Doc,
        handler: H,
        body_bytes_max: usize,
    ) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let route = on(method.filter(), handler).layer(DefaultBodyLimit::max(body_bytes_max));
        self.router = self.router.route(path, route);
        let mut operation = operation(path, &doc);
        operation["x-body-bytes-max"] = json!(body_bytes_max);
        self.paths.entry(path.to_owned()).or_default().insert(method.key(), operation);
        self
    }

    /// The router and the OpenAPI document of everything added.
    pub fn finish(self) -> (Router<AppState>, Value) {
        let document = json!({
            "openapi": "3.1.0",
            "info": {
                "title": "Xiaodian API",
                "version": env!("CARGO_PKG_VERSION"),
                "description": "小店后台 API. Errors are application/problem+json with a stable `code` (docs/errors.md). Money is integer fen in fields ending `_fen`.",
            },
            "components": {
                "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
                "schemas": { "Problem": problem_schema() },
            },
            "paths": self.paths,
        });
        (self.router, document)
    }
}

fn operation(path: &str, doc: &Doc) -> Value {
    let mut parameters: Vec<Value> = path
        .split('/')
        .filter_map(|segment| segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
        .collect();
    if doc.idempotent {
        parameters.push(json!({ "name": "Idempotency-Key", "in": "header", "required": true, "schema": { "type": "string", "maxLength": 128 } }));
    }
    let problem = json!({ "description": "problem+json error", "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } } });
    let mut operation = json!({
        "summary": doc.summary,
        "tags": [doc.tag],
        "parameters": parameters,
        "responses": {
            doc.status.to_string(): { "description": "success" },
            "default": problem,
        },
    });
    if !doc.roles.is_empty() {
        operation["security"] = json!([{ "bearer": [] }]);
        operation["x-roles"] = json!(doc.roles);
    }
    if !doc.team_rights.is_empty() {
        operation["x-team-rights"] = json!(doc.team_rights);
    }
    if let Some(example) = doc.body {
        let example: Value = serde_json::from_str(example).unwrap_or(Value::String(example.to_owned()));
        operation["requestBody"] =
            json!({ "required": true, "content": { "application/json": { "example": example } } });
    }
    operation
}

fn problem_schema() -> Value {
    json!({
        "type": "object",
        "required": ["status", "code", "title"],
        "properties": {
            "type": { "type": "string" },
            "title": { "type": "string" },
            "title_zh": { "type": "string" },
            "status": { "type": "integer" },
            "code": { "type": "string" },
            "detail": { "type": "string" },
        },
    })
}
