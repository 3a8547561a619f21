//! Prometheus text metrics: request counts and latency histograms per route, plus gauges the app reports.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

/// Upper bounds of the latency buckets, in seconds.
const LATENCY_BUCKETS_SECONDS: [f64; 12] =
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0];
/// Distinct (method, route, status) series kept; more are counted under route "other".
const SERIES_MAX: usize = 2_000;

#[derive(Default)]
struct Series {
    count: u64,
    sum_seconds: f64,
    buckets: [u64; LATENCY_BUCKETS_SECONDS.len()],
}

#[derive(Default)]
pub struct Metrics {
    series: Mutex<BTreeMap<(String, String, u16), Series>>,
}

impl Metrics {
    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let Ok(mut series) = self.series.lock() else { return };
        let mut key = (method.to_owned(), route.to_owned(), status);
        if !series.contains_key(&key) && series.len() >= SERIES_MAX {
            key.1 = "other".to_owned();
        }
        let entry = series.entry(key).or_default();
        entry.count += 1;
        entry.sum_seconds += seconds;
        for (bucket, bound) in entry.buckets.iter_mut().zip(LATENCY_BUCKETS_SECONDS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
    }

    pub fn render(&self, gauges: &[(String, String, i64)]) -> String {
        let mut out = String::new();
        out.push_str("# HELP xiaodian_http_requests_total HTTP requests answered.\n");
        out.push_str("# TYPE xiaodian_http_requests_total counter\n");
        let Ok(series) = self.series.lock() else { return out };
        for ((method, route, status), s) in series.iter() {
            out.push_str(&format!(
                "xiaodian_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {}\n",
                s.count
            ));
        }
        out.push_str("# HELP xiaodian_http_request_duration_seconds Time to answer an HTTP request.\n");
        out.push_str("# TYPE xiaodian_http_request_duration_seconds histogram\n");
        for ((method, route, status), s) in series.iter() {
            let labels = format!("method=\"{method}\",route=\"{route}\",status=\"{status}\"");
            for (count, bound) in s.buckets.iter().zip(LATENCY_BUCKETS_SECONDS) {
                out.push_str(&format!(
                    "xiaodian_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}\n"
                ));
            }
            out.push_str(&format!(
                "xiaodian_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}\n",
                s.count
            ));
            out.push_str(&format!(
                "xiaodian_http_request_duration_seconds_sum{{{labels}}} {}\n",
                s.sum_seconds
            ));
            out.push_str(&format!("xiaodian_http_request_duration_seconds_count{{{labels}}} {}\n", s.count));
        }
        for (name, help, value) in gauges {
            out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n"));
        }
        out
    }
}

/// The method as a metrics label: one of the standard methods, or `other`, so that made-up
/// methods cannot add series.
pub fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let route = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned());
    let response = next.run(request).await;
    let route = route.unwrap_or_else(|| "unmatched".to_owned());
    state.metrics.observe(method, &route, response.status().as_u16(), started.elapsed().as_secs_f64());
    response
}
