//! The audit log's hash chain: how one row's hash follows from the previous row's.

use sha2::{Digest, Sha256};

/// The hash that stands before the first row of a chain.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields of one audit row that the chain protects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditFields<'a> {
    pub seq: i64,
    pub at_ms: i64,
    pub actor: &'a str,
    pub action: &'a str,
    pub subject: &'a str,
    pub request_id: &'a str,
    pub detail: &'a str,
}

/// The hash of a row given the previous row's hash. Each field is length-prefixed so that
/// moving text from one field to the next changes the hash.
pub fn chain_hash(previous_hash: &str, fields: &AuditFields<'_>) -> String {
    let mut hasher = Sha256::new();
    hasher.update(previous_hash.as_bytes());
    hasher.update(fields.seq.to_be_bytes());
    hasher.update(fields.at_ms.to_be_bytes());
    for text in [fields.actor, fields.action, fields.subject, fields.request_id, fields.detail] {
        hasher.update((text.len() as u64).to_be_bytes());
        hasher.update(text.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Where a stored chain first disagrees with its recomputation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// The row's sequence number is not the previous one plus one.
    Gap { seq: i64, expected_seq: i64 },
    /// The row's stored hash is not the hash of its fields and the previous hash.
    HashMismatch { seq: i64 },
}

/// Checks one row against the running state of the chain, returning the new running hash.
pub fn verify_link(
    previous: (i64, &str),
    fields: &AuditFields<'_>,
    stored_hash: &str,
) -> Result<String, ChainBreak> {
    let (previous_seq, previous_hash) = previous;
    if fields.seq != previous_seq + 1 {
        return Err(ChainBreak::Gap { seq: fields.seq, expected_seq: previous_seq + 1 });
    }
    let expected = chain_hash(previous_hash, fields);
    if expected != stored_hash {
        return Err(ChainBreak::HashMismatch { seq: fields.seq });
    }
    Ok(expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(seq: i64, detail: &str) -> AuditFields<'_> {
        AuditFields {
            seq,
            at_ms: 1_700_000_000_000,
            actor: "user:1",
            action: "user.create",
            subject: "user:2",
            request_id: "r1",
            detail,
        }
    }

    #[test]
    fn a_chain_verifies_and_an_edit_is_found() {
        let first = chain_hash(GENESIS_HASH, &row(1, "a"));
        let second = chain_hash(&first, &row(2, "b"));
        let running = verify_link((0, GENESIS_HASH), &row(1, "a"), &first).unwrap();
        assert_eq!(verify_link((1, &running), &row(2, "b"), &second).unwrap(), second);
        assert_eq!(
            verify_link((1, &running), &row(2, "edited"), &second),
            Err(ChainBreak::HashMismatch { seq: 2 })
        );
        assert_eq!(
            verify_link((1, &running), &row(3, "b"), &second),
            Err(ChainBreak::Gap { seq: 3, expected_seq: 2 })
        );
    }

    #[test]
    fn field_boundaries_matter() {
        let mut a = row(1, "x");
        a.actor = "ab";
        a.action = "c";
        let mut b = row(1, "x");
        b.actor = "a";
        b.action = "bc";
        assert_ne!(chain_hash(GENESIS_HASH, &a), chain_hash(GENESIS_HASH, &b));
    }
}
