//! Readiness: whether this server can do its work now (the database answers in time and its schema
//! is exactly the one this binary migrates to), for `GET /readyz`.

use std::time::Duration;

/// How long the database has to answer the readiness probe.
pub const READINESS_TIMEOUT_MS: u64 = 2_000;

/// The answer of the readiness probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    Ready {
        schema_version: i64,
    },
    /// Why not, in a sentence for the operator.
    NotReady {
        reason: String,
    },
}

impl crate::App {
    /// Asks the database for its applied migrations within `READINESS_TIMEOUT_MS`.
    pub async fn readiness(&self) -> Readiness {
        let probe = self.db().schema_status();
        match tokio::time::timeout(Duration::from_millis(READINESS_TIMEOUT_MS), probe).await {
            Err(_) => Readiness::NotReady {
                reason: format!("the database did not answer within {READINESS_TIMEOUT_MS} ms"),
            },
            Ok(Err(error)) => {
                Readiness::NotReady { reason: format!("the database answered an error: {error}") }
            }
            Ok(Ok(status)) if !status.unknown.is_empty() => Readiness::NotReady {
                reason: format!(
                    "the database was migrated by a newer version (schema version {}; this binary knows up to {})",
                    status.applied_max.unwrap_or_default(),
                    status.known_max
                ),
            },
            Ok(Ok(status)) if !status.pending.is_empty() => {
                Readiness::NotReady { reason: format!("migrations {:?} are not applied yet", status.pending) }
            }
            Ok(Ok(status)) => Readiness::Ready { schema_version: status.known_max },
        }
    }
}
