//! Tests of the real `xiaodian` binary: its command line, its HTTP API on SQLite and PostgreSQL,
//! and the console in headless Chromium.

mod analytics;
mod campaigns;
mod cli;
mod closure;
mod comments;
mod console;
mod console_closure;
mod console_comments;
mod console_crawl;
mod console_forms;
mod console_home;
mod console_messages;
mod console_videos;
mod fuzz;
mod http;
mod ledger;
mod operations;
mod paging;
mod payouts;
mod private_messages;
mod races;
mod reputation;
mod security;
mod sentiment;
mod verification;
mod videos;
mod webhooks;

use std::path::Path;

pub fn binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_xiaodian"))
}

/// Creates the four role users through `xiaodian user add` (the password comes on standard input).
pub fn add_users(db_url: &str) {
    for (username, role, merchant) in [
        ("admin", "admin", None),
        ("reviewer", "reviewer", None),
        ("m1", "merchant", Some("一号商家")),
        ("m2", "merchant", Some("二号商家")),
        ("svc", "service", None),
    ] {
        let mut args =
            vec!["user", "add", "--db", db_url, "--username", username, "--role", role, "--password-stdin"];
        if let Some(merchant) = merchant {
            args.extend(["--merchant", merchant]);
        }
        let (code, out, err) =
            test_support::server::run(binary(), &args, Some(&format!("{username}-password-1\n")));
        assert_eq!(code, 0, "user add {username}: {out}{err}");
    }
}

pub fn password(username: &str) -> String {
    format!("{username}-password-1")
}
