//! The API as a fuzzer tries it: every operation of `/api/openapi.json`, as a role it allows and
//! as one it does not, with odd path values, with bodies its request schema accepts (the required
//! fields only, and every field) and with bodies that break the documented example (fields
//! missing, of the wrong type, empty, far too long, not JSON at all). Whatever comes in, the
//! server answers below 500, every refusal is problem+json with a stable code, and every success
//! has a status the document lists with an answer its schema accepts.
//!
//! The cases are derived from the document, so a route is fuzzed the day it is added. The
//! generator is deterministic (no randomness), so a failure repeats.

use serde_json::{Map, Value, json};
use test_support::{Client, Server, TestDb, schema};

use crate::binary;

/// Routes whose success ends the caller's session or changes its password: they would log the
/// fuzzer out halfway. Their refusals are covered by the security story.
const SESSION_ENDING: [&str; 2] = ["/logout", "/password"];

/// Requests in flight at once.
const IN_FLIGHT: usize = 8;

/// Bodies per operation, at most.
const BODIES_PER_OPERATION_MAX: usize = 16;

/// One request the fuzzer sends.
#[derive(Debug, Clone)]
struct Case {
    method: reqwest::Method,
    /// The operation's path as the document writes it, to find what it says of the answers.
    template: String,
    path: String,
    role: Option<&'static str>,
    idempotent: bool,
    body: Option<Body>,
}

#[derive(Debug, Clone)]
enum Body {
    Json(Value),
    Raw(&'static str),
}

/// Values a path parameter takes: a small id that exists in the demo, ids that cannot, and text.
fn path_values() -> [&'static str; 5] {
    ["1", "0", "-1", "99999999999999999999", "%E5%B0%8F%E5%BA%97%00"]
}

/// Query strings a list (or any GET) may be sent: limits out of range, cursors that were never
/// given, filters that name nothing, dates that are not dates.
fn queries() -> [&'static str; 8] {
    [
        "limit=0",
        "limit=-1&cursor=",
        "limit=abc",
        "limit=99999999999999999999",
        "cursor=not-a-cursor",
        "cursor=MTIzNDU2Nzg5MDEyMzQ1Njc4OTA%3D&limit=1",
        "status=nope&from=2026-13-45&to=yesterday",
        "q=%00%E5%B0%8F&page=-1",
    ]
}

/// A value of another type than `value`'s, and values of its own type at the edges.
fn wrong_values(value: &Value) -> Vec<Value> {
    // Longer than any field may be (the longest are a few thousand characters), under the body limit.
    let long = "长".repeat(20_000);
    match value {
        Value::String(_) => {
            vec![json!(12345), json!(""), json!(long), json!(" \u{0}\u{202e}<script>"), Value::Null]
        }
        Value::Number(_) => {
            vec![json!("12"), json!(-1), json!(i64::MAX), json!(1.5), json!(1e300), Value::Null]
        }
        Value::Bool(_) => vec![json!("true"), json!(1), Value::Null],
        Value::Array(_) => vec![json!({}), json!([null]), json!(vec![json!("x"); 2_000])],
        Value::Object(_) => vec![json!([]), json!("x"), json!({"": null})],
        Value::Null => vec![json!("x"), json!(0)],
    }
}

/// Bodies the request schema accepts (required fields only, every field), then bodies that break
/// `example`: whole-body shapes, then per field a removal and wrong values.
fn bodies(document: &Value, request: &Value, example: &Value) -> Vec<Body> {
    let valid = |full| Body::Json(schema::sample(document, request, example, full, 0));
    let mut bodies = vec![
        valid(false),
        valid(true),
        Body::Json(example.clone()),
        Body::Json(json!({})),
        Body::Json(json!([])),
        Body::Json(Value::Null),
        Body::Raw("{\"unterminated\": "),
        Body::Raw("\u{feff}not json at all"),
    ];
    if let Value::Object(fields) = example {
        for (name, value) in fields {
            let mut without = fields.clone();
            without.remove(name);
            bodies.push(Body::Json(Value::Object(without)));
            for wrong in wrong_values(value) {
                let mut changed: Map<String, Value> = fields.clone();
                changed.insert(name.clone(), wrong);
                bodies.push(Body::Json(Value::Object(changed)));
            }
        }
    }
    // Keep the whole-body shapes and spread the rest over the fields.
    let (head, tail) = bodies.split_at(8.min(bodies.len()));
    let step = (tail.len() / (BODIES_PER_OPERATION_MAX - head.len())).max(1);
    head.iter().cloned().chain(tail.iter().step_by(step).cloned()).take(BODIES_PER_OPERATION_MAX).collect()
}

/// Every case of the document.
fn cases(document: &Value) -> Vec<Case> {
    let mut cases = Vec::new();
    let paths = document["paths"].as_object().expect("the document's paths");
    for (template, operations) in paths {
        if SESSION_ENDING.iter().any(|s| template.contains(s)) {
            continue;
        }
        for (method, operation) in operations.as_object().expect("operations") {
            let method: reqwest::Method = method.to_uppercase().parse().expect("an HTTP method");
            let roles: Vec<&'static str> = operation["x-roles"]
                .as_array()
                .map(|roles| roles.iter().filter_map(Value::as_str).filter_map(role).collect())
                .unwrap_or_default();
            let outsider =
                ["merchant", "service", "reviewer", "admin"].into_iter().find(|r| !roles.contains(r));
            let allowed = roles.first().copied();
            let idempotent = operation["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["name"] == "Idempotency-Key" && p["required"] == true));
            let json_request = &operation["requestBody"]["content"]["application/json"];
            let (request, example) = (&json_request["schema"], &json_request["example"]);
            let paths: Vec<String> = if template.contains('{') {
                path_values().iter().map(|value| fill(template, value)).collect()
            } else {
                vec![template.clone()]
            };
            let mut add = |path: &str, role: Option<&'static str>, body: Option<Body>| {
                let (method, template) = (method.clone(), template.clone());
                cases.push(Case { method, template, path: path.to_owned(), role, idempotent, body });
            };
            for path in &paths {
                add(path, None, None);
                if let Some(outsider) = outsider.filter(|_| !roles.is_empty()) {
                    add(path, Some(outsider), None);
                }
            }
            let first = fill(template, "1");
            if method == reqwest::Method::GET {
                for query in queries() {
                    add(&format!("{first}?{query}"), allowed.or(Some("merchant")), None);
                }
            }
            if request.is_null() {
                for path in &paths {
                    add(path, allowed.or(Some("merchant")), None);
                }
            } else {
                for body in bodies(document, request, example) {
                    add(&first, allowed.or(Some("merchant")), Some(body));
                }
            }
        }
    }
    cases
}

fn role(name: &str) -> Option<&'static str> {
    ["merchant", "service", "reviewer", "admin"].into_iter().find(|r| *r == name)
}

fn fill(template: &str, value: &str) -> String {
    template
        .split('/')
        .map(|part| if part.starts_with('{') && part.ends_with('}') { value } else { part })
        .collect::<Vec<_>>()
        .join("/")
}

/// What is wrong with a success: a status the document does not list for the operation, or an
/// answer its schema refuses.
fn nonconformance(document: &Value, case: &Case, answer: &test_support::http::Answer) -> Option<String> {
    let method = case.method.as_str().to_lowercase();
    let documented = &document["paths"][&case.template][&method]["responses"][answer.status.to_string()];
    if documented.is_null() {
        return Some(format!("{} is not a documented status", answer.status));
    }
    let Some(content) = documented["content"].as_object() else {
        return (!answer.text.is_empty())
            .then(|| format!("{} has a body where none is documented", answer.status));
    };
    if let Some(json) = content.get("application/json") {
        let value: Value = match serde_json::from_str(&answer.text) {
            Ok(value) => value,
            Err(error) => return Some(format!("{} is not JSON: {error}", answer.status)),
        };
        return schema::check(document, &json["schema"], &value, "answer").err();
    }
    let media_type = answer.content_type.split(';').next().unwrap_or_default().trim();
    (!content.contains_key(media_type))
        .then(|| format!("{} answers {media_type}, the document says {:?}", answer.status, content.keys()))
}

/// The answer's status, and what is wrong with the answer to `case`, if anything.
async fn judge(
    document: &Value,
    clients: &[(&'static str, Client)],
    anonymous: &Client,
    case: &Case,
    n: usize,
) -> (u16, Option<String>) {
    let client = case
        .role
        .and_then(|role| clients.iter().find(|(r, _)| *r == role).map(|(_, c)| c))
        .unwrap_or(anonymous);
    let mut request = client.builder(case.method.clone(), &case.path);
    if case.idempotent {
        request = request.header("Idempotency-Key", format!("fuzz-{n}"));
    }
    request = match &case.body {
        Some(Body::Json(value)) => request.json(value),
        Some(Body::Raw(text)) => request.header("content-type", "application/json").body(*text),
        None => request,
    };
    let answer = client.send(request).await;
    let what = || {
        let body = match &case.body {
            Some(Body::Json(value)) => value.to_string().chars().take(200).collect(),
            Some(Body::Raw(text)) => text.to_string(),
            None => String::new(),
        };
        format!("{} {} as {:?} {body}", case.method, case.path, case.role)
    };
    if answer.status >= 500 {
        return (
            answer.status,
            Some(format!(
                "{}: {} {}",
                what(),
                answer.status,
                answer.text.chars().take(300).collect::<String>()
            )),
        );
    }
    if answer.status >= 400 {
        let problem = answer.content_type.starts_with("application/problem+json")
            && answer.json["code"].as_str().is_some_and(|code| !code.is_empty())
            && answer.json["status"] == answer.status;
        if !problem {
            let why = format!("{}: {} is not problem+json: {}", what(), answer.status, answer.content_type);
            return (answer.status, Some(why));
        }
        return (answer.status, None);
    }
    (answer.status, nonconformance(document, case, &answer).map(|why| format!("{}: {why}", what())))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_request_of_the_documented_api_breaks_the_server() {
    let db = TestDb::sqlite();
    let server = Server::start(binary(), &["--db", &db.url, "--demo"]);
    let anonymous = server.client();
    let mut clients = Vec::new();
    for login in app::demo::DEMO_LOGINS {
        let role = role(login.role).expect("a demo role");
        clients.push((role, anonymous.login(login.username, login.password).await));
    }
    let document = anonymous.get("/api/openapi.json").await.json;
    let cases = cases(&document);
    let operations: usize =
        document["paths"].as_object().unwrap().values().map(|o| o.as_object().unwrap().len()).sum();
    assert!(operations > 150, "the document has {operations} operations");
    assert!(cases.len() > 2_000, "{} cases", cases.len());
    eprintln!("fuzzing {operations} operations with {} requests", cases.len());

    let clients = std::sync::Arc::new(clients);
    let document = std::sync::Arc::new(document);
    let mut failures = Vec::new();
    let mut successes = 0;
    for (batch_number, batch) in cases.chunks(IN_FLIGHT).enumerate() {
        let mut answers = tokio::task::JoinSet::new();
        for (i, case) in batch.iter().cloned().enumerate() {
            let (document, clients, anonymous) = (document.clone(), clients.clone(), anonymous.clone());
            let n = batch_number * IN_FLIGHT + i;
            answers.spawn(async move { judge(&document, &clients, &anonymous, &case, n).await });
        }
        for (status, failure) in answers.join_all().await {
            successes += usize::from(status < 400);
            failures.extend(failure);
        }
    }
    // Enough answers succeeded for their schemas to have been put to the test.
    eprintln!("{successes} successes held to their schemas");
    assert!(successes > 300, "only {successes} of {} cases succeeded", cases.len());
    // The server is still whole: it answers, and its own consistency check passes.
    assert_eq!(anonymous.get("/healthz").await.status, 200);
    failures.sort();
    failures.dedup();
    assert!(
        failures.is_empty(),
        "{} of {} cases broke:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
