//! The route registrar: every `/api/v1` route is added through `Routes::add` with its description,
//! which both mounts the handler and writes its entry into the OpenAPI document, so the document
//! cannot miss a route. Request and response schemas are generated from the Rust types the
//! handlers read and answer (`schemars`), so they cannot drift from the code.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::routing::{MethodFilter, on};
use schemars::JsonSchema;
use schemars::generate::{SchemaGenerator, SchemaSettings};
use serde_json::{Value, json};

use crate::AppState;

/// Writes the schema of one Rust type into the document's components and answers its reference.
type SchemaOf = fn(&mut SchemaGenerator) -> Value;

fn schema_of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Value {
    generator.subschema_for::<T>().to_value()
}

/// The schema of a query type with nothing referenced (its fields become parameters one by one).
fn query_schema<T: JsonSchema>(_: &mut SchemaGenerator) -> Value {
    let settings = SchemaSettings::draft2020_12().with(|s| s.inline_subschemas = true);
    settings.into_generator().into_root_schema_for::<T>().to_value()
}

/// Writes the range of each integer's Rust type (`format: uint32` and the like) as its `minimum` and
/// `maximum`, so a client reads from the document which numbers the server can take.
fn bound_integers(schema: &mut Value) {
    match schema {
        Value::Object(fields) => {
            let range: Option<(i128, i128)> = match fields.get("format").and_then(Value::as_str) {
                Some("uint8") => Some((0, u8::MAX.into())),
                Some("uint16") => Some((0, u16::MAX.into())),
                Some("uint32") => Some((0, u32::MAX.into())),
                Some("uint64") => Some((0, u64::MAX.into())),
                Some("int32") => Some((i32::MIN.into(), i32::MAX.into())),
                Some("int64") => Some((i64::MIN.into(), i64::MAX.into())),
                _ => None,
            };
            if let Some((low, high)) = range {
                fields.entry("minimum").or_insert(json!(low));
                fields.entry("maximum").or_insert(json!(high));
            }
            fields.values_mut().for_each(bound_integers);
        }
        Value::Array(items) => items.iter_mut().for_each(bound_integers),
        _ => {}
    }
}

/// One `in: query` parameter per field of a query type's schema; a field that may be null is
/// simply optional.
fn query_parameters(schema: &Value) -> Vec<Value> {
    let required: Vec<&str> =
        schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let empty = serde_json::Map::new();
    let properties = schema["properties"].as_object().unwrap_or(&empty);
    properties
        .iter()
        .map(|(name, property)| {
            let mut property = property.clone();
            if let Some(types) = property["type"].as_array() {
                let types: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
                property["type"] = if types.len() == 1 { types[0].clone() } else { Value::Array(types) };
            }
            json!({ "name": name, "in": "query", "required": required.contains(&name.as_str()), "schema": property })
        })
        .collect()
}

/// What a request or an answer carries.
#[derive(Debug, Clone, Copy)]
pub enum Content {
    /// `application/json` of a Rust type.
    Json(SchemaOf),
    /// `application/x-ndjson`: one JSON value of the type per line.
    Ndjson(SchemaOf),
    /// `multipart/form-data` with the fields of the type.
    Multipart(SchemaOf),
    /// Bytes of one of the media types (CSV, PDF, a video, an image, Prometheus text).
    Files(&'static [&'static str]),
    /// No body at all (204, or a request that sends none).
    Empty,
}

/// What the document says of one route.
#[derive(Debug, Clone)]
pub struct Doc {
    pub summary: &'static str,
    pub tag: &'static str,
    /// Roles allowed; empty means no login needed.
    pub roles: &'static [&'static str],
    /// An example request body, when the route takes one.
    pub example: Option<&'static str>,
    /// What the request carries; `None` until declared (the document test refuses a POST, PUT or
    /// PATCH that declares nothing).
    pub request: Option<Content>,
    /// The success status and what it carries (`None` until declared: the document test refuses it).
    pub status: u16,
    pub answer: Option<Content>,
    /// Other success statuses an answer may have, each with what it carries.
    pub also: Vec<(u16, Content)>,
    /// The query parameters, from the fields of the type the handler reads them into.
    pub query: Option<SchemaOf>,
    /// Whether the route needs an `Idempotency-Key` header (money-moving requests).
    pub idempotent: bool,
    /// For merchant users, the team rights of which the caller needs one (`domain::team::TeamRight`).
    pub team_rights: &'static [&'static str],
}

impl Doc {
    pub fn new(tag: &'static str, summary: &'static str) -> Doc {
        Doc {
            summary,
            tag,
            roles: &[],
            example: None,
            request: None,
            status: 200,
            answer: None,
            also: Vec::new(),
            query: None,
            idempotent: false,
            team_rights: &[],
        }
    }
    pub fn roles(mut self, roles: &'static [&'static str]) -> Doc {
        self.roles = roles;
        self
    }
    /// A JSON request body of type `T`.
    pub fn request<T: JsonSchema>(mut self) -> Doc {
        self.request = Some(Content::Json(schema_of::<T>));
        self
    }
    /// An NDJSON request body, one `T` a line.
    pub fn ndjson<T: JsonSchema>(mut self) -> Doc {
        self.request = Some(Content::Ndjson(schema_of::<T>));
        self
    }
    /// A multipart form with the fields of `T`.
    pub fn multipart<T: JsonSchema>(mut self) -> Doc {
        self.request = Some(Content::Multipart(schema_of::<T>));
        self
    }
    /// Query parameters: the fields of `T` (a flat struct of optional or required scalars).
    pub fn query<T: JsonSchema>(mut self) -> Doc {
        self.query = Some(query_schema::<T>);
        self
    }
    /// A POST, PUT or PATCH that sends no body.
    pub fn no_request(mut self) -> Doc {
        self.request = Some(Content::Empty);
        self
    }
    /// An example of the request body.
    pub fn body(mut self, example: &'static str) -> Doc {
        self.example = Some(example);
        self
    }
    /// The success answer: JSON of type `T`.
    pub fn answer<T: JsonSchema>(mut self) -> Doc {
        self.answer = Some(Content::Json(schema_of::<T>));
        self
    }
    /// The success answer: bytes of one of the media types.
    pub fn file(mut self, media_types: &'static [&'static str]) -> Doc {
        self.answer = Some(Content::Files(media_types));
        self
    }
    /// The request is the raw bytes of a file of one of the media types (streamed uploads, text).
    pub fn raw_request(mut self, media_types: &'static [&'static str]) -> Doc {
        self.request = Some(Content::Files(media_types));
        self
    }
    /// The success answer is 204 with no body.
    pub fn no_content(mut self) -> Doc {
        self.status = 204;
        self.answer = Some(Content::Empty);
        self
    }
    /// Another success status whose answer is JSON of type `T`.
    pub fn also<T: JsonSchema>(mut self, status: u16) -> Doc {
        self.also.push((status, Content::Json(schema_of::<T>)));
        self
    }
    pub fn status(mut self, status: u16) -> Doc {
        self.status = status;
        self
    }
    pub fn idempotent(mut self) -> Doc {
        self.idempotent = true;
        self
    }
    pub fn team_rights(mut self, rights: &'static [&'static str]) -> Doc {
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
    schemas: SchemaGenerator,
}

impl Default for Routes {
    fn default() -> Self {
        let settings =
            SchemaSettings::draft2020_12().with(|s| s.definitions_path = "/components/schemas".into());
        Routes { router: Router::new(), paths: BTreeMap::new(), schemas: settings.into_generator() }
    }
}

impl Routes {
    pub fn add<H, T>(mut self, method: Method, path: &'static str, doc: Doc, handler: H) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.route(path, on(method.filter(), handler));
        let operation = operation(&mut self.schemas, method, path, &doc);
        self.paths.entry(path.to_owned()).or_default().insert(method.key(), operation);
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
        let mut operation = operation(&mut self.schemas, method, path, &doc);
        operation["x-body-bytes-max"] = json!(body_bytes_max);
        self.paths.entry(path.to_owned()).or_default().insert(method.key(), operation);
        self
    }

    /// The router and the OpenAPI document of everything added.
    pub fn finish(mut self) -> (Router<AppState>, Value) {
        let mut schemas = self.schemas.take_definitions(true);
        schemas.values_mut().for_each(bound_integers);
        schemas.insert("Problem".to_owned(), problem_schema());
        let document = json!({
            "openapi": "3.1.0",
            "info": {
                "title": "Xiaodian API",
                "version": env!("CARGO_PKG_VERSION"),
                "description": "小店后台 API. Errors are application/problem+json with a stable `code` (docs/errors.md). Money is integer fen in fields ending `_fen`.",
            },
            "components": {
                "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
                "schemas": schemas,
            },
            "paths": self.paths,
        });
        (self.router, document)
    }
}

/// The `content` map of a request or an answer; `None` for no body.
fn content(schemas: &mut SchemaGenerator, content: Content, example: Option<Value>) -> Option<Value> {
    let (media_type, schema) = match content {
        Content::Json(schema) => ("application/json", schema(schemas)),
        Content::Ndjson(schema) => ("application/x-ndjson", schema(schemas)),
        Content::Multipart(schema) => ("multipart/form-data", schema(schemas)),
        Content::Files(media_types) => {
            let binary = json!({ "schema": { "type": "string", "format": "binary" } });
            return Some(
                media_types.iter().map(|media_type| (media_type.to_string(), binary.clone())).collect(),
            );
        }
        Content::Empty => return None,
    };
    let mut entry = json!({ "schema": schema });
    if let Some(example) = example {
        entry["example"] = example;
    }
    Some(json!({ media_type: entry }))
}

fn operation(schemas: &mut SchemaGenerator, method: Method, path: &str, doc: &Doc) -> Value {
    let mut parameters: Vec<Value> = path
        .split('/')
        .filter_map(|segment| segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
        .collect();
    if let Some(query) = doc.query {
        let mut query = query(schemas);
        bound_integers(&mut query);
        parameters.extend(query_parameters(&query));
    }
    if doc.idempotent {
        parameters.push(json!({ "name": "Idempotency-Key", "in": "header", "required": true, "schema": { "type": "string", "minLength": 1, "maxLength": 128 } }));
    }
    let mut responses = serde_json::Map::new();
    let success =
        std::iter::once((doc.status, doc.answer)).chain(doc.also.iter().map(|(s, c)| (*s, Some(*c))));
    for (status, answer) in success {
        let mut response = json!({ "description": "success" });
        if let Some(body) = answer.and_then(|answer| content(schemas, answer, None)) {
            response["content"] = body;
        } else if answer.is_none() {
            response["x-undeclared"] = json!(true);
        }
        responses.insert(status.to_string(), response);
    }
    let problem = json!({ "description": "problem+json error", "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } } });
    responses.insert("default".to_owned(), problem);
    let mut operation = json!({
        "summary": doc.summary,
        "tags": [doc.tag],
        "parameters": parameters,
        "responses": responses,
    });
    if !doc.roles.is_empty() {
        operation["security"] = json!([{ "bearer": [] }]);
        operation["x-roles"] = json!(doc.roles);
    }
    if !doc.team_rights.is_empty() {
        operation["x-team-rights"] = json!(doc.team_rights);
    }
    let example =
        doc.example.map(|e| serde_json::from_str(e).unwrap_or_else(|_| Value::String(e.to_owned())));
    match doc.request {
        Some(request) => {
            if let Some(body) = content(schemas, request, example) {
                operation["requestBody"] = json!({ "required": true, "content": body });
            }
        }
        None if matches!(method, Method::Post | Method::Put | Method::Patch) => {
            operation["x-request-undeclared"] = json!(true);
        }
        None => {}
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

/// What the document leaves undeclared: a POST, PUT or PATCH that says nothing of its request, a
/// success status without a schema, a `$ref` to no component. Empty for a complete document.
pub fn gaps(document: &Value) -> Vec<String> {
    let mut gaps = Vec::new();
    let empty = serde_json::Map::new();
    let paths = document["paths"].as_object().unwrap_or(&empty);
    for (path, operations) in paths {
        for (method, operation) in operations.as_object().unwrap_or(&empty) {
            if operation.get("x-request-undeclared").is_some() {
                gaps.push(format!("{method} {path}: no request declared (.request::<T>() or .no_request())"));
            }
            for (status, response) in operation["responses"].as_object().unwrap_or(&empty) {
                let has_schema = response["content"]
                    .as_object()
                    .is_some_and(|content| content.values().all(|media| media.get("schema").is_some()));
                if !has_schema && status != "204" {
                    gaps.push(format!(
                        "{method} {path}: {status} has no schema (.answer::<T>(), .file(..) or .no_content())"
                    ));
                }
            }
        }
    }
    let schemas = document["components"]["schemas"].as_object().unwrap_or(&empty);
    for name in schemas.keys().filter(|name| name.ends_with(|c: char| c.is_ascii_digit())) {
        gaps.push(format!("schema {name}: two types share a name (give one a name of its own)"));
    }
    let mut references = Vec::new();
    collect_references(document, &mut references);
    for reference in references {
        let known =
            reference.strip_prefix("#/components/schemas/").is_some_and(|name| schemas.contains_key(name));
        if !known {
            gaps.push(format!("{reference} names no schema"));
        }
    }
    gaps.sort();
    gaps.dedup();
    gaps
}

fn collect_references(value: &Value, references: &mut Vec<String>) {
    match value {
        Value::Object(fields) => {
            for (key, field) in fields {
                match (key.as_str(), field) {
                    ("$ref", Value::String(reference)) => references.push(reference.clone()),
                    _ => collect_references(field, references),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_references(item, references)),
        _ => {}
    }
}
