-- Learning from corrections: a comment's sentiment corrected by the merchant's team (who and
-- when, on the comment and as a history), and the deployment's domain layers fitted on them
-- (domain::sentiment::adapt), each a version; the newest not rolled back is in use.

ALTER TABLE comments ADD COLUMN sentiment_corrected_by TEXT;
ALTER TABLE comments ADD COLUMN sentiment_corrected_at_ms BIGINT;
-- The adaptation version that classified the comment at ingest (0: the shipped model).
ALTER TABLE comments ADD COLUMN sentiment_version BIGINT;

CREATE TABLE sentiment_corrections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    comment_id BIGINT NOT NULL REFERENCES comments(id),
    merchant_id BIGINT NOT NULL REFERENCES merchants(id),
    label TEXT NOT NULL,
    previous_label TEXT,
    previous_score REAL,
    corrected_by TEXT NOT NULL,
    corrected_at_ms BIGINT NOT NULL
);
CREATE INDEX sentiment_corrections_comment ON sentiment_corrections (comment_id, id);

CREATE TABLE sentiment_adaptations (
    version INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at_ms BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    -- corrections, file or both: where the examples came from.
    source TEXT NOT NULL,
    examples BIGINT NOT NULL,
    -- The newest correction (sentiment_corrections.id) the layer learnt from, 0 for none.
    corrections_through BIGINT NOT NULL,
    cv_folds BIGINT NOT NULL,
    cv_accuracy REAL,
    base_accuracy REAL,
    -- domain::sentiment::model::Model::fingerprint of the shipped model it was fitted on.
    base_model TEXT NOT NULL,
    layer BLOB NOT NULL,
    rolled_back_at_ms BIGINT,
    rolled_back_by TEXT
);
