-- Reputation monitoring (舆情): the hourly sentiment rollup of each account's platform comments,
-- the account's settings and keyword watch list, and reputation incidents with their comments.

-- Per account and hour (of the comment's own time): platform comments and the negative ones,
-- changed in the transaction that stores the comments, so monitoring never scans comments.
CREATE TABLE comment_hourly_sentiment (
    account_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    hour_ms BIGINT NOT NULL,
    comments BIGINT NOT NULL,
    negative BIGINT NOT NULL,
    PRIMARY KEY (account_id, hour_ms)
);

-- An account's own spike rule; an account without a row uses the defaults
-- (domain::reputation::ReputationSettings::default).
CREATE TABLE reputation_settings (
    account_id BIGINT PRIMARY KEY REFERENCES enterprise_accounts(id),
    merchant_id BIGINT NOT NULL REFERENCES merchants(id),
    negative_min BIGINT NOT NULL,
    deviation_sigmas REAL NOT NULL,
    rate_floor REAL NOT NULL,
    baseline_hours BIGINT NOT NULL,
    yellow_negative BIGINT NOT NULL,
    orange_negative BIGINT NOT NULL,
    red_negative BIGINT NOT NULL,
    yellow_growth REAL NOT NULL,
    orange_growth REAL NOT NULL,
    red_growth REAL NOT NULL,
    blue_minutes BIGINT NOT NULL,
    yellow_minutes BIGINT NOT NULL,
    orange_minutes BIGINT NOT NULL,
    red_minutes BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);

-- The keyword watch list (brand names, products, executives), replaced as a whole.
CREATE TABLE reputation_keywords (
    account_id BIGINT NOT NULL REFERENCES enterprise_accounts(id),
    merchant_id BIGINT NOT NULL REFERENCES merchants(id),
    position BIGINT NOT NULL,
    keyword TEXT NOT NULL,
    PRIMARY KEY (account_id, position)
);

CREATE TABLE reputation_incidents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id BIGINT NOT NULL REFERENCES merchants(id),
    account_id BIGINT NOT NULL REFERENCES enterprise_accounts(id),
    -- 'spike' or 'keyword'.
    kind TEXT NOT NULL,
    -- 'blue', 'yellow', 'orange', 'red'; only ever raised.
    level TEXT NOT NULL,
    -- 'open' or 'resolved'.
    status TEXT NOT NULL,
    opened_at_ms BIGINT NOT NULL,
    -- The hour that opened it or last raised it, its counts and the baseline it was judged against.
    hour_ms BIGINT NOT NULL,
    hour_comments BIGINT NOT NULL,
    hour_negative BIGINT NOT NULL,
    baseline_rate REAL NOT NULL,
    -- The first watched keyword matched, for a keyword incident.
    keyword TEXT,
    deadline_at_ms BIGINT NOT NULL,
    -- Set by the deadline job when the incident was still open at its deadline.
    overdue_at_ms BIGINT,
    assignee TEXT,
    assigned_at_ms BIGINT,
    summary TEXT,
    resolved_at_ms BIGINT,
    resolved_by TEXT,
    violation_id BIGINT,
    updated_at_ms BIGINT NOT NULL
);
-- One open incident per account: a new spike raises it instead of opening another.
CREATE UNIQUE INDEX reputation_incidents_open ON reputation_incidents (account_id) WHERE status = 'open';
CREATE INDEX reputation_incidents_by_account ON reputation_incidents (account_id, id);

-- Comments linked to an incident: 'comment' for the negative or keyword comments that raised it,
-- 'reply' for the account's replies to them.
CREATE TABLE reputation_incident_comments (
    incident_id BIGINT NOT NULL REFERENCES reputation_incidents(id),
    comment_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    role TEXT NOT NULL,
    linked_at_ms BIGINT NOT NULL,
    PRIMARY KEY (incident_id, comment_id)
);
CREATE INDEX reputation_incident_comments_by_comment ON reputation_incident_comments (comment_id);
