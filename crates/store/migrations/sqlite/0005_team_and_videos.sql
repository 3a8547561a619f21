-- Team roles inside a merchant; enterprise accounts' videos and their publishing cadence.

-- Every merchant user has a team role (owner, operator, approver or finance); other users none.
-- Merchant users that existed before team roles are their merchant's owners.
ALTER TABLE users ADD COLUMN team_role TEXT;
-- A removed member keeps its row (audit rows and videos name it) but can no longer log in.
ALTER TABLE users ADD COLUMN disabled_at_ms BIGINT;
UPDATE users SET team_role = 'owner' WHERE role = 'merchant';
CREATE INDEX users_by_merchant ON users (merchant_id, id);

CREATE TABLE videos (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id BIGINT NOT NULL REFERENCES merchants(id),
    account_id BIGINT NOT NULL REFERENCES enterprise_accounts(id),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    -- Topic tags without their '#', separated by single spaces.
    tags TEXT NOT NULL,
    status TEXT NOT NULL,
    -- The uploaded file (named by its SHA-256 in the data directory), or an external address.
    file_sha256 TEXT,
    file_bytes BIGINT,
    file_type TEXT,
    external_url TEXT,
    cover_sha256 TEXT,
    cover_type TEXT,
    created_by TEXT NOT NULL,
    submitted_by TEXT,
    submitted_at_ms BIGINT,
    -- The approver's latest decision: 'approved' or 'sent_back', with its comment.
    decision_outcome TEXT,
    decision_comment TEXT,
    decided_by TEXT,
    decided_at_ms BIGINT,
    -- When a scheduled video is published (its 'video.publish' job is due then).
    publish_at_ms BIGINT,
    published_at_ms BIGINT,
    published_by TEXT,
    withdrawn_at_ms BIGINT,
    -- Set while the video is pinned on its account (at most 3, verified accounts only).
    pinned_at_ms BIGINT,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);
CREATE INDEX videos_by_account ON videos (account_id, id);
CREATE INDEX videos_by_merchant ON videos (merchant_id, id);
CREATE INDEX videos_by_publish_at ON videos (account_id, publish_at_ms);
CREATE INDEX videos_by_published_at ON videos (account_id, published_at_ms);

-- An account's weekly publishing target; no row means no target.
CREATE TABLE video_cadences (
    account_id BIGINT PRIMARY KEY REFERENCES enterprise_accounts(id),
    merchant_id BIGINT NOT NULL REFERENCES merchants(id),
    videos_per_week BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);
