//! Test helpers shared by every crate's tests: throwaway databases on SQLite and PostgreSQL,
//! the real binary spawned on a free port, a small JSON HTTP client, and headless Chromium with
//! axe-core (vendored, MPL-2.0) for accessibility checks.
//!
//! Nothing here skips: when PostgreSQL or Chromium is missing, the test that asked for it fails
//! with a message saying what to install.

pub mod browser;
pub mod db;
pub mod http;
pub mod schema;
pub mod server;

pub use db::{Backend, TestDb};
pub use http::Client;
pub use server::Server;
