//! The use cases' story tests on a real database, each run on SQLite and on PostgreSQL: one test
//! binary (one link) with a module per area.

mod analytics;
mod campaigns;
mod closure;
mod comments;
mod ledger;
mod notifications;
mod once_only;
mod payouts;
mod private_messages;
mod reputation;
mod sentiment;
mod story;
mod support;
mod verification;
mod videos;
