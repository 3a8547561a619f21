//! Every route of the API, grouped by area; each area adds itself to the registrar.

mod admin;
pub(crate) mod calendar;
mod shops;
mod system;
mod verification;

use crate::openapi::Routes;

pub fn all() -> Routes {
    let routes = Routes::default();
    let routes = system::add(routes);
    let routes = admin::add(routes);
    let routes = shops::add(routes);
    let routes = verification::add(routes);
    calendar::add(routes)
}

/// Role lists for the document.
pub(crate) const ANY_ROLE: &[&str] = &["admin", "reviewer", "merchant", "service"];
pub(crate) const ADMIN: &[&str] = &["admin"];
pub(crate) const MERCHANT: &[&str] = &["merchant"];
pub(crate) const REVIEWER: &[&str] = &["reviewer"];
pub(crate) const SERVICE: &[&str] = &["service"];
