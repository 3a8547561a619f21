-- Comments on enterprise accounts' videos (from the platform, and the accounts' replies) and the
-- per-account counters the inbox shows.

CREATE TABLE comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- No foreign keys: a batch reads its videos' owners in its own transaction and writes these
    -- from them, and videos and accounts are never deleted. On PostgreSQL the three key checks
    -- (a FOR KEY SHARE lookup per key and row) cost three quarters of the ingest time.
    merchant_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    video_id BIGINT NOT NULL,
    -- The platform's comment id ('xd:' and our id for a reply written here); a repeat is ignored.
    external_id TEXT NOT NULL UNIQUE,
    -- The platform id of the comment this one answers (replies to replies too); it may arrive later.
    parent_external_id TEXT,
    author_id TEXT NOT NULL,
    -- 1 for a reply written by the account's staff here; 0 for a comment from the platform.
    by_account BIGINT NOT NULL,
    -- The member who wrote a reply of the account.
    replied_by TEXT,
    text TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    received_at_ms BIGINT NOT NULL,
    -- The time of the account's first reply; NULL while unanswered.
    answered_at_ms BIGINT,
    hidden_at_ms BIGINT,
    -- At most one pinned comment per video (the unique index below).
    pinned_at_ms BIGINT,
    -- Filled at ingest by sentiment analysis (later); NULL until then.
    sentiment TEXT,
    sentiment_score REAL
);
CREATE INDEX comments_inbox ON comments (account_id, created_at_ms, id);
CREATE INDEX comments_by_video ON comments (video_id, created_at_ms, id);
-- Awaiting a reply: from the platform, not answered, not hidden.
CREATE INDEX comments_unanswered ON comments (account_id, created_at_ms, id)
    WHERE by_account = 0 AND answered_at_ms IS NULL AND hidden_at_ms IS NULL;
CREATE INDEX comments_answered ON comments (account_id, answered_at_ms) WHERE answered_at_ms IS NOT NULL;
CREATE UNIQUE INDEX comments_pinned ON comments (video_id) WHERE pinned_at_ms IS NOT NULL;

-- Per account: comments stored and those awaiting a reply, changed in the same transaction as the
-- comments they count (store::comments::recount recomputes them).
CREATE TABLE comment_counters (
    account_id BIGINT PRIMARY KEY REFERENCES enterprise_accounts(id),
    merchant_id BIGINT NOT NULL REFERENCES merchants(id),
    comments BIGINT NOT NULL,
    unanswered BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);
