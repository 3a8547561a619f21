//! Pure business rules of Xiaodian: ids, money, the working-day calendar, validators, state machines.
//!
//! Nothing in this crate does I/O, reads a clock or speaks JSON: time and ids are passed in,
//! which keeps every rule testable exhaustively.

pub mod audit;
pub mod auth;
pub mod calendar;
pub mod ledger;
pub mod limits;
pub mod money;
pub mod validators;
pub mod verification;
pub mod violation;
