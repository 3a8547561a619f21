//! The API crate's own tests: the error-code table (every code is documented in docs/errors.md with
//! its HTTP status, every documented code exists, and every code is produced somewhere), the
//! access layer's client address, and the OpenAPI document's completeness. They live here, not in
//! `src`, so that `cargo test` compiles the crate once instead of a second time with `cfg(test)`.

use std::path::{Path, PathBuf};

use app::Code;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Rows of the table in docs/errors.md: (code, status).
fn documented() -> Vec<(String, u16)> {
    let text = std::fs::read_to_string(root().join("docs/errors.md")).expect("docs/errors.md");
    text.lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let code = cells.get(1)?.trim_matches('`');
            let status = cells.get(2)?.parse().ok()?;
            Some((code.to_owned(), status))
        })
        .collect()
}

#[test]
fn every_code_is_documented_with_its_status_and_nothing_else_is() {
    let table = documented();
    for code in Code::ALL {
        let row = table.iter().find(|(documented, _)| documented == code.as_str());
        let status = api::error::status_of(*code).as_u16();
        assert_eq!(
            row.map(|(_, s)| *s),
            Some(status),
            "{} must be documented with status {status}",
            code.as_str()
        );
    }
    for (documented, _) in &table {
        assert!(
            Code::ALL.iter().any(|c| c.as_str() == documented),
            "{documented} is documented but does not exist"
        );
    }
    assert_eq!(table.len(), Code::ALL.len(), "each code documented once");
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_code_is_used_outside_the_tables() {
    let mut files = Vec::new();
    rust_files(&root().join("crates"), &mut files);
    // The two tables themselves do not count: the code list in app and the status match in api.
    let without_tables = |path: &PathBuf| {
        let text = std::fs::read_to_string(path).unwrap();
        if path.ends_with("app/src/error.rs") {
            let start = text.find("error_codes! {").unwrap();
            let end = start + text[start..].find("\n}\n").unwrap();
            format!("{}{}", &text[..start], &text[end..])
        } else if path.ends_with("api/src/error.rs") {
            let start = text.find("pub fn status_of").unwrap();
            let end = start + text[start..].find("\n}\n").unwrap();
            format!("{}{}", &text[..start], &text[end..])
        } else {
            text
        }
    };
    let sources: String = files
        .iter()
        .filter(|p| !p.components().any(|c| c.as_os_str() == "tests"))
        .map(without_tables)
        .collect();
    for code in Code::ALL {
        let variant = format!("{code:?}");
        let used =
            sources.contains(&format!("Code::{variant}")) || sources.contains(&format!("E::{variant} =>"));
        assert!(used, "Code::{variant} ({}) is never produced", code.as_str());
    }
}

mod access {
    use std::net::IpAddr;

    use api::access::{client_info, is_upload};
    use app::security::ClientInfo;
    use axum::http::{HeaderMap, Method};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(), value.parse().unwrap());
        }
        map
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/24".parse().unwrap()];
        let forwarded =
            headers(&[("x-forwarded-for", "203.0.113.9, 198.51.100.7"), ("x-forwarded-proto", "https")]);
        let through_proxy = client_info(Some(proxy), &forwarded, &trusted);
        assert_eq!(through_proxy.address, "198.51.100.7".parse::<IpAddr>().unwrap());
        assert!(through_proxy.https);
        let direct: IpAddr = "192.0.2.1".parse().unwrap();
        let spoofed = client_info(Some(direct), &forwarded, &trusted);
        assert_eq!(spoofed, ClientInfo { address: direct, https: false });
        let chain = headers(&[("x-forwarded-for", "203.0.113.9, 10.0.0.7")]);
        assert_eq!(
            client_info(Some(proxy), &chain, &trusted).address,
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        assert_eq!(client_info(Some(proxy), &HeaderMap::new(), &trusted).address, proxy);
    }

    #[test]
    fn uploads_are_the_streaming_routes() {
        assert!(is_upload(&Method::PUT, "/api/v1/videos/3/file"));
        assert!(is_upload(&Method::PUT, "/api/v1/videos/3/cover"));
        assert!(is_upload(&Method::POST, "/console/videos/3/file"));
        assert!(!is_upload(&Method::GET, "/api/v1/videos/3/file"));
        assert!(!is_upload(&Method::POST, "/api/v1/auth/login"));
    }
}

mod openapi {
    use api::openapi::{Doc, Method, Routes, gaps};
    use schemars::JsonSchema;
    use serde_json::json;

    #[test]
    fn every_route_declares_what_it_takes_and_answers() {
        let gaps = gaps(&api::openapi_document());
        assert!(gaps.is_empty(), "{} gaps in the OpenAPI document:\n{}", gaps.len(), gaps.join("\n"));
    }

    #[test]
    fn a_query_type_becomes_one_parameter_a_field() {
        let document = api::openapi_document();
        let parameters =
            document["paths"]["/api/v1/refunds"]["get"]["parameters"].as_array().unwrap().clone();
        let names: Vec<&str> = parameters.iter().filter_map(|p| p["name"].as_str()).collect();
        assert_eq!(names, ["cursor", "limit", "status"]);
        assert!(parameters.iter().all(|p| p["in"] == "query" && p["required"] == false));
        assert_eq!(parameters[1]["schema"]["type"], "integer");
        assert_eq!(
            (&parameters[1]["schema"]["minimum"], &parameters[1]["schema"]["maximum"]),
            (&json!(0), &json!(u32::MAX))
        );
        let add = &document["paths"]["/api/v1/calendar/add-workdays"]["get"]["parameters"];
        assert!(add.as_array().unwrap().iter().any(|p| p["name"] == "from" && p["required"] == true));
    }

    #[derive(serde::Deserialize, JsonSchema)]
    #[allow(dead_code)]
    struct Note {
        text: String,
    }

    #[test]
    fn a_route_added_without_its_schemas_is_a_gap() {
        async fn handler() -> &'static str {
            "ok"
        }
        let routes = Routes::default()
            .add(Method::Post, "/api/v1/notes", Doc::new("notes", "Add a note"), handler)
            .add(Method::Get, "/api/v1/notes", Doc::new("notes", "The notes"), handler)
            .add(
                Method::Put,
                "/api/v1/notes/{id}",
                Doc::new("notes", "Change a note").request::<Note>(),
                handler,
            );
        let (_, document) = routes.finish();
        assert_eq!(
            gaps(&document),
            [
                "get /api/v1/notes: 200 has no schema (.answer::<T>(), .file(..) or .no_content())",
                "post /api/v1/notes: 200 has no schema (.answer::<T>(), .file(..) or .no_content())",
                "post /api/v1/notes: no request declared (.request::<T>() or .no_request())",
                "put /api/v1/notes/{id}: 200 has no schema (.answer::<T>(), .file(..) or .no_content())",
            ]
        );
        let complete = Routes::default().add(
            Method::Put,
            "/api/v1/notes/{id}",
            Doc::new("notes", "Change a note").request::<Note>().answer::<Option<Note>>(),
            handler,
        );
        let (_, document) = complete.finish();
        assert_eq!(gaps(&document), Vec::<String>::new());
        assert_eq!(document["components"]["schemas"]["Note"]["required"], json!(["text"]));
    }
}

/// `[lib] test = false` in Cargo.toml: a unit test in `src` would never run, so there is none.
#[test]
fn the_crate_has_no_unit_tests_to_skip() {
    let mut files = Vec::new();
    rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            !text.contains("#[cfg(test)]") && !text.contains("#[test]") && !text.contains("```"),
            "{}: api's tests belong in tests/api.rs (the library is built without cfg(test))",
            file.display()
        );
    }
}
