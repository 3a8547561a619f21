//! A small JSON client for tests: every call answers (status, body as JSON).

use serde_json::Value;

#[derive(Clone)]
pub struct Client {
    pub base: String,
    pub token: Option<String>,
    http: reqwest::Client,
}

/// A response: status code, headers and the body parsed as JSON (Null when it is not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    pub json: Value,
}

/// A `reqwest` client builder on the test process's one TLS configuration. A client built from
/// nothing reads the system's certificate bundle (about 35 ms in a test build), and a test that
/// plays two hundred callers builds two hundred clients; the tests speak plain HTTP to loopback.
/// (One shared client would not do: a pooled connection belongs to the runtime of the test that
/// opened it.)
pub fn reqwest_builder() -> reqwest::ClientBuilder {
    static TLS: std::sync::OnceLock<native_tls::TlsConnector> = std::sync::OnceLock::new();
    let tls = TLS.get_or_init(|| native_tls::TlsConnector::new().expect("a TLS configuration"));
    reqwest::Client::builder().use_preconfigured_tls(tls.clone())
}

/// A plain `reqwest` client (see [`reqwest_builder`]).
pub fn reqwest_client() -> reqwest::Client {
    reqwest_builder().build().expect("an HTTP client")
}

/// Posts `form` (URL-encoded) to `url` with the `cookie` header, as the console's forms are sent.
pub async fn post_form<T: serde::Serialize + ?Sized>(url: &str, cookie: &str, form: &T) -> reqwest::Response {
    reqwest_client().post(url).header("cookie", cookie).form(form).send().await.expect("the server answers")
}

impl Client {
    pub fn new(base: &str) -> Client {
        Client { base: base.trim_end_matches('/').to_owned(), token: None, http: reqwest_client() }
    }

    /// A client whose connections leave from `address` (any of 127.0.0.0/8 on this machine), to
    /// play several callers of one server.
    pub fn bound_to(base: &str, address: std::net::IpAddr) -> Client {
        let http = reqwest_builder().local_address(address).no_proxy().build().expect("an HTTP client");
        Client { base: base.trim_end_matches('/').to_owned(), token: None, http }
    }

    /// A request with any method (including made-up ones) to `path`.
    pub async fn request(&self, method: reqwest::Method, path: &str) -> Answer {
        self.send(self.http.request(method, format!("{}{path}", self.base))).await
    }

    /// A request to `path` on this client's connections, to finish (headers, body) and `send`.
    pub fn builder(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, format!("{}{path}", self.base))
    }

    /// A PUT with a raw body and content type.
    pub async fn put_raw(&self, path: &str, content_type: &str, body: Vec<u8>) -> Answer {
        let request =
            self.http.put(format!("{}{path}", self.base)).header("content-type", content_type).body(body);
        self.send(request).await
    }

    pub fn with_token(&self, token: &str) -> Client {
        Client { token: Some(token.to_owned()), ..self.clone() }
    }

    /// Logs in and returns a client carrying the token.
    pub async fn login(&self, username: &str, password: &str) -> Client {
        let answer = self
            .post("/api/v1/auth/login", &serde_json::json!({"username": username, "password": password}))
            .await;
        assert_eq!(answer.status, 200, "login as {username}: {}", answer.text);
        self.with_token(answer.json["token"].as_str().expect("a token"))
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(self.http.get(format!("{}{path}", self.base))).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Answer {
        self.send(self.http.post(format!("{}{path}", self.base)).json(body)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Answer {
        self.send(self.http.put(format!("{}{path}", self.base)).json(body)).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Answer {
        self.send(self.http.patch(format!("{}{path}", self.base)).json(body)).await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.send(self.http.delete(format!("{}{path}", self.base))).await
    }

    /// A POST with a raw body and content type, for malformed-input tests.
    pub async fn post_raw(&self, path: &str, content_type: &str, body: Vec<u8>) -> Answer {
        let request =
            self.http.post(format!("{}{path}", self.base)).header("content-type", content_type).body(body);
        self.send(request).await
    }

    /// A POST with extra headers (for example `Idempotency-Key`).
    pub async fn post_with(&self, path: &str, headers: &[(&str, &str)], body: &Value) -> Answer {
        let mut request = self.http.post(format!("{}{path}", self.base)).json(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request).await
    }

    pub async fn send(&self, mut request: reqwest::RequestBuilder) -> Answer {
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let content_type =
            headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let text = response.text().await.unwrap_or_default();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer { status, content_type, headers, text, json }
    }
}

impl Answer {
    /// Asserts a problem+json error with the given status and code.
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "status of {}", self.text);
        assert!(
            self.content_type.starts_with("application/problem+json"),
            "content type {} of {}",
            self.content_type,
            self.text
        );
        assert_eq!(self.json["code"], code, "code of {}", self.text);
        assert!(
            self.json["title"].is_string() && self.json["status"] == status,
            "problem shape of {}",
            self.text
        );
    }
}
