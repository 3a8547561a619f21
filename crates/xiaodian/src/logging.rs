//! Log lines on standard error: human text (coloured only on a terminal) or one JSON object a line
//! (`--log-format json`, `XIAODIAN_LOG_FORMAT`) for log shipping. `RUST_LOG` sets the levels. A line
//! written while a request is answered carries that request's id (the `request` span of
//! `api::request_id`: in JSON, `span.request_id`).

use std::io::IsTerminal;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

static FORMAT: OnceLock<LogFormat> = OnceLock::new();

/// Remembers the format the command line chose, for `init` later.
pub fn set_format(format: LogFormat) {
    let _ = FORMAT.set(format);
}

/// Installs the subscriber once; later calls do nothing.
pub fn init() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match FORMAT.get().copied().unwrap_or(LogFormat::Text) {
        LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).try_init(),
        LogFormat::Json => builder.json().with_current_span(true).with_span_list(false).try_init(),
    };
}
