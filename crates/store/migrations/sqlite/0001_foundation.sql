-- Foundation: merchants, users, sessions, login failures, audit log, jobs, calendar notices.
-- Times are BIGINT milliseconds since the Unix epoch (UTC); dates are TEXT 'YYYY-MM-DD'.

CREATE TABLE merchants (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    created_at_ms BIGINT NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    merchant_id BIGINT REFERENCES merchants(id),
    created_at_ms BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    merchant_id BIGINT,
    created_at_ms BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL,
    revoked_at_ms BIGINT
);
CREATE INDEX sessions_expiry ON sessions (expires_at_ms);

CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX login_failures_by_username ON login_failures (username, at_ms);

CREATE TABLE chain_heads (
    name TEXT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO chain_heads (name, seq, hash)
VALUES ('audit', 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at_ms BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    request_id TEXT NOT NULL,
    detail TEXT NOT NULL,
    merchant_id BIGINT,
    hash TEXT NOT NULL
);

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    payload TEXT NOT NULL,
    due_at_ms BIGINT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    last_error TEXT,
    merchant_id BIGINT,
    created_at_ms BIGINT NOT NULL,
    finished_at_ms BIGINT
);
CREATE INDEX jobs_due ON jobs (status, due_at_ms);
CREATE INDEX jobs_subject ON jobs (kind, subject, status);

CREATE TABLE calendar_notices (
    year BIGINT PRIMARY KEY,
    source TEXT NOT NULL,
    notice_text TEXT NOT NULL,
    imported_at_ms BIGINT NOT NULL
);
