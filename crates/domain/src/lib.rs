//! Pure business rules of Xiaodian: ids, money, the working-day calendar, validators, state machines.
//!
//! Nothing in this crate does I/O, reads a clock or speaks JSON: time and ids are passed in,
//! which keeps every rule testable exhaustively.

#[macro_use]
mod text_enum;
pub use text_enum::UnknownText;

pub mod access;
pub mod analytics;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod campaigns;
pub mod closure;
pub mod comments;
pub mod feed;
pub mod festivals;
pub mod jobs;
pub mod ledger;
pub mod limits;
pub mod money;
pub mod names;
pub mod notifications;
pub mod operations;
pub mod payouts;
pub mod private_messages;
pub mod reputation;
pub mod sales;
pub mod sentiment;
pub mod team;
pub mod validators;
pub mod verification;
pub mod videos;
pub mod violation;
pub mod webhooks;
